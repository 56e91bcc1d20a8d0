"""Map explorer: one indicator, NUTS level, year and sex (or gender gap) as a choropleth.

Clicking a region opens its profile. The whole view lives in the URL (ui.state.ViewState);
widgets, the per-view cached figure and its rendering are in ui.map_view.
"""

from regiodash.ui.map_view import map_figure, render_map, select_map_view

view = select_map_view()
render_map(view, map_figure(view.version, view.indicator, view.level, view.year, view.sex,
                            view.country))
