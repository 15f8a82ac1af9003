"""A claim graded in several seeds: each (case, seed) is one case of the claim.

A trend measured on one network per point can be an accident of its initialization. Chapters
that train several seeds grade every case in every seed, as a case of its own named
``"<case> · seed <s>"``; :func:`hessbook.kit.claims.combine` then gives *held* only when the
trend held in every seed, *did not hold* only when it failed in every judged seed, and *partly*
where seeds disagree. :func:`with_agreement` adds to the evidence, per case, in how many seeds
the claim held.

    cases = {seed_case("M1-K", s, seeds): values_in(s) for s in seeds}
    claim = with_agreement(Claim(..., cases=cases, expected=seed_cases(("M1-K",), seeds)), seeds)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from hessbook.kit.claims import SEPARATOR, Claim, agreement, case_of
from hessbook.params import spec

__all__ = ["SEPARATOR", "MAX_SEEDS", "Seeded", "SeededResults", "across_seeds", "agreement", "case_of", "n_seeds_spec",
           "network_seeds", "seed_case", "seed_cases", "with_agreement"]

MAX_SEEDS = 10


def n_seeds_spec(per: str, paper: str, note: str = "") -> dict:
    """The field metadata of a chapter's ``n_seeds``: networks per ``per`` (e.g. "(model, batch
    size)"), what the paper did (``paper``), and a chapter's ``note``."""
    return spec(gt=0, le=MAX_SEEDS, doc=(
        f"networks per {per}, with network seeds seed, seed+1, ...: every claim is graded in every seed and "
        f"reads at most partly where seeds disagree ({paper}). The training subset and the images measured on "
        "are the chapter seed's in every seed: seeds differ in the network's own randomness (initialization, "
        "data order, augmentation)" + (f". {note}" if note else "")))


def network_seeds(seed: int, n_seeds: int) -> list[int]:
    """The network seeds of ``n_seeds`` networks: ``seed`` (the chapter's, the first) and the next ones."""
    return [seed + i for i in range(n_seeds)]


class Seeded:
    """Mixin of a chapter's parameter schema with ``seed`` and ``n_seeds`` fields: its network seeds."""

    @property
    def seeds(self) -> list[int]:
        """The network seeds: ``seed`` (the chapter's, the first) and the next ``n_seeds - 1``."""
        return network_seeds(self.seed, self.n_seeds)  # type: ignore[attr-defined]


class SeededResults:
    """Mixin of a chapter's results whose ``params`` has ``seeds`` (:class:`Seeded`): the seeds a
    claim is graded in."""

    @property
    def seeds(self) -> list[int]:
        """The network seeds the parameters ask for (a seed not run counts as not computed)."""
        return self.params.seeds  # type: ignore[attr-defined]

    @property
    def first_seed(self) -> int:
        """``seeds[0]``: the chapter's first network seed (Y2's: Y1's), the one the paper's figures draw."""
        return self.seeds[0]


def seed_case(case: str, seed: int, seeds: Sequence[int]) -> str:
    """``case`` in one seed: the case's own name when only one seed ran, else ``"case · seed s"``."""
    return case if len(seeds) <= 1 else f"{case}{SEPARATOR}{seed}"


def seed_cases(cases: Iterable[str], seeds: Sequence[int]) -> tuple[str, ...]:
    """Every case in every seed (a claim's ``expected``): a seed not run counts as not computed."""
    return tuple(seed_case(c, s, seeds) for c in cases for s in seeds)


def with_agreement(claim: Claim, seeds: Sequence[int]) -> Claim:
    """``claim`` with :func:`agreement` at the front of its evidence."""
    text = agreement(claim, seeds)
    return dataclasses.replace(claim, evidence=f"{text} {claim.evidence}".strip()) if text else claim


def across_seeds(claims: Sequence[Claim], seeds: Sequence[int], name: str) -> Claim:
    """One claim from the same claim graded in each seed (``claims[i]`` in ``seeds[i]``): each
    case becomes ``"<case> · seed <s>"`` (a case named ``""``, as :func:`hessbook.kit.single`
    names it, becomes ``name``), every case expected in every seed, "ours" says each seed's, the
    evidence begins with :func:`agreement`, then the claims' evidence (once where every seed's is the
    same, else each seed's as "Seed s: ..."). One seed: its claim unchanged."""
    if len(claims) != len(seeds):
        raise ValueError(f"across_seeds: {len(claims)} claims for {len(seeds)} seeds")
    if len(seeds) == 1:
        return claims[0]
    base = [c or name for c in (claims[0].expected or tuple(claims[0].cases))]
    cases = {seed_case(case or name, s, seeds): values for c, s in zip(claims, seeds) for case, values in c.cases.items()}
    same = len({c.evidence for c in claims}) == 1
    evidence = claims[0].evidence if same else " ".join(f"Seed {s}: {c.evidence}" for c, s in zip(claims, seeds))
    merged = dataclasses.replace(claims[0], cases=cases, expected=seed_cases(base, seeds), evidence=evidence,
                                 ours="; ".join(f"seed {s}: {c.ours.rstrip('.')}" for c, s in zip(claims, seeds)) + ".")
    return with_agreement(merged, seeds)
