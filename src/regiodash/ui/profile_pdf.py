"""The Region profile page's printable profile: the same region and year as a PDF
(report.region), built only when asked for and cached per data version and region."""

from __future__ import annotations

from regiodash.report.region import region_profile_pdf
from regiodash.ui import data
from regiodash.ui.pdf_download import render_pdf_download


@data.rerun_cache(8)
def profile_pdf(version: str, region: str, base_url: str) -> bytes:
    return region_profile_pdf(data.get_warehouse(version), region, base_url=base_url)


def render_profile_pdf(version: str, region: str) -> None:
    render_pdf_download(
        "pf_pdf", (version, region),
        lambda base_url: profile_pdf(version, region, base_url),
        f"{region}_profile.pdf", "Prepare profile (PDF)", "Download profile (PDF)",
        "Builds the printable profile (2-4 A4 pages): index and group, strengths and "
        "weaknesses, trends, gender gaps, sustainability, peers, with units, years, flags "
        "and sources")
