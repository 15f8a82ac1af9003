"""Random-matrix references: the Marchenko-Pastur law and sample covariance spectra.

For X with N rows of i.i.d. N(0, sigma^2 I_M) samples and ratio alpha = M / N, the
eigenvalues of the sample covariance X^T X / N follow, as N, M -> inf, the Marchenko-Pastur
law with edges sigma^2 (1 -+ sqrt(alpha))^2 (plus a mass 1 - 1/alpha at zero when
alpha > 1). Sagun et al. (S, Appendix B) use it for the bulk of the logistic-regression
Hessian.

The BBP phase transition (Baik, Ben Arous, Peche 2005; S App. B, Theorem 1): if the
population covariance is sigma^2 diag(ell, 1, ..., 1), the top sample eigenvalue separates
from the bulk exactly when ell > 1 + sqrt(alpha), and then converges to
sigma^2 ell (1 + alpha / (ell - 1)) (:func:`bbp_outlier`); below the threshold it sticks to
the right edge with Tracy-Widom fluctuations of size :func:`tracy_widom_scale`.

A weighted sample covariance (1/N) sum_i c_i x_i x_i^T, as the logistic-regression Hessian is at
a trained w (c_i = s_i (1 - s_i)), has a bulk that is Marchenko-Pastur only when the weights are
equal; otherwise its limit is the generalized law of the weights' distribution (Silverstein and
Bai 1995). :func:`weighted_null_spectra` draws that bulk at finite N: the same weights on fresh
Gaussian inputs, so no direction of the data is special.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class MarchenkoPastur:
    alpha: float
    """M / N."""
    sigma2: float = 1.0

    @property
    def edges(self) -> tuple[float, float]:
        r = np.sqrt(self.alpha)
        return self.sigma2 * (1 - r) ** 2, self.sigma2 * (1 + r) ** 2

    def density(self, x: np.ndarray) -> np.ndarray:
        """Density of the continuous part (integrates to min(1, 1/alpha))."""
        lo, hi = self.edges
        x = np.asarray(x, dtype=np.float64)
        inside = (x > lo) & (x < hi)
        out = np.zeros_like(x)
        xi = x[inside]
        out[inside] = np.sqrt((hi - xi) * (xi - lo)) / (2 * np.pi * self.sigma2 * self.alpha * xi)
        return out

    @property
    def zero_mass(self) -> float:
        """The atom at zero: 1 - 1/alpha when alpha > 1, else 0."""
        return max(0.0, 1.0 - 1.0 / self.alpha)

    def cdf(self, x: np.ndarray, grid: int = 20001) -> np.ndarray:
        """Distribution function (atom at zero included), by integrating the density on a grid."""
        lo, hi = self.edges
        t = lo + (hi - lo) * (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, grid)))  # dense at the edges
        dens = self.density(t)
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(t))])
        cum *= (1.0 - self.zero_mass) / cum[-1]
        x = np.asarray(x, dtype=np.float64)
        return np.where(x >= 0, self.zero_mass, 0.0) + np.interp(x, t, cum, left=0.0, right=1.0 - self.zero_mass)

    @property
    def bbp_threshold(self) -> float:
        """The smallest population spike (in units of sigma^2) that produces an outlier: 1 + sqrt(alpha)."""
        return 1.0 + np.sqrt(self.alpha)


def bbp_outlier(spike: float, alpha: float, sigma2: float = 1.0) -> float:
    """Limit of the top eigenvalue of a sample covariance whose population covariance is
    sigma2 * diag(spike, 1, ..., 1) (spike in units of sigma2), alpha = M / N:
    sigma2 * spike * (1 + alpha / (spike - 1)) above the threshold 1 + sqrt(alpha), and the
    bulk's right edge sigma2 (1 + sqrt(alpha))^2 at or below it (the two agree at the threshold)."""
    if spike <= 1.0 + np.sqrt(alpha):
        return float(sigma2 * (1.0 + np.sqrt(alpha)) ** 2)
    return float(sigma2 * spike * (1.0 + alpha / (spike - 1.0)))


def bbp_outlier_sd(spike: float, alpha: float, n_samples: int, sigma2: float = 1.0) -> float:
    """Standard deviation of the outlier above the threshold, real Gaussian data (Paul 2007,
    Thm 3): sqrt(2 / N) sigma2 spike sqrt(1 - alpha / (spike - 1)^2); 0 at or below the threshold."""
    if spike <= 1.0 + np.sqrt(alpha):
        return 0.0
    return float(sigma2 * spike * np.sqrt(2.0 * (1.0 - alpha / (spike - 1.0) ** 2) / n_samples))


def tracy_widom_scale(n_samples: int, dimension: int, sigma2: float = 1.0) -> float:
    """Fluctuation scale of the top eigenvalue of X^T X / N at the edge, X with N i.i.d.
    N(0, sigma2 I_M) rows (Johnstone 2001): sigma2 (sqrt(N-1) + sqrt(M)) (1/sqrt(N-1) + 1/sqrt(M))^(1/3) / N.
    The top eigenvalue is about edge + s * TW1 with this s; TW1 exceeds 4 with probability < 1e-3."""
    a, b = np.sqrt(n_samples - 1.0), np.sqrt(float(dimension))
    return float(sigma2 * (a + b) * (1.0 / a + 1.0 / b) ** (1.0 / 3.0) / n_samples)


def sample_covariance_eigenvalues(n_samples: int, dimension: int, variance: float, seed: int) -> np.ndarray:
    """Ascending eigenvalues of X^T X / N in float64 (dense ``eigh``)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, dimension, generator=gen, dtype=torch.float64) * variance**0.5
    cov = x.T @ x / n_samples
    return torch.linalg.eigvalsh(cov).numpy()


def weighted_null_spectra(weights: torch.Tensor, dimension: int, draws: int, seed: int) -> np.ndarray:
    """Ascending eigenvalues (float64, one row per draw) of (1/N) Z^T diag(weights) Z, with Z an
    N x ``dimension`` matrix of independent standard normals drawn afresh for each draw, N =
    len(weights): the spectrum these weights give when no input direction is special. With equal
    weights sigma^2 it is a sample covariance, Marchenko-Pastur(dimension / N, sigma^2) in the limit."""
    if draws < 1 or dimension < 1 or weights.ndim != 1 or len(weights) < 1:
        raise ValueError(f"weighted_null_spectra(weights {tuple(weights.shape)}, dimension={dimension}, "
                         f"draws={draws}): need 1-d weights, dimension >= 1 and draws >= 1")
    gen = torch.Generator().manual_seed(seed)
    c = weights.to(torch.float64)
    out = []
    for _ in range(draws):
        z = torch.randn(len(c), dimension, generator=gen, dtype=torch.float64)
        out.append(torch.linalg.eigvalsh((z * c[:, None]).T @ z / len(c)).numpy())
    return np.stack(out)
