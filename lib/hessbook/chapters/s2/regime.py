"""S2's regime criteria and run table (:mod:`hessbook.papers.sagun.regime`: written from S before
any verdict was read), and the cases that enter the chapter's statistics.

S App. A gives the network (d = 100, two hidden layers of 30 units) and the k of Table 1, and
"we carried out the training": no N, step size or step count. So the criteria are S's sizes,
over-parametrization at every k (Table 1's 4,022 to 5,510 parameters against our N), and the
state the networks are trained to (measured). A case whose network is flagged (on its initial
plateau or diverged, :mod:`hessbook.regime`) enters no count: :func:`kept`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hessbook import regime
from hessbook.chapters.s2.compute import CaseResult, Results
from hessbook.chapters.s2.paper import KS, row_label, s_mlp_parameters
from hessbook.chapters.s2.params import S2Params, parse_variation
from hessbook.papers.sagun.regime import fits_training_set, over_parametrized, run_table

PAPER_DIMENSION, PAPER_HIDDEN = 100, 30
"""S App. A: "a 100 dimensional input layer, two hidden layers each of which with 30 hidden units"."""


def criteria(P: S2Params, R: Results | None = None) -> list[regime.Criterion]:
    """S2's criteria for the block ``P``; with the results ``R``, also the state every network reached."""
    out = [
        regime.Criterion(f"S's network, d = {PAPER_DIMENSION} and two hidden layers of {PAPER_HIDDEN} (S App. A)",
                         (P.dimension, P.hidden) == (PAPER_DIMENSION, PAPER_HIDDEN),
                         f"d = {P.dimension}, hidden {P.hidden}"),
        regime.Criterion(f"S's k = {', '.join(map(str, KS))} (S Table 1)", set(KS) <= set(P.ks),
                         f"k = {', '.join(map(str, sorted(P.ks)))}"),
        over_parametrized("every k", [s_mlp_parameters(k, P.dimension, P.hidden) for k in P.ks], P.n_samples,
                          "4,022 to 5,510 parameters, Table 1"),
    ]
    if R is not None:
        out.append(fits_training_set([(case_label(r, R.params), r.train_accuracy) for r in R.cases]))
    return out


def case_label(r: CaseResult, P: S2Params) -> str:
    """``"SGD relu cov 1 k=10"`` and what the case is for beyond Table 1 (and its seed, with seeds)."""
    extra = {"table": "", "unseen-k": " (unseen k)", "separation": f" (separation {r.separation:g})",
             "training": f" ({r.iterations} steps)",
             "variation": f" ({parse_variation(r.variation).label})" if r.variation else ""}[r.group]
    return row_label(r.row) + extra + (f" seed {r.seed}" if P.n_seeds > 1 else "")


def trained_run(r: CaseResult, P: S2Params) -> regime.TrainedRun:
    return regime.TrainedRun(case_label(r, P), r.iterations, r.final_loss, r.row.k,
                             diverged=not math.isfinite(r.final_loss))


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """Every case's network, in the chapter's order."""
    return [trained_run(r, R.params) for r in R.cases]


def runs_table(R: Results):
    """The run table: one row per case (steps, final training loss beside ln k, training accuracy, flag)."""
    return run_table(trained_runs(R), [r.train_accuracy for r in R.cases])


def kept(cases: Sequence[CaseResult], P: S2Params) -> list[CaseResult]:
    """The cases whose network is not flagged: the only ones any count or claim uses."""
    return [r for r in cases if not trained_run(r, P).flag]


def excluded_text(cases: Sequence[CaseResult], P: S2Params) -> str:
    """" Excluded from every statistic: ..." for the flagged cases among ``cases`` (empty when none)."""
    runs = [trained_run(r, P) for r in cases]
    return regime.flagged_text([(run.label, run.flag) for run in runs])
