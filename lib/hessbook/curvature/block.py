"""Top-k eigenpairs by block Lanczos: one ``matmat`` of ``b`` vectors per step.

Why blocks, and when not. A block finds a cluster of equal or nearly equal eigenvalues that a
single Krylov vector cannot (exact copies from a symmetry: the test with a class-symmetric softmax
model, where :func:`~hessbook.curvature.lanczos.lanczos` returns certified pairs that are not the
top k), and its reorthogonalization is matrix-matrix work (BLAS-3). It is not faster on the
models we measured (bench/RESULTS.md, issue 18): for the same pairs at the same residual a block
of b needs more products (top-20 on M1 and C1: 96-105 for b = 1, 114-116 for b = 2, 148 for
b = 4, 180-196 for b = 8: a Krylov polynomial of lower degree per product), while a block of
products costs about as much per vector as one product once products go through the retained
graph of the Hessian batch (:class:`~hessbook.curvature.operators.HessianOperator`, ``"auto"``).
So ``lanczos`` is the default top-k solver, and this one is for clusters.

The method (block Lanczos with full reorthogonalization, Golub and Underwood 1977; Saad,
*Numerical Methods for Large Eigenvalue Problems*, §6.6): an orthonormal block ``Q_0`` of
``b`` random vectors; step j applies the operator to ``Q_j``, removes the components along
every earlier block by block classical Gram-Schmidt, twice ("twice is enough"), and QR-
factors the rest into ``Q_{j+1} R_j``. The projection coefficients of the first pass are the
j-th block column of ``T = Q^T H Q`` (kept whole, not only its block tridiagonal part, which
is the exact Rayleigh-Ritz matrix of the basis), and ``R_j`` its sub-diagonal block. A Ritz
pair (theta, Q s) of T then has the residual estimate ||R_j s_j|| (s_j: the last block of s),
its true residual in exact arithmetic. When every wanted estimate is <= tol * scale, the true
residuals are computed with one more ``matmat`` of k vectors, and the run stops only when they
pass too: as in :func:`~hessbook.curvature.lanczos.lanczos`, every returned pair is certified
by its true residual, and ``scale`` is defined the same way.

Basis precision. The basis is float32 when ``tol >= 1e-6`` (its orthogonality, about 1e-7
after two passes, is far below such a tolerance, and the reorthogonalization, which reads the
whole basis twice per step, moves half the bytes) and float64 otherwise; T, the Ritz vectors and
the residual check are float64 either way, so the certificate does not depend on it.

Rank deficiency. When a column of the new block is (numerically) in the span of the basis,
the Krylov space has an invariant part: that column is replaced by a random vector orthogonal
to the basis and its row of R set to zero, as :func:`lanczos` restarts, so eigenvalues of
multiplicity above b are found too.

Block size. ``block_size=None`` takes ``min(k, DEFAULT_BLOCK)``; for a cluster choose a block at
least its multiplicity. A block wider than k spends products on pairs nobody asked for.
"""

from __future__ import annotations

import time

import torch
from torch import Tensor

from hessbook.curvature.lanczos import FLOAT32_BASIS_TOL, WHICH, EigenResult, check_k_tol, rayleigh_certified
from hessbook.curvature.operators import LinearOperator, as_operator, is_integer

DEFAULT_BLOCK = 8
_RANK_TOL = 1e-10


def _random_block(n: int, b: int, seed: int, device: torch.device, dtype: torch.dtype) -> Tensor:
    g = torch.Generator(device="cpu").manual_seed(seed)
    return torch.randn(b, n, generator=g, dtype=torch.float64).to(device=device, dtype=dtype)


def _project_out(W: Tensor, Q: Tensor) -> tuple[Tensor, Tensor]:
    """W (rows) minus its components along the orthonormal rows of Q: two block Gram-Schmidt
    passes. Returns W and the coefficients ``Q W^T`` (first pass plus its correction)."""
    C = Q @ W.T
    W = W - C.T @ Q
    C2 = Q @ W.T
    return W - C2.T @ Q, C + C2


def _orthonormal_rows(W: Tensor, Q: Tensor, scale: float, seed: int) -> tuple[Tensor, Tensor, int]:
    """QR of the block W (rows, already orthogonal to Q): ``W = R^T Qn`` with Qn orthonormal
    rows. Columns that are numerically dependent are replaced by random vectors orthogonal to
    Q and to the rest of the block, with their rows of R zeroed. Returns (Qn, R, replaced)."""
    Qt, R = torch.linalg.qr(W.T.to(torch.float64))
    Qn = Qt.T.to(W.dtype)
    weak = R.diagonal().abs() <= _RANK_TOL * max(scale, 1e-300)
    replaced = int(weak.sum())
    if replaced:
        R[weak] = 0.0
        for i in torch.nonzero(weak).flatten().tolist():
            basis = torch.cat([Q, Qn[:i], Qn[i + 1:]])
            v = _random_block(W.shape[1], 1, seed + 7919 * (i + 1), W.device, W.dtype)
            v, _ = _project_out(v, basis)
            Qn[i] = (v / v.norm()).reshape(-1)
    return Qn, R, replaced


def block_lanczos(op: LinearOperator | Tensor, k: int = 1, *, which: str = "LA", tol: float = 1e-4,
                  block_size: int | None = None, max_dim: int | None = None, seed: int = 0,
                  basis_dtype: torch.dtype | None = None) -> EigenResult:
    """The k wanted eigenpairs (``which``: "LA" largest or "SA" smallest algebraic) of a
    symmetric operator to relative residual ``tol``, from blocks of ``block_size`` products.
    ``max_dim`` caps the basis (default min(P, max(200, 10 k)), in whole blocks); a run that
    reaches it returns ``converged=False`` with the residuals it has. The result's
    ``iterations`` is the number of blocks; ``seconds`` its wall time."""
    started = time.perf_counter()
    op = as_operator(op)
    n = op.num_params
    check_k_tol(k, tol, n)
    k = int(k)
    if which not in WHICH:
        raise ValueError(f"which = {which!r}: accepted 'LA' (largest algebraic) or 'SA' (smallest algebraic)")
    b = min(k, DEFAULT_BLOCK) if block_size is None else block_size
    if not is_integer(b) or not 1 <= b <= n:
        raise ValueError(f"block_size = {block_size!r}: accepted an integer in 1..{n} (or None: min(k, {DEFAULT_BLOCK}))")
    max_dim = min(n, max_dim if max_dim is not None else max(200, 10 * k))
    if max_dim < k:
        raise ValueError(f"max_dim = {max_dim!r}: must be >= k = {k}")
    dtype = basis_dtype or (torch.float32 if tol >= FLOAT32_BASIS_TOL else torch.float64)
    start, dev = op.n_products, op.device

    Q0, _, _ = _orthonormal_rows(_random_block(n, b, seed, dev, torch.float64), torch.zeros(0, n, device=dev,
                                 dtype=torch.float64), 1.0, seed)
    # The basis lives in one buffer of max_dim rows, filled block by block: growing it by
    # concatenation would copy the whole basis at every step.
    basis = torch.empty(max_dim + b, n, device=dev, dtype=dtype)
    basis[:b] = Q0.to(dtype)
    T = torch.zeros(b, b, dtype=torch.float64)
    scale, blocks, width, m = 0.0, 0, b, b
    while True:
        Q = basis[:m]
        cur = slice(m - width, m)
        W = op.matmat(Q[cur].T.to(torch.float64)).T.to(dtype)
        blocks += 1
        W, C = _project_out(W, Q)
        T[:, cur] = C.to(torch.float64).cpu()
        T[cur, :] = T[:, cur].T.clone()
        theta, S = torch.linalg.eigh(T)
        scale = max(scale, float(theta.abs().max()))
        Qn, R, _ = _orthonormal_rows(W, Q, scale, seed + blocks)
        exhausted = m >= max_dim
        if m >= k:
            idx = torch.arange(m - 1, m - 1 - k, -1) if which == "LA" else torch.arange(k)
            wanted = max(float(theta[idx].abs().max()), 1e-3 * scale)
            est = (R.cpu() @ S[cur, idx]).norm(dim=0)
            if bool((est <= tol * wanted).all()) or exhausted:
                # Ritz vectors in the basis precision (no float64 copy of the basis), then float64:
                # the certificate below is the true residual of exactly these vectors.
                Y = (Q.T @ S[:, idx].to(device=dev, dtype=dtype)).to(torch.float64)
                lam, Y, res = rayleigh_certified(op, Y, which)
                ok = bool((res <= tol * wanted).all())
                if ok or exhausted:
                    return EigenResult(lam.cpu(), Y.cpu(), res.cpu(), op.n_products - start, ok,
                                       "block_lanczos", tol, blocks, wanted,
                                       seconds=time.perf_counter() - started, block_size=b)
        width = min(b, max_dim - m)
        basis[m:m + width] = Qn[:width]
        m += width
        T = torch.nn.functional.pad(T, (0, width, 0, width))
