"""The printed region profile: 2-4 A4 pages for one region, as PDF bytes.

`region_profile_pdf(wh, code, year)` is what the Region profile page offers as "Download
profile (PDF)" and what `regiodash report region` writes. Sections: identity; headline tiles
(index, group and subgroup, gap to the EU and to the next group, ranks) with their values'
year, flag and source; a map locating the region; strengths and weaknesses (chart and the
top and bottom components in words); trends; gender gaps (women and men, in numbers);
sustainability by dimension; creative and cultural industries figures where loaded;
structural peers; the data status (published / derived / synthetic / converted values);
sources, licences and attribution. Missing values are printed "no data", never zero.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from indicators.catalog import CCI_INDICATOR_IDS
from regiodash.report.common import (
    BOUNDARIES_ATTRIBUTION,
    dashboard_link,
    data_version,
    esc,
    flag_text,
    fmt,
    records,
    source_text,
    table_html,
)
from regiodash.report.figures import figure_html
from regiodash.report.pdf import html_document, render_pdf
from regiodash.report.region_data import (
    HEADLINE_IDS,
    SUSTAINABILITY_IDS,
    RegionData,
    Shared,
    latest_value,
    load_region_data,
)
from regiodash.storage.connection import Warehouse
from regiodash.ui.profile import format_tile_value


def provenance(rows: pd.DataFrame, catalog: pd.DataFrame) -> str:
    """'Flags: …. Source: …' for a set of value rows (flags counted; sources with the
    catalog's dataset codes)."""
    flags = rows["flag"].dropna().astype(str)
    flag_part = "none" if flags.empty else "; ".join(
        f"{flag_text(f)} × {n}" for f, n in flags.value_counts().sort_index().items())
    ids = set(rows["indicator_id"])
    datasets = sorted({d.strip() for d in catalog.loc[catalog["indicator_id"].isin(ids),
                                                       "source_dataset"].dropna()
                       for d in str(d).split(",") if d.strip()})
    sources = sorted({source_text(s) for s in rows["source"].dropna()})
    converted = sorted({str(c) for c in rows.get("converted_from", pd.Series()).dropna()})
    text = (f"Flags: {esc(flag_part)}. Source: {esc(', '.join(sources) or 'none')}"
            f" (datasets {esc(', '.join(datasets) or 'none')})")
    if converted:
        text += f"; converted from NUTS {esc(', '.join(converted))} boundaries"
    return text + "."


def _row_cells(row: pd.Series | None, title: str, decimals: int = 1) -> list[str]:
    if row is None:
        return [esc(title), "no data", "", "", ""]
    return [esc(title), fmt(row["value"], decimals, esc(row["unit"])), str(int(row["year"])),
            esc(flag_text(row["flag"])), esc(source_text(row["source"], row["converted_from"]))]


def _header(d: RegionData) -> str:
    synthetic = bool((d.values["source"] == "demo").any())
    notice = ('<p class="notice">This profile contains <strong>synthetic demo values</strong> '
              "(marked “synthetic (demo panel)” below): they are not real statistics.</p>"
              if synthetic else "")
    return (f"<h1>{esc(d.name)} ({esc(d.code)})</h1>"
            f'<p class="meta">Regional profile · NUTS level {d.level} · NUTS {esc(d.nuts_version)}'
            f" · {esc(d.country_name)} ({esc(d.country)}) · values up to {d.year}, comparisons "
            f"in {d.latest}</p>{notice}")


def _headline(d: RegionData) -> str:
    tiles = "".join(
        f'<div class="tile"><div class="label">{esc(t.label)}</div>'
        f'<div class="value">{esc(format_tile_value(t))}</div>'
        f'<div class="delta">{esc(t.delta or "")}</div></div>' for t in d.tiles)
    titles = d.catalog.set_index("indicator_id")["title"]
    rows = [_row_cells(latest_value(d.values, i), str(titles.get(i, i)))
            for i in HEADLINE_IDS if i in titles.index]
    group = d.group
    if group:
        words = (f"In {d.latest} the Regional Innovation Index is "
                 f"<strong>{fmt(group['relative_index'])}</strong> (EU = 100): a "
                 f"<strong>{esc(group['grp'])} Innovator</strong>"
                 f"{' (' + esc(group['subgroup']) + ')' if group.get('subgroup') else ''}.")
    else:
        words = (f"No Regional Innovation Index for this region in {d.latest} (NUTS level "
                 f"{d.level}): no innovation group or rank.")
    return (f'<h2>Headline</h2><div class="tiles">{tiles}</div><p>{words}</p>'
            + table_html(["Indicator", "Value", "Year", "Flag", "Source"], rows,
                         numeric=frozenset({1, 2})))


def _map(d: RegionData) -> str:
    where = "European countries" if d.level == 0 else (
        f"NUTS {d.level} regions of {esc(d.country_name)}")
    colour = (f"coloured by innovation group in {d.latest} (Regional Innovation Index, "
              "EU = 100; Leader > 125, Strong 100-125, Moderate 70-100, Emerging < 70; grey: "
              "no index)" if d.map_has_groups else "(no innovation groups at this level)")
    caption = (f"{where}, {colour}; {esc(d.name)} outlined in black. "
               f"NUTS {esc(d.nuts_version)}. {BOUNDARIES_ATTRIBUTION}")
    return ("<h2>Where the region is</h2>"
            + figure_html(d.map, f"Map of the {where} with {d.name} ({d.code}) outlined",
                          caption, width=300, height=300))


def _strengths(d: RegionData) -> str:
    if d.strengths is None:
        return ("<h2>Strengths and weaknesses</h2><p>No normalised innovation components for "
                f"this region in {d.latest}.</p>")
    table = d.components.sort_values("region", ascending=False)
    def words(rows: pd.DataFrame) -> str:
        return "; ".join(f"{esc(r.title)} {r.region:.2f} (country {fmt(r.country, 2)}, EU "
                         f"{fmt(r.eu, 2)})" for r in records(rows))
    comp_rows = d.values[d.values["indicator_id"].str.startswith("innovation_component_")
                         & (d.values["year"] == d.latest)]
    caption = (f"Normalised innovation components in {d.latest} (unit: score 0-1, 0 = weakest "
               "and 1 = strongest region over the reference window) next to the mean of all "
               f"NUTS {d.level} regions and of the country's. {provenance(comp_rows, d.catalog)}")
    return ("<h2>Strengths and weaknesses</h2>"
            f"<p><strong>Strongest:</strong> {words(table.head(3))}.</p>"
            f"<p><strong>Weakest:</strong> {words(table.tail(3).iloc[::-1])}.</p>"
            + figure_html(d.strengths, f"Bar chart of the innovation components of {d.name}",
                          caption, height=max(200, 21 * len(table) + 70)))


def _trends(d: RegionData) -> str:
    if not d.trends:
        return "<h2>Trends</h2><p>No index values over time for this region.</p>"
    parts = ['<h2>Trends</h2><div class="grid">']
    for indicator_id, fig in d.trends:
        rows = d.values[(d.values["indicator_id"] == indicator_id) & (d.values["sex"] == "T")
                        & d.values["value"].notna()]
        first = rows.iloc[0]
        caption = (f"{esc(first['title'])}, unit: {esc(first['unit'])}, "
                   f"{int(rows['year'].min())}-{int(rows['year'].max())} (latest "
                   f"{fmt(rows.sort_values('year')['value'].iloc[-1])}). "
                   f"{provenance(rows, d.catalog)}")
        parts.append(figure_html(fig, f"Line chart of {first['title']} for {d.name}", caption,
                                 width=310, height=175))
    return "".join(parts) + "</div>"


def _gender(d: RegionData) -> str:
    if d.gender.empty:
        return ("<h2>Gender gaps</h2><p>No indicators with values for both women and men in "
                "this region.</p>")
    rows = [[esc(r.title), esc(r.unit), str(r.year), fmt(r.F), fmt(r.M), fmt(r.F - r.M),
             esc(", ".join(flag_text(f) for f in r.flags) or "none"),
             esc(source_text(r.source, r.converted_from))] for r in records(d.gender)]
    caption = (f"Women and men, latest year with both values up to {d.latest}; gap = women "
               "minus men, in percentage points.")
    return ("<h2>Gender gaps</h2>"
            + figure_html(d.gender_chart, f"Dot plot of women and men per indicator, {d.name}",
                          caption, height=max(180, 22 * len(d.gender) + 60))
            + table_html(["Indicator", "Unit", "Year", "Women", "Men", "Gap", "Flags",
                          "Source"], rows, numeric=frozenset({2, 3, 4, 5})))


def _simple_section(d: RegionData, heading: str, ids: list[str], empty: str) -> str:
    titles = d.catalog.set_index("indicator_id")["title"]
    rows = [_row_cells(row, str(titles.get(i, i)), 1) for i in ids
            if (row := latest_value(d.values, i)) is not None]
    if not rows:
        return f"<h2>{heading}</h2><p>{empty}</p>"
    return f"<h2>{heading}</h2>" + table_html(["Indicator", "Value", "Year", "Flag", "Source"],
                                              rows, numeric=frozenset({1, 2}))


def _peers(d: RegionData) -> str:
    if d.peers.empty:
        return ("<h2>Structural peers</h2><p>Not enough context indicators to find "
                "structurally similar regions.</p>")
    rows = [[esc(r.geo_code), esc(r.geo_name), f"{r.distance:.2f}", fmt(r.relative_index),
             esc(f"{r.grp} {r.subgroup or ''}".strip() if isinstance(r.grp, str) else "none"),
             "yes" if r.better else "no"] for r in records(d.peers)]
    return ("<h2>Structural peers</h2><p>The regions most alike in GDP per head, population "
            "density and size, high-tech and knowledge-intensive employment and tertiary "
            f"attainment (standardised distance, {d.latest}). Those with a higher index are the "
            "ones to learn from.</p>"
            + table_html(["Code", "Region", "Distance", f"Index {d.latest}", "Group",
                          "Does better"], rows, numeric=frozenset({2, 3})))


def _status_and_sources(d: RegionData) -> str:
    v = d.values[d.values["value"].notna()]
    counts = {"published": int((v["source"] != "demo").sum() - (v["source"] == "derived").sum()),
              "derived from published values": int((v["source"] == "derived").sum()),
              "synthetic (demo panel)": int((v["source"] == "demo").sum()),
              "converted to NUTS " + d.nuts_version: int(v["converted_from"].notna().sum())}
    status = ", ".join(f"{n:,} {what}" for what, n in counts.items())
    used = d.catalog[d.catalog["indicator_id"].isin(set(v["indicator_id"]))]
    licences = sorted({str(x) for x in used["licence"].dropna()})
    datasets = sorted({s.strip() for x in used["source_dataset"].dropna()
                       for s in str(x).split(",") if s.strip()})
    return ("<h2>Data status and sources</h2>"
            f"<p><strong>Data status:</strong> {len(v):,} values of this region up to {d.year}: "
            f"{esc(status)}.</p>"
            f"<p><strong>Datasets:</strong> {esc(', '.join(datasets))}.</p>"
            f"<p><strong>Licences:</strong> {esc('; '.join(licences))}.</p>"
            f'<p class="small">{BOUNDARIES_ATTRIBUTION} Indicators computed by regiodash from '
            "the datasets above; the methodology is on the dashboard's Data &amp; methodology "
            "page.</p>")


def region_html(d: RegionData, version: str, base_url: str | None = None) -> str:
    link = dashboard_link("profile", base_url, region=d.code)
    creative = [i for i in CCI_INDICATOR_IDS if i in set(d.catalog["indicator_id"])]
    context = d.catalog.loc[(d.catalog["domain"] == "context")
                            & ~d.catalog["indicator_id"].isin(creative), "indicator_id"]
    body = "".join([
        _header(d), _headline(d),
        '<div class="two"><div>', _map(d), "</div><div>",
        _simple_section(d, "Context", context.tolist(), "No context indicators for this region."),
        "</div></div>", _strengths(d), _trends(d), _gender(d),
        _simple_section(d, "Sustainability by dimension", list(SUSTAINABILITY_IDS),
                        "No sustainability scores for this region."),
        _simple_section(d, "Creative and cultural industries", creative,
                        "No creative-industries indicators are loaded in this warehouse."),
        _peers(d), _status_and_sources(d)])
    footer = (f"regiodash · data version {esc(version)} · generated "
              f"{dt.date.today().isoformat()} · the same view in the dashboard: "
              f'<a href="{esc(link)}">{esc(link)}</a>')
    return html_document(f"Regional profile: {d.name} ({d.code})", body, footer,
                         description=f"Regional innovation, gender and sustainability profile "
                                     f"of {d.name} ({d.code}), NUTS {d.level}, {d.year}")


def region_profile_pdf(wh: Warehouse, code: str, year: int | None = None,
                       base_url: str | None = None, shared: Shared | None = None) -> bytes:
    """The PDF of the printed profile of region `code` (values up to `year`, default the
    latest year of its index). Raises ReportError for an unknown region or a year without
    data. `base_url`: the dashboard the footer links to (default $REGIODASH_PUBLIC_URL);
    `shared`: reads shared by a batch (report.batch)."""
    data = load_region_data(wh, code, year, shared)
    version = data_version(wh) if shared is None else shared.get(
        ("version",), lambda: data_version(wh))
    return render_pdf(region_html(data, version, base_url))

