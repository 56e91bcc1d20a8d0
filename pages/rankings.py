"""Rankings & trends: sortable table with rank and change, country strips, convergence."""

import numpy as np
import streamlit as st

from regiodash.errors import RegiodashError
from regiodash.ui import charts, data
from regiodash.ui.state import LEVELS, ViewState
from regiodash.ui.url import read_view, render_copy_link, write_view
from regiodash.ui.widgets import DOMAIN_LABELS, render_demo_banner, render_notes

PAGE = "rankings"

try:
    version = data.data_version()
    ctx = data.view_context(version)
    catalog = data.catalog(version).set_index("indicator_id")
except RegiodashError as exc:
    st.error(f"The warehouse could not be opened: {exc}")
    st.stop()

default_id = "regional_innovation_index" if "regional_innovation_index" in catalog.index \
    else catalog.index[0]
defaults = ViewState(indicator=default_id, level=2)
view, fresh = read_view(PAGE, defaults, ctx)
if fresh:
    st.session_state["w_rank_indicator"] = view.indicator
    st.session_state["w_rank_level"] = view.level

st.title("Rankings & trends")
render_notes(view.notes)
cols = st.columns([4, 1])
indicator = cols[0].selectbox(
    "Indicator", list(catalog.index), key="w_rank_indicator",
    format_func=lambda i: f"{DOMAIN_LABELS.get(catalog.loc[i, 'domain'], '')} · "
                          f"{catalog.loc[i, 'title']}")
level = cols[1].selectbox("NUTS level", list(LEVELS), key="w_rank_level")
spec = catalog.loc[indicator]
frame = data.level_year_values(version, indicator, level, "T")
weights: tuple[tuple[str, float], ...] = ()
if indicator == "regional_innovation_index":
    with st.expander("Reweight the innovation components", expanded=bool(view.weights),
                     icon=":material/tune:"):
        st.caption("Equal weights (1) reproduce the published method; 0 drops a component. "
                   "Changed weights go into the link.")
        given = dict(view.weights)
        wcols = st.columns(3)
        chosen = {}
        for i, component in enumerate(sorted(ctx.weight_ids)):
            chosen[component] = wcols[i % 3].number_input(
                str(catalog.loc[component, "title"]) if component in catalog.index
                else component, min_value=0.0, max_value=10.0, step=0.5,
                value=float(given.get(component, 1.0)), key=f"w_weight_{component}")
        weights = tuple(sorted((k, v) for k, v in chosen.items() if v != 1.0))
    if weights:
        full = tuple(sorted({**dict.fromkeys(ctx.weight_ids, 1.0), **dict(weights)}.items()))
        frame = data.reweighted_index(version, level, full).merge(
            frame[["geo_code", "geo_name", "country_code"]].drop_duplicates(), on="geo_code")
        st.info("Showing the index recomputed with your weights.", icon=":material/tune:")
if frame.empty:
    st.warning("No values for this indicator at this level.")
    st.stop()
years = sorted(frame["year"].unique())
lo, hi = (view.year, view.year_to or view.year) if view.year in years else (years[0], years[-1])
span = st.select_slider("Years (change is measured between them)", options=years,
                        value=(lo, hi if hi in years else years[-1]), key="w_rank_years")
view = ViewState(indicator=indicator, level=level, year=span[0],
                 year_to=span[1] if span[1] != span[0] else None, weights=weights)
query = write_view(PAGE, view, ViewState(indicator=default_id, level=2, year=years[0],
                                         year_to=years[-1]))
render_copy_link(query)
render_demo_banner(bool((frame["source"] == "demo").any()))

end = frame[frame["year"] == span[1]].set_index("geo_code")
begin = frame[frame["year"] == span[0]].set_index("geo_code")["value"]
ascending = spec["direction"] == "lower"
table = end[["geo_name", "country_code", "value", "flag"]].copy()
table["rank"] = table["value"].rank(ascending=ascending, method="min").astype("Int64")
table[f"change since {span[0]}"] = table["value"] - begin.reindex(table.index)
table = table.sort_values("rank").reset_index()
st.caption(f"{spec['title']} ({spec['unit']}), NUTS {level}, {span[1]}. Rank 1 = best "
           f"({'lowest' if ascending else 'highest'}). Click a column to sort.")
st.dataframe(table, hide_index=True, column_config={
    "value": st.column_config.NumberColumn(format="%.2f"),
    f"change since {span[0]}": st.column_config.NumberColumn(format="%+.2f")})
st.download_button("Download CSV", table.to_csv(index=False).encode(),
                   file_name=f"ranking_{indicator}_nuts{level}_{span[1]}.csv",
                   mime="text/csv", icon=":material/download:")
st.subheader("Distribution per country")
st.plotly_chart(charts.build_strip_chart(end.reset_index(), str(spec["unit"])), key="strip")
if indicator == "regional_innovation_index" and span[0] < span[1]:
    st.subheader("Convergence: initial level vs growth")
    both = begin.to_frame("initial").join(end[["value", "geo_name"]], how="inner")
    both = both[(both["initial"] > 0) & (both["value"] > 0)]
    both["growth"] = (np.power(both["value"] / both["initial"], 1 / (span[1] - span[0])) - 1
                      ) * 100
    st.caption("Each dot is a region. A downward slope (weaker regions growing faster) means "
               "beta convergence.")
    st.plotly_chart(charts.build_convergence_chart(both.reset_index(), span[0], span[1]),
                    key="convergence")
