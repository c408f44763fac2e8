"""Scenarios that differ only in solve settings share one derivation in a batch (issue 19):
their plans are exactly those of solving each alone, and derived data is never reused under
settings it was not derived for."""

from __future__ import annotations

from pathlib import Path

import pytest

from footprint.api import solve_case
from footprint.batch import run_batch
from footprint.batch_derive import shared_derivations
from footprint.case import load_case
from footprint.derive import derive
from footprint.scenario import Scenario, TablesRead

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "example"


def scenario(name, **settings):
    return Scenario(name=name, base=EXAMPLE, settings=[("test", settings)] if settings else [])


def test_only_solve_settings_share_a_derivation():
    base = TablesRead.read(EXAMPLE)
    queue = [(i, s) for i, s in enumerate([
        scenario("one-site", max_open_sites=1), scenario("two-sites", max_open_sites=2),
        scenario("gap", mip_gap=0.05, time_limit_s=30), scenario("carbon", carbon_price=80.0),
        scenario("carbon-one-site", carbon_price=80.0, max_open_sites=1)])]
    queue = [(i, Scenario(s.name, base, s.changes, s.settings)) for i, s in queue]
    shared = shared_derivations(queue, None, "--set")
    assert sorted(shared) == [0, 1, 2, 3, 4]
    assert shared[0] is shared[1] is shared[2]          # the case's own carbon price
    assert shared[3] is shared[4] and shared[3] is not shared[0]
    assert shared[3].settings["carbon_price"] == 80.0
    # --set carbon_price applies to all: one group
    one = shared_derivations(queue, {"carbon_price": 10.0}, "--set")
    assert len({id(d) for d in one.values()}) == 1
    # a group shares only when it has more scenarios than there are workers to derive them
    assert sorted(shared_derivations(queue, None, "--set", workers=2)) == [0, 1, 2]
    assert shared_derivations(queue, None, "--set", workers=3) == {}
    assert len(shared_derivations(queue, {"carbon_price": 10.0}, "--set", workers=4)) == 5


def test_a_batch_with_shared_derivation_gives_each_scenarios_own_plan(tmp_path):
    limits = [{"max_open_sites": 2}, {}, {"min_open_sites": 5}]
    items = [scenario("two-sites", **limits[0]), scenario("no-limit"), scenario("five-sites", **limits[2])]
    exact = {"mip_gap": 0.0, "threads": 1}     # proven optima: one answer each, however derived
    outcome = run_batch(items, out=tmp_path / "out", jobs=2, settings=exact)
    for run, settings in zip(outcome.runs, limits):
        alone = solve_case(load_case(EXAMPLE, settings={**settings, **exact}))     # derived by itself
        assert run.status == alone.status == "optimal"
        assert run.result.objective == pytest.approx(alone.objective, rel=1e-12)
        assert run.result.settings["max_open_sites"] == alone.settings["max_open_sites"]
        assert run.result.settings["min_open_sites"] == alone.settings["min_open_sites"]
    # the best plan opens three sites: capping at two or forcing five both cost more
    assert [r.result.objective for r in outcome.runs] == pytest.approx(
        [1_636_834.901324626, 1_574_943.3654856174, 1_669_707.8865059211], rel=1e-9)
    assert [len(r.result.tables["sites"].query("open")) for r in outcome.runs] == [2, 3, 5]


def test_derived_data_is_refused_under_settings_it_was_not_derived_for():
    case = load_case(EXAMPLE)
    data = derive(case)
    assert solve_case(case.with_settings({"max_open_sites": 2}), derived=data).has_plan
    with pytest.raises(ValueError, match="derived under other settings"):
        solve_case(case.with_settings({"carbon_price": 80.0}), derived=data)


@pytest.mark.parametrize("changed", [{"currency": "USD"}, {"max_open_sites": 1}, {"min_open_sites": 5},
                                     {"strong_linking": False}, {"start_heuristic": False},
                                     {"lagrangian_stage": False}, {"time_limit_s": 1.0}, {"mip_gap": 0.5},
                                     {"threads": 2}, {"seed": 7}])
def test_solve_settings_leave_the_derived_data_as_it_is(changed):
    from footprint.settings import SOLVE_ONLY

    assert set(changed) <= SOLVE_ONLY
    case = load_case(EXAMPLE)
    plain, other = derive(case), derive(case.with_settings(changed))
    for name, value in vars(plain).items():
        if name == "settings":
            continue
        theirs = getattr(other, name)
        if hasattr(value, "equals"):
            assert value.equals(theirs), name
        else:
            assert (value is None and theirs is None) or (value == theirs).all(), name


def test_a_failed_shared_derivation_leaves_each_scenario_to_derive_its_own(monkeypatch):
    import footprint.batch_derive as batch_derive

    base = TablesRead.read(EXAMPLE)
    broken = Scenario("broken", base, settings=[("test", {"max_open_sites": -1})])   # invalid setting
    fine = Scenario("fine", base, settings=[("test", {"max_open_sites": 2})])
    data = batch_derive.derive_for([broken, fine], None, "--set")    # the first valid member's
    assert data is not None and data.settings["max_open_sites"] == 2

    def fails(case):
        raise RuntimeError("deriving failed")

    monkeypatch.setattr(batch_derive, "derive", fails)
    assert batch_derive.derive_for([fine], None, "--set") is None
    assert batch_derive.shared_derivations([(0, fine), (1, fine), (2, fine)], None, "--set") == {}


def test_a_failed_scenario_leaves_only_its_own_leftovers_removed(tmp_path):
    from footprint.batch import ScenarioRun
    from footprint.batch_output import Staging

    staging = Staging(tmp_path / "out", maps=False)
    for name in (".x1.k3j2_a8q", ".x1.old", ".x1.5.k3j2_a8q", "x1.5", "x1"):
        (staging.tmp / name).mkdir()
    staging.drop(ScenarioRun("x1", "x1"))        # failed: no result
    assert sorted(p.name for p in staging.tmp.iterdir()) == [".x1.5.k3j2_a8q", "x1.5"]
    staging.discard()
