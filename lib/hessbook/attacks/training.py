"""Adversaries for robust (adversarial) training, in the training engine's plug-in form.

Each entry of :data:`ADVERSARIES` is ``fn(model, x, y, **params) -> x_adv``: the
adversarial examples of the *current* model for the batch (Y eq. 3, the inner max), made
with the model in eval mode and its mode restored, so the engine's next forward is in
training mode again. The engine finds them by name, with their settings bound once by
:func:`bind_adversary` (``hessbook.train.LIBRARY_ADVERSARIES`` names this module): they need
no registration, and this module does not import the engine.

Clean examples or not. Y §3.1 defines robust training as the min-max problem (eq. 3)
``min_theta max_{dx in U} J(theta, x + dx, y)`` and says: "Solving this min-max
optimization problem at each iteration requires first finding the worst adversarial
perturbation that maximizes the loss, and then updating the model parameters theta for
those cases." The parameter update is on the adversarial examples only; Y does not mention
mixing in clean examples (Goodfellow et al. [16] use 0.5 J(x) + 0.5 J(x_adv); Y cites [16]
only for the loss of clean accuracy). So the default is ``mix_clean = 0.0``: the whole batch
is adversarial. ``mix_clean = f`` keeps the first ``round(f * N)`` rows of the batch clean
(the engine shuffles its batches, so these are a random subset); the engine's own
``adversary_mix`` instead mixes the two losses over the whole batch; use one or the other.

Randomness (PGD's random start): from ``generator`` if the caller passes one; otherwise a
per-batch seed is drawn from torch's global generator, which the training engine seeds
explicitly (``torch.manual_seed(config.seed + 1)``), so a training run is reproducible and
every batch gets a fresh start; or, with ``seed=s``, the start is derived from ``s`` and the
batch's content (CRC32 of its bytes), reproducible without any global state.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hessbook.attacks.registry import ATTACKS, check_settings

Adversary = Callable[..., torch.Tensor]


def _check_mix(mix_clean: Any) -> None:
    if isinstance(mix_clean, bool) or not isinstance(mix_clean, (int, float)) or not 0 <= mix_clean <= 1:
        raise ValueError(f"mix_clean = {mix_clean!r}: accepted a number in [0, 1]")


def _mix(x: torch.Tensor, x_adv: torch.Tensor, mix_clean: float) -> torch.Tensor:
    k = int(round(mix_clean * x.shape[0]))
    if k == 0:
        return x_adv
    out = x_adv.clone()
    out[:k] = x[:k].detach()
    return out


def _batch_generator(x: torch.Tensor, seed: int | None) -> torch.Generator:
    if seed is None:
        s = int(torch.randint(0, 2**62, (1,)).item())
    else:
        crc = zlib.crc32(x.detach().to("cpu").contiguous().numpy().tobytes())
        s = (int(seed) * 1_000_003 + crc) % 2**62
    return torch.Generator(device="cpu").manual_seed(s)


BoundAdversary = Callable[..., torch.Tensor]


def bind_adversary(name: str, params: Mapping[str, Any] | None = None) -> BoundAdversary:
    """``fn(model, x, y, *, generator=None) -> x_adv`` for attack ``name`` with ``params``
    validated here, once: the attack's settings plus ``mix_clean`` (default 0) and, for
    randomized attacks, ``seed`` (default None: per-batch seed from the global generator)."""
    if name not in ATTACKS:
        raise ValueError(f"unknown attack {name!r}: accepted {', '.join(sorted(ATTACKS))}")
    params = dict(params or {})
    mix_clean = params.pop("mix_clean", 0.0)
    _check_mix(mix_clean)
    seed = params.pop("seed", None)
    randomized = name == "pgd" and params.get("random_start", True)
    settings = check_settings(name, params)
    attack = ATTACKS[name]

    def fn(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *,
           generator: torch.Generator | None = None) -> torch.Tensor:
        extra = {}
        if randomized:
            extra["generator"] = generator if generator is not None else _batch_generator(x, seed)
        elif generator is not None:
            raise ValueError(f"attack {name!r} is deterministic and takes no generator")
        return _mix(x, attack(model, x, y, **settings, **extra).x_adv, mix_clean)

    fn.__name__ = f"adversary_{name}"
    return fn


def adversary(name: str) -> Adversary:
    """Attack ``name`` as ``fn(model, x, y, *, generator=None, **params)``, settings validated
    at each call (for one-off calls; the engine binds them once with :func:`bind_adversary`)."""
    if name not in ATTACKS:
        raise ValueError(f"unknown attack {name!r}: accepted {', '.join(sorted(ATTACKS))}")

    def fn(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *,
           generator: torch.Generator | None = None, **params: Any) -> torch.Tensor:
        return bind_adversary(name, params)(model, x, y, generator=generator)

    fn.__name__ = f"adversary_{name}"
    fn.__doc__ = f"Adversarial examples by {name!r} for robust training (see hessbook.attacks.training)."
    return fn


ADVERSARIES: dict[str, Adversary] = {name: adversary(name) for name in ATTACKS}
"""``{"fgsm", "fgsm10", "pgd", "l2grad", "fhsm", "l2hess"}`` -> ``fn(model, x, y, **params) -> x_adv``."""


def adversarial_training_step(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
                              y: torch.Tensor, adversary_fn: Adversary | str, **params: Any) -> float:
    """One robust-training step without the engine: make ``x_adv`` on the current model,
    then one optimizer step on the mean cross-entropy at ``x_adv`` (model in its own mode)."""
    fn = ADVERSARIES[adversary_fn] if isinstance(adversary_fn, str) else adversary_fn
    x_adv = fn(model, x, y, **params).detach()
    optimizer.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x_adv), y)
    loss.backward()
    optimizer.step()
    return float(loss.detach())
