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

from hessbook.chapters.k1.claims import (
    COUNTER_RULE,
    FLAT_RELATIVE,
    FLAT_RULE,
    LAMBDA_RULE,
    LOSE_BENCHMARK_RULE,
    LOSE_LR_RULE,
    LOSE_RULE,
    TREND,
    claims,
    counterexample_claim,
    flat_claim,
    lambda_claim,
    lose_benchmark_claim,
    lose_claim,
    lose_lr_claim,
    numbers,
    paper_claims,
)
from hessbook.chapters.k1.compute import LINES, Results, run, runs
from hessbook.chapters.k1.figures import explorer, figure_counterexample, figure_item, runs_table
from hessbook.chapters.k1.params import K1Params, Params
from hessbook.papers.kamath.regime import criteria

__all__ = [
    "COUNTER_RULE", "FLAT_RELATIVE", "FLAT_RULE", "LAMBDA_RULE", "LINES", "LOSE_BENCHMARK_RULE",
    "LOSE_LR_RULE", "LOSE_RULE", "K1Params", "Params", "Results", "TREND", "claims", "counterexample_claim", "criteria",
    "explorer", "figure_counterexample", "figure_item", "flat_claim", "lambda_claim",
    "lose_benchmark_claim", "lose_claim", "lose_lr_claim", "numbers", "paper_claims", "run", "runs", "runs_table",
]
