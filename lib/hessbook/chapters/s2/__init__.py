"""S2 -- Gaussian clusters: the outliers of the Hessian count the classes (S Sec. 3.1, Fig 2,
Appendix A, Table 1), and why they do or do not.

Setup (S App. A): input d = 100, two hidden layers of 30 units, k outputs with softmax
cross-entropy; k Gaussian clusters in the input space, normalized globally; trained by GD
or SGD with tanh or ReLU, input covariance multiplier 1 or 10; the exact Hessian's
eigenvalues are counted above S's three cutoffs (largest gap, largest ratio, elbow) and our
reading of S's heuristic threshold (``heur``), and predicted from the class/cross-class
structure of the Gauss-Newton matrix (:mod:`hessbook.curvature.class_structure`, Papyan 2019).

What S does not give, and we chose (stated in the chapter): the number of samples, the
step size, the number of iterations and the SGD batch size (``S2Params``); the cluster
geometry (:func:`hessbook.data.gaussian_clusters`); the cutoff formulas
(:mod:`hessbook.curvature.outliers`). Beyond S: k values Table 1 lacks, a cluster-separation
sweep, Fig 2's rows trained longer, and a widget for any k and separation.

The package: :mod:`.params` (the schema, variations), :mod:`.paper` (Table 1 as printed),
:mod:`.compute` (one stored job per case), :mod:`.analysis` (what the claims, numbers and tables
read: rates, sweeps, location errors), :mod:`.claims` (claims, regime criteria, the cases that
enter the statistics, numbers), :mod:`.figures` (figures, tables, run table, explorers).
"""

from hessbook.chapters.s2.claims import claims, criteria, numbers
from hessbook.chapters.s2.compute import Results, jobs, run
from hessbook.chapters.s2.figures import (any_k, explorer, figure_2, figure_why, runs_table, summary_table,
                                          unseen_table, variation_summary, variation_table)
from hessbook.chapters.s2.params import Params

__all__ = [
    "Params", "Results", "any_k", "claims", "criteria", "explorer", "figure_2", "figure_why", "jobs", "numbers", "run",
    "runs_table", "summary_table", "unseen_table", "variation_summary", "variation_table",
]
