"""An attack checked against its definition (Y Table 5): is what it returns the perturbation the
table defines, in the eps ball, and (second order) does its Newton direction solve H_x d = g_x?

:func:`check_attack` makes the attack on a model for some samples and rebuilds the perturbation
from the definition, with a reference formed independently of the attack's own code path (the
gradient by autograd; for the second-order attacks, H_x d as J^T S J d in float64, J by autograd,
not the double-backward products the attack's CG uses). It covers the attacks of Table 5
(:data:`CHECKED`); Y5's ``Y5Check`` job runs it for every attack of its tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from hessbook.attacks._common import loss_and_input_grad
from hessbook.attacks.registry import Attack
from hessbook.attacks.second_order import newton_direction

SECOND_ORDER = ("fhsm", "l2hess")
"""The second-order attacks (:mod:`hessbook.attacks.second_order`): checked with their Newton direction."""
CHECKED = ("fgsm", "fgsm10", "l2grad", *SECOND_ORDER)
"""The attacks whose definition :func:`check_attack` rebuilds (Y Table 5's five)."""


@dataclass(frozen=True)
class AttackCheck:
    """One attack of Y Table 5 on ``samples`` samples of a model (Y5: test samples of M_ORI),
    against its definition.

    ``radius``: max over samples of ||dx||_p / eps in the attack's norm (<= 1: in the ball).
    ``formula``: max over samples of ||dx - dx_ref|| / ||dx_ref||, dx_ref = clip_[0,1](x + the
    Delta x Table 5 defines) - x, built here from the direction (first order: the gradient by
    autograd; second order: the library's Newton direction d), so it checks eps, the sign or
    the normalisation and the clipping. ``residual``: second order only, max over samples of
    ||H_x d - g_x|| / ||g_x|| with H_x d formed independently of the attack's CG (J^T S J d in
    float64, J by autograd); 0 for first-order attacks. ``cg``: the attack's own CG diagnostics
    (empty for first order), ``fallback``: samples where it used the gradient instead of d."""

    attack: str
    norm: str
    eps: float
    samples: int
    radius: float
    formula: float
    residual: float
    fallback: int
    cg: dict


def _jts_j_product(net64: nn.Module, x: torch.Tensor, y: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
    """H_x d = J^T S J d per sample (float64, J = ds/dx by autograd, S = diag(p) - pp^T):
    the input-Hessian product of a piecewise-linear network (Y Theorem 1), formed without the
    double-backward products the attack's CG uses."""
    out = []
    for i in range(len(x)):
        xi = x[i].to(torch.float64)
        J = torch.func.jacrev(lambda v: net64(v[None])[0])(xi).reshape(-1, xi.numel())
        with torch.no_grad():
            p = torch.softmax(net64(xi[None])[0], 0)
        S = torch.diag(p) - torch.outer(p, p)
        out.append((J.T @ (S @ (J @ d[i].reshape(-1).to(torch.float64)))).reshape(xi.shape))
    return torch.stack(out)


def _reference_delta(name: str, settings: dict, net: nn.Module, x: torch.Tensor, y: torch.Tensor,
                     direction: torch.Tensor) -> torch.Tensor:
    """clip_[0,1](x + Delta x) - x with Delta x as Y Table 5 defines it, from ``direction``
    (the gradient, or for FGSM-10 the gradient at each iterate)."""
    eps = settings["eps"]
    if name == "fgsm10":
        xk = x.clone()
        for _ in range(10):  # "iterate 10 times", steps of eps / 10 (the library's reading, documented there)
            _, _, g = loss_and_input_grad(net, xk, y)
            xk = torch.clamp(x + torch.clamp(xk + eps / 10 * torch.sign(g) - x, -eps, eps), 0.0, 1.0)
        return xk - x
    if name in ("fgsm", "fhsm"):
        step = eps * torch.sign(direction)
    else:
        norms = direction.reshape(len(x), -1).norm(dim=1).clamp_min(1e-30)
        step = eps * direction / norms.reshape((-1,) + (1,) * (x.ndim - 1))
    return torch.clamp(x + step, 0.0, 1.0) - x


def check_attack(attack: Attack, net: nn.Module, net64: nn.Module, x: torch.Tensor, y: torch.Tensor) -> AttackCheck:
    """``attack`` (one of :data:`CHECKED`) made on ``net`` for the samples ``x`` (labels ``y``),
    against its definition; ``net64`` is ``net`` in float64 (eval mode), for the reference."""
    name = attack.name
    if name not in CHECKED:
        raise ValueError(f"check_attack: no definition to check attack {name!r} against; accepted {', '.join(CHECKED)}")
    settings = dict(attack.settings)
    result = attack(net, x, y)
    delta = result.x_adv - x
    flat = delta.reshape(len(x), -1)
    size = flat.abs().max(dim=1).values if attack.norm == "linf" else flat.norm(dim=1)
    residual, fallback, cg = 0.0, 0, {}
    if name in SECOND_ORDER:
        solve64 = settings["solve_dtype"] == "float64"
        solver, xs = (net64, x.to(torch.float64)) if solve64 else (net, x)
        d, g, _, _ = newton_direction(solver, xs, y, rtol=settings["rtol"], max_iter=settings["max_iter"])
        fb = result.fallback if result.fallback is not None else torch.zeros(len(x), dtype=torch.bool)
        direction = torch.where(fb.reshape((-1,) + (1,) * (x.ndim - 1)), g, d).to(x.dtype)
        hd = _jts_j_product(net64, x, y, d.to(torch.float64))
        _, _, g64 = loss_and_input_grad(net64, x.to(torch.float64), y)
        gn = g64.reshape(len(x), -1).norm(dim=1)
        rel = (hd - g64).reshape(len(x), -1).norm(dim=1) / gn.clamp_min(1e-300)
        residual = float(rel[gn > 0].max()) if bool((gn > 0).any()) else 0.0
        fallback = int(fb.sum())
        s = result.cg.summary()
        cg = {k: s[k] for k in ("samples", "converged", "breakdown", "hit_cap", "max_relative_residual")}
    else:
        _, _, direction = loss_and_input_grad(net, x, y)
    ref = _reference_delta(name, settings, net, x, y, direction)
    rn = ref.reshape(len(x), -1).norm(dim=1)
    diff = (delta - ref).reshape(len(x), -1).norm(dim=1)
    formula = float(torch.where(rn > 0, diff / rn.clamp_min(1e-30), diff).max())
    return AttackCheck(name, attack.norm, float(settings["eps"]), len(x), float((size / settings["eps"]).max()),
                       formula, residual, fallback, cg)
