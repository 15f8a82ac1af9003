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

from hessbook.chapters.y5.claims import (
    WEAKER_RULE,
    PRONE_RULE,
    WINDOW_RULE,
    claims,
    criteria,
    paper_acc,
    paper_claims,
    prone_claim_from,
    table_claim_from,
    weaker_claim_from,
    prone_claim,
    prone_values,
    table5_rule,
    table_values,
    weaker_claim,
    weaker_values,
    window_values,
    interpolation_claim,
    lambda_claim,
    negative_claim,
    numbers,
    second_order_claim,
    table_claim,
    trained_runs,
    v1_claim,
)
from hessbook.chapters.y5.compute import (
    AttackCheck,
    Line,
    ModelAnalysis,
    Results,
    Spectrum,
    Study,
    Table5Check,
    TrainSummary,
    Y5Analysis,
    Y5Check,
    Y5Table,
    Y5Train,
    analysis_job,
    check_job,
    jobs,
    ori_config,
    robust_config,
    run,
    table_job,
    train_job,
)
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
from hessbook.chapters.y5.params import Params, Y5Params

__all__ = [
    "PRONE_RULE", "WEAKER_RULE", "WINDOW_RULE", "AttackCheck", "Table5Check", "check_job", "paper_acc",
    "paper_claims", "prone_claim", "prone_values", "table5_rule", "table_values", "weaker_claim", "weaker_values",
    "window_values", "prone_claim_from", "table_claim_from", "weaker_claim_from",
    "Line", "ModelAnalysis", "Params", "Results", "Spectrum", "Study", "TrainSummary", "Y5Analysis", "Y5Check",
    "Y5Params", "Y5Table", "Y5Train", "analysis_job", "jobs",
    "claims", "criteria", "explorer", "figure_interpolation", "figure_spectra", "figure_tables", "figure_v1",
    "interpolation_claim", "lambda_claim", "negative_claim", "numbers", "ori_config", "robust_config", "run",
    "runs_table", "second_order_claim", "spectra_table", "table5", "table_claim", "table_frame", "table_job", "train_job",
    "trained_runs", "training_table", "v1_claim",
]
