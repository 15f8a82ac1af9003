"""Trends across batch sizes as the Y chapters judge and print them: the fewest batch sizes a
trend is judged on, and a rank correlation (:func:`hessbook.stats.spearman`) in words."""

from __future__ import annotations

import numpy as np

MIN_TREND_BATCHES = 3
"""Fewest batch sizes a trend is judged on."""


def rho_text(rho: float) -> str:
    """A rank correlation for the prose: signed, or why there is none."""
    return "not computed (fewer than 2 batch sizes, or a constant column)" if np.isnan(rho) else f"{rho:+.2f}"


def rho_short(rho: float) -> str:
    """A rank correlation for the verdict table."""
    return "n/a (constant column)" if np.isnan(rho) else f"{rho:+.2f}"
