"""Small SVG charts for printed reports (WeasyPrint draws SVG; no JavaScript on paper):
horizontal bars (achievement, funnel stages) and a line with a target line (a trend)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

FONT = "font-family:'Noto Sans CJK JP','Noto Sans JP',sans-serif"
COLORS = {"on_track": "#2e7d32", "behind": "#f9a825", "at_risk": "#c62828", "default": "#1565c0"}


def bars(
    items: Sequence[tuple[str, float | None, str]],
    width: int = 640,
    row: int = 22,
    max_value: float | None = None,
    value_text: Sequence[str] | None = None,
    marker: float | None = None,
) -> str:
    """Horizontal bars: (label, value, colour key); ``marker``: a vertical line (e.g. 100 %)."""
    if not items:
        return ""
    label_w, text_w = 190, 90
    plot = width - label_w - text_w
    top = max([v for _, v, _ in items if v is not None] + [marker or 0, max_value or 0, 1e-9])
    height = row * len(items) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" style="{FONT}">']
    for i, (label, value, colour) in enumerate(items):
        y = 4 + i * row
        parts.append(
            f'<text x="{label_w - 6}" y="{y + row * 0.68:.1f}" font-size="11" text-anchor="end">'
            f"{escape(label[:28])}</text>"
        )
        if value is not None and value > 0:
            w = max(1.0, plot * min(value, top) / top)
            fill = COLORS.get(colour, COLORS["default"])
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{fill}"/>'
            )
        shown = value_text[i] if value_text is not None else ("—" if value is None else f"{value:,.1f}")
        parts.append(
            f'<text x="{label_w + plot + 6}" y="{y + row * 0.68:.1f}" font-size="11">{escape(shown)}</text>'
        )
    if marker is not None:
        x = label_w + plot * marker / top
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#555" stroke-dasharray="3,3"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line(
    labels: Sequence[str],
    values: Sequence[float | None],
    targets: Sequence[float | None] | None = None,
    width: int = 640,
    height: int = 200,
    axis: Sequence[str] | None = None,
) -> str:
    """A line over periods (gaps where a value is missing), the target as a dashed line."""
    if not labels:
        return ""
    left, right, top_pad, bottom = 70, 10, 10, 28
    pw, ph = width - left - right, height - top_pad - bottom
    known = [v for v in values if v is not None] + [v for v in (targets or []) if v is not None]
    hi = max([*known, 1e-9])
    lo = min([0.0, *known])
    span = hi - lo or 1.0
    n = len(labels)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (pw * i / (n - 1) if n > 1 else pw / 2)
        return x, top_pad + ph * (1 - (v - lo) / span)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" style="{FONT}">']
    parts.append(
        f'<line x1="{left}" y1="{top_pad + ph}" x2="{left + pw}" y2="{top_pad + ph}" stroke="#999"/>'
    )
    for frac in (0.0, 0.5, 1.0):
        v = lo + span * frac
        _, y = xy(0, v)
        text = axis[int(frac * 2)] if axis is not None and len(axis) == 3 else f"{v:,.0f}"
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{escape(text)}</text>'
        )
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#eee"/>')
    for series, style in ((targets, 'stroke="#888" stroke-dasharray="4,3"'), (values, 'stroke="#1565c0"')):
        if not series:
            continue
        pts = [xy(i, v) for i, v in enumerate(series) if v is not None]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke-width="2" {style}/>')
        for x, y in pts if series is values else []:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#1565c0"/>')
    step = max(1, n // 8)
    for i in range(0, n, step):
        x, _ = xy(i, lo)
        label = escape(labels[i])
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="10" text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["bars", "line"]
