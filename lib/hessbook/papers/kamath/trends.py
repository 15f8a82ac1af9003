"""Trends along K's curves: K prints no numbers, so its claims are graded on rank correlations
with the batch size (or the momentum) and on the spread of a curve across batch sizes.

A diverged run (flagged, or any non-finite loss, λ1 or accuracy) and a run that ended on its
initial plateau (:mod:`hessbook.regime`: final training loss within 10 % of ln 10) enter no
statistic: every function here reads only the usable runs (:func:`kept`), and
:func:`excluded_text` names the ones left out, for the claim's evidence. The rank statistics are :mod:`hessbook.stats`'s."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from hessbook import regime, stats
from hessbook.papers.kamath.grid import Grid, RunResult, values
from hessbook.papers.kamath.paper import CASES

ACCURACIES = ("test_acc", "fgsm_acc", "pgd_acc")
MEASURES = {"test_acc": "test accuracy", "fgsm_acc": "FGSM accuracy", "pgd_acc": "PGD accuracy",
            "lambda1": "λ1"}
CHECKED = ("test_acc", "fgsm_acc", "pgd_acc", "lambda1", "train_loss")
"""The measurements a usable run has finite."""
FLAT_POINTS = 5.0
"""An accuracy curve is flat when it varies by at most this many percentage points across B (K1's
flatness; K2's 'little' change with the momentum is the same number)."""


NUM_CLASSES = 10
"""Every K dataset (MNIST, Fashion-MNIST, CIFAR-10) has ten classes."""


def run_flag(r: RunResult) -> str:
    """``"diverged"`` (flagged, or a non-finite measurement), ``"plateau"`` (the final training
    loss never left ln 10's plateau: :func:`hessbook.regime.on_plateau`), or ``""``."""
    finite = all(math.isfinite(getattr(r, name)) for name in CHECKED)
    return regime.flag(r.train_loss, NUM_CLASSES, r.diverged or not finite)


def usable(r: RunResult) -> bool:
    """Neither diverged nor on its plateau, every measurement finite: a run that may enter a statistic."""
    return not run_flag(r)


def kept(curve: Iterable[RunResult]) -> list[RunResult]:
    """The usable runs of a curve, in order."""
    return [r for r in curve if usable(r)]


def dropped(curve: Iterable[RunResult]) -> list[RunResult]:
    """The runs of a curve that no statistic reads (diverged, on their plateau, or with a non-finite
    measurement)."""
    return [r for r in curve if not usable(r)]


def excluded_text(runs: Iterable[RunResult]) -> str:
    """" Excluded from every statistic: 2 diverged runs: C1 on CIFAR-10, LR m=0, B=1024; ...
    1 run on its initial plateau: ..." (empty when none)."""
    return regime.flagged_text([(r.run.label, run_flag(r)) for r in runs])


FLOOR_POINTS = stats.ACCURACY_FLOOR
"""A robustness curve whose accuracy stays below this many percent at every batch size sits at
the floor: it is flat by construction and cannot fall far, so a verdict on it says little. Below
it, values are read tied in every rank statistic and comparison (:func:`robustness`)."""
ROBUSTNESS = ("fgsm_acc", "pgd_acc")
NOISE_SES = 2.0
"""Two accuracies differ when their difference exceeds this many standard errors of it on the test
images (:func:`rises`): paired, image by image, where both runs stored each image's outcome (every
run of a seed is measured on the same images; McNemar's standard error,
:func:`hessbook.stats.paired_difference_se`: at least 5 images against none), else as two
independent accuracies (:func:`hessbook.stats.accuracy_difference_se`; about 2.7 points at 90 % on
1,000 images, 2 points at 5 %): a rise of one or two test images is no rise. K2: a momentum raises
an accuracy; K1: a robustness curve has a trend at all (:func:`beyond_noise`), a pair of batch
sizes is more robust at the larger (:func:`both_higher_pairs`)."""


def rises(a: RunResult, b: RunResult, name: str, va: float, vb: float, n: int | None) -> bool:
    """``b``'s ``name`` above ``a``'s, their values read as ``va`` and ``vb`` (adversarial
    accuracies under the floor tied, :func:`robustness`: two such are never apart): with ``n`` (the
    test images ``name`` was measured on) beyond :data:`NOISE_SES` standard errors of the
    difference, paired where both runs stored their outcomes, else as two independent accuracies;
    without ``n`` any rise."""
    if not n:
        return vb > va
    xa, xb = (r.correct.get(name) if r.correct else None for r in (a, b))
    if xa is None or xb is None:
        xa = xb = None
    return stats.beats(float(vb), float(va), n, NOISE_SES, xb, xa)


def robustness(curve: Sequence[RunResult], name: str) -> np.ndarray:
    """``name`` along ``curve``, the adversarial accuracies tied at :data:`FLOOR_POINTS`
    (:func:`hessbook.stats.floor_tied`: their order under it is a few test images); other
    measures as they are."""
    v = values(list(curve), name)
    return stats.floor_tied(v, FLOOR_POINTS) if name in ROBUSTNESS else np.asarray(v, float)


def at_floor(curve: list[RunResult], name: str = "fgsm_acc") -> bool:
    """Every usable run of the curve has ``name`` at or below :data:`FLOOR_POINTS` percent: what
    :func:`robustness` ties together (a value exactly at the floor ties with those under it)."""
    v = values(kept(curve), name)
    return len(v) > 0 and not stats.above_floor(v, FLOOR_POINTS).any()


def off_floor(curve: list[RunResult], name: str = "fgsm_acc") -> float:
    """1.0 when some usable run of the curve has ``name`` above :data:`FLOOR_POINTS` percent
    (its trend can be read), else 0.0: the rules' ``*_off_floor`` value."""
    return float(not at_floor(curve, name))


def all_off_floor(accuracies: Iterable[float]) -> bool:
    """Every one of ``accuracies`` (percent) above :data:`FLOOR_POINTS`; False for none. What
    a claim of little change needs (K1's flatness, K2's 'changes little'): values near the floor
    change little by construction, not by K's effect."""
    v = np.asarray(list(accuracies), dtype=float)
    return len(v) > 0 and bool(stats.above_floor(v, FLOOR_POINTS).all())


def every_off_floor(curve: list[RunResult], name: str = "fgsm_acc") -> float:
    """1.0 when every usable run of the curve has ``name`` above :data:`FLOOR_POINTS`
    percent (:func:`all_off_floor`), else 0.0 (also for a curve without usable runs): what a
    flatness claim needs for held. A curve with one value just above 5 % and the others near 0 %
    is off the floor for :func:`off_floor` yet spreads by about 5 points, flat by construction."""
    return float(all_off_floor(values(kept(curve), name)))


def floor_text(curves: Iterable[list[RunResult]], name: str = "fgsm_acc") -> str:
    """" FGSM accuracy at or below 5 % at every batch size (at the floor: flat by construction, it
    cannot fall far): M1-K on MNIST, LR/BS m=0, seed 0; ..." (empty when none); ``name``: which
    accuracy (``fgsm_acc``, ``pgd_acc``)."""
    low = [f"{c[0].run.label.rsplit(', B=', 1)[0]}, seed {c[0].run.seed}" for c in curves if c and at_floor(c, name)]
    return (f" {MEASURES[name]} at or below {FLOOR_POINTS:g} % at every batch size (at the floor: flat by "
            f"construction, it cannot fall far, so this part of the verdict says little): {'; '.join(low)}.") if low else ""


def batches(curve: list[RunResult]) -> list[int]:
    return [r.run.batch for r in curve]


def rho_batch(curve: list[RunResult], name: str) -> float:
    """Spearman ρ(B, measure) along the usable runs of a curve; NaN for a constant column or < 2 points."""
    curve = kept(curve)
    return stats.spearman(batches(curve), robustness(curve, name))


def spread_points(curve: list[RunResult], name: str) -> float:
    """max - min of an accuracy (percentage points) across the usable runs' batch sizes."""
    return stats.spread(values(kept(curve), name))


def spread_relative(curve: list[RunResult], name: str = "lambda1") -> float:
    """(max - min) / median across batch sizes (usable runs): the relative spread of a positive measure."""
    v = values(kept(curve), name)
    mid = stats.median(v)
    return stats.spread(v) / mid if len(v) and mid > 0 else float("nan")


def both_higher_pairs(curve: list[RunResult], name: str = "fgsm_acc", n: int | None = None) -> int:
    """Pairs of batch sizes (usable runs) where the larger batch has both the larger λ1 and the
    higher robustness (two values under the floor are tied, neither higher): each one is a
    counterexample to 'higher λ1, lower robustness'. With ``n`` (the test images ``name`` was
    measured on) the higher robustness must exceed :data:`NOISE_SES` standard errors of the
    difference (:func:`rises`): a pair one image apart is no counterexample."""
    runs = kept(curve)
    acc = robustness(runs, name)
    return sum(1 for (i, a), (j, b) in itertools.combinations(enumerate(runs), 2)
               if b.lambda1 > a.lambda1 and rises(a, b, name, acc[i], acc[j], n))


def beyond_noise(curve: list[RunResult], name: str, n: int) -> float:
    """1.0 when the largest and the smallest of ``name`` along the usable runs (adversarial
    accuracies tied at the floor, :func:`robustness`) differ by more than :data:`NOISE_SES`
    standard errors of their difference on ``n`` test images (:func:`rises`), else 0.0; NaN without
    usable runs. A rank trend whose whole range is a few test images (5.2, 4.9, 4.1 %: tied 5.2,
    5, 5, ρ −0.87) is the order of noise, not a trend."""
    runs = kept(curve)
    v = robustness(runs, name)
    ok = [i for i in range(len(runs)) if np.isfinite(v[i])]
    if not ok:
        return float("nan")
    top, bottom = max(v[i] for i in ok), min(v[i] for i in ok)
    # runs tied at an end (at the floor, several are) each stand for it: beyond the noise if any pair is
    return float(any(rises(runs[lo], runs[hi], name, v[lo], v[hi], n)
                     for lo in ok if v[lo] == bottom for hi in ok if v[hi] == top))


def falls(curve: list[RunResult], name: str, n: int, trend: float) -> float:
    """1.0 when ``name`` falls with the batch size along the usable runs as a trend claim reads a
    fall: ρ(B, ·) at most ``-trend`` (values under the floor tied, :func:`rho_batch`) and a range
    beyond :data:`NOISE_SES` standard errors on ``n`` test images (:func:`beyond_noise`); else 0.0
    (also for a constant curve, whose ρ is undefined); NaN without usable runs. What K's 'neither the
    natural accuracy nor the adversarial accuracy suffer with an increase in batch-size' (§3.1 (ii),
    of LR/BS) excludes: a curve that LR's rule would read as a fall cannot read flat."""
    noise = beyond_noise(curve, name, n)
    if math.isnan(noise):
        return float("nan")
    rho = rho_batch(curve, name)
    return float(not math.isnan(rho) and rho <= -trend and noise == 1.0)


def momentum_table(grid: Grid, case: str, setting: str, momenta: Sequence[float], seed: int
                   ) -> tuple[dict[int, dict[float, RunResult]], list[RunResult]]:
    """``{batch: {momentum: run}}`` over the batch sizes where every momentum of ``momenta`` has
    a usable run, and the runs left out (diverged ones; their batch size is left out whole, so
    every momentum is compared on the same batch sizes)."""
    curves = {m: {r.run.batch: r for r in grid.curve(case, setting, m, seed)} for m in momenta}
    common = sorted(set.intersection(*(set(c) for c in curves.values()))) if curves else []
    table, gone = {}, []
    for b in common:
        row = {m: curves[m][b] for m in momenta}
        bad = [r for r in row.values() if not usable(r)]
        if bad:
            gone += bad
        else:
            table[b] = row
    return table, gone


def momentum_effect(grid: Grid, case: str, setting: str, momenta: list[float], seed: int
                    ) -> tuple[float, float, int]:
    """Across the batch sizes run (and usable) with every momentum of ``momenta``: the share
    where λ1 at the largest momentum is below λ1 at momentum 0, the mean Spearman ρ(momentum,
    λ1), and how many batch sizes were compared."""
    table, _ = momentum_table(grid, case, setting, momenta, seed)
    if not table or len(momenta) < 2:
        return float("nan"), float("nan"), 0
    low, high = min(momenta), max(momenta)
    share = stats.share(row[high].lambda1 < row[low].lambda1 for row in table.values())
    rhos = [stats.spearman(momenta, [row[m].lambda1 for m in momenta]) for row in table.values()]
    return share, stats.mean_rho(rhos), len(table)


def momentum_accuracy(grid: Grid, case: str, setting: str, momenta: list[float], seed: int,
                      n_test: int | None = None, n_pgd: int | None = None) -> dict[str, float]:
    """Across the same batch sizes as :func:`momentum_effect`, for test, FGSM and PGD accuracy: the
    share of batch sizes where the largest momentum's is higher than momentum 0's (``*_share``),
    the largest |difference| in points (``*_change``) and the mean over batch sizes of Spearman
    ρ(momentum, ·) over every momentum run (``*_mean_rho``: K's 'with larger momentum there is
    better generalization' reads all of K's momenta, not only the ends); ``n_batches`` compared;
    and whether FGSM (PGD) accuracy exceeds :data:`FLOOR_POINTS` % anywhere (``fgsm_off_floor``: at
    the floor a momentum cannot change it, nor raise it but by noise) and everywhere
    (``fgsm_every_off_floor``, :func:`all_off_floor`: what 'changes little' needs); both read every
    run at momentum 0 and at the largest momentum, at each batch size compared (``n_batches``).
    A robustness share, change and ρ read only the batch sizes where one of the two runs is off the
    floor, with values under it tied in ρ: two runs at the floor are neither higher nor lower,
    whatever their few test images say. With ``n_test`` (``n_pgd`` for PGD: the images each
    accuracy was measured on) a batch size counts as higher only when the rise exceeds
    :data:`NOISE_SES` standard errors of the difference. ``*_compared``: the batch sizes each share
    reads."""
    table, _ = momentum_table(grid, case, setting, momenta, seed)
    low, high = min(momenta), max(momenta)
    out: dict[str, float] = {"n_batches": len(table)}
    for name, key, n in (("test_acc", "acc", n_test), ("fgsm_acc", "fgsm", n_test), ("pgd_acc", "pgd", n_pgd)):
        # a batch size with both runs at the floor is left out; the others compare their own values
        # (tying would shrink a rise from 0.5 % to 6 % to one point)
        rows = [row for row in table.values() if name not in ROBUSTNESS
                or stats.above_floor([getattr(row[m], name) for m in (low, high)], FLOOR_POINTS).any()]
        lows, highs = values([r[low] for r in rows], name), values([r[high] for r in rows], name)
        diffs = [float(b - a) for a, b in zip(lows, highs)]
        out[f"{key}_share"] = stats.share(rises(r[low], r[high], name, a, b, n)
                                          for r, a, b in zip(rows, lows, highs))
        out[f"{key}_change"] = max((abs(d) for d in diffs), default=float("nan"))
        out[f"{key}_compared"] = len(rows)
        rhos = [stats.spearman(list(momenta), robustness([row[m] for m in momenta], name)) for row in rows]
        out[f"{key}_mean_rho"] = stats.mean_rho(rhos)
        if name in ROBUSTNESS:
            both = [getattr(row[m], name) for row in table.values() for m in (low, high)]
            out[f"{key}_off_floor"] = float(stats.above_floor(both, FLOOR_POINTS).any()) if both else float("nan")
            out[f"{key}_every_off_floor"] = float(all_off_floor(both)) if both else float("nan")
    return out


def rho_text(rho: float) -> str:
    return "n/a" if np.isnan(rho) else f"{rho:+.2f}"


def lambda_loss_rho(grid: Grid, setting: str, momenta: Sequence[float]) -> str:
    """Per case: Spearman ρ(final training loss, λ1) over every kept run of ``setting`` at
    ``momenta`` (every batch size and seed): how far λ1 tracks how far a network trained, a
    diagnostic beside the trend verdicts, not graded (review of 2026-12-06: 0.93-0.99 under LR in
    K2 at cpu, the further-trained network the flatter one)."""
    parts = []
    for case in grid.cases():
        runs = [r for m in momenta for s in grid.seeds() for r in kept(grid.curve(case, setting, m, s))]
        rho = stats.spearman([r.train_loss for r in runs], [r.lambda1 for r in runs])
        parts.append(f"{CASES[case].label} {rho_text(rho)} ({len(runs)} runs)")
    return "; ".join(parts) or "none"


@dataclass(frozen=True)
class EqualLoss:
    """λ1 at the largest level of a variable over λ1 at the smallest, at equal final training loss:
    the fit's factor, its ±2 standard-error interval, and whether the runs can separate the two."""

    factor: float
    low: float
    high: float
    overlap: int
    """Runs at the largest level whose loss lies inside the range of the smallest level's runs (0:
    the two ends' losses never meet, and the factor extrapolates the fit)."""
    n_top: int
    """Runs at the largest level."""

    @property
    def separable(self) -> bool:
        return self.overlap > 0 and math.isfinite(self.factor)

    @property
    def conclusive(self) -> bool:
        """The interval excludes 1: at equal loss the variable moves λ1, in the factor's direction."""
        return self.separable and not (self.low <= 1.0 <= self.high)


NO_FIT = EqualLoss(float("nan"), float("nan"), float("nan"), 0, 0)


def equal_loss_factor(runs: Sequence[RunResult], by: Callable[[RunResult], float],
                      also: Callable[[RunResult], float] | None = None) -> EqualLoss:
    """λ1 at the largest value of ``by`` (the momentum; or log2 B) over λ1 at the smallest *at equal
    final training loss*: the least-squares fit log λ1 = a + b log(loss) + c by (+ d also, e.g. log2 B
    beside the momentum) over ``runs`` (one case and setting, every seed), read as exp(c (max − min))
    with the interval exp((c ± 2 SE) (max − min)), SE from the residuals. A linear model of ours, not
    K's: the factor is a rough control. Runs with a non-positive or non-finite λ1 or loss are left
    out; :data:`NO_FIT` where fewer runs remain than twice the coefficients, fewer than two levels,
    or the design is rank-deficient."""
    kept_runs = [r for r in runs if r.lambda1 > 0 and r.train_loss > 0
                 and math.isfinite(r.lambda1) and math.isfinite(r.train_loss)]
    levels = sorted({by(r) for r in kept_runs})
    columns = 4 if also else 3
    if len(kept_runs) < 2 * columns or len(levels) < 2:
        return NO_FIT
    X = np.array([[1.0, math.log(r.train_loss), by(r)] + ([also(r)] if also else []) for r in kept_runs])
    y = np.log([r.lambda1 for r in kept_runs])
    if np.linalg.matrix_rank(X) < columns:
        return NO_FIT
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    sigma2 = float(np.sum((y - X @ coef) ** 2)) / (len(y) - columns)
    se = math.sqrt(sigma2 * float(np.linalg.inv(X.T @ X)[2, 2]))
    span = levels[-1] - levels[0]
    top = [r.train_loss for r in kept_runs if by(r) == levels[-1]]
    bottom = [r.train_loss for r in kept_runs if by(r) == levels[0]]
    overlap = sum(min(bottom) <= loss <= max(bottom) for loss in top)
    return EqualLoss(math.exp(coef[2] * span), math.exp((coef[2] - 2 * se) * span),
                     math.exp((coef[2] + 2 * se) * span), overlap, len(top))


def equal_loss_part(label: str, fit: EqualLoss, top: str, bottom: str) -> str:
    """One separable case's reading of :func:`equal_loss_factor` (:func:`equal_loss_summary` groups
    the rest)."""
    def x(v: float) -> str:
        return f"×{v:,.0f}" if v >= 10 else f"×{v:.1g}"

    reading = "" if fit.conclusive else ", inconclusive: the interval holds 1"
    return (f"{label} {x(fit.factor)} ({x(fit.low)} to {x(fit.high)} at ±2 SE{reading}; {fit.overlap} of "
            f"{fit.n_top} runs at {top} within the loss range of those at {bottom})")


def equal_loss_summary(fits: Sequence[tuple[str, EqualLoss, str, str]]) -> str:
    """``(label, fit, top, bottom)`` per case -> the separable cases one by one, then the cases the
    runs cannot separate, and those too few to fit, each group in one clause."""
    parts = [equal_loss_part(*f) for f in fits if f[1].separable]
    apart = [f for f in fits if math.isfinite(f[1].factor) and not f[1].separable]
    for top, bottom in dict.fromkeys((f[2], f[3]) for f in apart):
        labels = [f[0] for f in apart if (f[2], f[3]) == (top, bottom)]
        parts.append(f"not separable for {', '.join(labels)} (no run at {top} has a loss within the range of the "
                     f"runs at {bottom}: the fit would extrapolate)")
    few = [f[0] for f in fits if not math.isfinite(f[1].factor)]
    if few:
        parts.append(f"n/a for {', '.join(few)} (too few runs to fit)")
    return "; ".join(parts) or "none"


def equal_loss_text(grid: Grid, setting: str, momenta: Sequence[float]) -> str:
    """Per case, :func:`equal_loss_factor` across the momenta (log2 B in the fit too): over every
    kept run of ``setting`` at ``momenta``, λ1 at the largest momentum over λ1 at the smallest at
    equal training loss. The comparison the equal-epoch verdicts cannot make, a diagnostic, not
    graded (review of 2026-12-06 asked whether momentum's lower λ1 is further training)."""
    fits = []
    for case in grid.cases():
        runs = [r for m in momenta for s in grid.seeds() for r in kept(grid.curve(case, setting, m, s))]
        fit = equal_loss_factor(runs, lambda r: r.run.momentum, lambda r: math.log2(r.run.batch))
        ran = sorted({r.run.momentum for r in runs}) or [float("nan")]
        fits.append((CASES[case].label, fit, f"m = {ran[-1]:g}", f"m = {ran[0]:g}"))
    return equal_loss_summary(fits)


def equal_loss_batch_text(grid: Grid, setting: str, momentum: float) -> str:
    """Per case, :func:`equal_loss_factor` across the batch sizes of one line (``setting``,
    ``momentum``; every seed): λ1 at the largest B over λ1 at the smallest at equal training loss
    (the fit is linear in log2 B). At a fixed number of epochs a larger B takes fewer steps, so
    loss and B go together and the two ends' losses often never meet: then it reads not separable.
    Not graded."""
    fits = []
    for case in grid.cases():
        runs = [r for s in grid.seeds() for r in kept(grid.curve(case, setting, momentum, s))]
        if runs:
            fit = equal_loss_factor(runs, lambda r: math.log2(r.run.batch))
            batches = sorted({r.run.batch for r in runs})
            fits.append((CASES[case].label, fit, f"B = {batches[-1]}", f"B = {batches[0]}"))
    return equal_loss_summary(fits)


def momentum_signs(grid: Grid, case: str, setting: str, momenta: Sequence[float], name: str) -> tuple[int, int]:
    """Over every (batch size, seed) of ``case`` compared with every momentum (:func:`momentum_table`):
    in how many ``name`` is higher at the largest momentum than at momentum 0, of how many untied
    pairs. No noise margin: pooled, the direction's consistency is what a sign test reads (the
    verdicts read each batch size beyond its test images' noise)."""
    low, high = min(momenta), max(momenta)
    pairs = [(getattr(row[high], name), getattr(row[low], name)) for s in grid.seeds()
             for row in momentum_table(grid, case, setting, momenta, s)[0].values()]
    untied = [(a, b) for a, b in pairs if a != b]
    return sum(a > b for a, b in untied), len(untied)


def momentum_signs_text(grid: Grid, setting: str, momenta: Sequence[float]) -> str:
    """Per case: :func:`momentum_signs` for test and FGSM accuracy with the two-sided sign test's p
    (not graded; review of 2026-12-06: M1-K's test accuracy was higher at m = 0.9 in every pair while
    each batch size alone stayed within its noise, so the seeds seemed to disagree)."""
    parts = []
    for case in grid.cases():
        counts = {label: momentum_signs(grid, case, setting, momenta, name)
                  for name, label in (("test_acc", "test"), ("fgsm_acc", "FGSM"))}
        parts.append(f"{CASES[case].label}: " + ", ".join(
            f"{label} {wins} of {n} (p = {stats.sign_test_p(wins, n):.2g})" if n else f"{label} none untied"
            for label, (wins, n) in counts.items()))
    return "; ".join(parts) or "none"
