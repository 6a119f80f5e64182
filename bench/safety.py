"""The sealed tier's costs: unlocking a key and opening an incident, and re-sealing for a new
officer (targets: under 300 ms to unlock and open, under 2 minutes to re-seal 10,000 incidents).

Builds a throwaway SQLite database with one safety officer whose key uses the production
Argon2id parameters, one incident with sealed facts and a 10 MB evidence file, and 10,000
further incidents sealed to that officer. Prints each step in milliseconds.

    .venv/bin/python bench/safety.py [--incidents 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSPHRASE = "a bench passphrase for the sealed tier"  # noqa: S105 (a throwaway database)
FIELD_TEXT = "Threat reported by phone from a withheld number; details follow. " * 30  # ~2 KB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="panah-bench-safety-"))
    os.environ.update(
        {
            "PANAH_MODE": "demo",
            "PANAH_VAR_DIR": str(tmp),
            "PANAH_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "panah.settings",
        }
    )
    try:
        run(args.incidents)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def run(n: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django_scopes import scope

    from panah.core.crypto.fields import decrypt_bytes, encrypt_bytes
    from panah.core.models import Membership, Organisation, Role, RoleGrant, User
    from panah.people.services import create_person
    from panah.safety import sealing, services
    from panah.safety.models import Incident, IncidentKey

    call_command("migrate", verbosity=0)
    org = Organisation.objects.create(name="Bench", slug="bench")
    officers = []
    for email in ("officer-1@example.org", "officer-2@example.org"):
        user = User.objects.create_user(email, None, display_name=email)
        membership = Membership.objects.create(organisation=org, user=user)
        RoleGrant.objects.create(membership=membership, organisation=org, role=Role.SAFETY_OFFICER)
        officers.append(user)

    with scope(organisation=org):
        key_1 = services.set_up_officer_key(
            organisation=org, user=officers[0], passphrase=PASSPHRASE
        )
        person = create_person(organisation=org, by=None, given_name_latin="Bench")
        incident = services.record_incident(
            organisation=org, person=person, by=officers[0], category="threat_online",
            occurred_on=dt.date.today(), country="BE", confidence="likely",
            reported_by="the_person", place="Brussels",
            sealed=services.SealedFacts(FIELD_TEXT, FIELD_TEXT, FIELD_TEXT), unlocked=True,
        )  # fmt: skip
        private = services.unlock(officer_key=key_1, passphrase=PASSPHRASE)
        raw = services.incident_key(incident, key_1, private)
        content = sealing.content_key(raw, incident.pk)
        # Seven further sealed values under the incident's key: ten sealed fields in all.
        extra = [
            encrypt_bytes(content, FIELD_TEXT.encode(), incident.sealed_context(f"extra_{i}"))
            for i in range(7)
        ]
        pdf = b"%PDF-1.4\n" + os.urandom(10 * 1024 * 1024 - 200) + b"\n%%EOF\n"
        evidence = services.add_evidence(
            incident=incident, upload=pdf, officer_key=key_1, private=private, by=officers[0]
        ).evidence
    print(f"Sealed tier, Argon2id t={sealing.KDF_TIME_COST} m={sealing.KDF_MEMORY_KIB} KiB")

    with scope(organisation=org):
        incident = Incident.objects.select_related("person", "organisation").get(pk=incident.pk)
        t0 = time.perf_counter()
        private = services.unlock(officer_key=key_1, passphrase=PASSPHRASE)
        t1 = time.perf_counter()
        services.open_incident(incident=incident, officer_key=key_1, private=private,
                               by=officers[0])  # fmt: skip
        for i, blob in enumerate(extra):
            decrypt_bytes(content, blob, incident.sealed_context(f"extra_{i}"), where="bench")
        t2 = time.perf_counter()
        evidence.incident = incident
        opened = services.open_evidence(
            evidence=evidence, officer_key=key_1, private=private, by=officers[0]
        )
        t3 = time.perf_counter()
    assert len(opened.data) > 10_000_000
    print(f"unlock the officer's key            {_ms(t1 - t0)}")
    print(f"open the incident, 10 sealed fields {_ms(t2 - t1)}")
    print(f"open its 10 MB evidence file        {_ms(t3 - t2)}")
    print(f"total (target < 300 ms)             {_ms(t3 - t0)}")

    # n incidents sealed to the first officer, written in bulk (their content does not matter).
    with scope(organisation=org), transaction.atomic():
        public = bytes(key_1.public_key)
        for start in range(0, n, 1000):
            batch = [
                Incident(
                    organisation=org,
                    person=person,
                    category="threat_online",
                    occurred_on=dt.date.today(),
                    country="ON",
                    confidence="possible",
                    reported_by="the_person",
                    perpetrator_indicators=[],
                )  # fmt: skip
                for _ in range(min(1000, n - start))
            ]
            Incident.objects.bulk_create(batch)
            IncidentKey.objects.bulk_create(
                IncidentKey(
                    organisation=org,
                    incident=i,
                    officer_key=key_1,
                    sealed_key=sealing.seal_incident_key(sealing.new_incident_key(), i.pk, public),
                )  # fmt: skip
                for i in batch
            )
        key_2 = services.set_up_officer_key(
            organisation=org, user=officers[1], passphrase=PASSPHRASE + " two"
        )
    with scope(organisation=org):
        t0 = time.perf_counter()
        count = services.grant_access(officer_key=key_1, private=private, to=key_2, by=officers[0])
        elapsed = time.perf_counter() - t0
    print(f"re-seal {count:,} incidents for a new officer: {elapsed:.1f} s (target < 120 s)")


if __name__ == "__main__":
    main()
