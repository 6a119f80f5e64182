"""Synthetic populations of known size, for tests and the coverage benchmark."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .captures import CaptureTable

LIST_NAMES = "ABCDEFGHIJKLMNO"


def table_from_matrix(captured: np.ndarray, lists: Sequence[str] | None = None) -> CaptureTable:
    """Tabulate a (people, lists) 0/1 matrix into a capture-history table."""
    captured = np.asarray(captured, dtype=np.int64)
    k = captured.shape[1]
    lists = tuple(lists) if lists is not None else tuple(LIST_NAMES[:k])
    codes = captured @ (1 << np.arange(k - 1, -1, -1))
    counts = np.bincount(codes, minlength=2**k)[1:]
    return CaptureTable.from_counts(
        lists,
        {tuple((c >> np.arange(k - 1, -1, -1)) & 1): int(v) for c, v in enumerate(counts, 1)},
    )


def latent_class_population(
    rng: np.random.Generator,
    size: int,
    weights: Sequence[float],
    probs: Sequence[Sequence[float]],
) -> CaptureTable:
    """People in latent classes (weights), each list documenting a member of class k with
    probs[k][j] independently. One class gives independent lists."""
    probs = np.asarray(probs, dtype=float)
    classes = rng.choice(len(weights), size=size, p=np.asarray(weights) / np.sum(weights))
    captured = rng.random((size, probs.shape[1])) < probs[classes]
    return table_from_matrix(captured)


def dependent_population(
    rng: np.random.Generator,
    size: int,
    probs: Sequence[float],
    depends_on: dict[int, tuple[int, float, float]],
) -> CaptureTable:
    """Lists with direct dependence: list j in depends_on = {j: (i, p_if_on_i, p_if_not)}
    documents a person with p_if_on_i when list i (an earlier list) documented them."""
    k = len(probs)
    captured = np.zeros((size, k), dtype=bool)
    for j in range(k):
        if j in depends_on:
            i, p_on, p_off = depends_on[j]
            p = np.where(captured[:, i], p_on, p_off)
        else:
            p = np.full(size, probs[j])
        captured[:, j] = rng.random(size) < p
    return table_from_matrix(captured)
