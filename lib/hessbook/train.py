"""The training engine: minibatch SGD on device-resident data, through the result store.

``train(config)`` trains the model a :class:`TrainConfig` describes, or loads it when the same
configuration was trained before (the device is not part of the key). Features:

- SGD with momentum and weight decay, PyTorch semantics (``torch.optim.SGD``); gradient
  descent is ``batch_size == len(training set)``; the last, smaller batch of an epoch is
  kept (PyTorch's DataLoader default, ``drop_last=False``).
- Learning-rate rules from :mod:`hessbook.lr`, set before every step.
- Stopping: an epoch budget, an iteration budget (S counts iterations; the budget may end an
  epoch early) and/or a training-loss target (Y: 1e-3), checked on the full training set in
  eval mode at the end of each epoch. At least one budget is required.
- Recording: the history has one entry per epoch, or, with ``record_every``, one entry every
  ``record_every`` iterations across epoch boundaries (S5: "record every 100 steps"), plus
  the iterations of ``record_also`` and, for each level of ``record_below``, the end of the
  first epoch whose training loss reaches it (Y3 reads lambda1 where the loss crosses 1e-3).
- Divergence: when an epoch's mean minibatch loss is NaN/inf, training stops and the result
  records ``stop_reason="diverged"`` and ``diverged_epoch`` (checked once per epoch so the
  hot loop never synchronizes with the GPU).
- Determinism: the initialization uses ``seed``; permutations and augmentation draw from a
  CPU ``torch.Generator`` seeded by ``seed``; dropout uses the global RNG, seeded and
  checkpointed. The caller's global RNG state is restored afterwards. On the CPU a resumed
  run gives bit-identical parameters to an uninterrupted one.
- Checkpoints: at the end of every epoch (at most one per ``checkpoint_interval`` seconds)
  the model, optimizer, RNG states and history are saved; an interrupted run resumes there.
- Plug-ins: :func:`register_epoch_metric` and :func:`register_adversary` for a user's own
  functions; the library's own (the curvature metrics, the attacks of :mod:`hessbook.attacks`)
  are found by name through :data:`LIBRARY_METRICS` and :data:`LIBRARY_ADVERSARIES`, imported
  when a configuration names them, so importing a module never changes what training accepts.
- Speed: no DataLoader; index permutations into uint8 tensors on the device, float
  conversion and CIFAR augmentation on the device, large evaluation batches; optional
  ``channels_last`` and bfloat16 autocast (``mixed_precision``) for training only, never for
  evaluation or curvature.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from hessbook import data as hdata
from hessbook.data import DataSpec, load_data
from hessbook import lr as hlr
from hessbook.device import pick_device
from hessbook.models import activation_bytes, build_model
from hessbook.params import ParameterError
from hessbook.progress import progress
from hessbook.store import KEY_OMIT_DEFAULT, ResultStore

EVAL_BATCH = 2048
"""Samples per term of an evaluation's sum (the float32 loss of EVAL_BATCH samples is one term of
a float64 total): fixed, so that an evaluation's value does not depend on how it was computed."""
FORWARD_BYTES_CPU = 32 * 2**20
"""On a CPU an evaluation's forward passes are split so that one holds about this many bytes of
activations (:func:`forward_batch`): 2,048 CIFAR images through C1 (360 MiB) ran 2.6x slower
than the same images 128 at a time (bench/eval_batch.py)."""
FORWARD_BATCH_RANGE = (16, 512)
"""Smallest and largest samples per forward pass of an evaluation on a CPU (:func:`forward_batch`)."""
BUILTIN_METRICS = ("train_loss", "train_acc", "test_loss", "test_acc", "grad_norm")
STORE_KIND = "train"


# ----------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a trained model (the result store key). See the module doc.

    ``lr`` is the base learning rate the rule ``lr_rule`` (with ``lr_params``) works from.
    ``eval_data`` is the "test" set of the ``test_loss``/``test_acc`` metrics.
    ``adversary`` names a function registered with :func:`register_adversary`; each training
    step then trains on ``(1 - adversary_mix) * loss(x) + adversary_mix * loss(x_adv)``.
    ``init_from`` starts from the final weights of another configuration (trained first if
    needed), e.g. Y's adversarial fine-tuning of M_ORI and S's Part II; the optimizer starts
    fresh.
    """

    model: str
    data: DataSpec
    batch_size: int
    lr: float
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)
    momentum: float = 0.0
    weight_decay: float = 0.0
    lr_rule: str = "constant"
    lr_params: Mapping[str, Any] = field(default_factory=dict)
    max_epochs: int | None = None
    max_iterations: int | None = None
    loss_target: float | None = None
    seed: int = 0
    eval_data: DataSpec | None = None
    epoch_metrics: tuple[str, ...] = ()
    adversary: str | None = None
    adversary_params: Mapping[str, Any] = field(default_factory=dict)
    adversary_mix: float = 1.0
    init_from: TrainConfig | None = None
    mixed_precision: bool = False
    channels_last: bool = False
    record_every: int | None = field(default=None, metadata={KEY_OMIT_DEFAULT: True})
    """Record the history every ``record_every`` iterations instead of every epoch (S counts
    iterations: "record every 100 steps"). Left out of the store key while None."""
    record_also: tuple[int, ...] = field(default=(), metadata={KEY_OMIT_DEFAULT: True})
    """Iterations recorded besides every ``record_every``-th (with ``record_every`` only): a
    denser start where a small batch reaches a loss level within the first period (Y3 reads
    lambda1 where the training loss crosses Y's 1e-3, between two records). Left out of the store
    key while empty."""
    record_below: tuple[float, ...] = field(default=(), metadata={KEY_OMIT_DEFAULT: True})
    """Training-loss levels that add a record (with ``record_every`` only): at the end of the
    first whole epoch whose clean training loss (eval mode, the whole training set) is at or below
    a level, unless a record of the schedule has already reached it. So a quantity read where the
    loss crosses a level has a record within one epoch of the crossing, wherever the crossing falls
    in the schedule (Y3 reads lambda1 where the loss crosses Y's 1e-3 between a record on each side;
    on a fixed schedule the two were up to three decades of loss apart). Kept in descending order;
    left out of the store key while empty; ``train_loss`` is then measured at every record. Cost:
    one evaluation of the training loss at the end of every epoch until the last level is reached
    (none after an epoch that ends on a record of the schedule). Not gated on the epoch's mean
    minibatch loss: in adversarial training that is the adversarial loss, orders of magnitude above
    the clean one near a fit, and it would skip the very epochs the levels are for."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "epoch_metrics", tuple(self.epoch_metrics))
        object.__setattr__(self, "record_also", tuple(sorted(set(int(i) for i in self.record_also))))
        object.__setattr__(self, "record_below", tuple(sorted({float(v) for v in self.record_below}, reverse=True)))
        if self.max_epochs is None and self.max_iterations is None:
            raise ParameterError("TrainConfig: give max_epochs or max_iterations (or both) as a budget")
        for name in ("max_epochs", "max_iterations"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ParameterError(f"TrainConfig: {name} = {value} must be >= 1")
        if self.batch_size < 1 or self.lr < 0 or not 0 <= self.momentum < 1:
            raise ParameterError(
                f"TrainConfig: batch_size = {self.batch_size} (>= 1), lr = {self.lr} (>= 0), "
                f"momentum = {self.momentum} (in [0, 1)) out of range"
            )
        if not 0 <= self.adversary_mix <= 1:
            raise ParameterError(f"TrainConfig: adversary_mix = {self.adversary_mix} must be in [0, 1]")
        if self.record_every is not None and self.record_every < 1:
            raise ParameterError(f"TrainConfig: record_every = {self.record_every} must be >= 1 (or None)")
        if self.record_also and (self.record_every is None or self.record_also[0] < 1):
            raise ParameterError(f"TrainConfig: record_also = {self.record_also} needs record_every and "
                                 "iterations >= 1 (it adds records to the record_every schedule)")
        if self.record_below and (self.record_every is None
                                  or not all(math.isfinite(v) and v > 0 for v in self.record_below)):
            raise ParameterError(f"TrainConfig: record_below = {self.record_below} needs record_every and finite "
                                 "loss levels > 0 (it adds records to the record_every schedule)")
        try:
            hlr.check_rule(self.lr_rule, self.lr_params)
        except ValueError as exc:
            raise ParameterError(f"TrainConfig: {exc}") from exc


def levels_passed(config: TrainConfig, passed: int, loss: float) -> int:
    """How many of ``config.record_below`` (descending) a training loss ``loss`` has reached,
    counting from the ``passed`` already reached (the first crossing of each level counts)."""
    levels = config.record_below
    while passed < len(levels) and loss <= levels[passed]:
        passed += 1
    return passed


def metric_names(config: TrainConfig) -> list[str]:
    """The metrics each record measures: the configuration's, with ``train_loss`` first where the
    loss target or the ``record_below`` levels read it."""
    names = list(config.epoch_metrics)
    if (config.loss_target is not None or config.record_below) and "train_loss" not in names:
        names.insert(0, "train_loss")
    return names


def records_at(config: TrainConfig, iteration: int) -> bool:
    """Whether the history records after ``iteration`` (with ``record_every``): every
    ``record_every``-th iteration and the iterations of ``record_also``."""
    every = config.record_every
    return every is not None and (iteration % every == 0 or iteration in config.record_also)


# ----------------------------------------------------------------------------- plug-ins


@dataclass
class EpochContext:
    """What an epoch metric sees. ``evaluate("train"|"test")`` is computed once per epoch."""

    model: nn.Module
    train_data: hdata.ImageData
    eval_data: hdata.ImageData | None
    device: torch.device
    epoch: int
    iteration: int
    config: TrainConfig
    history: list[dict[str, Any]]
    _cache: dict[str, tuple[float, float]] = field(default_factory=dict)

    def evaluate(self, which: str) -> tuple[float, float]:
        """(mean loss, accuracy) on the training or evaluation set, eval mode, no grad."""
        if which not in self._cache:
            data_ = self.train_data if which == "train" else self.eval_data
            if data_ is None:
                raise ValueError("a test_* metric needs TrainConfig.eval_data")
            self._cache[which] = evaluate(self.model, data_, self.device)
        return self._cache[which]


EpochMetric = Callable[[nn.Module, EpochContext], float]
Adversary = Callable[..., torch.Tensor]
_METRICS: dict[str, EpochMetric] = {}
_ADVERSARIES: dict[str, Adversary] = {}

LIBRARY_METRICS: dict[str, str] = {
    "hessian_lambda1": "hessbook.curvature.epoch_metrics:hessian_lambda1",
    "hessian_lambda1_residual": "hessbook.curvature.epoch_metrics:hessian_lambda1_residual",
}
"""Epoch metrics of the library's other rooms, by name: ``"module:function"``, imported when a
configuration names one. With :data:`LIBRARY_ADVERSARIES` this is the one rule by which training
finds a plug-in: a name registered by the user (:func:`register_epoch_metric`,
:func:`register_adversary`), else an entry of these tables. Those modules never import this one."""
LIBRARY_ADVERSARIES = "hessbook.attacks.training"
"""The library's adversaries: the names of that module's ``ADVERSARIES``, bound by its ``bind_adversary``."""


def _library(reference: str) -> Any:
    """The object a ``"module:name"`` reference names, or the module of a ``"module"`` reference
    (imported now)."""
    import importlib

    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name) if name else importlib.import_module(module)


def register_epoch_metric(name: str, fn: EpochMetric) -> None:
    """Make ``fn(model, context) -> float`` available as ``TrainConfig.epoch_metrics`` entry ``name``.

    The model is in eval mode when ``fn`` is called and is put back in train mode after.
    """
    _METRICS[name] = fn


def register_adversary(name: str, fn: Adversary) -> None:
    """Make a user's ``fn(model, x, y, **adversary_params) -> x_adv`` available as
    ``TrainConfig.adversary`` (the library's attacks need no registration: see :data:`LIBRARY_ADVERSARIES`).

    ``x`` is in [0, 1]; the model is in eval mode during the call (BN statistics untouched).
    """
    _ADVERSARIES[name] = fn


def bind_adversary(name: str, params: Mapping[str, Any]) -> Callable[..., torch.Tensor]:
    """``fn(model, x, y) -> x_adv`` for ``TrainConfig.adversary``: a registered plug-in with its
    parameters bound, or one of the library's attacks (:data:`LIBRARY_ADVERSARIES`), with its
    settings validated once, here."""
    if name in _ADVERSARIES:
        return functools.partial(_ADVERSARIES[name], **dict(params))
    attacks = _library(LIBRARY_ADVERSARIES)
    if name not in attacks.ADVERSARIES:
        raise ParameterError(
            f"unknown adversary {name!r}; accepted: {', '.join(sorted({*attacks.ADVERSARIES, *_ADVERSARIES}))}"
            " (or a function registered with hessbook.train.register_adversary)"
        )
    try:
        return attacks.bind_adversary(name, params)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"TrainConfig: adversary {name!r}: {exc}") from exc


def _metric(name: str) -> EpochMetric:
    if name in _METRICS:
        return _METRICS[name]
    if name in LIBRARY_METRICS:
        return _library(LIBRARY_METRICS[name])
    raise ParameterError(
        f"unknown epoch metric {name!r}; accepted: {', '.join(sorted({*_METRICS, *LIBRARY_METRICS}))} "
        "(or a function registered with hessbook.train.register_epoch_metric)"
    )


register_epoch_metric("train_loss", lambda m, c: c.evaluate("train")[0])
register_epoch_metric("train_acc", lambda m, c: c.evaluate("train")[1])
register_epoch_metric("test_loss", lambda m, c: c.evaluate("test")[0])
register_epoch_metric("test_acc", lambda m, c: c.evaluate("test")[1])
register_epoch_metric("grad_norm", lambda m, c: full_gradient_norm(m, c.train_data, c.device))


# ----------------------------------------------------------------------------- evaluation


def forward_batch(model: nn.Module, x: torch.Tensor) -> int:
    """Samples per forward pass of an evaluation of ``model`` on inputs like ``x`` (one sample
    is enough): on an accelerator :data:`EVAL_BATCH`; on a CPU the largest power of two in
    :data:`FORWARD_BATCH_RANGE` whose pass holds at most :data:`FORWARD_BYTES_CPU` of activations
    (a pass larger than the caches is slower per sample). A power of two, because the kernels of
    some networks sum in another order below a batch size (M1 below 512 on this CPU's oneDNN); the
    range keeps every network of the book above its threshold (bench/eval_batch.py)."""
    if x.device.type != "cpu":
        return EVAL_BATCH
    low, high = FORWARD_BATCH_RANGE
    per_sample = max(1, activation_bytes(model, x[:1]))
    fits = max(low, min(high, FORWARD_BYTES_CPU // per_sample))
    return 1 << (fits.bit_length() - 1)


def logits_in_passes(model: nn.Module, x: torch.Tensor, forward: int) -> torch.Tensor:
    """``model(x)`` in passes of at most ``forward`` samples (no grad)."""
    if len(x) <= forward:
        return model(x)
    return torch.cat([model(x[i:i + forward]) for i in range(0, len(x), forward)])


def evaluate(model: nn.Module, data_: hdata.ImageData, device: torch.device | str,
             batch_size: int = EVAL_BATCH, forward: int | None = None) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` on ``data_`` in eval mode, float32.

    The loss of each ``batch_size`` samples is one float32 sum (a float64 total of them), whatever
    ``forward`` (samples per forward pass; None: :func:`forward_batch`): the passes only split the
    logits, so where a network's per-sample outputs do not depend on the batch (every network of
    the book at the default, measured in bench/eval_batch.py) the value is the same to the bit at
    any ``forward``."""
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    with torch.no_grad():
        for x, y in data_.batches(batch_size, device):
            if forward is None:
                forward = forward_batch(model, x)
            out = logits_in_passes(model, x, forward)
            loss_sum += F.cross_entropy(out, y, reduction="sum").double()
            correct += (out.argmax(1) == y).sum()
    model.train(was_training)
    n = len(data_)
    return float(loss_sum) / n, float(correct) / n


def full_gradient_norm(model: nn.Module, data_: hdata.ImageData, device: torch.device | str,
                       batch_size: int = EVAL_BATCH) -> float:
    """Norm of the gradient of the mean training loss (eval mode: BN uses running statistics)."""
    was_training = model.training
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    total = [torch.zeros_like(p) for p in params]
    for x, y in data_.batches(batch_size, device):
        loss = F.cross_entropy(model(x), y, reduction="sum") / len(data_)
        for acc, g in zip(total, torch.autograd.grad(loss, params)):
            acc += g
    model.train(was_training)
    return float(torch.sqrt(sum((g.double() ** 2).sum() for g in total)))


# ----------------------------------------------------------------------------- the hot loop


def batch_inputs(data_: hdata.ImageData, index: torch.Tensor, augment: bool,
                 generator: torch.Generator, channels_last: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Float inputs and labels of ``index``; CIFAR augmentation applied to the uint8 batch."""
    raw = data_.images[index]
    if augment:
        raw = hdata.augment_cifar(raw, generator)
    x = raw.to(torch.float32).div_(255.0) if raw.dtype == torch.uint8 else raw.to(torch.float32)
    if channels_last and x.ndim == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    return x, data_.labels[index]


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
               *, mixed_precision: bool = False, adversary: Callable[..., torch.Tensor] | None = None,
               adversary_mix: float = 1.0) -> torch.Tensor:
    """One SGD step on ``(x, y)``; returns the (detached) training loss of the batch.
    ``adversary(model, x, y) -> x_adv`` has its settings bound (:func:`bind_adversary`)."""
    if adversary is not None:
        model.eval()
        x_adv = adversary(model, x, y).detach()
        model.train()
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=mixed_precision):
        if adversary is None or adversary_mix == 0.0:
            loss = F.cross_entropy(model(x), y)
        elif adversary_mix == 1.0:
            loss = F.cross_entropy(model(x_adv), y)
        else:
            loss = ((1 - adversary_mix) * F.cross_entropy(model(x), y)
                    + adversary_mix * F.cross_entropy(model(x_adv), y))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach().float()


def _epoch_batches(n: int, batch_size: int, generator: torch.Generator,
                   device: torch.device) -> Iterator[torch.Tensor]:
    perm = torch.randperm(n, generator=generator).to(device)
    for start in range(0, n, batch_size):
        yield perm[start:start + batch_size]


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TrainResult:
    """A trained model: final weights (CPU), per-epoch history and how training ended.

    ``stop_reason`` is one of ``"max_epochs"``, ``"max_iterations"``, ``"loss_target"``,
    ``"diverged"``; ``diverged_epoch`` is the 1-based epoch whose loss was NaN/inf, else None.
    """

    config: TrainConfig
    state: Mapping[str, torch.Tensor]
    history: tuple[Mapping[str, Any], ...]
    stop_reason: str
    diverged_epoch: int | None
    epochs: int
    iterations: int
    seconds: float
    cached: bool

    @property
    def diverged(self) -> bool:
        return self.diverged_epoch is not None

    def model(self, device: str | torch.device = "cpu") -> nn.Module:
        """The trained network on ``device``, in eval mode."""
        net = build_model(self.config.model, **dict(self.config.model_kwargs))
        net.load_state_dict(self.state)
        return net.to(device).eval()

    def metric(self, name: str) -> list[Any]:
        """The per-epoch values of ``name`` (None where not recorded)."""
        return [h.get(name) for h in self.history]


# ----------------------------------------------------------------------------- training


@dataclass
class _State:
    epoch: int = 0
    iteration: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str | None = None
    diverged_epoch: int | None = None
    period_loss: float = 0.0
    """With ``record_every``: sum of the minibatch losses of the period so far (at epoch end)."""
    period_steps: int = 0
    levels_passed: int = 0
    """With ``record_below``: how many of its levels the training loss has reached."""


def _rng_state(device: torch.device) -> dict[str, torch.Tensor]:
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: Mapping[str, torch.Tensor], device: torch.device) -> None:
    torch.set_rng_state(state["cpu"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def _initial_model(config: TrainConfig, store: ResultStore, device: torch.device) -> nn.Module:
    torch.manual_seed(config.seed)
    model = build_model(config.model, **dict(config.model_kwargs))
    if config.init_from is not None:
        parent = train(config.init_from, store=store, device=device)
        model.load_state_dict(parent.state)
    model = model.to(device)
    if config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model


def _stop_before_epoch(config: TrainConfig, st: _State) -> str | None:
    if config.max_iterations is not None and st.iteration >= config.max_iterations:
        return "max_iterations"
    if config.max_epochs is not None and st.epoch >= config.max_epochs:
        return "max_epochs"
    return None


def set_aside_unfit(checkpoint, model: str, exc: Exception) -> None:
    """A readable checkpoint that does not fit ``model``: set it aside and warn that training
    starts over (one wording for :func:`train` and :mod:`hessbook.train_grouped`)."""
    reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    aside = checkpoint.set_aside(f"does not fit model {model!r}: {reason}")
    warnings.warn(
        f"train: the checkpoint of this {model!r} configuration does not fit the model "
        f"({reason}); it was set aside{f' in {aside}' if aside else ''} and training starts over",
        RuntimeWarning, stacklevel=3,
    )


def _run(config: TrainConfig, store: ResultStore, device: torch.device, checkpoint,
         checkpoint_interval: float, on_epoch: Callable[[int, nn.Module, list], None] | None) -> dict:
    train_data = load_data(config.data, device)
    eval_data = load_data(config.eval_data, device) if config.eval_data is not None else None
    n = len(train_data)
    if config.batch_size > n:
        raise ParameterError(
            f"TrainConfig: batch_size = {config.batch_size} exceeds the training set ({n}); "
            f"use batch_size = {n} for gradient descent"
        )
    metrics = {name: _metric(name) for name in metric_names(config)}
    adversary = bind_adversary(config.adversary, config.adversary_params) if config.adversary else None

    def fresh() -> tuple[nn.Module, torch.optim.Optimizer, torch.Generator]:
        net = _initial_model(config, store, device)
        opt = torch.optim.SGD(net.parameters(), lr=config.lr, momentum=config.momentum,
                              weight_decay=config.weight_decay)
        gen = torch.Generator().manual_seed(config.seed)
        torch.manual_seed(config.seed + 1)  # dropout and randomized adversaries
        return net, opt, gen

    model, optimizer, generator = fresh()
    st = _State()
    saved = checkpoint.load() if checkpoint is not None else None
    if saved is not None:
        try:
            _, blob = saved
            model.load_state_dict(blob["model"])
            optimizer.load_state_dict(blob["optimizer"])
            generator.set_state(blob["generator"])
            _set_rng_state(blob["rng"], device)
            st = _State(**blob["progress"])
        except (RuntimeError, KeyError, TypeError, ValueError) as exc:
            # Readable but not this model's (e.g. the model definition changed without a
            # CACHE_VERSION bump): like a damaged checkpoint, set it aside and start over.
            # The model may be partly loaded, so everything is built afresh.
            set_aside_unfit(checkpoint, config.model, exc)
            model, optimizer, generator = fresh()
            st = _State()
    iters_per_epoch = math.ceil(n / config.batch_size)
    last_save = time.monotonic()
    total = config.max_epochs
    if total is None and config.max_iterations is not None:
        total = math.ceil(config.max_iterations / iters_per_epoch)
    bar = progress(range(st.epoch, total or st.epoch + 1), desc=f"train {config.model}", total=total,
                   initial=st.epoch) if total else None
    bar_iter = iter(bar) if bar is not None else None
    every = config.record_every

    def record(entry: dict[str, Any], train_eval: tuple[float, float] | None = None) -> None:
        """Evaluate the metrics into ``entry`` (model in eval mode) and check the loss target
        (``train_eval``: the training set's (loss, accuracy), already evaluated at this point)."""
        model.eval()
        ctx = EpochContext(model, train_data, eval_data, device, st.epoch, st.iteration, config, st.history)
        if train_eval is not None:
            ctx._cache["train"] = train_eval
        for name, fn in metrics.items():
            entry[name] = float(fn(model, ctx))
        model.train()
        if config.loss_target is not None and entry["train_loss"] <= config.loss_target:
            st.stop_reason = "loss_target"
        if "train_loss" in entry:
            st.levels_passed = levels_passed(config, st.levels_passed, entry["train_loss"])

    period_sum = torch.full((), st.period_loss, dtype=torch.float64, device=device)
    period_start = time.perf_counter()

    def period_record(epoch: float, lr_now: float, epoch_number: int,
                      train_eval: tuple[float, float] | None = None) -> None:
        """One record of the ``record_every`` history: the period's mean minibatch loss, then the
        metrics; the period starts over. ``epoch_number``: the epoch (from 1) it falls in."""
        nonlocal period_start
        running = float(period_sum) / st.period_steps
        entry = {"epoch": epoch, "iteration": st.iteration, "lr": lr_now, "train_loss_running": running}
        if not math.isfinite(running):
            st.diverged_epoch, st.stop_reason = epoch_number, "diverged"
        else:
            record(entry, train_eval)
        entry["seconds"] = time.perf_counter() - period_start
        st.history.append(entry)
        period_sum.zero_()
        st.period_steps = 0
        period_start = time.perf_counter()

    def level_record(lr_now: float) -> None:
        """At the end of a whole epoch that did not end on a record: a record where the training
        loss has reached the next ``record_below`` level."""
        if st.levels_passed == len(config.record_below) or not st.period_steps:
            return
        train_eval = evaluate(model, train_data, device)
        passed = levels_passed(config, st.levels_passed, train_eval[0])
        if passed > st.levels_passed:
            st.levels_passed = passed
            period_record(st.epoch, lr_now, st.epoch, train_eval)

    while st.stop_reason is None:
        reason = _stop_before_epoch(config, st)
        if reason is not None:
            st.stop_reason = reason
            break
        start = time.perf_counter()
        model.train()
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        steps = 0
        lr_now = config.lr
        for index in _epoch_batches(n, config.batch_size, generator, device):
            lr_now = hlr.lr_at(config.lr_rule, st.epoch, st.iteration, lr=config.lr,
                               batch_size=config.batch_size, iters_per_epoch=iters_per_epoch,
                               params=config.lr_params)
            for group in optimizer.param_groups:
                group["lr"] = lr_now
            x, y = batch_inputs(train_data, index, config.data.augment, generator, config.channels_last)
            loss = train_step(model, optimizer, x, y, mixed_precision=config.mixed_precision,
                              adversary=adversary, adversary_mix=config.adversary_mix)
            loss_sum += loss
            steps += 1
            st.iteration += 1
            if every is not None:
                period_sum += loss
                st.period_steps += 1
                if records_at(config, st.iteration):
                    period_record(st.epoch + steps / iters_per_epoch, lr_now, st.epoch + 1)
                    if st.stop_reason is not None:
                        break
            if config.max_iterations is not None and st.iteration >= config.max_iterations:
                break
        st.epoch += 1
        running = float(loss_sum) / steps
        if every is None:
            entry: dict[str, Any] = {"epoch": st.epoch, "iteration": st.iteration, "lr": lr_now,
                                     "train_loss_running": running}
            if not math.isfinite(running):
                st.diverged_epoch, st.stop_reason = st.epoch, "diverged"
            else:
                record(entry)
            entry["seconds"] = time.perf_counter() - start
            st.history.append(entry)
        else:
            if st.stop_reason is None and not math.isfinite(running):
                # diverged between two records: say so in the history
                st.diverged_epoch, st.stop_reason = st.epoch, "diverged"
                st.history.append({"epoch": st.epoch, "iteration": st.iteration, "lr": lr_now,
                                   "train_loss_running": running,
                                   "seconds": time.perf_counter() - period_start})
            elif st.stop_reason is None and steps == iters_per_epoch:
                level_record(lr_now)
            st.period_loss = float(period_sum)
        if bar_iter is not None:
            next(bar_iter, None)
        if checkpoint is not None and time.monotonic() - last_save >= checkpoint_interval:
            checkpoint.save(st.epoch, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "generator": generator.get_state(), "rng": _rng_state(device),
                "progress": dataclasses.asdict(st),
            })
            last_save = time.monotonic()
        if on_epoch is not None:
            on_epoch(st.epoch, model, st.history)
    if bar is not None and hasattr(bar, "close"):
        bar.close()
    return {
        "history": st.history, "stop_reason": st.stop_reason, "diverged_epoch": st.diverged_epoch,
        "epochs": st.epoch, "iterations": st.iteration,
        "model": {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
    }


def train(config: TrainConfig, store: ResultStore | None = None, device: torch.device | None = None, *,
          checkpoint_interval: float = 2.0,
          on_epoch: Callable[[int, nn.Module, list], None] | None = None) -> TrainResult:
    """Train ``config`` (or load it from ``store``, default :class:`ResultStore`) on ``device``
    (a ``torch.device``; None: CUDA when available, else the CPU; a chapter resolves its
    ``device`` parameter once, with :func:`hessbook.device.pick_device`).

    ``checkpoint_interval``: minimum seconds between end-of-epoch checkpoints (0: every
    epoch). ``on_epoch(epoch, model, history)`` is called after each epoch's checkpoint (for
    live plots; it is not part of the key and is not called for a cached result).
    The global RNG state of the caller is left as it was.
    """
    store = store if store is not None else ResultStore()
    if isinstance(device, str):
        raise TypeError(f"train(device={device!r}): pass a torch.device (hessbook.device.pick_device({device!r}))")
    dev = device if device is not None else pick_device("auto")

    def compute(checkpoint) -> dict:
        with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
            return _run(config, store, dev, checkpoint, checkpoint_interval, on_epoch)

    record = store.get_or_compute(STORE_KIND, config, compute, resumable=True)
    m = record.metrics
    return TrainResult(
        config=config, state=record.states["model"], history=tuple(m["history"]),
        stop_reason=m["stop_reason"], diverged_epoch=m["diverged_epoch"], epochs=m["epochs"],
        iterations=m["iterations"], seconds=float(record.meta.get("seconds", 0.0)),
        cached=bool(record.meta.get("cached", False)),
    )
