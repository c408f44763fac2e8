"""One derivation for the scenarios of a batch that differ only in how they are solved (issue 19).

Deriving a case (lanes expanded per product, dominated lanes pruned, demand
rows merged: :func:`footprint.derive.derive`) takes seconds on a large case,
about a quarter of a flagship scenario's time at a short time limit. A batch
that sweeps what only the solve reads (most open sites, fewest open sites,
the time limit, the gap, the seed: :data:`footprint.settings.SOLVE_ONLY`) on
the same tables would derive the same data again in every worker. Here such
scenarios are found before any is solved, their data derived once (in the
batch's own process; on a Dask cluster as a task of its own, which Dask
derives again should the worker holding it be lost) and handed to each of
their workers, which skip their own derivation
(:func:`footprint.api.solve_case`, ``derived=``). A derivation that fails
leaves each scenario to derive its own. The workers wait
for that derivation, so a group shares only when it has more scenarios than
there are workers: then each worker skips more derivations than it waited for.

Two scenarios share when they have the same base case (read once), the same
changes (compared as their pickled bytes: identical scenario files, or none)
and the same overrides of every other setting. Scenarios that change rows or a
derived setting (carbon price, lead-time policy, a service level …) derive
their own: every cost moves the pruning of dominated lanes, so nothing of a
derivation carries over safely.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from typing import Mapping

from footprint.derive import ModelData, derive
from footprint.errors import InputError
from footprint.scenario import Scenario
from footprint.settings import SOLVE_ONLY


def share_key(scenario: Scenario, settings: Mapping[str, object] | None) -> tuple | None:
    """What a scenario's derived data depends on beyond the solve settings; None when it cannot
    be told (then the scenario derives its own)."""
    overrides: dict = {}
    for _, values in scenario.settings:
        overrides.update(values)
    overrides.update(settings or {})
    relevant = sorted((str(k), repr(v)) for k, v in overrides.items() if k not in SOLVE_ONLY)
    try:
        changes = pickle.dumps(scenario.changes)
    except Exception:  # a change that does not pickle: nothing to compare it by
        return None
    return id(scenario.base), changes, tuple(relevant), tuple(scenario.problems)


def sharing_groups(queue: list[tuple[int, Scenario]], settings: Mapping[str, object] | None,
                   workers: int = 1) -> list[list[int]]:
    """The positions of the scenarios of ``queue`` (position, scenario with its base already read)
    that share one derivation, group by group. Only groups of more scenarios than ``workers``
    share: the workers wait for the derivation, which pays back only when each of them then
    skips more than one."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for position, scenario in queue:
        key = share_key(scenario, settings)
        if key is not None:
            groups[key].append(position)
    return [members for members in groups.values() if len(members) >= 2 and len(members) > workers]


def derive_for(scenarios: list[Scenario], settings: Mapping[str, object] | None,
               settings_origin: str) -> ModelData | None:
    """The derived data of the first of ``scenarios`` (one group) whose case is valid; None when
    none is or deriving fails: then each derives its own in its worker, and a failure there is
    that scenario's alone."""
    for scenario in scenarios:
        try:
            case = scenario.load(settings, settings_origin)
        except InputError:
            continue
        try:
            return derive(case)
        except Exception:  # the workers derive again and report it scenario by scenario
            return None
    return None


def shared_derivations(queue: list[tuple[int, Scenario]], settings: Mapping[str, object] | None,
                       settings_origin: str, workers: int = 1) -> dict[int, ModelData]:
    """For each scenario of ``queue`` that shares its derived data with others
    (:func:`sharing_groups`): that data, derived once here."""
    by_position = dict(queue)
    out: dict[int, ModelData] = {}
    for members in sharing_groups(queue, settings, workers):
        data = derive_for([by_position[i] for i in members], settings, settings_origin)
        if data is not None:
            out.update({position: data for position in members})
    return out
