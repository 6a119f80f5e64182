"""The one Persian text module: digits of a Persian page, isolates in plain text, month names."""

import re

import jdatetime
import pytest

from panah.core import persian


def test_month_names_are_jdatetimes():
    assert persian.JALALI_MONTHS_FA[9] == "دی" == jdatetime.date(1402, 10, 1).j_months_fa[9]
    assert persian.JALALI_MONTHS_EN[0] == "Farvardin"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>12 cases, 50%</p>", "<p>۱۲ cases, ۵۰٪</p>"),
        ('<time datetime="2024-01-02">2 Jan</time>', '<time datetime="2024-01-02">۲ Jan</time>'),
        ("<svg><text x='3'>17</text></svg>", "<svg><text x='3'>۱۷</text></svg>"),
        ("<p>&#39;7&#x27;</p>", "<p>&#39;۷&#x27;</p>"),
        ("<script>var a = 1;</script><p>1</p>", "<script>var a = 1;</script><p>۱</p>"),
        ("<textarea>12</textarea>", "<textarea>12</textarea>"),
        ('<input value="12"> 3', '<input value="12"> ۳'),
        (
            '<bdi translate="no">CGRS <b>24</b>/1</bdi> 5',
            '<bdi translate="no">CGRS <b>24</b>/1</bdi> ۵',
        ),
        ("<p>a1@example.org https://x.org/12 /cases/12/ A4</p>", "<p>a1@example.org https://x.org/12 /cases/12/ A4</p>"),
    ],
)  # fmt: skip
def test_a_persian_page_shows_persian_digits_and_keeps_markup_codes_and_addresses(html, expected):
    assert persian.html_in_persian_digits(html) == expected


def test_plain_text_isolates_and_digits():
    assert persian.isolate("+32 470", "ltr") == "\u2066+32 470\u2069"
    assert persian.isolate("نرگس") == "\u2068نرگس\u2069"
    assert persian.plain_text_for_reader("2 days /cases/1/", "fa") == "۲ days /cases/1/"
    assert persian.plain_text_for_reader("2 days", "fr") == "2 days"


def test_a_persian_page_is_served_with_persian_digits(caseworker_a, login_as):
    client = login_as(caseworker_a)
    client.post("/language/", {"language": "fa", "next": "/"})
    page = client.get("/").content.decode()
    text = page.split("<main", 1)[1].split(">", 1)[1]
    assert 'dir="rtl"' in page
    assert not any(c in "0123456789" for c in _visible_text(text))


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|textarea)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r'<(\w+)[^>]*translate="no".*?</\1>', "", html, flags=re.S)
    return re.sub(r"<[^>]*>|&#?\w+;", "", html)
