"""Wall and CPU seconds of the steps of a linkage run, for the run's record and the benchmarks
(bench/linkage_scale.py and bench/linkage_speed.py print them)."""

from __future__ import annotations

import time


class Stopwatch:
    """Seconds of consecutive steps: `timings[step]` wall, `timings[step + "_cpu"]` CPU.

    CPU is `time.process_time()`: every thread of the process (DuckDB's included). On a
    shared machine it is the steady figure; wall time follows the load.
    """

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._started = self._lap = (time.perf_counter(), time.process_time())

    def lap(self, step: str) -> None:
        """Record the time since the last lap (or the start) as `step`'s, adding to it."""
        now = (time.perf_counter(), time.process_time())
        for name, spent in ((step, now[0] - self._lap[0]), (step + "_cpu", now[1] - self._lap[1])):
            self.timings[name] = self.timings.get(name, 0.0) + spent
        self._lap = now

    def total(self) -> dict[str, float]:
        """The timings with "total" (and "total_cpu") since the start."""
        now = (time.perf_counter(), time.process_time())
        self.timings["total"] = now[0] - self._started[0]
        self.timings["total_cpu"] = now[1] - self._started[1]
        return self.timings
