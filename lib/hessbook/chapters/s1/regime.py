"""S1's regime criteria and run table (:mod:`hessbook.papers.sagun.regime`: written from S before
any verdict was read).

S Fig 1: "a two hidden layer network with a total of 5K parameters that is trained using
gradient descent", its Hessian "at the end of training". S gives no data, N, step size or step
count for it, so the criteria are the network's size, the data size that makes Eq. 5's count
of trivial eigenvalues say something, and the state GD reaches (measured).
"""

from __future__ import annotations

import math

from hessbook import regime
from hessbook.chapters.s1.compute import Results
from hessbook.chapters.s1.params import S1Params
from hessbook.papers.sagun.regime import fits_training_set, run_table

PAPER_PARAMETERS = (4000, 6000)
"""S Sec. 2.1: "a total of 5K parameters" (S Table 1 calls its 4,022 to 5,510 parameter networks
the same family): we read 5K as 4,000 to 6,000."""


def criteria(P: S1Params, R: Results | None = None) -> list[regime.Criterion]:
    """S1's criteria for the block ``P``; with the results ``R``, also the state GD reached."""
    lo, hi = PAPER_PARAMETERS
    out = [
        regime.Criterion(f"S's network size, about 5K parameters ({lo:,} to {hi:,}; S Sec. 2.1)",
                         lo <= P.parameters <= hi, f"M = {P.parameters:,}"),
        regime.Criterion("Eq. 5's trivial eigenvalues are forced, M > N (k − 1) (S Eq. 5, k outputs)",
                         P.parameters > P.n_samples * (P.k - 1),
                         f"M = {P.parameters:,}, N (k − 1) = {P.n_samples * (P.k - 1):,}"),
    ]
    if R is not None:
        out.append(fits_training_set([(trained_runs(R)[0].label, R.trained.accuracy)]))
    return out


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """The one network S1 trains (the initial point is not a trained network)."""
    P, end = R.params, R.trained
    return [regime.TrainedRun(f"S-MLP k = {P.k}, GD", P.gd_iterations, end.loss, P.k,
                              diverged=not math.isfinite(end.loss))]


def runs_table(R: Results):
    """The run table: steps, final training loss beside ln k, training accuracy, flag."""
    return run_table(trained_runs(R), [R.trained.accuracy])
