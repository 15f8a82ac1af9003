"""Learning-rate rules: small pure functions of (epoch, iteration), unit-tested.

``epoch`` counts from 0; ``iteration`` is the global step count from 0. Every rule has the
signature ``rule(epoch, iteration, *, lr, batch_size, iters_per_epoch, **params) -> float``
so the engine can call any of them the same way; :func:`lr_at` looks one up by name.

- ``constant``: ``lr`` (S; K's "LR" setting: lr 0.01 whatever the batch size).
- ``halve``: ``lr * factor ** (epoch // every)``; Y's schedule is ``every=5, factor=0.5``
  (K's "Benchmark").
- ``lr_bs``: ``ratio * batch_size``, K's "LR/BS" setting (ratio 0.00015625 = 0.01 / 64).
- ``goyal``: linear scaling ``lr * batch_size / base_batch_size`` with a linear warm-up over
  the first ``warmup_epochs`` epochs (per iteration, from ``lr`` to the scaled rate), then
  optionally halved every ``halve_every`` epochs (Goyal et al. 2017; Y Table 8).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any


def constant(epoch: int, iteration: int, *, lr: float, batch_size: int, iters_per_epoch: int) -> float:
    return lr


def halve(epoch: int, iteration: int, *, lr: float, batch_size: int, iters_per_epoch: int,
          every: int = 5, factor: float = 0.5) -> float:
    if every < 1:
        raise ValueError(f"halve: every = {every} must be >= 1 epoch")
    return lr * factor ** (epoch // every)


def lr_bs(epoch: int, iteration: int, *, lr: float, batch_size: int, iters_per_epoch: int,
          ratio: float = 0.00015625) -> float:
    """K's LR/BS: the learning rate is ``ratio * batch_size`` (``lr`` is ignored)."""
    return ratio * batch_size


def goyal(epoch: int, iteration: int, *, lr: float, batch_size: int, iters_per_epoch: int,
          base_batch_size: int = 128, warmup_epochs: float = 5.0,
          halve_every: int | None = None) -> float:
    target = lr * batch_size / base_batch_size
    warmup_iters = warmup_epochs * iters_per_epoch
    if iteration < warmup_iters:
        return lr + (target - lr) * iteration / warmup_iters
    if halve_every:
        return target * 0.5 ** (epoch // halve_every)
    return target


def epochs_in_images_seen(paper_epochs: int, paper_n_train: int, n_train: int) -> int:
    """``paper_epochs`` epochs of a paper's ``paper_n_train`` training images, as epochs of
    ``n_train`` images that show the same number of images (at least 1).

    Why: a schedule written in a paper's epochs ("halve every 5 epochs") on fewer images halves
    the rate after far fewer SGD steps. Counted in images seen, the rate is the same function of
    the images a network has seen at every scale, and each image is seen more often at each rate
    (K's Benchmark; Y5's ``halve_counted_in = "images_seen"``, not its default)."""
    return max(1, round(paper_epochs * paper_n_train / n_train))


RULES: dict[str, Callable[..., float]] = {
    "constant": constant, "halve": halve, "lr_bs": lr_bs, "goyal": goyal,
}


def rule_params(name: str) -> dict[str, Any]:
    """The extra parameters of rule ``name`` with their defaults."""
    check_rule(name, {})
    sig = inspect.signature(RULES[name]).parameters
    fixed = {"epoch", "iteration", "lr", "batch_size", "iters_per_epoch"}
    return {k: v.default for k, v in sig.items() if k not in fixed}


def check_rule(name: str, params: Mapping[str, Any]) -> None:
    """Raise ValueError for an unknown rule or parameter, naming what is accepted."""
    if name not in RULES:
        raise ValueError(f"unknown learning-rate rule {name!r}; accepted: {', '.join(RULES)}")
    accepted = rule_params(name) if params else {}
    unknown = [k for k in params if k not in accepted]
    if unknown:
        raise ValueError(
            f"learning-rate rule {name!r}: unknown parameter(s) {', '.join(map(repr, unknown))}; "
            f"accepted: {', '.join(f'{k}={v!r}' for k, v in accepted.items()) or 'none'}"
        )


def lr_at(name: str, epoch: int, iteration: int, *, lr: float, batch_size: int,
          iters_per_epoch: int, params: Mapping[str, Any] | None = None) -> float:
    """Learning rate of rule ``name`` at (``epoch``, ``iteration``)."""
    params = dict(params or {})
    check_rule(name, params)
    return float(RULES[name](epoch, iteration, lr=lr, batch_size=batch_size,
                             iters_per_epoch=iters_per_epoch, **params))
