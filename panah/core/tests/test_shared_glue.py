"""The small pieces the apps' views and tasks share: a button's refusal shown as a message
(core.forms.press) and an import's stored result shown as its report (register_import)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from panah.core import background
from panah.core.forms import press


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _refuse():
    raise ValidationError(["Not yet vetted.", "No bed free."])


def test_a_button_that_works_returns_what_the_service_returned():
    request = _request()
    pressed = press(request, lambda: 3)
    assert (pressed.done, pressed.result) == (True, 3)
    assert list(get_messages(request)) == []


def test_a_refusal_becomes_one_error_message_each_or_one_joined():
    request = _request()
    assert not press(request, _refuse).done
    assert [str(m) for m in get_messages(request)] == ["Not yet vetted.", "No bed free."]
    request = _request()
    assert not press(request, _refuse, one_message=True).done
    assert [str(m) for m in get_messages(request)] == ["Not yet vetted. No bed free."]


@dataclass
class _Row:
    row: int
    message: str


@dataclass
class _Report:
    rows: int = 0
    errors: list[_Row] = field(default_factory=list)


def test_an_import_result_comes_back_as_its_report_or_its_refusal():
    kind = background.register_import(
        "test.import", "Importing", lambda work: {}, template="x.html",
        report=_Report, row_error=_Row,
    )  # fmt: skip
    try:
        shown = kind.context({"rows": 2, "kind": "hosts", "errors": [{"row": 2, "message": "?"}]})
        assert shown == {"report": _Report(rows=2, errors=[_Row(2, "?")])}
        assert kind.context({"refused": "Not a spreadsheet."}) == {"refused": "Not a spreadsheet."}
    finally:
        background.KINDS.pop("test.import")
