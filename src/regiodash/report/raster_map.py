"""Projected regions (report.svg_map.projected_regions) drawn as a PNG with Pillow.

For screen placeholders (ui.first_paint): a browser decodes a PNG off its main thread, where
an SVG image of the same regions is parsed and laid out on it, behind everything else the page
is doing. Drawn at SUPERSAMPLE times the size and scaled down, so that edges are smoothed
like the browser's own; a region's holes are cut out of it (fill-rule evenodd), and larger
regions are drawn first, so that an enclave drawn over its surroundings (Berlin in
Brandenburg, Vienna in Lower Austria) keeps its own colour.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from regiodash.report.svg_map import RGBA, Region

SUPERSAMPLE = 2


def rgba_of(colour: str) -> tuple[int, int, int, int]:
    """A CSS colour (#hex, rgb(), rgba(), a name) as RGBA bytes; ValueError if unknown."""
    match = RGBA.fullmatch(colour.strip())
    if match:
        r, g, b, a = (float(v) for v in match.groups())
        return round(r), round(g), round(b), round(255 * min(max(a, 0.0), 1.0))
    rgb = ImageColor.getrgb(colour.strip())
    return (*rgb[:3], rgb[3] if len(rgb) == 4 else 255)


def _area(ring: np.ndarray) -> float:
    """The area of a closed ring (first point repeated last, as GeoJSON's)."""
    x, y = ring[:, 0], ring[:, 1]
    return abs(float(np.dot(x[:-1], y[1:]) - np.dot(y[:-1], x[1:]))) / 2


def regions_png(regions: list[Region], width: int, height: int, scale: float = 1.0) -> bytes:
    """A transparent `width*scale` x `height*scale` PNG of `regions` (box units as
    projected_regions gives them for `width` x `height`), filled and outlined; b"" when there
    is nothing to draw. ValueError for a colour Pillow cannot read."""
    if not regions:
        return b""
    k = scale * SUPERSAMPLE
    size = (round(width * scale), round(height * scale))
    image = Image.new("RGBA", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    clear = (0, 0, 0, 0)
    by_area = [sorted(r.rings, key=_area, reverse=True) for r in regions]  # largest first
    order = sorted(range(len(regions)),
                   key=lambda i: -_area(by_area[i][0]) if by_area[i] else 0.0)
    for region, rings in ((regions[i], by_area[i]) for i in order):
        fill, stroke = rgba_of(region.colour), rgba_of(region.stroke)
        outline = max(1, round(region.stroke_width * k)) if region.stroke_width > 0 else 0
        boxes = [(*r.min(axis=0).tolist(), *r.max(axis=0).tolist()) for r in rings]
        for i, ring in enumerate(rings):
            points = [tuple(p) for p in (ring * k).tolist()]
            if len(points) < 3:
                continue
            # evenodd: a ring inside an odd number of the region's larger rings is a hole
            x, y = ring[0].tolist()
            hole = sum(_inside(ring[0], rings[j]) for j in range(i)
                       if boxes[j][0] <= x <= boxes[j][2] and boxes[j][1] <= y <= boxes[j][3]) % 2
            draw.polygon(points, fill=clear if hole else fill)
            if outline:
                draw.line([*points, points[0]], fill=stroke, width=outline)
    out = io.BytesIO()
    small = image.reduce(SUPERSAMPLE)  # the mean of each block: edges smoothed, fills exact
    small.save(out, "PNG")  # full colour: every fill exact (a palette merged close colours)
    return out.getvalue()


def _inside(point: np.ndarray, ring: np.ndarray) -> bool:
    """Whether `point` lies inside the closed `ring` (ray casting over its edges)."""
    x, y = float(point[0]), float(point[1])
    xs, ys, xj, yj = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
    dy = np.where(yj == ys, 1.0, yj - ys)
    crosses = ((ys > y) != (yj > y)) & (x < (xj - xs) * (y - ys) / dy + xs)
    return bool(np.count_nonzero(crosses) % 2)
