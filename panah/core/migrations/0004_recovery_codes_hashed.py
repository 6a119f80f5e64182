"""Recovery codes move from django-otp's static device (plaintext) to keyed hashes.

Every unused code a member wrote down keeps working: each plaintext StaticToken becomes a
RecoveryCode holding HMAC-SHA256 of the code under the current secret key (as
panah.core.recovery_codes computes it), on one RecoveryCodeDevice per member that carries the
static device's throttling state and timestamps over; then the static tokens and devices are
deleted, so no code is left in clear.

Going back cannot bring the codes back (only their hashes remain): it leaves members without
recovery codes, and each issues new ones by setting up the authenticator again.
"""

import hashlib
import hmac

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _digest(user_id: int, code: str) -> str:
    # Frozen copy of panah.core.recovery_codes.code_digest (v1): a migration must give the same
    # hashes whatever the code of the app becomes later.
    key = hmac.new(
        settings.SECRET_KEY.encode(), b"panah recovery codes v1", hashlib.sha256
    ).digest()
    normalised = "".join(code.split()).lower()
    message = f"panah/recovery-code/v1|user={user_id}|{normalised}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def hash_static_tokens(apps, schema_editor):
    """One hashed device per member with static tokens; the plaintext goes."""
    using = schema_editor.connection.alias
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    RecoveryCodeDevice = apps.get_model("core", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("core", "RecoveryCode")
    for static in StaticDevice.objects.using(using).filter(confirmed=True).order_by("pk"):
        # A member with two static devices (one made by hand) gets one device with all codes.
        device = RecoveryCodeDevice.objects.using(using).filter(user_id=static.user_id).first()
        if device is None:
            device = RecoveryCodeDevice.objects.using(using).create(
                user_id=static.user_id,
                name="recovery",
                confirmed=True,
                throttling_failure_timestamp=static.throttling_failure_timestamp,
                throttling_failure_count=static.throttling_failure_count,
                last_used_at=static.last_used_at,
            )
            if static.created_at is not None:
                RecoveryCodeDevice.objects.using(using).filter(pk=device.pk).update(
                    created_at=static.created_at
                )
        tokens = StaticToken.objects.using(using).filter(device_id=static.pk)
        known = set(
            RecoveryCode.objects.using(using).filter(device=device).values_list("digest", flat=True)
        )
        digests = {
            _digest(static.user_id, t) for t in tokens.values_list("token", flat=True)
        } - known
        RecoveryCode.objects.using(using).bulk_create(
            [RecoveryCode(device=device, digest=d) for d in sorted(digests)], batch_size=500
        )
    # Unconfirmed static devices never accepted a code: their tokens go with the rest.
    StaticToken.objects.using(using).all().delete()
    StaticDevice.objects.using(using).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_user_sessions"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecoveryCodeDevice",
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
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64, unique=True)),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codes",
                        to="core.recoverycodedevice",
                    ),
                ),
            ],
        ),
        # Backwards: the hashes cannot become codes again; dropping the tables is all there is.
        migrations.RunPython(hash_static_tokens, migrations.RunPython.noop),
    ]
