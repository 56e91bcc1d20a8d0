"""The pages' figures as SVG for print: maps through svg_map, charts through svg_xy.

An SVG is embedded in the report's HTML as an image with a text alternative; WeasyPrint draws
it as vector graphics with its labels and numbers as text.
"""

from __future__ import annotations

import base64
import html
from typing import Any

from regiodash.report.svg_map import render_map
from regiodash.report.svg_xy import render_xy

PAGE_WIDTH_PX = 640  # the A4 text width (170 mm) at CSS's 96 px per inch


def render_figure(figure: Any, width: float = PAGE_WIDTH_PX, height: float | None = None
                  ) -> str:
    """SVG text of one of the pages' figures (a plotly Figure or its dict)."""
    d = figure.to_dict() if hasattr(figure, "to_dict") else figure
    if any(t.get("type") == "choropleth" for t in d.get("data") or []):
        return render_map(d, width, height)
    return render_xy(d, width, height)


def figure_html(figure: Any, alt: str, caption: str, width: float = PAGE_WIDTH_PX,
                height: float | None = None) -> str:
    """A <figure> with the SVG (as an image with `alt`) and its caption (already HTML)."""
    svg = render_figure(figure, width, height)
    data = base64.b64encode(svg.encode()).decode()
    return (f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}" '
            f'style="width:{width:.0f}px"><figcaption>{caption}</figcaption></figure>')
