"""Pure functions of many distinct values (name keys, dates) computed on every core.

An import of 100,000 reports reads about 60,000 distinct names and 35,000 distinct dates, and
cleaning them is most of an import's Python time: one process uses one core of the machine's
two. `map_distinct` hands them to a pool of worker processes when there are enough to pay for
starting it. The functions given must be pure, defined at a module's top level, and importable
without Django's setup (names, dates, normalise): the workers are started afresh ("spawn"),
never forked, so they share no database connection, lock or thread with the caller. As with
any "spawn" pool, the program's main script must start its work under
`if __name__ == "__main__":` (the `panah` command, pytest and the benchmarks do): each worker
imports it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

# Below this many values the pool costs more than it saves (a worker takes about 0.2 s of CPU
# to start; 5,000 names take about 0.1 s). Overridable per test (monkeypatch).
MIN_PARALLEL = 5_000
# Worker processes at most; never more than the machine's cores.
MAX_WORKERS = 4


def workers() -> int:
    """How many worker processes `map_distinct` uses (1: none, all in this process)."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


class Pool:
    """A pool started on first use and reused until closed (`with Pool() as pool:`)."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None

    def map(self, func: Callable[[Any], Any], values: Iterable[Hashable]) -> dict[Any, Any]:
        """{value: func(value)} for each distinct value, in the pool when there are many."""
        return self.map_later(func, values)()

    def map_later(
        self, func: Callable[[Any], Any], values: Iterable[Hashable]
    ) -> Callable[[], dict[Any, Any]]:
        """As `map`, but the workers start on it now, while the caller goes on with other work:
        call the result to wait for the dict. Few values are computed only when it is called."""
        distinct = list(dict.fromkeys(values))
        count = workers()
        if count == 1 or len(distinct) < MIN_PARALLEL:
            return lambda: {value: func(value) for value in distinct}
        if self._executor is None:
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(count, mp_context=context)
        # A few chunks per worker: big enough that pickling is cheap, small enough to balance.
        # Executor.map sends every chunk now and hands the results back in order.
        chunksize = max(1, len(distinct) // (count * 4))
        results = self._executor.map(func, distinct, chunksize=chunksize)
        return lambda: dict(zip(distinct, results, strict=True))

    def close(self) -> None:
        """Stop the workers (they end: their CPU time is then the caller's children's)."""
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def map_distinct(func: Callable[[Any], Any], values: Iterable[Hashable]) -> dict[Any, Any]:
    """{value: func(value)} for each distinct value, with a pool of its own when many."""
    with Pool() as pool:
        return pool.map(func, values)
