"""Victims, their export, and the invariants the database keeps for evidence records."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from panah.core.models import AuditEntry
from panah.evidence import services
from panah.evidence.models import (
    LinkageRun,
    MergeSplitEvent,
    Report,
    ReviewDecision,
    Victim,
    VictimMembership,
)

pytestmark = pytest.mark.django_db


def report(source, reference: str, **fields) -> Report:
    return Report.objects.create(
        organisation=source.organisation, source=source, source_reference=reference, **fields
    )


@pytest.fixture
def linked(source_a, in_org_a):
    """Two current victims (one with two reports) and one retired by a later run."""
    other = services.create_source(organisation=in_org_a, name="HRANA", kind="ngo")
    run = LinkageRun.objects.create(organisation=in_org_a, status="finished")
    first = Victim.objects.create(
        organisation=in_org_a, created_by_run=run, name="Mohammad Hosseini", age=34,
        date_start=dt.date(2024, 1, 1), date_end=dt.date(2024, 1, 1), date_precision="day",
        charge_category="drugs", identity_confirmed=True,
    )  # fmt: skip
    second = Victim.objects.create(organisation=in_org_a, created_by_run=run, name="=HYPERLINK(1)")
    retired = Victim.objects.create(
        organisation=in_org_a, name="Old cluster", retired_at=timezone.now(), retired_by_run=run
    )
    reports = [
        report(source_a, "IHR-1"),
        report(other, "HR-9"),
        report(source_a, "IHR-2"),
    ]
    for victim, r in ((first, reports[0]), (first, reports[1]), (second, reports[2]),
                      (retired, reports[2])):  # fmt: skip
        VictimMembership.objects.create(organisation=in_org_a, victim=victim, report=r, run=run)
    return first, second


def test_export_writes_current_victims_with_the_references_of_their_reports(linked, in_org_a):
    first, second = linked
    out = io.StringIO()
    count = services.export_victims(organisation=in_org_a, stream=out)

    assert count == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["victim_id"] for r in rows] == [str(first.pk), str(second.pk)]
    assert rows[0]["name"] == "Mohammad Hosseini"
    assert (rows[0]["age"], rows[0]["date_start"], rows[0]["charge_category"]) == (
        "34", "2024-01-01", "drugs",
    )  # fmt: skip
    assert rows[0]["identity_confirmed"] == "yes"
    assert rows[0]["report_count"] == "2"
    assert json.loads(rows[0]["source_references"]) == [["HRANA", "HR-9"],
                                                        ["Iran Human Rights", "IHR-1"]]  # fmt: skip
    # A cell a spreadsheet would run as a formula is defused.
    assert rows[1]["name"] == "'=HYPERLINK(1)"
    entry = AuditEntry.objects.get(action="evidence.victims_exported")
    assert entry.data == {"victims": 2, "format": "csv"}


def test_the_export_command_writes_csv_or_json(linked, org_a, tmp_path):
    target = tmp_path / "victims.csv"
    call_command("evidence", "export", "victims", "--output", str(target), stderr=io.StringIO())
    assert target.read_text().splitlines()[0].startswith("victim_id,name,father_name,age")

    out = io.StringIO()
    call_command("evidence", "export", "victims", "--format", "json", stdout=out)
    items = json.loads(out.getvalue())
    assert [i["report_count"] for i in items] == [2, 1]
    assert items[1]["name"] == "=HYPERLINK(1)"  # JSON is data, not a spreadsheet


def test_export_of_an_organisation_without_victims_writes_only_the_header(in_org_a):
    out = io.StringIO()
    assert services.export_victims(organisation=in_org_a, stream=out) == 0
    assert out.getvalue().strip() == ",".join(services.EXPORT_COLUMNS)


def test_a_reference_is_unique_per_source_but_not_across_sources(source_a, in_org_a):
    other = services.create_source(organisation=in_org_a, name="HRANA", kind="ngo")
    report(source_a, "X-1")
    report(other, "X-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        report(source_a, "X-1")


@pytest.mark.parametrize(
    "fields",
    [
        {
            "date_start": dt.date(2024, 1, 2),
            "date_end": dt.date(2024, 1, 1),
            "date_precision": "day",
        },
        {"date_start": dt.date(2024, 1, 1), "date_end": dt.date(2024, 1, 1)},  # precision unknown
        {"date_precision": "day"},  # a precision without dates
        {"gender": "other"},
        {"verification": "probable"},
        {"age": 300},
        {"source_reference": ""},
    ],
)
def test_the_database_refuses_an_inconsistent_report(source_a, fields):
    reference = fields.pop("source_reference", "R-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        report(source_a, reference, **fields)


def test_a_review_decision_names_its_pair_once_and_needs_a_reason(source_a, in_org_a, researcher_a):
    a, b = report(source_a, "A"), report(source_a, "B")

    def decide(first, second, reason="Same father, same date.", **extra):
        return ReviewDecision.objects.create(
            organisation=in_org_a, report_a=first, report_b=second, decision="match",
            reason=reason, decided_by=researcher_a, **extra,
        )  # fmt: skip

    with pytest.raises(IntegrityError), transaction.atomic():
        decide(b, a)  # the pair is stored in one order only
    with pytest.raises(IntegrityError), transaction.atomic():
        decide(a, b, reason="")
    first = decide(a, b)
    with pytest.raises(IntegrityError), transaction.atomic():
        decide(a, b)  # one current decision per pair
    first.superseded_at = timezone.now()
    first.save(update_fields=["superseded_at"])
    later = decide(a, b, reason="Different fathers after all.")
    first.superseded_by = later
    first.save(update_fields=["superseded_by"])
    assert list(ReviewDecision.objects.filter(superseded_at__isnull=True)) == [later]
    assert MergeSplitEvent.objects.count() == 0


def test_the_estimate_subcommand_is_delegated_to_the_estimation_package(tmp_path):
    captures = tmp_path / "captures.csv"
    captures.write_text("A,B,count\n1,0,60\n0,1,50\n1,1,20\n")
    out = io.StringIO()
    call_command("evidence", "estimate", "--captures", str(captures), "--format", "json",
                 "--methods", "loglinear", stdout=out)  # fmt: skip
    report = json.loads(out.getvalue())
    assert (report["observed"], report["documented"]) == (130, "at least 130")
