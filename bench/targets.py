"""The targets (build time and memory, map query, page rerun ratios, figure bytes, first
paint, speed-up over the naive baseline), each checked against a run's results."""

from __future__ import annotations

from typing import Any

REWEIGHT_OP = "reweighted index NUTS 2 (as the Rankings page: new weights on the prepared base)"


def evaluate_targets(results: dict) -> list[dict]:
    sizes = results["sizes"]
    targets: list[dict] = []

    def add(name: str, value: Any, limit: str, met: bool | None, note: str = "") -> None:
        targets.append({"target": name, "value": value, "limit": limit,
                        "status": "n/a" if met is None else ("met" if met else "MISSED"),
                        "note": note})

    big = "100x" if "100x" in sizes else (list(sizes)[-1] if sizes else None)
    if big and "build" in sizes[big]:
        b = sizes[big]["build"]
        add(f"build {big} ({b['observations']:,} observations) wall", f"{b['build_p50_s']} s",
            "< 10 s", b["build_p50_s"] < 10 if big == "100x" else None,
            "" if big == "100x" else "target defined at 100x")
        add(f"build {big} peak RSS", f"{b['maxrss_mb']:.0f} MB", "< 2048 MB",
            b["maxrss_mb"] < 2048 if big == "100x" else None)
    if big and "queries" in sizes[big]:
        warm = sizes[big]["queries"]["warm"]
        worst = max((warm[f"map values NUTS {lv}"]["p50_ms"], lv) for lv in range(4)
                    if f"map values NUTS {lv}" in warm)
        add(f"map query p50 at {big} (worst level: NUTS {worst[1]})", f"{worst[0]} ms",
            "< 20 ms", worst[0] < 20 if big == "100x" else None)
    if big and sizes[big].get("composite", {}).get("warm"):
        row = sizes[big]["composite"]["warm"].get(REWEIGHT_OP)
        if row:
            add(f"reweighted index p50 at {big} (as the Rankings page)", f"{row['p50_ms']} ms",
                "< 50 ms", row["p50_ms"] < 50 if big == "100x" else None,
                "inputs prepared once per data version and level")
    for size, data in sizes.items():
        pages = data.get("pages", {}).get("pages", {})
        for label, limit in (("map NUTS 2 (default view)", 3), ("map NUTS 3 (default view)", 6),
                             ("map NUTS 2 (continuous)", 3), ("map NUTS 3 (continuous)", 6)):
            row = pages.get(label)
            if row and "ratio_to_empty" in row:
                shown = row.get("level_shown")
                note = ("1x has no NUTS 3 values: the page falls back to NUTS 2"
                        if "NUTS 3" in label and str(shown) != "3" else "")
                routed = row.get("through_app_py", False)
                if not routed:
                    note = "measured without app.py's navigation: does not count"
                add(f"page {label} rerun / empty page, {size}", f"{row['ratio_to_empty']}x",
                    f"<= {limit}x", routed and row["ratio_to_empty"] <= limit, note)
    figure_size = big
    if figure_size and "figures" in sizes[figure_size] and "error" not in sizes[figure_size][
            "figures"]:
        figs = sizes[figure_size]["figures"]
        for level, limit in ((2, 350), (3, 900)):
            row = figs.get(f"NUTS {level}")
            if not row:
                continue
            how = row["page_geometry"]
            for kind, label in (("continuous", "continuous map"),
                                ("group_map", "default view (innovation groups)")):
                fig = row.get(f"{kind}_{how}")
                if not fig:
                    continue
                kb = fig["bytes"] / 1000
                note = f"{fig['traces']} traces, geometry {how}"
                if how == "url":
                    note += (f"; plus the geometry file fetched once and cached: "
                             f"{row['geometry_file_bytes'] / 1000:.0f} KB")
                add(f"figure JSON NUTS {level}, {label} ({figure_size})", f"{kb:.0f} KB",
                    f"< {limit} KB", kb < limit, note)
                if how == "url":
                    first = (fig["bytes"] + row["geometry_file_bytes"]) / 1000
                    add(f"first view bytes NUTS {level}, {label}: figure + geometry file "
                        f"({figure_size})", f"{first:.0f} KB", f"< {limit} KB", first < limit,
                        "what a browser without the cached file downloads")
    for size, data in sizes.items():
        paint = data.get("browser", {}).get("NUTS 2")
        if paint and paint.get("median_s") is not None:
            add(f"first map paint NUTS 2, {size} (median of {len(paint['loads_s'])})",
                f"{paint['median_s']} s", "< 3 s", paint["median_s"] < 3)
    # Map page (issue 14): warm first paint next to an empty page's, and interactions.
    for size, data in sizes.items():
        paint = data.get("browser", {}).get("NUTS 2") or {}
        if "warm_cached_ratio" in paint:
            add(f"warm first map paint / empty page's first paint, {size}",
                f"{paint['warm_cached_ratio']}x", "<= 1.5x", paint["warm_cached_ratio"] <= 1.5,
                f"{paint['warm_cached_map_median_s']} s vs {paint['warm_cached_empty_median_s']}"
                f" s, same run; a fresh browser context: {paint['warm_fresh_ratio']}x"
                + (f"; the interactive plotly map: {paint['warm_cached_interactive_ratio']}x"
                   if "warm_cached_interactive_ratio" in paint else ""))
        for label, row in data.get("pages", {}).get("pages", {}).items():
            if label.startswith("map interaction:") and "rerun_p50_ms" in row:
                add(f"{label}, {size}", f"{row['rerun_p50_ms']} ms", "< 100 ms server time",
                    row["rerun_p50_ms"] < 100 if size == "100x" else None,
                    "" if size == "100x" else "target defined at 100x")
    for size, data in sizes.items():
        ops = data.get("baseline", {}).get("ops", {})
        for name in ("map data NUTS 2", "map data NUTS 3", "region profile"):
            if name in ops:
                add(f"{name} vs naive baseline, {size}", f"{ops[name]['speedup']}x faster",
                    ">= 10x", ops[name]["speedup"] >= 10)
    return targets
