"""Briefs: figures from the other modules, suppressed, frozen, traceable, in four languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from panah.advocacy import briefs
from panah.advocacy.models import Brief
from panah.advocacy.rendering import brief_html, brief_pdf_bytes

from .scenario import document_executions

pytestmark = pytest.mark.django_db


@pytest.fixture
def period():
    end = timezone.localdate() - dt.timedelta(days=1)
    return end - dt.timedelta(days=89), end


@pytest.fixture
def executions(org_a, period):
    start, end = period
    before = start - dt.timedelta(days=30)
    with scope(organisation=org_a):
        document_executions(
            org_a, {start + dt.timedelta(days=3): 12, start + dt.timedelta(days=40): 2, before: 8}
        )


def _brief(org_a, coordinator_a, period, **extra) -> Brief:
    start, end = period
    with scope(organisation=org_a):
        return briefs.generate_brief(
            organisation=org_a, by=coordinator_a, title="For the adviser",
            audience="Minister's adviser", start=start, end=end, **extra,
        )  # fmt: skip


def test_a_brief_counts_the_period_and_the_one_before(
    org_a, coordinator_a, executions, period, settings
):
    settings.DISCLOSURE_THRESHOLD = 5
    brief = _brief(org_a, coordinator_a, period)
    ex = brief.figures["executions"]
    assert (ex["current"], ex["previous"]) == (14, 8)
    assert ex["change"] == 75.0
    assert ex["sources"] == 2
    assert brief.disclosure_threshold == 5


def test_a_small_count_is_suppressed_never_shown(
    org_a, coordinator_a, executions, period, settings
):
    settings.DISCLOSURE_THRESHOLD = 5
    brief = _brief(org_a, coordinator_a, period)
    months = {m["key"]: m["value"] for m in brief.figures["executions"]["by_month"]}
    second = (period[0] + dt.timedelta(days=40)).strftime("%Y-%m")
    assert months[second] is None  # 2 people: below the threshold
    with scope(organisation=org_a):
        html = brief_html(brief, "en")
    assert "&lt; 5" in html


def test_a_brief_for_a_period_without_data_is_refused(org_a, coordinator_a):
    with pytest.raises(ValidationError) as exc:
        _brief(org_a, coordinator_a, (dt.date(2001, 1, 1), dt.date(2001, 3, 31)))
    assert "nothing to show" in exc.value.messages[0]
    with scope(organisation=org_a):
        assert not Brief.objects.exists()


def test_a_brief_ending_in_the_future_is_refused(org_a, coordinator_a):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        _brief(org_a, coordinator_a, (today, today + dt.timedelta(days=3)))
    assert "end" in exc.value.message_dict


def test_the_figures_are_frozen_and_traceable(org_a, coordinator_a, executions, period):
    brief = _brief(org_a, coordinator_a, period)
    with scope(organisation=org_a):
        document_executions(org_a, {period[0] + dt.timedelta(days=5): 30})
        brief.refresh_from_db()
        html = brief_html(brief, "fr")
    assert brief.figures["executions"]["current"] == 14  # not 44: the snapshot does not move
    assert briefs.intact(brief)
    assert brief.reference in html
    brief.figures["executions"]["current"] = 99
    assert not briefs.intact(brief)


def test_counts_and_estimates_are_kept_apart(org_a, coordinator_a, executions, period):
    brief = _brief(org_a, coordinator_a, period)
    with scope(organisation=org_a):
        html = brief_html(brief, "en")
    counts = html.index("Documented executions")
    estimate = html.index("Estimate of all executions")
    assert counts < estimate
    assert "whole calendar year" in html[estimate:]  # a 90-day period gets no estimate


def test_the_persian_pdf_is_right_to_left_with_persian_digits(
    org_a, coordinator_a, executions, period
):
    brief = _brief(org_a, coordinator_a, period)
    with scope(organisation=org_a):
        html = brief_html(brief, "fa")
        pdf = brief_pdf_bytes(brief, "fa")
    assert 'dir="rtl"' in html
    assert "۱۴" in html  # 14 in Persian digits
    assert pdf.startswith(b"%PDF-")


def test_the_pdf_loads_nothing_but_the_bundled_font(org_a, coordinator_a, executions, period):
    from panah.advocacy.rendering import _only_the_font

    fetcher = _only_the_font()
    with pytest.raises(ValueError):
        fetcher.fetch("https://fonts.example.com/font.woff2")
