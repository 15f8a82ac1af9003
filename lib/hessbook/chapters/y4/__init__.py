"""Y4 -- The saddle-free inner problem (Y §3.2, Theorem 1, Proposition 2, Lemma 3, App. A.1).

Y's claims: for a network of ReLU, convolution, fully connected and BN layers with softmax
cross-entropy, the Hessian of the loss w.r.t. the input x is PSD almost everywhere
(Theorem 1), because the network's second derivative in x vanishes almost everywhere and the
Hessian of cross-entropy w.r.t. the logits, S = diag(p) - p p^T, is PSD (Lemma 3); its rank is
at most the number of classes c (Proposition 2).

What we compute, on Y1's trained networks (given by Y4's ``y1_runs`` block, a copy of the
values of Y1's parameters that determine them, so the result store returns the very same
networks; a test keeps each scale's block equal to Y1's file):

- the exact low-rank path (:func:`hessbook.curvature.input_hessian_exact`, J^T S J) on many
  test samples: the distribution of the smallest eigenvalue, the numerical rank vs c;
- Lemma 3 on every sample (the eigenvalues of S) and against autograd on a few;
- the iterative path on a few samples: Lanczos on input-Hessian-vector products by double
  backward (largest c + 1 and smallest eigenvalue) and Y's per-sample power iteration, compared
  with the exact path. For ReLU / max-pool / eval-mode BN networks double backward computes
  J^T S J itself, so this is a check of the computation that cannot fail there, not an
  empirical test of the theorem (:data:`.claims.TESTED`);
- a contrast: an MLP with tanh (smooth, Assumption 1 violated), whose dense input Hessian we
  form in full (:func:`hessbook.curvature.input_hessian_dense`): there the theorem's reasoning fails and negative eigenvalues should appear.

The package: :mod:`.params` (the schema), :mod:`.compute` (stored runs), :mod:`.claims`
(graded claims and the prose's numbers), :mod:`.figures` (figures, table, explorer).
"""

from hessbook.chapters.y4.claims import claims, criteria, numbers
from hessbook.chapters.y4.compute import Results, jobs, run
from hessbook.chapters.y4.figures import explorer, figure_min, figure_rank, runs_table, summary_table
from hessbook.chapters.y4.params import Params

__all__ = [
    "Params", "Results", "claims", "criteria", "explorer", "figure_min", "figure_rank", "jobs", "numbers", "run",
    "runs_table", "summary_table",
]
