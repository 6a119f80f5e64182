"""Bar charts of documented counts, drawn on the server as SVG (no script, no library).

The chart is an <svg role="img"> with a <title> and <desc>; the page shows the same figures in
a table, which is what a screen reader reads. Colours are presentation attributes (the strict
CSP forbids style attributes). Time runs left to right in every language, so the SVG keeps
direction="ltr" inside a right-to-left page. A suppressed cell (None) is drawn as a short
hatched stub labelled "< k", never as its value.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#0072B2"  # Okabe–Ito blue
SUPPRESSED = "#9aa0a6"
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 24, 56


def _nice_ceiling(value: int) -> int:
    if value <= 5:
        return 5
    for step in (1, 2, 2.5, 5):
        magnitude = 10 ** (len(str(int(value))) - 1)
        ceiling = int(step * magnitude)
        if ceiling >= value:
            return ceiling
    return 10 * 10 ** (len(str(int(value))) - 1)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[int | None],
    *,
    title: str,
    desc: str,
    threshold: int | None = None,
) -> SafeString:
    """Vertical bars, one per label; None values are suppressed cells (shown as '< threshold')."""
    n = max(1, len(labels))
    top = _nice_ceiling(max([v for v in values if v is not None] or [threshold or 1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_h
    slot = plot_w / n
    bar_w = max(2.0, slot * 0.7)
    parts = [
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#4a4a4a"/>',
    ]
    steps = 4 if top % 4 == 0 else 5
    for i in range(steps + 1):
        tick = top * i / steps
        y = bottom - plot_h * i / steps
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e3e5e8"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{tick:,.0f}</text>"
        )
    rotate = n > 8
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + slot * i + (slot - bar_w) / 2
        centre = x + bar_w / 2
        if value is None:
            h = max(2.0, plot_h * (threshold or 1) / top / 2)
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{SUPPRESSED}"/>'
                f'<text x="{centre:.1f}" y="{bottom - h - 4:.1f}" font-size="10" '
                f'text-anchor="middle">&lt; {int(threshold or 0)}</text>'
            )
        else:
            h = plot_h * value / top
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{BAR}"><title>{escape(label)}: {value:,}</title></rect>'
            )
            if n <= 24:
                parts.append(
                    f'<text x="{centre:.1f}" y="{bottom - h - 4:.1f}" font-size="10" '
                    f'text-anchor="middle">{value:,}</text>'
                )
        short = escape(label if len(label) <= 14 else label[:13] + "…")
        if rotate:
            parts.append(
                f'<text x="{centre:.1f}" y="{bottom + 12}" font-size="10" text-anchor="end" '
                f'transform="rotate(-40 {centre:.1f} {bottom + 12})">{short}</text>'
            )
        else:
            parts.append(
                f'<text x="{centre:.1f}" y="{bottom + 16}" font-size="11" '
                f'text-anchor="middle">{short}</text>'
            )
    return mark_safe(  # noqa: S308 (every text inside is escaped above)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="chart" direction="ltr" width="{WIDTH}" height="{HEIGHT}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        + "".join(parts)
        + "</svg>"
    )
