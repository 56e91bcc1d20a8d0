"""What-is-missing sentences (ui.missing): dataset codes from the specs, Eurostat only."""

from __future__ import annotations

from indicators.catalog import CATALOG
from indicators.innovation.specs import COMPONENT_IDS, INDEX_ID
from regiodash.ui.missing import (
    datasets_for,
    empty_domains,
    indicator_without_values,
    innovation_index_gap,
)


def test_datasets_come_from_the_specs_eurostat_sources_once_each():
    assert datasets_for(["gerd_total_pct_gdp", "gerd_business_pct_gdp"]) == ("rd_e_gerdreg",)
    assert datasets_for(["employment_rate_pct"]) == ("lfst_r_lfe2emprt",)  # not World Bank's
    assert datasets_for(["no_such_indicator"]) == ()


def test_every_domain_without_values_is_named_with_its_datasets():
    everything = frozenset(s.indicator_id for s in CATALOG)
    assert empty_domains(everything) == ()
    lines = empty_domains(everything - {"municipal_waste_kg_per_capita"})
    assert lines == ("no sustainability indicators imported: fetch or import `env_rwas_gen`",)


def test_why_there_is_no_innovation_index():
    assert innovation_index_gap(frozenset({INDEX_ID}), {}) is None
    none = innovation_index_gap(frozenset(), {})
    assert none.startswith("No Regional Innovation Index: no innovation components imported: "
                           "fetch or import `edat_lfse_04`, `trng_lfse_04`")
    some = innovation_index_gap(frozenset(COMPONENT_IDS[:1]), {COMPONENT_IDS[0]: "Tertiary"})
    assert "1 of its 10 components have values (Tertiary)" in some
    assert "`edat_lfse_04`" not in some.split("Missing components")[1]  # has values


def test_an_indicator_without_values_says_what_to_fetch():
    assert indicator_without_values("gerd_total_pct_gdp", "GERD") == (
        "GERD has no values in this warehouse: fetch or import `rd_e_gerdreg` "
        "(`regiodash fetch --catalog` fetches every catalog dataset).")
    assert indicator_without_values("my_own", "Mine") == "Mine has no values in this warehouse."
