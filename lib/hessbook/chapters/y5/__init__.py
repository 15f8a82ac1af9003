"""Y5 -- Adversarial training and the Hessian (Y §3.4, Tables 3, 4, 5; Figs 5, 6, 8-12).

Y's claims: adversarial training with any of five attacks (FGSM, FGSM-10, L2GRAD and the
second-order FHSM, L2HESS, Table 5) makes M1 (MNIST) and C3 (CIFAR-10) more robust to every
attack (Tables 3 and 4, test sets made on the original model M_ORI), and moves the model to a
point of smaller curvature: the straight line from M_ORI rises less steeply at the robust end
(Figs 5, 10, 11), the Hessian's spectrum is smaller (Figs 6, 12; B_H = 1 Hessians also have
negative eigenvalues), and the loss along v1 is flatter (Figs 8, 9).

The package: :mod:`.paper` (Y's tables and setup as data), :mod:`.params` (the schema),
:mod:`.compute` (stages of stored jobs, :mod:`hessbook.kit.jobs`), :mod:`.claims` (graded claims,
the prose's numbers), :mod:`.figures` (Table 5 from the library, heat maps, figures, explorer).
"""

from hessbook.chapters.y5.claims import claims, criteria, numbers, paper_claims
from hessbook.chapters.y5.compute import Results, jobs, run
from hessbook.chapters.y5.figures import (
    explorer,
    figure_interpolation,
    figure_spectra,
    figure_tables,
    figure_v1,
    runs_table,
    spectra_table,
    table5,
    table_frame,
    training_table,
)
from hessbook.chapters.y5.params import Params

__all__ = [
    "Params", "Results", "claims", "criteria", "explorer", "figure_interpolation", "figure_spectra",
    "figure_tables", "figure_v1", "jobs", "numbers", "paper_claims", "run", "runs_table", "spectra_table", "table5",
    "table_frame", "training_table",
]
