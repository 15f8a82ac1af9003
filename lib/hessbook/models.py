"""Every network of REPRODUCTION.md, built by name: ``build_model("m1")``.

All image models take inputs **in [0, 1]** and normalize internally with a fixed first
layer :class:`Normalize` (per-channel mean/std of the training set, stored as buffers, not
parameters), so gradients and Hessians w.r.t. the input and adversarial perturbations act in
[0, 1] pixel space. The synthetic-data MLP (``s_mlp``) takes the globally normalized features
of :func:`hessbook.data.gaussian_clusters` directly. Outputs are logits; "SM(10)" of the
papers is the softmax inside the cross-entropy loss.

Conventions for Yao et al.'s models (Y, App. A.3): "ReLU after every conv/FC" (not after the
last FC), "padding to make sure there is no dimension reduction" (padding ``k // 2``),
"for our Conv(5,5,b) (Conv(3,3,b)) layers, the stride is 2 (1)". With stride 2 the padding
cannot keep the size; we read it as TensorFlow's SAME padding (output ``ceil(n / 2)``).
Parameter counts are pinned in ``tests/test_models.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from hessbook.data import NORMALIZATION


class Normalize(nn.Module):
    """``(x - mean) / std`` per channel, with constants as buffers (inputs stay in [0, 1])."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class _ChannelsLastMaxPool(torch.autograd.Function):
    """Max pooling of an NCHW tensor computed in channels-last order, backward by PyTorch's own
    NCHW kernel from the same indices: values, indices and gradients bit-identical to
    ``F.max_pool2d`` (``tests/test_models.py``). First-order only (training steps)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, kernel: list[int], stride: list[int],
                padding: list[int]) -> torch.Tensor:
        y, index = nn.functional.max_pool2d_with_indices(
            x.contiguous(memory_format=torch.channels_last), kernel, stride, padding)
        index = index.contiguous()
        ctx.save_for_backward(x, index)
        ctx.geometry = (kernel, stride, padding)
        return y.contiguous()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, index = ctx.saved_tensors
        kernel, stride, padding = ctx.geometry
        dx = torch.ops.aten.max_pool2d_with_indices_backward(
            grad.contiguous(), x, kernel, stride, padding, [1, 1], False, index)
        return dx, None, None, None


def _pair(v: int | tuple[int, ...]) -> list[int]:
    return [v, v] if isinstance(v, int) else list(v)


_functorch_wrapped: Callable[[torch.Tensor], bool] = getattr(
    torch._C._functorch, "is_functorch_wrapped_tensor", lambda _tensor: True)
"""Whether a tensor is inside a ``torch.func`` transform (a custom autograd Function without
vmap/jvp rules must not see it). A torch without this private test counts every tensor as
wrapped, so the fast training path is skipped rather than risked."""


class MaxPool2d(nn.MaxPool2d):
    """``nn.MaxPool2d`` that pools NCHW inputs in channels-last memory order on the CPU.

    Why: PyTorch's CPU max pooling of an NCHW tensor is several times slower than of the same
    tensor in channels-last order (2 cores, C1's first pooling, 512x64x16x16: 31 ms against 9 ms
    with both layout conversions); a maximum has no summation order and the two kernels pick the
    same indices, so values and gradients are bit-identical (``tests/test_models.py``).

    - without gradients (evaluation: training loss every epoch, accuracies): pooled in
      channels-last order;
    - in training mode with gradients (an SGD step): forward in channels-last order, backward by
      the default NCHW kernel from the same indices (:class:`_ChannelsLastMaxPool`), first-order;
    - otherwise (eval mode with gradients: HVPs, attacks, ``torch.func`` transforms; dilation,
      ``ceil_mode``, indices, GPU tensors): ``nn.MaxPool2d`` itself.
    """

    def _plain(self, x: torch.Tensor) -> bool:
        return (x.ndim != 4 or x.device.type != "cpu" or not x.is_contiguous() or self.return_indices
                or self.ceil_mode or _pair(self.dilation) != [1, 1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._plain(x):
            return super().forward(x)
        if not (torch.is_grad_enabled() and x.requires_grad):
            return super().forward(x.contiguous(memory_format=torch.channels_last)).contiguous()
        if self.training and not _functorch_wrapped(x):
            stride = self.stride if self.stride is not None else self.kernel_size
            return _ChannelsLastMaxPool.apply(x, _pair(self.kernel_size), _pair(stride), _pair(self.padding))
        return super().forward(x)


def _normalize(name: str | None) -> nn.Module:
    if name is None or name == "none":
        return nn.Identity()
    if name not in NORMALIZATION:
        raise ValueError(
            f"normalization {name!r}: accepted {', '.join(NORMALIZATION)} or 'none'"
        )
    mean, std = NORMALIZATION[name]
    return Normalize(mean, std)


def _flat_features(features: nn.Module, shape: tuple[int, ...]) -> int:
    with torch.no_grad():
        was_training = features.training
        features.eval()
        out = features(torch.zeros(1, *shape))
        features.train(was_training)
    return int(out.numel())


def _classifier_net(norm: str | None, features: list[nn.Module], shape: tuple[int, ...],
                    hidden: Sequence[int], num_classes: int, dropout: float = 0.0) -> nn.Sequential:
    """``Normalize - features - Flatten - [FC - ReLU (- Dropout)]* - FC``."""
    feats = nn.Sequential(_normalize(norm), *features)
    width = _flat_features(feats, shape)
    layers: list[nn.Module] = [*feats, nn.Flatten()]
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


def _conv(cin: int, cout: int, k: int, stride: int = 1, padding: int | None = None) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2 if padding is None else padding)


# ----------------------------------------------------------------------------- Y / K models


def _scaled(channels: int, width: float) -> int:
    """``channels`` times a width multiplier, rounded, at least 1 (a narrower network of the same shape)."""
    if width <= 0:
        raise ValueError(f"width = {width}: accepted a multiplier > 0 (1 = as printed)")
    return max(1, round(channels * width))


def c1(num_classes: int = 10, conv_stride: int = 2, normalization: str = "cifar10", width: float = 1.0) -> nn.Module:
    """C1 (Y Table 6; K Table 1): Conv(5,5,64)-MP(3,3)-BN-Conv(5,5,64)-MP(3,3)-BN-FN(384)-FN(192)-SM(10).

    Interpretation: each block is conv(5x5, stride ``conv_stride``, padding 2)-ReLU-maxpool
    (3x3, stride 2, padding 1, as in the cifar10 TensorFlow model C1 descends from)-BN, in the
    printed order. With the printed stride 2: 32 -> 16 -> 8 -> 4 -> 2, FC input 64*2*2 = 256;
    282,122 parameters. ``conv_stride=1`` gives the authors' released code's layout
    (FC input 64*8*8, 1,756,682 parameters). ``width`` multiplies every conv's channels and
    every hidden FC's units (rounded; 1 = as printed), for a narrower C1 on a CPU.
    """
    c, h1, h2 = _scaled(64, width), _scaled(384, width), _scaled(192, width)
    features = [
        _conv(3, c, 5, conv_stride), nn.ReLU(), MaxPool2d(3, 2, 1), nn.BatchNorm2d(c),
        _conv(c, c, 5, conv_stride), nn.ReLU(), MaxPool2d(3, 2, 1), nn.BatchNorm2d(c),
    ]
    return _classifier_net(normalization, features, (3, 32, 32), (h1, h2), num_classes)


def _c2_features(batch_norm: bool, width: float = 1.0) -> list[nn.Module]:
    if width <= 0:
        raise ValueError(f"width = {width} must be > 0")
    a, b = (max(1, round(c * width)) for c in (64, 128))
    layers: list[nn.Module] = []
    for i, (cin, cout) in enumerate(((3, a), (a, a), (a, b), (b, b))):
        layers += [_conv(cin, cout, 3), nn.ReLU()]
        if batch_norm:
            layers.append(nn.BatchNorm2d(cout))
        if i in (1, 3):
            layers.append(MaxPool2d(2))
    return layers


def c2(num_classes: int = 10, normalization: str = "cifar10", width: float = 1.0) -> nn.Module:
    """C2 (Y Table 6): Conv(3,3,63)-BN-Conv(3,3,64)-BN-Conv(3,3,128)-BN-Conv(3,3,128)-BN-FC(256)-FC(256)-SM(10).

    Interpretation: "63" is read as 64 (a typo). Convs are 3x3, stride 1, padding 1, each
    followed by ReLU then BN. The table prints no pooling, which would give a 128*32*32 -> 256
    FC layer (33.5M weights); we add MP(2,2) after the 2nd and 4th conv, as in the authors'
    released C2 code, so the FC input is 128*8*8. 2,426,698 parameters. ``width`` multiplies the
    conv channels (rounded, at least 1; the FC layers stay 256), as for C3, so that Y1's C2 rows
    fit a CPU.
    """
    return _classifier_net(normalization, _c2_features(True, width), (3, 32, 32), (256, 256), num_classes)


def c3(num_classes: int = 10, normalization: str = "cifar10", width: float = 1.0) -> nn.Module:
    """C3 (Y Table 6): Conv(3,3,64)-Conv(3,3,64)-Conv(3,3,128)-Conv(3,3,128)-FC(256)-FC(256)-SM(10).

    Interpretation: C2 without BN (same pooling after the 2nd and 4th conv, see :func:`c2`).
    2,425,930 parameters.

    ``width`` multiplies the conv channels (rounded, at least 1; the FC layers stay 256) so
    that Y's adversarial training with second-order attacks fits a CPU: ``width=0.25``
    (16-16-32-32 channels) has 609,562 parameters.
    """
    return _classifier_net(normalization, _c2_features(False, width), (3, 32, 32), (256, 256), num_classes)


def m1(num_classes: int = 10, normalization: str = "mnist") -> nn.Module:
    """M1 (Y Table 6, "LeNet-5"): Conv(5,5,20)-Conv(5,5,50)-FC(500)-SM(10).

    Interpretation: as printed, no pooling; 5x5 convs with stride 2 and SAME padding (2):
    28 -> 14 -> 7, FC input 50*7*7 = 2450. 1,256,080 parameters.
    """
    features = [_conv(1, 20, 5, 2), nn.ReLU(), _conv(20, 50, 5, 2), nn.ReLU()]
    return _classifier_net(normalization, features, (1, 28, 28), (500,), num_classes)


def m1k(num_classes: int = 10, normalization: str = "mnist", width: float = 1.0) -> nn.Module:
    """M1 as printed in K's Table 1: Conv(5,5,20)-Conv(5,5,20)-FC(500)-SM(10).

    K says it uses Y's M1 but prints 20 channels for the second conv; we keep K's table here
    (``m1`` is Y's). Same strides/padding as :func:`m1`: FC input 20*7*7 = 980.
    506,050 parameters. Use ``normalization="fashion_mnist"`` on Fashion-MNIST. ``width``
    multiplies the channels and the FC's units (rounded; 1 = as printed).
    """
    c = _scaled(20, width)
    features = [_conv(1, c, 5, 2), nn.ReLU(), _conv(c, c, 5, 2), nn.ReLU()]
    return _classifier_net(normalization, features, (1, 28, 28), (_scaled(500, width),), num_classes)


def stdcnn(num_classes: int = 10, dropout: float = 0.5, normalization: str = "mnist", width: float = 1.0) -> nn.Module:
    """StdCNN (K Table 1): Conv(3,3,10)-Conv(3,3,10)-MP(2,2)-Conv(3,3,20)-Conv(3,3,20)-MP(2,2)-FC(50)-Dropout(0.5)-FC(10)-SM(10).

    Interpretation: K states no padding; this is K's own net, so Y's padding rule is not
    applied: 3x3 convs stride 1 without padding, ReLU after each conv and FC(50):
    28 -> 26 -> 24 -> 12 -> 10 -> 8 -> 4, FC input 20*4*4 = 320. 23,010 parameters. ``width``
    multiplies the channels and the FC's units (rounded; 1 = as printed).
    """
    a, b = _scaled(10, width), _scaled(20, width)
    features = [
        _conv(1, a, 3, padding=0), nn.ReLU(), _conv(a, a, 3, padding=0), nn.ReLU(), MaxPool2d(2),
        _conv(a, b, 3, padding=0), nn.ReLU(), _conv(b, b, 3, padding=0), nn.ReLU(), MaxPool2d(2),
    ]
    return _classifier_net(normalization, features, (1, 28, 28), (_scaled(50, width),), num_classes, dropout)


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 for 32x32 inputs: 3x3 stem (stride 1), no max-pool, 4 stages of 2 basic blocks."""

    def __init__(self, num_classes: int, width: int, normalization: str | None) -> None:
        super().__init__()
        self.normalize = _normalize(normalization)
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        blocks, cin = [], width
        for stage, stride in enumerate((1, 2, 2, 2)):
            cout = width * 2**stage
            blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.blocks(self.stem(self.normalize(x)))
        return self.fc(torch.flatten(self.pool(out), 1))


RESNET18_WIDTH = 64
"""ResNet18's base width as He et al. print it (Y and K train it): 64-128-256-512 channels."""


def resnet18(num_classes: int = 10, width: int = RESNET18_WIDTH, normalization: str | None = None) -> nn.Module:
    """ResNet18 (Y Table 6 "ResNet18 for CIFAR-100"; K "ResNet18 as in He et al. 2016").

    CIFAR variant (3x3 stem, stride 1, no max-pool; He et al.'s ImageNet stem would shrink a
    32x32 image to 8x8 at once), basic blocks with 1x1-conv projection shortcuts, channels
    ``width * (1, 2, 4, 8)``. ``normalization`` defaults to CIFAR-10's or CIFAR-100's
    statistics by ``num_classes``. Width 64: 11,173,962 (10 classes) / 11,220,132 (100).
    """
    if normalization is None:
        normalization = "cifar100" if num_classes == 100 else "cifar10"
    return ResNet18(num_classes, width, normalization)


# ----------------------------------------------------------------------------- S models


_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh}


def _activation(name: str) -> nn.Module:
    if name not in _ACTIVATIONS:
        raise ValueError(f"activation {name!r}: accepted {', '.join(_ACTIVATIONS)}")
    return _ACTIVATIONS[name]()


def _mlp(widths: Sequence[int], activation: str) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(_activation(activation))
    return layers


def s_mlp(d: int = 100, k: int = 2, hidden: Sequence[int] = (30, 30), activation: str = "relu") -> nn.Module:
    """S Sec. 3.1 / App. A: "a 100-dimensional input layer, two hidden layers each of which with
    30 hidden units, and a k dimensional output layer that is combined with softmax".

    Parameters ``31 k + 3960`` at d=100: 4022, 4115, 4270, 4580, 5510 for k = 2, 5, 10, 20, 50,
    exactly S's Table 1. Inputs are the globally normalized features (no Normalize layer).
    """
    return nn.Sequential(*_mlp((d, *hidden, k), activation))


def s_fc_mnist(hidden: int = 10, activation: str = "relu", num_classes: int = 10,
               normalization: str = "mnist", input_size: int = 28) -> nn.Module:
    """S Sec. 3.2: fully connected on 1K MNIST samples, "a different number of nodes in its hidden
    layer (n_hidden in {10, 30, 50, 70})".

    Interpretation: one hidden layer, 784 - n - 10, ReLU (S names no nonlinearity).
    Parameters ``795 n + 10``: 7,960 / 23,860 / 39,760 / 55,660.

    ``input_size`` < 28 (a divisor of 28: 14, 7, 4, 2) average-pools the 28x28 image to
    ``input_size`` x ``input_size`` inside the model (a fixed layer, no parameters) before the
    first linear layer, so the data stay MNIST's and only the input dimension shrinks:
    ``(input_size^2 + 11) n + 10`` parameters (7x7: 610 / 1,810 / 3,010 / 4,210). This is our
    reduction for exact Hessians on a CPU, not the paper's setting.
    """
    if input_size < 1 or 28 % input_size:
        raise ValueError(f"input_size = {input_size!r}: accepted a divisor of 28 (28, 14, 7, 4, 2, 1)")
    pool = [nn.AvgPool2d(28 // input_size)] if input_size != 28 else []
    return nn.Sequential(_normalize(normalization), *pool, nn.Flatten(),
                         *_mlp((input_size * input_size, hidden, num_classes), activation))


def s_cnn(channels: Sequence[int] = (10, 20), hidden: int = 50, num_classes: int = 10,
          normalization: str = "mnist") -> nn.Module:
    """S Sec. 3.3: "a convnet that is composed of 2 convolution layers with relu-maxpool followed by
    two fully-connected layers", MNIST.

    Interpretation (sizes not given): conv(5x5, 10, no padding)-ReLU-MP(2)-conv(5x5, 20)-ReLU-
    MP(2)-FC(50)-ReLU-FC(10), the classic PyTorch MNIST net without dropout:
    28 -> 24 -> 12 -> 8 -> 4, FC input 320. 21,840 parameters with the defaults; ``channels``
    and ``hidden`` shrink it for exact Hessians on a CPU.
    """
    c1_, c2_ = channels
    features = [
        _conv(1, c1_, 5, padding=0), nn.ReLU(), MaxPool2d(2),
        _conv(c1_, c2_, 5, padding=0), nn.ReLU(), MaxPool2d(2),
    ]
    return _classifier_net(normalization, features, (1, 28, 28), (hidden,), num_classes)


def alexnet_bare(num_classes: int = 10, normalization: str = "cifar10", width: float = 1.0) -> nn.Module:
    """S Sec. 4.1: "a bare AlexNet (bare meaning: no momentum, no dropout, and no batch
    normalization)" on CIFAR-10.

    Interpretation: the common CIFAR-10 adaptation of AlexNet's five conv layers
    (64-192-384-256-256 channels; 11x11 stride-4 stem with padding 5, 5x5, then three 3x3;
    max-pool 2 after conv 1, 2 and 5; ReLU after every conv) with a single linear classifier
    256 -> 10 and no dropout/BN/LRN. 2,472,266 parameters.

    ``width`` multiplies every layer's channel count (rounded, at least 1) so that the
    experiment fits a CPU: ``width=0.25`` (16-48-96-64-64 channels) has 159,578 parameters.
    """
    if width <= 0:
        raise ValueError(f"alexnet_bare: width = {width} must be > 0")
    c1_, c2_, c3_, c4_, c5_ = (max(1, round(c * width)) for c in (64, 192, 384, 256, 256))
    features = [
        nn.Conv2d(3, c1_, 11, 4, 5), nn.ReLU(), MaxPool2d(2),
        nn.Conv2d(c1_, c2_, 5, padding=2), nn.ReLU(), MaxPool2d(2),
        nn.Conv2d(c2_, c3_, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c3_, c4_, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c4_, c5_, 3, padding=1), nn.ReLU(), MaxPool2d(2),
    ]
    return _classifier_net(normalization, features, (3, 32, 32), (), num_classes)


# ----------------------------------------------------------------------------- registry


_BUILDERS: dict[str, Callable[..., nn.Module]] = {
    "c1": c1, "c2": c2, "c3": c3, "m1": m1, "m1k": m1k, "stdcnn": stdcnn, "resnet18": resnet18,
    "s_mlp": s_mlp, "s_fc_mnist": s_fc_mnist, "s_cnn": s_cnn, "alexnet_bare": alexnet_bare,
}
MODEL_NAMES: tuple[str, ...] = tuple(_BUILDERS)

INPUT_SHAPES: dict[str, tuple[int, ...]] = {
    "c1": (3, 32, 32), "c2": (3, 32, 32), "c3": (3, 32, 32), "resnet18": (3, 32, 32),
    "alexnet_bare": (3, 32, 32), "m1": (1, 28, 28), "m1k": (1, 28, 28), "stdcnn": (1, 28, 28),
    "s_fc_mnist": (1, 28, 28), "s_cnn": (1, 28, 28),
}
"""Input shape of each image model (``s_mlp`` takes ``(d,)``)."""


def build_model(name: str, **kwargs) -> nn.Module:
    """Build model ``name`` (one of :data:`MODEL_NAMES`) with keyword arguments of its builder.

    Weights are initialized with PyTorch's defaults from the global RNG: seed it (or use
    ``torch.random.fork_rng``) for a reproducible initialization.
    """
    if name not in _BUILDERS:
        raise ValueError(f"unknown model {name!r}; accepted: {', '.join(MODEL_NAMES)}")
    builder = _BUILDERS[name]
    accepted = inspect.signature(builder).parameters
    unknown = [k for k in kwargs if k not in accepted]
    if unknown:
        raise ValueError(
            f"model {name!r}: unknown argument(s) {', '.join(map(repr, unknown))}; "
            f"accepted: {', '.join(f'{p}={v.default!r}' for p, v in accepted.items())}"
        )
    return builder(**kwargs)


def num_parameters(model: nn.Module) -> int:
    """Number of trainable scalars (buffers such as BN statistics and Normalize excluded)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def activation_bytes(model: nn.Module, x: torch.Tensor) -> int:
    """Bytes of the outputs of the leaf modules of ``model`` on the batch ``x`` from the first
    one with parameters on (one forward pass without gradients): what one tangent column of a
    vmapped pass carries (layers before any parameter, e.g. input normalization, carry none)."""
    total = 0
    started = False

    def count(module: nn.Module, _inputs: Any, output: Any) -> None:
        nonlocal total, started
        started = started or any(True for _ in module.parameters(recurse=False))
        if started and isinstance(output, torch.Tensor):
            total += output.numel() * output.element_size()

    leaves = [m for m in model.modules() if not any(True for _ in m.children())]
    handles = [m.register_forward_hook(count) for m in leaves]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return total


def model_card(name: str) -> dict[str, object]:
    """Name, parameter count, input and output shape, and the builder's docstring (with the
    paper's description and our interpretation), built with default arguments."""
    net = build_model(name)
    shape = INPUT_SHAPES.get(name, (100,))
    with torch.no_grad():
        out = net.eval()(torch.zeros(2, *shape))
    doc = inspect.getdoc(_BUILDERS[name]) or ""
    return {"name": name, "parameters": num_parameters(net), "input": tuple(shape),
            "output": tuple(out.shape[1:]), "doc": doc}
