"""Bayesian non-parametric latent-class capture-recapture (LCMCR; Manrique-Vallier 2016).

People fall into latent classes; within a class each list documents a person independently
with its own probability. Heterogeneity between classes produces the list dependence seen in
the table without having to name it. The number of classes is left open through a
stick-breaking (truncated Dirichlet process) prior with K* components.

Model, as in the LCMCR package:
  lambda_jk ~ Beta(1, 1)            probability that list j documents a member of class k
  pi ~ SB(alpha), truncated at K*   class weights, V_k ~ Beta(1, alpha)
  alpha ~ Gamma(0.25, 0.25)
  p(N) proportional to 1/N          so n0 | rest ~ NegativeBinomial(n, 1 - P(on no list))

The Gibbs sampler works on cell counts rather than individuals (people with the same pattern
are exchangeable), so one sweep costs O(cells x K*) whatever the number of people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from arviz_stats.base import array_stats

from .captures import CaptureTable

MAX_UNOBSERVED_FACTOR = 1000  # a draw of n0 above this many times n is capped and reported
# Draws of N that are effectively independent before the sampler stops (the chains run on
# until then, up to max_samples): 400 keeps the Monte Carlo error of a 95% interval's ends
# small beside the interval (Vehtari et al. 2021).
MIN_ESS = 400


@dataclass
class LCMCRResult:
    """Posterior summary of N (documented plus undocumented people)."""

    observed: int
    draws: np.ndarray = field(repr=False)  # every chain's draws of N, chain after chain
    median: float
    mean: float
    low: float
    high: float
    level: float
    classes: int
    burn_in: int
    samples: int  # draws kept per chain
    thin: int
    chains: int
    seed: int | None
    occupied_classes: float
    effective_sample_size: float  # bulk ESS of N over every chain
    rhat: float | None  # rank-normalised split R-hat of N (None with one chain)
    capped_draws: int

    @property
    def name(self) -> str:
        """The model's name as printed."""
        return "latent-class (LCMCR)"


def _log_gamma_draws(rng: np.random.Generator, shape: np.ndarray) -> np.ndarray:
    """log of Gamma(shape, 1) draws, accurate for shapes far below 1 (where draws underflow):
    G(s) = G(s + 1) * U**(1/s)."""
    small = shape < 1
    logs = np.log(rng.standard_gamma(shape + small))
    if small.any():
        logs[small] += np.log1p(-rng.random(int(small.sum()))) / shape[small]  # log U, U in (0, 1]
    return logs


def _stick_breaking(rng, counts: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Draw log class weights given class sizes (truncated stick-breaking posterior), one row
    of (chains, K) `counts` per chain."""
    k = counts.shape[1]
    after = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1]  # people in classes k..K-1
    # V_k ~ Beta(1 + n_k, alpha + n_{>k}) drawn as a ratio of gammas, in logs
    shapes = np.concatenate([1.0 + counts[:, :-1], alpha[:, None] + after[:, 1:]], axis=1)
    logs = _log_gamma_draws(rng, shapes)
    log_a, log_b = logs[:, : k - 1], logs[:, k - 1 :]
    log_sum = np.logaddexp(log_a, log_b)
    cum = np.concatenate(
        [np.zeros((len(counts), 1)), np.cumsum(log_b - log_sum, axis=1)], axis=1
    )  # log prod (1 - V_l), l < k
    log_pi = np.empty_like(counts, dtype=float)
    log_pi[:, :-1] = log_a - log_sum + cum[:, :-1]
    log_pi[:, -1] = cum[:, -1]
    return log_pi


def lcmcr(
    table: CaptureTable,
    *,
    classes: int = 10,
    burn_in: int = 4_000,
    samples: int = 500,
    thin: int = 10,
    chains: int = 4,
    min_ess: float = MIN_ESS,
    max_samples: int | None = None,
    level: float = 0.95,
    seed: int | None = None,
    a_alpha: float = 0.25,
    b_alpha: float = 0.25,
) -> LCMCRResult:
    """Run `chains` Gibbs samplers side by side and summarise the posterior of N (median,
    mean, credible interval) with its effective sample size and R-hat.

    `samples` draws are kept per chain, one every `thin` sweeps after `burn_in` sweeps; while
    the effective sample size of N is below `min_ess` the chains run on, up to `max_samples`
    draws each (by default 12 times `samples`). The chains start from dispersed capture
    probabilities and run as one batch of arrays, so four chains cost little more than one."""
    if len(table.lists) < 3:
        raise ValueError("the latent-class model needs at least 3 lists")
    if classes < 2:
        raise ValueError("the truncation K* must be at least 2")
    if chains < 1:
        raise ValueError("at least one chain is needed")
    if max_samples is None:
        max_samples = 12 * samples
    rng = np.random.default_rng(seed)
    x = table.patterns.astype(float)  # (M, J)
    xt = x.T
    f = table.counts.astype(np.int64)  # (M,)
    n = int(f.sum())
    cap = MAX_UNOBSERVED_FACTOR * n
    c = chains

    base = (x.T @ f / n).clip(0.01, 0.99)
    # dispersed starting points (for R-hat): each chain scales the lists' capture rates
    jitter = np.exp(rng.normal(0.0, 0.5, size=(c, len(base), 1)))
    lam = np.broadcast_to(base[None, :, None] * jitter, (c, len(base), classes)).clip(0.01, 0.99)
    log_pi = np.full((c, classes), -np.log(classes))
    # small while warming up: few classes at first, as LCMCR does
    alpha = np.full(c, 0.3 / classes)
    count0 = np.zeros((c, classes), dtype=np.int64)
    n0 = np.zeros(c, dtype=np.int64)
    capped = 0

    def sweep(update_alpha: bool):
        nonlocal lam, log_pi, alpha, n0, count0, capped
        log_lam, log_1m = np.log(lam), np.log1p(-lam)
        # classes of the documented people, cell by cell
        loglik = x @ log_lam + (1 - x) @ log_1m + log_pi[:, None, :]  # (C, M, K)
        probs = np.exp(loglik - loglik.max(axis=2, keepdims=True))
        probs /= probs.sum(axis=2, keepdims=True)
        count_mk = rng.multinomial(f[None, :], probs)  # (C, M, K)
        sizes = count_mk.sum(axis=1) + count0  # (C, K)
        # list-capture probabilities (the undocumented are zeros on every list)
        ones = xt @ count_mk  # (C, J, K)
        g = rng.standard_gamma(np.stack([1.0 + ones, 1.0 + sizes[:, None, :] - ones]))
        lam = (g[0] / (g[0] + g[1])).clip(1e-12, 1 - 1e-12)  # Beta draws
        log_pi = _stick_breaking(rng, sizes.astype(float), alpha)
        # the undocumented: how many, and in which classes
        log_miss = log_pi + np.log1p(-lam).sum(axis=1)  # (C, K)
        p_miss = np.exp(log_miss).sum(axis=1)
        n0 = rng.negative_binomial(n, np.maximum(1.0 - p_miss, 1e-12))
        over = n0 > cap
        if over.any():
            n0 = np.where(over, cap, n0)
            capped += int(over.sum())
        w = np.exp(log_miss - log_miss.max(axis=1, keepdims=True))
        count0 = rng.multinomial(n0, w / w.sum(axis=1, keepdims=True))
        if update_alpha:
            alpha = rng.gamma(a_alpha + classes - 1, 1.0 / (b_alpha - log_pi[:, -1]))
        return sizes

    for _ in range(min(500, burn_in)):
        sweep(update_alpha=False)
    # put the largest classes first, where the stick-breaking prior expects them
    order = np.argsort(-log_pi, axis=1)
    lam = np.take_along_axis(lam, order[:, None, :], axis=2)
    log_pi = np.take_along_axis(log_pi, order, axis=1)
    count0 = np.take_along_axis(count0, order, axis=1)
    alpha = np.ones(c)
    for _ in range(max(burn_in - 500, 0)):
        sweep(update_alpha=True)
    capped = 0
    blocks: list[np.ndarray] = []
    occupied = 0.0

    def run(count: int) -> None:
        nonlocal occupied
        block = np.empty((c, count), dtype=np.int64)
        for s in range(count):
            for _ in range(thin):
                sizes = sweep(update_alpha=True)
            block[:, s] = n + n0
            occupied += np.count_nonzero(sizes, axis=1).sum()
        blocks.append(block)

    run(samples)
    draws = blocks[0]
    ess, rhat = convergence(draws)
    # Too few effectively independent draws: run on, half as many again each time.
    while ess < min_ess and draws.shape[1] < max_samples:
        run(min(max(samples // 2, 10), max_samples - draws.shape[1]))
        draws = np.concatenate(blocks, axis=1)
        ess, rhat = convergence(draws)
    tail = (1 - level) / 2
    flat = draws.ravel()
    low, high = np.quantile(flat, [tail, 1 - tail])
    return LCMCRResult(
        observed=n,
        draws=flat,
        median=float(np.median(flat)),
        mean=float(flat.mean()),
        low=float(low),
        high=float(high),
        level=level,
        classes=classes,
        burn_in=burn_in,
        samples=int(draws.shape[1]),
        thin=thin,
        chains=c,
        seed=seed,
        occupied_classes=float(occupied / draws.size),
        effective_sample_size=ess,
        rhat=rhat,
        capped_draws=capped,
    )


def convergence(draws: np.ndarray) -> tuple[float, float | None]:
    """Bulk effective sample size and rank-normalised split R-hat (Vehtari et al. 2021, as
    computed by arviz-stats) of (chains, draws) samples; R-hat is None with a single chain."""

    draws = np.asarray(draws, dtype=float)
    if draws.ndim == 1:
        draws = draws[None, :]
    if draws.shape[1] < 4 or np.ptp(draws) == 0:
        return float(draws.size), (None if draws.shape[0] < 2 else 1.0)
    ess = float(array_stats.ess(draws, chain_axis=0, draw_axis=1, method="bulk"))
    rhat = None
    if draws.shape[0] >= 2:
        rhat = float(array_stats.rhat(draws, chain_axis=0, draw_axis=1, method="rank"))
    return ess, rhat
