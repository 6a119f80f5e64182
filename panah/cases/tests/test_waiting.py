"""Waiting times count the people still waiting (Kaplan–Meier), not only the finished cases."""

import datetime as dt

import pytest

from panah.cases.waiting import Spell, backlog, curves_by, kaplan_meier, month_ends

D = dt.date


def test_cases_still_waiting_lengthen_the_median_instead_of_vanishing():
    as_of = D(2025, 1, 1)
    start = D(2024, 1, 1)
    finished = [Spell(start, start + dt.timedelta(days=d)) for d in (30, 60, 90)]
    waiting = [Spell(start, None) for _ in range(3)]
    naive = sum(30 * (i + 1) for i in range(3)) / 3  # 60 days: the average of finished cases only
    curve = kaplan_meier(finished + waiting, as_of)
    assert curve.cases == 6 and curve.finished == 3 and curve.still_waiting == 3
    # Half the people are still waiting after 90 days, a year on: the median is not reached.
    assert curve.median_days is None
    assert curve.share_waiting_after(90) == pytest.approx(0.5)
    assert naive == 60


def test_the_median_is_read_off_the_curve():
    start = D(2024, 1, 1)
    spells = [Spell(start, start + dt.timedelta(days=d)) for d in (10, 20, 30, 40, 50)]
    curve = kaplan_meier(spells, D(2025, 1, 1))
    assert curve.median_days == 30
    assert curve.share_waiting_after(25) == pytest.approx(0.6)


def test_a_decision_after_the_as_of_date_counts_as_still_waiting():
    spells = [Spell(D(2024, 1, 1), D(2024, 12, 1))]
    curve = kaplan_meier(spells, D(2024, 6, 1))
    assert (curve.finished, curve.still_waiting) == (0, 1)


def test_small_groups_are_withheld_from_publication(settings):
    settings.DISCLOSURE_THRESHOLD = 5
    start = D(2024, 1, 1)
    spells = [Spell(start, start + dt.timedelta(days=10 * i), "IR") for i in range(1, 7)]
    spells += [Spell(start, None, "AF") for _ in range(2)]
    published = {c.group: c for c in curves_by(spells, D(2025, 1, 1), for_publication=True)}
    assert published["AF"].withheld and published["AF"].cases == 0
    assert not published["IR"].withheld and published["IR"].cases == 6
    internal = {c.group: c for c in curves_by(spells, D(2025, 1, 1))}
    assert internal["AF"].cases == 2


def test_backlog_counts_cases_waiting_at_each_month_end():
    spells = [
        Spell(D(2024, 1, 10), D(2024, 3, 5)),
        Spell(D(2024, 2, 1), None),
        Spell(D(2024, 3, 31), None),
    ]
    ends = month_ends(D(2024, 1, 1), D(2024, 3, 1))
    assert ends == [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31)]
    assert backlog(spells, ends) == [(D(2024, 1, 31), 1), (D(2024, 2, 29), 2), (D(2024, 3, 31), 2)]


def _statsmodels_curve(durations, finished):
    """The curve as the page drew it before numpy counted it: statsmodels' SurvfuncRight."""
    import warnings  # noqa: PLC0415 (the reference is only this test's)

    import numpy as np  # noqa: PLC0415 (the reference is only this test's)
    from statsmodels.duration.survfunc import SurvfuncRight  # noqa: PLC0415 (ditto)

    sf = SurvfuncRight(durations, finished)
    below = np.nonzero(sf.surv_prob <= 0.5)[0]
    median = low = high = None
    if len(below):
        median = float(sf.surv_times[below[0]])
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            lb, ub = sf.quantile_ci(0.5)
        low = None if np.isnan(lb) else float(lb)
        high = None if np.isnan(ub) or np.isinf(ub) else float(ub)  # open: None, as ours
    return (
        tuple(sf.surv_times.astype(int).tolist()),
        tuple(sf.surv_prob.astype(float).tolist()),
        median,
        low,
        high,
    )


@pytest.mark.parametrize(("groups", "longest"), [(4, 900), (300, 4000)])
def test_the_curves_are_statsmodels_kaplan_meier_to_the_last_bit(groups, longest):
    # Ties, cases still waiting, groups whose curve reaches zero (every case decided), and
    # (300 groups over eleven years) the path that counts each group alone.
    import numpy as np  # noqa: PLC0415 (only this test draws random spells)

    rng = np.random.default_rng(17)
    as_of = D(2026, 1, 1)
    spells = []
    for i in range(groups * 40):
        start = as_of - dt.timedelta(days=int(rng.integers(0, longest)))
        wait = int(rng.integers(0, longest))
        all_decided = i % groups == 0
        end = start + dt.timedelta(days=wait) if all_decided or rng.random() < 0.7 else None
        spells.append(Spell(start, end, i % groups))
    curves = curves_by(spells, as_of)
    assert len(curves) == groups
    for curve in curves:
        mine = [s for s in spells if s.group == curve.group]
        durations = np.array(
            [max(0, ((s.end if s.end and s.end <= as_of else as_of) - s.start).days) for s in mine],
            dtype=float,
        )
        finished = np.array([s.end is not None and s.end <= as_of for s in mine], dtype=float)
        expected = _statsmodels_curve(durations, finished)
        got = (
            curve.days,
            curve.still_waiting_share,
            curve.median_days,
            curve.median_low,
            curve.median_high,
        )
        assert got == expected


def test_an_interval_open_at_the_top_reads_as_open_not_as_infinity():
    """Six of nine cases decided: the median is reached, its 95% interval has no upper end.
    The table writes "…" (it printed "inf"); the export leaves the cell empty."""
    from django.template.loader import render_to_string  # noqa: PLC0415 (this test only)

    start = D(2025, 1, 1)
    spells = [Spell(start, start + dt.timedelta(days=w), "g") for w in (10, 20, 30, 40, 50, 60)]
    spells += [Spell(start, None, "g")] * 3
    (curve,) = curves_by(spells, D(2026, 1, 1))
    assert (curve.median_days, curve.median_low, curve.median_high) == (50.0, 10.0, None)
    html = render_to_string("cases/_curve_table.html", {"curves": [curve]})
    assert "50 (10–…)" in html and "inf" not in html
