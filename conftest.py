"""Fixtures shared by every test: two organisations and members with and without roles.

The three-user pattern: a member of organisation A who holds the role, one who does not,
and a member of organisation B.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django_scopes import scopes_disabled

from panah.core.models import (
    AuthenticatorDevice,
    Membership,
    Organisation,
    Passkey,
    Role,
    RoleGrant,
    User,
)

PASSWORD = "correct horse battery staple 42"  # noqa: S105 (test accounts only)
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_tests(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AXES_ENABLED = False
    settings.MASTER_KEY_FILE = str(tmp_path / "master.key")
    settings.ENCRYPTED_FILES_DIR = str(tmp_path / "files")
    # Tests sign in through the authenticator app's pages whatever the role; the requirement of
    # a passkey for administrators and safety officers is switched on, and proved for every
    # URL, in panah/core/tests/test_passkeys.py.
    settings.PASSKEY_ROLES = []
    # The active language is per thread: a test that switched to Dutch must not leave the
    # next test on the same worker speaking Dutch.
    translation.activate(settings.LANGUAGE_CODE)
    # Each test's database starts again from empty, ids and audit chains included, so a page
    # cached by an earlier test (dashboard panels, menus) could match a later test's keys.
    cache.clear()
    yield
    translation.deactivate()


@pytest.fixture
def org_a(db) -> Organisation:
    return Organisation.objects.create(name="Organisation A", slug="org-a")


@pytest.fixture
def org_b(db) -> Organisation:
    return Organisation.objects.create(name="Organisation B", slug="org-b")


def new_member(org: Organisation, roles, email: str | None = None, **extra) -> User:
    """A member of `org` with these roles and a confirmed authenticator (the user is reused
    when the email is known)."""
    email = email or f"member{next(_counter)}@example.org"
    with scopes_disabled():
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, PASSWORD, display_name=email.split("@")[0], **extra
        )
        AuthenticatorDevice.objects.get_or_create(
            user=user, confirmed=True, defaults={"name": "test"}
        )
        membership, _ = Membership.objects.get_or_create(organisation=org, user=user)
        for role in roles:
            RoleGrant.objects.get_or_create(membership=membership, organisation=org, role=role)
    return user


@pytest.fixture
def make_member(db):
    """make_member(org, [roles], email=None) -> User, with a confirmed authenticator."""
    return new_member


@pytest.fixture
def admin_a(org_a, make_member) -> User:
    return make_member(org_a, [Role.ADMIN], email="admin-a@example.org")


@pytest.fixture
def caseworker_a(org_a, make_member) -> User:
    return make_member(org_a, [Role.CASEWORKER], email="caseworker-a@example.org")


@pytest.fixture
def admin_b(org_b, make_member) -> User:
    return make_member(org_b, [Role.ADMIN], email="admin-b@example.org")


def verified_client(user: User, client: Client | None = None) -> Client:
    """A client logged in as `user` who has passed the second factor.

    A member whose role requires a passkey (settings.PASSKEY_ROLES) is given one and passes with
    it, as they must; the others pass with their authenticator app.
    """
    client = client or Client()
    client.force_login(user, backend="panah.core.backends.ModelBackend")
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()
    if _must_use_passkey(user):
        device = test_passkey(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def _must_use_passkey(user: User) -> bool:
    from django.conf import settings

    with scopes_disabled():
        return RoleGrant.objects.filter(
            membership__user=user, membership__removed_at__isnull=True,
            role__in=settings.PASSKEY_ROLES,
        ).exists()  # fmt: skip


def test_passkey(user: User) -> Passkey:
    """The user's passkey for tests that only need a session signed in with one (no ceremony:
    tests of the ceremony itself use panah.core.tests.authenticator)."""
    import os

    passkey = Passkey.objects.filter(user=user, confirmed=True).first()
    if passkey is None:
        passkey = Passkey.objects.create(
            user=user, name="passkey", confirmed=True,
            credential_id=os.urandom(32), public_key=os.urandom(77),
        )  # fmt: skip
    return passkey


test_passkey.__test__ = False  # a helper, not a test


@pytest.fixture
def login_as():
    """login_as(user) -> a verified test client."""
    return verified_client
