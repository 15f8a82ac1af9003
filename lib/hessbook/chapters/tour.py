"""The guide chapter ``book/guide/tour.md``: the pattern every chapter follows, on a
computation that takes a second (sample-covariance eigenvalues against Marchenko-Pastur)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from hessbook.kit import Claim
from hessbook.kit.jobs import Context, StoredJob, context, run_jobs
from hessbook.params import ChapterParams, ParameterError, result_params, spec
from hessbook.randmat import MarchenkoPastur, sample_covariance_eigenvalues


@dataclass(frozen=True)
class TourParams(ChapterParams):
    n_samples: int = field(metadata=spec(gt=1, doc="N, samples drawn"))
    dimension: int = field(metadata=spec(gt=0, doc="M, dimension of each sample"))
    variance: float = field(metadata=spec(gt=0.0, doc="sigma^2 of each coordinate"))

    def check(self) -> None:
        if self.dimension * self.n_samples > 50_000_000:
            raise ParameterError(
                f"n_samples * dimension = {self.n_samples * self.dimension}: "
                "must be at most 50,000,000 (the data matrix is held in memory)"
            )


Params = TourParams
"""The chapter's parameter schema (the chapter protocol's name for it)."""


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


def criteria(P: TourParams) -> list:
    """No regime criterion: the chapter draws sample covariance matrices; it trains no network (:mod:`hessbook.regime`)."""
    return []


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


def numbers(R: Results) -> dict:
    lo, hi = R.law.edges
    eig = R.eigenvalues
    return {"alpha": R.law.alpha, "lo": lo, "hi": hi, "min": float(eig.min()), "max": float(eig.max()),
            "inside": 100 * float(np.mean((eig >= lo * 0.9) & (eig <= hi * 1.1))), "seconds": R.seconds,
            "source": "loaded from the result store" if R.cached else "computed in this run"}


def claims(R: Results) -> list[Claim]:
    """The tour reproduces no paper's claim."""
    return []


def figure_mp(R: Results):
    """Histogram of the eigenvalues and the Marchenko-Pastur density with its edges."""
    import matplotlib.pyplot as plt

    law, (lo, hi) = R.law, R.law.edges
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(R.eigenvalues, bins=60, density=True, alpha=0.6, label="sample covariance eigenvalues")
    grid = np.linspace(max(lo * 0.8, 1e-6), hi * 1.1, 400)
    ax.plot(grid, law.density(grid), "k-", lw=1.5, label=f"Marchenko-Pastur, alpha={law.alpha:.2f}")
    for edge in (lo, hi):
        ax.axvline(edge, color="k", ls=":", lw=1)
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig
