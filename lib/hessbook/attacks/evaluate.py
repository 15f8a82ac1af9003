"""Accuracy on clean and adversarial data, and Y's cross-model tables (Tables 3 and 4).

Datasets are either a pair of tensors ``(inputs, labels)`` or a map-style
``torch.utils.data.Dataset`` of ``(input, label)`` items; they are processed in batches of
``batch_size`` on the model's device with a :func:`hessbook.progress.progress` bar.

Randomized attacks (PGD with random start) draw from one ``torch.Generator`` seeded with the
attack's ``seed`` and consumed batch after batch, so a result depends on the batch size (a
chapter that stores one keys it by the batch size, as Y5's table job does). Nothing here is
stored: the chapters' jobs store what they compute with these functions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from hessbook.attacks._common import eval_mode, is_integer
from hessbook.attacks.registry import Attack
from hessbook.progress import progress

Data = Any  # (inputs, labels) tensors or a map-style Dataset


# ----------------------------------------------------------------------------- data


def _length(data: Data) -> int:
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], torch.Tensor):
        if data[0].shape[0] != data[1].shape[0]:
            raise ValueError(f"inputs ({data[0].shape[0]}) and labels ({data[1].shape[0]}) differ in length")
        return int(data[0].shape[0])
    if hasattr(data, "__len__") and hasattr(data, "__getitem__"):
        return len(data)
    raise ValueError(f"data of type {type(data).__name__}: accepted (inputs, labels) tensors or a map-style Dataset")


def batches(data: Data, batch_size: int, *, device: torch.device | None = None,
            desc: str = "", quiet: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """``(x, y)`` batches in order, moved to ``device``, with a progress bar (unless quiet)."""
    if not is_integer(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size = {batch_size!r}: accepted an integer >= 1")
    batch_size = int(batch_size)
    n = _length(data)
    starts = range(0, n, batch_size)
    for start in (starts if quiet else progress(starts, desc=desc, total=len(starts))):
        stop = min(n, start + batch_size)
        if isinstance(data, (tuple, list)):
            x, y = data[0][start:stop], data[1][start:stop]
        else:
            items = [data[i] for i in range(start, stop)]
            x = torch.stack([torch.as_tensor(item[0]) for item in items])
            y = torch.as_tensor([int(item[1]) for item in items])
        if device is not None:
            x, y = x.to(device), y.to(device)
        yield x, y.long()


def model_device(model: nn.Module) -> torch.device:
    for t in model.parameters():
        return t.device
    for t in model.buffers():
        return t.device
    return torch.device("cpu")


# ----------------------------------------------------------------------------- accuracy


def _generator(attack: Attack) -> torch.Generator | None:
    if not attack.randomized:
        return None
    return torch.Generator(device="cpu").manual_seed(int(attack.settings["seed"]))


def accuracy(model: nn.Module, data: Data, *, batch_size: int = 500, desc: str = "accuracy") -> float:
    """Fraction of correctly classified samples (model in eval mode, mode restored)."""
    hits = correct(model, data, batch_size=batch_size, desc=desc)
    return int(hits.sum()) / max(len(hits), 1)


def correct(model: nn.Module, data: Data, *, batch_size: int = 500, desc: str = "accuracy") -> np.ndarray:
    """Whether each sample is classified correctly (bool, in the data's order; model in eval
    mode, mode restored): what a paired comparison of two accuracies on the same samples reads."""
    hits = []
    device = model_device(model)
    with eval_mode(model), torch.no_grad():
        for x, y in batches(data, batch_size, device=device, desc=desc):
            hits.append((model(x).argmax(dim=1) == y).cpu().numpy())
    return np.concatenate(hits) if hits else np.zeros(0, dtype=bool)


def _add_cg(acc: dict, result) -> None:
    """Accumulate the CG diagnostics of a second-order attack's result into ``acc``."""
    if result.cg is None:
        return
    s = result.cg.summary()
    for key in ("samples", "converged", "breakdown", "hit_cap"):
        acc[key] = acc.get(key, 0) + s[key]
    acc["fallback"] = acc.get("fallback", 0) + int(result.fallback.sum())
    acc["max_relative_residual"] = max(acc.get("max_relative_residual", 0.0), s["max_relative_residual"])


def adversarial_examples(model: nn.Module, data: Data, attack: Attack, *, batch_size: int = 500,
                         desc: str | None = None, cg: dict | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The adversarial version of a dataset made on ``model``: ``(x_adv, y)`` on the CPU.
    CG diagnostics of second-order attacks are added to ``cg`` when given."""
    generator = _generator(attack)
    device = model_device(model)
    xs, ys = [], []
    for x, y in batches(data, batch_size, device=device, desc=desc or f"{attack.name} examples"):
        result = attack(model, x, y, generator=generator)
        if cg is not None:
            _add_cg(cg, result)
        xs.append(result.x_adv.to("cpu"))
        ys.append(y.to("cpu"))
    return torch.cat(xs), torch.cat(ys)


@dataclass(frozen=True)
class Robustness:
    """Clean and adversarial accuracy of one model under white-box attacks."""

    n: int
    clean: float
    adversarial: Mapping[str, float]
    mean_loss_clean: float
    mean_loss_adversarial: Mapping[str, float]
    cg: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    correct: Mapping[str, np.ndarray] = field(default_factory=dict, compare=False)
    """Whether each sample is classified correctly (bool, in the data's order): ``"clean"`` and
    each attack's name. What a paired comparison of two accuracies on the same samples reads (left
    out of ``==``, which the accuracies decide, as arrays have no single truth value)."""


def _robustness(model: nn.Module, data: Data, attacks: Mapping[str, Attack], batch_size: int) -> dict:
    device = model_device(model)
    generators = {name: _generator(a) for name, a in attacks.items()}
    n = 0
    loss_clean = 0.0
    hits: dict[str, list[np.ndarray]] = {"clean": [], **{name: [] for name in attacks}}
    loss_adv = dict.fromkeys(attacks, 0.0)
    cg: dict[str, dict[str, float]] = {}
    with eval_mode(model):
        for x, y in batches(data, batch_size, device=device, desc="robust accuracy"):
            n += int(y.numel())
            with torch.no_grad():
                logits = model(x)
                hits["clean"].append((logits.argmax(1) == y).cpu().numpy())
                loss_clean += float(torch.nn.functional.cross_entropy(logits, y, reduction="sum"))
            for name, attack in attacks.items():
                result = attack(model, x, y, generator=generators[name])
                with torch.no_grad():
                    hits[name].append((model(result.x_adv).argmax(1) == y).cpu().numpy())
                loss_adv[name] += float(result.loss_adv.sum())
                if result.cg is not None:
                    _add_cg(cg.setdefault(name, {}), result)
    n = max(n, 1)
    correct = {k: np.concatenate(v) if v else np.zeros(0, dtype=bool) for k, v in hits.items()}
    return {
        "n": n,
        "clean": int(correct["clean"].sum()) / n,
        "adversarial": {k: int(correct[k].sum()) / n for k in attacks},
        "mean_loss_clean": loss_clean / n,
        "mean_loss_adversarial": {k: v / n for k, v in loss_adv.items()},
        "cg": cg,
        "correct": correct,
    }


def robustness(model: nn.Module, data: Data, attacks: Mapping[str, Attack] | Sequence[Attack] | Attack, *,
               batch_size: int = 500) -> Robustness:
    """Clean accuracy and white-box adversarial accuracy of ``model`` for each attack (each
    batch attacked on the model itself, as K's FGSM/PGD test accuracy)."""
    attacks = _as_mapping(attacks)
    if "clean" in attacks:
        raise ValueError("'clean' is reserved for the clean outcomes; name the attack otherwise")
    return Robustness(**_robustness(model, data, attacks, batch_size))


def _as_mapping(attacks) -> dict[str, Attack]:
    if isinstance(attacks, Attack):
        return {attacks.name: attacks}
    if isinstance(attacks, Mapping):
        return dict(attacks)
    out: dict[str, Attack] = {}
    for a in attacks:
        if a.name in out:
            raise ValueError(f"two attacks named {a.name!r}: pass a dict to name the columns")
        out[a.name] = a
    return out


# ----------------------------------------------------------------------------- Y Tables 3-4


@dataclass(frozen=True)
class AttackTable:
    """Accuracy (in [0, 1]) of each model (rows) on the clean data and on each adversarial
    set made on the source model (columns), as in Y Tables 3 and 4; ``mean_adv`` is the mean
    over the adversarial columns (Y's "MEAN of Adv")."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    accuracy: np.ndarray
    source: str
    n: int
    cg: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    correct: np.ndarray | None = None
    """Whether each model classifies each sample of each set correctly, ``(rows, columns, n)``
    bool (None in tables stored without it): every set is made of the same ``n`` samples, so two
    cells compare sample by sample (:func:`hessbook.stats.paired_difference_se`)."""

    def outcomes(self, row: str, column: str) -> np.ndarray | None:
        """The per-sample outcomes (1.0 correct, 0.0 not) of one cell, or None without them."""
        if self.correct is None:
            return None
        return self.correct[self.rows.index(row), self.columns.index(column)].astype(float)

    @property
    def mean_adv(self) -> np.ndarray:
        adv = self.accuracy[:, 1:]
        return adv.mean(axis=1) if adv.shape[1] else np.full(len(self.rows), np.nan)

    def value(self, row: str, column: str) -> float:
        return float(self.accuracy[self.rows.index(row), self.columns.index(column)])

    def to_frame(self, percent: bool = True):
        import pandas as pd

        scale = 100.0 if percent else 1.0
        frame = pd.DataFrame(self.accuracy * scale, index=list(self.rows), columns=list(self.columns))
        frame["mean_adv"] = self.mean_adv * scale
        return frame


def _transfer(models: Mapping[str, nn.Module], source: str, data: Data, attacks: Mapping[str, Attack],
              batch_size: int) -> dict:
    src = models[source]
    sets = {"clean": data}
    cg: dict[str, dict] = {}
    for name, attack in attacks.items():
        acc: dict = {}
        sets[name] = adversarial_examples(src, data, attack, batch_size=batch_size,
                                          desc=f"D_{name} on {source}", cg=acc)
        if acc:
            cg[name] = acc
    n = _length(data)
    table = np.zeros((len(models), len(sets)))
    hits = np.zeros((len(models), len(sets), n), dtype=bool)
    for i, (row, model) in enumerate(models.items()):
        for j, (col, d) in enumerate(sets.items()):
            hits[i, j] = correct(model, d, batch_size=batch_size, desc=f"{row} on D_{col}")
            table[i, j] = int(hits[i, j].sum()) / max(n, 1)
    return {"accuracy": table, "rows": list(models), "columns": list(sets), "n": n,
            "source": source, "cg": cg, "correct": hits}


def transfer_table(models: Mapping[str, nn.Module], source: str, data: Data,
                   attacks: Mapping[str, Attack] | Sequence[Attack], *, batch_size: int = 500) -> AttackTable:
    """Y Tables 3-4: adversarial sets made on ``models[source]`` (M_ORI) by each attack,
    evaluated on every model. Rows follow ``models``' order, columns are ``clean`` then the
    attacks."""
    attacks = _as_mapping(attacks)
    if source not in models:
        raise ValueError(f"source {source!r} is not one of the models: {', '.join(models)}")
    if "clean" in attacks:
        raise ValueError("'clean' is reserved for the clean column; name the attack otherwise")
    out = _transfer(models, source, data, attacks, batch_size)
    return AttackTable(rows=tuple(out["rows"]), columns=tuple(out["columns"]),
                       accuracy=np.asarray(out["accuracy"], dtype=float), source=out["source"],
                       n=int(out["n"]), cg=out["cg"], correct=out["correct"])
