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

The package: :mod:`.params` (the schema, variations), :mod:`.paper` (Table 1 as printed), :mod:`.compute` (one stored job per case),
:mod:`.analysis` (summaries, glued numbers), :mod:`.claims`, :mod:`.figures`, :mod:`.regime` (regime
criteria, run table, the cases that enter the statistics).
"""

from hessbook.chapters.s2.analysis import (COUNTERS, counter_fractions, exact_fraction, fig2_cases, location_error,
                                           method_fractions, numbers, separation_cases, summary_table,
                                           training_pairs, transferred_cutoff_count, unseen_table,
                                           variation_summary, variation_table)
from hessbook.chapters.s2.claims import (BEYOND_RULE, FIG2_RULE, PREDICTION_RULE, PREDICTION_THEORY, TABLE1_RULE,
                                        best_cutoff, best_methods, chosen_cutoffs, claims, fig2_claim, paper_pairs,
                                        prediction_claim, table1_claim, unseen_claim, variation_cases,
                                        variation_claim)
from hessbook.chapters.s2.compute import (GROUPS, SPECTRUM_KIND, Case, CaseResult, CaseSpectrum, Results, SpectrumJob,
                                          assemble, case_params, case_result, cases, jobs, load_case, run,
                                          spectrum_job, train_config, variation_case)
from hessbook.chapters.s2.figures import any_k, draw_spectrum, explorer, figure_2, figure_why
from hessbook.chapters.s2.paper import (KS, METHODS, PAPER_METHODS, PAPER_TABLE1, SETTINGS, PaperRow, fig2_row, in_fig2,
                                        row_label, rows, s_mlp_parameters, setting_label, setting_of, setting_row)
from hessbook.chapters.s2.params import S2Params, parse_variation
from hessbook.chapters.s2.regime import case_label, criteria, kept, runs_table, trained_runs

Params = S2Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""

__all__ = [
    "BEYOND_RULE", "COUNTERS", "best_cutoff", "PREDICTION_RULE", "PREDICTION_THEORY", "SETTINGS", "chosen_cutoffs", "fig2_claim",
    "paper_pairs", "prediction_claim", "setting_label", "setting_of", "setting_row", "table1_claim", "unseen_claim",
    "unseen_table", "FIG2_RULE", "GROUPS", "KS", "METHODS", "PAPER_METHODS", "PAPER_TABLE1",
    "SPECTRUM_KIND", "TABLE1_RULE", "Case", "CaseResult", "CaseSpectrum", "PaperRow", "Params", "Results",
    "S2Params", "SpectrumJob", "any_k", "assemble", "best_methods", "case_result", "cases", "claims",
    "counter_fractions", "draw_spectrum", "exact_fraction", "explorer", "fig2_cases", "fig2_row", "figure_2",
    "figure_why", "in_fig2", "jobs", "location_error", "method_fractions", "numbers", "row_label", "rows", "run",
    "load_case", "s_mlp_parameters", "separation_cases", "spectrum_job", "summary_table", "train_config", "training_pairs",
    "transferred_cutoff_count", "variation_summary", "variation_table", "variation_cases", "variation_claim",
    "parse_variation", "case_params", "variation_case", "case_label", "criteria", "kept", "runs_table", "trained_runs",
]
