"""Counting outlier eigenvalues (S Table 1): three cutoffs on a spectrum sorted descending,
lambda_1 >= lambda_2 >= ... (only the top ``top_m`` are used; default: all for gap and ratio,
the top min(n, 200) for the elbow).

- gap: i* = argmax_i (lambda_i - lambda_{i+1}); the count is i* (the eigenvalues above the
  largest consecutive gap). An absolute gap: when the outliers themselves are spread out, the
  largest gap can fall between two outliers and undercount (as in several rows of S Table 1).
- ratio: i* = argmax_i lambda_i / max(lambda_{i+1}, floor) over the eigenvalues lambda_i above
  the floor; the count is i*. The floor keeps ratios of near-zero (and negative) bulk
  eigenvalues, which are noise, out, and keeps the denominator away from zero:
  floor = max(ratio_rtol * lambda_1, max_j |lambda_j| over negative lambda_j), i.e. the size
  of the negative part of the spectrum is taken as the noise level of the bulk.
- elbow (a Kneedle-style heuristic): on the top m eigenvalues put x_i = (i-1)/(m-1) and
  y_i = (lambda_i - lambda_m)/(lambda_1 - lambda_m); the scree curve falls from (0, 1) to
  (1, 0), and the elbow is the point farthest below the chord, e = argmax (1 - x_i - y_i).
  Threshold = lambda_e (the first bulk eigenvalue); count = #{lambda_i > threshold}.
- heur (our reading of S Table 1's "heuristic threshold ... the elbow in the scree plot"): the
  same Kneedle elbow, but over the eigenvalues above the ratio's noise floor only, instead of a
  fixed top 200 where the bulk dominates (an elbow over hundreds of bulk eigenvalues lands deep
  in the bulk: the plain elbow overcounts). Threshold = the first eigenvalue at or below the
  elbow; with fewer than 3 eigenvalues above the floor, the floor itself.

And the measures of a whole spectrum (a numpy array of eigenvalues, any order) that S's
figures read: :func:`numerical_rank`, :func:`bulk_fraction`, :func:`gap_outliers` (the gap
count above on an array), :func:`frobenius`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from hessbook.curvature.operators import is_integer


@dataclass(frozen=True)
class OutlierCounts:
    gap: int
    ratio: int
    elbow: int
    elbow_threshold: float
    largest_gap: float
    largest_ratio: float
    ratio_floor: float
    elbow_m: int
    heur: int = 0
    heur_threshold: float = float("nan")


def count_outliers(eigenvalues: Tensor, *, top_m: int | None = None, elbow_m: int | None = None,
                   ratio_rtol: float = 1e-4) -> OutlierCounts:
    """The number of outlier eigenvalues by largest gap, largest ratio and elbow (see module)."""
    lam = torch.as_tensor(eigenvalues, dtype=torch.float64).reshape(-1)
    finite = torch.isfinite(lam)
    if not bool(finite.all()):
        raise ValueError(
            f"eigenvalues contain {int((~finite).sum())} non-finite value(s) (NaN or inf) of {len(lam)}: "
            "accepted finite eigenvalues (a NaN eigenvalue means the spectrum itself failed)"
        )
    lam = lam.sort(descending=True).values
    n = len(lam)
    if n < 3:
        raise ValueError(f"{n} eigenvalues: need at least 3 to count outliers")
    if not ratio_rtol > 0:
        raise ValueError(f"ratio_rtol = {ratio_rtol!r}: must be positive")
    for name, v in (("top_m", top_m), ("elbow_m", elbow_m)):
        if v is not None and (not is_integer(v) or not 3 <= v <= n):
            raise ValueError(f"{name} = {v!r}: must be an integer in 3..{n} (the number of eigenvalues)")
    top_m = int(top_m) if top_m is not None else None
    elbow_m = int(elbow_m) if elbow_m is not None else None
    top = lam[: top_m or n]
    gaps = top[:-1] - top[1:]
    g = int(gaps.argmax())
    neg = lam[lam < 0]
    floor = max(ratio_rtol * float(lam[0]), float(neg.abs().max()) if len(neg) else 0.0, 1e-300)
    ok = top[:-1] > floor
    if bool(ok.any()):
        ratios = torch.where(ok, top[:-1] / top[1:].clamp_min(floor), torch.tensor(0.0, dtype=torch.float64))
        r, rv = int(ratios.argmax()) + 1, float(ratios.max())
    else:
        r, rv = 0, float("nan")
    m = elbow_m or min(n, 200)
    thr = _knee(lam[:m])
    above = lam[lam > floor]
    h_thr = _knee(above) if len(above) >= 3 else floor
    return OutlierCounts(gap=g + 1, ratio=r, elbow=int((lam > thr).sum()), elbow_threshold=thr,
                         largest_gap=float(gaps[g]), largest_ratio=rv, ratio_floor=floor, elbow_m=m,
                         heur=int((lam > h_thr).sum()), heur_threshold=h_thr)


def _knee(lam: Tensor) -> float:
    """The Kneedle elbow of a descending scree (see module): the eigenvalue farthest below the chord."""
    m = len(lam)
    span = float(lam[0] - lam[-1])
    x = torch.linspace(0, 1, m, dtype=torch.float64)
    y = (lam - lam[-1]) / span if span > 0 else torch.zeros(m, dtype=torch.float64)
    return float(lam[int((1 - x - y).argmax())])


def numerical_rank(eigenvalues: np.ndarray, tolerance: float) -> int:
    """Eigenvalues above ``tolerance * max(eigenvalues)``."""
    eig = np.asarray(eigenvalues)
    return int((eig > tolerance * eig.max()).sum())


def bulk_fraction(eigenvalues: np.ndarray, tolerance: float) -> float:
    """Fraction of eigenvalues with |lambda| <= tolerance * max |lambda|."""
    eig = np.asarray(eigenvalues)
    return float(np.mean(np.abs(eig) <= tolerance * np.abs(eig).max()))


def gap_outliers(eigenvalues: np.ndarray) -> int:
    """Eigenvalues above the largest gap of the sorted spectrum (:func:`count_outliers`' ``gap``;
    S2's "gap" cutoff), of a numpy array in any order or stride."""
    return count_outliers(torch.from_numpy(np.ascontiguousarray(eigenvalues))).gap


def frobenius(eigenvalues: np.ndarray) -> float:
    """The Frobenius norm of a symmetric matrix from its eigenvalues: sqrt(sum lambda^2)."""
    return float(np.sqrt(np.sum(np.square(eigenvalues))))
