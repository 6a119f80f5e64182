"""The review queue that catches contradictions, and decisions taken in a spreadsheet."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_scopes import scope
from openpyxl import load_workbook

from panah.core.models import AuditEntry
from panah.core.reauth import REAUTH_SESSION_KEY
from panah.evidence import review_sheet
from panah.evidence.linkage import contradictions, prepare_reports
from panah.evidence.linkage_runs import decide_pair, run_linkage
from panah.evidence.models import ReviewDecision, ReviewPair, VictimMembership

from .linking_fixtures import (  # noqa: F401
    _linkage_settings,
    add_reports,
    report,
    researcher,
    starter_model,
)

DAY = "2024-02-01"
# One victim for the model at a low threshold: four reports of "Ali Rahimi" hanged the same day
# in Tehran, two of a man whose father is Hassan (aged 30), two of one whose father is Reza (45).
NAMESAKES = [
    ("Kurdpa", "K-1", "Ali Rahimi", "Hassan", "30"),
    ("Hengaw", "H-1", "علی رحیمی", "حسن", "31"),
    ("Halvash", "V-1", "Ali Rahimi", "Reza", "45"),
    ("HRANA", "R-1", "Ali Rahimy", "Reza", "44"),
]


def add_namesakes(org, by=None):
    for source, ref, name, father, age in NAMESAKES:
        add_reports(
            org, source,
            [dict(source_reference=ref, name_as_written=name, father_name=father, age=age,
                  gender="male", province="Tehran", charge_category="drugs",
                  date_as_written=DAY)],
            by=by,
        )  # fmt: skip


def groups(org) -> set[frozenset[str]]:
    with scope(organisation=org):
        out: dict[int, set[str]] = {}
        for victim_id, ref in VictimMembership.objects.filter(
            victim__retired_at__isnull=True
        ).values_list("victim_id", "report__source_reference"):
            out.setdefault(victim_id, set()).add(ref)
    return {frozenset(v) for v in out.values()}


@pytest.fixture
def one_victim(org_a, researcher):
    add_namesakes(org_a, researcher)
    with scope(organisation=org_a):
        run_linkage(organisation=org_a, threshold=1e-9, review_band=(1e-9, 1.0))
    assert groups(org_a) == {frozenset({"K-1", "H-1", "V-1", "R-1"})}
    return org_a


# --- Contradictions -------------------------------------------------------------------------------


def prepared(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["report_id"] = range(1, len(frame) + 1)
    return prepare_reports(frame, id_column="report_id")


def test_each_kind_of_contradiction_is_found_with_its_reason():
    base = dict(name_as_written="Ali Rahimi", date_as_written=DAY, calendar="gregorian")
    reports = prepared(
        [
            {**base, "father_name": "Hassan", "age": "30", "source": "A"},  # 1
            {**base, "father_name": "Reza", "age": "31", "source": "B"},  # 2: father differs
            {**base, "father_name": "Hasan", "age": "41", "source": "C"},  # 3: father spelt, age
            {**base, "father_name": "Hassan", "age": "30", "source": "A"},  # 4: same source, day
            {**base, "name_as_written": "A. Rahimi", "source": "D"},  # 5: A. = Ali or Akbar
            {**base, "name_as_written": "Akbar Rahimi", "source": "E"},  # 6
        ]
    )
    pairs = pd.DataFrame(
        [(1, 2, 0.95), (1, 3, 0.99), (1, 4, 0.97), (1, 5, 0.5), (2, 3, 0.1)],
        columns=["unique_id_l", "unique_id_r", "match_probability"],
    )
    found = contradictions.find_contradictions(reports, pairs, 0.2)
    reasons = {
        (a, b): r
        for a, b, r in zip(found.unique_id_l, found.unique_id_r, found.reasons, strict=True)
    }
    assert reasons == {
        (1, 2): [contradictions.FATHER],
        (1, 3): [contradictions.AGE],  # Hasan is Hassan misspelt: not a different father
        (1, 4): [contradictions.SAME_SOURCE_DAY],
        (1, 5): [contradictions.AMBIGUOUS_INITIAL],
    }  # (2, 3) scored below the floor: not queued


def test_an_initial_that_fits_one_given_name_only_is_no_contradiction():
    base = dict(date_as_written=DAY, calendar="gregorian")
    reports = prepared(
        [{**base, "name_as_written": "Ali Rahimi"}, {**base, "name_as_written": "A. Rahimi"}]
    )
    pairs = pd.DataFrame([(1, 2, 0.9)], columns=["unique_id_l", "unique_id_r", "match_probability"])
    assert contradictions.find_contradictions(reports, pairs, 0.2).empty


def test_a_contradicted_pair_is_queued_above_the_review_band_with_its_reasons(
    one_victim, researcher, login_as
):
    # The same source reports K-1 twice the same day: the model is sure, the queue asks.
    add_reports(
        one_victim, "Kurdpa",
        [dict(source_reference="K-2", name_as_written="Ali Rahimi", father_name="Hassan",
              age="30", gender="male", province="Tehran", charge_category="drugs",
              date_as_written=DAY)],
        by=researcher,
    )  # fmt: skip
    with scope(organisation=one_victim):
        run_linkage(organisation=one_victim, threshold=0.8, review_band=(1e-9, 0.5))
        queued = {
            (p.report_a.source_reference, p.report_b.source_reference): p
            for p in ReviewPair.objects.select_related("report_a", "report_b")
        }
    twice = queued[("K-1", "K-2")]
    assert twice.probability >= 0.9 and twice.reasons == ["same_source_same_day"]
    assert twice.same_victim and twice.contradicted
    namesakes = queued[("K-1", "V-1")]
    assert namesakes.reasons == ["different_father", "age_apart", "uncertain_score"]
    assert "different father's names" in namesakes.reason_labels
    # The reviewer reads why, on the queue and on the pair's page.
    client = login_as(researcher)
    queue = client.get(reverse("evidence:review_queue")).content.decode()
    assert "Contradiction:" in queue and "two reports of the same source on the same day" in queue
    page = client.get(reverse("evidence:review_pair", args=[namesakes.pk])).content.decode()
    assert "different father&#x27;s names" in page and "ages five years or more apart" in page


# --- A split never moves other reports to the wrong side -----------------------------------------


def test_a_split_of_four_reports_puts_each_with_the_report_it_resembles(one_victim, researcher):
    k1, v1 = report(one_victim, "Kurdpa", "K-1"), report(one_victim, "Halvash", "V-1")
    with scope(organisation=one_victim):
        decide_pair(
            organisation=one_victim, report_a=k1, report_b=v1, decision="non_match",
            reason="The fathers differ in the court records.", by=researcher,
        )  # fmt: skip
    # Before: every report not sharing V-1's name key stayed with K-1 (R-1 and H-1 alike).
    assert groups(one_victim) == {frozenset({"K-1", "H-1"}), frozenset({"V-1", "R-1"})}


# --- The queue as a spreadsheet -------------------------------------------------------------------


@pytest.fixture
def queued(org_a, researcher):
    add_namesakes(org_a, researcher)
    add_reports(
        org_a, "Kurdpa",
        [dict(source_reference="=HYPERLINK(\"http://x\")", name_as_written="Ali Rahimi",
              province="Tehran", date_as_written="2021-06-10", gender="male")],
        by=researcher,
    )  # fmt: skip
    with scope(organisation=org_a):
        run_linkage(organisation=org_a, review_band=(1e-9, 1.0), threshold=0.999999)
        assert ReviewPair.objects.count() >= 6
    return org_a


def sheet_rows(body: bytes, fmt: str) -> list[dict[str, str]]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    book = load_workbook(io.BytesIO(body))
    values = list(book.active.iter_rows(values_only=True))
    return [
        {h: ("" if v is None else str(v)) for h, v in zip(values[0], row, strict=True)}
        for row in values[1:]
    ]


def write_sheet(rows: list[dict[str, str]], fmt: str) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=review_sheet.HEADER)
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(list(review_sheet.HEADER))
    for row in rows:
        book.active.append([row.get(h, "") for h in review_sheet.HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def decide(rows, refs: tuple[str, str], decision: str, reason: str = "checked") -> None:
    for row in rows:
        if {row["reference_a"], row["reference_b"]} == set(refs):
            row["decision"], row["reason"] = decision, reason
            return
    raise AssertionError(f"no row for {refs}")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_queue_goes_out_and_the_decisions_come_back_all_applied(queued, researcher, fmt):
    with scope(organisation=queued):
        rows = sheet_rows(review_sheet.export_queue(queued, fmt, by=researcher), fmt)
        assert len(rows) == ReviewPair.objects.count()
    assert all(row["why"] for row in rows)
    decide(rows, ("K-1", "H-1"), "same", "Same father, same day.")
    decide(rows, ("V-1", "R-1"), "Same")
    decide(rows, ("K-1", "V-1"), "different", "Fathers differ.")
    with scope(organisation=queued):
        result = review_sheet.import_decisions(
            queued, write_sheet(rows, fmt), f"sheet.{fmt}", by=researcher
        )
        assert result.ok and result.decided == 3 and result.skipped == len(rows) - 3
        assert ReviewDecision.objects.filter(superseded_at__isnull=True).count() == 3
        assert AuditEntry.objects.filter(action="evidence.review_decisions_imported").exists()
    after = groups(queued)
    assert frozenset({"K-1", "H-1"}) in after and frozenset({"V-1", "R-1"}) in after


def test_the_exported_sheet_runs_no_formula(queued, researcher):
    with scope(organisation=queued):
        for fmt in ("csv", "xlsx"):
            rows = sheet_rows(review_sheet.export_queue(queued, fmt, by=researcher), fmt)
            refs = {r["reference_a"] for r in rows} | {r["reference_b"] for r in rows}
            assert '\'=HYPERLINK("http://x")' in refs


def test_one_bad_row_applies_nothing_and_every_bad_row_is_named(queued, researcher):
    with scope(organisation=queued):
        rows = sheet_rows(review_sheet.export_queue(queued, "csv", by=researcher), "csv")
    decide(rows, ("K-1", "H-1"), "same")  # row 2..: a valid decision
    decide(rows, ("V-1", "R-1"), "maybe")  # not a decision
    decide(rows, ("K-1", "V-1"), "different", "")  # no reason
    rows.append({**rows[0], "report_a": "999999", "decision": "same", "reason": "x"})
    with scope(organisation=queued):
        before = groups(queued)
        result = review_sheet.import_decisions(
            queued, write_sheet(rows, "csv"), "sheet.csv", by=researcher
        )
        assert not result.ok and result.decided == 0
        messages = " | ".join(m for _n, m in result.errors)
        assert "'maybe'" in messages and "reason" in messages and "999999" in messages
        assert len(result.errors) == 3
        assert all(n >= 2 for n, _m in result.errors)  # spreadsheet row numbers
        assert not ReviewDecision.objects.exists()
    assert groups(queued) == before


def test_contradictory_rows_are_refused_together(queued, researcher):
    with scope(organisation=queued):
        rows = sheet_rows(review_sheet.export_queue(queued, "csv", by=researcher), "csv")
    decide(rows, ("K-1", "H-1"), "same")
    decide(rows, ("H-1", "V-1"), "same")
    decide(rows, ("K-1", "V-1"), "different")  # contradicts the two matches above
    with scope(organisation=queued):
        result = review_sheet.import_decisions(
            queued, write_sheet(rows, "csv"), "sheet.csv", by=researcher
        )
        assert not result.ok and "Confirmed matches" in result.errors[0][1]
        assert not ReviewDecision.objects.exists()


def test_a_dry_run_checks_every_row_and_changes_nothing(queued, researcher):
    with scope(organisation=queued):
        rows = sheet_rows(review_sheet.export_queue(queued, "csv", by=researcher), "csv")
        decide(rows, ("K-1", "V-1"), "different")
        before = groups(queued)
        result = review_sheet.import_decisions(
            queued, write_sheet(rows, "csv"), "sheet.csv", by=researcher, dry_run=True
        )
        assert result.ok and result.checked == 1 and result.decided == 0
        assert not ReviewDecision.objects.exists()
    assert groups(queued) == before


def test_the_command_exports_and_imports(queued, researcher, tmp_path):
    path = tmp_path / "queue.xlsx"
    call_command("evidence", "review", "export", "--output", str(path))
    rows = sheet_rows(path.read_bytes(), "xlsx")
    decide(rows, ("K-1", "V-1"), "different", "Fathers differ.")
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(write_sheet(rows, "xlsx"))
    out = io.StringIO()
    call_command("evidence", "review", "import", str(filled), "--by", researcher.email, stdout=out)
    assert "1 decisions applied" in out.getvalue()
    assert not any({"K-1", "V-1"} <= g for g in groups(queued))
    rows[0]["decision"] = "perhaps"
    filled.write_bytes(write_sheet(rows, "xlsx"))
    with pytest.raises(CommandError, match="Nothing applied"):
        call_command("evidence", "review", "import", str(filled), "--by", researcher.email)


def reauthenticated(client):
    import time

    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    return client


def test_the_page_downloads_the_sheet_and_takes_it_back(queued, researcher, login_as):
    client = reauthenticated(login_as(researcher))
    response = client.get(reverse("evidence:review_export") + "?fmt=csv")
    assert response.status_code == 200
    rows = sheet_rows(response.content, "csv")
    decide(rows, ("K-1", "V-1"), "different", "Fathers differ.")
    upload = io.BytesIO(write_sheet(rows, "csv"))
    upload.name = "filled.csv"
    response = client.post(reverse("evidence:review_import"), {"sheet": upload})
    assert response.status_code == 302
    assert not any({"K-1", "V-1"} <= g for g in groups(queued))
    decide(rows, ("K-1", "H-1"), "sometimes")
    upload = io.BytesIO(write_sheet(rows, "csv"))
    upload.name = "filled.csv"
    response = client.post(reverse("evidence:review_import"), {"sheet": upload})
    assert response.status_code == 400
    assert "sometimes" in response.content.decode()


def test_the_download_needs_a_recent_reauthentication(queued, researcher, login_as):
    response = login_as(researcher).get(reverse("evidence:review_export") + "?fmt=xlsx")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:reauthenticate"))
