"""Projects & KPIs: the project portfolio by programme and region, and one project's KPIs."""

import os

import pandas as pd
import streamlit as st

from regiodash.config import load_settings
from regiodash.errors import RegiodashError
from regiodash.projects import queries
from regiodash.projects.importers import (
    commit_import,
    current_user,
    prepare_kpi_values_upload,
    template_text,
)
from regiodash.projects.model import SOURCES, TABLE_ORDER, split_list
from regiodash.ui import data
from regiodash.ui import projects_data as pdata
from regiodash.ui.maps import MAP_CONFIG
from regiodash.ui.projects_charts import (
    PROFILE_LINK_PATTERN,
    STATUS_BADGES,
    build_kpi_chart,
    build_partner_map,
    build_programme_chart,
    build_region_chart,
    escape_markdown,
    format_eur,
    format_share,
    profile_link,
    status_label,
    text_or,
)
from regiodash.ui.widgets import render_demo_banner

ALL = "All programmes"
UPLOAD_ENV = "REGIODASH_ALLOW_KPI_UPLOAD"
INDICATOR_TITLES = {"gender_inclusion_index": "Gender inclusion index",
                    "sustainability_index": "Sustainability index"}

try:
    version = pdata.projects_version()
    portfolio = pdata.portfolio(version)
    located = pdata.partner_budgets(version)
    groups = pdata.innovation_groups(version)
    indicator_ids = pdata.indicator_ids(version)
except RegiodashError as exc:
    st.error(f"The project portfolio could not be loaded: {escape_markdown(exc)}")
    st.stop()

projects = portfolio.projects.set_index("project_id")
labels = dict(sorted(((pid, f"{r.acronym} – {r.title}") for pid, r in projects.iterrows()),
                    key=lambda item: item[1].lower()))
programmes = sorted(projects["programme"].unique())
indicator_options = [i for i in queries.REGION_INDICATORS if i in indicator_ids] + [
    i for i in indicator_ids if i not in queries.REGION_INDICATORS]
default_indicator = indicator_options[0] if indicator_options else None

# URL -> widgets, whenever the URL differs from what this page last wrote (first visit, a
# pasted link, back/forward); widgets -> URL at the end of every run.
params = st.query_params.to_dict()
notes: tuple[str, ...] = ()
if st.session_state.get("pj_last_query") != params:
    view = pdata.parse_projects_view(params, set(projects.index), set(programmes),
                                     set(indicator_options))
    notes = view.notes
    st.session_state["pj_project"] = view.project
    st.session_state["pj_programme"] = view.programme or ALL
    st.session_state["pj_indicator"] = view.indicator or default_indicator
    st.session_state["pj_open_project"] = view.project is not None

groups_demo = groups is not None and pdata.groups_are_demo(version)
st.title("Projects & KPIs")
render_demo_banner(groups_demo)
for note in notes:
    st.info(escape_markdown(note), icon=":material/link_off:")
if portfolio.origin == "sample":
    st.info(
        "**Sample portfolio.** Seven EU creative-industry cluster projects built from public "
        "project descriptions; values marked *illustrative* are made up to show how the page "
        "works. Import your own projects with `regiodash projects import` (templates below).",
        icon=":material/science:")

tabs = st.tabs(["Portfolio", "Project detail"],
               default="Project detail" if st.session_state.get("pj_open_project") else None)

# ------------------------------------------------------------------------------ portfolio ---
with tabs[0]:
    programme = st.selectbox("Programme", [ALL, *programmes], key="pj_programme",
                             help="Restrict the portfolio to one funding programme")
    chosen = None if programme == ALL else programme
    sub = queries.filter_portfolio(portfolio, chosen)
    sub_located = located[located["project_id"].isin(set(sub.projects["project_id"]))]
    shares = queries.group_shares(sub_located, groups is not None)
    budgets = sub.projects["total_budget_eur"]

    cols = st.columns(3)
    cols[0].metric("Projects", len(sub.projects))
    cols[1].metric("Partners", len(sub.partners))
    cols[2].metric("Known total budget", format_eur(budgets.sum(min_count=1)),
                   help=f"{budgets.notna().sum()} of {len(budgets)} projects have a known "
                        "budget; unknown budgets are not counted as zero")
    cols = st.columns(2)
    cols[0].metric("Partners in Moderate/Emerging regions", format_share(shares.partners_share),
                   help="Share of partners with an innovation group whose region is a "
                        "Moderate or Emerging Innovator")
    cols[1].metric("Budget in Moderate/Emerging regions", format_share(shares.budget_share),
                   help="Allocated budget (share x budget, else an equal split) in Moderate "
                        "or Emerging Innovator regions, of the budget with a known group")
    if not shares.available:
        st.info(f"{shares.message.capitalize()}: the shares in Moderate and Emerging Innovator "
                "regions appear once `regiodash build` has written innovation_groups.parquet. "
                "The map is coloured by partner count meanwhile.", icon=":material/hourglass:")
    else:
        st.caption(f"Innovation groups: {shares.message} (latest year {shares.year}).")
        if groups_demo:
            st.caption("The innovation groups come from the synthetic demo panel: shares and "
                       "map colours show how the page works, not real groups.")

    regions = queries.region_map_frame(sub_located)
    colour_by = "group" if groups is not None else "partners"
    fig = build_partner_map(data.geojson_dict(data.data_version(), 2, "2021"), regions, colour_by,
                            background={f["id"] for f in data.geojson_dict(
                                data.data_version(), 2, "2021")["features"]})
    st.subheader("Partner regions (NUTS 2)")
    st.plotly_chart(fig, config=MAP_CONFIG, key="pj_portfolio_map", width="stretch")
    unlocated = queries.unlocated_partners(sub_located, 2)
    st.caption(
        f"{len(regions)} NUTS 2 regions with partners. {len(unlocated)} partner(s) have no "
        "NUTS 2 region (outside the NUTS area, e.g. the Southern Mediterranean countries, or "
        "known only at country level) and are not on the map. Colour: "
        + ("innovation group of the region (Okabe-Ito palette)." if colour_by == "group"
           else "number of partners."))

    left, right = st.columns(2)
    left.plotly_chart(build_programme_chart(queries.budget_by_programme(sub)),
                      key="pj_programmes", width="stretch")
    level = right.radio("Regions", [2, 0], format_func={2: "NUTS 2", 0: "Countries"}.get,
                        horizontal=True, key="pj_region_level")
    by_region = queries.budget_by_region(sub_located, level)
    right.plotly_chart(build_region_chart(by_region, level), key="pj_regions",
                       width="stretch")

    st.subheader("Projects")
    overview = pdata.overview(version, chosen).copy()
    overview["illustrative"] = overview["illustrative_fields"].fillna("").str.replace(";", ", ")
    st.dataframe(
        overview.drop(columns=["project_id", "illustrative_fields"]), hide_index=True,
        column_config={
            "total_budget_eur": st.column_config.NumberColumn("budget (EUR)", format="%.0f"),
            "cofinancing_rate": st.column_config.NumberColumn("EU rate", format="percent"),
            "on_track": "KPIs on track", "at_risk": "at risk", "off_track": "off track",
            "illustrative": "illustrative fields",
        })
    st.caption("Bar labels: the known total budget (programmes) and the allocated budget "
               "(regions). Budget per region: the project budget x the partner's budget share "
               "when known, otherwise an equal split of the rest among the partners; unknown "
               "budgets count as unknown, not zero. KPI status uses each KPI's latest value "
               "(see the Project detail tab).")
    by_region["region"] = by_region["geo_code"].map(profile_link)
    with st.expander("Regions table", expanded=False):
        st.dataframe(
            by_region[["region", "geo_name", "partners", "projects", "budget_eur",
                       "illustrative_partners"]], hide_index=True,
            column_config={
                "region": st.column_config.LinkColumn("region", display_text=PROFILE_LINK_PATTERN,
                                                      help="Open the region profile"),
                "budget_eur": st.column_config.NumberColumn("budget (EUR)", format="%.0f"),
            })

    with st.expander("Import your own projects", expanded=False):
        st.write("Fill in the four templates (one example row each) and run "
                 "`regiodash projects import projects.csv partners.csv kpis.csv "
                 "kpi_values.csv`. Every file is checked before anything is written.")
        tcols = st.columns(4)
        for col, name in zip(tcols, TABLE_ORDER, strict=True):
            col.download_button(f"{name}.csv", template_text(name), file_name=f"{name}.csv",
                                mime="text/csv", key=f"pj_template_{name}",
                                icon=":material/download:")

# -------------------------------------------------------------------------- project detail ---
with tabs[1]:
    project_id = st.selectbox("Project", list(labels), format_func=labels.get, key="pj_project",
                              placeholder="Choose a project", help="Shareable: the URL keeps it")
    if project_id is None:
        st.write("Choose a project to see its KPIs, partners and partner regions.")
    else:
        p = projects.loc[project_id]
        illustrative_fields = split_list(p["illustrative_fields"])
        st.subheader(escape_markdown(f"{p['acronym']}: {p['title']}"))
        source = p["source"] if p["source"] in SOURCES else "unknown"  # fixed vocabulary only
        badges = [f":{'orange' if source == 'illustrative' else 'blue'}-badge[source: {source}]"]
        if illustrative_fields or p["source"] == "illustrative":
            badges.append(":orange-badge[:material/science: contains illustrative values]")
        st.markdown(" ".join(badges))
        facts = st.columns([2, 2, 1, 1])
        facts[0].markdown(f"**Programme**  \n{escape_markdown(p['programme'])}")
        facts[1].markdown(f"**Period**  \n{p['start_date']} to {p['end_date']}")
        facts[2].metric("Total budget", format_eur(p["total_budget_eur"]))
        facts[3].metric("EU co-financing", format_share(p["cofinancing_rate"]),
                        help=f"EU co-financing {format_eur(p['eu_cofinancing_eur'])}")
        st.caption(escape_markdown(
            f"Lead partner: {text_or(p['lead_partner'], 'not given')}. Funding period: "
            f"{text_or(p['funding_period'], 'not given')}."))
        if illustrative_fields:
            st.warning("Illustrative (not from the project's sources): "
                       + escape_markdown(", ".join(f.replace("_", " ")
                                                   for f in illustrative_fields)) + ".",
                       icon=":material/science:")
        if isinstance(p["source_note"], str):
            st.caption("Sources: " + escape_markdown(p["source_note"]))
        url = p["url"] if isinstance(p["url"], str) else ""
        if url.startswith(("https://", "http://")):
            st.link_button("Project web page", url)

        st.markdown("#### KPIs: progress against a straight line to the target")
        summary = queries.kpi_summary(portfolio, project_id)
        progress = queries.kpi_progress(portfolio, project_id)
        if summary.empty:
            st.write("This project has no KPIs yet.")
        for k in summary.to_dict("records"):
            with st.container(border=True):
                head = st.columns([3, 2, 2])
                head[0].markdown(f"**{escape_markdown(k['name'])}** ({escape_markdown(k['unit'])}"
                                 f", {'higher' if k['direction'] == 'higher' else 'lower'} is "
                                 "better)")
                with head[1]:
                    st.badge(status_label(k["status"], k["ratio"]),
                             color=STATUS_BADGES.get(k["status"], "gray"))
                if k["illustrative"]:
                    with head[2]:
                        st.badge("illustrative values", color="orange", icon=":material/science:")
                fig = build_kpi_chart(k, progress[progress["kpi_id"] == k["kpi_id"]],
                                      p["start_date"], show_title=False)
                st.plotly_chart(fig, key=f"pj_kpi_{project_id}_{k['kpi_id']}",
                                width="stretch")
                if isinstance(k["note"], str):
                    st.caption(escape_markdown(k["note"]))
        st.caption("Status of the latest value: on track at 90 % or more of the progress "
                   "expected by its date (or target reached), at risk from 70 %, off track "
                   "below; before the start nothing is expected ('not started').")

        st.markdown("#### Partners")
        mine = located[located["project_id"] == project_id].copy()
        mine["region"] = mine["nuts2_code"].where(mine["nuts2_code"].notna(),
                                                  mine["nuts_code"]).map(profile_link)
        st.dataframe(
            mine[["partner_name", "role", "city", "country_code", "nuts_code", "geo_name",
                  "region", "budget_eur", "budget_basis", "grp", "source", "note"]],
            hide_index=True,
            column_config={
                "region": st.column_config.LinkColumn(
                    "region profile", display_text=PROFILE_LINK_PATTERN,
                    help="The partner's NUTS 2 region (or its most precise region)"),
                "budget_eur": st.column_config.NumberColumn("budget (EUR)", format="%.0f"),
                "grp": "innovation group", "geo_name": "NUTS region",
            })
        n_ill = int((mine["source"] == "illustrative").sum())
        no_nuts = int(mine["nuts_code"].isna().sum())
        st.caption(f"{n_ill} of {len(mine)} partners are illustrative. "
                   + (f"{no_nuts} partner(s) are outside the NUTS area and have no NUTS code. "
                      if no_nuts else ""))
        project_regions = queries.region_map_frame(mine)
        if len(project_regions):
            countries = set(mine["nuts0_code"].dropna())
            geo = data.geojson_dict(data.data_version(), 2, "2021")
            background = {f["id"] for f in geo["features"] if f["id"][:2] in countries}
            st.plotly_chart(build_partner_map(geo, project_regions, colour_by, background,
                                              height=420),
                            config=MAP_CONFIG, key=f"pj_map_{project_id}",
                            width="stretch")

        st.markdown("#### Partner regions: gender inclusion and sustainability")
        if not indicator_options:
            st.info("No indicator values in the warehouse yet (run `regiodash demo` or "
                    "`regiodash build`).")
        else:
            indicator = st.selectbox(
                "Regional indicator", indicator_options, key="pj_indicator",
                format_func=lambda i: INDICATOR_TITLES.get(i, i.replace("_", " ")))
            codes = tuple(sorted(set(mine["nuts2_code"].dropna()) | set(
                mine.loc[mine["nuts2_code"].isna(), "nuts_code"].dropna())))
            wanted = tuple(dict.fromkeys([*[i for i in queries.REGION_INDICATORS
                                            if i in indicator_ids], indicator]))
            values = pdata.region_indicators(version, codes, wanted)
            missing = [INDICATOR_TITLES[i] for i in queries.REGION_INDICATORS
                       if i not in indicator_ids]
            if missing:
                st.caption(f"Not in the warehouse yet: {', '.join(missing)}.")
            if values.empty:
                st.write("No values for the partner regions.")
            else:
                table = values.pivot(index="geo_code", columns="indicator_id", values="value")
                years = values.pivot(index="geo_code", columns="indicator_id", values="year")
                table.columns = [INDICATOR_TITLES.get(c, c) for c in table.columns]
                table["latest year"] = years.max(axis=1)
                table = table.reset_index()
                table.insert(1, "region", table["geo_code"].map(profile_link))
                st.dataframe(table.drop(columns=["geo_code"]), hide_index=True,
                             column_config={"region": st.column_config.LinkColumn(
                                 "region", display_text=PROFILE_LINK_PATTERN)})
                if (values["source"] == "demo").any():
                    st.caption("Some of these values come from the synthetic demo panel.")

        if os.environ.get(UPLOAD_ENV) == "1":
            st.markdown("#### Upload KPI values")
            who = st.text_input("Your name (recorded in the import log)", value=current_user(),
                                key="pj_upload_user")
            upload = st.file_uploader("kpi_values CSV or XLSX", type=["csv", "xlsx"],
                                      key="pj_upload")
            if upload is not None:
                settings = load_settings()
                try:
                    prepared = prepare_kpi_values_upload(upload.getvalue(), upload.name,
                                                         settings, who)
                except RegiodashError as exc:
                    st.error(escape_markdown(exc), icon=":material/error:")
                else:
                    st.dataframe(pd.concat([t.frame for t in prepared.tables]),
                                 hide_index=True)
                    result = prepared.results[0]
                    st.caption(f"{result.new_rows} new and {result.replaced_rows} replaced "
                               "rows (upsert by project, KPI and date).")
                    if prepared.will_write and st.button("Confirm import", type="primary",
                                                         key="pj_upload_confirm"):
                        commit_import(prepared, settings)
                        pdata.clear_caches()
                        st.success(f"Imported {result.rows} KPI value(s); recorded in the "
                                   "manifest.")
                    elif not prepared.will_write:
                        st.info("These values are already in the warehouse: nothing to do.")

view = pdata.ProjectsView(
    project=st.session_state.get("pj_project"),
    programme=None if st.session_state.get("pj_programme") in (None, ALL)
    else st.session_state["pj_programme"],
    indicator=st.session_state.get("pj_indicator"),
)
query = view.to_query(default_indicator)
if st.query_params.to_dict() != query:
    st.query_params.from_dict(query)
st.session_state["pj_last_query"] = query
