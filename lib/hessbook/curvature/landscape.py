"""Loss landscapes: loss and accuracy along a direction, on a 2-D grid, and on a straight line
between two parameter vectors (Y Figs 2, 3, 5, 7-9, 13-15; S Fig 9).

Every point is evaluated at theta = theta0 + alpha d (+ beta e), computed in float64 from the
stored flat vectors and cast to the parameters' dtype, never by accumulating steps, through
``torch.func.functional_call`` (the model's own parameters are not touched). The model is in
eval mode (BN running statistics, no dropout) and its modes are restored afterwards. The data
is the full train or test set, or one batch: whatever dataset is passed. Accuracy is the
fraction of argmax(outputs) == targets (NaN when the targets are not class indices).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.func import functional_call

from hessbook.curvature.operators import (Batches, Data, LossFn, cross_entropy, eval_mode, flatten,
                                          trainable, unflatten)
from hessbook.device import exact_float32
from hessbook.progress import progress


@dataclass(frozen=True)
class LineResult:
    alphas: Tensor
    losses: Tensor
    accuracies: Tensor


@dataclass(frozen=True)
class SurfaceResult:
    alphas: Tensor
    betas: Tensor
    losses: Tensor
    """(len(alphas), len(betas))"""
    accuracies: Tensor


def parameters_vector(model: nn.Module) -> Tensor:
    """The trainable parameters as one flat float64 vector (``named_parameters`` order)."""
    return flatten(p.detach().to(torch.float64) for p in trainable(model).values())


def random_direction(model: nn.Module, *, seed: int = 0, filter_normalize: bool = True) -> Tensor:
    """A Gaussian direction; with ``filter_normalize`` (Li et al. 2018) each filter (each slice
    along the first axis of a weight with >= 2 dims) is rescaled to the norm of the same filter
    of the model, and 1-D parameters (biases, BN) get 0, as Li et al. do."""
    gen = torch.Generator().manual_seed(seed)
    parts = []
    for p in trainable(model).values():
        d = torch.randn(p.shape, generator=gen, dtype=torch.float64)
        if filter_normalize:
            if p.dim() <= 1:
                d.zero_()
            else:
                w = p.detach().cpu().to(torch.float64).reshape(p.shape[0], -1)
                dn = d.reshape(p.shape[0], -1)
                d = (dn * (w.norm(dim=1) / dn.norm(dim=1).clamp_min(1e-300))[:, None]).reshape(p.shape)
        parts.append(d.reshape(-1))
    return torch.cat(parts).to(next(model.parameters()).device)


def evaluate(model: nn.Module, data: Data, theta: Tensor | None = None, *, loss_fn: LossFn | None = None,
             batch_size: int | None = None) -> tuple[float, float]:
    """(mean loss, accuracy) over the dataset at parameters ``theta`` (default: the model's)."""
    loss_fn = loss_fn or cross_entropy
    params = trainable(model)
    first = next(iter(params.values()))
    p = unflatten(theta.to(first.device), params) if theta is not None else dict(params)
    total, correct, n = 0.0, 0.0, 0
    classify = True
    with eval_mode(model), exact_float32(), torch.no_grad():
        for x, y in Batches(data, batch_size, device=first.device, dtype=first.dtype):
            out = functional_call(model, p, (x,))
            total += float(loss_fn(out, y)) * len(x)
            if classify and out.dim() == 2 and not y.is_floating_point() and y.dim() == 1:
                correct += float((out.argmax(1) == y).sum())
            else:
                classify = False
            n += len(x)
    return total / n, (correct / n if classify else float("nan"))


def _grid(values: Sequence[float] | Tensor) -> Tensor:
    t = torch.as_tensor(values, dtype=torch.float64).reshape(-1)
    if len(t) == 0:
        raise ValueError("the grid of step sizes is empty")
    return t


def loss_along(model: nn.Module, data: Data, direction: Tensor, alphas: Sequence[float] | Tensor, *,
               theta0: Tensor | None = None, loss_fn: LossFn | None = None,
               batch_size: int | None = None) -> LineResult:
    """Loss and accuracy at theta0 + alpha * direction for each alpha (direction used as given;
    normalize it first for a unit step)."""
    a = _grid(alphas)
    t0 = parameters_vector(model) if theta0 is None else theta0.to(torch.float64)
    d = direction.to(t0.device, torch.float64).reshape(-1)
    if d.shape != t0.shape:
        raise ValueError(f"direction of length {d.numel()}: the model has {t0.numel()} parameters")
    rows = [evaluate(model, data, t0 + float(al) * d, loss_fn=loss_fn, batch_size=batch_size)
            for al in progress(a.tolist(), desc="loss along direction")]
    return LineResult(a, torch.tensor([r[0] for r in rows], dtype=torch.float64),
                      torch.tensor([r[1] for r in rows], dtype=torch.float64))


def loss_surface(model: nn.Module, data: Data, d1: Tensor, d2: Tensor, alphas: Sequence[float] | Tensor,
                 betas: Sequence[float] | Tensor, *, theta0: Tensor | None = None,
                 loss_fn: LossFn | None = None, batch_size: int | None = None) -> SurfaceResult:
    """Loss and accuracy at theta0 + alpha d1 + beta d2 on the grid alphas x betas."""
    a, b = _grid(alphas), _grid(betas)
    t0 = parameters_vector(model) if theta0 is None else theta0.to(torch.float64)
    u, w = d1.to(t0.device, torch.float64).reshape(-1), d2.to(t0.device, torch.float64).reshape(-1)
    if u.shape != t0.shape or w.shape != t0.shape:
        raise ValueError(f"directions of lengths {u.numel()}, {w.numel()}: the model has {t0.numel()} parameters")
    L = torch.empty(len(a), len(b), dtype=torch.float64)
    A = torch.empty_like(L)
    points = [(i, j) for i in range(len(a)) for j in range(len(b))]
    for i, j in progress(points, desc="loss surface"):
        L[i, j], A[i, j] = evaluate(model, data, t0 + float(a[i]) * u + float(b[j]) * w,
                                    loss_fn=loss_fn, batch_size=batch_size)
    return SurfaceResult(a, b, L, A)


def loss_interpolation(model: nn.Module, data: Data, theta_a: Tensor, theta_b: Tensor,
                       lambdas: Sequence[float] | Tensor, *, loss_fn: LossFn | None = None,
                       batch_size: int | None = None) -> LineResult:
    """Loss and accuracy at (1 - lambda) theta_a + lambda theta_b (Y Fig 5: lambda=0 is M_ORI)."""
    ta, tb = theta_a.to(torch.float64).reshape(-1), theta_b.to(torch.float64).reshape(-1)
    return loss_along(model, data, tb - ta, lambdas, theta0=ta, loss_fn=loss_fn, batch_size=batch_size)
