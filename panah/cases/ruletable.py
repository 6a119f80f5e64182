"""The rule table an organisation works with: the shipped one plus its admins' dated edits.

An edit never rewrites a rule: the rule in force is closed the day before the edit's effective
date and a copy with the new period and source opens on it. The engine (procedure.py) picks a
rule by the notification date of the step that opens it, so a changed deadline applies to
notifications from its effective date and never backwards.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from .models import RuleTableEdit
from .procedure import DeadlineRule, RuleTable, shipped_table

COUNTRY = "BE"


def table_label(table: RuleTable) -> str:
    """What a case stores to say which table it was opened under ('BE/2024-01')."""
    return f"{table.country}/{table.version}"


def apply_edits(base: RuleTable, edits: Iterable) -> RuleTable:
    """`base` with each edit (rule_code, effective_from, days, months, source) applied in date order."""
    by_code: dict[str, list] = defaultdict(list)
    for edit in edits:
        by_code[edit.rule_code].append(edit)
    if not by_code:
        return base
    deadlines: list[DeadlineRule] = []
    for rule in base.deadlines:
        changes = sorted(by_code.get(rule.code, ()), key=lambda e: e.effective_from)
        current = rule
        for edit in changes:
            start = edit.effective_from
            if current.effective_to is not None and start > current.effective_to:
                break  # the shipped rule already ended before this edit: nothing to change
            if start <= current.effective_from:
                # An edit from the rule's first day replaces its period outright.
                current = dataclasses.replace(
                    current, days=edit.days, months=edit.months, source=edit.source
                )
                continue
            deadlines.append(
                dataclasses.replace(current, effective_to=start - dt.timedelta(days=1))
            )
            current = dataclasses.replace(
                current,
                days=edit.days,
                months=edit.months,
                source=edit.source,
                effective_from=start,
            )
        deadlines.append(current)
    return dataclasses.replace(base, deadlines=tuple(deadlines))


def organisation_table(organisation_id: int) -> RuleTable:
    """The rule table in force for an organisation (shipped table + its edits)."""

    edits = list(
        RuleTableEdit.objects.filter(organisation_id=organisation_id).order_by("effective_from")
    )
    return apply_edits(shipped_table(COUNTRY), edits)


def rule_versions(table: RuleTable, code: str) -> list[DeadlineRule]:
    """Every dated version of one deadline rule, oldest first."""
    return sorted((r for r in table.deadlines if r.code == code), key=lambda r: r.effective_from)


def current_rule(table: RuleTable, code: str, on: dt.date) -> DeadlineRule | None:
    """The version of a rule in force on a date (with its conditions; None if none is)."""
    for rule in rule_versions(table, code):
        if rule.effective_from <= on and (rule.effective_to is None or on <= rule.effective_to):
            return rule
    return None
