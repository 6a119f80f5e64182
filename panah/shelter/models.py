"""Shelter: people without a roof, hosts and their offers of beds, matches and placements.

A `Need` is a person or household without a roof, linked to their person records; what it says
about them (where they sleep now, vulnerabilities, languages, area constraints) is encrypted
with the lead person's data key. A `Host` is a vetted person, household or collective shelter
that owns a data key of its own (its name, phone and address are encrypted); an `Offer` is beds
of a host with conditions and an availability window. A `Placement` puts a need in an offer and
has states (proposed, confirmed, accepted, refused, ended, broken down); check-ins and incidents
hang off it. Accommodation is a list of dated `Episode`s per person, so nights without shelter
fall out of the data.

Kept in clear on purpose (see docs/shelter.md): the household's composition as counts, the
coarse area (a province), the rule-relevant flags and every date. The matcher, the dashboard and
the disclosure-controlled figures need them without decrypting every household; none names or
locates anyone.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_scopes import ScopedManager

from panah.core.crypto.fields import EncryptedJSONField, EncryptedTextField
from panah.core.crypto.keys import DataKey
from panah.core.language import join_words
from panah.core.models import DailyReminderSent, Organisation
from panah.people.models import Household, Person


class Area(models.TextChoices):
    """Coarse areas (Belgian provinces and Brussels): enough to match, never an address."""

    BRUSSELS = "brussels", _("Brussels")
    ANTWERP = "antwerp", _("Antwerp")
    EAST_FLANDERS = "east_flanders", _("East Flanders")
    WEST_FLANDERS = "west_flanders", _("West Flanders")
    FLEMISH_BRABANT = "flemish_brabant", _("Flemish Brabant")
    WALLOON_BRABANT = "walloon_brabant", _("Walloon Brabant")
    LIEGE = "liege", _("Liège")
    HAINAUT = "hainaut", _("Hainaut")
    NAMUR = "namur", _("Namur")
    LIMBURG = "limburg", _("Limburg")
    LUXEMBOURG = "luxembourg", _("Luxembourg")


class Vulnerability(models.TextChoices):
    MEDICAL = "medical", _("Medical condition")
    PREGNANCY = "pregnancy", _("Pregnancy")
    DISABILITY = "disability", _("Disability")
    TRAUMA = "trauma", _("Trauma")
    MINORS = "minors", _("Minors in the household")
    ELDERLY = "elderly", _("Elderly person")


class FedasilStatus(models.TextChoices):
    NOT_REGISTERED = "not_registered", _("Not on the waiting list")
    WAITING = "waiting", _("On the Fedasil waiting list")
    INVITED = "invited", _("Invited to a reception place")
    REFUSED = "refused", _("Refused reception")


class Need(models.Model):
    """A person or household without a roof, waiting for a place."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="shelter_needs")
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    without_roof_since = models.DateField(_("without a roof since"))
    # Composition as counts (clear, see the module docstring).
    adult_women = models.PositiveSmallIntegerField(_("adult women"), default=0)
    adult_men = models.PositiveSmallIntegerField(_("adult men"), default=0)
    children = models.PositiveSmallIntegerField(_("children (under 18)"), default=0)
    unaccompanied_minor = models.BooleanField(_("minor without a guardian"), default=False)
    needs_accessible = models.BooleanField(_("needs an accessible place"), default=False)
    # Set by the safety officer's flag (the safety module); only cleared hosts may receive them.
    safety_alert = models.BooleanField(_("under a safety alert"), default=False)
    area = models.CharField(_("area"), max_length=24, choices=Area.choices)
    area_required = models.BooleanField(_("must stay in this area"), default=False)
    fedasil_status = models.CharField(
        _("Fedasil waiting list"),
        max_length=24,
        choices=FedasilStatus.choices,
        default=FedasilStatus.NOT_REGISTERED,
    )
    fedasil_since = models.DateField(_("on the list since"), null=True, blank=True)
    # When they should no longer need a place, as far as anyone knows (a Fedasil invitation, an
    # expected decision): the dynamic matcher weighs a short stay, which frees the place sooner.
    # In clear like the Fedasil dates: a date that names and locates no one.
    place_needed_until = models.DateField(
        _("needs a place until about"),
        null=True,
        blank=True,
        help_text=_(
            "For example the date of a Fedasil invitation or of an expected decision. Even a "
            "rough date helps the matcher; leave empty when no one knows."
        ),
    )
    # Personal and health details: encrypted under the lead person's key.
    sleeping_now = EncryptedTextField(_("where they sleep now"), blank=True)
    vulnerabilities = EncryptedJSONField(_("vulnerabilities"), default=list, blank=True)
    languages = EncryptedJSONField(_("languages"), default=list, blank=True)
    area_constraints = EncryptedTextField(
        _("area constraints (near the lawyer, a school, a hospital)"), blank=True
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    # Kept in clear as a number so priorities can be computed without decrypting: how many
    # vulnerabilities are recorded, never which.
    vulnerability_count = models.PositiveSmallIntegerField(default=0, editable=False)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_reason = models.CharField(max_length=32, blank=True)
    external_reference = models.CharField(_("external reference"), max_length=64, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["without_roof_since"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["organisation", "closed_on"])]
        constraints = [
            # One open need per person: two would let the person be placed twice.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(closed_on__isnull=True),
                name="shelter_one_open_need_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(adult_women__gt=0)
                | models.Q(adult_men__gt=0)
                | models.Q(children__gt=0),
                name="shelter_need_has_someone",
            ),
            models.CheckConstraint(
                condition=models.Q(area__in=Area.values), name="shelter_need_area_known"
            ),
            models.UniqueConstraint(
                fields=["organisation", "external_reference"],
                condition=~models.Q(external_reference=""),
                name="shelter_need_external_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"need {self.short_ref}"

    @property
    def short_ref(self) -> str:
        return str(self.pk)[:8]

    @property
    def size(self) -> int:
        return self.adult_women + self.adult_men + self.children

    @property
    def composition(self) -> str:
        """ "1 woman, 2 children": each count with its plural in the reader's language, the
        zero counts left out (a household has at least one person)."""
        parts = [
            ngettext("%(n)s woman", "%(n)s women", self.adult_women),
            ngettext("%(n)s man", "%(n)s men", self.adult_men),
            ngettext("%(n)s child", "%(n)s children", self.children),
        ]
        counts = (self.adult_women, self.adult_men, self.children)
        return join_words(p % {"n": n} for p, n in zip(parts, counts, strict=True) if n)

    @property
    def vulnerability_labels(self) -> list[str]:
        labels = dict(Vulnerability.choices)
        return [str(labels.get(code, code)) for code in self.vulnerabilities or []]

    def data_key(self) -> DataKey:
        return self.person.data_key()


class HostKind(models.TextChoices):
    SINGLE_MAN = "single_man", _("A man living alone")
    SINGLE_WOMAN = "single_woman", _("A woman living alone")
    COUPLE = "couple", _("A couple")
    FAMILY = "family", _("A family")
    COLLECTIVE = "collective", _("A collective shelter (staffed)")


class Host(models.Model):
    """A host (person or household) or a collective shelter; vetted before receiving anyone.

    Its contact is a person record (people being the one home of personal data): the host's
    fields are encrypted under that person's key, so erasing the contact erases the host's name,
    phone and address too.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("contact person")
    )
    kind = models.CharField(_("who hosts"), max_length=16, choices=HostKind.choices)
    name = EncryptedTextField(_("name"))
    phone = EncryptedTextField(_("phone"), blank=True)
    email = EncryptedTextField(_("email address"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    languages = EncryptedJSONField(_("languages spoken"), default=list, blank=True)
    area = models.CharField(_("area"), max_length=24, choices=Area.choices)
    # Vetting: a host receives no one until the visit, the references and the charter are done.
    home_visit_on = models.DateField(_("home visit on"), null=True, blank=True)
    home_visit_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home visit by"),
    )
    references_checked = models.BooleanField(_("references checked"), default=False)
    charter_signed_on = models.DateField(_("charter signed on"), null=True, blank=True)
    vetting_renewal_on = models.DateField(_("vetting to renew by"), null=True, blank=True)
    cleared_for_safety_alerts = models.BooleanField(
        _("cleared to receive guests under a safety alert"), default=False
    )
    # A shelter that must report its residents (to the commune, to a funder) shares addresses.
    shares_guest_details = models.BooleanField(
        _("reports guests' details to third parties"), default=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    external_reference = models.CharField(_("external reference"), max_length=64, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("host")
        verbose_name_plural = _("hosts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=HostKind.values), name="shelter_host_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(area__in=Area.values), name="shelter_host_area_known"
            ),
            models.UniqueConstraint(
                fields=["organisation", "external_reference"],
                condition=~models.Q(external_reference=""),
                name="shelter_host_external_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"host {self.short_ref}"

    @property
    def short_ref(self) -> str:
        return str(self.pk)[:8]

    def data_key(self) -> DataKey:
        return self.person.data_key()

    def vetted_on(self, day) -> bool:
        """Whether the vetting is complete and still valid on `day`."""
        return bool(
            self.home_visit_on
            and self.home_visit_by_id
            and self.references_checked
            and self.charter_signed_on
            and self.vetting_renewal_on
            and self.vetting_renewal_on >= day
        )


class Offer(models.Model):
    """Beds a host offers for a window of dates, with whom they can receive."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    host = models.ForeignKey(Host, on_delete=models.PROTECT, related_name="offers")
    beds = models.PositiveSmallIntegerField(_("beds"))
    # A host family receives one household at a time; a collective shelter many.
    max_households = models.PositiveSmallIntegerField(_("households at a time"), default=1)
    max_men = models.PositiveSmallIntegerField(_("at most this many adult men"), default=99)
    available_from = models.DateField(_("available from"))
    available_until = models.DateField(_("available until"), null=True, blank=True)
    # Collective shelters often work with fixed stays (28 days).
    stay_days = models.PositiveSmallIntegerField(_("length of stay (days)"), null=True, blank=True)
    accepts_women_children = models.BooleanField(_("women and children"), default=True)
    accepts_families = models.BooleanField(_("families"), default=True)
    accepts_single_men = models.BooleanField(_("single men"), default=True)
    accepts_single_women = models.BooleanField(_("single women"), default=True)
    accepts_unaccompanied_minors = models.BooleanField(
        _("unaccompanied minors (a minors' house)"), default=False
    )
    accessible = models.BooleanField(_("accessible (no stairs)"), default=False)
    pets = models.BooleanField(_("pets in the home"), default=False)
    smoking = models.BooleanField(_("smoking allowed"), default=False)
    withdrawn_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["available_from"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(condition=models.Q(beds__gt=0), name="shelter_offer_has_beds"),
            models.CheckConstraint(
                condition=models.Q(max_households__gt=0), name="shelter_offer_households_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(available_until__isnull=True)
                | models.Q(available_until__gte=models.F("available_from")),
                name="shelter_offer_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"offer {str(self.pk)[:8]}"


# The matcher's policies, the default first: "optimal" (today's needs and offers) and
# "dynamic" (panah.shelter.dynamic). One list for the setting, the service and the table.
MATCH_POLICIES = ("optimal", "dynamic")


class MatchRun(models.Model):
    """One run of the matcher: what it proved, how long it took, who was left and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    run_at = models.DateTimeField(default=timezone.now)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    needs = models.PositiveIntegerField(default=0)
    offers = models.PositiveIntegerField(default=0)
    people_housed = models.PositiveIntegerField(default=0)
    score = models.FloatField(default=0)
    bound = models.FloatField(default=0)
    proven_optimal = models.BooleanField(default=False)
    seconds = models.FloatField(default=0)
    # need id -> rule codes (or a shortage: safeguarding.SHORTAGE*) that kept it unhoused; codes
    # only, no personal data.
    unhoused = models.JSONField(default=dict)
    # The policy that made the proposals (one of MATCH_POLICIES), and for a dynamic run the
    # households it counted the typical stay for, having no date to go by: the coordinators'
    # cue that a rough date would help (docs/shelter.md, "What the stay dates are worth").
    policy = models.CharField(max_length=8, default=MATCH_POLICIES[0])
    without_stay_date = models.PositiveIntegerField(default=0)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-run_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(policy__in=list(MATCH_POLICIES)),
                name="shelter_matchrun_policy_known",
            ),
        ]

    def __str__(self) -> str:
        return f"match run {str(self.pk)[:8]}"

    @property
    def gap_percent(self) -> float:
        """How far the score is below the linear relaxation's bound, in percent."""
        if self.bound <= 0:
            return 0.0
        return max(0.0, 100.0 * (self.bound - self.score) / self.bound)


def stay_weighed(stay: dict | None) -> str:
    """What a proposal says of the stay a dynamic run weighed (its explanation's "stay":
    panah.shelter.dynamic), in the reader's language; "" when the run weighed none."""
    if not stay:
        return ""
    if stay.get("expected"):
        n = stay["expected"]
        text = ngettext(
            "Expected stay: about %(n)s night, from the “needs a place until” date",
            "Expected stay: about %(n)s nights, from the “needs a place until” date",
            n,
        )
    else:
        n = stay.get("typical", 0)
        text = ngettext(
            "Expected stay: no date given, so the typical stay of %(n)s night was counted",
            "Expected stay: no date given, so the typical stay of %(n)s nights was counted",
            n,
        )
    return text % {"n": n}


class PlacementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed by the coordinator")
    ACCEPTED = "accepted", _("Accepted by the guest")
    REFUSED = "refused", _("Refused by the guest")
    DISCARDED = "discarded", _("Not confirmed")
    ENDED = "ended", _("Ended")
    BROKEN_DOWN = "broken_down", _("Broken down")


# A placement in these states holds its beds and its guest.
HOLDING = (PlacementStatus.PROPOSED, PlacementStatus.CONFIRMED, PlacementStatus.ACCEPTED)
ACTIVE = (PlacementStatus.CONFIRMED, PlacementStatus.ACCEPTED)


class NextPlace(models.TextChoices):
    UNKNOWN = "", _("Not known yet")
    STREET = "street", _("The street")
    NIGHT_SHELTER = "night_shelter", _("Emergency night shelter")
    HOST = "host", _("Another host")
    COLLECTIVE = "collective", _("A collective shelter")
    FEDASIL = "fedasil", _("Fedasil reception")
    OWN_HOME = "own_home", _("Their own home")


class Placement(models.Model):
    """A need placed in an offer: proposed by the matcher, confirmed, accepted, then ended."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="placements")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="placements")
    run = models.ForeignKey(
        MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PlacementStatus.choices, default="proposed"
    )
    beds = models.PositiveSmallIntegerField()
    starts_on = models.DateField(_("starts on"))
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=32, blank=True)
    next_place = models.CharField(
        _("where they go next"), max_length=16, choices=NextPlace.choices, blank=True
    )
    # Why the matcher proposed it: rule codes and score parts, never personal values.
    explanation = models.JSONField(default=dict)
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referent"),
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    guest_decided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        indexes = [models.Index(fields=["organisation", "status", "planned_end_on"])]
        constraints = [
            # A household is never in two places at once (nor proposed twice).
            models.UniqueConstraint(
                fields=["need"],
                condition=models.Q(status__in=[s.value for s in HOLDING]),
                name="shelter_one_holding_placement_per_need",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PlacementStatus.values),
                name="shelter_placement_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(planned_end_on__isnull=True)
                | models.Q(planned_end_on__gte=models.F("starts_on")),
                name="shelter_placement_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"placement {str(self.pk)[:8]}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def stay_weighed(self) -> str:
        """The stay a dynamic run weighed for this proposal beside its score, or ""."""
        return stay_weighed((self.explanation or {}).get("stay"))

    @property
    def ends_before_needed(self) -> bool:
        """The place ends (the offer's last day or its fixed stay) before the date the
        household needs a place until: they will need another place then."""
        until = self.need.place_needed_until
        return bool(self.planned_end_on and until and self.planned_end_on < until)

    @property
    def address_released(self) -> bool:
        """The host's address reaches the guest's side only once the match is confirmed."""
        return self.status in ACTIVE or self.status in (
            PlacementStatus.ENDED,
            PlacementStatus.BROKEN_DOWN,
        )

    def data_key(self) -> DataKey:
        return self.need.person.data_key()


class CheckInKind(models.TextChoices):
    CHECK_IN = "check_in", _("Check-in")
    INCIDENT = "incident", _("Incident")


class CheckIn(models.Model):
    """A caseworker's check-in on a placement (the guest is safe, it works), or an incident."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="check_ins")
    # The guest: their key encrypts the note, and erasing them reaches it.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=CheckInKind.choices)
    occurred_on = models.DateField(_("date"))
    guest_safe = models.BooleanField(_("the guest is safe"), default=True)
    working = models.BooleanField(_("the placement works"), default=True)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["occurred_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CheckInKind.values), name="shelter_checkin_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.occurred_on}"

    def data_key(self) -> DataKey:
        return self.person.data_key()


class EpisodeKind(models.TextChoices):
    STREET = "street", _("The street")
    NIGHT_SHELTER = "night_shelter", _("Emergency night shelter")
    HOST = "host", _("A host")
    COLLECTIVE = "collective", _("A collective shelter")
    FEDASIL = "fedasil", _("Fedasil reception")


# Nights in these count as nights without shelter.
ROOFLESS = (EpisodeKind.STREET, EpisodeKind.NIGHT_SHELTER)


class Episode(models.Model):
    """A dated stretch of a person's accommodation; open while `ended_on` is empty."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("where"), max_length=16, choices=EpisodeKind.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    placement = models.ForeignKey(
        Placement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["started_on"]
        indexes = [models.Index(fields=["organisation", "kind", "started_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(ended_on__isnull=True),
                name="shelter_one_open_episode_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="shelter_episode_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=EpisodeKind.values), name="shelter_episode_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.started_on}"


class NoticeRecipient(models.TextChoices):
    GUEST = "guest", _("The guest")
    HOST = "host", _("The host")


class NoticeKind(models.TextChoices):
    OFFERED = "offered", _("A place is offered")
    ACCEPTED = "accepted", _("The guest accepted")
    REFUSED = "refused", _("The guest refused")


class Notice(models.Model):
    """A message to a placement's guest or host, in their language: sent, or why not.

    Only the facts of the sending are kept (who, which language, whether the host's address was
    in it), never the text: the message itself is rendered from the placement when it is sent.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="notices")
    recipient = models.CharField(max_length=8, choices=NoticeRecipient.choices)
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    language = models.CharField(max_length=8)
    address_included = models.BooleanField(default=False)
    sent = models.BooleanField(default=False)
    # Why it was not sent: "no_email" or "mail_failed"; empty when sent.
    problem = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__in=NoticeRecipient.values),
                name="shelter_notice_recipient_known",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=NoticeKind.values), name="shelter_notice_kind_known"
            ),
            # The guest learns the host's address only once the match is confirmed: a notice
            # with the address is an offer of a confirmed place, to the guest, never the host.
            models.CheckConstraint(
                condition=models.Q(address_included=False)
                | models.Q(recipient="guest", kind="offered"),
                name="shelter_notice_address_only_in_the_guests_offer",
            ),
        ]

    def __str__(self) -> str:
        return f"notice {self.kind} to {self.recipient}"


class ShelterReminderSent(DailyReminderSent):
    """One shelter reminder e-mail per member, organisation and day: `panah shelter remind` is
    idempotent."""

    placements = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "day"], name="one_shelter_reminder_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"shelter reminder {self.user_id} {self.day}"
