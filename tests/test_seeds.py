"""Claims graded in several seeds (hessbook.kit.seeds) and K's grid in several seeds: each
(case, seed) is a case, seeds that disagree read partly, the evidence counts the seeds that held,
and the seeds of one cell differ only in the network's own seed (same subset, same group)."""

from __future__ import annotations

import dataclasses

import pytest

from hessbook.chapters import k1
from hessbook.chapters.k1.claims import lose_lr_claim
from hessbook.chapters.k1.params import K1Params
from hessbook.kit import Claim, Rule, at_least
from hessbook.kit.jobs import key_text
from hessbook.kit.seeds import across_seeds, agreement, case_of, seed_case, seed_cases, with_agreement
from hessbook.papers.kamath.grid import Grid, KGrid, KRun, Run, seeded, train_config
from hessbook.params import ParameterError, validate
from hessbook.train_grouped import group_key
from test_chapter_k1 import GOOD, GRID, curve

RULE = Rule(held=at_least("rho", 0.8, "ρ"), partly=at_least("rho", 0.0, "ρ"))


def claim(rhos: dict[int, float], seeds=(0, 1, 2)) -> Claim:
    cases = {seed_case("M1", s, seeds): {"rho": r} for s, r in rhos.items()}
    return with_agreement(Claim("K-Fig3-16", "s", "p", "o", RULE, cases, "", seed_cases(("M1",), seeds)), seeds)


def test_seed_cases_are_named_only_when_several_seeds_ran():
    assert seed_case("M1", 0, [0]) == "M1" and seed_case("M1", 2, [0, 1, 2]) == "M1 · seed 2"
    assert seed_cases(("M1", "C1"), [0, 1]) == ("M1 · seed 0", "M1 · seed 1", "C1 · seed 0", "C1 · seed 1")
    assert case_of("M1 · seed 2") == "M1" and case_of("M1") == "M1"


def test_seeds_that_disagree_read_partly_and_the_evidence_counts_them():
    assert claim({0: 1.0, 1: 1.0, 2: 1.0}).grade == "held"
    mixed = claim({0: 1.0, 1: -1.0, 2: 1.0})
    assert mixed.grade == "partly"
    assert "Across 3 seeds: M1 held in 2 of 3 (did not hold: seed 1)." in mixed.why
    assert claim({0: -1.0, 1: -1.0, 2: -1.0}).grade == "did not hold"
    missing = claim({0: 1.0, 1: 1.0})  # seed 2 not run: not computed, so not a plain held
    assert missing.grade == "partly" and missing.coverage == (2, 3)
    assert agreement(claim({0: 1.0}, seeds=(0,)), (0,)) == ""


def test_the_seeds_of_a_cell_differ_only_in_the_networks_own_seed():
    g = KGrid(**{**GRID, "n_seeds": 3})
    assert g.seeds(5) == [5, 6, 7]
    runs = seeded([Run("m1k-mnist", "lr", 0.0, 16)], g, 5)
    configs = [train_config(r, g, 5) for r in runs]
    assert [c.seed for c in configs] == [5, 6, 7]
    assert {c.data.subset_seed for c in configs} == {5}  # the same training images in every seed
    assert len({group_key(c) for c in configs}) == 1  # so the seeds of a cell train as one group
    assert len({key_text(KRun.of(r, g, 5)) for r in runs}) == 3
    # the first seed keeps the key the grid had before it had seeds
    assert KRun.of(runs[0], g, 5) == KRun.of(Run("m1k-mnist", "lr", 0.0, 16, seed=5), KGrid(**GRID), 5)


def test_k1_grades_every_case_in_every_seed():
    P = validate(K1Params, {**GOOD, "cases": ["m1k-mnist"], "n_seeds": 2})

    def in_seed(seed, lr_fgsm):
        out = [curve("m1k-mnist", "lr_bs", 0.0, [95, 95, 94], [50, 49, 50], [10, 11, 10]),
               curve("m1k-mnist", "lr", 0.0, [95, 90, 80], lr_fgsm, [10, 20, 40]),
               curve("m1k-mnist", "benchmark", 0.9, [96, 92, 85], [55, 45, 30], [5, 15, 50])]
        return [dataclasses.replace(r, run=dataclasses.replace(r.run, seed=seed)) for c in out for r in c]

    agree = k1.Results(P, Grid(tuple(in_seed(0, [50, 40, 20]) + in_seed(1, [52, 41, 22]))), {})
    split = k1.Results(P, Grid(tuple(in_seed(0, [50, 40, 20]) + in_seed(1, [20, 40, 50]))), {})
    c = lose_lr_claim(agree, "K-Fig1-2-15")
    assert set(c.cases) == {"M1-K on MNIST · seed 0", "M1-K on MNIST · seed 1"}
    assert c.grades["M1-K on MNIST · seed 0"] == c.grades["M1-K on MNIST · seed 1"] == "held"
    assert c.coverage == (2, 4)  # StdCNN on MNIST, both seeds, not computed
    s = lose_lr_claim(split, "K-Fig1-2-15")
    assert s.grades["M1-K on MNIST · seed 1"] == "did not hold" and s.grade == "partly"
    assert "M1-K on MNIST held in 1 of 2 (did not hold: seed 1)" in s.why
    assert k1.numbers(agree)["seeds"] == 2


def test_a_bad_seed_count_is_refused_by_name():
    with pytest.raises(ParameterError, match="n_seeds"):
        validate(K1Params, {**GOOD, "n_seeds": 0})


def test_a_case_never_computed_is_said_once_not_per_seed():
    seeds = (0, 1, 2)
    cases = {seed_case("M1", s, seeds): {"rho": 1.0} for s in seeds}
    c = with_agreement(Claim("K-Fig3-16", "s", "p", "o", RULE, cases, "", seed_cases(("M1", "C2"), seeds)), seeds)
    assert "Across 3 seeds: M1 held in 3 of 3; C2 not computed in any seed." in c.why


def test_across_seeds_joins_one_claim_graded_in_each_seed():
    """The same single-case claim graded in each seed becomes one claim with a case per seed: held
    only where every seed held, partly where they disagree, each seed's "ours" kept; one seed: the
    claim itself; a claim per seed or nothing."""
    rule = Rule(held=at_least("x", 1.0, "x"))

    def one(x):
        return Claim("S-Fig3-5", "x is large.", paper="p", ours=f"x = {x}", rule=rule, cases={"": {"x": x}})

    joined = across_seeds([one(2.0), one(3.0), one(0.5)], [0, 1, 2], "widths")
    assert joined.grades == {"widths · seed 0": "held", "widths · seed 1": "held", "widths · seed 2": "did not hold"}
    assert joined.grade == "partly" and joined.ours == "seed 0: x = 2.0; seed 1: x = 3.0; seed 2: x = 0.5."
    assert "Across 3 seeds: widths held in 2 of 3 (did not hold: seed 2)" in joined.why
    assert across_seeds([one(2.0), one(3.0)], [4, 5], "widths").grade == "held"
    single = one(2.0)
    assert across_seeds([single], [0], "widths") is single
    # a seed whose evidence differs (e.g. why its counts differ) keeps its own words
    first, other = dataclasses.replace(one(2.0), evidence="SB fit."), dataclasses.replace(one(0.5), evidence="SB lost.")
    assert "Seed 0: SB fit. Seed 1: SB lost." in across_seeds([first, other], [0, 1], "widths").why
    # gated afterwards (not in the regime): the agreement is recomputed, it never says "held in 2 of 3"
    from hessbook import regime
    from hessbook.kit import in_regime

    gated = in_regime([joined], [regime.Criterion("fits", False, "88 %")])[0]
    assert gated.grade == "not judged" and "Across 3 seeds: widths not judged in any seed." in gated.why
    assert "held in 2 of 3" not in gated.why
    with pytest.raises(ValueError, match="2 claims for 3 seeds"):
        across_seeds([one(1.0), one(1.0)], [0, 1, 2], "widths")
