"""Tests for regiodash.ingest.eurostat_api (and the downloader under it, ingest.download) against
a local HTTP server that speaks like Eurostat.

The server (tests/ingest/eurostat_replay.py) serves real-format payloads: the real SDMX-CSV file
for demo_r_d3dens (read from `real_data_dir`, never copied into the repo), a slice of the real
bulk TSV of nama_10r_3gdp and a hand-written JSON-stat 2.0 fixture in Eurostat's layout. It
routes by the exact URL paths `fetch_dataset` builds and records every request.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import socket
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from rich.console import Console

from indicators.spec import EUROSTAT_LICENCE
from regiodash.config import Settings
from regiodash.errors import FetchError
from regiodash.ingest import download, http_failures
from regiodash.ingest.eurostat_api import (
    FetchResult,
    build_dataset_url,
    cache_path_for,
    fetch_dataset,
    fetch_datasets,
)
from tests.ingest.eurostat_replay import (
    API_PREFIX,
    ASYNC_ENVELOPE,
    HTML_ERROR_PAGE,
    JSON_PATH,
    SDMX_CSV_TYPE,
    SDMX_PATH,
    TOO_BIG_FAULT,
    FakeEurostat,
    Reply,
    make_settings,
    part_files,
    running_eurostat,
)


@pytest.fixture
def eurostat(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEurostat]:
    with running_eurostat(monkeypatch) as fake:
        yield fake


@pytest.fixture
def settings(tmp_path: Path, eurostat: FakeEurostat) -> Settings:
    return make_settings(tmp_path, eurostat.api)


@pytest.fixture
def sdmx_csv(real_data_dir: Path) -> bytes:
    path = real_data_dir / "eurostat" / "sdmx_csv_labels" / "estat_demo_r_d3dens_filtered_en.csv"
    return path.read_bytes()


@pytest.fixture
def jsonstat(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "jsonstat_demo_r_d3dens.json").read_bytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def csv_reply(body: bytes, **headers: str) -> Reply:
    return Reply(200, body, {"Content-Type": SDMX_CSV_TYPE, **headers})


# --------------------------------------------------------------------------- URLs


def test_urls_follow_eurostats_documented_shapes() -> None:
    settings = make_settings(Path("/tmp/unused"), "https://ec.europa.eu/eurostat/api/dissemination")
    assert build_dataset_url("nama_10r_3gdp", settings) == (
        "https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/NAMA_10R_3GDP"
        "?format=SDMX-CSV&compressed=false"
    )
    assert build_dataset_url("NAMA_10R_3GDP", settings, "jsonstat") == (
        "https://ec.europa.eu/eurostat/api/dissemination/statistics/1.0/data/nama_10r_3gdp"
        "?format=JSON&lang=EN"
    )
    filtered = build_dataset_url(
        "demo_r_d3dens",
        settings,
        "json",
        filters={"geoLevel": "nuts2", "sinceTimePeriod": 2015, "unit": ["PER_KM2"]},
    )
    assert filtered.endswith(
        "/statistics/1.0/data/demo_r_d3dens?format=JSON&lang=EN"
        "&geoLevel=nuts2&sinceTimePeriod=2015&unit=PER_KM2"
    )


@pytest.mark.parametrize(
    "filters",
    [
        {"geo": "AT&format=TSV"},
        {"geo;x": "AT"},
        {"format": "TSV"},
        {"geo": []},
        {"geo": ["AT", "../x"]},
    ],
)
def test_bad_filters_are_refused(tmp_path: Path, filters: dict[str, object]) -> None:
    settings = make_settings(tmp_path, "https://ec.europa.eu/eurostat/api/dissemination")
    with pytest.raises(FetchError):
        build_dataset_url("demo_r_d3dens", settings, "jsonstat", filters=filters)  # type: ignore[arg-type]


def test_filtered_sdmx_urls_use_the_sdmx_3_component_filter() -> None:
    """Several codes per dimension: one c[dim] parameter, codes joined by commas (SDMX 3.0);
    the SDMX 2.1 key would need each dataset's dimension order."""
    settings = make_settings(Path("/tmp/unused"), "https://ec.europa.eu/eurostat/api/dissemination")
    filters = {"unit": ["PC_ACT_FTE", "PC_ACT_HC", "HC"], "freq": "A", "sex": ["F", "M", "T"]}
    base = "https://ec.europa.eu/eurostat/api/dissemination/sdmx/3.0/data/dataflow/ESTAT"
    assert build_dataset_url("rd_p_persreg", settings, "sdmx-csv", filters) == (
        f"{base}/RD_P_PERSREG/1.0?c[freq]=A&c[sex]=F,M,T&c[unit]=PC_ACT_FTE,PC_ACT_HC,HC"
        "&format=csvdata&formatVersion=2.0&compress=false"
    )
    assert build_dataset_url("rd_p_persreg", settings, "tsv", filters) == (
        f"{base}/RD_P_PERSREG/1.0?c[freq]=A&c[sex]=F,M,T&c[unit]=PC_ACT_FTE,PC_ACT_HC,HC"
        "&format=TSV&compress=false"
    )
    assert build_dataset_url("nama_10r_3gdp", settings, "tsv") == (
        "https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/NAMA_10R_3GDP"
        "?format=TSV&compressed=false"
    )
    filtered = cache_path_for("rd_p_persreg", settings, "tsv", filters)
    assert filtered.name.startswith("rd_p_persreg__") and filtered.suffix == ".tsv"


@pytest.mark.parametrize("key", ["geoLevel", "sinceTimePeriod", "lastTimePeriod"])
def test_statistics_api_parameters_are_refused_for_sdmx_formats(tmp_path: Path, key: str) -> None:
    settings = make_settings(tmp_path, "https://ec.europa.eu/eurostat/api/dissemination")
    with pytest.raises(FetchError, match="Statistics API"):
        build_dataset_url("demo_r_d3dens", settings, "sdmx-csv", filters={key: "2015"})


# --------------------------------------------------------------------------- downloads


def test_sdmx_csv_download_lands_in_cache_byte_identical(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes
) -> None:
    eurostat.route(
        SDMX_PATH,
        csv_reply(sdmx_csv, ETag='"v1"', **{"Last-Modified": "Tue, 26 Mar 2024 22:00:00 GMT"}),
    )

    result = fetch_dataset("DEMO_R_D3DENS", settings, progress=False)

    assert isinstance(result, FetchResult)
    assert result.code == "demo_r_d3dens"
    assert result.path == settings.cache_dir / "eurostat" / "demo_r_d3dens.csv"
    assert result.path.read_bytes() == sdmx_csv
    assert result.sha256 == sha256(sdmx_csv)
    assert result.bytes == len(sdmx_csv)
    assert result.from_cache is False
    assert result.url == f"{eurostat.api}/sdmx/2.1/data/DEMO_R_D3DENS" + (
        "?format=SDMX-CSV&compressed=false"
    )
    assert datetime.fromisoformat(result.fetched_at).tzinfo is not None

    (request,) = eurostat.requests
    assert request.path == SDMX_PATH
    assert request.query == {"format": ["SDMX-CSV"], "compressed": ["false"]}
    assert request.headers["User-Agent"].startswith("regiodash/")

    meta = json.loads((result.path.parent / "demo_r_d3dens.csv.meta.json").read_text())
    assert meta["url"] == result.url
    assert meta["sha256"] == result.sha256
    assert meta["bytes"] == len(sdmx_csv)
    assert meta["fetched_at"] == result.fetched_at
    assert meta["content_type"] == SDMX_CSV_TYPE
    assert meta["etag"] == '"v1"'
    assert meta["last_modified"] == "Tue, 26 Mar 2024 22:00:00 GMT"
    assert meta["source"] == "Eurostat" and meta["licence"] == EUROSTAT_LICENCE
    assert part_files(settings) == []


def test_cached_files_get_the_permissions_of_a_plainly_created_file(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes, tmp_path: Path
) -> None:
    """Temporary files are owner-only; the renamed cache files must not stay so (a server
    publishing the cache could not read them)."""
    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv))
    plain = tmp_path / "plain"
    plain.write_text("x")
    expected = plain.stat().st_mode & 0o777

    result = fetch_dataset("demo_r_d3dens", settings, progress=False)

    for path in (result.path, result.path.with_name(result.path.name + ".meta.json")):
        assert path.stat().st_mode & 0o777 == expected, path


def test_jsonstat_download_lands_in_cache_byte_identical(
    eurostat: FakeEurostat, settings: Settings, jsonstat: bytes
) -> None:
    eurostat.route(JSON_PATH, Reply(200, jsonstat, {"Content-Type": "application/json"}))

    result = fetch_dataset("demo_r_d3dens", settings, "jsonstat", progress=False)

    assert result.path == settings.cache_dir / "eurostat" / "demo_r_d3dens.json"
    assert result.path.read_bytes() == jsonstat
    assert result.sha256 == sha256(jsonstat)
    assert result.bytes == len(jsonstat)
    (request,) = eurostat.requests
    assert request.path == JSON_PATH
    assert request.query == {"format": ["JSON"], "lang": ["EN"]}
    meta = json.loads(result.path.with_name("demo_r_d3dens.json.meta.json").read_text())
    assert meta["sha256"] == sha256(jsonstat)
    assert "etag" not in meta and "last_modified" not in meta


def test_filtered_jsonstat_gets_its_own_cache_file(
    eurostat: FakeEurostat, settings: Settings, jsonstat: bytes
) -> None:
    eurostat.route(JSON_PATH, Reply(200, jsonstat, {"Content-Type": "application/json"}))
    filters = {"geoLevel": "country", "sinceTimePeriod": "2020"}

    full = fetch_dataset("demo_r_d3dens", settings, "jsonstat", progress=False)
    part = fetch_dataset("demo_r_d3dens", settings, "jsonstat", filters=filters, progress=False)

    assert part.path != full.path
    assert part.path == cache_path_for("demo_r_d3dens", settings, "jsonstat", filters)
    assert part.from_cache is False and eurostat.hits(JSON_PATH) == 2
    assert eurostat.requests[1].query == {
        "format": ["JSON"],
        "lang": ["EN"],
        "geoLevel": ["country"],
        "sinceTimePeriod": ["2020"],
    }


def test_second_call_uses_the_cache_and_refresh_downloads_again(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes
) -> None:
    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv))

    first = fetch_dataset("demo_r_d3dens", settings, progress=False)
    second = fetch_dataset("demo_r_d3dens", settings, progress=False)

    assert eurostat.hits() == 1
    assert second.from_cache is True
    assert (second.path, second.sha256, second.bytes) == (first.path, first.sha256, first.bytes)
    assert second.fetched_at == first.fetched_at
    assert second.url == first.url

    third = fetch_dataset("demo_r_d3dens", settings, refresh=True, progress=False)
    assert eurostat.hits() == 2
    assert third.from_cache is False
    assert third.path.read_bytes() == sdmx_csv


def test_server_errors_are_retried_until_success(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes
) -> None:
    eurostat.route(
        SDMX_PATH,
        Reply(500, b"Internal Server Error"),
        Reply(500, b"Internal Server Error"),
        csv_reply(sdmx_csv),
    )

    result = fetch_dataset("demo_r_d3dens", settings, progress=False, backoff=0.01)

    assert eurostat.hits(SDMX_PATH) == 3
    assert result.path.read_bytes() == sdmx_csv


def test_429_honours_a_short_retry_after(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes
) -> None:
    eurostat.route(SDMX_PATH, Reply(429, b"slow down", {"Retry-After": "0"}), csv_reply(sdmx_csv))
    result = fetch_dataset("demo_r_d3dens", settings, progress=False, backoff=5.0)
    assert eurostat.hits() == 2 and result.sha256 == sha256(sdmx_csv)


def test_429_with_a_long_retry_after_gives_up_with_a_message(
    eurostat: FakeEurostat, settings: Settings
) -> None:
    eurostat.route(SDMX_PATH, Reply(429, b"slow down", {"Retry-After": "3600"}))
    with pytest.raises(FetchError, match="wait 3600 s"):
        fetch_dataset("demo_r_d3dens", settings, progress=False, backoff=0.01)
    assert eurostat.hits() == 1


def test_persistent_server_errors_fail_after_the_retries(
    eurostat: FakeEurostat, settings: Settings
) -> None:
    eurostat.route(SDMX_PATH, Reply(503, b"Service Unavailable"))
    with pytest.raises(FetchError, match="failed after 3 attempts: HTTP 503"):
        fetch_dataset("demo_r_d3dens", settings, progress=False, retries=2, backoff=0.01)
    assert eurostat.hits() == 3
    assert not cache_path_for("demo_r_d3dens", settings).exists()
    assert part_files(settings) == []


def test_timeouts_and_dropped_connections_are_retried(
    eurostat: FakeEurostat, tmp_path: Path, sdmx_csv: bytes
) -> None:
    settings = make_settings(tmp_path, eurostat.api, timeout=0.3)
    eurostat.route(
        SDMX_PATH,
        Reply(200, sdmx_csv, delay=0.8),
        Reply(drop=True),
        csv_reply(sdmx_csv),
    )
    result = fetch_dataset("demo_r_d3dens", settings, progress=False, backoff=0.01)
    assert eurostat.hits() == 3
    assert result.path.read_bytes() == sdmx_csv


def test_gzip_transfer_encoding_is_undone(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes
) -> None:
    eurostat.route(SDMX_PATH, csv_reply(gzip.compress(sdmx_csv), **{"Content-Encoding": "gzip"}))
    result = fetch_dataset("demo_r_d3dens", settings, progress=False)
    assert result.path.read_bytes() == sdmx_csv
    assert result.sha256 == sha256(sdmx_csv) and result.bytes == len(sdmx_csv)


def test_404_fails_at_once_naming_the_dataset(eurostat: FakeEurostat, settings: Settings) -> None:
    url = build_dataset_url("nosuch_dataset", settings)
    with pytest.raises(FetchError) as caught:
        fetch_dataset("nosuch_dataset", settings, progress=False, backoff=0.01)
    assert str(caught.value) == f"Eurostat has no dataset 'nosuch_dataset' (HTTP 404 from {url})"
    assert eurostat.hits() == 1


def test_other_client_errors_fail_at_once_with_eurostats_label(
    eurostat: FakeEurostat, settings: Settings
) -> None:
    body = json.dumps(
        {"error": [{"status": 400, "id": 150, "label": "Invalid filter value: geoLevel=x"}]}
    ).encode()
    eurostat.route(JSON_PATH, Reply(400, body, {"Content-Type": "application/json"}))
    with pytest.raises(FetchError, match=r"HTTP 400 .*Invalid filter value: geoLevel=x"):
        fetch_dataset("demo_r_d3dens", settings, "jsonstat", progress=False, backoff=0.01)
    assert eurostat.hits() == 1


# --------------------------------------------------------------------------- rejected payloads


def test_html_page_with_200_is_rejected_and_the_cache_stays(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes
) -> None:
    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv))
    good = fetch_dataset("demo_r_d3dens", settings, progress=False)
    meta_path = good.path.with_name("demo_r_d3dens.csv.meta.json")
    meta_before = meta_path.read_bytes()

    eurostat.route(SDMX_PATH, Reply(200, HTML_ERROR_PAGE, {"Content-Type": "text/html"}))
    with pytest.raises(FetchError, match="not SDMX-CSV"):
        fetch_dataset("demo_r_d3dens", settings, refresh=True, progress=False, backoff=0.01)

    assert eurostat.hits() == 2  # rejected content is not retried
    assert good.path.read_bytes() == sdmx_csv
    assert meta_path.read_bytes() == meta_before
    assert part_files(settings) == []


def test_truncated_body_is_retried_then_rejected_and_the_cache_stays(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes
) -> None:
    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv))
    good = fetch_dataset("demo_r_d3dens", settings, progress=False)

    eurostat.route(
        SDMX_PATH,
        Reply(200, sdmx_csv, {"Content-Type": SDMX_CSV_TYPE}, send_bytes=len(sdmx_csv) // 2),
    )
    with pytest.raises(FetchError, match="ended early"):
        fetch_dataset(
            "demo_r_d3dens", settings, refresh=True, progress=False, retries=1, backoff=0.01
        )

    assert eurostat.hits() == 3
    assert good.path.read_bytes() == sdmx_csv
    assert part_files(settings) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty response"),
        (b'{"version": "2.0", "class": "dataset", "value": {"0": 1.', "not valid JSON"),
        (b"[1, 2, 3]", "not a JSON-stat object"),
        (HTML_ERROR_PAGE, "not valid JSON"),
        (b'{"version": "2.0", "class": "collection", "link": {}}', "not a JSON-stat dataset"),
    ],
)
def test_invalid_jsonstat_is_rejected(
    eurostat: FakeEurostat, settings: Settings, jsonstat: bytes, body: bytes, message: str
) -> None:
    eurostat.route(JSON_PATH, Reply(200, jsonstat))
    good = fetch_dataset("demo_r_d3dens", settings, "jsonstat", progress=False)

    eurostat.route(JSON_PATH, Reply(200, body, {"Content-Type": "application/json"}))
    with pytest.raises(FetchError, match=message):
        fetch_dataset("demo_r_d3dens", settings, "jsonstat", refresh=True, progress=False)
    assert good.path.read_bytes() == jsonstat
    assert part_files(settings) == []


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, ASYNC_ENVELOPE, {"Content-Type": "application/xml"}),
        Reply(413, TOO_BIG_FAULT, {"Content-Type": "text/xml"}),
    ],
    ids=["async-queued", "413-too-big"],
)
def test_async_or_too_big_answers_point_to_the_bulk_file(
    eurostat: FakeEurostat, settings: Settings, reply: Reply
) -> None:
    eurostat.route(SDMX_PATH, reply)
    with pytest.raises(FetchError) as caught:
        fetch_dataset("demo_r_d3dens", settings, progress=False, backoff=0.01)
    message = str(caught.value)
    assert "bulk file" in message and "regiodash import" in message
    assert "DEMO_R_D3DENS?format=TSV&compressed=true" in message
    assert eurostat.hits() == 1
    assert not cache_path_for("demo_r_d3dens", settings).exists()
    assert part_files(settings) == []


# --------------------------------------------------------------------------- offline


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("api", "host"),
    [
        (f"http://127.0.0.1:{closed_port()}/eurostat/api/dissemination", "127.0.0.1"),
        ("http://nonexistent.invalid/eurostat/api/dissemination", "nonexistent.invalid"),
    ],
    ids=["connection-refused", "unresolvable-host"],
)
def test_unreachable_host_fails_fast_with_the_import_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: str, host: str
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    settings = make_settings(tmp_path, api, timeout=20.0)

    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch_dataset("demo_r_d3dens", settings, progress=False)  # default retries/backoff
    elapsed = time.monotonic() - started

    assert elapsed < 3.0
    message = str(caught.value)
    assert f"Could not reach {host} (offline?)" in message
    assert "regiodash import PATH" in message
    assert part_files(settings) == []


def test_a_hanging_resolver_is_cut_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow_getaddrinfo(*args: object, **kwargs: object) -> list[object]:
        time.sleep(1.0)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(http_failures, "DNS_LIMIT_S", 0.2)
    monkeypatch.setattr(http_failures.socket, "getaddrinfo", slow_getaddrinfo)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    settings = make_settings(tmp_path, "https://ec.europa.eu/eurostat/api/dissemination")

    started = time.monotonic()
    with pytest.raises(FetchError, match=r"Could not reach ec\.europa\.eu \(offline\?\)"):
        fetch_dataset("demo_r_d3dens", settings, progress=False)
    assert time.monotonic() - started < 0.9


# --------------------------------------------------------------------------- bad codes


@pytest.mark.parametrize(
    "code",
    ["x; DROP TABLE", "../etc", "a", "", "demo r", "demo-r", "x" * 65, "demo_r_d3dens\n", "DEMO/R"],
)
def test_bad_dataset_codes_are_refused_before_any_request(
    eurostat: FakeEurostat, settings: Settings, code: str
) -> None:
    with pytest.raises(FetchError, match="not a Eurostat dataset code"):
        fetch_dataset(code, settings, progress=False)
    with pytest.raises(FetchError, match="not a Eurostat dataset code"):
        fetch_datasets(["demo_r_d3dens", code], settings, progress=False)
    assert eurostat.hits() == 0
    assert not (settings.cache_dir / "eurostat").exists()


def test_fetch_datasets_returns_results_in_order(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes
) -> None:
    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv))
    other = b"DATAFLOW,LAST UPDATE,freq,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
    other += b"ESTAT:DEMO_R_PJANAGGR3(1.0),26/03/24 23:00:00,A,NR,AT,2022,9027999,\n"
    eurostat.route(f"{API_PREFIX}/sdmx/2.1/data/DEMO_R_PJANAGGR3", csv_reply(other))

    results = fetch_datasets(
        ["demo_r_d3dens", "DEMO_R_PJANAGGR3", "Demo_R_D3dens"], settings, progress=False
    )

    assert [r.code for r in results] == ["demo_r_d3dens", "demo_r_pjanaggr3"]
    assert results[1].path.read_bytes() == other
    assert eurostat.hits() == 2


# --------------------------------------------------------------------------- progress


def test_progress_false_prints_nothing(
    eurostat: FakeEurostat,
    settings: Settings,
    sdmx_csv: bytes,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_console() -> Console:
        raise AssertionError("progress=False must not create a console")

    monkeypatch.setattr(download, "_progress_console", no_console)
    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv))

    fetch_dataset("demo_r_d3dens", settings, progress=False)

    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_is_silent_when_not_a_terminal(
    eurostat: FakeEurostat,
    settings: Settings,
    sdmx_csv: bytes,
    capsys: pytest.CaptureFixture[str],
) -> None:
    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv))
    fetch_dataset("demo_r_d3dens", settings, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_shows_bytes_on_a_terminal(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(
        download,
        "_progress_console",
        lambda: Console(file=screen, force_terminal=True, width=120, color_system=None),
    )
    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv))

    fetch_dataset("demo_r_d3dens", settings, progress=True)

    output = screen.getvalue()
    assert "Eurostat demo_r_d3dens" in output
    assert f"{len(sdmx_csv) / 1000:.1f} kB" in output  # downloaded / total, decimal units


# --------------------------------------------------------------------------- revalidation


def test_revalidation_sends_the_validators_and_a_304_keeps_the_cache(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes
) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Tue, 26 Mar 2024 22:00:00 GMT"}
    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv, **validators), Reply(304, b"", validators))
    first = fetch_dataset("demo_r_d3dens", settings, progress=False)
    meta_path = download.manifest_path(first.path)
    meta_before = meta_path.read_bytes()

    second = fetch_dataset("demo_r_d3dens", settings, progress=False, revalidate=True)

    assert eurostat.hits() == 2
    headers = eurostat.requests[1].headers
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Tue, 26 Mar 2024 22:00:00 GMT"
    assert second.unchanged and second.from_cache and not first.unchanged
    assert (second.sha256, second.fetched_at) == (first.sha256, first.fetched_at)
    assert second.path.read_bytes() == sdmx_csv and meta_path.read_bytes() == meta_before
    assert part_files(settings) == []


def test_revalidation_takes_a_changed_body_and_refetches_without_validators(
    eurostat: FakeEurostat, settings: Settings, sdmx_csv: bytes
) -> None:
    newer = sdmx_csv.replace(b"26/03/24", b"27/03/24")
    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv, ETag='"v1"'), csv_reply(newer, ETag='"v2"'))
    fetch_dataset("demo_r_d3dens", settings, progress=False)

    changed = fetch_dataset("demo_r_d3dens", settings, progress=False, revalidate=True)

    assert not changed.unchanged and not changed.from_cache
    assert changed.path.read_bytes() == newer
    assert json.loads(download.manifest_path(changed.path).read_text())["etag"] == '"v2"'

    eurostat.route(SDMX_PATH, csv_reply(sdmx_csv))  # no ETag, no Last-Modified
    fetch_dataset("demo_r_d3dens", settings, progress=False, refresh=True)
    again = fetch_dataset("demo_r_d3dens", settings, progress=False, revalidate=True)
    assert "If-None-Match" not in eurostat.requests[-1].headers
    assert not again.from_cache and eurostat.hits(SDMX_PATH) == 4


# --------------------------------------------------------------------------- TSV


@pytest.fixture
def tsv_slice(real_data_dir: Path) -> bytes:
    """The header and the first 40 series of the real bulk TSV of nama_10r_3gdp."""
    path = real_data_dir / "eurostat" / "bulk_tsv" / "estat_nama_10r_3gdp.tsv"
    return b"".join(path.read_bytes().splitlines(keepends=True)[:41])


def test_filtered_tsv_download_lands_in_cache_and_html_is_refused(
    eurostat: FakeEurostat, settings: Settings, tsv_slice: bytes
) -> None:
    path = f"{API_PREFIX}/sdmx/3.0/data/dataflow/ESTAT/NAMA_10R_3GDP/1.0"
    eurostat.route(path, Reply(200, tsv_slice, {"Content-Type": "text/tab-separated-values"}))
    filters = {"freq": "A", "unit": ["EUR_HAB", "PPS_HAB_EU27_2020"]}

    result = fetch_dataset("nama_10r_3gdp", settings, "tsv", filters=filters, progress=False)

    assert result.path.read_bytes() == tsv_slice and result.path.suffix == ".tsv"
    (request,) = eurostat.requests
    assert request.query == {
        "c[freq]": ["A"],
        "c[unit]": ["EUR_HAB,PPS_HAB_EU27_2020"],
        "format": ["TSV"],
        "compress": ["false"],
    }
    meta = json.loads(download.manifest_path(result.path).read_text())
    assert meta["filters"] == {"freq": ["A"], "unit": ["EUR_HAB", "PPS_HAB_EU27_2020"]}
    assert meta["format"] == "tsv"

    eurostat.route(path, Reply(200, HTML_ERROR_PAGE, {"Content-Type": "text/html"}))
    with pytest.raises(FetchError, match="'nama_10r_3gdp' is not Eurostat TSV"):
        fetch_dataset(
            "nama_10r_3gdp", settings, "tsv", filters=filters, refresh=True, progress=False
        )
    assert result.path.read_bytes() == tsv_slice
    assert part_files(settings) == []
