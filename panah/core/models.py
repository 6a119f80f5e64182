"""Organisations, their members and roles, invitations and the audit trail.

Every protected row belongs to an organisation and is reached through an organisation-scoped
manager (django-scopes): a query outside `scope(organisation=...)` raises instead of leaking.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_scopes import ScopedManager

logger = logging.getLogger(__name__)


class Role(models.TextChoices):
    """What a member does in an organisation; permissions are granted to roles in core.rules."""

    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    CASEWORKER = "caseworker", _("Caseworker")
    SHELTER_COORDINATOR = "shelter_coordinator", _("Shelter coordinator")
    SAFETY_OFFICER = "safety_officer", _("Safety officer")
    RESEARCHER = "researcher", _("Researcher")
    AUDITOR = "auditor", _("Auditor")


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        # Addresses are stored in lower case (create_user), so look them up the same way.
        return self.get(**{self.model.USERNAME_FIELD: username.strip().lower()})


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. What they may do depends on their memberships, not on this row."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("name"), max_length=150)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email


class Organisation(models.Model):
    """An association: the unit of tenancy. Nothing crosses from one to another."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set by an admin's emergency lock: sessions end and logins are refused until two admins unlock.
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in one organisation. Removing it ends their access there at once."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_org"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    def role_set(self) -> frozenset[str]:
        """The roles this member holds (cached on the instance for the request)."""
        if not hasattr(self, "_roles"):
            self._roles = frozenset(g.role for g in self.grants.all())
        return self._roles


class RoleGrant(models.Model):
    """One role held by one member."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="grants")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32, choices=Role.choices)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "role"], name="one_grant_per_role"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="rolegrant_role_is_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} ({self.membership_id})"


class Invitation(models.Model):
    """A single-use, expiring link that makes its holder a member with the given roles.

    Only a hash of the token is stored, so a database dump yields no usable link.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    roles = models.JSONField(default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    def is_addressed_to(self, user) -> bool:
        """Whether `user`'s account has the email address this invitation was sent to.

        Compared without regard to case, as at login: invitations keep addresses in lower case,
        while an account made another way (the admin site, a script) may not.
        """
        return (user.email or "").strip().lower() == self.email.strip().lower()


# The action of the entry that alerts admins to a member's burst of reads (core.read_alerts).
READ_BURST_ACTION = "security.read_burst"


class AuditEntry(models.Model):
    """One line of an organisation's tamper-evident trail: who did what to which record.

    Never the plaintext of what was read or written. Each entry's hash covers the previous
    entry's hash, so a change, deletion or reordering breaks the chain (`panah audit verify`).
    Writes go to the organisation's chain ("org-<id>"), reads to the reading member's own
    chain in it ("org-<id>/reads-<user id>"), so that reading never waits for a writer.
    """

    # Neither key gets an index of its own: the (organisation, at) and (actor, at) indexes below
    # serve every look-up by either, and each index is written again with every entry.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        null=True,
        db_index=False,
    )
    # "org-<id>", or "system" for events that belong to no organisation (a failed login).
    chain = models.CharField(max_length=32)
    # Position in the chain: 1, 2, 3...
    sequence = models.PositiveBigIntegerField()
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    # Which canonical form `entry_hash` covers (panah.core.audit): 1 for entries written
    # before the organisation and the form itself were inside the hash, 2 since.
    hash_version = models.PositiveSmallIntegerField(default=1)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        ordering = ["chain", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_sequence_unique"),
        ]
        indexes = [
            models.Index(fields=["organisation", "at"]),
            models.Index(fields=["actor", "at"]),
            # Every audited read asks whether its member was already alerted about lately:
            # without this (small) index, that walked all of the organisation's recent entries.
            models.Index(
                fields=["organisation", "at"],
                condition=models.Q(action=READ_BURST_ACTION),
                name="audit_read_burst_alerts",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}"


class AuditHead(models.Model):
    """The newest hash of each chain, locked while an entry is appended.

    An organisation's head moves with its writes only (reads have chains of their own), so its
    sequence is what pages kept rendered are keyed by.
    """

    chain = models.CharField(max_length=32, primary_key=True)
    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.chain} @ {self.sequence}"


class UnlockApproval(models.Model):
    """One administrator's consent to lift an emergency lock; two different ones lift it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="unlock_approvals"
    )
    admin = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "admin"], name="one_unlock_approval_per_admin"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.admin_id}"


class OrganisationKey(models.Model):
    """An organisation's key-encryption key, stored only wrapped by a master key.

    Person data keys are wrapped by it. Rotation adds a new key and rewraps; old keys stay
    (retired) so data wrapped under them still opens.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="keys")
    key_id = models.CharField(max_length=32, unique=True)
    master_key_id = models.CharField(max_length=32)
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(retired_at__isnull=True),
                name="one_active_key_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.key_id


class UserSession(models.Model):
    """A stored session and the user it logged in, recorded at login (`user_sessions.record_session`).

    Ending a user's sessions (removal, emergency lock) deletes exactly the sessions named here,
    instead of decoding every session in the database to find theirs. The row goes with its
    session whenever the session is deleted through Django (logout, `clearsessions`, a new key
    at login, `user_sessions.end_sessions_of`). There is no database constraint, so a session deleted
    by other means leaves a stale row behind: harmless (deleting it again deletes nothing), and
    swept at the user's next login.
    """

    session = models.OneToOneField(
        "sessions.Session",
        on_delete=models.CASCADE,
        primary_key=True,
        db_constraint=False,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        # Never the key: a session key is as good as the member's password and code.
        return f"a session of user {self.user_id}"


class RecoveryCodeDevice(ThrottlingMixin, TimestampMixin, Device):
    """A member's one-time recovery codes, as a django-otp device (one per member).

    The codes are kept only as keyed hashes (RecoveryCode; panah.core.recovery_codes says why
    keyed). It replaces django-otp's static device, which stores its codes as they are: a
    database dump would have handed over every unused code.
    """

    def get_throttle_factor(self) -> int:
        # Wrong codes slow down as they did with django-otp's static device.
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """Accept an unused code of this member once; the code is used up at that moment."""
        from .recovery_codes import candidate_digests  # noqa: PLC0415 (recovery_codes reads these models)

        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        code = str(token or "")
        # A code is 8 characters; anything much longer is not one, and is not hashed.
        matched = 0
        if 0 < len(code) <= 64:
            # Deleting is the check: of two requests racing with one code, one deletes it.
            matched, _ = self.codes.filter(
                digest__in=candidate_digests(self.user_id, code)
            ).delete()
        if matched:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    """One unused recovery code: HMAC-SHA256 of the code and its member, never the code."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"a recovery code of device {self.device_id}"


class AuthenticatorDevice(ThrottlingMixin, TimestampMixin, Device):
    """A member's authenticator app (TOTP), as a django-otp device; its seed is encrypted.

    It replaces django-otp's TOTPDevice, which stores the seed in clear: a database dump would
    have handed over every member's second factor. The seed is sealed under the master keyring
    (panah.core.crypto.seeds); a new device gets a random 160-bit seed when first saved.
    """

    SEED_BYTES = 20

    sealed_seed = models.BinaryField()
    master_key_id = models.CharField(max_length=32)
    # As django-otp's TOTPDevice: the step in seconds, its origin, the code's length, the
    # steps of clock difference allowed, the difference last seen and the last step used.
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")

    def save(self, *args, **kwargs) -> None:
        if not self.sealed_seed:
            self.set_seed(os.urandom(self.SEED_BYTES))
        super().save(*args, **kwargs)

    def set_seed(self, seed: bytes) -> None:
        """Seal `seed` (raw bytes) as this device's secret; saved with the device."""
        from .crypto.seeds import seal_seed  # noqa: PLC0415 (the crypto package reads these models)

        self.master_key_id, self.sealed_seed = seal_seed(seed, user_id=self.user_id)

    @property
    def bin_key(self) -> bytes:
        """The seed (raw bytes), opened with the master keyring; DecryptionError if it does not."""
        from .crypto.seeds import open_seed  # noqa: PLC0415 (the crypto package reads these models)

        return open_seed(self.sealed_seed, user_id=self.user_id, master_key_id=self.master_key_id)

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """Accept the app's current code (within the tolerance) once, as django-otp's TOTPDevice."""
        from .crypto import DecryptionError  # noqa: PLC0415 (the crypto package reads these models)

        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        verified = False
        try:
            number = int(token)
            seed = self.bin_key
        except (TypeError, ValueError):
            pass
        except DecryptionError:
            # Fail closed, but let the member's recovery codes (the next device) still work.
            logger.error("The seed of authenticator device %s does not decrypt", self.pk)
        else:
            totp = TOTP(seed, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(number, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    @property
    def config_url(self) -> str:
        """The otpauth:// URL an authenticator app scans (Google's Key Uri Format)."""
        label = str(self.user.get_username())
        query = urlencode(
            {
                "secret": b32encode(self.bin_key),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        if issuer:
            label = f"{issuer}:{label}"
            query += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{query}"


# Imported here, not at the top: the library's models ask for the user model when imported,
# which exists only once User above is defined.
from django_otp_webauthn.models import AbstractWebAuthnCredential  # noqa: E402


class Passkey(AbstractWebAuthnCredential):
    """A member's passkey or security key (WebAuthn), as a django-otp device.

    The public key is not secret, but whoever could write to the database could put their own
    key on an officer's account; `binding` (HMAC under a key derived from the secret key, kept
    outside the database) ties the credential id and public key to the member, and a passkey
    whose binding does not match is never accepted (panah.core.passkeys). No name typed by the
    member and no attestation are stored: only what checking a signature needs.
    """

    binding = models.CharField(max_length=64, editable=False)

    class Meta(AbstractWebAuthnCredential.Meta):
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        indexes = [models.Index(fields=["credential_id_sha256"], name="core_passkey_sha256_idx")]

    def __str__(self) -> str:
        return f"passkey {self.pk} of user {self.user_id}"

    def save(self, *args, **kwargs) -> None:
        from .passkeys import binding_of  # noqa: PLC0415 (passkeys reads these models)

        self.binding = binding_of(self)
        super().save(*args, **kwargs)

    @classmethod
    def get_by_credential_id(cls, credential_id: bytes) -> Passkey:
        """The passkey with this credential id, if its binding to its member holds."""
        from .passkeys import binding_holds  # noqa: PLC0415 (passkeys reads these models)

        passkey = super().get_by_credential_id(credential_id)
        if not binding_holds(passkey):
            logger.error("Passkey %s is not bound to its member: refused", passkey.pk)
            raise cls.DoesNotExist
        return passkey


class BackgroundTask(models.Model):
    """Long work started from the web (an import, a linkage run), done by `panah worker`.

    The file and the choices it needs (`payload`) and what it found (`result`) are encrypted
    under a key derived from the organisation's key (panah.core.background); the payload is
    deleted when the task ends. Progress lives in the "tasks" cache, not here.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What it does ("evidence.import", ...: panah.core.background.KINDS) and the permission the
    # page that started it required: its page is shown only to members holding it.
    kind = models.CharField(max_length=60)
    permission = models.CharField(max_length=60)
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    payload = models.BinaryField(null=True, blank=True)
    result = models.BinaryField(null=True, blank=True)
    key_id = models.CharField(max_length=64)  # the organisation key the blobs are under
    # Said to the member (e.g. "interrupted by a restart, started again"): never personal data.
    notes = models.JSONField(default=list, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)  # django-tasks' id
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class DailyReminderSent(models.Model):
    """One reminder e-mail of a job to a member of an organisation on a day (core.reminders):
    each job's record adds its count and makes (organisation, user, day) unique."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        abstract = True
