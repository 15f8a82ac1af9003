"""K1's claims, graded by rules given once: per figure group (K Figs 1-2/15, 3/16, 4-5/17), LR/BS
is flat; under LR, FGSM accuracy falls; under Benchmark, accuracy and FGSM accuracy fall; λ1
rises under Benchmark and stays flat under LR/BS; and the counterexample (Figs 6/18). The
numbers the prose cites.

Each claim is built in two steps: the values per case (``*_values``, from our curves) and a
claim from values per case (``*_claim_of``), so that the same rule also grades K's own
statements (:func:`paper_claims`, from :data:`~hessbook.papers.kamath.paper.STATED`).

Per setting, what K says (K §3, §3.1; the statements are graded as K makes them):

- LR/BS: 'very little variation' of accuracy, FGSM/PGD accuracy and λ1 (§3.1 (i), (ii)), read as
  K frames it, against the other lines: 'This is not true for FGSM/PGD accuracy of models trained
  with constant LR nor is it true for benchmark, where one sees a drop in accuracy' (held needs
  LR/BS's spread below LR's for FGSM/PGD and below Benchmark's for accuracy and λ1, and no fall
  beyond the noise: 'neither the natural accuracy nor the adversarial accuracy suffer'); graded for
  every model K draws, the counterexample's StdCNN on Fashion-MNIST too (its purple line, Figs 6
  and 18: 'very little variation across all models!');
- LR: 'This is not true for FGSM/PGD accuracy of models trained with constant LR' (§3.1 (ii)):
  robustness falls. Of LR's clean accuracy and λ1 against the batch size K's words are §3.1 (i),
  'Our observations confirm what [18] observe that as batch size increases natural accuracy drops.
  We also confirm their observation that as batch size increases principle curvature increases'
  (shown, §3 says, 'in the benchmark plots'; the same item singles out LR/BS as flat, so it is not
  said of every setting), and §3.2, of the counterexample's LR line only, 'As expected the
  curvature also increases'. K does not state either trend as a finding of its LR lines, and the
  book does not grade them (our ρ of both is shown): the book's choice;
- Benchmark: test accuracy and FGSM accuracy fall, λ1 rises (§3: 'From the benchmark plots ...').
  Where the first halving of the Benchmark's rate falls after our run's midpoint, or none falls
  within it (cpu: every 537 epochs, 100 run), our Benchmark networks are mostly or only K's first
  phase (lr 0.01, momentum 0.9): a Benchmark case then reads at most partly (:data:`HALVES`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from hessbook.chapters.k1.compute import Results
from hessbook.papers.kamath.deviations import deviations
from hessbook.papers.kamath.grid import benchmark_halve_every
from hessbook.papers.kamath.regime import (
    HALVED_SHARE,
    K_BENCHMARK_HALVED_SHARE,
    benchmark_halved_share,
    benchmark_halvings,
    criteria,
    criteria_text,
)
from hessbook.papers.kamath.grid import KGrid, RunResult, scale_note
from hessbook.papers.kamath.paper import (
    BENCHMARK_MOMENTUM,
    CASES,
    COUNTEREXAMPLE,
    FLAT,
    K1_ITEMS,
    K_POINTS,
    FALLS,
    RISES,
    SETTING_LABEL,
    WORDS,
    stated,
)
from hessbook.papers.kamath.trends import (
    FLAT_POINTS,
    FLOOR_POINTS,
    NOISE_SES,
    beyond_noise,
    both_higher_pairs,
    falls,
    run_flag,
    dropped,
    every_off_floor,
    excluded_text,
    at_floor,
    floor_text,
    off_floor,
    kept,
    equal_loss_batch_text,
    lambda_loss_rho,
    rho_batch,
    rho_text,
    spread_points,
    spread_relative,
)
from hessbook.kit import Claim, Rule, all_of, any_of, at_least, at_most, below, in_regime, not_computed_text
from hessbook.kit.claims import Values
from hessbook.kit.seeds import seed_case, seed_cases, with_agreement
from hessbook.stats import median

TREND = 0.8
"""A Spearman ρ(B, ·) at least this strong, in the claimed direction, is a clear trend."""
FLAT_RELATIVE = 0.5
"""A λ1 curve is flat when (max − min) / median across B is at most this."""
MIN_BATCHES = 3
"""Fewest batch sizes a trend is judged on."""

ENOUGH = at_least("n_batches", MIN_BATCHES, "batch sizes")
OFF_FLOOR = tuple(at_least(f"{a}_off_floor", 1.0, f"{name} accuracy above {FLOOR_POINTS:g} % at some B (a "
                                                    "curve at the floor is flat by construction: untested)", ".0f")
                  for a, name in (("fgsm", "FGSM"), ("pgd", "PGD")))
BEYOND_NOISE = tuple(at_least(f"{a}_beyond_noise", 1.0,
                              f"{name} accuracy's range across B, values under {FLOOR_POINTS:g} % read as "
                              f"{FLOOR_POINTS:g} %, beyond {NOISE_SES:g} standard errors of the difference on its test "
                              "images, paired (the book's choice: a trend of a few images is noise)", ".0f")
                     for a, name in (("fgsm", "FGSM"), ("pgd", "PGD")))
"""What a robustness trend needs for held besides its ρ: its range (largest − smallest, values
under the floor tied) beyond :data:`~hessbook.papers.kamath.trends.NOISE_SES` standard errors
(:func:`~hessbook.papers.kamath.trends.beyond_noise`; FGSM on ``n_test`` images, PGD on
``n_pgd``). Without it FGSM 5.2, 4.9, 4.1 % (tied 5.2, 5, 5: ρ −0.87, three test images of 1,000)
read as LR's fall, held."""
EVERY_OFF_FLOOR = tuple(at_least(f"{a}_every_off_floor", 1.0, f"{name} accuracy above {FLOOR_POINTS:g} % at every "
                                                                "B (the book's choice: a curve with values near the floor "
                                                                "spreads little by construction)", ".0f")
                        for a, name in (("fgsm", "FGSM"), ("pgd", "PGD")))
"""What a flatness claim needs of a robustness curve for held: every value off the floor. With
only one value at 5 % (:data:`OFF_FLOOR`), a curve such as 5.0, 2.0, 0.1 % spreads 4.9 points
(within :data:`~hessbook.papers.kamath.trends.FLAT_POINTS`) and would read flat, a 50x collapse."""
NO_FALL = tuple(at_most(f"{a}_falls", 0.0, f"{name} falls with B (ρ ≤ −{TREND:g} and a range beyond the noise, as "
                                            "LR's rule reads a fall; K: 'neither the natural accuracy nor the "
                                            "adversarial accuracy suffer')", ".0f")
                for a, name in (("acc", "test accuracy"), ("fgsm", "FGSM accuracy"), ("pgd", "PGD accuracy")))
"""K §3.1 (ii), of LR/BS: 'neither the natural accuracy nor the adversarial accuracy suffer with an
increase in batch-size'. A curve that :data:`LOSE_LR_RULE` would read as a fall (ρ(B, ·) ≤ −TREND,
range beyond the noise: :func:`~hessbook.papers.kamath.trends.falls`) is not flat, whatever its spread:
without this, one curve (FGSM 5.0 points over B, ρ −1.00) read both flat and falling."""
CONTRAST = (below("acc_spread_minus_benchmark", 0.0, "spread of test accuracy under LR/BS − under Benchmark (points; "
                                                     "K: 'nor is it true for benchmark, where one sees a drop in "
                                                     "accuracy')", ".1f"),
            below("fgsm_spread_minus_lr", 0.0, "spread of FGSM accuracy under LR/BS − under LR (K: 'This is not true "
                                               "for FGSM/PGD accuracy of models trained with constant LR')", ".1f"),
            below("pgd_spread_minus_lr", 0.0, "that difference for PGD accuracy", ".1f"),
            below("lambda_spread_minus_benchmark", 0.0, "relative spread of λ1 under LR/BS − under Benchmark (K §3.1 "
                                                        "(i): Y's curvature rise, shown 'in the benchmark plots', "
                                                        "against LR/BS's 'almost flat' lines)", ".2f"))
"""K's flatness is a contrast (§3.1 (ii)): 'there is very little variation ... This is not true for
FGSM/PGD accuracy of models trained with constant LR nor is it true for benchmark, where one sees a
drop in accuracy'. Held needs LR/BS's spread below the line K contrasts it with, measure by measure:
the absolute bounds alone (5 points, 0.5) also called LR's own curves flat over our short batch axis
(cpu: C1's LR FGSM spreads 2.7, 1.9, 3.5 points), so a held did not tell LR/BS from LR. Which line each
measure is set against is K's sentence; the strict 'below' (no margin) is the book's choice."""
LRBS_UNFLAGGED = at_most("lrbs_flagged", 0, "runs of the LR/BS line on their initial plateau or diverged (left out of "
                                            "every statistic; the book's choice: a claim of no effect graded without "
                                            "them hides the strongest counter-evidence, so at most partly)", ".0f")
"""A flagged LR/BS run (diverged or on its plateau, e.g. at B = 1024 with lr 0.16) is left out of every
statistic; for a claim that LR/BS changes nothing it is the strongest counter-evidence, so the case
is then at most partly (trend claims keep reading the remaining batch sizes)."""
HALVES = at_least("benchmark_halved_share", HALVED_SHARE,
                  f"share of the run's epochs at a halved Benchmark rate (the book's choice: at least "
                  f"{HALVED_SHARE:.0%}, the first halving at or before the run's midpoint; K's "
                  f"{K_BENCHMARK_HALVED_SHARE:.0%}; less, or no halving, leaves our Benchmark mostly or only K's first "
                  "phase, lr 0.01 and momentum 0.9: then at most partly)", ".0%")
"""What a Benchmark case needs for held: the schedule halves its rate at or before the run's
midpoint (:data:`~hessbook.papers.kamath.regime.HALVED_SHARE`, the book's choice; K states no
share). K's Benchmark (K §2: 'learning rate is decayed by half after every 5 epochs, for a total
of 100 epochs') halves it 19 times, the first after 5 of 100 epochs; where our interval (5 of K's
epochs counted in images seen: 537 epochs on 512 MNIST images) exceeds the epochs run, no halving
happens and the networks are the same training as LR with momentum 0.9, K's first phase, and one
halving late in the run (e.g. in the last of 538 epochs) leaves them that in all but name. They
test part of K's Benchmark, the phase its networks start in: a trend there agreeing with K is
partial evidence (at most partly), a trend against K is graded as measured (did not hold stays
possible: the rule can fail), and the evidence says which phase was run. Not judged was the other
choice (the kit's ``requires``); it would also silence LR/BS's half of :data:`LAMBDA_RULE`, which
the Benchmark does not touch, and hide a first phase that contradicts K."""
FLAT_RULE = Rule(
    held=all_of(at_most("acc_spread", FLAT_POINTS, "spread of test accuracy (points)"),
                at_most("fgsm_spread", FLAT_POINTS, "of FGSM accuracy"),
                at_most("pgd_spread", FLAT_POINTS, "of PGD accuracy"),
                at_most("lambda_spread", FLAT_RELATIVE, "relative spread of λ1"), *EVERY_OFF_FLOOR, *NO_FALL,
                *CONTRAST, LRBS_UNFLAGGED, HALVES),
    # an accuracy that falls as LR's rule reads a fall is not flat, not even partly (review of
    # 2026-12-06: M1-K/Fashion's LR/BS accuracy 73.0 -> 68.3 read partly on its spread under 5 points)
    partly=any_of(all_of(at_most("acc_spread", FLAT_POINTS, "accuracy spread"), NO_FALL[0]),
                  at_most("lambda_spread", FLAT_RELATIVE, "λ1 relative spread")),
    requires=ENOUGH,
)
LOSE_LR_RULE = Rule(
    # K: 'not true for FGSM/PGD accuracy ... with constant LR'; a PGD column the same at every B
    # (0 % throughout at the floor) has no ρ: its half is untested and the case at most partly.
    # A curve at the floor is untested in every branch, not only in held: its ρ is the ordering of
    # values near 0 %, which float summation order can swap (measured: C1 under LR, PGD below 5 % at
    # every B, ρ +0.87 trained grouped and -0.50 one by one, which moved the verdict). A case whose
    # FGSM and PGD curves both sit at the floor is not judged. Nor is one whose curves off the floor
    # span no more than the test images' noise (review of 2026-12-06: FGSM lines spanning 0.3-1.8
    # points, two standard errors about 2 points, read 'did not hold'; as the counterexample's rule
    # reads such a curve, its order is noise: untested, not 'did not hold').
    held=all_of(at_most("rho_fgsm", -TREND, "ρ(B, FGSM accuracy) under LR"),
                at_most("rho_pgd", -TREND, "ρ(B, PGD accuracy)"), *OFF_FLOOR, *BEYOND_NOISE),
    partly=any_of(all_of(OFF_FLOOR[0], BEYOND_NOISE[0], below("rho_fgsm", 0.0, "ρ(B, FGSM accuracy) under LR")),
                  all_of(OFF_FLOOR[1], BEYOND_NOISE[1], at_least("pgd_varies", 1.0, "PGD accuracy varies with B"),
                         below("rho_pgd", 0.0, "ρ(B, PGD accuracy)"))),
    requires=all_of(ENOUGH, any_of(all_of(OFF_FLOOR[0], BEYOND_NOISE[0]), all_of(OFF_FLOOR[1], BEYOND_NOISE[1]))),
)
ACC_BEYOND_NOISE = at_least("acc_beyond_noise", 1.0, f"test accuracy's range across B beyond {NOISE_SES:g} standard "
                                                   "errors of the difference on its test images, paired", ".0f")
"""A fall of test accuracy counts only beyond the test images' noise, as a robustness trend does
(:data:`BEYOND_NOISE`; review of 2026-12-06: Benchmark's M1-K/Fashion accuracy ranges of 0.7-1.6
points, against the unpaired noise band of about 3.7 then, read partly; since the same day the runs
are compared paired, image by image)."""
LOSE_BENCHMARK_RULE = Rule(
    held=all_of(at_most("rho_acc", -TREND, "ρ(B, test accuracy) under Benchmark"), ACC_BEYOND_NOISE, OFF_FLOOR[0],
                at_most("rho_fgsm", -TREND, "ρ(B, FGSM accuracy)"), BEYOND_NOISE[0], HALVES),
    # FGSM at the floor (at or below 5 % at every B): its half untested, the accuracy half alone at most partly
    partly=any_of(all_of(below("rho_acc", 0.0, "ρ(B, accuracy)"), ACC_BEYOND_NOISE, OFF_FLOOR[0],
                         below("rho_fgsm", 0.0, "ρ(B, FGSM)")),
                  all_of(at_most("rho_acc", -TREND, "ρ(B, accuracy)"), ACC_BEYOND_NOISE),
                  all_of(OFF_FLOOR[0], at_most("rho_fgsm", -TREND, "ρ(B, FGSM)"), BEYOND_NOISE[0]),
                  all_of(at_most("fgsm_off_floor", 0.0, "FGSM accuracy at or below 5 % at every B (its half untested)",
                                 ".0f"), below("rho_acc", 0.0, "ρ(B, accuracy)"), ACC_BEYOND_NOISE)),
    # neither half resolvable (accuracy within the noise, FGSM at the floor or within it): untested
    requires=all_of(ENOUGH, any_of(ACC_BEYOND_NOISE, all_of(OFF_FLOOR[0], BEYOND_NOISE[0]))),
)
LOSE_RULE = LOSE_BENCHMARK_RULE
"""The former name (one rule for LR and Benchmark alike, before K §3.1 was read per setting)."""
LAMBDA_RULE = Rule(
    held=all_of(at_least("rho_benchmark", TREND, "ρ(B, λ1) under Benchmark"), HALVES,
                at_most("lr_bs_spread", FLAT_RELATIVE, "relative spread of λ1 under LR/BS"), CONTRAST[3],
                LRBS_UNFLAGGED),
    partly=any_of(at_least("rho_benchmark", TREND, "ρ(B, λ1) under Benchmark"),
                  at_most("lr_bs_spread", FLAT_RELATIVE, "relative spread of λ1 under LR/BS")),
    requires=ENOUGH,
)
COUNTER_RULE = Rule(
    # K §3.2: 'the FGSM accuracy increases with batch size ... the PGD accuracy also increases' (Figs 6
    # and 18): held needs PGD's rise too; a PGD curve at the floor (or the same at every B: no ρ)
    # leaves that half untested and the case at most partly, as in LR's rule
    held=all_of(at_least("rho_fgsm", TREND, "ρ(B, FGSM accuracy)"), at_least("rho_lambda", TREND, "ρ(B, λ1)"),
                at_least("rho_pgd", TREND, "ρ(B, PGD accuracy)"), OFF_FLOOR[1],
                at_least("pgd_varies", 1.0, "PGD accuracy varies with B", ".0f"), *BEYOND_NOISE),
    # a pair counts only when the larger batch's accuracy is higher beyond NOISE_SES standard errors
    # (one image of 1,000 is no counterexample); a PGD pair counts where PGD is off the floor
    partly=any_of(at_least("pairs", 1, "pairs of batch sizes where the larger has both the larger λ1 and the higher "
                                       f"FGSM accuracy (beyond {NOISE_SES:g} standard errors)"),
                  all_of(OFF_FLOOR[1], at_least("pairs_pgd", 1, "such pairs with PGD accuracy"))),
    # a FGSM curve at the floor, or one whose whole range is within the test images' noise, is
    # untested (as in LR's rule): its order, and so its pairs, is noise -- not judged, not 'did not hold'
    requires=all_of(ENOUGH, OFF_FLOOR[0], BEYOND_NOISE[0]),
)
LINE = {"lr": ("lr", 0.0), "lr_bs": ("lr_bs", 0.0), "benchmark": ("benchmark", BENCHMARK_MOMENTUM)}
COUNTER_CASE = "StdCNN Fashion-MNIST, LR"

FLAT_STATEMENT = ("Under LR/BS, accuracy, FGSM/PGD accuracy and λ1 stay nearly flat across batch sizes, unlike "
                  "under LR (robustness) and Benchmark (accuracy, λ1).")
LOSE_LR_STATEMENT = "Under LR, FGSM (and PGD) accuracy falls as the batch size grows."
LOSE_BENCHMARK_STATEMENT = "Under Benchmark, test accuracy and FGSM accuracy fall as the batch size grows."
BENCHMARK_FGSM_SCOPE = ("K states the FGSM drop for M1 and C1 only ('From the benchmark plots in Figures 1(left) and "
                        "4(left) ... the associated FGSM test accuracy also drops', §3); §3.1 (ii) generalises 'a drop "
                        "in accuracy' alone. Grading FGSM's fall for every model of the figure group is the book's "
                        "choice.")
"""Audit K #17: the Benchmark's FGSM fall is K's for Figs 1 and 4 (M1, C1); the book grades it for
StdCNN, M1-K on Fashion-MNIST and ResNet18 too, and says so on the verdict line."""
LAMBDA_STATEMENT = "λ1 rises with the batch size under Benchmark, and stays flat under LR/BS."
COUNTER_STATEMENT = ("Counterexample: StdCNN on Fashion-MNIST under LR gets more robust (FGSM and PGD accuracy) with "
                     "the batch size while its λ1 rises too, so a higher λ1 does not always mean lower robustness.")


COUNTER_ITEM = "K-Fig6-18"
ITEMS: dict[str, tuple[str, ...]] = {**K1_ITEMS, COUNTER_ITEM: (COUNTEREXAMPLE,)}
"""The cases of each figure group the flatness claim grades: K1's groups and the counterexample's
(K Figs 6, 18: StdCNN on Fashion-MNIST), whose LR/BS line K's 'very little variation across all
models!' covers too."""


def expected(item: str, seeds: Sequence[int] = ()) -> tuple[str, ...]:
    """The cases of K's figure group ``item`` (its models), as the claims name them, in every seed."""
    return seed_cases((CASES[c].label for c in ITEMS[item]), seeds or (0,))


# ----------------------------------------------------------------------------- claims from values


def flat_claim_of(item: str, cases: Mapping[str, Values], ours: str = "", evidence: str = "",
                  seeds: Sequence[int] = ()) -> Claim:
    return Claim(item, FLAT_STATEMENT, WORDS["flat"], ours, FLAT_RULE, dict(cases),
                 "Spread = max − min across batch sizes (accuracies in points; λ1 relative to its median). K's "
                 "flatness is a contrast: 'This is not true for FGSM/PGD accuracy of models trained with constant LR "
                 "nor is it true for benchmark, where one sees a drop in accuracy' (§3.1 (ii)); held needs LR/BS's "
                 "spread below LR's (FGSM, PGD) and Benchmark's (accuracy, λ1; a Benchmark that halves its rate as "
                 "K's does, else that contrast is with K's first phase only: at most partly), no fall beyond the "
                 "noise, and no LR/BS run left out as flagged. " + evidence, expected(item, seeds))


def lose_lr_claim_of(item: str, cases: Mapping[str, Values], ours: str = "", evidence: str = "",
                     seeds: Sequence[int] = ()) -> Claim:
    return Claim(item, LOSE_LR_STATEMENT, WORDS["lose_lr"], ours, LOSE_LR_RULE, dict(cases),
                 "Spearman ρ across batch sizes. K claims this of robustness; of LR's clean accuracy against the "
                 "batch size K says only, in §3.1 (i), that it confirms Y's finding (a drop, shown on the Benchmark "
                 "plots), so its ρ is shown, not graded (the book's choice). Held needs both FGSM and PGD to "
                 f"fall and each to exceed {FLOOR_POINTS:g} % at some B: a curve at or below that at every B (the "
                 "floor) or the same at every B (no ρ) leaves its half untested, and the case is at most partly; so "
                 f"does a curve whose range is within {NOISE_SES:g} standard errors of its test images' noise. "
                 + evidence, expected(item, seeds))


def lose_benchmark_claim_of(item: str, cases: Mapping[str, Values], ours: str = "", evidence: str = "",
                            seeds: Sequence[int] = ()) -> Claim:
    return Claim(item, LOSE_BENCHMARK_STATEMENT, WORDS["lose_benchmark"], ours, LOSE_BENCHMARK_RULE, dict(cases),
                 "Spearman ρ across batch sizes. " + BENCHMARK_FGSM_SCOPE + " Benchmark: lr 0.01, momentum 0.9, the rate "
                 "halved every 5 of K's "
                 "epochs (counted in images seen); where the first halving falls after our run's midpoint, or none "
                 "falls within it, the networks are mostly or only K's first phase and the case reads at most partly. "
                 + evidence,
                 expected(item, seeds))


def lambda_claim_of(item: str, cases: Mapping[str, Values], ours: str = "", evidence: str = "",
                    seeds: Sequence[int] = ()) -> Claim:
    return Claim(item, LAMBDA_STATEMENT, WORDS["lambda"], ours, LAMBDA_RULE, dict(cases),
                 "λ1: Lanczos on the training-loss Hessian, certified by its residual. Under LR, K's words are "
                 "§3.1 (i) 'We also confirm their observation that as batch size increases principle curvature "
                 "increases' (Y's observation, shown 'in the benchmark plots', §3) and §3.2 'As expected the curvature "
                 "also increases' (the counterexample's LR line); K does not state the rise as a finding of its LR "
                 "lines, and the book does not grade LR's ρ(B, λ1) (shown): the book's choice. Where the first "
                 "halving of the Benchmark's rate falls after our run's midpoint, or none falls within it, the "
                 "Benchmark half reads mostly or only K's first phase: at most partly. " + evidence,
                 expected(item, seeds))


def counterexample_claim_of(cases: Mapping[str, Values], ours: str = "", evidence: str = "",
                            seeds: Sequence[int] = ()) -> Claim:
    return Claim(COUNTER_ITEM, COUNTER_STATEMENT, WORDS["counter"], ours, COUNTER_RULE, dict(cases),
                 "Held needs K's whole picture (FGSM accuracy, PGD accuracy and λ1 all rise with B, PGD off the "
                 "floor); partly: some pair of our networks already contradicts 'higher λ1, lower robustness'. A "
                 f"FGSM line at the floor, or whose whole range is within {NOISE_SES:g} standard errors of its test "
                 "images' noise, is not judged (its order, and so its pairs, is noise). "
                 + evidence, seed_cases((COUNTER_CASE,), seeds or (0,)))


# ----------------------------------------------------------------------------- values from our curves


def flat_values(lrbs: list[RunResult], lr: list[RunResult], bench: list[RunResult], n_test: int,
                n_pgd: int, halved_share: float = 1.0) -> dict:
    """LR/BS's spreads, set against the lines K contrasts it with (:data:`CONTRAST`: LR for FGSM/PGD,
    Benchmark for accuracy and λ1), its falls (:data:`NO_FALL`; ``n_test``, ``n_pgd``: the test
    images FGSM and PGD accuracy were measured on) and its flagged runs (:data:`LRBS_UNFLAGGED`).
    ``halved_share``: as in :func:`lose_benchmark_values`: two of the contrasts are against the
    Benchmark, which must be K's schedule for them to be K's contrast (:data:`HALVES`)."""
    acc, fgsm, pgd = (spread_points(lrbs, m) for m in ("test_acc", "fgsm_acc", "pgd_acc"))
    lam = spread_relative(lrbs)
    return {"n_batches": len(kept(lrbs)), "acc_spread": acc, "fgsm_spread": fgsm, "pgd_spread": pgd,
            "lambda_spread": lam, "fgsm_every_off_floor": every_off_floor(lrbs, "fgsm_acc"),
            "pgd_every_off_floor": every_off_floor(lrbs, "pgd_acc"),
            "acc_falls": falls(lrbs, "test_acc", n_test, TREND), "fgsm_falls": falls(lrbs, "fgsm_acc", n_test, TREND),
            "pgd_falls": falls(lrbs, "pgd_acc", n_pgd, TREND),
            "acc_spread_minus_benchmark": acc - spread_points(bench, "test_acc"),
            "fgsm_spread_minus_lr": fgsm - spread_points(lr, "fgsm_acc"),
            "pgd_spread_minus_lr": pgd - spread_points(lr, "pgd_acc"),
            "lambda_spread_minus_benchmark": lam - spread_relative(bench), "lrbs_flagged": len(dropped(lrbs)),
            "benchmark_halved_share": halved_share}


def _varies(curve: list[RunResult], name: str) -> float:
    """1.0 when ``name`` takes more than one value along the usable runs (it has a ρ), 0.0 when
    it is the same at every B, NaN without usable runs."""
    spread = spread_points(curve, name)
    return float(spread > 0) if spread == spread else float("nan")


def lose_lr_values(lr: list[RunResult], n_test: int, n_pgd: int) -> dict:
    """``n_test``, ``n_pgd``: the test images FGSM and PGD accuracy were measured on (their noise)."""
    return {"n_batches": len(kept(lr)), "rho_fgsm": rho_batch(lr, "fgsm_acc"), "rho_pgd": rho_batch(lr, "pgd_acc"),
            "pgd_varies": _varies(lr, "pgd_acc"),
            "fgsm_off_floor": off_floor(lr, "fgsm_acc"), "pgd_off_floor": off_floor(lr, "pgd_acc"),
            "fgsm_beyond_noise": beyond_noise(lr, "fgsm_acc", n_test), "pgd_beyond_noise": beyond_noise(lr, "pgd_acc", n_pgd)}


def lose_benchmark_values(bench: list[RunResult], halved_share: float, n_test: int) -> dict:
    """``halved_share``: of the run's epochs at a halved Benchmark rate (:func:`~hessbook.papers.
    kamath.regime.benchmark_halved_share`; 0: K's first phase only); ``n_test``: the test images
    FGSM accuracy was measured on."""
    return {"n_batches": len(kept(bench)), "rho_acc": rho_batch(bench, "test_acc"),
            "rho_fgsm": rho_batch(bench, "fgsm_acc"), "fgsm_off_floor": off_floor(bench, "fgsm_acc"),
            "fgsm_beyond_noise": beyond_noise(bench, "fgsm_acc", n_test),
            "acc_beyond_noise": beyond_noise(bench, "test_acc", n_test), "benchmark_halved_share": halved_share}


def lambda_values(bench: list[RunResult], lrbs: list[RunResult], halved_share: float) -> dict:
    """``halved_share``: as in :func:`lose_benchmark_values`."""
    return {"n_batches": min(len(kept(bench)), len(kept(lrbs))), "rho_benchmark": rho_batch(bench, "lambda1"),
            "lr_bs_spread": spread_relative(lrbs), "benchmark_halved_share": halved_share,
            "lambda_spread_minus_benchmark": spread_relative(lrbs) - spread_relative(bench),
            "lrbs_flagged": len(dropped(lrbs))}


COUNTER_GRADED = ("n_batches", "rho_fgsm", "rho_pgd", "rho_lambda", "pairs", "pairs_pgd", "fgsm_off_floor",
                  "pgd_off_floor", "pgd_varies", "fgsm_beyond_noise", "pgd_beyond_noise")
"""The values of :func:`counterexample_values` the counterexample's rule reads."""


def counterexample_values(R: Results, seed: int) -> dict:
    """The graded values (:data:`COUNTER_GRADED`) and the shown ones of the counterexample's LR
    curve in ``seed``."""
    curve, P = R.grid.curve(COUNTEREXAMPLE, *LINE["lr"], seed), R.params
    return {"n_batches": len(kept(curve)), "rho_fgsm": rho_batch(curve, "fgsm_acc"),
            "rho_pgd": rho_batch(curve, "pgd_acc"), "rho_lambda": rho_batch(curve, "lambda1"),
            "pairs": both_higher_pairs(curve, "fgsm_acc", P.n_test),
            "pairs_pgd": both_higher_pairs(curve, "pgd_acc", P.n_pgd),
            "fgsm_off_floor": off_floor(curve, "fgsm_acc"), "pgd_off_floor": off_floor(curve, "pgd_acc"),
            "pgd_varies": _varies(curve, "pgd_acc"), "fgsm_beyond_noise": beyond_noise(curve, "fgsm_acc", P.n_test),
            "pgd_beyond_noise": beyond_noise(curve, "pgd_acc", P.n_pgd)}


# ----------------------------------------------------------------------------- deviations and notes


def _scale_note(P: KGrid) -> str:
    return scale_note(P)


def _ran(R: Results, item: str) -> list[str]:
    return [c for c in ITEMS[item] if R.grid.ran(c)]


def _cells(R: Results, item: str) -> list[tuple[str, int]]:
    """(case, seed) of every case of ``item`` that ran, in every seed it ran in."""
    return R.cells(ITEMS[item], LINE["lr"])


def _halved_share(R: Results, case: str) -> float:
    """The share of ``case``'s run at a halved Benchmark rate (0: K's first phase only); the
    evidence says where it is short (:func:`~hessbook.papers.kamath.deviations.first_phase_text`)."""
    return benchmark_halved_share(R.params, CASES[case].dataset)


def _notes(R: Results, item: str, curves: Iterable[list[RunResult]], robustness: bool = True,
           graded: Iterable[list[RunResult]] | None = None) -> str:
    """Deviations, excluded runs, robustness curves at the floor (``robustness``: the claim grades
    FGSM accuracy) and the scale. ``curves``: every line the claim reads (a contrast line too);
    ``graded``: the lines whose floors the claim grades (default: ``curves``)."""
    curves = list(curves)
    graded = curves if graded is None else list(graded)
    gone = [r for curve in curves for r in dropped(curve)]
    benchmark = any(r.run.setting == "benchmark" for curve in curves for r in curve)
    floors = floor_text(graded) + floor_text(graded, "pgd_acc") if robustness else ""
    return (deviations(R.params, _ran(R, item), benchmark=benchmark) + excluded_text(gone) + floors
            + _scale_note(R.params)).strip()


# ----------------------------------------------------------------------------- our claims


def flat_claim(R: Results, item: str) -> Claim:
    """K §3.1 (ii)'s flatness of LR/BS for the figure group ``item`` (:data:`ITEMS`: the
    counterexample's group too)."""
    cases, parts, curves, graded = {}, [], [], []
    for case, seed in _cells(R, item):
        lrbs, lr, bench = (R.grid.curve(case, *LINE[s], seed) for s in ("lr_bs", "lr", "benchmark"))
        curves += [lrbs, lr, bench]
        graded.append(lrbs)
        v = cases[R.name(case, seed)] = flat_values(lrbs, lr, bench, R.params.n_test, R.params.n_pgd,
                                                      _halved_share(R, case))
        fell = [m for m, k in (("acc", "acc_falls"), ("FGSM", "fgsm_falls"), ("PGD", "pgd_falls")) if v[k] == 1.0]
        parts.append(f"{R.name(case, seed)}: spreads acc {v['acc_spread']:.1f}, FGSM {v['fgsm_spread']:.1f}, PGD "
                     f"{v['pgd_spread']:.1f} points, λ1 {v['lambda_spread']:.2f} (contrast: LR FGSM "
                     f"{spread_points(lr, 'fgsm_acc'):.1f}, PGD {spread_points(lr, 'pgd_acc'):.1f} points; Benchmark "
                     f"acc {spread_points(bench, 'test_acc'):.1f} points, λ1 {spread_relative(bench):.2f})"
                     + (f"; falls beyond the noise: {', '.join(fell)}" if fell else "")
                     + (f"; {v['lrbs_flagged']} LR/BS run(s) flagged" if v["lrbs_flagged"] else ""))
    return with_agreement(flat_claim_of(item, cases, "; ".join(parts) + "." + R.absent(ITEMS[item]),
                                        _notes(R, item, curves, graded=graded), R.seeds), R.seeds)


def lose_lr_claim(R: Results, item: str) -> Claim:
    cases, parts, curves = {}, [], []
    for case, seed in _cells(R, item):
        lr = R.grid.curve(case, *LINE["lr"], seed)
        curves.append(lr)
        v = cases[R.name(case, seed)] = lose_lr_values(lr, R.params.n_test, R.params.n_pgd)
        parts.append(f"{R.name(case, seed)}: ρ(B, FGSM) {rho_text(v['rho_fgsm'])}, ρ(B, PGD) "
                     f"{rho_text(v['rho_pgd']) if v['pgd_varies'] != 0 else 'none (the same at every B)'} "
                     f"(not graded: ρ(B, test acc) "
                     f"{rho_text(rho_batch(lr, 'test_acc'))})")
    return with_agreement(lose_lr_claim_of(item, cases, "; ".join(parts) + "." + R.absent(K1_ITEMS[item]),
                                           _notes(R, item, curves), R.seeds), R.seeds)


def lose_benchmark_claim(R: Results, item: str) -> Claim:
    cases, parts, curves = {}, [], []
    for case, seed in _cells(R, item):
        bench = R.grid.curve(case, *LINE["benchmark"], seed)
        curves.append(bench)
        v = cases[R.name(case, seed)] = lose_benchmark_values(bench, _halved_share(R, case), R.params.n_test)
        parts.append(f"{R.name(case, seed)}: ρ(B, acc) {rho_text(v['rho_acc'])}, ρ(B, FGSM) "
                     f"{rho_text(v['rho_fgsm'])}, ρ(B, PGD) {rho_text(rho_batch(bench, 'pgd_acc'))}")
    return with_agreement(lose_benchmark_claim_of(item, cases, "; ".join(parts) + "." + R.absent(K1_ITEMS[item]),
                                                  _notes(R, item, curves), R.seeds), R.seeds)


def lose_claim(R: Results, item: str) -> list[Claim]:
    """K §3.1 (ii) per setting: robustness under LR, accuracy and robustness under Benchmark."""
    return [lose_lr_claim(R, item), lose_benchmark_claim(R, item)]


def lambda_claim(R: Results, item: str) -> Claim:
    cases, parts, curves = {}, [], []
    for case, seed in _cells(R, item):
        lr, bench, lrbs = (R.grid.curve(case, *LINE[s], seed) for s in ("lr", "benchmark", "lr_bs"))
        curves += [bench, lrbs]
        v = cases[R.name(case, seed)] = lambda_values(bench, lrbs, _halved_share(R, case))
        parts.append(f"{R.name(case, seed)}: ρ(B, λ1) Benchmark {rho_text(v['rho_benchmark'])}"
                     f"; LR/BS λ1 spread {v['lr_bs_spread']:.2f} (not graded: ρ(B, λ1) under "
                     f"LR {rho_text(rho_batch(lr, 'lambda1'))})")
    return with_agreement(lambda_claim_of(item, cases, "; ".join(parts) + "." + R.absent(K1_ITEMS[item]),
                                          _notes(R, item, curves, robustness=False), R.seeds), R.seeds)


def counterexample_claim(R: Results) -> Claim:
    seeds = R.seeds
    if not R.grid.ran(COUNTEREXAMPLE):
        return counterexample_claim_of({}, not_computed_text(f"{CASES[COUNTEREXAMPLE].label}: "
                                                         f"{R.why_absent(COUNTEREXAMPLE)}"),
                                       deviations(R.params, [COUNTEREXAMPLE], counterexample=True).strip(), seeds)
    cases, parts, gone = {}, [], []
    for seed in [s for s in seeds if R.grid.curve(COUNTEREXAMPLE, *LINE["lr"], s)]:
        v = counterexample_values(R, seed)
        name = seed_case(COUNTER_CASE, seed, seeds)
        cases[name] = {k: v[k] for k in COUNTER_GRADED}
        parts.append(f"{'seed ' + str(seed) + ': ' if len(seeds) > 1 else ''}ρ(B, FGSM) {rho_text(v['rho_fgsm'])}, "
                     f"ρ(B, PGD) {rho_text(v['rho_pgd'])}, ρ(B, λ1) {rho_text(v['rho_lambda'])}; {v['pairs']} pair(s) "
                     f"of batch sizes with both λ1 and FGSM accuracy higher at the larger batch, beyond "
                     f"{NOISE_SES:g} standard errors ({v['pairs_pgd']} with PGD)")
        gone += dropped(R.grid.curve(COUNTEREXAMPLE, *LINE["lr"], seed))
    notes = (deviations(R.params, [COUNTEREXAMPLE], counterexample=True) + excluded_text(gone)
             + _scale_note(R.params)).strip()
    return with_agreement(counterexample_claim_of(cases, "; ".join(parts) + ".", notes, seeds), seeds)


def graded_claims(R: Results) -> list[Claim]:
    """Every claim, graded on our networks, ungated."""
    out = []
    for item in K1_ITEMS:
        out += [flat_claim(R, item), *lose_claim(R, item), lambda_claim(R, item)]
    return out + [flat_claim(R, COUNTER_ITEM), counterexample_claim(R)]


def claims(R: Results) -> list[Claim]:
    """The claims, judged only where K's regime criteria hold (:func:`hessbook.kit.in_regime`,
    :func:`hessbook.papers.kamath.regime.criteria`): at a scale outside them (e.g. smoke: 1 epoch,
    other radii) every computed case reads not judged. The paper scale trains one network per point,
    as K does: its seed criterion is excused by a named exception and its verdicts are single-seed."""
    return in_regime(graded_claims(R), criteria(R.params))


# ----------------------------------------------------------------------------- K's own statements


def _rho(setting: str, measure: str, case: str) -> float | None:
    """ρ(B, measure) as K's text states it: ±1 for 'rises'/'falls', unknown where STATED has no
    statement (:data:`~hessbook.papers.kamath.paper.STATED`)."""
    d = stated(setting, measure, case)
    return float(d) if d is not None and d != FLAT else None


def _flat(setting: str, measure: str, case: str) -> float | None:
    """A spread as K's text states it: 0 for 'very little variation', unknown otherwise."""
    return 0.0 if stated(setting, measure, case) == FLAT else None


def _flatter(measure: str, case: str, against: str) -> float | None:
    """LR/BS's spread minus the ``against`` line's as K's text states them: negative (-1, a sign:
    K gives no size) where K calls LR/BS flat and states a rise or fall of the other line, else
    unknown."""
    other = stated(against, measure, case)
    return -1.0 if stated("lr_bs", measure, case) == FLAT and other in (RISES, FALLS) else None


def paper_values(case: str) -> dict[str, dict]:
    """Each claim's values for ``case`` as K's text states them (:data:`~hessbook.papers.kamath.
    paper.STATED`): a stated direction is a ρ of ±1, 'very little variation' a spread of 0, and
    a value K does not state is unknown (None), so a rule that needs it cannot grade K's text."""
    n = K_POINTS
    both_rise = stated("lr", "fgsm_acc", case) == RISES and stated("lr", "lambda1", case) == RISES
    return {
        "flat": {"n_batches": n, "acc_spread": _flat("lr_bs", "test_acc", case),
                 "fgsm_spread": _flat("lr_bs", "fgsm_acc", case), "pgd_spread": _flat("lr_bs", "pgd_acc", case),
                 "lambda_spread": _flat("lr_bs", "lambda1", case),
                 # 'neither the natural accuracy nor the adversarial accuracy suffer': a robustness there to suffer,
                 # and no fall
                 "fgsm_every_off_floor": 1.0, "pgd_every_off_floor": 1.0,
                 **{f"{m}_falls": 0.0 if stated("lr_bs", name, case) == FLAT else None
                    for m, name in (("acc", "test_acc"), ("fgsm", "fgsm_acc"), ("pgd", "pgd_acc"))},
                 # 'This is not true for FGSM/PGD accuracy of models trained with constant LR nor is it true for
                 # benchmark, where one sees a drop in accuracy'; K's lines have a point at every batch size
                 "acc_spread_minus_benchmark": _flatter("test_acc", case, "benchmark"),
                 "fgsm_spread_minus_lr": _flatter("fgsm_acc", case, "lr"),
                 "pgd_spread_minus_lr": _flatter("pgd_acc", case, "lr"),
                 "lambda_spread_minus_benchmark": _flatter("lambda1", case, "benchmark"), "lrbs_flagged": 0,
                 "benchmark_halved_share": K_BENCHMARK_HALVED_SHARE},
        # a stated fall or rise: off the floor, and a trend (beyond the noise of K's 10,000 test images)
        "lose_lr": {"n_batches": n, "rho_fgsm": _rho("lr", "fgsm_acc", case), "rho_pgd": _rho("lr", "pgd_acc", case),
                    "pgd_varies": 1.0, "fgsm_off_floor": 1.0, "pgd_off_floor": 1.0, "fgsm_beyond_noise": 1.0,
                    "pgd_beyond_noise": 1.0},
        "lose_benchmark": {"n_batches": n, "rho_acc": _rho("benchmark", "test_acc", case),
                           "rho_fgsm": _rho("benchmark", "fgsm_acc", case), "fgsm_off_floor": 1.0,
                           "fgsm_beyond_noise": 1.0, "acc_beyond_noise": 1.0,
                           "benchmark_halved_share": K_BENCHMARK_HALVED_SHARE},
        "lambda": {"n_batches": n, "rho_benchmark": _rho("benchmark", "lambda1", case),
                   "lr_bs_spread": _flat("lr_bs", "lambda1", case),
                   "benchmark_halved_share": K_BENCHMARK_HALVED_SHARE,
                   "lambda_spread_minus_benchmark": _flatter("lambda1", case, "benchmark"), "lrbs_flagged": 0},
        "counter": {"n_batches": n, "rho_fgsm": _rho("lr", "fgsm_acc", case), "rho_pgd": _rho("lr", "pgd_acc", case),
                    "rho_lambda": _rho("lr", "lambda1", case), "pairs": n * (n - 1) // 2 if both_rise else None,
                    "pairs_pgd": n * (n - 1) // 2 if both_rise and stated("lr", "pgd_acc", case) == RISES else None,
                    # K's stated rises: off the floor, varying with B, beyond noise
                    "fgsm_off_floor": 1.0, "pgd_off_floor": 1.0, "pgd_varies": 1.0, "fgsm_beyond_noise": 1.0,
                    "pgd_beyond_noise": 1.0},
    }


def paper_claims() -> list[Claim]:
    """K1's claims graded on K's own statements (every case of every figure group): each must
    come out held, else the claim misreads K."""
    ours = "K's text, read as values: a stated rise or fall is ρ = ±1, 'very little variation' a spread of 0."
    out = []
    for item, cases in K1_ITEMS.items():
        values = {CASES[c].label: paper_values(c) for c in cases}
        out += [flat_claim_of(item, {k: v["flat"] for k, v in values.items()}, ours),
                lose_lr_claim_of(item, {k: v["lose_lr"] for k, v in values.items()}, ours),
                lose_benchmark_claim_of(item, {k: v["lose_benchmark"] for k, v in values.items()}, ours),
                lambda_claim_of(item, {k: v["lambda"] for k, v in values.items()}, ours)]
    counter = paper_values(COUNTEREXAMPLE)
    return out + [flat_claim_of(COUNTER_ITEM, {CASES[COUNTEREXAMPLE].label: counter["flat"]}, ours),
                  counterexample_claim_of({COUNTER_CASE: counter["counter"]}, ours)]


# ----------------------------------------------------------------------------- the prose's numbers


def at_chance(R: Results) -> list:
    """The runs that ended at chance: final training loss within 10 % of ln 10, the loss of a
    uniform prediction (:func:`hessbook.regime.on_plateau`): they never left their plateau and
    enter no statistic."""
    return [r for r in R.grid.results if run_flag(r) == "plateau"]


def chance_numbers(R: Results) -> dict:
    """What the "did not reproduce" prose cites: the runs at chance, their λ1, the fewest SGD steps,
    and how far λ1 moves under LR/BS (median over cases of λ1 at the smallest B / at the largest)."""
    chance = at_chance(R)
    P = R.params
    b_max = max(P.batch_sizes)
    steps = min(P.epochs_mnist * math.ceil(P.n_train_mnist / b_max), P.epochs_cifar * math.ceil(P.n_train_cifar / b_max))
    ratios = []
    for case in R.grid.cases():
        for seed in R.grid.seeds():
            lrbs = kept(R.grid.curve(case, *LINE["lr_bs"], seed))
            if len(lrbs) >= 2 and lrbs[-1].lambda1 > 0:
                ratios.append(lrbs[0].lambda1 / lrbs[-1].lambda1)
    return {
        "chance_runs": len(chance),
        "chance_list": ", ".join(f"{CASES[r.run.case].label} {SETTING_LABEL[r.run.setting]} B={r.run.batch} "
                                 f"(seed {r.run.seed})" for r in chance) or "none",
        "chance_lambda_max": max((r.lambda1 for r in chance), default=None),
        "fewest_steps": steps, "largest_batch": b_max, "batch_ratio": b_max // min(P.batch_sizes),
        "counter_chance_batches": ", ".join(f"{r.run.batch} (seed {r.run.seed})" for r in chance
                                            if (r.run.case, r.run.setting) == (COUNTEREXAMPLE, "lr")) or "none",
        "lrbs_lambda_ratio": median(ratios),
    }


def _signed(x: float | None) -> str:
    """A ρ for the prose: ``+1.00``; n/a where undefined (a constant column)."""
    return "n/a" if x is None or not math.isfinite(x) else f"{x:+.2f}"


def floor_numbers(R: Results) -> dict:
    """How many of the lines run (case, setting, seed) have FGSM accuracy at the floor (below
    :data:`~hessbook.papers.kamath.trends.FLOOR_POINTS` % at every batch size)."""
    lines = [R.grid.curve(c, *LINE[s], seed) for c in R.grid.cases() for s in LINE for seed in R.grid.seeds()]
    lines = [c for c in lines if c]
    return {"lines": len(lines), "floor_lines": sum(at_floor(c) for c in lines)}


def numbers(R: Results) -> dict:
    """Every number the prose cites (glued as ``k1-<name>``); None or NaN (glued n/a) where not computed."""
    seeds = [s for s in R.grid.seeds() if R.grid.curve(COUNTEREXAMPLE, *LINE["lr"], s)]
    per_seed = [counterexample_values(R, s) for s in seeds]
    return {"runs": len(R.grid.results), "cases": len(R.grid.cases()), "seeds": len(R.grid.seeds()),
            "criteria": criteria_text(R.params),
            "benchmark_halve_every": " / ".join(f"{benchmark_halve_every(d, R.params.n_train(d))} ({name})"
                                                for d, name in (("mnist", "MNIST"), ("cifar10", "CIFAR-10"))),
            **floor_numbers(R),
            # the median of the seeds' finite ρ (a seed's ρ is NaN for a constant column); n/a when none is
            **{f"counter_{k}": median(v[k] for v in per_seed) for k in ("rho_fgsm", "rho_pgd", "rho_lambda")},
            "counter_rho_seeds": "; ".join(
                f"seed {seed}: " + ", ".join(f"{name} {_signed(v[k])}" for k, name in
                                             (("rho_fgsm", "FGSM"), ("rho_pgd", "PGD"), ("rho_lambda", "λ1")))
                for seed, v in zip(seeds, per_seed)) or None,
            "counter_pairs": sum(v["pairs"] for v in per_seed) if per_seed else None,
            "counter_floor_seeds": sum(v["fgsm_off_floor"] == 0 for v in per_seed),
            "counter_seeds": len(per_seed),
            "benchmark_halvings": " / ".join(f"{benchmark_halvings(R.params, d)} ({name})"
                                             for d, name in (("mnist", "MNIST"), ("cifar10", "CIFAR-10"))),
            "benchmark_halved_share": " / ".join(f"{benchmark_halved_share(R.params, d):.0%} ({name})"
                                                 for d, name in (("mnist", "MNIST"), ("cifar10", "CIFAR-10"))),
            "worst_residual": max((r.lambda1_residual for r in kept(R.grid.results)), default=None),
            "diverged": sum(run_flag(r) == "diverged" for r in R.grid.results), **chance_numbers(R),
            "lambda_loss_benchmark": lambda_loss_rho(R.grid, LINE["benchmark"][0], [LINE["benchmark"][1]]),
            "equal_loss_benchmark": equal_loss_batch_text(R.grid, *LINE["benchmark"]),
            "equal_loss_lr": equal_loss_batch_text(R.grid, *LINE["lr"])}
