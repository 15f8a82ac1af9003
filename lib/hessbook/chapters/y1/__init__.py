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
runs, and a diagnostic beside Y's lambda1^theta: the training-set Hessian without its highest-loss
samples), :mod:`.analysis` (rank correlations), :mod:`.claims` (graded claims and the prose's
numbers), :mod:`.figures` (Fig 1, tables, the explorer). What the Y chapters share (Y's setup,
the trained networks and the ``Y1Runs`` block that determines them, the deviations) is
:mod:`hessbook.papers.yao`.

Every (model, batch size) is trained with ``n_seeds`` network seeds (the first is the chapter's
``seed``: the networks Y2 and Y4 examine), and every claim is graded in each seed
(:mod:`hessbook.kit.seeds`).
"""

from hessbook.chapters.y1.claims import claims, criteria, numbers, paper_claims
from hessbook.chapters.y1.compute import Results, jobs, run
from hessbook.chapters.y1.figures import explorer, figure_spectra, paper_table, summary_table
from hessbook.chapters.y1.paper import PAPER_TABLE1, PAPER_TABLE2, PAPER_TABLE7
from hessbook.chapters.y1.params import Params

__all__ = [
    "PAPER_TABLE1", "PAPER_TABLE2", "PAPER_TABLE7", "Params", "Results", "claims", "criteria", "explorer",
    "figure_spectra", "jobs", "numbers", "paper_claims", "paper_table", "run", "summary_table",
]
