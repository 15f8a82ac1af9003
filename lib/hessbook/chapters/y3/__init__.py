"""Y3 -- Curvature during training (Y §2 and §3.4, Figs 4, 16).

Y's claims: during training, the dominant eigenvalue lambda1 of the Hessian w.r.t. the weights
climbs higher for a large batch than for a small one while the total gradient stays away from
zero (no saddle point), and robust (adversarial) training keeps lambda1 lower.

What we compute: for each model, a small and a large batch, each trained clean and with robust
training (Y §3.1's min-max problem, FGSM's inner maximisation, the whole batch adversarial), the
same lr, momentum and epoch cap for all, each run until its clean training loss reaches Y's 1e-3
(``loss_target``, Y §2); every ``record_epochs`` epochs the engine records lambda1
of the Hessian of the clean training loss over the whole training subset (the library's epoch
metric ``hessian_lambda1``: Lanczos, residual reported) and the total gradient norm
(``grad_norm``). Each run is one job on the Dask sweep.

The package: :mod:`.paper` (Y's words), :mod:`.params` (the schema), :mod:`.compute` (stored
runs), :mod:`.claims` (graded claims, the prose's numbers), :mod:`.figures`.
"""

from hessbook.chapters.y3.claims import claims, criteria, numbers
from hessbook.chapters.y3.compute import Results, jobs, run
from hessbook.chapters.y3.figures import explorer, figure_dynamics, runs_table, summary_table
from hessbook.chapters.y3.params import Params

__all__ = [
    "Params", "Results", "claims", "criteria", "explorer", "figure_dynamics", "jobs", "numbers", "run",
    "runs_table", "summary_table",
]
