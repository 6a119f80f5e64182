"""Nothing personal at rest: grep the raw database (and the files) for the people we created.

On SQLite the test database is copied to a file with the backup API and its bytes are searched;
on PostgreSQL `pg_dump` dumps the test database (or, without a working pg_dump, every table is
read as text). Each name, address, phone number and email is looked for in UTF-8, UTF-16 (both
byte orders) and hex (how a dump shows binary columns). A plaintext value we know is stored
(the organisation's name) must be found, so a blind search cannot pass by accident.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_scopes import scope

from panah.cases.services import open_case
from panah.core.models import Organisation
from panah.people.demo import create_demo_people
from panah.people.services import add_document, create_person

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [
    {
        "given_name_fa": "نرگس",
        "family_name_fa": "محمدی",
        "given_name_latin": "Narges",
        "family_name_latin": "Mohammadi",
        "date_of_birth": dt.date(1972, 4, 21),
        "phone": "+32 470 12 34 56",
        "email": "narges.mohammadi@example.org",
        "address": "Rue de la Loi 16\n1000 Bruxelles",
    },
    {
        "given_name_fa": "غلامرضا",
        "family_name_fa": "حسین‌زاده",
        "given_name_latin": "Gholamreza",
        "family_name_latin": "Hosseinzadeh",
        "phone": "0485 98 76 54",
        "email": "g.hosseinzadeh@example.net",
        "address": "Kortrijksesteenweg 225, 9000 Gent",
    },
    {
        "given_name_fa": "ژینا",
        "family_name_fa": "امینی",
        "given_name_latin": "Jina",
        "family_name_latin": "Amini",
        "phone": "+32 2 555 01 02",
        "address": "Avenue Louise 480, 1050 Ixelles",
    },
]
DOCUMENT_NUMBER = "K98765432"
# The import's "File no.": associations often keep the CGRS number there.
CASE_REFERENCE = "CGRS 24/1234567"
PDF_MARKER = "Asylum statement of Narges Mohammadi"
PERSONAL_FIELDS = (
    "given_name_fa",
    "family_name_fa",
    "given_name_latin",
    "family_name_latin",
    "phone",
    "email",
    "address",
    "nationality",
)


def create_people(org: Organisation) -> list[str]:
    """Create hand-written and demo people; return every personal value to look for."""
    with scope(organisation=org):
        people = [create_person(organisation=org, by=None, **p) for p in PEOPLE]
        add_document(
            person=people[0],
            kind="passport",
            by=None,
            document_number=DOCUMENT_NUMBER,
            upload=f"%PDF-1.4\n1 0 obj << /T ({PDF_MARKER}) >> endobj\n%%EOF\n".encode(),
        )
        open_case(
            organisation=org,
            person=people[0],
            by=None,
            registered_on=dt.date(2024, 3, 5),
            external_reference=CASE_REFERENCE,
        )
    people += create_demo_people(org, 25, seed=31)
    values = {
        DOCUMENT_NUMBER,
        PDF_MARKER,
        CASE_REFERENCE,
        "".join(CASE_REFERENCE.split()),
        *create_shelter_records(org, people[0]),
    }
    for person in people:
        for name in PERSONAL_FIELDS:
            value = getattr(person, name)
            values.add(value)
            values.update(line.strip(" ,") for line in value.splitlines())
        digits = "".join(ch for ch in person.phone if ch.isdigit())
        values.add(digits)
        if person.date_of_birth:
            values.add(person.date_of_birth.isoformat())
    return sorted(v for v in values if v)


# A host and a household without a roof: the host's name, phone and address, where the
# household sleeps and the area constraint that would locate them.
SHELTER_VALUES = {
    "name": "Famille Vandenbroucke-Hosseini",
    "phone": "+32 478 98 76 54",
    "address": "Chaussée de Haecht 1402, 1130 Haren",
    "sleeping_now": "Under the Boulevard Albert II bridge",
    "area_constraints": "Near Maître Verbruggen's office on Rue Royale",
}


def create_shelter_records(org: Organisation, person) -> list[str]:
    """A host and a need through the shelter services; return their personal values."""
    from panah.shelter.services import register_host, register_need

    with scope(organisation=org):
        register_host(
            organisation=org, by=None, kind="family", area="brussels",
            **{k: SHELTER_VALUES[k] for k in ("name", "phone", "address")},
        )  # fmt: skip
        register_need(
            organisation=org, person=person, by=None, adult_women=1, area="brussels",
            without_roof_since=dt.date(2026, 11, 1),
            **{k: SHELTER_VALUES[k] for k in ("sleeping_now", "area_constraints")},
        )  # fmt: skip
    return list(SHELTER_VALUES.values())


def encodings(value: str) -> list[bytes]:
    """The byte forms a value could take at rest; too-short forms would match noise."""
    utf8 = value.encode("utf-8")
    forms = [utf8, value.encode("utf-16-le"), value.encode("utf-16-be")]
    # At least 40 bits, so random ciphertext (raw, or hex in a dump) cannot match by chance.
    return [f for f in forms if len(f) >= 5] + [h for h in [utf8.hex().encode()] if len(h) >= 12]


def leaks(haystack: bytes, values: list[str]) -> list[str]:
    return [v for v in values if any(form in haystack for form in encodings(v))]


def files_bytes() -> bytes:
    root = Path(settings.ENCRYPTED_FILES_DIR)
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite file is checked on SQLite")
def test_the_sqlite_file_holds_no_personal_value(org_a, tmp_path):
    values = create_people(org_a)
    assert len(values) > 100
    assert PDF_MARKER in leaks(PDF_MARKER.encode("utf-16-le"), values)  # the search works
    connection.ensure_connection()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    connection.connection.backup(copy)
    copy.close()
    raw = (tmp_path / "copy.sqlite3").read_bytes()
    assert b"Organisation A" in raw  # the search does see plaintext
    assert leaks(raw, values) == []
    assert leaks(files_bytes(), values) == []


def _pg_dump() -> bytes | None:
    """The test database dumped by pg_dump, or None when pg_dump is not installed."""
    exe = shutil.which("pg_dump")
    if exe is None:
        return None
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    command = [exe, "--no-owner", "--dbname", db["NAME"], "--username", db.get("USER") or ""]
    if db.get("HOST"):
        command += ["--host", db["HOST"]]
    if db.get("PORT"):
        command += ["--port", str(db["PORT"])]
    result = subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)  # noqa: S603
    assert result.returncode == 0, f"pg_dump failed: {result.stderr.decode(errors='replace')}"
    return result.stdout


def _select_everything() -> bytes:
    """Every row of every table as text, for when pg_dump cannot be used."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT t::text FROM "{table}" t')  # noqa: S608 (table names)
            chunks.extend(row[0].encode() for row in cursor.fetchall())
    return b"\n".join(chunks)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the dump is checked on PostgreSQL")
def test_a_postgresql_dump_holds_no_personal_value(org_a):
    values = create_people(org_a)
    assert PDF_MARKER in leaks(PDF_MARKER.encode("utf-16-le"), values)  # the search works
    dump = _pg_dump()
    rows = _select_everything()
    for haystack in [rows] if dump is None else [dump, rows]:
        assert b"Organisation A" in haystack  # the search does see plaintext
        assert leaks(haystack, values) == []
    assert leaks(files_bytes(), values) == []


def test_an_evidence_upload_waiting_for_its_import_is_not_plaintext(org_a, make_member, settings):
    """A researcher's upload waits between the dry run and the import, encrypted on disk."""
    import csv
    import io

    from django.contrib.sessions.models import Session
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from conftest import verified_client
    from panah.core.models import Role
    from panah.evidence.services import create_source

    settings.EVIDENCE_UPLOAD_DIR = Path(settings.ENCRYPTED_FILES_DIR).parent / "evidence-uploads"
    researcher = make_member(org_a, [Role.RESEARCHER])
    with scope(organisation=org_a):
        source = create_source(organisation=org_a, name="HRANA", kind="ngo")
    # Each refugee of PEOPLE as a report: their names in both scripts, as an import would hold.
    values = []
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["source_reference", "name_as_written", "father_name", "date_as_written"])
    for n, person in enumerate(PEOPLE, 1):
        latin = f"{person['given_name_latin']} {person['family_name_latin']}"
        persian = f"{person['given_name_fa']} {person['family_name_fa']}"
        writer.writerow([f"R-{n}", latin, person["family_name_fa"], "2024-03-01"])
        writer.writerow([f"R-{n}-fa", persian, person["family_name_fa"], "2024-03-01"])
        values += [latin, persian, person["family_name_fa"]]
    content = out.getvalue().encode()
    assert leaks(content, values) == values  # the search finds them in the file sent
    client = verified_client(researcher)

    client.post(
        reverse("evidence:import_upload"),
        {"source": source.pk, "file": SimpleUploadedFile("executions.csv", content)},
    )
    response = client.post(
        reverse("evidence:import_columns"),
        {"column_0": "source_reference", "column_1": "name_as_written",
         "column_2": "father_name", "column_3": "date_as_written"},
    )  # fmt: skip
    assert response.status_code == 302  # the dry run read the upload back

    kept = [p for p in Path(settings.EVIDENCE_UPLOAD_DIR).rglob("*") if p.is_file()]
    assert len(kept) == 1
    assert leaks(kept[0].read_bytes(), values) == []
    # Nor does the session that names the waiting upload hold what is in it.
    sessions = b"".join(
        repr(s.get_decoded()).encode() + s.session_data.encode() for s in Session.objects.all()
    )
    assert leaks(sessions, values) == []


def test_no_accepted_upload_is_spooled_to_a_plaintext_temporary_file(settings):
    """Django writes uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file in clear."""
    from panah.core.crypto.files import max_upload_bytes
    from panah.evidence.importing import MAX_FILE_BYTES

    assert max(MAX_FILE_BYTES, max_upload_bytes()) < settings.FILE_UPLOAD_MAX_MEMORY_SIZE


def _database_bytes(tmp_path) -> list[bytes]:
    """What a thief of the database gets: the SQLite file, or pg_dump's output and every row."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(tmp_path / "copy.sqlite3")
        connection.connection.backup(copy)
        copy.close()
        return [(tmp_path / "copy.sqlite3").read_bytes()]
    dump = _pg_dump()
    return [_select_everything()] + ([] if dump is None else [dump])


def test_a_dump_holds_no_session_id_and_no_authenticator_seed(org_a, make_member, tmp_path):
    """Session ids and seeds open accounts: neither may be in the database in any form."""
    import base64

    from conftest import verified_client
    from panah.core.models import AuthenticatorDevice, Role
    from panah.core.sessions import stored_key

    members = [make_member(org_a, [role]) for role in (Role.ADMIN, Role.CASEWORKER)]
    clients = [verified_client(m) for m in members for _device in range(2)]
    for client in clients:
        assert client.get("/").status_code == 200
    session_ids = [c.cookies[settings.SESSION_COOKIE_NAME].value for c in clients]
    seeds = [d.bin_key for d in AuthenticatorDevice.objects.filter(user__in=members)]
    assert len(set(session_ids)) == 4 and len(seeds) == 2
    secrets = {}
    for session_id in session_ids:
        secrets[session_id] = [f for f in encodings(session_id) if len(f) >= 5]
    for seed in seeds:
        secrets[seed.hex()] = [seed, seed.hex().encode(), base64.b32encode(seed).rstrip(b"=")]

    for haystack in _database_bytes(tmp_path):
        assert b"Organisation A" in haystack  # the search does see plaintext
        # ... and the sessions' rows, under their hashes
        assert all(stored_key(i).encode() in haystack for i in session_ids)
        found = [name for name, forms in secrets.items() if any(f in haystack for f in forms)]
        assert found == []
    # ... and nothing bigger is spooled either: the one handler keeps uploads in memory and
    # drops what goes over the limit (panah/people/tests/test_uploads.py).
    assert settings.FILE_UPLOAD_HANDLERS == ["panah.core.uploads.MemoryOnlyUploadHandler"]
