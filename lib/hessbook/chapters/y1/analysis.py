"""Trends across batch sizes: Spearman rank correlations (:mod:`hessbook.stats`) on our networks,
one seed at a time, and on Y's rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from hessbook.chapters.y1.compute import ModelResult, Results
from hessbook.chapters.y1.paper import PAPER_ROWS, PaperRow
from hessbook.kit.seeds import seed_case
from hessbook.papers.yao.trends import MIN_TREND_BATCHES, rho_short
from hessbook.stats import ACCURACY_FLOOR, above_floor, floor_tied, rank_p, smallest_stratified_p, spearman, stratified_rank_p

LAMBDA_X_MODELS = ("c1", "c2", "m1")
"""Y §3.3's remark on lambda1^x is about the CIFAR-10 and MNIST models (Table 2 has no such column)."""
SIGNIFICANCE = 0.05
"""Two-sided level at which a rank correlation counts as a correlation (Y §3.3's 'do not correlate')."""
MIN_CORRELATION_BATCHES = 5
"""Fewest networks (one seed's batch sizes, or the (B, seed) networks of a model pooled over its
seeds) at which a rank correlation can reach :data:`SIGNIFICANCE` at all: with n points in one
seed the smallest two-sided p is 2/n! (4 points: 2/24 = 0.083; 5 points: 2/120 = 0.017). A
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
    seed: int | None = None
    """The network seed of our networks the trends are of; None for Y's printed rows."""
    n_off_floor: int = -1
    """Batch sizes whose FGSM accuracy (test, larger eps) is above the floor
    (:data:`~hessbook.stats.ACCURACY_FLOOR`); every correlation with FGSM accuracy reads the values
    below it tied (:func:`~hessbook.stats.floor_tied`). -1: not counted."""


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
                  seed=seed, n_off_floor=_off_floor(raw))


def _floor(rows: Sequence[PaperRow]) -> float:
    """:data:`~hessbook.stats.ACCURACY_FLOOR` in the unit the rows print (Table 7 and Table 1's C2
    rows print fractions)."""
    return ACCURACY_FLOOR / 100 if rows and rows[0].fgsm_unit == "fraction" else ACCURACY_FLOOR


def _off_floor(fgsm: Sequence[float], floor: float = ACCURACY_FLOOR) -> int:
    return int(above_floor(fgsm, floor).sum())


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
                  p_lambda_x_fgsm=rank_p(lx, fg), p_grad_x_fgsm=rank_p(gx, fg), n_off_floor=_off_floor(raw, floor))


@dataclass(frozen=True)
class InputSide:
    """Y §3.3's two input-side correlations of one model, over every network of every seed pooled
    (:func:`stratified_rank_p`: ranks centred and permuted within seeds), test set unless said."""

    model: str
    seeds: tuple[int | None, ...]
    """The seeds pooled (None: Y's printed rows, one run per batch size)."""
    n_networks: int
    """(B, seed) networks with finite lambda1^x, ||grad_x J|| and FGSM (test): the points of the p-values."""
    rho_lx: float
    p_lx: float
    rho_gx: float
    p_gx: float
    p_min: float
    """The smallest p a column could reach against the floor-tied FGSM columns
    (:func:`smallest_stratified_p`): at or above :data:`SIGNIFICANCE` the claim could not fail."""
    rho_lx_train: float = float("nan")
    """rho(lambda1^x train, FGSM train), seeds pooled as for the test set (:func:`stratified_rank_p`):
    shown, not graded."""
    per_seed: tuple[Trends, ...] = ()
    """Each seed's trends (our runs), for the prose: one seed's rho beside the pooled one."""


Columns = Sequence[Sequence[float]]
"""One value per network, seed by seed: ``column[i]`` is seed ``seeds[i]``'s batch sizes."""


def input_side_of(model: str, seeds: Sequence[int | None], lx: Columns, gx: Columns, fg: Columns,
                  lx_train: Columns = (), fg_train: Columns = (), per_seed: Sequence[Trends] = ()) -> InputSide:
    """:class:`InputSide` from per-seed columns (``lx[i]``: seed ``seeds[i]``'s lambda1^x over its
    batch sizes; ``fg``: FGSM accuracy, floor-tied)."""
    rho_lx, p_lx = stratified_rank_p(lx, fg)
    rho_gx, p_gx = stratified_rank_p(gx, fg)
    keep = [np.all(np.isfinite(np.asarray([a, b, c], float)), axis=0) for a, b, c in zip(lx, gx, fg)]
    n = int(sum(k.sum() for k in keep))
    p_min = smallest_stratified_p([np.asarray(c, float)[k] for c, k in zip(fg, keep)])
    rho_train = stratified_rank_p(lx_train, fg_train)[0] if len(lx_train) else float("nan")
    return InputSide(model, tuple(seeds), n, rho_lx, p_lx, rho_gx, p_gx, p_min, rho_train, tuple(per_seed))


def input_side(R: Results, model: str) -> InputSide | None:
    """``model``'s input side pooled over the seeds with at least :data:`MIN_TREND_BATCHES` usable
    networks (:meth:`Results.usable`); None when no seed has."""
    seeds = [s for s in R.seeds if len(R.usable(model, s)) >= MIN_TREND_BATCHES]
    if not seeds:
        return None
    groups = [R.usable(model, s) for s in seeds]

    def column(value: Callable[[ModelResult], float]) -> list[list[float]]:
        return [[value(r) for r in g] for g in groups]

    fgsm = [floor_tied(r.fgsm[0][1] for r in g) for g in groups]
    fgsm_train = [floor_tied(r.fgsm[0][0] for r in g) for g in groups]
    return input_side_of(model, seeds, column(lambda r: r.lambda_x[1]), column(lambda r: r.grad_x[1]), fgsm,
                         column(lambda r: r.lambda_x[0]), fgsm_train, [trends(R, model, s) for s in seeds])


def paper_input_side(model: str, train: bool = False) -> InputSide:
    """The same on Y's printed rows, one run per batch size (one stratum: :func:`rank_p`'s exact
    test); ``train``: on Y's training columns (shown, not graded)."""
    rows = [r for r in PAPER_ROWS if r.model == model and r.lambda_x is not None]
    i, floor = (0 if train else 1), _floor(rows)
    return input_side_of(model, (None,), [[r.lambda_x[i] for r in rows]], [[r.grad_x[i] for r in rows]],
                         [floor_tied((r.fgsm_hi[i] for r in rows), floor)])


def fig1_rhos(R: Results, model: str, seed: int | None = None) -> np.ndarray:
    """ρ(B, λ_i) for each index i of the top eigenvalues, over the batch sizes of ``model`` in
    network seed ``seed`` (None: the first seed) that are usable (:meth:`Results.usable`), up to
    the shortest spectrum among them; NaN where a column is constant."""
    rs = R.usable(model, R.first_seed if seed is None else seed)
    k = min((len(r.top_eigenvalues) for r in rs), default=0)
    b = [r.batch for r in rs]
    return np.array([spearman(b, [float(r.top_eigenvalues[i]) for r in rs]) for i in range(k)], float)


def fig1_fraction(R: Results, model: str, seed: int | None = None, strong: float = 0.8) -> float:
    """Share of the top eigenvalue indices i whose ρ(B, λ_i) over every usable batch size is at
    least ``strong`` (:func:`fig1_rhos`): Y Fig 1, 'large batch size progressively gets trapped in
    areas with noticeably larger spectrum', read across the whole row, not its two ends (audit
    finding 14: the largest against the smallest B, elementwise, read no middle batch size)."""
    rhos = fig1_rhos(R, model, seed)
    return float(np.mean(np.nan_to_num(rhos, nan=-1.0) >= strong)) if len(rhos) else float("nan")


def trend_text(t: Trends, seeds: Sequence[int] = ()) -> str:
    """One model's (one seed's) two trends for a claim's "ours"; ``seeds``: the seeds the claim
    grades, which name the case."""
    return (f"{case_name(t.model, t.seed, seeds)} (B={','.join(map(str, t.batches))}): ρ(B, λ1θ) = "
            f"{rho_short(t.rho_lambda_theta)}, ρ(B, FGSM acc) = {rho_short(t.rho_fgsm)}{floor_note(t)}")


def floor_note(t: Trends) -> str:
    """" (FGSM > 5 % at 2 of 5 B)" when some of the batch sizes are at the floor."""
    if t.n_off_floor < 0 or t.n_off_floor == len(t.batches):
        return ""
    return f" (FGSM > {ACCURACY_FLOOR:g} % at {t.n_off_floor} of {len(t.batches)} B)"
