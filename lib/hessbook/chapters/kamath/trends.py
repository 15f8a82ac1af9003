"""Trends along K's curves: K prints no numbers, so its claims are graded on rank correlations
with the batch size (or the momentum) and on the spread of a curve across batch sizes."""

from __future__ import annotations

import itertools

import numpy as np

from hessbook.chapters.kamath.grid import Grid, RunResult, values
from hessbook.chapters.y1.analysis import spearman

ACCURACIES = ("test_acc", "fgsm_acc", "pgd_acc")
MEASURES = {"test_acc": "test accuracy", "fgsm_acc": "FGSM accuracy", "pgd_acc": "PGD accuracy",
            "lambda1": "λ1"}


def batches(curve: list[RunResult]) -> list[int]:
    return [r.run.batch for r in curve]


def rho_batch(curve: list[RunResult], name: str) -> float:
    """Spearman ρ(B, measure) along a curve; NaN for a constant column or < 2 points."""
    return spearman(batches(curve), values(curve, name))


def spread_points(curve: list[RunResult], name: str) -> float:
    """max - min of an accuracy (percentage points) across batch sizes."""
    v = values(curve, name)
    return float(np.max(v) - np.min(v)) if len(v) else float("nan")


def spread_relative(curve: list[RunResult], name: str = "lambda1") -> float:
    """(max - min) / median across batch sizes: the relative spread of a positive measure."""
    v = values(curve, name)
    return float((np.max(v) - np.min(v)) / np.median(v)) if len(v) and np.median(v) > 0 else float("nan")


def both_higher_pairs(curve: list[RunResult], robustness: str = "fgsm_acc") -> int:
    """Pairs of batch sizes where the larger batch has both the larger λ1 and the higher robustness:
    each one is a counterexample to 'higher λ1, lower robustness'."""
    return sum(1 for a, b in itertools.combinations(curve, 2)
               if b.lambda1 > a.lambda1 and getattr(b, robustness) > getattr(a, robustness))


def momentum_effect(grid: Grid, case: str, setting: str, momenta: list[float]) -> tuple[float, float, int]:
    """Across the batch sizes run with every momentum of ``momenta``: the share where λ1 at the
    largest momentum is below λ1 at momentum 0, the mean Spearman ρ(momentum, λ1), and how many
    batch sizes were compared."""
    curves = {m: {r.run.batch: r for r in grid.curve(case, setting, m)} for m in momenta}
    common = sorted(set.intersection(*(set(c) for c in curves.values()))) if curves else []
    if not common or len(momenta) < 2:
        return float("nan"), float("nan"), 0
    low, high = min(momenta), max(momenta)
    lower = [curves[high][b].lambda1 < curves[low][b].lambda1 for b in common]
    rhos = np.array([spearman(momenta, [curves[m][b].lambda1 for m in momenta]) for b in common])
    mean_rho = float(np.mean(rhos[~np.isnan(rhos)])) if (~np.isnan(rhos)).any() else float("nan")
    return float(np.mean(lower)), mean_rho, len(common)


def rho_text(rho: float) -> str:
    return "n/a" if np.isnan(rho) else f"{rho:+.2f}"
