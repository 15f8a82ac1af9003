"""Device choice and the numerical settings for curvature.

Curvature (Hessians, eigenvalues) is computed in float32 with TF32 off, or in float64:
TF32 matmuls keep 10 mantissa bits, enough to move a Hessian-vector product by 1e-3
relative, which is larger than the 1e-4 tolerance the papers use.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import torch

from hessbook.params import DEVICE_ACCEPTED, DEVICE_PATTERN

_picked: torch.device | None = None
"""The device this process computes on, as :func:`use_device` last recorded it."""


def pick_device(name: str) -> torch.device:
    """Parse a chapter's ``device`` parameter into a ``torch.device``: ``auto`` picks CUDA when
    available, else the CPU. A chapter calls it once, at its edge (its ``run``), and passes the
    device to every job; the choice is recorded (:func:`use_device`)."""
    if not isinstance(name, str) or not re.fullmatch(DEVICE_PATTERN, name):
        raise ValueError(f"device {name!r}: accepted {DEVICE_ACCEPTED}")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return use_device(torch.device(name))


def use_device(device: torch.device) -> torch.device:
    """Check that this process can compute on ``device`` and record it as the device it computes
    on: :func:`device_label`, which the result store writes into every entry it saves, names it.
    A job on a sweep worker calls it (through :func:`hessbook.kit.jobs.sweep_job`) with the
    device its chapter parsed. Returns ``device``."""
    global _picked
    if not isinstance(device, torch.device):
        raise TypeError(f"device {device!r}: pass a torch.device (parse a name with hessbook.device.pick_device)")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {str(device)!r} requested but CUDA is not available; use 'cpu' or 'auto'")
    _picked = device
    return device


def device_label(device: torch.device | None = None) -> str:
    """What a result was computed on, for the store's metadata and the chapter pages: ``cpu``
    or ``cuda:<GPU name>``. Without ``device``, the one this process last picked; a process
    that picked none computed on the CPU unless CUDA is present, and then says it cannot tell."""
    device = device if device is not None else _picked
    if device is None:
        return "cuda available, device not recorded" if torch.cuda.is_available() else "cpu"
    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    return device.type


@contextlib.contextmanager
def exact_float32() -> Iterator[None]:
    """Disable TF32 (and reduced-precision reductions) inside the block; restore afterwards."""
    saved = (
        torch.backends.cuda.matmul.allow_tf32,
        torch.backends.cudnn.allow_tf32,
        torch.get_float32_matmul_precision(),
    )
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved[:2]
        torch.set_float32_matmul_precision(saved[2])
