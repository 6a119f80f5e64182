"""Linking an organisation's reports into victims, and people's decisions on the result."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import datetime as dt
import gc

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django_scopes import scope

from panah.core.models import AuditEntry
from panah.evidence import linkage_runs
from panah.evidence.linkage_runs import canonical_record, decide_pair, run_linkage
from panah.evidence.models import (
    LinkageRun,
    MergeSplitEvent,
    ReviewDecision,
    ReviewPair,
    Victim,
    VictimMembership,
)

from .linking_fixtures import (  # noqa: F401
    _linkage_settings,
    add_reports,
    report,
    researcher,
    starter_model,
)

pytestmark = pytest.mark.django_db

PERSIAN = [
    dict(source_reference="P-1", name_as_written="محمد حسینی", father_name="علی", age="34",
         gender="مرد", province="تهران", charge_category="drugs", date_as_written="1402/10/11",
         calendar="jalali", verification="confirmed"),
    dict(source_reference="P-2", name_as_written="غلامرضا قاسمی", gender="مرد",
         province="سیستان و بلوچستان", charge_category="murder", date_as_written="1402/10/18",
         calendar="jalali"),
    dict(source_reference="P-3", name_as_written="زهرا محمدی", gender="زن", province="کرمانشاه",
         charge_category="drugs", date_as_written="1402/11/05", calendar="jalali"),
]  # fmt: skip
ENGLISH = [
    dict(source_reference="E-1", name_as_written="Mohammad Hosseini", father_name="Ali", age="34",
         gender="male", province="Tehran", charge_category="drugs", date_as_written="2024-01-01"),
    dict(source_reference="E-2", name_as_written="Gholamreza Ghasemi", gender="male",
         province="Sistan and Baluchestan", charge_category="murder", date_as_written="2024-01-08"),
    dict(source_reference="E-3", name_as_written="Reza Karimi", gender="male", province="Isfahan",
         charge_category="drugs", date_as_written="2023-06-10"),
]  # fmt: skip
MIXED = [
    dict(source_reference="M-1", name_as_written="Mohamad Hoseini", gender="male",
         province="Tehran", charge_category="drugs", date_as_written="11 Dey 1402"),
    dict(source_reference="M-2", name_as_written="Ali Rezaei", gender="male", province="Fars",
         charge_category="murder", date_as_written="2022-03-03"),
    dict(source_reference="M-3", name_as_written="Hamid Noori", gender="male", province="Fars",
         charge_category="murder", date_as_written="2022-05-03", verification="excluded"),
]  # fmt: skip


@pytest.fixture
def three_sources(org_a, researcher):
    add_reports(org_a, "Persian", PERSIAN, by=researcher)
    add_reports(org_a, "English", ENGLISH, by=researcher)
    add_reports(org_a, "Mixed", MIXED, by=researcher)
    return org_a


def groups(org) -> set[frozenset[str]]:
    """The current victims as sets of source references."""
    with scope(organisation=org):
        out: dict[int, set[str]] = {}
        for victim_id, ref in VictimMembership.objects.filter(
            victim__retired_at__isnull=True
        ).values_list("victim_id", "report__source_reference"):
            out.setdefault(victim_id, set()).add(ref)
    return {frozenset(v) for v in out.values()}


def link(org, by=None) -> LinkageRun:
    with scope(organisation=org):
        return run_linkage(organisation=org, by=by)


# --- Running the linkage ---------------------------------------------------------------------------


def test_a_run_links_persian_and_latin_reports_of_one_person_into_one_victim(
    three_sources, researcher
):
    run = link(three_sources, researcher)
    assert run.status == "finished"
    assert groups(three_sources) == {
        frozenset({"P-1", "E-1", "M-1"}),
        frozenset({"P-2", "E-2"}),
        frozenset({"P-3"}),
        frozenset({"E-3"}),
        frozenset({"M-2"}),
    }
    assert (run.report_count, run.victim_count) == (8, 5)
    assert "starter model" in run.notes
    assert run.model["link_type"] == "dedupe_only"


def test_excluded_reports_are_not_linked(three_sources):
    link(three_sources)
    assert not any("M-3" in g for g in groups(three_sources))


def test_each_victim_keeps_provenance_to_its_run_and_a_canonical_record(three_sources, researcher):
    run = link(three_sources, researcher)
    with scope(organisation=three_sources):
        victim = VictimMembership.objects.get(report__source_reference="E-1").victim
        assert victim.created_by_run == run
        assert victim.province == "Tehran"  # the same for تهران and Tehran
        assert victim.verification == "confirmed"  # P-1 is confirmed
        assert (victim.date_start, victim.date_precision) == (dt.date(2024, 1, 1), "day")
        event = MergeSplitEvent.objects.get(kind="linkage", run=run)
        assert event.by == researcher and len(event.victims_after) == 5


def test_a_second_run_keeps_unchanged_victims_and_their_ids(three_sources):
    link(three_sources)
    with scope(organisation=three_sources):
        before = set(Victim.objects.filter(retired_at__isnull=True).values_list("pk", flat=True))
    second = link(three_sources)
    with scope(organisation=three_sources):
        after = set(Victim.objects.filter(retired_at__isnull=True).values_list("pk", flat=True))
        assert not MergeSplitEvent.objects.filter(run=second).exists()
    assert before == after


def test_a_run_without_reports_finishes_with_no_victims(org_a):
    run = link(org_a)
    assert (run.status, run.victim_count, run.report_count) == ("finished", 0, 0)


def test_a_failing_run_is_marked_failed_and_leaves_the_victims_alone(three_sources, monkeypatch):
    link(three_sources)
    before = groups(three_sources)

    collecting = []

    def broken(*args, **kwargs):
        collecting.append(gc.isenabled())
        raise RuntimeError("disk full")

    monkeypatch.setattr("panah.evidence.linkage_runs.link_reports", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        link(three_sources)
    # The garbage collector is paused while the run holds its reports, and back on after.
    assert collecting == [False] and gc.isenabled()
    with scope(organisation=three_sources):
        failed = LinkageRun.objects.order_by("-pk").first()
    assert failed.status == "failed" and "disk full" in failed.notes
    assert groups(three_sources) == before
    with scope(organisation=three_sources):
        assert AuditEntry.objects.filter(action="evidence.linkage_failed").count() == 1


def test_the_command_links_and_estimates_from_the_linked_victims(three_sources, capsys):
    call_command("evidence", "link", "--organisation", "org-a")
    assert "5 victims" in capsys.readouterr().out
    call_command(
        "evidence", "estimate", "--organisation", "org-a", "--methods", "loglinear",
        "--format", "json",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert '"observed": 5' in out and '"lists": [' in out


# --- Decisions ------------------------------------------------------------------------------------


def test_confirming_a_match_merges_the_victims_and_a_rerun_keeps_it(three_sources, researcher):
    link(three_sources)
    a, b = report(three_sources, "English", "E-3"), report(three_sources, "Mixed", "M-2")
    with scope(organisation=three_sources):
        decision = decide_pair(
            organisation=three_sources, report_a=a, report_b=b, decision="match",
            reason="Same prison record number in both.", by=researcher,
        )  # fmt: skip
        event = MergeSplitEvent.objects.get(kind="merge")
    assert (event.by, event.reason, event.reports) == (
        researcher, "Same prison record number in both.", sorted([a.pk, b.pk]),
    )  # fmt: skip
    assert len(event.victims_before) == 2 and len(event.victims_after) == 1
    assert frozenset({"E-3", "M-2"}) in groups(three_sources)
    link(three_sources)
    assert frozenset({"E-3", "M-2"}) in groups(three_sources)
    assert decision.report_a_id < decision.report_b_id


def test_a_split_separates_the_reports_and_a_rerun_never_joins_them_again(
    three_sources, researcher
):
    link(three_sources)
    a, b = report(three_sources, "Persian", "P-2"), report(three_sources, "English", "E-2")
    with scope(organisation=three_sources):
        decide_pair(
            organisation=three_sources, report_a=a, report_b=b, decision="non_match",
            reason="Different fathers in the court records.", by=researcher,
        )  # fmt: skip
        assert MergeSplitEvent.objects.filter(kind="split").count() == 1
    assert {frozenset({"P-2"}), frozenset({"E-2"})} <= groups(three_sources)
    link(three_sources)
    assert {frozenset({"P-2"}), frozenset({"E-2"})} <= groups(three_sources)


def test_a_split_keeps_the_reports_tied_by_name_on_each_side(three_sources, researcher):
    link(three_sources)
    p1, e1 = report(three_sources, "Persian", "P-1"), report(three_sources, "English", "E-1")
    with scope(organisation=three_sources):
        decide_pair(
            organisation=three_sources, report_a=p1, report_b=e1, decision="non_match",
            reason="Two men of that name were hanged that week.", by=researcher,
        )  # fmt: skip
    after = groups(three_sources)
    assert frozenset({"P-1"}) in after or frozenset({"P-1", "M-1"}) in after
    assert not any({"P-1", "E-1"} <= g for g in after)


def test_a_split_between_reports_chained_by_confirmed_matches_is_refused(three_sources, researcher):
    link(three_sources)
    e3, m2 = report(three_sources, "English", "E-3"), report(three_sources, "Mixed", "M-2")
    p3 = report(three_sources, "Persian", "P-3")
    with scope(organisation=three_sources):
        for x, y in ((e3, m2), (m2, p3)):
            decide_pair(
                organisation=three_sources, report_a=x, report_b=y, decision="match",
                reason="confirmed", by=researcher,
            )  # fmt: skip
        with pytest.raises(ValidationError, match="Confirmed matches already tie"):
            decide_pair(
                organisation=three_sources, report_a=e3, report_b=p3, decision="non_match",
                reason="no", by=researcher,
            )  # fmt: skip


def test_a_merge_across_a_confirmed_split_is_refused(three_sources, researcher):
    link(three_sources)
    e3, m2 = report(three_sources, "English", "E-3"), report(three_sources, "Mixed", "M-2")
    p3 = report(three_sources, "Persian", "P-3")
    with scope(organisation=three_sources):
        decide_pair(
            organisation=three_sources, report_a=e3, report_b=m2, decision="non_match",
            reason="different", by=researcher,
        )  # fmt: skip
        decide_pair(
            organisation=three_sources, report_a=e3, report_b=p3, decision="match",
            reason="same", by=researcher,
        )  # fmt: skip
        with pytest.raises(ValidationError, match="a confirmed split\\s+keeps"):
            decide_pair(
                organisation=three_sources, report_a=p3, report_b=m2, decision="match",
                reason="same", by=researcher,
            )  # fmt: skip


def test_a_decision_needs_a_reason(three_sources, researcher):
    a, b = report(three_sources, "English", "E-3"), report(three_sources, "Mixed", "M-2")
    with scope(organisation=three_sources), pytest.raises(ValidationError, match="Say why"):
        decide_pair(
            organisation=three_sources, report_a=a, report_b=b, decision="match", reason="  ",
            by=researcher,
        )  # fmt: skip


def test_a_new_decision_on_a_pair_replaces_the_earlier_one_which_is_kept(three_sources, researcher):
    link(three_sources)
    a, b = report(three_sources, "English", "E-3"), report(three_sources, "Mixed", "M-2")
    with scope(organisation=three_sources):
        first = decide_pair(
            organisation=three_sources, report_a=a, report_b=b, decision="match",
            reason="looked alike", by=researcher,
        )  # fmt: skip
        second = decide_pair(
            organisation=three_sources, report_a=b, report_b=a, decision="non_match",
            reason="different prisons after all", by=researcher,
        )  # fmt: skip
        first.refresh_from_db()
        assert first.superseded_by == second and first.superseded_at is not None
        assert ReviewDecision.objects.filter(superseded_at__isnull=True).count() == 1
    assert {frozenset({"E-3"}), frozenset({"M-2"})} <= groups(three_sources)


def test_the_review_queue_holds_the_runs_uncertain_pairs_with_their_evidence(org_a, researcher):
    # Same surname and day in one province, different given names: the model hesitates.
    add_reports(org_a, "One", [
        dict(source_reference="A", name_as_written="Ali Rahimi", province="Tehran",
             date_as_written="2024-02-01", gender="male", charge_category="drugs"),
    ])  # fmt: skip
    add_reports(org_a, "Two", [
        dict(source_reference="B", name_as_written="Alireza Rahimi", province="Tehran",
             date_as_written="2024-02-01", gender="male", charge_category="drugs"),
    ])  # fmt: skip
    with scope(organisation=org_a):
        run = run_linkage(organisation=org_a, review_band=(0.0, 1.0), threshold=1.0)
        pair = ReviewPair.objects.get(run=run)
        assert run.review_count == 1
        comparisons = [e["comparison"] for e in pair.evidence]
        assert comparisons[:2] == ["given", "surname"]
        surname = next(e for e in pair.evidence if e["comparison"] == "surname")
        assert surname["weight"] > 0 and surname["level"] == "same surname"
        decide_pair(
            organisation=org_a, report_a=pair.report_a, report_b=pair.report_b,
            decision="non_match", reason="different given names", by=researcher, pair=pair,
        )  # fmt: skip
        assert not ReviewPair.objects.exists()
        again = run_linkage(organisation=org_a, review_band=(0.0, 1.0), threshold=1.0)
        assert again.review_count == 0  # decided pairs never come back


# --- The canonical record ---------------------------------------------------------------------------


def _row(**values):
    base = dict(
        id=1, source_id=1, source_reference="x", name_as_written="", name_canonical="",
        name_key="", father_name="", age=None, gender="unknown", ethnicity="", nationality="",
        province="", city="", prison="", charge_category="unknown", date_start=None,
        date_end=None, date_precision="unknown", announced="unknown", verification="unverified",
        identity_confirmed=False,
    )  # fmt: skip
    base.update(values)
    return base


def test_the_canonical_record_takes_the_most_precise_date_and_one_name_per_place():
    month = _row(id=1, date_start=dt.date(2023, 12, 22), date_end=dt.date(2024, 1, 20),
                 date_precision="month", province="سیستان و بلوچستان", ethnicity="بلوچ")  # fmt: skip
    day = _row(id=2, date_start=dt.date(2024, 1, 1), date_end=dt.date(2024, 1, 1),
               date_precision="day", province="Sistan-Baluchestan", ethnicity="Baloch",
               announced="yes", gender="male")  # fmt: skip
    record = canonical_record([month, day])
    assert (record["date_start"], record["date_precision"]) == (dt.date(2024, 1, 1), "day")
    assert record["province"] == "Sistan and Baluchestan"
    assert record["ethnicity"] == "Baluch"
    assert (record["announced"], record["gender"]) == ("yes", "male")


@pytest.mark.parametrize(
    "values",
    [
        {},
        dict(name_as_written="Ali Rezaei", name_canonical="ali rezaei", name_key="lrz",
             father_name="Hasan", age=31, gender="male", ethnicity="بلوچ", nationality="Iran",
             province="سیستان و بلوچستان", city="Zahedan", prison="Ghezel Hesar",
             charge_category="drugs", date_start=dt.date(2024, 1, 1),
             date_end=dt.date(2024, 1, 31), date_precision="month", announced="no",
             verification="confirmed", identity_confirmed=True),
        dict(announced="yes", verification="excluded", gender="female", province="Atlantis"),
    ],
)  # fmt: skip
def test_a_victim_of_one_report_gets_the_record_two_identical_reports_would_give(values):
    # A victim of one report takes a shortcut (two in five of a run's victims): same record.
    one = _row(**values)
    assert canonical_record([one]) == canonical_record([one, {**one, "id": 2}])


def test_of_two_reports_that_disagree_the_first_gives_the_record_and_a_blank_gives_way():
    first = _row(id=1, father_name="Hasan", city="", gender="unknown", ethnicity="کرد")
    second = _row(id=2, father_name="Hossein", city="Zahedan", gender="male", ethnicity="Kurd")
    for reports in ([first, second], [second, first]):
        record = canonical_record(reports)
        assert (record["father_name"], record["city"]) == ("Hasan", "Zahedan")
        assert (record["gender"], record["ethnicity"]) == ("male", "Kurd")
    assert canonical_record([])["name"] == ""  # a victim whose reports are gone


def test_labels_keep_unknown_places_and_groups_as_written():
    assert linkage_runs.province_label("Atlantis") == "Atlantis"
    assert linkage_runs.province_label("") == ""
    assert linkage_runs.ethnicity_label("کرد") == "Kurd"
    assert linkage_runs.ethnicity_label("Qashqai") == "Qashqai"


def test_a_merge_leaves_apart_a_report_a_confirmed_split_keeps_from_the_other_side(
    three_sources, researcher
):
    link(three_sources)
    p2, e2 = report(three_sources, "Persian", "P-2"), report(three_sources, "English", "E-2")
    e3 = report(three_sources, "English", "E-3")
    with scope(organisation=three_sources):
        decide_pair(
            organisation=three_sources, report_a=e2, report_b=e3, decision="non_match",
            reason="different", by=researcher,
        )  # fmt: skip
        decide_pair(
            organisation=three_sources, report_a=p2, report_b=e3, decision="match",
            reason="same", by=researcher,
        )  # fmt: skip
    assert {frozenset({"P-2", "E-3"}), frozenset({"E-2"})} <= groups(three_sources)


# --- The estimate pages show, kept until the records change ----------------------------------------


def test_the_page_estimate_is_made_once_until_a_write_changes_the_records(
    three_sources, researcher, monkeypatch
):
    from panah.evidence.statistics import Statistics

    link(three_sources, researcher)
    made = []
    original = Statistics.estimate

    def counting(self, *args, **kwargs):
        made.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Statistics, "estimate", counting)
    with scope(organisation=three_sources):
        first = Statistics(three_sources).page_estimate(2024)
        again = Statistics(three_sources).page_estimate(2024)
        assert len(made) == 1 and again.as_dict() == first.as_dict()
        Statistics(three_sources).page_estimate(2024, sources=["Persian", "English"])
        assert len(made) == 2  # other sources: another estimate
    # A review decision is an audited write: the next page computes afresh.
    a, b = report(three_sources, "Persian", "P-2"), report(three_sources, "English", "E-3")
    with scope(organisation=three_sources):
        decide_pair(
            organisation=three_sources, report_a=a, report_b=b, decision="non_match",
            reason="Different people.", by=researcher,
        )  # fmt: skip
        Statistics(three_sources).page_estimate(2024)
    assert len(made) == 3


def test_a_decision_made_while_the_model_ran_is_clustered_under_the_runs_date_rule():
    # Reports 1 and 2: namesakes hanged in 2023 and 2024; 3 gives the name and no date. A
    # decision taken during the run makes the run cluster again: the undated report must
    # still not chain the two executions into one victim.
    import pandas as pd  # noqa: PLC0415 (only this test builds a run's outcome by hand)

    ids = pd.Series([1, 2, 3, 4])
    pairs = pd.DataFrame(
        [(1, 3, 0.95), (2, 3, 0.9), (2, 4, 0.99)],
        columns=["unique_id_l", "unique_id_r", "match_probability"],
    )
    days = pd.DataFrame(
        {"day_lo": [19400, 19800, None, 19801], "day_hi": [19400, 19800, None, 19801]},
        index=pd.Index([4, 3, 2, 1][::-1], name="unique_id"),
    )
    outcome = linkage_runs._Outcome(
        pd.DataFrame({"unique_id": ids, "cluster_id": [1, 1, 1, 1]}), pairs, None, {}, 0.8,
        set(), set(), [], days,
    )  # fmt: skip
    again = linkage_runs.recluster(outcome, [], [(1, 4)])
    assert again["cluster_id"].nunique() == 2
    assert (
        again.set_index("unique_id")["cluster_id"][3]
        == again.set_index("unique_id")["cluster_id"][1]
    )
