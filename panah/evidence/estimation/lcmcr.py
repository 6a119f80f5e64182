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

from .captures import CaptureTable

MAX_UNOBSERVED_FACTOR = 1000  # a draw of n0 above this many times n is capped and reported


@dataclass
class LCMCRResult:
    """Posterior summary of N (documented plus undocumented people)."""

    observed: int
    draws: np.ndarray = field(repr=False)
    median: float
    mean: float
    low: float
    high: float
    level: float
    classes: int
    burn_in: int
    samples: int
    thin: int
    seed: int | None
    occupied_classes: float
    effective_sample_size: float
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


def _stick_breaking(rng, counts: np.ndarray, alpha: float) -> np.ndarray:
    """Draw log class weights given class sizes (truncated stick-breaking posterior)."""
    k = len(counts)
    after = np.cumsum(counts[::-1])[::-1]  # people in classes k..K-1
    # V_k ~ Beta(1 + n_k, alpha + n_{>k}) drawn as a ratio of gammas, in logs
    logs = _log_gamma_draws(rng, np.concatenate([1.0 + counts[:-1], alpha + after[1:]]))
    log_a, log_b = logs[: k - 1], logs[k - 1 :]
    log_sum = np.logaddexp(log_a, log_b)
    cum = np.concatenate([[0.0], np.cumsum(log_b - log_sum)])  # log prod (1 - V_l), l < k
    log_pi = np.empty(k)
    log_pi[:-1] = log_a - log_sum + cum[:-1]
    log_pi[-1] = cum[-1]
    return log_pi


def lcmcr(
    table: CaptureTable,
    *,
    classes: int = 10,
    burn_in: int = 10_000,
    samples: int = 1_000,
    thin: int = 10,
    level: float = 0.95,
    seed: int | None = None,
    a_alpha: float = 0.25,
    b_alpha: float = 0.25,
) -> LCMCRResult:
    """Run the Gibbs sampler and summarise the posterior of N (median, mean, credible interval)."""
    if len(table.lists) < 3:
        raise ValueError("the latent-class model needs at least 3 lists")
    if classes < 2:
        raise ValueError("the truncation K* must be at least 2")
    rng = np.random.default_rng(seed)
    x = table.patterns.astype(float)  # (M, J)
    f = table.counts.astype(np.int64)  # (M,)
    n = int(f.sum())
    cap = MAX_UNOBSERVED_FACTOR * n

    lam = np.tile((x.T @ f / n).clip(0.01, 0.99)[:, None], (1, classes))  # (J, K)
    log_pi = np.full(classes, -np.log(classes))
    alpha = 0.3 / classes  # small while warming up: few classes at first, as LCMCR does
    n0 = 0
    count0 = np.zeros(classes, dtype=np.int64)
    capped = 0

    def sweep(update_alpha: bool):
        nonlocal lam, log_pi, alpha, n0, count0, capped
        log_lam, log_1m = np.log(lam), np.log1p(-lam)
        # classes of the documented people, cell by cell
        loglik = x @ log_lam + (1 - x) @ log_1m + log_pi  # (M, K)
        probs = np.exp(loglik - loglik.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        count_mk = rng.multinomial(f, probs)  # (M, K)
        sizes = count_mk.sum(axis=0) + count0
        # list-capture probabilities (the undocumented are zeros on every list)
        ones = x.T @ count_mk  # (J, K)
        g = rng.standard_gamma(np.stack([1.0 + ones, 1.0 + sizes - ones]))
        lam = (g[0] / (g[0] + g[1])).clip(1e-12, 1 - 1e-12)  # Beta draws
        log_pi = _stick_breaking(rng, sizes.astype(float), alpha)
        # the undocumented: how many, and in which classes
        log_miss = log_pi + np.log1p(-lam).sum(axis=0)
        p_miss = float(np.exp(log_miss).sum())
        n0 = int(rng.negative_binomial(n, max(1.0 - p_miss, 1e-12)))
        if n0 > cap:
            n0 = cap
            capped += 1
        w = np.exp(log_miss - log_miss.max())
        count0 = rng.multinomial(n0, w / w.sum())
        if update_alpha:
            alpha = rng.gamma(a_alpha + classes - 1, 1.0 / (b_alpha - log_pi[-1]))
        return sizes

    for _ in range(min(500, burn_in)):
        sweep(update_alpha=False)
    # put the largest classes first, where the stick-breaking prior expects them
    order = np.argsort(-log_pi)
    lam, log_pi, count0 = lam[:, order], log_pi[order], count0[order]
    alpha = 1.0
    for _ in range(max(burn_in - 500, 0)):
        sweep(update_alpha=True)
    capped = 0
    draws = np.empty(samples, dtype=np.int64)
    occupied = np.empty(samples)
    for s in range(samples):
        for _ in range(thin):
            sizes = sweep(update_alpha=True)
        draws[s] = n + n0
        occupied[s] = np.count_nonzero(sizes)
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return LCMCRResult(
        observed=n,
        draws=draws,
        median=float(np.median(draws)),
        mean=float(draws.mean()),
        low=float(low),
        high=float(high),
        level=level,
        classes=classes,
        burn_in=burn_in,
        samples=samples,
        thin=thin,
        seed=seed,
        occupied_classes=float(occupied.mean()),
        effective_sample_size=effective_sample_size(draws),
        capped_draws=capped,
    )


def effective_sample_size(draws: np.ndarray) -> float:
    """Effective number of independent draws (Geyer's initial positive sequence)."""
    x = np.asarray(draws, dtype=float)
    m = len(x)
    if m < 4 or x.var() == 0:
        return float(m)
    x = x - x.mean()
    spectrum = np.fft.rfft(x, 2 * m)
    acov = np.fft.irfft(spectrum * np.conj(spectrum))[:m] / m
    rho = acov / acov[0]
    total = 0.0
    for t in range(0, m - 1, 2):
        pair = rho[t] + rho[t + 1]
        if pair <= 0:
            break
        total += pair
    return float(min(m, m / max(2 * total - 1, 1e-12)))
