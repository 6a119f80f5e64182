"""A victim's page and the researcher's corrections: each applied at once, audited, and kept by
the next linkage run."""

# ruff: noqa: F811 (fixtures imported from a shared module are test parameters)

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from panah.core.models import AuditEntry, Role
from panah.evidence import corrections
from panah.evidence.linkage_runs import current_victim_of, run_linkage
from panah.evidence.models import (
    MergeSplitEvent,
    ReviewDecision,
    VerificationDecision,
    Victim,
)

from .linking_fixtures import (  # noqa: F401
    _linkage_settings,
    add_reports,
    report,
    researcher,
    starter_model,
)
from .test_linking import ENGLISH, MIXED, PERSIAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(org_a, researcher):
    add_reports(org_a, "Persian", PERSIAN)
    add_reports(org_a, "English", ENGLISH)
    add_reports(org_a, "Mixed", MIXED)
    with scope(organisation=org_a):
        run_linkage(organisation=org_a)
    return org_a


def victim_of(org, source: str, ref: str) -> int | None:
    r = report(org, source, ref)
    with scope(organisation=org):
        return current_victim_of([r.pk]).get(r.pk)


def relink(org) -> None:
    with scope(organisation=org):
        run_linkage(organisation=org)


def hosseini(org) -> Victim:
    with scope(organisation=org):
        return Victim.objects.get(pk=victim_of(org, "Persian", "P-1"))


def test_the_three_hosseini_reports_start_as_one_victim(linked):
    v = victim_of(linked, "Persian", "P-1")
    assert v == victim_of(linked, "English", "E-1") == victim_of(linked, "Mixed", "M-1")


def test_a_report_split_out_stays_apart_after_the_next_linkage_run(linked, researcher):
    m1 = report(linked, "Mixed", "M-1")
    with scope(organisation=linked):
        before = hosseini(linked)
        event = corrections.split_report_out(
            organisation=linked, victim=before, report=m1, reason="Another man, same name",
            by=researcher,
        )  # fmt: skip
        assert event.kind == MergeSplitEvent.Kind.SPLIT and event.victims_before == [before.pk]
        assert Victim.objects.get(pk=before.pk).retired_at is not None
        decisions = ReviewDecision.objects.filter(superseded_at__isnull=True, decision="non_match")
        assert decisions.count() == 2  # M-1 against P-1 and against E-1
        assert AuditEntry.objects.filter(action="evidence.report_split_out").count() == 1
    assert victim_of(linked, "Mixed", "M-1") == event.victims_after[1]
    relink(linked)
    assert victim_of(linked, "Persian", "P-1") == victim_of(linked, "English", "E-1")
    assert victim_of(linked, "Mixed", "M-1") != victim_of(linked, "Persian", "P-1")


def test_two_victims_merged_stay_one_after_the_next_linkage_run(linked, researcher):
    with scope(organisation=linked):
        ghasemi = Victim.objects.get(pk=victim_of(linked, "Persian", "P-2"))
        karimi = Victim.objects.get(pk=victim_of(linked, "English", "E-3"))
        assert ghasemi.pk != karimi.pk
        decision = corrections.merge_victims(
            organisation=linked, victim=ghasemi, other=karimi, reason="Same case file",
            by=researcher,
        )  # fmt: skip
        assert decision.decision == "match"
        assert AuditEntry.objects.filter(action="evidence.victims_merged").count() == 1
    assert victim_of(linked, "Persian", "P-2") == victim_of(linked, "English", "E-3")
    relink(linked)
    assert victim_of(linked, "Persian", "P-2") == victim_of(linked, "English", "E-3")


def test_an_excluded_report_leaves_its_victim_at_once_and_after_the_next_run(linked, researcher):
    e1 = report(linked, "English", "E-1")
    with scope(organisation=linked):
        corrections.set_verification(
            organisation=linked, report=e1, verification="excluded", reason="A duplicate feed",
            by=researcher,
        )  # fmt: skip
        assert VerificationDecision.objects.get(report=e1).previous == "unverified"
    assert victim_of(linked, "English", "E-1") is None
    assert victim_of(linked, "Persian", "P-1") == victim_of(linked, "Mixed", "M-1") is not None
    relink(linked)
    assert victim_of(linked, "English", "E-1") is None
    assert report(linked, "English", "E-1").verification == "excluded"


def test_confirmed_and_unverified_change_the_canonical_record_and_hold(linked, researcher):
    p1 = report(linked, "Persian", "P-1")  # the only confirmed report of the victim
    with scope(organisation=linked):
        corrections.set_verification(
            organisation=linked, report=p1, verification="unverified", reason="Source withdrew",
            by=researcher,
        )  # fmt: skip
        assert hosseini(linked).verification == "unverified"
    relink(linked)
    assert report(linked, "Persian", "P-1").verification == "unverified"
    assert hosseini(linked).verification == "unverified"


def test_an_excluded_report_brought_back_is_a_victim_again(linked, researcher):
    m3 = report(linked, "Mixed", "M-3")  # imported as excluded
    assert victim_of(linked, "Mixed", "M-3") is None
    with scope(organisation=linked):
        corrections.set_verification(
            organisation=linked, report=m3, verification="unverified", reason="Checked again",
            by=researcher,
        )  # fmt: skip
    assert victim_of(linked, "Mixed", "M-3") is not None
    relink(linked)
    assert victim_of(linked, "Mixed", "M-3") is not None


def test_corrections_without_reason_or_sense_are_refused_and_change_nothing(linked, researcher):
    with scope(organisation=linked):
        v = hosseini(linked)
        karimi = Victim.objects.get(pk=victim_of(linked, "English", "E-3"))
        cases = [
            lambda: corrections.split_report_out(
                organisation=linked, victim=v, report=report(linked, "Mixed", "M-1"),
                reason=" ", by=researcher),
            lambda: corrections.split_report_out(
                organisation=linked, victim=karimi, report=report(linked, "English", "E-3"),
                reason="alone", by=researcher),
            lambda: corrections.split_report_out(
                organisation=linked, victim=v, report=report(linked, "English", "E-3"),
                reason="not hers", by=researcher),
            lambda: corrections.merge_victims(
                organisation=linked, victim=v, other=v, reason="self", by=researcher),
            lambda: corrections.set_verification(
                organisation=linked, report=report(linked, "English", "E-1"),
                verification="unverified", reason="already", by=researcher),
        ]  # fmt: skip
        for attempt in cases:
            with pytest.raises(ValidationError):
                attempt()
        assert MergeSplitEvent.objects.exclude(kind="linkage").count() == 0
        assert not ReviewDecision.objects.exists()
        assert Victim.objects.get(pk=v.pk).retired_at is None


def test_a_split_out_replaces_the_reports_own_confirmed_matches(linked, researcher):
    from panah.evidence.linkage_runs import decide_pair

    p1, e1, m1 = (report(linked, *k) for k in (("Persian", "P-1"), ("English", "E-1"),
                                                 ("Mixed", "M-1")))  # fmt: skip
    with scope(organisation=linked):
        decide_pair(organisation=linked, report_a=e1, report_b=m1, decision="match",
                    reason="same", by=researcher)  # fmt: skip
        decide_pair(organisation=linked, report_a=p1, report_b=e1, decision="match",
                    reason="same", by=researcher)  # fmt: skip
        # Splitting M-1 out replaces its own match with E-1 by the researcher's new word.
        event = corrections.split_report_out(
            organisation=linked, victim=hosseini(linked), report=m1, reason="not him",
            by=researcher,
        )  # fmt: skip
        assert (
            ReviewDecision.objects.get(
                report_a__in=[e1, m1], report_b__in=[e1, m1], superseded_at__isnull=True
            ).decision
            == "non_match"
        )
    assert victim_of(linked, "Mixed", "M-1") == event.victims_after[1]


# --- The page ----------------------------------------------------------------------------------


def test_the_page_shows_the_reports_side_by_side_with_the_canonical_record(
    linked, researcher, login_as
):
    v = hosseini(linked)
    text = login_as(researcher).get(reverse("evidence:victim", args=[v.pk])).content.decode()
    for ref in ("P-1", "E-1", "M-1", "محمد حسینی", "Mohammad Hosseini", "Canonical record"):
        assert ref in text
    assert "Correct a report" in text and "Merge with another victim" in text
    assert "Linkage run" in text  # its history


def test_the_report_page_links_to_its_victim(linked, researcher, login_as):
    r = report(linked, "Persian", "P-1")
    text = login_as(researcher).get(reverse("evidence:report", args=[r.pk])).content.decode()
    assert reverse("evidence:victim", args=[hosseini(linked).pk]) in text


def test_splitting_from_the_page_is_applied_and_shown_in_the_history(linked, researcher, login_as):
    v = hosseini(linked)
    m1 = report(linked, "Mixed", "M-1")
    client = login_as(researcher)
    response = client.post(
        reverse("evidence:victim", args=[v.pk]),
        {"correct-report": m1.pk, "correct-action": "split_out", "correct-reason": "Not him"},
    )
    assert response.status_code == 302
    rest = victim_of(linked, "Persian", "P-1")
    assert response["Location"] == reverse("evidence:victim", args=[rest])
    text = client.get(response["Location"]).content.decode()
    assert "Split" in text and "Not him" in text and "M-1" not in text.split("<h2")[1]
    old = client.get(reverse("evidence:victim", args=[v.pk])).content.decode()
    assert "Replaced on" in old and "Correct a report" not in old


def test_a_correction_without_reason_keeps_the_choice_and_says_why(linked, researcher, login_as):
    v = hosseini(linked)
    m1 = report(linked, "Mixed", "M-1")
    response = login_as(researcher).post(
        reverse("evidence:victim", args=[v.pk]),
        {"correct-report": m1.pk, "correct-action": "split_out", "correct-reason": ""},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "This field is required" in text
    assert f'value="{m1.pk}" id="id_correct-report_' in text and "checked" in text
    assert victim_of(linked, "Mixed", "M-1") == v.pk


def test_merging_from_the_page_with_an_unknown_number_is_refused(linked, researcher, login_as):
    v = hosseini(linked)
    response = login_as(researcher).post(
        reverse("evidence:victim", args=[v.pk]),
        {"merge-other": 999999, "merge-reason": "same"},
    )
    assert response.status_code == 400 and "There is no such victim." in response.content.decode()


def test_a_coordinator_reads_the_page_but_may_not_correct(linked, make_member, login_as):
    coordinator = make_member(linked, [Role.COORDINATOR], email="coord-victim@example.org")
    v = hosseini(linked)
    client = login_as(coordinator)
    text = client.get(reverse("evidence:victim", args=[v.pk])).content.decode()
    assert "P-1" in text and "Correct a report" not in text
    m1 = report(linked, "Mixed", "M-1")
    response = client.post(
        reverse("evidence:victim", args=[v.pk]),
        {"correct-report": m1.pk, "correct-action": "split_out", "correct-reason": "x"},
    )
    assert response.status_code == 403
    assert victim_of(linked, "Mixed", "M-1") == v.pk


def test_another_organisation_does_not_find_the_victim(linked, org_b, make_member, login_as):
    outsider = make_member(org_b, [Role.RESEARCHER], email="outsider-victim@example.org")
    v = hosseini(linked)
    response = login_as(outsider).get(reverse("evidence:victim", args=[v.pk]))
    assert response.status_code == 404
