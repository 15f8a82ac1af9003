"""S2 -- Gaussian clusters: the outliers of the Hessian count the classes (S Sec. 3.1, Fig 2,
Appendix A, Table 1).

Setup (S App. A): input d = 100, two hidden layers of 30 units, k outputs with softmax
cross-entropy; k Gaussian clusters in the input space, normalized globally; trained by GD
or SGD with tanh or ReLU, input covariance multiplier 1 or 10; the exact Hessian's
eigenvalues are counted above three cutoffs (largest gap, largest ratio, elbow).

What S does not give, and we chose (stated in the chapter): the number of samples, the
step size, the number of iterations and the SGD batch size (``S2Params``); the cluster
geometry (:func:`hessbook.data.gaussian_clusters`); the cutoff formulas
(:mod:`hessbook.curvature.outliers`).

The package: :mod:`.paper` (Table 1, the schema), :mod:`.compute` (one stored job per
(row, seed)), :mod:`.analysis` (summaries, glued numbers), :mod:`.claims`, :mod:`.figures`.
"""

from hessbook.chapters.s2.analysis import exact_fraction, fig2_cases, method_fractions, numbers, summary_table
from hessbook.chapters.s2.claims import FIG2_RULE, TABLE1_RULE, best_methods, claims
from hessbook.chapters.s2.compute import (SPECTRUM_KIND, CaseJob, CaseResult, CaseSpectrum, Results, assemble, case,
                                          case_result, compute_spectrum, jobs, run, spectrum_key, train_config)
from hessbook.chapters.s2.figures import draw_spectrum, explorer, figure_2
from hessbook.chapters.s2.paper import KS, METHODS, PAPER_TABLE1, PaperRow, S2Params, in_fig2, row_label, rows

Params = S2Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""

__all__ = [
    "FIG2_RULE", "KS", "METHODS", "PAPER_TABLE1", "SPECTRUM_KIND", "TABLE1_RULE", "CaseJob", "CaseResult",
    "CaseSpectrum", "PaperRow", "Params", "Results", "S2Params", "assemble", "best_methods", "case", "case_result",
    "claims", "compute_spectrum", "draw_spectrum", "exact_fraction", "explorer", "fig2_cases", "figure_2",
    "in_fig2", "jobs", "method_fractions", "numbers", "row_label", "rows", "run", "spectrum_key",
    "summary_table", "train_config",
]
