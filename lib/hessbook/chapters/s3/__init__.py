"""S3 -- Width on MNIST: does the top of the spectrum keep its shape as the network widens (S Sec.
3.2, Fig 3), and do the negative eigenvalues stay small (S Sec. 3.4, Fig 5)?

Setup (S Sec. 3.2): 1K MNIST training samples fixed; one hidden layer of n in {10, 30, 50, 70}
units; every network trained with the same step size and the same number of iterations; the
exact Hessian at the end; the largest 120 eigenvalues in increasing order, and the negative
eigenvalues against their order in percent.

What S does not give, and we chose (``S3Params``): the nonlinearity (ReLU, see
:func:`hessbook.models.s_fc_mnist`), the step size, the number of iterations and the batch size
(full batch: gradient descent), which 1K samples (a seeded subset of the training set). At cpu
scale the 28x28 image is average-pooled to ``input_size`` x ``input_size`` inside the model so
that the exact Hessian fits (why exact and not Lanczos: :mod:`hessbook.papers.sagun.mnist_spectra`).

The package: :mod:`.paper` (S's setup), :mod:`.params` (the schema), :mod:`.compute` (stored
spectra, the shape summary), :mod:`.claims` (claims, regime criteria, numbers), :mod:`.figures`
(figures, table, explorer).
"""

from hessbook.chapters.s3.claims import claims, criteria, numbers
from hessbook.chapters.s3.compute import Results, jobs, run
from hessbook.chapters.s3.figures import explorer, figure_3, figure_5, summary_table
from hessbook.chapters.s3.params import Params

__all__ = ["Params", "Results", "claims", "criteria", "explorer", "figure_3", "figure_5", "jobs", "numbers", "run",
           "summary_table"]
