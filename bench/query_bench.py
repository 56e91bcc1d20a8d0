"""Section 2, queries: the named queries the pages use, warm (p50/p95 on one open Warehouse)
and cold (first query on a freshly opened Warehouse), and the Projects page's pipeline."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.common import (
    INDEX_ID,
    PROFILE_REGION,
    PROFILE_REGION_NUTS3,
    Mode,
    latest_year,
    ms,
    settings_for,
    summarise,
    time_calls,
)


def query_ops(size: str, year: int) -> dict[str, Callable[[Any], Any]]:
    """Named query operations as functions of an open Warehouse (what the pages call)."""
    from indicators.innovation import specs as innovation_specs
    from indicators.peers import PEER_CONTEXT, find_peers
    from regiodash.storage import queries

    ops: dict[str, Callable[[Any], Any]] = {}
    for level in (0, 1, 2, 3):
        ops[f"map values NUTS {level}"] = (
            lambda wh, lv=level: queries.load_map_values(wh, INDEX_ID, lv, year, "T"))
    ops["map coverage (indicator)"] = lambda wh: queries.load_indicator_coverage(wh, INDEX_ID)
    ops["region profile (NUTS 2)"] = lambda wh: queries.load_region_values(wh, PROFILE_REGION)
    if size != "1x":
        ops["region profile (NUTS 3)"] = (
            lambda wh: queries.load_region_values(wh, PROFILE_REGION_NUTS3))
    ops["ranking NUTS 2"] = lambda wh: queries.load_level_year_values(wh, INDEX_ID, 2, "T")
    if size != "1x":
        ops["ranking NUTS 3"] = lambda wh: queries.load_level_year_values(wh, INDEX_ID, 3, "T")
    ops["peer search NUTS 2"] = lambda wh: find_peers(
        queries.load_level_values(wh, 2, year, list(PEER_CONTEXT)), PROFILE_REGION, k=8)
    if hasattr(queries, "load_reweighted_index"):
        weights = {i: 1.0 for i in innovation_specs.COMPONENT_IDS}
        weights[innovation_specs.COMPONENT_IDS[0]] = 2.0
        ops["reweighted index NUTS 2"] = (
            lambda wh: queries.load_reweighted_index(wh, 2, weights))
    ops["warehouse summary (overview)"] = queries.load_warehouse_summary
    return ops


def projects_ops(size: str) -> tuple[dict[str, Callable[[], Any]], str | None]:
    """The Projects page's uncached pipeline, step by step (None note when available).

    Warehouse reads go through one open Warehouse, as the page's do."""
    from regiodash.projects import queries as pq_
    from regiodash.projects import region_data
    from regiodash.storage.connection import open_warehouse

    settings = settings_for(size)
    wh = open_warehouse(settings)
    try:
        portfolio = pq_.load_portfolio(settings)
        regions = pq_.load_region_names(settings.reference_dir)
        budgets = pq_.load_partner_budgets(portfolio, regions)
        groups = region_data.load_innovation_groups(wh)
        located = pq_.attach_groups(budgets, groups)
        codes = sorted(set(located["nuts2_code"].dropna()))
    except Exception as exc:  # noqa: BLE001 - report it in the results, go on
        return {}, f"projects pipeline failed: {type(exc).__name__}: {exc}"
    ids = list(region_data.REGION_INDICATORS)
    ops: dict[str, Callable[[], Any]] = {
        "projects: load portfolio": lambda: pq_.load_portfolio(settings),
        "projects: partner budgets": lambda: pq_.load_partner_budgets(portfolio, regions),
        "projects: innovation groups (file)": lambda: region_data.load_innovation_groups(wh),
        "projects: attach groups": lambda: pq_.attach_groups(budgets, groups),
        "projects: group shares": lambda: pq_.group_shares(located, groups is not None),
        "projects: budget by programme": lambda: pq_.budget_by_programme(portfolio),
        "projects: budget by region": lambda: pq_.budget_by_region(located, 2),
        "projects: region map frame": lambda: pq_.region_map_frame(located),
        "projects: portfolio overview": lambda: pq_.portfolio_overview(portfolio),
        "projects: available indicator ids": lambda: region_data.available_indicator_ids(wh),
        "projects: partner-region indicators": lambda: region_data.load_region_indicator_values(
            wh, codes, ids),
        "projects: groups are demo": lambda: region_data.innovation_groups_are_demo(wh),
    }
    return ops, None


def bench_queries(size: str, mode: Mode) -> dict:
    from regiodash.storage.connection import open_warehouse

    settings = settings_for(size)
    wh = open_warehouse(settings)
    year = latest_year(wh, INDEX_ID)
    ops = query_ops(size, year)
    warm: dict[str, dict] = {}
    errors: dict[str, str] = {}
    for name, op in ops.items():
        try:
            warm[name] = summarise(time_calls(lambda op=op: op(wh), mode.warm_reps,
                                              budget_s=mode.warm_budget_s))
        except Exception as exc:  # noqa: BLE001 - report and carry on
            errors[name] = f"{type(exc).__name__}: {exc}"
    wh.close()
    cold: dict[str, dict] = {}
    opens: list[float] = []
    for name, op in ops.items():
        if name in errors:
            continue
        firsts = []
        for _ in range(mode.cold_reps):
            gc.collect()
            started = time.perf_counter()
            fresh = open_warehouse(settings)
            opened = time.perf_counter()
            op(fresh)
            firsts.append(time.perf_counter() - opened)
            opens.append(opened - started)
            fresh.close()
        cold[name] = {"p50_ms": ms(float(np.median(firsts))), "n": len(firsts)}
    proj, note = projects_ops(size)
    for name, op in proj.items():
        try:
            warm[name] = summarise(time_calls(op, mode.warm_reps, budget_s=mode.warm_budget_s))
        except Exception as exc:  # noqa: BLE001
            errors[name] = f"{type(exc).__name__}: {exc}"
    if proj and not any(n.startswith("projects") for n in errors):
        total = sum(warm[n]["p50_ms"] for n in proj)
        warm["projects: whole pipeline (sum of p50)"] = {"n": mode.warm_reps, "p50_ms": round(
            total, 2), "p95_ms": None, "min_ms": None, "max_ms": None}
    return {"year": year, "warm": warm, "cold": cold,
            "open_warehouse_p50_ms": ms(float(np.median(opens))) if opens else None,
            "errors": errors, "projects_note": note}
