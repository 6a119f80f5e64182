"""Asylum cases: a person's case, its dated steps, the deadlines they open, and the daily work.

A case's history is a list of steps; the stage and the open deadlines are derived from it by
the rule table (procedure.py) and materialised into `Case.stage` and `Deadline` rows after each
write, so "what is due this week" is one indexed query. A wrong step is never edited in place:
it is superseded by a corrected one, and both stay in the history.

Personal content (notes, documents, addresses, places, references) is encrypted with the
person's data key (`data_key()` returns it). Dates, stages and deadlines stay in clear: the
reminders and the deadline views must query them. `Case.nationality` is a deliberate exception
explained in docs/casework.md (statistics by nationality without decrypting every person).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from panah.core.crypto.fields import EncryptedTextField, field_context
from panah.core.crypto.keys import DataKey
from panah.core.models import DailyReminderSent, Organisation
from panah.people.models import Person

from .procedure import NotificationMode


class ProcedureType(models.TextChoices):
    FIRST = "first", _("First application")
    SUBSEQUENT = "subsequent", _("Subsequent application")
    DUBLIN = "dublin", _("Dublin procedure")


class ProcedureLanguage(models.TextChoices):
    FRENCH = "fr", _("French")
    DUTCH = "nl", _("Dutch")


class NotificationModeChoice(models.TextChoices):
    REGISTERED_LETTER = NotificationMode.REGISTERED_LETTER.value, _("Registered letter")
    HAND_DELIVERY = NotificationMode.HAND_DELIVERY.value, _("Handed over in person")
    EMAIL_OR_FAX = NotificationMode.EMAIL_OR_FAX.value, _("Email or fax")


class Case(models.Model):
    """One asylum procedure of one person, followed by the organisation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    procedure = models.CharField(
        _("procedure"), max_length=16, choices=ProcedureType.choices, default=ProcedureType.FIRST
    )
    detained = models.BooleanField(_("detained"), default=False)
    accelerated = models.BooleanField(_("accelerated procedure"), default=False)
    registered_on = models.DateField(_("application registered on"))
    language = models.CharField(
        _("language of the procedure"), max_length=2, choices=ProcedureLanguage.choices, blank=True
    )
    rule_table = models.CharField(_("rule table"), max_length=32)
    # A coarse statistics group (see the module docstring); never a name.
    nationality = models.CharField(_("nationality (for statistics)"), max_length=64, blank=True)
    # The reference the organisation used before Panah (its spreadsheet's "File no.", often the
    # CGRS or Immigration Office number): encrypted like every personal field. Its keyed hash
    # (queries.reference_index) lets a re-import find the case without the reference in clear.
    external_reference = EncryptedTextField(_("external reference"), blank=True)
    external_reference_index = models.CharField(max_length=32, blank=True, default="")
    restricted = models.BooleanField(_("restricted"), default=False)
    restricted_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("may open it")
    )
    caseworkers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CaseAssignment",
        through_fields=("case", "user"),
        related_name="assigned_cases",
    )
    # Derived from the history by the rule table after every write (services.refresh_case).
    stage = models.CharField(_("stage"), max_length=48, blank=True)
    current_procedure = models.CharField(max_length=16, blank=True)
    ended = models.BooleanField(default=False)
    first_decision_on = models.DateField(null=True, blank=True)
    next_binding_due = models.DateField(null=True, blank=True)
    next_binding_rule = models.CharField(max_length=64, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["organisation", "next_binding_due"]),
            models.Index(fields=["organisation", "registered_on"]),
            # The few restricted cases: every check of whether a person is closed to a member
            # (rules._people_closed, on each person and case page) reads them, not all cases.
            models.Index(
                fields=["organisation"], condition=models.Q(restricted=True), name="case_restricted"
            ),
            # Every column the waiting times read (queries.waiting_columns), in their grouping's
            # order: an index-only scan in groups instead of reading the table and hashing
            # 50,000 rows (the statistics page's query, 14 -> 10 ms of PostgreSQL). Key
            # columns rather than INCLUDE, which SQLite does not have.
            models.Index(
                fields=[
                    "organisation",
                    "procedure",
                    "nationality",
                    "registered_on",
                    "first_decision_on",
                    "ended",
                ],
                name="case_waiting_columns",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(procedure__in=ProcedureType.values), name="case_procedure_known"
            ),
            models.UniqueConstraint(
                fields=["organisation", "external_reference_index"],
                condition=~models.Q(external_reference_index=""),
                name="case_external_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.short_ref}"

    @property
    def short_ref(self) -> str:
        """The first characters of the id: enough to tell cases apart, says nothing about anyone."""
        return str(self.pk)[:8]

    def data_key(self) -> DataKey:
        return self.person.data_key()


class CaseAssignment(models.Model):
    """A caseworker following a case."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_assignment_per_caseworker"),
        ]
        indexes = [models.Index(fields=["user", "organisation"])]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.case_id}"


class CaseStep(models.Model):
    """One dated step of a case. Corrected, never edited: the wrong one is marked superseded."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    # Order among steps of the same day; a correction takes the place of the step it replaces.
    sequence = models.PositiveIntegerField()
    code = models.CharField(_("step"), max_length=48)
    outcome = models.CharField(_("outcome"), max_length=48, blank=True)
    occurred_on = models.DateField(_("date"))
    notification_mode = models.CharField(
        _("notified by"), max_length=24, choices=NotificationModeChoice.choices, blank=True
    )
    sent_on = models.DateField(_("sent or handed over on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    receipt_proven = models.BooleanField(_("receipt date proven"), default=False)
    notified_on = models.DateField(_("deemed notified on"), null=True, blank=True)
    document_reference = EncryptedTextField(_("document reference"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    superseded_reason = EncryptedTextField(_("reason for the correction"), blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["occurred_on", "sequence"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        indexes = [models.Index(fields=["case", "occurred_on", "sequence"])]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "sequence"],
                condition=models.Q(superseded_at__isnull=True),
                name="one_current_step_per_place",
            ),
            # A superseded step says who superseded it and when; a current one says neither.
            models.CheckConstraint(
                condition=(
                    models.Q(superseded_at__isnull=True, superseded_by__isnull=True)
                    | models.Q(superseded_at__isnull=False, superseded_by__isnull=False)
                ),
                name="casestep_superseded_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(notification_mode="")
                | models.Q(notification_mode__in=NotificationModeChoice.values),
                name="casestep_notification_mode_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.occurred_on}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def data_key(self) -> DataKey:
        return self.case.person.data_key()


class Deadline(models.Model):
    """An open deadline of a case, as the rule table computed it (rewritten after every step)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    rule_code = models.CharField(max_length=64)
    due_on = models.DateField()
    starts_after = models.DateField()
    binding = models.BooleanField()
    party = models.CharField(max_length=16)
    legal_source = models.TextField()
    opened_by = models.ForeignKey(CaseStep, on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["due_on"]
        indexes = [
            models.Index(fields=["organisation", "due_on"]),
            # The deadlines page's order (queries.BY_CONSEQUENCE): a coordinator's board over
            # the whole organisation reads its first rows in order instead of sorting them all.
            models.Index(
                fields=["organisation", "-binding", "due_on", "case", "rule_code"],
                name="deadline_by_consequence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} due {self.due_on}"


class ResidenceCommunication(models.TextChoices):
    AT_LODGING = "at_lodging", _("Given when the application was lodged")
    REGISTERED_LETTER = "registered_letter", _("Registered letter to the IO and the CGRS")
    OTHER = "other", _("Another way")


class ChosenResidence(models.Model):
    """The address chosen for the procedure (domicile élu), with its history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="residences")
    address = EncryptedTextField(_("address"))
    valid_from = models.DateField(_("valid from"))
    communicated_how = models.CharField(
        _("how it was communicated"), max_length=24, choices=ResidenceCommunication.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-valid_from", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(communicated_how__in=ResidenceCommunication.values),
                name="chosenresidence_communication_known",
            ),
        ]

    def __str__(self) -> str:
        return f"chosen residence from {self.valid_from}"

    def data_key(self) -> DataKey:
        return self.case.person.data_key()


class CaseNote(models.Model):
    """A caseworker's note on a case (encrypted)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    text = EncryptedTextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"note {str(self.pk)[:8]}"

    def data_key(self) -> DataKey:
        return self.case.person.data_key()


class CaseDocument(models.Model):
    """A file on a case: encrypted on disk (panah.core.crypto.files), its name encrypted too."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    description = EncryptedTextField(_("description"), blank=True)
    original_name = EncryptedTextField(_("file name"), blank=True)
    content_type = models.CharField(max_length=64)
    stored_file = models.CharField(max_length=32, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"case document {str(self.pk)[:8]}"

    def data_key(self) -> DataKey:
        return self.case.person.data_key()

    def file_context(self) -> bytes:
        return field_context(self._meta.db_table, "stored_file", self.pk)


class AppointmentKind(models.TextChoices):
    CGRS_INTERVIEW = "cgrs_interview", _("Interview at the CGRS")
    LAWYER = "lawyer", _("Meeting with the lawyer")
    CALL_HEARING = "call_hearing", _("Hearing at the CALL")
    OTHER = "other", _("Other appointment")


class Appointment(models.Model):
    """A dated appointment of a case; the place is encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(_("kind"), max_length=24, choices=AppointmentKind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    place = EncryptedTextField(_("place"), blank=True)
    # The member who goes with the person (their calendar export lists it).
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["organisation", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AppointmentKind.values), name="appointment_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.starts_at:%Y-%m-%d %H:%M}"

    def data_key(self) -> DataKey:
        return self.case.person.data_key()


class ReferralKind(models.TextChoices):
    LAWYER = "lawyer", _("Lawyer")
    PARTNER = "partner", _("Partner organisation")


class ConsentForm(models.TextChoices):
    SIGNED = "signed_form", _("Signed consent form")
    ORAL_WITNESSED = "oral_witnessed", _("Oral consent before a witness")
    WRITTEN_MESSAGE = "written_message", _("Written message from the person")


class Referral(models.Model):
    """A referral to a lawyer or a partner, made only with the person's recorded consent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(_("referred to"), max_length=16, choices=ReferralKind.choices)
    recipient = EncryptedTextField(_("lawyer or organisation"))
    purpose = EncryptedTextField(_("purpose"), blank=True)
    consent_on = models.DateField(_("consent given on"))
    consent_how = models.CharField(
        _("how the consent was recorded"), max_length=24, choices=ConsentForm.choices
    )
    consent_scope = EncryptedTextField(_("what the person agreed to share"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-made_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ReferralKind.values), name="referral_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(consent_how__in=ConsentForm.values),
                name="referral_consent_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {str(self.pk)[:8]}"

    def data_key(self) -> DataKey:
        return self.case.person.data_key()


class RuleTableEdit(models.Model):
    """An organisation's change to one deadline rule, from a date: older notifications keep the old rule."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    rule_code = models.CharField(max_length=64)
    effective_from = models.DateField(_("applies to notifications from"))
    days = models.PositiveIntegerField(_("days"), default=0)
    months = models.PositiveIntegerField(_("months"), default=0)
    source = models.TextField(_("legal source"))
    reason = models.TextField(_("why it changed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["rule_code", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "rule_code", "effective_from"],
                name="one_rule_edit_per_day",
            ),
            models.CheckConstraint(
                condition=models.Q(days__gt=0) | models.Q(months__gt=0),
                name="rule_edit_has_a_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} from {self.effective_from}"


class ReminderSent(DailyReminderSent):
    """One reminder email per member, organisation and day: `panah cases remind` is idempotent."""

    deadlines = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "day"], name="one_reminder_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"reminder {self.user_id} {self.day}"
