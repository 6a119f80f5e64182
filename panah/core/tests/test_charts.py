"""The one chart module: legible on a 390 px phone, suppressed cells never drawn as values."""

import datetime as dt
import re
from types import SimpleNamespace

from panah.core import charts

PHONE = 390 - 2 * 16  # the page's padding on each side


def smallest_text_on_a_phone(svg: str) -> float:
    width = float(re.search(r'viewBox="0 0 (\d+)', svg).group(1))
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    return min(sizes) * PHONE / width


def test_every_chart_is_legible_on_a_phone():
    curve = SimpleNamespace(
        group="first", cases=40, days=(10, 200), still_waiting_share=(0.5, 0.1), withheld=False
    )
    svgs = [
        charts.bar_chart([f"month {i}" for i in range(30)], list(range(30)), title="t", desc="d"),
        charts.survival_chart([curve] * 3, title="t", desc="d", x_label="days"),
        charts.backlog_chart(
            [(dt.date(2024, m, 1), m * 10) for m in range(1, 13)], title="t", desc="d", x_label="x"
        ),
    ]
    for svg in svgs:
        assert smallest_text_on_a_phone(str(svg)) >= 9.5
        assert 'width="' not in str(svg).split(">", 1)[0]  # scales to the screen (CSS)


def test_a_long_series_names_at_most_twelve_categories_and_writes_no_value_over_a_bar():
    svg = str(charts.bar_chart([f"m{i}" for i in range(30)], [5] * 30, title="t", desc="d"))
    assert len(re.findall(r"rotate\(", svg)) <= 12
    assert 'text-anchor="middle">5</text>' not in svg


def test_a_suppressed_cell_is_drawn_as_below_the_threshold():
    svg = str(charts.bar_chart(["a", "b"], [12, None], title="t", desc="d", threshold=5))
    assert "&lt; 5" in svg and ">12</text>" in svg


def test_a_waiting_curve_is_drawn_as_steps_and_thousands_of_tiny_steps_stay_few_points():
    two = SimpleNamespace(
        group="g", cases=4, days=(100, 200), still_waiting_share=(0.5, 0.25), withheld=False
    )
    svg = str(charts.survival_chart([two], title="t", desc="d", x_label="days"))
    points = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    # From 100% at day 0, along to day 100, down to 50%, along to day 200, down to 25%, to the end.
    ys = [float(p.split(",")[1]) for p in points]
    xs = [float(p.split(",")[0]) for p in points]
    assert len(points) == 6 and xs[0] == charts.LEFT and xs[-1] == charts.WIDTH - charts.RIGHT
    assert ys[0] == ys[1] < ys[2] == ys[3] < ys[4] == ys[5]  # SVG: y grows downwards
    many = SimpleNamespace(
        group="g", cases=100_000, days=tuple(range(1, 5001)),
        still_waiting_share=tuple(1 - i / 5001 for i in range(1, 5001)), withheld=False,
    )  # fmt: skip
    svg = str(charts.survival_chart([many], title="t", desc="d", x_label="days"))
    points = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    assert len(points) < 2_000  # 10,002 steps' points on a 480-unit drawing
    assert points[0] == f"{charts.LEFT:.1f},{charts.TOP:.1f}"
