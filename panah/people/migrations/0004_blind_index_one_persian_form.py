"""The blind index recomputed under the one Persian text module (panah.core.persian).

The blind index used to normalise names with its own letter table, smaller than the evidence
one (no Kurdish letters, yeh barree, swash kaf, heh doachashmee, alef variants): a name written
with them was hashed differently from how the evidence keys read it. The stored tokens are
keyed hashes, so they cannot be converted: each indexed person's names and document numbers
are decrypted under their data key and their tokens written again. A person whose data key was
erased has no tokens to write. Backwards there is nothing to undo: the tokens are the current
normaliser's either way.
"""

from django.db import migrations

from panah.core.crypto import blind_index
from panah.core.crypto.fields import Sealed, decrypt_bytes, field_context
from panah.core.crypto.keys import WrappedDataKey, open_data_key, organisation_key

NAME_FIELDS = ("given_name_fa", "family_name_fa", "given_name_latin", "family_name_latin")
# The token kinds (panah.people.models.TokenKind), fixed here as written.
NAME, DOCUMENT = "name", "document"


def _text(model, field_name, key, pk, blob):
    if not blob:  # an empty encrypted field is stored as NULL and read as ""
        return ""
    field = model._meta.get_field(field_name)
    blob = blob.blob if isinstance(blob, Sealed) else bytes(blob)
    plaintext = decrypt_bytes(
        key,
        blob,
        field_context(model._meta.db_table, field.column, pk),
        where=f"{model._meta.db_table}.{field.column} of row {pk}",
    )
    return plaintext.decode("utf-8")


def reindex(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    PersonDocument = apps.get_model("people", "PersonDocument")
    PersonToken = apps.get_model("people", "PersonToken")
    OrganisationKey = apps.get_model("core", "OrganisationKey")
    org_keys = {}
    # The people who have tokens: the index is recomputed, never made where there was none.
    indexed = PersonToken._base_manager.values("person_id")
    people = Person._base_manager.filter(pk__in=indexed).exclude(data_key_wrapped=None)
    people = people.values_list(
        "pk", "organisation_id", "data_key_id", "data_key_org_key_id", "data_key_wrapped",
        *NAME_FIELDS,
    )  # fmt: skip
    for pk, organisation_id, key_id, org_key_id, wrapped, *names in people.iterator(2000):
        key = open_data_key(
            organisation_id=organisation_id,
            table=Person._meta.db_table,
            pk=pk,
            stored=WrappedDataKey(key_id, org_key_id, bytes(wrapped)),
        )
        if organisation_id not in org_keys:
            row = OrganisationKey._base_manager.filter(
                organisation_id=organisation_id, retired_at__isnull=True
            ).first()
            org_keys[organisation_id] = organisation_key(
                row.key_id, organisation_id=organisation_id
            )
        org_key = org_keys[organisation_id]
        texts = [_text(Person, f, key, pk, blob) for f, blob in zip(NAME_FIELDS, names, strict=True)]
        tokens = {(NAME, t) for t in blind_index.name_tokens(*texts)}
        documents = PersonDocument._base_manager.filter(person_id=pk).exclude(document_number=None)
        for document_pk, number in documents.values_list("pk", "document_number"):
            token = blind_index.document_token(
                _text(PersonDocument, "document_number", key, document_pk, number)
            )
            if token:
                tokens.add((DOCUMENT, token))
        PersonToken._base_manager.filter(person_id=pk).delete()
        PersonToken._base_manager.bulk_create(
            PersonToken(
                organisation_id=organisation_id,
                person_id=pk,
                kind=kind,
                key_id=org_key.key_id,
                digest=blind_index.digest(org_key, kind, token),
            )
            for kind, token in sorted(tokens)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_organisation_keys_and_lock"),
        ("people", "0003_consent_and_legal_basis"),
    ]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=False)]
