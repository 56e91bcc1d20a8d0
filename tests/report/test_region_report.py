"""Region profiles rendered as real PDFs and read back as a reader would (poppler)."""

from __future__ import annotations

import re
import subprocess

import pytest

from indicators.innovation.specs import INDEX_ID
from regiodash.report.common import ReportError
from regiodash.report.region import region_profile_pdf
from regiodash.storage import queries
from tests.report.conftest import (
    pdf_fonts,
    pdf_info,
    pdf_objects,
    pdf_structure,
    pdf_text,
    render_first_page,
)

pytestmark = pytest.mark.usefixtures("poppler")


def latest(wh, code: str, indicator_id: str, year: int | None = None) -> tuple[float, int]:
    values = queries.load_region_values(wh, code)
    rows = values[(values["indicator_id"] == indicator_id) & (values["sex"] == "T")
                  & values["value"].notna()]
    if year is not None:
        rows = rows[rows["year"] <= year]
    row = rows.loc[rows["year"].idxmax()]
    return float(row["value"]), int(row["year"])


@pytest.fixture(scope="module")
def warsaw_pdf(demo_warehouse, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "PL91.pdf"
    path.write_bytes(region_profile_pdf(demo_warehouse, "PL91"))
    return path


def test_the_profile_names_the_region_its_index_group_and_sources(demo_warehouse, warsaw_pdf):
    text = pdf_text(warsaw_pdf)
    name = queries.load_regions(demo_warehouse).set_index("geo_code").loc["PL91", "geo_name"]
    index, year = latest(demo_warehouse, "PL91", INDEX_ID)
    assert f"{name} (PL91)" in text
    assert "NUTS level 2 · NUTS 2021" in text
    assert f"{index:,.1f}" in text and f"values up to {year}" in text
    groups = queries.load_innovation_groups(demo_warehouse, 2)
    grp = groups[(groups["geo_code"] == "PL91") & (groups["year"] == year)]["grp"].iloc[0]
    assert f"{grp} Innovator" in text
    for section in ("Headline", "Where the region is", "Strengths and weaknesses", "Trends",
                    "Gender gaps", "Sustainability by dimension",
                    "Creative and cultural industries", "Structural peers",
                    "Data status and sources"):
        assert section in text, section
    assert "Strongest:" in text and "Weakest:" in text
    # provenance: synthetic values say so; the real GDP says Eurostat and its licence
    assert "synthetic demo values" in text and "synthetic (demo panel)" in text
    assert "nama_10r_3gdp" in text and "CC BY 4.0" in text
    assert "EuroGeographics" in text


def test_the_pdf_is_a4_tagged_titled_with_embedded_fonts_and_2_to_4_pages(demo_warehouse,
                                                                           warsaw_pdf):
    info = pdf_info(warsaw_pdf)
    name = queries.load_regions(demo_warehouse).set_index("geo_code").loc["PL91", "geo_name"]
    assert info["Title"] == f"Regional profile: {name} (PL91)"
    assert info["Tagged"] == "yes"
    assert "A4" in info["Page size"]
    assert 2 <= int(info["Pages"]) <= 4
    fonts = pdf_fonts(warsaw_pdf)
    assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # the "emb" column
    assert re.search(rb"/Lang\s*\(en\)", pdf_objects(warsaw_pdf))
    structure = pdf_structure(warsaw_pdf)  # headings, tables and figures are tagged
    for tag in ("H1", "H2", "Table", "Figure"):
        assert re.search(rf"^\s*{tag}\b", structure, re.M), tag
    png = render_first_page(warsaw_pdf, "profile_demo_PL91")
    assert png.stat().st_size > 10_000


def test_figures_keep_their_labels_and_numbers_as_text(warsaw_pdf):
    text = pdf_text(warsaw_pdf)
    assert "normalised score (0 = weakest, 1 = strongest)" in text  # strengths chart axis
    assert "This region" in text and "EU reference" in text  # its legend
    assert "Women" in text and "Men" in text  # the dumbbell's legend
    assert "Innovation group" not in text or "Leader" in text
    assert "Leader" in text  # the map's legend


def test_footer_links_to_the_same_view_on_the_configured_dashboard(demo_warehouse, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setenv("REGIODASH_PUBLIC_URL", "https://dash.example.org/")
    path = tmp_path / "p.pdf"
    path.write_bytes(region_profile_pdf(demo_warehouse, "DE21"))
    text = pdf_text(path)
    assert "https://dash.example.org/profile?region=DE21" in text
    links = subprocess.run(["pdfinfo", "-url", str(path)], check=True, capture_output=True,
                           text=True).stdout  # link annotations, one per page
    assert "Annotation    https://dash.example.org/profile?region=DE21" in links
    assert "data version" in text


def test_a_year_shows_the_values_up_to_that_year(demo_warehouse, tmp_path):
    index, year = latest(demo_warehouse, "PL91", INDEX_ID, 2015)
    path = tmp_path / "p.pdf"
    path.write_bytes(region_profile_pdf(demo_warehouse, "PL91", 2015))
    text = pdf_text(path)
    assert "values up to 2015" in text and f"{index:,.1f}" in text


def test_a_region_without_an_index_says_so_and_still_prints_its_values(demo_warehouse,
                                                                       tmp_path):
    regions = queries.load_regions(demo_warehouse)
    with_index = set(queries.load_level_year_values(demo_warehouse, INDEX_ID, 3, "T")
                     ["geo_code"])
    code = next(c for c in regions.loc[regions["nuts_level"] == 3, "geo_code"]
                if c not in with_index and c.startswith("PL")
                and not queries.load_region_values(demo_warehouse, c)["value"].dropna().empty)
    path = tmp_path / "p.pdf"
    path.write_bytes(region_profile_pdf(demo_warehouse, code))
    text = pdf_text(path)
    assert f"({code})" in text
    assert "No Regional Innovation Index for this region" in text
    assert "no data" in text  # missing headline values are named, never printed as zero


@pytest.mark.parametrize(("code", "year", "message"), [
    ("XX99", None, "unknown region 'XX99'"),
    ("PL91", 1990, "region PL91 has no values in 1990; years with values:"),
])
def test_bad_input_is_a_clear_report_error(demo_warehouse, code, year, message):
    with pytest.raises(ReportError, match=message.replace("(", r"\(")):
        region_profile_pdf(demo_warehouse, code, year)


def test_a_close_code_is_suggested(demo_warehouse):
    with pytest.raises(ReportError, match=r"did you mean .*PL91"):
        region_profile_pdf(demo_warehouse, "PL9l")


@pytest.mark.real_data
def test_real_gdp_warehouse_profile(real_warehouse, tmp_path):
    """Only Eurostat's nama_10r_3gdp: no index, real values with their source and licence."""
    value, year = latest(real_warehouse, "PL91", "gdp_per_capita_pps_pct_eu27")
    path = tmp_path / "real.pdf"
    path.write_bytes(region_profile_pdf(real_warehouse, "PL91"))
    text = pdf_text(path)
    assert "Warszawski stołeczny (PL91)" in text
    assert f"{value:,.1f} % of EU27 average" in text and f"values up to {year}" in text
    assert "Eurostat" in text and "nama_10r_3gdp" in text and "CC BY 4.0" in text
    assert "No Regional Innovation Index" in text
    assert "0 synthetic (demo panel)" in text and "synthetic demo values" not in text
    info = pdf_info(path)
    assert info["Title"] == "Regional profile: Warszawski stołeczny (PL91)"
    assert 1 <= int(info["Pages"]) <= 4
    render_first_page(path, "profile_real_PL91")
