"""K2's claims, graded by rules given once, per item (K Figs 7-10 under LR, 11-14 under LR/BS):

- λ1: a higher momentum gives a lower λ1 (K §4.1 under LR; §4.2 and §5 under LR/BS);
- accuracy: under LR a higher momentum gives a higher test accuracy and a higher FGSM accuracy
  (K §4.1); under LR/BS momentum plays no significant role in accuracy and robustness, FGSM and
  PGD (K §4.2).

K draws four momenta under LR (0, 0.2, 0.5, 0.9: :data:`~hessbook.papers.kamath.paper.K_MOMENTA`)
and states a monotone effect ('the curvature reduces with larger momentum', 'with larger momentum
there is better generalization'): where at least three momenta ran, held also needs the mean over
batch sizes of ρ(momentum, ·) to be a trend (:data:`MONOTONE`); where fewer momenta ran than K
draws (cpu: 0 and 0.9 under LR), the ends alone cannot show K's monotone effect, and the case reads
at most partly (:data:`K_MOMENTA_RAN`), the evidence says so.

Each claim is built from values per case (``*_claim_of``), so that the same rule grades K's own
statements (:func:`paper_claims`). The numbers the prose cites."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from hessbook import regime
from hessbook.chapters.k2.compute import Results
from hessbook.papers.kamath.grid import scale_note
from hessbook.papers.kamath.deviations import deviations
from hessbook.papers.kamath import regime as kamath_regime
from hessbook.papers.kamath.grid import lr_bs_is_lr
from hessbook.papers.kamath.paper import (
    CASES,
    FALLS,
    FLAT,
    K2_CASES,
    K2_ITEMS,
    K_MOMENTA,
    K_POINTS,
    RISES,
    SETTING_LABEL,
    WORDS,
    stated,
)
from hessbook.papers.kamath.trends import (
    FLAT_POINTS,
    FLOOR_POINTS,
    run_flag,
    excluded_text,
    kept,
    equal_loss_text,
    lambda_loss_rho,
    momentum_accuracy,
    momentum_effect,
    momentum_signs_text,
    momentum_table,
    NOISE_SES,
    rho_text,
)
from hessbook.kit import Claim, Rule, all_of, any_of, at_least, at_most, formatted, in_regime
from hessbook.kit.claims import Values
from hessbook.kit.seeds import seed_cases, with_agreement
from hessbook.stats import median

LOWER_HELD, LOWER_PARTLY = 0.8, 0.5
"""Share of batch sizes where λ1 at the largest momentum is below λ1 at momentum 0."""
MIN_BATCHES = 3
TREND = 0.8
"""K1's trend (:data:`hessbook.chapters.k1.claims.TREND`): a mean ρ(momentum, ·) at least this strong,
in the claimed direction, is a monotone effect across the momenta run."""
MIN_MOMENTA = 3
"""Fewest momenta a rank trend across momenta reads (with two, ρ is the sign of one difference, which
the shares already read)."""

ENOUGH = at_least("n_batches", MIN_BATCHES, "batch sizes run with every momentum")
K_MOMENTA_RAN = at_least("k_momenta_ran", 1.0, "every momentum K draws ran (K §4.1: 0, 0.2, 0.5 and 0.9 under LR; "
                                               "§4.2: 0 and 0.5 or 0.9 under LR/BS; with fewer, K's monotone effect "
                                               "cannot be read: at most partly)", ".0f")
"""What held needs besides its shares: the momenta K draws for the setting all ran
(:data:`~hessbook.papers.kamath.paper.K_MOMENTA`). At cpu only 0 and 0.9 run under LR: a fall of λ1
from 0 to 0.9 says nothing of 0.2 and 0.5, K's two middle lines."""


def monotone(key: str, direction: int, label: str):
    """Held's trend across the momenta: with at least :data:`MIN_MOMENTA` run, the mean over batch
    sizes of ρ(momentum, ``key``) at least :data:`TREND` in ``direction`` (+1 rises, -1 falls)."""
    few = at_most("n_momenta", MIN_MOMENTA - 1, "momenta run (two: no trend across momenta to read)", ".0f")
    trend = (at_least(key, TREND, f"mean ρ(momentum, {label}) across batch sizes") if direction > 0
             else at_most(key, -TREND, f"mean ρ(momentum, {label}) across batch sizes"))
    return any_of(few, trend)


MONOTONE = monotone("mean_rho", -1, "λ1")
"""K §4.1 'its seen that the curvature reduces with larger momentum': a fall across every momentum
run, not only from the smallest to the largest (a λ1 at m=0.5 above m=0's would otherwise pass)."""
MOMENTUM_RULE = Rule(
    held=all_of(at_least("share", LOWER_HELD, "share of batch sizes where λ1 at the largest momentum < λ1 at "
                                              "momentum 0", ".0%"), MONOTONE, K_MOMENTA_RAN),
    partly=at_least("share", LOWER_PARTLY, "that share", ".0%"),
    requires=ENOUGH,
)
FGSM_OFF_FLOOR = all_of(
    at_least("fgsm_off_floor", 1.0, f"FGSM accuracy above {FLOOR_POINTS:g} % in some run at momentum 0 or at "
                                    "the largest momentum, at the batch sizes compared (at the floor the FGSM half is "
                                    "untested)", ".0f"),
    at_least("fgsm_compared", MIN_BATCHES, f"batch sizes where a run's FGSM accuracy is above {FLOOR_POINTS:g} % "
                                           "(the FGSM half reads only those)", ".0f"))
ACCURACY_LR_RULE = Rule(
    held=all_of(at_least("acc_share", LOWER_HELD, "share of batch sizes where test accuracy at the largest momentum "
                                                  "> at momentum 0", ".0%"),
                at_least("fgsm_share", LOWER_HELD, "that share for FGSM accuracy", ".0%"), FGSM_OFF_FLOOR,
                # K §4.1 'with larger momentum there is better generalization. This in turn leads to better FGSM
                # adversarial robustness': across every momentum run
                monotone("acc_mean_rho", 1, "test accuracy"), monotone("fgsm_mean_rho", 1, "FGSM accuracy"),
                K_MOMENTA_RAN),
    # at the floor the FGSM half is untested in every branch: its share is the order of values near 0 %
    partly=any_of(at_least("acc_share", LOWER_PARTLY, "test-accuracy share", ".0%"),
                  all_of(FGSM_OFF_FLOOR, at_least("fgsm_share", LOWER_PARTLY, "FGSM share", ".0%"))),
    requires=ENOUGH,
)
FGSM_EVERY_OFF_FLOOR = at_least("fgsm_every_off_floor", 1.0,
                                f"FGSM accuracy above {FLOOR_POINTS:g} % in every run at momentum 0 and at the "
                                "largest momentum, at every batch size compared (the book's choice: values near the "
                                "floor change little by construction)", ".0f")
"""What 'changes little' needs of FGSM accuracy for held: every run it reads off the floor, i.e.
both runs at each of the ``n_batches`` batch sizes compared (more than FGSM's share and change
read, ``fgsm_compared``: those leave out a batch size whose two runs are both at the floor). With
one run at 5 % (:data:`FGSM_OFF_FLOOR`) a fall from 6 % to 1.5 % is a change of 4.5 points,
within :data:`~hessbook.papers.kamath.trends.FLAT_POINTS`, and would read 'little'."""
PGD_OFF_FLOOR = at_least("pgd_off_floor", 1.0, f"PGD accuracy above {FLOOR_POINTS:g} % in some run at "
                                              "momentum 0 or at the largest momentum (at the floor the PGD half is "
                                              "untested)", ".0f")
PGD_EVERY_OFF_FLOOR = at_least("pgd_every_off_floor", 1.0,
                               f"PGD accuracy above {FLOOR_POINTS:g} % in every run at momentum 0 and at the "
                               "largest momentum, at every batch size compared (as for FGSM)", ".0f")
"""K §4.2 cites the PGD panels for LR/BS too ('or Figures 21 and 22 for PGD attack'): 'changes little'
needs PGD's change within :data:`~hessbook.papers.kamath.trends.FLAT_POINTS` on runs off the floor,
as FGSM's (:data:`FGSM_EVERY_OFF_FLOOR`)."""
UNFLAGGED = at_most("flagged", 0, "runs of the case on their initial plateau or diverged (left out with their "
                                  "batch size; the book's choice: a claim of no effect graded without them hides the "
                                  "strongest counter-evidence, at most partly)", ".0f")
ACCURACY_LR_BS_RULE = Rule(
    held=all_of(at_most("acc_change", FLAT_POINTS, "largest |test accuracy at the largest momentum − at momentum 0| "
                                                   "across batch sizes (points)"),
                at_most("fgsm_change", FLAT_POINTS, "that change of FGSM accuracy"), FGSM_OFF_FLOOR,
                FGSM_EVERY_OFF_FLOOR, at_most("pgd_change", FLAT_POINTS, "that change of PGD accuracy"),
                PGD_EVERY_OFF_FLOOR, UNFLAGGED),
    # at the floor a robustness change is small by construction: it cannot make the case partly either
    partly=any_of(at_most("acc_change", FLAT_POINTS, "test-accuracy change"),
                  all_of(FGSM_OFF_FLOOR, at_most("fgsm_change", FLAT_POINTS, "FGSM change")),
                  all_of(PGD_OFF_FLOOR, at_most("pgd_change", FLAT_POINTS, "PGD change"))),
    requires=ENOUGH,
)
ACCURACY = {"lr": (ACCURACY_LR_RULE, "Under LR, a higher momentum gives a higher test accuracy and a higher FGSM "
                                     "accuracy."),
            "lr_bs": (ACCURACY_LR_BS_RULE, "Under LR/BS, momentum changes test, FGSM and PGD accuracy little.")}


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
           f"batch size counts as higher when the rise exceeds {NOISE_SES:g} standard errors of the difference on "
           "the test images, compared image by image (McNemar's: a rise of 4 images or fewer never counts). "
           if setting == "lr" else
           f"Compared at each batch size run with every momentum; 'little' is K1's flatness, {FLAT_POINTS:g} points, "
           "for test, FGSM and PGD accuracy (K §4.2 cites the PGD panels, Figs 21 and 22, beside the FGSM ones). "
           "K §4's second paragraph says accuracy improves with momentum 'in both the set ups LR and LR/BS', §4.2 "
           "that momentum plays no significant role under LR/BS: we grade §4.2, the section on LR/BS. ")
    return Claim(item, statement, WORDS[f"momentum_acc_{setting}"], ours, rule, dict(cases), why + evidence,
                 expected(seeds))


# ----------------------------------------------------------------------------- our claims


def _k_words(setting: str) -> str:
    """K's momenta for ``setting`` in K's words ("0, 0.2, 0.5, 0.9"; "0, 0.5 or 0, 0.9")."""
    return " or ".join(", ".join(f"{m:g}" for m in one) for one in K_MOMENTA[setting])


def _momenta_text(momenta: Sequence[float], setting: str, capped: bool) -> str:
    """"Momenta 0, 0.9." and, where K's momenta for ``setting`` did not all run, what that leaves
    (``capped``: the claim's rule reads at most partly then, :data:`K_MOMENTA_RAN`)."""
    ours, ks = ", ".join(f"{m:g}" for m in momenta), _k_words(setting)
    if _k_momenta_ran(momenta, setting):
        return f"Momenta {ours} (K's: {ks})."
    return (f"Momenta {ours}, not K's {ks}: K's lines between them were not run at this scale, so K's monotone "
            "effect across its momenta cannot be read" + (" and every case reads at most partly." if capped else "."))


def _k_momenta_ran(momenta: Sequence[float], setting: str) -> float:
    """1.0 when one of K's sets of momenta for ``setting`` ran in full (:data:`K_MOMENTA_RAN`; under
    LR/BS, 0 and 0.5 or 0 and 0.9), else 0.0."""
    return float(any(set(one) <= set(momenta) for one in K_MOMENTA[setting]))


def criteria(P) -> list:
    """K's regime criteria (:func:`hessbook.papers.kamath.regime.criteria`) less the Benchmark's:
    K2 trains no Benchmark network."""
    return kamath_regime.criteria(P, benchmark=False)


def _evidence(R: Results, setting: str, gone: list, capped: bool = True, curvature: bool = False) -> str:
    """``capped``: the claim's rule holds at most partly without K's momenta (not LR/BS's accuracy).
    ``curvature``: a λ1 claim, whose evidence adds ρ(final training loss, λ1)."""
    P = R.params
    return (_momenta_text(R.momenta(setting), setting, capped) + _same_runs(P, setting)
            + progress_text(R, setting, curvature)
            + deviations(P, _ran(R)) + excluded_text(gone) + scale_note(P))


def _same_runs(P, setting: str) -> str:
    """Under LR/BS, the batch sizes whose rate equals LR's (0.00015625 x 64 = 0.01): the same
    stored networks as LR's there, so LR's evidence counts again (review of 2026-12-06)."""
    same = [b for b in P.batch_sizes if lr_bs_is_lr(b)]
    if setting != "lr_bs" or not same:
        return ""
    return (f" At B = {', '.join(map(str, same))} LR/BS's rate (0.00015625 × B) is LR's 0.01: those runs are LR's "
            "networks, counted in both settings.")


def progress_text(R: Results, setting: str, curvature: bool) -> str:
    """How far the compared networks trained, beside the verdict (review of 2026-12-06: the page's
    own 'Where a verdict may reflect our scale' said a fall of λ1 with momentum cannot be told apart
    from further training where ρ(loss, λ1) is strongly positive, and the verdict rows did not say
    it). Not graded: K compares its networks at equal epochs, as we do; this says what equal
    epochs mean here."""
    text = (f" Graded at equal epochs, as K compares; not separated from training progress: at equal epochs "
            f"momentum m moves SGD about 1/(1 − m) as far. Our runs' summed learning rate (lr × steps): "
            f"{kamath_regime.summed_rate_text(R.params, settings=(setting,))}; median final training loss "
            f"{training_losses(R, setting)}.")
    if curvature:
        text += (f" ρ(final training loss, λ1) over every run of a model, pooled over the momenta (so it includes "
                 f"the gap between them): {lambda_loss_rho(R.grid, setting, R.momenta(setting))}; where strongly "
                 "positive, the further-trained network is the flatter, and a lower λ1 at a higher momentum may be "
                 "further training, not momentum's. At equal training loss (our fit of log λ1 on log loss, momentum "
                 f"and log2 B over those runs; not graded), λ1 at the largest momentum over λ1 at 0: "
                 f"{equal_loss_text(R.grid, setting, R.momenta(setting))}.")
    return text


def _ran(R: Results) -> list[str]:
    """The cases of K's momentum figures that ran: a case K does not draw there (a block may select
    any of the six) is trained and shown, never graded."""
    return [c for c in K2_CASES if R.grid.ran(c)]


def lambda_drop(R: Results, setting: str, cases: Sequence[str] = K2_CASES) -> float:
    """The median over ``cases``, seeds and batch sizes of λ1 at momentum 0 over λ1 at the largest
    momentum of ``setting``: how much momentum lowers λ1 there (NaN: none compared)."""
    momenta = R.momenta(setting)
    if len(momenta) < 2:
        return float("nan")
    low, high = min(momenta), max(momenta)
    return median(row[low].lambda1 / row[high].lambda1 for case, seed in R.cells(cases, ("lr", 0.0))
                  for row in momentum_table(R.grid, case, setting, momenta, seed)[0].values())


def comparison_text(R: Results) -> str:
    """K §4.2's other half, 'as compared to fixed LR training there is no significant role of
    momentum' under LR/BS: not graded (K gives no measure of 'significant'), its numbers shown,
    pooled and per model (review of 2026-12-06: the direction differs between models)."""
    lr, lrbs = lambda_drop(R, "lr"), lambda_drop(R, "lr_bs")
    per_case = "; ".join(f"{CASES[c].label} {formatted(lambda_drop(R, 'lr_bs', [c]), '.3g')} and "
                         f"{formatted(lambda_drop(R, 'lr', [c]), '.3g')}" for c in _ran(R))
    return (" K §4.2 also says that under LR/BS, \"as compared to fixed LR training there is no significant role of "
            "momentum\": not graded (K gives no measure of significant); λ1 at momentum 0 over λ1 at the largest, "
            f"median over cases, seeds and batch sizes: under LR/BS {formatted(lrbs, '.3g')}, under LR "
            f"{formatted(lr, '.3g')}; per model (LR/BS and LR): {per_case or 'none'}.")


def momentum_claim(R: Results, item: str) -> Claim:
    setting = K2_ITEMS[item]
    momenta = R.momenta(setting)
    cases, parts, gone = {}, [], []
    for case, seed in R.cells(K2_CASES, ("lr", 0.0)):
        share, mean_rho, n = momentum_effect(R.grid, case, setting, momenta, seed)
        gone += momentum_table(R.grid, case, setting, momenta, seed)[1]
        name = R.name(case, seed)
        cases[name] = {"share": share, "n_batches": n, "mean_rho": mean_rho, "n_momenta": len(momenta),
                       "k_momenta_ran": _k_momenta_ran(momenta, setting)}
        parts.append(f"{name}: λ1 lower at m={max(momenta):g} than at m=0 for "
                     f"{formatted(share, '.0%')} of {n} batch sizes, mean ρ(momentum, λ1) {rho_text(mean_rho)}")
    evidence = _evidence(R, setting, gone, curvature=True) + (comparison_text(R) if setting == "lr_bs" else "")
    return with_agreement(momentum_claim_of(item, cases, "; ".join(parts) + "." + R.absent(K2_CASES),
                                            evidence, R.seeds), R.seeds)


def accuracy_claim(R: Results, item: str) -> Claim:
    setting = K2_ITEMS[item]
    momenta = R.momenta(setting)
    cases, parts, gone = {}, [], []
    for case, seed in R.cells(K2_CASES, ("lr", 0.0)):
        v = momentum_accuracy(R.grid, case, setting, momenta, seed, R.params.n_test, R.params.n_pgd)
        flagged = momentum_table(R.grid, case, setting, momenta, seed)[1]
        gone += flagged
        name = R.name(case, seed)
        cases[name] = {**v, "n_momenta": len(momenta), "k_momenta_ran": _k_momenta_ran(momenta, setting),
                       "flagged": len(flagged)}
        parts.append(f"{name}: at m={max(momenta):g} against m=0, test accuracy higher for "
                     f"{formatted(v['acc_share'], '.0%')} of {v['acc_compared']} batch sizes and FGSM accuracy for "
                     f"{formatted(v['fgsm_share'], '.0%')} of the {v['fgsm_compared']} with a run off the floor; "
                     f"largest change {formatted(v['acc_change'], '.1f')}, {formatted(v['fgsm_change'], '.1f')} "
                     f"(FGSM) and {formatted(v['pgd_change'], '.1f')} (PGD, on the {v['pgd_compared']} batch sizes "
                     f"with a run off the floor) points"
                     + (f"; mean ρ(momentum, ·) test {rho_text(v['acc_mean_rho'])}, FGSM "
                        f"{rho_text(v['fgsm_mean_rho'])}" if len(momenta) >= MIN_MOMENTA else "")
                     + "".join(f" ({label} accuracy at or below {FLOOR_POINTS:g} % in every run at m=0 and "
                               f"m={max(momenta):g}: at the floor, its half untested)"
                               for key, label in (("fgsm", "FGSM"), ("pgd", "PGD"))
                               if v[f"{key}_off_floor"] == 0 and (key == "fgsm" or setting == "lr_bs"))
                     + (f"; {len(flagged)} run(s) flagged" if flagged else ""))
    signs = (" Pooled over batch sizes and seeds, without the per-batch-size noise margin (not graded), how often "
             f"the largest momentum's accuracy is the higher, and the sign test's p: "
             f"{momentum_signs_text(R.grid, setting, momenta)}." if setting == "lr" else "")
    return with_agreement(accuracy_claim_of(item, cases, "; ".join(parts) + "." + R.absent(K2_CASES),
                                            signs + _evidence(R, setting, gone, capped=setting == "lr"), R.seeds),
                          R.seeds)


def graded_claims(R: Results) -> list[Claim]:
    """Every claim, graded on our networks, ungated."""
    return [c for item in K2_ITEMS for c in (momentum_claim(R, item), accuracy_claim(R, item))]


def claims(R: Results) -> list[Claim]:
    """The claims, judged only where K's regime criteria hold (:func:`hessbook.kit.in_regime`,
    :func:`hessbook.papers.kamath.regime.criteria`): at a scale outside them (e.g. smoke: 1 epoch,
    other radii) every computed case reads not judged. The paper scale trains one network per point,
    as K does: its seed criterion is excused by a named exception and its verdicts are single-seed."""
    return in_regime(graded_claims(R), criteria(R.params))


# ----------------------------------------------------------------------------- K's own statements


def _share(setting: str, measure: str, case: str, wanted: int) -> float | None:
    """The share of batch sizes moving in the ``wanted`` direction with momentum, as K states it."""
    d = stated(setting, measure, case, against="momentum")
    return None if d is None or d == FLAT else float(d == wanted)


def _rho(setting: str, measure: str, case: str) -> float | None:
    """ρ(momentum, ``measure``) as K states it: ±1 for a stated rise or fall with momentum, else unknown."""
    d = stated(setting, measure, case, against="momentum")
    return None if d is None or d == FLAT else float(d)


def _change(setting: str, measure: str, case: str) -> float | None:
    return 0.0 if stated(setting, measure, case, against="momentum") == FLAT else None


def paper_values(case: str, setting: str) -> dict[str, dict]:
    """Each K2 claim's values for ``case`` as K's text states them (see :func:`hessbook.chapters.
    k1.claims.paper_values`): a stated fall of λ1 with momentum is a share of 1, 'no significant
    role' a change of 0 points, and what K does not state is unknown."""
    # K's momenta for the setting (all ran in K), and a stated direction read across all of them
    momenta = {"n_momenta": len(K_MOMENTA[setting][0]), "k_momenta_ran": 1.0}
    return {"momentum": {"n_batches": K_POINTS, "share": _share(setting, "lambda1", case, FALLS),
                         "mean_rho": _rho(setting, "lambda1", case), **momenta},
            "accuracy": {"n_batches": K_POINTS, "acc_share": _share(setting, "test_acc", case, RISES),
                         "fgsm_share": _share(setting, "fgsm_acc", case, RISES),
                         "acc_change": _change(setting, "test_acc", case),
                         "fgsm_change": _change(setting, "fgsm_acc", case),
                         "pgd_change": _change(setting, "pgd_acc", case),
                         "acc_mean_rho": _rho(setting, "test_acc", case), "fgsm_mean_rho": _rho(setting, "fgsm_acc", case),
                         # K plots robustness that a momentum raises or leaves alone: off the floor; K's plots
                         # have a point at every batch size (no run left out)
                         "fgsm_off_floor": 1.0, "fgsm_every_off_floor": 1.0, "fgsm_compared": K_POINTS,
                         "pgd_off_floor": 1.0, "pgd_every_off_floor": 1.0, "flagged": 0, **momenta}}


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
    return median(r.train_loss for s in R.grid.seeds() for r in kept(R.grid.curve(case, setting, momentum, s)))


def training_losses(R: Results, setting: str = "lr") -> str:
    """Per case: the median final training loss over B at momentum 0 and at the largest momentum,
    the evidence for how far each momentum trained in the same epochs."""
    low, high = min(R.momenta(setting)), max(R.momenta(setting))
    return "; ".join(f"{CASES[case].label}: {_median_loss(R, case, setting, low):.2g} at m = {low:g}, "
                     f"{_median_loss(R, case, setting, high):.2g} at m = {high:g}"
                     for case in R.grid.cases()) or "none"


def numbers(R: Results) -> dict:
    """Every number the prose cites (glued as ``k2-<name>``); None (glued n/a) where not computed."""
    out = {"runs": len(R.grid.results), "cases": len(R.grid.cases()), "seeds": len(R.grid.seeds()),
           "shared_runs": sum(r.run.setting == "lr_bs" and lr_bs_is_lr(r.run.batch) for r in R.grid.results),
           "criteria": regime.criteria_text(criteria(R.params)),
           "summed_rate": kamath_regime.summed_rate_text(R.params),
           "diverged": sum(run_flag(r) == "diverged" for r in R.grid.results),
           "plateau": sum(run_flag(r) == "plateau" for r in R.grid.results),
           "losses_lr": training_losses(R, "lr"), "losses_lr_bs": training_losses(R, "lr_bs"),
           "lambda_loss_lr": lambda_loss_rho(R.grid, "lr", R.momenta("lr")),
           "lambda_loss_lr_bs": lambda_loss_rho(R.grid, "lr_bs", R.momenta("lr_bs")),
           "equal_loss_lr": equal_loss_text(R.grid, "lr", R.momenta("lr")),
           "signs_lr": momentum_signs_text(R.grid, "lr", R.momenta("lr")),
           "equal_loss_lr_bs": equal_loss_text(R.grid, "lr_bs", R.momenta("lr_bs"))}
    for setting in ("lr", "lr_bs"):
        shares = [s for c in R.grid.cases() for seed in R.grid.seeds()
                  if not math.isnan(s := momentum_effect(R.grid, c, setting, R.momenta(setting), seed)[0])]
        out[f"share_{setting}"] = min(shares) * 100 if shares else None
        rhos = [rho for c in R.grid.cases() for seed in R.grid.seeds()
                if not math.isnan(rho := momentum_effect(R.grid, c, setting, R.momenta(setting), seed)[1])]
        # the other half of the rule, the order across every momentum (the end points' share hides it)
        out[f"weakest_rho_{setting}"] = max(rhos) if rhos else None
    return out
