"""The paper grades itself (issue 26): Y4-Y6's claims applied to Y's own printed numbers.

A claim whose rule says anything but "held" on the very numbers the paper prints has misread
the paper (not: the paper is wrong). The claims are built from plain tables (Y5: an ``Acc``,
(model, test set) -> accuracy; Y6: ``measures`` over a grid of accuracies), so the function that
grades our results grades Y's tables too.

Printed numbers, graded here:

- Y Table 3 (M1, MNIST) and Table 4 (C3, CIFAR-10): Y-Table3, Y-Table4 (robust models beat
  M_ORI on every attack), and App. A.4's two claims under Y-Table4 (second-order attacks weaker
  on most CIFAR-10 cells; M_FHSM and M_L2HESS more prone to attack);
- Y Table 8: Y-Table8 (robust training keeps accuracy at large batches where baseline and FB
  degrade).

Claims not testable this way, and why:

- Y-Thm1, Y-Prop2 (Y4): a theorem and a proposition, proved, no numbers in the paper;
- Y-Table5: the attack definitions; Y prints formulas, not numbers (our check is on our attacks);
- Y-Fig6-12 (its three claims: λ1, the sign at B_H = 1, the sign on the full set), Y-Fig5-10-11, Y-Fig8-9: plots
  only, no printed values.
"""

from __future__ import annotations

import pytest

from hessbook.chapters import y5, y6
from hessbook.chapters.y5.claims import paper_acc, paper_n, prone_claim_from, table_claim_from, weaker_claim_from, weaker_values
from hessbook.chapters.y5.claims import mean_adv
from hessbook.chapters.y5.paper import MODELS, PAPER_TABLES, ROBUST, SECOND_ORDER
from hessbook.chapters.y6.claims import RULE, measures, paper_measures
from hessbook.chapters.y6.paper import PAPER_TABLE8
from hessbook.chapters.y6.params import Y6Params


def test_y_tables_3_and_4_grade_every_y5_claim_held():
    claims = y5.paper_claims()
    assert [(c.item, c.grade) for c in claims] == [("Y-Table3", "held"), ("Y-Table4", "held"),
                                                  ("Y-Table4", "held"), ("Y-Table4", "held")]
    assert all(c.coverage == (1, 1) for c in claims)


def test_all_24_cells_of_y_tables_3_and_4_have_the_second_order_set_weaker():
    """Issue 26.1: in every row of both tables the FHSM / L2HESS set leaves the higher accuracy."""
    for study in PAPER_TABLES:
        acc = paper_acc(study)
        assert all(acc(m, second) > acc(m, first) for m in MODELS for second, first in SECOND_ORDER.items())
    # beyond 2 standard errors on Y's 10,000 test images: every cell but one, M_L2GRAD's FHSM vs
    # FGSM on CIFAR-10 (60.44 against 59.33 %: 1.11 points, 2 SE 1.39), which counts as no evidence
    # ('most' is over all 12 cells, the unresolved one counting against it: 11 of 12, still most)
    assert weaker_values(paper_acc("m1"), paper_n("m1")) == {"share": 1.0, "share_all": 1.0, "resolved": 1.0,
                                                             "cells": 12}
    assert weaker_values(paper_acc("c3"), paper_n("c3")) == {"share": 1.0, "share_all": 11 / 12,
                                                             "resolved": 11 / 12, "cells": 12}


def test_printed_means_are_the_means_of_the_printed_columns():
    """The rules recompute Y's 'MEAN of Adv' from the cells: it must be Y's (to print rounding)."""
    for t in PAPER_TABLES.values():
        for m, printed in zip(MODELS, t.mean_adv):
            assert abs(mean_adv(t.value, m) - printed) < 0.02, (t.item, m)


def test_y_table_8_grades_y6_held():
    v = paper_measures()
    assert RULE.grade(v) == "held"
    assert "graded by the same rule: held" in y6.claims(_empty_y6())[0].paper


def _empty_y6():
    from hessbook.chapters.y6.compute import Results, Y6Run, train_config
    from hessbook.kit.jobs import NO_DATA, Row, Table

    P = Y6Params(scale="smoke", seed=0, n_train=128, n_test=64, batch_fractions=[0.5, 1.0],
                 methods=["baseline", "fb", "robust"], c1_conv_stride=2, lr=0.01, momentum=0.9,
                 lr_halve_every=0, epochs=1, check_epochs=0, fb_base_batch=1, fb_warmup_epochs=0.5, adversary="fgsm",
                 eps=0.02, adversary_mix=1.0, n_seeds=1, device="cpu")
    return Results(P, Table((Row(Y6Run(train_config("baseline", 64, P)), NO_DATA, why="no data"),)))


# ----------------------------------------------------------------------------- the test can fail


def _negated(acc):
    """Y's table with the paper's trend reversed: every accuracy a minus its value."""
    return lambda m, c: -acc(m, c)


def test_reversing_the_papers_trend_changes_every_grade():
    """Fed the paper's numbers with the trend negated, no claim stays held."""
    c3 = _negated(paper_acc("c3"))
    assert table_claim_from("c3", c3).grade == "did not hold"
    assert weaker_claim_from(c3).grade == "did not hold"
    assert prone_claim_from(c3).grade == "did not hold"
    rows = {r.batch: r for r in PAPER_TABLE8}
    flipped = {**measures(lambda m, b: -100 * rows[b].acc(m), list(rows)), "n_batches": len(rows), "full_range": True}
    assert RULE.grade(flipped) == "did not hold"


@pytest.mark.parametrize("name", ["WEAKER_RULE", "PRONE_RULE", "ROBUST_RULE"])
def test_flipping_a_rules_direction_fails_the_paper_graded_test(monkeypatch, name):
    """A rule turned the other way (above <-> at most, below <-> at least) grades Y's own
    tables otherwise: the paper-graded test above would fail, so it can fail."""
    import importlib

    module = importlib.import_module("hessbook.chapters.y5.claims")  # the package's `claims` is the function
    from hessbook.kit import Rule
    from hessbook.kit.claims import AllOf, AnyOf, Compare

    flip = {">": "<=", ">=": "<", "<": ">=", "<=": ">"}

    def flipped(c):
        if isinstance(c, Compare):
            return Compare(c.key, flip[c.op], c.threshold, c.label, c.fmt)
        return type(c)(tuple(flipped(p) for p in c.parts)) if isinstance(c, (AllOf, AnyOf)) else c

    rule = getattr(module, name)
    monkeypatch.setattr(module, name, Rule(held=flipped(rule.held),
                                           partly=flipped(rule.partly) if rule.partly else None))
    assert any(c.grade != "held" for c in module.paper_claims())


def test_second_order_pairs_are_the_same_norm_counterparts():
    assert SECOND_ORDER == {"fhsm": "fgsm", "l2hess": "l2grad"} and set(SECOND_ORDER) <= set(ROBUST)
