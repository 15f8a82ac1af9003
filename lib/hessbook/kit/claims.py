"""Claims of the papers, graded by rules given once, as data.

A :class:`Claim` holds a REPRODUCTION item, the paper's statement and number, ours, the
evidence, the measured values, and a :class:`Rule`. The rule yields both the grade (held /
partly / did not hold / not computed) and the sentence that explains it, so a threshold is
written exactly once: the status page, the chapter's verdict table and the prose all read
the same claim objects.

    rule = Rule(held=all_of(at_least("rho_lambda", 0.8, "ρ(B, λ1)"), at_most("rho_fgsm", -0.8, "ρ(B, FGSM)")),
                partly=any_of(above("rho_lambda", 0.0, "ρ(B, λ1)"), below("rho_fgsm", 0.0, "ρ(B, FGSM)")))
    Claim("Y-Table7", "λ1 rises and FGSM accuracy falls with B.", paper="...", ours="...", rule=rule,
          cases={"M1": {"rho_lambda": 1.0, "rho_fgsm": -1.0}}).grade   # 'held'

A claim with several cases (e.g. one per model) grades each case and combines them: held
when every computed case held, did not hold when every computed case did not, partly
otherwise, not computed when no case could be computed. A value that is None or NaN makes
a condition unknown; a claim whose conditions are unknown is *not computed*.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

from hessbook.catalog import VERDICTS, item

Value = Union[float, int, bool, None]
Values = Mapping[str, Value]

HELD, PARTLY, NOT_HELD, NOT_COMPUTED = VERDICTS


# ----------------------------------------------------------------------------- conditions


def _known(value: Value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


_OPS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    ">=": (operator.ge, "≥"), ">": (operator.gt, ">"), "<=": (operator.le, "≤"), "<": (operator.lt, "<"),
    "==": (operator.eq, "="),
}


@dataclass(frozen=True)
class Compare:
    """``values[key] <op> threshold``; ``label`` names the measure for the reader."""

    key: str
    op: str
    threshold: float
    label: str = ""
    fmt: str = "g"

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"op {self.op!r}: accepted {', '.join(_OPS)}")

    def holds(self, values: Values) -> bool | None:
        value = _lookup(values, self.key)
        return bool(_OPS[self.op][0](value, self.threshold)) if _known(value) else None

    def text(self) -> str:
        return f"{self.label or self.key} {_OPS[self.op][1]} {format(self.threshold, self.fmt)}"


@dataclass(frozen=True)
class IsTrue:
    """``values[key]`` is true; ``label`` says what that means."""

    key: str
    label: str

    def holds(self, values: Values) -> bool | None:
        value = _lookup(values, self.key)
        return bool(value) if _known(value) else None

    def text(self) -> str:
        return self.label


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]

    def holds(self, values: Values) -> bool | None:
        results = [p.holds(values) for p in self.parts]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True

    def text(self) -> str:
        return " and ".join(_grouped(p) for p in self.parts)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def holds(self, values: Values) -> bool | None:
        results = [p.holds(values) for p in self.parts]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False

    def text(self) -> str:
        return " or ".join(_grouped(p) for p in self.parts)


Condition = Union[Compare, IsTrue, AllOf, AnyOf]


def _grouped(c: Condition) -> str:
    return f"({c.text()})" if isinstance(c, (AllOf, AnyOf)) and len(c.parts) > 1 else c.text()


def _lookup(values: Values, key: str) -> Value:
    if key not in values:
        raise KeyError(f"a rule needs the value {key!r}; the claim has {sorted(values)}")
    return values[key]


def at_least(key: str, threshold: float, label: str = "", fmt: str = "g") -> Compare:
    return Compare(key, ">=", threshold, label, fmt)


def above(key: str, threshold: float, label: str = "", fmt: str = "g") -> Compare:
    return Compare(key, ">", threshold, label, fmt)


def at_most(key: str, threshold: float, label: str = "", fmt: str = "g") -> Compare:
    return Compare(key, "<=", threshold, label, fmt)


def below(key: str, threshold: float, label: str = "", fmt: str = "g") -> Compare:
    return Compare(key, "<", threshold, label, fmt)


def equals(key: str, threshold: float, label: str = "", fmt: str = "g") -> Compare:
    return Compare(key, "==", threshold, label, fmt)


def is_true(key: str, label: str) -> IsTrue:
    return IsTrue(key, label)


def all_of(*parts: Condition) -> AllOf:
    return AllOf(tuple(parts))


def any_of(*parts: Condition) -> AnyOf:
    return AnyOf(tuple(parts))


# ----------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """held when ``held`` holds, else partly when ``partly`` holds, else did not hold; not
    computed when ``requires`` fails or a value the verdict depends on is unknown."""

    held: Condition
    partly: Condition | None = None
    requires: Condition | None = None
    """Precondition for judging at all (e.g. at least 3 batch sizes)."""

    def grade(self, values: Values) -> str:
        if self.requires is not None and self.requires.holds(values) is not True:
            return NOT_COMPUTED
        held = self.held.holds(values)
        if held:
            return HELD
        partly = self.partly.holds(values) if self.partly is not None else False
        if partly:
            return PARTLY
        return NOT_COMPUTED if held is None or partly is None else NOT_HELD

    def text(self) -> str:
        parts = [f"held = {self.held.text()}"]
        if self.partly is not None:
            parts.append(f"partly = {self.partly.text()}")
        sentence = "; ".join(parts) + "; otherwise did not hold"
        if self.requires is not None:
            sentence += f"; judged only when {self.requires.text()}"
        return sentence + "."


def combine(grades: Iterable[str]) -> str:
    """One grade for several cases: held / did not hold when every computed case agrees."""
    judged = [g for g in grades if g != NOT_COMPUTED]
    if not judged:
        return NOT_COMPUTED
    if all(g == HELD for g in judged):
        return HELD
    if all(g == NOT_HELD for g in judged):
        return NOT_HELD
    return PARTLY


# ----------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class Claim:
    """One claim of a paper, our measurement of it, and the rule that grades it."""

    item: str
    """Catalog key (``hessbook.catalog.ITEMS``), e.g. ``"S-Fig2"``."""
    statement: str
    """The paper's claim in one sentence."""
    paper: str
    """The paper's number, or its own words."""
    ours: str
    """Our number or observation, at the scale the chapter ran."""
    rule: Rule
    cases: Mapping[str, Values] = field(default_factory=dict)
    """Measured values per case (one case: ``{"": values}``); empty: nothing computed."""
    evidence: str = ""
    """Why we say so beyond the rule, including why we think a claim did not reproduce."""

    def __post_init__(self) -> None:
        item(self.item)  # raises KeyError on an unknown key
        for values in self.cases.values():
            self.rule.grade(values)  # raises KeyError when the rule needs a value the case lacks

    @property
    def grades(self) -> dict[str, str]:
        return {name: self.rule.grade(values) for name, values in self.cases.items()}

    @property
    def grade(self) -> str:
        return combine(self.grades.values())

    @property
    def why(self) -> str:
        rule = self.rule.text()
        if len(self.cases) > 1:
            rule = ("Per case: " + rule + " Cases combined: held when every computed case held, did not "
                    "hold when none did, partly otherwise.")
        return f"{rule} {self.evidence}".strip()

    def as_dict(self) -> dict[str, str]:
        """The payload the status page reads (verdict = the grade)."""
        return {"item": self.item, "claim": self.statement, "verdict": self.grade, "paper": self.paper,
                "ours": self.ours, "evidence": self.why}


def single(values: Values) -> dict[str, Values]:
    """``cases`` for a claim with one case."""
    return {"": dict(values)}


def grades_by_item(claims: Sequence[Claim]) -> dict[str, list[str]]:
    """``item -> [grade, ...]`` in the chapter's order (for tests and build comparisons)."""
    out: dict[str, list[str]] = {}
    for c in claims:
        out.setdefault(c.item, []).append(c.grade)
    return out
