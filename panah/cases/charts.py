"""Charts drawn on the server as SVG: no script, no chart library, nothing from another site.

Each chart is an <svg role="img"> with a <title> and <desc>; the page shows the same figures
in a table beside it, which is what a screen reader reads. Colours come from presentation
attributes (allowed by the strict CSP, unlike style attributes). Time runs left to right in
every language, so the SVG keeps direction="ltr" inside a right-to-left page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .waiting import Curve

# Colour-blind-safe palette (Okabe–Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 44


def _frame(title: str, desc: str, body: list[str], legend: list[tuple[str, str]]) -> SafeString:
    legend_rows = "".join(
        f'<g transform="translate({LEFT + 8 + (i % 3) * 190},{TOP + 8 + (i // 3) * 18})">'
        f'<rect width="12" height="12" fill="{colour}"/>'
        f'<text x="18" y="11" font-size="12">{escape(label)}</text></g>'
        for i, (label, colour) in enumerate(legend)
    )
    return mark_safe(  # noqa: S308 (every text inside is escaped above)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="chart" direction="ltr">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        + "".join(body)
        + legend_rows
        + "</svg>"
    )


def _axes(
    x_ticks: list[tuple[float, str]], y_ticks: list[tuple[float, str]], x_label: str
) -> list[str]:
    plot_bottom = HEIGHT - BOTTOM
    parts = [
        f'<line x1="{LEFT}" y1="{plot_bottom}" x2="{WIDTH - RIGHT}" y2="{plot_bottom}" stroke="#4a4a4a"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{plot_bottom}" stroke="#4a4a4a"/>',
    ]
    for x, label in x_ticks:
        parts.append(
            f'<line x1="{x:.1f}" y1="{plot_bottom}" x2="{x:.1f}" y2="{plot_bottom + 4}" stroke="#4a4a4a"/>'
            f'<text x="{x:.1f}" y="{plot_bottom + 16}" font-size="11" text-anchor="middle">{escape(label)}</text>'
        )
    for y, label in y_ticks:
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e3e5e8"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{HEIGHT - 6}" font-size="12" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    return parts


def survival_chart(
    curves: Sequence[Curve], *, title: str, desc: str, x_label: str, max_lines: int = 6
) -> SafeString:
    """Kaplan–Meier step curves: the share still waiting (y) after a number of days (x)."""
    shown = [c for c in curves if not c.withheld and c.days][:max_lines]
    max_days = max((c.days[-1] for c in shown), default=365) or 365
    max_days = max(30, max_days)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(d: float) -> float:
        return LEFT + plot_w * d / max_days

    def y(p: float) -> float:
        return TOP + plot_h * (1 - p)

    step = _nice_step(max_days)
    x_ticks = [(x(d), str(d)) for d in range(0, int(max_days) + 1, step)]
    y_ticks = [(y(p / 4), f"{p * 25}%") for p in range(5)]
    body = _axes(x_ticks, y_ticks, x_label)
    legend = []
    for i, c in enumerate(shown):
        colour = PALETTE[i % len(PALETTE)]
        points = [(x(0), y(1.0))]
        share = 1.0
        for d, s in zip(c.days, c.still_waiting_share, strict=True):
            points.append((x(d), y(share)))
            points.append((x(d), y(s)))
            share = s
        points.append((x(max_days), y(share)))
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in _thin(points))
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        legend.append((f"{c.group} ({c.cases})", colour))
    return _frame(title, desc, body, legend)


def backlog_chart(
    series: Sequence[tuple[dt.date, int | None]], *, title: str, desc: str, x_label: str
) -> SafeString:
    """Cases waiting at the end of each month; suppressed months leave a gap."""
    points = [(d, v) for d, v in series]
    if not points:
        return _frame(title, desc, _axes([], [], x_label), [])
    top = max((v for _, v in points if v is not None), default=1) or 1
    top = _nice_ceiling(top)
    first, last = points[0][0].toordinal(), points[-1][0].toordinal()
    span = max(1, last - first)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(d: dt.date) -> float:
        return LEFT + plot_w * (d.toordinal() - first) / span

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    every = max(1, len(points) // 8)
    x_ticks = [(x(d), f"{d:%Y-%m}") for i, (d, _) in enumerate(points) if i % every == 0]
    y_ticks = [(y(top * k / 4), str(int(top * k / 4))) for k in range(5)]
    body = _axes(x_ticks, y_ticks, x_label)
    run: list[str] = []
    for d, v in points + [(points[-1][0], None)]:
        if v is None:
            if len(run) > 1:
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>'
                )
            run = []
            continue
        run.append(f"{x(d):.1f},{y(v):.1f}")
    return _frame(title, desc, body, [])


def _thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop points closer than half a pixel to the last kept one (100,000 cases, one curve)."""
    kept = [points[0]]
    for p in points[1:-1]:
        if abs(p[0] - kept[-1][0]) >= 0.5 or abs(p[1] - kept[-1][1]) >= 0.5:
            kept.append(p)
    kept.append(points[-1])
    return kept


def _nice_step(span: float) -> int:
    for step in (7, 14, 30, 60, 90, 180, 365, 730):
        if span / step <= 8:
            return step
    return 1461


def _nice_ceiling(value: float) -> int:
    magnitude = 10 ** max(0, len(str(int(value))) - 1)
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * magnitude:
            return int(m * magnitude)
    return int(10 * magnitude)
