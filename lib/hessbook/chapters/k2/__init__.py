"""K2 -- Momentum (Kamath et al. §4, Figs 7-14, 19-22).

K trains each model under LR with momentum 0, 0.2, 0.5, 0.9 and under LR/BS with momentum 0
and 0.9, and plots the same four measures against batch size, one line per momentum. The jobs
are the shared grid's (:mod:`hessbook.papers.kamath`): the momentum-0 lines are K1's.

The package: :mod:`.params`, :mod:`.compute`, :mod:`.claims`, :mod:`.figures`.
"""

from hessbook.chapters.k2.claims import (
    ACCURACY_LR_BS_RULE,
    ACCURACY_LR_RULE,
    LOWER_HELD,
    LOWER_PARTLY,
    MOMENTUM_RULE,
    accuracy_claim,
    claims,
    momentum_claim,
    numbers,
    paper_claims,
)
from hessbook.chapters.k2.compute import Results, run, runs
from hessbook.chapters.k2.figures import explorer, figure_item, runs_table
from hessbook.chapters.k2.params import K2Params, Params
from hessbook.papers.kamath.regime import criteria

__all__ = ["ACCURACY_LR_BS_RULE", "ACCURACY_LR_RULE", "LOWER_HELD", "LOWER_PARTLY", "MOMENTUM_RULE", "K2Params",
           "Params", "Results", "accuracy_claim", "claims", "criteria", "explorer", "figure_item", "momentum_claim", "numbers",
           "paper_claims", "run", "runs", "runs_table"]
