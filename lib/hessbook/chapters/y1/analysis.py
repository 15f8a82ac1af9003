"""Trends across batch sizes: Spearman rank correlations (:mod:`hessbook.stats`) on our networks,
one seed at a time, and on Y's rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hessbook.chapters.y1.compute import ModelResult, Results
from hessbook.chapters.y1.paper import PAPER_ROWS, PaperRow
from hessbook.kit.seeds import seed_case
from hessbook.papers.yao.trends import MIN_TREND_BATCHES, rho_short
from hessbook.stats import ACCURACY_FLOOR, floor_tied, rank_p, smallest_rank_p, spearman

LAMBDA_X_MODELS = ("c1", "c2", "m1")
"""Y §3.3's remark on lambda1^x is about the CIFAR-10 and MNIST models (Table 2 has no such column)."""
SIGNIFICANCE = 0.05
"""Two-sided level at which a rank correlation counts as a correlation (Y §3.3's 'do not correlate')."""
MIN_CORRELATION_BATCHES = 5
"""Fewest batch sizes at which a rank correlation can reach :data:`SIGNIFICANCE` at all: with n
points the smallest two-sided p is 2/n! (4 points: 2/24 = 0.083; 5 points: 2/120 = 0.017). A
claim of *no* correlation judged on fewer points could not fail."""


@dataclass(frozen=True)
class Trends:
    """Rank correlations across batch sizes for one model (test set unless said)."""

    model: str
    batches: tuple[int, ...]
    rho_lambda_theta: float
    """B vs lambda1^theta (training set, as Y's claim is about the minimum reached)."""
    rho_fgsm: float
    """B vs FGSM accuracy at the larger eps, test set."""
    rho_lambda_x_fgsm: float
    """lambda1^x (test mean) vs FGSM accuracy (test, larger eps)."""
    rho_grad_x_fgsm: float
    rho_lambda_x_fgsm_train: float = float("nan")
    """lambda1^x (training mean) vs FGSM accuracy (training set, larger eps)."""
    rho_lambda_x_median_fgsm: float = float("nan")
    """Median (not mean) lambda1^x over test samples vs FGSM accuracy (test)."""
    p_lambda_x_fgsm: float = float("nan")
    """Two-sided p of :attr:`rho_lambda_x_fgsm` (:func:`hessbook.stats.rank_p`)."""
    p_grad_x_fgsm: float = float("nan")
    """Two-sided p of :attr:`rho_grad_x_fgsm`."""
    n_input_side: int = 0
    """Batch sizes with finite lambda1^x, ||grad_x J|| and FGSM (test): the points of those two p-values."""
    seed: int | None = None
    """The network seed of our networks the trends are of; None for Y's printed rows."""
    n_off_floor: int = -1
    """Batch sizes whose FGSM accuracy (test, larger eps) is at or above the floor
    (:data:`~hessbook.stats.ACCURACY_FLOOR`); every correlation with FGSM accuracy reads the values
    below it tied (:func:`~hessbook.stats.floor_tied`). -1: not counted."""
    p_min: float = float("nan")
    """The smallest p any input-side column could reach against the floor-tied FGSM column
    (:func:`~hessbook.stats.smallest_rank_p`): at or above :data:`SIGNIFICANCE` the claim of no
    correlation could not fail there."""


def case_name(model: str, seed: int | None, seeds: Sequence[int]) -> str:
    """A model's case in a claim: ``"M1"`` (Y's rows, or one seed run), else ``"M1 · seed 2"``."""
    return model.upper() if seed is None else seed_case(model.upper(), seed, seeds)


def trends_of(results: Sequence[ModelResult], model: str, seed: int | None = None) -> Trends:
    """The trends of ``model``'s networks among ``results`` (those of network seed ``seed``
    when given; else ``results`` must hold one seed)."""
    rs = sorted((r for r in results if r.model == model and (seed is None or r.seed == seed)), key=lambda r: r.batch)
    b = [r.batch for r in rs]
    raw = [r.fgsm[0][1] for r in rs]
    fg = floor_tied(raw)
    lx, gx = [r.lambda_x[1] for r in rs], [r.grad_x[1] for r in rs]
    return Trends(model, tuple(b), spearman(b, [r.lambda_theta[0] for r in rs]), spearman(b, fg),
                  spearman(lx, fg), spearman(gx, fg),
                  spearman([r.lambda_x[0] for r in rs], floor_tied(r.fgsm[0][0] for r in rs)),
                  spearman([r.lambda_x_median[1] for r in rs], fg), rank_p(lx, fg), rank_p(gx, fg),
                  _finite_points(lx, gx, fg), seed, _off_floor(raw), _smallest_p(lx, gx, fg))


def _floor(rows: Sequence[PaperRow]) -> float:
    """:data:`~hessbook.stats.ACCURACY_FLOOR` in the unit the rows print (Table 7 and Table 1's C2
    rows print fractions)."""
    return ACCURACY_FLOOR / 100 if rows and rows[0].fgsm_unit == "fraction" else ACCURACY_FLOOR


def _off_floor(fgsm: Sequence[float], floor: float = ACCURACY_FLOOR) -> int:
    return int(np.sum(np.asarray(fgsm, float) >= floor))


def _smallest_p(lx: Sequence[float], gx: Sequence[float], fg: Sequence[float]) -> float:
    """:func:`~hessbook.stats.smallest_rank_p` of ``fg`` over the points where all three are finite."""
    keep = np.all(np.isfinite(np.asarray([lx, gx, fg], float)), axis=0) if len(fg) else np.zeros(0, bool)
    return smallest_rank_p(np.asarray(fg, float)[keep])


def _finite_points(*columns: Sequence[float]) -> int:
    return int(np.all(np.isfinite(np.asarray(columns, float)), axis=0).sum()) if columns and len(columns[0]) else 0


def trends(R: Results, model: str, seed: int | None = None) -> Trends:
    """``model``'s trends in network seed ``seed`` (None: the first seed), over its networks that
    left their initial plateau and did not diverge (:meth:`Results.usable`)."""
    seed = R.first_seed if seed is None else seed
    return trends_of(R.usable(model, seed), model, seed)


def paper_trends(model: str) -> Trends:
    """The same correlations on the paper's printed rows (Table 2 prints no input-side columns)."""
    rows = [r for r in PAPER_ROWS if r.model == model]
    b = [r.batch for r in rows]
    raw, floor = [r.fgsm_hi[1] for r in rows], _floor(rows)
    fg = floor_tied(raw, floor)
    rho_lambda, rho_fgsm = spearman(b, [r.lambda_theta[0] for r in rows]), spearman(b, fg)
    if not rows or rows[0].lambda_x is None:
        return Trends(model, tuple(b), rho_lambda, rho_fgsm, float("nan"), float("nan"),
                      n_off_floor=_off_floor(raw, floor))
    lx, gx = [r.lambda_x[1] for r in rows], [r.grad_x[1] for r in rows]
    return Trends(model, tuple(b), rho_lambda, rho_fgsm, spearman(lx, fg), spearman(gx, fg),
                  spearman([r.lambda_x[0] for r in rows], floor_tied((r.fgsm_hi[0] for r in rows), floor)),
                  p_lambda_x_fgsm=rank_p(lx, fg), p_grad_x_fgsm=rank_p(gx, fg), n_input_side=_finite_points(lx, gx, fg),
                  n_off_floor=_off_floor(raw, floor), p_min=_smallest_p(lx, gx, fg))


def paper_train_trends(model: str) -> Trends:
    """The input-side correlations on the paper's *training* columns (train lambda1^x, ||grad_x J||
    and FGSM accuracy): not graded (the claim is graded on the test set), shown beside it."""
    rows = [r for r in PAPER_ROWS if r.model == model and r.lambda_x is not None]
    b, raw, floor = [r.batch for r in rows], [r.fgsm_hi[0] for r in rows], _floor(rows)
    fg = floor_tied(raw, floor)
    lx, gx = [r.lambda_x[0] for r in rows], [r.grad_x[0] for r in rows]
    return Trends(model, tuple(b), float("nan"), float("nan"), spearman(lx, fg), spearman(gx, fg),
                  p_lambda_x_fgsm=rank_p(lx, fg), p_grad_x_fgsm=rank_p(gx, fg), n_input_side=_finite_points(lx, gx, fg),
                  n_off_floor=_off_floor(raw, floor), p_min=_smallest_p(lx, gx, fg))


def lambda_x_trends(R: Results) -> list[Trends]:
    """Trends of the CIFAR-10/MNIST models run with at least 3 batch sizes (Y §3.3's remark), in
    every seed (model by model, seed by seed)."""
    return [trends(R, m, s) for m in LAMBDA_X_MODELS for s in R.seeds if len(R.usable(m, s)) >= MIN_TREND_BATCHES]


def fig1_fraction(R: Results, model: str, seed: int | None = None) -> float:
    """Fraction of eigenvalue indices where the largest batch's spectrum exceeds the smallest's, in
    network seed ``seed`` (None: the first seed), among the networks that left their plateau."""
    rs = R.usable(model, R.first_seed if seed is None else seed)
    small, large = np.asarray(rs[0].top_eigenvalues), np.asarray(rs[-1].top_eigenvalues)
    k = min(len(small), len(large))
    return float(np.mean(large[:k] > small[:k]))


def trend_text(t: Trends, seeds: Sequence[int] = ()) -> str:
    """One model's (one seed's) two trends for a claim's "ours"; ``seeds``: the seeds the claim
    grades, which name the case."""
    return (f"{case_name(t.model, t.seed, seeds)} (B={','.join(map(str, t.batches))}): ρ(B, λ1θ) = "
            f"{rho_short(t.rho_lambda_theta)}, ρ(B, FGSM acc) = {rho_short(t.rho_fgsm)}{floor_note(t)}")


def floor_note(t: Trends) -> str:
    """" (FGSM at or above 5 % at 2 of 5 B)" when some of the batch sizes are at the floor."""
    if t.n_off_floor < 0 or t.n_off_floor == len(t.batches):
        return ""
    return f" (FGSM ≥ {ACCURACY_FLOOR:g} % at {t.n_off_floor} of {len(t.batches)} B)"
