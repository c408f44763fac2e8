"""The generator of general cases (footprint.synthetic_network) makes the shape it promises."""

from footprint.case import load_case
from footprint.derive import derive
from footprint.lagrange_general import GeneralRelaxation, relaxation_for
from footprint.synthetic_network import network_tables, write_network


def test_generated_case_has_the_general_shape(tmp_path):
    tables = network_tables(n_zones=30, n_products=4, n_hubs=31, seed=1)
    hubs = tables["sites"][tables["sites"]["status"] == "candidate"]
    hosted = tables["site_technologies"]
    assert len(hubs) == 31
    assert (hosted[hosted["site"].isin(hubs["site"])].groupby("site").size() == 3).all()
    assert set(tables["tiers"]["tier"]) == {"micro", "hub", "plant"}
    moulded = tables["processes"][tables["processes"]["technology"] == "IM"]
    assert len(moulded) == 4 and (moulded["setup_cost"] > 0).all()
    assert set(tables["lanes"]["mode"]) == {"air", "sea"} and not tables["lanes"]["allowed"].any()
    assert len(tables["lanes"]) == 31 * 30 * 2
    assert network_tables(n_zones=30, n_products=4, n_hubs=31, seed=1)["demand"].equals(tables["demand"])
    data = derive(load_case(write_network(tmp_path / "case", n_zones=30, n_products=4, n_hubs=31, seed=1)))
    assert isinstance(relaxation_for(data), GeneralRelaxation)
    assert set(data.ship.loc[data.ship["mode"].isin(["air", "sea"]), "site"]) <= {"NGB"}
