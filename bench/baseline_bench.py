"""Section 3, baseline: our queries and map figure next to the naive pandas/geopandas/
plotly-express approach of bench.baseline, timed in the same run."""

from __future__ import annotations

from bench.common import (
    INDEX_ID,
    PROFILE_REGION,
    Mode,
    geojson_for,
    settings_for,
    summarise,
    time_calls,
)


def ours_map_figure(wh, geojson_cache: dict, level: int, year: int) -> int:
    """What a map rerun costs us without Streamlit's cache for the values: query + figure."""
    from regiodash.storage import queries
    from regiodash.ui.maps import MapSpec, build_choropleth, figure_json_bytes

    values = queries.load_map_values(wh, INDEX_ID, level, year, "T")
    fig, _ = build_choropleth(geojson_cache[level], values,
                              MapSpec("Regional Innovation Index", "index", 1, "higher"))
    return figure_json_bytes(fig)



def bench_baseline(size: str, mode: Mode, year: int) -> dict:
    from bench import baseline
    from indicators.peers import PEER_CONTEXT, find_peers
    from regiodash.storage import queries
    from regiodash.storage.connection import open_warehouse

    settings = settings_for(size)
    data_dir, ref = settings.data_dir, settings.reference_dir
    wh = open_warehouse(settings)
    geo = {level: geojson_for(wh, level) for level in (2, 3)}
    pairs = {
        "map data NUTS 2": (
            lambda: queries.load_map_values(wh, INDEX_ID, 2, year, "T"),
            lambda: baseline.naive_map_data(data_dir, ref, INDEX_ID, 2, year, "T")),
        "map data NUTS 3": (
            lambda: queries.load_map_values(wh, INDEX_ID, 3, year, "T"),
            lambda: baseline.naive_map_data(data_dir, ref, INDEX_ID, 3, year, "T")),
        "map data + figure JSON NUTS 2": (
            lambda: ours_map_figure(wh, geo, 2, year),
            lambda: baseline.naive_map_figure(data_dir, ref, INDEX_ID, 2, year, "T")),
        "region profile": (
            lambda: queries.load_region_values(wh, PROFILE_REGION),
            lambda: baseline.naive_region_values(data_dir, PROFILE_REGION)),
        "ranking NUTS 2": (
            lambda: queries.load_level_year_values(wh, INDEX_ID, 2, "T"),
            lambda: baseline.naive_ranking(data_dir, ref, INDEX_ID, 2, "T")),
        "peer search NUTS 2": (
            lambda: find_peers(queries.load_level_values(wh, 2, year, list(PEER_CONTEXT)),
                               PROFILE_REGION, k=8),
            lambda: baseline.naive_peers(data_dir, 2, year, PROFILE_REGION)),
    }
    out = {}
    reps = mode.baseline_reps[size]
    for name, (ours, naive) in pairs.items():
        ours_t = summarise(time_calls(ours, mode.warm_reps, warmup=2,
                                      budget_s=mode.warm_budget_s))
        naive_t = summarise(time_calls(naive, reps, warmup=0))
        out[name] = {"ours": ours_t, "naive": naive_t,
                     "ours_over_naive": round(ours_t["p50_ms"] / naive_t["p50_ms"], 4),
                     "speedup": round(naive_t["p50_ms"] / ours_t["p50_ms"], 1)}
    wh.close()
    return {"geopandas": baseline.GEOPANDAS, "ops": out}
