"""K1's claims, graded by rules given once: per figure group (K Figs 1-2/15, 3/16, 4-5/17), LR/BS
is flat, LR and Benchmark lose accuracy and robustness, λ1 rises except under LR/BS; and the
counterexample (Figs 6/18). The numbers the prose cites."""

from __future__ import annotations

import math

from hessbook.chapters.k1.compute import Results
from hessbook.chapters.kamath.grid import KGrid
from hessbook.chapters.kamath.paper import (
    BENCHMARK_MOMENTUM,
    CASES,
    COUNTEREXAMPLE,
    EPS,
    K1_ITEMS,
    SETTING_LABEL,
    WORDS,
)
from hessbook.chapters.kamath.trends import both_higher_pairs, rho_batch, rho_text, spread_points, spread_relative
from hessbook.kit import Claim, Rule, all_of, any_of, at_least, at_most, below, finite, middle

TREND = 0.8
"""A Spearman ρ(B, ·) at least this strong, in the claimed direction, is a clear trend."""
FLAT_POINTS = 5.0
"""An accuracy curve is flat when it varies by at most this many percentage points across B."""
FLAT_RELATIVE = 0.5
"""A λ1 curve is flat when (max − min) / median across B is at most this."""
MIN_BATCHES = 3
"""Fewest batch sizes a trend is judged on."""

ENOUGH = at_least("n_batches", MIN_BATCHES, "batch sizes")
FLAT_RULE = Rule(
    held=all_of(at_most("acc_spread", FLAT_POINTS, "spread of test accuracy (points)"),
                at_most("fgsm_spread", FLAT_POINTS, "of FGSM accuracy"),
                at_most("pgd_spread", FLAT_POINTS, "of PGD accuracy"),
                at_most("lambda_spread", FLAT_RELATIVE, "relative spread of λ1")),
    partly=any_of(at_most("acc_spread", FLAT_POINTS, "accuracy spread"),
                  at_most("lambda_spread", FLAT_RELATIVE, "λ1 relative spread")),
    requires=ENOUGH,
)
LOSE_RULE = Rule(
    held=all_of(at_most("rho_acc", -TREND, "ρ(B, test accuracy)"), at_most("rho_fgsm", -TREND, "ρ(B, FGSM accuracy)")),
    partly=any_of(all_of(below("rho_acc", 0.0, "ρ(B, accuracy)"), below("rho_fgsm", 0.0, "ρ(B, FGSM)")),
                  at_most("rho_acc", -TREND, "ρ(B, accuracy)"), at_most("rho_fgsm", -TREND, "ρ(B, FGSM)")),
    requires=ENOUGH,
)
LAMBDA_RULE = Rule(
    held=all_of(at_least("rho_lr", TREND, "ρ(B, λ1) under LR"), at_least("rho_benchmark", TREND, "under Benchmark"),
                at_most("lr_bs_spread", FLAT_RELATIVE, "relative spread of λ1 under LR/BS")),
    partly=any_of(at_least("rho_lr", TREND, "ρ(B, λ1) under LR"),
                  at_least("rho_benchmark", TREND, "under Benchmark")),
    requires=ENOUGH,
)
COUNTER_RULE = Rule(
    held=all_of(at_least("rho_fgsm", TREND, "ρ(B, FGSM accuracy)"), at_least("rho_lambda", TREND, "ρ(B, λ1)")),
    partly=at_least("pairs", 1, "pairs of batch sizes where the larger has both the larger λ1 and the higher FGSM "
                                "accuracy"),
    requires=ENOUGH,
)
LINE = {"lr": ("lr", 0.0), "lr_bs": ("lr_bs", 0.0), "benchmark": ("benchmark", BENCHMARK_MOMENTUM)}


def _scale_note(P: KGrid) -> str:
    return (f" Our scale: {P.n_train_mnist} MNIST/Fashion and {P.n_train_cifar} CIFAR-10 training images, "
            f"{P.epochs_mnist}/{P.epochs_cifar} epochs, B = {', '.join(map(str, P.batch_sizes))}, "
            f"ε = {P.eps_mnist:g}/{P.eps_cifar:g} (K: 55k/40k images, 100 epochs, ε = {EPS['mnist']:g}/"
            f"{EPS['cifar10']:g}).")


def _absent(R: Results, cases) -> str:
    gone = [f"{CASES[c].label}: {R.why_absent(c)}" for c in cases if not R.grid.ran(c)]
    return (" Not computed: " + "; ".join(gone) + ".") if gone else ""


def flat_claim(R: Results, item: str) -> Claim:
    cases, parts = {}, []
    for case in (c for c in K1_ITEMS[item] if R.grid.ran(c)):
        curve = R.grid.curve(case, *LINE["lr_bs"])
        v = {"n_batches": len(curve), "acc_spread": spread_points(curve, "test_acc"),
             "fgsm_spread": spread_points(curve, "fgsm_acc"), "pgd_spread": spread_points(curve, "pgd_acc"),
             "lambda_spread": spread_relative(curve)}
        lr = R.grid.curve(case, *LINE["lr"])
        cases[CASES[case].label] = v
        parts.append(f"{CASES[case].label}: spreads acc {v['acc_spread']:.1f}, FGSM {v['fgsm_spread']:.1f}, PGD "
                     f"{v['pgd_spread']:.1f} points, λ1 {v['lambda_spread']:.2f} (LR for contrast: acc "
                     f"{spread_points(lr, 'test_acc'):.1f}, FGSM {spread_points(lr, 'fgsm_acc'):.1f} points, λ1 "
                     f"{spread_relative(lr):.2f})")
    return Claim(item, "Under LR/BS, accuracy, FGSM/PGD accuracy and λ1 stay nearly flat across batch sizes.",
                 paper=WORDS["flat"], ours="; ".join(parts) + "." + _absent(R, K1_ITEMS[item]), rule=FLAT_RULE,
                 cases=cases, evidence="Spread = max − min across batch sizes (accuracies in points; λ1 relative "
                                       "to its median)." + _scale_note(R.params))


def lose_claim(R: Results, item: str) -> Claim:
    cases, parts = {}, []
    for case in (c for c in K1_ITEMS[item] if R.grid.ran(c)):
        for setting in ("lr", "benchmark"):
            curve = R.grid.curve(case, *LINE[setting])
            v = {"n_batches": len(curve), "rho_acc": rho_batch(curve, "test_acc"),
                 "rho_fgsm": rho_batch(curve, "fgsm_acc")}
            name = f"{CASES[case].label}, {SETTING_LABEL[setting]}"
            cases[name] = v
            parts.append(f"{name}: ρ(B, acc) {rho_text(v['rho_acc'])}, ρ(B, FGSM) {rho_text(v['rho_fgsm'])}, "
                         f"ρ(B, PGD) {rho_text(rho_batch(curve, 'pgd_acc'))}")
    return Claim(item, "Under LR and Benchmark, accuracy and robustness fall as the batch size grows.",
                 paper=WORDS["lose"], ours="; ".join(parts) + "." + _absent(R, K1_ITEMS[item]), rule=LOSE_RULE,
                 cases=cases, evidence="Spearman ρ across batch sizes. PGD's ρ is shown but not graded: PGD "
                                       "accuracy can sit at 0% for every B (a constant column has no ρ)."
                                       + _scale_note(R.params))


def lambda_claim(R: Results, item: str) -> Claim:
    cases, parts = {}, []
    for case in (c for c in K1_ITEMS[item] if R.grid.ran(c)):
        lr, bench, lrbs = (R.grid.curve(case, *LINE[s]) for s in ("lr", "benchmark", "lr_bs"))
        v = {"n_batches": min(len(lr), len(bench), len(lrbs)), "rho_lr": rho_batch(lr, "lambda1"),
             "rho_benchmark": rho_batch(bench, "lambda1"), "lr_bs_spread": spread_relative(lrbs)}
        cases[CASES[case].label] = v
        parts.append(f"{CASES[case].label}: ρ(B, λ1) LR {rho_text(v['rho_lr'])}, Benchmark "
                     f"{rho_text(v['rho_benchmark'])}; LR/BS λ1 spread {v['lr_bs_spread']:.2f}")
    return Claim(item, "λ1 rises with the batch size under LR and Benchmark, and stays flat under LR/BS.",
                 paper=WORDS["lambda"], ours="; ".join(parts) + "." + _absent(R, K1_ITEMS[item]), rule=LAMBDA_RULE,
                 cases=cases, evidence="λ1: Lanczos on the training-loss Hessian, certified by its residual."
                                       + _scale_note(R.params))


def counterexample_values(R: Results) -> dict:
    curve = R.grid.curve(COUNTEREXAMPLE, *LINE["lr"])
    return {"n_batches": len(curve), "rho_fgsm": rho_batch(curve, "fgsm_acc"), "rho_pgd": rho_batch(curve, "pgd_acc"),
            "rho_lambda": rho_batch(curve, "lambda1"), "pairs": both_higher_pairs(curve),
            "pairs_pgd": both_higher_pairs(curve, "pgd_acc")}


def counterexample_claim(R: Results) -> Claim:
    statement = ("Counterexample: StdCNN on Fashion-MNIST under LR gets more robust with the batch size while its λ1 "
                 "rises too, so a higher λ1 does not always mean lower robustness.")
    if not R.grid.ran(COUNTEREXAMPLE):
        return Claim("K-Fig6-18", statement, WORDS["counter"], "not computed:" + _absent(R, [COUNTEREXAMPLE]),
                     COUNTER_RULE, {})
    v = counterexample_values(R)
    ours = (f"ρ(B, FGSM) {rho_text(v['rho_fgsm'])}, ρ(B, PGD) {rho_text(v['rho_pgd'])}, ρ(B, λ1) "
            f"{rho_text(v['rho_lambda'])}; {v['pairs']} pair(s) of batch sizes with both λ1 and FGSM accuracy higher "
            f"at the larger batch ({v['pairs_pgd']} with PGD).")
    cases = {"StdCNN Fashion-MNIST, LR": {k: v[k] for k in ("n_batches", "rho_fgsm", "rho_lambda", "pairs")}}
    return Claim("K-Fig6-18", statement, WORDS["counter"], ours, COUNTER_RULE, cases,
                 evidence="Held needs K's whole picture (both rise with B); partly: some pair of our networks "
                          "already contradicts 'higher λ1, lower robustness'." + _scale_note(R.params))


def claims(R: Results) -> list[Claim]:
    out = []
    for item in K1_ITEMS:
        out += [flat_claim(R, item), lose_claim(R, item), lambda_claim(R, item)]
    return out + [counterexample_claim(R)]


CHANCE_LOSS = 0.9 * math.log(10)
"""A network "at chance": final training loss within 10% of ln 10, the loss of a uniform prediction."""


def at_chance(R: Results) -> list:
    """The non-diverged runs that ended at chance (:data:`CHANCE_LOSS`): they never left their plateau."""
    return [r for r in R.grid.results if not r.diverged and r.train_loss >= CHANCE_LOSS]


def chance_numbers(R: Results) -> dict:
    """What the "did not reproduce" prose cites: the runs at chance, their λ1, the fewest SGD steps,
    and how far λ1 moves under LR/BS (median over cases of λ1 at the smallest B / at the largest)."""
    chance = at_chance(R)
    P = R.params
    b_max = max(P.batch_sizes)
    steps = min(P.epochs_mnist * math.ceil(P.n_train_mnist / b_max), P.epochs_cifar * math.ceil(P.n_train_cifar / b_max))
    ratios = []
    for case in R.grid.cases():
        lrbs = [r for r in R.grid.curve(case, *LINE["lr_bs"]) if not r.diverged]
        if len(lrbs) >= 2 and lrbs[-1].lambda1 > 0:
            ratios.append(lrbs[0].lambda1 / lrbs[-1].lambda1)
    return {
        "chance_runs": len(chance),
        "chance_list": ", ".join(f"{CASES[r.run.case].label} {SETTING_LABEL[r.run.setting]} B={r.run.batch}"
                                 for r in chance) or "none",
        "chance_lambda_max": max((r.lambda1 for r in chance), default=0.0),
        "fewest_steps": steps, "largest_batch": b_max, "batch_ratio": b_max // min(P.batch_sizes),
        "counter_chance_batches": ", ".join(str(r.run.batch) for r in chance
                                            if (r.run.case, r.run.setting) == (COUNTEREXAMPLE, "lr")) or "none",
        "lrbs_lambda_ratio": middle(ratios, empty=0.0),
    }


def numbers(R: Results) -> dict:
    """Every number the prose cites (glued as ``k1-<name>``); 0 where not computed."""
    v = counterexample_values(R)
    return {"runs": len(R.grid.results), "cases": len(R.grid.cases()),
            "counter_rho_fgsm": finite(v["rho_fgsm"]), "counter_rho_pgd": finite(v["rho_pgd"]),
            "counter_rho_lambda": finite(v["rho_lambda"]), "counter_pairs": v["pairs"],
            "worst_residual": max((r.lambda1_residual for r in R.grid.results if not r.diverged), default=0.0),
            "diverged": sum(r.diverged for r in R.grid.results), **chance_numbers(R)}
