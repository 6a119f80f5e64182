"""Coverage of the estimation intervals on synthetic populations of known size.

For each scenario, draw a population of known size N, record which lists document whom,
estimate N with each method and check whether its 95% interval contains N. Prints, per scenario
and method: coverage, median relative error (signed, so bias shows), median absolute relative
error, median relative interval width, and how often the method gave no estimate.

    .venv/bin/python bench/estimation_coverage.py                  # about 5-10 minutes
    .venv/bin/python bench/estimation_coverage.py --reps 20 --lcmcr-reps 10   # a quick look
    .venv/bin/python bench/estimation_coverage.py --mv2016         # adds the 5-list scenario
    .venv/bin/python bench/estimation_coverage.py --mv2016 --only manrique --reps 20
    .venv/bin/python bench/estimation_coverage.py --linked-reps 30 --only linked   # real linker

The "linked" scenario generates reports with panah.evidence.synthetic (four sources, Persian
and Latin script, Jalali and Gregorian dates), links them with the real linker (Splink on
DuckDB, trained on each set) and estimates from the victims found: every method as linked,
with the linkage correction (clusterings drawn from the linker's probabilities, see
docs/estimation.md) and, for reference, from the true victims (perfect linkage).

Not a test: figures vary with the seed and the number of replications (with 100 replications a
true 95% coverage reads anywhere from about 90% to 99%).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from panah.evidence.estimation import (  # noqa: E402
    CaptureTable,
    LinkageUncertainty,
    estimate_all,
    loglinear,
    membership_rows,
)
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

METHODS = ("log-linear independence", "log-linear best AIC", "log-linear best BIC", "LCMCR")


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
    timings = {"log-linear": 0.0, "LCMCR": 0.0}
    for rep in range(args.reps):
        table = draw(rng)
        observed.append(table.observed)
        started = time.perf_counter()
        for method, result in loglinear_results(table).items():
            results[method].append(result)
        timings["log-linear"] += time.perf_counter() - started
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
        f"LCMCR {timings['LCMCR']:.0f} s"
    )
    print(
        f"  {'method':<26}{'runs':>5}{'failed':>7}{'coverage':>10}"
        f"{'med. rel. err':>15}{'med. |rel. err|':>17}{'med. rel. width':>17}"
    )
    for method in METHODS:
        s = summarise(results[method], size)
        if s is None:
            print(f"  {method:<26}   no estimate in any run")
            continue
        print(
            f"  {method:<26}{s['runs']:>5}{s['failed']:>7}{s['coverage']:>10.0%}"
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
        ):
            return e
    return None


def link_population(seed: int, victims: int, review_low: float = 0.2):
    """Reports generated for `victims` people, linked by the real linker: the uncertainty
    the linker leaves, the true capture table and a few linkage figures."""
    from panah.evidence.linkage import link_reports, prepare_reports
    from panah.evidence.synthetic import generate

    data = generate(n_victims=victims, seed=seed)
    prepared = prepare_reports(data.to_frame(with_truth=False), id_column="source_reference")
    prepared["unique_id"] = np.arange(len(prepared))
    result = link_reports(prepared, threads=1, seed=seed, review_band=(review_low, 0.9))
    sources = list(data.columns["source"])
    source_of = dict(enumerate(sources))
    victim_of = dict(
        zip(
            result.clusters["unique_id"].tolist(),
            result.clusters["cluster_id"].tolist(),
            strict=True,
        )
    )
    pairs = zip(
        result.pairs["unique_id_l"].tolist(),
        result.pairs["unique_id_r"].tolist(),
        result.pairs["match_probability"].tolist(),
        strict=True,
    )
    undecided = result.uncertain[~result.uncertain["same_victim"]]
    joins = zip(
        undecided["unique_id_l"].tolist(),
        undecided["unique_id_r"].tolist(),
        undecided["match_probability"].tolist(),
        strict=True,
    )
    uncertainty = LinkageUncertainty.build(membership_rows(victim_of, source_of, pairs), joins)
    people: dict[int, set[str]] = {}
    for victim, source in zip(data.truth, sources, strict=True):
        people.setdefault(victim, set()).add(source)
    lists = tuple(sorted(set(sources)))
    truth = CaptureTable.from_source_sets(people.values(), lists=lists)
    return uncertainty, truth, lists, len(prepared)


def run_linked(args, rng) -> None:
    size = args.linked_victims
    kinds = ("as linked", "with linkage correction", "true linkage")
    results = {(m, k): [] for m in METHODS for k in kinds}
    found, documented, reports, link_time, est_time = [], [], [], 0.0, 0.0
    options = {
        "burn_in": args.burn_in,
        "samples": args.samples,
        "thin": args.thin,
        "chains": 2,
        "min_ess": 0,
    }
    for rep in range(args.linked_reps):
        started = time.perf_counter()
        uncertainty, truth, lists, n_reports = link_population(
            int(rng.integers(2**31)), size, args.review_low
        )
        link_time += time.perf_counter() - started
        linked = uncertainty.as_linked(lists)
        found.append(linked.observed)
        documented.append(truth.observed)
        reports.append(n_reports)
        methods = ("loglinear", "lcmcr") if rep < args.linked_lcmcr_reps else ("loglinear",)
        started = time.perf_counter()
        seed = int(rng.integers(2**31))
        plain = estimate_all(
            linked,
            methods=methods,
            seed=seed,
            lcmcr_options=options,
            linkage=uncertainty,
            linkage_draws=args.linkage_draws,
        )
        true = estimate_all(truth, methods=methods, seed=seed, lcmcr_options=options)
        est_time += time.perf_counter() - started
        for method in METHODS:
            if method == "LCMCR" and "lcmcr" not in methods:
                continue
            e, t = _pick(plain, method), _pick(true, method)
            w = e.with_linkage if e is not None else None
            results[(method, "as linked")].append(
                None if e is None else (e.estimate, e.low, e.high)
            )
            results[(method, "with linkage correction")].append(
                None if not w or w.get("estimate") is None else (w["estimate"], w["low"], w["high"])
            )
            results[(method, "true linkage")].append(
                None if t is None else (t.estimate, t.low, t.high)
            )
        print(f"\r  linked: replication {rep + 1}/{args.linked_reps}", end="", file=sys.stderr)
    print(file=sys.stderr)
    print(
        f"\nlinked by the real linker: N = {size} victims, median {int(np.median(reports))} "
        f"reports, documented median {int(np.median(documented))} truly distinct, "
        f"{int(np.median(found))} found by the linker (median over-count "
        f"{np.median(np.array(found) - np.array(documented)):+.0f}); {args.linked_reps} "
        f"replications ({args.linked_lcmcr_reps} for LCMCR), {args.linkage_draws} clusterings "
        f"drawn per correction, candidate pairs from p >= {args.review_low}; linking "
        f"{link_time:.0f} s, estimation {est_time:.0f} s"
    )
    print(
        f"  {'method':<26}{'linkage':<25}{'runs':>5}{'failed':>7}{'coverage':>10}"
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
        run_linked(args, rng)
    print(f"\nTotal time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
