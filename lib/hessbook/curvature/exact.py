"""Exact curvature matrices for small networks (S): H, the Gauss-Newton matrix G, and H - G.

- ``hessian_matrix``: the full Hessian of the mean loss, float64 by default, from
  forward-over-reverse products with identity columns, ``chunk`` columns per pass (vmapped),
  as assembled; ``exact_spectra`` symmetrizes it and reports max |H - H^T| as ``asymmetry``.
- ``gauss_newton_matrix``: G = (1/N) sum_i J_i^T (d^2 l_i / d f_i^2) J_i (S Eq. 4-5) from
  per-sample Jacobians (``vmap(jacrev)``) and per-sample output-space loss Hessians
  (``vmap(hessian)``), accumulated over batches; PSD when the loss is convex in the outputs.
- ``exact_spectra``: eigenvalues (descending, float64 ``eigvalsh``) of H, G and H - G.
- ``logistic_hessian``: the closed form X^T diag(s (1 - s)) X / N of a sigmoid neuron's
  mean log-loss (S App. B), which is its Gauss-Newton matrix (the model is linear in w);
  ``logistic_fit``: the point where it is taken at a trained w, the maximum-likelihood weights
  (Newton's method), or the finding that there are none (the data are separable).

Memory: P^2 * 8 bytes per matrix (a 5K-parameter network: 200 MB), and B * c * P for one
batch of Jacobians.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.func import functional_call, jacrev, vmap

from hessbook.curvature.operators import (Batches, Data, HessianOperator, LossFn, check_mean_loss,
                                          cross_entropy, eval_mode, model_in, precision, trainable)


def spectrum(matrix: Tensor) -> Tensor:
    """All eigenvalues of a symmetric matrix, descending, float64."""
    return torch.linalg.eigvalsh(matrix.to(torch.float64)).flip(0)


def logistic_weights(x: Tensor, w: Tensor | None = None) -> Tensor:
    """Each sample's weight s_i (1 - s_i) in the logistic Hessian, s_i = sigmoid(<w, x_i>) (float64;
    computed as sigmoid(z) sigmoid(-z), without cancellation at large |z|). ``w = None``: w = 0."""
    x = x.to(torch.float64)
    z = x @ (torch.zeros(x.shape[1], dtype=torch.float64) if w is None else w.to(torch.float64))
    return torch.sigmoid(z) * torch.sigmoid(-z)


def logistic_hessian(x: Tensor, w: Tensor | None = None) -> Tensor:
    """Closed-form Hessian of the mean log-loss of a sigmoid neuron f = <w, x> (float64):
    X^T diag(s (1 - s)) X / N. ``w = None``: w = 0."""
    x = x.to(torch.float64)
    return (x * logistic_weights(x, w)[:, None]).T @ x / x.shape[0]


@dataclass(frozen=True)
class LogisticFit:
    """The maximum-likelihood weights of a sigmoid neuron without bias, or why there are none."""

    w: Tensor
    """float64 (d,): the minimizer when ``converged``; else the last iterate."""
    loss: float
    """Mean log-loss at ``w``."""
    grad_norm: float
    """||gradient of the mean log-loss|| at ``w``."""
    accuracy: float
    """Training accuracy of sign(<w, x>) (a sample on the boundary, <w, x> = 0, counts as wrong)."""
    iterations: int
    converged: bool
    """The gradient norm reached ``tol``: ``w`` is the minimizer (the loss is convex)."""
    separable: bool
    """An iterate classified every sample strictly correctly: the data are linearly separable, the
    loss has no minimizer (it tends to 0 as ||w|| grows, and with it the Hessian), and the fit stops."""


def logistic_fit(x: Tensor, y: Tensor, *, tol: float = 1e-10, max_iter: int = 100) -> LogisticFit:
    """Newton's method with backtracking (Armijo) on the mean log-loss of f = <w, x>, labels in
    {0, 1}, from w = 0, in float64. Stops at ||gradient|| <= ``tol`` (converged); at the first
    iterate that classifies every sample strictly correctly, (2 y_i - 1) <w, x_i> > 0 for all i
    (separable: no minimizer exists, since that w scaled up drives the loss to 0; conversely such
    an iterate exists only on separable data); when the line search finds no decrease; or after
    ``max_iter`` steps (the last two: neither converged nor separable)."""
    if tol <= 0 or max_iter < 1:
        raise ValueError(f"logistic_fit(tol={tol}, max_iter={max_iter}): need tol > 0 and max_iter >= 1")
    x, y = x.to(torch.float64), y.to(torch.float64)
    if x.ndim != 2 or y.shape != (x.shape[0],) or not bool(((y == 0) | (y == 1)).all()):
        raise ValueError(f"logistic_fit: x {tuple(x.shape)} and y {tuple(y.shape)}: need x (N, d) and y (N,) in {{0, 1}}")

    def loss_of(w: Tensor) -> float:
        z = x @ w
        return float((torch.nn.functional.softplus(z) - y * z).mean())

    def fit(w: Tensor, it: int, grad: Tensor, margins: Tensor, done: bool) -> LogisticFit:
        separated = bool((margins > 0).all())
        return LogisticFit(w, loss_of(w), float(grad.norm()), float((margins > 0).double().mean()), it, done,
                           separated and not done)

    w = torch.zeros(x.shape[1], dtype=torch.float64)
    for it in range(max_iter + 1):
        z = x @ w
        grad = x.T @ (torch.sigmoid(z) - y) / x.shape[0]
        margins = (2 * y - 1) * z
        done = float(grad.norm()) <= tol
        if done or bool((margins > 0).all()) or it == max_iter:
            return fit(w, it, grad, margins, done)
        step = torch.linalg.lstsq(logistic_hessian(x, w), grad[:, None]).solution[:, 0]  # rank-deficient when N < d
        loss, t, slope = loss_of(w), 1.0, float(grad @ step)
        while loss_of(w - t * step) > loss - 1e-4 * t * slope:
            t /= 2
            if t < 1e-10:  # no decrease along the Newton direction: stop where we are
                return fit(w, it, grad, margins, False)
        w = w - t * step
    raise AssertionError("unreachable")


def hessian_matrix(model: nn.Module, data: Data, *, loss_fn: LossFn | None = None,
                   batch_size: int | None = None, dtype: torch.dtype = torch.float64,
                   chunk: int | None = None) -> Tensor:
    """The P x P Hessian of the mean loss (trainable parameters in ``named_parameters`` order)."""
    op = HessianOperator(model, data, loss_fn=loss_fn, batch_size=batch_size, dtype=dtype)
    H = op.to_dense(chunk)
    return H


def gauss_newton_matrix(model: nn.Module, data: Data, *, loss_fn: LossFn | None = None,
                        batch_size: int | None = None, dtype: torch.dtype = torch.float64) -> Tensor:
    """G = (1/N) sum_i J_i^T (d^2 l_i) J_i from per-sample Jacobians; float64 by default."""
    loss_fn = loss_fn or cross_entropy
    model = model_in(model, dtype)
    params = trainable(model)
    p0 = {n: p.detach() for n, p in params.items()}
    P = sum(p.numel() for p in p0.values())
    device = next(iter(p0.values())).device
    batches = Batches(data, batch_size, device=device, dtype=dtype)
    n = batches.count()
    if loss_fn is not cross_entropy:
        check_mean_loss(loss_fn, model, *next(iter(batches)))
    G = torch.zeros(P, P, dtype=torch.float64, device=device)

    def f1(p: dict[str, Tensor], xi: Tensor) -> Tensor:
        return functional_call(model, p, (xi[None],))[0]

    with eval_mode(model), precision(dtype), torch.no_grad():
        for x, y in batches:
            B = len(x)
            jac = vmap(jacrev(f1), in_dims=(None, 0))(p0, x)
            J = torch.cat([jac[name].reshape(B, -1, p0[name].numel()) for name in p0], 2).to(torch.float64)
            c = J.shape[1]
            out = functional_call(model, p0, (x,))
            Hl = _output_hessians(loss_fn, out, y).to(torch.float64)
            M = torch.bmm(Hl, J)
            G += J.reshape(B * c, P).T @ M.reshape(B * c, P)
    return G / n


def _output_hessians(loss_fn: LossFn, out: Tensor, y: Tensor) -> Tensor:
    """(B, c, c) per-sample Hessians d^2 l_i / d f_i^2 of a batch-mean loss (1/B) sum_i l_i:
    B times the diagonal blocks of the batch loss's output Hessian, by c double-backward passes
    (samples do not couple, so one pass per output coordinate gives every sample's row)."""
    B = out.shape[0]
    c = out[0].numel()
    with torch.enable_grad():
        o = out.detach().requires_grad_(True)
        (gl,) = torch.autograd.grad(loss_fn(o, y), o, create_graph=True)
        gl = gl.reshape(B, c)
        rows = []
        for j in range(c):
            r = None
            if gl.requires_grad:
                (r,) = torch.autograd.grad(gl[:, j].sum(), o, retain_graph=j < c - 1, allow_unused=True)
            rows.append(torch.zeros(B, c, dtype=o.dtype, device=o.device) if r is None else r.reshape(B, c))
    return B * torch.stack(rows, 1)


@dataclass(frozen=True)
class ExactSpectra:
    """H, G and R = H - G with their spectra (descending)."""

    H: Tensor
    G: Tensor
    hessian: Tensor
    gauss_newton: Tensor
    residual: Tensor
    asymmetry: float
    """max |H - H^T| of the assembled Hessian before symmetrizing (a check on the products)."""

    @property
    def R(self) -> Tensor:
        return self.H - self.G


def exact_spectra(model: nn.Module, data: Data, *, loss_fn: LossFn | None = None,
                  batch_size: int | None = None, dtype: torch.dtype = torch.float64,
                  chunk: int | None = None) -> ExactSpectra:
    """Build H and G exactly and return every eigenvalue of H, G and H - G."""
    H = hessian_matrix(model, data, loss_fn=loss_fn, batch_size=batch_size, dtype=dtype, chunk=chunk)
    asym = float((H - H.T).abs().max())
    H = (H + H.T) / 2
    G = gauss_newton_matrix(model, data, loss_fn=loss_fn, batch_size=batch_size, dtype=dtype)
    G = (G + G.T) / 2
    return ExactSpectra(H.cpu(), G.cpu(), spectrum(H).cpu(), spectrum(G).cpu(), spectrum(H - G).cpu(), asym)
