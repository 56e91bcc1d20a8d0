"""Projects & KPIs: the project portfolio by programme and region, and one project's KPIs.

The view (project, programme, regional indicator) lives in the URL; what each tab shows is
built once per view in ui.projects_view.
"""

from regiodash.ui.projects_view import render_projects_page

render_projects_page()
