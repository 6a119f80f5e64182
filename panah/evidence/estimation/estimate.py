"""Run every estimator on one capture-history table and collect comparable results."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from . import dga, loglinear
from .captures import CaptureFileError, CaptureTable
from .lcmcr import MIN_ESS, lcmcr
from .linkage_uncertainty import LinkageUncertainty

METHODS = ("loglinear", "lcmcr", "bma")
BMA_NAME = "model averaging (decomposable graphs)"
LINKAGE_DRAWS = 20  # clusterings drawn for the log-linear models (the latent-class model: half)
RHAT_LIMIT = 1.05  # above this the chains disagree: the posterior is not yet explored


@dataclass
class Estimate:
    """One model's estimate of the total number of people (documented + undocumented)."""

    name: str
    method: str
    estimate: float
    low: float | None
    high: float | None
    level: float
    observed: int
    interval: str
    selected_by: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    # The same model over clusterings drawn from the linkage's probabilities (None when the
    # linkage's uncertainty was not given): estimate, low, high, draws, combined_by.
    with_linkage: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass
class Skipped:
    """A model that gave no estimate, and why."""

    name: str
    reason: str


@dataclass
class EstimationReport:
    """Everything the estimate command prints."""

    lists: tuple[str, ...]
    list_totals: dict[str, int]
    observed: int
    level: float
    estimates: list[Estimate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    candidates: list[loglinear.LogLinearFit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # How linkage uncertainty was carried into the intervals (None when it was not):
    # draws, uncertain_links, documented_low/high (distinct people over the draws), method.
    linkage: dict[str, Any] | None = None
    fitted_terms: dict[str, tuple] = field(default_factory=dict, repr=False)


def estimate_all(
    table: CaptureTable,
    *,
    methods: tuple[str, ...] = METHODS,
    level: float = 0.95,
    seed: int | None = None,
    lcmcr_options: dict[str, Any] | None = None,
    linkage: LinkageUncertainty | None = None,
    linkage_draws: int = LINKAGE_DRAWS,
    reselect: bool = False,
) -> EstimationReport:
    """Estimate N with the independence, AIC- and BIC-selected log-linear models, LCMCR and
    Bayesian model averaging over decomposable graphs.

    With `linkage` (how sure the linkage was of the victims behind `table`), every model is
    also fitted over `linkage_draws` clusterings drawn from the linkage's probabilities and
    its interval widened accordingly (Estimate.with_linkage, beside the plain one); with
    `reselect` the AIC and BIC models are chosen again on every drawn table (about ten times
    the cost with six lists)."""
    if not 0 < level < 1:
        raise ValueError("the interval level must be between 0 and 1")
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown method(s): {', '.join(sorted(unknown))}")
    table, dropped = table.without_empty_lists()
    report = EstimationReport(table.lists, table.list_totals, table.observed, level)
    if dropped:
        report.notes.append(f"left out lists that document nobody: {', '.join(dropped)}")
    if "loglinear" in methods:
        _loglinear(table, level, report)
    if "lcmcr" in methods:
        _lcmcr(table, level, seed, lcmcr_options or {}, report)
    if "bma" in methods:
        _bma(table, level, report)
    if linkage is not None and linkage_draws > 0:
        _with_linkage(
            table, level, seed, lcmcr_options or {}, linkage, linkage_draws, reselect, report
        )
    return report


def _loglinear(table: CaptureTable, level: float, report: EstimationReport) -> None:
    k = len(table.lists)
    fits = loglinear.fit_all(table)
    report.candidates = fits
    if k > loglinear.ENUMERATE_UP_TO:
        report.notes.append(
            f"{k} lists: log-linear models chosen by forward stepwise search, not enumeration"
        )
    if k == 2:
        report.notes.append(
            "with 2 lists only the independence model (Lincoln-Petersen) can be fitted, "
            "and list dependence cannot be checked at all"
        )
    chosen: dict[tuple, list[str]] = {}
    independence = next((f for f in fits if not f.interactions), None)
    if independence is not None:
        chosen.setdefault(independence.interactions, []).append("independence")
    for criterion in ("aic", "bic"):
        best = loglinear.best_by(fits, criterion)
        if best is not None:
            chosen.setdefault(best.interactions, []).append(criterion.upper())
    for fit in fits:
        if not fit.ok:
            report.skipped.append(Skipped(fit.name, fit.problem))
    if not any(f.ok for f in fits):
        report.notes.append("no log-linear model gave a finite estimate for this table")
    by_terms = {f.interactions: f for f in fits}
    for terms, selected_by in chosen.items():
        fit = by_terms[terms]
        if not fit.ok:
            continue
        loglinear.profile_interval(table, fit, level)
        report.fitted_terms[fit.name] = fit.interactions
        report.estimates.append(
            Estimate(
                name=fit.name,
                method="log-linear Poisson model (maximum likelihood)",
                estimate=fit.estimate,
                low=fit.low,
                high=fit.high,
                level=level,
                observed=table.observed,
                interval="profile likelihood",
                selected_by=[s for s in selected_by if s != "independence"],
                details={
                    "interactions": fit.terms,
                    "parameters": fit.n_params,
                    "deviance": fit.deviance,
                    "df": fit.df,
                    "aic": fit.aic,
                    "bic": fit.bic,
                    "unobserved": fit.unobserved,
                    **({"interval_note": fit.interval_note} if fit.interval_note else {}),
                    # zero cells the MLE fits as exactly zero (refitted without them)
                    **({"boundary_cells": fit.boundary_cells} if fit.boundary_cells else {}),
                },
            )
        )


def _lcmcr(
    table: CaptureTable,
    level: float,
    seed: int | None,
    options: dict[str, Any],
    report: EstimationReport,
) -> None:
    name = "latent-class (LCMCR)"
    if len(table.lists) < 3:
        report.skipped.append(Skipped(name, "the latent-class model needs at least 3 lists"))
        return
    result = lcmcr(table, level=level, seed=seed, **options)
    details = {
        "posterior_mean": result.mean,
        "posterior_median": result.median,
        "truncation_k": result.classes,
        "burn_in": result.burn_in,
        "samples": result.samples,
        "thin": result.thin,
        "chains": result.chains,
        "seed": result.seed,
        "mean_occupied_classes": result.occupied_classes,
        "effective_sample_size": result.effective_sample_size,
        "rhat": result.rhat,
    }
    if result.capped_draws:
        details["capped_draws"] = result.capped_draws
        report.notes.append(
            f"LCMCR: {result.capped_draws} draws of the undocumented hit the cap; "
            "the posterior has a very long upper tail and its interval is not reliable"
        )
    if result.effective_sample_size < MIN_ESS:
        report.notes.append(
            f"LCMCR: only about {result.effective_sample_size:.0f} effectively independent "
            f"draws of N (fewer than {MIN_ESS}); run longer (--samples/--thin/--chains) "
            "before relying on the interval"
        )
    if result.rhat is not None and result.rhat > RHAT_LIMIT:
        report.notes.append(
            f"LCMCR: the chains disagree (R-hat {result.rhat:.3f}, above {RHAT_LIMIT}); "
            "run longer (--burn-in/--samples) before relying on the estimate"
        )
    report.estimates.append(
        Estimate(
            name=name,
            method="Bayesian non-parametric latent-class model (Gibbs sampler), posterior median",
            estimate=result.median,
            low=result.low,
            high=result.high,
            level=level,
            observed=table.observed,
            interval="posterior credible interval",
            details=details,
        )
    )


def _bma(table: CaptureTable, level: float, report: EstimationReport) -> None:
    try:
        result = dga.bma(table, level=level)
    except dga.NotEstimable as exc:
        report.skipped.append(Skipped(BMA_NAME, str(exc)))
        return
    if result.high is None:
        report.notes.append(
            "model averaging: the posterior of N has a tail too long for an upper bound"
        )
    report.estimates.append(
        Estimate(
            name=BMA_NAME,
            method="Bayesian model averaging over decomposable graphical models "
            "(Madigan & York 1997, as dga), posterior median",
            estimate=result.median,
            low=result.low,
            high=result.high,
            level=level,
            observed=table.observed,
            interval="posterior credible interval",
            details={
                "posterior_mean": result.mean,
                "graphs": result.graphs,
                "delta": result.delta,
                "prior_on_n": "1/N",
                "top_graphs": [{"graph": g, "weight": w} for g, w in result.top],
            },
        )
    )


def _with_linkage(
    table: CaptureTable,
    level: float,
    seed: int | None,
    options: dict[str, Any],
    linkage: LinkageUncertainty,
    draws: int,
    reselect: bool,
    report: EstimationReport,
) -> None:
    """Refit every reported model over clusterings drawn from the linkage's probabilities."""
    rng = np.random.default_rng(None if seed is None else seed + 1)
    tables = list(linkage.draws(draws, rng, lists=table.lists))
    documented = [t.observed for t in tables]
    report.linkage = {
        "draws": draws,
        "uncertain_links": linkage.uncertain_links,
        "documented_low": int(min(documented)),
        "documented_high": int(max(documented)),
        "method": (
            (
                "clusterings drawn from a clerical check's rates of missed links and wrong "
                "joins (Bayesian bootstrap of the checked victims)"
                if linkage.check is not None
                else "clusterings drawn from the linkage's match probabilities"
            )
            + "; log-linear: "
            + ("the model chosen again by AIC/BIC on every draw, " if reselect else "")
            + "Rubin's rules on log N; latent-class: posterior draws pooled (Sadinle 2018); "
            + "model averaging: the drawn tables' posteriors of N pooled"
        ),
    }
    if linkage.check is not None:
        report.linkage["clerical_check"] = linkage.check.summary()
    for estimate in report.estimates:
        if estimate.name in report.fitted_terms:
            # A model chosen by a criterion is chosen again on every drawn table (the choice
            # is part of what linkage changes); the independence model stays itself.
            criterion = next((c.lower() for c in estimate.selected_by), None)
            estimate.with_linkage = _loglinear_over(
                tables,
                report.fitted_terms[estimate.name],
                level,
                criterion if reselect else None,
            )
        elif estimate.name.startswith("latent-class"):
            estimate.with_linkage = _lcmcr_over(tables, level, rng, options)
        elif estimate.name == BMA_NAME:
            estimate.with_linkage = _bma_over(tables, level)


def _bma_over(tables: list[CaptureTable], level: float) -> dict[str, Any]:
    """Model averaging over drawn tables: the mixture of every table's posterior of N (each
    table equally likely), as the latent-class draws are pooled."""
    results, failed = [], 0
    for table in tables:
        try:
            results.append(dga.bma(table, level=level))
        except dga.NotEstimable:
            failed += 1
    result: dict[str, Any] = {"draws": len(tables), "failed": failed, "combined_by": "pooled"}
    if not results:
        return {**result, "estimate": None, "low": None, "high": None}
    return {**result, **dga.pooled(results, level)}


def _loglinear_over(
    tables: list[CaptureTable], terms: tuple, level: float, criterion: str | None = None
) -> dict[str, Any]:
    """One log-linear model over drawn tables, combined by Rubin's rules on log N (the
    within-draw variance from each profile interval's width); with `criterion` ("aic" or
    "bic") the model is chosen again by it on every table."""
    z = stats.norm.ppf(0.5 + level / 2)
    centres, variances, unbounded, failed = [], [], False, 0
    for table in tables:
        fit = None
        if criterion is not None:
            fit = loglinear.best_by(loglinear.fit_all(table), criterion)
        if fit is None:
            fit = loglinear.fit_model(table, terms)
        if not fit.ok:
            failed += 1
            continue
        loglinear.profile_interval(table, fit, level)
        if fit.high is None or fit.low is None:
            unbounded = True
            continue
        centres.append(math.log(fit.estimate))
        variances.append(((math.log(fit.high) - math.log(fit.low)) / (2 * z)) ** 2)
    result: dict[str, Any] = {"draws": len(tables), "failed": failed, "combined_by": "Rubin"}
    if len(centres) < 2:
        return {**result, "estimate": None, "low": None, "high": None}
    m = len(centres)
    within = float(np.mean(variances))
    between = float(np.var(centres, ddof=1))
    total = within + (1 + 1 / m) * between
    ratio = (1 + 1 / m) * between / within if within > 0 else math.inf
    df = (m - 1) * (1 + 1 / ratio) ** 2 if ratio > 0 else math.inf
    t = stats.t.ppf(0.5 + level / 2, df) if math.isfinite(df) else z
    centre = float(np.mean(centres))
    low = math.exp(centre - t * math.sqrt(total))
    high = None if unbounded else math.exp(centre + t * math.sqrt(total))
    observed = min(table.observed for table in tables)
    return {
        **result,
        "estimate": math.exp(centre),
        "low": max(low, float(observed)),
        "high": high,
        "between_share": (1 + 1 / m) * between / total if total > 0 else 0.0,
    }


def _lcmcr_over(
    tables: list[CaptureTable], level: float, rng: np.random.Generator, options: dict[str, Any]
) -> dict[str, Any]:
    """The latent-class posterior over drawn tables: each table's draws of N pooled."""
    chosen = tables[: max(2, len(tables) // 2)]
    burn_in = int(options.get("burn_in", 4_000)) // 2
    samples = max(50, int(options.get("samples", 500)) // 2)
    pooled = []
    for table in chosen:
        result = lcmcr(
            table,
            classes=int(options.get("classes", 10)),
            burn_in=burn_in,
            samples=samples,
            thin=int(options.get("thin", 10)),
            chains=2,
            min_ess=0,
            level=level,
            seed=int(rng.integers(2**31)),
        )
        pooled.append(result.draws)
    draws = np.concatenate(pooled)
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return {
        "draws": len(chosen),
        "failed": 0,
        "combined_by": "pooled posterior draws",
        "estimate": float(np.median(draws)),
        "low": float(low),
        "high": float(high),
    }


__all__ = [
    "BMA_NAME",
    "LINKAGE_DRAWS",
    "LinkageUncertainty",
    "CaptureFileError",
    "Estimate",
    "EstimationReport",
    "Skipped",
    "estimate_all",
]
