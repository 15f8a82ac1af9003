"""Second-order attacks FHSM and L2HESS (Y Table 5) by an inexact Newton step.

The Newton direction ``H_x^-1 g_x`` is computed by conjugate gradient on input
Hessian-vector products (double backward), batched over samples: every sample has its own
CG scalars, tolerance, iteration count and stopping reason, and a batch gives the same
answer as its items one by one.

The singular system, handled deliberately
-----------------------------------------
For ReLU/linear/BN networks with softmax cross-entropy (Y Assumption 1), Y's Theorem 1 gives
``H_x = J^T S J`` almost everywhere, with ``J = ds/dx`` (classes x inputs) and
``S = diag(p) - p p^T`` the softmax Hessian: PSD, and of rank <= c (number of classes) --
in fact <= c - 1, because ``S 1 = 0``. So ``H_x`` is singular for every input with more than
c - 1 pixels, and ``H_x^-1`` in Table 5 can only mean a solution of ``H_x d = g_x``. This
system is consistent: ``g_x = J^T (p - e_y)`` and ``p - e_y`` is orthogonal to ``1``, so it
lies in ``range(S)`` and ``g_x`` lies in ``J^T range(S) = range(H_x)``. CG started from zero
keeps every iterate in the Krylov space ``span{g, Hg, H^2 g, ...}``, which lies in
``range(H_x)``; on a consistent PSD system it therefore converges to the minimum-norm
solution ``H_x^+ g_x`` (never into the null space), in at most rank(H_x) <= c - 1 steps in
exact arithmetic. In floating point two things can go wrong, and both are caught per
sample:

- *tolerance*: stop when ``||r|| <= eta ||g||``. Y uses an inexact Newton method and cites
  Eisenstat and Walker [11] for the forcing term ``eta``; their rules adapt ``eta_k`` to the
  progress of an outer Newton iteration, but an attack takes a single Newton step, so there
  is no ``eta_{k-1}`` to adapt from. We offer ``forcing="fixed"`` (``eta = rtol``) and
  ``forcing="sqrt"`` (``eta = min(rtol, sqrt(||g||))``, the superlinear forcing sequence of
  the same family, Nocedal and Wright Thm 7.2), which is tighter for samples whose gradient
  is small;
- *breakdown*: the curvature of the search direction vanishes, ``p^T H p <= breakdown_rtol *
  ||p||^2 * max Rayleigh quotient seen`` (also catching ``p^T H p <= 0``, e.g. from non-ReLU
  layers): we stop and keep the current iterate;
- *iteration cap*: ``max_iter`` (flag: neither converged nor broke down). Rounding puts a
  tiny part ``n`` of ``g`` outside ``range(H_x)``; the residual can then never drop below
  ``||n||``, and CG continued on such an inconsistent system drifts along ``n`` and can
  diverge (Kaasschieter 1988). Hence a modest cap (default 20: rank <= c - 1 = 9 for the
  papers' 10 classes) and the float64 solve below, which keeps ``n`` at rounding level so
  that the tolerance is met long before the drift matters. Residuals reported are true
  residuals, so a drifted solve is visible, and the attacks fall back to the gradient when
  it is no better than zero.

Precision. The solve runs in float64 by default (``solve_dtype="float64"``: a float64 copy
of the model, used only for the solve; the step is cast back to the inputs' dtype). In
float32 the cross-entropy of a confidently classified sample rounds: ``1 - p_y`` below about
6e-8 is lost, so the computed ``g_x = J^T (p - e_y)`` no longer has ``p - e_y`` summing to
zero, leaves ``range(H_x)``, and ``S`` itself loses its small eigenvalues to cancellation
(``p_y - p_y^2``). Measured on a tiny trained ReLU MLP (3 classes, 60 samples, losses about
1e-7): in float32 CG met rtol 1e-3 for 14 of 60 samples, hit the 50-iteration cap for 25,
with relative residuals up to 4e5; in float64 all 60 converged in c - 1 = 2 iterations to
relative residuals below 1e-7. This is likely part of the "numerical problems" Y A.4
reports for the low-rank input Hessian. ``solve_dtype="model"`` keeps the model's dtype.

Fallback. If the solve returns zero for a sample with a nonzero gradient (``H_x``
numerically zero) or a solution whose true residual is no better than the zero solution's
(``||g - H d|| >= ||g||``, a diverged solve), the Newton direction is not usable and the
attack uses the gradient for that sample (recorded in ``AttackResult.fallback``), i.e. it
becomes FGSM / L2GRAD there. A sample whose gradient is exactly zero is left unchanged, as
FGSM does.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from hessbook.attacks._common import (
    AttackResult,
    check_batch,
    check_eps,
    check_positive,
    check_steps,
    eval_mode,
    flat_norm,
    l2_normalize,
    per_sample,
    per_sample_loss,
    project,
)

FORCING = ("fixed", "sqrt")
SOLVE_DTYPES = ("float64", "model")


@dataclass(frozen=True)
class CGResult:
    """Per-sample outcome of a batched CG solve of ``A x = b``.

    ``residual_norms`` are true residuals ``||b - A x||`` (one extra product at the end),
    ``tolerance`` the per-sample stopping threshold ``eta ||b||``; ``converged`` means the
    residual met the tolerance, ``breakdown`` that the curvature along the search direction
    vanished (the rest of ``b`` lies in the null space up to rounding); a sample with
    neither hit ``max_iter``.
    """

    solution: torch.Tensor
    residual_norms: torch.Tensor
    rhs_norms: torch.Tensor
    tolerance: torch.Tensor
    iterations: torch.Tensor
    converged: torch.Tensor
    breakdown: torch.Tensor

    @property
    def hit_cap(self) -> torch.Tensor:
        return ~self.converged & ~self.breakdown

    def summary(self) -> dict:
        n = int(self.converged.numel())
        return {
            "samples": n,
            "converged": int(self.converged.sum()),
            "breakdown": int(self.breakdown.sum()),
            "hit_cap": int(self.hit_cap.sum()),
            "mean_iterations": float(self.iterations.float().mean()) if n else 0.0,
            "max_relative_residual": float(
                (self.residual_norms / self.rhs_norms.clamp_min(1e-30)).max()) if n else 0.0,
        }


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a * b).reshape(a.shape[0], -1).sum(dim=1)


def conjugate_gradient(
    matvec: Callable[[torch.Tensor], torch.Tensor], b: torch.Tensor, *, rtol: float | torch.Tensor = 1e-3,
    max_iter: int = 20, breakdown_rtol: float | None = None,
) -> CGResult:
    """Solve ``A_i x_i = b_i`` for every sample ``i`` of a batch by CG from ``x = 0``.

    ``matvec`` maps a batch of vectors (shape of ``b``) to the batch of products ``A_i v_i``;
    ``A_i`` must be symmetric PSD (singular is fine for a consistent system: see the module
    docstring). ``rtol`` is a float or a per-sample tensor ``eta_i``; sample ``i`` stops when
    ``||r_i|| <= eta_i ||b_i||``, on breakdown, or after ``max_iter`` products. Finished
    samples get a zero search direction, so later products cost nothing numerically and
    their values are frozen.
    """
    max_iter = check_steps(max_iter, "max_iter")
    if breakdown_rtol is None:
        breakdown_rtol = 10 * torch.finfo(b.dtype).eps
    n = b.shape[0]
    eta = torch.as_tensor(rtol, dtype=b.dtype, device=b.device).expand(n).clone()
    if bool((eta <= 0).any()) or not bool(torch.isfinite(eta).all()):
        raise ValueError(f"rtol = {rtol!r}: accepted a finite number > 0 (or per-sample tensor)")
    x = torch.zeros_like(b)
    r = b.clone()
    p = r.clone()
    rr = _dot(r, r)
    b_norm = rr.sqrt()
    tol = eta * b_norm
    converged = b_norm <= tol  # b = 0: the solution is 0
    breakdown = torch.zeros(n, dtype=torch.bool, device=b.device)
    active = ~converged
    iterations = torch.zeros(n, dtype=torch.long, device=b.device)
    rq_max = torch.zeros(n, dtype=b.dtype, device=b.device)
    p = p * per_sample(active.to(b.dtype), p)
    for _ in range(max_iter):
        if not bool(active.any()):
            break
        ap = matvec(p)
        p_ap = _dot(p, ap)
        pp = _dot(p, p)
        rq = p_ap / pp.clamp_min(torch.finfo(b.dtype).tiny)
        rq_max = torch.where(active, torch.maximum(rq_max, rq), rq_max)
        bad = active & (p_ap <= breakdown_rtol * rq_max * pp)
        bad |= active & (p_ap <= 0)
        breakdown |= bad
        step = active & ~bad
        alpha = torch.where(step, rr / p_ap.where(step, torch.ones_like(p_ap)), torch.zeros_like(rr))
        x = x + per_sample(alpha, x) * p
        r = r - per_sample(alpha, r) * ap
        rr_new = _dot(r, r)
        iterations += step.long()
        done = step & (rr_new.sqrt() <= tol)
        converged |= done
        active = step & ~done
        beta = torch.where(active, rr_new / rr.clamp_min(torch.finfo(b.dtype).tiny), torch.zeros_like(rr))
        p = (r + per_sample(beta, p) * p) * per_sample(active.to(b.dtype), p)
        rr = torch.where(step, rr_new, rr)
    true_residual = flat_norm(b - matvec(x))
    converged = converged | (true_residual <= tol)
    return CGResult(solution=x.detach(), residual_norms=true_residual.detach(), rhs_norms=b_norm.detach(),
                    tolerance=tol.detach(), iterations=iterations, converged=converged, breakdown=breakdown)


def input_hvp(model: nn.Module, x: torch.Tensor, y: torch.Tensor):
    """``(loss, grad, hvp)`` at ``x``: per-sample loss and input gradient, and ``hvp(v)`` the
    batch of input-Hessian-vector products ``H_{x_i} v_i`` by double backward.

    Differentiates the SUM of per-sample losses, so sample i's products involve only its own
    Hessian (in eval mode). The graph is kept until ``hvp`` is dropped.
    """
    x_leaf = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        loss = per_sample_loss(model, x_leaf, y)
        (grad,) = torch.autograd.grad(loss.sum(), x_leaf, create_graph=True)

    def hvp(v: torch.Tensor) -> torch.Tensor:
        if not grad.requires_grad:  # a model whose gradient does not depend on x
            return torch.zeros_like(v)
        with torch.enable_grad():
            (hv,) = torch.autograd.grad(grad, x_leaf, grad_outputs=v, retain_graph=True,
                                        allow_unused=True)
        return torch.zeros_like(v) if hv is None else hv.detach()

    return loss.detach(), grad.detach(), hvp


def check_cg_settings(rtol, max_iter, forcing, breakdown_rtol, solve_dtype="model") -> dict:
    rtol = check_positive(rtol, "rtol")
    if rtol >= 1:
        raise ValueError(f"rtol = {rtol!r}: accepted a number in (0, 1)")
    max_iter = check_steps(max_iter, "max_iter")
    if forcing not in FORCING:
        raise ValueError(f"forcing = {forcing!r}: accepted {', '.join(repr(f) for f in FORCING)}")
    if breakdown_rtol is not None:
        breakdown_rtol = check_positive(breakdown_rtol, "breakdown_rtol")
    if solve_dtype not in SOLVE_DTYPES:
        raise ValueError(f"solve_dtype = {solve_dtype!r}: accepted {', '.join(repr(d) for d in SOLVE_DTYPES)}")
    return {"rtol": rtol, "max_iter": max_iter, "forcing": forcing, "breakdown_rtol": breakdown_rtol,
            "solve_dtype": solve_dtype}


def newton_direction(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, rtol: float = 1e-3, max_iter: int = 20,
    forcing: str = "fixed", breakdown_rtol: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, CGResult]:
    """``(d, g, loss, cg)``: the inexact Newton direction ``d ~ H_x^+ g_x`` per sample (model
    used as it is: callers put it in eval mode), the gradient, the loss and CG diagnostics."""
    check_cg_settings(rtol, max_iter, forcing, breakdown_rtol)
    loss, grad, hvp = input_hvp(model, x, y)
    eta: float | torch.Tensor = rtol
    if forcing == "sqrt":
        eta = torch.clamp(flat_norm(grad).sqrt(), max=rtol).clamp_min(torch.finfo(grad.dtype).eps)
    cg = conjugate_gradient(hvp, grad, rtol=eta, max_iter=max_iter, breakdown_rtol=breakdown_rtol)
    return cg.solution, grad, loss, cg


def _solver_model(model: nn.Module, x: torch.Tensor, solve_dtype: str) -> tuple[nn.Module, torch.Tensor]:
    if solve_dtype == "model" or x.dtype == torch.float64:
        return model, x
    twin = copy.deepcopy(model).to(torch.float64)
    twin.eval()
    return twin, x.to(torch.float64)


def _newton_attack(model, x, y, *, eps, norm, name, rtol, max_iter, forcing, breakdown_rtol,
                   solve_dtype) -> AttackResult:
    eps = check_eps(eps)
    settings = {"eps": eps, **check_cg_settings(rtol, max_iter, forcing, breakdown_rtol, solve_dtype)}
    check_batch(x, y)
    with eval_mode(model):
        x_clean = x.detach()
        solver, x_solve = _solver_model(model, x_clean, solve_dtype)
        d, grad, _, cg = newton_direction(solver, x_solve, y, rtol=rtol, max_iter=max_iter,
                                          forcing=forcing, breakdown_rtol=breakdown_rtol)
        del solver
        g_norm = flat_norm(grad)
        fallback = (g_norm > 0) & ((flat_norm(d) == 0) | ~(cg.residual_norms < g_norm))
        d = torch.where(per_sample(fallback, d), grad, d)
        step = d.sign() if norm == "linf" else l2_normalize(d)[0]
        x_adv = project(x_clean + eps * step.to(x_clean.dtype), x_clean, eps, norm).detach()
        with torch.no_grad():
            loss_clean = per_sample_loss(model, x_clean, y)
            loss_adv = per_sample_loss(model, x_adv, y)
    return AttackResult(x_adv=x_adv, attack=name, settings=settings, loss_clean=loss_clean,
                        loss_adv=loss_adv, cg=cg, fallback=fallback)


def fhsm(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, rtol: float = 1e-3,
    max_iter: int = 20, forcing: str = "fixed", breakdown_rtol: float | None = None,
    solve_dtype: str = "float64",
) -> AttackResult:
    """FHSM (Y Table 5): ``clip_[0,1](x + eps * sign(H_x^-1 g_x))``, L-inf ball of radius eps."""
    return _newton_attack(model, x, y, eps=eps, norm="linf", name="fhsm", rtol=rtol,
                          max_iter=max_iter, forcing=forcing, breakdown_rtol=breakdown_rtol,
                          solve_dtype=solve_dtype)


def l2hess(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, rtol: float = 1e-3,
    max_iter: int = 20, forcing: str = "fixed", breakdown_rtol: float | None = None,
    solve_dtype: str = "float64",
) -> AttackResult:
    """L2HESS (Y Table 5): ``clip_[0,1](x + eps * d / ||d||)`` with ``d = H_x^-1 g_x``, L2 ball."""
    return _newton_attack(model, x, y, eps=eps, norm="l2", name="l2hess", rtol=rtol,
                          max_iter=max_iter, forcing=forcing, breakdown_rtol=breakdown_rtol,
                          solve_dtype=solve_dtype)
