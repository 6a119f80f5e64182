"""Other organisations' published execution counts, as reported in the project's domain notes.

Loaded into an organisation's register by `panah evidence seed-figures` (or the button on the
register page). Every row is marked unchecked: check each figure, its period and its as-of date
against the organisation's primary report before quoting it, then tick it as checked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

D = dt.date
CHECK = "Check against the primary report before publishing."


def _year(publisher: str, year: int, figure: int, notes: str = "", **extra: Any) -> dict:
    return {
        "publisher": publisher,
        "period_definition": f"calendar year {year}",
        "period_start": D(year, 1, 1),
        "period_end": D(year, 12, 31),
        "figure": figure,
        "notes": " ".join(filter(None, [notes, CHECK])),
        **extra,
    }


IHR, AMNESTY, HRANA = "Iran Human Rights (IHRNGO)", "Amnesty International", "HRANA"
IRAN_HRM, HENGAW, HRW = "Iran HRM", "Hengaw", "Human Rights Watch"

FIGURES: list[dict[str, Any]] = [
    _year(IHR, 2019, 280),
    _year(AMNESTY, 2019, 251),
    _year(IRAN_HRM, 2019, 273),
    _year(IHR, 2020, 267, "34% officially announced."),
    _year(AMNESTY, 2020, 246),
    {
        "publisher": HRANA,
        "period_definition": "1 January – 20 December 2020",
        "period_start": D(2020, 1, 1),
        "period_end": D(2020, 12, 20),
        "figure": 236,
        "notes": CHECK,
    },
    _year(IHR, 2021, 333),
    _year(AMNESTY, 2021, 314),
    _year(IHR, 2022, 582, "+75% on 2021."),
    _year(AMNESTY, 2022, 576),
    {
        "publisher": HRANA,
        "period_definition": "October 2021 – October 2022 (exact days to check)",
        "period_start": None,
        "period_end": None,
        "figure": 528,
        "notes": CHECK,
    },
    _year(
        IHR,
        2023,
        834,
        "+43% on 2022; about 15% officially announced; 471 drug-related; 167 Baluch; 22 women.",
    ),
    _year(AMNESTY, 2023, 853, "+48% on 2022."),
    _year(HRANA, 2023, 791, "+33% on 2022."),
    _year(HRANA, 2023, 746, "An earlier cut of the same year, superseded by 791."),
    _year(IHR, 2024, 975, "+17% on 2023; about 40 cases excluded as unverified."),
    _year(AMNESTY, 2024, 972),
    _year(HENGAW, 2024, 901, "852 identities confirmed."),
    _year(IHR, 2025, 1500, "Preliminary."),
    {
        "publisher": AMNESTY,
        "period_definition": "January to mid-2025 (preliminary)",
        "period_start": D(2025, 1, 1),
        "period_end": None,
        "figure": 1000,
        "notes": "Published as 'over 1,000 by mid-year'. " + CHECK,
    },
    {
        "publisher": HRW,
        "period_definition": "1 January to mid-October 2025",
        "period_start": D(2025, 1, 1),
        "period_end": None,
        "figure": 1106,
        "notes": CHECK,
    },
    {
        "publisher": IRAN_HRM,
        "period_definition": "January 2024 (Gregorian month)",
        "period_start": D(2024, 1, 1),
        "period_end": D(2024, 1, 31),
        "figure": 88,
        "notes": "Iran HRM revises monthly figures afterwards. " + CHECK,
    },
    {
        "publisher": HRANA,
        "period_definition": "January 2024 (Gregorian month)",
        "period_start": D(2024, 1, 1),
        "period_end": D(2024, 1, 31),
        "figure": 86,
        "notes": CHECK,
    },
    {
        "publisher": HRANA,
        "period_definition": "Dey 1402 (22 December 2023 – 20 January 2024)",
        "period_start": D(2023, 12, 22),
        "period_end": D(2024, 1, 20),
        "figure": 90,
        "notes": "Persian month. " + CHECK,
    },
    {
        "publisher": IHR,
        "period_definition": "January 2024 (early tally)",
        "period_start": D(2024, 1, 1),
        "period_end": D(2024, 1, 31),
        "figure": 71,
        "notes": "Early tally, revised later. " + CHECK,
    },
]
