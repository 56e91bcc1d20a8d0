"""The whole indicator catalog from Eurostat in one step: filtered downloads, one import, one build.

Grain: one request and one cached file per dataset of `indicators.catalog.EUROSTAT_CATALOG` (several
indicators may read one dataset), filtered server-side to the codes the catalog reads:
per dimension, the union of the codes of every catalog entry on that dataset (`sex` F, M and T
when an entry breaks down by sex); a dimension some entry leaves open stays unfiltered, and
`geo` and time are never filtered. The download, cache and retries are
`ingest.eurostat_api.fetch_dataset`'s; a cached file is revalidated with a conditional request
(If-None-Match / If-Modified-Since), so a second run costs one small request per dataset and an
interrupted run resumes where it stopped. `refresh=True` downloads everything again.

Downloads run on a small thread pool (Eurostat throttles with 429 and Retry-After, which the
downloader honours). A dataset that fails (HTTP error, asynchronous or too-large answer,
truncated body, HTML page) is reported with the reason and does not stop the others; when
Eurostat cannot be reached at all, the datasets not yet started are skipped at once. Then every
dataset fetched is imported (one dataset's bad file fails that dataset only; a file already
imported with the same hash is not read again) and the warehouse is built once.

`fetch_catalog` has no console: it reports `CatalogEvent`s to an optional callback, always on
the calling thread (events from the download threads are queued and handed over there), so a
Streamlit page can drive its own progress widgets; `ingest.catalog_progress` draws rich bars for
the CLI. Values are imported as published: missing cells stay missing, flags travel with the
values, and the NUTS version is detected per file by the importer.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from indicators.catalog import EUROSTAT_CATALOG
from indicators.spec import CatalogIndicator
from regiodash.config import Settings
from regiodash.errors import FetchError, RegiodashError
from regiodash.ingest.download import HostUnreachableError
from regiodash.ingest.eurostat_api import (
    SDMX_CSV,
    build_dataset_url,
    fetch_dataset,
    normalize_dataset_code,
    normalize_format,
)
from regiodash.ingest.importing import import_tables
from regiodash.ingest.readers import read_file
from regiodash.storage.build import BuildSummary, build_warehouse
from regiodash.storage.files import sha256_file
from regiodash.storage.layout import WarehousePaths, read_manifest, require_local

DEFAULT_WORKERS = 3
"""Parallel downloads: enough to overlap Eurostat's response times, few enough not to be
throttled."""
MAX_WORKERS = 8
SEX_CODES = ("F", "M", "T")

FETCHED, UNCHANGED, FAILED, SKIPPED = "fetched", "unchanged", "failed", "skipped"


@dataclass(frozen=True)
class CatalogRequest:
    """What is asked of Eurostat for one dataset: the filter codes per dimension."""

    dataset: str
    filters: tuple[tuple[str, tuple[str, ...]], ...]
    """(dimension, codes) sorted by dimension; codes in catalog order, without repeats."""
    indicator_ids: tuple[str, ...]
    """The catalog indicators that read this dataset."""

    @property
    def filter_map(self) -> dict[str, list[str]]:
        return {dim: list(codes) for dim, codes in self.filters}


def catalog_requests(
    entries: Iterable[CatalogIndicator] = EUROSTAT_CATALOG, datasets: Iterable[str] | None = None
) -> list[CatalogRequest]:
    """One request per catalog dataset (in catalog order), optionally only `datasets`.

    A dimension is filtered only when every entry on the dataset fixes it (by a filter, or as
    its sex dimension, which asks for F, M and T); its codes are the union of theirs.
    """
    by_dataset: dict[str, list[CatalogIndicator]] = {}
    for entry in entries:
        by_dataset.setdefault(entry.dataset, []).append(entry)
    if datasets is not None:
        wanted = [normalize_dataset_code(code) for code in datasets]
        unknown = sorted(set(wanted) - set(by_dataset))
        if unknown:
            raise FetchError(
                f"not a catalog dataset: {', '.join(unknown)} (the catalog reads "
                f"{', '.join(sorted(by_dataset))})"
            )
        by_dataset = {code: by_dataset[code] for code in by_dataset if code in wanted}
    return [
        CatalogRequest(
            dataset=code,
            filters=_union_filters(group),
            indicator_ids=tuple(entry.indicator_id for entry in group),
        )
        for code, group in by_dataset.items()
    ]


def _union_filters(entries: Sequence[CatalogIndicator]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    per_entry: list[dict[str, list[str]]] = []
    for entry in entries:
        codes = {dim: [code] for dim, code in entry.filters}
        if entry.sex_dim:
            codes[entry.sex_dim] = list(SEX_CODES)
        per_entry.append(codes)
    shared = set.intersection(*(set(codes) for codes in per_entry)) - {"geo", "time"}
    union: dict[str, list[str]] = {}
    for codes in per_entry:
        for dim in sorted(shared):
            union.setdefault(dim, [])
            union[dim].extend(c for c in codes[dim] if c not in union[dim])
    return tuple((dim, tuple(union[dim])) for dim in sorted(union))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CatalogEvent:
    """One step of a catalog fetch, for a progress display.

    kind: "start" (dataset requested), "bytes" (body received so far: `done_bytes` of
    `total_bytes`, None when not announced), "done" (dataset finished; `status` is fetched,
    unchanged, failed or skipped and `message` the reason of a failure), "import" and "build"
    (the steps after the downloads, `message` says what is happening).
    """

    kind: str
    dataset: str | None = None
    status: str | None = None
    done_bytes: int = 0
    total_bytes: int | None = None
    message: str = ""


CatalogProgress = Callable[[CatalogEvent], None]


@dataclass
class DatasetOutcome:
    """What happened to one dataset: fetched / unchanged (304 or already imported) / failed /
    skipped (not attempted because Eurostat could not be reached)."""

    dataset: str
    url: str
    status: str
    error: str = ""
    stage: str = ""
    """Where a failure happened: "fetch" or "import"."""
    path: Path | None = None
    bytes: int = 0
    import_status: str = ""
    """"imported", "unchanged" (same file imported before) or "" (not imported)."""
    rows: int = 0
    nuts_version: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class CatalogFetchSummary:
    """The outcome of `fetch_catalog`, one `DatasetOutcome` per dataset in catalog order."""

    outcomes: list[DatasetOutcome]
    fmt: str
    seconds: float = 0.0
    build: BuildSummary | None = None
    build_error: str = ""
    offline: str = ""
    """Eurostat's host could not be reached: the downloader's message (else empty)."""

    def with_status(self, status: str) -> list[DatasetOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        """True when no dataset failed or was skipped and the build (if any) succeeded."""
        return not any(o.status in {FAILED, SKIPPED} for o in self.outcomes) and (
            not self.build_error
        )

    @property
    def imported(self) -> list[DatasetOutcome]:
        return [o for o in self.outcomes if o.import_status == "imported"]


# --------------------------------------------------------------------------- the run


def fetch_catalog(
    settings: Settings,
    *,
    fmt: str = SDMX_CSV,
    workers: int = DEFAULT_WORKERS,
    refresh: bool = False,
    build: bool = True,
    datasets: Iterable[str] | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    progress: CatalogProgress | None = None,
) -> CatalogFetchSummary:
    """Fetch every catalog dataset (or only `datasets`), import what came, build once.

    `fmt` is "sdmx-csv" (default), "tsv" or "jsonstat"; `workers` parallel downloads (1-8);
    `refresh` downloads again instead of revalidating the cache; `build=False` stops after
    the import. `retries` / `backoff` as in `fetch_dataset`. Raises only for invalid arguments
    or a warehouse that cannot be written (remote); every per-dataset failure is in the
    summary. The build runs when at least one dataset was newly imported.
    """
    fmt = normalize_format(fmt)
    if not 1 <= workers <= MAX_WORKERS:
        raise FetchError(f"workers must be between 1 and {MAX_WORKERS}, got {workers}")
    require_local(settings, "fetching the catalog")
    requests = catalog_requests(datasets=datasets)
    started = time.monotonic()

    def emit(event: CatalogEvent) -> None:
        if progress is not None:
            progress(event)

    outcomes, offline = _download_all(
        requests, settings, fmt, workers, refresh, retries, backoff, emit
    )
    summary = CatalogFetchSummary(outcomes=outcomes, fmt=fmt, offline=offline)
    _import_all(summary.outcomes, settings, emit)
    if build and summary.imported:
        emit(CatalogEvent("build", message="building the warehouse"))
        try:
            summary.build = build_warehouse(
                settings, progress=lambda msg: emit(CatalogEvent("build", message=msg))
            )
        except RegiodashError as exc:
            summary.build_error = str(exc)
    summary.seconds = time.monotonic() - started
    return summary


def _download_all(
    requests: Sequence[CatalogRequest],
    settings: Settings,
    fmt: str,
    workers: int,
    refresh: bool,
    retries: int,
    backoff: float,
    emit: CatalogProgress,
) -> tuple[list[DatasetOutcome], str]:
    """Run the downloads on a thread pool; hand their events to `emit` on this thread."""
    events: queue.Queue[CatalogEvent] = queue.Queue()
    stop = threading.Event()
    offline: list[str] = []

    def drain() -> None:
        while True:
            try:
                emit(events.get_nowait())
            except queue.Empty:
                return

    def one(request: CatalogRequest) -> DatasetOutcome:
        return _fetch_one(
            request, settings, fmt, refresh, retries, backoff, events.put, stop, offline
        )

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eurostat") as pool:
        futures: list[Future[DatasetOutcome]] = [pool.submit(one, r) for r in requests]
        pending = set(futures)
        try:
            while pending:
                _, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
                drain()
        except BaseException:  # Ctrl-C: start nothing new; running downloads end atomically
            stop.set()
            for future in futures:
                future.cancel()
            raise
    drain()
    return [future.result() for future in futures], (offline[0] if offline else "")


def _fetch_one(
    request: CatalogRequest,
    settings: Settings,
    fmt: str,
    refresh: bool,
    retries: int,
    backoff: float,
    put: Callable[[CatalogEvent], None],
    stop: threading.Event,
    offline: list[str],
) -> DatasetOutcome:
    """Download one dataset (in a worker thread); never raises for a download failure."""
    code = request.dataset
    url = build_dataset_url(code, settings, fmt, request.filter_map)
    if stop.is_set():
        reason = "not attempted: Eurostat could not be reached"
        put(CatalogEvent("done", code, SKIPPED, message=reason))
        return DatasetOutcome(code, url, SKIPPED, error=reason, stage="fetch")
    put(CatalogEvent("start", code))

    def on_bytes(done: int, total: int | None) -> None:
        put(CatalogEvent("bytes", code, done_bytes=done, total_bytes=total))

    try:
        result = fetch_dataset(
            code,
            settings,
            fmt,
            filters=request.filter_map,
            refresh=refresh,
            progress=False,
            retries=retries,
            backoff=backoff,
            revalidate=True,
            on_bytes=on_bytes,
        )
    except (RegiodashError, OSError) as exc:
        if isinstance(exc, HostUnreachableError):
            offline.append(str(exc))
            stop.set()
        put(CatalogEvent("done", code, FAILED, message=str(exc)))
        return DatasetOutcome(code, url, FAILED, error=str(exc), stage="fetch")
    status = UNCHANGED if result.unchanged else FETCHED
    put(CatalogEvent("done", code, status, done_bytes=result.bytes, total_bytes=result.bytes))
    return DatasetOutcome(code, url, status, path=result.path, bytes=result.bytes)


def _import_all(
    outcomes: Sequence[DatasetOutcome], settings: Settings, emit: CatalogProgress
) -> None:
    """Import every downloaded file, one dataset at a time so that one bad file fails alone."""
    paths = WarehousePaths(settings.data_dir)
    imported_before = {(m["dataset"], m["sha256"]) for m in read_manifest(paths)}
    for outcome in outcomes:
        if outcome.path is None or outcome.status not in {FETCHED, UNCHANGED}:
            continue
        digest = sha256_file(outcome.path)
        if (outcome.dataset, digest) in imported_before and paths.raw_file(
            "eurostat", outcome.dataset
        ).exists():
            outcome.import_status = "unchanged"
            continue
        emit(CatalogEvent("import", outcome.dataset, message=f"importing {outcome.dataset}"))
        try:
            table = read_file(outcome.path, dataset=outcome.dataset)
            (result,) = import_tables([(table, str(outcome.path.resolve()), digest)], settings)
        except (RegiodashError, OSError) as exc:
            outcome.status, outcome.stage = FAILED, "import"
            outcome.error = f"the downloaded file could not be imported: {exc}"
            emit(CatalogEvent("import", outcome.dataset, FAILED, message=outcome.error))
            continue
        outcome.import_status = result.status
        outcome.rows = result.rows
        outcome.nuts_version = result.nuts_version
        outcome.notes = list(result.notes)
