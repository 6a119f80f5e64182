"""Sources, reports of executions, import batches, victims (clusters of reports), linkage runs,
review decisions, merge/split history and other organisations' published figures.

Nothing here is a refugee's personal data: a report is one source's public account of an
execution. Every row still belongs to one organisation and is reached through a scoped manager.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from panah.core.models import Organisation


class SourceKind(models.TextChoices):
    NGO = "ngo", _("Human rights organisation")
    NEWS = "news", _("News outlet")
    OFFICIAL = "official", _("Official (state) source")
    OTHER = "other", _("Other")


class ChargeCategory(models.TextChoices):
    """The charge as human rights organisations group it (Iran Human Rights, Amnesty)."""

    DRUGS = "drugs", _("Drug-related")
    MURDER = "murder", _("Murder (qisas)")
    RAPE = "rape", _("Rape or sexual violence")
    MOHAREBEH = "moharebeh", _("Moharebeh (enmity against God)")
    EFSAD = "efsad", _("Efsad-fil-arz (corruption on earth)")
    BAGHY = "baghy", _("Baghy (armed rebellion)")
    ESPIONAGE = "espionage", _("Espionage")
    ARMED_ROBBERY = "armed_robbery", _("Armed robbery")
    ADULTERY = "adultery", _("Adultery")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


class Calendar(models.TextChoices):
    GREGORIAN = "gregorian", _("Gregorian")
    JALALI = "jalali", _("Solar Hijri (Jalali)")
    UNKNOWN = "unknown", _("Unknown")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    RANGE = "range", _("Range")
    UNKNOWN = "unknown", _("No date")


class Announced(models.TextChoices):
    YES = "yes", _("Officially announced")
    NO = "no", _("Not announced")
    UNKNOWN = "unknown", _("Unknown")


class Verification(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    UNVERIFIED = "unverified", _("Unverified")
    EXCLUDED = "excluded", _("Excluded")


def _in(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


class Source(models.Model):
    """An organisation or outlet whose reports we import (Iran Human Rights, HRANA, a newspaper)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    language = models.CharField(
        _("language"), max_length=35, blank=True, help_text=_("Language code, e.g. fa, en, ku.")
    )
    reliability_notes = models.TextField(_("reliability notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="source_name_unique"),
            models.CheckConstraint(condition=_in("kind", SourceKind), name="source_kind_known"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    DRY_RUN = "dry_run", _("Dry run (nothing saved)")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Refused (nothing saved)")


class ImportBatch(models.Model):
    """One attempt to import a file: who, when, which file, and the row-level report.

    Kept for dry runs and refused files too, so every attempt can be read afterwards; only a
    batch with status `imported` has reports.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="batches")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    via = models.CharField(max_length=8, default="web")  # "web" or "cli"
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(max_length=8)
    file_size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict, blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=ImportStatus.choices)
    row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    conflict_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # A file-level refusal (encoding, size, missing column); row problems are in `problems`.
    file_error = models.TextField(blank=True)
    # [{"row": 12, "column": "date", "field": "date_as_written", "message": "...", "level": "error"}]
    # capped (see importing.MAX_PROBLEMS_KEPT); error_count has the full number.
    problems = models.JSONField(default=list, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        constraints = [
            models.CheckConstraint(
                condition=_in("status", ImportStatus), name="batch_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d})"

    @property
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p.get("level") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [p for p in self.problems if p.get("level") != "error"]


class Report(models.Model):
    """One source's account of one execution, kept as written beside its normalised forms."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="reports")
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    # The source's own identifier: what makes re-importing the same file change nothing.
    source_reference = models.CharField(_("source reference"), max_length=200)
    url = models.URLField(_("link"), max_length=500, blank=True)
    publication_date = models.DateField(_("publication date"), null=True, blank=True)

    name_as_written = models.CharField(_("name as written"), max_length=300, blank=True)
    name_canonical = models.CharField(max_length=300, blank=True)
    name_key = models.CharField(max_length=300, blank=True)
    father_name = models.CharField(_("father's name"), max_length=200, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    gender = models.CharField(
        _("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN
    )
    ethnicity = models.CharField(_("ethnicity"), max_length=100, blank=True)
    nationality = models.CharField(_("nationality"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    prison = models.CharField(_("prison"), max_length=200, blank=True)
    charge_category = models.CharField(
        _("charge"), max_length=16, choices=ChargeCategory.choices, default=ChargeCategory.UNKNOWN
    )
    charge_text = models.TextField(_("charge as written"), blank=True)

    date_as_written = models.CharField(_("date as written"), max_length=100, blank=True)
    calendar = models.CharField(
        _("calendar"), max_length=12, choices=Calendar.choices, default=Calendar.UNKNOWN
    )
    date_precision = models.CharField(
        _("date precision"),
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.UNKNOWN,
    )
    # The Gregorian days the written date can denote (equal for a day, a month's span for a month).
    date_start = models.DateField(_("earliest date"), null=True, blank=True)
    date_end = models.DateField(_("latest date"), null=True, blank=True)

    announced = models.CharField(
        _("announced"), max_length=8, choices=Announced.choices, default=Announced.UNKNOWN
    )
    verification = models.CharField(
        _("verification"),
        max_length=12,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
    )
    identity_confirmed = models.BooleanField(_("identity confirmed"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = [F("date_start").desc(nulls_last=True), "pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_reference"], name="report_reference_unique_per_source"
            ),
            models.CheckConstraint(
                condition=~Q(source_reference=""), name="report_reference_not_empty"
            ),
            models.CheckConstraint(condition=_in("gender", Gender), name="report_gender_known"),
            models.CheckConstraint(
                condition=_in("charge_category", ChargeCategory), name="report_charge_known"
            ),
            models.CheckConstraint(
                condition=_in("calendar", Calendar), name="report_calendar_known"
            ),
            models.CheckConstraint(
                condition=_in("date_precision", DatePrecision), name="report_precision_known"
            ),
            models.CheckConstraint(
                condition=_in("announced", Announced), name="report_announced_known"
            ),
            models.CheckConstraint(
                condition=_in("verification", Verification), name="report_verification_known"
            ),
            models.CheckConstraint(
                condition=Q(age__isnull=True) | Q(age__lte=130), name="report_age_plausible"
            ),
            # Either no date at all (precision unknown) or a well-ordered range.
            models.CheckConstraint(
                condition=(
                    Q(date_start__isnull=True, date_end__isnull=True, date_precision="unknown")
                    | (
                        Q(date_start__isnull=False, date_end__gte=F("date_start"))
                        & ~Q(date_precision="unknown")
                    )
                ),
                name="report_date_range_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "date_start"]),
            models.Index(fields=["organisation", "verification"]),
            models.Index(fields=["organisation", "name_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.source_reference}"


class LinkageRun(models.Model):
    """One run of the linkage: its parameters, trained model and the counts it produced."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    backend = models.CharField(max_length=16, default="duckdb")
    parameters = models.JSONField(default=dict, blank=True)
    # The trained Splink model (its settings JSON), so the run can be repeated exactly.
    model = models.JSONField(default=dict, blank=True)
    report_count = models.PositiveIntegerField(default=0)
    pair_count = models.PositiveBigIntegerField(default=0)
    review_count = models.PositiveIntegerField(default=0)
    victim_count = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["running", "finished", "failed"]),
                name="linkagerun_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.started_at:%Y-%m-%d})"


class Victim(models.Model):
    """A person as we count them: a cluster of reports, with a canonical record.

    A linkage run or a reviewer's merge or split replaces clusters by new ones; the old rows stay
    (retired), so the victims behind any published count can be listed again.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by_run = models.ForeignKey(
        LinkageRun, on_delete=models.PROTECT, null=True, blank=True, related_name="victims"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by_run = models.ForeignKey(
        LinkageRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    name = models.CharField(_("name"), max_length=300, blank=True)
    name_canonical = models.CharField(max_length=300, blank=True)
    name_key = models.CharField(max_length=300, blank=True)
    father_name = models.CharField(_("father's name"), max_length=200, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    gender = models.CharField(max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)
    ethnicity = models.CharField(max_length=100, blank=True)
    nationality = models.CharField(max_length=100, blank=True)
    province = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    prison = models.CharField(max_length=200, blank=True)
    charge_category = models.CharField(
        max_length=16, choices=ChargeCategory.choices, default=ChargeCategory.UNKNOWN
    )
    date_start = models.DateField(null=True, blank=True)
    date_end = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    announced = models.CharField(max_length=8, choices=Announced.choices, default=Announced.UNKNOWN)
    verification = models.CharField(
        max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    identity_confirmed = models.BooleanField(default=False)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["pk"]
        verbose_name = _("victim")
        verbose_name_plural = _("victims")
        indexes = [models.Index(fields=["organisation", "retired_at"])]

    def __str__(self) -> str:
        return f"victim {self.pk}"


class MergeSplitEvent(models.Model):
    """One change to the clusters: who, when, why, and the victims before and after."""

    class Kind(models.TextChoices):
        LINKAGE = "linkage", _("Linkage run")
        MERGE = "merge", _("Merge")
        SPLIT = "split", _("Split")
        MOVE = "move", _("Report moved")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        LinkageRun, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    reason = models.TextField(blank=True)
    victims_before = models.JSONField(default=list, blank=True)
    victims_after = models.JSONField(default=list, blank=True)
    reports = models.JSONField(default=list, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["linkage", "merge", "split", "move"]),
                name="mergesplit_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class VictimMembership(models.Model):
    """A report's place in a victim's cluster, and what put it there (a run or an event)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="memberships")
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="memberships")
    run = models.ForeignKey(
        LinkageRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        MergeSplitEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The linkage's match probability with the rest of the cluster, when a run decided it.
    probability = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["victim", "report"], name="membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} in {self.victim_id}"


class ReviewDecision(models.Model):
    """A person's answer about a pair of reports: the same victim or not, and why.

    The next linkage run takes every current decision as given; none is undone by a run. A
    later decision on the same pair supersedes the earlier one (which stays, for the record).
    """

    class Decision(models.TextChoices):
        MATCH = "match", _("Same person")
        NON_MATCH = "non_match", _("Different people")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # Stored with report_a.pk < report_b.pk, so a pair has one spelling.
    report_a = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    report_b = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    reason = models.TextField(_("why"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(
        LinkageRun, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    probability = models.FloatField(null=True, blank=True)
    # Set when a later decision on the same pair replaces this one (then superseded_by names it).
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(report_a__lt=F("report_b")), name="review_pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["match", "non_match"]), name="review_decision_known"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="review_reason_given"),
            models.UniqueConstraint(
                fields=["report_a", "report_b"],
                condition=Q(superseded_at__isnull=True),
                name="review_one_current_decision_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_a_id}/{self.report_b_id}: {self.decision}"


class PublishedFigure(models.Model):
    """Another organisation's headline count, as they published it, for the register."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    publisher = models.CharField(_("published by"), max_length=200)
    period_definition = models.CharField(_("period"), max_length=200)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    figure = models.PositiveIntegerField(_("figure"))
    at_least = models.BooleanField(_("at least"), default=True)
    as_of = models.DateField(_("as of"), null=True, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    checked_against_primary = models.BooleanField(
        _("checked against the primary report"), default=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = [F("period_start").desc(nulls_last=True), "publisher", "pk"]
        verbose_name = _("published figure")
        verbose_name_plural = _("published figures")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "publisher", "period_definition", "figure"],
                name="published_figure_unique",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="published_figure_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publisher}: {self.figure} ({self.period_definition})"


class ReviewPair(models.Model):
    """A pair of reports a linkage run scored in the review band: one entry of the review queue.

    `evidence` lists each comparison's level and match weight (log2 Bayes factor: positive
    speaks for the same person, negative against), so a reviewer sees why the model hesitated.
    A new run replaces the queue; the decisions people took stay in ReviewDecision.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(LinkageRun, on_delete=models.PROTECT, related_name="review_pairs")
    # Stored with report_a.pk < report_b.pk, as in ReviewDecision.
    report_a = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    report_b = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    probability = models.FloatField()
    match_weight = models.FloatField()
    # [{"comparison": "surname", "level": "same consonants", "weight": 3.1, "tf": -0.4}, ...]
    evidence = models.JSONField(default=list, blank=True)
    # Whether the run put both reports in one victim anyway (through other reports).
    same_victim = models.BooleanField(default=False)
    # Why the pair is queued: "uncertain_score" (in the review band) and/or contradictions
    # (linkage.contradictions.REASONS) that queue it whatever its score.
    reasons = models.JSONField(default=list, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-probability", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(report_a__lt=F("report_b")), name="reviewpair_ordered"
            ),
            models.UniqueConstraint(
                fields=["run", "report_a", "report_b"], name="reviewpair_once_per_run"
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=1),
                name="reviewpair_probability_range",
            ),
        ]

    # Keys as written by panah.evidence.linkage (run.UNCERTAIN, contradictions.REASONS).
    REASON_LABELS = {
        "uncertain_score": _("the model is unsure (probability in the review band)"),
        "different_father": _("different father's names"),
        "age_apart": _("ages five years or more apart"),
        "same_source_same_day": _("two reports of the same source on the same day"),
        "initial_fits_several": _("an initial that fits several given names of this surname"),
    }

    def __str__(self) -> str:
        return f"{self.report_a_id}/{self.report_b_id} ({self.probability:.2f})"

    @property
    def reason_labels(self) -> list[str]:
        """Why the pair is in the queue, in the reader's language."""
        return [str(self.REASON_LABELS.get(r, r)) for r in self.reasons]

    @property
    def contradicted(self) -> bool:
        """Queued for a contradiction (possibly above the review band)."""
        return any(r != "uncertain_score" for r in self.reasons)


class VerificationDecision(models.Model):
    """A researcher's decision on a report: confirmed, unverified or excluded, and why.

    The report's `verification` is set with it, so the next linkage run keeps it (an excluded
    report is linked to no victim) and a re-import of the source's file leaves it as decided.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="verification_decisions"
    )
    previous = models.CharField(max_length=12, choices=Verification.choices)
    verification = models.CharField(_("verification"), max_length=12, choices=Verification.choices)
    reason = models.TextField(_("why"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=_in("verification", Verification), name="verificationdecision_known"
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="verificationdecision_reason_given"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.verification}"
