"""S3's computation: one network per width trained through the store and its exact spectrum
(stored); how much the top of the spectrum moves across widths (:class:`ShapeSummary`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hessbook.chapters.s3.params import S3Params
from hessbook.kit.jobs import context, run_jobs
from hessbook.papers.sagun.mnist_spectra import Spectrum, SpectrumJob, spectra, top_k

SHAPE_RANKS = 10
"""Ranks whose spread across widths grades the shape claim: the k = 10 class outliers
(S Sec. 3.1 ties the outliers to the number of classes)."""


def num_params(width: int, input_size: int) -> int:
    """Parameters of the input_size^2 - width - 10 network: (input_size^2 + 11) width + 10."""
    return (input_size * input_size + 11) * width + 10


def train_config(width: int, P: S3Params):
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model="s_fc_mnist", model_kwargs={"hidden": width, "input_size": P.input_size},
        data=DataSpec("mnist", "train", n=P.n_samples, subset_seed=P.seed),
        batch_size=P.batch_size, lr=P.lr, max_iterations=P.iterations, seed=P.seed,
    )


@dataclass(frozen=True)
class Results:
    """One exact spectrum per width, narrowest first."""

    params: S3Params
    spectra: tuple[Spectrum, ...]

    @property
    def shape(self) -> ShapeSummary:
        return shape_summary(self.spectra, self.params.top_k)


def jobs(P: S3Params) -> list[SpectrumJob]:
    """One exact spectrum per width, narrowest first (computed in the kernel)."""
    hb = min(P.hessian_batch, P.n_samples)
    return [SpectrumJob(train_config(w, P), hb, P.hessian_dtype) for w in sorted(P.widths)]


def run(P: S3Params, store=None) -> Results:
    """One exact spectrum per width, narrowest first (each stored)."""
    table = run_jobs(jobs(P), context(P.device, store))
    return Results(P, spectra(table, [f"n = {w}" for w in sorted(P.widths)]))


@dataclass(frozen=True)
class ShapeSummary:
    """How much the top of the spectrum moves across widths."""

    ranks: int
    spread: float
    """Median over the top ``ranks`` ranks of (max - min) / mean across widths."""
    lambda1: tuple[float, ...]
    params: tuple[int, ...]
    edge: tuple[float, ...]
    """The ``top_k``-th largest eigenvalue of each network (where the shown window ends)."""
    edge_growth: float
    """edge of the widest / edge of the narrowest network."""


def shape_summary(spectra: Sequence[Spectrum], top_k_: int, ranks: int = SHAPE_RANKS) -> ShapeSummary:
    ranks = min(ranks, top_k_, *(len(s.eigenvalues) for s in spectra))
    tops = np.stack([top_k(s.eigenvalues, ranks)[1] for s in spectra])  # widths x ranks, ascending
    spread = float(np.median((tops.max(0) - tops.min(0)) / np.abs(tops.mean(0))))
    edge = tuple(float(top_k(s.eigenvalues, top_k_)[1][0]) for s in spectra)
    growth = edge[-1] / edge[0] if edge[0] != 0 else float("inf")
    return ShapeSummary(ranks, spread, tuple(s.top for s in spectra), tuple(s.num_params for s in spectra),
                        edge, float(growth))
