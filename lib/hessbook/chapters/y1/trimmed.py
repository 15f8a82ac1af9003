"""Whose curvature is lambda1^theta on the training set? A diagnostic beside Y's tables.

At Y's training loss 1e-3 most training samples are fitted with a loss near 0, and a sample's
Hessian shrinks with its loss (the Gauss-Newton term carries p (1 - p)). The Hessian of the mean
loss on ``n_hessian`` training images can then be carried by the few samples the network still
fits worst: measured at cpu scale, one of C2's 256 samples at B = 16 (loss 0.07 against a mean of
8e-4) held three quarters of its lambda1^theta. That is a property of the network too, but not the
one Y's sentence is about ("large batch converges to areas of larger curvature"), so we show
beside Y's column the top eigenvalue of the same sum of per-sample Hessians without the ``n_trim``
highest-loss samples. It is not graded (the claims read Y's column only): it says whether a
trend that did not hold is carried by a handful of samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from hessbook.kit.jobs import Context, StoredJob
from hessbook.papers.yao.networks import Count, first
from hessbook.train import TrainConfig

KIND = "y1-trimmed"
N_TRIM = 10
"""Highest-loss samples left out of the diagnostic Hessian (of Y1's ``n_hessian``; at most a
quarter of them, for the smoke scale's few)."""


@dataclass(frozen=True)
class TrimmedLambda:
    """lambda1^theta of the training-set Hessian without its ``n_trim`` highest-loss samples."""

    lambda_trimmed: float
    """Top eigenvalue of (1/n) sum of the per-sample Hessians of the n - n_trim samples kept (n =
    ``n_hessian``): what the rest contributes to Y's lambda1^theta, on Y's scale."""
    converged: bool
    products: int
    n_samples: int
    """n: the Hessian's samples (Y1's ``n_hessian``, the same images as its lambda1^theta)."""
    top_losses: np.ndarray
    """The ``n_trim`` highest per-sample losses, descending (eval mode)."""
    loss_share: float
    """Their share of the n samples' summed loss."""
    mean_loss: float
    """Mean loss over the n samples."""


@dataclass(frozen=True)
class Y1Trimmed(StoredJob):
    """The diagnostic of one trained network (a job). Its training set images, Hessian samples and
    Lanczos settings are those of the network's :class:`~hessbook.chapters.y1.compute.Y1Case`."""

    KIND = KIND
    RESULT = TrimmedLambda
    VERSION = 1
    train: TrainConfig
    n_eval: Count
    n_hessian: Count
    n_trim: int
    lanczos_tol: float
    lanczos_max_dim: int
    seed: int

    def label(self) -> str:
        return f"Y1 {self.train.model.upper()} B={self.train.batch_size} seed {self.train.seed}: λ1θ without outliers"

    def trains(self) -> tuple[TrainConfig, ...]:
        return (self.train,)

    def compute(self, ctx: Context) -> TrimmedLambda:
        from hessbook.chapters.y1.compute import _split_data
        from hessbook.train import train

        net = train(self.train, ctx.store, ctx.device).model(ctx.device).eval()
        x, y = _split_data(self, "train", ctx.device)
        n = first(self.n_hessian)
        return trimmed_lambda(net, x[:n], y[:n], self.n_trim, self.lanczos_tol, self.lanczos_max_dim, self.seed)


def trimmed_lambda(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, n_trim: int, tol: float, max_dim: int,
                   seed: int = 0) -> TrimmedLambda:
    """lambda1 of (1/n) sum of the per-sample loss Hessians of ``net`` over the n = len(x) samples
    but the ``n_trim`` of highest loss (Lanczos to relative residual ``tol``)."""
    from hessbook.curvature import HessianOperator, lanczos

    if not 0 <= n_trim < len(x):
        raise ValueError(f"n_trim = {n_trim}: accepted 0..{len(x) - 1} (the samples are {len(x)})")
    losses = per_sample_losses(net, x, y)
    keep = torch.argsort(losses, descending=True)[n_trim:].sort().values.to(x.device)
    op = HessianOperator(net, (x[keep], y[keep]), batch_size=min(len(keep), 500))
    r = lanczos(op, k=1, tol=tol, max_dim=max_dim, seed=seed)
    top = losses.sort(descending=True).values[:n_trim]
    return TrimmedLambda(float(r.eigenvalues[0]) * len(keep) / len(x), bool(r.converged), int(r.n_products), len(x),
                         top.numpy(), float(top.sum() / losses.sum()), float(losses.mean()))


def per_sample_losses(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Cross-entropy of each sample (float64 on the CPU), the network as it is (eval mode)."""
    with torch.no_grad():
        parts = [F.cross_entropy(net(x[i:i + batch]), y[i:i + batch], reduction="none") for i in range(0, len(x), batch)]
    return torch.cat(parts).double().cpu()


def trimmed_job(case) -> Y1Trimmed:
    """The diagnostic of a :class:`~hessbook.chapters.y1.compute.Y1Case`'s network."""
    n = first(case.n_hessian)
    return Y1Trimmed(case.train, case.n_eval, case.n_hessian, N_TRIM if n is None else min(N_TRIM, n // 4),
                     case.lanczos_tol, case.lanczos_max_dim, case.seed)
