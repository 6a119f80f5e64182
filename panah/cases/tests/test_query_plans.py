"""The casework pages read through the right index, whatever the size of the organisation.

On SQLite the plans come from the statistics migration cases/0002 installs: a caseworker's
lists start from their assignments, and a case page reads its rows through the case, never by
walking the organisation's index (which, at 100,000 cases, meant reading all of them). The
plans do not depend on how many rows the test made, so a handful of rows proves them.
PostgreSQL plans from the statistics autovacuum gathers; bench/casework.py shows them at scale.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from panah.cases import services

from .conftest import lodged, refusal

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's"),
]

CASEWORK = ('FROM "cases_', 'JOIN "cases_')


def plans(client, path: str) -> list[tuple[str, list[str]]]:
    """(SQL, the steps of its plan) of every casework SELECT the page runs."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    found = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if sql.startswith("SELECT") and any(t in sql for t in CASEWORK):
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                found.append((sql, [row[3] for row in cursor.fetchall()]))
    return found


@pytest.fixture
def followed(make_case, caseworker_a, today):
    steps = [lodged(today - dt.timedelta(days=100)), refusal(today - dt.timedelta(days=2))]
    return make_case(caseworkers=[caseworker_a], steps=steps)


@pytest.mark.parametrize("name", ["cases:list", "cases:deadlines"])
def test_a_caseworkers_lists_start_from_their_assignments(name, followed, caseworker_a, login_as):
    found = plans(login_as(caseworker_a), reverse(name))
    assert found
    for sql, steps in found:
        assert steps[0].startswith("SEARCH cases_caseassignment USING"), (sql, steps)


def test_the_case_page_reads_its_rows_through_the_case(
    followed, caseworker_a, login_as, org_a, today
):
    with scope(organisation=org_a):
        services.add_note(case=followed, text="Spoke with the lawyer.", by=caseworker_a)
    found = plans(login_as(caseworker_a), reverse("cases:detail", kwargs={"pk": followed.pk}))
    assert len(found) >= 8
    for sql, steps in found:
        if 'FROM "cases_ruletableedit"' in sql:
            continue  # the organisation's own edits of the rule table: a handful of rows
        if sql.startswith('SELECT 1 AS "a" FROM "people_person"'):
            continue  # whether the person's compartment opens their contact details: once a page
        walks = [s for s in steps if s.startswith("SCAN ") or "(organisation_id=?)" in s]
        assert not walks, (sql, steps)


def test_the_waiting_times_read_their_index_alone(followed, coordinator_a, login_as):
    found = plans(login_as(coordinator_a), reverse("cases:statistics"))
    waiting = [(sql, steps) for sql, steps in found if "GROUP_CONCAT" in sql]
    assert len(waiting) == 1
    sql, steps = waiting[0]
    # In the grouping's order, without the table or a sort (cases/0005).
    assert steps == [
        "SEARCH cases_case USING COVERING INDEX case_waiting_columns (organisation_id=?)"
    ]
