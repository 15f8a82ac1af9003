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
"""

from __future__ import annotations

import math

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
