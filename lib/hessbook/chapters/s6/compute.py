"""S6's computation: the logistic-regression Hessian at w = 0 for one blob and two blobs at every
alpha, its eigenvalues against Marchenko-Pastur and BBP (seconds of work in the kernel, not stored)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hessbook.chapters.s6.params import S6Params
from hessbook.curvature.exact import logistic_hessian
from hessbook.stats import kolmogorov_distance

BLOBS = (1, 2)
SIGMA2 = 0.25
"""s (1 - s) at w = 0: the variance scale of the Hessian's Marchenko-Pastur law."""
TW_MARGIN = 4.0
"""An eigenvalue is an outlier when it is more than this many Tracy-Widom scales above the edge."""


@dataclass(frozen=True)
class Case:
    blobs: int
    alpha: float
    n_samples: int
    eigenvalues: np.ndarray
    """ascending, float64."""
    edge: float
    """MP right edge sigma^2 (1 + sqrt(alpha))^2."""
    cutoff: float
    """edge + TW_MARGIN Tracy-Widom scales: above it, an outlier."""
    predicted: float | None
    """BBP limit of the top eigenvalue (two blobs), else None."""
    predicted_sd: float | None
    """its Gaussian fluctuation at this N (Paul 2007), else None."""
    ks: float
    """Kolmogorov distance between the empirical spectrum and Marchenko-Pastur."""

    @property
    def outliers(self) -> np.ndarray:
        return self.eigenvalues[self.eigenvalues > self.cutoff]

    @property
    def law(self):
        from hessbook.randmat import MarchenkoPastur

        return MarchenkoPastur(len(self.eigenvalues) / self.n_samples, SIGMA2)


def run_case(P: S6Params, blobs: int, alpha: float) -> Case:
    from hessbook.data import logistic_blobs
    from hessbook.randmat import MarchenkoPastur, bbp_outlier, bbp_outlier_sd, tracy_widom_scale

    n = P.n_samples(alpha)
    x, _ = logistic_blobs(n, P.dimension, blobs=blobs, separation=P.separation, seed=P.seed)
    eig = torch.linalg.eigvalsh(logistic_hessian(x)).numpy()
    law = MarchenkoPastur(P.dimension / n, SIGMA2)
    edge = law.edges[1]
    cutoff = edge + TW_MARGIN * tracy_widom_scale(n, P.dimension, SIGMA2)
    predicted = bbp_outlier(P.spike, P.dimension / n, SIGMA2) if blobs == 2 else None
    sd = bbp_outlier_sd(P.spike, P.dimension / n, n, SIGMA2) if blobs == 2 else None
    return Case(blobs, alpha, n, eig, edge, cutoff, predicted, sd, kolmogorov_distance(eig, law))


@dataclass(frozen=True)
class Results:
    params: S6Params
    cases: list[Case]
    """Both data sets at every alpha: one blob first, then two blobs."""

    def blobs(self, blobs: int) -> list[Case]:
        return [c for c in self.cases if c.blobs == blobs]


def jobs(P: S6Params) -> list:
    """Nothing: S6 computes seconds of work in the kernel and stores nothing."""
    return []


def run(P: S6Params, store=None) -> Results:
    """Both data sets at every alpha. Seconds of work, so nothing is stored (``store`` unused)."""
    return Results(P, [run_case(P, b, a) for b in BLOBS for a in P.alphas])
