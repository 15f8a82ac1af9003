"""K1's computation: for every selected case, K's three settings at momentum 0 (Benchmark at
its own 0.9) and every batch size, as jobs of the shared grid."""

from __future__ import annotations

from dataclasses import dataclass

from hessbook.chapters.k1.params import K1Params
from hessbook.papers.kamath.grid import GridResults, KRun, Run, grid_jobs, grid_run, seeded
from hessbook.papers.kamath.paper import BENCHMARK_MOMENTUM, SETTINGS

LINES = tuple((s, BENCHMARK_MOMENTUM if s == "benchmark" else 0.0) for s in SETTINGS)
"""K1's lines: LR m=0, LR/BS m=0, Benchmark m=0.9."""


@dataclass(frozen=True)
class Results(GridResults):
    """Everything K1 computed (:class:`~hessbook.papers.kamath.grid.GridResults`)."""

    params: K1Params


def runs(P: K1Params, cases: list[str]) -> list[Run]:
    """Every (case, line, batch size) in every seed of ``P``."""
    return seeded([Run(c, s, m, b) for c in cases for s, m in LINES for b in P.batch_sizes], P.grid, P.seed)


def jobs(P: K1Params) -> list[KRun]:
    """Every job of every selected case (data present or not: a case without its data is a
    ``no data`` row)."""
    return grid_jobs(runs(P, list(P.cases)), P.grid, P.seed)


def run(P: K1Params, store=None) -> Results:
    """Every K1 job through the sweep (:func:`~hessbook.papers.kamath.grid.grid_run`)."""
    return grid_run(P, runs(P, list(P.cases)), Results, store)
