"""S's regime criteria: what every scale of S1-S6 must keep of S's training, written from the
paper before any verdict was read (they concern the data and network sizes, the steps and the
state a network is trained to, never a claim).

What S states about its regime:

- S studies the Hessian "at the end of training", "at the bottom of the landscape" (S Sec. 1.2,
  2.1): "In our experiments, the training ran well beyond the point of this saturation" (Sec.
  3.4), where training "is stopped after there is no meaningful decrease in the loss value".
- Eq. 5 drops the second term of Eq. 4 when the per-example gradients are small ("for instance
  when all the gradients per example are zero", Sec. 3.1). The weight of example i in that term is
  dl_i/df_i; a misclassified example has p_y < 1/2, so |dl_i/df_iy| = 1 - p_y > 1/2: its
  gradient is not small. So S's networks fit their training sets (:data:`FIT_ACCURACY`).
- S's claims are about over-parametrized networks: "at least M - N many trivial eigenvalues" (Eq.
  5), "we make the system more and more over-parametrized" (Sec. 3.2), "over-parametrization
  [...] leads to flatness at the bottom of the landscape" (Sec. 4): M > N (:func:`over_parametrized`).
- S gives step counts only for Sec. 4.1 (S5: 250 periods of 100 steps per part); for S1-S4 it
  gives none ("the same number of iterations"), so there the criterion is the state reached
  (:func:`fits_training_set`), measured on the run table, not a step count.

:func:`run_table` is the run table of a chapter whose networks have a training accuracy (S
measures no test accuracy in S1-S4): :func:`hessbook.regime.runs_frame` with a "train %" column.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hessbook import regime

FIT_ACCURACY = 0.99
"""Training accuracy a network at "the bottom" reaches (S Sec. 3.1, 3.4; see the module doc): the
training set fitted, every example but up to 1 % on the boundary classified correctly (our reading:
S gives no accuracy)."""


def over_parametrized(name: str, parameters: Sequence[int], n_samples: int, paper: str) -> regime.Criterion:
    """Every network has more parameters than training samples, M > N (S Eq. 5, Sec. 3.2, 4);
    ``paper``: what S's own networks have."""
    fewest = min(parameters)
    return regime.Criterion(f"{name} over-parametrized, M > N (S: {paper})", fewest > n_samples,
                            (f"M = {fewest:,}" if fewest == max(parameters) else f"M = {fewest:,} to {max(parameters):,}")
                            + f" for N = {n_samples:,}")


def fits_training_set(runs: Sequence[tuple[str, float]], fraction: float = FIT_ACCURACY) -> regime.Criterion:
    """Every trained network ends with a training accuracy of at least ``fraction`` (S's "bottom of
    the landscape": see the module doc). ``runs``: ``(label, training accuracy in [0, 1])``; a NaN
    accuracy does not meet it."""
    short = [(label, acc) for label, acc in runs if not (math.isfinite(acc) and acc >= fraction)]
    if not runs:
        found = "no trained network"
    elif not short:
        found = (f"{100 * runs[0][1]:.1f} %" if len(runs) == 1 else
                 f"all {len(runs)} networks, the lowest at {100 * min(a for _, a in runs):.1f} %")
    else:
        found = (f"{len(short)} of {len(runs)} below: "
                 + "; ".join(f"{label} {100 * acc:.1f} %" for label, acc in short))
    return regime.Criterion(f"every network fits its training set (training accuracy ≥ {fraction:.0%}, "
                            "S Sec. 3.1, 3.4: trained to the bottom)", bool(runs) and not short, found)


def run_table(runs: Sequence[regime.TrainedRun], train_accuracies: Sequence[float]):
    """:func:`hessbook.regime.runs_frame` with each network's training accuracy (percent) after its
    final loss: S trains to fit, so the training accuracy is the regime's measure."""
    frame = regime.runs_frame(runs)
    frame.insert(frame.columns.get_loc("final loss") + 1, "train %",
                 [round(100 * a, 1) if math.isfinite(a) else "–" for a in train_accuracies])
    return frame


MNIST_CLASSES = 10


def spectrum_run(s, steps: int) -> regime.TrainedRun:
    """The run-table row of a network of S3 or S4 (a :class:`~hessbook.papers.sagun.mnist_spectra.Spectrum`,
    trained ``steps`` steps on MNIST's 10 classes)."""
    return regime.TrainedRun(s.label, steps, s.final_loss, MNIST_CLASSES, diverged=not math.isfinite(s.final_loss))


def spectra_runs(R) -> list[regime.TrainedRun]:
    """S3's or S4's run table: a row per network of ``R.every`` (``R.params.iterations`` steps each)."""
    return [spectrum_run(s, R.params.iterations) for s in R.every]


def with_fit(criteria: list[regime.Criterion], R) -> list[regime.Criterion]:
    """``criteria`` and, once S3's or S4's results ``R`` exist, that every network of ``R.every``
    fits its training set (:func:`fits_training_set`, measured)."""
    return criteria if R is None else [*criteria, fits_training_set([(s.label, s.train_accuracy) for s in R.every])]
