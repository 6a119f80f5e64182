"""Translated names of the rule table's codes (steps, outcomes, deadlines, actors).

The rule table is data and stays in English codes; what a caseworker reads comes from here, so
the translators see every name. A code without a name here is shown as itself.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .procedure import RULES_DIR

STEPS = {
    "application_made": _("Application made"),
    "application_registered": _("Application registered by the Immigration Office"),
    "application_lodged": _("Application lodged (annex 26)"),
    "reception_assigned": _("Reception place assigned"),
    "reception_refused": _("Reception refused"),
    "municipal_registration": _("Registered at the municipality"),
    "dublin_interview": _("Dublin interview"),
    "dublin_transfer_decision": _("Dublin transfer decision"),
    "dublin_responsibility_accepted": _("Belgium responsible (Dublin)"),
    "dublin_appeal_lodged": _("Appeal against the Dublin decision lodged"),
    "dublin_appeal_judgment": _("Judgment on the Dublin appeal"),
    "transferred": _("Transferred to another state"),
    "cgrs_interview_invited": _("Invited to the CGRS interview"),
    "cgrs_interview": _("Interview at the CGRS"),
    "cgrs_decision": _("CGRS decision"),
    "call_appeal_lodged": _("Appeal to the CALL lodged"),
    "call_hearing": _("Hearing at the CALL"),
    "call_judgment": _("CALL judgment"),
    "cassation_lodged": _("Cassation appeal lodged at the Council of State"),
    "cassation_admissibility": _("Council of State: admissibility"),
    "cassation_judgment": _("Council of State judgment"),
    "protection_granted": _("Protection granted (residence card)"),
    "order_to_leave": _("Order to leave the territory"),
    "application_withdrawn": _("Application withdrawn"),
}

OUTCOMES = {
    "transfer_ordered": _("Transfer ordered"),
    "appeal_rejected": _("Appeal rejected"),
    "decision_annulled": _("Decision annulled"),
    "refugee_status": _("Refugee status"),
    "subsidiary_protection": _("Subsidiary protection"),
    "refusal": _("Refusal"),
    "manifestly_unfounded": _("Manifestly unfounded"),
    "inadmissible": _("Inadmissible"),
    "technical_refusal": _("Technical refusal"),
    "exclusion": _("Exclusion"),
    "withdrawal_of_status": _("Status withdrawn"),
    "admissible": _("Admissible"),
    "judgment_quashed": _("Judgment quashed"),
}

DEADLINES = {
    "lodge_application": _("Lodging of the application by the Immigration Office"),
    "register_application": _("Registration of the application"),
    "municipal_registration": _("Registration at the municipality"),
    "cgrs_indicative_decision": _("CGRS decision (indicative period)"),
    "cgrs_admissibility_subsequent": _("CGRS admissibility decision (subsequent application)"),
    "call_appeal_dublin": _("Appeal to the CALL against the Dublin decision"),
    "call_appeal_dublin_detained": _("Appeal to the CALL against the Dublin decision (detained)"),
    "call_appeal": _("Appeal to the CALL"),
    "call_appeal_inadmissible": _("Appeal to the CALL (inadmissibility)"),
    "call_appeal_accelerated": _("Appeal to the CALL (accelerated procedure)"),
    "call_appeal_manifestly_unfounded": _("Appeal to the CALL (manifestly unfounded)"),
    "call_appeal_detained": _("Appeal to the CALL (detained)"),
    "call_appeal_subsequent_detained": _("Appeal to the CALL (subsequent application, detained)"),
    "cassation_appeal": _("Cassation appeal to the Council of State"),
    "cassation_appeal_dublin": _("Cassation appeal to the Council of State (Dublin)"),
}

PARTIES = {"applicant": _("the applicant"), "authority": _("the authority")}


def step_label(code: str) -> str:
    return str(STEPS.get(code, code))


def outcome_label(code: str) -> str:
    return str(OUTCOMES.get(code, code)) if code else ""


def party_label(code: str) -> str:
    return str(PARTIES.get(code, code))


def deadline_label(code: str) -> str:
    return str(DEADLINES.get(code, code))


_VERIFY_MARK = re.compile(r"\s*\[verify\]", re.IGNORECASE)


@lru_cache(maxsize=1)  # the shipped tables, read once
def _shipped_sources() -> dict[str, dict[str, str]]:
    """The shipped rule tables' legal sources, by their English text: {language: text}."""
    sources: dict[str, dict[str, str]] = {}
    for path in RULES_DIR.glob("*.json"):
        for rule in json.loads(path.read_text())["deadlines"]:
            if isinstance(rule["source"], dict):
                sources[rule["source"]["en"]] = rule["source"]
    return sources


def legal_source(text: str) -> str:
    """A deadline's legal source in the reader's language: the shipped table's translation of
    it, or the text as a coordinator typed it; never a maintainers' "[verify]" mark."""
    text = _VERIFY_MARK.sub("", text or "")
    language = (get_language() or "en").split("-")[0]
    return _shipped_sources().get(text, {}).get(language, text)
