"""Rank statistics the claims are graded on, with missing values handled one way everywhere;
medians, spreads, and the Kolmogorov distance of a sample to a law.

A value that is not finite (NaN or ±inf: a diverged run's loss, λ1 or accuracy) is not a
measurement. It never enters a statistic: :func:`spearman` drops the pairs in which either
value is not finite (NaN would otherwise sort last and take the highest rank), :func:`median`
and :func:`spread` skip such values. Callers that exclude whole runs (K's diverged networks)
name them in the claim's evidence; these functions only guarantee that nothing non-finite
slips through.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


def finite_pairs(x: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``(x[i], y[i])`` where both are finite."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) != len(y):
        raise ValueError(f"lengths differ ({len(x)} and {len(y)})")
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def ranks(v: Sequence[float]) -> np.ndarray:
    """Ranks 1..n, ties sharing their average rank (scipy's ``rankdata(method="average")``)."""
    v = np.asarray(v, float)
    order = np.argsort(v, kind="mergesort")
    r = np.empty(len(v))
    r[order] = np.arange(1, len(v) + 1)
    for val in np.unique(v):
        tie = v == val
        r[tie] = r[tie].mean()
    return r


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation (average ranks for ties) over the pairs where both values are
    finite; NaN for fewer than 2 such pairs or a constant column.

    Rounded to 12 digits: rank correlations are ratios of small integers, and a threshold such
    as 0.8 must not fail on 0.7999999999999999.
    """
    x, y = finite_pairs(x, y)
    if len(x) < 2:
        return float("nan")
    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return round(float(np.corrcoef(rx, ry)[0, 1]), 12)


def mean_rho(rhos: Iterable[float]) -> float:
    """The mean of the defined (finite) rank correlations, rounded to 12 digits as
    :func:`spearman` is (the mean of -0.6, -0.8 and -1.0 is -0.7999999999999999 in floating point
    and must meet a threshold of -0.8); NaN when none is defined."""
    v = finite(rhos)
    return round(float(v.mean()), 12) if v.size else float("nan")


def finite(values: Iterable[float]) -> np.ndarray:
    """The finite values, in order."""
    v = np.asarray(list(values), float)
    return v[np.isfinite(v)]


def median(values: Iterable[float]) -> float:
    """The median of the finite values (the mean of the two middle ones for an even count); NaN
    when there are none."""
    v = finite(values)
    return float(np.median(v)) if len(v) else float("nan")


def spread(values: Iterable[float]) -> float:
    """max − min of the finite values; NaN when there are none."""
    v = finite(values)
    return float(np.max(v) - np.min(v)) if len(v) else float("nan")


def share(flags: Iterable[bool]) -> float:
    """The share of true flags; NaN when there are none."""
    f = list(flags)
    return float(np.mean(f)) if f else float("nan")


@lru_cache(maxsize=None)
def _orderings(n: int) -> np.ndarray:
    return np.array(list(itertools.permutations(range(n))), dtype=np.int8)


def rank_p(x: Sequence[float], y: Sequence[float]) -> float:
    """Two-sided p-value of Spearman's rho under independence: the share of the n! orderings of
    ``y`` whose |rho| is at least the observed one (exact, n <= 9), Student's t with n - 2 degrees
    of freedom beyond. Pairs with a non-finite value (a diverged run) are left out; nan for fewer
    than 3 pairs or a constant column."""
    x, y = finite_pairs(x, y)
    n = len(x)
    if n < 3:
        return float("nan")
    rx, ry = ranks(x), ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    norm = np.linalg.norm(rx) * np.linalg.norm(ry)
    if norm == 0:
        return float("nan")
    rho = float(rx @ ry / norm)
    if n <= 9:
        rhos = ry[_orderings(n)] @ rx / norm
        return float(np.mean(np.abs(rhos) >= abs(rho) - 1e-9))
    if abs(rho) >= 1 - 1e-12:
        return 0.0
    from scipy.stats import t as student

    stat = abs(rho) * np.sqrt((n - 2) / (1 - rho ** 2))
    return float(2 * student.sf(stat, n - 2))


ACCURACY_FLOOR = 5.0
"""Percent. An adversarial accuracy at or below this is at the floor: the network has next to no
robustness at that radius, and the order of such values is a few test images (0.9 % against
0.2 % is 9 against 2 of 1,000), not a property of the networks. Rank statistics read them tied
(:func:`floor_tied`); a curve with every value there is flat by construction."""


def sign_test_p(wins: int, n: int) -> float:
    """Two-sided exact sign test: the probability, with each of ``n`` untied pairs equally likely
    to go either way, of a split at least as uneven as ``wins`` of ``n``; NaN for no pairs."""
    if n <= 0:
        return float("nan")
    k = max(wins, n - wins)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k, n + 1)) / 2 ** n)


def floor_tied(values: Iterable[float], floor: float = ACCURACY_FLOOR) -> np.ndarray:
    """``values`` with every finite value below ``floor`` set to ``floor``: a rank statistic then
    ties them (average ranks) instead of ordering them by noise; non-finite values stay as they are.
    A value exactly at ``floor`` ties with them: off the floor means above it (:func:`above_floor`)."""
    v = np.asarray(list(values), float)
    return np.where(np.isfinite(v) & (v < floor), floor, v)


def above_floor(values: Iterable[float], floor: float = ACCURACY_FLOOR) -> np.ndarray:
    """Which of ``values`` are off the floor: above ``floor`` (NaN is not). The others are what
    :func:`floor_tied` ties together, a value exactly at ``floor`` among them."""
    return np.asarray(list(values), float) > floor


def accuracy_difference_se(a: float, b: float, n: int) -> float:
    """Standard error, in percentage points, of the difference of two accuracies ``a`` and ``b``
    (percent) each measured on ``n`` test images, read as independent binomials (conservative for
    two networks scored on the same images, whose errors overlap)."""
    pa, pb = a / 100, b / 100
    return 100 * math.sqrt(max(pa * (1 - pa), 0.0) / n + max(pb * (1 - pb), 0.0) / n)


def paired_difference_se(x: Sequence[float], y: Sequence[float]) -> float:
    """Standard error, in percentage points, of the difference of two accuracies scored on the
    same samples: ``x`` and ``y`` hold each sample's score in [0, 1] (1 correct, 0 not; or a mean
    over several test sets made of those samples), paired by sample. McNemar's: the root mean
    square of the per-sample difference over sqrt(n), i.e. for 0/1 scores with b samples right
    only in ``x`` and c only in ``y``, 100 sqrt(b + c) / n, the difference's standard error were
    the two the same (not centred on the observed difference, so a gap of a few samples never
    counts: at two standard errors b - c must exceed 2 sqrt(b + c), 5 samples against none).
    Below the unpaired :func:`accuracy_difference_se` where the two scores' errors overlap
    (positively correlated: one network on two attacks of the same images, two networks on one
    set); about equal where they do not (a network near 0 % on a set)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape or not len(x):
        raise ValueError(f"paired_difference_se: x and y must be two equal-length 1-D score vectors, got shapes "
                         f"{x.shape} and {y.shape}")
    d = x - y
    return 100 * math.sqrt(float(np.mean(d * d)) / len(d))


def difference_se(a: float, b: float, n: int, x: Sequence[float] | None = None,
                  y: Sequence[float] | None = None) -> float:
    """Standard error, in percentage points, of accuracy ``a`` minus ``b`` (percent, each on the
    same ``n`` samples): paired, McNemar's (:func:`paired_difference_se`), where each sample's
    scores ``x`` and ``y`` are given; else as two independent accuracies
    (:func:`accuracy_difference_se`), e.g. a paper's printed numbers."""
    if x is None or y is None:
        return accuracy_difference_se(a, b, n)
    if len(x) != n or len(y) != n:
        raise ValueError(f"difference_se: scores of {len(x)} and {len(y)} samples for accuracies on n = {n}")
    return paired_difference_se(x, y)


def beats(a: float, b: float, n: int, ses: float = 2.0, x: Sequence[float] | None = None,
          y: Sequence[float] | None = None) -> bool:
    """Accuracy ``a`` above ``b`` (percent, each on ``n`` test images) by more than ``ses``
    standard errors of their difference (:func:`difference_se`: paired where each image's scores
    ``x`` and ``y`` are given)."""
    return a - b > ses * difference_se(a, b, n, x, y)


def smallest_rank_p(y: Sequence[float]) -> float:
    """The smallest two-sided :func:`rank_p` any column without ties could reach against ``y``
    (one ordered as ``y`` is): with ties in ``y`` (values at the floor) it can exceed a test's level,
    and a claim of *no* correlation judged there could not fail. nan for fewer than 3 finite values
    or a constant ``y``."""
    y = finite(y)
    return rank_p(np.argsort(np.argsort(y, kind="stable")).astype(float), y)


EXACT_PERMUTATIONS = 2_000_000
"""The pooled test (:func:`stratified_rank_p`) enumerates every within-seed ordering up to this
many (three seeds of 5 batch sizes: 120³ = 1,728,000); beyond, it draws
:data:`RANDOM_PERMUTATIONS` of them with a fixed generator (the same p on every build)."""
RANDOM_PERMUTATIONS = 100_000


Blocks = list[tuple[np.ndarray, np.ndarray]]
"""Each stratum's (x, y) ranks, ranked and centred within the stratum."""


def _centred_blocks(xs: Sequence[Sequence[float]], ys: Sequence[Sequence[float]]) -> Blocks:
    """Each stratum's finite pairs as ranks centred on the stratum's own mean rank: a seed's offset
    (all its values higher or lower than another seed's) then moves nothing, and a stratum
    contributes to the statistic only through the order of its own pairs."""
    blocks = []
    for x, y in zip(xs, ys):
        fx, fy = finite_pairs(x, y)
        rx, ry = ranks(fx), ranks(fy)
        blocks.append((rx - rx.mean(), ry - ry.mean()))
    return blocks


def _exact_p(blocks: Blocks, observed: float, tol: float) -> float:
    """Share of every within-stratum ordering of y whose |Σ x·y| reaches |observed|."""
    sums = np.zeros(1)
    for bx, by in blocks:
        sums = (sums[:, None] + (by[_orderings(len(by))] @ bx)[None, :]).ravel()
    return float(np.mean(np.abs(sums) >= abs(observed) - tol))


def _drawn_p(blocks: Blocks, observed: float, tol: float) -> float:
    """The same over :data:`RANDOM_PERMUTATIONS` orderings drawn with a fixed generator (seed 0: the
    same p on every build), counting the observed ordering as one of them."""
    rng = np.random.default_rng(0)
    sums = np.zeros(RANDOM_PERMUTATIONS)
    for bx, by in blocks:
        sums += rng.permuted(np.tile(by, (RANDOM_PERMUTATIONS, 1)), axis=1) @ bx
    return float((1 + np.sum(np.abs(sums) >= abs(observed) - tol)) / (1 + RANDOM_PERMUTATIONS))


def stratified_rank_p(xs: Sequence[Sequence[float]], ys: Sequence[Sequence[float]]) -> tuple[float, float]:
    """(ρ, two-sided p) of a rank correlation stratified by seed (a stratum: one network seed's
    batch sizes). Each stratum's pairs are ranked and centred within the stratum; the statistic is
    S = Σ_strata Σ x·y, reported as ρ = S / sqrt(Σ‖x‖² · Σ‖y‖²), and its p is the share of the
    permutations of ``y`` *within* each stratum whose |S| reaches the observed one. Under the null
    hypothesis that within each seed y is unrelated to x, every within-seed ordering is equally
    likely and S is centred at 0, whatever the seeds' offsets: pooling the seeds gains their power,
    and a difference between seeds can neither read as a correlation nor hide one (centred on the
    pooled mean instead, three seeds each at ρ = −1 whose values all rise from seed to seed read
    ρ = +0.79, p = 1: review item 1). One stratum: Spearman's ρ and the exact test of
    :func:`rank_p` (up to 9 points). Exact up to :data:`EXACT_PERMUTATIONS`
    orderings, else :data:`RANDOM_PERMUTATIONS` drawn. Pairs with a non-finite value are left out;
    a stratum with a constant column adds nothing; (nan, nan) for fewer than 3 pairs or nothing
    left to order."""
    nan = float("nan")
    blocks = _centred_blocks(xs, ys)
    if sum(len(bx) for bx, _ in blocks) < 3:
        return nan, nan
    blocks = [(bx, by) for bx, by in blocks if bx @ bx > 0 and by @ by > 0]  # the others add 0 to S
    norm = math.sqrt(sum(float(bx @ bx) for bx, _ in blocks) * sum(float(by @ by) for _, by in blocks))
    if norm == 0:
        return nan, nan
    observed = sum(float(bx @ by) for bx, by in blocks)
    tol = 1e-9 * norm
    exact = math.prod(math.factorial(len(bx)) for bx, _ in blocks) <= EXACT_PERMUTATIONS
    p = _exact_p(blocks, observed, tol) if exact else _drawn_p(blocks, observed, tol)
    return round(observed / norm, 12), p


def smallest_stratified_p(ys: Sequence[Sequence[float]]) -> float:
    """The smallest p of :func:`stratified_rank_p` any column without ties could reach against
    ``ys``: that of a column ordered within each stratum as ``ys`` is (with values at the floor tied
    it can exceed the test's level, and a claim of no correlation could not fail there)."""
    ys = [np.asarray(y, float)[np.isfinite(np.asarray(y, float))] for y in ys]
    return stratified_rank_p([np.argsort(np.argsort(y, kind="stable")).astype(float) for y in ys], ys)[1]


@dataclass(frozen=True)
class EmpiricalLaw:
    """The distribution of a pooled sample (no atom at zero): with it :func:`kolmogorov_distance`
    is the two-sample distance between a sample and this one."""

    sample: np.ndarray
    zero_mass: float = 0.0

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.sort(self.sample), x, side="right") / len(self.sample)

    def cdf_left(self, x: np.ndarray) -> np.ndarray:
        """The law just below ``x`` (its atoms are the sample's values)."""
        return np.searchsorted(np.sort(self.sample), x, side="left") / len(self.sample)


def kolmogorov_distance(sample: Sequence[float], law) -> float:
    """sup |F_empirical - F_law| over the sample points (both one-sided limits), for a law with
    ``cdf`` and an atom ``zero_mass`` at zero (:class:`hessbook.randmat.MarchenkoPastur`): values
    within 1e-9 of the largest magnitude count as that atom's zeros. A law with atoms elsewhere
    gives its left limit as ``cdf_left`` (:class:`EmpiricalLaw`: the two-sample distance)."""
    e = np.sort(sample)
    e = np.where(np.abs(e) <= 1e-9 * np.abs(e).max(), 0.0, e)  # rounding around the atom at zero
    F = law.cdf(e)
    # the law just below each point: its own left limit where it has atoms anywhere, else the atom at zero
    F_left = law.cdf_left(e) if hasattr(law, "cdf_left") else F - np.where(e == 0.0, law.zero_mass, 0.0)
    n = len(e)
    right = np.searchsorted(e, e, side="right") / n  # the empirical CDF at each point (ties included)
    left = np.searchsorted(e, e, side="left") / n  # and just below it
    return float(max(np.max(np.abs(right - F)), np.max(np.abs(left - F_left))))
