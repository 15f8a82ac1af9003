"""Curvature measured during training: epoch metrics of :mod:`hessbook.train`, which finds them
by name in its table ``LIBRARY_METRICS`` (this module does not import the training engine: the
curvature sits below it; a metric receives the engine's ``EpochContext``, of which it reads
``train_data`` and ``device``).

- ``hessian_lambda1``: the dominant eigenvalue of the Hessian, w.r.t. the weights, of the mean
  loss over the run's whole training set (Y Fig 4's lambda1^theta per epoch), in eval mode, by
  Lanczos (k = 1) to relative residual :data:`LAMBDA1_TOL`, at most :data:`LAMBDA1_MAX_DIM`
  products, from a start vector seeded by :data:`LAMBDA1_SEED` (so a resumed run measures what
  an uninterrupted one does);
- ``hessian_lambda1_residual``: the relative residual ``||H v - lambda v|| / |lambda|`` of that
  same Lanczos run (computed once per record, whichever of the two is asked for first).

The settings are part of the metric's definition, not of the training key: a change of them
must come with a new metric name (or a store ``CACHE_VERSION`` bump). The cost of one record is
that of the Lanczos run (about 10-40 Hessian-vector products over the training set).
"""

from __future__ import annotations

import weakref
from typing import Any, Protocol

import torch
from torch import nn

from hessbook.curvature.lanczos import EigenResult, lanczos
from hessbook.curvature.operators import HessianOperator

LAMBDA1_TOL = 1e-3
LAMBDA1_MAX_DIM = 40
LAMBDA1_SEED = 0
HVP_BATCH = 1024
"""Samples per Hessian-vector-product batch (bounds the memory, not the result)."""

_last: dict[str, object] = {}
"""The latest record's Lanczos run: ``{"context": weakref to its EpochContext, "result": EigenResult}``."""


class EpochContext(Protocol):
    """What these metrics read of :class:`hessbook.train.EpochContext`."""

    train_data: Any
    """The run's training set (a :class:`hessbook.data.ImageData`)."""
    device: torch.device


class _TrainingSet:
    """The run's training set as re-iterable ``(x, y)`` batches in order (no augmentation)."""

    def __init__(self, context: EpochContext) -> None:
        self.data, self.device = context.train_data, context.device

    def __iter__(self):
        return self.data.batches(HVP_BATCH, self.device)


def lambda1_run(model: nn.Module, context: EpochContext) -> EigenResult:
    """The Lanczos run of this record, computed on the first call and shared by both metrics."""
    ref = _last.get("context")
    if ref is not None and ref() is context:
        return _last["result"]  # type: ignore[return-value]
    op = HessianOperator(model, _TrainingSet(context))
    result = lanczos(op, k=1, tol=LAMBDA1_TOL, max_dim=min(LAMBDA1_MAX_DIM, op.num_params), seed=LAMBDA1_SEED)
    _last.update(context=weakref.ref(context), result=result)
    return result


def hessian_lambda1(model: nn.Module, context: EpochContext) -> float:
    return float(lambda1_run(model, context).eigenvalues[0])


def hessian_lambda1_residual(model: nn.Module, context: EpochContext) -> float:
    return float(lambda1_run(model, context).relative_residuals[0])

