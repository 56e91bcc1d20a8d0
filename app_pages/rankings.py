"""Rankings & trends: sortable table with rank and change, country strips, convergence.

The view lives in the URL; the ranking of a view is built once (ui.rankings_view).
"""

from regiodash.ui.rankings_view import ranking, render_ranking, select_ranking

view = select_ranking()
render_ranking(view, ranking(view.version, view.indicator, view.level, view.weights, view.span))
