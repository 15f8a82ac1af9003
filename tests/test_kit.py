"""The chapter kit: the dataclass codec of the result store, graded claims, glue names."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch

from hessbook import kit
from hessbook.kit.stored import CodecError
from hessbook.store import ResultStore


@dataclass(frozen=True)
class Inner:
    pair: tuple[float, float]
    values: np.ndarray


@dataclass(frozen=True)
class Outer:
    name: str
    cases: list[Inner]
    by_model: dict[str, Inner]
    tensor: torch.Tensor
    state: dict[str, torch.Tensor]
    maybe: float | None = None
    count: int = 3
    flags: tuple[bool, ...] = field(default_factory=tuple)


def _outer() -> Outer:
    return Outer(
        name="x", cases=[Inner((1.0, float("nan")), np.arange(3.0))],
        by_model={"m1": Inner((0.1 + 0.2, -math.inf), np.ones((2, 2), dtype=np.float32))},
        tensor=torch.arange(4, dtype=torch.float64), state={"w": torch.randn(3), "b": torch.zeros(1)},
        flags=(True, False),
    )


def test_codec_round_trips_nested_dataclasses_exactly(tmp_path):
    r = _outer()
    back = kit.decode(Outer, kit.encode(r))
    assert back.name == "x" and back.count == 3 and back.maybe is None and back.flags == (True, False)
    assert back.cases[0].pair[0] == 1.0 and math.isnan(back.cases[0].pair[1])
    assert back.by_model["m1"].pair == (0.1 + 0.2, -math.inf)  # floats survive bit for bit
    assert back.by_model["m1"].values.dtype == np.float32
    assert back.tensor.dtype == torch.float64 and torch.equal(back.tensor, r.tensor)
    assert torch.equal(back.state["w"], r.state["w"])


def test_cached_computes_once_and_loads_the_same_object(tmp_path):
    store = ResultStore(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return _outer()

    first = kit.cached("kit-test", {"k": 1}, compute, Outer, store)
    second, meta = kit.cached_entry("kit-test", {"k": 1}, compute, Outer, store)
    assert len(calls) == 1 and meta["cached"] is True
    np.testing.assert_array_equal(first.cases[0].values, second.cases[0].values)
    assert torch.equal(first.state["w"], second.state["w"])


def test_codec_refuses_what_it_cannot_store_and_names_the_field():
    @dataclass(frozen=True)
    class Bad:
        thing: object

    with pytest.raises(CodecError, match=r"r\.thing: a object cannot be stored"):
        kit.encode(Bad(object()))
    with pytest.raises(CodecError, match="must be a dataclass"):
        kit.encode({"a": 1})


def test_a_changed_dataclass_is_a_clear_error_not_a_wrong_result():
    @dataclass(frozen=True)
    class V1:
        a: float

    @dataclass(frozen=True)
    class V2:
        a: float
        b: float

    with pytest.raises(CodecError, match=r"lacks field\(s\) \['b'\]"):
        kit.decode(V2, kit.encode(V1(1.0)))
    with pytest.raises(CodecError, match="expected a number"):
        kit.decode(V1, kit.encode(_Str("x")))


@dataclass(frozen=True)
class _Str:
    a: str


def test_cached_checks_the_type_compute_returns(tmp_path):
    with pytest.raises(CodecError, match="expected Outer"):
        kit.cached("kit-test", {"k": 2}, lambda: Inner((1.0, 2.0), np.zeros(1)), Outer, ResultStore(tmp_path))


# ----------------------------------------------------------------------------- claims

TREND = kit.Rule(
    held=kit.all_of(kit.at_least("up", 0.8, "ρ(B, λ1)"), kit.at_most("down", -0.8, "ρ(B, FGSM)")),
    partly=kit.any_of(kit.all_of(kit.above("up", 0.0), kit.below("down", 0.0)), kit.at_least("up", 0.8),
                      kit.at_most("down", -0.8)),
    requires=kit.at_least("n", 3, "batch sizes"),
)


@pytest.mark.parametrize("values, grade", [
    ({"up": 1.0, "down": -1.0, "n": 4}, "held"),
    ({"up": 0.5, "down": -0.5, "n": 4}, "partly"),
    ({"up": 0.9, "down": 0.5, "n": 4}, "partly"),
    ({"up": 0.5, "down": 0.5, "n": 4}, "did not hold"),
    ({"up": -1.0, "down": 1.0, "n": 4}, "did not hold"),
    ({"up": 1.0, "down": -1.0, "n": 2}, "not judged"),  # computed, but too few batch sizes to judge
    ({"up": 1.0, "down": -1.0, "n": None}, "not computed"),  # the precondition itself is unknown
    ({"up": float("nan"), "down": -1.0, "n": 4}, "partly"),  # one strong: partly, whatever the other
    ({"up": float("nan"), "down": 0.5, "n": 4}, "not computed"),
    ({"up": None, "down": None, "n": 5}, "not computed"),
])
def test_rule_grades_by_its_thresholds(values, grade):
    assert TREND.grade(values) == grade


def test_rule_sentence_states_every_threshold_once():
    text = TREND.text()
    assert text.startswith("held = ρ(B, λ1) ≥ 0.8 and ρ(B, FGSM) ≤ -0.8; partly = ")
    assert "judged only when batch sizes ≥ 3" in text and text.endswith(".")


def test_claim_combines_cases_and_carries_the_payload():
    c = kit.Claim("Y-Table1", "λ1 rises with B.", "paper", "ours", TREND,
                  {"C1": {"up": 1.0, "down": -1.0, "n": 4}, "C2": {"up": -1.0, "down": 1.0, "n": 4}})
    assert c.grades == {"C1": "held", "C2": "did not hold"} and c.grade == "partly"
    assert c.as_dict()["verdict"] == "partly" and "Per case" in c.as_dict()["evidence"]
    assert kit.Claim("Y-Table1", "s", "p", "o", TREND).grade == "not computed"  # no case computed
    assert kit.combine(["held", "not computed"]) == "partly"  # issue 26: part of a group is not a held
    assert kit.combine(["did not hold", "did not hold"]) == "did not hold"


def test_not_computed_is_said_one_way_and_measured_parts_say_what_is_missing():
    """``Claim.not_computed``: no case, every expected case not computed, ``ours`` in the one
    wording; ``measured_text``: the parts, then what was not computed, or why nothing was."""
    c = kit.Claim.not_computed("Y-Table1", "s", "p", TREND, "C1 (dataset 'cifar10' not found).", "evidence",
                               expected=("C1", "C2"))
    assert c.ours == "not computed: C1 (dataset 'cifar10' not found)." and c.evidence == "evidence"
    assert c.grade == "not computed" and c.grades == {"C1": "not computed", "C2": "not computed"}
    assert c.coverage == (0, 2)
    assert kit.not_computed_text() == "not computed." and kit.not_computed_text(" no run ") == "not computed: no run."
    assert kit.measured_text(["C1 0.5", "C2 0.7"]) == "C1 0.5; C2 0.7"
    assert kit.measured_text(["C1 0.5"], "C2: no data") == "C1 0.5. Not computed: C2: no data."
    assert kit.measured_text([], "C2: no data", "no run") == "not computed: no run; C2: no data."
    assert kit.measured_text([], "", "no run") == "not computed: no run."


def test_a_failed_precondition_is_not_judged_and_the_evidence_names_it_with_the_value():
    c = kit.Claim("Y-Table1", "λ1 rises with B.", "paper", "ours", TREND,
                  kit.single({"up": 1.0, "down": -1.0, "n": 2}))
    assert c.grade == "not judged" and c.unjudged == {"": "judged only when batch sizes ≥ 3, here 2"}
    assert c.as_dict()["evidence"].endswith("Not judged: judged only when batch sizes ≥ 3, here 2.")
    # only the failing part of a compound precondition is named, with what was found
    both = kit.Rule(held=kit.at_least("up", 0.8),
                    requires=kit.all_of(kit.at_least("n", 3, "batch sizes"), kit.is_true("defined", "ρ is defined")))
    assert both.grade({"up": 1.0, "n": 4, "defined": False}) == "not judged"
    assert both.unmet({"up": 1.0, "n": 4, "defined": False}) == "judged only when ρ is defined, not so here"
    assert both.unmet({"up": 1.0, "n": 2, "defined": False}) == (
        "judged only when batch sizes ≥ 3, here 2; ρ is defined, not so here")
    assert both.unmet({"up": 1.0, "n": 4, "defined": True}) is None
    # a missing value is still "not computed", and says nothing about judging
    gone = kit.Claim("Y-Table1", "s", "p", "o", TREND, kit.single({"up": None, "down": None, "n": 5}))
    assert gone.grade == "not computed" and "Not judged" not in gone.why


def test_combine_a_case_not_judged_keeps_the_claim_from_a_plain_held():
    assert kit.combine(["held", "not judged"]) == "partly"  # not fully covered
    assert kit.combine(["held", "not judged", "not computed"]) == "partly"
    assert kit.combine(["did not hold", "not judged"]) == "did not hold"  # no judged case supports it
    assert kit.combine(["partly", "not judged"]) == "partly"
    assert kit.combine(["not judged", "not judged"]) == "not judged"
    assert kit.combine(["not judged", "not computed"]) == "not judged"  # something was computed
    assert kit.combine(["not computed", "not computed"]) == "not computed"
    assert kit.combine([]) == "not computed"
    with pytest.raises(ValueError, match=r"grades \['maybe'\]: accepted held, partly"):
        kit.combine(["held", "maybe"])
    c = kit.Claim("Y-Table1", "λ1 rises with B.", "paper", "ours", TREND,
                  {"C1": {"up": 1.0, "down": -1.0, "n": 4}, "C2": {"up": 1.0, "down": -1.0, "n": 2}})
    assert c.grades == {"C1": "held", "C2": "not judged"} and c.grade == "partly"
    assert "Not judged: C2 (judged only when batch sizes ≥ 3, here 2)." in c.why
    assert "held cases beside a case not judged or not computed read partly" in c.why


def test_evidence_explains_a_label_once_and_groups_cases_not_judged_by_their_reason():
    floor = kit.at_least("off_floor", 1, "accuracy above 5 % at some B (a curve at the floor is flat: untested)")
    rule = kit.Rule(held=kit.all_of(kit.at_most("rho", -0.8, "ρ(B, acc)"), floor),
                    partly=kit.all_of(kit.below("rho", 0.0, "ρ(B, acc)"), floor), requires=floor)
    text = rule.text()
    assert text.count("(a curve at the floor is flat: untested)") == 1  # explained at its first mention only
    assert text.count("accuracy above 5 % at some B") == 3 and text.count("ρ(B, acc)") == 2
    assert rule.text(None) == text and floor.text() == floor.label + " ≥ 1"  # without `seen`: in full
    # another label keeps its parenthesis, which may be its scope or unit, not an explanation already given
    pgd = kit.at_least("pgd_off_floor", 1, "PGD accuracy above 5 % at some B (a curve at the floor is flat: untested)")
    assert kit.Rule(held=kit.all_of(floor, pgd)).text().count("(a curve at the floor is flat: untested)") == 2
    scoped = kit.Rule(held=kit.all_of(kit.equals("a", 0, "fallbacks (rebuilt samples)"),
                                      kit.equals("b", 0, "capped (full test set)"))).text()
    assert "fallbacks (rebuilt samples) = 0" in scoped and "capped (full test set) = 0" in scoped
    low, high = {"rho": -1.0, "off_floor": 0}, {"rho": -1.0, "off_floor": 2}
    cases = {"C1 · seed 0": low, "C1 · seed 1": high, "R18 · seed 0": low, "C1 · seed 2": low, "R18 · seed 1": low}
    c = kit.Claim("Y-Table1", "s", "p", "o", rule, cases)
    assert c.grades["C1 · seed 1"] == "held" and c.grade == "partly"
    assert c.why.count("judged only when accuracy above 5 % at some B ≥ 1, here 0") == 1  # one group, label brief
    assert "Not judged: C1 · seeds 0/2, R18 · seeds 0/1 (judged only when accuracy above 5 % at some B ≥ 1, " \
           "here 0)." in c.why
    assert "(not judged: C1 · seeds 0/2, R18 · seeds 0/1)" in c.why  # the coverage names them the same way
    # the public reasons stay in full, case by case
    assert c.unjudged["R18 · seed 1"] == "judged only when " + floor.label + " ≥ 1, here 0"
    from hessbook.kit.claims import brief, case_names
    assert brief("a (b (c))") == "a" and brief("(only)") == "(only)" and brief("a (b) c") == "a (b) c"
    assert brief("ρ(B, λ1)") == "ρ(B, λ1)" and brief("spread (points)") == "spread"
    assert brief("rate − (the best − 10%, the slack)") == "rate − (the best − 10%, the slack)"  # a formula stays whole
    assert case_names(["C1", "M1 · seed 2"]) == "C1, M1 · seed 2"
    assert case_names(["C1 · seed 0", "M1 · seed 0", "M1 · seed 2", "S"]) == "C1 · seed 0, M1 · seeds 0/2, S"


def test_claim_rejects_unknown_items_and_missing_values():
    with pytest.raises(KeyError, match="unknown item"):
        kit.Claim("Y-Table99", "s", "p", "o", TREND, kit.single({"up": 1, "down": -1, "n": 3}))
    with pytest.raises(KeyError, match="needs the value 'down'"):
        kit.Claim("Y-Table1", "s", "p", "o", TREND, kit.single({"up": 1.0, "n": 3}))


def test_glue_numbers_names_fields_under_the_prefix(monkeypatch):
    import hessbook.report as report

    seen = {}
    monkeypatch.setattr(report, "glue", lambda name, value, **_: seen.__setitem__(name, value))

    @dataclass(frozen=True)
    class Numbers:
        worst_relu: float
        count: int

    assert kit.glue_numbers("y4", Numbers(0.5, 3)) == ["y4-worst-relu", "y4-count"]
    assert kit.glue_numbers("s2", {"exact-rate": 0.2}) == ["s2-exact-rate"]
    assert kit.glue_numbers("s2", {"gap-ours_exact": 0.1}, verbatim=True) == ["s2-gap-ours_exact"]
    assert seen == {"y4-worst-relu": 0.5, "y4-count": 3, "s2-exact-rate": 0.2, "s2-gap-ours_exact": 0.1}


# ----------------------------------------------------------------------------- sweeps


def test_a_group_verdict_says_how_much_of_the_paper_item_it_covers():
    """Issue 26 (2): a case of the paper's figure that was not computed (not selected at this
    scale) keeps the group from a plain held, and the payload carries the coverage."""
    held = {"up": 1.0, "down": -1.0, "n": 4}
    c = kit.Claim("Y-Table1", "s", "p", "o", TREND, {"C1": held}, expected=("C1", "C2"))
    assert c.grades == {"C1": "held", "C2": "not computed"}
    assert c.grade == "partly" and c.coverage == (1, 2)
    assert "1 of 2 cases judged (not computed: C2)" in c.why
    assert c.as_dict()["coverage"] == [1, 2]
    full = kit.Claim("Y-Table1", "s", "p", "o", TREND, {"C1": held, "C2": held}, expected=("C1", "C2"))
    assert full.grade == "held" and full.coverage == (2, 2)
    not_held = {"up": -1.0, "down": 1.0, "n": 4}
    assert kit.Claim("Y-Table1", "s", "p", "o", TREND, {"C1": not_held}, expected=("C1", "C2")).grade == "did not hold"
    assert kit.Claim("Y-Table1", "s", "p", "o", TREND, {}, expected=("C1", "C2")).grade == "not computed"
    with pytest.raises(ValueError, match="twice"):
        kit.Claim("Y-Table1", "s", "p", "o", TREND, {}, expected=("C1", "C1"))


# ----------------------------------------------------------------------------- the regime gate


def _gate_claim():
    from hessbook.kit import Claim, Rule, at_least

    return Claim("S-Fig3-5", "x is large.", paper="p", ours="o", rule=Rule(held=at_least("x", 1.0, "x")),
                 cases={"a": {"x": 2.0}, "b": {"x": 0.5}, "c": {"x": None}})


def test_in_regime_leaves_claims_alone_when_every_criterion_holds_or_is_excused():
    from hessbook import regime
    from hessbook.kit import in_regime

    claim = _gate_claim()
    met = [regime.Criterion("fits", True, "100 %"),
           regime.Criterion("steps", False, "60 steps", exception="the paper's own point is that it stalls")]
    assert in_regime([claim], met) == [claim]
    assert claim.grades == {"a": "held", "b": "did not hold", "c": "not computed"}


def test_in_regime_does_not_judge_a_claim_outside_the_regime_and_says_which_criterion():
    """Held and did-not-hold alike become not judged (a verdict outside the regime measures the
    shortfall); a case not computed stays not computed; the evidence names the criterion and value."""
    from hessbook import regime
    from hessbook.kit import in_regime

    unmet = [regime.Criterion("every network fits its training set", False, "n = 10 88.3 %"),
             regime.Criterion("S's widths", True, "10, 30")]
    gated = in_regime([_gate_claim()], unmet)[0]
    assert gated.grades == {"a": "not judged", "b": "not judged", "c": "not computed"}
    assert gated.grade == "not judged" and gated.coverage == (0, 3)
    assert "every network fits its training set: n = 10 88.3 %" in gated.why and "S's widths" not in gated.why
    assert gated.as_dict()["verdict"] == "not judged"


def test_excluding_judges_no_case_that_reads_a_flagged_run():
    """A case reading a flagged run (its name, or a name continuing it) is not judged and the
    evidence names the run; a name that merely starts with the same letters is judged; a case not
    computed stays not computed; nothing flagged: the claim unchanged."""
    from hessbook.kit import Claim, Rule, at_least, excluding

    claim = Claim("Y-Fig6-12", "x is large.", paper="p", ours="o", rule=Rule(held=at_least("x", 1.0, "x")),
                  cases={"M1 M_FGSM B_H=1a": {"x": 2.0}, "M1 M_FGSM": {"x": 0.5}, "M1 M_FGSM10 B_H=1a": {"x": 2.0},
                         "C3 M_FGSM": {"x": None}})
    assert excluding(claim, {}) is claim
    gated = excluding(claim, {"M1 M_FGSM": "M1 M_FGSM on its initial plateau", "C3 M_FGSM": "C3 diverged"})
    assert gated.grades == {"M1 M_FGSM B_H=1a": "not judged", "M1 M_FGSM": "not judged",
                            "M1 M_FGSM10 B_H=1a": "held", "C3 M_FGSM": "not computed"}
    assert "flagged: M1 M_FGSM on its initial plateau; C3 diverged" in gated.why and gated.grade == "partly"


def test_the_gated_chapters_judge_nothing_outside_their_regime():
    """S3's claims on networks that did not fit their training set are not judged; the same
    spectra from fitted networks are graded as :func:`graded_claims` grades them."""
    import dataclasses

    import numpy as np

    from hessbook.chapters import s3
    from hessbook.chapters.s3.claims import graded_claims
    from hessbook.chapters.s3.compute import num_params
    from hessbook.chapters.s3.params import S3Params
    from hessbook.papers.sagun.mnist_spectra import Spectrum
    from hessbook.params import validate

    P = validate(S3Params, dict(scale="gpu", seed=0, widths=[10, 30, 50, 70], input_size=14, n_samples=1000,
                                lr=0.1, iterations=5000, batch_size=1000, top_k=50, hessian_batch=1000,
                                hessian_dtype="float64", n_seeds=1, device="cpu"))
    eig = np.sort(np.concatenate([[3.0, 2.0, 1.0], np.linspace(0, 0.05, 200), np.linspace(-1e-3, 0, 20)]))
    fitted = tuple(Spectrum(f"n = {w}", eig, num_params(w, 14), 0.01, 1.0, 0.0) for w in P.widths)
    R = s3.Results(P, fitted)
    assert [c.grade for c in s3.claims(R)] == [c.grade for c in graded_claims(R)]
    assert "not judged" not in [c.grade for c in s3.claims(R)]
    unfitted = s3.Results(P, (dataclasses.replace(fitted[0], train_accuracy=0.883), *fitted[1:]))
    assert {c.grade for c in s3.claims(unfitted)} == {"not judged"}
    assert any("88.3 %" in c.why for c in s3.claims(unfitted))


def test_the_verdict_table_says_on_how_many_seeds_its_verdicts_rest(monkeypatch):
    """Every chapter's verdict table says whether a verdict was checked against a new seed, and
    the payload carries the count the status page shows."""
    from types import SimpleNamespace

    from hessbook import report
    from hessbook.kit.chapter import seeds_note, show_claims

    assert "not checked against a new seed" in seeds_note(SimpleNamespace(scale="cpu", n_seeds=1))
    assert "does not repeat its runs over seeds" in seeds_note(SimpleNamespace(scale="cpu"))
    assert "trained in 3 seeds" in seeds_note(SimpleNamespace(scale="cpu", n_seeds=3))
    shown = []
    monkeypatch.setattr(report, "_display", shown.append)
    claim = kit.Claim("S-Fig2", "c", "p", "o", kit.Rule(held=kit.is_true("h", "h")), kit.single({"h": True}))
    show_claims([claim], SimpleNamespace(scale="cpu", n_seeds=1))
    table = shown[0]
    assert "n_seeds = 1 at this scale" in table["text/markdown"].split("\n\n")[0]
    assert table[report.VERDICT_MIME]["n_seeds"] == 1
