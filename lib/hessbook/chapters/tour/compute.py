"""The tour's one stored job (:mod:`hessbook.kit.jobs`), ``run`` and its ``Results``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hessbook.chapters.tour.params import TourParams
from hessbook.kit.jobs import Context, StoredJob, context, run_jobs
from hessbook.params import result_params
from hessbook.randmat import MarchenkoPastur, sample_covariance_eigenvalues


@dataclass(frozen=True)
class Spectrum:
    """What the store keeps: the eigenvalues of one sample covariance."""

    eigenvalues: np.ndarray


@dataclass(frozen=True)
class Results:
    params: TourParams
    eigenvalues: np.ndarray
    seconds: float
    """Time the computation took when it ran."""
    cached: bool
    """Loaded from the store in this run."""

    @property
    def law(self) -> MarchenkoPastur:
        return MarchenkoPastur(alpha=self.params.dimension / self.params.n_samples, sigma2=self.params.variance)


@dataclass(frozen=True)
class CovarianceSpectrum(StoredJob):
    """The chapter's one job, computed in the kernel: the eigenvalues of one sample covariance.
    Its fields, the chapter's parameters but the scale, are its store key."""

    KIND = "tour-covariance-spectrum"
    RESULT = Spectrum
    INLINE = True
    seed: int
    n_samples: int
    dimension: int
    variance: float

    def label(self) -> str:
        return "tour: sample covariance spectrum"

    def compute(self, ctx: Context) -> Spectrum:
        return Spectrum(sample_covariance_eigenvalues(self.n_samples, self.dimension, self.variance, self.seed))


def jobs(P: TourParams) -> list[CovarianceSpectrum]:
    return [CovarianceSpectrum(**result_params(P))]


def run(P: TourParams, store=None) -> Results:
    """The spectrum from the store, or computed and stored; with the seconds its computation took
    (the entry's record) and whether it was loaded. The tour has no device parameter: NumPy, on
    the CPU."""
    (row,) = run_jobs(jobs(P), context(torch.device("cpu"), store))
    return Results(P, row.result.eigenvalues, float(row.meta["seconds"]), bool(row.meta["cached"]))
