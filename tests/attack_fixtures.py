"""Tiny models trained on synthetic separable images, for the attack tests (no real data)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

SIDE = 8
CLASSES = 3


def synthetic_images(n: int, seed: int, side: int = SIDE, classes: int = CLASSES):
    """Images in [0, 1], shape (n, 1, side, side): class k has a bright square in region k
    on a dim noisy background (separable, but not with a huge margin)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=g)
    x = 0.35 * torch.rand((n, 1, side, side), generator=g)
    width = side // classes
    for k in range(classes):
        idx = y == k
        x[idx, :, 2 : side - 2, k * width : (k + 1) * width] += 0.45
    return x.clamp(0, 1), y


class TinyMLP(nn.Module):
    def __init__(self, d: int = SIDE * SIDE, hidden: int = 32, classes: int = CLASSES):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                 nn.ReLU(), nn.Linear(hidden, classes))

    def forward(self, x):
        return self.net(x)


class TinyCNN(nn.Module):
    """Conv-ReLU-MaxPool-FC, with a fixed Normalize-like first step as the project's models."""

    def __init__(self, classes: int = CLASSES, side: int = SIDE):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * (side // 2) ** 2, classes)

    def forward(self, x):
        x = (x - 0.5) / 0.25
        return self.fc(self.pool(F.relu(self.conv(x))).flatten(1))


class Linear(nn.Module):
    """Softmax regression: the loss is convex in the input, so every ascent step raises it."""

    def __init__(self, d: int = SIDE * SIDE, classes: int = CLASSES):
        super().__init__()
        self.fc = nn.Linear(d, classes)

    def forward(self, x):
        return self.fc(x.flatten(1))


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int = 150, lr: float = 0.01,
          seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    return model


_CACHE: dict = {}


def data(n: int = 200, seed: int = 1):
    key = ("data", n, seed)
    if key not in _CACHE:
        _CACHE[key] = synthetic_images(n, seed)
    return _CACHE[key]


def trained(kind: str = "mlp", dtype: torch.dtype = torch.float32) -> nn.Module:
    """A model trained on 256 synthetic images (cached; tests must not modify it)."""
    key = ("model", kind, dtype)
    if key not in _CACHE:
        torch.manual_seed(0)
        model = {"mlp": TinyMLP, "cnn": TinyCNN, "linear": Linear}[kind]().to(dtype)
        x, y = synthetic_images(256, seed=0)
        _CACHE[key] = train(model, x.to(dtype), y)
    return _CACHE[key]
