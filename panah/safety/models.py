"""Safety files: threat incidents, risk assessments, safety plans, referrals, and the sealed tier.

Two kinds of encryption meet here (docs/safety.md):

- Facts the server may read to do its work (the place, the perpetrator indicators, risk
  factors, plan notes, referral references) are encrypted with the person's data key, like
  every personal field (panah.core.crypto.fields).
- The deadliest facts (an incident's narrative, its sources, the identities of relatives
  inside Iran, and its evidence files) are *sealed*: encrypted with a random key of the
  incident, and that key is sealed (X25519 sealed box) to the public key of each safety officer
  of the organisation and to the organisation's escrow key. The server holds no private key:
  each officer's is stored wrapped under a key derived from their own passphrase.

Dates, categories and countries stay in clear: the anonymised aggregates count them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from panah.core.crypto.fields import EncryptedJSONField, EncryptedTextField, field_context
from panah.core.crypto.keys import DataKey
from panah.core.models import Organisation
from panah.people.models import ConsentMethod, Person

from .taxonomy import Category, Confidence, Country, PerpetratorIndicator, ReporterKind


class OfficerKey(models.Model):
    """A safety officer's X25519 key pair: the public half in clear, the private half wrapped
    with AES-256-GCM under an Argon2id key derived from the officer's passphrase."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    public_key = models.BinaryField()
    wrapped_private_key = models.BinaryField()
    kdf_salt = models.BinaryField()
    kdf_time_cost = models.PositiveIntegerField()
    kdf_memory_kib = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_officer_key",
            )
        ]

    def __str__(self) -> str:
        return f"officer key {str(self.pk)[:8]}"


class EscrowKey(models.Model):
    """The organisation's recovery key pair: its private half exists only as two shares held
    by two different administrators (XOR split); the database keeps each share's digest."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    public_key = models.BinaryField()
    first_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    second_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    first_share_digest = models.CharField(max_length=64)
    second_share_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(retired_at__isnull=True),
                name="one_active_escrow_key",
            ),
            models.CheckConstraint(
                condition=~models.Q(first_holder=models.F("second_holder")),
                name="escrow_two_different_holders",
            ),
        ]

    def __str__(self) -> str:
        return f"escrow key {str(self.pk)[:8]}"


class Incident(models.Model):
    """One threat or act of transnational repression against a person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="safety_incidents")
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    occurred_on = models.DateField(_("date"))
    country = models.CharField(_("country where it happened"), max_length=2, choices=Country)
    place = EncryptedTextField(_("place"), blank=True)
    perpetrator_indicators = EncryptedJSONField(
        _("perpetrator indicators"), default=list, blank=True
    )
    confidence = models.CharField(_("how sure we are"), max_length=16, choices=Confidence.choices)
    reported_by = models.CharField(_("reported by"), max_length=16, choices=ReporterKind.choices)
    # The sealed facts: AES-256-GCM under the incident's own key (see IncidentKey), bound to
    # table, column and row like every field. NULL when empty.
    sealed_narrative = models.BinaryField(null=True, editable=False)
    sealed_sources = models.BinaryField(null=True, editable=False)
    sealed_relatives = models.BinaryField(null=True, editable=False)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    alerted_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-occurred_on", "-recorded_at"]
        indexes = [
            models.Index(fields=["organisation", "occurred_on"]),
            models.Index(fields=["organisation", "person"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=Category.values), name="incident_category_known"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__in=Confidence.values),
                name="incident_confidence_known",
            ),
        ]

    def __str__(self) -> str:
        return f"incident {str(self.pk)[:8]}"

    @property
    def short_ref(self) -> str:
        return str(self.pk)[:8]

    @property
    def is_serious(self) -> bool:
        return self.category in Category.serious()

    def data_key(self) -> DataKey:
        return self.person.data_key()

    def sealed_context(self, column: str) -> bytes:
        return field_context(self._meta.db_table, column, self.pk)


class IncidentKey(models.Model):
    """The incident's key sealed to one recipient: an officer's key or the escrow key."""

    id = models.BigAutoField(primary_key=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="keys")
    officer_key = models.ForeignKey(
        OfficerKey, on_delete=models.CASCADE, null=True, blank=True, related_name="copies"
    )
    escrow_key = models.ForeignKey(
        EscrowKey, on_delete=models.CASCADE, null=True, blank=True, related_name="copies"
    )
    sealed_key = models.BinaryField()

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(officer_key__isnull=True, escrow_key__isnull=False)
                | models.Q(officer_key__isnull=False, escrow_key__isnull=True),
                name="incidentkey_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["incident", "officer_key"], name="incidentkey_once_per_officer"
            ),
            models.UniqueConstraint(
                fields=["incident", "escrow_key"], name="incidentkey_once_per_escrow"
            ),
        ]

    def __str__(self) -> str:
        return f"sealed key {self.pk}"


class IncidentPersonRole(models.TextChoices):
    WITNESS = "witness", _("Witness")
    RELATIVE = "relative", _("Relative")
    ALSO_TARGETED = "also_targeted", _("Also targeted")


class IncidentPerson(models.Model):
    """Another person of the organisation linked to an incident (the victim is `incident.person`)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="linked")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=16, choices=IncidentPersonRole.choices)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "person"], name="incidentperson_once")
        ]

    def __str__(self) -> str:
        return f"{self.role} of incident {str(self.incident_id)[:8]}"


class IncidentEvidence(models.Model):
    """An evidence file of an incident: cleaned of metadata, sealed under the incident's key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence")
    sealed_name = models.BinaryField(editable=False)
    content_type = models.CharField(max_length=64)
    stored_file = models.CharField(max_length=32)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"evidence {str(self.pk)[:8]}"

    def context(self, column: str) -> bytes:
        return field_context(self._meta.db_table, column, self.pk)


class CaseEvidence(models.Model):
    """An incident attached to the person's asylum case as evidence, with their consent.

    The case shows the category, the date and how sure we are; never a sealed fact.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    consent_given_on = models.DateField(_("consent given on"))
    consent_method = models.CharField(
        _("how consent was recorded"), max_length=32, choices=ConsentMethod.choices
    )
    attached_at = models.DateTimeField(default=timezone.now)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "case"], name="caseevidence_once")
        ]

    def __str__(self) -> str:
        return f"evidence for case {str(self.case_id)[:8]}"


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class RiskFactor(models.TextChoices):
    PUBLIC_ACTIVISM = "public_activism", _("Public activism or media profile")
    RECENT_THREATS = "recent_threats", _("Recent threats")
    KNOWN_ADDRESS = "known_address", _("Address may be known to the perpetrators")
    RELATIVES_IN_IRAN = "relatives_in_iran", _("Relatives in Iran under pressure")
    DEVICE_COMPROMISE = "device_compromise", _("Phone or accounts may be compromised")
    PRIOR_ATTACK = "prior_attack", _("Earlier attack or attempt")
    ISOLATION = "isolation", _("Lives alone or isolated")
    PENDING_EXTRADITION = "pending_extradition", _("Interpol notice or extradition request")


class RiskAssessment(models.Model):
    """A dated assessment of a person's risk; the newest is current, the others are history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="risk_assessments")
    level = models.CharField(_("risk level"), max_length=16, choices=RiskLevel.choices)
    factors = EncryptedJSONField(_("risk factors"), default=list, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    assessed_on = models.DateField(_("assessed on"))
    next_review_on = models.DateField(_("next review"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-assessed_on", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=RiskLevel.values), name="riskassessment_level_known"
            ),
            models.CheckConstraint(
                condition=models.Q(next_review_on__gte=models.F("assessed_on")),
                name="riskassessment_review_after_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"risk assessment {str(self.pk)[:8]}"

    def data_key(self) -> DataKey:
        return self.person.data_key()


class PlanMeasure(models.TextChoices):
    CHANGE_ADDRESS = "change_address", _("Change of address")
    ADDRESS_CONFIDENTIALITY = "address_confidentiality", _("Address kept out of public registers")
    PHONE_HYGIENE = "phone_hygiene", _("Phone and account hygiene")
    ACCOMPANIMENT = "accompaniment", _("Accompaniment to appointments")
    SAFE_CONTACT = "safe_contact", _("Agreed safe way to reach the person")
    EMERGENCY_CONTACTS = "emergency_contacts", _("Emergency contacts")
    MEDIA_CAUTION = "media_caution", _("Care with public appearances and media")


class SafetyPlan(models.Model):
    """A safety plan agreed with the person; the newest is in force, the others are history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="safety_plans")
    measures = EncryptedJSONField(_("measures"), default=list, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    agreed_on = models.DateField(_("agreed on"))
    consent_given_on = models.DateField(_("consent given on"))
    consent_method = models.CharField(
        _("how consent was recorded"), max_length=32, choices=ConsentMethod.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-agreed_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"safety plan {str(self.pk)[:8]}"

    def data_key(self) -> DataKey:
        return self.person.data_key()


class ReferralTo(models.TextChoices):
    LOCAL_POLICE = "local_police", _("Local police")
    FEDERAL_POLICE = "federal_police", _("Federal police")
    STATE_SECURITY = "state_security", _("State Security (VSSE)")
    LAWYER = "lawyer", _("Lawyer")
    CGRS = "cgrs", _("CGRS (as evidence in the asylum case)")


class ReferralStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    MADE = "made", _("Made")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACTED_ON = "acted_on", _("Acted on")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined by the authority")


class SafetyReferral(models.Model):
    """A referral of a person (and perhaps an incident) to the police, a lawyer or the CGRS."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="safety_referrals")
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    referred_to = models.CharField(_("referred to"), max_length=32, choices=ReferralTo.choices)
    status = models.CharField(_("status"), max_length=16, choices=ReferralStatus.choices)
    reference = EncryptedTextField(_("their reference"), blank=True)
    made_on = models.DateField(_("made on"), null=True, blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    consent_given_on = models.DateField(_("consent given on"))
    consent_method = models.CharField(
        _("how consent was recorded"), max_length=32, choices=ConsentMethod.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["follow_up_on", "-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(referred_to__in=ReferralTo.values),
                name="safetyreferral_to_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReferralStatus.values),
                name="safetyreferral_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"safety referral {str(self.pk)[:8]}"

    def data_key(self) -> DataKey:
        return self.person.data_key()


__all__ = [
    "Category",
    "Confidence",
    "Country",
    "PerpetratorIndicator",
    "ReporterKind",
]
