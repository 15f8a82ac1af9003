"""Many small networks trained as one: G members of the same shape in one vectorized pass.

Networks that share architecture (``model``, ``model_kwargs``), training data (``data``, with
its augmentation) and ``batch_size`` are trained together as one model whose parameters carry a
leading member dimension; each member keeps everything else of its own
:class:`~hessbook.train.TrainConfig`: initialization (``seed``, ``init_from``), data order and
augmentation draws (its own ``torch.Generator``), dropout draws (its own global-RNG stream),
learning-rate rule, momentum, weight decay, budgets, loss target, epoch metrics and
``record_every``. Why: at K's batch sizes (16, 64) a step of one LeNet-sized network is mostly
per-call overhead, on a CPU and far more on a GPU; one call for G members pays it once.

How (measured in ``bench/grouped_training.py``; the figures are in ``bench/RESULTS.md``):

- convolutions as one grouped convolution (activations ``(B, G*C, H, W)`` in channels-last
  memory order, weights ``(G*Cout, Cin, k, k)``, ``groups=G``), so BatchNorm in that layout is
  exactly per member and per channel; fully connected layers as one batched matmul
  (``(G, B, F)``). Channels-last matters on the CPU: oneDNN's grouped convolution in NCHW is
  no faster than G single ones (backward 1.3x slower for StdCNN's 10-channel layers), in NHWC
  it is 1.5-4x faster. This explicit interpreter of the ``nn.Sequential`` models beat
  ``torch.func.vmap(functional_call)`` on the CPU (vmap: 1.1-1.2x for M1-K and StdCNN at batch
  16, G = 6; 0.5x for C1, whose BatchNorm it handles poorly), and it lets dropout draw each
  member's mask from that member's own RNG stream, which vmap's ``randomness`` modes cannot;
- the loss of the group is the sum of the members' mean losses: its gradient with respect to a
  member's parameters is that member's gradient, exactly;
- SGD (PyTorch semantics: weight decay, momentum with the buffer started at the first step's
  gradient) on the stacked tensors, with per-member learning rate, momentum and weight decay.

Each member equals training it alone (:func:`hessbook.train.train`) up to float summation order
(a grouped convolution sums in another order than a single one; the learning-rate update is a
multiply-add instead of a fused one): ``tests/test_train_grouped.py`` checks the losses to
1e-5 relative over 50 steps and the final accuracy.

Everything else is the engine's own code, run per member on the member's network built back
from the stacked tensors: epoch metrics (any registered one), the loss target, divergence,
history records. Each member is stored under exactly the key, record layout and checkpoint
format of ``train(config)``: a member already stored is not trained again, a later
``train(config)`` loads it, an interrupted group resumes (each member from its own checkpoint,
which ``train(config)`` could resume as well). A member that stops (budget, loss target,
divergence) is stored at once and leaves the group; the others go on. Timing: a history entry's
``seconds`` is the group's wall time of that epoch; the entry's ``meta["seconds"]`` is the
member's share of the group's time (the wall time split evenly among the members training), so
summing it over members gives the time spent, as for networks trained one by one. While a group trains it
holds every member's store lock, so another process asking for a member waits and then loads it.

What is not grouped (:func:`group_key` returns None; callers train those one by one):
adversarial training (an attack per member network), ``mixed_precision`` and ``channels_last``
(other kernels than alone), models that are neither an ``nn.Sequential`` of the supported layers
nor :class:`~hessbook.models.ResNet18` (its basic blocks run as ``relu(main + shortcut)`` on the
grouped channels), and, by :func:`pays`, sizes where the measured grouped step is not faster than G
single steps on the device. ``HESSBOOK_GROUPED=0`` switches grouping off everywhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from hessbook import data as hdata
from hessbook import lr as hlr
from hessbook.data import load_data
from hessbook.device import pick_device
from hessbook.models import INPUT_SHAPES, BasicBlock, Normalize, ResNet18, build_model
from hessbook.params import ParameterError
from hessbook.progress import progress
from hessbook.store import ResultStore, canonical_json, split_record
from hessbook.train import (
    set_aside_unfit,
    STORE_KIND,
    EpochContext,
    TrainConfig,
    TrainResult,
    _metric,
    _rng_state,
    _set_rng_state,
    _State,
    _stop_before_epoch,
    evaluate,
    levels_passed,
    metric_names,
    records_at,
    train,
)

GROUPED_ENV = "HESSBOOK_GROUPED"
"""``HESSBOOK_GROUPED=0`` trains every network one by one (default: grouped where it pays)."""
GRAPH_ENV = "HESSBOOK_CUDA_GRAPH"
"""``HESSBOOK_CUDA_GRAPH=0`` runs a group's step eagerly on a GPU (default: one CUDA graph a step)."""
GRAPH_WARMUP = 3
"""Eager steps of one batch shape before its step is captured (CUDA's recipe: warm up first)."""
GROUP_KIND = "train-group"
"""Store kind of a group job's small receipt (its members' keys and the group's time)."""
MAX_GROUP = 6
"""Most members in one group: G = 12 gained less than G = 6 in 5 of the 6 cells at batch 16 and
64 of ``bench/grouped_training.py`` (e.g. C1 at batch 64: 1.10x against 1.48x), the stacked
tensors outgrowing the cache."""

CPU_MAX_STEP_MACS = 2.0e8
"""On the CPU a group pays while a member's step, ``batch_size * multiply-adds per sample``,
is at most this (see :func:`pays`); measured in ``bench/grouped_training.py``."""

CPU_MAX_LAYER_MACS = 3.0e7
"""... or while a member's step per layer, ``batch_size * multiply-adds per sample / layers``
(convolutions and linear layers), is at most this: a deep network of thin layers (ResNet18 at
K's cpu width 8, 21 layers) is a long series of small kernel calls even where its step's total
work is above :data:`CPU_MAX_STEP_MACS` (see :func:`pays`)."""

MEMBER_LOOP_NUMEL = 65536
"""On the CPU, parameter tensors with at least this many elements per member are updated member
by member (:meth:`GroupedSGD.step`); on an accelerator every tensor is updated in one pass."""


def member_loop(p: torch.Tensor) -> bool:
    """Whether :meth:`GroupedSGD.step` updates the stacked tensor ``p`` member by member: on the
    CPU where a member's slice is large (its slices then stay in the cache across the update's
    three operations), never on an accelerator, where each member's three small kernels cost
    more in launches than the one pass (measured on an H200: a group's step at batch 16 is
    launch-bound, ``bench/RESULTS.md``, GPU rows)."""
    return p.device.type == "cpu" and p[0].numel() >= MEMBER_LOOP_NUMEL

def graph_enabled() -> bool:
    """False when ``HESSBOOK_CUDA_GRAPH`` is ``0``/``false``/``no``/``off``."""
    return os.environ.get(GRAPH_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def uses_graph(device: torch.device) -> bool:
    """Whether a group's step runs as a captured CUDA graph (:class:`_StepGraphs`): on a CUDA
    device unless switched off. Why: at K's batch sizes a group's step is launch-bound on a GPU
    (an H200 busy 78 of 760 ms over 100 steps of six M1-K at batch 16, ``bench/RESULTS.md``);
    a graph replays the step's ~110 kernels in one launch."""
    return device.type == "cuda" and graph_enabled()


_POINTWISE = (nn.ReLU, nn.Tanh, nn.Identity)
_POOLS = (nn.MaxPool2d, nn.AvgPool2d)


# ----------------------------------------------------------------------------- switch and key


def grouping_enabled() -> bool:
    """False when ``HESSBOOK_GROUPED`` is ``0``/``false``/``no``/``off``."""
    return os.environ.get(GROUPED_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _layer_kind(layer: nn.Module, layout: str) -> str | None:
    """How the grouped forward runs ``layer`` in ``layout`` (``image``: ``(B, G*C, H, W)``,
    ``flat``: ``(G, B, F)``), or None when it cannot."""
    if isinstance(layer, nn.Dropout):
        return "dropout"
    if isinstance(layer, _POINTWISE):
        return "pointwise"
    if layout == "image":
        if isinstance(layer, Normalize):
            return "normalize"
        if isinstance(layer, nn.Conv2d) and layer.groups == 1 and layer.padding_mode == "zeros" \
                and isinstance(layer.padding, tuple):
            return "conv"
        if isinstance(layer, nn.BatchNorm2d) and layer.affine and layer.track_running_stats \
                and layer.momentum is not None:
            return "bn"
        if isinstance(layer, _POOLS):
            return "pointwise"
        if isinstance(layer, nn.Flatten) and layer.start_dim == 1 and layer.end_dim == -1:
            return "flatten"
        return None
    if isinstance(layer, nn.Linear):
        return "linear"
    return None


Step = tuple[str, Any, str]
"""``(kind, layer, state-dict prefix)``; a ``residual`` step's layer is ``(main, shortcut)``, two
lists of steps (an empty shortcut is the identity)."""


def _sequential_steps(seq: nn.Sequential, layout: str, prefix: str) -> tuple[list[Step], str] | None:
    """The steps of an ``nn.Sequential`` of supported layers starting in ``layout``, and the layout
    after them; None when a layer is not supported."""
    steps: list[Step] = []
    for name, layer in seq.named_children():
        kind = _layer_kind(layer, layout)
        if kind is None:
            return None
        if kind == "flatten":
            layout = "flat"
        steps.append((kind, layer, f"{prefix}{name}."))
    return steps, layout


def _block_steps(block: BasicBlock, prefix: str) -> Step | None:
    """A basic block as ``relu(main(h) + shortcut(h))``, as :meth:`BasicBlock.forward` computes it."""
    main = [(_layer_kind(layer, "image"), layer, f"{prefix}{name}.")
            for name, layer in (("conv1", block.conv1), ("bn1", block.bn1))]
    main.append(("pointwise", nn.ReLU(), ""))
    main += [(_layer_kind(layer, "image"), layer, f"{prefix}{name}.")
             for name, layer in (("conv2", block.conv2), ("bn2", block.bn2))]
    shortcut = _sequential_steps(block.shortcut, "image", f"{prefix}shortcut.")
    if any(kind is None for kind, _, _ in main) or shortcut is None or shortcut[1] != "image":
        return None
    return ("residual", (main, shortcut[0]), prefix)


def _resnet_steps(net: ResNet18) -> list[Step] | None:
    """ResNet18's forward (:meth:`ResNet18.forward`) as steps: normalization, stem, the basic
    blocks, global average pooling (per channel, so per member), flatten, the classifier."""
    normalize = _layer_kind(net.normalize, "image")
    stem = _sequential_steps(net.stem, "image", "stem.")
    blocks = [_block_steps(b, f"blocks.{i}.") if isinstance(b, BasicBlock) else None
              for i, b in enumerate(net.blocks)]
    if normalize is None or stem is None or stem[1] != "image" or None in blocks:
        return None
    return [(normalize, net.normalize, "normalize."), *stem[0], *blocks,  # type: ignore[list-item]
            ("pointwise", net.pool, "pool."), ("flatten", nn.Flatten(), ""), ("linear", net.fc, "fc.")]


def _plan(model: nn.Module, input_ndim: int) -> list[Step] | None:
    """The steps of a supported model (an ``nn.Sequential`` of supported layers, or
    :class:`~hessbook.models.ResNet18`) ending in the flat layout, else None."""
    if isinstance(model, ResNet18) and input_ndim == 3:
        return _resnet_steps(model)
    if not isinstance(model, nn.Sequential):
        return None
    planned = _sequential_steps(model, "image" if input_ndim == 3 else "flat", "")
    return planned[0] if planned is not None and planned[1] == "flat" else None


def _input_ndim(config: TrainConfig) -> int:
    if config.model in INPUT_SHAPES:
        return len(INPUT_SHAPES[config.model])
    return 1  # s_mlp: feature vectors


_PLANNABLE: dict[str, bool] = {}


def _plannable(config: TrainConfig) -> bool:
    key = canonical_json({"model": config.model, "kwargs": config.model_kwargs})
    if key not in _PLANNABLE:
        with torch.random.fork_rng(devices=[]):
            net = build_model(config.model, **dict(config.model_kwargs))
        _PLANNABLE[key] = _plan(net, _input_ndim(config)) is not None
    return _PLANNABLE[key]


def group_key(config: TrainConfig) -> str | None:
    """What members of one group share (canonical JSON), or None when ``config`` is trained
    one by one: adversarial training, mixed precision, channels_last, or a model the grouped
    forward does not run."""
    if config.adversary is not None or config.mixed_precision or config.channels_last:
        return None
    try:
        if not _plannable(config):
            return None
    except (ValueError, TypeError):
        return None
    return canonical_json({"model": config.model, "model_kwargs": config.model_kwargs,
                           "data": config.data, "batch_size": config.batch_size})


_PER_SAMPLE: dict[tuple[str, str], int] = {}


def _per_sample(config: TrainConfig, what: str, select: Callable[[nn.Module], bool],
                size: Callable[[nn.Module, torch.Tensor], int]) -> int:
    """Sum of ``size(module, output)`` over the modules ``select`` keeps, in one forward pass of
    one sample of ``config``'s model (cached per model and ``what``)."""
    key = (what, canonical_json({"model": config.model, "kwargs": config.model_kwargs}))
    if key not in _PER_SAMPLE:
        with torch.random.fork_rng(devices=[]):
            net = build_model(config.model, **dict(config.model_kwargs)).eval()
        total = 0

        def count(module: nn.Module, _inp: Any, out: torch.Tensor) -> None:
            nonlocal total
            total += size(module, out)

        hooks = [m.register_forward_hook(count) for m in net.modules() if select(m)]
        shape = INPUT_SHAPES.get(config.model, (int(dict(config.model_kwargs).get("d", 100)),))
        with torch.no_grad():
            net(torch.zeros(1, *shape))
        for h in hooks:
            h.remove()
        _PER_SAMPLE[key] = total
    return _PER_SAMPLE[key]


def _macs(module: nn.Module, out: torch.Tensor) -> int:
    if isinstance(module, nn.Conv2d):
        return out[0].numel() * module.weight[0].numel()  # Cin/groups * kh * kw per output element
    return module.in_features * module.out_features


def _weighted(module: nn.Module) -> bool:
    return isinstance(module, (nn.Conv2d, nn.Linear))


def sample_macs(config: TrainConfig) -> int:
    """Multiply-adds of one forward pass of one sample (convolutions and linear layers)."""
    return _per_sample(config, "macs", _weighted, _macs)


def weighted_layers(config: TrainConfig) -> int:
    """Convolutions and linear layers one forward pass calls."""
    return _per_sample(config, "layers", _weighted, lambda _m, _out: 1)


GPU_MEMORY_SHARE = 0.25
"""On a GPU a group is formed only while :data:`MAX_GROUP` members' activations, kept for the
backward pass, fit in this share of the device's memory (:func:`fits_on_device`)."""


def sample_activations(config: TrainConfig) -> int:
    """Output elements of every leaf module in one forward pass of one sample: what training keeps
    per sample for the backward pass, to within the autograd's own bookkeeping."""
    return _per_sample(config, "activations", lambda m: not list(m.children()), lambda _m, out: out[0].numel())


def fits_on_device(config: TrainConfig, total_memory: int, members: int = MAX_GROUP) -> bool:
    """Whether ``members`` networks of ``config``'s shape, as one group, keep their activations
    (float32, with their gradients: 2 x 4 bytes an element) within :data:`GPU_MEMORY_SHARE` of
    ``total_memory`` bytes. One by one, a member needs a sixth of that; a group that would not
    fit is trained so (ResNet18 at K's gpu width 32 and batch 1024 is such a case)."""
    need = members * config.batch_size * sample_activations(config) * 8
    return need <= GPU_MEMORY_SHARE * total_memory


def pays(config: TrainConfig, device: torch.device) -> bool:
    """Whether training a group of ``config``'s shape is faster than one by one on ``device``.

    On a GPU small networks leave the device idle, so grouping is taken to pay (measured on an
    H200 for K's cells at batch 16: 8.3-9.0x; bench/RESULTS.md) wherever the group's activations
    fit (:func:`fits_on_device`; not measured for large networks at large batches, where a
    single network already fills the device).
    On the CPU the gain shrinks as a step's work grows (a big batch already fills the cores):
    the rule is ``batch_size * sample_macs(config) <= CPU_MAX_STEP_MACS`` (2e8), from
    ``bench/grouped_training.py`` on 2 cores (K's cells, 200 steps at batch 16, 50 at 64, 20 at
    256, quiet machine; bench/RESULTS.md), grouped against one by one for G = 3, 6, 12:

    - batch 16 (1.6e7-4.9e7 per step): M1-K 1.37-1.54x, StdCNN 2.12-2.83x, C1 1.45-1.57x;
    - batch 64 (6.4e7-2.0e8): M1-K 1.18-1.27x, StdCNN 1.54-1.68x, C1 1.10-1.48x;
    - batch 256 (2.6e8-7.8e8): M1-K 0.92-1.03x, StdCNN 1.02-1.57x, C1 0.80-1.04x: slower
      in places, so not grouped.

    A deep network of thin layers pays above that total: ResNet18 (21 layers) at K's cpu width 8,
    G = 3 and 6 (2026-12-06, 2 cores, idle): batch 32 (2.8e8 a step, 1.4e7 a layer) 1.41x and 1.69x;
    batch 64 (5.7e8, 2.7e7 a layer) 1.15x and 1.28x over 25 steps, 1.47x for G = 6 over 100; width
    16 at batch 16 (5.6e8, 2.7e7 a layer) 1.19x and 1.31x. So a group also forms while
    ``batch_size * sample_macs / weighted_layers <= CPU_MAX_LAYER_MACS`` (3e7), a clause the
    networks above meet only where their total does too (M1-K at batch 256: 6.9e7 a layer; StdCNN
    4.3e7; C1 1.6e8): of the book's models it adds ResNet18 alone.
    """
    if device.type == "cuda":
        return fits_on_device(config, torch.cuda.get_device_properties(device).total_memory)
    if device.type != "cpu":
        return True
    step = config.batch_size * sample_macs(config)
    return step <= CPU_MAX_STEP_MACS or step / weighted_layers(config) <= CPU_MAX_LAYER_MACS


def groupable(configs: Sequence[TrainConfig], device: torch.device | None = None) -> bool:
    """True when ``configs`` (two or more) can be trained as one group on ``device`` and it
    pays: the same :func:`group_key` (not None) and :func:`pays`; grouping switched on."""
    if len(configs) < 2 or not grouping_enabled():
        return False
    keys = {group_key(c) for c in configs}
    if len(keys) != 1 or None in keys:
        return False
    return pays(configs[0], device if device is not None else pick_device("auto"))


def partition(configs: Sequence[TrainConfig], device: torch.device | None = None,
              max_group: int = MAX_GROUP) -> list[list[TrainConfig]]:
    """Distinct ``configs`` split into groups (by :func:`group_key`, at most ``max_group``
    members, members of similar length together) and singletons (trained one by one)."""
    device = device if device is not None else pick_device("auto")
    distinct = list({canonical_json(c): c for c in configs}.values())
    by_key: dict[str | None, list[TrainConfig]] = {}
    for c in distinct:
        key = group_key(c) if grouping_enabled() else None
        by_key.setdefault(key, []).append(c)
    out: list[list[TrainConfig]] = []
    for key, members in by_key.items():
        if key is None or not pays(members[0], device):
            out += [[c] for c in members]
            continue
        members = sorted(members, key=lambda c: (c.max_epochs or 0, c.max_iterations or 0))
        n_groups = math.ceil(len(members) / max_group)
        size = math.ceil(len(members) / n_groups)
        out += [members[i:i + size] for i in range(0, len(members), size)]
    return out


# ----------------------------------------------------------------------------- the stacked network


class GroupedNet:
    """G networks of one architecture (a supported ``nn.Sequential``, or ResNet18) as stacked
    tensors and one forward.

    ``tensors`` maps each state-dict name of the single network to a tensor with a leading
    member dimension; the parameters among them are leaf tensors that require grad.
    """

    def __init__(self, template: nn.Module, states: Sequence[Mapping[str, torch.Tensor]], input_ndim: int,
                 device: torch.device) -> None:
        plan = _plan(template, input_ndim)
        if plan is None:
            raise ParameterError(f"{type(template).__name__}: not grouped-trainable (accepted: an nn.Sequential "
                                 "of the supported layers, or ResNet18)")
        self.plan = plan
        self.input_ndim = input_ndim
        self.param_names = [n for n, _ in template.named_parameters()]
        self.names = list(template.state_dict().keys())
        self.tensors = {k: torch.stack([s[k].detach() for s in states]).to(device) for k in self.names}
        for k in self.param_names:
            self.tensors[k].requires_grad_(True)

    @property
    def size(self) -> int:
        return next(iter(self.tensors.values())).shape[0]

    @property
    def params(self) -> list[torch.Tensor]:
        return [self.tensors[k] for k in self.param_names]

    def member_state(self, g: int) -> dict[str, torch.Tensor]:
        """Member ``g``'s state dict (CPU copies), as ``model.state_dict()`` of the single net."""
        return {k: self.tensors[k][g].detach().cpu().clone().contiguous() for k in self.names}

    def keep(self, index: Sequence[int]) -> None:
        """Keep only the members ``index`` (in that order)."""
        idx = torch.tensor(list(index), dtype=torch.long, device=next(iter(self.tensors.values())).device)
        for k in self.names:
            kept = self.tensors[k].detach().index_select(0, idx)
            self.tensors[k] = kept.requires_grad_(True) if k in self.param_names else kept

    def forward(self, x: torch.Tensor, training: bool = True,
                dropout_mask: Callable[[tuple[int, ...], float], list[torch.Tensor]] | None = None) -> torch.Tensor:
        """Logits ``(G, B, classes)`` of inputs ``x`` ``(B, G, *input_shape)`` (member g's batch
        at ``x[:, g]``). ``dropout_mask(shape, p)`` returns each member's scaled mask of one
        member's ``shape`` (required for dropout in training)."""
        G, B = self.size, x.shape[0]
        if self.input_ndim == 3:
            h = x.reshape(B, G * x.shape[2], *x.shape[3:]).contiguous(memory_format=torch.channels_last)
        else:
            h = x.transpose(0, 1)
        return self._run(self.plan, h, B, training, dropout_mask)

    def _run(self, steps: Sequence[Step], h: torch.Tensor, B: int, training: bool, dropout_mask) -> torch.Tensor:
        t, G = self.tensors, self.size
        for kind, layer, p in steps:
            if kind == "normalize":
                h = (h - t[p + "mean"].reshape(1, -1, 1, 1)) / t[p + "std"].reshape(1, -1, 1, 1)
            elif kind == "conv":
                w = t[p + "weight"]
                bias = t[p + "bias"].reshape(-1) if p + "bias" in t else None
                h = F.conv2d(h, w.reshape(-1, *w.shape[2:]), bias, layer.stride, layer.padding, layer.dilation, G)
            elif kind == "bn":
                h = F.batch_norm(h, t[p + "running_mean"].view(-1), t[p + "running_var"].view(-1),
                                 t[p + "weight"].reshape(-1), t[p + "bias"].reshape(-1), training,
                                 layer.momentum, layer.eps)
                if training:
                    t[p + "num_batches_tracked"].add_(1)
            elif kind == "residual":
                main, shortcut = layer
                out = self._run(main, h, B, training, dropout_mask)
                h = torch.relu(out + (self._run(shortcut, h, B, training, dropout_mask) if shortcut else h))
            elif kind == "flatten":
                h = h.reshape(B, G, -1).transpose(0, 1)
            elif kind == "linear":
                w = t[p + "weight"]
                if p + "bias" in t:
                    h = torch.baddbmm(t[p + "bias"].unsqueeze(1), h, w.transpose(1, 2))
                else:
                    h = torch.bmm(h, w.transpose(1, 2))
            elif kind == "dropout":
                if training and layer.p > 0:
                    h = h * self._mask(h, layer.p, dropout_mask)
            else:
                h = layer(h)
        return h

    def _mask(self, h: torch.Tensor, p: float, dropout_mask) -> torch.Tensor:
        G = self.size
        if p >= 1:
            return torch.zeros((), dtype=h.dtype, device=h.device)
        if dropout_mask is None:
            raise ValueError("GroupedNet.forward: dropout in training needs dropout_mask")
        if h.shape[0] == G and h.ndim == 3:  # flat (G, B, F)
            return torch.stack(dropout_mask(tuple(h.shape[1:]), p))
        B, GC = h.shape[:2]
        masks = dropout_mask((B, GC // G, *h.shape[2:]), p)
        return torch.stack(masks, dim=1).reshape(h.shape)


# ----------------------------------------------------------------------------- SGD across members


class GroupedSGD:
    """``torch.optim.SGD`` (momentum, weight decay; no dampening or Nesterov, as the engine)
    applied to stacked parameters, each member with its own lr, momentum and weight decay.

    Momentum buffers start at zero, so the first step's ``buf = 0 * m + d_p`` equals PyTorch's
    ``buf = d_p.clone()``; members without momentum step with ``d_p`` itself, as PyTorch does
    (also when it is not finite, so a diverging member's parameters go where they would alone).
    """

    def __init__(self, params: Sequence[torch.Tensor], momentum: Sequence[float],
                 weight_decay: Sequence[float]) -> None:
        self.momentum = list(momentum)
        self.weight_decay = list(weight_decay)
        self.buffers: list[torch.Tensor | None] = [
            torch.zeros_like(p, requires_grad=False) if any(self.momentum) else None for p in params]
        self.started = [False] * len(self.momentum)
        """Whether member g has a momentum buffer (PyTorch: after its first step)."""
        self._views: dict[tuple[str, int], torch.Tensor] = {}
        self._lrs: tuple[float, ...] | None = None

    def _view(self, name: str, values: Sequence[float], ndim: int, like: torch.Tensor) -> torch.Tensor:
        key = (name, ndim)
        if key not in self._views:
            self._views[key] = torch.tensor(values, dtype=like.dtype, device=like.device).view(-1, *[1] * (ndim - 1))
        return self._views[key]

    def keep(self, index: Sequence[int], params: Sequence[torch.Tensor]) -> None:
        self.momentum = [self.momentum[i] for i in index]
        self.weight_decay = [self.weight_decay[i] for i in index]
        self.started = [self.started[i] for i in index]
        idx = torch.tensor(list(index), dtype=torch.long, device=params[0].device)
        self.buffers = [b.index_select(0, idx) if b is not None else None for b in self.buffers]
        self._views.clear()
        self._lrs = None

    @torch.no_grad()
    def step(self, params: Sequence[torch.Tensor], grads: Sequence[torch.Tensor], lrs: Sequence[float]) -> None:
        """One step. On the CPU a large tensor (at least :data:`MEMBER_LOOP_NUMEL` per member,
        :func:`member_loop`) is updated member by member, with PyTorch's own operations (bit-identical to ``torch.optim.SGD``):
        one member's slices stay in the cache across the three operations, where one pass over
        all members would not (M1-K's 980x500 weight: 2 MB a member). Small tensors are updated
        for all members at once; there rounding differs from PyTorch's by an ulp where one pass
        replaces two (``addcmul`` for ``buf * m + d_p``) and where learning rates differ
        (``p + d_p * -lr`` instead of a fused multiply-add)."""
        lrs = tuple(lrs)
        if lrs != self._lrs:
            self._views = {k: v for k, v in self._views.items() if k[0] != "neg_lr"}
            self._lrs = lrs
        wd_all = set(self.weight_decay)
        no_momentum = [g for g, m in enumerate(self.momentum) if m == 0]
        for i, (p, d_p) in enumerate(zip(params, grads)):
            buf = self.buffers[i]
            if member_loop(p):
                for g, (lr, m, wd) in enumerate(zip(lrs, self.momentum, self.weight_decay)):
                    step = d_p[g] if wd == 0 else d_p[g].add(p[g], alpha=wd)
                    if m != 0:
                        step = buf[g].mul_(m).add_(step)  # type: ignore[index]
                    p[g].add_(step, alpha=-lr)
                continue
            if wd_all != {0.0}:
                if len(wd_all) == 1:
                    d_p = d_p.add(p, alpha=self.weight_decay[0])
                else:
                    d_p = torch.addcmul(d_p, p, self._view("wd", self.weight_decay, p.ndim, p))
            if buf is not None:
                torch.addcmul(d_p, buf, self._view("mom", self.momentum, p.ndim, p), out=buf)
                for g in no_momentum:  # PyTorch steps these with d_p itself (also when not finite)
                    buf[g].copy_(d_p[g])
                d_p = buf
            if len(set(lrs)) == 1:
                p.add_(d_p, alpha=-lrs[0])
            else:
                p.addcmul_(d_p, self._view("neg_lr", [-lr for lr in lrs], p.ndim, p))
        self.started = [True] * len(self.started)

    @torch.no_grad()
    def graph_step(self, params: Sequence[torch.Tensor], grads: Sequence[torch.Tensor],
                   neg_lr: torch.Tensor) -> None:
        """:meth:`step` with every member's learning rate read from the tensor ``neg_lr`` (``-lr``
        per member, shape ``(G,)``) and no host-side branch on its values, so that it can be
        captured once in a CUDA graph and replayed as the rates change. Every tensor in one pass
        (the accelerator's update); the same arithmetic as :meth:`step`'s pass, the update always
        ``p + d_p * -lr`` (an ulp from ``torch.optim.SGD``'s fused form, as there with rates that
        differ). The weight-decay and momentum views must exist already (:meth:`prepare_views`)."""
        wd_all = set(self.weight_decay)
        no_momentum = [g for g, m in enumerate(self.momentum) if m == 0]
        for i, (p, d_p) in enumerate(zip(params, grads)):
            buf = self.buffers[i]
            if wd_all != {0.0}:
                d_p = torch.addcmul(d_p, p, self._views["wd", p.ndim])
            if buf is not None:
                torch.addcmul(d_p, buf, self._views["mom", p.ndim], out=buf)
                for g in no_momentum:
                    buf[g].copy_(d_p[g])
                d_p = buf
            p.addcmul_(d_p, neg_lr.view(-1, *[1] * (p.ndim - 1)))

    def prepare_views(self, params: Sequence[torch.Tensor]) -> None:
        """Make the weight-decay and momentum views :meth:`graph_step` reads (a graph cannot
        copy host values while it is captured)."""
        for p in params:
            self._view("wd", self.weight_decay, p.ndim, p)
            self._view("mom", self.momentum, p.ndim, p)

    def member_buffers(self, g: int) -> list[torch.Tensor] | None:
        """Member g's momentum buffers as PyTorch holds them (None: no momentum or no step yet)."""
        if self.momentum[g] == 0 or not self.started[g] or self.buffers[0] is None:
            return None
        return [b[g] for b in self.buffers]  # type: ignore[index]

    @torch.no_grad()
    def load_member(self, g: int, buffers: Sequence[torch.Tensor] | None) -> None:
        if buffers is None or self.buffers[0] is None:
            return
        for b, v in zip(self.buffers, buffers):
            b[g].copy_(v)  # type: ignore[index]
        self.started[g] = True


# ----------------------------------------------------------------------------- one member


@dataclass
class _Member:
    """A member's own part of the run: what ``_run`` keeps in local variables for one network."""

    config: TrainConfig
    st: _State
    generator: torch.Generator
    rng: dict[str, torch.Tensor]
    checkpoint: Any
    metrics: dict[str, Any]
    eval_data: hdata.ImageData | None
    seconds: float = 0.0
    lr_now: float = 0.0
    steps: int = 0
    """Steps of the current epoch."""
    period_start: float = field(default_factory=time.perf_counter)
    epoch_start: float = field(default_factory=time.perf_counter)
    done: bool = False


@contextlib.contextmanager
def _member_rng(member: _Member, device: torch.device) -> Iterator[None]:
    """Run with the global RNG in member's stream (dropout, metrics), then keep its new state."""
    _set_rng_state(member.rng, device)
    try:
        yield
    finally:
        member.rng = _rng_state(device)


def _optimizer_state(net: nn.Module, member: _Member, buffers: list[torch.Tensor] | None) -> dict:
    """The member's optimizer state dict exactly as ``torch.optim.SGD`` in ``train`` writes it."""
    c = member.config
    opt = torch.optim.SGD(net.parameters(), lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay)
    for group in opt.param_groups:
        group["lr"] = member.lr_now if member.st.iteration else c.lr
    if buffers is not None:
        for p, b in zip(net.parameters(), buffers):
            opt.state[p]["momentum_buffer"] = b.detach().clone()
    return opt.state_dict()


def _optimizer_buffers(net: nn.Module, config: TrainConfig, saved: Mapping) -> list[torch.Tensor] | None:
    opt = torch.optim.SGD(net.parameters(), lr=config.lr, momentum=config.momentum,
                          weight_decay=config.weight_decay)
    opt.load_state_dict(saved)
    params = list(net.parameters())
    if not all("momentum_buffer" in opt.state.get(p, {}) and opt.state[p]["momentum_buffer"] is not None
               for p in params):
        return None
    return [opt.state[p]["momentum_buffer"] for p in params]


# ----------------------------------------------------------------------------- the group run


@dataclass(frozen=True)
class _Setup:
    """What every member shares."""

    template: nn.Module
    train_data: hdata.ImageData
    device: torch.device
    iters_per_epoch: int
    augment: bool


class _Group:
    """The training loop of :func:`hessbook.train._run`, run for G members at once."""

    def __init__(self, configs: Sequence[TrainConfig], store: ResultStore, device: torch.device,
                 checkpoint_interval: float, on_stored: Callable[[TrainConfig, dict, float], None]) -> None:
        first = configs[0]
        train_data = load_data(first.data, device)
        n = len(train_data)
        if first.batch_size > n:
            raise ParameterError(
                f"TrainConfig: batch_size = {first.batch_size} exceeds the training set ({n}); "
                f"use batch_size = {n} for gradient descent")
        template = build_model(first.model, **dict(first.model_kwargs)).to(device)
        self.setup = _Setup(template, train_data, device, math.ceil(n / first.batch_size), first.data.augment)
        self.store, self.interval, self.on_stored = store, checkpoint_interval, on_stored
        eval_cache: dict[str, hdata.ImageData] = {}
        members, states, buffers = [], [], []
        for c in configs:
            member, state, buf = self._start(c, eval_cache)
            members.append(member)
            states.append(state)
            buffers.append(buf)
        self.members: list[_Member] = members
        self.net = GroupedNet(template, states, _input_ndim(first), device)
        self.opt = GroupedSGD(self.net.params, [c.momentum for c in configs], [c.weight_decay for c in configs])
        for g, buf in enumerate(buffers):
            self.opt.load_member(g, buf)
        self.has_dropout = any(kind == "dropout" and layer.p > 0 for kind, layer, _ in self.net.plan)
        self.graphs: _StepGraphs | None = (_StepGraphs() if uses_graph(device)
                                           else None)
        self.last_save = time.monotonic()
        self.clock = time.perf_counter()

    # -- members: start, resume, finish -------------------------------------------------------------
    def _fresh(self, c: TrainConfig) -> tuple[dict[str, torch.Tensor], torch.Generator, dict]:
        """As ``_initial_model`` and ``fresh()`` in :mod:`hessbook.train`: init from ``seed``."""
        device = self.setup.device
        torch.manual_seed(c.seed)
        net = build_model(c.model, **dict(c.model_kwargs))
        if c.init_from is not None:
            net.load_state_dict(train(c.init_from, store=self.store, device=device).state)
        state = {k: v.to(device) for k, v in net.state_dict().items()}
        gen = torch.Generator().manual_seed(c.seed)
        torch.manual_seed(c.seed + 1)
        return state, gen, _rng_state(device)

    def _start(self, c: TrainConfig, eval_cache: dict) -> tuple[_Member, dict, list | None]:
        metrics = {name: _metric(name) for name in metric_names(c)}
        eval_data = None
        if c.eval_data is not None:
            key = canonical_json(c.eval_data)
            if key not in eval_cache:
                eval_cache[key] = load_data(c.eval_data, self.setup.device)
            eval_data = eval_cache[key]
        checkpoint = self.store.checkpoint(STORE_KIND, c)
        state, gen, rng = self._fresh(c)
        member = _Member(c, _State(), gen, rng, checkpoint, metrics, eval_data)
        saved = checkpoint.load()
        if saved is None:
            return member, state, None
        try:
            _, blob = saved
            net = self.setup.template
            net.load_state_dict(blob["model"])
            buffers = _optimizer_buffers(net, c, blob["optimizer"])
            gen.set_state(blob["generator"])
            member.rng = {k: v for k, v in blob["rng"].items()}
            member.st = _State(**blob["progress"])
            member.lr_now = c.lr
            return member, {k: v.detach().clone() for k, v in net.state_dict().items()}, buffers
        except (RuntimeError, KeyError, TypeError, ValueError) as exc:
            set_aside_unfit(checkpoint, c.model, exc)
            state, gen, rng = self._fresh(c)
            return _Member(c, _State(), gen, rng, checkpoint, metrics, eval_data), state, None

    def _network(self, g: int) -> nn.Module:
        """Member g's network as ``train`` holds it (the shared template, loaded with its state)."""
        net = self.setup.template
        net.load_state_dict({k: v[g].detach() for k, v in self.net.tensors.items()})
        return net

    def _charge(self) -> None:
        """Split the wall time since the last charge among the members still training."""
        now = time.perf_counter()
        share = (now - self.clock) / max(1, len(self.members))
        for m in self.members:
            m.seconds += share
        self.clock = now

    def _finish(self, g: int) -> None:
        """Store member g as ``train`` would (same record, same key) and mark it done."""
        m = self.members[g]
        result = {
            "history": m.st.history, "stop_reason": m.st.stop_reason, "diverged_epoch": m.st.diverged_epoch,
            "epochs": m.st.epoch, "iterations": m.st.iteration, "model": self.net.member_state(g),
        }
        m.done = True
        self.on_stored(m.config, result, m.seconds)

    def _drop_done(self) -> None:
        """Store and remove the members that stopped; the others go on."""
        if not any(m.done or m.st.stop_reason is not None for m in self.members):
            return
        self._charge()
        for g, m in enumerate(self.members):
            if m.st.stop_reason is not None and not m.done:
                self._finish(g)
        keep = [g for g, m in enumerate(self.members) if not m.done]
        if keep:
            self.net.keep(keep)
            self.opt.keep(keep, self.net.params)
            if self.graphs is not None:
                self.graphs.clear()  # captured on the tensors just replaced
            self._perms = self._perms.index_select(0, torch.tensor(keep, device=self._perms.device)) \
                if getattr(self, "_perms", None) is not None else None
            self._loss_sum = self._loss_sum[keep] if getattr(self, "_loss_sum", None) is not None else None
            self._period_sum = self._period_sum[keep] if getattr(self, "_period_sum", None) is not None else None
        self.members = [self.members[g] for g in keep]

    # -- the engine's per-member code -------------------------------------------------------------
    def _record(self, g: int, entry: dict[str, Any], train_eval: tuple[float, float] | None = None) -> None:
        """``record`` of ``_run``: metrics on member g's network (eval mode), loss target."""
        m = self.members[g]
        if not m.metrics and m.config.loss_target is None:
            return
        net = self._network(g).eval()
        ctx = EpochContext(net, self.setup.train_data, m.eval_data, self.setup.device, m.st.epoch,
                           m.st.iteration, m.config, m.st.history)
        if train_eval is not None:
            ctx._cache["train"] = train_eval
        with _member_rng(m, self.setup.device):
            for name, fn in m.metrics.items():
                entry[name] = float(fn(net, ctx))
        net.train()
        if m.config.loss_target is not None and entry["train_loss"] <= m.config.loss_target:
            m.st.stop_reason = "loss_target"
        if "train_loss" in entry:
            m.st.levels_passed = levels_passed(m.config, m.st.levels_passed, entry["train_loss"])

    def _period_record(self, g: int, epoch: float, epoch_number: int,
                       train_eval: tuple[float, float] | None = None) -> None:
        """``period_record`` of ``_run`` for member g."""
        m = self.members[g]
        running = float(self._period_sum[g]) / m.st.period_steps
        entry = {"epoch": epoch, "iteration": m.st.iteration, "lr": m.lr_now, "train_loss_running": running}
        if not math.isfinite(running):
            m.st.diverged_epoch, m.st.stop_reason = epoch_number, "diverged"
        else:
            self._record(g, entry, train_eval)
        entry["seconds"] = time.perf_counter() - m.period_start
        m.st.history.append(entry)
        self._period_sum[g] = 0.0
        m.st.period_steps = 0
        m.period_start = time.perf_counter()

    def _level_record(self, g: int) -> None:
        """``level_record`` of ``_run`` for member g (at the end of a whole epoch)."""
        m = self.members[g]
        if m.st.levels_passed == len(m.config.record_below) or not m.st.period_steps:
            return
        train_eval = evaluate(self._network(g), self.setup.train_data, self.setup.device)
        passed = levels_passed(m.config, m.st.levels_passed, train_eval[0])
        if passed > m.st.levels_passed:
            m.st.levels_passed = passed
            self._period_record(g, m.st.epoch, m.st.epoch, train_eval)

    def _after_step(self, g: int) -> bool:
        """Per-member bookkeeping after a step (record_every periods, iteration budget).
        True when the member leaves the epoch's loop (``break`` in ``_run``)."""
        m, every = self.members[g], self.members[g].config.record_every
        ipe = self.setup.iters_per_epoch
        m.steps += 1
        m.st.iteration += 1
        if every is not None:
            m.st.period_steps += 1
            if records_at(m.config, m.st.iteration):
                self._period_record(g, m.st.epoch + m.steps / ipe, m.st.epoch + 1)
                if m.st.stop_reason is not None:
                    return True
        return m.config.max_iterations is not None and m.st.iteration >= m.config.max_iterations

    def _end_epoch(self, g: int) -> None:
        """The end of an epoch in ``_run`` for member g (its history entry, divergence)."""
        m = self.members[g]
        m.st.epoch += 1
        running = float(self._loss_sum[g]) / m.steps
        if m.config.record_every is None:
            entry: dict[str, Any] = {"epoch": m.st.epoch, "iteration": m.st.iteration, "lr": m.lr_now,
                                     "train_loss_running": running}
            if not math.isfinite(running):
                m.st.diverged_epoch, m.st.stop_reason = m.st.epoch, "diverged"
            else:
                self._record(g, entry)
            entry["seconds"] = time.perf_counter() - m.epoch_start
            m.st.history.append(entry)
        else:
            if m.st.stop_reason is None and not math.isfinite(running):
                m.st.diverged_epoch, m.st.stop_reason = m.st.epoch, "diverged"
                m.st.history.append({"epoch": m.st.epoch, "iteration": m.st.iteration, "lr": m.lr_now,
                                     "train_loss_running": running,
                                     "seconds": time.perf_counter() - m.period_start})
            elif m.st.stop_reason is None and m.steps == self.setup.iters_per_epoch:
                self._level_record(g)
            m.st.period_loss = float(self._period_sum[g])

    def _save_checkpoints(self) -> None:
        if time.monotonic() - self.last_save < self.interval:
            return
        for g, m in enumerate(self.members):
            if m.st.stop_reason is not None:
                continue  # stored right away
            net = self._network(g)
            m.checkpoint.save(m.st.epoch, {
                "model": {k: v.detach().clone() for k, v in net.state_dict().items()},
                "optimizer": _optimizer_state(net, m, self.opt.member_buffers(g)),
                "generator": m.generator.get_state(), "rng": m.rng,
                "progress": dataclasses.asdict(m.st),
            })
        self.last_save = time.monotonic()

    # -- the hot loop -------------------------------------------------------------------------------
    def _inputs(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs ``(B, G, ...)`` and labels ``(G, B)`` of the members' batches ``index (G, B)``."""
        data_ = self.setup.train_data
        if self.setup.augment:
            raw = torch.stack([hdata.augment_cifar(data_.images[index[g]], m.generator)
                               for g, m in enumerate(self.members)], dim=1)
        else:
            raw = data_.images[index.t()]
        x = raw.to(torch.float32).div_(255.0) if raw.dtype == torch.uint8 else raw.to(torch.float32)
        return x, data_.labels[index]

    def _dropout_mask(self, shape: tuple[int, ...], p: float) -> list[torch.Tensor]:
        """Each member's dropout mask, drawn as ``F.dropout`` draws it alone, from its own stream."""
        ones = torch.ones(shape, device=self.setup.device)
        masks = []
        for m in self.members:
            with _member_rng(m, self.setup.device):
                masks.append(F.dropout(ones, p, training=True))
        return masks

    def _step(self, index: torch.Tensor) -> torch.Tensor:
        """One SGD step of every member on its batch ``index (G, B)``; the members' losses (G,)."""
        if self.graphs is not None:
            return self.graphs.step(self, index)
        return self._eager_step(index)

    def _eager_step(self, index: torch.Tensor) -> torch.Tensor:
        x, y = self._inputs(index)
        return self._train_step(x, y, self._dropout_mask if self.has_dropout else None)

    def _train_step(self, x: torch.Tensor, y: torch.Tensor,
                    dropout_mask: Callable[[tuple[int, ...], float], list[torch.Tensor]] | None,
                    neg_lr: torch.Tensor | None = None) -> torch.Tensor:
        """Forward, backward and update of inputs ``x (B, G, ...)``, labels ``y (G, B)``; the
        rates are the members' ``lr_now`` or, for a graph, the tensor ``neg_lr`` (``-lr``)."""
        G, B = y.shape
        out = self.net.forward(x, True, dropout_mask)
        losses = F.cross_entropy(out.reshape(G * B, -1), y.reshape(-1), reduction="none").view(G, B).mean(1)
        params = self.net.params
        grads = torch.autograd.grad(losses.sum(), params)
        if neg_lr is None:
            self.opt.step(params, grads, [m.lr_now for m in self.members])
        else:
            self.opt.graph_step(params, grads, neg_lr)
        return losses.detach().float()

    def _set_lrs(self) -> None:
        ipe = self.setup.iters_per_epoch
        for m in self.members:
            c = m.config
            m.lr_now = hlr.lr_at(c.lr_rule, m.st.epoch, m.st.iteration, lr=c.lr, batch_size=c.batch_size,
                                 iters_per_epoch=ipe, params=c.lr_params)

    def run(self) -> None:
        device, n = self.setup.device, len(self.setup.train_data)
        batch = self.members[0].config.batch_size
        self._perms = None
        self._loss_sum = None
        self._period_sum = torch.tensor([m.st.period_loss for m in self.members], dtype=torch.float64,
                                        device=device)
        total = max(m.config.max_epochs or math.ceil((m.config.max_iterations or 1) / self.setup.iters_per_epoch)
                    for m in self.members)
        bar = progress(range(total), desc=f"train {len(self.members)} x {self.members[0].config.model} as one",
                       total=total)
        bar_iter = iter(bar)
        self._drop_done()  # members resumed after they stopped
        while self.members:
            for m in self.members:
                reason = _stop_before_epoch(m.config, m.st)
                if reason is not None:
                    m.st.stop_reason = reason
            self._drop_done()
            if not self.members:
                break
            start = time.perf_counter()
            for m in self.members:
                m.steps, m.epoch_start = 0, start
            self._perms = torch.stack([torch.randperm(n, generator=m.generator) for m in self.members]).to(device)
            self._loss_sum = torch.zeros(len(self.members), dtype=torch.float64, device=device)
            for s in range(0, n, batch):
                self._set_lrs()
                losses = self._step(self._perms[:, s:s + batch])
                self._loss_sum += losses
                self._period_sum += losses
                leaving = [g for g in range(len(self.members)) if self._after_step(g)]
                if leaving:
                    for g in leaving:
                        self._end_epoch(g)
                        m = self.members[g]
                        if m.st.stop_reason is None:  # the iteration budget: stopped before the next epoch
                            m.st.stop_reason = _stop_before_epoch(m.config, m.st)
                    self._drop_done()
                    if not self.members:
                        break
            else:
                for g in range(len(self.members)):
                    self._end_epoch(g)
            self._charge()
            self._save_checkpoints()
            self._drop_done()
            next(bar_iter, None)
        if hasattr(bar, "close"):
            bar.close()


@contextlib.contextmanager
def _on_stream(device: torch.device, side: Any) -> Iterator[None]:
    """Run on the side stream ``side`` of a CUDA ``device`` (warm-up before a capture), joined
    to the current stream after, also when the step raises; on other devices, as is."""
    if device.type != "cuda":
        yield
        return
    current = torch.cuda.current_stream(device)
    side.wait_stream(current)
    try:
        with torch.cuda.device(device), torch.cuda.stream(side):
            yield
    finally:
        current.wait_stream(side)


def record_graph(body: Callable[[], torch.Tensor], device: torch.device) -> tuple[Callable[[], None], torch.Tensor]:
    """``body`` captured as a CUDA graph on ``device`` (made current while capturing: the capture
    stream is the current device's, so ``cuda:1`` with ``cuda:0`` current would record nothing):
    (its replay, the tensor it returns, rewritten by each replay). Capturing runs nothing; each
    replay runs the recorded kernels on the tensors they were recorded on."""
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.device(device), torch.cuda.graph(graph):
        out = body()
    return graph.replay, out


@dataclass
class _Captured:
    """One batch shape's captured step: the graph and the static tensors it reads and writes."""

    replay: Callable[[], None]
    x: torch.Tensor
    y: torch.Tensor
    masks: list[list[torch.Tensor]]
    """Each dropout layer's per-member masks, in the order the forward asks for them."""
    losses: torch.Tensor


class _StepGraphs:
    """A group's step (forward, backward, update) as one CUDA graph per batch shape (the last
    batch of an epoch may be smaller), captured after :data:`GRAPH_WARMUP` eager steps of that
    shape. Everything drawn from a member's own random stream stays on the host side of the
    graph, in the eager order: the batch (with its augmentation) and each dropout layer's masks
    are made eagerly and copied into the graph's static inputs, with the learning rates. The
    captured graphs read the group's parameter tensors: :meth:`clear` when members leave."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, ...], int] = {}
        self.mask_shapes: dict[tuple[int, ...], list[tuple[tuple[int, ...], float]]] = {}
        self.captured: dict[tuple[int, ...], _Captured] = {}
        self.neg_lr: torch.Tensor | None = None
        self.rates: tuple[float, ...] = ()
        self.side: Any = None
        """The warm-up's side stream (one, reused: each CUDA stream holds its own cuBLAS workspace)."""

    def clear(self) -> None:
        self.seen.clear()
        self.mask_shapes.clear()
        self.captured.clear()
        self.neg_lr, self.rates = None, ()

    def _rates(self, group: _Group) -> torch.Tensor:
        """The static ``-lr`` per member, copied from the host only when a rate changed."""
        rates = tuple(-m.lr_now for m in group.members)
        device = group.setup.device
        if self.neg_lr is None:
            self.neg_lr = torch.tensor(rates, dtype=torch.float32, device=device)
        elif rates != self.rates:
            host = torch.tensor(rates, dtype=torch.float32)
            # from pinned memory (a new buffer each time) the copy does not wait for the queued steps
            self.neg_lr.copy_(host.pin_memory() if device.type == "cuda" else host, non_blocking=device.type == "cuda")
        self.rates = rates
        return self.neg_lr

    @staticmethod
    def _draw(group: _Group, shapes: list[tuple[tuple[int, ...], float]]) -> list[list[torch.Tensor]]:
        return [group._dropout_mask(shape, p) for shape, p in shapes]

    def step(self, group: _Group, index: torch.Tensor) -> torch.Tensor:
        x, y = group._inputs(index)
        key = tuple(x.shape)
        if key in self.captured:
            cap = self.captured[key]
            cap.x.copy_(x)
            cap.y.copy_(y)
            for statics, masks in zip(cap.masks, self._draw(group, self.mask_shapes[key])):
                for static, mask in zip(statics, masks):
                    static.copy_(mask)
            self._rates(group)
            cap.replay()
            group.opt.started = [True] * len(group.members)
            return cap.losses.clone()  # the static output: the next replay rewrites it
        self.seen[key] = self.seen.get(key, 0) + 1
        if self.seen[key] <= GRAPH_WARMUP:
            return self._warm_up(group, key, x, y)
        return self._capture(group, key, x, y)

    def _warm_up(self, group: _Group, key: tuple[int, ...], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """An eager step on a side stream (CUDA's recipe before a capture), noting the shapes of
        the dropout masks the forward asks for."""
        shapes: list[tuple[tuple[int, ...], float]] = []

        def noting(shape: tuple[int, ...], p: float) -> list[torch.Tensor]:
            shapes.append((shape, p))
            return group._dropout_mask(shape, p)

        device = group.setup.device
        if self.side is None and device.type == "cuda":
            self.side = torch.cuda.Stream(device)
        with _on_stream(device, self.side):
            losses = group._train_step(x, y, noting if group.has_dropout else None)
        self.mask_shapes[key] = shapes
        return losses

    def _capture(self, group: _Group, key: tuple[int, ...], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Record this step as a graph on static copies of its inputs, then replay it once
        (capturing only records; the replay takes the step)."""
        masks = self._draw(group, self.mask_shapes[key])
        neg_lr = self._rates(group)
        group.opt.prepare_views(group.net.params)
        sx, sy = x.clone(), y.clone()

        def body() -> torch.Tensor:
            asked = iter(masks)  # the forward asks for the layers' masks in the order noted
            return group._train_step(sx, sy, (lambda shape, p: next(asked)) if group.has_dropout else None, neg_lr)

        replay, losses = record_graph(body, group.setup.device)
        self.captured[key] = _Captured(replay, sx, sy, masks, losses)
        replay()
        group.opt.started = [True] * len(group.members)
        return losses.clone()


# ----------------------------------------------------------------------------- entry points


@contextlib.contextmanager
def _claimed(store: ResultStore, configs: Sequence[TrainConfig]) -> Iterator[None]:
    """Hold every member's store lock (in key order, so two groups never deadlock)."""
    with contextlib.ExitStack() as stack:
        for c in sorted(configs, key=lambda c: str(store.entry_dir(STORE_KIND, c))):
            stack.enter_context(store.writing(STORE_KIND, c))
        yield


def _store_member(store: ResultStore) -> Callable[[TrainConfig, dict, float], None]:
    def save(config: TrainConfig, result: dict, seconds: float) -> None:
        store.finish(STORE_KIND, config, split_record(result), seconds)
    return save


def train_group(configs: Sequence[TrainConfig], store: ResultStore | None = None,
                device: torch.device | None = None, *, checkpoint_interval: float = 2.0) -> list[TrainResult]:
    """Train ``configs`` (one :func:`group_key`) as one group and store each member under its
    own key; members already stored are loaded, not trained. Results in the order given, as
    ``train(config)`` returns them (from the store). The caller's global RNG is left alone."""
    store = store if store is not None else ResultStore()
    dev = device if device is not None else pick_device("auto")
    configs = list(configs)
    keys = {group_key(c) for c in configs}
    if None in keys or len(keys) != 1:
        raise ParameterError("train_group: the configurations do not share one group key "
                             "(model, model_kwargs, data, batch_size; no adversary, mixed precision, channels_last)")
    parents = {canonical_json(c.init_from): c.init_from for c in configs if c.init_from is not None}
    for parent in parents.values():
        train(parent, store, device=dev)
    todo = [c for c in {canonical_json(c): c for c in configs}.values() if not store.contains(STORE_KIND, c)]
    if todo:
        with _claimed(store, todo):
            todo = [c for c in todo if not store.contains(STORE_KIND, c)]  # another process's
            if todo:
                with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
                    _Group(todo, store, dev, checkpoint_interval, _store_member(store)).run()
    return [train(c, store, device=dev) for c in configs]


def train_many(configs: Sequence[TrainConfig], store: ResultStore | None = None,
               device: torch.device | None = None) -> list[TrainResult]:
    """Every configuration trained (or loaded), grouped where :func:`partition` groups them and
    one by one otherwise; results in the order given."""
    store = store if store is not None else ResultStore()
    dev = device if device is not None else pick_device("auto")
    missing = [c for c in configs if not store.contains(STORE_KIND, c)]
    for part in partition(missing, dev):
        if len(part) > 1:
            train_group(part, store, dev)
    return [train(c, store, device=dev) for c in configs]


# ----------------------------------------------------------------------------- sweep jobs


def train_group_job(configs: Sequence[TrainConfig], store_root: str, device: torch.device | None = None) -> dict:
    """The compute of a sweep job (:func:`hessbook.kit.swept.train_declared` makes them, kind
    :data:`GROUP_KIND`):
    the group trained on the worker's device (one by one where grouping does not pay there),
    each member stored under its ``train`` key; returns a small receipt. ``device``: the jobs'
    device (their chapter's); None: the worker's best (``pick_device("auto")``)."""
    from hessbook.device import use_device
    from hessbook.store import result_key

    store = ResultStore(store_root)
    dev = use_device(device) if device is not None else pick_device("auto")
    start = time.perf_counter()
    if groupable(configs, dev):
        train_group(configs, store, dev)
    else:
        for c in configs:
            train(c, store, device=dev)
    return {"members": [result_key(STORE_KIND, c) for c in configs], "group_seconds": time.perf_counter() - start,
            "device": dev.type}


def groups_to_train(configs: Sequence[TrainConfig], store: ResultStore,
                    device: torch.device | None = None) -> list[list[TrainConfig]]:
    """The groups of two or more (:func:`partition`) among the ``configs`` not stored yet, each
    in a fixed order (its job key); the configurations left alone are not listed (their own jobs
    train them)."""
    missing = [c for c in configs if not store.contains(STORE_KIND, c)]
    return [sorted(part, key=canonical_json) for part in partition(missing, device) if len(part) > 1]
