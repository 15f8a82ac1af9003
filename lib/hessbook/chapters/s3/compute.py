"""S3's computation: one network per width and network seed trained through the store and its
exact spectrum (stored); how much the top of the spectrum moves across widths (:class:`ShapeSummary`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hessbook.chapters.s3.params import S3Params
from hessbook.kit.jobs import context, run_jobs
from hessbook.kit.seeds import seed_case
from hessbook.papers.sagun.mnist_spectra import Spectrum, SpectrumJob, spectra, top_k

SHAPE_RANKS = 10
"""Ranks whose spread across widths grades the shape claim: the k = 10 class outliers
(S Sec. 3.1 ties the outliers to the number of classes)."""


def num_params(width: int, input_size: int) -> int:
    """Parameters of the input_size^2 - width - 10 network: (input_size^2 + 11) width + 10."""
    return (input_size * input_size + 11) * width + 10


def train_config(width: int, P: S3Params, seed: int | None = None):
    """The network of ``width`` in network seed ``seed`` (None: the chapter's ``seed``, the first);
    the same training subset in every seed."""
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model="s_fc_mnist", model_kwargs={"hidden": width, "input_size": P.input_size},
        data=DataSpec("mnist", "train", n=P.n_samples, subset_seed=P.seed),
        batch_size=P.batch_size, lr=P.lr, max_iterations=P.iterations, seed=P.seed if seed is None else seed,
    )


@dataclass(frozen=True)
class Results:
    """One exact spectrum per width, narrowest first, in each network seed."""

    params: S3Params
    spectra: tuple[Spectrum, ...]
    """The first seed's: what the figures draw and the prose cites."""
    others: tuple[tuple[Spectrum, ...], ...] = ()
    """The other seeds' (``params.seeds[1:]``), each narrowest first."""

    @property
    def by_seed(self) -> tuple[tuple[Spectrum, ...], ...]:
        return (self.spectra, *self.others)

    @property
    def every(self) -> tuple[Spectrum, ...]:
        """Every network of every seed."""
        return tuple(s for spectra_ in self.by_seed for s in spectra_)

    @property
    def shape(self) -> ShapeSummary:
        return shape_summary(self.spectra, self.params.top_k)


def jobs(P: S3Params) -> list[SpectrumJob]:
    """One exact spectrum per width, narrowest first, seed by seed (computed in the kernel)."""
    hb = min(P.hessian_batch, P.n_samples)
    return [SpectrumJob(train_config(w, P, s), hb, P.hessian_dtype) for s in P.seeds for w in sorted(P.widths)]


def run(P: S3Params, store=None) -> Results:
    """One exact spectrum per width and seed (each stored); labels ``"n = 10"``, with ``" · seed 1"``
    where several seeds ran."""
    table = run_jobs(jobs(P), context(P.device, store))
    every = spectra(table, [seed_case(f"n = {w}", s, P.seeds) for s in P.seeds for w in sorted(P.widths)])
    n = len(P.widths)
    by_seed = tuple(every[i:i + n] for i in range(0, len(every), n))
    return Results(P, by_seed[0], by_seed[1:])


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
