"""Audit entries for authentication and key events, which no service of ours performs, and the
record of each login's session (panah.core.user_sessions.record_session)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .crypto.keys import key_event
from .user_sessions import record_session


@receiver(key_event)
def _key_event(sender, *, action, organisation, obj=None, data=None, **kwargs):
    # Raised errors propagate: a key change the trail cannot record is rolled back with it.
    audit.record(action, organisation=organisation, obj=obj, data=data)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record("account.logged_in", organisation=None, actor=user, request=request)
    # So that removal or the emergency lock can end this session without scanning them all.
    record_session(request=request, user=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record("account.logged_out", organisation=None, actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The attempted email is personal data: only the fact of the failure is kept.
    audit.record("account.login_failed", organisation=None, request=request)


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit.record("account.locked_out", organisation=None, request=request)


@receiver(pre_save, sender=StaticDevice)
@receiver(pre_save, sender=TOTPDevice)
def _no_second_factor_in_clear(sender, instance, **kwargs):
    # django-otp's TOTPDevice and StaticDevice keep their seed or codes in clear, and django-otp
    # would accept their codes: only their tables' history is kept (core migrations 0004 and
    # 0009 moved everything out of them).
    raise TypeError(
        f"django-otp's {sender.__name__} keeps its secret in clear; use "
        "panah.core.models.AuthenticatorDevice or RecoveryCodeDevice."
    )
