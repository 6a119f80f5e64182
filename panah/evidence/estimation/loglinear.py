"""Log-linear models of a capture-history table (Fienberg 1972; Rcapture; Bales et al. 2015).

Each model is a Poisson GLM on the 2^k - 1 observed cells with main effects for every list and
a chosen set of two-way interactions (list dependence). Under the model, the intercept is the
log of the expected number of people on no list, so N = observed + exp(intercept).

Models are compared by AIC and BIC (BIC with the number of documented people as sample size,
as Rcapture does); for up to `ENUMERATE_UP_TO` lists every subset of two-way interactions is
fitted, beyond that a forward stepwise search adds one interaction at a time.

Intervals are profile-likelihood intervals for N (Cormack 1992, as Rcapture's closedpCI.t):
the unobserved cell is added to the table with count N - n, the model is refitted on the full
table, and the multinomial profile log-likelihood is -deviance/2 plus Cormack's correction
term; the interval is every N whose profile log-likelihood is within chi2(1, level)/2 of the
maximum. The refits use a small Newton solver (hundreds are needed per interval) that a test
checks against statsmodels.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import statsmodels.api as sm
from scipy import optimize, special, stats

from .captures import CaptureTable

ENUMERATE_UP_TO = 5  # 2**10 = 1024 models at 5 lists; beyond, stepwise search
# A fitted value this small for an observed zero cell means the parameters run off to infinity:
# the maximum-likelihood estimate does not exist for this model and table.
ZERO_FIT = 1e-6
# An unobserved cell this many times larger than everything seen is not an estimate.
MAX_RATIO = 1e4
UPPER_SEARCH_LIMIT = 1000.0  # give up looking for the upper bound beyond this multiple of N-hat

Pair = tuple[int, int]


@dataclass
class LogLinearFit:
    """One fitted log-linear model; `problem` says why it has no estimate (then skip it)."""

    lists: tuple[str, ...]
    interactions: tuple[Pair, ...]
    observed: int
    n_params: int
    estimate: float | None = None
    unobserved: float | None = None
    log_likelihood: float | None = None
    aic: float | None = None
    bic: float | None = None
    deviance: float | None = None
    df: int | None = None
    params: np.ndarray | None = field(default=None, repr=False)
    keep: np.ndarray | None = field(default=None, repr=False)  # cells not fitted as zero
    boundary_cells: int = 0
    problem: str | None = None
    low: float | None = None
    high: float | None = None
    interval_note: str | None = None

    @property
    def terms(self) -> str:
        """The interactions as `A:B + B:C`, or `independence`."""
        if not self.interactions:
            return "independence"
        return " + ".join(f"{self.lists[i]}:{self.lists[j]}" for i, j in self.interactions)

    @property
    def name(self) -> str:
        """The model's name as printed."""
        return f"log-linear ({self.terms})"

    @property
    def ok(self) -> bool:
        """Whether the model gave a finite estimate."""
        return self.problem is None


def design_matrix(patterns: np.ndarray, interactions: tuple[Pair, ...]) -> np.ndarray:
    """Intercept, one column per list, one product column per two-way interaction."""
    x = patterns.astype(float)
    columns = [np.ones(len(x)), *x.T, *(x[:, i] * x[:, j] for i, j in interactions)]
    return np.column_stack(columns)


def fit_model(table: CaptureTable, interactions: tuple[Pair, ...] = ()) -> LogLinearFit:
    """Fit one model (statsmodels Poisson GLM) and estimate the number of people on no list."""
    interactions = tuple(sorted(tuple(sorted(p)) for p in interactions))
    x = design_matrix(table.patterns, interactions)
    y = table.counts.astype(float)
    n = table.observed
    result = LogLinearFit(table.lists, interactions, n, x.shape[1])
    if x.shape[1] > len(y):
        result.problem = "more parameters than observed cells"
        return result
    if np.linalg.matrix_rank(x) < x.shape[1]:
        result.problem = "parameters not identifiable from these cells"
        return result
    glm = _glm(y, x)
    if glm is None:
        result.problem = "the fit failed"
        return result
    keep = np.ones(len(y), dtype=bool)
    boundary = (y == 0) & (np.asarray(glm.fittedvalues) < ZERO_FIT)
    if boundary.any():
        # The MLE lies on the boundary: some zero cells are fitted as exactly zero. Refit
        # without them (the extended MLE, as R's glm reports it); N stays defined only if
        # the unobserved cell's log-mean is still an estimable function of the parameters.
        keep = ~boundary
        unobserved_row = np.eye(1, x.shape[1])
        if np.linalg.matrix_rank(np.vstack([x[keep], unobserved_row])) > np.linalg.matrix_rank(
            x[keep]
        ):
            result.problem = "zero cells leave the number on no list unidentifiable"
            return result
        glm = _glm(y[keep], x[keep])
        if glm is None:
            result.problem = "the fit failed"
            return result
    params = np.asarray(glm.params)
    mu = np.zeros(len(y))
    mu[keep] = np.asarray(glm.fittedvalues)
    if not glm.converged or not np.all(np.isfinite(params)):
        result.problem = "the fit did not converge"
        return result
    unobserved = math.exp(params[0]) if params[0] < 700 else math.inf
    if not math.isfinite(unobserved) or unobserved > MAX_RATIO * max(n, 1):
        result.problem = "the estimate is unbounded (the model cannot be identified here)"
        return result
    llf = float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1)))
    p = x.shape[1]
    result.params = params
    result.unobserved = unobserved
    result.estimate = n + unobserved
    result.log_likelihood = llf
    result.aic = -2 * llf + 2 * p
    result.bic = -2 * llf + p * math.log(n)
    result.deviance = float(glm.deviance)
    result.df = len(y) - p
    result.keep = keep
    result.boundary_cells = int((~keep).sum())
    return result


def _glm(y: np.ndarray, x: np.ndarray):
    """statsmodels Poisson GLM, quietly (divergence is checked by the caller); None on failure."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return sm.GLM(y, x, family=sm.families.Poisson()).fit(maxiter=200)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return None


def candidate_models(k: int) -> list[tuple[Pair, ...]]:
    """Every set of two-way interactions that leaves the model identifiable (k <= 5 lists)."""
    pairs = list(combinations(range(k), 2))
    cells = 2**k - 1
    models = []
    for size in range(len(pairs) + 1):
        if 1 + k + size > cells:
            break
        models.extend(combinations(pairs, size))
    return models


def fit_all(table: CaptureTable) -> list[LogLinearFit]:
    """Fit every candidate model (or, for many lists, the models two stepwise searches visit,
    one by AIC and one by BIC)."""
    k = len(table.lists)
    if k <= ENUMERATE_UP_TO:
        return [fit_model(table, m) for m in candidate_models(k)]
    visited: dict[tuple[Pair, ...], LogLinearFit] = {}
    for criterion in ("aic", "bic"):
        stepwise(table, criterion, visited)
    return list(visited.values())


def stepwise(
    table: CaptureTable,
    criterion: str = "bic",
    visited: dict[tuple[Pair, ...], LogLinearFit] | None = None,
) -> LogLinearFit:
    """Forward selection from independence, adding the interaction that most improves the
    criterion until none does; returns the last model (every fit is kept in `visited`)."""
    k = len(table.lists)
    pairs = list(combinations(range(k), 2))
    visited = {} if visited is None else visited
    if () not in visited:
        visited[()] = fit_model(table, ())
    current = visited[()]
    cells = 2**k - 1
    while True:
        best = current
        for pair in pairs:
            if pair in current.interactions or current.n_params + 1 > cells:
                continue
            terms = tuple(sorted((*current.interactions, pair)))
            if terms not in visited:
                visited[terms] = fit_model(table, terms)
            fit = visited[terms]
            if fit.ok and (not best.ok or _score(fit, criterion) < _score(best, criterion)):
                best = fit
        if best is current:
            return current
        current = best


def _score(fit: LogLinearFit, criterion: str) -> float:
    return fit.aic if criterion == "aic" else fit.bic


def best_by(fits: list[LogLinearFit], criterion: str) -> LogLinearFit | None:
    """The estimable model with the lowest AIC or BIC (ties: fewer parameters)."""
    usable = [f for f in fits if f.ok]
    if not usable:
        return None
    return min(usable, key=lambda f: (_score(f, criterion), f.n_params))


# --- profile-likelihood interval -------------------------------------------------------------


def _poisson_newton(x: np.ndarray, y: np.ndarray, beta: np.ndarray, max_iter: int = 100):
    """Poisson log-linear MLE by Newton's method with step halving; returns (beta, deviance)."""

    def deviance(eta):
        return 2 * float(np.sum(special.xlogy(y, y) - y * eta - y + np.exp(eta)))

    eta = x @ beta
    dev = deviance(eta)
    for _ in range(max_iter):
        mu = np.exp(eta)
        gradient = x.T @ (y - mu)
        hessian = x.T @ (mu[:, None] * x)
        # least squares: a model refitted without boundary cells may be rank deficient
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        t = 1.0
        while True:
            candidate = beta + t * step
            new_eta = x @ candidate
            new_dev = deviance(new_eta) if np.all(new_eta < 700) else math.inf
            if new_dev <= dev + 1e-9 or t < 1e-10:
                break
            t /= 2
        converged = abs(dev - new_dev) < 1e-10 * (1 + abs(new_dev))
        beta, eta, dev = candidate, new_eta, new_dev
        if converged:
            break
    return beta, dev


class _Profile:
    """The multinomial profile log-likelihood of N under one log-linear model."""

    def __init__(self, table: CaptureTable, fit: LogLinearFit):
        obs = design_matrix(table.patterns, fit.interactions)[fit.keep]
        self.x = np.vstack([obs, np.eye(1, obs.shape[1])])
        self.y = np.append(table.counts[fit.keep].astype(float), 0.0)
        self.n = table.observed
        self.start = np.asarray(fit.params, dtype=float)
        self.cache: dict[float, float] = {}

    def __call__(self, total: float) -> float:
        if total in self.cache:
            return self.cache[total]
        n0 = max(total - self.n, 0.0)
        self.y[-1] = n0
        with np.errstate(all="ignore"):
            beta, dev = _poisson_newton(self.x, self.y, self.start.copy())
        if np.all(np.isfinite(beta)):
            self.start = beta
        # Cormack's correction: log(n0^n0 N! / (N^N n0!)), exact via log-gamma.
        correction = (
            special.xlogy(n0, n0)
            + special.gammaln(total + 1)
            - special.xlogy(total, total)
            - special.gammaln(n0 + 1)
        )
        value = -dev / 2 + float(correction)
        self.cache[total] = value
        return value


def profile_interval(table: CaptureTable, fit: LogLinearFit, level: float = 0.95) -> None:
    """Set fit.low and fit.high to the profile-likelihood interval for N (high None if the
    likelihood stays flat far beyond the estimate)."""
    if not fit.ok:
        return
    profile = _Profile(table, fit)
    n = table.observed
    n_hat = fit.estimate
    span = max(3 * n_hat, n + 10)
    found = optimize.minimize_scalar(
        lambda t: -profile(t), bounds=(n, span), method="bounded", options={"xatol": 1e-4}
    )
    n_max, l_max = float(found.x), -float(found.fun)
    if profile(n) > l_max:
        n_max, l_max = float(n), profile(n)
    target = l_max - stats.chi2.ppf(level, 1) / 2

    def gap(t):
        return profile(t) - target

    if gap(n) >= 0:
        fit.low = float(n)
    else:
        fit.low = float(optimize.brentq(gap, n, n_max, xtol=1e-4))
    upper = max(span, n_max + 10)
    while gap(upper) > 0 and upper < UPPER_SEARCH_LIMIT * n_hat:
        upper *= 2
    if gap(upper) > 0:
        fit.high = None
        fit.interval_note = f"no upper bound below {upper:,.0f}"
    else:
        fit.high = float(optimize.brentq(gap, n_max, upper, xtol=1e-4))
