"""K2's computation: every selected case under LR at each of ``momenta_lr`` and under LR/BS at
each of ``momenta_lr_bs``, at every batch size, as jobs of the shared grid (the momentum-0
lines are K1's jobs, loaded from the store when K1 ran first)."""

from __future__ import annotations

from dataclasses import dataclass

from hessbook.chapters.k2.params import K2Params
from hessbook.papers.kamath.grid import Grid, Run, missing_data, plan_grid, run_grid, seeded


@dataclass(frozen=True)
class Results:
    params: K2Params
    grid: Grid
    missing: dict[str, str]
    """case -> why its data is absent (the data layer's message)."""

    def momenta(self, setting: str) -> list[float]:
        return sorted(self.params.momenta_lr if setting == "lr" else self.params.momenta_lr_bs)

    def lines(self, case: str) -> list[tuple[str, float]]:
        return [(s, m) for s in ("lr", "lr_bs") for m in self.momenta(s)]

    def why_absent(self, case: str) -> str:
        if case in self.missing:
            return "data not on this machine: " + self.missing[case]
        return "not selected at this scale" if case not in self.params.cases else "not run"


def runs(P: K2Params, cases: list[str]) -> list[Run]:
    """Every (case, setting, momentum, batch size) in every seed of ``P``."""
    return seeded([Run(c, s, m, b) for c in cases for s, momenta in (("lr", P.momenta_lr), ("lr_bs", P.momenta_lr_bs))
                   for m in momenta for b in P.batch_sizes], P.grid, P.seed)


def plan_jobs(P: K2Params) -> list:
    """Every job :func:`run` sweeps, for every selected case (data present or not: the plan checks)."""
    return plan_grid(runs(P, list(P.cases)), P.grid, P.seed)


def run(P: K2Params, store=None) -> Results:
    """Every K2 job through the sweep, on the device ``P.device`` names; cases whose data is
    absent are reported, not run."""
    from hessbook.device import pick_device

    missing = {c: why for c in P.cases if (why := missing_data(c)) is not None}
    present = [c for c in P.cases if c not in missing]
    return Results(P, run_grid(runs(P, present), P.grid, P.seed, pick_device(P.device), store), missing)
