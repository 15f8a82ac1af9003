"""K2's claims, graded by rules given once, per item (K Figs 7-10 under LR, 11-14 under LR/BS):

- λ1: a higher momentum gives a lower λ1 (K §4.1 under LR; §4.2 and §5 under LR/BS);
- accuracy: under LR a higher momentum gives a higher test accuracy and a higher FGSM accuracy
  (K §4.1); under LR/BS momentum plays no significant role in accuracy and robustness (K §4.2).

Each claim is built from values per case (``*_claim_of``), so that the same rule grades K's own
statements (:func:`paper_claims`). The numbers the prose cites."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from hessbook.chapters.k2.compute import Results
from hessbook.papers.kamath.grid import scale_note
from hessbook.papers.kamath.deviations import deviations
from hessbook.papers.kamath.regime import criteria_text
from hessbook.papers.kamath.paper import (
    CASES,
    FALLS,
    FLAT,
    K2_CASES,
    K2_ITEMS,
    K_POINTS,
    RISES,
    SETTING_LABEL,
    WORDS,
    stated,
)
from hessbook.papers.kamath.trends import (
    FLAT_POINTS,
    FLOOR_POINTS,
    dropped,
    run_flag,
    excluded_text,
    kept,
    momentum_accuracy,
    momentum_effect,
    momentum_table,
    NOISE_SES,
    rho_text,
)
from hessbook.kit import Claim, Rule, all_of, any_of, at_least, at_most, formatted
from hessbook.kit.claims import Values
from hessbook.kit.seeds import seed_case, seed_cases, with_agreement
from hessbook.stats import middle

LOWER_HELD, LOWER_PARTLY = 0.8, 0.5
"""Share of batch sizes where λ1 at the largest momentum is below λ1 at momentum 0."""
MIN_BATCHES = 3

ENOUGH = at_least("n_batches", MIN_BATCHES, "batch sizes run with every momentum")
MOMENTUM_RULE = Rule(
    held=at_least("share", LOWER_HELD, "share of batch sizes where λ1 at the largest momentum < λ1 at momentum 0",
                  ".0%"),
    partly=at_least("share", LOWER_PARTLY, "that share", ".0%"),
    requires=ENOUGH,
)
FGSM_OFF_FLOOR = all_of(
    at_least("fgsm_off_floor", 1.0, f"FGSM accuracy at or above {FLOOR_POINTS:g} % in some run at momentum 0 or at "
                                    "the largest momentum, at the batch sizes compared (at the floor the FGSM half is "
                                    "untested)", ".0f"),
    at_least("fgsm_compared", MIN_BATCHES, f"batch sizes where a run's FGSM accuracy is at or above {FLOOR_POINTS:g} % "
                                           "(the FGSM half reads only those)", ".0f"))
ACCURACY_LR_RULE = Rule(
    held=all_of(at_least("acc_share", LOWER_HELD, "share of batch sizes where test accuracy at the largest momentum "
                                                  "> at momentum 0", ".0%"),
                at_least("fgsm_share", LOWER_HELD, "that share for FGSM accuracy", ".0%"), FGSM_OFF_FLOOR),
    # at the floor the FGSM half is untested in every branch: its share is the order of values near 0 %
    partly=any_of(at_least("acc_share", LOWER_PARTLY, "test-accuracy share", ".0%"),
                  all_of(FGSM_OFF_FLOOR, at_least("fgsm_share", LOWER_PARTLY, "FGSM share", ".0%"))),
    requires=ENOUGH,
)
FGSM_EVERY_OFF_FLOOR = at_least("fgsm_every_off_floor", 1.0,
                                f"FGSM accuracy at or above {FLOOR_POINTS:g} % in every run at momentum 0 and at the "
                                "largest momentum, at every batch size compared (the book's choice: values near the "
                                "floor change little by construction)", ".0f")
"""What 'changes little' needs of FGSM accuracy for held: every run it reads off the floor, i.e.
both runs at each of the ``n_batches`` batch sizes compared (more than FGSM's share and change
read, ``fgsm_compared``: those leave out a batch size whose two runs are both at the floor). With
one run at 5 % (:data:`FGSM_OFF_FLOOR`) a fall from 6 % to 1.5 % is a change of 4.5 points,
within :data:`~hessbook.papers.kamath.trends.FLAT_POINTS`, and would read 'little'."""
ACCURACY_LR_BS_RULE = Rule(
    held=all_of(at_most("acc_change", FLAT_POINTS, "largest |test accuracy at the largest momentum − at momentum 0| "
                                                   "across batch sizes (points)"),
                at_most("fgsm_change", FLAT_POINTS, "that change of FGSM accuracy"), FGSM_OFF_FLOOR,
                FGSM_EVERY_OFF_FLOOR),
    # at the floor an FGSM change is small by construction: it cannot make the case partly either
    partly=any_of(at_most("acc_change", FLAT_POINTS, "test-accuracy change"),
                  all_of(FGSM_OFF_FLOOR, at_most("fgsm_change", FLAT_POINTS, "FGSM change"))),
    requires=ENOUGH,
)
ACCURACY = {"lr": (ACCURACY_LR_RULE, "Under LR, a higher momentum gives a higher test accuracy and a higher FGSM "
                                     "accuracy."),
            "lr_bs": (ACCURACY_LR_BS_RULE, "Under LR/BS, momentum changes test accuracy and FGSM accuracy little.")}


def expected(seeds: Sequence[int] = ()) -> tuple[str, ...]:
    """The cases of K's momentum figures (four models), as the claims name them, in every seed."""
    return seed_cases((CASES[c].label for c in K2_CASES), seeds or (0,))


# ----------------------------------------------------------------------------- claims from values


def momentum_claim_of(item: str, cases: Mapping[str, Values], ours: str = "", evidence: str = "",
                      seeds: Sequence[int] = ()) -> Claim:
    setting = K2_ITEMS[item]
    return Claim(item, f"Under {SETTING_LABEL[setting]}, a higher momentum gives a lower λ1.",
                 WORDS[f"momentum_{setting}"], ours, MOMENTUM_RULE, dict(cases), evidence, expected(seeds))


def accuracy_claim_of(item: str, cases: Mapping[str, Values], ours: str = "", evidence: str = "",
                      seeds: Sequence[int] = ()) -> Claim:
    setting = K2_ITEMS[item]
    rule, statement = ACCURACY[setting]
    why = ("Compared at each batch size run with every momentum: the largest momentum against momentum 0; a "
           f"batch size counts as higher when the rise exceeds {NOISE_SES:g} standard errors of a difference of two "
           "accuracies on the test images (a rise of a few images is no rise). "
           if setting == "lr" else
           f"Compared at each batch size run with every momentum; 'little' is K1's flatness, {FLAT_POINTS:g} points. "
           "K §4's opening sentence says accuracy improves with momentum 'in both the set ups LR and LR/BS', §4.2 "
           "that momentum plays no significant role under LR/BS: we grade §4.2, the section on LR/BS. ")
    return Claim(item, statement, WORDS[f"momentum_acc_{setting}"], ours, rule, dict(cases), why + evidence,
                 expected(seeds))


# ----------------------------------------------------------------------------- our claims


def _evidence(R: Results, setting: str, gone: list) -> str:
    P = R.params
    momenta = R.momenta(setting)
    return (f"Momenta {', '.join(f'{m:g}' for m in momenta)}."
            + deviations(P, [c for c in P.cases if R.grid.ran(c)]) + excluded_text(gone) + scale_note(P))


def _absent(R: Results) -> str:
    gone = [f"{CASES[c].label}: {R.why_absent(c)}" for c in K2_CASES if not R.grid.ran(c)]
    return " Not computed: " + "; ".join(gone) + "." if gone else ""


def _ran(R: Results) -> list[str]:
    return [c for c in dict.fromkeys([*K2_CASES, *R.params.cases]) if R.grid.ran(c)]


def _seeds(R: Results) -> list[int]:
    """The seeds the parameters ask for (a seed not run counts as not computed)."""
    return R.params.seeds(R.params.seed)


def _cells(R: Results) -> list[tuple[str, int]]:
    """(case, seed) of every case that ran, in every seed it ran in."""
    return [(c, s) for c in _ran(R) for s in _seeds(R) if R.grid.curve(c, "lr", 0.0, s)]


def momentum_claim(R: Results, item: str) -> Claim:
    setting = K2_ITEMS[item]
    momenta = R.momenta(setting)
    cases, parts, gone = {}, [], []
    for case, seed in _cells(R):
        share, mean_rho, n = momentum_effect(R.grid, case, setting, momenta, seed)
        gone += momentum_table(R.grid, case, setting, momenta, seed)[1]
        name = seed_case(CASES[case].label, seed, _seeds(R))
        cases[name] = {"share": share, "n_batches": n}
        parts.append(f"{name}: λ1 lower at m={max(momenta):g} than at m=0 for "
                     f"{formatted(share, '.0%')} of {n} batch sizes, mean ρ(momentum, λ1) {rho_text(mean_rho)}")
    return with_agreement(momentum_claim_of(item, cases, "; ".join(parts) + "." + _absent(R),
                                            _evidence(R, setting, gone), _seeds(R)), _seeds(R))


def accuracy_claim(R: Results, item: str) -> Claim:
    setting = K2_ITEMS[item]
    momenta = R.momenta(setting)
    cases, parts, gone = {}, [], []
    for case, seed in _cells(R):
        v = momentum_accuracy(R.grid, case, setting, momenta, seed, R.params.n_test)
        gone += momentum_table(R.grid, case, setting, momenta, seed)[1]
        name = seed_case(CASES[case].label, seed, _seeds(R))
        cases[name] = v
        parts.append(f"{name}: at m={max(momenta):g} against m=0, test accuracy higher for "
                     f"{formatted(v['acc_share'], '.0%')} of {v['acc_compared']} batch sizes and FGSM accuracy for "
                     f"{formatted(v['fgsm_share'], '.0%')} of the {v['fgsm_compared']} with a run off the floor; "
                     f"largest change {formatted(v['acc_change'], '.1f')} and {formatted(v['fgsm_change'], '.1f')} "
                     f"points"
                     + (f" (FGSM accuracy below {FLOOR_POINTS:g} % in every run at m=0 and m={max(momenta):g}: at the "
                        "floor, its half untested)" if v["fgsm_off_floor"] == 0 else ""))
    return with_agreement(accuracy_claim_of(item, cases, "; ".join(parts) + "." + _absent(R),
                                            _evidence(R, setting, gone), _seeds(R)), _seeds(R))


def claims(R: Results) -> list[Claim]:
    return [c for item in K2_ITEMS for c in (momentum_claim(R, item), accuracy_claim(R, item))]


# ----------------------------------------------------------------------------- K's own statements


def _share(setting: str, measure: str, case: str, wanted: int) -> float | None:
    """The share of batch sizes moving in the ``wanted`` direction with momentum, as K states it."""
    d = stated(setting, measure, case, against="momentum")
    return None if d is None or d == FLAT else float(d == wanted)


def _change(setting: str, measure: str, case: str) -> float | None:
    return 0.0 if stated(setting, measure, case, against="momentum") == FLAT else None


def paper_values(case: str, setting: str) -> dict[str, dict]:
    """Each K2 claim's values for ``case`` as K's text states them (see :func:`hessbook.chapters.
    k1.claims.paper_values`): a stated fall of λ1 with momentum is a share of 1, 'no significant
    role' a change of 0 points, and what K does not state is unknown."""
    return {"momentum": {"n_batches": K_POINTS, "share": _share(setting, "lambda1", case, FALLS)},
            "accuracy": {"n_batches": K_POINTS, "acc_share": _share(setting, "test_acc", case, RISES),
                         "fgsm_share": _share(setting, "fgsm_acc", case, RISES),
                         "acc_change": _change(setting, "test_acc", case),
                         "fgsm_change": _change(setting, "fgsm_acc", case),
                         # K plots FGSM accuracies that a momentum raises or leaves alone: off the floor
                         "fgsm_off_floor": 1.0, "fgsm_every_off_floor": 1.0, "fgsm_compared": K_POINTS}}


def paper_claims() -> list[Claim]:
    """K2's claims graded on K's own statements, for K's four models: each must come out held."""
    ours = ("K's text, read as values: a stated rise or fall with momentum at every batch size, 'no significant "
            "role' a change of 0.")
    out = []
    for item, setting in K2_ITEMS.items():
        values = {CASES[c].label: paper_values(c, setting) for c in K2_CASES}
        out += [momentum_claim_of(item, {k: v["momentum"] for k, v in values.items()}, ours),
                accuracy_claim_of(item, {k: v["accuracy"] for k, v in values.items()}, ours)]
    return out


# ----------------------------------------------------------------------------- the prose's numbers


def _median_loss(R: Results, case: str, setting: str, momentum: float) -> float:
    """Median final training loss over batch sizes and seeds."""
    return middle(r.train_loss for s in R.grid.seeds() for r in kept(R.grid.curve(case, setting, momentum, s)))


def training_losses(R: Results, setting: str = "lr") -> str:
    """Per case: the median final training loss over B at momentum 0 and at the largest momentum,
    the evidence for how far each momentum trained in the same epochs."""
    low, high = min(R.momenta(setting)), max(R.momenta(setting))
    return "; ".join(f"{CASES[case].label}: {_median_loss(R, case, setting, low):.2f} at m = {low:g}, "
                     f"{_median_loss(R, case, setting, high):.2f} at m = {high:g}"
                     for case in R.grid.cases()) or "none"


def numbers(R: Results) -> dict:
    """Every number the prose cites (glued as ``k2-<name>``); None (glued n/a) where not computed."""
    out = {"runs": len(R.grid.results), "cases": len(R.grid.cases()), "seeds": len(R.grid.seeds()),
           "criteria": criteria_text(R.params),
           "diverged": sum(run_flag(r) == "diverged" for r in R.grid.results),
           "plateau": sum(run_flag(r) == "plateau" for r in R.grid.results),
           "losses_lr": training_losses(R, "lr"), "losses_lr_bs": training_losses(R, "lr_bs")}
    for setting in ("lr", "lr_bs"):
        shares = [s for c in R.grid.cases() for seed in R.grid.seeds()
                  if not math.isnan(s := momentum_effect(R.grid, c, setting, R.momenta(setting), seed)[0])]
        out[f"share_{setting}"] = min(shares) * 100 if shares else None
    return out
