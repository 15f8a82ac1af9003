"""Y3 -- Curvature during training (Y §2 and §3.4, Figs 4, 16).

Y's claims: during training, the dominant eigenvalue lambda1 of the Hessian w.r.t. the weights
climbs higher for a large batch than for a small one while the total gradient stays away from
zero (no saddle point), and robust (adversarial) training keeps lambda1 lower.

What we compute: for each model, a small and a large batch, each trained clean and with robust
training (Y §3.1's min-max problem, FGSM's inner maximisation, the whole batch adversarial), the
same lr, momentum and epochs for all; every ``record_epochs`` epochs the engine records lambda1
of the Hessian of the clean training loss over the whole training subset (the library's epoch
metric ``hessian_lambda1``: Lanczos, residual reported) and the total gradient norm
(``grad_norm``). Each run is one job on the Dask sweep.

The package: :mod:`.paper` (Y's words), :mod:`.params` (the schema), :mod:`.compute` (stored
runs), :mod:`.claims` (graded claims, the prose's numbers), :mod:`.figures`.
"""

from hessbook.chapters.y3.claims import (
    BATCH_RATIO,
    BATCH_RULE,
    ROBUST_RATIO,
    ROBUST_RULE,
    batch_claim,
    batch_claim_of,
    batch_ratios,
    claims,
    criteria,
    deviations,
    graded_claims,
    numbers,
    peak_ratios,
    robust_claim,
    robust_claim_of,
    robust_ratios,
    trained_runs,
)
from hessbook.chapters.y3.compute import METRICS, Curves, Missing, Results, Y3Run, jobs, run, train_config
from hessbook.chapters.y3.figures import draw_runs, explorer, figure_dynamics, runs_table, summary_table
from hessbook.chapters.y3.params import Params, Y3Params

__all__ = [
    "BATCH_RATIO", "BATCH_RULE", "Curves", "METRICS", "Missing", "Params", "ROBUST_RATIO", "ROBUST_RULE", "Results",
    "Y3Params", "batch_claim", "batch_claim_of", "batch_ratios", "claims", "Y3Run", "criteria", "deviations",
    "draw_runs", "explorer", "figure_dynamics", "jobs", "numbers", "peak_ratios", "robust_claim", "robust_claim_of",
    "robust_ratios", "run", "runs_table", "summary_table", "train_config", "trained_runs",
]
