"""Claims of the papers, graded by rules given once, as data.

A :class:`Claim` holds a REPRODUCTION item, the paper's statement and number, ours, the
evidence, the measured values, and a :class:`Rule`. The rule yields both the grade (held /
partly / did not hold / not judged / not computed) and the sentence that explains it, so a
threshold is written exactly once: the status page, the chapter's verdict table and the prose
all read the same claim objects.

    rule = Rule(held=all_of(at_least("rho_lambda", 0.8, "ρ(B, λ1)"), at_most("rho_fgsm", -0.8, "ρ(B, FGSM)")),
                partly=any_of(above("rho_lambda", 0.0, "ρ(B, λ1)"), below("rho_fgsm", 0.0, "ρ(B, FGSM)")))
    Claim("Y-Table7", "λ1 rises and FGSM accuracy falls with B.", paper="...", ours="...", rule=rule,
          cases={"M1": {"rho_lambda": 1.0, "rho_fgsm": -1.0}}).grade   # 'held'

Two verdicts say why a claim has no held / partly / did not hold:

- *not computed*: the values are missing (no data, not selected, a failed run). A value that
  is None or NaN makes a condition unknown; a case whose verdict depends on an unknown
  condition is not computed, and so is a claim without cases.
- *not judged*: the values were computed, but the rule's precondition for judging
  (``Rule.requires``, e.g. "at least 3 batch sizes") fails at this scale. The evidence then
  names the precondition and the value found ("judged only when batch sizes ≥ 3, here 2").
  A precondition that cannot be computed counts as not computed. Express "too few points
  to judge" as a precondition, not as a NaN stand-in, so the reader learns which.

A claim with several cases (e.g. one per model) grades each case and combines them
(:func:`combine`): held when every case held; did not hold when every judged case did not
hold; not judged when nothing computed could be judged; not computed when nothing was
computed; partly otherwise. A case not judged or not computed means the claim is not fully
covered, so held cases beside one read *partly*, never a plain held; neither turns a
did-not-hold into partly, because no judged case supports the claim.

Coverage. ``Claim.expected`` names the cases of the paper's figure or table (its models,
panels or figures); a case the paper shows that the chapter did not compute (not selected at
this scale, no data) is counted as not computed, so "held on C1, C2 not run" reads partly and
says so. :attr:`Claim.coverage` is ``(cases judged, cases in the paper's item)``; the verdict
table and the status page show it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from hessbook.catalog import VERDICTS, item

Value = Union[float, int, bool, None]
Values = Mapping[str, Value]

HELD, PARTLY, NOT_HELD, NOT_JUDGED, NOT_COMPUTED = VERDICTS


# ----------------------------------------------------------------------------- conditions


def _known(value: Value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _shown(value: Value, fmt: str) -> str:
    """A measured value for the reader: booleans and integers as written, floats by ``fmt``."""
    if isinstance(value, bool) or not _known(value):
        return str(value)
    if isinstance(value, int) and fmt == "g":
        return str(value)
    return format(value, fmt)


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

    def text(self, seen: set[str] | None = None) -> str:
        return f"{_label(self.label or self.key, seen)} {_OPS[self.op][1]} {format(self.threshold, self.fmt)}"

    def shortfall(self, values: Values, seen: set[str] | None = None) -> str:
        """The condition and the value found (for a condition that does not hold)."""
        return f"{self.text(seen)}, here {_shown(_lookup(values, self.key), self.fmt)}"


@dataclass(frozen=True)
class IsTrue:
    """``values[key]`` is true; ``label`` says what that means."""

    key: str
    label: str

    def holds(self, values: Values) -> bool | None:
        value = _lookup(values, self.key)
        return bool(value) if _known(value) else None

    def text(self, seen: set[str] | None = None) -> str:
        return _label(self.label, seen)

    def shortfall(self, values: Values, seen: set[str] | None = None) -> str:
        return f"{self.text(seen)}, not so here"


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]

    def holds(self, values: Values) -> bool | None:
        results = [p.holds(values) for p in self.parts]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True

    def text(self, seen: set[str] | None = None) -> str:
        return " and ".join(_grouped(p, seen) for p in self.parts)

    def shortfall(self, values: Values, seen: set[str] | None = None) -> str:
        """Only the parts that do not hold, each with its value."""
        return "; ".join(p.shortfall(values, seen) for p in self.parts if p.holds(values) is False)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def holds(self, values: Values) -> bool | None:
        results = [p.holds(values) for p in self.parts]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False

    def text(self, seen: set[str] | None = None) -> str:
        return " or ".join(_grouped(p, seen) for p in self.parts)

    def shortfall(self, values: Values, seen: set[str] | None = None) -> str:
        return " or ".join(f"({p.shortfall(values, seen)})" if len(self.parts) > 1 else p.shortfall(values, seen)
                           for p in self.parts)


Condition = Union[Compare, IsTrue, AllOf, AnyOf]


def _grouped(c: Condition, seen: set[str] | None = None) -> str:
    return f"({c.text(seen)})" if isinstance(c, (AllOf, AnyOf)) and len(c.parts) > 1 else c.text(seen)


def _label(label: str, seen: set[str] | None) -> str:
    """``label`` in full the first time a text shows it; once ``seen`` holds it, without its closing
    parenthesis: "FGSM accuracy above 5 % at some B (a curve at the floor is flat by construction:
    untested)" is "FGSM accuracy above 5 % at some B" again. Only a repeat of the same label is
    shortened: another label's parenthesis may be its scope or its unit ("(full test set)",
    "(points)"), never known from the first. Without ``seen`` (None), always in full."""
    if seen is None:
        return label
    known = label in seen
    seen.add(label)
    return brief(label) if known else label


OPERATORS = "+-−×*/=<>≤≥"
"""A label whose text before its closing parenthesis ends in one of these is a formula
("x − (a − b)"): :func:`brief` keeps it whole."""


def brief(label: str) -> str:
    """``label`` without a closing parenthesized explanation, one set off by a space (balanced,
    not the whole label, not an operand of a formula): notation such as "ρ(B, λ1)" stays as it is."""
    if not label.endswith(")"):
        return label
    depth = 0
    for i in range(len(label) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(label[i], 0)
        if depth == 0:
            head = label[:i].rstrip()
            explanation = i > 0 and label[i - 1] == " " and head and head[-1] not in OPERATORS
            return head if explanation else label
    return label


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
    judged when ``requires`` fails; not computed when ``requires`` or a value the verdict
    depends on is unknown."""

    held: Condition
    partly: Condition | None = None
    requires: Condition | None = None
    """Precondition for judging at all (e.g. at least 3 batch sizes): a case that was computed
    but fails it is *not judged*, and :meth:`unmet` says which part failed with which value."""

    def grade(self, values: Values) -> str:
        if self.requires is not None:
            ready = self.requires.holds(values)
            if ready is None:
                return NOT_COMPUTED
            if not ready:
                return NOT_JUDGED
        held = self.held.holds(values)
        if held:
            return HELD
        partly = self.partly.holds(values) if self.partly is not None else False
        if partly:
            return PARTLY
        return NOT_COMPUTED if held is None or partly is None else NOT_HELD

    def unmet(self, values: Values, seen: set[str] | None = None) -> str | None:
        """Why a case is not judged ("judged only when batch sizes ≥ 3, here 2"), else None;
        labels in ``seen`` are given without their explanation (:func:`brief`)."""
        if self.requires is None or self.requires.holds(values) is not False:
            return None
        return f"judged only when {self.requires.shortfall(values, seen)}"

    def text(self, seen: set[str] | None = None) -> str:
        """The rule in words, each measure's label in full at its first mention only (``seen``:
        the labels already given, updated)."""
        seen = set() if seen is None else seen
        parts = [f"held = {self.held.text(seen)}"]
        if self.partly is not None:
            parts.append(f"partly = {self.partly.text(seen)}")
        sentence = "; ".join(parts) + "; otherwise did not hold"
        if self.requires is not None:
            sentence += f"; judged only when {self.requires.text(seen)}"
        return sentence + "."


COMBINED = ("Cases combined: held when every case held, did not hold when every judged case did not, "
            "partly otherwise (held cases beside a case not judged or not computed read partly: the claim is "
            "not fully covered).")


def combine(grades: Iterable[str]) -> str:
    """One grade for several cases (see the module docstring): a case not judged or not
    computed keeps held cases from reading a plain held (the claim is not fully covered, so:
    partly) but leaves a unanimous did not hold as it is."""
    grades = list(grades)
    unknown = [g for g in grades if g not in VERDICTS]
    if unknown:
        raise ValueError(f"grades {unknown}: accepted {', '.join(VERDICTS)}")
    computed = [g for g in grades if g != NOT_COMPUTED]
    if not computed:
        return NOT_COMPUTED
    judged = [g for g in computed if g != NOT_JUDGED]
    if not judged:
        return NOT_JUDGED
    if all(g == HELD for g in judged):
        return HELD if len(judged) == len(grades) else PARTLY
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
    expected: tuple[str, ...] = ()
    """The cases of the paper's figure or table (models, panels, figures), in the paper's
    order; empty: the cases given are all there is. A case named here but absent from
    ``cases`` is not computed (see the module docstring, *Coverage*)."""

    @classmethod
    def not_computed(cls, item: str, statement: str, paper: str, rule: Rule, why: str = "", evidence: str = "",
                     expected: tuple[str, ...] = ()) -> Claim:
        """The claim when nothing it reads was computed: no cases, and ``ours`` says so and why
        (:func:`not_computed_text`), so every chapter says it one way."""
        return cls(item, statement, paper, not_computed_text(why), rule, {}, evidence, expected=expected)

    def __post_init__(self) -> None:
        item(self.item)  # raises KeyError on an unknown key
        for values in self.cases.values():
            self.rule.grade(values)  # raises KeyError when the rule needs a value the case lacks
        if len(set(self.expected)) != len(self.expected):
            raise ValueError(f"{self.item}: expected cases {self.expected} name a case twice")

    @property
    def grades(self) -> dict[str, str]:
        """``case -> grade`` for every case the paper shows (absent ones: not computed), then
        any further case the chapter computed."""
        graded = {name: self.rule.grade(values) for name, values in self.cases.items()}
        return {**{name: graded.get(name, NOT_COMPUTED) for name in self.expected}, **graded}

    @property
    def grade(self) -> str:
        return combine(self.grades.values())

    @property
    def coverage(self) -> tuple[int, int]:
        """``(cases judged, cases of the paper's item)``: judged = held, partly or did not hold."""
        grades = self.grades
        judged = sum(g in (HELD, PARTLY, NOT_HELD) for g in grades.values())
        return judged, len(grades)

    @property
    def uncovered(self) -> dict[str, list[str]]:
        """``{"not computed": [...], "not judged": [...]}``: the cases without a judgement."""
        out: dict[str, list[str]] = {}
        for name, g in self.grades.items():
            if g in (NOT_COMPUTED, NOT_JUDGED):
                out.setdefault(g, []).append(name or "the one case")
        return out

    def coverage_text(self) -> str:
        """``"1 of 2 cases judged (not computed: C2)"``; empty for a single case (its verdict
        says it all)."""
        judged, total = self.coverage
        if total <= 1:
            return ""
        missing = "; ".join(f"{why}: {case_names(names)}" for why, names in self.uncovered.items())
        return f"{judged} of {total} cases judged" + (f" ({missing})" if missing else "")

    @property
    def unjudged(self) -> dict[str, str]:
        """``case -> why it is not judged`` (the failed precondition with the value found)."""
        return self._unjudged(None)

    def _unjudged(self, seen: set[str] | None) -> dict[str, str]:
        out = {}
        for name, values in self.cases.items():
            reason = self.rule.unmet(values, seen)
            if reason is not None:
                out[name] = reason
        return out

    @property
    def why(self) -> str:
        """The rule (each label explained at its first mention), the evidence, the cases not
        judged grouped by their reason (labels already explained by the rule given briefly),
        and the coverage."""
        seen: set[str] = set()
        rule = self.rule.text(seen)
        if len(self.cases) > 1:
            rule = "Per case: " + rule + " " + COMBINED
        unjudged = self._unjudged(seen)
        if len(self.cases) == 1 and unjudged:
            unmet = f"Not judged: {next(iter(unjudged.values()))}."
        elif unjudged:
            by_reason: dict[str, list[str]] = {}
            for name, reason in unjudged.items():
                by_reason.setdefault(reason, []).append(name)
            unmet = "Not judged: " + "; ".join(f"{case_names(names)} ({reason})"
                                               for reason, names in by_reason.items()) + "."
        else:
            unmet = ""
        covered = self.coverage_text()
        covered = f"Coverage: {covered}." if covered else ""
        return " ".join(x for x in (rule, self.evidence.strip(), unmet, covered) if x)

    def as_dict(self) -> dict[str, Any]:
        """The payload the status page reads (verdict = the grade; coverage = [judged, total])."""
        return {"item": self.item, "claim": self.statement, "verdict": self.grade, "paper": self.paper,
                "ours": self.ours, "evidence": self.why, "coverage": list(self.coverage)}


def not_computed_text(why: str = "") -> str:
    """``ours`` of a claim, or of the part of one, with nothing computed: ``"not computed: <why>."``
    (``why``: what the chapter's table lacks, in its words; a trailing full stop is dropped)."""
    why = why.strip().rstrip(".")
    return f"not computed: {why}." if why else "not computed."


def measured_text(parts: Sequence[str], absent: str = "", nothing: str = "") -> str:
    """``ours`` from the measured ``parts`` (joined by ``"; "``), then what was not computed and
    why (``absent``); with no part, :func:`not_computed_text` of ``nothing`` (why there is none)
    and ``absent``."""
    if parts:
        return "; ".join(parts) + (f". Not computed: {absent}." if absent else "")
    return not_computed_text("; ".join(x for x in (nothing, absent) if x))


def single(values: Values) -> dict[str, Values]:
    """``cases`` for a claim with one case."""
    return {"": dict(values)}



# ----------------------------------------------------------------------------- cases in several seeds

SEPARATOR = " · seed "
"""Joins a case and its network seed: ``"M1-K · seed 2"`` (:mod:`hessbook.kit.seeds` names cases
with it; the agreement across seeds lives here, so that a gate below can recompute it)."""


def case_of(name: str) -> str:
    """The case a seed's case belongs to (``"M1-K · seed 2"`` -> ``"M1-K"``)."""
    return name.split(SEPARATOR)[0]


def case_names(names: Sequence[str]) -> str:
    """Case names for the reader, the seeds of one case together (joined by "/", so that a comma
    always separates two cases), in order of first mention:
    ``["C1 · seed 0", "M1 · seed 0", "M1 · seed 2", "S"]`` -> ``"C1 · seed 0, M1 · seeds 0/2, S"``."""
    groups: dict[tuple[str, bool], list[str]] = {}
    for name in names:
        case, _, seed = name.partition(SEPARATOR)
        groups.setdefault((case, bool(seed)) if seed else (name, False), []).append(seed)
    parts = []
    for (case, seeded), seeds in groups.items():
        if not seeded:
            parts.append(case)
        elif len(seeds) == 1:
            parts.append(f"{case}{SEPARATOR}{seeds[0]}")
        else:
            parts.append(f"{case}{SEPARATOR.replace('seed', 'seeds')}{'/'.join(seeds)}")
    return ", ".join(parts)


def agreement(claim: Claim, seeds: Sequence[int]) -> str:
    """Per case, in how many seeds the claim held, and the other seeds' verdicts:
    ``"Across 3 seeds: M1-K held in 2 of 3 (did not hold: seed 1); C2 not computed in any seed."``;
    empty for one seed."""
    if len(seeds) <= 1:
        return ""
    by_case: dict[str, dict[str, str]] = {}
    for name, grade in claim.grades.items():
        by_case.setdefault(case_of(name), {})[name] = grade
    parts = []
    for case, grades in by_case.items():
        name = case or "the case"
        if len(set(grades.values())) == 1 and next(iter(grades.values())) in (NOT_COMPUTED, NOT_JUDGED):
            parts.append(f"{name} {next(iter(grades.values()))} in any seed")
            continue
        held = sum(g == HELD for g in grades.values())
        others: dict[str, list[str]] = {}
        for n, g in grades.items():
            if g != HELD and SEPARATOR in n:
                others.setdefault(g, []).append(n.split(SEPARATOR)[1])
        rest = "; ".join(f"{g}: seed{'s' if len(v) > 1 else ''} {', '.join(v)}" for g, v in others.items())
        parts.append(f"{name} held in {held} of {len(grades)}" + (f" ({rest})" if rest else ""))
    return f"Across {len(seeds)} seeds: " + "; ".join(parts) + "."



# ----------------------------------------------------------------------------- the regime gate

REGIME_KEY = "in_regime"
"""The value :func:`in_regime` adds to every computed case: whether the chapter's regime criteria hold."""


def in_regime(claims: Iterable[Claim], criteria: Iterable[Any]) -> list[Claim]:
    """The claims as judged only inside the papers' regime.

    ``criteria``: the chapter's :class:`hessbook.regime.Criterion` list for the block and, where
    they depend on them, its results (e.g. "every network fits its training set"). With every
    criterion met (or excused by its named exception) the claims come back unchanged. With one
    unmet, every computed case of every claim is *not judged*, and its evidence names the unmet
    criteria with what this scale has: a verdict on networks outside the paper's regime (too few
    steps, a training set not fitted, fewer parameters than samples) would measure the shortfall,
    not the paper's claim, whichever way it came out. Cases not computed stay not computed."""
    from dataclasses import replace

    from hessbook import regime

    missing = regime.unmet(criteria)
    claims = list(claims)
    if not missing:
        return claims
    gate = is_true(REGIME_KEY, "the chapter's regime criteria are met (not met at this scale: "
                   + "; ".join(f"{c.name}: {c.found}" for c in missing) + ")")
    out = []
    for claim in claims:
        rule = replace(claim.rule, requires=gate if claim.rule.requires is None else all_of(claim.rule.requires, gate))
        cases = {name: {**values, REGIME_KEY: claim.rule.grade(values) == NOT_COMPUTED}
                 for name, values in claim.cases.items()}
        out.append(agreement_after_gate(claim, replace(claim, rule=rule, cases=cases)))
    return out


def agreement_after_gate(before: Claim, after: Claim) -> Claim:
    """``after`` (``before`` with a gate added: :func:`in_regime`, :func:`excluding`) with the
    agreement across seeds its evidence begins with (:func:`hessbook.kit.seeds.with_agreement`)
    recomputed from its own grades: a gated claim must not say it "held in 3 of 3"."""
    from dataclasses import replace

    seeds = sorted({int(name.split(SEPARATOR)[1]) for name in before.grades if SEPARATOR in name})
    old, new = agreement(before, seeds), agreement(after, seeds)
    if old and old != new and after.evidence.startswith(old):
        return replace(after, evidence=new + after.evidence[len(old):])
    return after


# ----------------------------------------------------------------------------- flagged runs

UNFLAGGED_KEY = "unflagged"
"""The value :func:`excluding` adds to every case: whether no run it reads is flagged."""


def _reads(case: str, key: str) -> bool:
    """Whether the case named ``case`` reads the runs of ``key``: the same name, or a name that
    continues it (``"M1 / MNIST M_FGSM B_H=1a"`` reads ``"M1 / MNIST M_FGSM"``)."""
    return case == key or case.startswith(key + " ")


def excluding(claim: Claim, flagged: Mapping[str, str]) -> Claim:
    """``claim`` with every computed case that reads a flagged run *not judged*.

    ``flagged``: case name (or the start of case names, see :func:`_reads`) -> why, e.g.
    ``{"M1 / MNIST": "M1 / MNIST M_FGSM on its initial plateau"}``. A run on its initial plateau
    or diverged measures under-training, not the paper's effect, so it enters no statistic; the
    gate's words, in the evidence, name the flagged runs. Cases not computed stay not computed;
    with nothing flagged the claim comes back unchanged."""
    from dataclasses import replace

    if not flagged:
        return claim
    gate = is_true(UNFLAGGED_KEY, "no run it reads is on its initial plateau or diverged (flagged: "
                   + "; ".join(dict.fromkeys(flagged.values())) + ")")
    rule = replace(claim.rule, requires=gate if claim.rule.requires is None else all_of(claim.rule.requires, gate))
    cases = {name: {**values, UNFLAGGED_KEY: claim.rule.grade(values) == NOT_COMPUTED
                    or not any(_reads(name, key) for key in flagged)}
             for name, values in claim.cases.items()}
    return agreement_after_gate(claim, replace(claim, rule=rule, cases=cases))
