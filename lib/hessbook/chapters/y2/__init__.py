"""Y2 -- Loss landscapes along the top Hessian eigenvectors (Y §2, Figs 2, 3, 7, 13, 14, 15).

Y's claim: perturbing the converged weights along the dominant eigenvector v1 of the Hessian
(w.r.t. the weights) raises the training and the test loss faster for networks trained with
larger batches; the surfaces along v1 and v2 show the same order.

What we compute, on Y1's trained networks (given by Y2's ``y1_runs`` block, the values of Y1's
parameters that determine them, read from Y1's file, so that the result store returns the very
same networks), in each of ``n_seeds`` of Y1's network seeds: v1, v2 by our Lanczos on the
Hessian of the mean training loss on ``n_hessian`` samples (residuals reported), then the loss at
theta + eps v1 (unit v1, Y's step) and on the plane theta + e1 v1 + e2 v2, each point evaluated
directly in eval mode on the same samples (:func:`hessbook.curvature.loss_along`,
:func:`hessbook.curvature.loss_surface`), on training and test samples, and for M1 on a random
training batch of 320 (Fig 7).

The package: :mod:`.paper` (Y's words), :mod:`.params` (the schema), :mod:`.compute` (stored
landscapes on the sweep), :mod:`.claims` (graded claims, the prose's numbers), :mod:`.figures`.
"""

from hessbook.chapters.y2.claims import claims, criteria, numbers
from hessbook.chapters.y2.compute import Results, jobs, run
from hessbook.chapters.y2.figures import (explorer, figure_7, figure_lines, figure_seeds, figure_surfaces,
                                         summary_table)
from hessbook.chapters.y2.params import Params

__all__ = [
    "Params", "Results", "claims", "criteria", "explorer", "figure_7", "figure_lines", "figure_seeds",
    "figure_surfaces", "jobs", "numbers", "run", "summary_table",
]
