"""The tour's claims (none), its regime criteria (none) and the prose's numbers."""

from __future__ import annotations

import numpy as np

from hessbook.chapters.tour.compute import Results
from hessbook.chapters.tour.params import TourParams
from hessbook.kit import Claim


def criteria(P: TourParams) -> list:
    """No regime criterion: the chapter draws sample covariance matrices; it trains no network (:mod:`hessbook.regime`)."""
    return []


def numbers(R: Results) -> dict:
    lo, hi = R.law.edges
    eig = R.eigenvalues
    return {"alpha": R.law.alpha, "lo": lo, "hi": hi, "min": float(eig.min()), "max": float(eig.max()),
            "inside": 100 * float(np.mean((eig >= lo * 0.9) & (eig <= hi * 1.1))), "seconds": R.seconds,
            "source": "loaded from the result store" if R.cached else "computed in this run"}


def claims(R: Results) -> list[Claim]:
    """The tour reproduces no paper's claim."""
    return []
