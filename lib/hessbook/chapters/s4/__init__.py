"""S4 -- Small and large batch on MNIST: the large-batch solution has larger outliers, as many
of them as the small-batch one (S Sec. 3.3, Fig 4), and small negative eigenvalues (S Sec.
3.4, Fig 6).

Setup (S Sec. 3.3): a convnet of two conv layers with ReLU-maxpool and two fully connected
layers on 1K MNIST samples; small batch 10 and large batch 512 with the same learning rate and
the same number of iterations; the exact Hessian at the end.

What S does not give, and we chose (``S4Params``): the layer sizes (:func:`hessbook.models.s_cnn`,
shrunk by ``channels`` and ``hidden`` at cpu scale so that the exact Hessian fits), the learning
rate, the number of iterations, which 1K samples; and how to count outliers
(:func:`hessbook.curvature.count_outliers`, the three cutoffs of S2).

The package: :mod:`.paper` (S's setup), :mod:`.params` (the schema, the full-size convnet),
:mod:`.compute` (stored spectra, the outlier comparison), :mod:`.claims` (claims, regime
criteria, numbers), :mod:`.figures` (figures, table, explorer).
"""

from hessbook.chapters.s4.claims import claims, criteria, numbers
from hessbook.chapters.s4.compute import Results, jobs, run
from hessbook.chapters.s4.figures import explorer, figure_4, figure_6, summary_table
from hessbook.chapters.s4.params import Params

__all__ = ["Params", "Results", "claims", "criteria", "explorer", "figure_4", "figure_6", "jobs", "numbers", "run",
           "summary_table"]
