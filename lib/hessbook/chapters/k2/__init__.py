"""K2 -- Momentum (Kamath et al. §4, Figs 7-14, 19-22).

K trains each model under LR with momentum 0, 0.2, 0.5, 0.9 and under LR/BS with momentum 0
and 0.9, and plots the same four measures against batch size, one line per momentum. The jobs
are the shared grid's (:mod:`hessbook.papers.kamath`): the momentum-0 lines are K1's.

The package: :mod:`.params`, :mod:`.compute`, :mod:`.claims`, :mod:`.figures`.
"""

from hessbook.chapters.k2.claims import claims, criteria, numbers, paper_claims
from hessbook.chapters.k2.compute import Results, jobs, run
from hessbook.chapters.k2.figures import explorer, figure_item, runs_table
from hessbook.chapters.k2.params import Params

__all__ = [
    "Params", "Results", "claims", "criteria", "explorer", "figure_item", "jobs", "numbers", "paper_claims", "run",
    "runs_table",
]
