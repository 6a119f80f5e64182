"""Recovery codes are stored as keyed hashes: a database copy yields no code that logs in."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from panah.core import services
from panah.core.models import RecoveryCode, RecoveryCodeDevice
from panah.core.recovery_codes import code_digest

from .helpers import messages_of, unthrottle

WRONG_CODE_MESSAGE = (
    "That code is not right. Codes change every 30 seconds; recovery codes work only once."
)


def second_factor(user, code: str):
    """A member who gave the right password types `code` as their second factor."""
    client = Client()
    client.force_login(user, backend="panah.core.backends.ModelBackend")
    RecoveryCodeDevice.objects.filter(user=user).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    unthrottle(user)
    return client.post("/login/second-factor/", {"code": code})


def passed(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def test_issued_codes_are_ten_distinct_base32_codes_and_none_is_stored(admin_a):
    codes = services.issue_recovery_codes(user=admin_a)

    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    stored = list(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 10 and all(re.fullmatch(r"[0-9a-f]{64}", d) for d in stored)
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest FROM core_recoverycode")
        raw = " ".join(row[0] for row in cursor.fetchall())
    assert not any(c in raw for c in codes)
    # Nothing goes to django-otp's static device, which keeps codes as they are.
    assert not StaticDevice.objects.exists() and not StaticToken.objects.exists()


@pytest.mark.parametrize("length", [64, 16, 8])
def test_what_a_database_copy_holds_does_not_pass_as_a_code(admin_a, length):
    services.issue_recovery_codes(user=admin_a)
    digest = RecoveryCode.objects.values_list("digest", flat=True).first()

    # Checked the way login and re-authentication check a code, whatever the form allows.
    assert match_token(admin_a, digest[:length]) is None

    assert RecoveryCode.objects.count() == 10


def test_the_login_page_refuses_a_stored_hash_typed_as_a_code(admin_a):
    services.issue_recovery_codes(user=admin_a)
    digest = RecoveryCode.objects.values_list("digest", flat=True).first()

    response = second_factor(admin_a, digest[:16])  # as much as the field takes

    assert not passed(response)
    assert response.context["form"].errors == {"code": [WRONG_CODE_MESSAGE]}


def test_a_code_typed_in_capitals_with_a_space_works(admin_a):
    codes = services.issue_recovery_codes(user=admin_a)

    response = second_factor(admin_a, codes[3][:4].upper() + " " + codes[3][4:].upper())

    assert passed(response)
    assert RecoveryCode.objects.count() == 9


def test_a_hash_copied_to_another_members_device_opens_nothing(admin_a, admin_b):
    codes_a = services.issue_recovery_codes(user=admin_a)
    services.issue_recovery_codes(user=admin_b)
    # Someone with write access to the database moves admin A's code to admin B.
    stolen = RecoveryCode.objects.get(digest=code_digest(admin_a.pk, codes_a[0]))
    stolen.device = RecoveryCodeDevice.objects.get(user=admin_b)
    stolen.save()

    assert not passed(second_factor(admin_b, codes_a[0]))


def test_codes_keep_working_after_a_secret_key_rotation_while_the_old_key_is_listed(
    admin_a, settings
):
    codes = services.issue_recovery_codes(user=admin_a)
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a new secret key, rotated " + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_secret]

    assert passed(second_factor(admin_a, codes[0]))

    settings.SECRET_KEY_FALLBACKS = []  # the old key dropped: its codes stop working
    assert not passed(second_factor(admin_a, codes[1]))


def test_codes_issued_after_a_rotation_use_the_new_key(admin_a, settings):
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a new secret key, rotated " + "x" * 40

    codes = services.issue_recovery_codes(user=admin_a)

    assert RecoveryCode.objects.filter(digest=code_digest(admin_a.pk, codes[0])).exists()
    settings.SECRET_KEY_FALLBACKS = []
    assert passed(second_factor(admin_a, codes[0]))


def test_a_code_used_at_login_is_refused_afterwards_and_the_count_goes_down(admin_a):
    codes = services.issue_recovery_codes(user=admin_a)
    client = Client()
    client.force_login(admin_a, backend="panah.core.backends.ModelBackend")

    response = client.post("/login/second-factor/", {"code": codes[0]}, follow=True)

    assert messages_of(response) == ["You used a recovery code. 9 are left; each works only once."]
    assert not passed(second_factor(admin_a, codes[0]))
    assert passed(second_factor(admin_a, codes[1]))
    assert RecoveryCode.objects.filter(device__user=admin_a).count() == 8


def test_a_long_input_is_not_hashed_and_counts_as_a_wrong_code(admin_a):
    services.issue_recovery_codes(user=admin_a)
    device = RecoveryCodeDevice.objects.get(user=admin_a)

    assert device.verify_token("x" * 1000) is False

    device.refresh_from_db()
    assert device.throttling_failure_count == 1
