"""The paper grades itself (issue 26), Kamath et al.: every K1 and K2 rule applied to K's own
statements must give the grade the claim's text implies (held). A failure means the claim misreads
K, not that K is wrong.

K prints no numbers: every result is a plot. What K's *text* states is a direction (or "very
little variation") per measure, setting and model, kept as data in
:data:`hessbook.papers.kamath.paper.STATED` with K's words. The claims are built from values per
case (``*_claim_of``), and ``k1.paper_claims()`` / ``k2.paper_claims()`` feed them K's statements
read as values: a stated rise or fall is ρ = ±1 (with momentum: a share of 1), "very little
variation" / "no significant role" a spread or change of 0, and a value K does not state is
unknown, so a rule that needs one (e.g. clean accuracy under LR) cannot grade K's own text.

Not testable this way (K gives no number, only a plot or a qualitative word):

- the thresholds themselves: TREND 0.8, FLAT_POINTS 5 points, FLAT_RELATIVE 0.5, the 80% / 50%
  shares, NOISE_SES 2 standard errors (K's stated trends are read as beyond noise). K's "very
  little variation", "almost flat", "in most cases" carry no size; the test checks each rule's
  direction and which values it reads, not where its line sits;
- K's absolute values (accuracies, λ1) in Figs 1-22 and the Benchmark values K compares with Y
  ("our accuracy values are different"): plots only;
- PGD under Benchmark: shown beside the FGSM trend but not graded (K §3 states the Benchmark's
  FGSM drop); PGD under LR (K §3.1 (ii)) and in the counterexample (K §3.2 'the PGD accuracy also
  increases') are graded;
- the Benchmark's schedule: K's share of epochs at a halved rate, 95 % (100 epochs, the first of
  19 halvings after 5), is a value of K's setting, not of its text; a scale whose first halving
  falls after the run's midpoint (or none within the run) caps the Benchmark's cases at partly;
- K §4.2's "in most cases" (λ1 under LR/BS): graded as §5 states it ("momentum plays a role in
  reducing the spectrum ... irrespective of the ratio"), i.e. a fall at every batch size;
- K §4's opening sentence that accuracy improves with momentum "in both the set ups LR and
  LR/BS", which §4.2 contradicts for LR/BS: we grade §4.2, the section on LR/BS.
"""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from hessbook.chapters import k1, k2
from hessbook.chapters.k1.claims import TREND
from hessbook.chapters.k2.params import K2Params
from hessbook.papers.kamath import paper
from hessbook.kit import Rule, all_of, at_least, at_most, below

# the modules (the packages' ``claims`` name is the function that builds the chapter's claims)
k1_claims = importlib.import_module("hessbook.chapters.k1.claims")
k2_claims = importlib.import_module("hessbook.chapters.k2.claims")


def test_every_k1_claim_holds_on_ks_own_statements():
    graded = k1.paper_claims()
    assert {c.item for c in graded} == {"K-Fig1-2-15", "K-Fig3-16", "K-Fig4-5-17", "K-Fig6-18"}
    for c in graded:
        assert c.grade == "held", f"{c.item}: {c.statement} -> {c.grade} ({c.grades})"
        assert c.coverage[0] == c.coverage[1]  # every model of K's figure graded


def test_every_k2_claim_holds_on_ks_own_statements():
    graded = k2.paper_claims()
    assert [c.item for c in graded] == ["K-Fig7-10", "K-Fig7-10", "K-Fig11-14", "K-Fig11-14"]
    for c in graded:
        assert c.grade == "held", f"{c.item}: {c.statement} -> {c.grade} ({c.grades})"
        assert c.coverage == (4, 4)


def test_the_paper_grades_every_claim_the_chapters_grade():
    """Each claim the chapters build on our results has its counterpart graded on K's text."""
    ours = [(c.item, c.statement) for c in k1.claims(_empty_k1()) + k2.claims(_empty_k2())]
    theirs = [(c.item, c.statement) for c in k1.paper_claims() + k2.paper_claims()]
    assert ours == theirs


def test_a_flipped_rule_fails_on_ks_own_statements(monkeypatch):
    """The test can fail: LR's robustness rule turned round (ρ ≥ 0.8 instead of ≤ −0.8) does not
    hold on K's 'This is not true for FGSM/PGD accuracy of models trained with constant LR'."""
    flipped = Rule(held=at_least("rho_fgsm", TREND), partly=at_least("rho_fgsm", 0.0),
                   requires=k1_claims.ENOUGH)
    monkeypatch.setattr(k1_claims, "LOSE_LR_RULE", flipped)
    grades = {c.statement: c.grade for c in k1.paper_claims() if c.item == "K-Fig1-2-15"}
    assert grades[k1_claims.LOSE_LR_STATEMENT] == "did not hold"
    # and the momentum rule read as 'higher momentum, higher λ1'
    monkeypatch.setattr(k2_claims, "MOMENTUM_RULE", Rule(held=at_most("share", 0.2), requires=k2_claims.ENOUGH))
    assert [c.grade for c in k2.paper_claims() if "λ1" in c.statement] == ["did not hold", "did not hold"]


def test_a_negated_statement_fails(monkeypatch):
    """Negating K's trend (Benchmark's λ1 falling with the batch size) turns the λ1 claim."""
    negated = tuple(dataclasses.replace(s, direction=-s.direction)
                    if (s.setting, s.measure, s.against) == ("benchmark", "lambda1", "batch") else s
                    for s in paper.STATED)
    monkeypatch.setattr(paper, "STATED", negated)
    lam = [c for c in k1.paper_claims() if c.statement == k1_claims.LAMBDA_STATEMENT]
    assert lam and all(c.grade == "partly" for c in lam)  # LR/BS still flat, the rise gone


def test_the_former_reading_of_k_3_1_fails_on_ks_own_statements(monkeypatch):
    """Before issue 26, LR was graded on clean accuracy and FGSM alike (LOSE_RULE for both settings)
    and λ1 was required to rise under LR too. The book does not read K as stating either for its LR
    lines (K's §3.1 (i) confirms Y's Benchmark observation; §3.2's 'As expected the curvature also
    increases' is said of the counterexample's line: see paper.STATED), so on K's text as read
    those rules cannot grade the claim: the test catches the misreading."""
    old_lose = Rule(held=all_of(at_most("rho_acc", -0.8), at_most("rho_fgsm", -0.8)),
                    partly=below("rho_fgsm", 0.0), requires=k1_claims.ENOUGH)
    monkeypatch.setattr(k1_claims, "LOSE_LR_RULE", old_lose)
    values = k1_claims.paper_values("m1k-mnist")
    lr = {"n_batches": values["lose_lr"]["n_batches"], "rho_acc": None, "rho_fgsm": values["lose_lr"]["rho_fgsm"],
          "rho_pgd": values["lose_lr"]["rho_pgd"], "pgd_varies": 1.0}
    claim = k1_claims.lose_lr_claim_of("K-Fig1-2-15", {"M1-K on MNIST": lr, "StdCNN on MNIST": lr})
    assert claim.grade != "held"
    assert paper.stated("lr", "test_acc", "m1k-mnist") is None and paper.stated("lr", "lambda1", "m1k-mnist") is None


@pytest.mark.parametrize("setting, measure, case, direction", [
    ("benchmark", "test_acc", "c1-cifar10", paper.FALLS),
    ("lr", "fgsm_acc", "m1k-mnist", paper.FALLS),
    ("lr", "fgsm_acc", paper.COUNTEREXAMPLE, paper.RISES),  # the counterexample's own statement wins
    ("lr_bs", "lambda1", "resnet18-cifar10", paper.FLAT),
])
def test_stated_reads_k(setting, measure, case, direction):
    assert paper.stated(setting, measure, case) == direction


def _empty_k1():
    from test_chapter_k1 import k1_results

    return k1_results()


def _empty_k2():
    from hessbook.papers.kamath.grid import Grid
    from hessbook.params import validate
    from test_chapter_k2 import GOOD

    return k2.Results(validate(K2Params, GOOD), Grid(()), {})


def test_the_counterexample_reads_ks_pgd_statement(monkeypatch):
    """K §3.2 'the PGD accuracy also increases': negating it (PGD falling under LR for the
    counterexample) turns the counterexample from held, so its rule reads PGD."""
    negated = tuple(dataclasses.replace(s, direction=-s.direction)
                    if (s.setting, s.measure, s.cases) == ("lr", "pgd_acc", (paper.COUNTEREXAMPLE,)) else s
                    for s in paper.STATED)
    monkeypatch.setattr(paper, "STATED", negated)
    counter = [c for c in k1.paper_claims() if c.statement == k1_claims.COUNTER_STATEMENT]
    assert [c.grade for c in counter] == ["partly"]
