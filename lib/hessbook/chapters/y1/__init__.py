"""Y1 -- Large batch: Hessian spectrum and robustness (Y §2-3.3, Tables 1, 2, 7, Fig 1).

Setup (Y): C1 and C2 on CIFAR-10, M1 ("LeNet-5") on MNIST, ResNet18 on CIFAR-100, each trained
per batch size until the training loss reaches 1e-3, without weight decay or dropout; per
model, on the training and the test set: accuracy, the dominant eigenvalue lambda1^theta of
the Hessian of the loss w.r.t. the weights (power iteration to relative error 1e-4), the top-20
eigenvalues (Fig 1), the per-sample dominant eigenvalue of the input Hessian lambda1^x and the
input-gradient norm (means over samples), and FGSM accuracy at two epsilons.

What Y does not give, and we chose (:class:`Y1Params`; stated in the chapter): the optimizer's
learning rate, momentum and schedule for Table 1 (plain SGD with Y §3.4's lr and momentum, the
same for every batch size, held constant: §3.4's halving every 5 epochs would leave the large
batches far above the 1e-3 loss every batch size is trained to), the epoch cap, the subsets of
the data, and the samples B_H the curvature is computed on.

The package: :mod:`.paper` (Y's tables), :mod:`.params` (the schema), :mod:`.compute` (stored
runs), :mod:`.analysis` (rank correlations), :mod:`.claims` (graded claims and the prose's
numbers), :mod:`.figures` (Fig 1, tables, the explorer). What the Y chapters share (Y's setup,
the trained networks and the ``Y1Runs`` block that determines them, the deviations) is
:mod:`hessbook.papers.yao`.

Every (model, batch size) is trained with ``n_seeds`` network seeds (the first is the chapter's
``seed``: the networks Y2 and Y4 examine), and every claim is graded in each seed
(:mod:`hessbook.kit.seeds`).
"""

from hessbook.chapters.y1.analysis import (
    Trends,
    case_name,
    fig1_fraction,
    lambda_x_trends,
    paper_train_trends,
    paper_trends,
    trends,
    trends_of,
)
from hessbook.chapters.y1.claims import (
    claim_deviations,
    claims,
    criteria,
    fig1_claim,
    fig1_claim_of,
    lambda_x_claim,
    lambda_x_claim_of,
    lambda_x_finding,
    numbers,
    paper_claims,
    paper_train_claim,
    trained_runs,
    trend_claim,
    trend_claim_of,
)
from hessbook.chapters.y1.compute import (
    COLUMNS_VERSION,
    ModelResult,
    Results,
    Y1Case,
    case_job,
    jobs,
    run,
    run_flag,
    run_steps,
)
from hessbook.chapters.y1.figures import (
    COLUMNS,
    draw_spectra,
    explorer,
    figure_spectra,
    paper_table,
    spectra,
    summary_table,
)
from hessbook.chapters.y1.paper import (
    EPS,
    PAPER_ROWS,
    PAPER_TABLE1,
    PAPER_TABLE2,
    PAPER_TABLE7,
    TABLE_OF,
    TEST_SIZE,
    PaperRow,
    paper_row,
)
from hessbook.chapters.y1.params import Params, Y1Params

__all__ = [
    "COLUMNS", "COLUMNS_VERSION", "EPS", "ModelResult", "PAPER_ROWS", "PAPER_TABLE1", "PAPER_TABLE2",
    "PAPER_TABLE7", "PaperRow", "Params", "Results", "TABLE_OF", "TEST_SIZE", "Trends", "Y1Case", "Y1Params",
    "case_job", "case_name", "claim_deviations", "claims", "criteria", "draw_spectra", "explorer", "fig1_claim", "fig1_claim_of",
    "fig1_fraction", "figure_spectra", "jobs", "lambda_x_claim", "lambda_x_claim_of", "lambda_x_finding", "lambda_x_trends", "numbers",
    "paper_claims", "paper_row", "paper_table", "paper_train_claim", "paper_train_trends", "paper_trends",
    "run", "run_flag", "run_steps", "spectra", "summary_table", "trained_runs", "trend_claim", "trend_claim_of", "trends", "trends_of",
]
