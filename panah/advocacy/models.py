"""Advocacy: partners and officials, events and their reports, meetings, demands and briefs.

No refugee's personal data lives here. An official's way to reach them (a phone, an email) is
still personal data of the official, so it is encrypted under the official's own data key. A
speaker is named as they chose to appear in public. Attendance is a count, never a list.

Texts read by the public (an event's title and purpose, a demand, a statement) are kept in the
four languages side by side (`title_en` ... `title_fa`); `in_language` picks one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from panah.core.crypto.fields import DataKeyHolder, EncryptedTextField, field_context
from panah.core.models import DailyReminderSent, Organisation

LANGUAGES = ("en", "fr", "nl", "fa")


def in_language(obj, field: str, language: str | None = None) -> str:
    """The text of `field` in the reader's language, else in English, else in any language."""
    language = (language or get_language() or "en")[:2]
    for code in (language, "en", *LANGUAGES):
        text = getattr(obj, f"{field}_{code}", "")
        if text:
            return text
    return ""


def missing_languages(obj, field: str) -> list[str]:
    """The language codes in which `field` has no text yet."""
    return [code for code in LANGUAGES if not getattr(obj, f"{field}_{code}", "").strip()]


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    DUTCH = "nl", _("Dutch")
    PERSIAN = "fa", _("Persian")
    GERMAN = "de", _("German")
    OTHER = "other", _("Other")


class Partner(models.Model):
    """A partner organisation or coalition we act with."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        COALITION = "coalition", _("Coalition")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.ORGANISATION
    )
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="partner_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="partner_named"),
        ]

    def __str__(self) -> str:
        return self.name


class Official(DataKeyHolder):
    """An official or an institution's person we speak to. How to reach them is encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    institution = models.CharField(_("institution"), max_length=200)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.FRENCH
    )
    contact = EncryptedTextField(_("how to reach them"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["institution", "name"]
        verbose_name = _("official")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="official_named")]

    def __str__(self) -> str:
        return f"{self.name} ({self.institution})"


class DemandStatus(models.TextChoices):
    RAISED = "raised", _("Raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    PROMISED = "promised", _("Promised")
    PARTLY_MET = "partly_met", _("Partly met")
    MET = "met", _("Met")
    REFUSED = "refused", _("Refused")


class Demand(models.Model):
    """Something we ask of an authority, in four languages, followed until it is met or refused."""

    Status = DemandStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text_en = models.TextField(_("demand (English)"), blank=True)
    text_fr = models.TextField(_("demand (French)"), blank=True)
    text_nl = models.TextField(_("demand (Dutch)"), blank=True)
    text_fa = models.TextField(_("demand (Persian)"), blank=True)
    addressee = models.CharField(_("addressed to"), max_length=200)
    first_raised_on = models.DateField(_("first raised on"))
    # The latest entry of its history, kept here so lists need no second query.
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RAISED
    )
    published = models.BooleanField(_("on the public progress page"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["first_raised_on", "created_at"]
        verbose_name = _("demand")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DemandStatus.values),
                name="demand_status_known",
            ),
            models.CheckConstraint(condition=~Q(addressee=""), name="demand_addressed"),
        ]

    def __str__(self) -> str:
        return in_language(self, "text")[:80]

    @property
    def text(self) -> str:
        return in_language(self, "text")


class DemandStatusChange(models.Model):
    """One step in a demand's history: its new status, when, and the evidence for it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(_("status"), max_length=16, choices=Demand.Status.choices)
    on = models.DateField(_("date"))
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_link = models.URLField(_("link to the evidence"), blank=True, max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["on", "recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DemandStatus.values),
                name="demand_change_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.on.isoformat()}"


class Event(models.Model):
    """A rally, vigil or conference, its notification to the city or police, and its page."""

    class Kind(models.TextChoices):
        RALLY = "rally", _("Rally")
        VIGIL = "vigil", _("Vigil")
        CONFERENCE = "conference", _("Conference")
        OTHER = "other", _("Other")

    class Permit(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        TO_SEND = "to_send", _("To send")
        SENT = "sent", _("Sent, no answer yet")
        GRANTED = "granted", _("Granted")
        CONDITIONS = "conditions", _("Granted with conditions")
        REFUSED = "refused", _("Refused")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RALLY)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True)
    title_nl = models.CharField(_("title (Dutch)"), max_length=200, blank=True)
    title_fa = models.CharField(_("title (Persian)"), max_length=200, blank=True)
    purpose_en = models.TextField(_("purpose (English)"), blank=True)
    purpose_fr = models.TextField(_("purpose (French)"), blank=True)
    purpose_nl = models.TextField(_("purpose (Dutch)"), blank=True)
    purpose_fa = models.TextField(_("purpose (Persian)"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=300)
    # A link to a map, opened by the reader's choice; never embedded tiles.
    map_link = models.URLField(_("map link"), blank=True, max_length=500)
    languages = models.CharField(
        _("languages spoken"), max_length=100, blank=True, help_text=_("e.g. Persian, French")
    )
    speakers = models.TextField(
        _("speakers"), blank=True, help_text=_("One per line, as each chose to be named.")
    )
    co_organisers = models.ManyToManyField(
        Partner, blank=True, related_name="events", verbose_name=_("co-organisers")
    )
    demands = models.ManyToManyField(
        Demand, blank=True, related_name="events", verbose_name=_("demands")
    )
    permit_status = models.CharField(
        _("notification or permit"), max_length=16, choices=Permit.choices, default=Permit.TO_SEND
    )
    permit_authority = models.CharField(_("sent to"), max_length=200, blank=True)
    permit_deadline = models.DateField(_("notification deadline"), null=True, blank=True)
    published = models.BooleanField(_("public page"), default=False)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    # Anonymous "I will come": a number, never who.
    rsvp_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("event")
        indexes = [models.Index(fields=["organisation", "published", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after"
            ),
            models.CheckConstraint(condition=~Q(place=""), name="event_has_place"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return in_language(self, "title")

    @property
    def purpose(self) -> str:
        return in_language(self, "purpose")

    def speaker_list(self) -> list[str]:
        return [line.strip() for line in self.speakers.splitlines() if line.strip()]


class Meeting(models.Model):
    """A delegation's meeting with officials: who, what we asked, what they answered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("date"))
    institution = models.CharField(_("institution"), max_length=200)
    officials = models.ManyToManyField(
        Official, blank=True, related_name="meetings", verbose_name=_("officials met")
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("our delegation")
    )
    demands = models.ManyToManyField(
        Demand, blank=True, related_name="meetings", verbose_name=_("demands raised")
    )
    answers = models.TextField(_("answers given"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("meeting")

    def __str__(self) -> str:
        return f"{self.institution} {self.held_on.isoformat()}"


class Task(models.Model):
    """A checklist item or volunteer task of an event, or a follow-up of a meeting."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="follow_ups"
    )
    title = models.CharField(_("task"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who does it"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["done_at", "due_on", "created_at"]
        indexes = [models.Index(fields=["organisation", "done_at", "due_on"])]
        constraints = [
            # Exactly one of an event or a meeting.
            models.CheckConstraint(
                condition=(
                    Q(event__isnull=False, meeting__isnull=True)
                    | Q(event__isnull=True, meeting__isnull=False)
                ),
                name="task_of_event_or_meeting",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="task_titled"),
        ]

    def __str__(self) -> str:
        return self.title


class EventReport(models.Model):
    """What happened at an event: attendance estimate, press, and the speakers' statements."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="report")
    attendance_estimate = models.PositiveIntegerField(_("attendance (estimate)"), null=True)
    press_links = models.TextField(_("press links"), blank=True, help_text=_("One per line."))
    published = models.BooleanField(_("published"), default=False)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    def __str__(self) -> str:
        return f"report of {self.event_id}"

    def links(self) -> list[str]:
        return [line.strip() for line in self.press_links.splitlines() if line.strip()]


class Statement(models.Model):
    """What one speaker said, in the language they spoke, with translations beside it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(EventReport, on_delete=models.CASCADE, related_name="statements")
    speaker = models.CharField(_("speaker"), max_length=200)
    language = models.CharField(
        _("spoken in"), max_length=2, choices=[(c, c) for c in LANGUAGES], default="fa"
    )
    text_en = models.TextField(_("English"), blank=True)
    text_fr = models.TextField(_("French"), blank=True)
    text_nl = models.TextField(_("Dutch"), blank=True)
    text_fa = models.TextField(_("Persian"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["position", "speaker"]
        constraints = [models.CheckConstraint(condition=~Q(speaker=""), name="statement_speaker")]

    def __str__(self) -> str:
        return self.speaker

    @property
    def original(self) -> str:
        return getattr(self, f"text_{self.language}", "")


class Brief(models.Model):
    """A brief for an audience and period: its figures frozen when generated, with their digest.

    `figures` is the snapshot every rendering (web page, PDF in any language) reads; nothing is
    recomputed after generation, so a number handed over can be traced to this row and its digest.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(_("for"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    figures = models.JSONField(default=dict)
    digest = models.CharField(max_length=64)
    disclosure_threshold = models.PositiveSmallIntegerField(default=1)
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="briefs"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-generated_at"]
        verbose_name = _("brief")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="brief_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(disclosure_threshold__gte=1), name="brief_threshold"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        """What the brief prints so a figure can be traced back: its id and digest."""
        return f"{str(self.pk)[:8]}-{self.digest[:12]}"


class TaskReminderSent(DailyReminderSent):
    """One task reminder email per member, organisation and day: `panah advocacy remind` is
    idempotent."""

    tasks = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "day"], name="one_task_reminder_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day.isoformat()}"


class EventPhoto(DataKeyHolder):
    """A photo of an event: stripped of its metadata, encrypted on disk, published by choice.

    The photo owns its data key, so deleting the row's key shreds the picture in every backup.
    Whether everyone recognisable consented is recorded; without it the photo is published only
    once the faces of those who did not consent are blurred (`blurred`).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(EventReport, on_delete=models.CASCADE, related_name="photos")
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    everyone_consented = models.BooleanField(
        _("everyone recognisable agreed to be shown"), default=False
    )
    blurred = models.BooleanField(default=False)
    # The upload carried a GPS position (removed before storage); kept to tell the coordinator.
    had_location = models.BooleanField(default=False)
    content_type = models.CharField(max_length=64)
    stored_file = models.CharField(max_length=32, unique=True)
    published = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["uploaded_at"]
        constraints = [
            # A photo goes public only with everyone's consent or with faces blurred.
            models.CheckConstraint(
                condition=Q(published=False) | Q(everyone_consented=True) | Q(blurred=True),
                name="eventphoto_published_safely",
            ),
        ]

    def __str__(self) -> str:
        return f"photo {str(self.pk)[:8]}"

    def file_context(self) -> bytes:

        return field_context(self._meta.db_table, "stored_file", self.pk)
