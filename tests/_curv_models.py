"""Tiny models and data shared by the curvature tests."""
from __future__ import annotations

import torch
from torch import nn


def tiny_mlp(act: type[nn.Module] = nn.Tanh, d: int = 5, h: int = 4, c: int = 3, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(d, h), act(), nn.Linear(h, c))


def tiny_cnn(seed: int = 0) -> nn.Module:
    """ReLU, max-pool and BN: piecewise linear in the input in eval mode."""
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(3 * 3 * 3, 4))
    with torch.no_grad():  # non-trivial BN running statistics
        m[1].running_mean.uniform_(-0.2, 0.2)
        m[1].running_var.uniform_(0.5, 1.5)
        m[1].weight.uniform_(0.5, 1.5)
        m[1].bias.uniform_(-0.2, 0.2)
    return m


def data(n: int = 12, d: int = 5, c: int = 3, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g), torch.randint(0, c, (n,), generator=g)


def image_data(n: int = 8, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 6, 6, generator=g), torch.randint(0, 4, (n,), generator=g)


def flat_loss_hessian(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn=None) -> torch.Tensor:
    """Independent reference: torch.autograd.functional.hessian of the flattened full-batch loss, float64."""
    import copy
    from torch.func import functional_call
    m = copy.deepcopy(model).double().eval()
    loss_fn = loss_fn or nn.functional.cross_entropy
    names = [n for n, _ in m.named_parameters()]
    shapes = [p.shape for _, p in m.named_parameters()]
    theta = torch.cat([p.detach().reshape(-1) for p in m.parameters()])

    def f(t: torch.Tensor) -> torch.Tensor:
        ps, i = {}, 0
        for n, s in zip(names, shapes):
            k = int(torch.tensor(s).prod()) if len(s) else 1
            ps[n] = t[i:i + k].reshape(s)
            i += k
        xx = x.double() if x.is_floating_point() else x
        yy = y.double() if y.is_floating_point() else y
        return loss_fn(functional_call(m, ps, (xx,)), yy)

    return torch.autograd.functional.hessian(f, theta)
