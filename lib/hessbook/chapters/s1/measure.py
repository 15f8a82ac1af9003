"""What the store keeps for one point (:class:`PointSpectra`) and what is measured on it:
numerical rank, bulk, outliers, and the Gauss-Newton decomposition of Eq. 2-5."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hessbook.chapters.s1.params import RANK_TOLERANCES, S1Params


@dataclass(frozen=True)
class PointSpectra:
    """What the store keeps for one point: every eigenvalue of H, G and H - G (descending)
    and the training state there."""

    point: str
    hessian: np.ndarray
    gauss_newton: np.ndarray
    residual: np.ndarray
    loss: float
    accuracy: float
    asymmetry: float

    def eigenvalues(self, matrix: str) -> np.ndarray:
        return {"H": self.hessian, "G": self.gauss_newton, "H-G": self.residual}[matrix]


def numerical_rank(eigenvalues: np.ndarray, tolerance: float) -> int:
    """Eigenvalues above ``tolerance * max(eigenvalues)``."""
    eig = np.asarray(eigenvalues)
    return int((eig > tolerance * eig.max()).sum())


def bulk_fraction(eigenvalues: np.ndarray, tolerance: float) -> float:
    """Fraction of eigenvalues with |lambda| <= tolerance * max |lambda|."""
    eig = np.asarray(eigenvalues)
    return float(np.mean(np.abs(eig) <= tolerance * np.abs(eig).max()))


def outliers(eigenvalues: np.ndarray) -> int:
    """Eigenvalues above the largest gap of the sorted spectrum (S2's "gap" cutoff)."""
    from hessbook.curvature import count_outliers

    return count_outliers(torch.from_numpy(np.ascontiguousarray(eigenvalues))).gap


def frobenius(eigenvalues: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(eigenvalues))))


@dataclass(frozen=True)
class Decomposition:
    """What Eq. 2-5 predict, measured at one point."""

    point: str
    parameters: int
    bound: int
    """min(M, N (k - 1))."""
    rank: int
    """numerical rank of G at the chapter's tolerance."""
    ranks: dict[float, int]
    """tolerance -> numerical rank of G."""
    zeros: int
    """M - rank."""
    g_min_relative: float
    """lambda_min(G) / lambda_max(G): negative only by rounding when G is PSD."""
    residual_ratio: float
    """||H - G||_F / ||H||_F."""
    residual_spectral_ratio: float
    """max |lambda(H - G)| / max |lambda(H)|."""
    negative_h: int
    negative_r: int
    h_min: float
    r_min: float
    weyl_holds: bool
    """lambda_i(H) >= lambda_i(H - G) for every i (G PSD: H dominates H - G)."""
    negative_mass_ratio: float
    """sum of |negative eigenvalues of H| / sum of |negative eigenvalues of H - G| (<= 1 by Weyl);
    NaN (not computed) when H - G has none."""


def decomposition(s: PointSpectra, P: S1Params) -> Decomposition:
    H, G, R = s.hessian, s.gauss_newton, s.residual
    scale_h = np.abs(H).max()
    neg_tol = P.rank_tolerance * scale_h
    rank = numerical_rank(G, P.rank_tolerance)
    # G PSD => H = G + R dominates R, so sorted eigenvalues satisfy lambda_i(H) >= lambda_i(R)
    weyl = bool(np.all(np.sort(H) >= np.sort(R) - 1e3 * np.finfo(float).eps * scale_h * len(H)))
    neg_h = H[H < -neg_tol]
    neg_r = R[R < -neg_tol]
    return Decomposition(
        point=s.point, parameters=len(G), bound=P.rank_bound, rank=rank,
        ranks={t: numerical_rank(G, t) for t in RANK_TOLERANCES}, zeros=len(G) - rank,
        g_min_relative=float(G.min() / G.max()),
        residual_ratio=frobenius(R) / frobenius(H),
        residual_spectral_ratio=float(np.abs(R).max() / scale_h),
        negative_h=len(neg_h), negative_r=len(neg_r), h_min=float(H.min()), r_min=float(R.min()),
        weyl_holds=weyl,
        negative_mass_ratio=float(np.abs(neg_h).sum() / np.abs(neg_r).sum()) if len(neg_r) else float("nan"),
    )
