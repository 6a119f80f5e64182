"""Messages to a placement's guest and host, each in their own language, by Django's mail.

When a coordinator confirms a match, the guest is offered the place and the host is told a
household may come; when the guest decides, the host is told. The host's address reaches the
guest only in the offer of a confirmed place (`Placement.address_released`), and never when the
guest is under a safety alert: an e-mail may sit in a mailbox a third party hosts, and there the
address would say where a threatened person sleeps, so the coordinator gives it in person.
The host learns the household's composition and dates, never a name.

Each message leaves a `Notice` (sent, or why not: no e-mail address, the mail server refused)
and an audit entry with the language and whether the address was in it, never the text.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation

from panah.core import audit
from panah.core.dates import both_calendars
from panah.core.models import User

from .models import Notice, NoticeKind, NoticeRecipient, Placement

logger = logging.getLogger(__name__)
SPOKEN = {code for code, _name in settings.LANGUAGES}


def language_for(languages) -> str:
    """The first of someone's languages that Panah writes in, else the site's language."""
    for code in languages or ():
        base = str(code).split("-")[0].lower()
        if base in SPOKEN:
            return base
    return settings.LANGUAGE_CODE


def guest_language(placement: Placement) -> str:
    need = placement.need
    return language_for([*(need.languages or []), *(need.person.languages or [])])


def host_language(placement: Placement) -> str:
    return language_for(placement.offer.host.languages)


def address_for_guest(placement: Placement, under_alert: bool) -> bool:
    """Whether the guest's message may carry the host's address."""
    return placement.address_released and not under_alert and bool(placement.offer.host.address)


def render(placement: Placement, *, recipient: str, kind: str, under_alert: bool = False):
    """(language, subject, body, address included) of one message, in the recipient's language."""
    language = (
        guest_language(placement)
        if recipient == NoticeRecipient.GUEST
        else (host_language(placement))
    )
    with_address = (
        recipient == NoticeRecipient.GUEST
        and kind == NoticeKind.OFFERED
        and (address_for_guest(placement, under_alert))
    )
    need, host = placement.need, placement.offer.host
    with translation.override(language):
        context = {
            "placement": placement,
            "kind": kind,
            "guest_name": need.person.name_fa or need.person.name_latin
            if language == "fa"
            else need.person.name_latin or need.person.name_fa,
            "host_name": host.name,
            "address": host.address if with_address else "",
            "under_alert": under_alert,
            "area": host.get_area_display(),
            "starts": both_calendars(placement.starts_on),
            "ends": both_calendars(placement.planned_end_on) if placement.planned_end_on else "",
            "composition": need.composition,
            "size": need.size,
            "organisation": placement.organisation.name,
        }
        folder = "shelter/email"
        subject = render_to_string(f"{folder}/{recipient}_{kind}_subject.txt", context).strip()
        body = render_to_string(f"{folder}/{recipient}_{kind}.txt", context)
    return language, subject, body, with_address


def tell(
    placement: Placement,
    *,
    recipient: str,
    kind: str,
    by: User | None,
    request: HttpRequest | None = None,
    under_alert: bool = False,
) -> Notice:
    """Send one message (inside the caller's transaction) and keep a Notice of it."""
    if recipient == NoticeRecipient.GUEST:
        address = placement.need.person.email
    else:
        address = placement.offer.host.email
    language, subject, body, with_address = render(
        placement, recipient=recipient, kind=kind, under_alert=under_alert
    )
    problem = ""
    if not (address or "").strip():
        problem = "no_email"
    else:
        try:
            send_mail(subject, body, None, [address.strip()])
        except (smtplib.SMTPException, OSError) as exc:
            # The confirmation stands; the page says the message did not go and why.
            logger.warning("shelter notice not sent: %s", type(exc).__name__)
            problem = "mail_failed"
    notice = Notice.objects.create(
        organisation=placement.organisation,
        placement=placement,
        recipient=recipient,
        kind=kind,
        language=language,
        address_included=with_address and not problem,
        sent=not problem,
        problem=problem,
    )
    audit.record(
        f"shelter.{recipient}_told",
        organisation=placement.organisation,
        actor=by,
        obj=placement,
        request=request,
        data={
            "kind": kind,
            "language": language,
            "sent": not problem,
            "problem": problem,
            "address_included": notice.address_included,
        },
    )
    return notice
