"""Data & methodology: catalog and derived indicators from their specs, flags, manifest."""

from regiodash.ui.methodology_view import render_methodology

render_methodology()
