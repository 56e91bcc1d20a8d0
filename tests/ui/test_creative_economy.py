"""The creative-economy lens on the pages: the map's picker groups the CCI indicators under
"Creative economy", the CCI specialisation (location quotient) maps diverging around 1, and
the region profile has a "Creative economy" section (share, change, ranks, women and men at
country level, innovation group); a country outside NUTS gets a profile of what exists for it.

On the demo warehouse and on the demo plus the real WDI files (tests/ui/test_neighbourhood.py
`wdi_settings`). No real Eurostat CCI file is stored in ../shared/data/real, so the CCI
values themselves are the demo's.
"""

from __future__ import annotations

import json
import re

import pytest

from indicators.catalog import CCI_INDICATOR_IDS
from indicators.creative import INPUT_ID, LQ_ID
from regiodash.storage import queries
from regiodash.storage.connection import open_warehouse
from tests.ui.test_neighbourhood import run_page, wdi_settings  # noqa: F401 (fixture)

REGION = "DE21"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_map_picker_groups_the_cci_indicators(demo_settings, monkeypatch):
    at = run_page(demo_settings, monkeypatch, "map")
    labels = {o for o in at.selectbox(key="w_indicator").options}
    creative = {o for o in labels if o.startswith("Creative economy · ")}
    assert len(creative) == len(CCI_INDICATOR_IDS) + 1  # the catalog's and the LQ
    assert any("location quotient" in o for o in creative)


@pytest.mark.parametrize("level", ["2", "0"])
def test_cci_specialisation_map_diverges_around_one(demo_settings, monkeypatch, level):
    at = run_page(demo_settings, monkeypatch, "map", indicator=LQ_ID, level=level)
    trace = next(t for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
                 if t.get("name") != "no data")
    assert trace["zmid"] == 1.0
    assert trace["zmin"] + trace["zmax"] == pytest.approx(2.0)  # symmetric around 1
    assert min(trace["z"]) < 1 < max(trace["z"])  # the demo has both sides
    assert trace["colorscale"][0][1] == "rgb(127,59,8)"  # PuOr, the diverging scale


@pytest.mark.parametrize("settings_name", ["demo_settings", "wdi_settings"])
def test_profile_creative_section(request, monkeypatch, settings_name):
    settings = request.getfixturevalue(settings_name)
    at = run_page(settings, monkeypatch, "profile", region=REGION)
    shown = metrics(at)
    year_label = next(k for k in shown if k.startswith("Cultural employment "))
    year = int(year_label.rsplit(" ", 1)[1])
    # the share and ranks computed independently from the warehouse
    wh = open_warehouse(settings)
    level = queries.load_level_year_values(wh, INPUT_ID, 2, "T")
    level = level[level["year"] == year]
    mine = float(level.loc[level["geo_code"] == REGION, "value"].iloc[0])
    assert shown[year_label] == f"{mine:.2f} %"
    first = level_all = queries.load_level_year_values(wh, INPUT_ID, 2, "T")
    first = level_all[level_all["geo_code"] == REGION].sort_values("year").iloc[0]
    delta = next(m.delta for m in at.metric if m.label == year_label)
    assert delta == f"{mine - float(first['value']):+.2f} since {int(first['year'])}"
    europe = int((level["value"] > mine).sum()) + 1
    assert shown["Rank in Europe"] == f"{europe} of {len(level)}"
    country = level[level["country_code"] == "DE"]
    assert shown["Rank in its country"] == (
        f"{int((country['value'] > mine).sum()) + 1} of {len(country)}")
    captions = re.sub(r"\\(.)", r"\1", " ".join(c.value for c in at.caption))  # unescaped
    assert "Women" in captions and "by country only" in captions
    assert "Innovation group:" in captions
    assert [e.label for e in at.expander if e.label == "Creative economy"]


def test_profile_of_a_country_outside_nuts(wdi_settings, monkeypatch):  # noqa: F811
    at = run_page(wdi_settings, monkeypatch, "profile", region="MA")
    assert at.selectbox(key="w_region").value == "MA"
    assert "Morocco (MA), country outside the NUTS area" in at.subheader[0].value
    assert "no Regional Innovation Index" in at.info[0].value
    table = at.dataframe[0].value
    lfp = table[table["title"].str.startswith("Labour-force participation")]
    assert set(table["source"]) == {"worldbank"}
    assert lfp["sex"].tolist() == ["women"]  # only the female series was imported
    assert not at.tabs  # no NUTS tabs for a country without regions


def test_profile_of_a_country_outside_nuts_without_values(demo_settings, monkeypatch):
    at = run_page(demo_settings, monkeypatch, "profile", region="MA")
    assert "country outside the NUTS area" in at.subheader[0].value
    assert any("No values for Morocco" in w.value for w in at.warning)


@pytest.mark.parametrize("level", [2, 0])
def test_projects_regions_table_shows_the_partners_cci_profile(demo_settings, monkeypatch,
                                                              level):
    at = run_page(demo_settings, monkeypatch, "projects")
    at.radio(key="pj_region_level").set_value(level).run()
    at.session_state["pj_regions_open"] = True  # what opening the panel does
    at.run()
    assert not at.exception
    table = at.dataframe[-1].value
    codes = table["region"].str.removeprefix("/profile?region=")
    shares = queries.load_level_year_values(open_warehouse(demo_settings), INPUT_ID, level,
                                            "T").sort_values("year")
    latest = shares.groupby("geo_code").tail(1).set_index("geo_code")
    expected = [f"{latest.loc[c, 'value']:.2f} % ({int(latest.loc[c, 'year'])})"
                if c in latest.index else None for c in codes]
    for code, shown, want in zip(codes, table["CCI share"], expected, strict=True):
        if want is not None:
            assert shown == want, code
        elif level == 0 and code in {"EG", "JO", "LB", "MA", "PS", "TN"}:
            assert shown == "outside NUTS"
    if level == 2:  # NUTS 2 partner regions carry their innovation group
        assert set(table["innovation group"]) & {"Leader", "Strong", "Moderate", "Emerging"}
