"""Y's regime criteria: what every scale of the Y chapters must keep of Y's training, written from
the paper (and two measurements, named below) before any verdict was read. They are about
training loss, SGD steps, epochs, attack radii and seeds, never about a claim.

A smaller scale shrinks the data and the widths, not the training: every batch size trained to
Y's training loss (Y §2), M_ORI and the robust models trained as long as Y §3.4 says, Y §3.4's
radii, and at least three seeds where a chapter grades trends over seeds (Y §1). Each chapter's
``criteria(P)`` assembles these for its parameter block; Y2 and Y4 examine Y1's networks and
call :func:`network_criteria` on their ``y1_runs`` block, as Y1 does. The run tables
(:mod:`hessbook.regime`) check the other side: no network ends on its initial plateau.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from hessbook import regime
from hessbook.papers.yao.networks import Y1Runs
from hessbook.papers.yao.paper import LOSS_TARGET

NAMES = {"mnist": "MNIST", "cifar10": "CIFAR-10"}
MIN_SEEDS = 3
"""Y §1 (Limitations): 'repeated all the experiments at least three times'."""
STEPS_TO_TARGET = 1200
"""SGD steps the largest batch needs to reach Y's training loss 1e-3 (Y §2) at lr 0.01, momentum
0.9: measured on Y1's cpu networks in the stores built 2026-12-04 to 2026-12-06, M1 at B = 512 on
2000 MNIST images took 1,112-1,148 steps (278-287 epochs of 4) in its three seeds, C1 at B = 512 on
2000 CIFAR-10 images 664-704 (166-176 epochs); the counts move by a few epochs between builds on
different machines and thread counts (float summation order). Y1's prose glues this build's
counts (``y1-largest-epochs``). A block whose epoch cap (or epoch count) gives its largest batch
fewer steps stops that batch above the loss Y trains every batch size to."""
STEPS_OFF_PLATEAU_C1 = 32
"""SGD steps C1 needs to leave its initial plateau (training loss more than 10 % below ln 10) at
lr 0.01, momentum 0.9: measured 28-32 on 2026-12-04 in Y1's cpu runs (B = 256, 512 on 2000 images)
and Y6's (baseline B = 320, 400); Y6's B = 1000 with 24 steps did not leave it. Y's own Table 8
baseline has left it even at B = 50,000 (55 % test accuracy)."""

ROBUST_EPS_LINF = {"mnist": 0.1, "cifar10": 0.02}
"""Y §3.4: 'The perturbation magnitude, eps, is set to 0.1 for L-inf attack' (MNIST), 'eps = 0.02
for L-inf attack' (CIFAR-10)."""
ROBUST_EPS_L2 = {"mnist": 2.8, "cifar10": 1.2}
"""Y §3.4: '2.8 for L2 attack' (MNIST), '1.2 for L2 attack' (CIFAR-10)."""
ORI_EPOCHS = 100
"""Y §3.4: M_ORI trains with 'learning rate to 0.01 and momentum to 0.9, and decay the learning
rate by half after every 5 epochs, for a total of 100 epochs' (C3 on CIFAR-10: the same, 100 epochs)."""
ORI_SCHEDULE = (0.01, 0.9, 5)
"""Y §3.4: M_ORI's lr, momentum, and the epochs after which the lr is halved."""
ADV_EPOCHS = {"mnist": 5, "cifar10": 10}
"""Y §3.4: 'an additional five epochs of adversarial training with a learning rate of 0.01'
(MNIST); 'adversarial training is performed for a subsequent 10 epochs with a learning rate of
0.01 and momentum of 0.9 (the learning rate is decayed by half after five epochs)' (CIFAR-10)."""
ADV_HALVE_EVERY = {"mnist": 0, "cifar10": 5}
"""Y §3.4: the adversarial lr halved after 5 epochs on CIFAR-10; none said on MNIST (0: constant)."""
ADV_LR = 0.01
"""Y §3.4: adversarial training's learning rate, both datasets."""


def _join(values: Sequence[object]) -> str:
    return " / ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)


def loss_target(target: float) -> regime.Criterion:
    """Y §2: 'each of the batch sizes are trained until a training loss of 0.001 or better is achieved'."""
    return regime.Criterion(f"every batch size trained to Y's training loss {LOSS_TARGET:g} (Y §2)",
                            target <= LOSS_TARGET, f"loss target {target:g}")


def steps_criterion(steps: int, where: str, minimum: int = STEPS_TO_TARGET,
                    why: str = "the steps it needs to reach that loss (measured)") -> regime.Criterion:
    """The largest batch takes at least ``minimum`` SGD steps (``where``: which run, for the text)."""
    return regime.at_least(f"the largest batch takes at least {minimum:,} SGD steps, {why}", steps, minimum,
                           f"{steps:,} steps {where}")


def fewest_steps(runs: Y1Runs) -> tuple[int, str]:
    """The fewest SGD steps the epoch cap allows a network of ``runs`` (its largest batch on its
    training subset), and which network that is."""
    cells = [(runs.max_epochs * math.ceil(runs.n_train(m) / max(runs.sizes(m))), m) for m in runs.models]
    steps, model = min(cells)
    return steps, f"at {model.upper()} B = {max(runs.sizes(model))}, cap {runs.max_epochs} epochs"


def network_criteria(runs: Y1Runs) -> list[regime.Criterion]:
    """Y's criteria for the networks of Y1 (which Y2 and Y4 examine): trained to Y's loss, with an
    epoch cap that lets the largest batch get there."""
    steps, where = fewest_steps(runs)
    return [loss_target(runs.loss_target), steps_criterion(steps, where)]


def seeds(n_seeds: int, exception: str = "") -> regime.Criterion:
    """Y §1: every experiment repeated at least three times (a trend graded in each seed).
    ``exception``: why a chapter below it is still read (:attr:`hessbook.regime.Criterion.exception`)."""
    return regime.at_least(f"at least {MIN_SEEDS} seeds (Y §1)", n_seeds, MIN_SEEDS, f"{n_seeds} seed(s)", exception)


def radii(eps: Mapping[str, float], paper: Mapping[str, float], norm: str) -> regime.Criterion:
    """Y §3.4's radius of the ``norm`` attacks for each dataset in ``eps`` (keyed by dataset)."""
    names = list(eps)
    return regime.Criterion(f"Y's {norm} radii ε = {_join([paper[d] for d in names])} "
                            f"({_join([NAMES[d] for d in names])}, Y §3.4)",
                            all(math.isclose(eps[d], paper[d]) for d in names), f"ε = {_join([eps[d] for d in names])}")


CAPPED = "epoch cap"
"""The flag of a network the epoch cap stopped above Y's training loss (:func:`short_of_target`)."""
TARGET_WORDS = ("Y §2: 'each of the batch sizes are trained until a training loss of 0.001 or better is achieved. "
                "Different batches are trained under the same conditions'")


def short_of_target(stop_reason: str, final_loss: float, target: float) -> bool:
    """Whether a network of Y1 stopped on its epoch cap with its training loss still above the
    loss ``target`` (``stop_reason`` of :class:`hessbook.train.TrainResult`). Y compares batch
    sizes at one training loss (:data:`TARGET_WORDS`), so such a network is not in Y's regime:
    like one on its initial plateau it enters no statistic, and the trend it belongs to reads
    the rest of its row (at most partly, through the chapters' ``every_batch``)."""
    return stop_reason == "max_epochs" and final_loss > target


def capped_text(labels: Sequence[str], n_networks: int, target: float) -> str:
    """For a claim's evidence, whatever the count: " 0 of 45 networks stopped by the epoch cap
    above Y's training loss 0.001 (...)." or " 2 of 45 networks stopped ...: excluded from every
    statistic: A; B." (empty when no network was examined)."""
    if not n_networks:
        return ""
    text = (f" {len(labels)} of {n_networks} networks stopped by the epoch cap above Y's training loss {target:g} "
            f"({TARGET_WORDS})")
    return text + (": excluded from every statistic: " + "; ".join(labels) + "." if labels else ".")
