"""Printable reports (PDF): a profile of any region, a KPI report of any project.

Built from the same named queries and figure builders as the Region profile and Projects
pages (storage.queries, projects.queries, ui.profile, ui.charts, ui.maps,
ui.projects_charts), drawn as SVG without a browser (report.svg_xy, report.svg_map) and laid
out as tagged PDF/UA-1 by WeasyPrint (report.pdf). No Streamlit here.

For a page's download button, one function per report returns the PDF bytes:

- `region_profile_pdf(wh, code, year=None)` (report.region)
- `project_report_pdf(settings, wh, project_id)` (report.project)

Both raise `ReportError` (a RegiodashError) for input they cannot serve: an unknown region or
project, a year without data. `regiodash report ...` (cli_report.py) writes them to files.
"""
