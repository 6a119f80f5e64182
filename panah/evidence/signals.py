"""Tidying up after a member: their pending upload goes when they log out."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from . import uploads


@receiver(user_logged_out)
def _discard_pending_upload(sender, request, user, **kwargs):
    # Nobody can reach the upload once the session is gone, so it need not wait for the sweep.
    session = getattr(request, "session", None)
    if session is not None:
        uploads.discard(session.get(uploads.PENDING))
