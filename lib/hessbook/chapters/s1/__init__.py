"""S1 -- The full spectrum and the generalized Gauss-Newton decomposition (S Sec. 2.1-2.2,
Fig 1, Eq. 2-5).

Setup. S Fig 1: "a two hidden layer network with a total of 5K parameters that is trained
using gradient descent", every eigenvalue at the random initial point and after GD. S does not
say which data; we use S2's network and data (the S-MLP on ``k`` Gaussian clusters, d = 100,
two hidden layers of 30 ReLU units, softmax cross-entropy): ``k = 50`` gives 5510 parameters,
S Table 1's largest row.

Eq. 4 splits the Hessian of the mean loss into G = (1/N) sum_i J_i^T (d^2 l_i) J_i (the
generalized Gauss-Newton matrix, PSD because the loss is convex in the outputs) and H - G =
(1/N) sum_i sum_c (dl_i/df_ic) d^2 f_ic. S's counting argument (Eq. 5: "at least M - N
trivial eigenvalues") is for one output per sample; with ``k`` softmax outputs each
d^2 l_i = diag(p_i) - p_i p_i^T has rank k - 1 (it annihilates the all-ones vector), so
rank(G) <= N (k - 1) and G has at least M - N (k - 1) zero eigenvalues. The chapter picks N
small enough that this bound is below M, so the claim is testable.

Numerical rank: eigenvalues of G above ``rank_tolerance * lambda_max(G)``. G is assembled in
float64 and ``eigvalsh`` is backward stable, so the eigenvalues of an exactly singular G come
out at O(M eps lambda_max) ~ 1e-12 lambda_max; 1e-10 sits a hundred times above that and far
below G's smallest genuine eigenvalues. The chapter shows the count at 1e-8, 1e-10 and 1e-12
(it is the same when the gap is real) and G's most negative eigenvalue, which is pure
rounding and so measures the noise floor directly.

The package: :mod:`.params` (parameters), :mod:`.measure` (the stored spectra of one point and
what is measured on them), :mod:`.compute` (``run``), :mod:`.summaries` (numbers, tables),
:mod:`.figures` (figures, explorer), :mod:`.claims` (claims), :mod:`.regime` (regime criteria, run
table).
"""

from hessbook.chapters.s1.compute import Results, S1Spectra, jobs, results, run, train_config
from hessbook.chapters.s1.figures import draw_ordered, explorer, figure_1, figure_decomposition
from hessbook.chapters.s1.claims import claims, graded_claims, decomposition_rule, decomposition_values, fig1_rule
from hessbook.chapters.s1.measure import (
    Decomposition,
    PointSpectra,
    bulk_fraction,
    decomposition,
    frobenius,
    numerical_rank,
    outliers,
)
from hessbook.chapters.s1.regime import criteria, runs_table, trained_runs
from hessbook.chapters.s1.params import MATRICES, MATRIX_LABELS, POINTS, RANK_TOLERANCES, Params, S1Params
from hessbook.chapters.s1.summaries import decomposition_table, numbers, spectrum_summary

__all__ = [
    "MATRICES", "MATRIX_LABELS", "POINTS", "RANK_TOLERANCES", "Decomposition", "Params", "PointSpectra", "Results",
    "S1Params", "bulk_fraction", "claims", "criteria", "graded_claims", "decomposition", "decomposition_rule", "decomposition_table",
    "decomposition_values",
    "draw_ordered", "explorer", "fig1_rule", "figure_1", "figure_decomposition", "frobenius", "numbers",
    "numerical_rank", "outliers", "S1Spectra", "jobs", "results", "run", "runs_table", "spectrum_summary", "train_config",
    "trained_runs",
]
