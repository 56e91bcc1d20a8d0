"""Map explorer: one indicator, NUTS level, year and sex (or gender gap) as a choropleth.

Clicking a region, choosing it in the picker or following its link in the "regions in this
view" table opens its profile. The whole view lives in the URL (ui.state.ViewState); the
widgets and the per-view cached figure are in ui.map_view, what is drawn in ui.map_panels.
"""

from regiodash.ui.first_paint import deferred_chart_run
from regiodash.ui.map_panels import render_map
from regiodash.ui.map_view import map_figure, select_map_view

# A new session's first run sends the chart last (ui.first_paint); inside the page's own run,
# so that the chart is the same widget on every run (its id depends on the page).
with deferred_chart_run():
    view = select_map_view()
    render_map(view, map_figure(view.version, view.indicator, view.level, view.year,
                                view.sex, view.country))
