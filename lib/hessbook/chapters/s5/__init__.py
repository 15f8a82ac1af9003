"""S5 -- From large to small batch without a barrier (S Sec. 4.1, Figs 8 and 9).

Setup (S Sec. 4.1): a bare AlexNet (no momentum, dropout or batch normalization) on CIFAR-10.
Part I trains with batch 1000 for 250 periods of 100 steps, recording losses and accuracies
every period; Part II continues from Part I's end point with batch 32, the same constant
learning rate, for another 250 x 100 steps. Claims: the losses jump (accuracies drop) at the
switch; Part II ends about 1% more accurate; the straight line between the two end points
has no barrier, while the line extended beyond either end rises.

What S does not give, and we chose (stated in the chapter): the learning rate; the AlexNet
adaptation (:func:`hessbook.models.alexnet_bare`); the interpolation range; the barrier
definition (:func:`barrier_height`). At cpu scale: a narrower network (``width``), a
CIFAR-10 subset and fewer, shorter periods.

Recording: the engine records the history every ``record_every`` iterations
(``TrainConfig.record_every``), across epoch boundaries, as S does ("every 100 steps").

The package: :mod:`.params` (parameters), :mod:`.analysis` (the records and what is measured
on them), :mod:`.compute` (``run``, the measured numbers), :mod:`.claims` (claims), :mod:`.figures`
(figures, explorer), :mod:`.regime` (regime criteria, run table, ``numbers``).
"""

from hessbook.chapters.s5.analysis import (
    Curves,
    Line,
    Summary,
    alphas,
    barrier_height,
    curves_from_histories,
    outside_rise,
    summarize,
)
from hessbook.chapters.s5.compute import Results, S5Interpolation, jobs, measured_numbers, part_configs, results, run
from hessbook.chapters.s5.figures import draw_line, explorer, figure_8, figure_9
from hessbook.chapters.s5.claims import (
    BARRIER_RULE,
    BARRIER_TOLERANCE,
    CHANCE_LOSS,
    GAIN_HELD,
    GAIN_RULE,
    JUMP_RULE,
    LEARNED_FRACTION,
    PAPER_ACCURACY_GAIN,
    PLATEAU_DROP,
    RISE_RULE,
    claims,
    rise_values,
    summary_claims,
)
from hessbook.chapters.s5.regime import criteria, numbers, runs_table, trained_runs
from hessbook.chapters.s5.params import METRICS, SPLITS, Params, S5Params

__all__ = [
    "BARRIER_RULE", "BARRIER_TOLERANCE", "CHANCE_LOSS", "GAIN_HELD", "GAIN_RULE", "JUMP_RULE", "LEARNED_FRACTION",
    "METRICS", "PAPER_ACCURACY_GAIN", "PLATEAU_DROP", "RISE_RULE", "SPLITS", "Curves", "Line", "Params", "Results", "S5Params",
    "Summary", "alphas", "barrier_height", "claims", "curves_from_histories", "draw_line", "explorer", "figure_8",
    "figure_9", "jobs", "numbers", "outside_rise", "part_configs", "S5Interpolation", "rise_values", "results", "run", "summarize", "summary_claims",
    "criteria", "measured_numbers", "runs_table", "trained_runs",
]
