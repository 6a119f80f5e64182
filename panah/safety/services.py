"""Every write of the safety app: one function per intention, in a transaction, audited.

Audit entries carry ids and codes only: never a narrative, a place, a name or a passphrase.
Refusals are ValidationErrors keyed by the form field they concern. A sealed fact is never
stored, logged or cached unsealed: the services take the plaintext, seal it, and forget it.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables
from django_scopes import scopes_disabled
from nacl.public import PrivateKey

from panah.cases.models import CaseAssignment
from panah.core import audit
from panah.core.crypto.errors import DecryptionError
from panah.core.crypto.fields import decrypt_bytes, encrypt_bytes
from panah.core.crypto.files import EncryptedFileStore, clean_upload
from panah.core.models import AuditEntry, Membership, Organisation, Role, User
from panah.core.queries import organisation_admins
from panah.people.models import ConsentMethod, Person

from . import sealing
from .models import (
    CaseEvidence,
    EscrowKey,
    Incident,
    IncidentEvidence,
    IncidentKey,
    IncidentPerson,
    IncidentPersonRole,
    OfficerKey,
    PlanMeasure,
    ReferralStatus,
    ReferralTo,
    RiskAssessment,
    RiskFactor,
    RiskLevel,
    SafetyPlan,
    SafetyReferral,
)
from .taxonomy import Category, Confidence, Country, PerpetratorIndicator, ReporterKind

logger = logging.getLogger(__name__)

MIN_PASSPHRASE = 12
SEALED_COLUMNS = ("sealed_narrative", "sealed_sources", "sealed_relatives")


def _today() -> dt.date:
    return timezone.localdate()


def _no_future(field: str, value: dt.date | None) -> None:
    if value is not None and value > _today():
        raise ValidationError({field: _("This date is in the future: give the day it happened.")})


def _consent(given_on: dt.date | None, method: str) -> None:
    if given_on is None:
        raise ValidationError({"consent_given_on": _("Record when the person gave their consent.")})
    _no_future("consent_given_on", given_on)
    if method not in ConsentMethod.values or method == ConsentMethod.NOT_APPLICABLE:
        raise ValidationError({"consent_method": _("Say how the person's consent was recorded.")})


def _codes(field: str, values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    values = list(dict.fromkeys(values))
    if set(values) - set(allowed):
        raise ValidationError({field: _("Choose from the list.")})
    return values


def is_officer(organisation: Organisation | int, user: User) -> bool:
    """Whether `user` is a current safety officer of the organisation."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    with scopes_disabled():
        return Membership.objects.filter(
            organisation_id=org_id,
            user=user,
            removed_at__isnull=True,
            grants__role=Role.SAFETY_OFFICER,
        ).exists()


# --- Officer keys -------------------------------------------------------------------------------


@transaction.atomic
@sensitive_variables()
def set_up_officer_key(
    *,
    organisation: Organisation,
    user: User,
    passphrase: str,
    request: HttpRequest | None = None,
) -> OfficerKey:
    """Give a safety officer their key pair, the private half wrapped under their passphrase."""
    if not is_officer(organisation, user):
        raise ValidationError(_("Only safety officers hold a safety key."))
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise ValidationError(
            {"passphrase": _("Choose a passphrase of at least %(n)d characters.")
             % {"n": MIN_PASSPHRASE}}
        )  # fmt: skip
    if OfficerKey.objects.filter(user=user, revoked_at__isnull=True).exists():
        raise ValidationError(_("You already have a safety key."))
    made = sealing.new_officer_key(
        passphrase,
        organisation_id=organisation.pk,
        user_id=user.pk,
        # Tests lower the cost; production keeps the documented Argon2id parameters.
        time_cost=getattr(settings, "SAFETY_KDF_TIME_COST", sealing.KDF_TIME_COST),
        memory_kib=getattr(settings, "SAFETY_KDF_MEMORY_KIB", sealing.KDF_MEMORY_KIB),
    )
    officer_key = OfficerKey.objects.create(
        organisation=organisation,
        user=user,
        public_key=made.public_key,
        wrapped_private_key=made.wrapped_private_key,
        kdf_salt=made.salt,
        kdf_time_cost=made.time_cost,
        kdf_memory_kib=made.memory_kib,
    )
    audit.record(
        "safety.key_created", organisation=organisation, actor=user, obj=officer_key,
        request=request,
    )  # fmt: skip
    return officer_key


def active_officer_key(organisation: Organisation | int, user: User) -> OfficerKey | None:
    """The member's current safety key in this organisation, if they set one up."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    with scopes_disabled():
        return OfficerKey.objects.filter(
            organisation_id=org_id, user=user, revoked_at__isnull=True
        ).first()


UNLOCK_FAILURES = 5
UNLOCK_WINDOW_MINUTES = 15


def _unlock_wait_minutes(officer_key: OfficerKey) -> int:
    """Minutes until this key may be tried again (0: now), from the audited failures."""
    since = timezone.now() - dt.timedelta(minutes=UNLOCK_WINDOW_MINUTES)
    with scopes_disabled():
        entries = AuditEntry.objects.filter(
            organisation_id=officer_key.organisation_id, actor_id=officer_key.user_id,
            action__in=("safety.unlock_failed", "safety.key_unlocked"), at__gte=since,
        ).order_by("-at").values_list("action", "at")[: UNLOCK_FAILURES]  # fmt: skip
        entries = list(entries)
    failures = [at for action, at in entries if action == "safety.unlock_failed"]
    if len(failures) < UNLOCK_FAILURES or any(a == "safety.key_unlocked" for a, _at in entries):
        return 0
    oldest = min(failures)
    left = (oldest + dt.timedelta(minutes=UNLOCK_WINDOW_MINUTES) - timezone.now()).total_seconds()
    return max(1, math.ceil(left / 60))


@sensitive_variables()
def unlock(
    *, officer_key: OfficerKey, passphrase: str, request: HttpRequest | None = None
) -> PrivateKey:
    """Open an officer's private key with their passphrase (audited, success or failure).

    After UNLOCK_FAILURES wrong passphrases within UNLOCK_WINDOW_MINUTES (none right since),
    no passphrase is tried until the window has passed: each try costs the server an Argon2id
    derivation, and a session that guesses is not the officer's.
    """
    wait = _unlock_wait_minutes(officer_key)
    if wait:
        audit.record(
            "safety.unlock_throttled", organisation=officer_key.organisation,
            actor=officer_key.user, obj=officer_key, request=request,
        )  # fmt: skip
        raise ValidationError(
            {
                "passphrase": ngettext(
                    "Too many wrong passphrases. Wait %(minutes)d minute, then try again.",
                    "Too many wrong passphrases. Wait %(minutes)d minutes, then try again.",
                    wait,
                )
                % {"minutes": wait}
            }
        )
    try:
        private = sealing.unwrap_officer_key(officer_key, passphrase or "")
    except sealing.WrongPassphrase:
        audit.record(
            "safety.unlock_failed", organisation=officer_key.organisation,
            actor=officer_key.user, obj=officer_key, request=request,
        )  # fmt: skip
        raise ValidationError(
            {"passphrase": _("This passphrase does not open your safety key. Nothing was opened.")}
        ) from None
    audit.record(
        "safety.key_unlocked", organisation=officer_key.organisation, actor=officer_key.user,
        obj=officer_key, request=request,
    )  # fmt: skip
    return private


def recipients(organisation: Organisation) -> tuple[list[OfficerKey], EscrowKey | None]:
    """Whom a new incident is sealed to: the current safety officers' keys and the escrow key."""
    with scopes_disabled():
        officers = Membership.objects.filter(
            organisation=organisation, removed_at__isnull=True, grants__role=Role.SAFETY_OFFICER
        ).values("user_id")
        keys = list(
            OfficerKey.objects.filter(
                organisation=organisation, revoked_at__isnull=True, user_id__in=officers
            )
        )
        escrow = EscrowKey.objects.filter(
            organisation=organisation, retired_at__isnull=True
        ).first()
    return keys, escrow


@transaction.atomic
def revoke_officer_key(
    *, officer_key: OfficerKey, by: User, request: HttpRequest | None = None
) -> int:
    """Stop an officer's access: their sealed copies are deleted, and nothing is sealed to them
    again. Returns how many incidents they could open. (A copy they took stays readable to them.)"""
    removed, _details = IncidentKey.objects.filter(officer_key=officer_key).delete()
    officer_key.revoked_at = timezone.now()
    officer_key.revoked_by = by
    officer_key.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        "safety.key_revoked", organisation=officer_key.organisation, actor=by, obj=officer_key,
        request=request, data={"user": officer_key.user_id, "copies": removed},
    )  # fmt: skip
    return removed


@sensitive_variables()
def _reseal(
    copies: Iterable[IncidentKey],
    opener: PrivateKey,
    *,
    to_officer: OfficerKey | None = None,
    to_escrow: EscrowKey | None = None,
) -> int:
    target = to_officer or to_escrow
    public = bytes(target.public_key)
    new = []
    for copy in copies:
        raw = sealing.open_incident_key(copy.sealed_key, copy.incident_id, opener)
        new.append(
            IncidentKey(
                organisation_id=copy.organisation_id,
                incident_id=copy.incident_id,
                officer_key=to_officer,
                escrow_key=to_escrow,
                sealed_key=sealing.seal_incident_key(raw, copy.incident_id, public),
            )
        )
    IncidentKey.objects.bulk_create(new, batch_size=1000)
    return len(new)


def _missing_for(source_filter: dict, *, to_officer=None, to_escrow=None):
    have = IncidentKey.objects.filter(
        officer_key=to_officer, escrow_key=to_escrow
    ).values("incident_id") if (to_officer or to_escrow) else None  # fmt: skip
    copies = IncidentKey.objects.filter(**source_filter).only(
        "id", "organisation_id", "incident_id", "sealed_key"
    )
    return copies.exclude(incident_id__in=have)


@transaction.atomic
@sensitive_variables()
def grant_access(
    *,
    officer_key: OfficerKey,
    private: PrivateKey,
    to: OfficerKey | EscrowKey,
    by: User,
    request: HttpRequest | None = None,
) -> int:
    """Re-seal, for a new officer (or the escrow key), every incident the unlocking officer can
    open and they cannot yet. Returns how many were re-sealed."""
    if isinstance(to, OfficerKey):
        if to.revoked_at is not None or not is_officer(to.organisation_id, to.user):
            raise ValidationError(_("This member is no longer a safety officer."))
        targets = {"to_officer": to}
    else:
        targets = {"to_escrow": to}
    copies = _missing_for({"officer_key": officer_key}, **targets)
    count = _reseal(copies.iterator(chunk_size=1000), private, **targets)
    audit.record(
        "safety.access_granted", organisation=officer_key.organisation, actor=by, obj=to,
        request=request, data={"from": str(officer_key.pk), "incidents": count},
    )  # fmt: skip
    return count


# --- Escrow -------------------------------------------------------------------------------------


@transaction.atomic
@sensitive_variables()
def create_escrow(
    *,
    organisation: Organisation,
    first_holder: User,
    second_holder: User,
    by: User,
    request: HttpRequest | None = None,
) -> sealing.EscrowSplit:
    """Make the organisation's escrow key and return its two shares (shown once, never stored)."""
    admins = {u.pk for u in _admins(organisation)}
    if first_holder.pk == second_holder.pk:
        raise ValidationError(
            {"second_holder": _("The two shares must go to two different administrators.")}
        )
    if first_holder.pk not in admins or second_holder.pk not in admins:
        raise ValidationError(_("Both share holders must be administrators."))
    if EscrowKey.objects.filter(retired_at__isnull=True).exists():
        raise ValidationError(_("The organisation already has an escrow key."))
    split = sealing.split_escrow()
    escrow = EscrowKey.objects.create(
        organisation=organisation,
        public_key=split.public_key,
        first_holder=first_holder,
        second_holder=second_holder,
        first_share_digest=sealing.share_digest(sealing.parse_share(split.first_share)),
        second_share_digest=sealing.share_digest(sealing.parse_share(split.second_share)),
    )
    audit.record(
        "safety.escrow_created", organisation=organisation, actor=by, obj=escrow, request=request,
        data={"holders": [first_holder.pk, second_holder.pk]},
    )  # fmt: skip
    return split


def _admins(organisation: Organisation) -> list[User]:

    return organisation_admins(organisation)


@transaction.atomic
@sensitive_variables()
def recover_with_escrow(
    *,
    organisation: Organisation,
    first_share: str,
    second_share: str,
    to: OfficerKey,
    by: User,
    request: HttpRequest | None = None,
) -> int:
    """Both administrators' shares re-seal every escrowed incident for an officer's new key
    (when every officer lost their passphrase). Returns how many incidents were re-sealed."""
    escrow = EscrowKey.objects.filter(retired_at__isnull=True).first()
    if escrow is None:
        raise ValidationError(_("The organisation has no escrow key."))
    try:
        first = sealing.parse_share(first_share)
    except ValueError:
        raise ValidationError({"first_share": _("This share was mistyped.")}) from None
    try:
        second = sealing.parse_share(second_share)
    except ValueError:
        raise ValidationError({"second_share": _("This share was mistyped.")}) from None
    if sealing.share_digest(first) != escrow.first_share_digest:
        raise ValidationError({"first_share": _("This is not the first share of the escrow key.")})
    if sealing.share_digest(second) != escrow.second_share_digest:
        raise ValidationError(
            {"second_share": _("This is not the second share of the escrow key.")}
        )
    private = sealing.join_escrow(first, second, bytes(escrow.public_key))
    if to.revoked_at is not None or not is_officer(organisation, to.user):
        raise ValidationError(_("This member is no longer a safety officer."))
    copies = _missing_for({"escrow_key": escrow}, to_officer=to)
    count = _reseal(copies.iterator(chunk_size=1000), private, to_officer=to)
    audit.record(
        "safety.escrow_recovery", organisation=organisation, actor=by, obj=to, request=request,
        data={"escrow": str(escrow.pk), "incidents": count},
    )  # fmt: skip
    return count


# --- Incidents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealedFacts:
    narrative: str = ""
    sources: str = ""
    relatives: str = ""

    def columns(self) -> dict[str, str]:
        return {
            "sealed_narrative": self.narrative,
            "sealed_sources": self.sources,
            "sealed_relatives": self.relatives,
        }

    def any(self) -> bool:
        return any(v.strip() for v in self.columns().values())


@sensitive_variables()
def _seal_into(incident: Incident, raw: bytes, facts: SealedFacts) -> None:
    key = sealing.content_key(raw, incident.pk)
    for column, text in facts.columns().items():
        text = (text or "").strip()
        blob = encrypt_bytes(key, text.encode(), incident.sealed_context(column)) if text else None
        setattr(incident, column, blob)


def _check_classification(
    *, category: str, country: str, confidence: str, reported_by: str, occurred_on: dt.date,
    indicators: Sequence[str],
) -> list[str]:  # fmt: skip
    """Refuse an unknown category, country, certainty or reporter, or a date in the future;
    the indicators as known codes."""
    errors = {}
    if category not in Category.values:
        errors["category"] = _("Choose a category.")
    if country not in dict(Country):
        errors["country"] = _("Choose a country.")
    if confidence not in Confidence.values:
        errors["confidence"] = _("Say how sure we are.")
    if reported_by not in ReporterKind.values:
        errors["reported_by"] = _("Say who reported it.")
    if errors:
        raise ValidationError(errors)
    _no_future("occurred_on", occurred_on)
    return _codes("indicators", indicators, PerpetratorIndicator.values)


@transaction.atomic
@sensitive_variables()
def record_incident(
    *,
    organisation: Organisation,
    person: Person,
    by: User,
    category: str,
    occurred_on: dt.date,
    country: str,
    confidence: str,
    reported_by: str,
    place: str = "",
    indicators: Sequence[str] = (),
    sealed: SealedFacts | None = None,
    unlocked: bool = False,
    linked: Sequence[tuple[Person, str]] = (),
    alert: bool = True,
    request: HttpRequest | None = None,
) -> Incident:
    """Record a threat against a person; sealed facts are sealed to every current officer and
    the escrow key. Serious categories alert the caseworkers and officers (without facts)."""
    sealed = sealed or SealedFacts()
    indicators = _check_classification(
        category=category, country=country, confidence=confidence, reported_by=reported_by,
        occurred_on=occurred_on, indicators=indicators,
    )  # fmt: skip
    if person.organisation_id != organisation.pk or person.is_erased:
        raise ValidationError(_("This person cannot have safety records."))
    keys, escrow = recipients(organisation)
    if sealed.any():
        # The officer must have opened their key: it proves they hold one, so what they seal
        # they can read back, and a session without it never handles sealed text.
        if not unlocked:
            raise ValidationError(
                _("Unlock your safety key to record sealed facts. Nothing was saved.")
            )
        if not keys:
            raise ValidationError(
                _("No safety officer has a safety key yet: nothing can be sealed.")
            )
    incident = Incident(
        organisation=organisation, person=person, category=category, occurred_on=occurred_on,
        country=country, place=(place or "").strip(), perpetrator_indicators=indicators,
        confidence=confidence, reported_by=reported_by, recorded_by=by,
    )  # fmt: skip
    raw = sealing.new_incident_key()
    _seal_into(incident, raw, sealed)
    incident.save()
    IncidentKey.objects.bulk_create(
        [
            IncidentKey(
                organisation=organisation,
                incident=incident,
                officer_key=key,
                sealed_key=sealing.seal_incident_key(raw, incident.pk, bytes(key.public_key)),
            )  # fmt: skip
            for key in keys
        ]
        + (
            [
                IncidentKey(
                    organisation=organisation,
                    incident=incident,
                    escrow_key=escrow,
                    sealed_key=sealing.seal_incident_key(
                        raw, incident.pk, bytes(escrow.public_key)
                    ),
                )  # fmt: skip
            ]
            if escrow
            else []
        )
    )
    for other, role in linked:
        if role not in IncidentPersonRole.values or other.organisation_id != organisation.pk:
            raise ValidationError({"linked": _("Choose people of this organisation.")})
        if other.pk != person.pk:
            IncidentPerson.objects.get_or_create(
                organisation=organisation, incident=incident, person=other,
                defaults={"role": role},
            )  # fmt: skip
    audit.record(
        "incident.recorded", organisation=organisation, actor=by, obj=incident, request=request,
        data={"person": str(person.pk), "category": category, "sealed_to": len(keys)},
    )  # fmt: skip
    if incident.is_serious and alert:
        incident.alerted_at = timezone.now()
        incident.save(update_fields=["alerted_at"])
        transaction.on_commit(lambda: alert_serious_incident(incident))
    return incident


EDITABLE_FIELDS = (
    "category", "occurred_on", "country", "place", "perpetrator_indicators", "confidence",
    "reported_by",
)  # fmt: skip


@transaction.atomic
def update_incident(
    *,
    incident: Incident,
    by: User,
    category: str,
    occurred_on: dt.date,
    country: str,
    confidence: str,
    reported_by: str,
    place: str = "",
    indicators: Sequence[str] = (),
    request: HttpRequest | None = None,
) -> list[str]:
    """Correct what is not sealed about an incident (its classification, date, place); returns
    the fields that changed. Becoming serious alerts as recording a serious incident does."""
    indicators = _check_classification(
        category=category, country=country, confidence=confidence, reported_by=reported_by,
        occurred_on=occurred_on, indicators=indicators,
    )  # fmt: skip
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    new = {
        "category": category, "occurred_on": occurred_on, "country": country,
        "place": (place or "").strip(), "perpetrator_indicators": indicators,
        "confidence": confidence, "reported_by": reported_by,
    }  # fmt: skip
    changed = [f for f in EDITABLE_FIELDS if getattr(incident, f) != new[f]]
    if not changed:
        return []
    for field_name in changed:
        setattr(incident, field_name, new[field_name])
    incident.save(update_fields=changed)
    # Names of the fields and the new codes only: the place is free text and stays out.
    audit.record(
        "incident.updated", organisation=incident.organisation, actor=by, obj=incident,
        request=request, data={"changed": changed, "category": incident.category},
    )  # fmt: skip
    if incident.is_serious and incident.alerted_at is None:
        incident.alerted_at = timezone.now()
        incident.save(update_fields=["alerted_at"])
        transaction.on_commit(lambda: alert_serious_incident(incident))
    return changed


@transaction.atomic
def link_person(
    *, incident: Incident, person: Person, role: str, by: User, request: HttpRequest | None = None
) -> IncidentPerson:
    """Link another person of the organisation to the incident (witness, relative, also
    targeted), or change their role if already linked."""
    if role not in IncidentPersonRole.values:
        raise ValidationError({"role": _("Choose how this person is concerned.")})
    if person.organisation_id != incident.organisation_id or person.is_erased:
        raise ValidationError(_("Choose people of this organisation."))
    if person.pk == incident.person_id:
        raise ValidationError(_("This is the person the incident is about."))
    link, created = IncidentPerson.objects.update_or_create(
        organisation=incident.organisation, incident=incident, person=person,
        defaults={"role": role},
    )  # fmt: skip
    audit.record(
        "incident.person_linked", organisation=incident.organisation, actor=by, obj=incident,
        request=request, data={"person": str(person.pk), "role": role, "new": created},
    )  # fmt: skip
    return link


@transaction.atomic
def unlink_person(
    *, incident: Incident, link: IncidentPerson, by: User, request: HttpRequest | None = None
) -> None:
    """Remove a linked person from the incident (the person's record stays)."""
    if link.incident_id != incident.pk:
        raise ValidationError(_("This person is not linked to this incident."))
    person_id = link.person_id
    link.delete()
    audit.record(
        "incident.person_unlinked", organisation=incident.organisation, actor=by, obj=incident,
        request=request, data={"person": str(person_id)},
    )  # fmt: skip


@dataclass(frozen=True)
class OpenedIncident:
    narrative: str
    sources: str
    relatives: str


@sensitive_variables()
def incident_key(incident: Incident, officer_key: OfficerKey, private: PrivateKey) -> bytes:
    """The incident's raw key through the officer's sealed copy, or ValidationError."""
    copy = IncidentKey.objects.filter(incident=incident, officer_key=officer_key).first()
    if copy is None:
        raise ValidationError(
            _("This incident is not sealed to your key yet: ask another safety officer to "
              "give you access.")
        )  # fmt: skip
    try:
        return sealing.open_incident_key(copy.sealed_key, incident.pk, private)
    except sealing.SealedKeyRefused:
        raise DecryptionError(f"The sealed key of {incident} does not open: altered.") from None


@sensitive_variables()
def open_incident(
    *,
    incident: Incident,
    officer_key: OfficerKey,
    private: PrivateKey,
    by: User,
    request: HttpRequest | None = None,
) -> OpenedIncident:
    """The sealed facts of an incident, for the officer who unlocked their key (audited)."""
    raw = incident_key(incident, officer_key, private)
    key = sealing.content_key(raw, incident.pk)
    values = {}
    for column in SEALED_COLUMNS:
        blob = getattr(incident, column)
        values[column] = (
            decrypt_bytes(
                key, bytes(blob), incident.sealed_context(column),
                where=f"{incident._meta.db_table}.{column} of row {incident.pk}",
            ).decode()
            if blob
            else ""
        )  # fmt: skip
    audit.record_read(
        "incident_sealed.viewed", organisation=incident.organisation, actor=by, obj=incident,
        request=request,
    )  # fmt: skip
    return OpenedIncident(
        values["sealed_narrative"], values["sealed_sources"], values["sealed_relatives"]
    )


@transaction.atomic
@sensitive_variables()
def amend_sealed_facts(
    *,
    incident: Incident,
    officer_key: OfficerKey,
    private: PrivateKey,
    sealed: SealedFacts,
    by: User,
    request: HttpRequest | None = None,
) -> Incident:
    """Replace the sealed facts of an incident (the officer has unlocked their key)."""
    raw = incident_key(incident, officer_key, private)
    _seal_into(incident, raw, sealed)
    incident.save(update_fields=list(SEALED_COLUMNS))
    audit.record(
        "incident.sealed_amended", organisation=incident.organisation, actor=by, obj=incident,
        request=request,
    )  # fmt: skip
    return incident


def has_gps(data: bytes, content_type: str) -> bool:
    """Whether an image carries a GPS position in its EXIF (before it is stripped)."""
    if not content_type.startswith("image/"):
        return False

    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 (PIL is slow to import; only this path needs it)

    try:
        with Image.open(io.BytesIO(data)) as image:
            return bool(image.getexif().get_ifd(0x8825))
    except (UnidentifiedImageError, OSError, ValueError):
        return False


@dataclass(frozen=True)
class AddedEvidence:
    evidence: IncidentEvidence
    had_location: bool


@sensitive_variables()
def add_evidence(
    *,
    incident: Incident,
    upload,
    officer_key: OfficerKey,
    private: PrivateKey,
    by: User,
    request: HttpRequest | None = None,
) -> AddedEvidence:
    """Seal an evidence file under the incident's key, its metadata (GPS, camera) removed."""
    raw = incident_key(incident, officer_key, private)
    key = sealing.content_key(raw, incident.pk)
    if hasattr(upload, "seek"):
        upload.seek(0)
        head = upload.read()
        upload.seek(0)
    else:
        head = bytes(upload)
    clean = clean_upload(upload)
    had_location = has_gps(head, clean.content_type)
    del head
    evidence = IncidentEvidence(
        organisation_id=incident.organisation_id, incident=incident,
        content_type=clean.content_type, uploaded_by=by,
    )  # fmt: skip
    evidence.sealed_name = encrypt_bytes(
        key, clean.original_name[:200].encode(), evidence.context("sealed_name")
    )
    store = EncryptedFileStore()
    evidence.stored_file = store.save(clean.data, key=key, context=evidence.context("stored_file"))
    try:
        with transaction.atomic():
            evidence.save()
            audit.record(
                "incident.evidence_added", organisation=incident.organisation, actor=by,
                obj=evidence, request=request,
                data={"incident": str(incident.pk), "location_removed": had_location},
            )  # fmt: skip
    except BaseException:
        store.delete(evidence.stored_file)
        raise
    return AddedEvidence(evidence, had_location)


@dataclass(frozen=True)
class OpenedEvidence:
    data: bytes
    content_type: str
    name: str


@sensitive_variables()
def open_evidence(
    *,
    evidence: IncidentEvidence,
    officer_key: OfficerKey,
    private: PrivateKey,
    by: User,
    request: HttpRequest | None = None,
) -> OpenedEvidence:
    """Decrypt an evidence file for the officer who unlocked their key (audited)."""
    incident = evidence.incident
    key = sealing.content_key(incident_key(incident, officer_key, private), incident.pk)
    where = f"{evidence._meta.db_table} row {evidence.pk}"
    name = decrypt_bytes(
        key, bytes(evidence.sealed_name), evidence.context("sealed_name"), where=where
    ).decode()
    data = EncryptedFileStore().open(
        evidence.stored_file, key=key, context=evidence.context("stored_file"), where=where
    )
    audit.record_read(
        "incident_evidence.viewed", organisation=incident.organisation, actor=by, obj=evidence,
        request=request, data={"incident": str(incident.pk)},
    )  # fmt: skip
    return OpenedEvidence(data, evidence.content_type, name)


@transaction.atomic
def attach_to_case(
    *,
    incident: Incident,
    case,
    consent_given_on: dt.date | None,
    consent_method: str,
    by: User,
    request: HttpRequest | None = None,
) -> CaseEvidence:
    """Attach an incident to the person's asylum case as evidence, with their recorded consent.
    The case shows the category, the date and the confidence; never a sealed fact."""
    if case.person_id != incident.person_id or case.organisation_id != incident.organisation_id:
        raise ValidationError({"case": _("Choose a case of the person the incident concerns.")})
    _consent(consent_given_on, consent_method)
    attachment, created = CaseEvidence.objects.get_or_create(
        organisation_id=incident.organisation_id, incident=incident, case=case,
        defaults={"consent_given_on": consent_given_on, "consent_method": consent_method,
                  "attached_by": by},
    )  # fmt: skip
    if not created:
        raise ValidationError({"case": _("This incident is already evidence in that case.")})
    audit.record(
        "incident.attached_to_case", organisation=incident.organisation, actor=by,
        obj=attachment.incident, request=request, data={"case": str(case.pk)},
    )  # fmt: skip
    return attachment


# --- Alerts -------------------------------------------------------------------------------------


def alert_recipients(incident: Incident) -> list[User]:
    """The person's assigned caseworkers and the organisation's safety officers."""

    with scopes_disabled():
        caseworkers = CaseAssignment.objects.filter(case__person_id=incident.person_id).values(
            "user_id"
        )
        officers = Membership.objects.filter(
            organisation_id=incident.organisation_id,
            removed_at__isnull=True,
            grants__role=Role.SAFETY_OFFICER,
        ).values("user_id")
        return list(
            User.objects.filter(is_active=True)
            .filter(
                Q(pk__in=caseworkers) | Q(pk__in=officers),
                memberships__organisation_id=incident.organisation_id,
                memberships__removed_at__isnull=True,
            )
            .distinct()
            .order_by("pk")
        )


def alert_serious_incident(incident: Incident) -> int:
    """Email each recipient in their language: a serious incident, its category and a link;
    never the narrative, the place or the person's name. Returns how many were sent."""
    sent = 0
    for user in alert_recipients(incident):
        with translation.override(user.language or None):
            subject = _("Panah: a serious safety incident was recorded")
            body = render_to_string(
                "safety/email_alert.txt",
                {
                    "category": Category(incident.category).label,
                    "occurred_on": incident.occurred_on,
                    "path": reverse("safety:incident", kwargs={"pk": incident.pk}),
                },
            )
        try:
            send_mail(subject, body, None, [user.email])
            sent += 1
        except Exception:
            # A mail server down must not undo the record; the alert stays in the trail.
            logger.exception("Could not send a safety alert to member %s", user.pk)
    return sent


# --- Risk, plans, referrals ---------------------------------------------------------------------


@transaction.atomic
def assess_risk(
    *,
    person: Person,
    level: str,
    assessed_on: dt.date,
    next_review_on: dt.date,
    reviewer: User,
    by: User,
    factors: Sequence[str] = (),
    notes: str = "",
    request: HttpRequest | None = None,
) -> RiskAssessment:
    """Record a new risk assessment of a person; earlier ones stay as history."""
    if level not in RiskLevel.values:
        raise ValidationError({"level": _("Choose a risk level.")})
    _no_future("assessed_on", assessed_on)
    if next_review_on < assessed_on:
        raise ValidationError({"next_review_on": _("The next review comes after the assessment.")})
    if not is_officer(person.organisation_id, reviewer):
        raise ValidationError({"reviewer": _("The reviewer must be a safety officer.")})
    assessment = RiskAssessment.objects.create(
        organisation_id=person.organisation_id, person=person, level=level,
        factors=_codes("factors", factors, RiskFactor.values), notes=(notes or "").strip(),
        assessed_on=assessed_on, next_review_on=next_review_on, reviewer=reviewer,
    )  # fmt: skip
    audit.record(
        "risk.assessed", organisation=person.organisation, actor=by, obj=assessment,
        request=request, data={"person": str(person.pk), "level": level},
    )  # fmt: skip
    return assessment


@transaction.atomic
def agree_safety_plan(
    *,
    person: Person,
    agreed_on: dt.date,
    consent_given_on: dt.date | None,
    consent_method: str,
    by: User,
    measures: Sequence[str] = (),
    notes: str = "",
    request: HttpRequest | None = None,
) -> SafetyPlan:
    """Record the safety plan agreed with the person (with their consent); it replaces the last."""
    _no_future("agreed_on", agreed_on)
    _consent(consent_given_on, consent_method)
    plan = SafetyPlan.objects.create(
        organisation_id=person.organisation_id, person=person,
        measures=_codes("measures", measures, PlanMeasure.values), notes=(notes or "").strip(),
        agreed_on=agreed_on, consent_given_on=consent_given_on, consent_method=consent_method,
        recorded_by=by,
    )  # fmt: skip
    audit.record(
        "safety_plan.agreed", organisation=person.organisation, actor=by, obj=plan,
        request=request, data={"person": str(person.pk)},
    )  # fmt: skip
    return plan


@transaction.atomic
def refer(
    *,
    person: Person,
    referred_to: str,
    consent_given_on: dt.date | None,
    consent_method: str,
    by: User,
    status: str = ReferralStatus.PLANNED,
    incident: Incident | None = None,
    made_on: dt.date | None = None,
    follow_up_on: dt.date | None = None,
    reference: str = "",
    request: HttpRequest | None = None,
) -> SafetyReferral:
    """Refer a person (and perhaps an incident) to the police, a lawyer or the CGRS, with consent."""
    if referred_to not in ReferralTo.values:
        raise ValidationError({"referred_to": _("Choose where the person is referred.")})
    if status not in ReferralStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    if incident is not None and incident.person_id != person.pk:
        raise ValidationError({"incident": _("Choose an incident of this person.")})
    _no_future("made_on", made_on)
    _consent(consent_given_on, consent_method)
    referral = SafetyReferral.objects.create(
        organisation_id=person.organisation_id, person=person, incident=incident,
        referred_to=referred_to, status=status, reference=(reference or "").strip(),
        made_on=made_on, follow_up_on=follow_up_on, consent_given_on=consent_given_on,
        consent_method=consent_method, recorded_by=by,
    )  # fmt: skip
    audit.record(
        "safety_referral.made", organisation=person.organisation, actor=by, obj=referral,
        request=request, data={"person": str(person.pk), "to": referred_to, "status": status},
    )  # fmt: skip
    return referral


@transaction.atomic
def update_referral(
    *,
    referral: SafetyReferral,
    status: str,
    by: User,
    follow_up_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> SafetyReferral:
    """Move a referral on (made, acknowledged, acted on, closed) and set its next follow-up."""
    if status not in ReferralStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    referral.status = status
    referral.follow_up_on = follow_up_on
    referral.updated_at = timezone.now()
    if status == ReferralStatus.MADE and referral.made_on is None:
        referral.made_on = _today()
    referral.save(update_fields=["status", "follow_up_on", "updated_at", "made_on"])
    audit.record(
        "safety_referral.updated", organisation=referral.organisation, actor=by, obj=referral,
        request=request, data={"status": status},
    )  # fmt: skip
    return referral
