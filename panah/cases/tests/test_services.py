"""Recording steps, deadlines, corrections, referrals and rule edits (the services)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from panah.cases import services
from panah.cases.models import Case, CaseStep, Deadline, Referral
from panah.cases.procedure import due_date, shipped_table
from panah.core.models import AuditEntry

from .conftest import lodged, refusal

D = dt.date
pytestmark = pytest.mark.django_db


def errors_of(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.message_dict


def test_a_cgrs_refusal_notified_yesterday_opens_the_call_appeal_deadline_with_its_source(
    make_case, org_a, today
):
    yesterday = today - dt.timedelta(days=1)
    case = make_case(steps=[lodged(today - dt.timedelta(days=150))])
    with scope(organisation=org_a):
        services.record_step(case=case, by=None, step=refusal(yesterday))
        (appeal,) = Deadline.objects.filter(case=case, binding=True)
        case.refresh_from_db()
    rule = next(r for r in shipped_table().deadlines if r.code == "call_appeal")
    assert appeal.rule_code == "call_appeal"
    assert appeal.due_on == due_date(yesterday, rule)
    assert appeal.party == "applicant"
    assert "39/57" in appeal.legal_source
    assert (case.stage, case.next_binding_due, case.next_binding_rule) == (
        "cgrs_decision",
        appeal.due_on,
        "call_appeal",
    )
    assert case.first_decision_on == yesterday


def test_a_refusal_notified_on_1_september_2025_must_be_appealed_by_1_october(make_case, org_a):
    case = make_case(registered_on=D(2025, 1, 2), steps=[lodged(D(2025, 1, 6))])
    with scope(organisation=org_a):
        services.record_step(case=case, by=None, step=refusal(D(2025, 9, 1)))
        due = list(Deadline.objects.filter(case=case).values_list("rule_code", "due_on"))
    assert due == [("call_appeal", D(2025, 10, 1))]


def test_a_registered_letter_counts_from_the_third_working_day_after_posting(make_case, org_a):
    # Posted Friday 29 August 2025: deemed notified Wednesday 3 September; +30 days = 3 October.
    case = make_case(registered_on=D(2025, 1, 2), steps=[lodged(D(2025, 1, 6))])
    with scope(organisation=org_a):
        step = services.record_step(
            case=case,
            by=None,
            step=refusal(D(2025, 8, 28), mode="registered_letter", sent_on=D(2025, 8, 29)),
        )
        (appeal,) = Deadline.objects.filter(case=case)
    assert step.notified_on == D(2025, 9, 3)
    assert appeal.due_on == D(2025, 10, 3)


def test_recording_a_step_writes_the_audit_trail_with_ids_only(make_case, org_a, admin_a, today):
    case = make_case()
    with scope(organisation=org_a):
        step = services.record_step(
            case=case,
            by=admin_a,
            step=services.StepInput("application_lodged", today, document_reference="OE-12345"),
        )
        entry = AuditEntry.objects.filter(action="case.step_recorded").get()
    assert (entry.object_id, entry.data) == (str(step.pk), {"case": str(case.pk)})
    assert "OE-12345" not in str(entry.data)


def test_an_appeal_before_any_decision_is_refused_naming_the_step(make_case, org_a, today):
    case = make_case(steps=[lodged(today - dt.timedelta(days=10))])
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.record_step(
            case=case, by=None, step=services.StepInput("call_appeal_lodged", today)
        )
    (message,) = errors_of(exc)["code"]
    assert message.startswith("Appeal to the CALL lodged cannot follow Application lodged")
    with scope(organisation=org_a):
        assert CaseStep.objects.filter(case=case).count() == 1


def test_a_decision_dated_before_the_application_is_refused(make_case, org_a, today):
    registered = today - dt.timedelta(days=100)
    case = make_case(registered_on=registered, steps=[lodged(registered)])
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.record_step(case=case, by=None, step=refusal(registered - dt.timedelta(days=5)))
    assert list(errors_of(exc)) == ["occurred_on"]
    assert "before the application was registered" in errors_of(exc)["occurred_on"][0]


def test_a_notification_date_in_the_future_waits_for_confirmation(make_case, org_a, today):
    case = make_case(steps=[lodged(today - dt.timedelta(days=100))])
    tomorrow = today + dt.timedelta(days=1)
    with scope(organisation=org_a), pytest.raises(services.Unconfirmed) as exc:
        services.record_step(
            case=case, by=None, step=refusal(today, sent_on=tomorrow), confirmed=frozenset()
        )
    assert [(w.field, w.message) for w in exc.value.warnings] == [
        (
            "sent_on",
            f"The notification date {tomorrow.isoformat()} is in the future. Check the date "
            "and the calendar (Solar Hijri or Gregorian) before saving.",
        )
    ]
    with scope(organisation=org_a):
        assert not Deadline.objects.filter(case=case, binding=True).exists()


def test_a_decision_without_its_outcome_is_refused(make_case, org_a, today):
    case = make_case(steps=[lodged(today - dt.timedelta(days=100))])
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.record_step(case=case, by=None, step=services.StepInput("cgrs_decision", today))
    assert list(errors_of(exc)) == ["outcome"]


def test_a_correction_keeps_the_wrong_step_superseded_with_who_when_and_why(
    make_case, org_a, admin_a, today
):
    lodged_on = today - dt.timedelta(days=100)
    case = make_case(steps=[lodged(lodged_on)])
    with scope(organisation=org_a):
        wrong = services.record_step(
            case=case, by=admin_a, step=refusal(today - dt.timedelta(days=3))
        )
        fixed = services.correct_step(
            step=wrong,
            by=admin_a,
            reason="It was an inadmissibility decision",
            corrected=services.StepInput(
                "cgrs_decision",
                today - dt.timedelta(days=3),
                outcome="inadmissible",
                notification_mode="hand_delivery",
            ),
        )
        wrong.refresh_from_db()
        steps = list(CaseStep.objects.filter(case=case).order_by("recorded_at"))
        deadlines = list(Deadline.objects.filter(case=case).values_list("rule_code", flat=True))
    assert len(steps) == 3
    assert (wrong.superseded_by, wrong.replaced_by, wrong.superseded_reason) == (
        admin_a,
        fixed,
        "It was an inadmissibility decision",
    )
    assert wrong.superseded_at is not None
    assert fixed.sequence == wrong.sequence
    assert deadlines == ["call_appeal_inadmissible"]


def test_a_correction_needs_a_reason(make_case, org_a, admin_a, today):
    case = make_case(steps=[lodged(today - dt.timedelta(days=10))])
    with scope(organisation=org_a):
        step = CaseStep.objects.get(case=case)
        with pytest.raises(ValidationError) as exc:
            services.correct_step(
                step=step, by=admin_a, reason=" ", corrected=lodged(today - dt.timedelta(days=9))
            )
    assert list(errors_of(exc)) == ["reason"]


def test_a_correction_that_breaks_the_history_is_refused_and_nothing_changes(
    make_case, org_a, admin_a, today
):
    case = make_case(steps=[lodged(today - dt.timedelta(days=100)), refusal(today)])
    with scope(organisation=org_a):
        first = CaseStep.objects.get(case=case, code="application_lodged")
        with pytest.raises(ValidationError):
            services.correct_step(
                step=first,
                by=admin_a,
                reason="typo",
                corrected=services.StepInput("call_appeal_lodged", today - dt.timedelta(days=100)),
            )
        first.refresh_from_db()
    assert first.superseded_at is None


def test_a_referral_without_recorded_consent_is_refused(make_case, org_a, admin_a, today):
    case = make_case()
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.make_referral(
            case=case,
            kind="lawyer",
            recipient="Maître Dupont",
            by=admin_a,
            consent_on=None,
            consent_how="",
            consent_scope="",
        )
    assert exc.value.messages[0].startswith("A referral needs the person's consent to it, recorded")
    with scope(organisation=org_a):
        assert not Referral.objects.exists()


def test_a_referral_with_consent_is_recorded_encrypted(make_case, org_a, admin_a, today):
    case = make_case()
    with scope(organisation=org_a):
        referral = services.make_referral(
            case=case,
            kind="lawyer",
            recipient="Maître Dupont",
            by=admin_a,
            consent_on=today,
            consent_how="signed_form",
            consent_scope="The CGRS decision and the interview notes",
        )
        raw = Referral.objects.filter(pk=referral.pk).values_list("recipient", flat=True).get()
        assert Referral.objects.get(pk=referral.pk).recipient == "Maître Dupont"
    assert b"Dupont" not in raw.blob


def test_a_changed_deadline_applies_from_its_date_and_never_backwards(make_case, org_a, admin_a):
    before = make_case(registered_on=D(2025, 1, 2), steps=[lodged(D(2025, 1, 6))])
    after = make_case(registered_on=D(2025, 1, 2), steps=[lodged(D(2025, 1, 6))])
    with scope(organisation=org_a):
        services.record_step(case=before, by=None, step=refusal(D(2025, 9, 1)))
        services.edit_deadline_rule(
            organisation=org_a,
            rule_code="call_appeal",
            effective_from=D(2025, 9, 15),
            days=15,
            source="Imaginary law of 1 September 2025, art. 1",
            by=admin_a,
        )
        services.record_step(case=after, by=None, step=refusal(D(2025, 9, 16)))
        old = Deadline.objects.get(case=before)
        new = Deadline.objects.get(case=after)
    assert (old.due_on, old.legal_source.startswith("Aliens Act")) == (D(2025, 10, 1), True)
    assert (new.due_on, new.legal_source) == (
        D(2025, 10, 1),
        "Imaginary law of 1 September 2025, art. 1",
    )


def test_a_rule_change_recomputes_cases_notified_since_its_date(make_case, org_a, admin_a):
    case = make_case(registered_on=D(2025, 1, 2), steps=[lodged(D(2025, 1, 6))])
    with scope(organisation=org_a):
        services.record_step(case=case, by=None, step=refusal(D(2025, 9, 16)))
        services.edit_deadline_rule(
            organisation=org_a,
            rule_code="call_appeal",
            effective_from=D(2025, 9, 15),
            days=15,
            source="Imaginary law, art. 1",
            by=admin_a,
        )
        assert Deadline.objects.get(case=case).due_on == D(2025, 10, 1)


def test_a_restricted_case_keeps_the_member_who_restricted_it(make_case, org_a, admin_a):
    case = make_case()
    with scope(organisation=org_a):
        services.restrict_case(case=case, restricted=True, members=[], by=admin_a)
        case = Case.objects.get(pk=case.pk)
        assert (case.restricted, list(case.restricted_to.all())) == (True, [admin_a])


def test_assigning_someone_outside_the_casework_roles_is_refused(
    make_case, org_a, admin_a, make_member
):
    researcher = make_member(org_a, ["researcher"])
    case = make_case()
    with scope(organisation=org_a), pytest.raises(ValidationError):
        services.assign_case(case=case, caseworkers=[researcher], by=admin_a)
