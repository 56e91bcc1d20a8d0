"""Region profiles for every region of a country at one NUTS level, one PDF per region.

The regions come from the warehouse's region list (its NUTS version); the level must be one
at which the Regional Innovation Index has values in that country, else nothing is written.
Each region is made on its own: a region that fails is reported (its code and the reason)
and the others continue. Each file is written atomically (report.common.write_atomic): a
failed region leaves no file, and a rerun replaces files whole. With `jobs` > 1 the PDFs are
made by that many worker processes (started fresh, each with its own read-only Warehouse;
laying out a PDF is pure Python, so threads would not help) and written by this process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from indicators.innovation.specs import INDEX_ID
from regiodash.config import Settings
from regiodash.report.common import ReportError, write_atomic
from regiodash.report.region import region_profile_pdf
from regiodash.report.region_data import Shared
from regiodash.storage import queries
from regiodash.storage.connection import Warehouse, open_warehouse

# progress(done, total, code, error): after each region; error None when it was written.
Progress = Callable[[int, int, str, str | None], None]


@dataclass
class BatchResult:
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (region code, reason)


HEADLINE_CHOICES = (INDEX_ID, "gdp_per_capita_pps_pct_eu27")


def headline_indicator(wh: Warehouse) -> str:
    """The indicator a batch's level must have: the Regional Innovation Index, or GDP per
    head (% of EU27) in a warehouse without the index (e.g. real GDP data only)."""
    for indicator_id in HEADLINE_CHOICES:
        if not queries.load_indicator_coverage(wh, indicator_id).empty:
            return indicator_id
    raise ReportError("the warehouse has neither the Regional Innovation Index nor GDP per "
                      "head: run `regiodash demo` or import data and `regiodash build`")


def country_regions(wh: Warehouse, country: str, level: int) -> list[str]:
    """The codes of `country`'s NUTS `level` regions, sorted; a ReportError when the country
    is unknown or the headline indicator (headline_indicator) has no values at that level
    there (naming the levels it has)."""
    regions = queries.load_regions(wh)
    countries = set(regions.loc[regions["nuts_level"] == 0, "geo_code"])
    if country not in countries:
        raise ReportError(f"unknown country {country!r}: not a NUTS 0 code in this warehouse "
                          f"(known: {', '.join(sorted(countries)[:12])}...)")
    if level not in (0, 1, 2, 3):
        raise ReportError(f"--level {level}: NUTS levels are 0, 1, 2 and 3")
    mine = regions[(regions["country_code"] == country) & (regions["nuts_level"] == level)]
    indicator_id = headline_indicator(wh)
    with_values = [candidate for candidate in (0, 1, 2, 3) if (queries.load_level_year_values(
        wh, indicator_id, candidate, "T")["country_code"] == country).any()]
    if level not in with_values:
        have = ", ".join(str(x) for x in with_values) or "none"
        raise ReportError(f"{indicator_id} has no values at NUTS level {level} in {country} "
                          f"(levels with values: {have})")
    return sorted(mine["geo_code"])


_WORKER: dict[str, object] = {}


def _start_worker(settings: Settings) -> None:
    _WORKER["wh"], _WORKER["shared"] = open_warehouse(settings), Shared()


def _render_in_worker(code: str, year: int | None, base_url: str | None
                      ) -> tuple[str, bytes | None, str | None]:
    try:
        pdf = region_profile_pdf(_WORKER["wh"], code, year, base_url,  # type: ignore[arg-type]
                                 _WORKER["shared"])  # type: ignore[arg-type]
        return code, pdf, None
    except Exception as exc:  # noqa: BLE001 - reported per region by the parent
        return code, None, str(exc) or type(exc).__name__


def _render_in_workers(wh: Warehouse, codes: list[str], year: int | None,
                       base_url: str | None, jobs: int):
    """(code, pdf or None, error or None) per region, in the order they finish."""
    context = multiprocessing.get_context("spawn")  # no fork of a process holding DuckDB
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                             initargs=(wh.settings,)) as pool:
        futures = [pool.submit(_render_in_worker, code, year, base_url) for code in codes]
        for future in as_completed(futures):
            yield future.result()


def _render_here(wh: Warehouse, codes: list[str], year: int | None, base_url: str | None):
    shared = Shared()
    for code in codes:
        try:
            yield code, region_profile_pdf(wh, code, year, base_url, shared), None
        except Exception as exc:  # noqa: BLE001 - one region's failure must not stop the rest
            yield code, None, str(exc) or type(exc).__name__


def write_region_profiles(wh: Warehouse, codes: list[str], out_dir: str | Path,
                          year: int | None = None, base_url: str | None = None,
                          progress: Progress | None = None, jobs: int = 1) -> BatchResult:
    """One `<code>.pdf` per region in `out_dir` (made by `jobs` processes); failures are
    collected, not raised."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ReportError(f"--out {out}: exists and is not a folder")
    result = BatchResult()
    made = (_render_in_workers(wh, codes, year, base_url, jobs) if jobs > 1 and len(codes) > 1
            else _render_here(wh, codes, year, base_url))
    for done, (code, pdf, error) in enumerate(made, start=1):
        if pdf is not None:
            try:
                result.written.append(write_atomic(out / f"{code}.pdf", pdf))
            except OSError as exc:
                error = f"could not write {out / f'{code}.pdf'}: {exc}"
        if error is not None:
            result.failed.append((code, error))
        if progress is not None:
            progress(done, len(codes), code, error)
    result.written.sort()
    return result
