import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0002_organisation_keys_and_lock"),
        ("core", "__first__"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportBatch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("via", models.CharField(default="web", max_length=8)),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("file_name", models.CharField(max_length=255, verbose_name="file name")),
                ("file_format", models.CharField(max_length=8)),
                ("file_size", models.PositiveBigIntegerField(default=0)),
                ("sha256", models.CharField(max_length=64)),
                ("mapping", models.JSONField(blank=True, default=dict)),
                ("dry_run", models.BooleanField(default=False)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("dry_run", "Dry run (nothing saved)"),
                            ("imported", "Imported"),
                            ("failed", "Refused (nothing saved)"),
                        ],
                        max_length=16,
                    ),
                ),
                ("row_count", models.PositiveIntegerField(default=0)),
                ("created_count", models.PositiveIntegerField(default=0)),
                ("unchanged_count", models.PositiveIntegerField(default=0)),
                ("conflict_count", models.PositiveIntegerField(default=0)),
                ("duplicate_count", models.PositiveIntegerField(default=0)),
                ("error_count", models.PositiveIntegerField(default=0)),
                ("file_error", models.TextField(blank=True)),
                ("problems", models.JSONField(blank=True, default=list)),
                (
                    "imported_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "import batch",
                "verbose_name_plural": "import batches",
                "ordering": ["-started_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["dry_run", "imported", "failed"])),
                        name="batch_status_known",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="LinkageRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("running", "Running"),
                            ("finished", "Finished"),
                            ("failed", "Failed"),
                        ],
                        default="running",
                        max_length=12,
                    ),
                ),
                ("backend", models.CharField(default="duckdb", max_length=16)),
                ("parameters", models.JSONField(blank=True, default=dict)),
                ("model", models.JSONField(blank=True, default=dict)),
                ("report_count", models.PositiveIntegerField(default=0)),
                ("pair_count", models.PositiveBigIntegerField(default=0)),
                ("review_count", models.PositiveIntegerField(default=0)),
                ("victim_count", models.PositiveIntegerField(default=0)),
                ("notes", models.TextField(blank=True)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "started_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-started_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["running", "finished", "failed"])),
                        name="linkagerun_status_known",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MergeSplitEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("linkage", "Linkage run"),
                            ("merge", "Merge"),
                            ("split", "Split"),
                            ("move", "Report moved"),
                        ],
                        max_length=8,
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("reason", models.TextField(blank=True)),
                ("victims_before", models.JSONField(blank=True, default=list)),
                ("victims_after", models.JSONField(blank=True, default=list)),
                ("reports", models.JSONField(blank=True, default=list)),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="evidence.linkagerun",
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["linkage", "merge", "split", "move"])),
                        name="mergesplit_kind_known",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PublishedFigure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("publisher", models.CharField(max_length=200, verbose_name="published by")),
                ("period_definition", models.CharField(max_length=200, verbose_name="period")),
                (
                    "period_start",
                    models.DateField(blank=True, null=True, verbose_name="period start"),
                ),
                ("period_end", models.DateField(blank=True, null=True, verbose_name="period end")),
                ("figure", models.PositiveIntegerField(verbose_name="figure")),
                ("at_least", models.BooleanField(default=True, verbose_name="at least")),
                ("as_of", models.DateField(blank=True, null=True, verbose_name="as of")),
                ("link", models.URLField(blank=True, max_length=500, verbose_name="link")),
                ("notes", models.TextField(blank=True, verbose_name="notes")),
                (
                    "checked_against_primary",
                    models.BooleanField(
                        default=False, verbose_name="checked against the primary report"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "published figure",
                "verbose_name_plural": "published figures",
                "ordering": [
                    models.OrderBy(models.F("period_start"), descending=True, nulls_last=True),
                    "publisher",
                    "pk",
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organisation", "publisher", "period_definition", "figure"),
                        name="published_figure_unique",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("period_start__isnull", True),
                            ("period_end__isnull", True),
                            ("period_end__gte", models.F("period_start")),
                            _connector="OR",
                        ),
                        name="published_figure_period_ordered",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Report",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "source_reference",
                    models.CharField(max_length=200, verbose_name="source reference"),
                ),
                ("url", models.URLField(blank=True, max_length=500, verbose_name="link")),
                (
                    "publication_date",
                    models.DateField(blank=True, null=True, verbose_name="publication date"),
                ),
                (
                    "name_as_written",
                    models.CharField(blank=True, max_length=300, verbose_name="name as written"),
                ),
                ("name_canonical", models.CharField(blank=True, max_length=300)),
                ("name_key", models.CharField(blank=True, max_length=300)),
                (
                    "father_name",
                    models.CharField(blank=True, max_length=200, verbose_name="father's name"),
                ),
                (
                    "age",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="age"),
                ),
                (
                    "gender",
                    models.CharField(
                        choices=[("male", "Male"), ("female", "Female"), ("unknown", "Unknown")],
                        default="unknown",
                        max_length=8,
                        verbose_name="gender",
                    ),
                ),
                (
                    "ethnicity",
                    models.CharField(blank=True, max_length=100, verbose_name="ethnicity"),
                ),
                (
                    "nationality",
                    models.CharField(blank=True, max_length=100, verbose_name="nationality"),
                ),
                ("province", models.CharField(blank=True, max_length=100, verbose_name="province")),
                ("city", models.CharField(blank=True, max_length=100, verbose_name="city")),
                ("prison", models.CharField(blank=True, max_length=200, verbose_name="prison")),
                (
                    "charge_category",
                    models.CharField(
                        choices=[
                            ("drugs", "Drug-related"),
                            ("murder", "Murder (qisas)"),
                            ("rape", "Rape or sexual violence"),
                            ("moharebeh", "Moharebeh (enmity against God)"),
                            ("efsad", "Efsad-fil-arz (corruption on earth)"),
                            ("baghy", "Baghy (armed rebellion)"),
                            ("espionage", "Espionage"),
                            ("armed_robbery", "Armed robbery"),
                            ("adultery", "Adultery"),
                            ("other", "Other"),
                            ("unknown", "Unknown"),
                        ],
                        default="unknown",
                        max_length=16,
                        verbose_name="charge",
                    ),
                ),
                ("charge_text", models.TextField(blank=True, verbose_name="charge as written")),
                (
                    "date_as_written",
                    models.CharField(blank=True, max_length=100, verbose_name="date as written"),
                ),
                (
                    "calendar",
                    models.CharField(
                        choices=[
                            ("gregorian", "Gregorian"),
                            ("jalali", "Solar Hijri (Jalali)"),
                            ("unknown", "Unknown"),
                        ],
                        default="unknown",
                        max_length=12,
                        verbose_name="calendar",
                    ),
                ),
                (
                    "date_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("year", "Year"),
                            ("range", "Range"),
                            ("unknown", "No date"),
                        ],
                        default="unknown",
                        max_length=8,
                        verbose_name="date precision",
                    ),
                ),
                (
                    "date_start",
                    models.DateField(blank=True, null=True, verbose_name="earliest date"),
                ),
                ("date_end", models.DateField(blank=True, null=True, verbose_name="latest date")),
                (
                    "announced",
                    models.CharField(
                        choices=[
                            ("yes", "Officially announced"),
                            ("no", "Not announced"),
                            ("unknown", "Unknown"),
                        ],
                        default="unknown",
                        max_length=8,
                        verbose_name="announced",
                    ),
                ),
                (
                    "verification",
                    models.CharField(
                        choices=[
                            ("confirmed", "Confirmed"),
                            ("unverified", "Unverified"),
                            ("excluded", "Excluded"),
                        ],
                        default="unverified",
                        max_length=12,
                        verbose_name="verification",
                    ),
                ),
                (
                    "identity_confirmed",
                    models.BooleanField(default=False, verbose_name="identity confirmed"),
                ),
                ("notes", models.TextField(blank=True, verbose_name="notes")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "batch",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="evidence.importbatch",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "report",
                "verbose_name_plural": "reports",
                "ordering": [
                    models.OrderBy(models.F("date_start"), descending=True, nulls_last=True),
                    "pk",
                ],
                "indexes": [
                    models.Index(
                        fields=["organisation", "date_start"], name="evidence_re_organis_5d4a37_idx"
                    ),
                    models.Index(
                        fields=["organisation", "verification"],
                        name="evidence_re_organis_5db7b9_idx",
                    ),
                    models.Index(
                        fields=["organisation", "name_key"], name="evidence_re_organis_a38406_idx"
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("source_reference", ""), _negated=True),
                        name="report_reference_not_empty",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("gender__in", ["male", "female", "unknown"])),
                        name="report_gender_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "charge_category__in",
                                [
                                    "drugs",
                                    "murder",
                                    "rape",
                                    "moharebeh",
                                    "efsad",
                                    "baghy",
                                    "espionage",
                                    "armed_robbery",
                                    "adultery",
                                    "other",
                                    "unknown",
                                ],
                            )
                        ),
                        name="report_charge_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("calendar__in", ["gregorian", "jalali", "unknown"])),
                        name="report_calendar_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("date_precision__in", ["day", "month", "year", "range", "unknown"])
                        ),
                        name="report_precision_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("announced__in", ["yes", "no", "unknown"])),
                        name="report_announced_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("verification__in", ["confirmed", "unverified", "excluded"])
                        ),
                        name="report_verification_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("age__isnull", True), ("age__lte", 130), _connector="OR"
                        ),
                        name="report_age_plausible",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("date_end__isnull", True),
                                ("date_precision", "unknown"),
                                ("date_start__isnull", True),
                            ),
                            models.Q(
                                ("date_end__gte", models.F("date_start")),
                                ("date_start__isnull", False),
                                models.Q(("date_precision", "unknown"), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="report_date_range_valid",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ReviewDecision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "decision",
                    models.CharField(
                        choices=[("match", "Same person"), ("non_match", "Different people")],
                        max_length=12,
                    ),
                ),
                ("reason", models.TextField(verbose_name="why")),
                ("decided_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("probability", models.FloatField(blank=True, null=True)),
                ("superseded_at", models.DateTimeField(blank=True, null=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "report_a",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="evidence.report",
                    ),
                ),
                (
                    "report_b",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="evidence.report",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="decisions",
                        to="evidence.linkagerun",
                    ),
                ),
                (
                    "superseded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="evidence.reviewdecision",
                    ),
                ),
            ],
            options={
                "ordering": ["-decided_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("report_a__lt", models.F("report_b"))),
                        name="review_pair_ordered",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("decision__in", ["match", "non_match"])),
                        name="review_decision_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("reason", ""), _negated=True),
                        name="review_reason_given",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("superseded_at__isnull", True)),
                        fields=("report_a", "report_b"),
                        name="review_one_current_decision_per_pair",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Source",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("ngo", "Human rights organisation"),
                            ("news", "News outlet"),
                            ("official", "Official (state) source"),
                            ("other", "Other"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        blank=True,
                        help_text="Language code, e.g. fa, en, ku.",
                        max_length=35,
                        verbose_name="language",
                    ),
                ),
                (
                    "reliability_notes",
                    models.TextField(blank=True, verbose_name="reliability notes"),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "source",
                "verbose_name_plural": "sources",
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organisation", "name"), name="source_name_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["ngo", "news", "official", "other"])),
                        name="source_kind_known",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="report",
            name="source",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reports",
                to="evidence.source",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="source",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="batches",
                to="evidence.source",
            ),
        ),
        migrations.CreateModel(
            name="Victim",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("retired_at", models.DateTimeField(blank=True, null=True)),
                ("name", models.CharField(blank=True, max_length=300, verbose_name="name")),
                ("name_canonical", models.CharField(blank=True, max_length=300)),
                ("name_key", models.CharField(blank=True, max_length=300)),
                (
                    "father_name",
                    models.CharField(blank=True, max_length=200, verbose_name="father's name"),
                ),
                (
                    "age",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="age"),
                ),
                (
                    "gender",
                    models.CharField(
                        choices=[("male", "Male"), ("female", "Female"), ("unknown", "Unknown")],
                        default="unknown",
                        max_length=8,
                    ),
                ),
                ("ethnicity", models.CharField(blank=True, max_length=100)),
                ("nationality", models.CharField(blank=True, max_length=100)),
                ("province", models.CharField(blank=True, max_length=100)),
                ("city", models.CharField(blank=True, max_length=100)),
                ("prison", models.CharField(blank=True, max_length=200)),
                (
                    "charge_category",
                    models.CharField(
                        choices=[
                            ("drugs", "Drug-related"),
                            ("murder", "Murder (qisas)"),
                            ("rape", "Rape or sexual violence"),
                            ("moharebeh", "Moharebeh (enmity against God)"),
                            ("efsad", "Efsad-fil-arz (corruption on earth)"),
                            ("baghy", "Baghy (armed rebellion)"),
                            ("espionage", "Espionage"),
                            ("armed_robbery", "Armed robbery"),
                            ("adultery", "Adultery"),
                            ("other", "Other"),
                            ("unknown", "Unknown"),
                        ],
                        default="unknown",
                        max_length=16,
                    ),
                ),
                ("date_start", models.DateField(blank=True, null=True)),
                ("date_end", models.DateField(blank=True, null=True)),
                (
                    "date_precision",
                    models.CharField(
                        choices=[
                            ("day", "Day"),
                            ("month", "Month"),
                            ("year", "Year"),
                            ("range", "Range"),
                            ("unknown", "No date"),
                        ],
                        default="unknown",
                        max_length=8,
                    ),
                ),
                (
                    "announced",
                    models.CharField(
                        choices=[
                            ("yes", "Officially announced"),
                            ("no", "Not announced"),
                            ("unknown", "Unknown"),
                        ],
                        default="unknown",
                        max_length=8,
                    ),
                ),
                (
                    "verification",
                    models.CharField(
                        choices=[
                            ("confirmed", "Confirmed"),
                            ("unverified", "Unverified"),
                            ("excluded", "Excluded"),
                        ],
                        default="unverified",
                        max_length=12,
                    ),
                ),
                ("identity_confirmed", models.BooleanField(default=False)),
                (
                    "created_by_run",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="victims",
                        to="evidence.linkagerun",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "retired_by_run",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="evidence.linkagerun",
                    ),
                ),
            ],
            options={
                "verbose_name": "victim",
                "verbose_name_plural": "victims",
                "ordering": ["pk"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "retired_at"], name="evidence_vi_organis_015763_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="VictimMembership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("probability", models.FloatField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "event",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="evidence.mergesplitevent",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="evidence.report",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="evidence.linkagerun",
                    ),
                ),
                (
                    "victim",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="evidence.victim",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("victim", "report"), name="membership_once")
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="report",
            constraint=models.UniqueConstraint(
                fields=("source", "source_reference"), name="report_reference_unique_per_source"
            ),
        ),
    ]
