"""Project reports rendered as real PDFs and read back (poppler)."""

from __future__ import annotations

import pytest

from regiodash.projects import queries
from regiodash.report.common import ReportError
from regiodash.report.project import STATUS_RULE, project_report_pdf
from tests.report.conftest import pdf_info, pdf_text, render_first_page

pytestmark = pytest.mark.usefixtures("poppler")


@pytest.fixture(scope="module")
def ucp(demo_settings, demo_warehouse, tmp_path_factory):
    path = tmp_path_factory.mktemp("project") / "ucp.pdf"
    path.write_bytes(project_report_pdf(demo_settings, demo_warehouse, "urban_creative_poles"))
    return path


def test_project_report_has_facts_kpis_with_status_and_rule_partners_and_budget(
        demo_settings, ucp):
    text = pdf_text(ucp)
    portfolio = queries.load_portfolio(demo_settings)
    project = portfolio.projects.set_index("project_id").loc["urban_creative_poles"]
    assert project["acronym"] in text and "Interreg Baltic Sea Region" in text
    assert "€1.92 m" in text  # the total budget, as the page formats it
    summary = queries.kpi_summary(portfolio, "urban_creative_poles")
    for kpi in summary.itertuples():
        assert kpi.name in text
        assert f"Status: {kpi.status}" in text
    assert " ".join(STATUS_RULE.split()) in text
    assert "expected (straight line to target)" in text  # the KPI chart's legend, as text
    partners = portfolio.partners[portfolio.partners["project_id"] == "urban_creative_poles"]
    for name in partners["partner_name"]:
        assert " ".join(name.split()[:3]) in text
    assert "Budget by region" in text and "Partners per NUTS 2 region" in text
    assert "Leader Innovator" in text or "Moderate Innovator" in text  # the map's legend
    assert "projects?project=urban_creative_poles" in text


def test_project_pdf_metadata_and_first_page(ucp):
    info = pdf_info(ucp)
    assert info["Title"] == "Project report: UCP (Interreg Baltic Sea Region)"
    assert info["Tagged"] == "yes" and 1 <= int(info["Pages"]) <= 6
    assert render_first_page(ucp, "project_demo_ucp").stat().st_size > 10_000


def test_a_project_without_known_budget_prints_unknown_never_zero(demo_settings,
                                                                  demo_warehouse, tmp_path):
    path = tmp_path / "p.pdf"
    path.write_bytes(project_report_pdf(demo_settings, demo_warehouse, "clusterfy"))
    text = pdf_text(path)
    assert "Total budget unknown" in text
    assert "€0" not in text


def test_unknown_project_names_the_known_ones(demo_settings, demo_warehouse):
    with pytest.raises(ReportError, match="unknown project 'nope'.*clusterfy"):
        project_report_pdf(demo_settings, demo_warehouse, "nope")


@pytest.mark.real_data
def test_project_report_on_the_real_gdp_warehouse(real_settings, real_warehouse, tmp_path):
    """No innovation groups there: the map colours partner counts and says why."""
    path = tmp_path / "p.pdf"
    path.write_bytes(project_report_pdf(real_settings, real_warehouse, "urban_creative_poles"))
    text = pdf_text(path)
    assert "UCP" in text and "Budget by region" in text
    assert "no innovation groups in the warehouse" in text
