"""Disclosure control: no figure that leaves the organisation may single out a person.

Every aggregate published (public page, brief, CSV export) passes through `suppress`, which
hides counts below PANAH_DISCLOSURE_THRESHOLD. A hidden cell is shown as "< threshold", never as
its value, and never as zero (a zero would also be a fact about people). Where totals are shown
beside cells, one suppressed cell could be recovered by subtraction, so a second (the smallest
remaining) cell is hidden too (secondary suppression).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Cell:
    """One published count: its value, or None when suppressed."""

    value: int | None
    threshold: int

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return f"< {self.threshold}" if self.value is None else str(self.value)


def threshold() -> int:
    """The smallest count that may be published."""
    return max(1, int(settings.DISCLOSURE_THRESHOLD))


def suppress(
    counts: Mapping[Hashable, int], *, with_total: bool = False, minimum: int | None = None
) -> dict[Hashable, Cell]:
    """Hide every count in 1..minimum-1; with `with_total`, also hide enough to stop subtraction."""
    k = minimum or threshold()
    cells = {key: Cell(None if 0 < n < k else n, k) for key, n in counts.items()}
    if with_total:
        hidden = [key for key, c in cells.items() if c.suppressed]
        if len(hidden) == 1:
            visible = sorted(
                ((n, key) for key, n in counts.items() if not cells[key].suppressed and n > 0),
                key=lambda pair: pair[0],
            )
            if visible:
                _, key = visible[0]
                cells[key] = Cell(None, k)
    return cells


def suppressed_total(counts: Mapping[Hashable, int], *, minimum: int | None = None) -> Cell:
    """A total, itself hidden when below the threshold."""
    k = minimum or threshold()
    total = sum(counts.values())
    return Cell(None if 0 < total < k else total, k)
