"""`regiodash fetch --source worldbank` against a local replay of the World Bank API (v2 JSON).

The replayed pages are built from the real WDI bulk file of SL.TLF.CACT.FE.ZS in
../shared/data/real (its rows for a few economies and aggregates, as the API shapes them:
`countryiso3code`, `date`, `value` null when missing), served in pages of `PER_PAGE` records.
"""

from __future__ import annotations

import csv
import io
import json
import socket
from pathlib import Path

import pandas as pd
import pytest

from regiodash.cli import main
from regiodash.cli_worldbank import catalog_codes
from regiodash.errors import FetchError, InputFileError
from regiodash.ingest.download import HostUnreachableError
from regiodash.ingest.importing import import_tables
from regiodash.ingest.worldbank_api import (
    fetch_indicator,
    normalize_indicator_code,
    page_path,
    table_from_pages,
)
from regiodash.storage.layout import WarehousePaths
from tests.ingest.eurostat_replay import Reply, Request, make_settings, running_eurostat

CODE = "SL.TLF.CACT.FE.ZS"
PATH = f"/v2/country/all/indicator/{CODE}"
REAL = "worldbank/wdi_bulk_csv/API_SL.TLF.CACT.FE.ZS_DS2_en_csv_v2_13361.csv"
KEEP = ["MAR", "TUN", "PSE", "DEU", "GRC", "ARB", "EUU", "INX"]
YEARS = ["2020", "2021", "2022", "2023"]
PER_PAGE = 10
ERROR_ENVELOPE = [{"message": [{"id": "120", "key": "Invalid value",
                                "value": "The provided parameter value is not valid"}]}]


def real_records(real_data_dir: Path) -> list[dict]:
    """API-shaped records for KEEP x YEARS from the real bulk file, plus one aggregate the
    API lists without an ISO3 code."""
    text = (real_data_dir / REAL).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[4]
    records = []
    for row in rows[5:]:
        if row and row[1] in KEEP:
            for year in YEARS:
                cell = row[header.index(year)]
                records.append({
                    "indicator": {"id": CODE, "value": row[2]},
                    "country": {"id": row[1][:2], "value": row[0]},
                    "countryiso3code": row[1], "date": year,
                    "value": float(cell) if cell else None,
                    "unit": "", "obs_status": "", "decimal": 1})
    records.append({"indicator": {"id": CODE, "value": "x"},
                    "country": {"id": "XD", "value": "High income"}, "countryiso3code": "",
                    "date": "2023", "value": 51.0, "unit": "", "obs_status": "", "decimal": 1})
    return records


def pager(records: list[dict], fail_first: dict[int, Reply] | None = None):
    """A dynamic route answering `page` of `records`; `fail_first[page]` is answered once
    before that page."""
    pending = dict(fail_first or {})

    def answer(request: Request) -> Reply:
        page = int(request.query["page"][0])
        per_page = int(request.query["per_page"][0])
        if page in pending:
            return pending.pop(page)
        pages = -(-len(records) // per_page)
        header = {"page": page, "pages": pages, "per_page": per_page, "total": len(records),
                  "sourceid": "2", "lastupdated": "2025-03-24"}
        body = [header, records[(page - 1) * per_page: page * per_page]]
        return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    return answer


def api_of(fake) -> str:
    host, port = fake.server.server_address[:2]
    return f"http://{host}:{port}/v2"


def test_paged_fetch_with_a_429_reads_like_the_bulk_file(real_data_dir: Path, tmp_path: Path,
                                                          monkeypatch) -> None:
    records = real_records(real_data_dir)
    with running_eurostat(monkeypatch) as fake:
        fake.route_dynamic(PATH, pager(records, {2: Reply(429, b"slow down",
                                                          {"Retry-After": "0"})}))
        settings = make_settings(tmp_path, "http://unused")
        pages_seen: list[tuple[int, int]] = []
        fetched = fetch_indicator(CODE, settings, api=api_of(fake), per_page=PER_PAGE,
                                  progress=False, backoff=0.01,
                                  on_page=lambda p, n: pages_seen.append((p, n)))
        pages = -(-len(records) // PER_PAGE)
        assert pages_seen == [(p, pages) for p in range(1, pages + 1)]
        assert fake.hits(PATH) == pages + 1  # page 2 asked twice (429, then the page)
        assert all(r.query["format"] == ["json"] for r in fake.requests)
        table = table_from_pages(fetched)
        # Independently: economies' non-null records.
        economies = [r for r in records if r["countryiso3code"] in
                     {"MAR", "TUN", "PSE", "DEU", "GRC"} and r["value"] is not None]
        assert len(table.frame) == len(economies)
        values = table.frame.set_index(["geo", "time_period"])["value"]
        assert values[("MA", "2023")] == pytest.approx(19.709)
        assert values[("EL", "2023")] > 0 and ("PS", "2023") not in values.index
        assert "skipped 3 aggregate rows (ARB, EUU, XD)" in table.notes[0]
        assert "1 'Not classified' row(s)" in table.notes[0]
        assert table.dataset == "wdi_sl_tlf_cact_zs" and set(table.frame["sex"]) == {"F"}
        # Same cells as the bulk CSV reader gives for the real file.
        from regiodash.ingest.readers import read_file

        bulk = read_file(real_data_dir / REAL).frame.set_index(["geo", "time_period"])["value"]
        for key, value in values.items():
            assert bulk[key] == pytest.approx(value)
        # Cached pages are reused without a request.
        before = fake.hits()
        again = fetch_indicator(CODE, settings, api=api_of(fake), per_page=PER_PAGE,
                                progress=False)
        assert again.from_cache and fake.hits() == before
        meta = json.loads(page_path(settings, CODE, 1).with_name(
            f"{CODE}.p1.json.meta.json").read_text())
        assert meta["licence"].startswith("CC BY 4.0 (World Bank")


def test_error_envelope_and_empty_indicator_leave_the_cache_alone(tmp_path: Path,
                                                                  monkeypatch) -> None:
    settings = make_settings(tmp_path, "http://unused")
    with running_eurostat(monkeypatch) as fake:
        fake.route(PATH, Reply(200, json.dumps(ERROR_ENVELOPE).encode()))
        with pytest.raises(FetchError, match="Invalid value: The provided parameter value is "
                                             "not valid \\(id 120\\)"):
            fetch_indicator(CODE, settings, api=api_of(fake), progress=False)
        empty = [{"page": 0, "pages": 0, "per_page": 50, "total": 0}, None]
        fake.route(PATH, Reply(200, json.dumps(empty).encode()))
        with pytest.raises(FetchError, match="no values for indicator"):
            fetch_indicator(CODE, settings, api=api_of(fake), progress=False)
        fake.route(PATH, Reply(400, json.dumps(ERROR_ENVELOPE).encode()))
        with pytest.raises(FetchError, match="HTTP 400.*Invalid value"):
            fetch_indicator(CODE, settings, api=api_of(fake), progress=False, retries=0)
    folder = settings.cache_dir / "worldbank"
    assert not folder.exists() or not list(folder.glob("*.json"))


def test_server_errors_retried_then_reported(tmp_path: Path, monkeypatch) -> None:
    settings = make_settings(tmp_path, "http://unused")
    with running_eurostat(monkeypatch) as fake:
        fake.route(PATH, Reply(503, b"<html><body>Service Unavailable</body></html>"))
        with pytest.raises(FetchError, match="failed after 3 attempts: HTTP 503"):
            fetch_indicator(CODE, settings, api=api_of(fake), progress=False, retries=2,
                            backoff=0.01)
        assert fake.hits(PATH) == 3


def test_offline_fails_fast_with_the_bulk_file_advice(tmp_path: Path, monkeypatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: connection refused
    settings = make_settings(tmp_path, "http://unused")
    with pytest.raises(HostUnreachableError, match="regiodash import PATH"):
        fetch_indicator(CODE, settings, api=f"http://127.0.0.1:{port}/v2", progress=False)


def test_unknown_country_code_names_page_and_record(real_data_dir: Path, tmp_path: Path,
                                                    monkeypatch) -> None:
    records = real_records(real_data_dir)[:6]
    records[4] = {**records[4], "countryiso3code": "ATL"}
    settings = make_settings(tmp_path, "http://unused")
    with running_eurostat(monkeypatch) as fake:
        fake.route_dynamic(PATH, pager(records))
        fetched = fetch_indicator(CODE, settings, api=api_of(fake), per_page=4,
                                  progress=False)
    with pytest.raises(InputFileError, match=r"ATL \(SL.TLF.CACT.FE.ZS.p2.json record 1\)"):
        table_from_pages(fetched)


def test_codes_are_validated_before_any_request() -> None:
    assert normalize_indicator_code(" sl.tlf.cact.fe.zs ") == CODE
    for bad in ("SL TLF", "../etc", "SL.TLF/CACT", "X"):
        with pytest.raises(FetchError, match="not a World Bank indicator code"):
            normalize_indicator_code(bad)


def test_catalog_codes_cover_every_series_by_sex() -> None:
    codes = catalog_codes()
    assert {"SL.TLF.CACT.ZS", "SL.TLF.CACT.FE.ZS", "SL.TLF.CACT.MA.ZS", "SL.UEM.TOTL.FE.ZS",
            "SE.TER.ENRR.FE", "SE.TER.ENRR.MA", "GB.XPD.RSDV.GD.ZS", "IT.NET.USER.ZS",
            "NY.GDP.PCAP.PP.KD", "SP.POP.TOTL"} <= set(codes)
    assert len(codes) == len(set(codes))


def test_cli_fetch_imports_and_builds(real_data_dir: Path, tmp_path: Path,
                                      monkeypatch) -> None:
    records = real_records(real_data_dir)
    with running_eurostat(monkeypatch) as fake:
        fake.route_dynamic(PATH, pager(records))
        monkeypatch.setenv("REGIODASH_WORLDBANK_API", api_of(fake))
        monkeypatch.setenv("REGIODASH_DATA_DIR", str(tmp_path / "data"))
        assert main(["fetch", "--source", "worldbank", CODE.lower()]) == 0
        assert main(["fetch", "--source", "worldbank", "NOT A CODE"]) == 2
    values = pd.read_parquet(WarehousePaths(tmp_path / "data").indicator_values)
    lfp = values[values["indicator_id"] == "wdi_labour_force_participation_pct"]
    assert {"MA", "TN", "PS", "DE", "EL"} == set(lfp["geo_code"].astype(str))
    assert set(lfp["source"].astype(str)) == {"worldbank"}


def test_import_of_fetched_pages_is_all_or_nothing(real_data_dir: Path, tmp_path: Path,
                                                   monkeypatch) -> None:
    """A fetched table goes through the same import as a file: the warehouse raw layer gets
    the rows with source worldbank, and re-importing the same pages changes nothing."""
    records = real_records(real_data_dir)
    settings = make_settings(tmp_path, "http://unused")
    settings = type(settings)(**{**settings.__dict__,
                                 "reference_dir": Path(__file__).resolve().parents[2]
                                 / "data" / "reference"})
    with running_eurostat(monkeypatch) as fake:
        fake.route_dynamic(PATH, pager(records))
        fetched = fetch_indicator(CODE, settings, api=api_of(fake), progress=False)
    table = table_from_pages(fetched)
    first = import_tables([(table, "api", "digest")], settings)
    second = import_tables([(table, "api", "digest")], settings)
    assert [r.status for r in first + second] == ["imported", "unchanged"]
    raw = pd.read_parquet(WarehousePaths(settings.data_dir).raw_file("worldbank",
                                                                      table.dataset))
    assert len(raw) == len(table.frame)
