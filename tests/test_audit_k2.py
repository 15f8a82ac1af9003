"""The second audit of K1/K2's verdict rules (audit K, findings 3, 7, 8, 9, 10, 12, 18): each test
fails on the rules before the fix and passes on the fixed ones. Constructed results, plain values."""

from __future__ import annotations

import dataclasses
import math

import pytest

from hessbook.chapters import k1, k2
from hessbook.chapters.k1.claims import FLAT_STATEMENT, flat_claim, lambda_claim
from hessbook.chapters.k1.params import K1Params
from hessbook.papers.kamath.grid import Grid
from hessbook.params import validate
from test_chapter_k1 import FIRST_PHASE, GOOD, curve, k_like
from test_chapter_k2 import results

CASE = "M1-K on MNIST"
LAM = lambda s, m, b: 10 * (1 - m) + 1  # noqa: E731  λ1 falls with momentum at every batch size
BETTER = dict(acc_of=lambda s, m, b: 80 + 10 * m * (s == "lr"), fgsm_of=lambda s, m, b: 30 + 20 * m * (s == "lr"))
"""Under LR accuracy and FGSM accuracy rise with momentum, under LR/BS they stay: K's picture."""


def k1_graded(*curves, **params) -> k1.Results:
    P = validate(K1Params, {**GOOD, "cases": ["m1k-mnist"], **params})
    return k1.Results(P, Grid(tuple(r for c in curves for r in c)), {})


def flat_grade(lrbs, lr, bench) -> str:
    return flat_claim(k1_graded(lrbs, lr, bench), "K-Fig1-2-15").grades[CASE]


# ----------------------------------------------------------------------------- finding 3


def test_lr_bs_flat_only_when_flatter_than_the_line_k_contrasts_it_with():
    """K §3.1 (ii): 'This is not true for FGSM/PGD accuracy of models trained with constant LR nor is
    it true for benchmark'. An LR line as flat as LR/BS's (FGSM spread 0 against LR/BS's 1 point)
    read LR/BS flat, held, before: the bounds alone did not tell LR/BS from LR."""
    lrbs, lr, bench = k_like("m1k-mnist")
    assert flat_grade(lrbs, lr, bench) == "held"
    flat_lr = curve("m1k-mnist", "lr", 0.0, [95, 90, 80], [50, 50, 50], [10, 20, 40])
    claim = flat_claim(k1_graded(lrbs, flat_lr, bench), "K-Fig1-2-15")
    assert claim.grades[CASE] == "partly"
    assert claim.cases[CASE]["fgsm_spread_minus_lr"] == pytest.approx(1.0)
    assert "This is not true for FGSM/PGD accuracy" in claim.why
    # λ1 as spread out under Benchmark as under LR/BS: no contrast either
    flat_bench = curve("m1k-mnist", "benchmark", 0.9, [96, 92, 85], [55, 45, 30], [10, 11, 10])
    assert flat_grade(lrbs, lr, flat_bench) == "partly"


def test_flat_against_a_benchmark_that_never_halves_is_at_most_partly():
    """Two of the flatness contrasts are against the Benchmark (accuracy, λ1): where our Benchmark
    never halves its rate (K's first phase, lr 0.01 and momentum 0.9, as at cpu) the contrast is
    not with K's Benchmark, and the case read held before."""
    lrbs, lr, bench = k_like("m1k-mnist")
    R = k1_graded(lrbs, lr, bench)
    assert flat_claim(R, "K-Fig1-2-15").grades[CASE] == "held"
    never = k1_graded(lrbs, lr, bench, **FIRST_PHASE)  # 512 images, 100 epochs: no halving within the run
    from hessbook.papers.kamath.regime import benchmark_halved_share

    assert benchmark_halved_share(never.params, "mnist") < 0.5
    claim = flat_claim(never, "K-Fig1-2-15")
    assert claim.grades[CASE] == "partly" and "halves its rate as K's does" in claim.why


def test_a_fall_beyond_the_noise_is_not_flat():
    """K: 'neither the natural accuracy nor the adversarial accuracy suffer'. LR/BS's accuracy 95, 93,
    91 % (spread 4 points, within 5; ρ −1; beyond 2 standard errors on 1,000 images) read flat, held:
    the same curve LR's rule reads as a fall."""
    lrbs, lr, bench = k_like("m1k-mnist")
    falling = curve("m1k-mnist", "lr_bs", 0.0, [95, 93, 91], [50, 49, 50], [10, 11, 10])
    claim = flat_claim(k1_graded(falling, lr, bench), "K-Fig1-2-15")
    assert claim.grades[CASE] == "partly" and claim.cases[CASE]["acc_falls"] == 1.0
    assert "falls beyond the noise: acc" in claim.ours
    # within the noise (1 point at 95 %: under 2 standard errors on 1,000 images) it is no fall
    assert flat_claim(k1_graded(lrbs, lr, bench), "K-Fig1-2-15").cases[CASE]["acc_falls"] == 0.0


# ----------------------------------------------------------------------------- finding 9


def test_the_counterexamples_lr_bs_line_is_graded_flat_too():
    """K §3.1 (ii) 'very little variation across all models!' covers StdCNN on Fashion-MNIST's LR/BS
    line (Figs 6, 18); no claim read it before."""
    lrbs, lr, bench = k_like("stdcnn-fashion")
    R = k1.Results(validate(K1Params, {**GOOD, "cases": ["stdcnn-fashion"]}), Grid((*lrbs, *lr, *bench)), {})
    claim = flat_claim(R, "K-Fig6-18")
    assert claim.grades == {"StdCNN on Fashion-MNIST": "held"}
    assert [c.statement for c in k1.claims(R) if c.item == "K-Fig6-18"][0] == FLAT_STATEMENT
    steep = curve("stdcnn-fashion", "lr_bs", 0.0, [95, 80, 60], [50, 30, 10], [10, 30, 90])
    R = k1.Results(R.params, Grid((*steep, *lr, *bench)), {})
    assert flat_claim(R, "K-Fig6-18").grade == "did not hold"


# ----------------------------------------------------------------------------- finding 10


def test_a_flagged_lr_bs_run_caps_the_claims_of_no_effect_at_partly():
    """An LR/BS run on its plateau (B = 8 of four) was dropped and LR/BS still read flat on the rest,
    held: the run a claim of no effect most needs to see. Now at most partly, in the flatness and
    in λ1's LR/BS half; a trend claim keeps reading the rest."""
    longer = dict(batches=(8, 16, 64, 256))
    lrbs = curve("m1k-mnist", "lr_bs", 0.0, [95, 95, 95, 94], [50, 50, 49, 50], [10, 10, 11, 10], **longer)
    lr = curve("m1k-mnist", "lr", 0.0, [95, 95, 90, 80], [60, 50, 40, 20], [5, 10, 20, 40], **longer)
    bench = curve("m1k-mnist", "benchmark", 0.9, [97, 96, 92, 85], [60, 55, 45, 30], [1, 5, 15, 50], **longer)
    R = k1_graded(lrbs, lr, bench, batch_sizes=[8, 16, 64, 256])
    assert flat_claim(R, "K-Fig1-2-15").grades[CASE] == "held"
    assert lambda_claim(R, "K-Fig1-2-15").grades[CASE] == "held"
    stuck = [dataclasses.replace(lrbs[0], train_loss=math.log(10)), *lrbs[1:]]
    R = k1_graded(stuck, lr, bench, batch_sizes=[8, 16, 64, 256])
    flat = flat_claim(R, "K-Fig1-2-15")
    assert flat.grades[CASE] == "partly" and flat.cases[CASE]["n_batches"] == 3
    assert "1 LR/BS run(s) flagged" in flat.ours and "run on its initial plateau" in flat.why
    assert lambda_claim(R, "K-Fig1-2-15").grades[CASE] == "partly"


def test_k2_lr_bs_little_change_reads_its_flagged_runs():
    """Under LR/BS a diverged run at m = 0.9 left its batch size out and 'momentum changes little'
    read held on the other three; now at most partly."""
    R = results(LAM, cases=["m1k-mnist"], batch_sizes=(16, 32, 64, 256), **BETTER)
    from hessbook.chapters.k2.claims import graded_claims

    def lr_bs_accuracy(R):
        return [c for c in graded_claims(R) if c.item == "K-Fig11-14" and "λ1" not in c.statement][0]

    assert lr_bs_accuracy(R).grades[CASE] == "held"
    bad = [dataclasses.replace(r, train_loss=float("nan"), diverged=True)
           if (r.run.setting, r.run.momentum, r.run.batch) == ("lr_bs", 0.9, 256) else r for r in R.grid.results]
    claim = lr_bs_accuracy(k2.Results(R.params, Grid(tuple(bad)), {}))
    assert claim.grades[CASE] == "partly" and claim.cases[CASE]["flagged"] == 1
    assert claim.cases[CASE]["n_batches"] == 3


# ----------------------------------------------------------------------------- findings 7, 8, 18


def _graded(R):
    from hessbook.chapters.k2.claims import graded_claims

    return {(c.item, "λ1" in c.statement): c for c in graded_claims(R)}


def test_k2_lr_needs_ks_four_momenta_and_a_monotone_effect():
    """K §4.1 draws momenta 0, 0.2, 0.5 and 0.9 and states 'the curvature reduces with larger momentum'.
    The ends alone read held before: with 0 and 0.9 only (cpu) each LR claim is now at most partly
    and says why; with K's four, λ1 at m = 0.5 above m = 0's is no monotone fall."""
    two = _graded(results(LAM, cases=["m1k-mnist"], momenta_lr=[0.0, 0.9], **BETTER))
    for key in (("K-Fig7-10", True), ("K-Fig7-10", False)):
        assert two[key].grades[CASE] == "partly", key
        assert "not K's 0, 0.2, 0.5, 0.9" in two[key].why and "every momentum K draws ran" in two[key].why
    # under LR/BS K draws 0 and 0.9: those two suffice
    assert two[("K-Fig11-14", True)].grades[CASE] == "held"
    four = _graded(results(LAM, cases=["m1k-mnist"], **BETTER))
    assert four[("K-Fig7-10", True)].grades[CASE] == four[("K-Fig7-10", False)].grades[CASE] == "held"
    bump = {0.0: 10.0, 0.2: 12.0, 0.5: 11.0, 0.9: 1.0}  # ends fall; 0.2 and 0.5 above m = 0
    lam = _graded(results(lambda s, m, b: bump[m] if s == "lr" else LAM(s, m, b), cases=["m1k-mnist"], **BETTER))
    assert lam[("K-Fig7-10", True)].cases[CASE]["share"] == 1.0
    assert lam[("K-Fig7-10", True)].grades[CASE] == "partly"
    acc = {0.0: 85.0, 0.2: 70.0, 0.5: 75.0, 0.9: 90.0}
    dip = _graded(results(LAM, cases=["m1k-mnist"], acc_of=lambda s, m, b: acc[m] if s == "lr" else 80.0,
                          fgsm_of=BETTER["fgsm_of"]))
    assert dip[("K-Fig7-10", False)].cases[CASE]["acc_share"] == 1.0
    assert dip[("K-Fig7-10", False)].grades[CASE] == "partly"


def test_k2_lr_bs_reads_ks_0_and_05_or_09():
    """K §4.2 under LR/BS: 'momentum values set to 0 and 0.5 or 0.9'. Momenta 0 and 0.5 capped the
    λ1 case at partly, and the accuracy claim (whose rule has no such cap) said it was capped."""
    half = _graded(results(LAM, cases=["m1k-mnist"], momenta_lr_bs=[0.0, 0.5], **BETTER))
    assert half[("K-Fig11-14", True)].grades[CASE] == "held"
    assert half[("K-Fig11-14", True)].cases[CASE]["k_momenta_ran"] == 1.0
    assert "K's: 0, 0.5 or 0, 0.9" in half[("K-Fig11-14", False)].why
    alone = _graded(results(LAM, cases=["m1k-mnist"], momenta_lr_bs=[0.0, 0.2], **BETTER))
    assert alone[("K-Fig11-14", True)].grades[CASE] == "partly"
    lam_why, acc_why = alone[("K-Fig11-14", True)].why, alone[("K-Fig11-14", False)].why
    assert "every case reads at most partly" in lam_why and "every case reads at most partly" not in acc_why


def test_k2_lr_bs_little_change_reads_pgd():
    """K §4.2 cites 'Figures 21 and 22 for PGD attack' for LR/BS; a PGD accuracy that momentum moves
    by 20 points read 'changes little', held, before (FGSM and accuracy only)."""
    moved = _graded(results(LAM, cases=["m1k-mnist"], pgd_of=lambda s, m, b: 30 - 20 * m, **BETTER))
    claim = moved[("K-Fig11-14", False)]
    assert claim.grades[CASE] == "partly" and claim.cases[CASE]["pgd_change"] == pytest.approx(18.0)
    assert "that change of PGD accuracy" in claim.why and "Figures 21 and 22 for PGD attack" in claim.paper
    floor = _graded(results(LAM, cases=["m1k-mnist"], pgd_of=lambda s, m, b: 1.0, **BETTER))
    assert floor[("K-Fig11-14", False)].grades[CASE] == "partly"  # PGD at the floor: its half untested
    assert "PGD accuracy at or below 5 % in every run" in floor[("K-Fig11-14", False)].ours


def test_k2_grades_only_the_models_of_ks_momentum_figures():
    """A block selecting M1-K on Fashion-MNIST (not in K Figs 7-14) added it to every K2 claim."""
    R = results(LAM, cases=["m1k-mnist", "m1k-fashion"], **BETTER)
    for claim in _graded(R).values():
        assert not any(name.startswith("M1-K on Fashion-MNIST") for name in claim.cases), claim.statement


# ----------------------------------------------------------------------------- finding 12


def test_claims_are_judged_only_inside_ks_regime():
    """K1 and K2 returned their claims ungated: at smoke (1 epoch, ε 0.1 / 0.01, criteria not met)
    K's picture read held. Now every computed case is not judged there, and judged in K's regime."""
    smoke = k1_graded(*k_like("m1k-mnist"))
    assert {c.grade for c in k1.claims(smoke) if c.item == "K-Fig1-2-15"} == {"not judged"}
    assert "the chapter's regime criteria are met" in k1.claims(smoke)[0].why
    inside = dict(epochs_mnist=100, epochs_cifar=100, eps_mnist=0.3, eps_cifar=0.02, n_seeds=3)
    seeds = [dataclasses.replace(r, run=dataclasses.replace(r.run, seed=s)) for s in range(3)
             for c in k_like("m1k-mnist") for r in c]
    R = k1.Results(validate(K1Params, {**GOOD, "cases": ["m1k-mnist"], **inside}), Grid(tuple(seeds)), {})
    assert {c.grade for c in k1.claims(R) if c.item == "K-Fig1-2-15"} == {"partly"}  # StdCNN not run: coverage
    assert all(g == "held" for c in k1.claims(R) if c.item == "K-Fig1-2-15" for n, g in c.grades.items()
               if n.startswith(CASE))
    assert {c.grade for c in k2.claims(results(LAM, cases=["m1k-mnist"], **BETTER))} == {"not judged"}


def test_the_paper_scales_single_seed_is_a_named_exception():
    """The paper scale trains one network per point, as K does: its seed criterion is excused by a
    named exception (the criteria text says the verdicts are single-seed); at any other scale one
    seed is unmet."""
    from pathlib import Path

    from hessbook.papers.kamath.regime import criteria, criteria_text
    from hessbook.regime import unmet
    from hessbook.registry import load_params

    root = Path(__file__).resolve().parents[1]
    for chapter in ("k1", "k2"):
        paper = load_params(chapter, root / "params" / "paper" / f"{chapter}.yaml")
        assert paper.n_seeds == 1 and unmet(criteria(paper)) == []
        assert "single-seed" in criteria_text(paper)
        gpu = load_params(chapter, root / "params" / "gpu" / f"{chapter}.yaml")
        assert [c.name for c in unmet(criteria(dataclasses.replace(gpu, n_seeds=1)))] == ["at least 3 seeds"]


# ----------------------------------------------------------------------------- finding 17


def test_the_benchmarks_fgsm_fall_beyond_m1_and_c1_is_named_the_books_choice():
    """K states the Benchmark's FGSM drop for Figs 1 and 4 (M1, C1); the claim grades it for every
    model (StdCNN's case made K-Fig1-2-15 partly at cpu) without saying the generalisation is ours."""
    from hessbook.chapters.k1.claims import lose_benchmark_claim

    claim = lose_benchmark_claim(k1_graded(*k_like("m1k-mnist")), "K-Fig1-2-15")
    assert "K states the FGSM drop for M1 and C1 only" in claim.why and "the book's choice" in claim.why
