"""Did a trained network reach the papers' regime? The criteria every chapter's runs are checked
against, written once, before any verdict is read off them.

A network that ends *on its initial plateau* measures under-training, not the papers' effects
(a λ1 or an accuracy of a network at chance says nothing about large batches or robustness).
A softmax classifier over ``c`` classes starts near the loss of the uniform prediction, ln c;
a network whose final training loss is still within :data:`PLATEAU_FRACTION` of ln c has not
left that plateau. Such runs, like diverged ones, enter no statistic: chapters flag them in their
run tables and name them in the verdicts' evidence.

The step count a run takes (epochs x batches per epoch) is reported beside it, so that a
fixed-epoch protocol on fewer images can be compared with the paper's step count.

Every chapter states its criteria as a list of :class:`Criterion` (``chapter.criteria(P)``: what a
parameter block must keep of the paper's training -- steps, loss target, radius, seeds -- and
what the block has), glued as ``<chapter>-criteria`` (:func:`criteria_text`), and shows every
trained network as a :class:`TrainedRun` row (:func:`runs_frame`): steps taken, final training
loss, test accuracy, flag. ``tests/test_regime_criteria.py`` holds every chapter's cpu block to
its criteria, except the exceptions the chapter names (:attr:`Criterion.exception`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PLATEAU_FRACTION = 0.1
"""A final training loss within this fraction of ln(classes) is on the initial plateau."""

DIVERGED = "diverged"
PLATEAU = "plateau"
FLAGS = (DIVERGED, PLATEAU)
"""What keeps a run out of every statistic."""


def chance_loss(num_classes: int) -> float:
    """Cross-entropy of the uniform prediction over ``num_classes`` classes: ln c."""
    if num_classes < 2:
        raise ValueError(f"num_classes = {num_classes}: accepted an integer >= 2")
    return math.log(num_classes)


def on_plateau(final_loss: float, num_classes: int, fraction: float = PLATEAU_FRACTION) -> bool:
    """The run ended with a training loss within ``fraction`` of ln c (NaN: not on it; see
    :func:`flag`, which calls a non-finite loss diverged)."""
    return math.isfinite(final_loss) and final_loss >= (1.0 - fraction) * chance_loss(num_classes)


def flag(final_loss: float, num_classes: int, diverged: bool = False) -> str:
    """``"diverged"`` (flagged, or a non-finite loss), ``"plateau"`` (:func:`on_plateau`), or ``""``."""
    if diverged or not math.isfinite(final_loss):
        return DIVERGED
    return PLATEAU if on_plateau(final_loss, num_classes) else ""


def steps_taken(epochs: int, n_train: int, batch_size: int, drop_last: bool = False) -> int:
    """SGD steps of ``epochs`` passes over ``n_train`` images at ``batch_size``."""
    per_epoch = n_train // batch_size if drop_last else -(-n_train // batch_size)
    return epochs * max(per_epoch, 0)


NOUNS = {DIVERGED: ("diverged run", "diverged runs"),
         PLATEAU: ("run on its initial plateau", "runs on their initial plateau")}


def flagged_text(labelled: list[tuple[str, str]]) -> str:
    """``(label, flag)`` pairs -> " Excluded from every statistic: 1 diverged run: A. 2 runs on
    their initial plateau: B; C." (empty when no pair is flagged)."""
    parts = []
    for name, (one, many) in NOUNS.items():
        mine = list(dict.fromkeys(label for label, f in labelled if f == name))
        if mine:
            parts.append(f"{len(mine)} {one if len(mine) == 1 else many}: {'; '.join(mine)}")
    return f" Excluded from every statistic: {'. '.join(parts)}." if parts else ""


@dataclass(frozen=True)
class Criterion:
    """One regime criterion of a chapter, whether a parameter block meets it, and what it has.

    ``exception``: why a block may miss it and the chapter still be read (e.g. the paper's own
    point is that the run stalls); empty for a criterion that must be met."""

    name: str
    met: bool
    found: str
    exception: str = ""


def criteria_text(criteria: Iterable[Criterion]) -> str:
    """One clause per criterion for the chapter's prose: "met" or "NOT met", and what the scale
    has (and the named exception of a criterion not met)."""
    parts = []
    for c in criteria:
        state = "met" if c.met else "NOT met"
        note = f"; {c.exception}" if c.exception and not c.met else ""
        parts.append(f"{c.name}: {state} ({c.found}{note})")
    return "; ".join(parts)


def unmet(criteria: Iterable[Criterion]) -> list[Criterion]:
    """The criteria not met and not excused by a named exception."""
    return [c for c in criteria if not c.met and not c.exception]


def at_least(name: str, value: float, minimum: float, found: str, exception: str = "") -> Criterion:
    """``value >= minimum`` as a criterion named ``name`` (``found``: what the block has)."""
    return Criterion(name, bool(value >= minimum), found, exception)


@dataclass(frozen=True)
class TrainedRun:
    """One trained network as a chapter's run table shows it.

    ``num_classes`` None: not a softmax classifier over classes (no plateau to leave). ``exception``:
    why a flag is expected (the paper's point is that this run stalls or diverges): the row says
    so, and the chapter names it among the sanctioned exceptions."""

    label: str
    steps: int
    final_loss: float
    num_classes: int | None
    test_accuracy: float = float("nan")
    """Percent; NaN where the chapter measures none."""
    diverged: bool = False
    exception: str = ""

    @property
    def flag(self) -> str:
        """``"diverged"``, ``"plateau"`` or ``""`` (:func:`flag`); a run without classes can
        only be flagged diverged."""
        if self.num_classes is None:
            return DIVERGED if self.diverged or not math.isfinite(self.final_loss) else ""
        return flag(self.final_loss, self.num_classes, self.diverged)

    @property
    def chance(self) -> float:
        return chance_loss(self.num_classes) if self.num_classes else float("nan")


def runs_frame(runs: Sequence[TrainedRun]):
    """The run table: one row per network (steps taken, final training loss beside ln c, test
    accuracy, flag, and the exception that sanctions a flag)."""
    import pandas as pd

    rows = [{"run": r.label, "steps": r.steps,
             "final loss": r.final_loss if math.isfinite(r.final_loss) else "– (diverged)",  # as flag() reads it
             "ln c": round(r.chance, 3) if r.num_classes else "–",
             "test %": round(r.test_accuracy, 1) if math.isfinite(r.test_accuracy) else "–",
             "flag": r.flag or "–", "expected because": r.exception or "–"} for r in runs]
    return pd.DataFrame(rows, columns=["run", "steps", "final loss", "ln c", "test %", "flag", "expected because"])


def plateau_summary(runs: Sequence[TrainedRun]) -> str:
    """One sentence for the prose: how many runs, how many flagged (and which), how many of
    those the paper sanctions."""
    flagged = [r for r in runs if r.flag]
    if not runs:
        return "no trained network at this scale"
    if not flagged:
        if len(runs) == 1:
            return "the one trained network left its initial plateau and did not diverge"
        return f"all {len(runs)} trained networks left their initial plateau, none diverged"
    sanctioned = [r for r in flagged if r.exception]
    text = f"{len(flagged)} of {len(runs)} trained networks flagged ({'; '.join(f'{r.label}: {r.flag}' for r in flagged)})"
    if sanctioned:
        text += f", {len(sanctioned)} of them expected ({'; '.join(f'{r.label}: {r.exception}' for r in sanctioned)})"
    return text
