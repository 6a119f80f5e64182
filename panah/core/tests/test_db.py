"""insert_rows: many rows in one statement, read back as the ORM wrote them; never in clear."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.cases.models import CaseNote
from panah.core.db import BULK_CACHE_KIB, bulk_write_cache, insert_rows, run_sql
from panah.evidence.models import LinkageRun


def test_rows_read_back_as_the_orm_reads_them(org_a):
    started = timezone.now().replace(microsecond=0)
    insert_rows(
        LinkageRun,
        ("organisation_id", "started_at", "finished_at", "status", "parameters", "model",
         "report_count", "pair_count", "review_count", "victim_count", "notes", "backend"),
        [
            (org_a.pk, started, None, "finished", {"threshold": 0.8, "band": [0.2, 0.9]}, {},
             12, 3, 1, 9, "first", "duckdb"),
            (org_a.pk, started + dt.timedelta(days=1), started, "failed", [], {"k": "ب"},
             0, 0, 0, 0, "", "spark"),
        ],
    )  # fmt: skip
    with scopes_disabled():
        runs = list(LinkageRun.objects.filter(organisation=org_a).order_by("pk"))
    assert [(r.started_at, r.status, r.parameters, r.report_count) for r in runs] == [
        (started, "finished", {"threshold": 0.8, "band": [0.2, 0.9]}, 12),
        (started + dt.timedelta(days=1), "failed", [], 0),
    ]
    assert runs[1].finished_at == started and runs[1].model == {"k": "ب"}


def test_a_row_a_constraint_refuses_raises_djangos_error_and_none_of_the_rows_is_written(org_a):
    started = timezone.now()
    fields = ("organisation_id", "started_at", "status", "parameters", "model", "report_count",
              "pair_count", "review_count", "victim_count", "notes", "backend")  # fmt: skip
    good = (org_a.pk, started, "finished", {}, {}, 1, 0, 0, 1, "", "duckdb")
    bad = (org_a.pk, started, "guessed", {}, {}, 1, 0, 0, 1, "", "duckdb")
    # On PostgreSQL the rows go by COPY, around Django's cursor: its error still comes out.
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(LinkageRun, fields, [good, bad, good])
    with scopes_disabled():
        assert not LinkageRun.objects.exists()
    insert_rows(LinkageRun, fields, [good])  # the connection is usable afterwards
    with scopes_disabled():
        assert LinkageRun.objects.count() == 1


def test_an_encrypted_field_is_refused_and_nothing_is_written(org_a):
    with pytest.raises(ValueError, match="CaseNote.text"):
        insert_rows(
            CaseNote,
            ("id", "organisation_id", "case_id", "text", "created_at"),
            [(uuid.uuid4(), org_a.pk, uuid.uuid4(), "met today", timezone.now())],
        )
    with scopes_disabled():
        assert not CaseNote.objects.exists()


@pytest.mark.django_db
def test_a_bulk_write_has_a_large_sqlite_cache_and_gives_the_connection_its_own_back():
    if connection.vendor != "sqlite":
        pytest.skip("PRAGMA cache_size is SQLite's")
    before = run_sql("PRAGMA cache_size", [])[0][0]
    with bulk_write_cache():
        assert run_sql("PRAGMA cache_size", [])[0][0] == -BULK_CACHE_KIB
    assert run_sql("PRAGMA cache_size", [])[0][0] == before
    with pytest.raises(ZeroDivisionError), bulk_write_cache():
        1 / 0  # noqa: B018 (a failing bulk write)
    assert run_sql("PRAGMA cache_size", [])[0][0] == before
