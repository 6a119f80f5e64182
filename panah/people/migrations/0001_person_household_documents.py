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
    ]

    operations = [
        migrations.CreateModel(
            name="Household",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="households",
                        to="core.organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "household",
                "verbose_name_plural": "households",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="Person",
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
                (
                    "given_name_fa",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="given name (Persian script)",
                    ),
                ),
                (
                    "family_name_fa",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="family name (Persian script)",
                    ),
                ),
                (
                    "given_name_latin",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="given name (Latin script)",
                    ),
                ),
                (
                    "family_name_latin",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="family name (Latin script)",
                    ),
                ),
                (
                    "date_of_birth",
                    panah.core.crypto.fields.EncryptedDateField(
                        blank=True, editable=True, null=True, verbose_name="date of birth"
                    ),
                ),
                (
                    "gender",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        choices=[
                            ("female", "Female"),
                            ("male", "Male"),
                            ("other", "Another gender"),
                            ("undisclosed", "Prefers not to say"),
                        ],
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="gender",
                    ),
                ),
                (
                    "nationality",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="nationality"
                    ),
                ),
                (
                    "languages",
                    panah.core.crypto.fields.EncryptedJSONField(
                        blank=True, default=list, editable=True, null=True, verbose_name="languages"
                    ),
                ),
                (
                    "phone",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="phone"
                    ),
                ),
                (
                    "email",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="email address",
                    ),
                ),
                (
                    "address",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="address"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
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
                    "household",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="members",
                        to="people.household",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="people",
                        to="core.organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "person",
                "verbose_name_plural": "people",
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "created_at"], name="people_pers_organis_1f069c_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("data_key_wrapped__isnull", True),
                            models.Q(
                                models.Q(("data_key_id", ""), _negated=True),
                                models.Q(("data_key_org_key_id", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="person_data_key_has_ids",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PersonDocument",
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
                            ("passport", "Passport"),
                            ("identity_card", "Identity card"),
                            ("residence_permit", "Residence permit"),
                            ("asylum_registration", "Asylum registration (annex 26)"),
                            ("photo", "Photo"),
                            ("other", "Other document"),
                        ],
                        max_length=32,
                        verbose_name="kind",
                    ),
                ),
                (
                    "document_number",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="document number",
                    ),
                ),
                (
                    "original_name",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="file name"
                    ),
                ),
                ("content_type", models.CharField(blank=True, max_length=64)),
                ("stored_file", models.CharField(blank=True, max_length=32)),
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
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="documents",
                        to="people.person",
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
                "verbose_name": "document",
                "verbose_name_plural": "documents",
                "ordering": ["uploaded_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "kind__in",
                                [
                                    "passport",
                                    "identity_card",
                                    "residence_permit",
                                    "asylum_registration",
                                    "photo",
                                    "other",
                                ],
                            )
                        ),
                        name="persondocument_kind_known",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("stored_file", ""), _negated=True),
                        fields=("stored_file",),
                        name="persondocument_file_unique",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PersonToken",
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
                        choices=[("name", "Name"), ("document", "Document number")], max_length=16
                    ),
                ),
                ("key_id", models.CharField(max_length=32)),
                ("digest", models.CharField(max_length=32)),
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tokens",
                        to="people.person",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["organisation", "digest"], name="people_pers_organis_c29a08_idx"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("person", "kind", "digest"), name="persontoken_unique_per_person"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["name", "document"])),
                        name="persontoken_kind_known",
                    ),
                ],
            },
        ),
    ]
