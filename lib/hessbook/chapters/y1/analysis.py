"""Trends across batch sizes: Spearman rank correlations (:mod:`hessbook.stats`) on our networks,
one seed at a time, and on Y's rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from hessbook.chapters.y1.compute import ModelResult, Results
from hessbook.chapters.y1.paper import EPS, PAPER_ROWS, PaperRow
from hessbook.kit.seeds import seed_case
from hessbook.papers.yao.paper import DATASET
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


LARGER, SMALLER = 0, 1
"""Y's two FGSM radii (Tables 1, 2, 7 print both; :data:`~hessbook.chapters.y1.paper.EPS`), as
indices of :attr:`~hessbook.chapters.y1.compute.ModelResult.fgsm`."""


def informative_radius(larger: Sequence[float], smaller: Sequence[float], floor: float = ACCURACY_FLOOR) -> int:
    """The radius whose FGSM accuracies a claim reads: the one with more values above the floor
    (at the floor a value's order is a few test images, so that column carries less to read),
    Y's larger ε on a tie. Chosen from the accuracies alone, before any correlation is taken
    (review of 2026-12-06: at cpu the larger ε left C1's and C2's CIFAR-10 columns at the floor,
    so their FGSM trend and the λ1x remark were read on one network a seed, or not at all, while
    Y prints the smaller ε beside it)."""
    return SMALLER if _off_floor(smaller, floor) > _off_floor(larger, floor) else LARGER


def model_radius(R: Results, model: str) -> int:
    """The radius every claim on ``model`` reads, in every seed (:func:`informative_radius` over its
    usable networks of every seed pooled): one ε per model, so that its seeds, its pooled λ1x
    remark and the medians across seeds all read the same radius."""
    nets = [r for s in R.seeds for r in R.usable(model, s)]
    return informative_radius([r.fgsm[LARGER][1] for r in nets], [r.fgsm[SMALLER][1] for r in nets])


@dataclass(frozen=True)
class Trends:
    """Rank correlations across batch sizes for one model (test set unless said)."""

    model: str
    batches: tuple[int, ...]
    rho_lambda_theta: float
    """B vs lambda1^theta (training set, as Y's claim is about the minimum reached)."""
    rho_fgsm: float
    """B vs FGSM accuracy at the radius read (:attr:`radius`), test set."""
    rho_lambda_x_fgsm: float
    """lambda1^x (test mean) vs FGSM accuracy (test, the radius read)."""
    rho_grad_x_fgsm: float
    rho_lambda_x_fgsm_train: float = float("nan")
    """lambda1^x (training mean) vs FGSM accuracy (training set, the radius read)."""
    rho_lambda_x_median_fgsm: float = float("nan")
    """Median (not mean) lambda1^x over test samples vs FGSM accuracy (test)."""
    p_lambda_x_fgsm: float = float("nan")
    """Two-sided p of :attr:`rho_lambda_x_fgsm` (:func:`hessbook.stats.rank_p`)."""
    p_grad_x_fgsm: float = float("nan")
    """Two-sided p of :attr:`rho_grad_x_fgsm`."""
    seed: int | None = None
    """The network seed of our networks the trends are of; None for Y's printed rows."""
    n_off_floor: int = -1
    """Batch sizes whose FGSM accuracy (test, the radius read) is above the floor
    (:data:`~hessbook.stats.ACCURACY_FLOOR`); every correlation with FGSM accuracy reads the values
    below it tied (:func:`~hessbook.stats.floor_tied`). -1: not counted."""
    radius: int = LARGER
    """The FGSM radius read: the model's (:func:`model_radius`), or for Y's rows and a bare
    :func:`trends_of`, :func:`informative_radius` of the test columns given."""
    rho_fgsm_other: float = float("nan")
    """B vs FGSM accuracy at the other radius, test set: shown, not graded."""
    n_off_floor_other: int = -1
    """:attr:`n_off_floor` at the other radius."""

    def off_floor_at(self, radius: int) -> int:
        """:attr:`n_off_floor` at ``radius``, read or not."""
        return self.n_off_floor if radius == self.radius else self.n_off_floor_other


def case_name(model: str, seed: int | None, seeds: Sequence[int]) -> str:
    """A model's case in a claim: ``"M1"`` (Y's rows, or one seed run), else ``"M1 · seed 2"``."""
    return model.upper() if seed is None else seed_case(model.upper(), seed, seeds)


def trends_of(results: Sequence[ModelResult], model: str, seed: int | None = None,
              radius: int | None = None) -> Trends:
    """The trends of ``model``'s networks among ``results`` (those of network seed ``seed``
    when given; else ``results`` must hold one seed), their FGSM accuracy read at ``radius``
    (None: :func:`informative_radius` of these networks alone)."""
    rs = sorted((r for r in results if r.model == model and (seed is None or r.seed == seed)), key=lambda r: r.batch)
    b = [r.batch for r in rs]
    tests = [[r.fgsm[k][1] for r in rs] for k in (LARGER, SMALLER)]
    k = informative_radius(*tests) if radius is None else radius
    raw, other = tests[k], tests[1 - k]
    fg = floor_tied(raw)
    lx, gx = [r.lambda_x[1] for r in rs], [r.grad_x[1] for r in rs]
    return Trends(model, tuple(b), spearman(b, [r.lambda_theta[0] for r in rs]), spearman(b, fg),
                  spearman(lx, fg), spearman(gx, fg),
                  spearman([r.lambda_x[0] for r in rs], floor_tied(r.fgsm[k][0] for r in rs)),
                  spearman([r.lambda_x_median[1] for r in rs], fg), rank_p(lx, fg), rank_p(gx, fg),
                  seed=seed, n_off_floor=_off_floor(raw), radius=k, rho_fgsm_other=spearman(b, floor_tied(other)),
                  n_off_floor_other=_off_floor(other))


def _floor(rows: Sequence[PaperRow]) -> float:
    """:data:`~hessbook.stats.ACCURACY_FLOOR` in the unit the rows print (Table 7 and Table 1's C2
    rows print fractions)."""
    return ACCURACY_FLOOR / 100 if rows and rows[0].fgsm_unit == "fraction" else ACCURACY_FLOOR


def _off_floor(fgsm: Sequence[float], floor: float = ACCURACY_FLOOR) -> int:
    return int(above_floor(fgsm, floor).sum())


def trends(R: Results, model: str, seed: int | None = None) -> Trends:
    """``model``'s trends in network seed ``seed`` (None: the first seed), over its networks that
    left their initial plateau and did not diverge (:meth:`Results.usable`), at the model's radius
    (:func:`model_radius`)."""
    seed = R.first_seed if seed is None else seed
    return trends_of(R.usable(model, seed), model, seed, model_radius(R, model))


def paper_trends(model: str) -> Trends:
    """The same correlations on the paper's printed rows (Table 2 prints no input-side columns)."""
    rows = [r for r in PAPER_ROWS if r.model == model]
    b = [r.batch for r in rows]
    floor = _floor(rows)
    columns = [[_paper_fgsm(r, k)[1] for r in rows] for k in (LARGER, SMALLER)]
    k = informative_radius(*columns, floor)
    raw, other = columns[k], columns[1 - k]
    fg = floor_tied(raw, floor)
    rho_lambda, rho_fgsm = spearman(b, [r.lambda_theta[0] for r in rows]), spearman(b, fg)
    radius = {"radius": k, "rho_fgsm_other": spearman(b, floor_tied(other, floor)),
              "n_off_floor": _off_floor(raw, floor), "n_off_floor_other": _off_floor(other, floor)}
    if not rows or rows[0].lambda_x is None:
        return Trends(model, tuple(b), rho_lambda, rho_fgsm, float("nan"), float("nan"), **radius)
    lx, gx = [r.lambda_x[1] for r in rows], [r.grad_x[1] for r in rows]
    return Trends(model, tuple(b), rho_lambda, rho_fgsm, spearman(lx, fg), spearman(gx, fg),
                  spearman([r.lambda_x[0] for r in rows], floor_tied((_paper_fgsm(r, k)[0] for r in rows), floor)),
                  p_lambda_x_fgsm=rank_p(lx, fg), p_grad_x_fgsm=rank_p(gx, fg), **radius)


def _paper_fgsm(row: PaperRow, radius: int):
    """A printed row's FGSM (train, test) at ``radius``."""
    return row.fgsm_hi if radius == LARGER else row.fgsm_lo


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
    radius: int = LARGER
    """The FGSM radius read (:func:`model_radius`; the same in :attr:`per_seed`)."""
    other: InputSide | None = None
    """The same correlations at the other radius: shown, not graded."""


Columns = Sequence[Sequence[float]]
"""One value per network, seed by seed: ``column[i]`` is seed ``seeds[i]``'s batch sizes."""


def input_side_of(model: str, seeds: Sequence[int | None], lx: Columns, gx: Columns, fg: Columns,
                  lx_train: Columns = (), fg_train: Columns = (), per_seed: Sequence[Trends] = (),
                  radius: int = LARGER) -> InputSide:
    """:class:`InputSide` from per-seed columns (``lx[i]``: seed ``seeds[i]``'s lambda1^x over its
    batch sizes; ``fg``: FGSM accuracy at ``radius``, floor-tied)."""
    rho_lx, p_lx = stratified_rank_p(lx, fg)
    rho_gx, p_gx = stratified_rank_p(gx, fg)
    keep = [np.all(np.isfinite(np.asarray([a, b, c], float)), axis=0) for a, b, c in zip(lx, gx, fg)]
    n = int(sum(k.sum() for k in keep))
    p_min = smallest_stratified_p([np.asarray(c, float)[k] for c, k in zip(fg, keep)])
    rho_train = stratified_rank_p(lx_train, fg_train)[0] if len(lx_train) else float("nan")
    return InputSide(model, tuple(seeds), n, rho_lx, p_lx, rho_gx, p_gx, p_min, rho_train, tuple(per_seed), radius)


def input_side(R: Results, model: str) -> InputSide | None:
    """``model``'s input side pooled over the seeds with at least :data:`MIN_TREND_BATCHES` usable
    networks (:meth:`Results.usable`); None when no seed has."""
    seeds = [s for s in R.seeds if len(R.usable(model, s)) >= MIN_TREND_BATCHES]
    if not seeds:
        return None
    groups = [R.usable(model, s) for s in seeds]

    def column(value: Callable[[ModelResult], float]) -> list[list[float]]:
        return [[value(r) for r in g] for g in groups]

    def at(k: int, per_seed: Sequence[Trends] = (), other: InputSide | None = None) -> InputSide:
        fgsm = [floor_tied(r.fgsm[k][1] for r in g) for g in groups]
        fgsm_train = [floor_tied(r.fgsm[k][0] for r in g) for g in groups]
        side = input_side_of(model, seeds, column(lambda r: r.lambda_x[1]), column(lambda r: r.grad_x[1]), fgsm,
                             column(lambda r: r.lambda_x[0]), fgsm_train, per_seed, k)
        return dataclasses.replace(side, other=other)

    k = model_radius(R, model)
    return at(k, [trends(R, model, s) for s in seeds], at(1 - k))


def paper_input_side(model: str, train: bool = False) -> InputSide:
    """The same on Y's printed rows, one run per batch size (one stratum: :func:`rank_p`'s exact
    test); ``train``: on Y's training columns (shown, not graded)."""
    rows = [r for r in PAPER_ROWS if r.model == model and r.lambda_x is not None]
    i, floor = (0 if train else 1), _floor(rows)
    k = informative_radius(*([_paper_fgsm(r, radius)[1] for r in rows] for radius in (LARGER, SMALLER)), floor)
    return input_side_of(model, (None,), [[r.lambda_x[i] for r in rows]], [[r.grad_x[i] for r in rows]],
                         [floor_tied((_paper_fgsm(r, k)[i] for r in rows), floor)], radius=k)


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


def eps_text(model: str, radius: int) -> str:
    """"ε = 0.01" (Y's radius ``radius`` on ``model``'s dataset)."""
    return f"ε = {EPS[DATASET[model]][radius]:g}"


def floor_note(t: Trends) -> str:
    """" (ε = 0.01, FGSM > 5 % at 2 of 5 B; at ε = 0.02 at 0 of 5: ρ = n/a)": the radius read,
    and, where the other has batch sizes at the floor, what it gave (shown, not graded); empty
    when every batch size is above the floor at both radii."""
    n = len(t.batches)
    if t.n_off_floor < 0 or (t.n_off_floor == n and t.n_off_floor_other in (-1, n)):
        return ""
    read = f"{eps_text(t.model, t.radius)}, FGSM > {ACCURACY_FLOOR:g} % at {t.n_off_floor} of {n} B"
    if t.n_off_floor_other < 0:
        return f" ({read})"
    return (f" ({read}; at {eps_text(t.model, 1 - t.radius)} at {t.n_off_floor_other} of {n}: ρ = "
            f"{rho_short(t.rho_fgsm_other)}, not read)")
