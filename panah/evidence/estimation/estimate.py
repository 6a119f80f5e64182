"""Run every estimator on one capture-history table and collect comparable results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from . import loglinear
from .captures import CaptureFileError, CaptureTable
from .lcmcr import lcmcr

METHODS = ("loglinear", "lcmcr")


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


def estimate_all(
    table: CaptureTable,
    *,
    methods: tuple[str, ...] = METHODS,
    level: float = 0.95,
    seed: int | None = None,
    lcmcr_options: dict[str, Any] | None = None,
) -> EstimationReport:
    """Estimate N with the independence, AIC- and BIC-selected log-linear models and LCMCR."""
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
        "seed": result.seed,
        "mean_occupied_classes": result.occupied_classes,
        "effective_sample_size": result.effective_sample_size,
    }
    if result.capped_draws:
        details["capped_draws"] = result.capped_draws
        report.notes.append(
            f"LCMCR: {result.capped_draws} draws of the undocumented hit the cap; "
            "the posterior has a very long upper tail and its interval is not reliable"
        )
    if result.effective_sample_size < 100:
        report.notes.append(
            f"LCMCR: only about {result.effective_sample_size:.0f} effectively independent "
            "draws; run longer (--iterations/--thin) before relying on the interval"
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


__all__ = [
    "CaptureFileError",
    "Estimate",
    "EstimationReport",
    "Skipped",
    "estimate_all",
]
