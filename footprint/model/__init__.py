"""The mixed-integer model of SPEC section 3, in Pyomo.

Conventions (kept across model, results and schema):

- index sets are the rows of the prepared frames of
  :class:`footprint.derive.ModelData`; a variable is indexed by the row
  position in its frame (``Ship[i]`` is row ``i`` of ``data.ship``), which
  keeps construction sparse and fast; readable ids live in the frames;
- variables are CamelCase (``Open``, ``Printers``, ``Make``, ``Tooled``,
  ``Ship``, ``Unmet``, ``Assign``), constraints are CamelCase named after
  their family, cost expressions are ``Cost_<term>``.

Each constraint family is one function with its math in the docstring. An
extension hook, ``extra_constraints(model, data)``, lets a user add a
business rule without forking.
"""

from __future__ import annotations

from typing import Callable

import pyomo.environ as pyo

from footprint.derive import ModelData
from footprint.model import capacity, costs, flows, sites

ExtraConstraints = Callable[[pyo.ConcreteModel, ModelData], None]


def build_model(data: ModelData, extra_constraints: ExtraConstraints | None = None) -> pyo.ConcreteModel:
    """Build the Pyomo model for prepared ``data``; objective in currency per year."""
    m = pyo.ConcreteModel(name="footprint")
    m.data = data
    sites.add_site_variables(m, data)
    capacity.add_capacity_variables(m, data)
    flows.add_flow_variables(m, data)

    sites.one_tier(m, data)
    sites.site_count_limits(m, data)
    capacity.printer_bounds(m, data)
    capacity.printer_slots(m, data)
    capacity.printer_capacity(m, data)
    capacity.minimum_utilisation(m, data)
    capacity.tier_link(m, data)
    capacity.tooling(m, data)
    flows.demand_balance(m, data)
    flows.site_balance(m, data)
    flows.strong_linking(m, data)
    flows.single_sourcing(m, data)
    flows.service_level(m, data)
    costs.objective(m, data)
    if extra_constraints is not None:
        extra_constraints(m, data)
    return m
