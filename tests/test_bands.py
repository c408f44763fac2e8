"""Lead time that rises with utilisation (SPEC section 9; footprint.bands, footprint.model.bands).

The hub case, every figure typed in:

    site L      fixed 1000, order-to-dispatch 0 days
    technology  F: printer 500 a year for 1,000 hours, 1 hour a unit, variable 5, dispatch 1 day;
                bands relaxed (50 % of the hours, queue 0.2 days) and busy (90 %, queue 1.5 days)
    zone Z      600 units; lane L → Z 0.5 a unit, 0.5 days

Busy: 600 h ≤ 900 h of one printer, lead 1 + 1.5 + 0.5 = 3.0 days,
cost 1000 + 500 + 3000 + 300 = 4800.
Relaxed: 600 h ≤ 2 · 500 h, two printers, lead 1 + 0.2 + 0.5 = 1.7 days,
cost 1000 + 1000 + 3000 + 300 = 5300.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footprint import solve_case
from footprint.bands import kingman_days, kingman_hours
from footprint.case import load_case
from footprint.derive import derive
from footprint.errors import InputError
from tinycase import tiny_case

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "example"

BUSY = 1000 + 500 + 600 * 5 + 600 * 0.5      # 4800
RELAXED = 1000 + 2 * 500 + 600 * 5 + 600 * 0.5  # 5300
BANDS = [dict(technology="F", band="relaxed", max_utilisation=0.5, queue_days=0.2),
         dict(technology="F", band="busy", max_utilisation=0.9, queue_days=1.5)]


def hub_case(target: float | None = None, bands=BANDS, zones=None, demand=None, lanes=None, **settings):
    demand = demand or [dict(zone="Z", product="P", quantity=600.0, lead_time_target_days=target)]
    zones = zones or [dict(zone="Z", country="X", lat=0.0, lon=0.0)]
    lanes = lanes or [dict(site="L", zone="Z", mode="road", cost_per_unit=0.5, transit_days=0.5)]
    return tiny_case(
        sites=[dict(site="L", country="X", lat=0.0, lon=0.0, fixed_cost=1000.0)],
        technologies=[dict(technology="F", printer_cost=500.0, hours_per_year=1000.0, max_utilisation=0.9,
                           dispatch_days=1.0)],
        processes=[dict(product="P", technology="F", hours_per_unit=1.0, variable_cost=5.0)],
        zones=zones, demand=demand, modes=None, lanes=lanes, utilisation_bands=bands,
        settings={"mip_gap": 0, **settings})


def solve(case, **kw):
    result = solve_case(case, **kw)
    assert result.status == "optimal"
    return result


def test_a_two_day_promise_makes_the_hub_run_relaxed_with_two_printers():
    result = solve(hub_case(target=2.0))
    assert result.objective == pytest.approx(RELAXED, rel=1e-9)
    printers = result.tables["printers"]
    assert printers[["site", "technology", "printers", "band", "queue_days"]].values.tolist() == [
        ["L", "F", 2, "relaxed", 0.2]]
    assert printers["utilisation"].iloc[0] == pytest.approx(0.3)   # 600 h of 2,000 h
    flows = result.tables["flows"]
    assert flows["lead_time_days"].tolist() == pytest.approx([1.7])
    assert flows["source"].tolist() == ["F@q<=0.20d"]
    assert result.tables["production"]["band"].tolist() == ["relaxed"]


def test_without_a_promise_the_hub_runs_busy_on_one_printer():
    result = solve(hub_case(target=None))
    assert result.objective == pytest.approx(BUSY, rel=1e-9)
    printers = result.tables["printers"]
    assert printers[["printers", "band", "queue_days"]].values.tolist() == [[1, "busy", 1.5]]
    assert printers["utilisation"].iloc[0] == pytest.approx(0.6)
    assert result.tables["flows"]["lead_time_days"].tolist() == pytest.approx([3.0])


def test_cheap_lateness_keeps_the_hub_busy_and_dear_lateness_makes_it_relaxed():
    # Soft policy, 2-day promise: busy is 1.0 day late on 600 units. Busy costs 4800 + 600·price,
    # relaxed 5300: busy while the price is below 500/600 = 0.833 a unit-day.
    cheap = solve(hub_case(target=2.0, lead_time_policy="soft", lateness_penalty=0.5))
    assert cheap.objective == pytest.approx(BUSY + 600 * 1.0 * 0.5, rel=1e-9)
    assert cheap.tables["printers"]["band"].tolist() == ["busy"]
    assert cheap.costs["lateness"] == pytest.approx(300.0)
    assert cheap.kpis["on_time_share"] == pytest.approx(0.0)
    dear = solve(hub_case(target=2.0, lead_time_policy="soft", lateness_penalty=2.0))
    assert dear.objective == pytest.approx(RELAXED, rel=1e-9)
    assert dear.tables["printers"][["printers", "band"]].values.tolist() == [[2, "relaxed"]]
    assert dear.costs["lateness"] == 0.0


def test_a_relaxed_hub_also_serves_the_zone_without_a_promise_through_the_slower_lane():
    """Z1 (600, 2-day promise) needs the relaxed band; Z2 (300, no promise) has one lane only, at
    the busy level (a relaxed-level lane would cost the same): the relaxed hub's units reach it by
    Down. 900 h at 50 % need two printers: 1000 + 1000 + 900·5 + 900·0.5 = 6950."""
    zones = [dict(zone="Z1", country="X", lat=0.0, lon=0.0), dict(zone="Z2", country="X", lat=0.0, lon=0.0)]
    demand = [dict(zone="Z1", product="P", quantity=600.0, lead_time_target_days=2.0),
              dict(zone="Z2", product="P", quantity=300.0)]
    lanes = [dict(site="L", zone=z, mode="road", cost_per_unit=0.5, transit_days=0.5) for z in ("Z1", "Z2")]
    case = hub_case(zones=zones, demand=demand, lanes=lanes)
    data = derive(load_case(case))
    assert sorted(zip(data.ship["zone"], data.ship["source"])) == [("Z1", "F@q<=0.20d"), ("Z2", "F@q<=1.50d")]
    assert data.downgrades[["from_source", "to_source"]].values.tolist() == [["F@q<=0.20d", "F@q<=1.50d"]]
    result = solve(case)
    assert result.objective == pytest.approx(1000 + 1000 + 900 * 5 + 900 * 0.5, rel=1e-9)
    flows = result.tables["flows"].set_index("zone")
    assert flows.loc["Z2", "units"] == pytest.approx(300.0)
    # flows.csv shows the level the units were made at: the relaxed one, 1.7 days.
    assert flows["source"].tolist() == ["F@q<=0.20d", "F@q<=0.20d"]
    assert flows["lead_time_days"].tolist() == pytest.approx([1.7, 1.7])
    assert result.tables["printers"][["printers", "band"]].values.tolist() == [[2, "relaxed"]]
    pyomo = solve_case(case, backend="pyomo")
    assert pyomo.objective == pytest.approx(result.objective, rel=1e-9)


def test_without_bands_the_hub_keeps_its_old_model_and_optimum():
    # No bands: the technology's own cap (90 %) and no queue, lead 1 + 0.5 = 1.5 days, so a
    # 2-day promise is kept on one printer: the busy cost.
    result = solve(hub_case(target=2.0, bands=None))
    assert result.objective == pytest.approx(BUSY, rel=1e-9)
    assert "band" not in result.tables["printers"] and "band" not in result.tables["production"]
    assert result.tables["flows"]["source"].tolist() == ["F"]
    data = derive(load_case(hub_case(target=2.0, bands=None)))
    assert data.site_bands.empty and data.downgrades.empty


def test_kingman_queue_is_computed_where_the_table_leaves_it_empty():
    # ρ = 0.8, ca = 1, cs = 0.5, 10-hour jobs: 0.8/0.2 · (1 + 0.25)/2 · 10 = 25 h = 1.0417 days.
    assert kingman_hours(0.8, 10.0, 1.0, 0.5) == pytest.approx(25.0)
    assert kingman_days(0.8, 10.0, 1.0, 0.5) == pytest.approx(25.0 / 24)
    assert math.isinf(kingman_hours(1.0, 10.0, 1.0, 0.5))
    case = hub_case(target=None, bands=[dict(technology="F", band="busy", max_utilisation=0.8)])
    case["technologies"]["job_hours"] = 10.0
    result = solve(case)
    assert result.tables["printers"]["queue_days"].tolist() == pytest.approx([25.0 / 24])
    assert result.tables["flows"]["lead_time_days"].tolist() == pytest.approx([1.0 + 25.0 / 24 + 0.5])
    # Defaults 8 h, 1 and 0.5: at ρ = 0.5 the wait is 1 · 0.625 · 8 = 5 h.
    assert kingman_hours(0.5, 8.0, 1.0, 0.5) == pytest.approx(5.0)


def test_a_full_band_without_its_queue_is_named():
    case = hub_case(bands=[dict(technology="F", band="flat_out", max_utilisation=1.0)])
    with pytest.raises(InputError) as err:
        load_case(case)
    text = str(err.value)
    assert "utilisation_bands row 2, column queue_days" in text and "flat_out" in text and "infinite" in text


def test_band_rows_are_checked_like_every_table():
    case = hub_case(bands=[dict(technology="G", band="x", max_utilisation=1.5, queue_days=-1)])
    with pytest.raises(InputError) as err:
        load_case(case)
    text = str(err.value)
    assert "utilisation_bands row 2, column max_utilisation" in text
    assert "utilisation_bands row 2, column queue_days" in text
    assert "utilisation_bands row 2, column technology" in text


def test_the_stage_solves_a_network_with_bands():
    """40 candidate print sites, six zones (half with a 2-day promise): the Lagrangian stage
    (bands and levels dropped from its bound, kept in its exact solves) reaches the optimum."""
    from footprint.bounding import solve_staged
    from footprint.model import build_blocks
    from footprint.solve import highs_options

    sites = [dict(site=f"L{i:02d}", country="X", lat=0.0, lon=0.0, fixed_cost=900.0 + 37.0 * i) for i in range(40)]
    zones = [dict(zone=f"Z{k}", country="X", lat=0.0, lon=0.0) for k in range(6)]
    lanes = [dict(site=f"L{i:02d}", zone=f"Z{k}", mode="road", cost_per_unit=0.2 + 0.05 * ((i + k) % 7),
                  transit_days=0.3 + 0.2 * ((i * k) % 3)) for i in range(40) for k in range(6)]
    demand = [dict(zone=f"Z{k}", product="P", quantity=400.0 + 100 * k,
                   lead_time_target_days=2.0 if k % 2 else None) for k in range(6)]
    case = hub_case(zones=zones, demand=demand, lanes=lanes)
    case["sites"] = pd.DataFrame(sites)
    exact = solve_case(case, settings={"mip_gap": 0, "lagrangian_stage": False, "start_heuristic": False})
    assert exact.status == "optimal"
    loaded = load_case(case)
    data = derive(loaded)
    blocks = build_blocks(data)
    options = highs_options({**loaded.settings, "mip_gap": 0, "time_limit_s": 60})
    outcome = solve_staged(blocks, data, options, 0.0)
    assert outcome.objective == pytest.approx(exact.objective, rel=1e-6)
    assert outcome.best_bound <= exact.objective * (1 + 1e-9)
    assert set(exact.tables["printers"]["band"]) <= {"relaxed", "busy"}


def test_a_plan_with_bands_warm_starts_its_own_model_exactly():
    """printers.csv's band and flows.csv's made-at levels map back onto the model: the earlier plan
    is a feasible start (bands, band printers and the Down flows rebuilt) at its own cost."""
    from footprint.api import warm_start_values
    from footprint.bounding import is_feasible
    from footprint.model import build_blocks

    zones = [dict(zone="Z1", country="X", lat=0.0, lon=0.0), dict(zone="Z2", country="X", lat=0.0, lon=0.0)]
    demand = [dict(zone="Z1", product="P", quantity=600.0, lead_time_target_days=2.0),
              dict(zone="Z2", product="P", quantity=300.0)]
    lanes = [dict(site="L", zone=z, mode="road", cost_per_unit=0.5, transit_days=0.5) for z in ("Z1", "Z2")]
    case = hub_case(zones=zones, demand=demand, lanes=lanes)
    plan = solve(case)
    data = derive(load_case(case))
    blocks = build_blocks(data)
    values = warm_start_values(plan, data)
    assert values["Down"].tolist() == [300.0]
    assert values["Band"].sum() == 1 and values["BandPrinters"].sum() == 2
    assert is_feasible(blocks, values)
    assert float(blocks.objective_vector() @ blocks.stack(values)) == pytest.approx(plan.objective, rel=1e-12)


def test_the_queue_command_prints_kingman_for_the_planners_job_data():
    from typer.testing import CliRunner

    from footprint.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["queue", "--technology", "SLS", "--utilisation", "0.5,0.8", "--job-hours", "10"])
    assert done.exit_code == 0, done.output
    # ρ = 0.5: 1 · 0.625 · 10 = 6.25 h = 0.26 days; ρ = 0.8: 4 · 0.625 · 10 = 25 h = 1.04 days
    lines = [line for line in done.output.splitlines() if "SLS" in line]
    assert [cell.strip() for cell in lines[0].strip("│ ").split("│")][-2:] == ["6.2", "0.26"]
    assert [cell.strip() for cell in lines[1].strip("│ ").split("│")][-2:] == ["25.0", "1.04"]
    # From a case: its own job data and its bands, the queue each band is given.
    done = runner.invoke(app, ["queue", str(EXAMPLE), "--technology", "SLS", "--utilisation", "80%"])
    assert done.exit_code == 0, done.output
    assert "0.21" in done.output and "relaxed" in done.output and "Kingman" in done.output


def test_the_queue_command_names_every_bad_option_at_once():
    from typer.testing import CliRunner

    from footprint.cli import app

    done = CliRunner().invoke(app, ["queue", str(EXAMPLE), "--technology", "XX", "--utilisation", "1.2,abc"])
    assert done.exit_code == 2
    assert "--utilisation: 1.2 is not in (0, 1)" in done.output
    assert "--utilisation: 'abc' is not a number" in done.output
    assert "--technology: XX is not a technology of the case" in done.output
    assert "Traceback" not in done.output


def test_the_relaxation_makes_an_urgent_item_in_a_fast_enough_band():
    """In the Lagrangian site problem the 2-day item's only lane is at the relaxed level, so it may
    only be made relaxed: 5 + 500/(0.5 · 1,000) = 6 a unit, not busy's 5 + 500/900 = 5.56. At
    λ = 20: 600 · (20 − 0.5 − 6) = 8,100 of profit, and L is worth 1000 − 8,100 = −7,100."""
    from footprint.lagrange_general import GeneralRelaxation, relaxation_for

    data = derive(load_case(hub_case(target=2.0)))
    relax = relaxation_for(data)
    assert isinstance(relax, GeneralRelaxation)
    ev = relax.evaluate(np.full(len(relax.quantity), 20.0))
    assert ev.value[0] == pytest.approx(-7_100.0, abs=1e-6)
    # Without a promise both bands may serve it, and busy is the cheaper: 600 · (19.5 − 5.5556).
    loose = relaxation_for(derive(load_case(hub_case(target=None))))
    assert loose.evaluate(np.full(1, 20.0)).value[0] == pytest.approx(1000 - 600 * (19.5 - 5 - 500 / 900), abs=1e-6)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_relaxation_with_bands_never_bounds_above_the_optimum(seed):
    """Random hub networks (8 sites, 5 zones, two technologies with bands, mixed promises): the
    bound at random multipliers never exceeds the exact optimum."""
    from footprint.lagrange_general import relaxation_for

    rng = np.random.default_rng(seed)
    sites = [dict(site=f"S{i}", country="X", lat=0.0, lon=0.0, fixed_cost=float(rng.uniform(500, 1500)),
                  lead_time_days=float(rng.choice([0.0, 0.5]))) for i in range(8)]
    zones = [dict(zone=f"Z{k}", country="X", lat=0.0, lon=0.0) for k in range(5)]
    lanes = [dict(site=f"S{i}", zone=f"Z{k}", mode="road", cost_per_unit=float(rng.uniform(0.2, 2.0)),
                  transit_days=float(rng.uniform(0.2, 1.5))) for i in range(8) for k in range(5)]
    demand = [dict(zone=f"Z{k}", product=p, quantity=float(rng.integers(100, 700)),
                   lead_time_target_days=float(rng.choice([2.0, 3.0, np.nan])))
              for k in range(5) for p in ("P", "Q")]
    case = hub_case(zones=zones, demand=demand, lanes=lanes, bands=BANDS + [
        dict(technology="G", band="relaxed", max_utilisation=0.6, queue_days=0.1),
        dict(technology="G", band="busy", max_utilisation=0.95, queue_days=1.0)])
    case["sites"] = pd.DataFrame(sites)
    case["technologies"] = pd.DataFrame([
        dict(technology="F", printer_cost=500.0, hours_per_year=1000.0, dispatch_days=1.0),
        dict(technology="G", printer_cost=900.0, hours_per_year=1000.0, dispatch_days=1.0)])
    case["products"] = pd.DataFrame([dict(product="P", weight_kg=1.0), dict(product="Q", weight_kg=1.0)])
    case["processes"] = pd.DataFrame([
        dict(product="P", technology="F", hours_per_unit=1.0, variable_cost=5.0),
        dict(product="P", technology="G", hours_per_unit=0.6, variable_cost=6.0),
        dict(product="Q", technology="G", hours_per_unit=0.8, variable_cost=4.0)])
    optimum = solve(case).objective
    relax = relaxation_for(derive(load_case(case)))
    start = relax.start_multipliers()
    bounds = [relax.evaluate(start * f).bound for f in rng.uniform(0.5, 2.0, size=(200, len(start)))]
    assert max(bounds) <= optimum * (1 + 1e-9)
    assert max(bounds) >= 0.5 * optimum


def test_two_bands_whose_queues_round_alike_stay_two_levels():
    """Quarter-hour jobs: bands at 50 % and 60 % wait 0.0065 and 0.0098 days, both '0.01' to two
    decimals. They must remain two sources (a third decimal tells them apart) and the hub solves."""
    bands = [dict(technology="F", band="slow", max_utilisation=0.5), dict(technology="F", band="fast", max_utilisation=0.6)]
    case = hub_case(target=None, bands=bands)
    case["technologies"]["job_hours"] = 0.25
    data = derive(load_case(case))
    assert sorted(set(data.make["source"])) == ["F@q<=0.007d", "F@q<=0.010d"]
    result = solve(case)
    assert result.objective == pytest.approx(BUSY)   # 600 h fit one printer at 60 %
    assert result.tables["printers"]["band"].tolist() == ["fast"]


def test_no_row_family_is_named_like_a_variable_block():
    """The Pyomo back end gives rows and variables one namespace: every option of the model on."""
    from footprint.model import build_blocks

    case = hub_case(target=2.0, min_service_level=0.5, resilience_share=0.5, single_sourcing=True)
    blocks = build_blocks(derive(load_case(case)))
    assert not set(blocks.variables) & {r.name for r in blocks.rows}
