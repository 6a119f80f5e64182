"""Independently generated sets of reports for the linkage's robustness tests and bench.

Deliberately separate from panah.evidence.synthetic and its name tables: a model tuned on
one generator's habits must still link data it has never seen the like of. Each set varies
the things real archives vary in: size, how many victims share a name (namesakes), spelling
noise, how precise the dates are, and the mix of sources (script, which fields they give).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Latin and Persian spellings of the same names (fictional combinations; common names only).
GIVEN = (
    ("Ali", "علی"), ("Reza", "رضا"), ("Hossein", "حسین"), ("Mohammad", "محمد"),
    ("Mehdi", "مهدی"), ("Hassan", "حسن"), ("Ahmad", "احمد"), ("Javad", "جواد"),
    ("Saeed", "سعید"), ("Majid", "مجید"), ("Hamid", "حمید"), ("Karim", "کریم"),
    ("Omid", "امید"), ("Farhad", "فرهاد"), ("Behrouz", "بهروز"), ("Nasser", "ناصر"),
    ("Yousef", "یوسف"), ("Ebrahim", "ابراهیم"), ("Mostafa", "مصطفی"), ("Abbas", "عباس"),
    ("Zahra", "زهرا"), ("Maryam", "مریم"), ("Fatemeh", "فاطمه"), ("Leila", "لیلا"),
)  # fmt: skip
SURNAMES = (
    ("Ahmadi", "احمدی"), ("Hosseini", "حسینی"), ("Rezaei", "رضایی"), ("Karimi", "کریمی"),
    ("Moradi", "مرادی"), ("Jafari", "جعفری"), ("Rahimi", "رحیمی"), ("Mohammadi", "محمدی"),
    ("Sadeghi", "صادقی"), ("Ghasemi", "قاسمی"), ("Kazemi", "کاظمی"), ("Najafi", "نجفی"),
    ("Azizi", "عزیزی"), ("Bahrami", "بهرامی"), ("Salehi", "صالحی"), ("Nouri", "نوری"),
    ("Baluch", "بلوچ"), ("Shahbakhsh", "شهبخش"), ("Rigi", "ریگی"), ("Naroui", "نارویی"),
    ("Zamani", "زمانی"), ("Abbasi", "عباسی"), ("Heidari", "حیدری"), ("Soltani", "سلطانی"),
    ("Amini", "امینی"), ("Yazdani", "یزدانی"), ("Kordi", "کردی"), ("Mahmoudi", "محمودی"),
)  # fmt: skip
PROVINCES = (
    ("Tehran", "تهران"), ("Sistan and Baluchestan", "سیستان و بلوچستان"),
    ("Kermanshah", "کرمانشاه"), ("Isfahan", "اصفهان"), ("Fars", "فارس"),
    ("Khuzestan", "خوزستان"), ("Kurdistan", "کردستان"), ("Alborz", "البرز"),
)  # fmt: skip
CHARGES = ("drugs", "murder", "moharebeh", "rape", "efsad", "")


@dataclass(frozen=True)
class SetSpec:
    """One kind of archive: what the generated reports look like."""

    n_reports: int
    namesakes: float = 0.3  # 0: names spread over all combinations; 1: a handful of names
    noise: float = 0.05  # probability that a name carries a typo
    day_share: float = 0.7  # dates to the day; the rest split between month, year and none
    sources: int = 4  # how many sources report (1 to 6)
    persian_share: float = 0.4  # share of the sources writing in Persian script
    field_rate: float = 0.6  # how often a source gives the father's name, age and place
    seed: int = 0

    @property
    def label(self) -> str:
        """A short name for printing."""
        return (
            f"{self.n_reports} reports, namesakes {self.namesakes}, noise {self.noise}, "
            f"day dates {self.day_share}, {self.sources} sources"
        )


def _typo(text: str, rng: np.random.Generator) -> str:
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = rng.integers(3)
    if kind == 0:
        return text[:i] + text[i + 1 :]  # dropped letter
    if kind == 1:
        return text[:i] + text[i] + text[i:]  # doubled letter
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]  # swapped letters


def generate_set(spec: SetSpec) -> pd.DataFrame:
    """Reports in the import's columns (plus `source` and the true `victim`), shuffled."""
    rng = np.random.default_rng(spec.seed)
    n_victims = max(2, int(spec.n_reports / 1.8))
    # Namesake density: the share of the name grid victims draw from.
    grid = len(GIVEN) * len(SURNAMES)
    pool = max(2, int(round(grid * (1.0 - 0.97 * spec.namesakes))))
    names = rng.choice(grid, size=pool, replace=False)
    victim_name = names[rng.integers(pool, size=n_victims)]
    victim_father = rng.integers(len(GIVEN), size=n_victims)
    victim_age = rng.integers(18, 70, size=n_victims)
    victim_gender = np.where(rng.random(n_victims) < 0.96, "male", "female")
    victim_province = rng.integers(len(PROVINCES), size=n_victims)
    victim_charge = rng.integers(len(CHARGES), size=n_victims)
    first_day = dt.date(2019, 1, 1).toordinal()
    victim_day = first_day + rng.integers(0, 6 * 365, size=n_victims)

    n_sources = max(1, min(6, spec.sources))
    persian = rng.random(n_sources) < spec.persian_share
    rows: list[dict] = []
    victim = 0
    while len(rows) < spec.n_reports:
        v = victim % n_victims
        victim += 1
        count = min(n_sources, 1 + rng.poisson(0.9))
        for s in rng.choice(n_sources, size=count, replace=False):
            g, f = divmod(int(victim_name[v]), len(SURNAMES))
            script = 1 if persian[s] else 0
            given, surname = GIVEN[g][script], SURNAMES[f][script]
            if rng.random() < spec.noise:
                given = _typo(given, rng)
            if rng.random() < spec.noise:
                surname = _typo(surname, rng)
            name = f"{given} {surname}" if rng.random() < 0.97 else ""
            day = dt.date.fromordinal(int(victim_day[v]) + int(rng.random() < 0.05))
            u = rng.random()
            rest = (1.0 - spec.day_share) / 3
            if u < spec.day_share:
                written = day.isoformat()
            elif u < spec.day_share + rest:
                written = f"{day:%Y-%m}"
            elif u < spec.day_share + 2 * rest:
                written = f"{day:%Y}"
            else:
                written = ""
            gives = rng.random(3) < spec.field_rate
            rows.append(
                {
                    "source": f"source-{s}",
                    "source_reference": f"s{s}-{len(rows)}",
                    "name_as_written": name,
                    "father_name": GIVEN[victim_father[v]][script] if gives[0] else "",
                    "age": str(victim_age[v]) if gives[1] else "",
                    "gender": victim_gender[v] if rng.random() < 0.8 else "",
                    "province": PROVINCES[victim_province[v]][script] if gives[2] else "",
                    "city": "",
                    "charge_category": CHARGES[victim_charge[v]],
                    "date_as_written": written,
                    "calendar": "gregorian" if written else "",
                    "victim": v,
                }
            )
            if len(rows) >= spec.n_reports:
                break
    frame = pd.DataFrame(rows)
    return frame.sample(frac=1.0, random_state=spec.seed).reset_index(drop=True)
