"""Every write of the cases app: one function per intention, in a transaction, audited.

Audit entries carry ids only (the case, the step, the members), never a note, an address, a
name or an outcome. Refusals are ValidationErrors keyed by the form field they concern, so a
form shows each message beside the field it names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from panah.core import audit, dates
from panah.core.crypto import keys
from panah.core.crypto.files import (
    EncryptedFileStore,
    OpenedFile,
    clean_upload,
    open_document_file,
)
from panah.core.language import join_words
from panah.core.models import Membership, Organisation, User
from panah.people.models import Person

from . import labels
from .models import (
    Appointment,
    AppointmentKind,
    Case,
    CaseAssignment,
    CaseDocument,
    CaseNote,
    CaseStep,
    ChosenResidence,
    ConsentForm,
    Deadline,
    ProcedureLanguage,
    ProcedureType,
    Referral,
    ReferralKind,
    ResidenceCommunication,
    RuleTableEdit,
)
from .procedure import (
    CaseContext,
    RecordedStep,
    Replay,
    RuleTable,
    TransitionRefused,
    deemed_notification,
    replay,
)
from .queries import reference_index
from .rules import CASE_ROLES
from .ruletable import organisation_table, table_label

# Steps whose date ends the wait for a first-instance decision (waiting-time statistics).
FIRST_DECISIONS = ("cgrs_decision", "dublin_transfer_decision")


def _today() -> dt.date:
    return timezone.localdate()


def _active_member(organisation: Organisation, user: User, roles=CASE_ROLES) -> Membership:
    current = _in_bulk(organisation.pk)
    checked = (user.pk, frozenset(roles))
    if current is not None and checked in current.members:
        return current.members[checked]
    membership = (
        Membership.objects.filter(organisation=organisation, user=user, removed_at__isnull=True)
        .prefetch_related("grants")
        .first()
    )
    if membership is None or not (membership.role_set() & set(roles)):
        raise ValidationError(
            _("%(name)s is not a caseworker, coordinator or administrator here.")
            % {"name": user.display_name or user.email}
        )
    if current is not None:
        current.members[checked] = membership
    return membership


# --- many writes in one transaction ---------------------------------------------------------


@dataclass
class _Bulk:
    organisation_id: int
    table: RuleTable
    members: dict[tuple[int, frozenset], Membership] = field(default_factory=dict)


_bulk: ContextVar[_Bulk | None] = ContextVar("panah_cases_bulk", default=None)


def _in_bulk(organisation_id: int) -> _Bulk | None:
    current = _bulk.get()
    return current if current is not None and current.organisation_id == organisation_id else None


@contextlib.contextmanager
def bulk(organisation: Organisation) -> Iterator[None]:
    """Many writes for one organisation in the current transaction (an import of thousands of
    rows): what each write would read again is read once.

    - the rule table in force, and whether a member may follow cases (once per member);
    - the organisation's active key (panah.core.crypto.keys.batch, which also locks it against
      a key rotation until the transaction ends, and syncs the key shares together);
    - the head of the organisation's audit chain (panah.core.audit.batch: written once at the
      end, not after every entry).

    Held in a context variable for this block only, and it must run inside transaction.atomic():
    on SQLite nobody else writes until the transaction ends (IMMEDIATE transactions); on
    PostgreSQL a change another member commits meanwhile (a rule edited, a member removed)
    applies as if it had come just after the import.
    """
    if _in_bulk(organisation.pk) is not None:
        yield
        return
    # The audit batch outermost: it ends last, so the chain's head is locked only after the
    # key shares are on disk (an fsync each), not while they are written.
    with audit.batch(organisation), keys.batch(organisation.pk):
        token = _bulk.set(_Bulk(organisation.pk, organisation_table(organisation.pk)))
        try:
            yield
        finally:
            _bulk.reset(token)


def _table(organisation_id: int) -> RuleTable:
    current = _in_bulk(organisation_id)
    return current.table if current is not None else organisation_table(organisation_id)


# --- opening and assigning ------------------------------------------------------------------


@transaction.atomic
def open_case(
    *,
    organisation: Organisation,
    person: Person,
    by: User | None,
    registered_on: dt.date,
    procedure: str = ProcedureType.FIRST,
    detained: bool = False,
    accelerated: bool = False,
    language: str = "",
    caseworkers: Iterable[User] = (),
    nationality: str | None = None,
    external_reference: str = "",
    assign_opener: bool = True,
    request: HttpRequest | None = None,
) -> Case:
    """Open a case for a person; the member who opens it follows it unless others are named."""
    if person.organisation_id != organisation.pk:
        raise ValidationError({"person": _("This person belongs to another organisation.")})
    if procedure not in ProcedureType.values:
        raise ValidationError({"procedure": _("Choose the kind of procedure.")})
    if language and language not in ProcedureLanguage.values:
        raise ValidationError({"language": _("The language of the procedure is French or Dutch.")})
    if registered_on > _today():
        raise ValidationError(
            {"registered_on": _("The registration date %(date)s is in the future.")
             % {"date": registered_on.isoformat()}}
        )  # fmt: skip
    if nationality is None:
        nationality = (person.nationality or "").strip()
    reference = external_reference.strip()[:64]
    case = Case.objects.create(
        organisation=organisation,
        person=person,
        procedure=procedure,
        current_procedure=procedure,
        detained=detained,
        accelerated=accelerated,
        registered_on=registered_on,
        language=language,
        rule_table=table_label(_table(organisation.pk)),
        nationality=nationality[:64],
        external_reference=reference,
        external_reference_index=(
            reference_index(keys.active_organisation_key(organisation.pk), reference)
            if reference
            else ""
        ),
        opened_by=by,
    )
    chosen = list(caseworkers) or ([by] if by is not None and assign_opener else [])
    for user in chosen:
        _active_member(organisation, user)
        CaseAssignment.objects.create(
            organisation=organisation, case=case, user=user, assigned_by=by
        )
    audit.record(
        "case.opened",
        organisation=organisation,
        actor=by,
        obj=case,
        request=request,
        data={"person": str(person.pk), "caseworkers": [u.pk for u in chosen]},
    )
    return case


@transaction.atomic
def assign_case(
    *, case: Case, caseworkers: Iterable[User], by: User, request: HttpRequest | None = None
) -> list[int]:
    """Set who follows a case; returns the ids of the members now assigned."""
    wanted = {u.pk: u for u in caseworkers}
    for user in wanted.values():
        _active_member(case.organisation, user)
    current = set(CaseAssignment.objects.filter(case=case).values_list("user_id", flat=True))
    CaseAssignment.objects.filter(case=case).exclude(user_id__in=wanted).delete()
    CaseAssignment.objects.bulk_create(
        CaseAssignment(organisation_id=case.organisation_id, case=case, user=u, assigned_by=by)
        for pk, u in wanted.items()
        if pk not in current
    )
    ids = sorted(wanted)
    audit.record(
        "case.assigned",
        organisation=case.organisation,
        actor=by,
        obj=case,
        request=request,
        data={"caseworkers": ids},
    )
    return ids


@transaction.atomic
def restrict_case(
    *,
    case: Case,
    restricted: bool,
    members: Iterable[User] = (),
    by: User,
    request: HttpRequest | None = None,
) -> Case:
    """Narrow who may open a case to named members (the one restricting it stays among them)."""
    named = {u.pk: u for u in members}
    if restricted:
        named.setdefault(by.pk, by)
        for user in named.values():
            _active_member(case.organisation, user)
    case.restricted = restricted
    case.save(update_fields=["restricted"])
    case.restricted_to.set(list(named.values()) if restricted else [])
    audit.record(
        "case.restricted" if restricted else "case.unrestricted",
        organisation=case.organisation,
        actor=by,
        obj=case,
        request=request,
        data={"members": sorted(named) if restricted else []},
    )
    return case


# --- steps, corrections and deadlines -------------------------------------------------------


def context_of(case: Case) -> CaseContext:
    return CaseContext(case.procedure, case.detained, case.accelerated)


def _as_recorded(step: CaseStep) -> RecordedStep:
    return RecordedStep(step.code, step.occurred_on, step.outcome or None, step.notified_on)


def current_steps(case: Case) -> list[CaseStep]:
    """The case's history without superseded steps, in order."""
    return list(
        CaseStep.objects.filter(case=case, superseded_at__isnull=True).order_by(
            "occurred_on", "sequence"
        )
    )


@dataclass(frozen=True)
class StepInput:
    """What a member enters for a step (new or corrected)."""

    code: str
    occurred_on: dt.date
    outcome: str = ""
    notification_mode: str = ""
    sent_on: dt.date | None = None
    received_on: dt.date | None = None
    receipt_proven: bool = False
    document_reference: str = ""


@dataclass(frozen=True)
class StepWarning:
    """Something suspicious in what was entered, saved only once the member confirms it.

    `key` names the warning and the values it is about: a confirmation holds for those values
    only, so changing a date after confirming asks again."""

    key: str
    field: str | None
    message: str


class Unconfirmed(Exception):
    """The step was not saved: its warnings await the member's confirmation."""

    def __init__(self, warnings: list[StepWarning]):
        super().__init__([w.message for w in warnings])
        self.warnings = warnings


def _date_words(value: dt.date) -> str:
    """A date in a message: in Persian the Solar Hijri date first, with the Gregorian beside."""
    if dates.shows_jalali():
        # Written out, not ISO: inside right-to-left text 2026-12-16 would read as 16-12-2026.
        return f"{dates.jalali_text(value)} ({dates.gregorian_text(value)})"
    return value.isoformat()


def _step_warnings(data: StepInput, result: Replay, today: dt.date) -> list[StepWarning]:
    """Suspicious but possible: a notification date in the future (often a Solar Hijri date
    typed as Gregorian, or a slip of the year), or a binding deadline already past at entry."""
    found = []
    for name, value in (("sent_on", data.sent_on), ("received_on", data.received_on)):
        if value and value > today:
            found.append(
                StepWarning(
                    f"future:{name}:{value.isoformat()}",
                    name,
                    _(
                        "The notification date %(date)s is in the future. Check the date and "
                        "the calendar (Solar Hijri or Gregorian) before saving."
                    )
                    % {"date": _date_words(value)},
                )
            )
    for opened in result.deadlines:
        # Only the deadlines this step opens: an older one missed is on the board already.
        if opened.rule.binding and opened.rule.opened_by == data.code and opened.due_on < today:
            found.append(
                StepWarning(
                    f"passed:{opened.rule.code}:{opened.due_on.isoformat()}",
                    None,
                    _(
                        "With these dates the binding deadline “%(deadline)s” already passed on "
                        "%(date)s. If the dates are right, see a lawyer today: a late appeal is "
                        "only admitted for force majeure."
                    )
                    % {
                        "deadline": labels.deadline_label(opened.rule.code),
                        "date": _date_words(opened.due_on),
                    },
                )
            )
    return found


def _confirm(data: StepInput, result: Replay, confirmed: frozenset[str] | None) -> None:
    if confirmed is None:
        return
    warnings = _step_warnings(data, result, _today())
    if any(w.key not in confirmed for w in warnings):
        raise Unconfirmed(warnings)


def _check_input(case: Case, table: RuleTable, data: StepInput) -> dt.date | None:
    """Refuse impossible values, each error naming its field; returns the deemed notification date."""
    errors: dict[str, str] = {}
    today = _today()
    rule = table.steps.get(data.code)
    if rule is None:
        raise ValidationError({"code": _("Choose a step of the procedure.")})
    if rule.outcomes and not data.outcome:
        errors["outcome"] = _("Choose the outcome of the %(step)s.") % {
            "step": labels.step_label(data.code)
        }
    elif data.outcome and data.outcome not in rule.outcomes:
        errors["outcome"] = _("%(step)s has no such outcome.") % {
            "step": labels.step_label(data.code)
        }
    if data.occurred_on > today:
        errors["occurred_on"] = _("The date %(date)s is in the future.") % {
            "date": data.occurred_on.isoformat()
        }
    elif rule.is_decision and data.occurred_on < case.registered_on:
        errors["occurred_on"] = _(
            "The decision date %(date)s is before the application was registered (%(registered)s)."
        ) % {"date": data.occurred_on.isoformat(), "registered": case.registered_on.isoformat()}
    if data.sent_on and data.sent_on < data.occurred_on:
        errors["sent_on"] = _("A decision cannot be sent before it was taken (%(date)s).") % {
            "date": data.occurred_on.isoformat()
        }
    if (
        data.sent_on
        and data.received_on
        and data.received_on < data.sent_on
        and "received_on" not in errors
    ):
        errors["received_on"] = _("It cannot be received before it was sent.")
    if data.received_on and data.received_on < data.occurred_on and "received_on" not in errors:
        errors["received_on"] = _(
            "The letter cannot have arrived (%(received)s) before the decision was taken "
            "(%(decision)s). Check both dates."
        ) % {"received": _date_words(data.received_on), "decision": _date_words(data.occurred_on)}
    if (data.sent_on or data.received_on) and not data.notification_mode:
        errors["notification_mode"] = _("Say how the decision was notified.")
    if errors:
        raise ValidationError(errors)
    if not data.notification_mode:
        return None
    return deemed_notification(
        data.notification_mode,
        sent_on=data.sent_on or data.occurred_on,
        received_on=data.received_on,
        receipt_proven=data.receipt_proven,
        country=table.country,
    )


def _refused(exc: TransitionRefused) -> ValidationError:
    allowed = join_words(labels.step_label(c) for c in exc.allowed) or _("none: the case has ended")
    after = labels.step_label(exc.after) if exc.after else _("the start of the case")
    return ValidationError(
        {
            "code": _("%(step)s cannot follow %(after)s. Possible next steps: %(allowed)s.")
            % {"step": labels.step_label(exc.step), "after": after, "allowed": allowed}
        }
    )


def _replay(table: RuleTable, case: Case, history: list[CaseStep]) -> Replay:
    try:
        return replay(table, [_as_recorded(s) for s in history], context_of(case))
    except TransitionRefused as exc:
        raise _refused(exc) from None


def refresh_case(case: Case, table: RuleTable | None = None, history=None) -> list[Deadline]:
    """Recompute the stage and rewrite the case's open deadlines from its history."""
    table = table or organisation_table(case.organisation_id)
    history = current_steps(case) if history is None else history
    result = _replay(table, case, history)
    Deadline.objects.filter(case=case).delete()
    rows = []
    for opened in result.deadlines:
        rule = opened.rule
        step = next(
            s
            for s in reversed(history)
            if s.code == rule.opened_by and (s.notified_on or s.occurred_on) == opened.starts_after
        )
        rows.append(
            Deadline(
                organisation_id=case.organisation_id,
                case=case,
                rule_code=rule.code,
                due_on=opened.due_on,
                starts_after=opened.starts_after,
                binding=rule.binding,
                party=rule.party,
                legal_source=rule.source,
                opened_by=step,
            )
        )
    Deadline.objects.bulk_create(rows)
    binding = sorted((d for d in rows if d.binding), key=lambda d: d.due_on)
    case.stage = result.stage or ""
    case.current_procedure = result.procedure
    case.ended = result.ended
    case.first_decision_on = next(
        (s.occurred_on for s in history if s.code in FIRST_DECISIONS), None
    )
    case.next_binding_due = binding[0].due_on if binding else None
    case.next_binding_rule = binding[0].rule_code if binding else ""
    case.save(
        update_fields=[
            "stage",
            "current_procedure",
            "ended",
            "first_decision_on",
            "next_binding_due",
            "next_binding_rule",
        ]
    )
    return rows


def allowed_next_steps(
    case: Case, table: RuleTable | None = None, history: list[CaseStep] | None = None
) -> list[str]:
    """The step codes that may be recorded next on this case (`history`: its current steps in
    order, when the caller has read them already)."""
    table = table or organisation_table(case.organisation_id)
    history = current_steps(case) if history is None else history
    result = _replay(table, case, history)
    if result.ended:
        return []
    last = _as_recorded(history[-1]) if history else None
    return table.allowed_next(last, result.procedure)


def _locked(case: Case) -> Case:
    # Two members recording a step on the same case at once must not both pass the check.
    # Lock the case row only: on PostgreSQL a plain FOR UPDATE over the join also locks the
    # organisation row, which every concurrent write touches, and deadlocks with the audit head.
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("person", "organisation")
        .get(pk=case.pk)
    )


@transaction.atomic
def record_step(
    *,
    case: Case,
    by: User | None,
    step: StepInput,
    request: HttpRequest | None = None,
    confirmed: frozenset[str] | None = None,
) -> CaseStep:
    """Record a step: check it may follow the history, compute its deadlines, audit it.

    Data entry passes `confirmed` (the keys of the warnings the member confirmed): Unconfirmed
    is raised, saving nothing, while a warning is not among them. None checks for none (the
    demo, tests and scripts recording known histories)."""
    case = _locked(case)
    table = organisation_table(case.organisation_id)
    notified_on = _check_input(case, table, step)
    history = current_steps(case)
    if history and step.occurred_on < history[-1].occurred_on:
        raise ValidationError(
            {
                "occurred_on": _(
                    "The date %(date)s is before the last recorded step (%(last)s on %(on)s). "
                    "If that step is wrong, correct it instead."
                )
                % {
                    "date": step.occurred_on.isoformat(),
                    "last": labels.step_label(history[-1].code),
                    "on": history[-1].occurred_on.isoformat(),
                }
            }
        )
    sequence = (CaseStep.objects.filter(case=case).aggregate(m=Max("sequence"))["m"] or 0) + 1
    new = _build_step(case, step, notified_on, by, sequence)
    result = _replay(table, case, [*history, new])  # refuses before anything is written
    _confirm(step, result, confirmed)
    new.save()
    refresh_case(case, table, [*history, new])
    audit.record(
        "case.step_recorded",
        organisation=case.organisation,
        actor=by,
        obj=new,
        request=request,
        data={"case": str(case.pk)},
    )
    return new


def _build_step(
    case: Case, data: StepInput, notified_on: dt.date | None, by: User | None, sequence: int
) -> CaseStep:
    step = CaseStep(
        organisation_id=case.organisation_id,
        case=case,
        sequence=sequence,
        code=data.code,
        outcome=data.outcome or "",
        occurred_on=data.occurred_on,
        notification_mode=data.notification_mode or "",
        sent_on=(data.sent_on or data.occurred_on) if data.notification_mode else None,
        received_on=data.received_on,
        receipt_proven=bool(data.receipt_proven and data.received_on),
        notified_on=notified_on,
        document_reference=(data.document_reference or "").strip(),
        recorded_by=by,
    )
    return step


@transaction.atomic
def correct_step(
    *,
    step: CaseStep,
    by: User,
    reason: str,
    corrected: StepInput,
    request: HttpRequest | None = None,
    confirmed: frozenset[str] | None = None,
) -> CaseStep:
    """Replace a wrongly entered step: the old one stays, superseded, with who, when and why
    (warnings as for record_step)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the step is corrected.")})
    case = _locked(step.case)
    step = CaseStep.objects.select_for_update().get(pk=step.pk)
    if step.superseded_at is not None:
        raise ValidationError(_("This step was already corrected; correct the newer one."))
    table = organisation_table(case.organisation_id)
    notified_on = _check_input(case, table, corrected)
    new = _build_step(case, corrected, notified_on, by, step.sequence)
    history = [s for s in current_steps(case) if s.pk != step.pk] + [new]
    history.sort(key=lambda s: (s.occurred_on, s.sequence))
    result = _replay(table, case, history)
    _confirm(corrected, result, confirmed)
    step.superseded_at = timezone.now()
    step.superseded_by = by
    step.superseded_reason = reason
    step.save(update_fields=["superseded_at", "superseded_by", "superseded_reason"])
    new.save()
    step.replaced_by = new
    step.save(update_fields=["replaced_by"])
    refresh_case(case, table, history)
    audit.record(
        "case.step_corrected",
        organisation=case.organisation,
        actor=by,
        obj=new,
        request=request,
        data={"case": str(case.pk), "replaces": str(step.pk)},
    )
    return new


# --- the chosen residence, notes, documents, appointments, referrals ------------------------


@transaction.atomic
def record_chosen_residence(
    *,
    case: Case,
    address: str,
    valid_from: dt.date,
    communicated_how: str,
    by: User | None,
    request: HttpRequest | None = None,
) -> ChosenResidence:
    """Record the address chosen for the procedure from a date (notifications go there)."""
    errors = {}
    if not (address or "").strip():
        errors["address"] = _("Give the address.")
    if valid_from > _today():
        errors["valid_from"] = _("The date %(date)s is in the future.") % {
            "date": valid_from.isoformat()
        }
    if communicated_how not in ResidenceCommunication.values:
        errors["communicated_how"] = _("Say how the authorities were told.")
    if errors:
        raise ValidationError(errors)
    residence = ChosenResidence.objects.create(
        organisation_id=case.organisation_id,
        case=case,
        address=address.strip(),
        valid_from=valid_from,
        communicated_how=communicated_how,
        recorded_by=by,
    )
    audit.record(
        "case.residence_recorded",
        organisation=case.organisation,
        actor=by,
        obj=residence,
        request=request,
        data={"case": str(case.pk)},
    )
    return residence


@transaction.atomic
def add_note(
    *, case: Case, text: str, by: User | None, request: HttpRequest | None = None
) -> CaseNote:
    """Add an encrypted note to a case."""
    if not (text or "").strip():
        raise ValidationError({"text": _("The note is empty.")})
    note = CaseNote.objects.create(
        organisation_id=case.organisation_id, case=case, text=text.strip(), author=by
    )
    audit.record(
        "case.note_added",
        organisation=case.organisation,
        actor=by,
        obj=note,
        request=request,
        data={"case": str(case.pk)},
    )
    return note


@transaction.atomic
def add_document(
    *,
    case: Case,
    upload,
    by: User | None,
    description: str = "",
    request: HttpRequest | None = None,
) -> CaseDocument:
    """Attach a file to a case: checked, stripped of metadata, encrypted under a random name."""
    clean = clean_upload(upload)
    document = CaseDocument(
        organisation_id=case.organisation_id,
        case=case,
        description=(description or "").strip(),
        original_name=clean.original_name[:200],
        content_type=clean.content_type,
        uploaded_by=by,
    )
    store = EncryptedFileStore()
    document.stored_file = store.save(
        clean.data, key=case.person.data_key(), context=document.file_context()
    )
    try:
        document.save()
        audit.record(
            "case.document_added",
            organisation=case.organisation,
            actor=by,
            obj=document,
            request=request,
            data={"case": str(case.pk)},
        )
    except BaseException:
        # Nothing was recorded, so the encrypted file must not stay behind.
        store.delete(document.stored_file)
        raise
    return document


def open_document(
    *, document: CaseDocument, by: User | None, request: HttpRequest | None = None
) -> OpenedFile:
    """Decrypt a case document for the member who asked (audited as a read)."""
    audit.record_read(
        "case_document.viewed",
        organisation=document.case.organisation,
        actor=by,
        obj=document,
        request=request,
        data={"case": str(document.case_id)},
    )
    return open_document_file(document)


@transaction.atomic
def schedule_appointment(
    *,
    case: Case,
    kind: str,
    starts_at: dt.datetime,
    by: User,
    place: str = "",
    attendee: User | None = None,
    duration_minutes: int = 60,
    request: HttpRequest | None = None,
) -> Appointment:
    """Put an appointment of the case in the calendar of the member who goes with the person."""
    if kind not in AppointmentKind.values:
        raise ValidationError({"kind": _("Choose the kind of appointment.")})
    if not 5 <= duration_minutes <= 24 * 60:
        raise ValidationError(
            {"duration_minutes": _("Give a duration between 5 minutes and a day.")}
        )
    attendee = attendee or by
    _active_member(case.organisation, attendee)
    appointment = Appointment.objects.create(
        organisation_id=case.organisation_id,
        case=case,
        kind=kind,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=(place or "").strip(),
        attendee=attendee,
        created_by=by,
    )
    audit.record(
        "case.appointment_scheduled",
        organisation=case.organisation,
        actor=by,
        obj=appointment,
        request=request,
        data={"case": str(case.pk), "attendee": attendee.pk},
    )
    return appointment


@transaction.atomic
def make_referral(
    *,
    case: Case,
    kind: str,
    recipient: str,
    by: User | None,
    consent_on: dt.date | None,
    consent_how: str,
    consent_scope: str,
    purpose: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Refer the person to a lawyer or partner; refused unless their consent is recorded."""
    if not consent_on or consent_how not in ConsentForm.values or not (consent_scope or "").strip():
        raise ValidationError(
            _(
                "A referral needs the person's consent to it, recorded: the date they gave it, "
                "how it was recorded and what they agreed to share. Nothing was sent or saved."
            ),
            code="no_consent",
        )
    errors = {}
    if consent_on > _today():
        errors["consent_on"] = _("The consent date %(date)s is in the future.") % {
            "date": consent_on.isoformat()
        }
    if kind not in ReferralKind.values:
        errors["kind"] = _("Choose a lawyer or a partner organisation.")
    if not (recipient or "").strip():
        errors["recipient"] = _("Name the lawyer or organisation.")
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        organisation_id=case.organisation_id,
        case=case,
        kind=kind,
        recipient=recipient.strip(),
        purpose=(purpose or "").strip(),
        consent_on=consent_on,
        consent_how=consent_how,
        consent_scope=consent_scope.strip(),
        made_by=by,
    )
    audit.record(
        "case.referral_made",
        organisation=case.organisation,
        actor=by,
        obj=referral,
        request=request,
        data={"case": str(case.pk)},
    )
    return referral


# --- the rule table -------------------------------------------------------------------------


@transaction.atomic
def edit_deadline_rule(
    *,
    organisation: Organisation,
    rule_code: str,
    effective_from: dt.date,
    source: str,
    by: User,
    days: int = 0,
    months: int = 0,
    reason: str = "",
    request: HttpRequest | None = None,
) -> RuleTableEdit:
    """Change a deadline from a date on; cases notified since then get the new deadline."""
    table = organisation_table(organisation.pk)
    versions = [r for r in table.deadlines if r.code == rule_code]
    if not versions:
        raise ValidationError({"rule_code": _("There is no such deadline rule.")})
    errors = {}
    if days <= 0 and months <= 0:
        errors["days"] = _("Give the period in days or months.")
    if not (source or "").strip():
        errors["source"] = _("Every deadline names its legal source.")
    if RuleTableEdit.objects.filter(
        organisation=organisation, rule_code=rule_code, effective_from=effective_from
    ).exists():
        errors["effective_from"] = _("This rule already changes on that date.")
    if errors:
        raise ValidationError(errors)
    edit = RuleTableEdit.objects.create(
        organisation=organisation,
        rule_code=rule_code,
        effective_from=effective_from,
        days=days,
        months=months,
        source=source.strip(),
        reason=(reason or "").strip(),
        created_by=by,
    )
    # Cases notified on or after the date now fall under the new rule: recompute them.
    opened_by = {r.opened_by for r in versions}
    affected = Case.objects.filter(
        organisation=organisation,
        ended=False,
        steps__code__in=opened_by,
        steps__superseded_at__isnull=True,
        # A registered letter counts as notified days after the decision's date.
        steps__occurred_on__gte=effective_from - dt.timedelta(days=31),
    ).distinct()
    new_table = organisation_table(organisation.pk)
    recomputed = 0
    for case in affected.select_related("organisation"):
        refresh_case(case, new_table)
        recomputed += 1
    audit.record(
        "cases.rule_edited",
        organisation=organisation,
        actor=by,
        obj=edit,
        request=request,
        data={"rule": rule_code, "cases_recomputed": recomputed},
    )
    return edit
