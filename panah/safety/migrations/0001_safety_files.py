import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import panah.core.crypto.fields


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0002_sqlite_planner_statistics"),
        ("core", "0006_audit_entry_indexes"),
        ("core", "__first__"),
        ("people", "0003_consent_and_legal_basis"),
    ]

    operations = [
        migrations.CreateModel(
            name="EscrowKey",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("public_key", models.BinaryField()),
                ("first_share_digest", models.CharField(max_length=64)),
                ("second_share_digest", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("retired_at", models.DateTimeField(blank=True, null=True)),
                (
                    "first_holder",
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
                    "second_holder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("retired_at__isnull", True)),
                        fields=("organisation",),
                        name="one_active_escrow_key",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("first_holder", models.F("second_holder")), _negated=True
                        ),
                        name="escrow_two_different_holders",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Incident",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("physical_attack", "Physical attack or plot"),
                            ("kidnapping", "Kidnapping attempt"),
                            ("surveillance", "Surveillance and following"),
                            ("threat_in_person", "Threat in person"),
                            ("threat_online", "Threat online"),
                            ("hacking", "Hacking and phishing"),
                            ("spyware", "Spyware"),
                            ("coercion_relatives", "Coercion through relatives in Iran"),
                            ("pressure_to_inform", "Pressure to inform on the community"),
                            ("consular_pressure", "Consular or document pressure"),
                            ("defamation", "Defamation"),
                            ("interpol_misuse", "Misuse of Interpol or extradition"),
                        ],
                        max_length=32,
                        verbose_name="category",
                    ),
                ),
                ("occurred_on", models.DateField(verbose_name="date")),
                (
                    "country",
                    models.CharField(
                        choices=[
                            ("BE", "Belgium"),
                            ("NL", "Netherlands"),
                            ("FR", "France"),
                            ("DE", "Germany"),
                            ("LU", "Luxembourg"),
                            ("GB", "United Kingdom"),
                            ("SE", "Sweden"),
                            ("TR", "Türkiye"),
                            ("IQ", "Iraq"),
                            ("AE", "United Arab Emirates"),
                            ("IR", "Iran"),
                            ("ON", "Online (no country)"),
                            ("ZZ", "Another country"),
                        ],
                        max_length=2,
                        verbose_name="country where it happened",
                    ),
                ),
                (
                    "place",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="place"
                    ),
                ),
                (
                    "perpetrator_indicators",
                    panah.core.crypto.fields.EncryptedJSONField(
                        blank=True,
                        default=list,
                        editable=True,
                        null=True,
                        verbose_name="perpetrator indicators",
                    ),
                ),
                (
                    "confidence",
                    models.CharField(
                        choices=[
                            ("confirmed", "Confirmed (documents or several independent sources)"),
                            ("likely", "Likely (one credible source)"),
                            ("possible", "Possible (not yet checked)"),
                            ("doubtful", "Doubtful"),
                        ],
                        max_length=16,
                        verbose_name="how sure we are",
                    ),
                ),
                (
                    "reported_by",
                    models.CharField(
                        choices=[
                            ("the_person", "The person themselves"),
                            ("relative", "A relative"),
                            ("witness", "A witness"),
                            ("member", "A member of the organisation"),
                            ("other", "Another source"),
                        ],
                        max_length=16,
                        verbose_name="reported by",
                    ),
                ),
                ("sealed_narrative", models.BinaryField(null=True)),
                ("sealed_sources", models.BinaryField(null=True)),
                ("sealed_relatives", models.BinaryField(null=True)),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("alerted_at", models.DateTimeField(blank=True, null=True)),
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
                        related_name="safety_incidents",
                        to="people.person",
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
                "ordering": ["-occurred_on", "-recorded_at"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "occurred_on"],
                        name="safety_inci_organis_687f16_idx",
                    ),
                    models.Index(
                        fields=["organisation", "person"], name="safety_inci_organis_796c44_idx"
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "category__in",
                                [
                                    "physical_attack",
                                    "kidnapping",
                                    "surveillance",
                                    "threat_in_person",
                                    "threat_online",
                                    "hacking",
                                    "spyware",
                                    "coercion_relatives",
                                    "pressure_to_inform",
                                    "consular_pressure",
                                    "defamation",
                                    "interpol_misuse",
                                ],
                            )
                        ),
                        name="incident_category_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("confidence__in", ["confirmed", "likely", "possible", "doubtful"])
                        ),
                        name="incident_confidence_known",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CaseEvidence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("consent_given_on", models.DateField(verbose_name="consent given on")),
                (
                    "consent_method",
                    models.CharField(
                        choices=[
                            ("signed_form", "Signed form"),
                            ("oral_with_witness", "Oral, with a witness"),
                            ("email", "Email"),
                            ("written_message", "Written message (SMS, messaging app)"),
                            ("not_applicable", "Not applicable (another legal basis)"),
                        ],
                        max_length=32,
                        verbose_name="how consent was recorded",
                    ),
                ),
                ("attached_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "attached_by",
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
                        related_name="+",
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
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="safety.incident",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("incident", "case"), name="caseevidence_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="IncidentEvidence",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("sealed_name", models.BinaryField()),
                ("content_type", models.CharField(max_length=64)),
                ("stored_file", models.CharField(max_length=32)),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="evidence",
                        to="safety.incident",
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
                "ordering": ["uploaded_at"],
            },
        ),
        migrations.CreateModel(
            name="IncidentPerson",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("witness", "Witness"),
                            ("relative", "Relative"),
                            ("also_targeted", "Also targeted"),
                        ],
                        max_length=16,
                        verbose_name="role",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="linked",
                        to="safety.incident",
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
                        related_name="+",
                        to="people.person",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("incident", "person"), name="incidentperson_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="OfficerKey",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("public_key", models.BinaryField()),
                ("wrapped_private_key", models.BinaryField()),
                ("kdf_salt", models.BinaryField()),
                ("kdf_time_cost", models.PositiveIntegerField()),
                ("kdf_memory_kib", models.PositiveIntegerField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
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
                "ordering": ["created_at"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("revoked_at__isnull", True)),
                        fields=("organisation", "user"),
                        name="one_active_officer_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="IncidentKey",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("sealed_key", models.BinaryField()),
                (
                    "escrow_key",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="copies",
                        to="safety.escrowkey",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="keys",
                        to="safety.incident",
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
                    "officer_key",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="copies",
                        to="safety.officerkey",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("escrow_key__isnull", False), ("officer_key__isnull", True)),
                            models.Q(("escrow_key__isnull", True), ("officer_key__isnull", False)),
                            _connector="OR",
                        ),
                        name="incidentkey_one_recipient",
                    ),
                    models.UniqueConstraint(
                        fields=("incident", "officer_key"), name="incidentkey_once_per_officer"
                    ),
                    models.UniqueConstraint(
                        fields=("incident", "escrow_key"), name="incidentkey_once_per_escrow"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="RiskAssessment",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "level",
                    models.CharField(
                        choices=[
                            ("low", "Low"),
                            ("medium", "Medium"),
                            ("high", "High"),
                            ("critical", "Critical"),
                        ],
                        max_length=16,
                        verbose_name="risk level",
                    ),
                ),
                (
                    "factors",
                    panah.core.crypto.fields.EncryptedJSONField(
                        blank=True,
                        default=list,
                        editable=True,
                        null=True,
                        verbose_name="risk factors",
                    ),
                ),
                (
                    "notes",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="notes"
                    ),
                ),
                ("assessed_on", models.DateField(verbose_name="assessed on")),
                ("next_review_on", models.DateField(verbose_name="next review")),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
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
                        related_name="risk_assessments",
                        to="people.person",
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-assessed_on", "-recorded_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("level__in", ["low", "medium", "high", "critical"])),
                        name="riskassessment_level_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("next_review_on__gte", models.F("assessed_on"))),
                        name="riskassessment_review_after_assessment",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SafetyPlan",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "measures",
                    panah.core.crypto.fields.EncryptedJSONField(
                        blank=True, default=list, editable=True, null=True, verbose_name="measures"
                    ),
                ),
                (
                    "notes",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="notes"
                    ),
                ),
                ("agreed_on", models.DateField(verbose_name="agreed on")),
                ("consent_given_on", models.DateField(verbose_name="consent given on")),
                (
                    "consent_method",
                    models.CharField(
                        choices=[
                            ("signed_form", "Signed form"),
                            ("oral_with_witness", "Oral, with a witness"),
                            ("email", "Email"),
                            ("written_message", "Written message (SMS, messaging app)"),
                            ("not_applicable", "Not applicable (another legal basis)"),
                        ],
                        max_length=32,
                        verbose_name="how consent was recorded",
                    ),
                ),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
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
                        related_name="safety_plans",
                        to="people.person",
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
                "ordering": ["-agreed_on", "-recorded_at"],
            },
        ),
        migrations.CreateModel(
            name="SafetyReferral",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "referred_to",
                    models.CharField(
                        choices=[
                            ("local_police", "Local police"),
                            ("federal_police", "Federal police"),
                            ("state_security", "State Security (VSSE)"),
                            ("lawyer", "Lawyer"),
                            ("cgrs", "CGRS (as evidence in the asylum case)"),
                        ],
                        max_length=32,
                        verbose_name="referred to",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("planned", "Planned"),
                            ("made", "Made"),
                            ("acknowledged", "Acknowledged"),
                            ("acted_on", "Acted on"),
                            ("closed", "Closed"),
                            ("declined", "Declined by the authority"),
                        ],
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "reference",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="their reference",
                    ),
                ),
                ("made_on", models.DateField(blank=True, null=True, verbose_name="made on")),
                (
                    "follow_up_on",
                    models.DateField(blank=True, null=True, verbose_name="follow up on"),
                ),
                ("consent_given_on", models.DateField(verbose_name="consent given on")),
                (
                    "consent_method",
                    models.CharField(
                        choices=[
                            ("signed_form", "Signed form"),
                            ("oral_with_witness", "Oral, with a witness"),
                            ("email", "Email"),
                            ("written_message", "Written message (SMS, messaging app)"),
                            ("not_applicable", "Not applicable (another legal basis)"),
                        ],
                        max_length=32,
                        verbose_name="how consent was recorded",
                    ),
                ),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="referrals",
                        to="safety.incident",
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
                        related_name="safety_referrals",
                        to="people.person",
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
                "ordering": ["follow_up_on", "-updated_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "referred_to__in",
                                [
                                    "local_police",
                                    "federal_police",
                                    "state_security",
                                    "lawyer",
                                    "cgrs",
                                ],
                            )
                        ),
                        name="safetyreferral_to_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "status__in",
                                [
                                    "planned",
                                    "made",
                                    "acknowledged",
                                    "acted_on",
                                    "closed",
                                    "declined",
                                ],
                            )
                        ),
                        name="safetyreferral_status_known",
                    ),
                ],
            },
        ),
    ]
