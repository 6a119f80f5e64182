"""Coverage of the estimation intervals on synthetic populations of known size.

For each scenario, draw a population of known size N, record which lists document whom,
estimate N with each method (log-linear independence, AIC, BIC; LCMCR; Bayesian model averaging
over decomposable graphs) and check whether its 95% interval contains N. Prints, per scenario
and method: coverage, median relative error (signed, so bias shows), median absolute relative
error, median relative interval width, and how often the method gave no estimate.

    .venv/bin/python bench/estimation_coverage.py                  # about 5-10 minutes
    .venv/bin/python bench/estimation_coverage.py --reps 20 --lcmcr-reps 10   # a quick look
    .venv/bin/python bench/estimation_coverage.py --mv2016         # adds the 5-list scenario
    .venv/bin/python bench/estimation_coverage.py --mv2016 --only manrique --reps 20
    .venv/bin/python bench/estimation_coverage.py --linked-reps 40 --only linked   # real linker
    .venv/bin/python bench/estimation_coverage.py --only linked --linked-settings sparse \
        --linked-reps 40 --linked-lcmcr-reps 10 --linked-dir /tmp/linked   # keep the linkages

The "linked" scenario generates reports with panah.evidence.synthetic (six sources, Persian
and Latin script, Jalali and Gregorian dates; settings "typical" and "sparse"), links them with
the real linker (Splink on DuckDB, trained on each set) and estimates from the victims found:
every method as linked, with the linkage correction drawn from the linker's probabilities,
with the correction drawn from a clerical check (simulated from the truth: random one-source
and several-report victims checked as a person would), and, for reference, from the true
victims (perfect linkage). Coverage is printed with its Monte Carlo standard error, and the
CPU time per estimate.

Not a test: figures vary with the seed and the number of replications (with 100 replications a
true 95% coverage reads anywhere from about 90% to 99%).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from panah.evidence.estimation import (  # noqa: E402
    CaptureTable,
    ClericalCheck,
    LinkageUncertainty,
    dga,
    estimate_all,
    loglinear,
    membership_rows,
)
from panah.evidence.estimation.estimate import BMA_NAME  # noqa: E402
from panah.evidence.estimation.lcmcr import lcmcr  # noqa: E402
from panah.evidence.estimation.simulate import (  # noqa: E402
    dependent_population,
    latent_class_population,
)

SIZE = 1000

# Four lists, as for executions in Iran (e.g. IHRNGO, Amnesty, HRANA, Hengaw).
SCENARIOS = {
    "independent lists": lambda rng: latent_class_population(
        rng, SIZE, [1.0], [[0.45, 0.35, 0.30, 0.25]]
    ),
    "heterogeneous (2 latent classes)": lambda rng: latent_class_population(
        rng, SIZE, [0.35, 0.65], [[0.80, 0.70, 0.75, 0.60], [0.15, 0.10, 0.20, 0.10]]
    ),
    "positive dependence (B copies A, D copies C)": lambda rng: dependent_population(
        rng, SIZE, [0.45, 0.0, 0.35, 0.0], {1: (0, 0.70, 0.15), 3: (2, 0.60, 0.10)}
    ),
}

MV2016 = (
    "Manrique-Vallier 2016, 5 lists, N=2000",
    lambda rng: latent_class_population(
        rng,
        2000,
        [0.9, 0.1],
        [[0.033, 0.033, 0.099, 0.132, 0.033], [0.660, 0.825, 0.759, 0.990, 0.693]],
    ),
    2000,
)

METHODS = (
    "log-linear independence",
    "log-linear best AIC",
    "log-linear best BIC",
    "LCMCR",
    "BMA (decomposable graphs)",
)


def loglinear_results(table) -> dict[str, tuple[float, float, float | None] | None]:
    fits = loglinear.fit_all(table)
    chosen = {
        "log-linear independence": next(f for f in fits if not f.interactions),
        "log-linear best AIC": loglinear.best_by(fits, "aic"),
        "log-linear best BIC": loglinear.best_by(fits, "bic"),
    }
    results = {}
    for name, fit in chosen.items():
        if fit is None or not fit.ok:
            results[name] = None
            continue
        if fit.low is None:
            loglinear.profile_interval(table, fit)
        results[name] = (fit.estimate, fit.low, fit.high)
    return results


def summarise(rows, size):
    usable = [r for r in rows if r is not None]
    if not usable:
        return None
    est = np.array([r[0] for r in usable])
    low = np.array([r[1] for r in usable])
    high = np.array([np.inf if r[2] is None else r[2] for r in usable])
    rel = (est - size) / size
    return {
        "runs": len(rows),
        "failed": len(rows) - len(usable),
        "coverage": float(np.mean((low <= size) & (size <= high))),
        "median_rel_error": float(np.median(rel)),
        "median_abs_rel_error": float(np.median(np.abs(rel))),
        "median_rel_width": float(np.median((high - low) / size)),
    }


def run(name, draw, size, args, rng):
    results = {m: [] for m in METHODS}
    observed = []
    timings = {"log-linear": 0.0, "LCMCR": 0.0, "BMA": 0.0}
    for rep in range(args.reps):
        table = draw(rng)
        observed.append(table.observed)
        started = time.perf_counter()
        for method, result in loglinear_results(table).items():
            results[method].append(result)
        timings["log-linear"] += time.perf_counter() - started
        started = time.perf_counter()
        try:
            post = dga.bma(table)
            results["BMA (decomposable graphs)"].append((post.median, post.low, post.high))
        except dga.NotEstimable:
            results["BMA (decomposable graphs)"].append(None)
        timings["BMA"] += time.perf_counter() - started
        if rep < args.lcmcr_reps:
            started = time.perf_counter()
            post = lcmcr(
                table,
                burn_in=args.burn_in,
                samples=args.samples,
                thin=args.thin,
                seed=int(rng.integers(2**31)),
            )
            timings["LCMCR"] += time.perf_counter() - started
            results["LCMCR"].append((post.median, post.low, post.high))
        print(f"\r  {name}: replication {rep + 1}/{args.reps}", end="", file=sys.stderr)
    print(file=sys.stderr)
    print(
        f"\n{name}: N = {size}, documented median {int(np.median(observed))} "
        f"({np.median(observed) / size:.0%}); {args.reps} replications "
        f"({args.lcmcr_reps} for LCMCR); log-linear {timings['log-linear']:.0f} s, "
        f"LCMCR {timings['LCMCR']:.0f} s, BMA {timings['BMA']:.0f} s"
    )
    print(
        f"  {'method':<26}{'runs':>5}{'failed':>7}{'coverage':>10}{'MCSE':>7}"
        f"{'med. rel. err':>15}{'med. |rel. err|':>17}{'med. rel. width':>17}"
    )
    for method in METHODS:
        s = summarise(results[method], size)
        if s is None:
            print(f"  {method:<26}   no estimate in any run")
            continue
        print(
            f"  {method:<26}{s['runs']:>5}{s['failed']:>7}{s['coverage']:>10.0%}"
            f"{_mcse(s['coverage'], s['runs'] - s['failed']):>7.0%}"
            f"{s['median_rel_error']:>+15.1%}{s['median_abs_rel_error']:>17.1%}"
            f"{s['median_rel_width']:>17.1%}"
        )


def _pick(report, method):
    """The estimate of `method` (one of METHODS) in an estimate_all report, or None."""
    for e in report.estimates:
        if (
            (method == "log-linear independence" and e.name.endswith("(independence)"))
            or (method == "log-linear best AIC" and "AIC" in e.selected_by)
            or (method == "log-linear best BIC" and "BIC" in e.selected_by)
            or (method == "LCMCR" and e.name.startswith("latent-class"))
            or (method == "BMA (decomposable graphs)" and e.name == BMA_NAME)
        ):
            return e
    return None


# Generator settings for the linked populations: the generator's own sources, and the same
# sources reaching half as many people (so more are undocumented and fewer are on several
# lists) and writing twice as many typos.
LINKED_SETTINGS = ("typical", "sparse")


def _linked_sources(setting: str):
    import dataclasses

    from panah.evidence.synthetic import SOURCES

    if setting == "typical":
        return SOURCES
    if setting == "sparse":
        return tuple(
            dataclasses.replace(
                s,
                coverage=s.coverage * 0.5,
                coverage_by_group={k: v * 0.5 for k, v in s.coverage_by_group.items()},
                typo_rate=s.typo_rate * 2,
            )
            for s in SOURCES
        )
    raise SystemExit(f"unknown setting {setting!r}; one of {', '.join(LINKED_SETTINGS)}")


def link_population(
    seed: int, victims: int, review_low: float = 0.2, setting="typical", saved: str | None = None
):
    """Reports generated for `victims` people, linked by the real linker: the uncertainty
    the linker leaves, the true capture table, each report's true victim and the number of
    reports, and the number of victims (documented or not). With `saved` (a file), the linkage is read from it if it exists, else written
    to it (the linker's outputs with candidate pairs from p >= 0.01, and the truth)."""
    if saved and os.path.exists(saved):
        with open(saved, "rb") as stream:
            record = pickle.load(stream)  # noqa: S301 (a file this bench wrote)
    else:
        from panah.evidence.linkage import link_reports, prepare_reports
        from panah.evidence.synthetic import generate

        data = generate(n_victims=victims, seed=seed, sources=_linked_sources(setting))
        prepared = prepare_reports(data.to_frame(with_truth=False), id_column="source_reference")
        prepared["unique_id"] = np.arange(len(prepared))
        result = link_reports(
            prepared, threads=1, seed=seed, review_band=(min(review_low, 0.01), 0.9)
        )
        record = {
            "victims": victims,
            "sources": list(data.columns["source"]),
            "truth": list(data.truth),
            "clusters": result.clusters[["unique_id", "cluster_id"]],
            "pairs": result.pairs[["unique_id_l", "unique_id_r", "match_probability"]],
            "uncertain": result.uncertain[
                ["unique_id_l", "unique_id_r", "match_probability", "same_victim"]
            ],
        }
        if saved:
            os.makedirs(os.path.dirname(saved), exist_ok=True)
            with open(saved, "wb") as stream:
                pickle.dump(record, stream)
    sources = record["sources"]
    source_of = dict(enumerate(sources))
    clusters, pairs, uncertain = record["clusters"], record["pairs"], record["uncertain"]
    victim_of = dict(
        zip(clusters["unique_id"].tolist(), clusters["cluster_id"].tolist(), strict=True)
    )
    scored = zip(
        pairs["unique_id_l"].tolist(),
        pairs["unique_id_r"].tolist(),
        pairs["match_probability"].tolist(),
        strict=True,
    )
    undecided = uncertain[
        ~uncertain["same_victim"] & (uncertain["match_probability"] >= review_low)
    ]
    joins = zip(
        undecided["unique_id_l"].tolist(),
        undecided["unique_id_r"].tolist(),
        undecided["match_probability"].tolist(),
        strict=True,
    )
    uncertainty = LinkageUncertainty.build(membership_rows(victim_of, source_of, scored), joins)
    people: dict[int, set[str]] = {}
    for victim, source in zip(record["truth"], sources, strict=True):
        people.setdefault(victim, set()).add(source)
    lists = tuple(sorted(set(sources)))
    truth = CaptureTable.from_source_sets(people.values(), lists=lists)
    return uncertainty, truth, lists, len(sources), np.asarray(record["truth"]), record["victims"]


def clerical_check(uncertainty, truth, rng, one_source: int, several: int) -> ClericalCheck:
    """What a person would find checking random linked victims by hand (here: the truth):
    `one_source` victims documented by one source (is it someone already counted, and who?)
    and `several` victims of several reports (are they one person?)."""
    members: dict[int, list[int]] = {}
    for report, victim in enumerate(uncertainty.victims.tolist()):
        members.setdefault(victim, []).append(report)
    sources = uncertainty.sources
    history = {v: frozenset(sources[r] for r in m) for v, m in members.items()}
    pieces: dict[int, dict[int, int]] = {}  # person -> victim -> reports
    for report, victim in enumerate(uncertainty.victims.tolist()):
        counts = pieces.setdefault(int(truth[report]), {})
        counts[victim] = counts.get(victim, 0) + 1
    alone = [v for v, h in history.items() if len(h) == 1]
    found = []
    for v in rng.permutation(alone)[:one_source].tolist():
        person = max(set(truth[members[v]].tolist()), key=truth[members[v]].tolist().count)
        others = [(n, w) for w, n in pieces[person].items() if w != v]
        found.append((next(iter(history[v])), history[max(others)[1]] if others else None))
    mixed = [
        len(set(truth[members[v]].tolist())) > 1
        for v in rng.permutation([v for v, m in members.items() if len(m) > 1])[:several].tolist()
    ]
    return ClericalCheck(tuple(found), tuple(mixed))


def _mcse(share: float, runs: int) -> float:
    return (share * (1 - share) / runs) ** 0.5 if runs else 0.0


def run_linked(args, rng, setting: str) -> None:
    size = args.linked_victims
    kinds = ("as linked", "linker's probabilities", "clerical check", "true linkage")
    results = {(m, k): [] for m in METHODS for k in kinds}
    found, documented, reports, link_time = [], [], [], 0.0
    cpu = {"linker's probabilities": [], "clerical check": []}
    checked = []
    options = {
        "burn_in": args.burn_in,
        "samples": args.samples,
        "thin": args.thin,
        "chains": 2,
        "min_ess": 0,
    }
    for rep in range(args.linked_reps):
        started = time.perf_counter()
        saved = (
            os.path.join(args.linked_dir, setting.replace(" ", "-"), f"{rep:03d}.pkl")
            if args.linked_dir
            else None
        )
        uncertainty, truth, lists, n_reports, true_victim, size = link_population(
            int(rng.integers(2**31)), size, args.review_low, setting, saved
        )
        link_time += time.perf_counter() - started
        check = clerical_check(
            uncertainty, true_victim, rng, args.check_one_source, args.check_several
        )
        checked.append(check.summary())
        linked = uncertainty.as_linked(lists)
        found.append(linked.observed)
        documented.append(truth.observed)
        reports.append(n_reports)
        methods = ("loglinear", "bma")
        if rep < args.linked_lcmcr_reps:
            methods += ("lcmcr",)
        seed = int(rng.integers(2**31))
        started = time.process_time()
        plain = estimate_all(
            linked,
            methods=methods,
            seed=seed,
            lcmcr_options=options,
            linkage=uncertainty,
            linkage_draws=args.linkage_draws,
            reselect=args.reselect,
        )
        cpu["linker's probabilities"].append(time.process_time() - started)
        started = time.process_time()
        with_check = estimate_all(
            linked,
            methods=methods,
            seed=seed,
            lcmcr_options=options,
            linkage=uncertainty.with_check(check),
            linkage_draws=args.linkage_draws,
            reselect=args.reselect,
        )
        cpu["clerical check"].append(time.process_time() - started)
        true = estimate_all(truth, methods=methods, seed=seed, lcmcr_options=options)
        for method in METHODS:
            if method == "LCMCR" and "lcmcr" not in methods:
                continue
            e, c, t = _pick(plain, method), _pick(with_check, method), _pick(true, method)
            results[(method, "as linked")].append(
                None if e is None else (e.estimate, e.low, e.high)
            )
            for kind, got in (("linker's probabilities", e), ("clerical check", c)):
                w = got.with_linkage if got is not None else None
                results[(method, kind)].append(
                    None
                    if not w or w.get("estimate") is None
                    else (w["estimate"], w["low"], w["high"])
                )
            results[(method, "true linkage")].append(
                None if t is None else (t.estimate, t.low, t.high)
            )
        print(
            f"\r  linked ({setting}): replication {rep + 1}/{args.linked_reps}",
            end="",
            file=sys.stderr,
        )
    print(file=sys.stderr)
    missed = sum(c["missed_links"] for c in checked) / max(
        1, sum(c["one_source_checked"] for c in checked)
    )
    wrong = sum(c["wrong_joins"] for c in checked) / max(
        1, sum(c["several_checked"] for c in checked)
    )
    print(
        f"\nlinked by the real linker, setting {setting!r}: N = {size} victims, median "
        f"{int(np.median(reports))} reports, documented median {int(np.median(documented))} "
        f"truly distinct ({np.median(documented) / size:.0%}), {int(np.median(found))} found "
        f"by the linker (median over-count "
        f"{np.median(np.array(found) - np.array(documented)):+.0f}); {args.linked_reps} "
        f"replications ({args.linked_lcmcr_reps} for LCMCR), {args.linkage_draws} clusterings "
        f"drawn per correction, candidate pairs from p >= {args.review_low}; clerical check "
        f"of {args.check_one_source} one-source and {args.check_several} several-report "
        f"victims per run (found: {missed:.0%} missed links, {wrong:.0%} wrong joins); "
        f"linking {link_time:.0f} s"
    )
    for kind, seconds in cpu.items():
        print(
            f"  CPU time per estimate with the correction from the {kind}: median "
            f"{np.median(seconds):.1f} s (without LCMCR: "
            f"{np.median(seconds[args.linked_lcmcr_reps :] or seconds):.1f} s)"
        )
    print(
        f"  {'method':<26}{'linkage':<25}{'runs':>5}{'failed':>7}{'coverage':>10}{'MCSE':>7}"
        f"{'med. rel. err':>15}{'med. rel. width':>17}"
    )
    for method in METHODS:
        for kind in kinds:
            rows = results[(method, kind)]
            if not rows:
                continue
            s = summarise(rows, size)
            if s is None:
                print(f"  {method:<26}{kind:<25}   no estimate in any run")
                continue
            print(
                f"  {method:<26}{kind:<25}{s['runs']:>5}{s['failed']:>7}{s['coverage']:>10.0%}"
                f"{_mcse(s['coverage'], s['runs'] - s['failed']):>7.0%}"
                f"{s['median_rel_error']:>+15.1%}{s['median_rel_width']:>17.1%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--lcmcr-reps", type=int, default=50)
    parser.add_argument("--burn-in", type=int, default=1500)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--thin", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--mv2016", action="store_true", help="add the 5-list scenario (slow)")
    parser.add_argument("--only", metavar="TEXT", help="run only scenarios whose name has TEXT")
    parser.add_argument(
        "--linked-reps", type=int, default=30, help="populations linked by the real linker"
    )
    parser.add_argument("--linked-lcmcr-reps", type=int, default=10)
    parser.add_argument("--linked-victims", type=int, default=1000)
    parser.add_argument("--linkage-draws", type=int, default=20)
    parser.add_argument(
        "--linked-settings",
        default=",".join(LINKED_SETTINGS),
        help=f"generator settings for the linked populations ({', '.join(LINKED_SETTINGS)})",
    )
    parser.add_argument(
        "--reselect",
        action="store_true",
        help="choose the AIC and BIC models again on every drawn clustering",
    )
    parser.add_argument(
        "--linked-dir",
        metavar="DIR",
        help="keep each linked population in DIR and read it from there on a rerun",
    )
    parser.add_argument(
        "--check-one-source",
        type=int,
        default=40,
        help="one-source victims checked by hand (simulated) per linked population (40)",
    )
    parser.add_argument(
        "--check-several",
        type=int,
        default=40,
        help="victims of several reports checked by hand (simulated) per population (40)",
    )
    parser.add_argument(
        "--review-low",
        type=float,
        default=0.2,
        help="lowest match probability the linker keeps as a candidate pair (0.2, as linked)",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(
        f"Estimation coverage: 95% intervals (log-linear: profile likelihood; LCMCR: "
        f"credible, K*=10, burn-in {args.burn_in}, {args.samples} draws thinned by "
        f"{args.thin}); seed {args.seed}"
    )
    started = time.perf_counter()
    scenarios = [(name, draw, SIZE) for name, draw in SCENARIOS.items()]
    if args.mv2016:
        scenarios.append(MV2016)
    for name, draw, size in scenarios:
        if args.only is None or args.only.lower() in name.lower():
            run(name, draw, size, args, rng)
    if args.linked_reps and (args.only is None or args.only.lower() in "linked"):
        for setting in args.linked_settings.split(","):
            run_linked(args, rng, setting.strip())
    print(f"\nTotal time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
