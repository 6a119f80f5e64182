"""Realistic synthetic execution reports with ground truth, for the demo, the tests and the benchmarks.

A population of victims (Persian names with their Latin spellings, father's name, age, gender,
ethnicity, place, charge, execution date) is reported by several sources with different and
correlated coverage, in Persian or Latin script, in the Jalali or Gregorian calendar, with
partial dates, typos, missing fields, dates a few days off and duplicates within a source.

    data = generate(n_victims=3000, seed=1)
    data.reports[0]          # one report as the evidence import reads it
    data.truth[0]            # the id of the victim it describes
    write_csv("reports.csv", data)
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import jdatetime
import numpy as np

from panah.core.persian import JALALI_MONTHS_EN, JALALI_MONTHS_FA, PERSIAN_DIGITS
from panah.evidence import synthetic_names as lists
from panah.evidence.normalise import ZWNJ

REPORT_FIELDS = (
    "source",
    "source_reference",
    "name_as_written",
    "father_name",
    "age",
    "gender",
    "ethnicity",
    "province",
    "city",
    "prison",
    "charge_category",
    "charge_text",
    "date_as_written",
    "calendar",
    "date_precision",
    "announced",
    "verification",
)

GREGORIAN_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


# ---------------------------------------------------------------------------------------
# Names and their spellings

# Spelling habits of Latin sources (each applied alone to a canonical spelling).
_SPELLING_RULES = (
    (r"gh", "q"),
    (r"q", "gh"),
    (r"ou", "oo"),
    (r"ou", "u"),
    (r"oo", "ou"),
    (r"ei", "ey"),
    (r"ey", "ei"),
    (r"([bdfgklmnprstz])\1", r"\1"),
    (r"([aeiou])s([aeiou])", r"\1ss\2"),
    (r"aei", "aee"),
    (r"aei", "ai"),
    (r"eh\b", "e"),
    (r"^(\w)o", r"\1u"),
    (r"v", "w"),
    (r"ee", "i"),
    (r"i\b", "y"),
)


def _spellings(canonical: str, extra: list[str]) -> list[str]:
    out = [canonical, *extra]
    for pattern, repl in _SPELLING_RULES:
        variant = re.sub(pattern, repl, canonical, count=1)
        if variant != canonical and variant.lower() not in {o.lower() for o in out}:
            out.append(variant)
    return out


@dataclass(frozen=True)
class NameEntry:
    persian: str  # may contain "+" where sources split compounds
    latin: tuple[str, ...]  # canonical spelling first, "+" likewise
    latin_weights: np.ndarray
    weight: float
    tags: str


def _entries(block: str) -> list[NameEntry]:
    out = []
    for line in block.strip().splitlines():
        persian, canonical, extra, weight, tags = line.split("|")
        spellings = _spellings(canonical, [e for e in extra.split(",") if e])
        n_explicit = 1 + len([e for e in extra.split(",") if e])
        # The canonical spelling dominates; sources' own habits share the rest.
        w = np.array(
            [0.6]
            + [0.25 / max(n_explicit - 1, 1)] * (n_explicit - 1)
            + [0.15 / max(len(spellings) - n_explicit, 1)] * (len(spellings) - n_explicit)
        )
        out.append(NameEntry(persian, tuple(spellings), w / w.sum(), float(weight), tags))
    return out


GIVEN = _entries(lists.GIVEN_NAMES)
SURNAMES = _entries(lists.SURNAMES)


def _parse_places():
    provinces = {}
    for line in lists.PROVINCES.strip().splitlines():
        code, en, fa, other = line.split("|")
        provinces[code] = (en, fa, tuple(o for o in other.split(",") if o))
    cities: dict[str, list[tuple]] = {}
    for line in lists.CITIES.strip().splitlines():
        code, en, fa, other, prison_en, prison_fa = line.split("|")
        cities.setdefault(code, []).append(
            (en, fa, tuple(o for o in other.split(",") if o), prison_en, prison_fa)
        )
    return provinces, cities


PROVINCES, CITIES = _parse_places()
PROVINCE_CODES = list(PROVINCES)

# ---------------------------------------------------------------------------------------
# Sources


@dataclass(frozen=True)
class SourceSpec:
    """How one source reports: coverage, script, date formats and care."""

    name: str
    coverage: float  # probability of reporting an average victim
    persian_share: float  # share of reports in Persian script
    date_formats: dict[str, float]  # format -> probability
    coverage_by_group: dict[str, float] = field(default_factory=dict)
    announced_boost: float = 0.0  # log-odds added for officially announced executions
    father_rate: float = 0.4
    age_rate: float = 0.5
    place_rate: float = 0.85
    ethnicity_rate: float = 0.5
    month_precision: float = 0.04
    date_error: float = 0.08
    typo_rate: float = 0.04
    duplicate_rate: float = 0.03
    verification: str = "confirmed"


SOURCES = (
    SourceSpec(
        "ihr",
        0.82,
        0.0,
        {"iso": 0.5, "en_long": 0.5},
        coverage_by_group={"baluch": 0.85},
        announced_boost=0.8,
        father_rate=0.45,
    ),
    SourceSpec(
        "amnesty",
        0.65,
        0.0,
        {"en_long": 1.0},
        announced_boost=1.5,
        father_rate=0.2,
        age_rate=0.4,
        month_precision=0.08,
        typo_rate=0.02,
    ),
    SourceSpec(
        "hrana",
        0.72,
        1.0,
        {"jalali_fa_digits": 0.5, "jalali_fa_words": 0.5},
        father_rate=0.6,
        month_precision=0.06,
        verification="unverified",
    ),
    SourceSpec(
        "hengaw",
        0.30,
        0.3,
        {"iso": 0.4, "jalali_en_words": 0.3, "jalali_ascii": 0.3},
        coverage_by_group={"kurd": 0.93, "baluch": 0.6},
        father_rate=0.6,
        ethnicity_rate=0.9,
    ),
    SourceSpec(
        "haalvsh",
        0.0,
        0.5,
        {"jalali_fa_digits": 0.5, "iso": 0.5},
        coverage_by_group={"baluch": 0.75},
        father_rate=0.7,
        ethnicity_rate=0.95,
        typo_rate=0.06,
        verification="unverified",
    ),
    SourceSpec(
        "news",
        0.04,
        1.0,
        {"jalali_ascii": 0.6, "jalali_fa_digits": 0.4},
        announced_boost=4.0,
        father_rate=0.1,
        age_rate=0.6,
        month_precision=0.02,
        date_error=0.03,
        duplicate_rate=0.08,
        verification="unverified",
    ),
)

# ---------------------------------------------------------------------------------------
# Output


@dataclass
class SyntheticData:
    """Reports as columns (one list per field), the true victim of each report, and the victims."""

    columns: dict[str, list]
    truth: list[int]
    victims: dict[str, np.ndarray]

    def __len__(self) -> int:
        """The number of reports."""
        return len(self.truth)

    @cached_property
    def reports(self) -> list[dict]:
        """One dict per report, with the fields the evidence import reads."""
        cols = [self.columns[f] for f in REPORT_FIELDS]
        return [dict(zip(REPORT_FIELDS, row, strict=True)) for row in zip(*cols, strict=True)]

    def iter_reports(self) -> Iterator[dict]:
        """The reports one dict at a time (no list of a million dicts in memory)."""
        cols = [self.columns[f] for f in REPORT_FIELDS]
        for row in zip(*cols, strict=True):
            yield dict(zip(REPORT_FIELDS, row, strict=True))

    def to_frame(self, with_truth: bool = True):
        """The reports as a pandas DataFrame (with a `victim_id` column when asked)."""
        import pandas as pd  # noqa: PLC0415 (pandas is slow to import; only this path needs it)

        frame = pd.DataFrame({f: self.columns[f] for f in REPORT_FIELDS})
        if with_truth:
            frame["victim_id"] = self.truth
        return frame

    @property
    def n_victims_reported(self) -> int:
        """How many distinct victims the reports describe (the true count to find)."""
        return len(set(self.truth))


def write_csv(path: str | Path, data: SyntheticData, with_truth: bool = False) -> Path:
    """Write the reports as UTF-8 CSV in the import's column format (optionally with the truth)."""
    path = Path(path)
    fields = list(REPORT_FIELDS) + (["victim_id"] if with_truth else [])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(fields)
        cols = [data.columns[f] for f in REPORT_FIELDS]
        if with_truth:
            cols.append(data.truth)
        for row in zip(*cols, strict=True):
            writer.writerow("" if v is None else v for v in row)
    return path


# ---------------------------------------------------------------------------------------
# Generation


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    cdf = np.cumsum(weights / weights.sum())
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(cdf) - 1)


_FA_CONFUSABLE = dict(zip("بپتثجچحخدذرزژسشصضطظعغفقکگ", "پبثتچجخحذدزرزشسضصظطغعقفگک", strict=True))
_LATIN_KEYBOARD = "abcdefghijklmnopqrstuvwxyz"


def _typo(text: str, rng_values: tuple[float, float, float]) -> str:
    """One keyboard or reading slip: a letter dropped, doubled, swapped or confused."""
    if len(text) < 4:
        return text
    kind, where, which = rng_values
    i = 1 + int(where * (len(text) - 2))
    ch = text[i]
    if ch in " +\u200c-":
        return text
    if kind < 0.3:
        return text[:i] + text[i + 1 :]
    if kind < 0.5:
        return text[:i] + ch + text[i:]
    if kind < 0.7 and text[i + 1 : i + 2].strip():
        return text[:i] + text[i + 1] + ch + text[i + 2 :]
    if ch in _FA_CONFUSABLE:
        return text[:i] + _FA_CONFUSABLE[ch] + text[i + 1 :]
    if ch.isascii() and ch.isalpha():
        return text[:i] + _LATIN_KEYBOARD[int(which * 26)] + text[i + 1 :]
    return text


@lru_cache(maxsize=4096)
def _persian_forms(form: str) -> tuple[str, ...]:
    joined, spaced, zwnj = form.replace("+", ""), form.replace("+", " "), form.replace("+", ZWNJ)
    arabic = joined.replace("ی", "ي").replace("ک", "ك")
    hamza = joined.replace("ایی", "ائی")
    return joined, spaced, zwnj, arabic, hamza


def _persian_form(form: str, u: float, arabic_letters: bool) -> str:
    """A Persian name as a source writes it: compounds joined, spaced or with a ZWNJ;
    sometimes Arabic yeh and kaf, sometimes ئ for یی."""
    joined, spaced, zwnj, arabic, hamza = _persian_forms(form)
    if arabic_letters:
        return arabic
    if u < 0.45:
        return hamza if u < 0.05 else joined
    return spaced if u < 0.75 else zwnj


@lru_cache(maxsize=4096)
def _latin_forms(form: str) -> tuple[str, str, str]:
    parts = [p for p in re.split(r"[+ ]", form) if p]
    if len(parts) == 1:
        return parts[0], parts[0], parts[0]
    titled = [p[:1].upper() + p[1:] for p in parts]
    return parts[0] + "".join(p.lower() for p in parts[1:]), " ".join(titled), "-".join(titled)


def _latin_form(form: str, u: float) -> str:
    """A Latin name as a source writes it: compounds joined, spaced or hyphenated."""
    joined, spaced, hyphenated = _latin_forms(form)
    return joined if u < 0.4 else (spaced if u < 0.8 else hyphenated)


def _spelling_cdf(entries: list[NameEntry]) -> np.ndarray:
    width = max(len(e.latin) for e in entries)
    cdf = np.ones((len(entries), width))
    for i, e in enumerate(entries):
        cdf[i, : len(e.latin)] = np.cumsum(e.latin_weights)
    return cdf


def _pick_spellings(cdf: np.ndarray, entries: np.ndarray, u: np.ndarray) -> np.ndarray:
    rows = cdf[entries]
    return np.minimum((u[:, None] > rows).sum(axis=1), cdf.shape[1] - 1)


_GIVEN_CDF = _spelling_cdf(GIVEN)
_SURNAME_CDF = _spelling_cdf(SURNAMES)


def generate(
    n_victims: int | None = None,
    *,
    n_reports: int | None = None,
    seed: int = 0,
    start: dt.date = dt.date(2019, 1, 1),
    end: dt.date = dt.date(2024, 12, 31),
    sources: tuple[SourceSpec, ...] = SOURCES,
) -> SyntheticData:
    """Generate victims and the reports sources wrote about them; give either the number of
    victims (all of them, reported or not) or an exact number of reports."""
    if (n_victims is None) == (n_reports is None):
        raise ValueError("give exactly one of n_victims or n_reports")
    if n_reports is not None:
        # About 2.3 reports per victim; generate a margin, then keep a random subset.
        n_victims = max(10, math.ceil(n_reports / 2.0))
    rng = np.random.default_rng(seed)
    V = int(n_victims)

    # Victims -------------------------------------------------------------------------
    eth_codes = list(lists.ETHNICITIES)
    eth_share = np.array([lists.ETHNICITIES[e][2] for e in eth_codes])
    ethnicity = _choice(rng, eth_share, V)
    female = rng.random(V) < 0.03
    given = np.empty(V, dtype=np.int64)
    surname = np.empty(V, dtype=np.int64)
    father = np.empty(V, dtype=np.int64)
    province = np.empty(V, dtype=np.int64)
    g_weights = np.array([e.weight for e in GIVEN])
    g_male = np.array(["M" in e.tags for e in GIVEN])
    s_weights = np.array([e.weight for e in SURNAMES])
    for k, code in enumerate(eth_codes):
        tag = lists.ETHNICITIES[code][3]
        mask = ethnicity == k
        n = int(mask.sum())
        if not n:
            continue
        boost_g = np.array([5.0 if tag in e.tags and tag != "P" else 1.0 for e in GIVEN])
        boost_s = np.array(
            [(8.0 if tag != "P" else 1.0) if tag in e.tags else 0.3 for e in SURNAMES]
        )
        male_w = g_weights * boost_g * g_male
        female_w = g_weights * boost_g * ~g_male
        is_f = female[mask]
        g = np.where(is_f, _choice(rng, female_w, n), _choice(rng, male_w, n))
        given[mask] = g
        father[mask] = _choice(rng, male_w, n)
        surname[mask] = _choice(rng, s_weights * boost_s, n)
        pw = lists.PROVINCE_WEIGHTS[code]
        codes = list(pw)
        province[mask] = np.array([PROVINCE_CODES.index(c) for c in codes])[
            _choice(rng, np.array(list(pw.values()), dtype=float), n)
        ]
    city = np.array(
        [
            int(r * len(CITIES[PROVINCE_CODES[p]]))
            for p, r in zip(province, rng.random(V), strict=True)
        ]
    )
    age = np.clip(np.round(rng.normal(35, 10, V)), 17, 75).astype(int)
    charge_codes = list(lists.CHARGES)
    charge = _choice(rng, np.array([lists.CHARGES[c][0] for c in charge_codes]), V)
    n_days = (end - start).days + 1
    # Executions come in batches: several prisoners of one prison hanged on the same day.
    groups = province * 64 + city
    _, group_of, group_size = np.unique(groups, return_inverse=True, return_counts=True)
    n_events = np.maximum(1, np.ceil(group_size / 2.5)).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(n_events)[:-1]])
    event = offsets[group_of] + (rng.random(V) * n_events[group_of]).astype(np.int64)
    day = rng.integers(0, n_days, int(n_events.sum()))[event]
    announced = rng.random(V) < 0.15
    seyed = (rng.random(V) < 0.03) & ~female
    visibility = rng.normal(0, 0.8, V)  # shared across sources: list dependence

    # Which source reports whom ---------------------------------------------------------
    rows_v: list[np.ndarray] = []
    rows_s: list[np.ndarray] = []
    for s_idx, spec in enumerate(sources):
        base = np.full(V, spec.coverage)
        for code, cov in spec.coverage_by_group.items():
            base[ethnicity == eth_codes.index(code)] = cov
        logit = _logit(base) + visibility + spec.announced_boost * announced
        covered = (rng.random(V) < 1 / (1 + np.exp(-logit))) & (base > 0)
        ids = np.flatnonzero(covered)
        dups = ids[rng.random(len(ids)) < spec.duplicate_rate]
        both = np.concatenate([ids, dups])
        rows_v.append(both)
        rows_s.append(np.full(len(both), s_idx))
    victim_of = np.concatenate(rows_v)
    source_of = np.concatenate(rows_s)
    order = rng.permutation(len(victim_of))
    if n_reports is not None:
        if len(order) < n_reports:
            raise ValueError("not enough reports generated; raise the margin")  # pragma: no cover
        order = order[:n_reports]
    victim_of = victim_of[order]
    source_of = source_of[order]
    R = len(victim_of)

    # Per-report randomness, drawn at once --------------------------------------------
    U = rng.random((R, 24))
    shift_all = (rng.integers(1, 4, R) * np.where(rng.random(R) < 0.5, -1, 1)).tolist()
    v_given = given[victim_of]
    v_surname = surname[victim_of]
    v_father = father[victim_of]
    g_spell = _pick_spellings(_GIVEN_CDF, v_given, U[:, 5]).tolist()
    s_spell = _pick_spellings(_SURNAME_CDF, v_surname, U[:, 6]).tolist()
    f_spell = _pick_spellings(_GIVEN_CDF, v_father, U[:, 17]).tolist()
    U_list = U.tolist()
    victim_list = victim_of.tolist()
    source_list = source_of.tolist()
    v_given, v_surname, v_father = v_given.tolist(), v_surname.tolist(), v_father.tolist()
    seyed_l, female_l, announced_l = seyed.tolist(), female.tolist(), announced.tolist()
    ethnicity_l, province_l, city_l = ethnicity.tolist(), province.tolist(), city.tolist()
    age_l, charge_l, day_l = age.tolist(), charge.tolist(), day.tolist()

    day_cache: dict[int, tuple] = {}

    def date_texts(d: int) -> tuple:
        forms = day_cache.get(d)
        if forms is None:
            g = start + dt.timedelta(days=d)
            j = jdatetime.date.fromgregorian(date=g)
            gm, jm = GREGORIAN_MONTHS_EN[g.month - 1], JALALI_MONTHS_EN[j.month - 1]
            jfa = JALALI_MONTHS_FA[j.month - 1]
            j_num = f"{j.year}/{j.month:02d}/{j.day:02d}"
            j_num_m = f"{j.year}/{j.month:02d}"
            forms = {
                "iso": ((g.isoformat(), f"{g.year:04d}-{g.month:02d}"), "gregorian"),
                "en_long": ((f"{g.day} {gm} {g.year}", f"{gm} {g.year}"), "gregorian"),
                "jalali_ascii": ((j_num, j_num_m), "jalali"),
                "jalali_fa_digits": (
                    (j_num.translate(PERSIAN_DIGITS), j_num_m.translate(PERSIAN_DIGITS)),
                    "jalali",
                ),
                "jalali_fa_words": (
                    (
                        f"{j.day} {jfa} {j.year}".translate(PERSIAN_DIGITS),
                        f"{jfa} {j.year}".translate(PERSIAN_DIGITS),
                    ),
                    "jalali",
                ),
                "jalali_en_words": ((f"{j.day} {jm} {j.year}", f"{jm} {j.year}"), "jalali"),
            }
            day_cache[d] = forms
        return forms

    cols: dict[str, list] = {f: [None] * R for f in REPORT_FIELDS}
    c_source, c_ref, c_name = cols["source"], cols["source_reference"], cols["name_as_written"]
    c_father, c_age, c_gender = cols["father_name"], cols["age"], cols["gender"]
    c_eth, c_prov, c_city, c_prison = (
        cols["ethnicity"], cols["province"], cols["city"], cols["prison"]
    )  # fmt: skip
    c_charge, c_charge_text = cols["charge_category"], cols["charge_text"]
    c_date, c_cal, c_prec = cols["date_as_written"], cols["calendar"], cols["date_precision"]
    c_ann, c_ver = cols["announced"], cols["verification"]
    source_counters = [0] * len(sources)
    eth_names = [lists.ETHNICITIES[e] for e in eth_codes]
    province_list = [PROVINCES[c] for c in PROVINCE_CODES]
    city_list = [CITIES[c] for c in PROVINCE_CODES]
    format_cdfs = [
        (list(spec.date_formats), np.cumsum(list(spec.date_formats.values())).tolist())
        for spec in sources
    ]
    charge_texts = [(lists.CHARGES[c][1], lists.CHARGES[c][2]) for c in charge_codes]
    n_charges = len(charge_codes)

    for r in range(R):
        v = victim_list[r]
        s_idx = source_list[r]
        spec = sources[s_idx]
        u = U_list[r]
        source_counters[s_idx] += 1
        persian = u[2] < spec.persian_share
        c_source[r] = spec.name
        c_ref[r] = f"{spec.name}-{source_counters[s_idx]:07d}"

        # Name
        if u[3] < 0.01:
            name = ""  # unidentified: "a man in Ghezel Hesar prison"
        else:
            g_i, s_i = v_given[r], v_surname[r]
            if persian:
                arabic = u[4] < 0.08
                gname = _persian_form(GIVEN[g_i].persian, u[5], arabic)
                sname = _persian_form(SURNAMES[s_i].persian, u[6], arabic)
            else:
                gname = _latin_form(GIVEN[g_i].latin[g_spell[r]], u[13])
                sname = _latin_form(SURNAMES[s_i].latin[s_spell[r]], u[14])
            if u[7] < spec.typo_rate:
                if u[8] < 0.5:
                    gname = _typo(gname, (u[9], u[10], u[11]))
                else:
                    sname = _typo(sname, (u[9], u[10], u[11]))
            if persian:
                name = f"{gname} {sname}"
                if seyed_l[v] and u[12] < 0.6:
                    name = "سید " + name
            else:
                if seyed_l[v] and u[12] < 0.5:
                    gname = "Seyed " + gname
                form = u[15]
                if form < 0.03:
                    name = f"{sname}, {gname}"
                elif form < 0.05:
                    name = f"{gname[0]}. {sname}"
                elif form < 0.07:
                    name = f"{gname} {sname.upper()}"
                else:
                    name = f"{gname} {sname}"
        c_name[r] = name

        if name and u[16] < spec.father_rate:
            f_i = v_father[r]
            c_father[r] = (
                _persian_form(GIVEN[f_i].persian, u[17], False)
                if persian
                else _latin_form(GIVEN[f_i].latin[f_spell[r]], u[13])
            )
        if u[18] < spec.age_rate:
            a = age_l[v]
            if u[19] < 0.15:
                a += 1 if u[19] < 0.08 else -1
            c_age[r] = a
        if u[20] >= 0.05:
            if female_l[v]:
                c_gender[r] = "زن" if persian else "female"
            else:
                c_gender[r] = "مرد" if persian else "male"
        if u[21] < spec.ethnicity_rate:
            en, fa, _, _ = eth_names[ethnicity_l[v]]
            c_eth[r] = fa if persian else en

        # Place
        p = province_l[v]
        p_en, p_fa, p_other = province_list[p]
        c_en, c_fa, c_other, pr_en, pr_fa = city_list[p][city_l[v]]
        w = u[22]
        if w < spec.place_rate:
            if persian:
                c_prov[r] = p_fa
            else:
                c_prov[r] = p_other[int(w * 97) % len(p_other)] if p_other and w < 0.15 else p_en
            if w < spec.place_rate * 0.85:
                c_city[r] = c_fa if persian else (c_other[0] if c_other and w < 0.2 else c_en)
            if w < spec.place_rate * 0.7:
                c_prison[r] = pr_fa if persian else pr_en

        # Charge
        c_idx = charge_l[v]
        if u[23] < 0.93:
            if u[23] < 0.02:
                c_idx = (c_idx + 1) % n_charges  # a source that got the charge wrong
            c_charge[r] = charge_codes[c_idx]
            texts = charge_texts[c_idx][1 if persian else 0]
            c_charge_text[r] = texts[int(u[11] * len(texts)) % len(texts)]

        # Date
        d = day_l[v] + (shift_all[r] if u[0] < spec.date_error else 0)
        month_only = u[1] < spec.month_precision
        names_f, cdf_f = format_cdfs[s_idx]
        k = 0
        while k < len(cdf_f) - 1 and u[10] >= cdf_f[k]:
            k += 1
        texts_d, cal = date_texts(d)[names_f[k]]
        c_date[r] = texts_d[1] if month_only else texts_d[0]
        c_cal[r] = cal
        c_prec[r] = "month" if month_only else "day"
        c_ann[r] = announced_l[v]
        c_ver[r] = spec.verification

    victims = {
        "id": np.arange(V),
        "given": given,
        "surname": surname,
        "father": father,
        "female": female,
        "ethnicity": ethnicity,
        "province": province,
        "age": age,
        "charge": charge,
        "day": day,  # days after `start`
        "announced": announced,
        "start": start,
    }
    return SyntheticData(columns=cols, truth=[int(v) for v in victim_of], victims=victims)
