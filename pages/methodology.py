"""Data & methodology: catalog and derived indicators from their specs, flags, manifest."""

from regiodash.ui.methodology_view import render_methodology
from regiodash.ui.routing import require_app

require_app()
render_methodology()
