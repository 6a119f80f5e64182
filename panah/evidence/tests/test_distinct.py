"""Distinct values worked out in a pool of processes: the same results as in one process."""

from __future__ import annotations

from panah.evidence import dates, distinct
from panah.evidence.names import stored_forms

NAMES = ["محمد حسيني", "Mohamad Hoseini", "Ali Rezaei", "", "Mohamad Hoseini"]


def test_a_pool_gives_what_one_process_gives(monkeypatch):
    monkeypatch.setattr(distinct, "MIN_PARALLEL", 1)
    monkeypatch.setattr(distinct, "workers", lambda: 2)
    written = [("۱۱ دی ۱۴۰۲", None), ("31/02/2024", None), ("January 2024", "gregorian")]

    with distinct.Pool() as pool:
        names = pool.map(stored_forms, NAMES)
        parsed = pool.map(dates.parse_or_refusal, written)

    assert names == {name: stored_forms(name) for name in NAMES}
    assert names["Mohamad Hoseini"][1] == names["محمد حسيني"][1] == "mhmdhsn"
    assert parsed[written[0]] == dates.parse_date(*written[0])
    assert isinstance(parsed[written[1]], str)  # the refusal's message, raised by the caller


def test_without_processes_it_is_done_in_this_one(monkeypatch):
    def refused(*_args, **_kwargs):
        raise OSError("no semaphores in this sandbox")

    monkeypatch.setattr(distinct, "MIN_PARALLEL", 1)
    monkeypatch.setattr(distinct, "workers", lambda: 2)
    monkeypatch.setattr(distinct, "ProcessPoolExecutor", refused)

    assert distinct.map_distinct(stored_forms, NAMES) == {n: stored_forms(n) for n in NAMES}
