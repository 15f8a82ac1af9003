"""Attacks by name with explicit, validated settings: ``make_attack("pgd", eps=0.3, ...)``."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from hessbook.attacks._common import AttackResult, check_eps, check_norm, check_positive, check_steps, is_integer
from hessbook.attacks.first_order import fgsm, fgsm_iterated, l2grad, pgd
from hessbook.attacks.second_order import FORCING, SOLVE_DTYPES, fhsm, l2hess

ATTACKS: dict[str, Callable[..., AttackResult]] = {
    "fgsm": fgsm,
    "fgsm10": fgsm_iterated,
    "pgd": pgd,
    "l2grad": l2grad,
    "fhsm": fhsm,
    "l2hess": l2hess,
}
"""Name -> attack function ``fn(model, x, y, **settings) -> AttackResult``."""

NORM_OF = {"fgsm": "linf", "fgsm10": "linf", "pgd": None, "l2grad": "l2", "fhsm": "linf", "l2hess": "l2"}
"""The norm whose eps ball each attack stays in (``pgd``: its ``norm`` setting)."""


def _check_setting(key: str, value: Any, default: Any = inspect.Parameter.empty) -> Any:
    if value is None and default is None:  # an optional setting left at its default
        return None
    if key == "eps":
        return check_eps(value)
    if key in ("steps", "max_iter"):
        return check_steps(value, key)
    if key in ("step_size", "breakdown_rtol"):
        return check_positive(value, key)
    if key == "rtol":
        value = check_positive(value, key)
        if value >= 1:
            raise ValueError(f"rtol = {value!r}: accepted a number in (0, 1)")
        return value
    if key == "norm":
        return check_norm(value)
    if key == "forcing":
        if value not in FORCING:
            raise ValueError(f"forcing = {value!r}: accepted {', '.join(repr(f) for f in FORCING)}")
        return value
    if key == "solve_dtype":
        if value not in SOLVE_DTYPES:
            raise ValueError(f"solve_dtype = {value!r}: accepted {', '.join(repr(d) for d in SOLVE_DTYPES)}")
        return value
    if key == "random_start":
        if not isinstance(value, bool):
            raise ValueError(f"random_start = {value!r}: accepted True or False")
        return value
    if key == "seed":
        if value is not None and (not is_integer(value) or value < 0):
            raise ValueError(f"seed = {value!r}: accepted an integer >= 0")
        return None if value is None else int(value)
    return value


def _signature(name: str) -> tuple[dict[str, Any], set[str]]:
    """(settings with defaults, required settings) of an attack function."""
    params = inspect.signature(ATTACKS[name]).parameters
    defaults, required = {}, set()
    for key, p in params.items():
        if p.kind is not inspect.Parameter.KEYWORD_ONLY or key == "generator":
            continue
        if p.default is inspect.Parameter.empty:
            required.add(key)
        else:
            defaults[key] = p.default
    return defaults, required


def check_settings(name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an attack's settings: every key known, every required key given, every value
    acceptable. Returns the full settings (defaults filled in)."""
    if name not in ATTACKS:
        raise ValueError(f"unknown attack {name!r}: accepted {', '.join(sorted(ATTACKS))}")
    defaults, required = _signature(name)
    accepted = sorted(set(defaults) | required)
    unknown = sorted(set(settings) - set(accepted))
    if unknown:
        raise ValueError(f"attack {name!r}: unknown setting(s) {', '.join(unknown)}; accepted {', '.join(accepted)}")
    missing = sorted(required - set(settings))
    if missing:
        raise ValueError(f"attack {name!r}: missing setting(s) {', '.join(missing)}")
    full = {**defaults, **settings}
    return {k: _check_setting(k, v, defaults.get(k, inspect.Parameter.empty)) for k, v in full.items()}


@dataclass(frozen=True)
class Attack:
    """An attack with fixed settings; ``attack(model, x, y) -> AttackResult``."""

    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, *,
                 generator: torch.Generator | None = None) -> AttackResult:
        kwargs = dict(self.settings)
        if generator is not None:
            if "seed" not in kwargs:
                raise ValueError(f"attack {self.name!r} is deterministic and takes no generator")
            kwargs["generator"] = generator
        return ATTACKS[self.name](model, x, y, **kwargs)

    @property
    def norm(self) -> str:
        return NORM_OF[self.name] or self.settings["norm"]

    @property
    def eps(self) -> float:
        return float(self.settings["eps"])

    @property
    def randomized(self) -> bool:
        return bool(self.settings.get("random_start", False))

    def params(self) -> dict[str, Any]:
        """Plain description for result-store keys."""
        return {"attack": self.name, **dict(sorted(self.settings.items()))}


def make_attack(name: str, **settings: Any) -> Attack:
    """The attack ``name`` (one of :data:`ATTACKS`) with validated explicit settings."""
    return Attack(name=name, settings=check_settings(name, settings))
