"""First-order attacks: FGSM, FGSM-10, PGD (L-inf or L2) and L2GRAD (Y Table 5, K).

All share one projected-ascent loop (:func:`_ascend`): ``steps`` times, move along the
steepest-ascent direction of the per-sample cross-entropy in the attack's norm (``sign(g)``
for L-inf, ``g / ||g||`` for L2), then project onto the eps ball around the clean input and
onto [0, 1]. The projection is the same as torchattacks' (``delta = clamp(x_adv - x)``, then
``clamp(x + delta, 0, 1)``) so our FGSM/PGD agree with it bit for bit on the same random start.

- FGSM (Goodfellow et al. [16], Y eq. 2): one step of size eps, no random start.
- FGSM-10 (Kurakin et al. [21], Y "iterate FGSM 10 times"): 10 steps of size eps / 10, no
  random start, projected after every step. Why eps / 10 and not eps: a step of eps saturates
  the L-inf ball at once, so later steps could only flip a coordinate from +eps to -eps and
  back; Kurakin's basic iterative method takes small steps (alpha = 1/255 for about 1.25 eps
  iterations) and clips to the eps ball after each, and eps / 10 for 10 iterations is the
  step that makes exactly the full budget reachable, so every step moves and the attack can
  end anywhere in the ball. ``step_size`` can be set to reproduce other readings.
- PGD (Madry et al.; K uses 40 steps): uniform random start in the ball, then ``steps``
  projected steps of ``step_size``. The random start comes only from ``generator`` or
  ``seed``; noise is drawn on the CPU and moved to the inputs' device, so a seed gives the
  same start on every device.
- L2GRAD (Y Table 5): ``x + eps * g / ||g||`` per sample, clipped to [0, 1] (clipping only
  shrinks the perturbation). A sample with zero gradient is left unchanged.

Every attack runs the model in eval mode and restores each module's previous mode, never
modifies its inputs, and checks that they lie in [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn

from hessbook.attacks._common import (
    AttackResult,
    check_batch,
    check_eps,
    check_norm,
    check_positive,
    check_steps,
    eval_mode,
    l2_normalize,
    loss_and_input_grad,
    per_sample_loss,
    project,
)


def _direction(grad: torch.Tensor, norm: str) -> torch.Tensor:
    """Steepest-ascent unit direction of the linearized loss in the given norm."""
    if norm == "linf":
        return grad.sign()
    return l2_normalize(grad)[0]


def random_start_point(
    x: torch.Tensor, eps: float, norm: str, *, seed: int | None = 0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """A random point of the eps ball around ``x`` (uniform in the L-inf box, uniform in the
    L2 ball), clipped to [0, 1]. Randomness only from ``generator`` (used as is) or ``seed``."""
    if generator is None:
        if seed is None:
            raise ValueError("random start needs an explicit seed (int) or torch.Generator")
        generator = torch.Generator(device="cpu").manual_seed(int(seed))
    gen_device = generator.device
    if norm == "linf":
        noise = torch.empty(x.shape, dtype=x.dtype, device=gen_device).uniform_(
            -eps, eps, generator=generator)
    else:
        flat = torch.randn((x.shape[0], x[0].numel()), dtype=x.dtype, device=gen_device,
                           generator=generator)
        flat = flat / flat.norm(dim=1, keepdim=True).clamp_min(1e-30)
        radius = torch.rand((x.shape[0], 1), dtype=x.dtype, device=gen_device,
                            generator=generator) ** (1.0 / max(1, x[0].numel()))
        noise = (eps * radius * flat).reshape(x.shape)
    noise = noise.to(x.device)
    return torch.clamp(x + noise, min=0.0, max=1.0)


def _ascend(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, step_size: float,
    steps: int, norm: str, start: torch.Tensor | None, name: str, settings: dict,
) -> AttackResult:
    check_batch(x, y)
    with eval_mode(model):
        x_clean = x.detach()
        x_adv = x_clean if start is None else start.detach()
        loss_clean = None
        for _ in range(steps):
            _, loss, grad = loss_and_input_grad(model, x_adv, y)
            if loss_clean is None and start is None:
                loss_clean = loss.detach()
            x_adv = project(x_adv + step_size * _direction(grad, norm), x_clean, eps, norm).detach()
        with torch.no_grad():
            if loss_clean is None:
                loss_clean = per_sample_loss(model, x_clean, y)
            loss_adv = per_sample_loss(model, x_adv, y)
    return AttackResult(x_adv=x_adv, attack=name, settings=settings,
                        loss_clean=loss_clean, loss_adv=loss_adv)


def fgsm(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float) -> AttackResult:
    """Fast gradient sign method: ``clip_[0,1](x + eps * sign(g_x))`` (Y eq. 2)."""
    eps = check_eps(eps)
    return _ascend(model, x, y, eps=eps, step_size=eps, steps=1, norm="linf", start=None,
                   name="fgsm", settings={"eps": eps})


def fgsm_iterated(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, steps: int = 10,
    step_size: float | None = None,
) -> AttackResult:
    """FGSM-10: ``steps`` FGSM steps of ``step_size`` (default ``eps / steps``), each followed
    by projection onto the eps L-inf ball and [0, 1]; no random start (Kurakin et al.'s basic
    iterative method; see the module docstring for why eps / steps)."""
    eps = check_eps(eps)
    steps = check_steps(steps)
    step = eps / steps if step_size is None else check_positive(step_size, "step_size")
    return _ascend(model, x, y, eps=eps, step_size=step, steps=steps, norm="linf", start=None,
                   name="fgsm10", settings={"eps": eps, "steps": steps, "step_size": step})


def pgd(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, step_size: float,
    steps: int, norm: str = "linf", random_start: bool = True, seed: int | None = 0,
    generator: torch.Generator | None = None,
) -> AttackResult:
    """Projected gradient ascent on the per-sample cross-entropy in the eps ball of ``norm``.

    With ``random_start`` the start is uniform in the ball (from ``generator`` if given,
    else from ``seed``); the random start of a batch therefore depends on its composition,
    while without it a batch equals its items attacked one by one.
    """
    eps = check_eps(eps)
    step_size = check_positive(step_size, "step_size")
    steps = check_steps(steps)
    norm = check_norm(norm)
    if not isinstance(random_start, bool):
        raise ValueError(f"random_start = {random_start!r}: accepted True or False")
    check_batch(x, y)
    start = random_start_point(x.detach(), eps, norm, seed=seed, generator=generator) if random_start else None
    settings = {"eps": eps, "step_size": step_size, "steps": steps, "norm": norm,
                "random_start": random_start, "seed": seed if generator is None else "generator"}
    return _ascend(model, x, y, eps=eps, step_size=step_size, steps=steps, norm=norm,
                   start=start, name="pgd", settings=settings)



def pgd_linf(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float, step_size: float,
    steps: int = 40, random_start: bool = True, seed: int | None = 0,
    generator: torch.Generator | None = None,
) -> AttackResult:
    """PGD in L-inf (K: 40 steps)."""
    return pgd(model, x, y, eps=eps, step_size=step_size, steps=steps, norm="linf",
               random_start=random_start, seed=seed, generator=generator)


def l2grad(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, eps: float) -> AttackResult:
    """L2GRAD (Y Table 5): ``clip_[0,1](x + eps * g / ||g||)`` per sample."""
    eps = check_eps(eps)
    return _ascend(model, x, y, eps=eps, step_size=eps, steps=1, norm="l2", start=None,
                   name="l2grad", settings={"eps": eps})
