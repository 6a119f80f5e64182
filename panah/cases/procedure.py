"""The asylum procedure as data: steps, allowed transitions and legal deadlines.

The rules live in a versioned table (law/belgium.json, with the legal source of every
deadline); this module only reads them. Nothing here knows Belgian law by heart, so another
country's table, or a changed deadline from a given date, is a data change.

How a deadline is counted (Belgium, agii.be; Aliens Act art. 39/57 §2): the period starts the
day after notification; a registered letter counts as notified on the third working day after
it was handed to the post unless the addressee proves otherwise; the last day counts, and if it
falls on a Saturday, Sunday or public holiday the deadline moves to the next working day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import holidays
from dateutil.relativedelta import relativedelta

RULES_DIR = Path(__file__).parent / "law"


class NotificationMode(StrEnum):
    """How a decision reached the person; it decides when a deadline starts."""

    REGISTERED_LETTER = "registered_letter"
    HAND_DELIVERY = "hand_delivery"
    EMAIL_OR_FAX = "email_or_fax"


class RuleTableError(ValueError):
    """The rule table contradicts itself (an unknown step, a transition to nowhere)."""


@dataclass(frozen=True)
class StepRule:
    code: str
    actor: str
    procedures: tuple[str, ...]
    outcomes: tuple[str, ...] = ()
    document: str = ""
    document_subsequent: str = ""
    is_decision: bool = False
    ends: bool = False


@dataclass(frozen=True)
class Transition:
    source: str | None
    outcome: str | None  # None: any outcome; "*": any outcome, in addition to specific ones
    targets: tuple[str, ...]
    switch_procedure: str | None = None


@dataclass(frozen=True)
class DeadlineRule:
    code: str
    opened_by: str
    count: str  # "calendar" or "working"
    binding: bool
    party: str  # who must act: "applicant" or "authority"
    source: str
    days: int = 0
    months: int = 0
    procedures: tuple[str, ...] = ()
    # Steps that answer the deadline; empty: any later step does (the applicant acted or moved on).
    closed_by: tuple[str, ...] = ()
    conditions: dict = field(default_factory=dict)
    effective_from: dt.date = dt.date.min
    effective_to: dt.date | None = None

    def applies(self, *, step: str, outcome: str | None, context: CaseContext, on: dt.date) -> bool:
        """Whether a step with this outcome, in this case's situation, on this date, opens the rule."""
        if step != self.opened_by or on < self.effective_from:
            return False
        if self.effective_to and on > self.effective_to:
            return False
        if self.procedures and context.procedure not in self.procedures:
            return False
        c = self.conditions
        if "outcome_in" in c and outcome not in c["outcome_in"]:
            return False
        if "detained" in c and c["detained"] != context.detained:
            return False
        if "accelerated" in c and c["accelerated"] != context.accelerated:
            return False
        if "subsequent_detained" in c:
            subsequent_detained = context.procedure == "subsequent" and context.detained
            if c["subsequent_detained"] != subsequent_detained:
                return False
        return True


@dataclass(frozen=True)
class CaseContext:
    """The facts of a case that change which deadline applies."""

    procedure: str = "first"
    detained: bool = False
    accelerated: bool = False


@dataclass(frozen=True)
class RecordedStep:
    """One step of a case's history, as the engine needs it."""

    code: str
    occurred_on: dt.date
    outcome: str | None = None
    notified_on: dt.date | None = None


@dataclass(frozen=True)
class OpenedDeadline:
    rule: DeadlineRule
    starts_after: dt.date
    due_on: dt.date


@dataclass(frozen=True)
class RuleTable:
    country: str
    version: str
    effective_from: dt.date
    steps: dict[str, StepRule]
    transitions: tuple[Transition, ...]
    deadlines: tuple[DeadlineRule, ...]
    actors: dict[str, str]
    sources: dict[str, str]

    def step(self, code: str) -> StepRule:
        try:
            return self.steps[code]
        except KeyError:
            raise RuleTableError(f"Unknown step {code!r} in rule table {self.version}") from None

    def allowed_next(self, last: RecordedStep | None, procedure: str) -> list[str]:
        """The steps that may follow `last` (the first steps when the history is empty)."""
        source = last.code if last else None
        outcome = last.outcome if last else None
        targets: list[str] = []
        for t in self.transitions:
            if t.source != source:
                continue
            if t.outcome not in (None, "*") and t.outcome != outcome:
                continue
            targets.extend(x for x in t.targets if x not in targets)
        return [code for code in targets if procedure in self.steps[code].procedures]

    def procedure_after(self, last: RecordedStep, procedure: str) -> str:
        """The procedure type after a step (accepted Dublin responsibility continues as a first application)."""
        for t in self.transitions:
            if t.source == last.code and t.switch_procedure:
                return t.switch_procedure
        return procedure

    def deadlines_opened(self, step: RecordedStep, context: CaseContext) -> list[OpenedDeadline]:
        """The deadlines a step opens, counted from its notification (or its date)."""
        start = step.notified_on or step.occurred_on
        opened = []
        for rule in self.deadlines:
            if rule.applies(step=step.code, outcome=step.outcome, context=context, on=start):
                opened.append(OpenedDeadline(rule, start, due_date(start, rule, self.country)))
        return opened


def due_date(notified_on: dt.date, rule: DeadlineRule, country: str = "BE") -> dt.date:
    """The last day to act: the period runs from the day after notification; the last day counts."""
    if rule.count == "working":
        return add_working_days(notified_on, rule.days, country)
    end = notified_on + relativedelta(days=rule.days, months=rule.months)
    return next_working_day(end, country)


def is_working_day(day: dt.date, country: str = "BE") -> bool:
    """Monday to Friday and not a public holiday of the country."""
    return day.weekday() < 5 and day not in _holidays(country, day.year)


def next_working_day(day: dt.date, country: str = "BE") -> dt.date:
    """`day` itself if it is a working day, else the next one."""
    while not is_working_day(day, country):
        day += dt.timedelta(days=1)
    return day


def add_working_days(start: dt.date, n: int, country: str = "BE") -> dt.date:
    """The n-th working day after `start`."""
    day = start
    for _ in range(n):
        day += dt.timedelta(days=1)
        while not is_working_day(day, country):
            day += dt.timedelta(days=1)
    return day


def deemed_notification(
    mode: NotificationMode | str,
    *,
    sent_on: dt.date,
    received_on: dt.date | None = None,
    receipt_proven: bool = False,
    country: str = "BE",
) -> dt.date:
    """The date a decision counts as notified, from which its deadlines run.

    A registered letter counts as received on the third working day after posting, unless the
    person proves a later receipt (Aliens Act, art. 39/57 §2; agii.be).
    """
    mode = NotificationMode(mode)
    if mode is NotificationMode.REGISTERED_LETTER:
        if received_on and receipt_proven:
            return received_on
        return add_working_days(sent_on, 3, country)
    return received_on or sent_on


@lru_cache(maxsize=64)  # a few countries over a few years
def _holidays(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def parse_rule_table(data: dict) -> RuleTable:
    """Build and check a rule table from its JSON form."""
    steps = {
        s["code"]: StepRule(
            code=s["code"],
            actor=s["actor"],
            procedures=tuple(s.get("procedures", data["procedures"])),
            outcomes=tuple(s.get("outcomes", ())),
            document=s.get("document", ""),
            document_subsequent=s.get("document_subsequent", ""),
            is_decision=s.get("is_decision", False),
            ends=s.get("ends", False),
        )
        for s in data["steps"]
    }
    transitions = tuple(
        Transition(t["from"], t.get("outcome"), tuple(t["to"]), t.get("switch_procedure"))
        for t in data["transitions"]
    )
    table_from = dt.date.fromisoformat(data["effective_from"])
    deadlines = tuple(
        DeadlineRule(
            code=d["code"],
            opened_by=d["opened_by"],
            count=d["count"],
            binding=d["binding"],
            party=d["party"],
            # The shipped table writes each source in the four languages; a table an
            # organisation edited holds the text its coordinator typed.
            source=d["source"]["en"] if isinstance(d["source"], dict) else d["source"],
            days=d.get("days", 0),
            months=d.get("months", 0),
            procedures=tuple(d.get("procedures", ())),
            closed_by=tuple(d.get("closed_by", ())),
            conditions=d.get("conditions", {}),
            effective_from=dt.date.fromisoformat(d["effective_from"])
            if "effective_from" in d
            else table_from,
            effective_to=dt.date.fromisoformat(d["effective_to"])
            if d.get("effective_to")
            else None,
        )
        for d in data["deadlines"]
    )
    table = RuleTable(
        country=data["country"],
        version=data["version"],
        effective_from=table_from,
        steps=steps,
        transitions=transitions,
        deadlines=deadlines,
        actors=data["actors"],
        sources=data.get("sources", {}),
    )
    _check(table)
    return table


def _check(table: RuleTable) -> None:
    for s in table.steps.values():
        if s.actor not in table.actors:
            raise RuleTableError(f"Step {s.code} names an unknown actor {s.actor}")
    for t in table.transitions:
        for code in ((t.source,) if t.source else ()) + t.targets:
            if code not in table.steps:
                raise RuleTableError(f"A transition names an unknown step {code!r}")
        if t.outcome not in (None, "*") and t.outcome not in table.steps[t.source].outcomes:
            raise RuleTableError(f"Step {t.source} has no outcome {t.outcome!r}")
    for d in table.deadlines:
        if d.opened_by not in table.steps:
            raise RuleTableError(f"Deadline {d.code} is opened by an unknown step {d.opened_by!r}")
        if d.count not in ("calendar", "working"):
            raise RuleTableError(f"Deadline {d.code}: count must be calendar or working")
        if not d.source:
            raise RuleTableError(f"Deadline {d.code} has no legal source")


@lru_cache(maxsize=8)
def shipped_table(country: str = "BE") -> RuleTable:
    """The rule table shipped with Panah for a country."""
    name = {"BE": "belgium.json"}[country]
    return parse_rule_table(json.loads((RULES_DIR / name).read_text()))


@dataclass(frozen=True)
class Replay:
    """What a case's history adds up to."""

    stage: str | None
    procedure: str
    deadlines: tuple[OpenedDeadline, ...]
    ended: bool


class TransitionRefused(ValueError):
    """A step that may not follow the case's current stage."""

    def __init__(self, step: str, after: str | None, allowed: Sequence[str]):
        self.step, self.after, self.allowed = step, after, list(allowed)
        super().__init__(
            f"{step} cannot follow {after or 'the start'}; allowed: {', '.join(allowed)}"
        )


def replay(table: RuleTable, history: Iterable[RecordedStep], context: CaseContext) -> Replay:
    """Walk a history, checking each transition, and return the stage and the open deadlines.

    A deadline stays open until a step it names in `closed_by` is recorded (without any, the
    next step closes it: the applicant acted or the case moved on).
    """
    procedure = context.procedure
    last: RecordedStep | None = None
    open_deadlines: list[OpenedDeadline] = []
    for step in history:
        allowed = table.allowed_next(last, procedure)
        if step.code not in allowed:
            raise TransitionRefused(step.code, last.code if last else None, allowed)
        if step.outcome and step.outcome not in table.step(step.code).outcomes:
            raise RuleTableError(f"{step.code} has no outcome {step.outcome!r}")
        open_deadlines = [d for d in open_deadlines if not _answered(d, step)]
        ctx = CaseContext(procedure, context.detained, context.accelerated)
        open_deadlines.extend(table.deadlines_opened(step, ctx))
        if last is not None:
            procedure = table.procedure_after(last, procedure)
        last = step
    if last is not None:
        procedure = table.procedure_after(last, procedure)
    ended = bool(last and table.step(last.code).ends)
    if ended:
        open_deadlines = []
    return Replay(last.code if last else None, procedure, tuple(open_deadlines), ended)


def _answered(deadline: OpenedDeadline, step: RecordedStep) -> bool:
    """Whether `step` is what the deadline was waiting for."""
    closed_by = deadline.rule.closed_by
    return not closed_by or step.code in closed_by
