"""S6 -- Logistic regression and random matrices (S Appendix B, Fig 10).

What we implement (S's Example 1; its Example 2 and the caption's "tanh unit" are garbled):
a single sigmoid neuron without bias, f(w, x) = <w, x>, with the log-loss
l(s, y) = -y log sigmoid(s) - (1 - y) log(1 - sigmoid(s)), on data with one Gaussian blob
(random labels) or two Gaussian blobs (label = blob), ``hessbook.data.logistic_blobs``.
Since d^2 f = 0 the Hessian is exactly the Gauss-Newton term,

    H(w) = X^T diag(s_i (1 - s_i)) X / N,   s_i = sigmoid(<w, x_i>),

and M = d. S does not say at which w. We evaluate it at w = 0, where s_i (1 - s_i) = 1/4 for
every sample: H = (1/4) X^T X / N is exactly a sample second-moment matrix, so the random
matrix theory of S App. B applies without approximation (and cannot be tested there):

- one blob, x ~ N(0, I_d): H's spectrum follows Marchenko-Pastur with sigma^2 = 1/4 and
  alpha = d / N, with d - N zeros when alpha > 1, and no outlier;
- two blobs N(+-mu, I_d), |mu| = separation / 2: the population second moment is
  I + mu mu^T, a single spike ell = 1 + |mu|^2; if ell > 1 + sqrt(alpha) (the BBP threshold)
  one eigenvalue leaves the bulk and sits near (1/4) ell (1 + alpha / (ell - 1)).

alpha = d / N with d fixed (``dimension``) and N = round(d / alpha).

And at the trained w, the maximum-likelihood weights (``hessbook.curvature.exact.logistic_fit``;
none at N <= d, where the data are separable), where the weights s_i (1 - s_i) differ between
samples: the spectrum against Marchenko-Pastur at their mean (S's claim) and against the null,
the same weights on fresh Gaussian inputs (``hessbook.randmat.weighted_null_spectra``).

The package: :mod:`.paper` (S's alpha values and Fig 10's outliers), :mod:`.params` (the
schema), :mod:`.compute` (the cases, ``run``), :mod:`.claims` (claims, regime criteria, numbers),
:mod:`.figures` (figure, table, explorer).
"""

from hessbook.chapters.s6.claims import claims, criteria, numbers
from hessbook.chapters.s6.compute import Results, jobs, run
from hessbook.chapters.s6.figures import explorer, figure_10, figure_10_trained, summary_table
from hessbook.chapters.s6.params import Params

__all__ = ["Params", "Results", "claims", "criteria", "explorer", "figure_10", "figure_10_trained", "jobs", "numbers",
           "run", "summary_table"]
