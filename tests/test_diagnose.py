"""Infeasibility diagnoses name the demand and the reason; errors survive process boundaries."""

from __future__ import annotations

import pickle

from casefiles import CaseFiles

from footprint import InputError, solve_case


def test_every_site_closed_is_diagnosed_not_a_crash(tmp_path):
    case = CaseFiles().set("sites", 0, "status", "closed").set("sites", 1, "status", "closed")
    result = solve_case(case.write(tmp_path / "case"))
    assert result.status == "infeasible"
    assert result.messages == ["zone Z, product P (100 units): no open-able site hosts a technology that makes it (T)"]


def test_no_printer_allowed_names_the_limit(tmp_path):
    case = CaseFiles().set("sites", 0, "max_printers", "0").set("sites", 1, "max_printers", "0")
    result = solve_case(case.write(tmp_path / "case"))
    assert result.status == "infeasible"
    assert "max_printers is 0" in result.messages[0]
    assert "zone Z, product P" in result.messages[0]


def test_input_error_keeps_its_problems_when_pickled():
    error = pickle.loads(pickle.dumps(InputError(["sites.csv row 2, column lat: bad", "zones.csv: missing"])))
    assert error.problems == ["sites.csv row 2, column lat: bad", "zones.csv: missing"]


def test_a_plan_that_serves_nothing_is_said_in_words():
    """A time-limited run whose best plan leaves every unit unmet says so, with what to try; an
    optimal one (penalties below the cost of serving) or one that serves something does not."""
    from footprint.api import Result, serves_nothing

    stopped = Result(case_name="c", status="time_limit", objective=190e6, best_bound=1.5e6, mip_gap=0.992,
                     kpis={"units_demanded": 100.0, "units_served": 0.0}, settings={"time_limit_s": 300})
    (message,) = serves_nothing(stopped)
    assert "serves none of the demand" in message and "gap 99.2 %" in message and "300 s" in message
    assert "--time-limit" in message
    assert serves_nothing(Result(case_name="c", status="optimal", objective=1.0,
                                 kpis={"units_demanded": 100.0, "units_served": 0.0})) == []
    assert serves_nothing(Result(case_name="c", status="time_limit", objective=1.0, mip_gap=0.5,
                                 kpis={"units_demanded": 100.0, "units_served": 1.0},
                                 settings={"time_limit_s": 300})) == []
