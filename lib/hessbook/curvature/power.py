"""The papers' method: power iteration with deflation (Y section 3; as in PyHessian).

For the i-th eigenpair: start from a random vector; each iteration orthogonalizes the vector
against the eigenvectors already found (deflation by projection), normalizes it, applies the
operator, takes the Rayleigh quotient lambda = v . Hv as the estimate and Hv / ||Hv|| as the
next vector; it stops when the relative change |lambda - lambda_prev| / (|lambda_prev| + 1e-6)
< ``tol`` (Y: 1e-4; PyHessian's default: 1e-3) or after ``max_iter`` products.

Power iteration converges to the eigenvalue of largest *magnitude* of the deflated operator,
so with negative eigenvalues the order is by |lambda|, not algebraic. The relative-change test
says nothing about the residual: the result also reports the true residual ||Hv - lambda v||,
free from the last iteration (v and Hv are both at hand).
"""

from __future__ import annotations

import time

import torch
from torch import Tensor

from hessbook.curvature.lanczos import EigenResult, _start_vector, check_k_tol
from hessbook.curvature.operators import LinearOperator, as_operator, is_integer


def power_iteration(op: LinearOperator | Tensor, k: int = 1, *, tol: float = 1e-4,
                    max_iter: int = 1000, seed: int = 0) -> EigenResult:
    """The k largest-magnitude eigenpairs by power iteration with deflation, as Y describes."""
    started = time.perf_counter()
    op = as_operator(op)
    n = op.num_params
    check_k_tol(k, tol, n)
    if not is_integer(max_iter) or max_iter < 1:
        raise ValueError(f"max_iter = {max_iter!r}: must be a positive integer")
    k, max_iter = int(k), int(max_iter)
    start = op.n_products
    dev = op.device
    vals, vecs, res = [], [], []
    all_converged, iterations = True, 0
    for i in range(k):
        v = _start_vector(n, dev, seed + i)
        lam_prev: float | None = None
        done = False
        for _ in range(max_iter):
            for u in vecs:
                v = v - (u @ v) * u
            v = v / v.norm()
            Hv = op.matvec(v).to(torch.float64)
            iterations += 1
            lam = float(v @ Hv)
            if lam_prev is not None and abs(lam - lam_prev) / (abs(lam_prev) + 1e-6) < tol:
                done = True
            lam_prev = lam
            if done:
                break
            v_cur, Hv_cur = v, Hv
            v = Hv / Hv.norm() if float(Hv.norm()) > 0 else v
        if not done:  # the last product belongs to the vector before the update
            v, Hv = v_cur, Hv_cur
        vals.append(lam)
        vecs.append(v)
        res.append(float((Hv - lam * v).norm()))
        all_converged &= done
    scale = max(abs(x) for x in vals)
    return EigenResult(torch.tensor(vals, dtype=torch.float64), torch.stack(vecs, 1).cpu(),
                       torch.tensor(res, dtype=torch.float64), op.n_products - start,
                       all_converged, "power", tol, iterations, scale,
                       seconds=time.perf_counter() - started)
