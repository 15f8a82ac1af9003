"""K2's computation: every selected case under LR at each of ``momenta_lr`` and under LR/BS at
each of ``momenta_lr_bs``, at every batch size, as jobs of the shared grid (the momentum-0
lines are K1's jobs, loaded from the store when K1 ran first)."""

from __future__ import annotations

from dataclasses import dataclass

from hessbook.chapters.k2.params import K2Params
from hessbook.papers.kamath.grid import GridResults, KRun, Run, grid_jobs, grid_run, seeded


@dataclass(frozen=True)
class Results(GridResults):
    """Everything K2 computed (:class:`~hessbook.papers.kamath.grid.GridResults`), with its lines."""

    params: K2Params

    def momenta(self, setting: str) -> list[float]:
        return sorted(self.params.momenta_lr if setting == "lr" else self.params.momenta_lr_bs)

    def lines(self, case: str) -> list[tuple[str, float]]:
        return [(s, m) for s in ("lr", "lr_bs") for m in self.momenta(s)]


def runs(P: K2Params, cases: list[str]) -> list[Run]:
    """Every (case, setting, momentum, batch size) in every seed of ``P``."""
    return seeded([Run(c, s, m, b) for c in cases for s, momenta in (("lr", P.momenta_lr), ("lr_bs", P.momenta_lr_bs))
                   for m in momenta for b in P.batch_sizes], P.grid, P.seed)


def jobs(P: K2Params) -> list[KRun]:
    """Every job of every selected case (data present or not: a case without its data is a
    ``no data`` row)."""
    return grid_jobs(runs(P, list(P.cases)), P.grid, P.seed)


def run(P: K2Params, store=None) -> Results:
    """Every K2 job through the sweep (:func:`~hessbook.papers.kamath.grid.grid_run`)."""
    return grid_run(P, runs(P, list(P.cases)), Results, store)
