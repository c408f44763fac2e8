"""Decision insight (issue 16): explain, marginals, stress, the configuration profile.

The two-site case, every figure typed in (no modes; lanes listed):

    technology T  printer 100 a year for 1,000 hours, 1 hour a unit, variable 3
    site A        fixed 500, at most 1 printer; lanes to Z: road 0.5 and 3 days, express 1.5 and 1 day
    site B        fixed 300; lane to Z: road 4 and 1 day
    zone Z        1,200 units, promise 2 days

A makes 1,000 (its one printer is full) and ships them by express; B makes 200:
500 + 300 + 2·100 + 1,200·3 + 1,000·1.5 + 200·4 = 6,900. B alone: 300 + 2·100 + 3,600 + 4,800 = 8,900.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from footprint import solve_case
from footprint.case import load_case
from footprint.cli import app
from tinycase import demand, lane, site, tiny_case, zone

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"
PLAN = 500 + 300 + 2 * 100 + 1200 * 3 + 1000 * 1.5 + 200 * 4     # 6,900
B_ALONE = 300 + 2 * 100 + 1200 * 3 + 1200 * 4                     # 8,900


def two_sites(**settings):
    return tiny_case(
        sites=[site("A", 500.0, max_printers=1), site("B", 300.0)], zones=[zone("Z")], modes=None,
        lanes=[lane("A", "Z", 0.5, mode="road", transit_days=3.0), lane("A", "Z", 1.5, mode="express", transit_days=1.0),
               lane("B", "Z", 4.0, mode="road", transit_days=1.0)],
        demand=[demand("Z", 1200.0, lead_time_target_days=2.0)], settings={"mip_gap": 0, **settings})


def test_the_two_site_plan_is_worked_out_by_hand():
    result = solve_case(two_sites())
    assert result.objective == pytest.approx(PLAN)


def test_explain_flips_every_candidate_site():
    from footprint.explain import explain_case

    base, table = explain_case(two_sites(), jobs=1)
    assert base.objective == pytest.approx(PLAN)
    rows = table.set_index("site")
    # A closed: B alone, +2,000; its printer moves to B.
    assert rows.loc["A", "in_plan"] and rows.loc["A", "flip"] == "close"
    assert rows.loc["A", "delta_cost"] == pytest.approx(B_ALONE - PLAN)
    assert rows.loc["A", "delta_at_least"] == pytest.approx(B_ALONE - PLAN)   # both solves proven
    assert rows.loc["A", "sites_closed"] == "A" and rows.loc["A", "printer_changes"] == "A T -1; B T +1"
    # B closed: A's one printer cannot make 1,200 units: no plan, and the reason says why.
    assert rows.loc["B", "status"] == "infeasible" and pd.isna(rows.loc["B", "delta_cost"])
    assert "1,000 h a year" in rows.loc["B", "reason"] and "1,200 h" in rows.loc["B", "reason"]


def test_marginals_price_a_printer_hour_and_a_day_of_promise():
    from footprint.explain import marginals

    case = load_case(two_sites())
    margins = marginals(solve_case(case), case).set_index(["kind", "site"])
    # One more hour at A makes one more unit there instead of at B: (3 + 4) − (3 + 1.5) = 2.5.
    assert margins.loc[("printer_hour", "A"), "value"] == pytest.approx(2.5)
    assert margins.loc[("printer_hour", "B"), "value"] == pytest.approx(0.0)
    # A 3-day promise lets A's 1,000 units go by road: 1,000 · (1.5 − 0.5) = 1,000 a year.
    day = margins.loc[("promise_day", "")]
    assert day["product"] == "P" and day["target_days"] == 2.0 and day["value"] == pytest.approx(1000.0)


def test_explain_from_the_command_line_writes_its_tables(tmp_path):
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    for name, frame in two_sites().items():
        frame.to_csv(case_dir / f"{name}.csv", index=False)
    done = CliRunner().invoke(app, ["explain", str(case_dir), "--out", str(tmp_path / "why"), "--jobs", "1"])
    assert done.exit_code == 0, done.output
    explain = pd.read_csv(tmp_path / "why" / "explain.csv")
    assert list(explain["site"]) == ["A", "B"]
    assert explain.loc[0, "delta_cost"] == pytest.approx(2000.0)
    assert (tmp_path / "why" / "marginals.csv").exists()
    assert json.loads((tmp_path / "why" / "base" / "summary.json").read_text())["objective"] == pytest.approx(PLAN)


# ------------------------------------------------------------------ the configuration profile


def test_the_profile_is_in_every_summary_and_traceable_to_flows(tmp_path):
    done = CliRunner().invoke(app, ["solve", str(EXAMPLE), "--out", str(tmp_path / "out"), "--quiet"])
    assert done.exit_code == 0
    profile = json.loads((tmp_path / "out" / "summary.json").read_text())["profile"]
    for key in ("sites_open", "share_units_made_in_destination_country", "share_units_largest_site",
                "mean_delivery_km", "p95_delivery_km", "mean_lead_time_days", "p95_lead_time_days",
                "share_value_crossing_border", "duty_per_unit", "co2_kg_per_unit", "share_units_from_stock",
                "share_units_printed"):
        assert key in profile
    for key in [k for k in profile if k.startswith("share_")]:
        assert 0.0 <= profile[key] <= 1.0
    flows = pd.read_csv(tmp_path / "out" / "flows.csv")
    weighted = (flows["units"] * flows["distance_km"]).sum() / flows["units"].sum()
    assert profile["mean_delivery_km"] == pytest.approx(weighted, rel=1e-6)
    assert profile["share_units_from_stock"] + profile["share_units_printed"] == pytest.approx(1.0)


def test_the_profile_of_the_two_site_plan_by_hand():
    profile = solve_case(two_sites()).profile
    assert profile["sites_open"] == 2
    assert profile["share_units_largest_site"] == pytest.approx(1000 / 1200)
    assert profile["share_units_made_in_destination_country"] == pytest.approx(1.0)   # all in country X
    assert profile["share_value_crossing_border"] == pytest.approx(0.0)
    assert profile["mean_lead_time_days"] == pytest.approx(1.0)    # both lanes take a day
    assert profile["p95_lead_time_days"] == pytest.approx(1.0)


# ------------------------------------------------------------------ hub outage


def test_losing_a_site_keeps_its_committed_costs_and_loses_its_capacity():
    """Shortfall price: 10 × (dearest lane 4 + production 3) = 70 a unit.
    Lose A: B's one printer makes 1,000 (its 1,000 h), 200 unserved; A's 500 and its printer's 100
    stay: 800 + 200 + 3,000 + 4,000 + 200·70 = 22,000, +15,100 on the plan.
    Lose B: A makes 1,000 by express, 200 unserved: 800 + 200 + 3,000 + 1,500 + 14,000 = 19,500,
    +12,600."""
    from footprint.stress import stress_case

    case = load_case(two_sites())
    result = solve_case(case)
    table, summary = stress_case(result, case)
    rows = table.set_index("site")
    assert rows.loc["A", "units_unserved"] == pytest.approx(200.0)
    assert rows.loc["A", "cost_increase"] == pytest.approx(22_000 - PLAN)
    assert rows.loc["A", "shortfall_cost"] == pytest.approx(200 * 70)
    assert rows.loc["A", "share_at_risk"] == pytest.approx(200 / 1200)
    assert rows.loc["B", "units_unserved"] == pytest.approx(200.0)
    assert rows.loc["B", "cost_increase"] == pytest.approx(19_500 - PLAN)
    assert (table["cost_increase"] >= 0).all() and (table["units_late"] == 0).all()
    assert summary["worst_site"] == "A" and summary["shortfall_price_per_unit"] == pytest.approx(70.0)


def test_an_outage_costs_what_closing_saves_plus_the_committed_fixed_cost():
    """The example's Birmingham warehouse: closing it in the plan costs 61,892 a year (explain);
    losing it for a year when its 25,000 are already committed costs 25,000 more."""
    from footprint.stress import stress_case

    case = load_case(EXAMPLE, settings={"mip_gap": 0})
    table, _ = stress_case(solve_case(case), case)
    bhw = table.set_index("site").loc["BHW"]
    assert bhw["cost_increase"] == pytest.approx(61_891.535839 + 25_000, abs=0.01)
    assert bhw["units_unserved"] == 0.0


def test_stress_from_the_command_line(tmp_path):
    done = CliRunner().invoke(app, ["stress", str(EXAMPLE), "--out", str(tmp_path / "st"), "--gap", "0"])
    assert done.exit_code == 0, done.output
    stress = pd.read_csv(tmp_path / "st" / "stress.csv")
    assert list(stress["site"]) == ["BHW", "LYS", "NUE"]
    summary = json.loads((tmp_path / "st" / "insight.json").read_text())
    assert summary["worst_site"] == "NUE"


# ------------------------------------------------------------------ resilient design


def resilient_case(**settings):
    """Zone Z, 100 units, no promise. A (fixed 100, lane 1) or B (fixed 300, lane 2); one printer of
    100 makes them at 3 each. Plain: A alone, 100 + 100 + 300 + 100 = 600."""
    return tiny_case(sites=[site("A", 100.0), site("B", 300.0)], zones=[zone("Z")], modes=None,
                     lanes=[lane("A", "Z", 1.0, transit_days=1.0), lane("B", "Z", 2.0, transit_days=1.0)],
                     demand=[demand("Z", 100.0)], settings={"mip_gap": 0, **settings})


def test_a_resilient_plan_keeps_a_second_site_within_reach_and_says_what_it_costs():
    plain = solve_case(resilient_case())
    assert plain.objective == pytest.approx(600.0) and plain.kpis["open_site_ids"] == ["A"]
    resilient = solve_case(resilient_case(resilience_share="100%"))
    # B opens (300) and stays idle: losing A, B can still reach Z; A keeps making the units.
    assert resilient.objective == pytest.approx(900.0)
    assert resilient.kpis["open_site_ids"] == ["A", "B"]
    assert resilient.kpis["resilience_extra_cost"] == pytest.approx(300.0)
    assert any("resilient design (resilience_share = 1): 900 a year, +300 against the plain plan (600" in m
               for m in resilient.messages)


def test_a_resilience_share_out_of_reach_is_named_before_solving():
    case = resilient_case(resilience_share=1.0)
    case["lanes"] = case["lanes"].iloc[:1]   # only A reaches Z
    result = solve_case(case)
    assert result.status == "infeasible"
    assert result.messages[1] == "  zone Z: at most 0% (only one site reaches P on time)"


def test_the_comparison_has_delta_cost_tier_changes_and_the_profile():
    from types import SimpleNamespace

    from footprint.report.compare import comparison_table

    def run(name, objective, tiers, printers, profile):
        sites = pd.DataFrame({"site": list(tiers), "open": [True] * len(tiers), "tier": list(tiers.values()),
                              "status": ["candidate"] * len(tiers), "units_made": [1.0] * len(tiers)})
        table = pd.DataFrame([{"site": s, "technology": "T", "printers": n} for s, n in printers.items()])
        result = SimpleNamespace(objective=objective, best_bound=objective, mip_gap=0.0, costs={},
                                 kpis={"open_sites": len(tiers), "printers_by_technology": {"T": sum(printers.values())}},
                                 tables={"sites": sites, "printers": table}, timings={}, profile=profile)
        return SimpleNamespace(name=name, status="optimal", result=result, has_plan=True, reason="")

    base = run("base", 1000.0, {"A": "micro"}, {"A": 2}, {"sites_open": 1, "mean_delivery_km": 100.0})
    grown = run("grown", 1300.0, {"A": "hub", "B": "micro"}, {"A": 9, "B": 1}, {"sites_open": 2, "mean_delivery_km": 80.0})
    table = comparison_table([base, grown]).set_index("scenario")
    assert table.loc["base", "delta_cost"] == 0.0 and table.loc["grown", "delta_cost"] == 300.0
    assert table.loc["grown", "tier_changes"] == "A micro→hub" and table.loc["grown", "sites_opened"] == "B"
    assert table.loc["grown", "profile_mean_delivery_km"] == 80.0 and table.loc["base", "profile_sites_open"] == 1


def test_resilience_never_forces_open_a_site_for_demand_the_plan_leaves_unserved():
    """Z wants P (100, reached by A and B) and Q (1 unit, penalty 5, made only at C, fixed 10,000).
    Plain: A alone (100 + 100 + 300 + 100), Q unserved (5): 605. With a resilience share of 0 nothing
    changes; at 0.5, P (100 of 101) needs A and B: 905, and C stays closed."""
    case = tiny_case(
        sites=[site("A", 100.0), site("B", 300.0), site("C", 10_000.0)], zones=[zone("Z")], modes=None,
        products=[dict(product="P", weight_kg=1.0), dict(product="Q", weight_kg=1.0)],
        processes=[dict(product="P", technology="T", hours_per_unit=1.0, variable_cost=3.0),
                   dict(product="Q", technology="U", hours_per_unit=1.0, variable_cost=3.0)],
        technologies=[dict(technology="T", printer_cost=100.0, hours_per_year=1000.0, max_utilisation=1.0),
                      dict(technology="U", printer_cost=100.0, hours_per_year=1000.0, max_utilisation=1.0)],
        site_technologies=[dict(site="A", technology="T"), dict(site="B", technology="T"),
                           dict(site="C", technology="U")],
        lanes=[lane(s, "Z", 1.0, transit_days=1.0) for s in ("A", "B", "C")],
        demand=[demand("Z", 100.0), demand("Z", 1.0, product="Q", unmet_penalty=5.0)], settings={"mip_gap": 0})
    plain = solve_case(case)
    assert plain.objective == pytest.approx(605.0) and plain.kpis["open_site_ids"] == ["A"]
    zero = solve_case(case, settings={"resilience_share": 0})
    assert zero.objective == pytest.approx(605.0)
    half = solve_case(case, settings={"resilience_share": 0.5})
    assert half.objective == pytest.approx(905.0) and half.kpis["open_site_ids"] == ["A", "B"]
    # The Pyomo back end writes the same rows (a row family named like a variable block once broke it).
    through_pyomo = solve_case(case, settings={"resilience_share": 0.5}, backend="pyomo")
    assert through_pyomo.objective == pytest.approx(905.0)


def test_resilience_counts_on_time_lanes_that_are_not_the_cheapest():
    """Soft policy: A's cheapest lane to Z is road (late); its express lane is on time. Resilience
    must see the express lane, or it calls the share out of reach."""
    result = solve_case(two_sites(lead_time_policy="soft", lateness_penalty=0.1, resilience_share=1.0))
    assert result.status == "optimal", result.messages
    assert result.kpis["open_site_ids"] == ["A", "B"]


def test_stress_is_not_made_infeasible_by_a_service_level():
    from footprint.stress import stress_case

    case = load_case(two_sites(min_service_level=0.9))
    table, summary = stress_case(solve_case(case), case)
    assert (table["status"] == "optimal").all() and (table["cost_increase"] >= 0).all()
    assert summary["worst_site"] == "A"


def test_explain_says_how_many_units_a_flip_leaves_unserved():
    """With a 50 penalty, closing B leaves A's one printer for 1,200 units: 200 unserved, cost
    800 − 300 − 100 − 200·(3 + 4) + 200·50 = the delta explain reports."""
    from footprint.explain import explain_case

    case = two_sites()
    case["demand"]["unmet_penalty"] = 50.0
    base, table = explain_case(case, jobs=1)
    b = table.set_index("site").loc["B"]
    assert b["delta_units_unserved"] == pytest.approx(200.0) and b["delta_units_late"] == pytest.approx(0.0)
    assert b["delta_cost"] == pytest.approx(-300 - 100 - 200 * 7 + 200 * 50)
