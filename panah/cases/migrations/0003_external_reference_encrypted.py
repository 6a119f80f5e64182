"""Case.external_reference (the import's "File no.", often the CGRS number) encrypted.

The clear column is renamed aside, the encrypted column added, each reference sealed under
its person's data key with its keyed hash beside it (the blind index a re-import matches by),
and the clear column dropped. Backwards, each reference is decrypted into a clear column again.
A person whose data key was erased has no readable reference: theirs is dropped.
"""

import importlib

import django.db.models
from django.db import migrations, models

import panah.core.crypto.fields
from panah.core.crypto import blind_index
from panah.core.crypto.fields import Sealed, decrypt_bytes, encrypt_bytes, field_context
from panah.core.crypto.keys import WrappedDataKey, open_data_key, organisation_key

# The blind-index kind of the reference (panah.cases.queries.REFERENCE), fixed here as written.
REFERENCE = "case_reference"


def _person_key(Person, person_id):
    person = Person._base_manager.get(pk=person_id)
    if not person.data_key_wrapped:
        return None  # erased: the key is gone, and with it anything it would encrypt
    return open_data_key(
        organisation_id=person.organisation_id,
        table=Person._meta.db_table,
        pk=person.pk,
        stored=WrappedDataKey(
            person.data_key_id, person.data_key_org_key_id, bytes(person.data_key_wrapped)
        ),
    )


def _active_org_key(OrganisationKey, organisation_id):
    row = OrganisationKey._base_manager.filter(
        organisation_id=organisation_id, retired_at__isnull=True
    ).first()
    return organisation_key(row.key_id, organisation_id=organisation_id)


def seal_references(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Person = apps.get_model("people", "Person")
    OrganisationKey = apps.get_model("core", "OrganisationKey")
    field = Case._meta.get_field("external_reference")
    org_keys = {}
    cases = Case._base_manager.exclude(external_reference_clear="").only(
        "pk", "person_id", "organisation_id", "external_reference_clear"
    )
    for case in cases.iterator(chunk_size=2000):
        reference = case.external_reference_clear.strip()
        key = _person_key(Person, case.person_id)
        if key is None or not reference:
            Case._base_manager.filter(pk=case.pk).update(external_reference_clear="")
            continue
        if case.organisation_id not in org_keys:
            org_keys[case.organisation_id] = _active_org_key(OrganisationKey, case.organisation_id)
        blob = encrypt_bytes(
            key, field.to_bytes(reference), field_context(Case._meta.db_table, field.column, case.pk)
        )
        Case._base_manager.filter(pk=case.pk).update(
            external_reference=Sealed(blob),
            external_reference_index=blind_index.digest(
                org_keys[case.organisation_id], REFERENCE, reference
            ),
            external_reference_clear="",
        )


def open_references(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Person = apps.get_model("people", "Person")
    field = Case._meta.get_field("external_reference")
    cases = Case._base_manager.exclude(external_reference=None).only("pk", "person_id")
    for case in cases.iterator(chunk_size=2000):
        key = _person_key(Person, case.person_id)
        if key is None:
            continue
        blob = Case._base_manager.filter(pk=case.pk).values_list("external_reference", flat=True)
        plaintext = decrypt_bytes(
            key,
            blob.get().blob,
            field_context(Case._meta.db_table, field.column, case.pk),
            where=f"cases_case.external_reference of row {case.pk}",
        )
        Case._base_manager.filter(pk=case.pk).update(
            external_reference_clear=field.from_bytes(plaintext)[:64]
        )


def planner_statistics(apps, schema_editor):
    """SQLite rebuilds cases_case to change its columns, dropping the planner statistics that
    cases/0002 installed for it: install them again (a no-op elsewhere, or where measured)."""
    statistics = importlib.import_module("panah.cases.migrations.0002_sqlite_planner_statistics")
    statistics.install_statistics(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_sqlite_planner_statistics"),
        ("core", "0002_organisation_keys_and_lock"),
        ("people", "0003_consent_and_legal_basis"),
    ]

    operations = [
        # Backwards, this runs last: after the table was rebuilt the old way.
        migrations.RunPython(migrations.RunPython.noop, planner_statistics, elidable=False),
        migrations.RemoveConstraint(model_name="case", name="case_external_reference_unique"),
        migrations.RenameField(
            model_name="case", old_name="external_reference", new_name="external_reference_clear"
        ),
        # Added as plain bytes, then made the encrypted field: adding it directly would write
        # its default ("") into every existing row, which an encrypted field refuses.
        migrations.AddField(
            model_name="case",
            name="external_reference",
            field=models.BinaryField(null=True, editable=True),
        ),
        migrations.AlterField(
            model_name="case",
            name="external_reference",
            field=panah.core.crypto.fields.EncryptedTextField(
                blank=True, default="", null=True, verbose_name="external reference"
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="external_reference_index",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.RunPython(seal_references, open_references, elidable=False),
        migrations.RemoveField(model_name="case", name="external_reference_clear"),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(
                condition=~django.db.models.Q(external_reference_index=""),
                fields=("organisation", "external_reference_index"),
                name="case_external_reference_unique",
            ),
        ),
        migrations.RunPython(planner_statistics, migrations.RunPython.noop, elidable=False),
    ]
