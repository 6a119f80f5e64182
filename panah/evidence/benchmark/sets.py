"""Independently generated archives of execution reports, with the truth, for benchmarks and
robustness tests of the linkage.

Names and provinces come from the neutral tables (panah.evidence.reference); every spelling
comes from this package's own rules (spellings.py), which the linker never reads. Each set
varies what real archives vary in: size (thousands to a million reports), namesake density
(how many victims share a full name), spelling noise, date precision, and the source mix
(how many sources, which script, calendar and transliteration each writes, which fields it
gives, how much of the population it covers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jdatetime
import numpy as np
import pandas as pd

from panah.evidence.benchmark.spellings import (
    PROVINCE_SPELLINGS,
    SCHEME_NAMES,
    persian_variant,
    transliterate,
)
from panah.evidence.reference import GIVEN_NAMES, SURNAMES, name_forms, provinces

CHARGES = ("drugs", "murder", "moharebeh", "rape", "efsad", "")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
JALALI_MONTHS = (
    "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
    "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand",
)  # fmt: skip


@dataclass(frozen=True)
class SetSpec:
    """One kind of archive: what the generated reports look like."""

    n_reports: int
    namesakes: float = 0.1  # share of victims given another victim's full name
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
            f"{self.n_reports:,} reports, namesakes {self.namesakes}, noise {self.noise}, "
            f"day dates {self.day_share}, {self.sources} sources "
            f"({self.persian_share:.0%} Persian script), fields {self.field_rate}"
        )


# The grid the benchmark and the tests walk: each setting varied from a typical archive.
TYPICAL = SetSpec(5000)
GRID: tuple[tuple[str, SetSpec], ...] = (
    ("typical", TYPICAL),
    ("few namesakes", SetSpec(5000, namesakes=0.0)),
    ("many namesakes", SetSpec(5000, namesakes=0.4)),
    ("noisy spelling", SetSpec(5000, noise=0.25)),
    ("dates to the month or year", SetSpec(5000, day_share=0.3)),
    ("two Latin sources", SetSpec(5000, sources=2, persian_share=0.0)),
    ("six sources, mostly Persian", SetSpec(5000, sources=6, persian_share=0.7)),
    ("sparse fields", SetSpec(5000, field_rate=0.2)),
)


def _typo(text: str, rng: np.random.Generator) -> str:
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(3))
    if kind == 0:
        return text[:i] + text[i + 1 :]  # dropped letter
    if kind == 1:
        return text[:i] + text[i] + text[i:]  # doubled letter
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]  # swapped letters


@dataclass(frozen=True)
class _Source:
    persian: bool
    scheme: str  # transliteration scheme of a Latin-script source
    habit: int  # Persian-script habit (compounds, Arabic letters)
    coverage: float
    field_rate: float
    jalali: bool
    surname_first: bool


def _sources(spec: SetSpec, rng: np.random.Generator) -> list[_Source]:
    n = max(1, min(6, spec.sources))
    n_persian = int(round(n * spec.persian_share))
    out = []
    for s in range(n):
        persian = s < n_persian
        out.append(
            _Source(
                persian=persian,
                scheme=SCHEME_NAMES[(s + spec.seed) % len(SCHEME_NAMES)],
                habit=s % 4,
                coverage=float(rng.uniform(0.35, 0.85)),
                field_rate=float(np.clip(spec.field_rate + rng.normal(0, 0.1), 0.05, 1.0)),
                jalali=persian or rng.random() < 0.2,
                surname_first=not persian and rng.random() < 0.3,
            )
        )
    return out


def _written_date(day: dt.date, precision: str, source: _Source, rng) -> tuple[str, str]:
    if precision == "none":
        return "", ""
    if source.jalali:
        j = jdatetime.date.fromgregorian(date=day)
        if precision == "day":
            text = f"{j.year}/{j.month:02d}/{j.day:02d}"
        elif precision == "month":
            text = (
                f"{JALALI_MONTHS[j.month - 1]} {j.year}"
                if rng.random() < 0.5
                else f"{j.year}/{j.month:02d}"
            )
        else:
            text = str(j.year)
        if source.persian:
            text = text.translate(PERSIAN_DIGITS)
        return text, "jalali"
    if precision == "day":
        text = day.isoformat() if rng.random() < 0.6 else f"{day.day} {day:%B %Y}"
    elif precision == "month":
        text = f"{day:%B %Y}"
    else:
        text = str(day.year)
    return text, "gregorian"


@dataclass
class _Population:
    """The true victims: what every report of one victim is drawn from."""

    given_forms: list
    surname_forms: list
    provinces: list
    given: np.ndarray
    surname: np.ndarray
    father: np.ndarray
    age: np.ndarray
    province: np.ndarray
    charge: np.ndarray
    day: np.ndarray


def _population(spec: SetSpec, rng: np.random.Generator, n_victims: int) -> _Population:
    given_forms = [g for g in name_forms(GIVEN_NAMES) if "M" in g.tags]
    surname_forms = name_forms(SURNAMES)
    # Square roots of the name weights: common names stay common without one name dominating.
    g_weights = np.sqrt([g.weight for g in given_forms])
    g_weights /= g_weights.sum()
    s_weights = np.sqrt([s.weight for s in surname_forms])
    s_weights /= s_weights.sum()
    given = rng.choice(len(given_forms), size=n_victims, p=g_weights)
    surname = rng.choice(len(surname_forms), size=n_victims, p=s_weights)
    # Namesake density: that share of the victims bear the full name of another victim
    # (drawn among a small set of common names), the others a name of their own draw.
    common = rng.integers(n_victims, size=max(2, n_victims // 20))
    namesake = rng.random(n_victims) < spec.namesakes
    take = common[rng.integers(len(common), size=n_victims)]
    given = np.where(namesake, given[take], given)
    surname = np.where(namesake, surname[take], surname)
    all_provinces = provinces()
    province = rng.integers(len(all_provinces), size=n_victims)
    # About 900 victims a year, as documented; at most 180 years (2010-2189), so that every
    # date is one the import accepts (Gregorian years up to 2199): a million reports are denser.
    years = min(180.0, max(2.0, n_victims / 900))
    day = dt.date(2010, 1, 1).toordinal() + rng.integers(0, int(365 * years), size=n_victims)
    # Batch executions: a third of the victims die the same day in the same province as
    # another victim (which is where namesakes meet).
    batch = rng.random(n_victims) < 0.33
    partner = rng.integers(n_victims, size=n_victims)
    return _Population(
        given_forms=given_forms,
        surname_forms=surname_forms,
        provinces=all_provinces,
        given=given,
        surname=surname,
        father=rng.choice(len(given_forms), size=n_victims, p=g_weights),
        age=rng.integers(18, 70, size=n_victims),
        province=np.where(batch, province[partner], province),
        charge=rng.integers(len(CHARGES), size=n_victims),
        day=np.where(batch, day[partner], day),
    )


def generate_set(spec: SetSpec) -> pd.DataFrame:
    """Reports in the import's columns (plus `source`, the true `victim` and its `true_name`),
    shuffled."""
    rng = np.random.default_rng(spec.seed)
    sources = _sources(spec, rng)
    per_victim = sum(src.coverage for src in sources) * 1.02 + 0.05
    people = _population(spec, rng, max(2, int(spec.n_reports / per_victim * 1.1) + 10))
    rows: list[dict] = []
    for v in range(len(people.day)):
        seen = [s for s, src in enumerate(sources) if rng.random() < src.coverage]
        if not seen:
            seen = [int(rng.integers(len(sources)))]
        for s in seen:
            copies = 2 if rng.random() < 0.02 else 1  # a source reporting someone twice
            rows.extend(_report(spec, sources[s], s, people, v, rng) for _ in range(copies))
        if len(rows) >= spec.n_reports:
            break
    frame = pd.DataFrame(rows[: spec.n_reports])
    return frame.sample(frac=1.0, random_state=spec.seed).reset_index(drop=True)


def _report(spec: SetSpec, src: _Source, s: int, people: _Population, v: int, rng) -> dict:
    given = people.given_forms[people.given[v]]
    surname = people.surname_forms[people.surname[v]]
    father = people.given_forms[people.father[v]]
    province = people.provinces[people.province[v]]

    def write(form) -> str:
        if src.persian:
            return persian_variant(form.persian, src.habit)
        return transliterate(form.latin, src.scheme)

    g, f = write(given), write(surname)
    if rng.random() < spec.noise:
        g = _typo(g, rng)
    if rng.random() < spec.noise:
        f = _typo(f, rng)
    u = rng.random()
    if u < 0.02:
        name = ""
    elif not src.persian and u < 0.06:
        name = f"{g[:1]}. {f}"  # an initial
    elif src.surname_first:
        name = f"{f.upper()}, {g}"
    else:
        name = f"{g} {f}"
    day = dt.date.fromordinal(int(people.day[v]) + int(rng.random() < 0.05))
    p = rng.random()
    rest = (1.0 - spec.day_share) / 3
    precision = (
        "day"
        if p < spec.day_share
        else "month"
        if p < spec.day_share + rest
        else "year"
        if p < spec.day_share + 2 * rest
        else "none"
    )
    written, calendar = _written_date(day, precision, src, rng)
    gives = rng.random(3) < src.field_rate
    age = int(people.age[v]) + (int(rng.integers(-1, 2)) if rng.random() < 0.2 else 0)
    if src.persian:
        place = province.persian
    else:
        spellings = PROVINCE_SPELLINGS.get(province.code, ())
        place = (
            spellings[int(rng.integers(len(spellings)))]
            if spellings and rng.random() < 0.4
            else province.english
        )
    return {
        "source": f"source-{s}",
        "source_reference": f"s{s}-{v}-{int(rng.integers(1_000_000))}",
        "name_as_written": name,
        "father_name": write(father) if gives[0] else "",
        "age": str(age) if gives[1] else "",
        "gender": ("مرد" if src.persian else "male") if rng.random() < 0.8 else "",
        "province": place if gives[2] else "",
        "city": "",
        "charge_category": CHARGES[people.charge[v]],
        "date_as_written": written,
        "calendar": calendar,
        "victim": v,
        "true_name": f"{people.given[v]}-{people.surname[v]}",
    }


def namesake_share(frame: pd.DataFrame) -> float:
    """The share of victims whose full name (as generated) another victim also bears."""
    names = frame.drop_duplicates("victim")["true_name"]
    counts = names.map(names.value_counts())
    return float((counts > 1).mean())
