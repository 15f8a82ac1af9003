"""S6's computation: the logistic-regression Hessian for one blob and two blobs at every alpha,
at w = 0 (its eigenvalues against Marchenko-Pastur and BBP) and at the trained w, the
maximum-likelihood weights where they exist (against Marchenko-Pastur at the weights' mean and
against the bulk the weights alone give); seconds of work in the kernel, not stored."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hessbook.chapters.s6.params import S6Params
from hessbook.curvature.exact import LogisticFit, logistic_fit, logistic_hessian, logistic_weights
from hessbook.stats import EmpiricalLaw, kolmogorov_distance

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


FIT_TOL = 1e-10
"""The trained w: Newton's method stops at ||gradient of the mean log-loss|| <= FIT_TOL."""
ALONG = 0.5
"""An eigenvector lies along w when (v^T w)^2 / ||w||^2 is at least this: within 45 degrees, and at
most one eigenvector can be (the overlaps sum to 1)."""


@dataclass(frozen=True)
class TrainedCase:
    """One data set at one alpha with the Hessian at the trained w: the maximum-likelihood
    weights, where they exist. The weights s_i (1 - s_i) then differ between samples, so the
    theorems no longer describe the matrix by construction. Outliers are read against the null,
    the same weights on fresh Gaussian inputs (:func:`hessbook.randmat.weighted_null_spectra`):
    an eigenvalue above the top eigenvalue of every one of k null draws (for the largest, a test at
    the 1/(k + 1) level), and S's "one large outlier" as such an eigenvalue whose eigenvector lies
    along w (:attr:`axis_above`; a bulk eigenvalue above the null by chance points anywhere)."""

    blobs: int
    alpha: float
    n_samples: int
    fit: LogisticFit
    eigenvalues: np.ndarray | None
    """ascending, float64; None without a minimizer."""
    weights_mean: float
    """mean of s_i (1 - s_i): the sigma^2 of the Marchenko-Pastur law S names (nan without a minimizer)."""
    weights_cv: float
    """their standard deviation over their mean: 0 means every sample weighs the same, as at w = 0."""
    null: np.ndarray | None
    """the null draws' eigenvalues, one row per draw."""
    along_w: float
    """The curvature along the fitted weights, w^T H w / ||w||^2 (at w = 0, for two blobs, about the
    population spike sigma^2 ell along the blobs' axis); nan without a minimizer."""
    axis_value: float
    """The eigenvalue whose eigenvector is closest to w (largest overlap (v^T w)^2 / ||w||^2)."""
    axis_overlap: float
    """That overlap: 1 when the eigenvector is w's direction, about 1/d for a direction of the bulk."""

    @property
    def minimum(self) -> bool:
        """The loss has a minimizer and the fit reached it."""
        return self.fit.converged and not self.fit.separable and self.eigenvalues is not None

    @property
    def law(self):
        from hessbook.randmat import MarchenkoPastur

        return MarchenkoPastur(len(self.fit.w) / self.n_samples, self.weights_mean)

    @property
    def ks(self) -> float:
        """Kolmogorov distance to Marchenko-Pastur at the weights' mean (S: "the classical MP law")."""
        return kolmogorov_distance(self.eigenvalues, self.law) if self.minimum else float("nan")

    @property
    def null_ks(self) -> float:
        """Kolmogorov distance to the null's pooled eigenvalues (the weights' own bulk)."""
        return kolmogorov_distance(self.eigenvalues, EmpiricalLaw(self.null.ravel())) if self.minimum else float("nan")

    @property
    def null_edge(self) -> float:
        """The largest top eigenvalue over the null draws."""
        return float(self.null[:, -1].max()) if self.minimum else float("nan")

    @property
    def null_bottom(self) -> float:
        """The smallest bottom eigenvalue over the null draws."""
        return float(self.null[:, 0].min()) if self.minimum else float("nan")

    @property
    def outliers(self) -> np.ndarray:
        return self.eigenvalues[self.eigenvalues > self.null_edge] if self.minimum else np.empty(0)

    @property
    def along(self) -> bool:
        """An eigenvector lies along w: overlap at least :data:`ALONG`."""
        return self.minimum and self.axis_overlap >= ALONG

    @property
    def axis_above(self) -> bool:
        """An outlier along w: the eigenvalue closest to w's direction lies along it and above the
        top eigenvalue of every null draw (S's "one large outlier", which at w = 0 is the blobs' axis)."""
        return self.along and self.axis_value > self.null_edge

    @property
    def axis_below(self) -> bool:
        """A left outlier along w: that eigenvalue below the smallest eigenvalue of every null draw."""
        return self.along and self.axis_value < self.null_bottom

    @property
    def below(self) -> np.ndarray:
        """Eigenvalues below the smallest eigenvalue of every null draw: left outliers (S App. B,
        Theorem 2: a direction of small population variance gives one between 0 and the bulk)."""
        return self.eigenvalues[self.eigenvalues < self.null_bottom] if self.minimum else np.empty(0)


def trained_case(P: S6Params, blobs: int, alpha: float) -> TrainedCase:
    """The Hessian at the maximum-likelihood w of ``blobs`` at ``alpha``; where the data are
    separable (e.g. at N <= d, where any labels are) no minimizer exists and only the fit is kept."""
    from hessbook.data import logistic_blobs
    from hessbook.randmat import weighted_null_spectra

    n = P.n_samples(alpha)
    x, y = logistic_blobs(n, P.dimension, blobs=blobs, separation=P.separation, seed=P.seed)
    fit = logistic_fit(x, y, tol=FIT_TOL)
    if not fit.converged or fit.separable:
        return TrainedCase(blobs, alpha, n, fit, None, *[float("nan")] * 2, None, *[float("nan")] * 3)
    weights = logistic_weights(x, fit.w)
    H = logistic_hessian(x, fit.w)
    eig, vectors = torch.linalg.eigh(H)
    unit = fit.w / fit.w.norm()
    overlaps = (vectors.T @ unit) ** 2
    axis = int(overlaps.argmax())
    null = weighted_null_spectra(weights, P.dimension, P.null_draws, seed=P.seed + 1)
    mean, along = float(weights.mean()), float(unit @ H @ unit)
    return TrainedCase(blobs, alpha, n, fit, eig.numpy(), mean, float(weights.std()) / mean, null, along,
                       float(eig[axis]), float(overlaps[axis]))


@dataclass(frozen=True)
class Results:
    params: S6Params
    cases: list[Case]
    """Both data sets at every alpha, at w = 0: one blob first, then two blobs."""
    trained: list[TrainedCase]
    """The same at the trained w."""

    def blobs(self, blobs: int) -> list[Case]:
        return [c for c in self.cases if c.blobs == blobs]

    def trained_at(self, alpha: float) -> dict[int, TrainedCase]:
        """``blobs -> case`` at ``alpha``, trained w."""
        return {c.blobs: c for c in self.trained if c.alpha == alpha}


def jobs(P: S6Params) -> list:
    """Nothing: S6 computes seconds of work in the kernel and stores nothing."""
    return []


def run(P: S6Params, store=None) -> Results:
    """Both data sets at every alpha. Seconds of work, so nothing is stored (``store`` unused)."""
    return Results(P, [run_case(P, b, a) for b in BLOBS for a in P.alphas],
                   [trained_case(P, b, a) for b in BLOBS for a in P.alphas])
