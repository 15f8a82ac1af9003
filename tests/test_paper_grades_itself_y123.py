"""The paper grades itself (issue 26), Y1-Y3: every claim whose paper prints numbers is graded by
the chapter's own rule on Y's printed numbers, and must give the grade the claim's text implies.
A failure here means the claim is misread, not that the paper is wrong.

Graded on Y's printed rows (``y1.paper_claims()``, the same builders as our runs):

- Y-Table1 (batch-size trend, C1 and C2 rows of Table 1), Y-Table7 (M1), Y-Table2 (ResNet18):
  held on every printed model.
- Y-Table1 (§3.3, λ1x and ‖∇xJ‖ do not correlate with FGSM accuracy): held on C1 and M1; C2's
  four batch sizes are too few for the claim to be able to fail (no ordering of 4 points is
  significant at 5%, two-sided), so C2 is *not judged* and the claim reads partly, with no case
  against it. On Y's *training* columns, M1 gives ρ = −0.94 (p = 0.017) for both metrics: the
  rule says did not hold there, which the chapter states (we grade the test set).

Not testable this way (Y plots them and prints no numbers):

- Y-Fig1 (top-20 spectra per batch size: a plot).
- Y-Fig2-15, Y-Fig7 (both claims: the order along v1, and test curvature much larger than
  training), Y-Fig3-13-14 (loss along v1 and on the (v1, v2) plane: plots; Y2 prints nothing).
- Y-Fig4-16 (both claims: λ1 and the gradient during training: plots; Y3 prints nothing).
"""

from __future__ import annotations

import importlib

import pytest

from hessbook.chapters import y1
from hessbook.chapters.y1.analysis import paper_input_side, paper_trends
from hessbook.chapters.y1.claims import paper_train_claim, trend_claim_of
from hessbook.kit import Rule, all_of, any_of, at_least, at_most, below

y1_claims = importlib.import_module("hessbook.chapters.y1.claims")  # y1.claims is the function

EXPECTED = {
    ("Y-Table1", "λ1 of the input Hessian"): {"C1": "held", "C2": "not judged", "M1": "held"},
    ("Y-Table1", "Table 1: λ1θ rises"): {"C1": "held", "C2": "held"},
    ("Y-Table7", "Table 7: λ1θ rises"): {"M1": "held"},
    ("Y-Table2", "Table 2: λ1θ rises"): {"RESNET18": "held"},
}


def assert_paper_grades() -> None:
    """Every claim graded on Y's printed rows gives the grades its text implies."""
    claims = y1.paper_claims()
    assert len(claims) == len(EXPECTED)
    for c in claims:
        key = next(k for k in EXPECTED if k[0] == c.item and c.statement.startswith(k[1]))
        assert c.grades == EXPECTED[key], f"{c.item} '{c.statement}' on Y's own rows: {c.grades}\n{c.why}"
        assert "did not hold" not in c.grades.values()


def test_the_paper_grades_itself():
    assert_paper_grades()
    assert [c.grade for c in y1.paper_claims()] == ["partly", "held", "held", "held"]  # C2's 4 rows: not judged


def test_the_lambda_x_rule_on_the_papers_training_columns_is_against_the_sentence():
    # documented in the chapter: Y's own M1 training rows correlate (rho = -33/35, p = 2/120)
    train = paper_train_claim()
    assert train.grades["M1"] == "did not hold" and train.grades["C1"] == "held"
    assert paper_input_side("m1", train=True).p_lx == pytest.approx(2 / 120)


def test_a_flipped_trend_rule_fails_the_paper(monkeypatch):
    """The test can fail: a trend rule whose direction is flipped grades Y's rows did not hold."""
    flipped = Rule(held=all_of(at_most("rho_lambda", -0.8, "ρ(B, λ1θ)"), at_least("rho_fgsm", 0.8, "ρ(B, FGSM)")),
                   partly=any_of(at_most("rho_lambda", -0.8), at_least("rho_fgsm", 0.8)),
                   requires=y1_claims.TREND_RULE.requires)
    monkeypatch.setattr(y1_claims, "TREND_RULE", flipped)
    assert {c.item: c.grade for c in y1.paper_claims()[1:]} == {
        "Y-Table1": "did not hold", "Y-Table7": "did not hold", "Y-Table2": "did not hold"}
    with pytest.raises(AssertionError):
        assert_paper_grades()


def test_a_one_sided_or_inverted_lambda_x_rule_fails_the_paper(monkeypatch):
    """Reading 'do not correlate' as 'correlate' (p below 5%) grades Y's C1 and M1 did not hold."""
    inverted = Rule(held=all_of(below("p_lx", 0.05), below("p_gx", 0.05)),
                    partly=any_of(below("p_lx", 0.05), below("p_gx", 0.05)),
                    requires=y1_claims.LAMBDA_X_RULE.requires)
    monkeypatch.setattr(y1_claims, "LAMBDA_X_RULE", inverted)
    assert y1.paper_claims()[0].grades == {"C1": "did not hold", "C2": "not judged", "M1": "did not hold"}
    with pytest.raises(AssertionError):
        assert_paper_grades()


def test_negating_the_papers_trend_fails_it():
    """Y's rows with the batch sizes reversed (λ1θ falling, FGSM rising): the same builder says did not hold."""
    import dataclasses

    def reversed_rows(m):
        t = paper_trends(m)
        return dataclasses.replace(t, rho_lambda_theta=-t.rho_lambda_theta, rho_fgsm=-t.rho_fgsm)

    c = trend_claim_of("Y-Table1", "Table 1", ("c1", "c2"), {m: reversed_rows(m) for m in ("c1", "c2")}, "")
    assert c.grade == "did not hold"
