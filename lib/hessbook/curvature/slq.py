"""Spectral density by stochastic Lanczos quadrature (SLQ), for networks too large for exact
spectra (Ghorbani, Krishnan, Xiao 2019; Papyan 2018).

For a Rademacher vector v (||v||^2 = P), m Lanczos steps from v / ||v|| give a tridiagonal T_m
with eigenpairs (theta_j, s_j); the Gauss quadrature (nodes theta_j, weights s_j[0]^2)
integrates polynomials of degree < 2m exactly against the spectral measure of H seen from v,
whose expectation over v is the empirical spectral distribution (1/P) sum_i delta(lambda_i).
Averaging over ``n_vectors`` runs and smoothing each node by a Gaussian of width ``sigma``
gives the density. The Lanczos recurrence is float64 with full reorthogonalization.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from hessbook.curvature.lanczos import _orthogonalize, _tridiag
from hessbook.curvature.operators import LinearOperator, as_operator, is_integer


@dataclass(frozen=True)
class SpectralDensity:
    nodes: Tensor
    """(n_vectors, m) Ritz values of each run."""
    weights: Tensor
    """(n_vectors, m) quadrature weights; each row sums to 1."""
    n_products: int
    num_params: int

    def density(self, grid: Tensor, sigma: float) -> Tensor:
        """Gaussian-smoothed spectral density on ``grid`` (integrates to 1)."""
        if not sigma > 0:
            raise ValueError(f"sigma = {sigma!r}: must be positive")
        g = grid.to(torch.float64)[:, None, None]
        k = torch.exp(-0.5 * ((g - self.nodes) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
        return (k * self.weights).sum(-1).mean(-1)

    def cdf(self, grid: Tensor) -> Tensor:
        """Estimated fraction of eigenvalues <= each grid point."""
        g = grid.to(torch.float64)[:, None, None]
        return ((self.nodes <= g) * self.weights).sum(-1).mean(-1)

    def moment(self, p: int) -> float:
        """Estimate of (1/P) sum_i lambda_i^p (exact per vector for p < 2m)."""
        return float((self.weights * self.nodes ** p).sum(-1).mean())


def slq(op: LinearOperator | Tensor, *, n_vectors: int = 10, m: int = 80, seed: int = 0) -> SpectralDensity:
    """SLQ with ``n_vectors`` Rademacher starts and ``m`` Lanczos steps each (m * n_vectors products)."""
    op = as_operator(op)
    n = op.num_params
    if not is_integer(n_vectors) or n_vectors < 1:
        raise ValueError(f"n_vectors = {n_vectors!r}: must be a positive integer")
    if not is_integer(m) or not 1 <= m <= n:
        raise ValueError(f"m = {m!r}: must be an integer in 1..{n}")
    n_vectors, m = int(n_vectors), int(m)
    start = op.n_products
    gen = torch.Generator().manual_seed(seed)
    nodes = torch.zeros(n_vectors, m, dtype=torch.float64)
    weights = torch.zeros(n_vectors, m, dtype=torch.float64)
    for r in range(n_vectors):
        v = (torch.randint(0, 2, (n,), generator=gen).to(torch.float64) * 2 - 1).to(op.device)
        Q = torch.zeros(m, n, dtype=torch.float64, device=op.device)  # one vector per row
        Q[0] = v / v.norm()
        alpha, beta = [], []
        for j in range(m):
            w = op.matvec(Q[j]).to(torch.float64)
            alpha.append(float(Q[j] @ w))
            w, b = _orthogonalize(w, Q[: j + 1])
            if j == m - 1 or b < 1e-10 * max(abs(a) for a in alpha):
                break
            beta.append(b)
            Q[j + 1] = w / b
        theta, S = torch.linalg.eigh(_tridiag(alpha, beta))
        nodes[r, : len(alpha)] = theta.cpu()
        weights[r, : len(alpha)] = S[0].cpu() ** 2
    return SpectralDensity(nodes, weights, op.n_products - start, n)
