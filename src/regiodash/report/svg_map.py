"""The pages' plotly choropleth maps drawn as static SVG for print.

Reads a map figure's dict (ui.maps / ui.projects_charts builders: `choropleth` traces, each
with its own GeoJSON FeatureCollection, locations, z and colour scale) and draws the regions
on the same projection as the pages (conic equal-area, standard parallels 35 and 65 degrees),
framed on the drawn regions (plotly's `fitbounds="locations"`). Legend entries and colour-bar
ticks are text. A trace whose geometry is a URL (the pages' static GeoJSON files) cannot be
drawn here: the report builds its maps with the geometry inline. Regions without a value are
in the builders' grey "no data" trace, so nothing missing is ever coloured as a value.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

import numpy as np
import plotly.colors as pc

from regiodash.report.svg_xy import FONT, FONT_SIZE, INK, _text, plain, text_width, values_of

PARALLELS = (35.0, 65.0)
RGBA = re.compile(r"rgba\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*\)")
"""A CSS rgba() colour: red, green, blue (0-255) and alpha (0-1)."""


class ConicEqualArea:
    """Albers conic equal-area projection (sphere), as d3.geoConicEqualArea."""

    def __init__(self, lon0: float, lat0: float, parallels: tuple[float, float] = PARALLELS):
        p1, p2 = (math.radians(p) for p in parallels)
        self.n = (math.sin(p1) + math.sin(p2)) / 2
        self.c = math.cos(p1) ** 2 + 2 * self.n * math.sin(p1)
        self.rho0 = math.sqrt(self.c - 2 * self.n * math.sin(math.radians(lat0))) / self.n
        self.lon0 = lon0

    def __call__(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rho = np.sqrt(self.c - 2 * self.n * np.sin(np.radians(lat))) / self.n
        theta = self.n * np.radians(lon - self.lon0)
        return rho * np.sin(theta), self.rho0 - rho * np.cos(theta)


def rings_of(geometry: dict) -> list[np.ndarray]:
    """Every ring (exterior and holes) of a Polygon or MultiPolygon, as (n, 2) lon/lat."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    return [np.asarray(ring, dtype=float)[:, :2] for poly in polygons for ring in poly
            if len(ring) >= 3]


def fill_of(colour: str) -> str:
    """SVG fill attributes for a CSS colour (rgba split into fill and fill-opacity)."""
    match = RGBA.fullmatch(colour.strip())
    if match:
        r, g, b, a = match.groups()
        return f'fill="rgb({r},{g},{b})" fill-opacity="{float(a):g}"'
    return f'fill="{colour}"'


def _scale(trace: dict) -> list[list[Any]]:
    scale = trace.get("colorscale") or "Viridis"
    if isinstance(scale, str):
        scale = pc.get_colorscale(scale)
    scale = [[float(p), str(c)] for p, c in scale]
    if trace.get("reversescale"):
        scale = [[1 - p, c] for p, c in reversed(scale)]
    return scale


def _z_range(trace: dict, zs: list[float]) -> tuple[float, float]:
    finite = [z for z in zs if z is not None and math.isfinite(z)]
    lo = trace.get("zmin", min(finite, default=0.0))
    hi = trace.get("zmax", max(finite, default=1.0))
    if trace.get("zmid") is not None:
        half = max(abs(hi - trace["zmid"]), abs(lo - trace["zmid"])) or 1.0
        lo, hi = trace["zmid"] - half, trace["zmid"] + half
    return float(lo), float(hi) if hi != lo else float(lo) + 1.0


def trace_colours(trace: dict) -> list[str]:
    """One fill colour per location of a choropleth trace."""
    scale = _scale(trace)
    zs = [None if z is None else float(z) for z in values_of(trace.get("z"))]
    if len({c for _, c in scale}) == 1:
        return [scale[0][1]] * len(zs)
    lo, hi = _z_range(trace, [z for z in zs if z is not None])
    points = [0.0 if z is None else min(1.0, max(0.0, (z - lo) / (hi - lo))) for z in zs]
    return pc.sample_colorscale(scale, points) if points else []


def _colourbar(trace: dict, x: float, y: float, width: float) -> str:
    """A horizontal colour bar with five ticks and the trace's colour-bar title."""
    scale = _scale(trace)
    zs = [float(z) for z in values_of(trace.get("z")) if z is not None]
    lo, hi = _z_range(trace, zs)
    grad_id = f"cb{abs(hash((lo, hi, str(scale)))) % 10**8}"
    stops = "".join(f'<stop offset="{p:.3f}" stop-color="{c}"/>' for p, c in scale)
    title = plain(((trace.get("colorbar") or {}).get("title") or {}).get("text") or "")
    out = [f'<defs><linearGradient id="{grad_id}">{stops}</linearGradient></defs>',
           _text(x, y + 9, title, FONT_SIZE - 1),
           f'<rect x="{x:.1f}" y="{y + 14:.1f}" width="{width:.1f}" height="10" '
           f'fill="url(#{grad_id})"/>']
    for i in range(5):
        value = lo + (hi - lo) * i / 4
        out.append(_text(x + width * i / 4, y + 36, f"{value:,.{0 if hi - lo > 20 else 1}f}",
                         FONT_SIZE - 2, "middle"))
    return "".join(out)


def _legend(traces: list[dict], width: float, top: float) -> tuple[str, float]:
    parts, x, y = [], 6.0, top + 6
    for t in traces:
        if t.get("showlegend") is not True or not t.get("name"):
            continue
        name = plain(t["name"])
        w = 20 + text_width(name, FONT_SIZE - 1) + 14
        if x + w > width and x > 6:
            x, y = 6.0, y + 16
        line = (t.get("marker") or {}).get("line") or {}
        outline = line.get("width", 0) >= 1.5  # an outline trace: show its line
        parts.append(f'<rect x="{x:.1f}" y="{y - 5:.1f}" width="12" height="10" '
                     f'{fill_of(_scale(t)[0][1])} '
                     f'stroke="{line.get("color") if outline else "#999"}" '
                     f'stroke-width="{line.get("width") if outline else 0.5}"/>')
        parts.append(_text(x + 17, y + 4, name, FONT_SIZE - 1))
        x += w
    scales = [t for t in traces if t.get("showscale") is not False and
              len({c for _, c in _scale(t)}) > 1]
    if scales:
        y = (y + 14) if parts else y
        parts.append(_colourbar(scales[0], 6, y - 6, min(260.0, width - 12)))
        y += 34
    return "".join(parts), (y - top + 8) if parts else 0.0


def render_map(figure: dict, width: float, height: float | None = None) -> str:
    """SVG text of a choropleth figure dict, `width` x `height` pixels, legend below."""
    layout = figure.get("layout") or {}
    traces = [t for t in figure.get("data") or [] if t.get("type") == "choropleth"]
    height = float(height or layout.get("height") or 420)
    legend_svg, legend_h = _legend(traces, width, 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
             f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'font-family="{FONT}">']
    regions = region_paths(traces, width, height - legend_h)
    parts.append(regions or _text(width / 2, height / 2, "no regions to draw", FONT_SIZE,
                                  "middle", INK))
    parts.append(f'<g transform="translate(0 {height - legend_h:.1f})">{legend_svg}</g>')
    parts.append("</svg>")
    return "".join(parts)


class Region(NamedTuple):
    """One drawn region in box units (y down): its rings (exterior and holes), fill colour
    (CSS) and outline (colour, width)."""
    rings: list[np.ndarray]
    colour: str
    stroke: str
    stroke_width: float


def projected_regions(traces: list[dict], width: float, height: float, fill: float = 1.0
                      ) -> list[Region]:
    """The drawn regions of the choropleth `traces` (GeoJSON inline) on the pages'
    projection, framed in a `width` x `height` box as plotly's fitbounds frames them; [] when
    nothing can be drawn. `fill`: the share of the box the regions' extent fills (centred)."""
    shapes: list[tuple[list[np.ndarray], str, dict]] = []
    for t in traces:
        geo = t.get("geojson")
        if not isinstance(geo, dict):
            raise ValueError("a drawn map needs its GeoJSON inline, not a URL")
        features = {f.get("id"): f for f in geo.get("features", [])}
        for code, colour in zip(values_of(t.get("locations")), trace_colours(t), strict=False):
            feature = features.get(code)
            if feature is not None:
                shapes.append((rings_of(feature.get("geometry") or {}), colour, t))
    coords = np.concatenate([r for rings, _, _ in shapes for r in rings]) if shapes else None
    if coords is None or not len(coords):
        return []
    (lon_lo, lat_lo), (lon_hi, lat_hi) = coords.min(axis=0), coords.max(axis=0)
    project = ConicEqualArea((lon_lo + lon_hi) / 2, (lat_lo + lat_hi) / 2)
    px, py = project(coords[:, 0], coords[:, 1])
    box_w, box_h = (width - 8) * fill, (height - 8) * fill
    k = min(box_w / (np.ptp(px) or 1), box_h / (np.ptp(py) or 1))
    box_w, box_h = width - 8, height - 8  # centred in the whole box
    ox = 4 + (box_w - k * np.ptp(px)) / 2 - k * px.min()
    oy = 4 + (box_h - k * np.ptp(py)) / 2 + k * py.max()
    regions = []
    for rings, colour, t in shapes:
        xy = []
        for ring in rings:
            x, y = project(ring[:, 0], ring[:, 1])
            xy.append(np.column_stack([ox + k * x, oy - k * y]))
        line = (t.get("marker") or {}).get("line") or {}
        regions.append(Region(xy, colour, line.get("color") or "white",
                              float(line.get("width", 0.4))))
    return regions


def region_paths(traces: list[dict], width: float, height: float, decimals: int = 1) -> str:
    """One <path> per drawn region of the choropleth `traces` (projected_regions), with
    `decimals` decimals; "" when nothing can be drawn."""
    parts = []
    for region in projected_regions(traces, width, height):
        d = "".join("M" + " ".join(f"{a:.{decimals}f},{b:.{decimals}f}" for a, b in ring) + "Z"
                    for ring in region.rings)
        parts.append(f'<path d="{d}" {fill_of(region.colour)} fill-rule="evenodd" '
                     f'stroke="{region.stroke}" stroke-width="{region.stroke_width:g}"/>')
    return "".join(parts)
