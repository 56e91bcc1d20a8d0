"""AppTest of the region profile on the demo warehouse and on the one imported from the real
files (tests/conftest.py any_settings): headline tiles, strengths and weaknesses in words, the
sustainability breakdown, gender numbers with their reference, "Add these peers to Compare",
and catalog or file text shown as text. Expected figures are computed here from the warehouse
with SQL of their own, not through the page's code."""

from __future__ import annotations

import functools
import json
import re

import pytest

from indicators.innovation.specs import EU27_COUNTRY_CODES
from indicators.sustainability import COMPONENTS, score_id
from regiodash.storage.connection import open_warehouse
from regiodash.ui import data, profile_view
from tests.ui.test_pages import PAGE, app_factory, qp

# A region with every kind of value on the demo; on the real warehouse one with a few.
REGION = {"demo": "PL82", "real": "DE21"}
CHANGE = re.compile(r"[+-][\d,.]+( places)? since \d{4}")


@pytest.fixture()
def which(request) -> str:
    return request.node.callspec.params["any_settings"]


@pytest.fixture()
def make_app(any_settings, monkeypatch):
    return app_factory(any_settings, monkeypatch)


@pytest.fixture()
def warehouse(any_settings):
    return open_warehouse(any_settings)


def run(make_app, region: str, tab: str | None = None):
    at = make_app(PAGE["profile"], region=region, **({"tab": tab} if tab else {}))
    at.run()
    assert not at.exception, at.exception
    return at


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def latest(wh, indicator_id: str, geo: str, sex: str = "T") -> tuple[float, int] | None:
    rows = wh.query_rows(
        "select value, year from indicator_values where indicator_id = ? and geo_code = ? "
        "and sex = ? and value is not null order by year desc limit 2",
        [indicator_id, geo, sex])
    return rows or None


def eu_mean(wh, indicator_id: str, level: int, year: int, sex: str = "T") -> float | None:
    (value,), = wh.query_rows(
        "select avg(value) from indicator_values where indicator_id = ? and nuts_level = ? "
        "and year = ? and sex = ? and value is not null and substr(geo_code, 1, 2) in "
        "(select unnest(?))", [indicator_id, level, year, sex, sorted(EU27_COUNTRY_CODES)])
    return value


def test_tiles_show_changes_over_time_and_put_words_under_the_value(make_app, which,
                                                                    warehouse):
    """Old: every tile's delta was words ("Emerging +", "16 of 17 in PL") under an up arrow."""
    region = REGION[which]
    at = run(make_app, region)
    metrics = {m.label: m for m in at.metric}
    for m in at.metric:
        assert not m.delta or CHANGE.fullmatch(m.delta), (m.label, m.delta)
    index = latest(warehouse, "regional_innovation_index", region)
    if index is None:  # the real warehouse has no index: no data, no delta, no words
        assert metrics["Regional Innovation Index"].value == "no data"
        assert not any(m.delta for m in at.metric)
        assert "Rank" not in metrics
        return
    (now, year), (before, since) = index
    tile = metrics["Regional Innovation Index"]
    assert tile.value == f"{now:,.1f}"
    assert tile.delta == f"{now - before:+,.1f} since {since}"
    # higher is better: a fall is red (MetricColor RED = 0), a rise green (GREEN = 1)
    assert tile.proto.color == (1 if now > before else 0)
    group = warehouse.query_rows(
        "select grp, subgroup from innovation_groups where geo_code = ? and year = ?",
        [region, year])
    assert group and f"{group[0][0]} {group[0][1] or ''}".strip() + " innovator" in (
        captions(at))
    assert any(re.fullmatch(rf"\d+ of \d+ in {region[:2]}", c) for c in captions(at))
    assert metrics["Gap to EU average"].delta == ""  # it moves with the index: no delta


def test_strengths_and_weaknesses_in_words(make_app, which, warehouse):
    """New: the three components furthest above and below the EU reference, in words."""
    region = REGION[which]
    at = run(make_app, region)
    words = [m.value for m in at.markdown if m.value.startswith(("**Strongest**",
                                                                  "**Weakest**"))]
    comps = warehouse.query_df(
        "select indicator_id, geo_code, value from indicator_values where nuts_level = 2 "
        "and sex = 'T' and indicator_id like 'innovation_component_%' and year = ("
        "select max(year) from indicator_values where indicator_id = "
        "'regional_innovation_index' and geo_code = ?)", [region])
    if comps.empty or region not in set(comps["geo_code"]):
        assert not words
        assert any("No normalised innovation components" in i.value for i in at.info)
        return
    wide = comps.pivot(index="geo_code", columns="indicator_id", values="value")
    eu = wide[wide.index.str[:2].isin(EU27_COUNTRY_CODES)].mean()
    diff = (wide.loc[region] - eu).dropna().sort_values(ascending=False)
    catalog = warehouse.query_df("select indicator_id, title from indicator_catalog")
    title = catalog.set_index("indicator_id")["title"].str.replace(" (normalised)", "")
    strongest, weakest = words
    top = [title[i] for i in diff.index[:3]]
    bottom = [title[i] for i in diff.index[::-1][:3]]
    for name, text in [*((n, strongest) for n in top), *((n, weakest) for n in bottom)]:
        escaped = re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&])", r"\\\1", name)
        assert escaped in text, (name, text)
    first = diff.index[0]
    assert (f"{wide.loc[region, first]:.2f}, {abs(diff.iloc[0]):.2f} "
            f"{'above' if diff.iloc[0] >= 0 else 'below'} the reference ({eu[first]:.2f})"
            in strongest)
    assert "EU reference: the unweighted mean of the EU27 NUTS 2 regions" in " ".join(
        captions(at))


def test_sustainability_broken_down_by_dimension_with_its_components(make_app, which,
                                                                     warehouse):
    """New tab: each dimension's score and the components behind it, with the EU reference;
    what is missing is said, not shown as 0."""
    region = REGION[which]
    at = run(make_app, region, "sustainability")
    assert qp(at, "tab") == "sustainability"
    heads = [m.value for m in at.markdown if m.value.startswith("**") and ":" in m.value]
    frames = [t.value for t in at.dataframe]
    assert len(frames) == 3  # one per dimension
    for dim, frame in zip(COMPONENTS, frames, strict=True):
        assert list(frame["Component"]) == [e.title for e in COMPONENTS[dim]]
        score = latest(warehouse, score_id(dim), region)
        head = next(h for h in heads if h.startswith(f"**{dim.capitalize()}"))
        if score is None:
            assert "no score" in head
        else:
            value, year = score[0]
            assert f"{value:.1f} ({year})" in head, head
        for entry, row in zip(COMPONENTS[dim], frame.to_dict("records"), strict=True):
            found = latest(warehouse, entry.indicator_id, region)
            assert row["Better when"] == f"{entry.direction} is better"
            if found is None:  # said why, never a number
                assert row["Value"] == ("no value" if 2 in entry.nuts_levels
                                        else "not published at NUTS 2")
                assert row["Year"] == "" and row["EU reference"] == ""
            else:
                value, year = found[0]
                assert row["Value"] == f"{value:,.1f} {entry.unit}"
                assert row["Year"] == str(year)
                ref = eu_mean(warehouse, entry.indicator_id, 2, year)
                assert row["EU reference"] == f"{ref:,.1f}", entry.indicator_id
    if which == "real":  # no component values: which datasets would give them
        assert any("isoc_r_broad_h" in i.value for i in at.info)
    else:
        assert at.get("plotly_chart")
        assert any("EU reference: the unweighted mean of the EU27 NUTS 2 regions" in c
                   for c in captions(at))


def test_gender_gaps_show_numbers_and_an_eu_reference_named_alike(make_app, which,
                                                                  warehouse):
    """Old: markers without numbers and no reference. Now the numbers are on the chart and in
    a table, the reference is drawn, and the legend and caption call it the same."""
    region = REGION[which]
    at = run(make_app, region, "gender")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in spec["data"] if t.get("name")]
    assert names == ["Women", "Men", "EU reference: women", "EU reference: men"]
    caption = " ".join(captions(at))
    assert "Hollow markers: the EU reference: the unweighted mean of the EU27 NUTS 2 regions"\
        in caption
    labels = " ".join(a["text"] for a in spec["layout"]["annotations"])
    table = at.dataframe[0].value
    assert len(table) == len(spec["layout"]["annotations"]) >= 1
    for row in table.to_dict("records"):
        assert f"women {row['Women']}</span>" in labels and f"men {row['Men']}</span>" in labels
        indicator = _indicator(warehouse, row["Indicator"])
        (women,), = warehouse.query_rows(
            "select value from indicator_values where indicator_id = ? and geo_code = ? "
            "and sex = 'F' and year = ?", [indicator, REGION[which], int(row["Year"])])
        assert row["Women"] == f"{women:,.1f}"
        ref = eu_mean(warehouse, indicator, 2, int(row["Year"]), "F")
        assert row["EU reference: women"] == f"{ref:,.1f}"


def _indicator(wh, title: str) -> str:
    (found,), = wh.query_rows("select indicator_id from indicator_catalog where title = ?",
                              [title])
    return found


def test_add_these_peers_to_compare(make_app, which):
    """New: a link to Compare with the region and its closest peers (Compare takes 8)."""
    region = REGION[which]
    at = run(make_app, region, "peers")
    links = at.get("page_link")
    if which == "real":  # no context indicators for DE21: no peers, no link
        assert not links
        assert any("Not enough context indicators" in i.value for i in at.info)
        return
    compare = [link for link in links if link.proto.page == "compare"]
    assert len(compare) == 1 and compare[0].proto.label == "Add these peers to Compare"
    codes = compare[0].proto.query_string.removeprefix("compare=").split("~")
    peers = [re.search(r"region=(\w+)", link.proto.query_string)[1] for link in links
             if link.proto.page == "profile"]
    assert codes == [region, *peers[:7]]


HOSTILE = "[Data moved](https://evil.example/login) **now** <b>x</b> ~~old~~ :red[alert]"


@pytest.fixture()
def hostile_text(monkeypatch):
    """Region names and indicator titles (file and catalog text) that are Markdown and HTML;
    the profile's process-wide caches are emptied before and after."""
    real_values, real_choices = data.region_values, data.region_choices

    def values(version, geo_code):
        frame = real_values(version, geo_code)
        return frame.assign(title=HOSTILE + " " + frame["title"])

    def choices(version):
        regs = real_choices(version)
        return type(regs)(**{**regs.__dict__, "names": {
            c: f"{HOSTILE} {n}" for c, n in regs.names.items()}})

    def clear():
        for name in ("region_options", "region_profile", "gender_view", "sustainability_view",
                     "trend_chart"):
            getattr(profile_view, name, functools.lru_cache()(lambda: None)).cache_clear()

    clear()
    monkeypatch.setattr(data, "region_values", values)
    monkeypatch.setattr(data, "region_choices", choices)
    yield
    monkeypatch.undo()
    clear()


@pytest.mark.parametrize("tab", ["strengths", "gender", "sustainability", "peers"])
def test_catalog_and_file_text_is_shown_as_text(make_app, which, hostile_text, tab):
    at = run(make_app, REGION[which], tab)
    shown = [e.value for kind in (at.markdown, at.caption, at.info, at.warning, at.subheader)
             for e in kind] + [link.proto.label for link in at.get("page_link")]
    assert any("Data moved" in s for s in shown) or tab != "peers" or which == "real"
    for text in shown:
        if "Data moved" in text:
            # escaped, and the bare URL split by an invisible word joiner (ui.text)
            assert ("\\[Data moved\\]\\(https\u2060\\:" in text
                    and "<b>" not in text), text
    # in charts the same text is HTML-escaped (plotly renders a subset of HTML)
    for chart in at.get("plotly_chart"):
        assert "<b>x</b>" not in chart.proto.spec


def test_the_profile_pdf_is_built_only_when_asked(make_app, which):
    region = "PL82" if which == "demo" else "DE21"
    at = run(make_app, region)
    assert not at.get("download_button")  # a plain rerun builds no PDF
    at.button(key="pf_pdf_prepare").click().run()
    assert not at.exception, at.exception
    (download,) = at.get("download_button")
    assert download.proto.label == "Download profile (PDF)"
    assert download.proto.url  # the PDF bytes, served by the media file manager
    at.run()
    assert len(at.get("download_button")) == 1  # stays ready on the next rerun
