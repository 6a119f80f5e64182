"""Linkage quality on a synthetic benchmark: ours against two baselines, in one run.

    .venv/bin/python bench/linkage_quality.py [--reports 12000] [--seed 7] [--threshold 0.8]

Prints pairwise precision, recall, F1 and the error in the number of distinct victims for
  ours        Splink with the cross-script name keys, father, date with precision, age, place,
              charge, term-frequency adjustment, EM-trained, constrained clustering;
  baseline 1  exact match on the normalised name and the date;
  baseline 2  Splink with its default name comparisons on the names as written (no Persian
              handling), the same dates, places and training steps;
on all pairs and on pairs of one Persian-script and one Latin-script report.
"""

from __future__ import annotations

import argparse
import logging
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=12000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument(
        "--names",
        action="store_true",
        help="also evaluate the keys on the generator's lists (slow: rigour)",
    )
    args = parser.parse_args()
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)

    name_key_evaluation(args.names)
    data = generate(n_reports=args.reports, seed=args.seed)
    reports = data.to_frame(with_truth=False)
    truth = np.asarray(data.truth)
    prepared = prepare_reports(reports)
    script = prepared["script"].to_numpy()
    n_fa = int((script == "fa").sum())
    n_la = int((script == "latin").sum())
    print(
        f"synthetic benchmark: {len(reports):,} reports of {len(set(truth)):,} victims "
        f"(seed {args.seed}); {n_fa:,} in Persian script, {n_la:,} in Latin script, "
        f"{len(reports) - n_fa - n_la:,} without a name"
    )

    runs = {}
    t = time.perf_counter()
    result = link_reports(prepared, threads=2, threshold=args.threshold, seed=args.seed)
    runs["ours"] = (result.clusters["cluster_id"].to_numpy(), time.perf_counter() - t)
    t = time.perf_counter()
    runs["baseline 1: exact name + date"] = (
        baseline_exact(reports, prepared),
        time.perf_counter() - t,
    )
    t = time.perf_counter()
    labels, best_threshold = baseline_splink(reports, prepared, args.seed, truth)
    runs["baseline 2: Splink defaults, raw names"] = (labels, time.perf_counter() - t)

    print(
        f"\n{'method':40} {'scope':12} {'precision':>9} {'recall':>8} {'F1':>7} {'victims':>8} {'count err':>9} {'time':>7}"
    )
    for name, (labels, seconds) in runs.items():
        for scope, s in (
            ("all pairs", pairwise_scores(labels, truth)),
            ("cross-script", cross_script_scores(labels, truth, script)),
        ):
            print(
                f"{name:40} {scope:12} {s.precision:9.4f} {s.recall:8.4f} {s.f1:7.4f} "
                f"{s.predicted_victims:8,} {s.count_error:+9.2%} {seconds:6.1f}s"
            )
    print(
        f"\ntrue distinct victims: {len(set(truth)):,}; review queue (ours): {len(result.uncertain):,} pairs"
    )


if __name__ == "__main__":
    main()
