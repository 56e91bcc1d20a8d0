"""Fixtures for the printed reports: open warehouses (demo and real data) and the poppler
tools that read a PDF as a reader would (pdftotext, pdfinfo, pdffonts, pdftoppm).

Page images go to test-output/report/ (git-ignored) for a look by eye.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

OUTPUT = REPO_ROOT / "test-output" / "report"
POPPLER = ("pdftotext", "pdfinfo", "pdffonts", "pdftoppm")


@pytest.fixture(scope="session")
def poppler() -> None:
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} missing: install poppler-utils (`make test` does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def pdf_text(path: Path) -> str:
    """The PDF's text as pdftotext extracts it (reading order, one space per gap)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return " ".join(out.split())


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                         text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":")
                                                  for line in out.splitlines())}


def pdf_fonts(path: Path) -> list[list[str]]:
    """pdffonts' rows (name, type, encoding, emb, sub, uni, ...) split on whitespace."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                         text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def pdf_structure(path: Path) -> str:
    """The tagged structure tree (pdfinfo -struct): H1, H2, P, Table, Figure..."""
    return subprocess.run(["pdfinfo", "-struct", str(path)], check=True, capture_output=True,
                          text=True).stdout


def pdf_objects(path: Path) -> bytes:
    """The PDF's bytes with every Flate stream inflated (object streams hold the catalog)."""
    raw = path.read_bytes()
    inflated = [raw]
    for match in re.finditer(rb"stream\r?\n", raw):
        try:
            inflated.append(zlib.decompressobj().decompress(raw[match.end():]))
        except zlib.error:
            continue
    return b"\n".join(inflated)


def render_first_page(path: Path, name: str) -> Path:
    """Page 1 as a PNG in test-output/report/<name>.png (pdftoppm, 72 dpi)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "72", "-png", "-singlefile",
                    str(path), str(OUTPUT / name)], check=True)
    return OUTPUT / f"{name}.png"


@pytest.fixture(scope="session")
def demo_warehouse(demo_settings):
    from regiodash.storage.connection import open_warehouse

    wh = open_warehouse(demo_settings)
    yield wh
    wh.close()


@pytest.fixture(scope="session")
def real_settings(real_data_dir, tmp_path_factory):
    """A warehouse holding only Eurostat's real nama_10r_3gdp bulk TSV, imported and built."""
    from regiodash.config import load_settings
    from regiodash.ingest.importing import import_files
    from regiodash.storage.build import build_warehouse

    settings = load_settings(
        {"REGIODASH_DATA_DIR": str(tmp_path_factory.mktemp("real") / "data")})
    import_files([real_data_dir / "eurostat/bulk_tsv/estat_nama_10r_3gdp.tsv"], settings)
    build_warehouse(settings)
    return settings


@pytest.fixture(scope="session")
def real_warehouse(real_settings):
    from regiodash.storage.connection import open_warehouse

    wh = open_warehouse(real_settings)
    yield wh
    wh.close()
