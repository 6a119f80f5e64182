"""Every write of the shelter app: one function per intention, in a transaction, audited.

Safeguarding is enforced here as well as in the matcher, from the same rule table
(panah.shelter.safeguarding): a placement proposed by hand, confirmed or started is checked
again against the records as they are now, and a refusal names the rule that blocked it.
Audit entries carry ids, rule codes and field names, never personal values.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from panah.core import audit
from panah.core.models import Organisation, User
from panah.people.models import Household, Person
from panah.people.services import create_person, update_person
from panah.safety.queries import flagged_people

from . import dynamic, matching, notices, safeguarding
from .models import (
    ACTIVE,
    HOLDING,
    MATCH_POLICIES,
    ROOFLESS,
    CheckIn,
    CheckInKind,
    Episode,
    EpisodeKind,
    Host,
    HostKind,
    MatchRun,
    Need,
    NextPlace,
    NoticeKind,
    NoticeRecipient,
    Offer,
    Placement,
    PlacementStatus,
    Vulnerability,
)

NEED_FIELDS = (
    "without_roof_since", "adult_women", "adult_men", "children", "unaccompanied_minor",
    "needs_accessible", "safety_alert", "area", "area_required", "fedasil_status",
    "fedasil_since", "place_needed_until", "sleeping_now", "vulnerabilities", "languages",
    "area_constraints", "notes", "external_reference",
)  # fmt: skip
# The fields the edit pages show (the rest are set by imports or by other services).
NEED_FORM_FIELDS = (
    "without_roof_since", "sleeping_now", "adult_women", "adult_men", "children",
    "unaccompanied_minor", "vulnerabilities", "needs_accessible", "languages", "area",
    "area_required", "area_constraints", "fedasil_status", "fedasil_since", "place_needed_until",
    "notes",
)  # fmt: skip
HOST_FORM_FIELDS = (
    "kind", "name", "phone", "email", "address", "languages", "area", "shares_guest_details",
)  # fmt: skip
HOST_FIELDS = (
    "kind", "name", "phone", "email", "address", "languages", "area", "shares_guest_details",
    "external_reference",
)  # fmt: skip
OFFER_FIELDS = (
    "beds", "max_households", "max_men", "available_from", "available_until", "stay_days",
    "accepts_women_children", "accepts_families", "accepts_single_men", "accepts_single_women",
    "accepts_unaccompanied_minors", "accessible", "pets", "smoking",
)  # fmt: skip
# Shown on a placement's page: when the caseworker should check in, in days after the start.
CHECK_IN_DAYS = (2, 7, 14, 28)
# A placement ending without a next place raises an alert this many days before it ends.
ALERT_DAYS = 7


class SafeguardingRefusal(ValidationError):
    """A write refused by safeguarding rules; `codes` names them."""

    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = list(codes)
        names = [safeguarding.rule_name(code) for code in self.codes]
        super().__init__(
            [_("Blocked by the rule: %(rule)s.") % {"rule": name} for name in names],
            code="safeguarding",
        )


def _check(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown fields: {', '.join(sorted(unknown))}")


def _set_fields(obj, fields: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in fields.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return sorted(changed)


def _validate_need(need: Need) -> None:
    # A value outside a field's choices (the Fedasil status, the area) is refused by name: a
    # service called from an import or a command has no form to check it.
    for field in Need._meta.concrete_fields:
        if field.choices:
            try:
                field.validate(getattr(need, field.attname), need)
            except ValidationError as exc:
                raise ValidationError({field.name: exc.messages}) from None
    if need.size == 0:
        raise ValidationError(_("A household has at least one person."))
    if need.unaccompanied_minor and (need.adult_women or need.adult_men or not need.children):
        raise ValidationError(
            {"unaccompanied_minor": _("A minor without a guardian is one child and no adult.")}
        )
    unknown = set(need.vulnerabilities or []) - set(Vulnerability.values)
    if unknown:
        raise ValidationError({"vulnerabilities": _("Unknown vulnerability.")})
    if need.without_roof_since > timezone.localdate():
        raise ValidationError({"without_roof_since": _("This date is in the future.")})


# --- needs -------------------------------------------------------------------------------------


@transaction.atomic
def register_need(
    *,
    organisation: Organisation,
    person: Person,
    by: User | None,
    request: HttpRequest | None = None,
    household: Household | None = None,
    sleeping_in: str = EpisodeKind.STREET,
    **fields: Any,
) -> Need:
    """Register a person or household without a roof; opens their roofless episode."""
    _check(fields, NEED_FIELDS)
    if person.organisation_id != organisation.pk:
        raise ValidationError(_("This person belongs to another organisation."))
    if Need.objects.filter(person=person, closed_on__isnull=True).exists():
        raise ValidationError(_("This person already has an open need for shelter."))
    need = Need(organisation=organisation, person=person, household=household, opened_by=by)
    _set_fields(need, fields)
    need.vulnerability_count = len(need.vulnerabilities or [])
    _validate_need(need)
    need.save()
    _move_to(person, sleeping_in, need.without_roof_since)
    audit.record(
        "shelter.need_registered",
        organisation=organisation,
        actor=by,
        obj=need,
        request=request,
        data={"fields": sorted(k for k, v in fields.items() if v not in ("", None, [], False))},
    )
    return need


@transaction.atomic
def update_need(
    *, need: Need, by: User | None, request: HttpRequest | None = None, **fields: Any
) -> list[str]:
    """Change what is known of a need; returns the names of the fields that changed.

    A place already proposed or confirmed for the household is checked again against the
    safeguarding rules with the new facts: a change that would break one is refused, named.
    """
    _check(fields, NEED_FIELDS)
    need = Need.objects.select_for_update().get(pk=need.pk)
    before = need.without_roof_since
    changed = _set_fields(need, fields)
    if not changed:
        return []
    need.vulnerability_count = len(need.vulnerabilities or [])
    _validate_need(need)
    _recheck(Placement.objects.filter(need=need), need=need)
    if "without_roof_since" in changed:
        _move_roofless_start(need, before)
    need.save()
    audit.record(
        "shelter.need_updated",
        organisation=need.organisation,
        actor=by,
        obj=need,
        request=request,
        data={"fields": changed},
    )
    return changed


def _move_roofless_start(need: Need, before: dt.date) -> None:
    """The street episode the need opened starts on the corrected date, so nights follow."""
    episode = (
        Episode.objects.filter(
            person_id=need.person_id, kind__in=ROOFLESS, started_on=before, placement=None
        )
        .order_by("-pk")
        .first()
    )
    if episode is None:
        return
    if episode.ended_on and episode.ended_on < need.without_roof_since:
        raise ValidationError(
            {"without_roof_since": _("The household had a roof on that date already.")}
        )
    earlier = Episode.objects.filter(person_id=need.person_id, started_on__lt=before).exclude(
        pk=episode.pk
    )
    if earlier.filter(ended_on__gte=need.without_roof_since).exists():
        raise ValidationError(
            {"without_roof_since": _("This overlaps an earlier stay recorded for this person.")}
        )
    episode.started_on = need.without_roof_since
    episode.save(update_fields=["started_on"])


def _recheck(placements, *, need: Need | None = None, offer: Offer | None = None, host=None):
    """Refuse a change that would make a holding placement break a rule it kept until now.

    `need`, `offer` or `host` are the changed records, not yet saved; the rules are evaluated
    on them and on the records as saved, and only the rules the change would break are named.
    """
    broken: list[str] = []
    for placement in placements.filter(status__in=[s.value for s in HOLDING]).select_related(
        "need", "offer__host"
    ):
        on = placement.starts_on
        kept = set(rules_blocking(placement.need, placement.offer, on=on, exclude=placement))
        new_offer = offer if offer is not None and offer.pk == placement.offer_id else None
        new_offer = new_offer or placement.offer
        if host is not None and new_offer.host_id == host.pk:
            new_offer.host = host
        new_need = need if need is not None and need.pk == placement.need_id else placement.need
        now = rules_blocking(new_need, new_offer, on=on, exclude=placement)
        broken += [code for code in now if code not in kept and code not in broken]
    if broken:
        raise SafeguardingRefusal(broken)


def _move_to(person: Person, kind: str, on: dt.date, placement: Placement | None = None) -> None:
    """Close the person's open accommodation episode the day before `on` and open `kind`."""
    current = Episode.objects.filter(person=person, ended_on__isnull=True).first()
    if current is not None:
        if current.kind == kind and current.placement_id == (placement and placement.pk):
            return
        if current.started_on >= on:
            # Same day: the earlier episode never really began; it ends the day it started.
            current.ended_on = current.started_on
        else:
            current.ended_on = on - dt.timedelta(days=1)
        current.save(update_fields=["ended_on"])
    Episode.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        kind=kind,
        started_on=on,
        placement=placement,
    )


# --- hosts and offers --------------------------------------------------------------------------


@transaction.atomic
def register_host(
    *,
    organisation: Organisation,
    by: User | None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Host:
    """Register a host or a collective shelter; it receives no one until it is vetted."""
    _check(fields, HOST_FIELDS)
    if not (fields.get("name") or "").strip():
        raise ValidationError({"name": _("Give the host's name.")})
    contact = create_person(
        organisation=organisation, by=by, request=request, given_name_latin=fields["name"].strip()
    )
    host = Host(organisation=organisation, person=contact, created_by=by)
    _set_fields(host, fields)
    host.save()
    audit.record(
        "shelter.host_registered",
        organisation=organisation,
        actor=by,
        obj=host,
        request=request,
        data={"fields": sorted(k for k, v in fields.items() if v not in ("", None, [], False))},
    )
    return host


@transaction.atomic
def record_vetting(
    *,
    host: Host,
    by: User | None,
    request: HttpRequest | None = None,
    home_visit_on: dt.date | None,
    home_visit_by: User | None,
    references_checked: bool,
    charter_signed_on: dt.date | None,
    vetting_renewal_on: dt.date | None,
    cleared_for_safety_alerts: bool = False,
) -> Host:
    """Record the home visit, references, charter and renewal date of a host."""
    if home_visit_on and vetting_renewal_on and vetting_renewal_on < home_visit_on:
        raise ValidationError(
            {"vetting_renewal_on": _("The renewal date comes before the home visit.")}
        )
    if home_visit_on and not home_visit_by:
        raise ValidationError({"home_visit_by": _("Say who made the home visit.")})
    fields = {
        "home_visit_on": home_visit_on,
        "home_visit_by": home_visit_by,
        "references_checked": references_checked,
        "charter_signed_on": charter_signed_on,
        "vetting_renewal_on": vetting_renewal_on,
        "cleared_for_safety_alerts": cleared_for_safety_alerts,
    }
    changed = _set_fields(host, fields)
    host.save()
    audit.record(
        "shelter.host_vetted",
        organisation=host.organisation,
        actor=by,
        obj=host,
        request=request,
        data={"fields": changed, "vetted": host.vetted_on(timezone.localdate())},
    )
    return host


@transaction.atomic
def add_offer(
    *, host: Host, by: User | None, request: HttpRequest | None = None, **fields: Any
) -> Offer:
    """Offer beds of a host for a window of dates; the same beds are never offered twice."""
    _check(fields, OFFER_FIELDS)
    offer = Offer(organisation=host.organisation, host=host)
    _set_fields(offer, fields)
    _check_offer(offer)
    offer.save()
    audit.record(
        "shelter.offer_added",
        organisation=host.organisation,
        actor=by,
        obj=offer,
        request=request,
        data={"host": str(host.pk), "beds": offer.beds},
    )
    return offer


@transaction.atomic
def update_host(
    *, host: Host, by: User | None, request: HttpRequest | None = None, **fields: Any
) -> list[str]:
    """Change a host's details; its current placements are checked again against the rules."""
    _check(fields, HOST_FIELDS)
    host = Host.objects.select_for_update().get(pk=host.pk)
    changed = _set_fields(host, fields)
    if not changed:
        return []
    if not (host.name or "").strip():
        raise ValidationError({"name": _("Give the host's name.")})
    families_only = host.kind != HostKind.COLLECTIVE
    open_offers = host.offers.filter(withdrawn_on__isnull=True, max_households__gt=1)
    if "kind" in changed and families_only and open_offers.exists():
        raise ValidationError({"kind": _("A host family receives one household at a time.")})
    _recheck(Placement.objects.filter(offer__host=host), host=host)
    host.save()
    if "name" in changed:
        # The contact person (the people list) carries the host's name given at registration.
        update_person(
            person=host.person, by=by, request=request, given_name_latin=host.name.strip()
        )
    audit.record(
        "shelter.host_updated",
        organisation=host.organisation,
        actor=by,
        obj=host,
        request=request,
        data={"fields": changed},
    )
    return changed


def _check_offer(offer: Offer) -> None:
    """An offer's own rules: one household for a family, an ordered window, beds offered once."""
    if offer.host.kind != HostKind.COLLECTIVE and offer.max_households > 1:
        raise ValidationError(
            {"max_households": _("A host family receives one household at a time.")}
        )
    if offer.available_until and offer.available_until < offer.available_from:
        raise ValidationError({"available_until": _("The offer ends before it starts.")})
    Host.objects.select_for_update().filter(pk=offer.host_id).first()
    overlapping = (
        Offer.objects.filter(host_id=offer.host_id, withdrawn_on__isnull=True)
        .exclude(pk=offer.pk)
        .filter(Q(available_until__isnull=True) | Q(available_until__gte=offer.available_from))
    )
    if offer.available_until:
        overlapping = overlapping.filter(available_from__lte=offer.available_until)
    if overlapping.exists():
        raise ValidationError(
            _(
                "This host already offers beds on these dates: change that offer rather than "
                "offering the same beds twice."
            ),
            code="offered_twice",
        )


@transaction.atomic
def update_offer(
    *, offer: Offer, by: User | None, request: HttpRequest | None = None, **fields: Any
) -> list[str]:
    """Change an offer; the households it holds are checked again against every rule."""
    _check(fields, OFFER_FIELDS)
    offer = Offer.objects.select_for_update().select_related("host").get(pk=offer.pk)
    changed = _set_fields(offer, fields)
    if not changed:
        return []
    _check_offer(offer)
    _recheck(Placement.objects.filter(offer=offer), offer=offer)
    offer.save()
    audit.record(
        "shelter.offer_updated",
        organisation=offer.organisation,
        actor=by,
        obj=offer,
        request=request,
        data={"host": str(offer.host_id), "fields": changed},
    )
    return changed


# --- matching ----------------------------------------------------------------------------------


def nights_without_shelter(person_ids: Iterable, *, on: dt.date) -> dict:
    """Nights each person spent in the street or a night shelter up to `on` (from episodes)."""
    nights: dict = {}
    episodes = Episode.objects.filter(person_id__in=list(person_ids), kind__in=ROOFLESS)
    for person_id, started, ended in episodes.values_list("person_id", "started_on", "ended_on"):
        # An episode's days are its nights: from its first day through its last (or `on`).
        end = min(ended or on, on)
        if end >= started:
            nights[person_id] = nights.get(person_id, 0) + (end - started).days + 1
    return nights


def needs_under_alert(needs: Iterable[Need]) -> set:
    """The needs under a safety alert: set on the need, or a safety flag on its lead or anyone
    of its household (the safety module's flag, a fact it publishes; never a sealed fact)."""

    needs = list(needs)
    if not needs:
        return set()
    household_ids = {n.household_id for n in needs if n.household_id}
    members: dict = {}
    for person_id, household_id in Person.objects.filter(
        household_id__in=household_ids
    ).values_list("pk", "household_id"):
        members.setdefault(household_id, []).append(person_id)
    people = {n.pk: {n.person_id, *members.get(n.household_id, [])} for n in needs}
    flagged = flagged_people(
        needs[0].organisation_id, {pid for group in people.values() for pid in group}
    )
    return {n.pk for n in needs if n.safety_alert or people[n.pk] & flagged}


def need_row(
    need: Need,
    nights: int = 0,
    *,
    alert: bool | None = None,
    on: dt.date | None = None,
    refused: frozenset = frozenset(),
) -> matching.NeedRow:
    """What the matcher and the rules see of a need (`alert`: from `needs_under_alert`).

    `on`: the day matched for; the nights a place is expected to be needed count from it (a
    "needs a place until about" date already past counts as not known). `refused`: the offers
    the household refused, which a run does not propose to them again.
    """
    expected = None
    if need.place_needed_until is not None:
        left = (need.place_needed_until - (on or timezone.localdate())).days
        expected = left if left > 0 else None
    return matching.NeedRow(
        id=need.pk,
        women=need.adult_women,
        men=need.adult_men,
        children=need.children,
        area=need.area,
        unaccompanied=need.unaccompanied_minor,
        alert=need.safety_alert if alert is None else alert,
        accessible=need.needs_accessible,
        area_required=need.area_required,
        languages=tuple(need.languages or ()),
        vulnerabilities=need.vulnerability_count,
        nights=nights,
        expected_nights=expected,
        refused=refused,
    )


def offer_row(offer: Offer, *, on: dt.date, beds_taken: int = 0, households: int = 0):
    """What the matcher and the rules see of an offer on `on`, after what is already taken."""
    host = offer.host
    open_on = (
        offer.withdrawn_on is None
        and offer.available_from <= on
        and (offer.available_until is None or offer.available_until >= on)
    )
    return matching.OfferRow(
        id=offer.pk,
        beds=max(0, offer.beds - beds_taken),
        area=host.area,
        max_households=max(1, offer.max_households - households),
        max_men=offer.max_men,
        host_single_man=host.kind == HostKind.SINGLE_MAN,
        accepts_families=offer.accepts_families,
        accepts_women_children=offer.accepts_women_children,
        accepts_single_men=offer.accepts_single_men,
        accepts_single_women=offer.accepts_single_women,
        accepts_minors=offer.accepts_unaccompanied_minors,
        accessible=offer.accessible,
        cleared=host.cleared_for_safety_alerts,
        shares=host.shares_guest_details,
        languages=tuple(host.languages or ()),
        vetted=host.vetted_on(on),
        available=open_on and offer.max_households - households > 0 and beds_taken < offer.beds,
    )


def _taken(offers: Iterable[Offer], *, exclude: Placement | None = None) -> dict:
    """Beds and households each offer already holds (proposals included)."""
    taken: dict = {}
    rows = Placement.objects.filter(offer__in=list(offers), status__in=[s.value for s in HOLDING])
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    for offer_id, beds in rows.values_list("offer_id", "beds"):
        b, h = taken.get(offer_id, (0, 0))
        taken[offer_id] = (b + beds, h + 1)
    return taken


def _as_columns(row) -> dict:
    import numpy as np  # noqa: PLC0415 (numpy is slow to import; only this path needs it)

    if isinstance(row, matching.NeedRow):
        return {
            "size": np.array([row.size]),
            "women": np.array([row.women]),
            "men": np.array([row.men]),
            "children": np.array([row.children]),
            "area": np.array([row.area]),
            "unaccompanied": np.array([row.unaccompanied]),
            "alert": np.array([row.alert]),
            "accessible": np.array([row.accessible]),
            "area_required": np.array([row.area_required]),
        }
    return {
        key: np.array([getattr(row, attr)])
        for key, attr in (
            ("beds", "beds"), ("max_men", "max_men"), ("area", "area"),
            ("host_single_man", "host_single_man"), ("accepts_families", "accepts_families"),
            ("accepts_women_children", "accepts_women_children"),
            ("accepts_single_men", "accepts_single_men"),
            ("accepts_single_women", "accepts_single_women"),
            ("accepts_minors", "accepts_minors"), ("accessible", "accessible"),
            ("cleared", "cleared"), ("shares", "shares"), ("vetted", "vetted"),
            ("available", "available"),
        )
    }  # fmt: skip


def rules_blocking(need: Need, offer: Offer, *, on: dt.date, exclude=None) -> list[str]:
    """The codes of the safeguarding rules that forbid placing `need` in `offer` on `on`."""
    beds, households = _taken([offer], exclude=exclude).get(offer.pk, (0, 0))
    row = offer_row(offer, on=on, beds_taken=beds, households=households)
    alert = need.pk in needs_under_alert([need])
    return safeguarding.blocking_rules(_as_columns(need_row(need, alert=alert)), _as_columns(row))


@transaction.atomic
def run_matcher(
    *,
    organisation: Organisation,
    by: User | None,
    request: HttpRequest | None = None,
    on: dt.date | None = None,
    time_limit: float = 10.0,
    policy: str | None = None,
) -> MatchRun:
    """Match every open need with every open offer; earlier unconfirmed proposals are dropped.

    `policy` (default: the SHELTER_MATCH_POLICY setting): "optimal" matches today's needs and
    offers; "dynamic" also weighs who is likely to arrive (panah.shelter.dynamic).
    """

    policy = policy or getattr(settings, "SHELTER_MATCH_POLICY", MATCH_POLICIES[0])
    if policy not in MATCH_POLICIES:
        raise ValueError(f"unknown matcher policy {policy!r}")
    on = on or timezone.localdate()
    # A coordinator's own proposal (by hand) stays: it holds its beds like a confirmed one.
    # (has_key, not by_hand=True: a missing key compares as NULL and would keep every row.)
    Placement.objects.filter(status=PlacementStatus.PROPOSED).exclude(
        explanation__has_key="by_hand"
    ).update(status=PlacementStatus.DISCARDED)
    placed = Placement.objects.filter(status__in=[s.value for s in HOLDING]).values("need_id")
    needs = list(
        Need.objects.filter(closed_on__isnull=True).exclude(pk__in=placed).select_related("person")
    )
    nights = nights_without_shelter((n.person_id for n in needs), on=on)
    offers = list(Offer.objects.filter(withdrawn_on__isnull=True).select_related("host"))
    taken = _taken(offers)
    rows = [
        offer_row(o, on=on, beds_taken=taken.get(o.pk, (0, 0))[0],
                  households=taken.get(o.pk, (0, 0))[1])
        for o in offers
    ]  # fmt: skip
    alerts = needs_under_alert(needs)
    refused: dict = defaultdict(set)
    # Open needs' refusals (a join, not a list of thousands of ids as parameters).
    for need_id, offer_id in Placement.objects.filter(
        need__closed_on__isnull=True, status=PlacementStatus.REFUSED
    ).values_list("need_id", "offer_id"):
        refused[need_id].add(offer_id)
    need_rows = [
        need_row(
            n, nights.get(n.person_id, 0), alert=n.pk in alerts, on=on,
            refused=frozenset(refused.get(n.pk, ())),
        )
        for n in needs
    ]  # fmt: skip
    if policy == "dynamic":
        result = _propose_dynamic(need_rows, offers, rows, on=on, time_limit=time_limit)
        # A model too large (or unsolved) gives way to the one-day matcher: say which ran.
        if result.stats.get("policy") != "dynamic":
            policy = "optimal"
    else:
        result = matching.match(need_rows, rows, time_limit=time_limit)
    run = MatchRun.objects.create(
        organisation=organisation,
        run_by=by,
        needs=len(needs),
        offers=len(offers),
        people_housed=result.people_housed,
        score=result.score,
        bound=result.bound,
        proven_optimal=result.proven_optimal,
        seconds=result.seconds,
        unhoused={str(k): v for k, v in result.unhoused.items()},
        policy=policy,
        without_stay_date=(
            sum(row.expected_nights is None for row in need_rows) if policy == "dynamic" else 0
        ),
    )
    by_id = {n.pk: n for n in needs}
    offer_by_id = {o.pk: o for o in offers}
    for proposal in result.proposals:
        need, offer = by_id[proposal.need_id], offer_by_id[proposal.offer_id]
        Placement.objects.create(
            organisation=organisation,
            need=need,
            offer=offer,
            run=run,
            beds=need.size,
            starts_on=on,
            planned_end_on=_planned_end(offer, on),
            explanation={
                "rules": [rule.code for rule in safeguarding.RULES],
                "score": proposal.score,
                "parts": proposal.parts,
                **({"stay": proposal.stay} if proposal.stay else {}),
            },
        )
    audit.record(
        "shelter.matcher_run",
        organisation=organisation,
        actor=by,
        obj=run,
        request=request,
        data={"proposals": len(result.proposals), "unhoused": len(result.unhoused)},
    )
    return run


def _propose_dynamic(
    need_rows: list, offers: list[Offer], rows: list, *, on: dt.date, time_limit: float
) -> matching.Result:
    """Today's proposals weighing the places that free up on a planned end, each household's
    expected stay, and (with `dynamic.SAMPLE_ARRIVALS`) likely arrivals sampled from the
    households that came in the last HISTORY_DAYS days."""

    futures: list = []
    if dynamic.SAMPLE_ARRIVALS:
        since = on - dt.timedelta(days=dynamic.HISTORY_DAYS)
        recent = list(
            Need.objects.filter(without_roof_since__gte=since, without_roof_since__lte=on)
            .select_related("person")
        )  # fmt: skip
        # Each as they arrived: a likely arrival's expected stay counts from its first night.
        history = [need_row(n, on=n.without_roof_since) for n in recent]
        futures = dynamic.sample_arrivals(
            history, len(history) / dynamic.HISTORY_DAYS, seed=on.toordinal()
        )
    # A host offer full today frees up on its guest's planned end, or sooner on the day the
    # guest needs a place until (their need ends then: a Fedasil place, say).
    horizon = on + dt.timedelta(days=dynamic.HORIZON)
    holding = Placement.objects.filter(
        offer__in=[o for o in offers if o.max_households == 1],
        status__in=[s.value for s in HOLDING],
    ).values_list("offer_id", "planned_end_on", "need__place_needed_until")
    by_id = {o.pk: o for o in offers}
    upcoming = []
    for offer_id, planned, needed_until in holding:
        end = min((d for d in (planned, needed_until) if d is not None), default=None)
        if end is None or not on < end <= horizon:
            continue
        freed = offer_row(by_id[offer_id], on=end)
        if freed.available:
            upcoming.append(dynamic.Upcoming((end - on).days, freed))
    closes_in = {
        o.pk: (o.available_until - on).days + 1 for o in offers if o.available_until is not None
    }
    return dynamic.propose_today(
        need_rows, rows, futures, upcoming=upcoming, closes_in=closes_in, time_limit=time_limit
    )


def _planned_end(offer: Offer, starts_on: dt.date) -> dt.date | None:
    ends = []
    if offer.stay_days:
        ends.append(starts_on + dt.timedelta(days=offer.stay_days))
    if offer.available_until:
        ends.append(offer.available_until)
    return min(ends) if ends else None


# --- placements --------------------------------------------------------------------------------


def _lock(placement: Placement) -> Placement:
    Offer.objects.select_for_update().filter(pk=placement.offer_id).first()
    return (
        Placement.objects.select_for_update()
        .select_related("need", "offer__host")
        .get(pk=placement.pk)
    )


@transaction.atomic
def propose_placement(
    *,
    need: Need,
    offer: Offer,
    by: User | None,
    request: HttpRequest | None = None,
    starts_on: dt.date | None = None,
) -> Placement:
    """Propose a place by hand: every safeguarding rule is checked as for the matcher's.

    The coordinator chose the household and the offer; a refusal names each rule broken and
    saves nothing. The proposal keeps the household's priority parts, like the matcher's.
    """
    starts_on = starts_on or timezone.localdate()
    if offer.organisation_id != need.organisation_id:
        raise ValidationError(_("This offer belongs to another organisation."))
    Offer.objects.select_for_update().filter(pk=offer.pk).first()
    if need.closed_on is not None:
        raise ValidationError(_("This need is closed."))
    if Placement.objects.filter(need=need, status__in=[s.value for s in HOLDING]).exists():
        raise ValidationError(
            _("This household already has a place proposed or confirmed: end it first."),
            code="overlap",
        )
    blocked = rules_blocking(need, offer, on=starts_on)
    if blocked:
        raise SafeguardingRefusal(blocked)
    nights = nights_without_shelter([need.person_id], on=starts_on).get(need.person_id, 0)
    parts = matching.priority_parts(need_row(need, nights))
    shared = bool(set(need.languages or ()) & set(offer.host.languages or ()))
    parts["language"] = matching.SHARED_LANGUAGE * need.size * shared
    parts["area"] = matching.SAME_AREA * need.size * (need.area == offer.host.area)
    placement = Placement.objects.create(
        organisation=need.organisation,
        need=need,
        offer=offer,
        beds=need.size,
        starts_on=starts_on,
        planned_end_on=_planned_end(offer, starts_on),
        explanation={
            "rules": [rule.code for rule in safeguarding.RULES],
            "by_hand": True,
            "score": round(sum(parts.values()), 3),
            "parts": parts,
        },
    )
    audit.record(
        "shelter.placement_proposed",
        organisation=need.organisation,
        actor=by,
        obj=placement,
        request=request,
        data={"need": str(need.pk), "offer": str(offer.pk)},
    )
    return placement


@transaction.atomic
def confirm_placement(
    *,
    placement: Placement,
    by: User | None,
    request: HttpRequest | None = None,
    referent: User | None = None,
) -> Placement:
    """A coordinator confirms a proposal: the rules are checked again on today's records."""
    placement = _lock(placement)
    if placement.status != PlacementStatus.PROPOSED:
        raise ValidationError(_("Only a proposal can be confirmed."))
    blocked = rules_blocking(
        placement.need, placement.offer, on=placement.starts_on, exclude=placement
    )
    if blocked:
        raise SafeguardingRefusal(blocked)
    placement.status = PlacementStatus.CONFIRMED
    placement.confirmed_at = timezone.now()
    placement.confirmed_by = by
    placement.referent = referent or by
    placement.save(update_fields=["status", "confirmed_at", "confirmed_by", "referent"])
    audit.record(
        "shelter.placement_confirmed",
        organisation=placement.organisation,
        actor=by,
        obj=placement,
        request=request,
    )
    # Only now may the guest learn where: the offer carries the address (unless under alert).
    under_alert = placement.need_id in needs_under_alert([placement.need])
    for recipient in (NoticeRecipient.GUEST, NoticeRecipient.HOST):
        notices.tell(
            placement, recipient=recipient, kind=NoticeKind.OFFERED, by=by, request=request,
            under_alert=under_alert,
        )  # fmt: skip
    return placement


@transaction.atomic
def record_guest_decision(
    *, placement: Placement, accepted: bool, by: User | None, request: HttpRequest | None = None
) -> Placement:
    """The guest accepts or refuses freely; a refusal never lowers their priority."""
    placement = _lock(placement)
    if placement.status != PlacementStatus.CONFIRMED:
        raise ValidationError(_("The guest decides on a confirmed place."))
    placement.guest_decided_at = timezone.now()
    if accepted:
        placement.status = PlacementStatus.ACCEPTED
        kind = (
            EpisodeKind.COLLECTIVE
            if placement.offer.host.kind == HostKind.COLLECTIVE
            else EpisodeKind.HOST
        )
        _move_to(placement.need.person, kind, placement.starts_on, placement)
    else:
        placement.status = PlacementStatus.REFUSED
    placement.save(update_fields=["status", "guest_decided_at"])
    audit.record(
        "shelter.guest_accepted" if accepted else "shelter.guest_refused",
        organisation=placement.organisation,
        actor=by,
        obj=placement,
        request=request,
    )
    notices.tell(
        placement,
        recipient=NoticeRecipient.HOST,
        kind=NoticeKind.ACCEPTED if accepted else NoticeKind.REFUSED,
        by=by,
        request=request,
    )
    return placement


@transaction.atomic
def record_check_in(
    *,
    placement: Placement,
    by: User | None,
    request: HttpRequest | None = None,
    occurred_on: dt.date,
    kind: str = CheckInKind.CHECK_IN,
    guest_safe: bool = True,
    working: bool = True,
    note: str = "",
) -> CheckIn:
    """Record a check-in (the guest is safe, the placement works) or an incident."""
    if placement.status not in ACTIVE:
        raise ValidationError(_("Check-ins are for a confirmed or accepted placement."))
    if occurred_on < placement.starts_on:
        raise ValidationError({"occurred_on": _("This is before the placement started.")})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("This date is in the future.")})
    check_in = CheckIn.objects.create(
        organisation=placement.organisation,
        placement=placement,
        person_id=placement.need.person_id,
        kind=kind,
        occurred_on=occurred_on,
        guest_safe=guest_safe,
        working=working,
        note=note,
        recorded_by=by,
    )
    audit.record(
        "shelter.check_in_recorded",
        organisation=placement.organisation,
        actor=by,
        obj=check_in,
        request=request,
        data={"kind": kind, "guest_safe": guest_safe, "working": working},
    )
    return check_in


@transaction.atomic
def end_placement(
    *,
    placement: Placement,
    by: User | None,
    request: HttpRequest | None = None,
    ended_on: dt.date,
    reason: str,
    next_place: str,
    broken_down: bool = False,
) -> Placement:
    """End a placement, saying why and where the guest goes next (their next episode)."""
    placement = _lock(placement)
    if placement.status not in ACTIVE:
        raise ValidationError(_("Only a confirmed or accepted placement can end."))
    if ended_on < placement.starts_on:
        raise ValidationError({"ended_on": _("This is before the placement started.")})
    if next_place not in NextPlace.values:
        raise ValidationError({"next_place": _("Unknown place.")})
    placement.status = PlacementStatus.BROKEN_DOWN if broken_down else PlacementStatus.ENDED
    placement.ended_on = ended_on
    placement.end_reason = reason[:32]
    placement.next_place = next_place
    placement.save(update_fields=["status", "ended_on", "end_reason", "next_place"])
    need = placement.need
    if next_place in (NextPlace.STREET, NextPlace.NIGHT_SHELTER):
        _move_to(need.person, next_place, ended_on)
    elif next_place in (NextPlace.HOST, NextPlace.COLLECTIVE, NextPlace.FEDASIL):
        _move_to(need.person, next_place, ended_on)
        need.closed_on = need.closed_on or ended_on
    elif next_place == NextPlace.OWN_HOME:
        Episode.objects.filter(person=need.person, ended_on__isnull=True).update(ended_on=ended_on)
        need.closed_on = need.closed_on or ended_on
    need.closed_reason = need.closed_reason or next_place
    need.save(update_fields=["closed_on", "closed_reason"])
    audit.record(
        "shelter.placement_ended",
        organisation=placement.organisation,
        actor=by,
        obj=placement,
        request=request,
        data={"broken_down": broken_down, "next_place": next_place},
    )
    return placement


def check_in_schedule(placement: Placement) -> list[dt.date]:
    """The days the caseworker should check in on the guest."""
    end = placement.planned_end_on
    days = [placement.starts_on + dt.timedelta(days=d) for d in CHECK_IN_DAYS]
    return [d for d in days if end is None or d <= end]
