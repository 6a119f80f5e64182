"""The Belgian rule table: transitions, deadlines and how they are counted."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.utils import translation

from panah.cases import labels
from panah.cases.procedure import (
    RULES_DIR,
    CaseContext,
    NotificationMode,
    RecordedStep,
    RuleTableError,
    TransitionRefused,
    add_working_days,
    deemed_notification,
    parse_rule_table,
    replay,
    shipped_table,
)

D = dt.date


def applicant_deadlines(result):
    return [d for d in result.deadlines if d.rule.party == "applicant"]


@pytest.fixture
def table():
    return shipped_table("BE")


def test_every_deadline_in_the_shipped_table_names_its_legal_source(table):
    assert table.deadlines
    assert all(rule.source for rule in table.deadlines)


def test_every_legal_source_and_rule_note_is_written_in_the_four_languages():
    """No English sentence inside a Persian page, no maintainers' "[verify]" shown to users."""
    languages = {code for code, _name in settings.LANGUAGES}
    for path in RULES_DIR.glob("*.json"):
        data = json.loads(path.read_text())
        texts = [(rule["code"], rule["source"]) for rule in data["deadlines"]]
        texts += list(data.get("notification", {}).items())
        for name, text in texts:
            assert isinstance(text, dict), f"{path.name}: {name} is in one language only"
            assert set(text) == languages, f"{path.name}: {name} lacks {languages - set(text)}"
            for language, words in text.items():
                assert words.strip(), f"{path.name}: {name} is empty in {language}"
                assert "verify" not in words.lower(), f"{path.name}: {name} ({language})"
            assert text["fa"] != text["en"] and text["fr"] != text["en"] != text["nl"]


def test_a_legal_source_reads_in_the_readers_language_and_a_typed_one_as_typed():
    english = shipped_table("BE").deadlines[0].source
    with translation.override("fa"):
        assert labels.legal_source(english).startswith("قانون اتباع خارجی")
        assert labels.legal_source(english + " [verify]").startswith("قانون اتباع خارجی")
        assert labels.legal_source("Notre règle, art. 2 [verify]") == "Notre règle, art. 2"


def test_a_refusal_notified_on_a_monday_gives_thirty_days_to_appeal(table):
    history = [
        RecordedStep("application_lodged", D(2025, 1, 6)),
        RecordedStep("cgrs_decision", D(2025, 9, 1), "refusal", notified_on=D(2025, 9, 1)),
    ]
    result = replay(table, history, CaseContext())
    (appeal,) = [d for d in result.deadlines if d.rule.code == "call_appeal"]
    assert appeal.due_on == D(2025, 10, 1)
    assert "39/57" in appeal.rule.source
    assert result.stage == "cgrs_decision"


def test_a_last_day_on_a_sunday_moves_to_monday(table):
    # Notified 2025-09-05 (Friday): 30 days later is Sunday 5 October.
    history = [
        RecordedStep("application_lodged", D(2025, 1, 6)),
        RecordedStep("cgrs_decision", D(2025, 9, 5), "refusal", notified_on=D(2025, 9, 5)),
    ]
    (appeal,) = applicant_deadlines(replay(table, history, CaseContext()))
    assert appeal.due_on == D(2025, 10, 6)


def test_a_last_day_on_a_public_holiday_moves_to_the_next_working_day(table):
    # 30 days after 2025-10-12 is Tuesday 11 November (Armistice Day): due Wednesday 12 November.
    history = [
        RecordedStep("application_lodged", D(2025, 1, 6)),
        RecordedStep("cgrs_decision", D(2025, 10, 12), "refusal", notified_on=D(2025, 10, 12)),
    ]
    (appeal,) = applicant_deadlines(replay(table, history, CaseContext()))
    assert appeal.due_on == D(2025, 11, 12)


def test_an_inadmissibility_decision_gives_ten_days(table):
    history = [
        RecordedStep("application_lodged", D(2025, 1, 6)),
        RecordedStep("cgrs_decision", D(2025, 3, 3), "inadmissible", notified_on=D(2025, 3, 3)),
    ]
    (appeal,) = applicant_deadlines(replay(table, history, CaseContext()))
    assert (appeal.rule.code, appeal.due_on) == ("call_appeal_inadmissible", D(2025, 3, 13))


def test_an_accelerated_refusal_gives_ten_days(table):
    history = [
        RecordedStep("application_lodged", D(2025, 1, 6)),
        RecordedStep("cgrs_decision", D(2025, 3, 3), "refusal", notified_on=D(2025, 3, 3)),
    ]
    (appeal,) = applicant_deadlines(replay(table, history, CaseContext(accelerated=True)))
    assert appeal.rule.code == "call_appeal_accelerated"


def test_an_inadmissible_subsequent_application_in_detention_gives_five_days(table):
    history = [
        RecordedStep("application_lodged", D(2025, 1, 6)),
        RecordedStep("cgrs_decision", D(2025, 3, 3), "inadmissible", notified_on=D(2025, 3, 3)),
    ]
    (appeal,) = applicant_deadlines(
        replay(table, history, CaseContext(procedure="subsequent", detained=True))
    )
    assert (appeal.rule.code, appeal.due_on) == ("call_appeal_subsequent_detained", D(2025, 3, 10))


def test_refugee_status_opens_no_appeal_deadline(table):
    history = [
        RecordedStep("application_lodged", D(2025, 1, 6)),
        RecordedStep("cgrs_decision", D(2025, 3, 3), "refugee_status", notified_on=D(2025, 3, 3)),
    ]
    assert applicant_deadlines(replay(table, history, CaseContext())) == []


def test_an_appeal_before_any_decision_is_refused(table):
    history = [
        RecordedStep("application_lodged", D(2025, 1, 6)),
        RecordedStep("call_appeal_lodged", D(2025, 2, 1)),
    ]
    with pytest.raises(TransitionRefused) as refusal:
        replay(table, history, CaseContext())
    assert refusal.value.step == "call_appeal_lodged"
    assert "cgrs_decision" in refusal.value.allowed


def test_lodging_opens_the_indicative_six_months_which_the_decision_closes(table):
    lodged = [RecordedStep("application_lodged", D(2025, 1, 6))]
    open_ = {d.rule.code: d for d in replay(table, lodged, CaseContext()).deadlines}
    assert open_["cgrs_indicative_decision"].due_on == D(2025, 7, 7)  # 6 July is a Sunday
    assert open_["cgrs_indicative_decision"].rule.binding is False
    decided = [*lodged, RecordedStep("cgrs_decision", D(2025, 5, 5), "refugee_status")]
    codes = {d.rule.code for d in replay(table, decided, CaseContext()).deadlines}
    assert "cgrs_indicative_decision" not in codes


def test_a_call_judgment_opens_thirty_days_for_cassation(table):
    history = [
        RecordedStep("application_lodged", D(2025, 1, 6)),
        RecordedStep("cgrs_decision", D(2025, 3, 3), "refusal", notified_on=D(2025, 3, 3)),
        RecordedStep("call_appeal_lodged", D(2025, 3, 20)),
        RecordedStep("call_judgment", D(2025, 9, 1), "appeal_rejected", notified_on=D(2025, 9, 1)),
    ]
    (cassation,) = applicant_deadlines(replay(table, history, CaseContext()))
    assert (cassation.rule.code, cassation.due_on) == ("cassation_appeal", D(2025, 10, 1))


def test_an_accepted_dublin_responsibility_continues_as_a_first_application(table):
    history = [
        RecordedStep("application_lodged", D(2025, 1, 6)),
        RecordedStep("dublin_interview", D(2025, 1, 20)),
        RecordedStep("dublin_responsibility_accepted", D(2025, 3, 1)),
    ]
    result = replay(table, history, CaseContext(procedure="dublin"))
    assert result.procedure == "first"
    assert "cgrs_decision" in table.allowed_next(history[-1], result.procedure)


def test_a_registered_letter_counts_as_received_on_the_third_working_day():
    # Posted Thursday 2025-10-30: Fri 31 (1), Mon 3 Nov (2; 1 Nov is a Saturday holiday), Tue 4 (3).
    assert deemed_notification(NotificationMode.REGISTERED_LETTER, sent_on=D(2025, 10, 30)) == D(
        2025, 11, 4
    )
    proven = deemed_notification(
        "registered_letter",
        sent_on=D(2025, 10, 30),
        received_on=D(2025, 11, 7),
        receipt_proven=True,
    )
    assert proven == D(2025, 11, 7)
    assert deemed_notification("hand_delivery", sent_on=D(2025, 10, 30)) == D(2025, 10, 30)


def test_working_days_skip_weekends_and_holidays():
    assert add_working_days(D(2025, 12, 24), 2) == D(2025, 12, 29)


def test_a_changed_deadline_applies_from_its_effective_date_only():
    data = {
        "country": "BE",
        "version": "test",
        "effective_from": "2024-01-01",
        "actors": {"CGRS": "CGRS"},
        "procedures": ["first"],
        "steps": [{"code": "decision", "actor": "CGRS", "outcomes": ["refusal"], "is_decision": True}],
        "transitions": [{"from": None, "to": ["decision"]}],
        "deadlines": [
            {"code": "appeal", "opened_by": "decision", "days": 30, "count": "calendar", "binding": True,
             "party": "applicant", "source": "old law", "effective_to": "2025-06-30"},
            {"code": "appeal", "opened_by": "decision", "days": 15, "count": "calendar", "binding": True,
             "party": "applicant", "source": "new law", "effective_from": "2025-07-01"},
        ],
    }  # fmt: skip
    table = parse_rule_table(data)
    before = replay(table, [RecordedStep("decision", D(2025, 6, 2), "refusal")], CaseContext())
    after = replay(table, [RecordedStep("decision", D(2025, 7, 2), "refusal")], CaseContext())
    assert [d.rule.source for d in before.deadlines] == ["old law"]
    assert [d.rule.source for d in after.deadlines] == ["new law"]


def test_a_rule_table_naming_an_unknown_step_is_refused():
    data = {
        "country": "BE", "version": "bad", "effective_from": "2024-01-01", "actors": {"IO": "IO"},
        "procedures": ["first"], "steps": [{"code": "a", "actor": "IO"}],
        "transitions": [{"from": "a", "to": ["nowhere"]}], "deadlines": [],
    }  # fmt: skip
    with pytest.raises(RuleTableError, match="nowhere"):
        parse_rule_table(data)
