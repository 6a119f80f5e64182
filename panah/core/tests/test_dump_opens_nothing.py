"""What a database dump yields opens no account: session ids are hashes, seeds are ciphertext."""

from __future__ import annotations

import base64
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_otp.oath import TOTP
from django_scopes import scope

from panah.core import services
from panah.core.crypto.keys import clear_key_caches, current_keyring, write_keyring
from panah.core.crypto.rotation import rotate_master_key
from panah.core.models import AuthenticatorDevice, RecoveryCodeDevice, Role
from panah.people.services import create_person

from .helpers import confirmed_device, password_login, totp_code, unthrottle

pytestmark = pytest.mark.django_db

NAME = "Narges"


@pytest.fixture
def person(org_a):
    with scope(organisation=org_a):
        return create_person(
            organisation=org_a,
            by=None,
            given_name_latin=NAME,
            family_name_latin="Mohammadi",
            address="Rue de la Loi 16, 1000 Bruxelles",
        )


def _column(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def _with_cookie(value: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = value
    return client


def test_a_session_id_read_from_the_database_opens_nothing(org_a, make_member, login_as, person):
    coordinator = make_member(org_a, [Role.COORDINATOR])
    member = login_as(coordinator)
    page = f"/people/{person.pk}/"
    assert NAME in member.get(page).content.decode()  # the member's own session reads it
    dumped = _column("SELECT session_key FROM django_session") + _column(
        "SELECT session_id FROM core_usersession"
    )
    assert dumped

    for key in dumped:
        response = _with_cookie(key).get(page)

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert NAME not in response.content.decode()
    assert member.cookies[settings.SESSION_COOKIE_NAME].value not in dumped
    assert NAME in member.get(page).content.decode()  # and the real session still works


def _sealed(device) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sealed_seed FROM core_authenticatordevice WHERE id = %s", [device.pk]
        )
        return bytes(cursor.fetchone()[0])


def _code_of(seed: bytes) -> str:
    return f"{TOTP(seed).token():06d}"


def _at_second_factor(email: str) -> Client:
    client = Client()
    password_login(client, email)  # the password, phished or cracked from the dump
    return client


def test_a_seed_read_from_the_database_gives_no_accepted_code(caseworker_a, person):
    device = confirmed_device(caseworker_a)
    sealed = _sealed(device)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM otp_totp_totpdevice")
        clear = [bytes.fromhex(row[0]) for row in cursor.fetchall()]
    assert clear == []  # django-otp's table of seeds in clear stays empty
    # Whatever a thief may take for the seed: the column, the ciphertext after the nonce...
    guesses = [sealed, sealed[12:], sealed[12:32], sealed[-20:]]
    real = {totp_code(device, offset=o) for o in (-1, 0, 1)}
    client = _at_second_factor("caseworker-a@example.org")

    for guess in guesses:
        code = _code_of(guess)
        if code in real:  # one chance in a few hundred thousand: not the thief's merit
            continue
        unthrottle(caseworker_a)
        response = client.post("/login/second-factor/", {"code": code})
        assert response.status_code == 200
        assert "That code is not right" in response.content.decode()

    unthrottle(caseworker_a)
    response = client.post("/login/second-factor/", {"code": totp_code(device)})
    assert response.status_code == 302  # the member's real authenticator still works


def test_a_seed_copied_to_another_members_row_does_not_open(caseworker_a, admin_a):
    theirs, mine = confirmed_device(admin_a), confirmed_device(caseworker_a)
    AuthenticatorDevice.objects.filter(pk=mine.pk).update(
        sealed_seed=_sealed(theirs), master_key_id=theirs.master_key_id
    )
    client = _at_second_factor("caseworker-a@example.org")

    response = client.post("/login/second-factor/", {"code": totp_code(theirs)})

    assert response.status_code == 200
    assert client.get(f"/people/{uuid.uuid4()}/")["Location"].startswith("/login/second-factor/")


def test_a_tampered_seed_refuses_every_code_but_leaves_the_recovery_codes(caseworker_a):
    device = confirmed_device(caseworker_a)
    code = totp_code(device)
    sealed = bytearray(_sealed(device))
    sealed[-1] ^= 1
    AuthenticatorDevice.objects.filter(pk=device.pk).update(sealed_seed=bytes(sealed))
    recovery = services.issue_recovery_codes(user=caseworker_a)
    client = _at_second_factor("caseworker-a@example.org")

    refused = client.post("/login/second-factor/", {"code": code})
    unthrottle(caseworker_a)
    RecoveryCodeDevice.objects.filter(user=caseworker_a).update(throttling_failure_timestamp=None)
    accepted = client.post("/login/second-factor/", {"code": recovery[0]})

    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()
    assert accepted.status_code == 302


def test_the_seed_is_sealed_under_the_master_key_and_the_app_is_shown_it(caseworker_a):
    device = confirmed_device(caseworker_a)

    assert len(device.bin_key) == AuthenticatorDevice.SEED_BYTES
    assert device.bin_key not in _sealed(device)
    assert device.master_key_id == current_keyring().active.key_id
    secret = parse_qs(urlsplit(device.config_url).query)["secret"][0]
    assert base64.b32decode(secret) == device.bin_key


def test_django_otps_devices_that_keep_secrets_in_clear_cannot_be_created(caseworker_a):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        with pytest.raises(TypeError, match="keeps its secret in clear"):
            model.objects.create(user=caseworker_a, name="phone", confirmed=True)
        assert not model.objects.exists()


def test_rotating_the_master_key_reseals_the_seeds_so_the_old_key_opens_none(caseworker_a):
    device = confirmed_device(caseworker_a)
    old_key, old_sealed = device.master_key_id, _sealed(device)

    rotate_master_key()

    device.refresh_from_db()
    assert device.master_key_id == current_keyring().active.key_id != old_key
    assert _sealed(device) != old_sealed
    # Even with the old master key gone from the keyring, the member's app still works.
    keyring = current_keyring(refresh=True)
    write_keyring(keyring.path, tuple(k for k in keyring.keys if k.key_id != old_key))
    clear_key_caches()
    client = _at_second_factor("caseworker-a@example.org")
    assert client.post("/login/second-factor/", {"code": totp_code(device)}).status_code == 302
