"""The Projects page's "Cohesion funding" tab: where the EU's cohesion-policy money goes, by
innovation group and cohesion-policy category, how concentrated it is, and a region's largest
beneficiaries (Kohesio, imported with `regiodash kohesio`).

Grain: NUTS 2 regions, funding of funding.REFERENCE_YEAR (the 2014-2020 programmes, EUR) over
the population of that year. Regions without population, group or category are left out of the
figures that need them and counted (never read as zero); totals flagged partial (a truncated
export, flag t) are lower bounds and every figure says how many partial regions it holds.
Population, groups or categories from the synthetic demo panel are named as such beside the
figure. What the tab shows depends only on the data version, so it is built once per version
(and per region and search for the beneficiaries table) and shared by every rerun and session
(data.rerun_cache: read-only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd
import pyarrow as pa
import streamlit as st

from indicators.funding import REFERENCE_YEAR
from indicators.innovation.specs import POPULATION_ID
from regiodash.projects import cohesion_funding as cf
from regiodash.projects import region_data
from regiodash.ui import data
from regiodash.ui.figures import FrozenFigure
from regiodash.ui.funding_charts import (
    GROUP_LABELS,
    build_lorenz_chart,
    build_per_head_chart,
    format_per_head,
)
from regiodash.ui.missing import datasets_for, fetch_or_import, innovation_index_gap
from regiodash.ui.projects_charts import format_eur, format_share
from regiodash.ui.text import escape_markdown
from regiodash.ui.widgets import arrow_table

LEVEL = 2
IMPORT_HINT = ("No Kohesio data in this warehouse. Import the Kohesio beneficiaries export "
               "(kohesio.ec.europa.eu, \"Beneficiaries\" search, export as TSV) with "
               "`regiodash kohesio FILE --drop-duplicates`; the funding view appears once it "
               "is built.")
CATEGORY_LABELS: dict[object, str] = {code: label for code, label in cf.CATEGORY_LABELS.items()}
CATEGORY_LABELS[None] = "no category"
BENEFICIARY_LIMIT = 100


@dataclass(frozen=True)
class FundingView:
    """The tab for one data version (read-only). Figures are None where what they need is
    missing; `notes` say what is missing or synthetic, next to the figure they concern."""

    n_regions: int
    n_partial: int
    total_eu: str
    group_share: Mapping[str, float | int]
    category_share: Mapping[str, float | int]
    gini: float
    group_chart: FrozenFigure | None
    category_chart: FrozenFigure | None
    lorenz: FrozenFigure | None
    notes: Mapping[str, str]
    table: pa.Table | pd.DataFrame  # one row per region (ui.widgets.arrow_table)
    places: Mapping[str, str]  # beneficiary region options: code -> "CODE · name"


def _population_note(regions: pd.DataFrame, with_values: frozenset[str]) -> str:
    if regions["population"].notna().any():
        if (regions["population_source"] == "demo").any():
            return (f"Population {REFERENCE_YEAR}: synthetic (demo panel), so the figures "
                    "per inhabitant show how the view works, not real values.")
        return f"Population {REFERENCE_YEAR}: {POPULATION_ID} of this warehouse."
    hint = fetch_or_import(datasets_for([POPULATION_ID]))
    return (f"No population for {REFERENCE_YEAR} in this warehouse, so nothing per inhabitant "
            f"and no concentration curve: {hint}." if POPULATION_ID not in with_values else
            f"No population for {REFERENCE_YEAR} for these regions: nothing per inhabitant.")


def _group_note(regions: pd.DataFrame, version: str, with_values: frozenset[str]) -> str:
    if regions["innovation_group"].notna().any():
        if region_data.innovation_groups_are_demo(data.get_warehouse(version)):
            return ("Innovation groups: from the synthetic demo panel (they show how the view "
                    "works, not real groups).")
        return f"Innovation groups: the latest up to {REFERENCE_YEAR}."
    titles = {i: str(r["title"]) for i, r in data.indicator_choices(version).rows.items()}
    return (innovation_index_gap(with_values, titles)
            or "No innovation groups for these regions: run `regiodash build`.")


def _category_note(regions: pd.DataFrame) -> str:
    if regions["cohesion_category"].isna().all():
        return "No cohesion-policy categories for these regions (they need GDP per head)."
    if (regions["category_source"] == "demo").any():
        return "Cohesion-policy categories: from the synthetic demo panel's GDP per head."
    return "Cohesion-policy categories: derived from the warehouse's GDP per head (PPS)."


def _region_table(regions: pd.DataFrame) -> pa.Table | pd.DataFrame:
    per_head = regions["eu_contribution_eur"] / regions["population"].where(
        regions["population"] > 0)
    return arrow_table(pd.DataFrame({
        "region": regions["geo_code"], "name": regions["geo_name"],
        "EU contribution": regions["eu_contribution_eur"].map(format_eur),
        "per inhabitant": per_head.map(format_per_head),
        "innovation group": regions["innovation_group"].fillna("no group"),
        "category": regions["cohesion_category"].map(
            lambda c: CATEGORY_LABELS.get(None if pd.isna(c) else int(c), "no category")),
        "beneficiaries": regions["beneficiaries"].astype("Int64"),
        "partial": regions["partial"].map({True: "partial (lower bound)", False: ""}),
    }))


@data.rerun_cache(data.VERSIONS_KEPT)
def funding_view(version: str) -> FundingView | None:
    """The tab of data version `version`; None without Kohesio data."""
    regions = cf.load_region_funding(data.get_warehouse(version), LEVEL)
    if regions.empty:
        return None
    with_values = data.indicators_with_data(version)
    by_group = cf.funding_per_inhabitant_by_class(regions, "innovation_group")
    by_category = cf.funding_per_inhabitant_by_class(regions, "cohesion_category")
    points = cf.lorenz_points(regions)
    names = data.region_choices(version).names
    countries = sorted(set(regions["country_code"]))
    places = {c: f"{c} · {str(names.get(c, c)).title()} (country)" for c in countries}
    places |= {str(r.geo_code): f"{r.geo_code} · {r.geo_name}"
               for r in regions.itertuples()}
    return FundingView(
        n_regions=len(regions), n_partial=int(regions["partial"].sum()),
        total_eu=format_eur(regions["eu_contribution_eur"].sum(min_count=1)),
        group_share=MappingProxyType(cf.share_reaching(regions)),
        category_share=MappingProxyType(cf.share_reaching(regions, "cohesion_category", (1,))),
        gini=cf.gini(points),
        group_chart=None if by_group["innovation_group"].isna().all() else build_per_head_chart(
            by_group, "innovation_group", GROUP_LABELS, "EU contribution per inhabitant, by "
            "innovation group"),
        category_chart=None if by_category["cohesion_category"].isna().all() else
        build_per_head_chart(by_category, "cohesion_category", CATEGORY_LABELS,
                             "EU contribution per inhabitant, by cohesion-policy category"),
        lorenz=None if points.empty else build_lorenz_chart(
            points, cf.gini(points), dict(zip(regions["geo_code"], regions["geo_name"],
                                              strict=True))),
        notes=MappingProxyType({
            "population": _population_note(regions, with_values),
            "groups": _group_note(regions, version, with_values),
            "categories": _category_note(regions)}),
        table=_region_table(regions), places=MappingProxyType(places))


@data.rerun_cache(64)
def beneficiaries(version: str, geo_code: str, search: str) -> pa.Table | pd.DataFrame:
    """The largest beneficiaries of a country or region, names containing `search`: name in
    its original script and in Latin script, amounts as text ("unknown" when missing)."""
    frame = cf.load_largest_beneficiaries(data.get_warehouse(version), geo_code, search,
                                          BENEFICIARY_LIMIT)
    return arrow_table(pd.DataFrame({
        "beneficiary (original script)": frame["beneficiary_name"],
        "transliteration": frame["name_latin"],
        "region (as exported)": frame["region"], "NUTS": frame["geo_code"],
        "EU contribution": frame["eu_contribution_eur"].map(format_eur),
        "total budget": frame["total_budget_eur"].map(format_eur),
        "projects": frame["projects"].astype("Int64"),
        "cluster": frame["is_cluster"].astype(bool),
        "partial": frame["region_partial"].map({True: "partial", False: ""}),
    }))


def share_caption(share: Mapping[str, float | int], what: str, n_regions: int) -> str:
    """What a share is taken over: the classified amount, the regions, the partial ones."""
    outside = share["amount_unclassified"]
    if not share["amount_classified"]:
        return f"No region with funding has {what}: no share."
    return (f"Of {format_eur(share['amount_classified'])} EU contribution in regions with {what}"
            f" ({share['regions_in_targets']} regions in the target classes)"
            + (f"; {format_eur(outside)} in regions without {what} is outside the share"
               if outside else "")
            + f". {share['partial_regions']} of {n_regions} regions are partial: their totals "
            "are lower bounds.")


def render_headline(view: FundingView) -> None:
    """The share reaching Moderate and Emerging Innovator regions and its companions."""
    cols = [*st.columns(2), *st.columns(2)]
    cols[0].metric("EU contribution reaching Moderate and Emerging Innovator regions",
                   format_share(view.group_share["share"]),
                   help=share_caption(view.group_share, "an innovation group", view.n_regions))
    cols[1].metric("EU contribution in less developed regions",
                   format_share(view.category_share["share"]),
                   help=share_caption(view.category_share, "a category", view.n_regions))
    cols[2].metric("Known EU contribution", view.total_eu,
                   help=f"{view.n_regions} NUTS 2 regions, Kohesio, 2014-2020 programmes")
    cols[3].metric("Concentration (Gini)",
                   "n/a" if pd.isna(view.gini) else f"{view.gini:.2f}",
                   help="0 = every inhabitant gets the same; 1 = one region gets everything")
    # the notes are this module's sentences (dataset codes as inline code), not data text
    st.caption(share_caption(view.group_share, "an innovation group", view.n_regions)
               + ("" if view.group_chart is not None else "  \n" + view.notes["groups"]))


def render_funding_figures(view: FundingView) -> None:
    """Per inhabitant by group and by category, then the concentration curve, each with what
    it rests on (synthetic population or groups said so; missing ones named)."""
    left, right = st.columns(2)
    with left:
        if view.group_chart is not None:
            st.plotly_chart(view.group_chart, key="pj_fund_groups", width="stretch")
            st.caption(view.notes["groups"])
    with right:
        if view.category_chart is not None:
            st.plotly_chart(view.category_chart, key="pj_fund_categories", width="stretch")
        st.caption(view.notes["categories"])
    if view.group_chart is not None or view.category_chart is not None:
        st.caption(view.notes["population"])
    if view.lorenz is not None:
        st.plotly_chart(view.lorenz, key="pj_fund_lorenz", width="stretch")
        st.caption("Regions sorted from the least to the most funded per inhabitant; the "
                   "further the curve from the dashed line, the more concentrated the money. "
                   + view.notes["population"])
    else:
        st.info(view.notes["population"], icon=":material/info:")


def render_beneficiaries(version: str, view: FundingView, wanted: str | None) -> str:
    """The searchable table of a region's largest beneficiaries; returns the region picked.
    `wanted`: the region the URL asked for (a note when the view has no funding there)."""
    st.markdown("#### Largest beneficiaries of a region")
    places = list(view.places)
    if st.session_state.get("pj_fund_region") not in view.places:
        if wanted is not None and wanted not in view.places:
            st.info(f"Ignored URL parameter region={escape_markdown(wanted)}: no Kohesio "
                    "funding there; showing the first country.", icon=":material/link_off:")
        st.session_state["pj_fund_region"] = places[0]
    cols = st.columns([2, 2])
    code = cols[0].selectbox("Country or region", places, key="pj_fund_region",
                             format_func=view.places.__getitem__)
    search = cols[1].text_input("Search names (any script)", key="pj_fund_search",
                                max_chars=100, placeholder="e.g. klaster, университет")
    table = beneficiaries(version, code, search.strip())
    st.caption(f"Up to {BENEFICIARY_LIMIT} beneficiaries by EU contribution; names in the "
               "original script with their transliteration; 'partial': the exported region "
               "was cut at the exporter's page cap, so it may have larger beneficiaries than "
               "these.")
    st.dataframe(table, hide_index=True)
    if len(table) == 0:
        st.write("No beneficiary matches." if search.strip() else "No beneficiaries here.")
    return code


def render_funding_tab(version: str, wanted: str | None = None) -> dict[str, str | None]:
    """The Cohesion funding tab; returns the beneficiaries' region picked (`wanted`, the
    URL's, kept as it is without Kohesio data)."""
    view = funding_view(version)
    if view is None:
        st.info(IMPORT_HINT, icon=":material/upload_file:")
        return {"pj_fund_region": wanted}
    st.subheader("Where the EU cohesion money goes (Kohesio, 2014-2020)")
    render_headline(view)
    render_funding_figures(view)
    panel = st.expander(f"Regions table ({view.n_regions} NUTS 2 regions)",
                        key="pj_fund_regions_open", on_change="rerun")
    if panel.open:
        panel.caption("Region names next to their codes; 'partial': a truncated export, the "
                      "total is a lower bound.")
        panel.dataframe(view.table, hide_index=True)
    picked = render_beneficiaries(version, view, wanted)
    return {"pj_fund_region": None if picked == next(iter(view.places)) else picked}
