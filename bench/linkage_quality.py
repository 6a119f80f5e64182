"""Linkage quality on an independent benchmark: ours against three baselines, in one run.

    .venv/bin/python bench/linkage_quality.py [--reports 5000] [--settings typical,...]
        [--threshold 0.8] [--names] [--synthetic] [--ours-only]

Every setting of the independent generator (panah.evidence.benchmark.sets.GRID: namesake
density, spelling noise, date precision, source mix; its spellings come from transliteration
schemes the linker never reads) is generated, and for each the run prints pairwise
precision, recall, F1, cross-script F1 (pairs of one Persian-script and one Latin-script
report) and the error in the number of distinct victims of
  ours        Splink with the cross-script name keys, father, date with precision, age, place,
              charge, term-frequency adjustment, EM-trained, constrained clustering;
  baseline 1  exact match on the normalised name and the date;
  baseline 2  Splink with its default name comparisons on the names as written (no Persian
              handling), the same dates, places and training steps;
  baseline 3  transliteration to ASCII (normality, ICU) plus Jaro-Winkler (rapidfuzz) on the
              full name, dates within a month, clustered at its best threshold.
Baselines 2 and 3 are clustered at the threshold that gives them their best F1 against the
truth (a favour ours does not get). --synthetic adds the project's own synthetic generator.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from panah.evidence.linkage import (  # noqa: E402
    cross_script_scores,
    link_reports,
    pairwise_scores,
    prepare_reports,
)
from panah.evidence.normalise import canonical_text  # noqa: E402
from panah.evidence.synthetic import generate  # noqa: E402

# Names that are NOT in the generator's lists (written after the key was designed), with
# Latin spellings found in English-language reporting: a held-out check of the key.
HELD_OUT = """
جمشید|Jamshid,Jamsheed
کیخسرو|Keykhosrow,Kaykhosro
اردشیر|Ardeshir,Ardashir
فرامرز|Faramarz
هرمز|Hormoz,Hormuz
سهراب|Sohrab,Suhrab
رستم|Rostam,Rustam
بیژن|Bijan,Bizhan,Bejan
تورج|Touraj,Turaj
دانیال|Daniyal,Danial
شهریار|Shahriar,Shahryar
مهیار|Mahyar,Mahiar
کامیار|Kamyar,Kamiar
آیدین|Aydin,Aidin
یاشار|Yashar
رحمان|Rahman,Rehman
غفور|Ghafour,Ghafoor,Qafur
ستار|Sattar,Satar
صابر|Saber,Sabir
مهران|Mehran
عزت‌الله|Ezzatollah,Ezatollah
طالقانی|Taleghani,Taleqani
بهشتی|Beheshti
مطهری|Motahari,Motahhari
شریعتی|Shariati
منتظری|Montazeri
خلخالی|Khalkhali
لاجوردی|Lajevardi
صیادی|Sayadi,Sayyadi
قطب‌زاده|Ghotbzadeh,Qotbzadeh
نیک‌پور|Nikpour,Nikpur
دلاوری|Delavari
سنجابی|Sanjabi
زرین‌کوب|Zarrinkoob,Zarinkub
میرحسینی|Mirhosseini,Mir Hosseini
کوهستانی|Kouhestani,Kuhestani
دشتی|Dashti
بلوچ‌زهی|Balouchzehi,Baluchzahi
"""


def name_key_evaluation(full: bool) -> None:
    """Persian form vs each Latin spelling: how often each method makes them meet, and how
    often it makes two different names meet; rigour's alias symbols and normality included."""
    import normality
    from rapidfuzz.distance import JaroWinkler
    from rigour.names import NameTypeTag, analyze_names

    from panah.evidence.names import loose, single_name_key
    from panah.evidence.synthetic import GIVEN, SURNAMES

    symbol_cache: dict[str, set] = {}

    def symbols(text: str) -> set:
        if text not in symbol_cache:
            found = set()
            for n in analyze_names(NameTypeTag.PER, [text]):
                found |= {s.id for s in n.symbols if s.category.value == "NAME"}
            symbol_cache[text] = found
        return symbol_cache[text]

    methods = {
        "our loose key": lambda fa, la: loose(single_name_key(fa)) == loose(single_name_key(la)),
        "our strict key": lambda fa, la: single_name_key(fa) == single_name_key(la),
        "rigour alias symbols": lambda fa, la: bool(symbols(fa) & symbols(la)),
        "normality ascii + JW>=0.8": lambda fa, la: (
            JaroWinkler.similarity(normality.ascii_text(fa) or "", la.lower()) >= 0.8
        ),
    }
    held = []
    for line in HELD_OUT.strip().splitlines():
        fa, spellings = line.split("|")
        held.append((fa, spellings.split(",")))
    sets = {"held-out names": held}
    if full:
        sets["generator's lists"] = [
            (e.persian.replace("+", ""), [x.replace("+", "") for x in e.latin])
            for e in (*GIVEN, *SURNAMES)
        ]
    print(
        "name keys: share of (Persian, Latin spelling) pairs that meet; share of different names that meet"
    )
    for set_name, entries in sets.items():
        same = [(fa, la) for fa, las in entries for la in las]
        diff = [
            (a[0], b[1][0]) for i, a in enumerate(entries) for j, b in enumerate(entries) if i != j
        ]
        for method, meets in methods.items():
            t = time.perf_counter()
            hit = sum(meets(fa, la) for fa, la in same) / len(same)
            false = sum(meets(fa, la) for fa, la in diff) / len(diff)
            ms = (time.perf_counter() - t) / (len(same) + len(diff)) * 1000
            print(
                f"  {set_name:18} {method:27} same name {hit:6.1%} ({len(same)} pairs)   "
                f"different names {false:6.2%} ({len(diff)} pairs)   {ms:.2f} ms/pair"
            )
    print()


def baseline_exact(reports: pd.DataFrame, prepared: pd.DataFrame) -> np.ndarray:
    """Same normalised name and same first day: same victim; no name, own victim."""
    name = reports["name_as_written"].fillna("").map(canonical_text)
    key = name + "|" + prepared["day_lo"].astype("string").fillna("")
    key = key.where(name != "", "row-" + pd.Series(np.arange(len(key)), dtype="string"))
    return pd.factorize(key)[0]


def baseline_splink(
    reports: pd.DataFrame, prepared: pd.DataFrame, seed: int, truth: np.ndarray
) -> tuple[np.ndarray, float]:
    """Splink with out-of-the-box comparisons on raw names; its clustering threshold is the
    one that gives it the best F1 against the truth (a favour no real run gets)."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from panah.evidence.linkage.cluster import cluster

    names = reports["name_as_written"].fillna("").str.split()
    frame = pd.DataFrame(
        {
            "unique_id": prepared["unique_id"],
            "first_name": names.map(lambda t: t[0] if t else None),
            "surname": names.map(lambda t: t[-1] if len(t) > 1 else None),
            "father_name": reports["father_name"],
            "day_lo": prepared["day_lo"].astype("float64"),
            "year": prepared["year"].astype("float64"),
            "age": prepared["age"].astype("float64"),
            "province": reports["province"],
            "city": reports["city"],
            "charge": reports["charge_category"],
        }
    )
    con = duckdb.connect()
    con.execute("SET threads = 2")
    db_api = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.NameComparison("father_name"),
            cl.ExactMatch("day_lo"),
            cl.ExactMatch("age"),
            cl.ExactMatch("province"),
            cl.ExactMatch("city"),
            cl.ExactMatch("charge"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "year"),
            block_on("surname", "day_lo"),
            block_on("first_name", "day_lo"),
            block_on("day_lo", "province"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(db_api.register(frame), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "day_lo")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=3e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("day_lo", "province")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    pred = linker.inference.predict(threshold_match_probability=0.5, warning_mode="never")
    pairs = pred.as_pandas_dataframe()[["unique_id_l", "unique_id_r", "match_probability"]]
    best = None
    for threshold in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999):
        labels = cluster(prepared["unique_id"], pairs, threshold)["cluster_id"].to_numpy()
        f1 = pairwise_scores(labels, truth).f1
        if best is None or f1 > best[0]:
            best = (f1, labels, threshold)
    return best[1], best[2]


def baseline_jaro_winkler(
    reports: pd.DataFrame, prepared: pd.DataFrame, truth: np.ndarray
) -> tuple[np.ndarray, float]:
    """Transliterate both scripts to ASCII, compare full names by Jaro-Winkler within blocks of
    one year and one surname initial, keep pairs whose dates are within a month; the best
    threshold against the truth."""
    import normality
    from rapidfuzz.distance import JaroWinkler
    from rapidfuzz.process import cdist

    from panah.evidence.linkage.cluster import cluster

    def ascii_name(text) -> str:
        if not isinstance(text, str) or not text.strip():
            return ""
        if "," in text:  # "SURNAME, Given" back into reading order
            surname, _, given = text.partition(",")
            text = f"{given} {surname}"
        return normality.ascii_text(text.lower()).strip()

    names = reports["name_as_written"].map(ascii_name).to_numpy()
    ids = prepared["unique_id"].to_numpy()
    day = prepared["day_lo"].astype("float64").to_numpy()
    year = prepared["year"].astype("float64").fillna(-1).to_numpy()
    initial = np.array([n.split()[-1][:1] if n else "" for n in names])
    frame = pd.DataFrame({"i": np.arange(len(ids)), "year": year, "initial": initial})
    frame = frame[names != ""]
    left, right, score = [], [], []
    for _key, block in frame.groupby(["year", "initial"]):
        idx = block["i"].to_numpy()
        if len(idx) < 2:
            continue
        sims = cdist(names[idx], names[idx], scorer=JaroWinkler.similarity, workers=1)
        a, b = np.triu_indices(len(idx), k=1)
        keep = sims[a, b] >= 0.8
        left.append(idx[a[keep]])
        right.append(idx[b[keep]])
        score.append(sims[a, b][keep])
    if left:
        la, ra, sc = np.concatenate(left), np.concatenate(right), np.concatenate(score)
    else:
        la = ra = np.empty(0, dtype=int)
        sc = np.empty(0)
    gap = np.abs(day[la] - day[ra])
    ok = ~(gap > 31)  # unknown dates do not veto
    pairs = pd.DataFrame(
        {"unique_id_l": ids[la[ok]], "unique_id_r": ids[ra[ok]], "match_probability": sc[ok]}
    )
    best = None
    for threshold in (0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98):
        labels = cluster(ids, pairs, threshold)["cluster_id"].to_numpy()
        f1 = pairwise_scores(labels, truth).f1
        if best is None or f1 > best[0]:
            best = (f1, labels, threshold)
    return best[1], best[2]


_STARTER: dict = {}


def starter() -> dict:
    """The starter model (trained once on the project's synthetic reports), as the fallback."""
    if not _STARTER:
        from bench.linkage_robustness import _fallback

        _STARTER.update(_fallback(threads=2))
    return _STARTER


def evaluate(label: str, reports: pd.DataFrame, truth: np.ndarray, args, note: str = "") -> None:
    """Link one set with every method and print their scores."""
    prepared = prepare_reports(reports)
    script = prepared["script"].to_numpy()
    n_fa = int((script == "fa").sum())
    n_la = int((script == "latin").sum())
    print(
        f"\n== {label}: {len(reports):,} reports of {len(set(truth)):,} victims{note}; "
        f"{n_fa:,} in Persian script, {n_la:,} in Latin script, "
        f"{len(reports) - n_fa - n_la:,} without a name"
    )
    runs = {}
    starter()  # trained once, outside the timing
    t = time.perf_counter()
    cpu = _cpu()
    # As `panah evidence link` does: what EM cannot learn comes from the starter model.
    result = link_reports(
        prepared, threads=2, threshold=args.threshold, seed=args.seed, fallback_model=starter
    )
    runs["ours"] = (
        result.clusters["cluster_id"].to_numpy(),
        time.perf_counter() - t,
        f"cpu {_cpu() - cpu:.1f}s, {len(result.pairs):,} pairs scored >= 0.2",
    )
    if args.ours_only:
        _print_runs(runs, truth, script)
        print(
            f"model used (ours): {result.model_used}; review queue: {len(result.uncertain):,} pairs"
        )
        return
    t = time.perf_counter()
    runs["1: exact name + date"] = (
        baseline_exact(reports, prepared),
        time.perf_counter() - t,
        "",
    )
    t = time.perf_counter()
    labels, best = baseline_splink(reports, prepared, args.seed, truth)
    runs["2: Splink defaults, raw names"] = (labels, time.perf_counter() - t, f"at {best}")
    t = time.perf_counter()
    labels, best = baseline_jaro_winkler(reports, prepared, truth)
    runs["3: transliteration + Jaro-Winkler"] = (labels, time.perf_counter() - t, f"at {best}")
    _print_runs(runs, truth, script)
    print(f"model used (ours): {result.model_used}; review queue: {len(result.uncertain):,} pairs")
    for note in result.notes:
        print(f"  model note: {note[:160]}")


def _cpu() -> float:
    """CPU seconds of this process so far, every thread (DuckDB's) included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _print_runs(runs: dict, truth: np.ndarray, script: np.ndarray) -> None:
    """One line of scores per method."""
    print(
        f"{'method':36} {'precision':>9} {'recall':>7} {'F1':>7} {'x-script F1':>11} "
        f"{'victims':>8} {'count err':>9} {'time':>7}"
    )
    for name, (labels, seconds, extra) in runs.items():
        s = pairwise_scores(labels, truth)
        x = cross_script_scores(labels, truth, script)
        print(
            f"{name:36} {s.precision:9.4f} {s.recall:7.4f} {s.f1:7.4f} {x.f1:11.4f} "
            f"{s.predicted_victims:8,} {s.count_error:+9.2%} {seconds:6.1f}s {extra}"
        )


def main() -> None:
    from panah.evidence.benchmark.sets import GRID, SetSpec, generate_set, namesake_share

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5000, help="reports per generated set")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument(
        "--settings",
        help="comma-separated setting names of the grid (default: all): "
        + ", ".join(label for label, _ in GRID),
    )
    parser.add_argument(
        "--ours-only",
        action="store_true",
        help="link with ours only (no baselines): for timing large sets",
    )
    parser.add_argument(
        "--names",
        action="store_true",
        help="also evaluate the name keys on the held-out names and lists (slow: rigour)",
    )
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="also the project's own synthetic generator (an upper bound: the key was tuned on it)",
    )
    args = parser.parse_args()
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)

    if args.names:
        name_key_evaluation(True)
    wanted = set(args.settings.split(",")) if args.settings else None
    for label, spec in GRID:
        if wanted and label not in wanted:
            continue
        spec = SetSpec(**{**spec.__dict__, "n_reports": args.reports, "seed": args.seed})
        frame = generate_set(spec)
        truth = frame["victim"].to_numpy()
        reports = frame.drop(columns=["victim", "true_name"])
        evaluate(
            f"independent, {label}", reports, truth, args,
            f" ({spec.label}; namesake share {namesake_share(frame):.1%})",
        )  # fmt: skip
    if args.synthetic:
        data = generate(n_reports=args.reports, seed=args.seed)
        evaluate(
            "synthetic (own generator)", data.to_frame(with_truth=False), np.asarray(data.truth),
            args,
        )  # fmt: skip


if __name__ == "__main__":
    main()
