"""Section 4, figures: map figure JSON bytes and build time per NUTS level, as ui.maps builds
them, with the geometry as a static file's URL (what the pages send) and inline."""

from __future__ import annotations

from typing import Any

from bench.common import (
    CONTINUOUS_ID,
    INDEX_ID,
    Mode,
    geojson_for,
    latest_year,
    settings_for,
    summarise,
    time_calls,
)


def bench_figures(size: str, mode: Mode, year: int) -> dict:
    """Figure JSON bytes and build time per NUTS level, as ui.maps builds them.

    `geometry` is how the figure gets its shapes: "url" (what the pages do when
    ui.data.geojson returns the URL of a static GeoJSON file: the browser fetches the shapes
    once and caches them) or "inline" (the FeatureCollection inside the figure).
    """
    import inspect
    import json as json_

    from regiodash.storage import queries
    from regiodash.storage.connection import open_warehouse
    from regiodash.ui import maps

    url_supported = "str" in str(inspect.signature(maps.build_choropleth).parameters["geojson"])
    wh = open_warehouse(settings_for(size))
    out: dict[str, dict] = {}
    cont_year = latest_year(wh, CONTINUOUS_ID)
    spec = maps.MapSpec("Employment rate", "%", 1, "higher")
    for level in (0, 1, 2, 3):
        geo = geojson_for(wh, level)
        geometries = {"inline": geo}
        if url_supported:
            geometries["url"] = f"/app/static/geo/nuts_2021_level{level}_0123456789.json"
        values = queries.load_map_values(wh, CONTINUOUS_ID, level, cont_year, "T")
        row: dict[str, Any] = {
            "geometry_file_bytes": len(json_.dumps(geo, separators=(",", ":")).encode()),
            "regions_without_value": int(values["value"].isna().sum()),
        }
        groups = idx = None
        if hasattr(maps, "build_group_map"):
            groups = queries.load_innovation_groups(wh, level)
            idx = queries.load_map_values(wh, INDEX_ID, level, year, "T").merge(
                groups.loc[groups["year"] == year, ["geo_code", "grp", "subgroup"]],
                on="geo_code", how="left")
        for how, g in geometries.items():
            def continuous(g=g, values=values):
                fig, _ = maps.build_choropleth(g, values, spec)
                return maps.figure_json_bytes(fig), len(fig.data)

            (nbytes, traces), t = continuous(), summarise(
                time_calls(continuous, mode.figure_reps, warmup=0))
            row[f"continuous_{how}"] = {"bytes": nbytes, "traces": traces,
                                        "build_json_p50_ms": t["p50_ms"]}
            if idx is not None:
                def grouped(g=g, idx=idx):
                    fig, _ = maps.build_group_map(g, idx)
                    return maps.figure_json_bytes(fig), len(fig.data)

                (nbytes, traces), t = grouped(), summarise(
                    time_calls(grouped, mode.figure_reps, warmup=0))
                row[f"group_map_{how}"] = {"bytes": nbytes, "traces": traces,
                                           "build_json_p50_ms": t["p50_ms"]}
        row["page_geometry"] = "url" if url_supported else "inline"
        out[f"NUTS {level}"] = row
    wh.close()
    return out
