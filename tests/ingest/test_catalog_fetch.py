"""`regiodash fetch --catalog` (ingest.catalog_fetch) against a local server replaying Eurostat.

The fake Eurostat (tests/ingest/eurostat_replay.py) answers the SDMX 3.0 data path of every
catalog dataset from the request's own `c[dim]` filters, so a wrong filter shows up as a wrong
answer, and every request is recorded. Bodies are real-format and built from the real bulk TSV
../shared/data/real/eurostat/bulk_tsv/estat_nama_10r_3gdp.tsv:
- nama_10r_3gdp: the real lines whose freq and unit match the request, verbatim (TSV) or
  rewritten observation by observation as SDMX-CSV 2.0 (`STRUCTURE,STRUCTURE_ID,...`, the
  layout Eurostat's SDMX 3.0 `format=csvdata&formatVersion=2.0` documents);
- every other catalog dataset: the real cells (values and flags) of 56 real regions (AT, BE, NL,
  PT at NUTS 0-2, unit PPS_HAB_EU27_2020) under that dataset's dimensions and the requested
  codes. The figures are not that dataset's (the files are not shipped; no internet here):
  the layout, codes, flags and missing cells are Eurostat's.
Each answer carries an ETag and Last-Modified; a request with a matching If-None-Match gets 304.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from rich.console import Console

from regiodash import cli
from regiodash.config import Settings, load_settings
from regiodash.ingest.catalog_fetch import (
    FAILED,
    FETCHED,
    SKIPPED,
    UNCHANGED,
    CatalogEvent,
    catalog_requests,
    fetch_catalog,
)
from regiodash.ingest.catalog_progress import RichCatalogProgress, print_catalog_summary
from regiodash.ingest.download import manifest_path
from regiodash.ingest.eurostat_api import cache_path_for
from regiodash.storage.layout import WarehousePaths, read_manifest
from tests.ingest.eurostat_replay import (
    API_PREFIX,
    ASYNC_ENVELOPE,
    HTML_ERROR_PAGE,
    FakeEurostat,
    Reply,
    Request,
    part_files,
    running_eurostat,
)

REAL_TSV = Path("eurostat") / "bulk_tsv" / "estat_nama_10r_3gdp.tsv"
LAST_MODIFIED = "Tue, 26 Mar 2024 22:00:00 GMT"
DATASETS = [r.dataset for r in catalog_requests()]


def data_path(code: str) -> str:
    return f"{API_PREFIX}/sdmx/3.0/data/dataflow/ESTAT/{code.upper()}/1.0"


# --------------------------------------------------------------------------- replayed answers


class RealTsv:
    """The real bulk TSV, split into its header and its series lines."""

    def __init__(self, path: Path) -> None:
        lines = path.read_text(encoding="utf-8").splitlines()
        self.years = lines[0].split("\t")[1:]
        self.series = [line.split("\t") for line in lines[1:]]
        self.cells_for_regions = {
            key.split(",")[2]: cells
            for key, *cells in self.series
            if key.startswith("A,PPS_HAB_EU27_2020,") and key.split(",")[2][:2] in SAMPLE
            and len(key.split(",")[2]) <= 4
        }

    def answer(self, code: str, query: dict[str, list[str]]) -> tuple[list[str], list[list[str]]]:
        """(dimension names, series lines as [key, cells...]) for a filtered request."""
        wanted = {
            name[2:-1]: set(value[0].split(","))
            for name, value in query.items()
            if name.startswith("c[")
        }
        if code == "nama_10r_3gdp":
            rows = [
                line
                for line in self.series
                if all(part in wanted.get(dim, {part}) for dim, part in
                       zip(("freq", "unit"), line[0].split(","), strict=False))
            ]
            return ["freq", "unit", "geo"], rows
        dims = ["freq", *sorted(d for d in wanted if d != "freq"), "geo"]
        combos = itertools.product(*(sorted(wanted[d]) for d in dims[:-1]))
        rows = [
            [",".join([*combo, geo]), *cells]
            for combo in combos
            for geo, cells in sorted(self.cells_for_regions.items())
        ]
        return dims, rows

    def tsv(self, dims: list[str], rows: list[list[str]]) -> bytes:
        header = "\t".join([",".join(dims) + "\\TIME_PERIOD", *self.years])
        return ("\n".join([header, *("\t".join(row) for row in rows)]) + "\n").encode()

    def sdmx_csv(self, code: str, dims: list[str], rows: list[list[str]]) -> bytes:
        out = [",".join(["STRUCTURE", "STRUCTURE_ID", *dims, "TIME_PERIOD", "OBS_VALUE",
                         "OBS_FLAG"])]
        for key, *cells in rows:
            for year, cell in zip(self.years, cells, strict=True):
                value, _, flag = cell.strip().partition(" ")
                value = "" if value == ":" else value
                if value or flag:
                    out.append(f"dataflow,ESTAT:{code.upper()}(1.0),{key},{year.strip()},"
                               f"{value},{flag.strip()}")
        return ("\n".join(out) + "\n").encode()


SAMPLE = {"AT", "BE", "NL", "PT"}


class CatalogReplay:
    """Serves every catalog dataset's data path from the request's filters."""

    def __init__(self, fake: FakeEurostat, real: RealTsv, fmt: str) -> None:
        self.fake, self.real, self.fmt = fake, real, fmt
        for code in DATASETS:
            fake.route_dynamic(data_path(code), self.responder(code))

    def body(self, code: str, request: Request) -> bytes:
        dims, rows = self.real.answer(code, request.query)
        if self.fmt == "tsv":
            return self.real.tsv(dims, rows)
        return self.real.sdmx_csv(code, dims, rows)

    def responder(self, code: str):  # noqa: ANN201 - a Dynamic route
        def answer(request: Request) -> Reply:
            body = self.body(code, request)
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if request.headers.get("If-None-Match") == etag:
                return Reply(304, b"", {"ETag": etag})
            kind = "text/tab-separated-values" if self.fmt == "tsv" else "text/csv"
            return Reply(200, body, {"Content-Type": kind, "ETag": etag,
                                     "Last-Modified": LAST_MODIFIED})

        return answer


@pytest.fixture(scope="module")
def real_tsv(real_data_dir: Path) -> RealTsv:
    return RealTsv(real_data_dir / REAL_TSV)


@pytest.fixture
def eurostat(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEurostat]:
    with running_eurostat(monkeypatch) as fake:
        yield fake


def settings_for(tmp_path: Path, api: str) -> Settings:
    return load_settings({
        "REGIODASH_DATA_DIR": str(tmp_path / "data"),
        "REGIODASH_EUROSTAT_API": api,
        "REGIODASH_FETCH_TIMEOUT": "5",
    })


@pytest.fixture
def settings(tmp_path: Path, eurostat: FakeEurostat) -> Settings:
    return settings_for(tmp_path, eurostat.api)


def requested_filters(request: Request) -> dict[str, set[str]]:
    return {
        name[2:-1]: set(value[0].split(","))
        for name, value in request.query.items()
        if name.startswith("c[")
    }


def warehouse_manifest_datasets(settings: Settings) -> set[str]:
    return {m["dataset"] for m in read_manifest(WarehousePaths(settings.data_dir))}


# --------------------------------------------------------------------------- the filters


def test_each_catalog_dataset_is_asked_once_with_the_union_of_its_codes() -> None:
    requests = {r.dataset: r.filter_map for r in catalog_requests()}

    assert len(requests) == len(DATASETS) == len(set(DATASETS))
    # Hand-checked against indicators/catalog.py: three entries read rd_p_persreg, one of them
    # with sex fixed to T, two broken down by sex.
    persreg = {dim: set(codes) for dim, codes in requests["rd_p_persreg"].items()}
    assert persreg == {
        "freq": {"A"},
        "prof_pos": {"TOTAL", "RSE"},
        "sectperf": {"TOTAL"},
        "sex": {"F", "M", "T"},
        "unit": {"PC_ACT_FTE", "PC_ACT_HC", "HC"},
    }
    assert requests["rd_e_gerdreg"]["sectperf"] == ["TOTAL", "BES", "GOV", "HES"]
    assert requests["demo_r_pjangrp3"]["sex"] == ["T"]  # no sex breakdown: only the total
    assert requests["nama_10r_3gdp"] == {"freq": ["A"], "unit": ["EUR_HAB", "PPS_HAB_EU27_2020"]}
    assert all("geo" not in f and "time" not in f for f in requests.values())


def test_a_dimension_one_entry_leaves_open_is_not_filtered() -> None:
    from indicators.catalog import CATALOG

    gdp = next(e for e in CATALOG if e.dataset == "nama_10r_3gdp")
    other = type(gdp)(**{**gdp.__dict__, "indicator_id": "x", "filters": (("unit", "MIO_EUR"),)})
    (request,) = catalog_requests([gdp, other])
    assert request.filter_map == {"unit": ["EUR_HAB", "MIO_EUR"]}  # freq: open in `other`


def test_unknown_catalog_datasets_are_refused_before_any_request(
    eurostat: FakeEurostat, settings: Settings
) -> None:
    with pytest.raises(Exception, match="not a catalog dataset: nama_10_gdp"):
        fetch_catalog(settings, datasets=["nama_10_gdp"])
    assert eurostat.hits() == 0


# --------------------------------------------------------------------------- the whole catalog


def test_whole_catalog_tsv_then_a_second_run_is_all_unchanged(
    eurostat: FakeEurostat, settings: Settings, real_tsv: RealTsv
) -> None:
    CatalogReplay(eurostat, real_tsv, "tsv")
    events: list[CatalogEvent] = []
    threads: set[int] = set()

    def progress(event: CatalogEvent) -> None:
        events.append(event)
        threads.add(threading.get_ident())

    started = time.monotonic()
    first = fetch_catalog(settings, fmt="tsv", progress=progress)
    elapsed = time.monotonic() - started
    print(f"\nreplayed catalog fetch (tsv, {len(DATASETS)} datasets, import and build): "
          f"{elapsed:.2f} s")

    assert first.ok, [(o.dataset, o.error) for o in first.outcomes if o.error]
    assert [o.dataset for o in first.outcomes] == DATASETS
    assert {o.status for o in first.outcomes} == {FETCHED}
    assert {o.import_status for o in first.outcomes} == {"imported"}
    assert first.build is not None and first.build.indicator_values > 0
    expected = {r.dataset: r.filter_map for r in catalog_requests()}
    assert len(eurostat.requests) == len(DATASETS)
    for request in eurostat.requests:
        code = request.path.rsplit("/", 2)[1].lower()
        assert requested_filters(request) == {d: set(c) for d, c in expected[code].items()}
        assert request.query["format"] == ["TSV"] and request.query["compress"] == ["false"]
        assert "If-None-Match" not in request.headers
    # nama_10r_3gdp: the real lines of the two units the catalog reads, nothing else.
    gdp = next(o for o in first.outcomes if o.dataset == "nama_10r_3gdp")
    raw = pq.read_table(WarehousePaths(settings.data_dir).raw_file("eurostat", "nama_10r_3gdp"))
    assert set(raw.column("unit").to_pylist()) == {"EUR_HAB", "PPS_HAB_EU27_2020"}
    assert gdp.rows == raw.num_rows
    # Progress: every dataset started, received bytes and finished; all on the calling thread.
    for code in DATASETS:
        kinds = [e.kind for e in events if e.dataset == code]
        assert kinds[0] == "start" and "bytes" in kinds and "done" in kinds, (code, kinds)
    assert threads == {threading.get_ident()}
    assert any(e.kind == "build" for e in events)

    eurostat.requests.clear()
    second = fetch_catalog(settings, fmt="tsv")

    assert {o.status for o in second.outcomes} == {UNCHANGED}
    assert {o.import_status for o in second.outcomes} == {"unchanged"}
    assert second.build is None and second.ok
    assert len(eurostat.requests) == len(DATASETS)
    for request in eurostat.requests:
        assert request.headers["If-None-Match"].startswith('"')
        assert request.headers["If-Modified-Since"] == LAST_MODIFIED

    eurostat.requests.clear()
    third = fetch_catalog(settings, fmt="tsv", refresh=True, datasets=["pat_ep_rtot"])
    assert [o.status for o in third.outcomes] == [FETCHED]
    assert "If-None-Match" not in eurostat.requests[0].headers


def test_sdmx_csv_answers_import_the_same_observations_as_tsv(
    eurostat: FakeEurostat, tmp_path: Path, real_tsv: RealTsv
) -> None:
    frames = {}
    for fmt in ("sdmx-csv", "tsv"):
        CatalogReplay(eurostat, real_tsv, fmt)
        settings = settings_for(tmp_path / fmt, eurostat.api)
        summary = fetch_catalog(settings, fmt=fmt, datasets=["nama_10r_3gdp"], build=False)
        assert summary.ok and summary.imported, summary.outcomes
        raw = pq.read_table(WarehousePaths(settings.data_dir).raw_file("eurostat",
                                                                       "nama_10r_3gdp"))
        frames[fmt] = raw.to_pandas()
    sdmx_request = eurostat.requests[0]
    assert sdmx_request.query["format"] == ["csvdata"]
    assert sdmx_request.query["formatVersion"] == ["2.0"]
    key = ["unit", "geo", "time_period"]
    sdmx, tsv = (frames[f].dropna(subset=["value"]).sort_values(key).reset_index(drop=True)
                 for f in ("sdmx-csv", "tsv"))
    assert len(sdmx) > 10_000
    assert sdmx[[*key, "value", "flag"]].equals(tsv[[*key, "value", "flag"]])


# --------------------------------------------------------------------------- failures


def test_failures_are_reported_per_dataset_and_the_others_import_and_build(
    eurostat: FakeEurostat, settings: Settings, real_tsv: RealTsv
) -> None:
    replay = CatalogReplay(eurostat, real_tsv, "tsv")
    good = replay.responder("demo_r_d3dens")
    throttled: list[Request] = []

    def throttle_once(request: Request) -> Reply:
        throttled.append(request)
        if len(throttled) == 1:
            return Reply(429, b"Too many requests", {"Retry-After": "1"})
        return good(request)

    truncated_body = b"freq,unit,geo\\TIME_PERIOD\t2021 \nA,PC_HH,AT\t90 \n" * 50
    eurostat.route_dynamic(data_path("demo_r_d3dens"), throttle_once)
    eurostat.route(data_path("lfst_r_lfu3rt"), Reply(200, ASYNC_ENVELOPE,
                                                      {"Content-Type": "application/xml"}))
    eurostat.route(data_path("isoc_r_broad_h"),
                   Reply(200, truncated_body, send_bytes=len(truncated_body) // 3))
    eurostat.route(data_path("env_rwas_gen"),
                   Reply(200, HTML_ERROR_PAGE, {"Content-Type": "text/html"}))
    eurostat.route(data_path("ilc_peps11n"),
                   Reply(500, HTML_ERROR_PAGE, {"Content-Type": "text/html"}))

    started = time.monotonic()
    summary = fetch_catalog(settings, fmt="tsv", retries=1, backoff=0.01)
    assert time.monotonic() - started >= 1.0  # the Retry-After of the 429 was honoured

    outcome = {o.dataset: o for o in summary.outcomes}
    assert not summary.ok
    assert outcome["demo_r_d3dens"].status == FETCHED and len(throttled) == 2
    failed = {o.dataset for o in summary.with_status(FAILED)}
    assert failed == {"lfst_r_lfu3rt", "isoc_r_broad_h", "env_rwas_gen", "ilc_peps11n"}
    assert "queued the request" in outcome["lfst_r_lfu3rt"].error
    assert "lfst_r_lfu3rt" in outcome["lfst_r_lfu3rt"].error
    assert "regiodash import" in outcome["lfst_r_lfu3rt"].error
    assert "ended early" in outcome["isoc_r_broad_h"].error
    assert "'env_rwas_gen' is not Eurostat TSV" in outcome["env_rwas_gen"].error
    assert "'ilc_peps11n' failed after 2 attempts: HTTP 500" in outcome["ilc_peps11n"].error
    assert "Eurostat is under maintenance" in outcome["ilc_peps11n"].error
    assert all(o.stage == "fetch" for o in summary.with_status(FAILED))
    # The others: imported once, built once.
    assert len(summary.imported) == len(DATASETS) - 4
    assert summary.build is not None and not summary.build_error
    # Nothing of the failed ones in the cache (no file, no manifest, no temp file) or warehouse.
    for code in failed:
        path = cache_path_for(code, settings, "tsv", catalog_requests(datasets=[code])[0]
                              .filter_map)
        assert not path.exists() and not manifest_path(path).exists()
    assert part_files(settings) == []
    assert warehouse_manifest_datasets(settings) == set(DATASETS) - failed


def test_a_truncated_body_leaves_no_file_and_no_manifest_entry(
    eurostat: FakeEurostat, settings: Settings, real_tsv: RealTsv
) -> None:
    replay = CatalogReplay(eurostat, real_tsv, "tsv")
    good = replay.responder("nama_10r_3gdp")

    def truncated(request: Request) -> Reply:
        reply = good(request)
        return Reply(200, reply.body, reply.headers, send_bytes=len(reply.body) - 1000)

    eurostat.route_dynamic(data_path("nama_10r_3gdp"), truncated)
    summary = fetch_catalog(settings, fmt="tsv", datasets=["nama_10r_3gdp"], retries=2,
                            backoff=0.01)

    (outcome,) = summary.outcomes
    assert outcome.status == FAILED and "ended early" in outcome.error
    assert eurostat.hits() == 3  # retried, then given up
    folder = settings.cache_dir / "eurostat"
    assert not folder.exists() or list(folder.iterdir()) == []
    assert read_manifest(WarehousePaths(settings.data_dir)) == []
    assert summary.build is None


def test_a_file_that_does_not_import_fails_alone(
    eurostat: FakeEurostat, settings: Settings, real_tsv: RealTsv
) -> None:
    CatalogReplay(eurostat, real_tsv, "tsv")
    bad = b"freq,unit,geo\\TIME_PERIOD\t2021 \nA,PER_KM2,AT\tlots \n"
    eurostat.route(data_path("demo_r_d3dens"), Reply(200, bad))

    summary = fetch_catalog(settings, fmt="tsv", datasets=["demo_r_d3dens", "pat_ep_rtot"])

    outcome = {o.dataset: o for o in summary.outcomes}
    assert outcome["demo_r_d3dens"].status == FAILED
    assert outcome["demo_r_d3dens"].stage == "import"
    assert "demo_r_d3dens" in outcome["demo_r_d3dens"].error
    assert outcome["pat_ep_rtot"].import_status == "imported"
    assert summary.build is not None
    assert warehouse_manifest_datasets(settings) == {"pat_ep_rtot"}


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_fails_fast_with_one_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    settings = settings_for(tmp_path, f"http://127.0.0.1:{closed_port()}{API_PREFIX}")

    started = time.monotonic()
    summary = fetch_catalog(settings)
    elapsed = time.monotonic() - started

    assert elapsed < 3.0
    assert "Could not reach 127.0.0.1 (offline?)" in summary.offline
    statuses = [o.status for o in summary.outcomes]
    assert set(statuses) <= {FAILED, SKIPPED} and statuses.count(FAILED) <= 3
    assert not summary.ok and summary.build is None
    assert not WarehousePaths(settings.data_dir).manifest.exists()
    screen = io.StringIO()
    print_catalog_summary(Console(file=screen, width=200), summary)
    output = screen.getvalue()
    assert output.count("regiodash import PATH") == 1  # the reason once, not per dataset
    assert "Eurostat could not be reached (above)" in output


# --------------------------------------------------------------------------- the command line


def test_cli_fetch_catalog_prints_the_summary_and_exits_non_zero_on_a_failure(
    eurostat: FakeEurostat,
    tmp_path: Path,
    real_tsv: RealTsv,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    CatalogReplay(eurostat, real_tsv, "sdmx-csv")
    monkeypatch.setenv("REGIODASH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REGIODASH_EUROSTAT_API", eurostat.api)
    chosen = ["nama_10r_3gdp", "pat_ep_rtot", "demo_r_d3dens"]  # reported in catalog order

    assert cli.main(["fetch", "--catalog", *chosen, "--workers", "2"]) == 0
    first = capsys.readouterr().err
    assert "fetched (3): pat_ep_rtot, demo_r_d3dens, nama_10r_3gdp" in first
    assert "built:" in first and "all OK" in first

    eurostat.route(data_path("pat_ep_rtot"), Reply(404, json.dumps(
        {"error": [{"status": 404, "id": 100, "label": "Dataset not found"}]}).encode()))
    assert cli.main(["fetch", "--catalog", *chosen]) == 1
    second = capsys.readouterr().err
    assert "unchanged (2): demo_r_d3dens, nama_10r_3gdp" in second
    assert "failed (1): pat_ep_rtot" in second
    assert "pat_ep_rtot (fetch): Eurostat has no dataset 'pat_ep_rtot' (HTTP 404" in second
    assert "nothing new to import" in second


def test_rich_bars_show_each_dataset_and_the_overall_count(
    eurostat: FakeEurostat, settings: Settings, real_tsv: RealTsv
) -> None:
    CatalogReplay(eurostat, real_tsv, "tsv")
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120, color_system=None)
    chosen = ["pat_ep_rtot", "nama_10r_3gdp"]

    with RichCatalogProgress(console, total=len(chosen)) as bars:
        summary = fetch_catalog(settings, fmt="tsv", datasets=chosen, progress=bars)
    print_catalog_summary(console, summary)

    output = screen.getvalue()
    assert "Eurostat catalog" in output and "2/2 datasets" in output
    assert "fetched pat_ep_rtot (" in output and "fetched nama_10r_3gdp (" in output
    assert "fetched (2): pat_ep_rtot, nama_10r_3gdp" in output and "all OK" in output


def test_cli_fetch_needs_codes_or_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fetch"]) == 2
    assert "name at least one dataset code, or use --catalog" in capsys.readouterr().err
