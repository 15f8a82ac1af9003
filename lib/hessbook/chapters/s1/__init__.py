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

The package: :mod:`.params` (parameters), :mod:`.compute` (the stored spectra of one point, the
decomposition measured on them, ``run``), :mod:`.claims` (claims, regime criteria, numbers),
:mod:`.figures` (figures, tables, explorer). The spectrum measures (numerical rank, bulk, gap
outliers) are the library's (:mod:`hessbook.curvature.outliers`).
"""

from hessbook.chapters.s1.claims import claims, criteria, numbers
from hessbook.chapters.s1.compute import Results, jobs, run
from hessbook.chapters.s1.figures import (decomposition_table, explorer, figure_1, figure_decomposition, runs_table,
                                          spectrum_summary)
from hessbook.chapters.s1.params import Params

__all__ = [
    "Params", "Results", "claims", "criteria", "decomposition_table", "explorer", "figure_1", "figure_decomposition",
    "jobs", "numbers", "run", "runs_table", "spectrum_summary",
]
