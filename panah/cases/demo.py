"""Synthetic case histories for the demo (`panah demo` calls create_demo_cases).

Every history goes through the services, so it obeys the rule table and writes the audit trail
like real work. Dates are counted back from today, so the demo always shows a CGRS refusal
notified a few days ago (its 30-day CALL appeal deadline open), one due this week, an overdue
one, interviews and hearings coming, granted protection, a Dublin case and a subsequent
application found inadmissible. Nothing here is a real person or a real case.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from panah.core.models import Membership, Organisation, Role, User
from panah.people.demo import demo_people
from panah.people.models import Person

from . import services
from .models import Case
from .services import StepInput

ADDRESSES = [
    "c/o the association, Rue du Progrès 80, 1030 Schaerbeek",
    "Centre d'accueil Petit-Château, Boulevard du Neuvième de Ligne 27, 1000 Bruxelles",
    "Langestraat 12, 9000 Gent",
    "Rue Saint-Gilles 41, 4000 Liège",
]


def _days(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def _scenarios() -> list[tuple[str, dict, list[StepInput]]]:
    """(name, case options, steps) — each a realistic path through the Belgian procedure."""

    def lodged(n):
        return StepInput("application_lodged", _days(n), document_reference=f"OE-{8100000 + n}")

    def decision(n, outcome, mode="registered_letter", posted=None, code="cgrs_decision"):
        return StepInput(
            code, _days(n), outcome=outcome, notification_mode=mode,
            sent_on=_days(posted if posted is not None else n),
            document_reference=f"CG-{2400000 + n}",
        )  # fmt: skip

    return [
        # The story of the issue: a refusal handed over a few days ago; the appeal runs.
        (
            "refused_recently",
            {},
            [
                lodged(420),
                StepInput("municipal_registration", _days(412)),
                StepInput("cgrs_interview_invited", _days(150)),
                StepInput("cgrs_interview", _days(120)),
                decision(4, "refusal", mode="hand_delivery"),
            ],
        ),
        # Refused in person 26 days ago: the appeal is due within the week.
        (
            "appeal_due_this_week",
            {},
            [
                lodged(380),
                StepInput("cgrs_interview_invited", _days(200)),
                StepInput("cgrs_interview", _days(170)),
                decision(26, "refusal", mode="hand_delivery"),
            ],
        ),
        # A missed deadline: the coordinator must see it.
        (
            "appeal_overdue",
            {},
            [
                lodged(500),
                StepInput("cgrs_interview_invited", _days(190)),
                StepInput("cgrs_interview", _days(160)),
                decision(40, "refusal", mode="hand_delivery"),
            ],
        ),
        (
            "interview_coming",
            {},
            [
                lodged(210),
                StepInput("municipal_registration", _days(204)),
                StepInput("cgrs_interview_invited", _days(12)),
            ],
        ),
        ("waiting_long", {}, [lodged(610), StepInput("municipal_registration", _days(600))]),
        (
            "protected",
            {},
            [
                lodged(700),
                StepInput("cgrs_interview_invited", _days(450)),
                StepInput("cgrs_interview", _days(420)),
                decision(300, "refugee_status"),
                StepInput("protection_granted", _days(270)),
            ],
        ),
        (
            "on_appeal",
            {},
            [
                lodged(650),
                StepInput("cgrs_interview_invited", _days(400)),
                StepInput("cgrs_interview", _days(380)),
                decision(240, "refusal", mode="hand_delivery"),
                StepInput("call_appeal_lodged", _days(225)),
            ],
        ),
        (
            "dublin_transfer",
            {"procedure": "dublin"},
            [
                StepInput("application_registered", _days(95)),
                StepInput("dublin_interview", _days(90)),
                decision(
                    6, "transfer_ordered", code="dublin_transfer_decision", mode="hand_delivery"
                ),
            ],
        ),
        (
            "subsequent_inadmissible",
            {"procedure": "subsequent"},
            [
                lodged(40),
                decision(3, "inadmissible", mode="hand_delivery"),
            ],
        ),
        ("just_arrived", {}, [StepInput("application_made", _days(5))]),
    ]


def create_demo_cases(
    organisation: Organisation, people: Sequence[Person], caseworkers: Sequence[User]
) -> list[Case]:
    """Give each person a case with a realistic history, followed by one of the caseworkers."""
    rng = random.Random(20260401)
    scenarios = _scenarios()
    cases = []
    with scope(organisation=organisation):
        for i, person in enumerate(people):
            name, options, steps = scenarios[i % len(scenarios)]
            worker = caseworkers[i % len(caseworkers)] if caseworkers else None
            first_day = steps[0].occurred_on
            case = services.open_case(
                organisation=organisation,
                person=person,
                by=worker,
                registered_on=first_day,
                language=rng.choice(["fr", "nl"]),
                **options,
            )
            for step in steps:
                services.record_step(case=case, by=worker, step=step)
            services.record_chosen_residence(
                case=case,
                address=rng.choice(ADDRESSES),
                valid_from=first_day,
                communicated_how="at_lodging",
                by=worker,
            )
            _daily_work(case, name, worker, rng)
            cases.append(case)
        if len(cases) > 3 and caseworkers:
            # One case only its caseworker and the first coordinator may open (a threatened person).
            services.restrict_case(
                case=cases[3], restricted=True, members=list(caseworkers[:1]), by=caseworkers[0]
            )
    return cases


def _daily_work(case: Case, scenario: str, worker: User | None, rng: random.Random) -> None:
    if worker is None:
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    if scenario == "refused_recently":
        services.add_note(
            case=case,
            text="Refusal received. Appointment with the lawyer to prepare the appeal to the CALL.",
            by=worker,
        )
        services.schedule_appointment(
            case=case, kind="lawyer", starts_at=now + dt.timedelta(days=3, hours=2),
            place="Avenue Louise 54, 1050 Bruxelles", by=worker,
        )  # fmt: skip
        services.make_referral(
            case=case,
            kind="lawyer",
            recipient="Maître A. Janssens (pro bono)",
            purpose="Appeal to the CALL against the refusal",
            consent_on=timezone.localdate() - dt.timedelta(days=2),
            consent_how="signed_form",
            consent_scope="The CGRS decision, the interview notes and the annex 26",
            by=worker,
        )
    elif scenario == "interview_coming":
        services.schedule_appointment(
            case=case, kind="cgrs_interview", starts_at=now + dt.timedelta(days=9, hours=1),
            place="CGRS, Rue Ernest Blerot 39, 1070 Anderlecht", by=worker,
        )  # fmt: skip
        services.add_note(
            case=case, text="Prepare the timeline of events before the interview.", by=worker
        )
    elif scenario == "on_appeal":
        services.schedule_appointment(
            case=case, kind="call_hearing", starts_at=now + dt.timedelta(days=16),
            place="CALL, Rue Gaucheret 92-94, 1030 Schaerbeek", by=worker,
        )  # fmt: skip
    elif rng.random() < 0.3:
        services.add_note(case=case, text="Called; no news from the authorities.", by=worker)


def load_demo_records(organisation, progress) -> None:
    """The cases part of `panah demo`: a case for each demo person, unless cases exist."""
    with scopes_disabled():
        if Case.objects.filter(organisation=organisation).exists():
            return
        caseworkers = [
            m.user
            for m in Membership.objects.filter(
                organisation=organisation, grants__role=Role.CASEWORKER
            )
            .select_related("user")
            .order_by("user__email")
        ]
    progress("Opening the demo people's cases...")
    create_demo_cases(organisation, demo_people(organisation), caseworkers)
