"""The charts of every module, drawn on the server as SVG: no script, no chart library, nothing
from another site.

Each chart is an <svg role="img"> with a <title> and <desc>; the page shows the same figures in
a table beside it, which is what a screen reader reads. Colours come from presentation
attributes (allowed by the strict CSP, unlike style attributes). Time runs left to right in
every language, so the SVG keeps direction="ltr" inside a right-to-left page; its digits are
the page's (a Persian page's text, SVG text included, is written in Persian digits).

Made for a phone first: 480 units wide, so that on a 390 px screen the 14-unit labels print
at about 11 px; at most eight ticks on an axis and short labels, the full ones in the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from typing import Protocol

import numpy as np
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe–Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
SUPPRESSED = "#9aa0a6"
WIDTH = 480
LEFT, RIGHT, TOP = 48, 12, 16
LABEL, SMALL = 14, 13  # font sizes, in units of the 480-wide drawing
MAX_TICKS = 8
MAX_LABEL = 10  # characters of a category shown under its bar; the table has the rest


class WaitingCurve(Protocol):
    """A Kaplan–Meier curve: share still waiting after each number of days (cases.waiting)."""

    group: Hashable
    cases: int
    days: tuple[int, ...]
    still_waiting_share: tuple[float, ...]
    withheld: bool


def _svg(height: int, title: str, desc: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 (every text inside is escaped where it is made)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'class="chart" direction="ltr">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>'
        + "".join(body)
        + "</svg>"
    )


def _legend(entries: list[tuple[str, str]], top: int) -> list[str]:
    """Two columns of colour keys under the plot (a phone has no room beside it)."""
    return [
        f'<g transform="translate({LEFT + (i % 2) * 210},{top + (i // 2) * 20})">'
        f'<rect width="12" height="12" fill="{colour}"/>'
        f'<text x="18" y="11" font-size="{SMALL}">{escape(_short(label, 24))}</text></g>'
        for i, (label, colour) in enumerate(entries)
    ]


def _axes(
    bottom: int,
    x_ticks: list[tuple[float, str]],
    y_ticks: list[tuple[float, str]],
    x_label: str,
) -> list[str]:
    parts = [
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#4a4a4a"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#4a4a4a"/>',
    ]
    for x, label in x_ticks:
        # A label at the right edge ends there rather than being cut off.
        anchor = "end" if x > WIDTH - RIGHT - 24 else "middle"
        parts.append(
            f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}" stroke="#4a4a4a"/>'
            f'<text x="{x:.1f}" y="{bottom + 18}" font-size="{SMALL}" text-anchor="{anchor}">'
            f"{escape(label)}</text>"
        )
    parts += _y_grid(y_ticks)
    if x_label:
        parts.append(
            f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{bottom + 38}" font-size="{LABEL}" '
            f'text-anchor="middle">{escape(x_label)}</text>'
        )
    return parts


def _y_grid(y_ticks: list[tuple[float, str]]) -> list[str]:
    return [
        f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e3e5e8"/>'
        f'<text x="{LEFT - 6}" y="{y + 5:.1f}" font-size="{SMALL}" text-anchor="end">'
        f"{escape(label)}</text>"
        for y, label in y_ticks
    ]


def _short(label: str, length: int = MAX_LABEL) -> str:
    label = str(label)
    return label if len(label) <= length else label[: length - 1] + "…"


def nice_ceiling(value: float) -> int:
    """The round number (1, 2, 2.5 or 5 times a power of ten; at least 5) at or above `value`."""
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def _nice_step(span: float) -> int:
    for step in (7, 14, 30, 60, 90, 180, 365, 730):
        if span / step <= MAX_TICKS - 2:
            return step
    return 1461


def _step_path(days: Sequence[float], shares: Sequence[float], x, y, max_days: float) -> str:
    """The polyline of a step curve from 1.0, with each point that falls in the same half-unit
    cell as the one before it left out: 100,000 cases make thousands of steps, most of them
    smaller than a pixel. Drawn with numpy: point by point it was half the statistics page."""
    d = np.asarray(days, dtype=float)
    after = np.asarray(shares, dtype=float)
    before = np.concatenate(([1.0], after[:-1]))
    # Each step is two points: along at the old share, then down to the new one.
    xs = np.concatenate(([0.0], np.repeat(d, 2), [max_days]))
    ys = np.concatenate(([1.0], np.column_stack((before, after)).ravel(), after[-1:]))
    px, py = x(xs), y(ys)
    cells = np.column_stack((np.floor(px * 2), np.floor(py * 2)))
    keep = np.ones(len(px), dtype=bool)
    keep[1:-1] = (cells[1:-1] != cells[:-2]).any(axis=1)
    kept = zip(px[keep].tolist(), py[keep].tolist(), strict=True)
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in kept)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[int | None],
    *,
    title: str,
    desc: str,
    threshold: int | None = None,
) -> SafeString:
    """Vertical bars, one per label; None values are suppressed cells, drawn as a short grey
    stub labelled '< threshold', never as their value."""
    n = max(1, len(labels))
    height, bottom = 300, 240
    top = nice_ceiling(max([v for v in values if v is not None] or [threshold or 1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, bottom - TOP
    slot = plot_w / n
    bar_w = max(2.0, slot * 0.7)
    steps = 4 if top % 4 == 0 else 5
    parts = [
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#4a4a4a"/>',
        *_y_grid(
            [(bottom - plot_h * i / steps, f"{top * i / steps:,.0f}") for i in range(steps + 1)]
        ),
    ]
    rotate = n > 6
    every = max(1, -(-n // 12))  # at most twelve category labels; the table names every one
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + slot * i + (slot - bar_w) / 2
        centre = x + bar_w / 2
        if value is None:
            h = max(2.0, plot_h * (threshold or 1) / top / 2)
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{SUPPRESSED}"/>'
            )
            if n <= 12:
                parts.append(
                    f'<text x="{centre:.1f}" y="{bottom - h - 4:.1f}" font-size="{SMALL}" '
                    f'text-anchor="middle">&lt; {int(threshold or 0)}</text>'
                )
        else:
            h = plot_h * value / top
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[0]}"><title>{escape(label)}: {value:,}</title></rect>'
            )
            if n <= 12:  # more values than that would overlap on a phone: the table has them
                parts.append(
                    f'<text x="{centre:.1f}" y="{bottom - h - 4:.1f}" font-size="{SMALL}" '
                    f'text-anchor="middle">{value:,}</text>'
                )
        if i % every:
            continue
        short = escape(_short(label))
        if rotate:
            parts.append(
                f'<text x="{centre:.1f}" y="{bottom + 14}" font-size="{SMALL}" '
                f'text-anchor="end" transform="rotate(-45 {centre:.1f} {bottom + 14})">'
                f"{short}</text>"
            )
        else:
            parts.append(
                f'<text x="{centre:.1f}" y="{bottom + 20}" font-size="{LABEL}" '
                f'text-anchor="middle">{short}</text>'
            )
    return _svg(height, title, desc, parts)


def survival_chart(
    curves: Sequence[WaitingCurve], *, title: str, desc: str, x_label: str, max_lines: int = 6
) -> SafeString:
    """Kaplan–Meier step curves: the share still waiting (y) after a number of days (x)."""
    shown = [c for c in curves if not c.withheld and c.days][:max_lines]
    max_days = max(30, max((c.days[-1] for c in shown), default=365) or 365)
    bottom = 250
    plot_w, plot_h = WIDTH - LEFT - RIGHT, bottom - TOP

    def x(d: float) -> float:
        return LEFT + plot_w * d / max_days

    def y(p: float) -> float:
        return TOP + plot_h * (1 - p)

    step = _nice_step(max_days)
    x_ticks = [(x(d), str(d)) for d in range(0, int(max_days) + 1, step)]
    y_ticks = [(y(p / 4), f"{p * 25}%") for p in range(5)]
    body = _axes(bottom, x_ticks, y_ticks, x_label)
    legend = []
    for i, c in enumerate(shown):
        colour = PALETTE[i % len(PALETTE)]
        path = _step_path(c.days, c.still_waiting_share, x, y, max_days)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        legend.append((f"{c.group} ({c.cases})", colour))
    legend_top = bottom + 52
    height = legend_top + 20 * ((len(legend) + 1) // 2) + 4
    return _svg(height, title, desc, body + _legend(legend, legend_top))


def backlog_chart(
    series: Sequence[tuple[dt.date, int | None]], *, title: str, desc: str, x_label: str
) -> SafeString:
    """Cases waiting at the end of each month; suppressed months leave a gap."""
    bottom = 250
    height = bottom + 48
    points = list(series)
    if not points:
        return _svg(height, title, desc, _axes(bottom, [], [], x_label))
    top = nice_ceiling(max((v for _, v in points if v is not None), default=1) or 1)
    first, last = points[0][0].toordinal(), points[-1][0].toordinal()
    span = max(1, last - first)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, bottom - TOP

    def x(d: dt.date) -> float:
        return LEFT + plot_w * (d.toordinal() - first) / span

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    every = max(1, -(-len(points) // 5))  # five dates fit under a phone's plot
    x_ticks = [(x(d), f"{d:%Y-%m}") for i, (d, _) in enumerate(points) if i % every == 0]
    steps = 4 if top % 4 == 0 else 5  # whole numbers on every tick
    y_ticks = [(y(top * k / steps), f"{top * k // steps}") for k in range(steps + 1)]
    body = _axes(bottom, x_ticks, y_ticks, x_label)
    run: list[str] = []
    for d, v in [*points, (points[-1][0], None)]:
        if v is None:
            if len(run) > 1:
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{PALETTE[0]}" '
                    f'stroke-width="2.5"/>'
                )
            run = []
            continue
        run.append(f"{x(d):.1f},{y(v):.1f}")
    return _svg(height, title, desc, body)
