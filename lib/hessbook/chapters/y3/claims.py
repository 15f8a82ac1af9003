"""Y3's claims (Figs 4, 16): large batches climb to a larger lambda1; robust training keeps it
lower. Graded on each run's lambda1 where its clean training loss first reaches Y's 1e-3 (Y §2's
runs end there, :func:`at_loss`), so that the two runs of a ratio are compared at the same
training loss; each run stops there (``loss_target``, Y's protocol). The mean of the last
``tail_records`` records and the largest lambda1 are shown, not graded (with a lower
``loss_target``, near a zero loss lambda1 shrinks with the loss, whatever the valley).

Each claim is built from plain values per case (``*_claim_of``: a ratio per model or run, in
each network seed: ``"M1 · seed 1"``, :mod:`hessbook.kit.seeds`); Y's Figs 4 and 16 are plots and
print no numbers. A claim holds only where it held in every seed and reads at most partly where
seeds disagree. Y's "(the total gradient shows that) large batch
does not get stuck in saddle points" is not graded: a saddle point needs a vanishing gradient
*and* a negative eigenvalue; we record lambda1 and the gradient norm, not lambda_min, and Y gives
no scale below which a gradient counts as vanished. The gradient norms are shown, not graded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from hessbook import regime
from hessbook.chapters.y3 import paper
from hessbook.chapters.y3.compute import NUM_CLASSES, Curves, Results
from hessbook.chapters.y3.params import Y3Params
from hessbook import stats
from hessbook.kit import (Claim, Rule, above, all_of, at_least, at_most, below, formatted, in_regime,
                          is_true, measured_text)
from hessbook.kit.seeds import seed_case, seed_cases, with_agreement
from hessbook.papers.yao import regime as yao_regime
from hessbook.papers.yao.paper import C1_STRIDE, LOSS_TARGET, TRAIN_SIZE

BATCH_RATIO = 1.25
"""Large-batch over small-batch lambda1 (clean runs) at least this: a clear climb."""
ROBUST_RATIO = 0.8
"""Robust over clean lambda1 (same batch size) at most this: clearly lower."""
MATCHED_LOSS = LOSS_TARGET
"""Y §2: 'each of the batch sizes are trained until a training loss of 0.001 or better is
achieved': Y's runs, Fig 4's among them, end where the training loss first reaches this, so each
run's lambda1 is read there (:func:`at_loss`; audit finding 5: graded at the end of the run, a
ratio compared runs that ended at training losses two orders of magnitude apart)."""

REACHED = all_of(
    is_true("reached", f"both runs reach Y's clean training loss {MATCHED_LOSS:g} (Y §2: its runs end there)"),
    is_true("bracketed", "each run has a record above that loss and one at or below it, with positive λ1 and loss, "
                         "so its λ1 is read at that loss (a run whose first record is already below it would be "
                         "read at a lower loss, where λ1 is smaller whatever the valley)"))
"""The two runs of a ratio are both read at :data:`MATCHED_LOSS`: a crossing not bracketed by two
records is not judged (review item 2: the first record already below 1e-3 read lambda1 at that
record's lower loss, the bias audit finding 5 was about)."""
BATCH_RULE = Rule(held=at_least("ratio", BATCH_RATIO, f"λ1(large B) / λ1(small B), clean runs, each at training "
                                                      f"loss {MATCHED_LOSS:g}", ".2f"),
                  partly=above("ratio", 1.0, "that ratio"), requires=REACHED)
ROBUST_RULE = Rule(held=at_most("ratio", ROBUST_RATIO, f"λ1(robust) / λ1(clean), same B, each at clean training "
                                                       f"loss {MATCHED_LOSS:g}", ".2f"),
                   partly=below("ratio", 1.0, "that ratio"), requires=REACHED)


def criteria(P: Y3Params) -> list[regime.Criterion]:
    """Y3's regime criteria (:mod:`hessbook.papers.yao.regime`). Y gives no network, batch size or
    length for Figs 4 and 16; Fig 4 sits in Y §2, whose networks are trained 'until a training loss
    of 0.001 or better', so every run trains to that loss (and stops there) and the epoch cap lets
    the large batch take the steps Y1's largest batch needed to get there; robust training uses Y
    §3.4's L-inf radii; and at least three seeds (Y §1), since each claim is graded in each seed."""
    steps = P.epochs * math.ceil(P.n_train / P.large_batch)
    eps = {paper.DATASET[m]: P.eps(m) for m in P.models}
    return [yao_regime.loss_target(P.loss_target),
            yao_regime.steps_criterion(steps,
                                       f"at B = {P.large_batch}: a cap of {P.epochs} epochs of {P.n_train} images",
                                       why="the steps Y1's largest batch needs to reach Y's loss 1e-3 (Y §2; "
                                           "measured)"),
            yao_regime.radii(eps, yao_regime.ROBUST_EPS_LINF, "L∞"), yao_regime.seeds(P.n_seeds)]


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """Every run as a row of the run table: SGD steps, final clean training loss, flag (Y3
    measures no test accuracy)."""
    return [regime.TrainedRun(R.name(r), r.steps(R.params.n_train), r.final_loss, NUM_CLASSES,
                              diverged=r.stop_reason == "diverged") for r in R.runs]


def _flagged(R: Results) -> str:
    """" Excluded from every statistic: ..." naming the flagged runs (empty when none is)."""
    return regime.flagged_text([(R.name(r), r.flag) for r in R.runs])


def _tail(R: Results, model: str, batch: int, robust: bool, seed: int) -> float | None:
    """The run's lambda1 for the claims; None when it did not run, or ended on its initial
    plateau or diverged (:attr:`Curves.flag`): such a run enters no ratio."""
    r = R.get(model, batch, robust, seed)
    return r.tail(R.params.tail_records) if r is not None and not r.flag else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b is not None and b > 0 else None


BRACKET_DIGITS = 4
"""Significant digits of the two losses that bracket a reading (:func:`apart`): at two, records at
1.004e-3 and 9.96e-4 both read "1.0e-03" (review of the cpu build)."""


def apart(a: float, b: float, digits: int = BRACKET_DIGITS) -> tuple[str, str]:
    """``a`` and ``b`` in scientific notation to ``digits`` significant digits, or more, up to 17,
    until the two differ on the page (equal values: at ``digits``)."""
    for d in range(digits, 18):
        x, y = f"{a:.{d - 1}e}", f"{b:.{d - 1}e}"
        if x != y:
            return x, y
    return f"{a:.{digits - 1}e}", f"{b:.{digits - 1}e}"


@dataclass(frozen=True)
class LossReading:
    """A run's lambda1 read where its clean training loss first reaches a level (:func:`at_loss`)."""

    lambda1: float | None
    """None: not read (never reached, or the crossing not bracketed by two records)."""
    loss_above: float | None
    """The loss of the last record above the level (None: the first record is already at or below it)."""
    loss_below: float | None
    """The loss of the first record at or below the level (None: no record reaches it)."""
    lowest: float
    """The lowest clean training loss recorded (NaN without a record)."""

    @property
    def reached(self) -> bool:
        return self.loss_below is not None

    @property
    def bracketed(self) -> bool:
        return self.lambda1 is not None

    def text(self, level: float = MATCHED_LOSS) -> str:
        """Where the reading was made, for a claim's *ours*."""
        if self.bracketed:
            above, below = apart(self.loss_above, self.loss_below)
            return f"read at {level:g}, between records at loss {above} and {below}"
        if not self.reached:
            return f"never reached {level:g} (lowest recorded loss {formatted(self.lowest, '.1e')}): not read"
        if self.loss_above is None:
            return f"first record already at loss {self.loss_below:.1e}, below {level:g}: not read"
        return "a non-positive λ1 or loss at the records around it: not read"


def at_loss(r: Curves, level: float = MATCHED_LOSS) -> LossReading:
    """The run's lambda1 where its clean training loss first reaches ``level``: between the last
    record above ``level`` and the first at or below it, interpolated linearly in (log loss, log
    lambda1) (the book's choice: near a zero loss lambda1 shrinks about as the loss does; the
    ``loss_records`` levels put records within a quarter decade of loss above the crossing). Not
    read (``lambda1`` None) where no record reaches ``level``, where the first record is already at
    or below it (its lambda1 is at a lower loss, which would bias a ratio: review item 2), or where a
    lambda1 or loss around the crossing is not positive (no logarithm)."""
    loss, lam = np.asarray(r.train_loss, float), np.asarray(r.lambda1, float)
    lowest = float(np.nanmin(loss)) if len(loss) and np.isfinite(loss).any() else float("nan")
    reached = np.flatnonzero(loss <= level)
    if not len(reached):
        return LossReading(None, None, None, lowest)
    i = int(reached[0])
    if i == 0:
        return LossReading(None, None, float(loss[0]), lowest)
    above, below = float(loss[i - 1]), float(loss[i])
    if not (lam[i - 1] > 0 and lam[i] > 0 and below > 0):
        return LossReading(None, above, below, lowest)
    t = (math.log(level) - math.log(above)) / (math.log(below) - math.log(above))
    value = math.exp(math.log(lam[i - 1]) + t * (math.log(lam[i]) - math.log(lam[i - 1])))
    return LossReading(float(value), above, below, lowest)


def _matched(R: Results, model: str, batch: int, robust: bool, seed: int) -> LossReading | None:
    """A run's lambda1 at Y's loss; None when it did not run or is flagged."""
    r = R.get(model, batch, robust, seed)
    if r is None or r.flag:
        return None
    return at_loss(r)


def _matched_case(a: LossReading | None, b: LossReading | None) -> dict:
    """The rule's values for the ratio a / b of two runs' lambda1 at Y's loss: not computed when a
    run is missing or flagged, not judged when one never reached the loss or was not read at it."""
    if a is None or b is None:
        return {"ratio": None, "reached": None, "bracketed": None}
    if not (a.reached and b.reached):
        return {"ratio": float("nan"), "reached": False, "bracketed": None}
    if not (a.bracketed and b.bracketed):
        return {"ratio": float("nan"), "reached": True, "bracketed": False}
    return {"ratio": _ratio(a.lambda1, b.lambda1), "reached": True, "bracketed": True}


Pair = tuple[LossReading | None, LossReading | None]
"""The two runs of a ratio, read at Y's loss: (numerator, denominator)."""


def batch_pairs(R: Results) -> dict[str, Pair]:
    """Per model and seed: the large- and the small-batch clean run at Y's loss."""
    P = R.params
    return {seed_case(m.upper(), s, R.seeds): (_matched(R, m, P.large_batch, False, s),
                                                _matched(R, m, P.small_batch, False, s))
            for m in R.models for s in _ran(R, m)}


def robust_pairs(R: Results) -> dict[str, Pair]:
    """Per (model, batch) and seed: the robust and the clean run at Y's (clean) loss."""
    P = R.params
    return {seed_case(f"{m.upper()} B={b}", s, R.seeds): (_matched(R, m, b, True, s), _matched(R, m, b, False, s))
            for m in R.models for b in (P.small_batch, P.large_batch) for s in _ran(R, m)}


def matched_batch_cases(R: Results) -> dict[str, dict]:
    """Per model and seed: large- over small-batch lambda1 of the clean runs at Y's loss."""
    return {case: _matched_case(*pair) for case, pair in batch_pairs(R).items()}


def matched_robust_cases(R: Results) -> dict[str, dict]:
    """Per (model, batch) and seed: robust over clean lambda1 at Y's (clean) loss."""
    return {case: _matched_case(*pair) for case, pair in robust_pairs(R).items()}


def _readings(pair: Pair, names: tuple[str, str]) -> str:
    """Where each run of a pair was read ("B=128 read at 0.001, between records at loss ...")."""
    return "; ".join(f"{name} {r.text()}" for name, r in zip(names, pair) if r is not None)


def _ran(R: Results, model: str) -> list[int]:
    """The seeds in which ``model`` has a run."""
    return [s for s in R.seeds if any(r.model == model and r.seed == s for r in R.runs)]


def batch_ratios(R: Results) -> dict[str, dict[str, float | None]]:
    """Per model and seed (``"M1"``, or ``"M1 · seed 1"`` among several): large- over small-batch
    lambda1, clean and robust runs."""
    P = R.params
    return {seed_case(m.upper(), s, R.seeds): {
        kind: _ratio(_tail(R, m, P.large_batch, robust, s), _tail(R, m, P.small_batch, robust, s))
        for kind, robust in (("clean", False), ("robust", True))} for m in R.models for s in _ran(R, m)}


def robust_ratios(R: Results) -> dict[str, float | None]:
    """Per (model, batch) and seed: robust over clean lambda1."""
    P = R.params
    return {seed_case(f"{m.upper()} B={b}", s, R.seeds): _ratio(_tail(R, m, b, True, s), _tail(R, m, b, False, s))
            for m in R.models for b in (P.small_batch, P.large_batch) for s in _ran(R, m)}


def _absent(R: Results) -> str:
    return "; ".join(f"{m.model.upper()}: data not on this machine ({m.detail})" for m in R.missing)


def _ours(parts: list[str], R: Results) -> str:
    return measured_text(parts, _absent(R), "no run")


def _schedule(P) -> str:
    """The records in words: "epochs 1, 2, 4 and every 24, and the first epoch at or below each
    training loss 0.01, 0.001"."""
    early = ", ".join(str(e) for e in sorted(set(P.early_record_epochs)))
    epochs = f"epochs {early} and every {P.record_epochs}" if early else f"epochs every {P.record_epochs}"
    levels = ", ".join(f"{v:g}" for v in sorted(P.loss_records, reverse=True))
    return epochs + (f", and the first epoch at or below each training loss {levels}" if levels else "")


def _tail_words(R: Results) -> str:
    P = R.params
    return (f"λ1 of a run, graded: where its clean training loss first reaches Y's {MATCHED_LOSS:g} (Y §2's runs "
            f"end there), interpolated in (log loss, log λ1) between the records around it (at "
            f"{_schedule(P)}; each run stops at the first record at or below a training loss of {P.loss_target:g}, "
            f"or after {P.epochs} epochs, so its last records are those around the crossing); a run that never "
            "reaches it, or whose first record is already below it (no record on each side: its λ1 would be read at a lower loss), leaves its ratios not judged. "
            "Shown, not "
            f"graded: the mean of its last {P.tail_records} records. B = {P.small_batch} vs {P.large_batch}; robust: "
            f"{P.robust_attack} adversarial training, the whole batch adversarial.")


def deviations(R: Results) -> str:
    """What of Figs 4/16's setup is ours (Y gives none of it) and where we depart from Y's data."""
    P = R.params
    nets = ", ".join(m.upper() for m in P.models)
    expected = " and ".join(m.upper() for m in paper.MODELS)
    items = [f"Y does not give Fig 4's network, batch sizes, epochs or attack: ours {nets}, "
             f"B = {P.small_batch} vs {P.large_batch}, each run to training loss {P.loss_target:g} (Y §2) within "
             f"{P.epochs} epochs, {P.robust_attack.upper()}; each verdict "
             f"expects {expected} in every seed (the book's choice: Fig 4 sits in Y §2 beside C1, and M1 is the "
             "package's other network), so a model not run here is not computed"]
    for m in P.models:
        ds = paper.DATASET[m]
        if P.n_train < TRAIN_SIZE[ds]:
            items.append(f"{P.n_train} of {TRAIN_SIZE[ds]} {m.upper()} training images")
    if "c1" in P.models and P.c1_conv_stride != C1_STRIDE:
        items.append(f"C1 with conv stride {P.c1_conv_stride}, the released layout (Y App. A.3 prints {C1_STRIDE})")
    return "Deviations from Y at this scale: " + "; ".join(items) + "."


def _gradients(R: Results) -> str:
    if not R.runs:
        return ""
    return ("Not graded (Y's 'does not get stuck in saddle points'): the smallest recorded gradient norm per run, "
            + ", ".join(f"{R.name(r)} {r.grad_norm.min():.2g}" for r in R.runs)
            + "; we do not measure λmin, which a saddle point needs, and Y gives no scale for a vanishing gradient.")


def _final_losses(R: Results) -> str:
    """The runs' final clean training losses: near a zero loss lambda1 shrinks with the loss, so
    a ratio between two runs also compares how far each went towards zero."""
    if not R.runs:
        return ""
    return (" Final clean training loss per run (λ1 shrinks with it near zero, so each ratio also compares "
            "how far its two runs fit the subset): " + ", ".join(f"{R.name(r)} {r.final_loss:.1e}" for r in R.runs)
            + ".")


def _values(v: float | None | Mapping) -> dict:
    """A case's values: ``{"ratio", "reached", "bracketed"}`` as given, or a bare ratio (read at the
    loss when known)."""
    if isinstance(v, Mapping):
        return dict(v)
    known = None if v is None else True
    return {"ratio": v, "reached": known, "bracketed": known}


def batch_claim_of(ratios: Mapping[str, float | None | Mapping], ours: str, evidence: str,
                   expected: tuple[str, ...] = (), seeds: tuple[int, ...] | list[int] = ()) -> Claim:
    """Large batch over small batch lambda1 of the clean runs, one case per model and seed
    (a ratio, or ``{"ratio", "reached", "bracketed"}``; ``expected``: the package's models of Figs 4/16,
    :data:`paper.MODELS`, in every seed)."""
    return with_agreement(Claim(
        "Y-Fig4-16", "Large-batch training climbs to a larger λ1 of the weight Hessian than small-batch training.",
        paper=paper.CLAIM_BATCH, ours=ours, rule=BATCH_RULE,
        cases={case: _values(v) for case, v in ratios.items()}, evidence=evidence, expected=expected), seeds)


def robust_claim_of(ratios: Mapping[str, float | None | Mapping], ours: str, evidence: str,
                    expected: tuple[str, ...] = (), seeds: tuple[int, ...] | list[int] = ()) -> Claim:
    """Robust over clean lambda1 at the same batch size, one case per (model, batch) and seed."""
    return with_agreement(Claim(
        "Y-Fig4-16", "Robust (adversarial) training keeps λ1 lower than clean training at the same batch size.",
        paper=paper.CLAIM_ROBUST, ours=ours, rule=ROBUST_RULE,
        cases={case: _values(v) for case, v in ratios.items()}, evidence=evidence, expected=expected), seeds)


def _selected(R: Results) -> tuple[str, ...]:
    """The batch claim's cases of the figures: every model of :data:`paper.MODELS` (Fig 4 sits in
    Y §2, beside C1; M1 is the package's other network), in every seed, whether or not this scale
    selected it: a model not run is not computed and keeps the verdict from a plain held, as in the
    other Y chapters (audit finding 6: held on M1 alone)."""
    return seed_cases([m.upper() for m in paper.MODELS], R.seeds)


def _selected_runs(R: Results) -> tuple[str, ...]:
    """The robust claim's cases of the figures: every (model of :data:`paper.MODELS`, batch) in
    every seed (see :func:`_selected`)."""
    P = R.params
    return seed_cases([f"{m.upper()} B={b}" for m in paper.MODELS for b in (P.small_batch, P.large_batch)], R.seeds)


def batch_claim(R: Results) -> Claim:
    P = R.params
    pairs, tails = batch_pairs(R), batch_ratios(R)
    matched = {case: _matched_case(*pair) for case, pair in pairs.items()}
    names = (f"B={P.large_batch}", f"B={P.small_batch}")
    parts = [f"{case}: λ1(B={P.large_batch}) / λ1(B={P.small_batch}) at loss {MATCHED_LOSS:g} = "
             f"{formatted(v['ratio'], '.2f')} (clean; {_readings(pairs[case], names)}); not graded, at the end of the "
             f"runs: {formatted(tails[case]['clean'], '.2f')} clean, {formatted(tails[case]['robust'], '.2f')} robust"
             for case, v in matched.items()]
    return batch_claim_of(matched, _ours(parts, R),
                          " ".join(x for x in (_tail_words(R), _gradients(R), deviations(R)) if x) + _final_losses(R)
                          + _flagged(R),
                          _selected(R), R.seeds)


def robust_claim(R: Results) -> Claim:
    pairs, tails, peaks = robust_pairs(R), robust_ratios(R), peak_ratios(R)[1]
    matched = {case: _matched_case(*pair) for case, pair in pairs.items()}
    parts = [f"{case}: λ1(robust) / λ1(clean) at clean loss {MATCHED_LOSS:g} = {formatted(v['ratio'], '.2f')} "
             f"({_readings(pairs[case], ('robust', 'clean'))}); not graded, at the end of the runs: "
             f"{formatted(tails[case], '.2f')}" for case, v in matched.items()]
    if peaks:
        parts.append("not graded, on each run's largest λ1 (any record): " + ", ".join(f"{v:.2f}" for v in peaks))
    return robust_claim_of(
        matched, _ours(parts, R),
        _tail_words(R) + " A run that has fit its subset (training loss near 0) has a small λ1 "
        "whatever its valley, since the Hessian of cross-entropy scales with p(1 − p): past a common loss a "
        "ratio also compares how far each run fitted its subset, hence the grading at a common training loss, "
        "where the runs stop. " + deviations(R) + _final_losses(R) + _flagged(R), _selected_runs(R), R.seeds)


def graded_claims(R: Results) -> list[Claim]:
    return [batch_claim(R), robust_claim(R)]


def peak_ratios(R: Results) -> tuple[list[float], list[float]]:
    """Not graded: the same two ratios on each run's largest lambda1 (over every record, the early
    ones too) instead of its last records
    (near a zero training loss lambda1 shrinks with the loss, whatever the valley)."""
    P = R.params
    peak = {(r.model, r.batch, r.robust, r.seed): float(r.lambda1.max()) for r in R.runs if not r.flag}
    batch = [peak[m, P.large_batch, False, s] / peak[m, P.small_batch, False, s] for m in R.models for s in R.seeds
             if (m, P.large_batch, False, s) in peak and (m, P.small_batch, False, s) in peak]
    robust = [peak[m, b, True, s] / peak[m, b, False, s] for m in R.models for b in (P.small_batch, P.large_batch)
              for s in R.seeds if (m, b, True, s) in peak and (m, b, False, s) in peak]
    return batch, robust


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``y3-<name>``); None (glued n/a) where
    nothing was computed."""
    runs = R.runs
    b, r = batch_ratios(R), robust_ratios(R)
    clean = [v["clean"] for v in b.values() if v["clean"] is not None]
    rob = [v for v in r.values() if v is not None]
    peak_batch, peak_robust = peak_ratios(R)
    matched_batch = stats.finite(v["ratio"] for v in matched_batch_cases(R).values() if v["ratio"] is not None)
    matched_robust = stats.finite(v["ratio"] for v in matched_robust_cases(R).values() if v["ratio"] is not None)
    return {
        "runs": len(runs),
        "n_seeds": len(R.seeds),
        "missing": ", ".join(m.model for m in R.missing) or "none",
        "matched_batch_ratio_min": float(matched_batch.min()) if len(matched_batch) else None,
        "matched_robust_ratio_max": float(matched_robust.max()) if len(matched_robust) else None,
        "batch_ratio_min": min(clean, default=None),
        "robust_ratio_max": max(rob, default=None),
        "max_residual": max((float(x.residual.max()) for x in runs), default=None),
        "min_grad_norm": min((float(x.grad_norm.min()) for x in runs), default=None),
        "peak_batch_ratio_min": min(peak_batch, default=None),
        "peak_robust_ratio_max": max(peak_robust, default=None),
        "min_lambda1": min((float(x.lambda1.min()) for x in runs), default=None),
        "final_loss_min": min((x.final_loss for x in runs), default=None),
        "final_loss_max": max((x.final_loss for x in runs), default=None),
        "criteria": regime.criteria_text(criteria(R.params)),
        "plateau": regime.plateau_summary(trained_runs(R)),
    }


def claims(R: Results) -> list:
    """The claims, judged only where Y3's regime criteria hold (:func:`hessbook.kit.in_regime`)."""
    return in_regime(graded_claims(R), criteria(R.params))
