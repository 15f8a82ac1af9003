"""Y6 -- Very large batches: baseline, linear lr scaling, robust training (Y §3.4, Table 8).

Setup (Y): C1 on CIFAR-10 with B = 8000, 10000, 25000, 50000 of the 50000 training images,
trained three ways: the baseline, Goyal et al.'s linear learning-rate scaling with warm-up
("FB"), and robust (adversarial) training. Y prints the test accuracy of each and says robust
training does better at large batches. Y gives nothing else for Table 8 (no learning rate,
epochs, adversary or eps): our choices are the parameters of :class:`Y6Params`, stated in the
chapter. The batch sizes are fractions of the training subset, so each scale keeps Y's ratios.

The package: :mod:`.paper` (Y's Table 8), :mod:`.params` (the schema), :mod:`.compute` (one
stored training run per (batch size, method), a job of :mod:`hessbook.kit.jobs`), :mod:`.claims` (the graded
claim and the prose's numbers), :mod:`.figures` (figure, tables, the explorer). Every run is
trained in ``n_seeds`` network seeds and the claim graded in each (:mod:`hessbook.kit.seeds`).
"""

from hessbook.chapters.y6.claims import claims, criteria, numbers
from hessbook.chapters.y6.compute import Results, jobs, run
from hessbook.chapters.y6.figures import explorer, figure_accuracy, paper_table, summary_table
from hessbook.chapters.y6.params import Params

__all__ = [
    "Params", "Results", "claims", "criteria", "explorer", "figure_accuracy", "jobs", "numbers", "paper_table",
    "run", "summary_table",
]
