"""Documented counts, their definitions, sources' coverage, estimates and disclosure control."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from django_scopes import scope

from panah.evidence.estimation.cli import linkage_text
from panah.evidence.models import LinkageRun, Report, Source, Victim, VictimMembership
from panah.evidence.statistics import (
    Scope,
    Statistics,
    estimate_sentence,
    jalali_month_span,
    percentage_change,
    protect_table,
)

from .linking_fixtures import _linkage_settings, starter_model  # noqa: F401

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def world(org_a):
    """Victims placed by hand: what each source documented, when, where."""
    with scope(organisation=org_a):
        run = LinkageRun.objects.create(
            organisation=org_a, status="finished", finished_at=timezone.now()
        )
        sources = {
            n: Source.objects.create(organisation=org_a, name=n, kind="ngo")
            for n in ("IHR", "HRANA", "Hengaw")
        }
        counter = iter(range(1, 10_000))

        def victim(start, end=None, sources_=("IHR",), **values):
            v = Victim.objects.create(
                organisation=org_a, created_by_run=run, date_start=start, date_end=end or start,
                date_precision="day" if start and (end or start) == start else "month",
                name=values.pop("name", "Someone"), **values,
            )  # fmt: skip
            for s in sources_:
                r = Report.objects.create(
                    organisation=org_a, source=sources[s], source_reference=f"R{next(counter)}"
                )
                VictimMembership.objects.create(organisation=org_a, victim=v, report=r)
            return v

        for _ in range(10):
            victim(D(2022, 5, 1), sources_=("IHR", "HRANA"), province="Tehran")
        for _ in range(15):
            victim(D(2023, 1, 10), sources_=("IHR",), province="Tehran", charge_category="drugs")
        for _ in range(3):
            victim(D(2023, 7, 1), sources_=("HRANA",), province="Kurdistan", gender="female",
                   verification="confirmed")  # fmt: skip
        # "Dey 1402": 22 Dec 2023 – 20 Jan 2024, so not countable in either Gregorian year.
        victim(D(2023, 12, 22), D(2024, 1, 20), sources_=("Hengaw", "IHR"))
        victim(None, None, sources_=("Hengaw",), name="")  # no date, no name
        Victim.objects.create(
            organisation=org_a,
            date_start=D(2023, 1, 1),
            date_end=D(2023, 1, 1),
            retired_at=timezone.now(),
        )  # fmt: skip  (retired: never counted)
    return org_a


def stats(org, **scope_values) -> Statistics:
    with scope(organisation=org):
        return Statistics(org, Scope(**scope_values))


def test_yearly_counts_are_minimums_with_the_change_on_the_year_before(world):
    table = stats(world).yearly()
    # The Dey 1402 victim may fall in 2024, but no execution of 2024 was collected yet: 2024
    # is no row (it was shown as 0, "-100 %").
    assert [(r.key, r.value, r.imprecise) for r in table.rows] == [
        ("2022", 10, 0), ("2023", 18, 1),
    ]  # fmt: skip
    # 2023 is still open on 22 December: 18 against a whole 2022 would invent a change.
    assert [r.change for r in table.rows] == [None, None]
    assert [r.partial for r in table.rows] == [False, True]
    assert table.data_as_of == D(2023, 12, 22)
    assert table.undated == 1
    assert "at least N" in table.method and "linkage run" in table.method
    assert "1 January to 31 December" in table.period_definition


def test_gregorian_months_count_only_dates_inside_the_month(world):
    table = stats(world).monthly(2023)
    values = {r.key: (r.value, r.imprecise) for r in table.rows}
    assert values["2023-01"] == (15, 0)
    assert values["2023-07"] == (3, 0)
    assert values["2023-12"] == (0, 1)
    assert table.rows[0].label == "January 2023"


def test_persian_months_have_their_gregorian_days_and_take_a_dey_only_date(world):
    assert jalali_month_span(1402, 10) == (D(2023, 12, 22), D(2024, 1, 20))
    assert jalali_month_span(1402, 12) == (D(2024, 2, 20), D(2024, 3, 19))  # 1402 is not leap
    table = stats(world).jalali_monthly(1402)
    dey = next(r for r in table.rows if r.key == "1402/10")
    assert (dey.value, dey.imprecise) == (1, 0)
    assert dey.label.startswith("Dey 1402 (دی)")


def test_breakdowns_label_unknowns_and_stay_within_the_year(world):
    by_province = stats(world).breakdown("province", year=2023)
    assert [(r.label, r.value) for r in by_province.rows] == [("Tehran", 15), ("Kurdistan", 3)]
    by_gender = stats(world).breakdown("gender", year=2023)
    assert {r.label: r.value for r in by_gender.rows} == {"Unknown": 15, "Female": 3}
    assert by_province.undated == 12  # the other years, the imprecise and the undated ones


def test_the_scope_counts_confirmed_or_named_victims_only(world):
    assert stats(world, verification="confirmed").yearly().values == {"2023": 3}
    assert len(stats(world, named_only=True).facts) == 29
    assert "identified by name only" in stats(world, named_only=True).method()


def test_coverage_gives_each_sources_share_and_the_overlap_between_sources(world):
    coverage = stats(world).coverage()
    by_source = {s["source"]: s for s in coverage["sources"]}
    assert coverage["total"] == 30
    assert by_source["IHR"]["documented"] == 26 and by_source["IHR"]["only_this_source"] == 15
    names = coverage["names"]
    assert coverage["overlap"][names.index("HRANA")][names.index("IHR")] == 10


def test_the_capture_table_and_the_estimate_are_built_from_the_linked_victims(world):
    s = stats(world)
    table = s.capture_table()
    assert table.lists == ("HRANA", "Hengaw", "IHR") and table.observed == 30
    summary = s.estimate(methods=("loglinear",))
    assert summary.documented == 30 and summary.estimates
    assert summary.sentence().startswith("estimated: about ")
    assert "interval" in summary.sentence() and "method" in summary.sentence()


def test_an_estimate_needs_two_sources(org_a):
    with scope(organisation=org_a), pytest.raises(ValueError, match="at least two sources"):
        Statistics(org_a).estimate()


def test_estimate_sentences_say_about_the_interval_and_the_method():
    e = {"estimate": 1234.4, "low": 1100.2, "high": None, "level": 0.95, "name": "LCMCR"}
    assert estimate_sentence(e) == (
        "estimated: about 1,234 (95% interval 1,100–unbounded), method LCMCR"
    )


def test_estimate_sentences_group_thousands_as_the_reader_does():
    # "1,234" reads as one and a bit to a French reader.
    e = {"estimate": 1234.4, "low": 1100.2, "high": 1502.0, "level": 0.95, "name": "LCMCR"}
    linkage = {
        "draws": 20,
        "uncertain_links": 1881,
        "documented_low": 1548,
        "documented_high": 1559,
    }
    with translation.override("fr"):
        assert "1\xa0234" in estimate_sentence(e) and "1\xa0100–1\xa0502" in estimate_sentence(e)
        assert "1\xa0881" in linkage_text(linkage) and "1,548" not in linkage_text(linkage)
    with translation.override("nl"):
        assert "1.234" in estimate_sentence(e)
    with translation.override("fa"):
        # Django's Persian format groups no digits: the comma shown before is kept.
        assert "1,234" in estimate_sentence(e)


def test_percentage_change_is_undefined_from_zero():
    assert percentage_change(0, 5) is None
    assert percentage_change(834, 975) == 16.9


def test_published_cells_below_the_threshold_are_suppressed_with_their_changes(world):
    protected = protect_table(stats(world).monthly(2023).as_dict(), 5)
    rows = {r["key"]: r for r in protected["rows"]}
    # July's 3 is hidden; January's 15 too, or the total would give July away. Zeros stay.
    assert rows["2023-07"]["value"] is None and rows["2023-01"]["value"] is None
    assert rows["2023-03"]["value"] == 0
    assert rows["2023-08"]["change"] is None  # beside a hidden count
    assert rows["2023-12"]["imprecise"] is None  # 1 < 5
    assert protected["threshold"] == 5
    yearly = protect_table(stats(world).yearly().as_dict(), 5)
    assert [r["value"] for r in yearly["rows"]] == [10, 18]
    assert [r["change"] for r in yearly["rows"]] == [None, None]


def test_a_small_year_is_hidden_without_hiding_another_year():
    rows = [
        {"key": "2018", "value": 2, "imprecise": 0, "change": None},
        {"key": "2019", "value": 300, "imprecise": 0, "change": 14900.0},
        {"key": "2020", "value": 280, "imprecise": 0, "change": -6.7},
    ]
    protected = protect_table({"kind": "year", "rows": rows, "total": 582, "undated": 0}, 5)
    assert [r["value"] for r in protected["rows"]] == [None, 300, 280]
    assert [r["change"] for r in protected["rows"]] == [None, None, -6.7]


def test_periods_after_the_data_are_not_rows_and_the_open_one_has_no_change(world):
    table = stats(world).monthly(2023)
    assert [r.key for r in table.rows][-1] == "2023-12"  # the data runs to 22 December
    december = table.rows[-1]
    assert december.partial and december.change is None
    assert not any(r.partial for r in table.rows[:-1])
    assert any("2023-12-22" in note for note in table.notes)
    assert stats(world).monthly(2024).rows == []  # not collected: no twelve zeros
    jalali = stats(world).jalali_monthly(1402)
    assert [r.key for r in jalali.rows][-1] == "1402/10"  # Dey holds 22 December


def test_a_change_needs_both_periods_at_the_disclosure_threshold():
    assert percentage_change(2, 612, threshold=5) is None  # was "+30500 %"
    assert percentage_change(40, 0, threshold=5) is None  # was "-100 %"
    assert percentage_change(4, 40, threshold=5) is None
    assert percentage_change(5, 10, threshold=5) == 100.0
    assert percentage_change(10, 5, threshold=5) == -50.0
    assert percentage_change(None, 10, threshold=5) is None


def _facts(counts: dict[int, int]) -> list:
    from panah.evidence.statistics import Facts

    ids = iter(range(1, 100_000))
    return [
        Facts(next(ids), True, D(year, 6, 1), D(year, 6, 1), "", "", "", "", "", "", frozenset())
        for year, n in counts.items()
        for _ in range(n)
    ]


def test_a_yearly_change_is_shown_only_between_whole_years_above_the_threshold(org_a):
    facts = _facts({2018: 2, 2019: 612, 2020: 500, 2021: 530})
    with scope(organisation=org_a):
        table = Statistics(org_a, facts=facts, threshold=5).yearly()
    assert [(r.key, r.value, r.change) for r in table.rows] == [
        ("2018", 2, None),
        ("2019", 612, None),
        ("2020", 500, -18.3),
        ("2021", 530, None),
    ]  # fmt: skip  (2021 holds the last day, 1 June: incomplete, no change)
    with scope(organisation=org_a):
        high = Statistics(org_a, facts=facts, threshold=600).yearly()
    assert [r.change for r in high.rows] == [None, None, None, None]
    assert protect_table(high.as_dict(), 600)["rows"][2]["change"] is None


def test_the_page_and_the_downloads_show_no_period_after_the_data_and_no_invented_change(
    world, make_member, login_as
):
    import csv
    import io

    from django.urls import reverse

    from panah.core.models import Role

    from .test_review import reauthenticated

    researcher = make_member(world, [Role.RESEARCHER], email="researcher-counts@example.org")
    client = reauthenticated(login_as(researcher))
    page = client.get(reverse("evidence:statistics"), {"year": 2023}).content.decode()
    assert "incomplete: the data ends inside it" in page  # December 2023 and 2023 itself
    assert "-100" not in page and '<th scope="row">2024' not in page
    body = client.get(reverse("evidence:statistics_download"), {"year": 2023, "fmt": "csv"})
    rows = list(csv.DictReader(io.StringIO(body.content.decode())))
    yearly = [r for r in rows if r["table"] == "Executions documented per year"]
    assert [r["key"] for r in yearly] == ["2022", "2023"]
    assert yearly[1]["period_incomplete"] == "yes" and yearly[1]["change_percent"] == ""
    assert {r["data_as_of"] for r in rows} == {"2023-12-22"}
    assert not any(r["change_percent"].startswith("-100") for r in rows)
