"""Small SVG charts for printed reports (WeasyPrint draws SVG; no JavaScript on paper):
horizontal bars (achievement, funnel stages) and a line with a target line (a trend)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    axis: Callable[[float], str] | None = None,
    partial: int | None = None,
    partial_label: str = "",
) -> str:
    """A line over periods (gaps where a value is missing), the target as a dashed line.

    ``axis`` formats the three tick values (e.g. ``format.axis_value``: 3億円, ¥300M);
    ``partial``: the index of a period not over yet — its point hangs on a dashed segment,
    drawn hollow and labelled ``partial_label`` (途中 / to date)."""
    if not labels:
        return ""
    left, right, top_pad, bottom = 78, 10, 16, 28
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
        text = axis(v) if axis is not None else f"{v:,.0f}"
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{escape(text)}</text>'
        )
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#eee"/>')
    if targets:
        dashed = 'stroke="#888" stroke-dasharray="4,3"'
        parts.extend(_polyline(list(enumerate(targets)), xy, dashed))
    cut = partial if partial is not None and 0 <= partial < n and values[partial] is not None else None
    done = [(i, v) for i, v in enumerate(values) if i != cut]
    parts.extend(_polyline(done, xy, 'stroke="#1565c0"'))
    for i, got in done:
        if got is not None:
            x, y = xy(i, got)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#1565c0"/>')
    last = values[cut] if cut is not None else None
    if cut is not None and last is not None:
        x, y = xy(cut, last)
        prev = values[cut - 1] if cut > 0 else None
        if prev is not None:
            px, py = xy(cut - 1, prev)
            parts.append(
                f'<line class="partial" x1="{px:.1f}" y1="{py:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
                'stroke="#1565c0" stroke-width="2" stroke-dasharray="4,3"/>'
            )
        parts.append(
            f'<circle class="partial" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#fff" '
            'stroke="#1565c0" stroke-width="1.5"/>'
        )
        if partial_label:
            parts.append(
                f'<text x="{x:.1f}" y="{max(10.0, y - 7):.1f}" font-size="10" text-anchor="end" fill="#555">'
                f"{escape(partial_label)}</text>"
            )
    step = max(1, n // 8)
    for i in range(0, n, step):
        x, _ = xy(i, lo)
        label = escape(labels[i])
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="10" text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _polyline(
    points: Sequence[tuple[int, float | None]], xy: Callable[[int, float], tuple[float, float]], style: str
) -> list[str]:
    """Runs of consecutive known values as polylines (a missing value breaks the line)."""
    out: list[str] = []
    run: list[tuple[float, float]] = []
    last = -2
    for i, v in [*points, (-1, None)]:
        if v is None or i != last + 1:
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                out.append(f'<polyline points="{path}" fill="none" stroke-width="2" {style}/>')
            run = []
        if v is not None:
            run.append(xy(i, v))
        last = i
    return out


__all__ = ["bars", "line"]
