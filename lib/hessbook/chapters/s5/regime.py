"""S5's regime criteria and run table (written from S before any verdict was read;
:mod:`hessbook.regime`).

S Sec. 4.1 is the one experiment S gives step counts for: Part I trains the bare AlexNet on
full CIFAR-10 with batch 1000 for 250 periods of 100 steps, Part II continues with batch 32 for
another 250 x 100 steps, and S reads the two end points as "two solutions" that Part I and Part
II "converge to". So the criteria are S's steps per part and a Part I that has converged when
the batch changes (measured: off its initial plateau, and its training loss no longer falling).
"""

from __future__ import annotations

import math

import numpy as np

from hessbook import regime
from hessbook.chapters.s5.compute import Results, measured_numbers
from hessbook.chapters.s5.claims import PLATEAU_DROP
from hessbook.chapters.s5.params import S5Params

PAPER_PERIODS, PAPER_PERIOD_STEPS = 250, 100
"""S Sec. 4.1: "Record every 100 steps for 250 times", in each part."""
PAPER_STEPS = PAPER_PERIODS * PAPER_PERIOD_STEPS
CIFAR_CLASSES = 10


def part_steps(P: S5Params) -> tuple[int, int]:
    """SGD steps of Part I and Part II."""
    return P.periods_large * P.record_every, P.periods_small * P.record_every


def criteria(P: S5Params, R: Results | None = None) -> list[regime.Criterion]:
    """S5's criteria for the block ``P``; with the results ``R``, also whether Part I converged
    before the switch (off its plateau, :mod:`hessbook.regime`, and its training loss falling by less
    than :data:`~hessbook.chapters.s5.claims.PLATEAU_DROP` over the second half of its records)."""
    one, two = part_steps(P)
    out = [
        regime.at_least(f"Part I takes S's {PAPER_STEPS:,} steps ({PAPER_PERIODS} x {PAPER_PERIOD_STEPS}, S Sec. 4.1)",
                        one, PAPER_STEPS, f"{P.periods_large} x {P.record_every} = {one:,} steps at batch {P.large_batch}"),
        regime.at_least(f"Part II takes S's {PAPER_STEPS:,} steps (S Sec. 4.1)", two, PAPER_STEPS,
                        f"{P.periods_small} x {P.record_every} = {two:,} steps at batch {P.small_batch}"),
    ]
    if R is not None:
        part1 = trained_runs(R)[0]
        drop = R.summary.lb_late_drop
        converged = not part1.flag and math.isfinite(drop) and drop < PLATEAU_DROP
        out.append(regime.Criterion(
            f"Part I converged before the switch (off its initial plateau; training loss fell < {PLATEAU_DROP:.0%} "
            "over its second half; S Sec. 4.1: \"converge to two solutions\")", converged,
            f"final training loss {part1.final_loss:.3f} (ln 10 = {part1.chance:.3f}"
            + (f", {part1.flag}" if part1.flag else "") + f"), fell {100 * drop:.1f} % over its second half"))
    return out


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """Part I and Part II: steps, the training loss and test accuracy of each part's last record."""
    c = R.curves
    k = int(np.flatnonzero(c.iterations == c.switch)[-1])  # last Part I record
    ends = [("Part I (batch %d)" % R.params.large_batch, int(c.switch), k)]
    if k + 1 < len(c.iterations):
        ends.append(("Part II (batch %d)" % R.params.small_batch, int(c.iterations[-1] - c.switch), len(c.iterations) - 1))
    return [regime.TrainedRun(label, steps, float(c.train_loss[i]), CIFAR_CLASSES, 100 * float(c.test_acc[i]),
                              diverged=not math.isfinite(float(c.train_loss[i]))) for label, steps, i in ends]


def runs_table(R: Results):
    """The run table: both parts, with the training accuracy of each part's last record."""
    from hessbook.papers.sagun.regime import run_table

    c = R.curves
    k = int(np.flatnonzero(c.iterations == c.switch)[-1])
    runs = trained_runs(R)
    return run_table(runs, [float(c.train_acc[i]) for i in (k, len(c.iterations) - 1)][:len(runs)])


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``s5-<name>``): the measurements
    (:func:`~hessbook.chapters.s5.compute.measured_numbers`), the regime criteria and the run
    table's summary."""
    return {**measured_numbers(R), "criteria": regime.criteria_text(criteria(R.params, R)),
            "plateau": regime.plateau_summary(trained_runs(R))}
