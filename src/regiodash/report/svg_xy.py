"""The pages' plotly xy figures (bars, lines, markers) drawn as static SVG for print.

Reads a figure's dict (`fig.to_dict()`: the same figure objects the pages draw, from
ui.charts and ui.projects_charts) and writes SVG whose numbers, labels and legend are text,
so a PDF built from it keeps them as text (searchable, read aloud), not as pixels. No browser,
no network: plotly.js is not involved.

Covered: `bar` (vertical or horizontal, grouped), `scatter` (lines, markers or both; gaps in
a line where a value is missing: never drawn as zero), linear, category and date axes,
the layout's title, axis titles and ranges, a legend row. Hover texts are interactive and
left out. Trace names come HTML-escaped from the builders (plotly renders them as HTML) and
are unescaped here, then escaped again for XML.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FONT = "DejaVu Sans, Liberation Sans, sans-serif"
FONT_SIZE = 11
CHAR_WIDTH = 0.56  # average glyph width of the sans font, in font sizes (for layout only)
GRID = "#e3e3e3"
INK = "#222222"
MUTED = "#555555"
_TAG = re.compile(r"<[^>]+>")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
EPOCH = dt.date(1970, 1, 1)


def plain(text: object) -> str:
    """Label text as shown: plotly's HTML subset (tags, entities) removed, then XML-escaped."""
    return html.escape(html.unescape(_TAG.sub("", str(text))), quote=True)


def text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(html.unescape(text)) * size * CHAR_WIDTH


def values_of(raw: Any) -> list[Any]:
    """A trace's data array as a list (plotly's to_dict gives numbers as typed arrays:
    {"dtype": "f8", "bdata": base64})."""
    if raw is None:
        return []
    if isinstance(raw, dict) and "bdata" in raw:
        raw = np.frombuffer(base64.b64decode(raw["bdata"]), dtype=np.dtype(raw["dtype"]))
    if isinstance(raw, np.ndarray | tuple | list):
        return [v.item() if isinstance(v, np.generic) else v for v in list(raw)]
    if hasattr(raw, "tolist"):
        return list(raw.tolist())
    return [raw]


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def as_day(value: Any) -> float | None:
    """A date-like value as days since 1970-01-01 (None when it is not one)."""
    if isinstance(value, dt.datetime):
        return (value - dt.datetime(1970, 1, 1, tzinfo=value.tzinfo)).total_seconds() / 86400
    if isinstance(value, dt.date):
        return float((value - EPOCH).days)
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return as_day(value.to_pydatetime())
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return as_day(dt.date.fromisoformat(value[:10]))
        except ValueError:
            return None
    return None


def nice_step(span: float, target: int = 5) -> float:
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / target
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def format_tick(value: float, step: float, years: bool = False) -> str:
    if years:  # calendar years: 2021, never 2,021
        return f"{value:.0f}"
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    if step >= 1 and abs(step - round(step)) > 1e-9:
        decimals = 1
    return f"{value:,.{decimals}f}"


@dataclass
class Axis:
    """One axis: its kind, data range and ticks (positions in data units, labels)."""

    kind: str  # linear | category | date
    lo: float = 0.0
    hi: float = 1.0
    categories: list[str] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    title: str = ""

    def position(self, value: Any) -> float | None:
        if is_missing(value):
            return None
        if self.kind == "category":
            key = str(value)
            return float(self.categories.index(key)) if key in self.categories else None
        if self.kind == "date":
            return as_day(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            return None


def detect_kind(values: list[Any]) -> str:
    present = [v for v in values if not is_missing(v)]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "linear"
    if all(as_day(v) is not None for v in present):
        return "date"
    return "category"


def build_axis(values: list[Any], spec: dict, from_zero: bool) -> Axis:
    kind = detect_kind(values)
    title = plain((spec.get("title") or {}).get("text") or "")
    if kind == "category":
        cats = list(dict.fromkeys(str(v) for v in values if not is_missing(v)))
        return Axis(kind, -0.5, len(cats) - 0.5, cats,
                    [(float(i), c) for i, c in enumerate(cats)], title)
    axis = Axis(kind, title=title)
    nums = [p for v in values if (p := axis.position(v)) is not None]
    lo, hi = (min(nums), max(nums)) if nums else (0.0, 1.0)
    if from_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if spec.get("range"):
        lo, hi = (axis.position(v) for v in spec["range"])  # type: ignore[assignment]
    else:
        pad = (hi - lo) * 0.06 or (abs(hi) * 0.1 or 1.0)
        lo, hi = (lo if from_zero and lo == 0 else lo - pad), (hi + pad)
    axis.lo, axis.hi = float(lo), float(hi)
    years = bool(nums) and all(float(n).is_integer() and 1800 <= n <= 2200 for n in nums)
    axis.ticks = date_ticks(axis.lo, axis.hi) if kind == "date" else linear_ticks(
        axis.lo, axis.hi, spec.get("dtick"), years)
    return axis


def linear_ticks(lo: float, hi: float, dtick: Any = None, years: bool = False
                 ) -> list[tuple[float, str]]:
    step = nice_step(hi - lo)
    if isinstance(dtick, int | float) and dtick > 0:
        step = max(float(dtick), nice_step(hi - lo, 8)) if (hi - lo) / dtick > 12 else dtick
    if years:
        step = max(1.0, math.ceil(step))
    first = math.ceil(lo / step - 1e-9) * step
    count = int(math.floor((hi - first) / step + 1e-9)) + 1
    return [(first + i * step, format_tick(first + i * step, step, years))
            for i in range(count)]


def date_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    start, end = EPOCH + dt.timedelta(days=lo), EPOCH + dt.timedelta(days=hi)
    years = end.year - start.year
    if years >= 2:
        step = max(1, math.ceil(years / 6))
        return [(float((dt.date(y, 1, 1) - EPOCH).days), str(y))
                for y in range(start.year + 1, end.year + 1, step)]
    months = max(1, math.ceil((years * 12 + end.month - start.month) / 6))
    ticks, day = [], dt.date(start.year, start.month, 1)
    while day <= end:
        if day >= start:
            ticks.append((float((day - EPOCH).days), day.strftime("%b %Y")))
        month = day.month - 1 + months
        day = dt.date(day.year + month // 12, month % 12 + 1, 1)
    return ticks


MARKER_PATHS = {
    "diamond": "M{x},{y0}L{x1},{y}L{x},{y1}L{x0},{y}Z",
    "square": "M{x0},{y0}H{x1}V{y1}H{x0}Z",
}


def marker_svg(symbol: str, x: float, y: float, size: float, colour: str) -> str:
    r = size / 2
    open_ = symbol.endswith("-open")
    fill, stroke = ("white", colour) if open_ else (colour, "white")
    base = symbol.removesuffix("-open")
    style = f'fill="{fill}" stroke="{stroke}" stroke-width="{1.8 if open_ else 0.8}"'
    if base == "star":
        points = " ".join(
            f"{x + (r if i % 2 == 0 else r * 0.45) * math.sin(i * math.pi / 5):.1f},"
            f"{y - (r if i % 2 == 0 else r * 0.45) * math.cos(i * math.pi / 5):.1f}"
            for i in range(10))
        return f'<polygon points="{points}" {style}/>'
    if base in MARKER_PATHS:
        d = MARKER_PATHS[base].format(x=f"{x:.1f}", y=f"{y:.1f}", x0=f"{x - r:.1f}",
                                      x1=f"{x + r:.1f}", y0=f"{y - r:.1f}", y1=f"{y + r:.1f}")
        return f'<path d="{d}" {style}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {style}/>'


def colour_at(colour: Any, i: int, default: str) -> str:
    if isinstance(colour, list | tuple | np.ndarray):
        items = values_of(colour)
        return str(items[i % len(items)]) if items else default
    return str(colour) if colour else default


@dataclass
class Frame:
    """The plot area in pixels and the two axes that map data onto it."""

    x0: float
    y0: float
    x1: float
    y1: float
    x: Axis
    y: Axis

    def sx(self, value: Any) -> float | None:
        p = self.x.position(value)
        return None if p is None else self.x0 + (p - self.x.lo) / (
            self.x.hi - self.x.lo or 1) * (self.x1 - self.x0)

    def sy(self, value: Any) -> float | None:
        p = self.y.position(value)
        return None if p is None else self.y1 - (p - self.y.lo) / (
            self.y.hi - self.y.lo or 1) * (self.y1 - self.y0)


def _text(x: float, y: float, text: str, size: float = FONT_SIZE, anchor: str = "start",
          colour: str = INK, extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{colour}"{extra}>{text}</text>')


def _fit(label: str, room: float, size: float = FONT_SIZE) -> str:
    """`label` (escaped) shortened with an ellipsis to about `room` pixels."""
    raw = html.unescape(label)
    keep = max(4, int(room / (size * CHAR_WIDTH)))
    return label if len(raw) <= keep else html.escape(raw[: keep - 1].rstrip() + "…")


def _legend_items(traces: list[dict]) -> list[tuple[str, str, dict]]:
    seen, items = set(), []
    for t in traces:
        name = plain(t.get("name") or "")
        if not name or t.get("showlegend") is False or name in seen:
            continue
        seen.add(name)
        items.append((name, t.get("type", "scatter"), t))
    return items


def _legend_swatch(kind: str, trace: dict, x: float, y: float) -> str:
    if kind == "bar":
        colour = colour_at((trace.get("marker") or {}).get("color"), 0, "#0072B2")
        return f'<rect x="{x:.1f}" y="{y - 5:.1f}" width="12" height="10" fill="{colour}"/>'
    mode = trace.get("mode") or "lines+markers"
    line = trace.get("line") or {}
    marker = trace.get("marker") or {}
    out = ""
    if "lines" in mode:
        dash = ' stroke-dasharray="4,3"' if line.get("dash") else ""
        out += (f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 16:.1f}" y2="{y:.1f}" '
                f'stroke="{line.get("color") or "#0072B2"}" stroke-width="2"{dash}/>')
    if "markers" in mode:
        colour = colour_at(marker.get("color"), 0, line.get("color") or "#0072B2")
        out += marker_svg(str(marker.get("symbol") or "circle"), x + 8, y, 8, colour)
    return out


def _legend(items: list[tuple[str, str, dict]], width: float, top: float) -> tuple[str, float]:
    """The legend as rows of swatch + name from `top`; returns the SVG and its height."""
    parts, x, y = [], 8.0, top + 8
    for name, kind, trace in items:
        w = 22 + text_width(name, FONT_SIZE - 1) + 14
        if x + w > width and x > 8:
            x, y = 8.0, y + 16
        parts.append(_legend_swatch(kind, trace, x, y))
        parts.append(_text(x + 20, y + 4, name, FONT_SIZE - 1))
        x += w
    return "".join(parts), (y - top + 10) if items else 0.0


def _draw_axes(f: Frame) -> list[str]:
    out = []
    for pos, label in f.x.ticks:
        px = f.sx(f.x.categories[int(pos)] if f.x.kind == "category" else _raw(f.x, pos))
        if px is None or px < f.x0 - 0.5 or px > f.x1 + 0.5:
            continue
        if f.x.kind != "category":
            out.append(f'<line x1="{px:.1f}" y1="{f.y0:.1f}" x2="{px:.1f}" y2="{f.y1:.1f}" '
                       f'stroke="{GRID}"/>')
        out.append(_text(px, f.y1 + 14, label, FONT_SIZE - 1, "middle", MUTED))
    room = f.x0 - 10
    for pos, label in f.y.ticks:
        py = f.sy(f.y.categories[int(pos)] if f.y.kind == "category" else _raw(f.y, pos))
        if py is None or py < f.y0 - 0.5 or py > f.y1 + 0.5:
            continue
        if f.y.kind != "category":
            out.append(f'<line x1="{f.x0:.1f}" y1="{py:.1f}" x2="{f.x1:.1f}" y2="{py:.1f}" '
                       f'stroke="{GRID}"/>')
        out.append(_text(f.x0 - 6, py + 4, _fit(label, room, FONT_SIZE - 1), FONT_SIZE - 1,
                         "end", MUTED))
    out.append(f'<line x1="{f.x0:.1f}" y1="{f.y1:.1f}" x2="{f.x1:.1f}" y2="{f.y1:.1f}" '
               f'stroke="{MUTED}"/>')
    if f.x.title:
        out.append(_text((f.x0 + f.x1) / 2, f.y1 + 30, f.x.title, FONT_SIZE - 1, "middle"))
    if f.y.title:
        cy = (f.y0 + f.y1) / 2
        out.append(_text(12, cy, f.y.title, FONT_SIZE - 1, "middle",
                         extra=f' transform="rotate(-90 12 {cy:.1f})"'))
    return out


def _raw(axis: Axis, pos: float) -> Any:
    return EPOCH + dt.timedelta(days=pos) if axis.kind == "date" else pos


def _draw_bars(f: Frame, bars: list[dict]) -> list[str]:
    out = []
    for k, t in enumerate(bars):
        horizontal = t.get("orientation") == "h"
        cats, vals = (values_of(t.get("y")), values_of(t.get("x"))) if horizontal else (
            values_of(t.get("x")), values_of(t.get("y")))
        labels = values_of(t.get("text")) if t.get("text") is not None else []
        cat_axis = f.y if horizontal else f.x
        band = 0.8 / len(bars)
        for i, (cat, val) in enumerate(zip(cats, vals, strict=False)):
            centre, end, zero = cat_axis.position(cat), (f.sx if horizontal else f.sy)(val), (
                f.sx if horizontal else f.sy)(0)
            if centre is None or end is None or zero is None:
                continue  # a missing value gets no bar (never a zero-length one)
            a = centre - 0.4 + k * band
            colour = colour_at((t.get("marker") or {}).get("color"), i, "#0072B2")
            if horizontal:
                ya, yb = (f.y1 - (a + band - f.y.lo) / (f.y.hi - f.y.lo) * (f.y1 - f.y0),
                          f.y1 - (a - f.y.lo) / (f.y.hi - f.y.lo) * (f.y1 - f.y0))
                x_lo, x_hi = sorted((zero, end))
                out.append(f'<rect x="{x_lo:.1f}" y="{ya:.1f}" width="{x_hi - x_lo:.1f}" '
                           f'height="{yb - ya:.1f}" fill="{colour}"/>')
                if i < len(labels) and labels[i]:
                    label = plain(labels[i])
                    inside = x_hi - x_lo > text_width(label, 9) + 8
                    out.append(_text(x_hi - 4 if inside else x_hi + 3, (ya + yb) / 2 + 3,
                                     label, 9, "end" if inside else "start",
                                     "white" if inside else INK))
            else:
                xa = f.x0 + (a - f.x.lo) / (f.x.hi - f.x.lo) * (f.x1 - f.x0)
                w = band / (f.x.hi - f.x.lo) * (f.x1 - f.x0)
                y_lo, y_hi = sorted((zero, end))
                out.append(f'<rect x="{xa:.1f}" y="{y_lo:.1f}" width="{w:.1f}" '
                           f'height="{y_hi - y_lo:.1f}" fill="{colour}"/>')
    return out


def _draw_scatter(f: Frame, t: dict) -> list[str]:
    xs, ys = values_of(t.get("x")), values_of(t.get("y"))
    points = [(f.sx(x), f.sy(y)) for x, y in zip(xs, ys, strict=False)]
    mode, line, marker = t.get("mode") or "lines+markers", t.get("line") or {}, (
        t.get("marker") or {})
    out = []
    if "lines" in mode:
        colour, width = line.get("color") or "#0072B2", line.get("width") or 2
        dash = ' stroke-dasharray="6,4"' if line.get("dash") else ""
        run: list[str] = []
        for px, py in [*points, (None, None)]:
            if px is None or py is None:  # a missing value breaks the line
                if len(run) > 1:
                    out.append(f'<polyline points="{" ".join(run)}" fill="none" '
                               f'stroke="{colour}" stroke-width="{width}"{dash}/>')
                run = []
            else:
                run.append(f"{px:.1f},{py:.1f}")
    if "markers" in mode:
        size = marker.get("size") or 7
        size = size if isinstance(size, int | float) else 7
        for i, (px, py) in enumerate(points):
            if px is not None and py is not None:
                colour = colour_at(marker.get("color"), i, line.get("color") or "#0072B2")
                out.append(marker_svg(str(marker.get("symbol") or "circle"), px, py,
                                      min(size, 12), colour))
    return out


def render_xy(figure: dict, width: float, height: float | None = None) -> str:
    """SVG text of an xy figure dict (`fig.to_dict()`), `width` x `height` pixels (default:
    the figure's own height)."""
    layout, traces = figure.get("layout") or {}, list(figure.get("data") or [])
    height = float(height or layout.get("height") or 360)
    bars = [t for t in traces if t.get("type") == "bar"]
    h_bars = any(t.get("orientation") == "h" for t in bars)
    xs = [v for t in traces for v in values_of(t.get("x"))]
    ys = [v for t in traces for v in values_of(t.get("y"))]
    x_axis = build_axis(xs, layout.get("xaxis") or {}, from_zero=bool(bars) and h_bars)
    y_axis = build_axis(ys, layout.get("yaxis") or {}, from_zero=bool(bars) and not h_bars)
    title = plain((layout.get("title") or {}).get("text") or "")
    legend_svg, legend_h = _legend(_legend_items(traces), width, 0)
    label_w = max((text_width(lab, FONT_SIZE - 1) for _, lab in y_axis.ticks), default=20)
    left = min(label_w, width * 0.42) + 10 + (18 if y_axis.title else 0)
    top = 24 if title else 8
    bottom = 20 + (16 if x_axis.title else 0) + legend_h + 4
    frame = Frame(left, top, width - 14, height - bottom, x_axis, y_axis)
    if x_axis.kind != "category":  # about one label per 46 px, so labels never overlap
        keep = max(1, math.ceil(len(x_axis.ticks) / max(2, (frame.x1 - frame.x0) / 46)))
        x_axis.ticks = x_axis.ticks[::keep]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
             f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'font-family="{FONT}">']
    if title:
        parts.append(_text(8, 15, title, FONT_SIZE + 1, extra=' font-weight="bold"'))
    parts += _draw_axes(frame)
    parts += _draw_bars(frame, bars)
    for t in traces:
        if t.get("type", "scatter") == "scatter":
            parts += _draw_scatter(frame, t)
    parts.append(f'<g transform="translate(0 {height - legend_h:.1f})">{legend_svg}</g>')
    parts.append("</svg>")
    return "".join(parts)
