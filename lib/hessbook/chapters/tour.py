"""The guide chapter ``book/guide/tour.md``: the pattern every chapter follows, on a
computation that takes a second (sample-covariance eigenvalues against Marchenko-Pastur)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hessbook.kit import Claim, cached_entry
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


def plan_jobs(P: TourParams) -> list:
    """The one entry :func:`run` computes."""
    from hessbook.kit.swept import Planned

    return [Planned("tour-covariance-spectrum", result_params(P), "tour: sample covariance spectrum", inline=True)]


def run(P: TourParams, store=None) -> Results:
    spectrum, meta = cached_entry(
        "tour-covariance-spectrum", result_params(P),
        lambda: Spectrum(sample_covariance_eigenvalues(P.n_samples, P.dimension, P.variance, P.seed)),
        Spectrum, store)
    return Results(P, spectrum.eigenvalues, float(meta["seconds"]), bool(meta["cached"]))


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
