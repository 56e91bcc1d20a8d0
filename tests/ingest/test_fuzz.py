"""Hypothesis fuzzing of every importer: malformed input gives a clear error, never a crash,
and a failed import leaves the warehouse exactly as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regiodash.errors import RegiodashError
from regiodash.ingest.model import RawTable
from regiodash.ingest.readers import read_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEEDS = {
    "tsv": (FIXTURES / "eurostat_new_layout.tsv").read_bytes(),
    "sdmx": (FIXTURES / "sdmx_codes.csv").read_bytes(),
    "jsonstat": (FIXTURES / "jsonstat_nama_10r_2gdp.json").read_bytes(),
    "tidy": (FIXTURES / "tidy.csv").read_bytes(),
}
PAYLOADS = [b"<script>alert(1)</script>", b"'; DROP TABLE indicator_values; --", b"\x00\xff",
            b"\"" * 50, b"\t" * 20, b"\r\n" * 5, "é€😀".encode(), b"1e309", b"NaN", b"-0",
            b"A" * 100_000, b":", b"\\", b"geo\\TIME_PERIOD"]


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "insert", "delete", "replace", "duplicate"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from(PAYLOADS) | st.binary(max_size=30))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 40))]
        elif op == "replace" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "duplicate":
            lines = bytes(data).splitlines(keepends=True)
            if len(lines) > 1:
                i = draw(st.integers(1, len(lines) - 1))
                data = bytearray(b"".join(lines[: i + 1] + [lines[i]] + lines[i + 1:]))
    return bytes(data)


def check_read(path: Path, dataset: str | None) -> None:
    try:
        table = read_file(path, dataset=dataset)
    except RegiodashError as exc:
        message = str(exc)
        assert str(path) in message or path.name in message, message
        assert len(message) < 2_000
        return
    assert isinstance(table, RawTable)
    assert not table.frame.duplicated(table.key_columns).any()


@pytest.mark.parametrize("kind,name,dataset", [
    ("tsv", "estat_nama_10r_2gdp.tsv", None),
    ("sdmx", "data.csv", None),
    ("jsonstat", "data.json", None),
    ("tidy", "mine.csv", "my_values"),
])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_files_never_crash(tmp_path, kind, name, dataset, data):
    content = data.draw(mutated(SEEDS[kind]))
    path = tmp_path / name
    path.write_bytes(content)
    check_read(path, dataset)


def test_failed_import_leaves_the_warehouse_unchanged(settings, tmp_path):
    from regiodash.ingest.importing import import_files
    from regiodash.storage.build import build_warehouse

    good = tmp_path / "good.csv"
    good.write_text("geo_code,year,value\nDE21,2020,1.5\n", encoding="utf-8")
    import_files([good], settings, dataset="my_values")
    build_warehouse(settings)

    def snapshot() -> dict[str, str]:
        return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(settings.data_dir.rglob("*")) if p.is_file()}

    parsed = set()
    for i, payload in enumerate(PAYLOADS):
        before = snapshot()
        bad = tmp_path / f"bad{i}.csv"
        bad.write_bytes(b"geo_code,year,value\nDE21,2020," + payload + b"\n")
        try:
            import_files([bad], settings, dataset="my_values")
        except RegiodashError as exc:
            assert "bad" in str(exc)
            assert snapshot() == before, payload
        else:
            parsed.add(payload)
    # only blanks and ":" (missing values) and "-0" are legitimate cells
    assert parsed <= {b"\t" * 20, b"\r\n" * 5, b"-0", b":"}
