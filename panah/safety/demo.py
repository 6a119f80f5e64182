"""Synthetic safety files for the demo (`panah demo` calls create_demo_safety).

The demo safety officer's key is protected by the published demo password, so a newcomer can
unlock it and read the sealed facts. Nothing here is a real person or a real threat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from panah.core.demo import DEMO_DOMAIN, DEMO_PASSWORD
from panah.core.models import Organisation, User
from panah.people.demo import demo_people
from panah.people.models import Person

from . import services
from .models import Incident

DEMO_PASSPHRASE = DEMO_PASSWORD  # published with the demo accounts, demo mode only


def _days(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


INCIDENTS = [
    {
        "category": "coercion_relatives", "days": 6, "country": "IR", "confidence": "likely",
        "reported_by": "the_person", "place": "Tabriz (the brother's workplace)",
        "indicators": ["summons_of_relatives", "knew_private_facts"],
        "narrative": "The person's brother was summoned by the Ministry of Intelligence and told "
                     "that the family would suffer unless the person stops speaking at rallies.",
        "sources": "The brother, by a voice message relayed through a cousin.",
        "relatives": "Brother (fictional): Hamid, Tabriz.",
    },
    {
        "category": "surveillance", "days": 20, "country": "BE", "confidence": "possible",
        "reported_by": "witness", "place": "Outside the association's office, Schaerbeek",
        "indicators": ["unknown"],
        "narrative": "Two men photographed people leaving the community meeting.",
        "sources": "A volunteer who noted the car's plate.", "relatives": "",
    },
    {
        "category": "hacking", "days": 45, "country": "ON", "confidence": "confirmed",
        "reported_by": "member", "place": "", "indicators": ["known_account"],
        "narrative": "A fake login page for the person's email arrived from an account seen in "
                     "earlier phishing.",
        "sources": "", "relatives": "",
    },
]  # fmt: skip


def create_demo_safety(organisation: Organisation, people: Sequence[Person], officer: User) -> None:
    """An officer key, three incidents, a risk assessment, a plan and a referral."""
    with scope(organisation=organisation):
        services.set_up_officer_key(
            organisation=organisation, user=officer, passphrase=DEMO_PASSPHRASE
        )
        for person, spec in zip(people, INCIDENTS, strict=False):
            services.record_incident(
                    organisation=organisation, person=person, by=officer,
                    category=spec["category"], occurred_on=_days(spec["days"]),
                    country=spec["country"], confidence=spec["confidence"],
                    reported_by=spec["reported_by"], place=spec["place"],
                    indicators=spec["indicators"],
                    sealed=services.SealedFacts(
                        spec["narrative"], spec["sources"], spec["relatives"]
                    ),
                    unlocked=True,
                    alert=False,  # no mail to invented addresses while the demo loads
                )  # fmt: skip
        first = people[0]
        services.assess_risk(
            person=first, level="high", assessed_on=_days(5), next_review_on=_days(-25),
            reviewer=officer, by=officer, factors=["relatives_in_iran", "public_activism"],
        )  # fmt: skip
        services.agree_safety_plan(
            person=first, agreed_on=_days(4), consent_given_on=_days(4),
            consent_method="signed_form", by=officer,
            measures=["phone_hygiene", "accompaniment", "safe_contact"],
        )  # fmt: skip
        services.refer(
            person=first, referred_to="state_security", consent_given_on=_days(4),
            consent_method="signed_form", by=officer, status="made", made_on=_days(3),
            follow_up_on=_days(-11),
        )  # fmt: skip


def load_demo_records(organisation, progress) -> None:
    """The safety part of `panah demo`: incidents about the first three demo people."""
    with scopes_disabled():
        if Incident.objects.filter(organisation=organisation).exists():
            return
        officer = User.objects.get(email=f"safety@{DEMO_DOMAIN}")
    progress("Recording threats against three demo people...")
    create_demo_safety(organisation, demo_people(organisation)[:3], officer)
