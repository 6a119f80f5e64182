"""Synthetic demo data: organisations, members with every role, and their second factors.

Demo mode only. Every account shares one password and has an authenticator whose current code
`panah demo --code EMAIL` prints, so a newcomer can log in without a phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django_otp.oath import totp
from django_scopes import scopes_disabled

from . import services
from .models import AuthenticatorDevice, Membership, Organisation, Role, RoleGrant, User

DEMO_PASSWORD = "panah-demo-2026"  # noqa: S105 (published demo password, demo mode only)
DEMO_DOMAIN = "demo.panah.invalid"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    organisations: tuple[tuple[str, tuple[str, ...]], ...]
    language: str = "en"


ORG_A = "Anjoman Pars Brussels"
ORG_B = "Iranian Refugee Support Antwerp"

ACCOUNTS = (
    DemoAccount(f"admin@{DEMO_DOMAIN}", "Shirin Admin", ((ORG_A, (Role.ADMIN, Role.COORDINATOR)),)),
    DemoAccount(
        f"coordinator@{DEMO_DOMAIN}", "Dariush Coordinator", ((ORG_A, (Role.COORDINATOR,)),)
    ),
    DemoAccount(
        f"caseworker@{DEMO_DOMAIN}", "Maryam Caseworker", ((ORG_A, (Role.CASEWORKER,)),), "fa"
    ),
    DemoAccount(
        f"shelter@{DEMO_DOMAIN}", "Lieve Shelter", ((ORG_A, (Role.SHELTER_COORDINATOR,)),), "nl"
    ),
    DemoAccount(f"safety@{DEMO_DOMAIN}", "Kaveh Safety", ((ORG_A, (Role.SAFETY_OFFICER,)),)),
    DemoAccount(
        f"researcher@{DEMO_DOMAIN}", "Camille Researcher", ((ORG_A, (Role.RESEARCHER,)),), "fr"
    ),
    DemoAccount(f"auditor@{DEMO_DOMAIN}", "Anna Auditor", ((ORG_A, (Role.AUDITOR,)),)),
    DemoAccount(
        f"both@{DEMO_DOMAIN}",
        "Reza In-Two-Organisations",
        ((ORG_A, (Role.CASEWORKER,)), (ORG_B, (Role.ADMIN, Role.CASEWORKER))),
    ),
    DemoAccount(f"antwerp@{DEMO_DOMAIN}", "Jan Antwerp", ((ORG_B, (Role.ADMIN,)),), "nl"),
)


class DemoRefused(Exception):
    """Raised when demo data is asked for outside demo mode."""


def ensure_demo_mode() -> None:
    """Refuse to run unless PANAH_MODE is demo: demo accounts share a published password."""
    if not settings.DEMO:
        raise DemoRefused(
            "Demo data is only loaded in demo mode (PANAH_MODE=demo). Nothing was changed."
        )


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    """Create the demo organisations and accounts (again safe to run: existing ones are kept)."""
    ensure_demo_mode()
    with scopes_disabled():
        orgs: dict[str, Organisation] = {}
        for account in ACCOUNTS:
            user = User.objects.filter(email=account.email).first()
            if user is None:
                user = User.objects.create_user(
                    account.email,
                    DEMO_PASSWORD,
                    display_name=account.name,
                    language=account.language,
                )
            if not AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists():
                device = AuthenticatorDevice.objects.create(user=user, name="demo", confirmed=True)
                services.issue_recovery_codes(user=user)
                del device
            for org_name, roles in account.organisations:
                org = orgs.get(org_name) or Organisation.objects.filter(name=org_name).first()
                if org is None:
                    org = services.create_organisation(name=org_name, founder=user)
                    RoleGrant.objects.filter(
                        membership__organisation=org, membership__user=user
                    ).delete()
                orgs[org_name] = org
                membership, _ = Membership.objects.get_or_create(organisation=org, user=user)
                for role in roles:
                    RoleGrant.objects.get_or_create(
                        membership=membership, organisation=org, role=role
                    )
    return list(ACCOUNTS)


def current_code(email: str) -> str:
    """The code a demo account's authenticator would show now."""
    ensure_demo_mode()
    device = AuthenticatorDevice.objects.filter(user__email=email.lower(), confirmed=True).first()
    if device is None:
        raise LookupError(f"No demo account {email} with an authenticator. Run `panah demo` first.")
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def load_demo_records(progress=print) -> None:
    """People, cases, shelter, safety, evidence and advocacy records for the first demo
    organisation, through the real services: each app that has demo data loads its own
    (`AppConfig.load_demo_records`), in INSTALLED_APPS order, and skips what exists already.
    """
    ensure_demo_mode()
    with scopes_disabled():
        org = Organisation.objects.get(name=ORG_A)
    for config in apps.get_app_configs():
        load = getattr(config, "load_demo_records", None)
        if load is not None:
            load(org, progress)
