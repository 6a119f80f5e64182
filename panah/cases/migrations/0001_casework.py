import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import panah.core.crypto.fields


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0002_organisation_keys_and_lock"),
        ("core", "__first__"),
        ("people", "0001_person_household_documents"),
    ]

    operations = [
        migrations.CreateModel(
            name="Case",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "procedure",
                    models.CharField(
                        choices=[
                            ("first", "First application"),
                            ("subsequent", "Subsequent application"),
                            ("dublin", "Dublin procedure"),
                        ],
                        default="first",
                        max_length=16,
                        verbose_name="procedure",
                    ),
                ),
                ("detained", models.BooleanField(default=False, verbose_name="detained")),
                (
                    "accelerated",
                    models.BooleanField(default=False, verbose_name="accelerated procedure"),
                ),
                ("registered_on", models.DateField(verbose_name="application registered on")),
                (
                    "language",
                    models.CharField(
                        blank=True,
                        choices=[("fr", "French"), ("nl", "Dutch")],
                        max_length=2,
                        verbose_name="language of the procedure",
                    ),
                ),
                ("rule_table", models.CharField(max_length=32, verbose_name="rule table")),
                (
                    "nationality",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="nationality (for statistics)"
                    ),
                ),
                (
                    "external_reference",
                    models.CharField(blank=True, max_length=64, verbose_name="external reference"),
                ),
                ("restricted", models.BooleanField(default=False, verbose_name="restricted")),
                ("stage", models.CharField(blank=True, max_length=48, verbose_name="stage")),
                ("current_procedure", models.CharField(blank=True, max_length=16)),
                ("ended", models.BooleanField(default=False)),
                ("first_decision_on", models.DateField(blank=True, null=True)),
                ("next_binding_due", models.DateField(blank=True, null=True)),
                ("next_binding_rule", models.CharField(blank=True, max_length=64)),
                ("opened_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "opened_by",
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
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="people.person",
                    ),
                ),
                (
                    "restricted_to",
                    models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="may open it",
                    ),
                ),
            ],
            options={
                "verbose_name": "case",
                "verbose_name_plural": "cases",
                "ordering": ["-opened_at"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "next_binding_due"],
                        name="cases_case_organis_9d5345_idx",
                    ),
                    models.Index(
                        fields=["organisation", "registered_on"],
                        name="cases_case_organis_cf11e3_idx",
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("procedure__in", ["first", "subsequent", "dublin"])),
                        name="case_procedure_known",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("external_reference", ""), _negated=True),
                        fields=("organisation", "external_reference"),
                        name="case_external_reference_unique",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CaseAssignment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("assigned_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "assigned_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assignments",
                        to="cases.case",
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
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["user", "organisation"], name="cases_casea_user_id_311e32_idx"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("case", "user"), name="one_assignment_per_caseworker"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="case",
            name="caseworkers",
            field=models.ManyToManyField(
                related_name="assigned_cases",
                through="cases.CaseAssignment",
                through_fields=("case", "user"),
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="CaseDocument",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "description",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="description"
                    ),
                ),
                (
                    "original_name",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="file name"
                    ),
                ),
                ("content_type", models.CharField(max_length=64)),
                ("stored_file", models.CharField(max_length=32, unique=True)),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="documents",
                        to="cases.case",
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
                    "uploaded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-uploaded_at"],
            },
        ),
        migrations.CreateModel(
            name="CaseNote",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "text",
                    panah.core.crypto.fields.EncryptedTextField(
                        default="", editable=True, null=True, verbose_name="note"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "author",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notes",
                        to="cases.case",
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
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="CaseStep",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("sequence", models.PositiveIntegerField()),
                ("code", models.CharField(max_length=48, verbose_name="step")),
                ("outcome", models.CharField(blank=True, max_length=48, verbose_name="outcome")),
                ("occurred_on", models.DateField(verbose_name="date")),
                (
                    "notification_mode",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("registered_letter", "Registered letter"),
                            ("hand_delivery", "Handed over in person"),
                            ("email_or_fax", "Email or fax"),
                        ],
                        max_length=24,
                        verbose_name="notified by",
                    ),
                ),
                (
                    "sent_on",
                    models.DateField(blank=True, null=True, verbose_name="sent or handed over on"),
                ),
                (
                    "received_on",
                    models.DateField(blank=True, null=True, verbose_name="received on"),
                ),
                (
                    "receipt_proven",
                    models.BooleanField(default=False, verbose_name="receipt date proven"),
                ),
                (
                    "notified_on",
                    models.DateField(blank=True, null=True, verbose_name="deemed notified on"),
                ),
                (
                    "document_reference",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="document reference",
                    ),
                ),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("superseded_at", models.DateTimeField(blank=True, null=True)),
                (
                    "superseded_reason",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="reason for the correction",
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="steps",
                        to="cases.case",
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
                (
                    "replaced_by",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="replaces",
                        to="cases.casestep",
                    ),
                ),
                (
                    "superseded_by",
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
                "verbose_name": "step",
                "verbose_name_plural": "steps",
                "ordering": ["occurred_on", "sequence"],
                "indexes": [
                    models.Index(
                        fields=["case", "occurred_on", "sequence"],
                        name="cases_cases_case_id_d0fa02_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("superseded_at__isnull", True)),
                        fields=("case", "sequence"),
                        name="one_current_step_per_place",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("superseded_at__isnull", True), ("superseded_by__isnull", True)
                            ),
                            models.Q(
                                ("superseded_at__isnull", False), ("superseded_by__isnull", False)
                            ),
                            _connector="OR",
                        ),
                        name="casestep_superseded_complete",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("notification_mode", ""),
                            (
                                "notification_mode__in",
                                ["registered_letter", "hand_delivery", "email_or_fax"],
                            ),
                            _connector="OR",
                        ),
                        name="casestep_notification_mode_known",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ChosenResidence",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "address",
                    panah.core.crypto.fields.EncryptedTextField(
                        default="", editable=True, null=True, verbose_name="address"
                    ),
                ),
                ("valid_from", models.DateField(verbose_name="valid from")),
                (
                    "communicated_how",
                    models.CharField(
                        choices=[
                            ("at_lodging", "Given when the application was lodged"),
                            ("registered_letter", "Registered letter to the IO and the CGRS"),
                            ("other", "Another way"),
                        ],
                        max_length=24,
                        verbose_name="how it was communicated",
                    ),
                ),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="residences",
                        to="cases.case",
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
                "ordering": ["-valid_from", "-recorded_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("communicated_how__in", ["at_lodging", "registered_letter", "other"])
                        ),
                        name="chosenresidence_communication_known",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Deadline",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rule_code", models.CharField(max_length=64)),
                ("due_on", models.DateField()),
                ("starts_after", models.DateField()),
                ("binding", models.BooleanField()),
                ("party", models.CharField(max_length=16)),
                ("legal_source", models.TextField()),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deadlines",
                        to="cases.case",
                    ),
                ),
                (
                    "opened_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="cases.casestep",
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
                "ordering": ["due_on"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "due_on"], name="cases_deadl_organis_87da63_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Referral",
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
                        choices=[("lawyer", "Lawyer"), ("partner", "Partner organisation")],
                        max_length=16,
                        verbose_name="referred to",
                    ),
                ),
                (
                    "recipient",
                    panah.core.crypto.fields.EncryptedTextField(
                        default="", editable=True, null=True, verbose_name="lawyer or organisation"
                    ),
                ),
                (
                    "purpose",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="purpose"
                    ),
                ),
                ("consent_on", models.DateField(verbose_name="consent given on")),
                (
                    "consent_how",
                    models.CharField(
                        choices=[
                            ("signed_form", "Signed consent form"),
                            ("oral_witnessed", "Oral consent before a witness"),
                            ("written_message", "Written message from the person"),
                        ],
                        max_length=24,
                        verbose_name="how the consent was recorded",
                    ),
                ),
                (
                    "consent_scope",
                    panah.core.crypto.fields.EncryptedTextField(
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="what the person agreed to share",
                    ),
                ),
                ("made_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="referrals",
                        to="cases.case",
                    ),
                ),
                (
                    "made_by",
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
                "ordering": ["-made_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["lawyer", "partner"])),
                        name="referral_kind_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "consent_how__in",
                                ["signed_form", "oral_witnessed", "written_message"],
                            )
                        ),
                        name="referral_consent_recorded",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ReminderSent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("deadlines", models.PositiveIntegerField()),
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
                        fields=("organisation", "user", "day"), name="one_reminder_per_day"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RuleTableEdit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rule_code", models.CharField(max_length=64)),
                ("effective_from", models.DateField(verbose_name="applies to notifications from")),
                ("days", models.PositiveIntegerField(default=0, verbose_name="days")),
                ("months", models.PositiveIntegerField(default=0, verbose_name="months")),
                ("source", models.TextField(verbose_name="legal source")),
                ("reason", models.TextField(blank=True, verbose_name="why it changed")),
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
                "ordering": ["rule_code", "effective_from"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organisation", "rule_code", "effective_from"),
                        name="one_rule_edit_per_day",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("days__gt", 0), ("months__gt", 0), _connector="OR"),
                        name="rule_edit_has_a_period",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Appointment",
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
                            ("cgrs_interview", "Interview at the CGRS"),
                            ("lawyer", "Meeting with the lawyer"),
                            ("call_hearing", "Hearing at the CALL"),
                            ("other", "Other appointment"),
                        ],
                        max_length=24,
                        verbose_name="kind",
                    ),
                ),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                (
                    "duration_minutes",
                    models.PositiveIntegerField(default=60, verbose_name="duration (minutes)"),
                ),
                (
                    "place",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="place"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "attendee",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
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
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="appointments",
                        to="cases.case",
                    ),
                ),
            ],
            options={
                "ordering": ["starts_at"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "starts_at"], name="cases_appoi_organis_e2272f_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("kind__in", ["cgrs_interview", "lawyer", "call_hearing", "other"])
                        ),
                        name="appointment_kind_known",
                    )
                ],
            },
        ),
    ]
