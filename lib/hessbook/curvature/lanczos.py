"""Top-k eigenpairs by Lanczos with full reorthogonalization.

The tridiagonal matrix, the Ritz values and the residual check are float64; the recurrence and
the Krylov basis are float32 for a float32 operator at ``tol >= 1e-6`` (half the bytes of the
reorthogonalization, which dominates for millions of parameters) and float64 otherwise
(:func:`basis_dtype_for`). Every new Lanczos vector is orthogonalized against the whole basis, with a
second pass when the first removed more than 1 - 1/sqrt(2) of its norm (the DGKS criterion:
"twice is enough", and once is enough when there was little to remove), so the basis stays
orthonormal to working precision and no spurious copies of converged eigenvalues appear.
The basis is memory-bound (each pass reads all m vectors), so skipping a needless second pass
halves the cost that dominates for millions of parameters. The Krylov
dimension grows one product at a time; after each step the Ritz pairs of the tridiagonal T_m
are computed and the wanted ones (``which="LA"``: the k largest algebraic, ``"SA"``: the k
smallest, i.e. the most negative, ``"LM"``: the k largest in magnitude, from both ends) are
tested with the Ritz estimate beta_m |s_m,i| (equal to the true residual
||H y_i - theta_i y_i|| in exact arithmetic with an orthonormal basis). When every estimate
is <= tol * scale, the true residuals are computed with k more products (one ``matmat``), and
the run stops only if they pass too; the result reports the true residuals and, as eigenvalues,
the Rayleigh quotients of the returned vectors (:func:`rayleigh_certified`).

``scale`` is the largest |Ritz value| among the wanted ones (|lambda_1| for ``"LA"`` when
lambda_1 > 0; |lambda_min| for ``"SA"``; the largest magnitude for ``"LM"``), floored at 1e-3
times the largest |Ritz value| so a wanted end near zero stays reachable: the criterion is
||H v - lambda v|| <= tol * |lambda_1| for every wanted pair.

If the Krylov space becomes invariant (beta ~ 0) before the space is exhausted, Lanczos
restarts with a random vector orthogonal to the basis (T gets a zero off-diagonal), so
eigenvalues of multiplicity > 1 are found too; convergence is not declared in the first k
steps after such a restart. What a single Krylov vector cannot see: copies of an eigenvalue
whose eigenspace the Krylov space never leaves before the run stops. The returned pairs are then
true eigenpairs (their residuals are certified) but not the k largest: a linear softmax model at
W = 0, whose class symmetry makes every eigenvalue a triple, loses two copies of each of its top
three values (tests/test_curvature_block.py). Where the top is such a cluster, use
:func:`~hessbook.curvature.block.block_lanczos` with a block at least the multiplicity.

Memory: the basis takes 4 * P * m bytes (float32 basis) or 8 * P * m (float64) for the m Krylov
vectors used; its buffer grows by doubling, so ``max_dim`` is a cap, not an allocation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import Tensor

from hessbook.curvature.operators import LinearOperator, as_operator, is_integer

WHICH = ("LA", "SA")
"""The ends every solver of the package finds: largest and smallest algebraic."""
LANCZOS_WHICH = WHICH + ("LM",)
""":func:`lanczos` also finds the k largest in magnitude (``"LM"``): the window a power iteration
with deflation sees (Y's "top 20 eigenvalues", Figs 1, 6, 12), both ends of the spectrum at once."""


@dataclass(frozen=True)
class EigenResult:
    """Eigenpairs with their diagnostics. Eigenvalues sorted as wanted (LA: descending, SA:
    ascending, LM: by descending magnitude; power iteration: in the order found), eigenvectors as
    columns (float64)."""

    eigenvalues: Tensor
    eigenvectors: Tensor
    residuals: Tensor
    """True residuals ||H v_i - lambda_i v_i|| (v_i unit norm)."""
    n_products: int
    """Operator-vector products used (each one a pass over the data for a model operator)."""
    converged: bool
    method: str
    tol: float
    iterations: int
    scale: float
    """|lambda_1| estimate the tolerance is relative to."""
    seconds: float = 0.0
    """Wall time of the solver (0 where not measured)."""
    block_size: int = 1
    """Vectors per operator call of the solver's steps (block Lanczos; 1 otherwise)."""
    smallest: "EigenResult | None" = None
    """:func:`lanczos`'s ``n_smallest``: the smallest Ritz pairs of the same Krylov space, certified
    (their own ``converged``; the run did not wait for them). Ritz values bound the smallest
    eigenvalues from above, so an unconverged negative one is if anything too small in magnitude."""

    @property
    def relative_residuals(self) -> Tensor:
        return self.residuals / self.scale if self.scale > 0 else self.residuals


def check_k_tol(k: int, tol: float, n: int) -> None:
    if not is_integer(k) or k < 1 or k > n:
        raise ValueError(f"k = {k!r}: must be an integer in 1..{n} (the operator's size)")
    if not tol > 0:
        raise ValueError(f"tol = {tol!r}: must be a positive number")


def _start_vector(n: int, device: torch.device, seed: int) -> Tensor:
    g = torch.Generator(device="cpu").manual_seed(seed)
    return torch.randn(n, generator=g, dtype=torch.float64).to(device)


DGKS_ETA = 2 ** -0.5


def _orthogonalize(w: Tensor, B: Tensor) -> tuple[Tensor, float]:
    """Remove from ``w`` its components along the rows of ``B`` (orthonormal): one classical
    Gram-Schmidt pass, and a second one when the first cancelled much of ``w`` (DGKS).
    Returns the vector and its norm (which the DGKS test computes anyway)."""
    before = float(w.norm())
    w.addmv_(B.T, B @ w, alpha=-1)  # in place: a fresh vector of millions of entries costs page faults
    norm = float(w.norm())
    if norm < DGKS_ETA * before:
        w.addmv_(B.T, B @ w, alpha=-1)
        norm = float(w.norm())
    return w, norm


def _grow(Q: Tensor, rows: int, cap: int) -> Tensor:
    """The basis buffer with room for at least ``rows`` vectors (doubling, at most ``cap``)."""
    if rows <= Q.shape[0]:
        return Q
    bigger = torch.empty(min(cap, max(rows, 2 * Q.shape[0])), Q.shape[1], dtype=Q.dtype, device=Q.device)
    bigger[: Q.shape[0]] = Q
    return bigger


def _tridiag(alpha: list[float], beta: list[float]) -> Tensor:
    T = torch.diag(torch.tensor(alpha, dtype=torch.float64))
    if beta:
        b = torch.tensor(beta, dtype=torch.float64)
        T += torch.diag(b, 1) + torch.diag(b, -1)
    return T


FLOAT32_BASIS_TOL = 1e-6
"""A float32 operator with ``tol`` at or above this gets a float32 basis (see :func:`basis_dtype_for`)."""


def basis_dtype_for(op: LinearOperator, tol: float) -> torch.dtype:
    """float32 for a float32 operator at ``tol >= 1e-6``, else float64.

    Why: for millions of parameters the reorthogonalization, which reads the whole basis twice
    per step, costs more than the products (Y's M1, 1.26M parameters, top-20: 5.4 s of basis work
    against 3.6 s of products, bench/RESULTS.md issue 18); a float32 basis halves the bytes. A
    float32 operator's products carry about 1e-7 relative rounding anyway, float32 Gram-Schmidt
    keeps the basis orthogonal to about that, and every returned pair is still certified by its
    true residual, computed in float64."""
    return torch.float32 if getattr(op, "dtype", torch.float64) == torch.float32 and tol >= FLOAT32_BASIS_TOL \
        else torch.float64


def rayleigh_certified(op: LinearOperator, Y: Tensor, which: str) -> tuple[Tensor, Tensor, Tensor]:
    """For the columns of Y (float64), normalized here in place: their Rayleigh quotients y.Hy,
    Y reordered as ``which`` wants, and the true residuals ||Hy - (y.Hy) y||, from one ``matmat``.

    The Rayleigh quotient of the returned vector, not the Ritz value of T, is the eigenvalue
    reported: it is the lambda that minimizes that vector's residual, its error is of the order
    of the residual squared over the gap, and it does not carry the rounding of the recurrence
    (a float32 basis moves Ritz values by up to about the tolerance, its Rayleigh quotients by
    far less; bench/RESULTS.md, issue 18)."""
    Y.div_(Y.norm(dim=0))
    HY = op.matmat(Y).to(torch.float64)
    lam = (Y * HY).sum(dim=0)
    order = torch.argsort(lam.abs() if which == "LM" else lam, descending=which != "SA")
    lam, Y, HY = lam[order], Y[:, order], HY[:, order]
    return lam, Y, HY.addcmul_(Y, lam, value=-1).norm(dim=0)


def _wanted(theta: Tensor, k: int, which: str) -> Tensor:
    """Indices of the k wanted Ritz values among ``theta`` (ascending, from ``eigh``)."""
    m = len(theta)
    if which == "LA":
        return torch.arange(m - 1, m - 1 - k, -1)
    if which == "SA":
        return torch.arange(k)
    return torch.argsort(theta.abs(), descending=True)[:k]


def _smallest(op: LinearOperator, Q: Tensor, theta: Tensor, S: Tensor, n: int, tol: float) -> EigenResult:
    """The n smallest Ritz pairs of the Krylov basis ``Q`` (rows) with T's eigenpairs (theta, S),
    certified like the wanted ones, ``converged`` if they meet ``tol`` (relative to the largest
    of their magnitudes, floored at 1e-3 |theta|max as for ``"SA"``); ``seconds``: the
    certification's own."""
    started = time.perf_counter()
    n = min(n, len(theta))
    scale = max(float(theta[:n].abs().max()), 1e-3 * float(theta.abs().max()))
    Y = (Q.T @ S[:, :n].to(device=Q.device, dtype=Q.dtype)).to(torch.float64)
    lam, Y, res = rayleigh_certified(op, Y, "SA")
    return EigenResult(lam.cpu(), Y.cpu(), res.cpu(), n, bool((res <= tol * scale).all()),
                       "lanczos", tol, len(theta), scale, seconds=time.perf_counter() - started)


def lanczos(op: LinearOperator | Tensor, k: int = 1, *, which: str = "LA", tol: float = 1e-4,
            max_dim: int | None = None, seed: int = 0, v0: Tensor | None = None,
            basis_dtype: torch.dtype | None = None, n_smallest: int = 0) -> EigenResult:
    """The k wanted eigenpairs of a symmetric operator (or square tensor) to relative residual
    ``tol``. ``max_dim`` caps the Krylov dimension (default min(P, max(200, 10 k))); a run that
    reaches it returns ``converged=False`` with the residuals it has. ``basis_dtype``: the
    Krylov basis' precision (default :func:`basis_dtype_for`); T, the Ritz values and the
    residual check are float64 either way. ``n_smallest``: also certify that many smallest Ritz
    pairs of the final Krylov space (:attr:`EigenResult.smallest`, ``n_smallest`` more products):
    the other end of the spectrum at no Krylov cost, for a caller that wants λmin beside an
    ``"LM"`` window.

    A certification that fails (every Ritz estimate passed, a true residual did not: the
    estimate is exact only with an exactly orthonormal basis, and a float32 product has a noise
    floor) is not repeated before the Krylov space has grown by k more vectors, so a wanted set
    below that floor costs about twice the cap in products, not k times it."""
    started = time.perf_counter()
    op = as_operator(op)
    n = op.num_params
    check_k_tol(k, tol, n)
    k = int(k)
    if which not in LANCZOS_WHICH:
        raise ValueError(f"which = {which!r}: accepted 'LA' (largest algebraic), 'SA' (smallest algebraic) "
                         "or 'LM' (largest magnitude)")
    max_dim = min(n, max_dim if max_dim is not None else max(200, 10 * k))
    if max_dim < k:
        raise ValueError(f"max_dim = {max_dim!r}: must be >= k = {k}")
    if not is_integer(n_smallest) or not 0 <= n_smallest <= max_dim:
        raise ValueError(f"n_smallest = {n_smallest!r}: must be an integer in 0..max_dim = {max_dim}")
    start = op.n_products
    dev = op.device
    # The basis is stored one Lanczos vector per ROW: each vector is contiguous, which matters
    # for millions of parameters (a column of an (n, m) matrix is strided by m).
    dtype = basis_dtype or basis_dtype_for(op, tol)
    Q = torch.empty(min(max_dim, max(2 * k, 32)), n, dtype=dtype, device=dev)
    q = (v0.to(dev, torch.float64) if v0 is not None else _start_vector(n, dev, seed)).reshape(-1)
    Q[0] = (q / q.norm()).to(dtype)
    alpha: list[float] = []
    beta: list[float] = []
    b_prev, restart_at, restarts, check_from = 0.0, 0, 0, k
    while True:
        j = len(alpha)
        q = Q[j]
        w = op.matvec(q).to(dtype)
        a = float(q @ w)
        w.sub_(q, alpha=a)
        if j > 0:
            w.sub_(Q[j - 1], alpha=b_prev)
        w, b = _orthogonalize(w, Q[: j + 1])
        alpha.append(a)
        m = j + 1
        theta, S = torch.linalg.eigh(_tridiag(alpha, beta))
        scale = float(theta.abs().max())
        exhausted = m == max_dim
        if exhausted or (m >= check_from and m - restart_at >= k):
            idx = _wanted(theta, k, which)
            scale = max(float(theta[idx].abs().max()), 1e-3 * scale)
            est = b * S[m - 1, idx].abs()
            if bool((est <= tol * scale).all()) or exhausted:
                Y = (Q[:m].T @ S[:, idx].to(device=dev, dtype=dtype)).to(torch.float64)
                lam, Y, res = rayleigh_certified(op, Y, which)
                ok = bool((res <= tol * scale).all())
                if ok or exhausted:
                    low = _smallest(op, Q[:m], theta, S, n_smallest, tol) if n_smallest else None
                    return EigenResult(lam.cpu(), Y.cpu(), res.cpu(), op.n_products - start, ok,
                                       "lanczos", tol, m, scale, seconds=time.perf_counter() - started,
                                       smallest=low)
                check_from = m + k
        if b <= 1e-10 * max(scale, 1e-300):  # invariant subspace: restart orthogonally
            w, norm = _orthogonalize(_start_vector(n, dev, seed + 1 + restarts).to(dtype), Q[:m])
            restarts += 1
            restart_at = m
            b = 0.0
            w.div_(norm)
        else:
            w.div_(b)
        beta.append(b)
        b_prev = b
        Q = _grow(Q, m + 1, max_dim)
        Q[m] = w
