"""Overview: where Europe stands (innovation groups, gender gaps, sustainability, coverage).

Built once per data version in ui.overview_view; the country shown lives in the URL.
"""

from regiodash.ui.overview_view import render_overview

render_overview()
