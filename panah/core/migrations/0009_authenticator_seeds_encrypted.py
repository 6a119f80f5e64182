"""Authenticator seeds move from django-otp's TOTPDevice (hex, in clear) to sealed ciphertext.

Every member's authenticator app keeps working: each TOTPDevice becomes an AuthenticatorDevice
whose seed is AES-256-GCM ciphertext under the active master key (panah.core.crypto.seeds), with
its clock drift, last used step, throttling state and timestamps carried over; then the
TOTPDevice rows are deleted, so no seed is left in clear. Sessions that named a TOTPDevice were
ended by 0007, so every member passes the second factor again, with the same app.

Going back decrypts each seed into a TOTPDevice again (the keyring is needed either way).
"""

import binascii
import os

import django.db.models.deletion
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import migrations, models

# The fields both device models share, carried over as they are.
_SHARED = (
    "user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count",
    "last_used_at", "step", "t0", "digits", "tolerance", "drift", "last_t",
)  # fmt: skip


def _aad(user_id: int, master_key_id: str) -> bytes:
    # Frozen copy of panah.core.crypto.seeds.seed_aad (v1): a migration must seal the same
    # way whatever the code of the app becomes later.
    return f"panah/totp-seed/v1|user={user_id}|master={master_key_id}".encode()


def _keyring():
    from panah.core.crypto.keys import current_keyring

    return current_keyring(refresh=True)


def seal_seeds(apps, schema_editor):
    """One AuthenticatorDevice with a sealed seed per TOTPDevice; the clear seeds go."""
    using = schema_editor.connection.alias
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    AuthenticatorDevice = apps.get_model("core", "AuthenticatorDevice")
    devices = list(TOTPDevice.objects.using(using).order_by("pk"))
    if not devices:
        return
    master = _keyring().active
    for old in devices:
        nonce = os.urandom(12)
        seed = binascii.unhexlify(old.key.encode())
        sealed = nonce + AESGCM(master.material).encrypt(
            nonce, seed, _aad(old.user_id, master.key_id)
        )
        new = AuthenticatorDevice.objects.using(using).create(
            sealed_seed=sealed,
            master_key_id=master.key_id,
            **{name: getattr(old, name) for name in _SHARED},
        )
        AuthenticatorDevice.objects.using(using).filter(pk=new.pk).update(created_at=old.created_at)
    TOTPDevice.objects.using(using).all().delete()


def unseal_seeds(apps, schema_editor):
    """Back: each sealed seed becomes a TOTPDevice in clear again."""
    using = schema_editor.connection.alias
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    AuthenticatorDevice = apps.get_model("core", "AuthenticatorDevice")
    devices = list(AuthenticatorDevice.objects.using(using).order_by("pk"))
    if not devices:
        return
    keyring = _keyring()
    for new in devices:
        master = keyring.require(new.master_key_id)
        blob = bytes(new.sealed_seed)
        seed = AESGCM(master.material).decrypt(
            blob[:12], blob[12:], _aad(new.user_id, new.master_key_id)
        )
        old = TOTPDevice.objects.using(using).create(
            key=seed.hex(), **{name: getattr(new, name) for name in _SHARED}
        )
        TOTPDevice.objects.using(using).filter(pk=old.pk).update(created_at=new.created_at)
    AuthenticatorDevice.objects.using(using).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_end_sessions_stored_by_id"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthenticatorDevice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Number of successive failed attempts."
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The most recent date and time this device was used.",
                        null=True,
                    ),
                ),
                ("sealed_seed", models.BinaryField()),
                ("master_key_id", models.CharField(max_length=32)),
                ("step", models.PositiveSmallIntegerField(default=30)),
                ("t0", models.BigIntegerField(default=0)),
                ("digits", models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                ("tolerance", models.PositiveSmallIntegerField(default=1)),
                ("drift", models.SmallIntegerField(default=0)),
                ("last_t", models.BigIntegerField(default=-1)),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "authenticator app",
                "abstract": False,
            },
        ),
        migrations.RunPython(seal_seeds, unseal_seeds),
    ]
