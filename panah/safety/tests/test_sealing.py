"""The sealed tier: only an officer's unlocked key opens sealed facts; the server never can."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scope, scopes_disabled
from PIL import Image

from panah.core.crypto.errors import DecryptionError
from panah.core.crypto.fields import decrypt_bytes
from panah.core.models import Role
from panah.safety import sealing, services
from panah.safety.models import Incident, IncidentKey

from .conftest import MARKER, PASSPHRASE


def _open(org, incident, officer_key, passphrase=PASSPHRASE):
    with scope(organisation=org):
        private = services.unlock(officer_key=officer_key, passphrase=passphrase)
        return services.open_incident(
            incident=incident, officer_key=officer_key, private=private, by=officer_key.user
        )


def test_an_officer_who_unlocked_reads_the_sealed_facts(org_a, officer_key_a, record):
    incident = record()
    opened = _open(org_a, incident, officer_key_a)
    assert opened.narrative == f"His brother was summoned {MARKER}"
    assert opened.relatives == "Brother Hamid Karimi, Tabriz"
    assert opened.sources == "Cousin Ali, phone +98 912 000 0000"


def test_a_wrong_passphrase_opens_nothing_and_is_audited(org_a, officer_key_a):
    from panah.core.models import AuditEntry

    with scope(organisation=org_a), pytest.raises(ValidationError) as refused:
        services.unlock(officer_key=officer_key_a, passphrase="not the passphrase at all")
    assert "does not open your safety key" in str(refused.value)
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="safety.unlock_failed").count() == 1


def test_five_wrong_passphrases_stop_the_tries_for_a_while(org_a, officer_key_a, monkeypatch):
    from panah.core.models import AuditEntry

    from .conftest import PASSPHRASE

    with scope(organisation=org_a):
        for _ in range(services.UNLOCK_FAILURES):
            with pytest.raises(ValidationError):
                services.unlock(officer_key=officer_key_a, passphrase="a guess")
        tried = []
        monkeypatch.setattr(sealing, "unwrap_officer_key", lambda *a: tried.append(a))
        # Even the right passphrase is not tried now.
        with pytest.raises(ValidationError) as refused:
            services.unlock(officer_key=officer_key_a, passphrase=PASSPHRASE)
    assert "Too many wrong passphrases. Wait 15 minutes" in str(refused.value)
    assert tried == []
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="safety.unlock_throttled").count() == 1
        # Once the window has passed, the passphrase is tried again.
        AuditEntry.objects.filter(action="safety.unlock_failed").update(
            at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        )
    monkeypatch.undo()
    with scope(organisation=org_a):
        assert services.unlock(officer_key=officer_key_a, passphrase=PASSPHRASE) is not None


def test_sealed_facts_without_an_unlocked_key_are_refused_and_nothing_is_saved(
    org_a, officer_key_a, record
):
    with pytest.raises(ValidationError) as refused:
        record(unlocked=False)
    assert "Unlock your safety key" in str(refused.value)
    with scopes_disabled():
        assert Incident.objects.count() == 0


def test_an_incident_dated_in_the_future_is_refused(org_a, officer_key_a, record):
    with pytest.raises(ValidationError) as refused:
        record(occurred_on=dt.date.today() + dt.timedelta(days=2))
    assert refused.value.message_dict == {
        "occurred_on": ["This date is in the future: give the day it happened."]
    }


def test_nothing_sealed_when_no_officer_holds_a_key(org_a, officer_a, record):
    with pytest.raises(ValidationError) as refused:
        record()
    assert "No safety officer has a safety key" in str(refused.value)


def _dump() -> bytes:
    """Every value of every table, as an attacker with a database dump would hold them."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        parts.append(bytes(value))
                    else:
                        parts.append(str(value).encode())
    return b"\x00".join(parts)


def test_a_database_dump_and_the_master_key_reveal_no_sealed_text(
    org_a, officer_key_a, record, tmp_path, settings
):
    incident = record()
    dump = _dump()
    # Positive control: the dump holds the incident and its ciphertexts.
    assert bytes(incident.sealed_narrative) in dump
    for secret in (MARKER, "Hamid", "+98 912", "Cousin Ali"):
        assert secret.encode() not in dump
        assert secret.encode("utf-16-le") not in dump
    # With the master keyring, the server opens every field under the person's key...
    with scopes_disabled():
        loaded = Incident.objects.select_related("person").get(pk=incident.pk)
        assert loaded.place == "Tehran, Evin prison visiting room"
        # ...but no key it holds opens a sealed column.
        for column in services.SEALED_COLUMNS:
            with pytest.raises(DecryptionError):
                decrypt_bytes(
                    loaded.data_key(), bytes(getattr(loaded, column)),
                    loaded.sealed_context(column), where=column,
                )  # fmt: skip
    # Nor do the files the server keeps beside it (keyring, key shares, encrypted files).
    for path in Path(settings.MASTER_KEY_FILE).parent.rglob("*"):
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes()


def test_a_sealed_key_copied_onto_another_incident_is_refused(org_a, officer_key_a, record):
    first, second = record(), record()
    with scopes_disabled():
        copy = IncidentKey.objects.get(incident=first, officer_key=officer_key_a)
        IncidentKey.objects.filter(incident=second, officer_key=officer_key_a).update(
            sealed_key=copy.sealed_key
        )
    with pytest.raises(DecryptionError):
        _open(org_a, second, officer_key_a)


def test_a_tampered_sealed_narrative_fails_closed(org_a, officer_key_a, record):
    incident = record()
    blob = bytearray(incident.sealed_narrative)
    blob[-1] ^= 1
    with scopes_disabled():
        Incident.objects.filter(pk=incident.pk).update(sealed_narrative=bytes(blob))
        incident = Incident.objects.get(pk=incident.pk)
    with pytest.raises(DecryptionError):
        _open(org_a, incident, officer_key_a)


def test_a_new_officer_reads_after_an_unlocked_officer_grants_access(
    org_a, officer_a, officer_key_a, make_member, record
):
    incident = record()
    newcomer = make_member(org_a, [Role.SAFETY_OFFICER], email="new-officer@example.org")
    with scope(organisation=org_a):
        new_key = services.set_up_officer_key(
            organisation=org_a, user=newcomer, passphrase="another long passphrase"
        )
    with pytest.raises(ValidationError, match="not sealed to your key yet"):
        _open(org_a, incident, new_key, "another long passphrase")
    with scope(organisation=org_a):
        private = services.unlock(officer_key=officer_key_a, passphrase=PASSPHRASE)
        granted = services.grant_access(
            officer_key=officer_key_a, private=private, to=new_key, by=officer_a
        )
    assert granted == 1
    assert MARKER in _open(org_a, incident, new_key, "another long passphrase").narrative


def test_a_removed_officer_opens_nothing_sealed_afterwards(
    org_a, officer_a, officer_key_a, make_member, record
):
    other = make_member(org_a, [Role.SAFETY_OFFICER], email="other-officer@example.org")
    with scope(organisation=org_a):
        other_key = services.set_up_officer_key(
            organisation=org_a, user=other, passphrase="the other officer's phrase"
        )
    before = record()
    with scope(organisation=org_a):
        services.revoke_officer_key(officer_key=other_key, by=officer_a)
    after = record()
    for incident in (before, after):
        with scopes_disabled():
            assert not IncidentKey.objects.filter(incident=incident, officer_key=other_key).exists()
    # Losing the role also stops sealing to a key that was never revoked.
    third = make_member(org_a, [Role.SAFETY_OFFICER], email="third@example.org")
    with scope(organisation=org_a):
        third_key = services.set_up_officer_key(
            organisation=org_a, user=third, passphrase="third officer passphrase"
        )
    with scopes_disabled():
        third_key.user.memberships.get().grants.filter(role=Role.SAFETY_OFFICER).delete()
    later = record()
    with scopes_disabled():
        assert not IncidentKey.objects.filter(incident=later, officer_key=third_key).exists()
        assert IncidentKey.objects.filter(incident=later, officer_key=officer_key_a).exists()


def test_escrow_recovery_needs_both_administrators_shares(
    org_a, admin_a, make_member, officer_a, officer_key_a, record
):
    second_admin = make_member(org_a, [Role.ADMIN], email="admin-2@example.org")
    with scope(organisation=org_a):
        split = services.create_escrow(
            organisation=org_a, first_holder=admin_a, second_holder=second_admin, by=admin_a
        )
    incident = record()
    # Every officer lost their passphrase: the officer's old key is revoked and a new one made.
    with scope(organisation=org_a):
        services.revoke_officer_key(officer_key=officer_key_a, by=admin_a)
        fresh = services.set_up_officer_key(
            organisation=org_a, user=officer_a, passphrase="a fresh passphrase here"
        )
        with pytest.raises(ValidationError) as wrong:
            services.recover_with_escrow(
                organisation=org_a, first_share=split.first_share,
                second_share=split.first_share, to=fresh, by=admin_a,
            )  # fmt: skip
        assert wrong.value.message_dict == {
            "second_share": ["This is not the second share of the escrow key."]
        }
        count = services.recover_with_escrow(
            organisation=org_a, first_share=split.first_share,
            second_share=split.second_share.lower(), to=fresh, by=admin_a,
        )  # fmt: skip
    assert count == 1
    assert MARKER in _open(org_a, incident, fresh, "a fresh passphrase here").narrative


def test_one_escrow_share_alone_says_nothing_about_the_key():
    split = sealing.split_escrow()
    first = sealing.parse_share(split.first_share)
    second = sealing.parse_share(split.second_share)
    with pytest.raises(ValueError):
        sealing.join_escrow(first, first, split.public_key)
    assert (
        bytes(sealing.join_escrow(first, second, split.public_key).public_key) == split.public_key
    )
    with pytest.raises(ValueError):
        typo = "A" if split.first_share[5] != "A" else "B"
        sealing.parse_share(split.first_share[:5] + typo + split.first_share[6:])


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (50.0, 50.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_evidence_is_sealed_and_its_location_removed(org_a, officer_a, officer_key_a, record):
    incident = record()
    photo = _photo_with_gps()
    assert services.has_gps(photo, "image/jpeg")
    with scope(organisation=org_a):
        private = services.unlock(officer_key=officer_key_a, passphrase=PASSPHRASE)
        added = services.add_evidence(
            incident=incident, upload=photo, officer_key=officer_key_a, private=private,
            by=officer_a,
        )  # fmt: skip
        opened = services.open_evidence(
            evidence=added.evidence, officer_key=officer_key_a, private=private, by=officer_a
        )
    assert added.had_location is True
    assert opened.content_type == "image/jpeg"
    assert not services.has_gps(opened.data, "image/jpeg")
    assert b"CameraMaker" not in opened.data
    # The person's data key (what the server holds) does not open the file.
    with scopes_disabled(), pytest.raises(DecryptionError):
        from panah.core.crypto.files import EncryptedFileStore

        evidence = added.evidence
        EncryptedFileStore().open(
            evidence.stored_file, key=incident.person.data_key(),
            context=evidence.context("stored_file"), where="evidence",
        )  # fmt: skip


def test_erasing_the_person_shreds_their_sealed_facts_and_evidence(
    org_a, admin_a, officer_a, officer_key_a, person_a, record, settings
):
    from panah.people.erasure import erase_person

    incident = record()
    with scope(organisation=org_a):
        private = services.unlock(officer_key=officer_key_a, passphrase=PASSPHRASE)
        added = services.add_evidence(
            incident=incident, upload=_photo_with_gps(), officer_key=officer_key_a,
            private=private, by=officer_a,
        )  # fmt: skip
    stored = Path(settings.ENCRYPTED_FILES_DIR) / added.evidence.stored_file[:2]
    assert (stored / added.evidence.stored_file).exists()
    erase_person(person_a, by=admin_a, reason=_a_reason())
    with scopes_disabled():
        erased = Incident.objects.get(pk=incident.pk)
        assert erased.sealed_narrative is None and erased.sealed_relatives is None
        assert not IncidentKey.objects.filter(incident=incident).exists()
        assert not erased.evidence.exists()
    assert not (stored / added.evidence.stored_file).exists()
    assert MARKER.encode() not in _dump()
    # The clear columns stay, so the aggregates keep counting... but not an erased person.
    assert erased.category == "coercion_relatives"


def _a_reason() -> str:
    from panah.people.erasure import ErasureReason

    return ErasureReason.values[0]
