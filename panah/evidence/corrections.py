"""A researcher's corrections from a victim's page: split a report out, merge two victims, mark
a report confirmed, unverified or excluded.

Each is a decision about reports, not about today's clusters, so the next linkage run keeps it:
a split is recorded as "different people" between the report and each other report of the
victim, a merge as "same person" between the two victims' first reports (through
`linkage_runs.decide_pair`), a verification on the report itself with a VerificationDecision (an
excluded report is linked to no victim). Each is applied to the victims at once, written to the
merge/split history with its reason, and audited with ids only, never a name.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from panah.core import audit
from panah.core.models import Organisation, User

from .linkage_runs import (
    REPORT_COLUMNS,
    _chained,
    _lock,
    _new_victim,
    canonical_record,
    current_decisions,
    current_victim_of,
    decide_pair,
)
from .models import (
    MergeSplitEvent,
    Report,
    ReviewDecision,
    ReviewPair,
    Verification,
    VerificationDecision,
    Victim,
    VictimMembership,
)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why: the reason is kept with the decision."))
    return reason


def _current(organisation: Organisation, victim: Victim) -> Victim:
    """The victim locked for the change; refused when a later change has replaced it."""
    locked = Victim.objects.select_for_update().get(pk=victim.pk, organisation=organisation)
    if locked.retired_at is not None:
        raise ValidationError(
            _("This victim was replaced by a later change: open the current one and try again.")
        )
    return locked


def _report_ids(victim: Victim) -> list[int]:
    return sorted(
        VictimMembership.objects.filter(victim=victim).values_list("report_id", flat=True)
    )


def _record_pair(
    organisation: Organisation,
    a: int,
    b: int,
    decision: str,
    reason: str,
    by: User,
    at: dt.datetime,
) -> ReviewDecision:
    """A decision on one pair of reports, replacing the pair's current one (kept, superseded)."""
    a, b = sorted((a, b))
    previous = (
        ReviewDecision.objects.select_for_update()
        .filter(organisation=organisation, report_a_id=a, report_b_id=b, superseded_at__isnull=True)
        .first()
    )
    if previous is not None:
        previous.superseded_at = at
        previous.save(update_fields=["superseded_at"])
    made = ReviewDecision.objects.create(
        organisation=organisation, report_a_id=a, report_b_id=b, decision=decision,
        reason=reason, decided_by=by, decided_at=at,
    )  # fmt: skip
    if previous is not None:
        previous.superseded_by = made
        previous.save(update_fields=["superseded_by"])
    return made


@transaction.atomic
def split_report_out(
    *,
    organisation: Organisation,
    victim: Victim,
    report: Report,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> MergeSplitEvent:
    """Take a report out of a victim it was wrongly merged into: it becomes a victim of its own.

    Recorded as "different people" between the report and each other report of the victim
    (replacing any "same person" among them), so no later linkage run puts it back.
    """
    reason = _reason(reason)
    _lock(organisation)
    victim = _current(organisation, victim)
    ids = _report_ids(victim)
    if report.pk not in ids:
        raise ValidationError(_("This report is not one of this victim's reports."))
    others = [i for i in ids if i != report.pk]
    if not others:
        raise ValidationError(_("This is the victim's only report: there is nothing to split."))
    must, _cannot = current_decisions(organisation)
    pairs = {tuple(sorted((report.pk, o))) for o in others}
    remaining = [p for p in must if p not in pairs]
    tied = [o for o in others if _chained(remaining, report.pk, o)]
    if tied:
        raise ValidationError(
            _(
                "Confirmed matches through other reports still tie this report to reports "
                "%(ids)s; change those decisions first."
            )
            % {"ids": ", ".join(map(str, tied))}
        )
    now = timezone.now()
    decisions = [
        _record_pair(organisation, report.pk, o, ReviewDecision.Decision.NON_MATCH, reason, by, now)
        for o in others
    ]
    event = MergeSplitEvent.objects.create(
        organisation=organisation, kind=MergeSplitEvent.Kind.SPLIT, at=now, by=by,
        reason=reason, victims_before=[victim.pk], reports=[report.pk],
    )  # fmt: skip
    Victim.objects.filter(pk=victim.pk).update(retired_at=now)
    rest = _new_victim(organisation, others, event, now)
    alone = _new_victim(organisation, [report.pk], event, now)
    event.victims_after = [rest.pk, alone.pk]
    event.save(update_fields=["victims_after"])
    for a, b in pairs:
        ReviewPair.objects.filter(organisation=organisation, report_a_id=a, report_b_id=b).delete()
    audit.record(
        "evidence.report_split_out",
        organisation=organisation,
        actor=by,
        obj=event,
        request=request,
        data={
            "report": report.pk,
            "victims_before": [victim.pk],
            "victims_after": event.victims_after,
            "decisions": [d.pk for d in decisions],
        },
    )
    return event


@transaction.atomic
def merge_victims(
    *,
    organisation: Organisation,
    victim: Victim,
    other: Victim,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> ReviewDecision:
    """Say two victims are one person: "same person" between their first reports, applied at
    once by the review's own merge (a report a confirmed split keeps apart stays apart)."""
    reason = _reason(reason)
    if victim.pk == other.pk:
        raise ValidationError(_("Choose another victim: a victim cannot be merged with itself."))
    if other.organisation_id != organisation.pk:
        raise ValidationError(_("There is no such victim."))
    _lock(organisation)
    victim, other = _current(organisation, victim), _current(organisation, other)
    first, second = _report_ids(victim), _report_ids(other)
    if not first or not second:
        raise ValidationError(_("A victim without reports cannot be merged."))
    decision = decide_pair(
        organisation=organisation,
        report_a=Report.objects.get(pk=first[0]),
        report_b=Report.objects.get(pk=second[0]),
        decision=ReviewDecision.Decision.MATCH,
        reason=reason,
        by=by,
        request=request,
    )
    audit.record(
        "evidence.victims_merged",
        organisation=organisation,
        actor=by,
        obj=decision,
        request=request,
        data={
            "victims_before": [victim.pk, other.pk],
            "victims_after": sorted(set(current_victim_of(first + second).values())),
        },
    )
    return decision


@transaction.atomic
def set_verification(
    *,
    organisation: Organisation,
    report: Report,
    verification: str,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> VerificationDecision:
    """Mark a report confirmed, unverified or excluded, and why.

    An excluded report leaves its victim at once (the rest stay one victim) and no linkage run
    reads it; a report brought back becomes a victim of its own until the next run links it.
    """
    reason = _reason(reason)
    if verification not in Verification.values:
        raise ValidationError(_("Unknown verification."))
    if report.organisation_id != organisation.pk:
        raise ValidationError(_("There is no such report."))
    _lock(organisation)
    report = Report.objects.select_for_update().get(pk=report.pk)
    previous = report.verification
    if previous == verification:
        raise ValidationError(_("The report is already marked so."))
    now = timezone.now()
    made = VerificationDecision.objects.create(
        organisation=organisation, report=report, previous=previous, verification=verification,
        reason=reason, decided_by=by, decided_at=now,
    )  # fmt: skip
    report.verification = verification
    report.save(update_fields=["verification"])
    victim_id = current_victim_of([report.pk]).get(report.pk)
    event = None
    if verification == Verification.EXCLUDED and victim_id is not None:
        victim = _current(organisation, Victim(pk=victim_id))
        others = [i for i in _report_ids(victim) if i != report.pk]
        event = MergeSplitEvent.objects.create(
            organisation=organisation, kind=MergeSplitEvent.Kind.MOVE, at=now, by=by,
            reason=reason, victims_before=[victim.pk], reports=[report.pk],
        )  # fmt: skip
        Victim.objects.filter(pk=victim.pk).update(retired_at=now)
        if others:
            event.victims_after = [_new_victim(organisation, others, event, now).pk]
            event.save(update_fields=["victims_after"])
        ReviewPair.objects.filter(organisation=organisation, report_a=report).delete()
        ReviewPair.objects.filter(organisation=organisation, report_b=report).delete()
    elif previous == Verification.EXCLUDED and victim_id is None:
        event = MergeSplitEvent.objects.create(
            organisation=organisation, kind=MergeSplitEvent.Kind.MOVE, at=now, by=by,
            reason=reason, victims_before=[], reports=[report.pk],
        )  # fmt: skip
        event.victims_after = [_new_victim(organisation, [report.pk], event, now).pk]
        event.save(update_fields=["victims_after"])
    elif victim_id is not None:
        refresh_canonical_record(victim_id)
    audit.record(
        "evidence.report_verification",
        organisation=organisation,
        actor=by,
        obj=made,
        request=request,
        data={
            "report": report.pk,
            "from": previous,
            "to": verification,
            "event": event.pk if event else None,
        },
    )
    return made


def refresh_canonical_record(victim_id: int) -> None:
    """Recompute a victim's canonical record from its reports (after one of them changed)."""
    ids = _report_ids(Victim(pk=victim_id))
    reports = list(Report.objects.filter(pk__in=ids).order_by("pk").values(*REPORT_COLUMNS))
    Victim.objects.filter(pk=victim_id).update(**canonical_record(reports))
