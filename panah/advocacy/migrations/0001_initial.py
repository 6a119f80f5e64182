import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import panah.core.crypto.fields


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0006_audit_entry_indexes"),
        ("core", "__first__"),
    ]

    operations = [
        migrations.CreateModel(
            name="Demand",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("text_en", models.TextField(blank=True, verbose_name="demand (English)")),
                ("text_fr", models.TextField(blank=True, verbose_name="demand (French)")),
                ("text_nl", models.TextField(blank=True, verbose_name="demand (Dutch)")),
                ("text_fa", models.TextField(blank=True, verbose_name="demand (Persian)")),
                ("addressee", models.CharField(max_length=200, verbose_name="addressed to")),
                ("first_raised_on", models.DateField(verbose_name="first raised on")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("raised", "Raised"),
                            ("acknowledged", "Acknowledged"),
                            ("promised", "Promised"),
                            ("partly_met", "Partly met"),
                            ("met", "Met"),
                            ("refused", "Refused"),
                        ],
                        default="raised",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "published",
                    models.BooleanField(default=False, verbose_name="on the public progress page"),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
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
                "verbose_name": "demand",
                "ordering": ["first_raised_on", "created_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "status__in",
                                [
                                    "raised",
                                    "acknowledged",
                                    "promised",
                                    "partly_met",
                                    "met",
                                    "refused",
                                ],
                            )
                        ),
                        name="demand_status_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("addressee", ""), _negated=True),
                        name="demand_addressed",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="DemandStatusChange",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("raised", "Raised"),
                            ("acknowledged", "Acknowledged"),
                            ("promised", "Promised"),
                            ("partly_met", "Partly met"),
                            ("met", "Met"),
                            ("refused", "Refused"),
                        ],
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("on", models.DateField(verbose_name="date")),
                ("evidence", models.TextField(blank=True, verbose_name="evidence")),
                (
                    "evidence_link",
                    models.URLField(
                        blank=True, max_length=500, verbose_name="link to the evidence"
                    ),
                ),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "demand",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="history",
                        to="advocacy.demand",
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
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["on", "recorded_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "status__in",
                                [
                                    "raised",
                                    "acknowledged",
                                    "promised",
                                    "partly_met",
                                    "met",
                                    "refused",
                                ],
                            )
                        ),
                        name="demand_change_status_known",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Event",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("rally", "Rally"),
                            ("vigil", "Vigil"),
                            ("conference", "Conference"),
                            ("other", "Other"),
                        ],
                        default="rally",
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "title_en",
                    models.CharField(blank=True, max_length=200, verbose_name="title (English)"),
                ),
                (
                    "title_fr",
                    models.CharField(blank=True, max_length=200, verbose_name="title (French)"),
                ),
                (
                    "title_nl",
                    models.CharField(blank=True, max_length=200, verbose_name="title (Dutch)"),
                ),
                (
                    "title_fa",
                    models.CharField(blank=True, max_length=200, verbose_name="title (Persian)"),
                ),
                ("purpose_en", models.TextField(blank=True, verbose_name="purpose (English)")),
                ("purpose_fr", models.TextField(blank=True, verbose_name="purpose (French)")),
                ("purpose_nl", models.TextField(blank=True, verbose_name="purpose (Dutch)")),
                ("purpose_fa", models.TextField(blank=True, verbose_name="purpose (Persian)")),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                ("ends_at", models.DateTimeField(verbose_name="ends at")),
                ("place", models.CharField(max_length=300, verbose_name="place")),
                ("map_link", models.URLField(blank=True, max_length=500, verbose_name="map link")),
                (
                    "languages",
                    models.CharField(
                        blank=True,
                        help_text="e.g. Persian, French",
                        max_length=100,
                        verbose_name="languages spoken",
                    ),
                ),
                (
                    "speakers",
                    models.TextField(
                        blank=True,
                        help_text="One per line, as each chose to be named.",
                        verbose_name="speakers",
                    ),
                ),
                (
                    "permit_status",
                    models.CharField(
                        choices=[
                            ("not_needed", "Not needed"),
                            ("to_send", "To send"),
                            ("sent", "Sent, no answer yet"),
                            ("granted", "Granted"),
                            ("conditions", "Granted with conditions"),
                            ("refused", "Refused"),
                        ],
                        default="to_send",
                        max_length=16,
                        verbose_name="notification or permit",
                    ),
                ),
                (
                    "permit_authority",
                    models.CharField(blank=True, max_length=200, verbose_name="sent to"),
                ),
                (
                    "permit_deadline",
                    models.DateField(blank=True, null=True, verbose_name="notification deadline"),
                ),
                ("published", models.BooleanField(default=False, verbose_name="public page")),
                ("cancelled", models.BooleanField(default=False, verbose_name="cancelled")),
                ("rsvp_count", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "demands",
                    models.ManyToManyField(
                        blank=True,
                        related_name="events",
                        to="advocacy.demand",
                        verbose_name="demands",
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
                "verbose_name": "event",
                "ordering": ["-starts_at"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "published", "starts_at"],
                        name="advocacy_ev_organis_36c9aa_idx",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ends_at__gt", models.F("starts_at"))),
                        name="event_ends_after",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("place", ""), _negated=True), name="event_has_place"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="EventReport",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "attendance_estimate",
                    models.PositiveIntegerField(null=True, verbose_name="attendance (estimate)"),
                ),
                (
                    "press_links",
                    models.TextField(
                        blank=True, help_text="One per line.", verbose_name="press links"
                    ),
                ),
                ("published", models.BooleanField(default=False, verbose_name="published")),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="report",
                        to="advocacy.event",
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
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="EventPhoto",
            fields=[
                ("data_key_wrapped", panah.core.crypto.fields.WrappedDataKeyField(null=True)),
                ("data_key_id", models.CharField(blank=True, editable=False, max_length=16)),
                (
                    "data_key_org_key_id",
                    models.CharField(blank=True, db_index=True, editable=False, max_length=32),
                ),
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("caption", models.CharField(blank=True, max_length=300, verbose_name="caption")),
                (
                    "everyone_consented",
                    models.BooleanField(
                        default=False, verbose_name="everyone recognisable agreed to be shown"
                    ),
                ),
                ("blurred", models.BooleanField(default=False)),
                ("had_location", models.BooleanField(default=False)),
                ("content_type", models.CharField(max_length=64)),
                ("stored_file", models.CharField(max_length=32, unique=True)),
                ("published", models.BooleanField(default=False)),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="photos",
                        to="advocacy.eventreport",
                    ),
                ),
            ],
            options={
                "ordering": ["uploaded_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("published", False),
                            ("everyone_consented", True),
                            ("blurred", True),
                            _connector="OR",
                        ),
                        name="eventphoto_published_safely",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Meeting",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("held_on", models.DateField(verbose_name="date")),
                ("institution", models.CharField(max_length=200, verbose_name="institution")),
                ("answers", models.TextField(blank=True, verbose_name="answers given")),
                ("notes", models.TextField(blank=True, verbose_name="notes")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "demands",
                    models.ManyToManyField(
                        blank=True,
                        related_name="meetings",
                        to="advocacy.demand",
                        verbose_name="demands raised",
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
                    "participants",
                    models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="our delegation",
                    ),
                ),
            ],
            options={
                "verbose_name": "meeting",
                "ordering": ["-held_on"],
            },
        ),
        migrations.CreateModel(
            name="Brief",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                ("audience", models.CharField(max_length=200, verbose_name="for")),
                ("period_start", models.DateField(verbose_name="period from")),
                ("period_end", models.DateField(verbose_name="period to")),
                ("figures", models.JSONField(default=dict)),
                ("digest", models.CharField(max_length=64)),
                ("disclosure_threshold", models.PositiveSmallIntegerField(default=1)),
                ("generated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "generated_by",
                    models.ForeignKey(
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
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="briefs",
                        to="advocacy.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "brief",
                "ordering": ["-generated_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("period_end__gte", models.F("period_start"))),
                        name="brief_period_ordered",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("disclosure_threshold__gte", 1)), name="brief_threshold"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Official",
            fields=[
                ("data_key_wrapped", panah.core.crypto.fields.WrappedDataKeyField(null=True)),
                ("data_key_id", models.CharField(blank=True, editable=False, max_length=16)),
                (
                    "data_key_org_key_id",
                    models.CharField(blank=True, db_index=True, editable=False, max_length=32),
                ),
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("role", models.CharField(blank=True, max_length=200, verbose_name="role")),
                ("institution", models.CharField(max_length=200, verbose_name="institution")),
                (
                    "language",
                    models.CharField(
                        choices=[
                            ("en", "English"),
                            ("fr", "French"),
                            ("nl", "Dutch"),
                            ("fa", "Persian"),
                            ("de", "German"),
                            ("other", "Other"),
                        ],
                        default="fr",
                        max_length=8,
                        verbose_name="language",
                    ),
                ),
                (
                    "contact",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="how to reach them",
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
                "verbose_name": "official",
                "ordering": ["institution", "name"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("name", ""), _negated=True), name="official_named"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="meeting",
            name="officials",
            field=models.ManyToManyField(
                blank=True,
                related_name="meetings",
                to="advocacy.official",
                verbose_name="officials met",
            ),
        ),
        migrations.CreateModel(
            name="Partner",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "kind",
                    models.CharField(
                        choices=[("organisation", "Organisation"), ("coalition", "Coalition")],
                        default="organisation",
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                ("website", models.URLField(blank=True, verbose_name="website")),
                ("notes", models.TextField(blank=True, verbose_name="notes")),
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
                "verbose_name": "partner organisation",
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organisation", "name"), name="partner_name_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("name", ""), _negated=True), name="partner_named"
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="event",
            name="co_organisers",
            field=models.ManyToManyField(
                blank=True,
                related_name="events",
                to="advocacy.partner",
                verbose_name="co-organisers",
            ),
        ),
        migrations.CreateModel(
            name="Statement",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("speaker", models.CharField(max_length=200, verbose_name="speaker")),
                (
                    "language",
                    models.CharField(
                        choices=[("en", "en"), ("fr", "fr"), ("nl", "nl"), ("fa", "fa")],
                        default="fa",
                        max_length=2,
                        verbose_name="spoken in",
                    ),
                ),
                ("text_en", models.TextField(blank=True, verbose_name="English")),
                ("text_fr", models.TextField(blank=True, verbose_name="French")),
                ("text_nl", models.TextField(blank=True, verbose_name="Dutch")),
                ("text_fa", models.TextField(blank=True, verbose_name="Persian")),
                ("position", models.PositiveSmallIntegerField(default=0)),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="statements",
                        to="advocacy.eventreport",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "speaker"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("speaker", ""), _negated=True), name="statement_speaker"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Task",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("title", models.CharField(max_length=300, verbose_name="task")),
                ("due_on", models.DateField(blank=True, null=True, verbose_name="due on")),
                ("done_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "event",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tasks",
                        to="advocacy.event",
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="follow_ups",
                        to="advocacy.meeting",
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
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="who does it",
                    ),
                ),
            ],
            options={
                "ordering": ["done_at", "due_on", "created_at"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "done_at", "due_on"],
                        name="advocacy_ta_organis_f1927a_idx",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("event__isnull", False), ("meeting__isnull", True)),
                            models.Q(("event__isnull", True), ("meeting__isnull", False)),
                            _connector="OR",
                        ),
                        name="task_of_event_or_meeting",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("title", ""), _negated=True), name="task_titled"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="TaskReminderSent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("tasks", models.PositiveIntegerField()),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organisation", "user", "day"), name="one_task_reminder_per_day"
                    )
                ],
            },
        ),
    ]
