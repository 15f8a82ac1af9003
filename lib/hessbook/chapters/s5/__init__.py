"""S5 -- From large to small batch without a barrier (S Sec. 4.1, Figs 8 and 9).

Setup (S Sec. 4.1): a bare AlexNet (no momentum, dropout or batch normalization) on CIFAR-10.
Part I trains with batch 1000 for 250 periods of 100 steps, recording losses and accuracies
every period; Part II continues from Part I's end point with batch 32, the same constant
learning rate, for another 250 x 100 steps. Claims: the losses jump (accuracies drop) at the
switch; Part II ends about 1% more accurate; the straight line between the two end points
has no barrier, while the line extended beyond either end rises.

What S does not give, and we chose (stated in the chapter): the learning rate; the AlexNet
adaptation (:func:`hessbook.models.alexnet_bare`); the interpolation range; the barrier
definition (:func:`.analysis.barrier_height`). At cpu scale: a narrower network (``width``), a
CIFAR-10 subset and fewer, shorter periods.

Recording: the engine records the history every ``record_every`` iterations
(``TrainConfig.record_every``), across epoch boundaries, as S does ("every 100 steps").

The package: :mod:`.params` (parameters), :mod:`.analysis` (the records and what is measured
on them), :mod:`.compute` (``run``), :mod:`.claims` (claims, regime criteria, numbers),
:mod:`.figures` (figures, run table, explorer).
"""

from hessbook.chapters.s5.claims import claims, criteria, numbers
from hessbook.chapters.s5.compute import Results, jobs, run
from hessbook.chapters.s5.figures import explorer, figure_8, figure_9, runs_table
from hessbook.chapters.s5.params import Params

__all__ = ["Params", "Results", "claims", "criteria", "explorer", "figure_8", "figure_9", "jobs", "numbers", "run",
           "runs_table"]
