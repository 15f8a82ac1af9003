"""K1 -- Batch size, learning-rate rules and robustness (Kamath et al. §3, Figs 1-6, 15-18).

K trains each model for 100 epochs under three rules -- LR (lr 0.01), LR/BS (lr = 0.00015625 B),
Benchmark (Y's schedule: lr 0.01, momentum 0.9, halved every 5 epochs) -- at momentum 0 (the
Benchmark at 0.9), and plots test accuracy, FGSM and PGD-40 accuracy and λ1 of the Hessian
against the batch size. The jobs are the shared grid's (:mod:`hessbook.papers.kamath`), so
K2 reuses every network K1 trains.

The package: :mod:`.params` (the schema), :mod:`.compute` (the jobs), :mod:`.claims` (graded
claims and the prose's numbers, and the same claims graded on K's own statements),
:mod:`.figures` (K's panels, the counterexample, the explorer).
"""

from hessbook.chapters.k1.claims import claims, numbers, paper_claims
from hessbook.chapters.k1.compute import Results, jobs, run
from hessbook.chapters.k1.figures import explorer, figure_counterexample, figure_item, runs_table
from hessbook.chapters.k1.params import Params
from hessbook.papers.kamath.regime import criteria

__all__ = [
    "Params", "Results", "claims", "criteria", "explorer", "figure_counterexample", "figure_item", "jobs",
    "numbers", "paper_claims", "run", "runs_table",
]
