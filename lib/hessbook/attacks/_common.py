"""Shared pieces of the attacks: results, validation, eval mode, the loss and its input gradient."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hessbook.modes import eval_mode  # noqa: F401 - part of this module's API

NORMS = ("linf", "l2")


@dataclass(frozen=True)
class AttackResult:
    """An adversarial batch and what was learned making it.

    ``x_adv`` has the inputs' shape, lies in [0, 1] and within ``eps`` of the inputs in the
    attack's norm. ``loss_clean`` and ``loss_adv`` are the per-sample cross-entropies at the
    inputs and at ``x_adv`` (model in eval mode). ``cg`` holds the conjugate-gradient
    diagnostics of the second-order attacks (None for first-order ones); ``fallback`` marks
    the samples where the Newton direction was zero and the gradient was used instead.
    """

    x_adv: torch.Tensor
    attack: str
    settings: Mapping[str, Any]
    loss_clean: torch.Tensor
    loss_adv: torch.Tensor
    cg: Any = None
    fallback: torch.Tensor | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- validation


def check_eps(eps: Any, name: str = "eps") -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not math.isfinite(eps) or eps < 0:
        raise ValueError(f"{name} = {eps!r}: accepted a finite number >= 0 (in the [0, 1] input scale)")
    return float(eps)


def check_positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} = {value!r}: accepted a finite number > 0")
    return float(value)


def is_integer(value: Any) -> bool:
    """An integer: Python's or numpy's (``np.int64`` from an array), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_steps(steps: Any, name: str = "steps") -> int:
    if not is_integer(steps) or steps < 1:
        raise ValueError(f"{name} = {steps!r}: accepted an integer >= 1")
    return int(steps)


def check_norm(norm: Any) -> str:
    if norm not in NORMS:
        raise ValueError(f"norm = {norm!r}: accepted {', '.join(repr(n) for n in NORMS)}")
    return norm


def check_batch(x: torch.Tensor, y: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise ValueError("inputs and labels must be tensors")
    if x.ndim < 1 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"inputs of shape {tuple(x.shape)} and labels of shape {tuple(y.shape)}: "
            "accepted inputs (N, ...) with labels (N,)"
        )
    if not x.is_floating_point():
        raise ValueError(f"inputs of dtype {x.dtype}: accepted a floating dtype")
    finite = torch.isfinite(x)
    if not bool(finite.all()):
        bad = ~finite
        first = tuple(int(i) for i in bad.nonzero()[0])
        raise ValueError(
            f"inputs contain {int(bad.sum())} non-finite value(s) (NaN or inf; the first, "
            f"{float(x[first])} at index {first}): accepted finite inputs in [0, 1]"
        )
    if x.numel() and (bool((x < 0).any()) or bool((x > 1).any())):
        raise ValueError(
            f"inputs range over [{float(x.min()):.4g}, {float(x.max()):.4g}]: accepted inputs in [0, 1] "
            "(models normalize internally)"
        )


# ----------------------------------------------------------------------------- model mode





# ----------------------------------------------------------------------------- loss


def per_sample_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-sample cross-entropy of the model's logits."""
    return F.cross_entropy(model(x), y, reduction="none")


def loss_and_input_grad(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, create_graph: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(x_leaf, per-sample loss, gradient)`` at a detached copy of ``x``.

    The SUM of per-sample losses is differentiated, so each sample's gradient is its own
    (not divided by the batch size) and a batch gives the same gradients as its items one
    by one (for models without cross-sample coupling, i.e. in eval mode).
    """
    x_leaf = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        loss = per_sample_loss(model, x_leaf, y)
        (grad,) = torch.autograd.grad(loss.sum(), x_leaf, create_graph=create_graph)
    return x_leaf, loss, grad


def flat_norm(t: torch.Tensor) -> torch.Tensor:
    """Per-sample L2 norm over all but the first dimension."""
    return t.reshape(t.shape[0], -1).norm(dim=1)


def per_sample(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Reshape a per-sample vector (N,) to broadcast against ``like`` (N, ...)."""
    return v.reshape((-1,) + (1,) * (like.ndim - 1))


def l2_normalize(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``t / ||t||`` per sample (0 where the norm is 0) and whether the norm was 0."""
    norms = flat_norm(t)
    zero = norms == 0
    safe = torch.where(zero, torch.ones_like(norms), norms)
    return t / per_sample(safe, t), zero


def project(x_adv: torch.Tensor, x: torch.Tensor, eps: float, norm: str) -> torch.Tensor:
    """Project onto the eps ball of ``norm`` around ``x`` and then onto the box [0, 1].

    For L-inf both sets are boxes, so the result lies in their intersection. For L2, clipping
    to [0, 1] moves every coordinate toward ``x`` (which is inside the box), so the norm of
    the perturbation only shrinks and the result stays in the ball.
    """
    delta = x_adv - x
    if norm == "linf":
        delta = torch.clamp(delta, min=-eps, max=eps)
    else:
        norms = flat_norm(delta)
        factor = torch.where(norms > eps, eps / torch.clamp(norms, min=1e-30), torch.ones_like(norms))
        delta = delta * per_sample(factor, delta)
    return torch.clamp(x + delta, min=0.0, max=1.0)
