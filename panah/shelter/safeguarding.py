"""Safeguarding rules as data: each rule has a code, a name shown wherever it blocks, and a test.

The same table is enforced by the matcher (on whole arrays of households and offers at once)
and by the placement service (on one pair), so no placement can go around it. A test takes two
mappings of numpy arrays, the households' columns shaped (n, 1) and the offers' shaped (1, m),
and returns an (n, m) boolean matrix: True where the pair passes. Soft preferences (language,
area) are scored, never enforced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _

Columns = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Rule:
    """One hard safeguarding rule."""

    code: str
    name: str
    test: Callable[[Columns, Columns], np.ndarray]


def _women_or_children(n: Columns) -> np.ndarray:
    return (n["women"] > 0) | (n["children"] > 0)


def _accepts_composition(n: Columns, o: Columns) -> np.ndarray:
    men, women, children = n["men"] > 0, n["women"] > 0, n["children"] > 0
    family = men & (women | children)
    women_children = ~men & children
    single_men = men & ~women & ~children
    single_women = women & ~men & ~children
    minors = n["unaccompanied"]
    return (
        (family & o["accepts_families"])
        | (women_children & ~minors & o["accepts_women_children"])
        | (single_men & o["accepts_single_men"])
        | (single_women & o["accepts_single_women"])
        | (minors & o["accepts_minors"])
    )


RULES: tuple[Rule, ...] = (
    Rule("host_vetted", _("Only vetted hosts receive guests"), lambda n, o: o["vetted"]),
    Rule("offer_open", _("The offer is open on that date"), lambda n, o: o["available"]),
    Rule(
        "whole_household_fits",
        _("The whole household fits in one offer"),
        lambda n, o: n["size"] <= o["beds"],
    ),
    Rule(
        "no_women_children_with_single_man",
        _("Women and children are never placed with a man living alone"),
        lambda n, o: ~(_women_or_children(n) & o["host_single_man"]),
    ),
    Rule(
        "minor_with_guardian",
        _("A minor is never placed without a guardian, except in a minors' house"),
        lambda n, o: np.where(n["unaccompanied"], o["accepts_minors"], ~o["accepts_minors"]),
    ),
    Rule(
        "safety_alert_cleared_host",
        _(
            "A guest under a safety alert goes only to a host cleared for it, "
            "who shares no guest's details beyond the coordinators"
        ),
        lambda n, o: ~n["alert"] | (o["cleared"] & ~o["shares"]),
    ),
    Rule(
        "host_accepts_household",
        _("The host receives this kind of household"),
        _accepts_composition,
    ),
    Rule(
        "men_within_limit",
        _("No more adult men than the host accepts"),
        lambda n, o: n["men"] <= o["max_men"],
    ),
    Rule(
        "accessible_place",
        _("An accessible place for whoever needs one"),
        lambda n, o: ~n["accessible"] | o["accessible"],
    ),
    Rule(
        "required_area",
        _("Stays in the area they must stay in"),
        lambda n, o: ~n["area_required"] | (n["area"] == o["area"]),
    ),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
# Not a rule but the other reason someone stays unhoused; a dynamic run that weighed the
# expected stays says so, as a shorter stay may have gone first at an equal priority.
SHORTAGE = "shortage"
SHORTAGE_STAYS_WEIGHED = "shortage_stays_weighed"
# Nor is this: every offer the rules allow them was one they refused.
REFUSED_PLACES = "refused_places"


def rule_name(code: str) -> str:
    """The name a person reads for a rule code (or for a shortage of beds)."""
    if code == SHORTAGE:
        return str(_("Not enough suitable beds: they went to households with a higher priority"))
    if code == SHORTAGE_STAYS_WEIGHED:
        return str(
            _(
                "Not enough suitable beds: they went to households with a higher priority or a "
                "shorter expected stay"
            )
        )
    if code == REFUSED_PLACES:
        return str(
            _(
                "They refused every place the rules allow them: a run does not propose a refused "
                "place again, a coordinator can propose one by hand"
            )
        )
    rule = RULES_BY_CODE.get(code)
    return str(rule.name) if rule else code


def passes(n: Columns, o: Columns) -> np.ndarray:
    """The (n, m) matrix of pairs that pass every rule."""
    ok = np.ones(_shape(n, o), dtype=bool)
    for rule in RULES:
        ok &= rule.test(n, o)
    return np.broadcast_to(ok, _shape(n, o))


def _shape(n: Columns, o: Columns) -> tuple[int, int]:
    return (np.shape(n["size"])[0], np.shape(o["beds"])[-1])


def blocking_rules(n: Columns, o: Columns) -> list[str]:
    """For one household and one offer (arrays of length 1): the codes of the rules they fail."""
    return [rule.code for rule in RULES if not bool(np.all(rule.test(n, o)))]


def blockers_for(n: Columns, o: Columns) -> list[list[str]]:
    """For households with no passing offer: the rules that stand in their way.

    A rule is named when it alone blocks some offer (every other rule passes); when every offer
    fails several rules, the rule failing the most offers is named.
    """
    fails = [~np.broadcast_to(rule.test(n, o), _shape(n, o)) for rule in RULES]
    count = np.zeros(fails[0].shape, dtype=np.int8)
    for f in fails:
        count += f
    result = []
    for row in range(count.shape[0]):
        alone = [
            r.code for r, f in zip(RULES, fails, strict=True) if np.any(f[row] & (count[row] == 1))
        ]
        if not alone:
            most = max(range(len(RULES)), key=lambda i: int(fails[i][row].sum()))
            alone = [RULES[most].code]
        result.append(alone)
    return result
