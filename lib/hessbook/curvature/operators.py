"""Curvature as linear operators: Hessian- and Gauss-Newton-vector products of a mean loss.

The loss is the mean of ``loss_fn(model(x), y)`` over a dataset, given either as tensors
``(inputs, targets)`` with an evaluation ``batch_size`` or as a re-iterable of ``(x, y)``
batches (a one-shot generator is materialized once). The mean over the dataset is the sum over
batches of (batch size / N) times the batch mean, so uneven last batches are weighted right.
A subset or a single batch of size B_H is simply a smaller dataset.

Products are computed with the model in eval mode (BN uses its running statistics, dropout is
off, so the loss is a deterministic function of the parameters); every module's previous
``training`` flag is restored afterwards, so a model partly in train mode is left exactly so.
Float32 products run inside :func:`hessbook.device.exact_float32` (TF32 off); with
``dtype=torch.float64`` the operator works on a float64 deep copy of the model. Per-batch
products are accumulated in float64 and every product returns a float64 vector.

Every product, loss and gradient is at the model's *current* parameters and buffers, however
they were changed since the operator was built (optimizer step, ``vector_to_parameters``,
``.data`` assignment, ``load_state_dict``): :class:`TrackedModel` compares them with a copy
before each call, refreshes a float64 copy, and drops a retained graph built at old values.

HVP method, measured. ``method="auto"`` (the default) keeps the graph of the gradient when
the data is one batch: the first product builds ``grad L`` with ``create_graph=True`` once
(one forward and one backward), and every product after it is one backward pass through that
graph (``"retained"``, what PyHessian does for its single batch). Measured on this project's
2-core CPU (``bench/curvature.py --block``, gradients' time per product, one vector, retained vs
recomputed double backward vs forward-over-reverse): Y's M1 on 64 images 1.07 vs 1.98 vs 2.06;
C1 on 256 CIFAR images 1.63 vs 2.73 vs 2.69; M1 on 1,024 images 2.08 vs 3.12 vs 3.40; top-20 by
Lanczos 1.4-1.8x faster than with forward-over-reverse products.
Holding the graph costs the memory of one product's graph, which a recomputed double-backward
product needs anyway, so auto retains only for one batch; ``method="retained"`` keeps the graph
of every batch (memory grows with the dataset). Products of many vectors at once (more than
:data:`RETAIN_MAX_VECTORS`, as in :meth:`LinearOperator.to_dense`) and data of several batches
use forward-over-reverse (``torch.func.jvp`` of ``torch.func.grad``, vmapped over the vectors),
switching to double backward only when torch.func cannot run the model (an op without a
forward-mode or vmap rule), never on other errors such as out-of-memory. The choice is a rule,
not a timing: a choice by timing would make results differ in the last bits from run to run.

``method="double_backward"`` (recomputed per product; it supports modules without
forward-mode AD rules) and ``"fwdrev"`` stay available, and the tests check that all agree. The
older timings are in ``bench/RESULTS.md`` ("HVP method"; ``bench/_hvp_method.py`` measures them).

The loss must be the mean over the batch (``reduction="mean"``, the default of torch's losses):
the mean over the dataset is assembled from batch means, and a summed loss would make the
Hessian grow with the batch size. :func:`check_mean_loss` refuses other reductions.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import numbers
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch
from torch import Tensor, nn
from torch.func import functional_call, grad, jvp, vjp, vmap
import torch.nn.functional as F

from hessbook.device import exact_float32
from hessbook.modes import eval_mode  # noqa: F401 - part of this module's API
from hessbook.models import activation_bytes  # noqa: F401 - part of this module's API

LossFn = Callable[[Tensor, Tensor], Tensor]
Data = Any  # (inputs, targets) tensors, or a re-iterable of (x, y) batches

METHODS = ("auto", "double_backward", "fwdrev", "retained")
RETAIN_MAX_VECTORS = 32

DENSE_CHUNK_CPU = 32
"""Identity columns per vmapped pass when a dense matrix is assembled on a CPU. Measured
(``bench/dense_hessian.py``, 2-core CPU): S2's 5,510-parameter MLP over 1,000 samples in float64
takes 6.1 s at 32 against 16.5 s at 256 -- the per-pass tangent activations (chunk x samples x
width) fall out of cache as the chunk grows, and the pass is memory-bound."""
DENSE_CHUNK_ACCELERATOR = 256
"""The same on a GPU, where a wider pass keeps the device busy."""


DENSE_PASS_BYTES_CPU = 64 * 2**20
"""On a CPU, at most this many bytes of one batch's activations times the columns of a pass
(the tangents a vmapped pass carries), so that a pass stays near the cache. Measured
(``bench/dense_hessian.py``, 2 cores): S2's MLP (about 1.4 MB of activations per column) is
fastest at 16-32 columns; S4's conv net ([4, 8] channels, 250 samples, about 7 MB per column)
at 8 (2.25 s for 256 columns) against 32 (3.04 s). Powers of two give the same matrix to the bit
(9 columns per pass differed from 256 by 1.4e-8), so the rule rounds down to one."""


def default_dense_chunk(device: torch.device | str, column_bytes: int | None = None) -> int:
    """How many identity columns :meth:`LinearOperator.to_dense` pushes through one pass on
    ``device``: :data:`DENSE_CHUNK_ACCELERATOR` on a GPU; on a CPU :data:`DENSE_CHUNK_CPU`, fewer
    (a power of two) when one column's activations (``column_bytes``) would take a pass over
    :data:`DENSE_PASS_BYTES_CPU`."""
    if torch.device(device).type != "cpu":
        return DENSE_CHUNK_ACCELERATOR
    if not column_bytes:
        return DENSE_CHUNK_CPU
    fits = max(1, min(DENSE_CHUNK_CPU, DENSE_PASS_BYTES_CPU // column_bytes))
    return 1 << (fits.bit_length() - 1)  # a power of two: other widths change the kernels' sums


"""Under ``method="auto"``, a ``matmat`` of more vectors than this is vmapped forward-over-reverse
(dense assembly: one vmapped call instead of hundreds of backward passes; not measured against
the retained graph)."""
DTYPES = (torch.float32, torch.float64)


# ----------------------------------------------------------------------------- helpers


class Batches:
    """A dataset as re-iterable ``(x, y)`` batches on a device, floating inputs cast to ``dtype``."""

    def __init__(self, data: Data, batch_size: int | None = None, *,
                 device: torch.device | None = None, dtype: torch.dtype | None = None):
        if batch_size is not None and batch_size <= 0:
            raise ValueError(f"batch_size = {batch_size!r}: must be a positive integer or None")
        if isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(t, Tensor) for t in data):
            x, y = data
            if len(x) != len(y):
                raise ValueError(f"inputs ({len(x)}) and targets ({len(y)}) differ in length")
            if len(x) == 0:
                raise ValueError("the dataset is empty")
            bs = batch_size or len(x)
            self._source: Callable[[], Iterable] = lambda: (
                (x[i:i + bs], y[i:i + bs]) for i in range(0, len(x), bs))
            self.n: int | None = len(x)
            self._num_batches: int | None = -(-len(x) // bs)
        else:
            if iter(data) is data:  # a one-shot iterator: keep its batches
                data = list(data)
            self._source = lambda: iter(data)
            self.n = None
            self._num_batches = len(data) if isinstance(data, (list, tuple)) else None
        self.device, self.dtype = device, dtype

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        for x, y in self._source():
            x = x.to(self.device) if self.device is not None else x
            if self.dtype is not None and x.is_floating_point():
                x = x.to(self.dtype)
            if self.device is not None:
                y = y.to(self.device)
            if self.dtype is not None and y.is_floating_point():
                y = y.to(self.dtype)
            yield x, y

    def _measure(self) -> None:
        """Samples and batches of a re-iterable, in one pass over it."""
        sizes = [len(x) for x, _ in self._source()]
        self.n, self._num_batches = sum(sizes), len(sizes)
        if self.n == 0:
            raise ValueError("the dataset is empty")

    def count(self) -> int:
        if self.n is None:
            self._measure()
        return self.n

    def num_batches(self) -> int:
        if self._num_batches is None:
            self._measure()
        return self._num_batches





@contextlib.contextmanager
def precision(dtype: torch.dtype) -> Iterator[None]:
    """``exact_float32()`` for float32 work; nothing to change for float64."""
    if dtype == torch.float32:
        with exact_float32():
            yield
    else:
        yield


def check_dtype(dtype: torch.dtype) -> torch.dtype:
    if dtype not in DTYPES:
        raise ValueError(f"dtype = {dtype!r}: accepted torch.float32 or torch.float64")
    return dtype


def model_in(model: nn.Module, dtype: torch.dtype) -> nn.Module:
    """The model itself when its parameters already have ``dtype``, else a converted deep copy."""
    check_dtype(dtype)
    p = next(model.parameters(), None)
    if p is None or p.dtype == dtype:
        return model
    return copy.deepcopy(model).to(dtype)


def model_state(model: nn.Module) -> dict[str, Tensor]:
    """Every tensor the loss depends on besides the data: parameters (trainable or not) and
    buffers (BN's running statistics), by name."""
    return {**dict(model.named_parameters()), **dict(model.named_buffers())}


class TrackedModel:
    """A model an operator computes with, kept current with the caller's model.

    Parameters change in many ways, and not all of them are visible to autograd: an optimizer
    step bumps ``p._version``, but ``torch.nn.utils.vector_to_parameters`` and ``p.data = ...``
    replace the storage without bumping it, ``p.data.mul_(...)`` changes values under a tensor
    whose version never moves, and ``load_state_dict(..., assign=True)`` replaces the parameter
    objects. So :meth:`refresh` compares the values of every parameter and buffer with a copy
    taken when the operator last used them (one pass over P numbers: 19 ms against 611 ms for
    one product of Y's M1 on 64 images, 3 %, measured on the 2-core CPU under load) and reports a change; for a converted copy (``dtype`` differs from the caller's
    model) it copies the new values in. Memory: one copy of the model's state.
    """

    def __init__(self, source: nn.Module, dtype: torch.dtype):
        self.source = source
        self.model = model_in(source, dtype)
        self.shapes = {n: t.shape for n, t in model_state(source).items()}
        self._snapshot: dict[str, Tensor] | None = None

    def refresh(self) -> bool:
        """Bring the working model up to the caller's; True when anything changed since the
        last call (always on the first)."""
        state = model_state(self.source)
        shapes = {n: t.shape for n, t in state.items()}
        if shapes != self.shapes:
            changed = sorted(n for n in set(shapes) | set(self.shapes) if shapes.get(n) != self.shapes.get(n))
            raise ValueError(
                f"the model's parameters or buffers changed shape or name since the operator was built "
                f"({', '.join(changed[:5])}); build a new operator for the new model"
            )
        snap = self._snapshot
        if snap is not None and all(torch.equal(t, snap[n]) for n, t in state.items()):
            return False
        if self.model is not self.source:
            working = model_state(self.model)
            with torch.no_grad():
                for name, t in state.items():
                    working[name].copy_(t)
        self._snapshot = {n: t.detach().clone() for n, t in state.items()}
        return True


def trainable(model: nn.Module) -> dict[str, Tensor]:
    return {n: p for n, p in model.named_parameters() if p.requires_grad}


def flatten(tensors: Iterable[Tensor]) -> Tensor:
    return torch.cat([t.reshape(-1) for t in tensors])


def unflatten(vec: Tensor, like: dict[str, Tensor]) -> dict[str, Tensor]:
    """Split a flat vector (or a ``(..., P)`` batch of them) into tensors shaped like ``like``."""
    out, i = {}, 0
    lead = vec.shape[:-1]
    for name, p in like.items():
        out[name] = vec[..., i:i + p.numel()].reshape(*lead, *p.shape).to(p.dtype)
        i += p.numel()
    if i != vec.shape[-1]:
        raise ValueError(f"vector of length {vec.shape[-1]}: the parameters have {i} entries")
    return out


def cross_entropy(outputs: Tensor, targets: Tensor) -> Tensor:
    """Mean softmax cross-entropy (the default loss)."""
    return F.cross_entropy(outputs, targets)


def is_integer(value: Any) -> bool:
    """An integer: Python's or numpy's (``np.int64`` from an array), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _reduction(loss_fn: LossFn) -> str | None:
    """The ``reduction`` a loss declares: a loss module's attribute or a partial's keyword."""
    if isinstance(loss_fn, functools.partial):
        return loss_fn.keywords.get("reduction", _reduction(loss_fn.func))
    value = getattr(loss_fn, "reduction", None)
    return value if isinstance(value, str) else None


def check_mean_loss(loss_fn: LossFn, model: nn.Module | None = None, x: Tensor | None = None,
                    y: Tensor | None = None) -> None:
    """Refuse a loss that is not the mean over the batch: by its declared ``reduction`` and,
    given a model and a batch, by evaluating it on one sample and on that sample twice (a mean
    gives the same value, a sum twice it, ``reduction="none"`` a vector)."""
    reduction = _reduction(loss_fn)
    if reduction is not None and reduction != "mean":
        raise ValueError(
            f"loss_fn has reduction = {reduction!r}: accepted a loss that is the mean over the batch "
            "(reduction='mean'); with 'sum' the Hessian would grow with the batch size"
        )
    if model is None or x is None or y is None or len(x) == 0:
        return
    with torch.no_grad(), eval_mode(model):
        one = loss_fn(model(x[:1]), y[:1])
        two = loss_fn(model(torch.cat([x[:1], x[:1]])), torch.cat([y[:1], y[:1]]))
    if one.numel() != 1 or two.numel() != 1:
        raise ValueError(
            f"loss_fn returned a tensor of shape {tuple(two.shape)} for a batch of 2: accepted a loss "
            "that returns the mean over the batch as a scalar (reduction='mean')"
        )
    a, b = float(one), float(two)
    if abs(b - a) > 1e-4 * max(abs(a), abs(b)) + 1e-12:
        raise ValueError(
            f"loss_fn is not the mean over the batch: {a:.6g} for one sample but {b:.6g} for the same "
            "sample twice (reduction='sum'?); accepted a loss that is the batch mean (reduction='mean'), "
            "else the Hessian would grow with the batch size"
        )


_FWDREV_UNSUPPORTED = re.compile(
    r"ZeroTensors are immutable|forward AD|forward-mode|jvp|Batching rule not implemented|vmap|functorch",
    re.IGNORECASE,
)


def fwdrev_unsupported(exc: BaseException) -> bool:
    """Whether an error of forward-over-reverse means torch.func cannot run this model (an op
    without a forward-mode or vmap rule), as opposed to any other failure (out of memory...)."""
    if isinstance(exc, torch.OutOfMemoryError) or not isinstance(exc, RuntimeError):
        return False
    return isinstance(exc, NotImplementedError) or bool(_FWDREV_UNSUPPORTED.search(str(exc)))


# ----------------------------------------------------------------------------- operators


class LinearOperator:
    """A symmetric linear operator on flat vectors: ``matvec``, ``matmat``, ``n_products``."""

    num_params: int
    device: torch.device
    dtype: torch.dtype
    n_products: int = 0

    def matvec(self, v: Tensor) -> Tensor:
        return self.matmat(v.reshape(-1, 1)).reshape(-1)

    def matmat(self, V: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def __matmul__(self, v: Tensor) -> Tensor:
        return self.matvec(v) if v.dim() == 1 else self.matmat(v)

    def dense_chunk(self) -> int:
        """Columns per pass of :meth:`to_dense` when none is given."""
        return default_dense_chunk(self.device)

    def to_dense(self, chunk: int | None = None) -> Tensor:
        """The full ``P x P`` matrix (float64) from products with identity columns, ``chunk``
        columns per pass (default: :meth:`dense_chunk`)."""
        n = self.num_params
        chunk = chunk or self.dense_chunk()
        if chunk < 1:
            raise ValueError(f"chunk = {chunk}: accepted a positive number of columns per pass")
        out = torch.empty(n, n, dtype=torch.float64, device=self.device)
        for s in range(0, n, chunk):
            cols = min(chunk, n - s)
            E = torch.zeros(n, cols, dtype=torch.float64, device=self.device)
            E[torch.arange(s, s + cols), torch.arange(cols)] = 1.0
            out[:, s:s + cols] = self.matmat(E)
        return out


class DenseOperator(LinearOperator):
    """A symmetric matrix given as a tensor, as an operator (for tests and small problems)."""

    def __init__(self, matrix: Tensor):
        if matrix.dim() != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"matrix of shape {tuple(matrix.shape)}: expected a square matrix")
        self.matrix = matrix.to(torch.float64)
        self.num_params = matrix.shape[0]
        self.device = matrix.device
        self.dtype = torch.float64
        self.n_products = 0

    def matmat(self, V: Tensor) -> Tensor:
        self.n_products += V.shape[1]
        return self.matrix @ V.to(torch.float64)


def as_operator(op: LinearOperator | Tensor) -> LinearOperator:
    if isinstance(op, Tensor):
        return DenseOperator(op)
    if not hasattr(op, "matmat") or not hasattr(op, "num_params"):
        raise ValueError(f"{type(op).__name__}: expected a LinearOperator or a square tensor")
    return op


class _ModelOperator(LinearOperator):
    def __init__(self, model: nn.Module, data: Data, *, loss_fn: LossFn | None = None,
                 batch_size: int | None = None, dtype: torch.dtype = torch.float32,
                 device: torch.device | str | None = None):
        self.dtype = check_dtype(dtype)
        self.tracked = TrackedModel(model, dtype)
        self.model = self.tracked.model
        self.params = trainable(self.model)
        if not self.params:
            raise ValueError("the model has no trainable parameters")
        first = next(iter(self.params.values()))
        self.device = torch.device(device) if device is not None else first.device
        if first.device != self.device:
            raise ValueError(f"model on {first.device} but device = {self.device}; move the model first")
        self.loss_fn = loss_fn or cross_entropy
        self.batches = Batches(data, batch_size, device=self.device, dtype=dtype)
        if loss_fn is not None:
            x0, y0 = next(iter(self.batches))
            check_mean_loss(self.loss_fn, self.model, x0, y0)
        self.num_params = sum(p.numel() for p in self.params.values())
        self.n_products = 0
        self.n_passes = 0

    def dense_chunk(self) -> int:
        """:func:`default_dense_chunk` for this device and the activations of the largest batch
        (the first) in eval mode and the operator's dtype."""
        x, _ = next(iter(self.batches))
        with eval_mode(self.model), precision(self.dtype):
            return default_dense_chunk(self.device, activation_bytes(self.model, x))

    def _refresh(self) -> None:
        """Use the model's current parameters and buffers (see :class:`TrackedModel`): on a
        change, re-read the trainable parameters (their objects may have been replaced) and
        drop what was computed from the old ones (:meth:`_parameters_changed`)."""
        if self.tracked.refresh():
            self.params = trainable(self.model)
            self._parameters_changed()

    def _parameters_changed(self) -> None:
        """Hook: forget state derived from the parameters (none here)."""

    # one pass over the data: sum of (B / N) * batch_product, accumulated in float64
    def _accumulate(self, batch_fn: Callable[[Tensor, Tensor], Tensor], shape: tuple[int, ...]) -> Tensor:
        n = self.batches.count()
        total = torch.zeros(shape, dtype=torch.float64, device=self.device)
        with eval_mode(self.model), precision(self.dtype):
            for x, y in self.batches:
                total += (len(x) / n) * batch_fn(x, y).to(torch.float64)
        self.n_passes += 1
        return total

    def loss(self) -> float:
        """Mean loss over the dataset (eval mode)."""
        self._refresh()
        with torch.no_grad():
            return float(self._accumulate(lambda x, y: self.loss_fn(self.model(x), y).reshape(1), (1,)))

    def gradient(self) -> Tensor:
        """Mean gradient over the dataset, flat, float64."""
        self._refresh()

        def batch(x: Tensor, y: Tensor) -> Tensor:
            loss = self.loss_fn(self.model(x), y)
            return flatten(torch.autograd.grad(loss, list(self.params.values())))
        return self._accumulate(batch, (self.num_params,))

    def _check(self, V: Tensor) -> Tensor:
        if V.dim() != 2 or V.shape[0] != self.num_params:
            raise ValueError(f"V of shape {tuple(V.shape)}: expected ({self.num_params}, m)")
        return V.to(device=self.device, dtype=self.dtype)


class HessianOperator(_ModelOperator):
    """``v -> H v`` with H the Hessian of the mean loss over the dataset w.r.t. the trainable
    parameters (flattened in ``named_parameters`` order).

    ``method`` (see the module docstring for the measurements):

    - ``"auto"``: ``"retained"`` when the data is one batch and a ``matmat`` has at most
      :data:`RETAIN_MAX_VECTORS` vectors, else ``"fwdrev"``, switching to double backward (for
      good, reason in ``fallback_reason``) only when fwdrev fails on an op torch.func does not
      support; any other error is raised;
    - ``"retained"``: the gradient's graph of every batch built once (``create_graph``) and each
      product one backward pass through it; rebuilt whenever the parameters or buffers change;
    - ``"fwdrev"``: ``torch.func.jvp`` of ``torch.func.grad``, vmapped over the vectors;
    - ``"double_backward"``: Pearlmutter via autograd twice, recomputed for every call.

    ``products_by`` counts the products each way computed.
    """

    def __init__(self, model: nn.Module, data: Data, *, loss_fn: LossFn | None = None,
                 batch_size: int | None = None, dtype: torch.dtype = torch.float32,
                 device: torch.device | str | None = None, method: str = "auto"):
        if method not in METHODS:
            raise ValueError(f"method = {method!r}: accepted {', '.join(METHODS)}")
        super().__init__(model, data, loss_fn=loss_fn, batch_size=batch_size, dtype=dtype, device=device)
        self.method_given = method
        self.method = "fwdrev" if method == "auto" else method
        self.fallback_reason: str | None = None
        self.products_by: dict[str, int] = {}
        self._graphs: list[tuple[float, list[Tensor]]] | None = None

    def way(self, m: int) -> str:
        """How a ``matmat`` of ``m`` vectors is computed now: retained, fwdrev or double_backward."""
        if self.method_given == "auto" and m <= RETAIN_MAX_VECTORS and self.batches.num_batches() == 1:
            return "retained"
        return self.method

    def matmat(self, V: Tensor) -> Tensor:
        V = self._check(V)
        self._refresh()
        m = V.shape[1]
        way = self.way(m)
        if way == "retained":
            out = self._retained_matmat(V)
        else:
            out, way = self._recomputed_matmat(V)
        self.n_products += m
        self.products_by[way] = self.products_by.get(way, 0) + m
        return out

    def release(self) -> None:
        """Drop the retained graphs (they are rebuilt on the next retained product)."""
        self._graphs = None

    def _parameters_changed(self) -> None:
        self.release()  # the graph was built at the old parameters

    def _recomputed_matmat(self, V: Tensor) -> tuple[Tensor, str]:
        m = V.shape[1]
        batch = self._batch_double_backward if self.method == "double_backward" else self._batch_fwdrev
        try:
            return self._accumulate(lambda x, y: batch(x, y, V), (m, self.num_params)).T, self.method
        except RuntimeError as exc:
            # torch.func's forward-over-reverse lacks rules for a few ops: use double backward.
            # Only for those: out of memory or a bug in the model is raised as it is.
            if self.method != "fwdrev" or self.method_given == "fwdrev" or not fwdrev_unsupported(exc):
                raise
            self.method = "double_backward"
            self.fallback_reason = str(exc).splitlines()[0]
            out = self._accumulate(lambda x, y: self._batch_double_backward(x, y, V), (m, self.num_params)).T
            return out, self.method

    def _retained_graphs(self) -> list[tuple[float, tuple[Tensor | None, ...]]]:
        """(weight B/N, grad L_batch with its graph) for every batch, built once; dropped by
        :meth:`_refresh` whenever the parameters or buffers changed, in any way, so no product
        is stale."""
        if self._graphs is not None:
            return self._graphs
        params = list(self.params.values())
        n = self.batches.count()
        graphs = []
        with torch.enable_grad(), eval_mode(self.model), precision(self.dtype):
            for x, y in self.batches:
                loss = self.loss_fn(self.model(x), y)
                graphs.append((len(x) / n, torch.autograd.grad(loss, params, create_graph=True, allow_unused=True)))
        self._graphs = graphs
        return graphs

    def _retained_matmat(self, V: Tensor) -> Tensor:
        total = torch.empty(V.shape[1], self.num_params, dtype=torch.float64, device=self.device)
        # Buffers written in place: for millions of parameters a fresh vector per product costs
        # page faults comparable to the product itself.
        flat = torch.empty(self.num_params, dtype=self.dtype, device=self.device)
        with precision(self.dtype):
            for b, (weight, grads) in enumerate(self._retained_graphs()):
                for j, hv in enumerate(self._backward_products(grads, V, keep_graph=True, out=flat)):
                    if b == 0:
                        torch.mul(hv, weight, out=total[j])
                    else:
                        total[j].add_(hv, alpha=weight)
        self.n_passes += 1
        return total.T

    def _backward_products(self, grads: tuple[Tensor | None, ...], V: Tensor, keep_graph: bool,
                           out: Tensor | None = None) -> Iterator[Tensor]:
        """H_batch v for each column v of V, flat: one backward pass through ``grads`` (a batch
        gradient built with ``create_graph``) per vector. Parameters the gradient does not
        depend on get zeros; ``keep_graph=False`` frees the graph after the last vector. With
        ``out`` (P entries, the operator's dtype) every product is written into that one buffer,
        so each must be consumed before the next is asked for."""
        params = list(self.params.values())
        live = [i for i, g in enumerate(grads) if g is not None and g.requires_grad]
        m = V.shape[1]
        for j in range(m):
            if not live:  # the loss is at most linear in the parameters: zero curvature
                yield torch.zeros(self.num_params, dtype=self.dtype, device=self.device)
                continue
            vs = list(unflatten(V[:, j], self.params).values())
            hv = torch.autograd.grad([grads[i] for i in live], params, grad_outputs=[vs[i] for i in live],
                                     retain_graph=keep_graph or j < m - 1, allow_unused=True)
            pieces = [(torch.zeros_like(p) if h is None else h).reshape(-1) for p, h in zip(params, hv)]
            yield torch.cat(pieces) if out is None else torch.cat(pieces, out=out)

    def _batch_double_backward(self, x: Tensor, y: Tensor, V: Tensor) -> Tensor:
        loss = self.loss_fn(self.model(x), y)
        grads = torch.autograd.grad(loss, list(self.params.values()), create_graph=True, allow_unused=True)
        return torch.stack(list(self._backward_products(grads, V, keep_graph=False)))

    def _batch_fwdrev(self, x: Tensor, y: Tensor, V: Tensor) -> Tensor:
        p0 = {n: p.detach() for n, p in self.params.items()}
        g = grad(lambda p, yy: self.loss_fn(functional_call(self.model, p, (x,)), yy))
        if y.is_floating_point():
            # Floating targets (mse_loss...) enter the jvp as primals with a materialized zero
            # tangent: left out, the backward of mse_loss writes into the implicit zero tangent
            # of the target and fails with "ZeroTensors are immutable".
            primals, zero = (p0, y), torch.zeros_like(y)

            def hvp(t: dict[str, Tensor]) -> Tensor:
                return flatten(jvp(g, primals, (t, zero))[1].values())
        else:
            def hvp(t: dict[str, Tensor]) -> Tensor:
                return flatten(jvp(lambda p: g(p, y), (p0,), (t,))[1].values())

        T = unflatten(V.T.contiguous(), self.params)
        if V.shape[1] == 1:
            return hvp({n: t[0] for n, t in T.items()})[None]
        return vmap(hvp)(T)


class GaussNewtonOperator(_ModelOperator):
    """``v -> G v`` with G = (1/N) sum_i J_i^T (d^2 l_i / d f^2) J_i, the generalized
    Gauss-Newton matrix (S Eq. 4-5): J_i the Jacobian of the outputs of sample i w.r.t. the
    parameters. Per batch: ``J v`` by ``jvp``, the loss Hessian in output space by ``jvp`` of
    the loss gradient, ``J^T u`` by ``vjp``; vmapped over the vectors of a ``matmat``.
    """

    def matmat(self, V: Tensor) -> Tensor:
        V = self._check(V)
        self._refresh()
        m = V.shape[1]
        out = self._accumulate(lambda x, y: self._batch(x, y, V), (m, self.num_params)).T
        self.n_products += m
        return out

    def _batch(self, x: Tensor, y: Tensor, V: Tensor) -> Tensor:
        p0 = {n: p.detach() for n, p in self.params.items()}

        def f(p: dict[str, Tensor]) -> Tensor:
            return functional_call(self.model, p, (x,))

        out, pullback = vjp(f, p0)
        T = unflatten(V.T.contiguous(), self.params)
        JV = vmap(lambda t: jvp(f, (p0,), (t,))[1])(T)  # (m, *out.shape)
        # the loss Hessian in output space by double backward (torch.func's jvp-of-grad fails
        # on some losses, e.g. mse_loss: "ZeroTensors are immutable")
        with torch.enable_grad():
            o = out.detach().requires_grad_(True)
            (gl,) = torch.autograd.grad(self.loss_fn(o, y), o, create_graph=True)
            HJV = torch.stack([_grad_or_zero(gl, o, JV[j], j < len(JV) - 1) for j in range(len(JV))])
        return vmap(lambda u: flatten(pullback(u)[0].values()))(HJV)


def _grad_or_zero(out: Tensor, inp: Tensor, v: Tensor, retain: bool) -> Tensor:
    if not out.requires_grad:  # a loss linear in the outputs: zero curvature
        return torch.zeros_like(inp)
    (g,) = torch.autograd.grad(out, inp, v, retain_graph=retain, allow_unused=True)
    return torch.zeros_like(inp) if g is None else g
