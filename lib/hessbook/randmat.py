"""Random-matrix references: the Marchenko-Pastur law and sample covariance spectra.

For X with N rows of i.i.d. N(0, sigma^2 I_M) samples and ratio alpha = M / N, the
eigenvalues of the sample covariance X^T X / N follow, as N, M -> inf, the Marchenko-Pastur
law with edges sigma^2 (1 -+ sqrt(alpha))^2 (plus a mass 1 - 1/alpha at zero when
alpha > 1). Sagun et al. (S, Appendix B) use it for the bulk of the logistic-regression
Hessian.
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


def sample_covariance_eigenvalues(n_samples: int, dimension: int, variance: float, seed: int) -> np.ndarray:
    """Ascending eigenvalues of X^T X / N in float64 (dense ``eigh``)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, dimension, generator=gen, dtype=torch.float64) * variance**0.5
    cov = x.T @ x / n_samples
    return torch.linalg.eigvalsh(cov).numpy()
