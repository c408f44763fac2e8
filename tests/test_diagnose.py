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
