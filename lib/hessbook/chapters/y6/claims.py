"""Y6's claim (Table 8), graded by one rule, and the numbers the chapter's prose cites.

The claim compares the smallest and the largest batch size of the grid: how much the
baseline loses from one to the other, and by how much robust training beats the baseline and
FB at the largest batch. The same function measures Y's printed rows, so the paper's column
of the verdict table is graded by the very rule ours is.

Where several seeds ran, the claim is graded in each seed's grid (a case ``"C1 · seed s"``,
:mod:`hessbook.kit.seeds`): it holds only where it held in every seed, reads at most partly
where seeds disagree, and its evidence says in how many seeds it held. One seed keeps the one
unnamed case."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hessbook import regime
from hessbook.chapters.y6.compute import NUM_CLASSES, Results, RunResult
from hessbook.chapters.y6.paper import METHODS, N_TRAIN, PAPER_TABLE8, PAPER_WORDS, SOURCE
from hessbook.chapters.y6.params import Y6Params
from hessbook.kit import Claim, Rule, all_of, any_of, at_least, in_regime, is_true
from hessbook.kit.seeds import seed_case, seed_cases, with_agreement
from hessbook.papers.yao import regime as yao_regime
from hessbook.stats import median

DEGRADE = 5.0
"""The baseline degrades: its test accuracy at the largest batch is at least this many points
below the smallest batch's."""
MARGIN = 2.0
"""Robust training does better: at least this many points of test accuracy."""
CHANCE = 0.12
"""A test accuracy at or below this (10 classes) is a network that learnt nothing, diverged or not."""

FB_GAIN = at_least("gain_fb", MARGIN, "robust − FB at the largest B (points)")
FB_LEG = any_of(FB_GAIN,
                is_true("fb_chance", f"FB at chance at the largest B (test accuracy ≤ {100 * CHANCE:g} % or not "
                                     "finite: robust − FB then only shows that FB failed, as Y's did, so the book "
                                     "does not grade it)"))
"""The FB leg of Y's comparison, graded only where FB trained at the largest batch. Y's own FB is at
chance there (Table 8 prints 0.1 at B ≥ 10,000), and so is ours by design (Goyal's rate at a batch
that large), so "robust − FB ≥ 2" would hold whenever robust training left its plateau, which
:func:`usable_batches` already requires: a condition that cannot fail. A non-finite FB accuracy
(a diverged network) counts as FB failed."""
FB_TRAINED = is_true("fb_trained", f"FB trained at the largest B (test accuracy above {100 * CHANCE:g} %)")

RULE = Rule(
    held=all_of(at_least("drop_base", DEGRADE, "baseline's drop from the smallest to the largest B (points)"),
                at_least("gain_base", MARGIN, "robust − baseline at the largest B (points)"),
                FB_LEG,
                at_least("drop_saved", MARGIN, "baseline's drop − robust's drop (points)"),
                is_true("full_range", "the grid's smallest and largest batch sizes both usable (a flagged end "
                                      "would move the degradation to a narrower range than Table 8's)")),
    partly=any_of(at_least("gain_base", MARGIN, "robust − baseline at the largest B (points)"),
                  all_of(FB_GAIN, FB_TRAINED)),
    requires=at_least("n_batches", 2, "batch sizes run with every method, baseline and robust off their plateau"),
)
"""Y §3.4: "robust optimization performs better for large batch size training as opposed to the
baseline, or when we use the method proposed by [17]". Partly is either half of that sentence at
the largest batch: robust training beats the baseline, or it beats an FB that trained there (review
item 8). An FB at chance cannot give partly: its failure is Y's point, and counting it would make
partly unfailable (:data:`FB_LEG`). A grid with every method at one batch size was
computed but has no degradation to judge (not judged); a grid lacking a method or a run has no
values (not computed)."""

Acc = Callable[[str, int], float]
"""(method, batch) -> test accuracy in percent."""
CASE = "C1"
"""The claim's case among several seeds: C1's grid of methods and batch sizes in one seed."""


def measures(acc: Acc, batches: Sequence[int]) -> dict[str, float]:
    """The rule's values from a grid of accuracies: smallest vs largest batch."""
    small, large = min(batches), max(batches)
    return {"drop_base": acc("baseline", small) - acc("baseline", large),
            "drop_fb": acc("fb", small) - acc("fb", large),
            "drop_robust": acc("robust", small) - acc("robust", large),
            "gain_base": acc("robust", large) - acc("baseline", large),
            "gain_fb": acc("robust", large) - acc("fb", large),
            "fb_chance": _at_chance(acc("fb", large)),
            "fb_trained": not _at_chance(acc("fb", large)),
            "drop_saved": (acc("baseline", small) - acc("baseline", large))
            - (acc("robust", small) - acc("robust", large))}


def _at_chance(accuracy: float) -> bool:
    """A test accuracy (percent) at or below chance, or not finite (a diverged network): FB failed."""
    return not accuracy > 100 * CHANCE


def paper_measures() -> dict[str, float]:
    rows = {r.batch: r for r in PAPER_TABLE8}
    return {**measures(lambda m, b: 100 * rows[b].acc(m), list(rows)), "n_batches": len(rows), "full_range": True}


def every_run(R: Results, seed: int | None = None) -> bool:
    """Every method ran at every batch size of the grid (at least one), in network seed ``seed``
    (None: the first)."""
    return bool(R.batches) and all(R.get(m, b, seed) is not None for m in METHODS for b in R.batches)


def complete(R: Results, seed: int | None = None) -> bool:
    """Every run, at two or more usable batch sizes, in ``seed``: the claim can be judged there."""
    return every_run(R, seed) and len(usable_batches(R, seed)) >= 2


REGIME_CHECKED = ("baseline", "robust")
"""The methods whose runs must have left their initial plateau for a batch size to enter the claim
(:mod:`hessbook.regime`). FB is not checked: at large batches Y's own FB fails (Table 8 prints
0.1, chance), so an FB run at chance is the paper's point, measured, not under-training."""


L2_ADVERSARIES = ("l2grad",)
"""Robust training's attacks measured in L2 (their radius is Y §3.4's L2 one)."""


def criteria(P: Y6Params) -> list[regime.Criterion]:
    """Y6's regime criteria (:mod:`hessbook.papers.yao.regime`). Y gives Table 8 no epochs or
    learning rate; what it does show is that its baseline has left its initial plateau at every
    batch size, full batch included (55 % test accuracy at B = 50,000), so the largest batch must
    take the steps C1 needs to leave it (measured). Robust training at Y §3.4's CIFAR-10 radius,
    and at least three seeds, since the claim is graded in each."""
    steps = P.epochs * math.ceil(P.n_train / max(P.batch_sizes))
    paper, norm = ((yao_regime.ROBUST_EPS_L2, "L2") if P.adversary in L2_ADVERSARIES
                   else (yao_regime.ROBUST_EPS_LINF, "L∞"))
    return [yao_regime.steps_criterion(steps, f"at B = {max(P.batch_sizes)}: {P.epochs} epochs of {P.n_train} images",
                                       yao_regime.STEPS_OFF_PLATEAU_C1,
                                       "the steps C1 needs to leave its initial plateau, which Y's baseline has left "
                                       "at every batch size (measured; Table 8)"),
            yao_regime.radii({"cifar10": P.eps}, paper, norm), yao_regime.seeds(P.n_seeds)]


CHANCE_ACC = 0.1
"""Y Table 8's FB column at the batch sizes where FB failed: 0.1, chance over 10 classes."""


def expected_flag(r: RunResult) -> str:
    """Why a flagged run is what Y reports (empty when it is not): an FB run at a batch fraction
    where Y's own FB failed (Table 8 prints 0.1) shows Y's point, not under-training. A baseline or
    robust run is never excused: Y's have left their plateau at every batch size."""
    row = next((p for p in PAPER_TABLE8 if math.isclose(p.fraction, r.fraction, abs_tol=1e-9)), None)
    if r.method != "fb" or not r.flag or row is None or row.fb > CHANCE_ACC:
        return ""
    return f"Y's FB fails at this fraction too (B = {row.batch}: Table 8 prints {row.fb:g})"


def usable_batches(R: Results, seed: int | None = None) -> list[int]:
    """The batch sizes where every run of :data:`REGIME_CHECKED` in ``seed`` is neither diverged nor
    on its initial plateau: the only ones the claim reads."""
    return [b for b in R.batches if all(R.get(m, b, seed) is not None and not R.get(m, b, seed).flag
                                        for m in REGIME_CHECKED if m in METHODS)]


def flagged(R: Results, seed: int | None = None) -> list[RunResult]:
    """The runs of :data:`REGIME_CHECKED` in ``seed`` that no statistic reads (plateau or diverged)."""
    return [r for b in R.batches for m in REGIME_CHECKED if (r := R.get(m, b, seed)) is not None and r.flag]


def our_measures(R: Results, seed: int | None = None) -> dict[str, float]:
    """The rule's values from our grid in network seed ``seed`` (None: the first), over the batch sizes
    whose baseline and robust runs left their plateau (:func:`usable_batches`); empty when a run is
    missing, ``n_batches`` 0 or 1 (not judged) when fewer than two batch sizes are usable."""
    if not every_run(R, seed):
        return {}
    usable = usable_batches(R, seed)
    if len(usable) < 2:
        nan = float("nan")
        return {"drop_base": nan, "drop_fb": nan, "drop_robust": nan, "gain_base": nan, "gain_fb": nan,
                "fb_chance": None, "fb_trained": None, "drop_saved": nan, "n_batches": len(usable), "full_range": False}
    full = usable[0] == min(R.batches) and usable[-1] == max(R.batches)
    return {**measures(lambda m, b: 100 * R.get(m, b, seed).test_acc, usable), "n_batches": len(usable),
            "full_range": full}


def _several(R: Results) -> bool:
    return len(R.seeds) > 1


def _case(R: Results, seed: int) -> str:
    """The claim's case in ``seed``: unnamed with one seed, ``"C1 · seed s"`` among several."""
    return seed_case(CASE, seed, R.seeds) if _several(R) else ""


def _label(R: Results, r: RunResult) -> str:
    return f"{r.method} B={r.batch}" + (f" seed {r.seed}" if _several(R) else "")


def _in_seeds(R: Results, seeds: Sequence[int]) -> str:
    """" (seeds 0, 2)" naming the seeds a note applies to, among several; empty for one seed."""
    if not _several(R):
        return ""
    return f" (seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))})"


def _text(v: dict[str, float]) -> str:
    return (f"baseline drops {v['drop_base']:+.1f} points from the smallest to the largest B, FB {v['drop_fb']:+.1f}, "
            f"robust {v['drop_robust']:+.1f}; at the largest B robust − baseline = {v['gain_base']:+.1f}, "
            f"robust − FB = {v['gain_fb']:+.1f} points")


def _diverged(R: Results) -> list[str]:
    return [f"{_label(R, r)} (epoch {r.diverged_epoch})" for r in R.runs if r.diverged]


GOYAL_RATE = 0.1 / 256
"""Goyal et al.'s linear scaling rule, as Y cites it for FB: learning rate 0.1 per 256 samples."""
PRINTED_STRIDE = 2
"""Y App. A.3: 'For our Conv(5,5,b) ... layers, the stride is 2'."""


def deviations(P) -> str:
    """What of the setting departs from Y (and from the rule Y cites) and bears on the verdict."""
    out = []
    if P.c1_conv_stride != PRINTED_STRIDE:
        out.append(f"C1 with conv stride {P.c1_conv_stride} (the released code's), not Y's printed {PRINTED_STRIDE}")
    ratio = (P.lr / P.fb_base_batch) / GOYAL_RATE
    if abs(ratio - 1) > 1e-9 and "fb" in P.methods:
        out.append(f"FB's rate {P.lr:g} × B/{P.fb_base_batch:g} is {ratio:.2g}× Goyal's 0.1 × B/256 per sample")
    if P.n_train != N_TRAIN:
        out.append(f"{P.n_train} of CIFAR-10's {N_TRAIN} training images (Y's batch fractions kept)")
    return ("Deviations: " + "; ".join(out) + ".") if out else "No deviation from Y's setting or Goyal's rule."


def _setting(R: Results) -> str:
    return (f"Test accuracy of the final networks, C1 on {R.params.n_train} CIFAR-10 images, "
            f"B = {', '.join(map(str, R.batches))}, {R.params.epochs} epochs each. " + deviations(R.params))


def _flagged_note(R: Results) -> str:
    """" Excluded from every statistic: ... Their batch sizes enter no statistic ..." (empty when none)."""
    out = [r for s in R.seeds for r in flagged(R, s)]
    if not out:
        return ""
    return (regime.flagged_text([(_label(R, r), r.flag) for r in out]) + " Their batch sizes enter no statistic "
            "(FB is not checked: its failure at large batches is Y's point).")


def _starts_lower(R: Results, values: dict[int, dict[str, float]], seeds: list[int]) -> str:
    """Where robust training starts below the baseline (``seeds``) and drops less: part of that
    smaller drop is its lower start. A larger drop it does not explain, and :func:`_drops_compared`
    states every seed's comparison on its own (review: "nonetheless larger (seeds 1, 2)" left out
    seed 0, whose robust drop was larger too but which did not start lower)."""
    smaller = [s for s in seeds if values[s]["drop_robust"] < values[s]["drop_base"]]
    return ", so part of its smaller drop is that it starts lower" + _in_seeds(R, smaller) if smaller else ""


def _drops_compared(R: Results, values: dict[int, dict[str, float]]) -> str:
    """Robust training's drop from the smallest to the largest B against the baseline's, every seed
    of ``values`` by name: "larger (seeds 0, 1: +18.2 vs +12.3, +17.4 vs +11.4 points); smaller
    (seed 2: ...)"."""
    groups: dict[str, list[int]] = {}
    for s, v in values.items():
        word = ("larger" if v["drop_robust"] > v["drop_base"] else "smaller" if v["drop_robust"] < v["drop_base"]
                else "the same")
        groups.setdefault(word, []).append(s)
    parts = []
    for word, seeds in groups.items():
        pairs = ", ".join(f"{values[s]['drop_robust']:+.1f} vs {values[s]['drop_base']:+.1f}" for s in seeds)
        named = f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}: " if _several(R) else ""
        parts.append(f"{word} ({named}{pairs} points)")
    return ("Robust training's drop from the smallest to the largest B, against the baseline's: " + "; ".join(parts)
            + ".")


def _evidence(R: Results, values: dict[int, dict[str, float]]) -> str:
    """The setting, the diverged and chance runs, and what explains a miss, from ``values`` per
    seed of the seeds whose grid is complete (each note names the seeds it applies to)."""
    parts = [_setting(R) + _flagged_note(R)]
    gone = _diverged(R)
    parts.append("Diverged: " + ", ".join(gone) + " (accuracy of the diverged network: chance, as Y's FB 0.1)."
                 if gone else "No run diverged (no non-finite epoch loss).")
    chance = [_label(R, r) for r in R.runs if r.test_acc <= CHANCE and not r.diverged]
    if chance:
        parts.append(f"At chance (test accuracy ≤ {CHANCE:g}) without diverging: {', '.join(chance)}.")
    small = {s: min(usable_batches(R, s)) for s in values}
    behind = {s: 100 * (R.get("baseline", small[s], s).test_acc - R.get("robust", small[s], s).test_acc)
              for s in values}
    lower = {s: b for s, b in behind.items() if b >= MARGIN}
    if lower:
        amounts = ", ".join(f"{b:.1f}" + (f" (seed {s})" if _several(R) else "") for s, b in lower.items())
        parts.append(f"At the smallest B robust training is {amounts} points below the baseline (training on "
                     "adversarial examples only costs clean accuracy)" + _starts_lower(R, values, list(lower)) + ".")
    if values:
        parts.append(_drops_compared(R, values))
    flat = [s for s, v in values.items() if v["drop_base"] < DEGRADE]
    if flat:
        parts.append(f"The baseline loses less than {DEGRADE:g} points at this scale{_in_seeds(R, flat)}: the "
                     "degradation the claim starts from is not there, so the claim cannot hold here.")
    behind_base = [s for s, v in values.items() if v["gain_base"] < MARGIN]
    if behind_base:
        parts.append("At the largest batch robust training is not better than the baseline"
                     f"{_in_seeds(R, behind_base)}. One explanation is the fixed number of epochs: a full-batch "
                     "run takes only a few steps, and an adversarial step at the same rate is no larger."
                     + barely_trained_text(R, behind_base) + check_text(R))
    parts.append(fb_comparison_note(R, values))
    return " ".join(p for p in parts if p)


BARELY_OFF = 0.8
"""A run ends barely off its plateau when its clean training loss is above this share of ln 10 (the
plateau flag's edge is 0.9): it left chance, not much more."""


def barely_trained_text(R: Results, seeds: list[int]) -> str:
    """Where the robust runs at their largest batch end barely off their plateau (clean training loss
    above :data:`BARELY_OFF` of ln 10), their losses and training accuracies beside the baseline's:
    the regime's step criterion was measured on clean training, so the comparison then measures how
    far each arm trained as much as Y's effect (review of 2026-12-06). Empty where none does."""
    ends = []
    for s in seeds:
        robust = [r for r in R.of("robust", s) if math.isfinite(r.final_loss)]
        if not robust:
            continue
        rob = robust[-1]
        base = R.get("baseline", rob.batch, s)
        if base is not None and rob.final_loss > BARELY_OFF * math.log(10):
            ends.append((s, rob, base))
    if not ends:
        return ""
    shown = "; ".join(f"{'seed ' + str(s) + ': ' if _several(R) else ''}B = {rob.batch}, robust {rob.final_loss:.2f} "
                      f"({100 * rob.train_acc:.0f} %), baseline {base.final_loss:.2f} ({100 * base.train_acc:.0f} %)"
                      for s, rob, base in ends)
    return (" The regime's step criterion was measured on clean training, and the robust runs at the largest batch "
            f"end barely off their plateau (clean training loss above {BARELY_OFF:g} ln 10 = "
            f"{BARELY_OFF * math.log(10):.2f}; the plateau flag's edge is {(1 - regime.PLATEAU_FRACTION) * math.log(10):.2f}), "
            f"with their training accuracy: {shown}. So the comparison may measure how far each arm trained as much "
            "as Y's effect (Y's robust C1 reaches 71 % at B = 50,000).")


def behind_seeds(R: Results) -> list[int]:
    """The seeds whose grid is complete and where robust training is not better than the baseline
    by the claim's margin at the largest usable batch: the ones the check (``check_epochs``) explains."""
    return [s for s in R.seeds if every_run(R, s) and complete(R, s) and our_measures(R, s)["gain_base"] < MARGIN]


@dataclass(frozen=True)
class CheckSeed:
    """One seed of the check: robust − baseline at the largest batch after the grid's epochs and
    after ``check_epochs``, and the two check runs' clean training losses; ``why_not`` says why a
    seed is not read (not computed, diverged, on its plateau), empty when it is."""

    seed: int
    grid_gap: float
    gap: float
    robust_loss: float
    baseline_loss: float
    why_not: str = ""


def check_seeds(R: Results, seeds: Sequence[int]) -> list[CheckSeed]:
    """The check in each of ``seeds``, at the grid's largest batch (points of test accuracy)."""
    big, out = max(R.params.batch_sizes), []
    for s in seeds:
        base, rob = R.check("baseline", s), R.check("robust", s)
        gb, gr = R.get("baseline", big, s), R.get("robust", big, s)
        grid_gap = 100 * (gr.test_acc - gb.test_acc) if gb is not None and gr is not None else math.nan
        if base is None or rob is None:
            out.append(CheckSeed(s, grid_gap, math.nan, math.nan, math.nan, "not computed"))
            continue
        why = ("diverged" if base.diverged or rob.diverged else
               "on its initial plateau" if base.flag or rob.flag else "")
        out.append(CheckSeed(s, grid_gap, 100 * (rob.test_acc - base.test_acc), rob.final_loss, base.final_loss, why))
    return out


def checked(R: Results) -> list[CheckSeed]:
    """The check in every seed it explains (:func:`behind_seeds`), read or not."""
    return check_seeds(R, behind_seeds(R))


def check_gains(R: Results) -> dict[int, float]:
    """Per seed the check explains (:func:`behind_seeds`) and reads (no run missing, diverged or on
    its plateau), robust − baseline at the largest batch after ``check_epochs`` (points)."""
    return {c.seed: c.gap for c in checked(R) if not c.why_not}


def check_reading(R: Results) -> str | None:
    """What the check says of the explanation, from the seeds it reads: how the gap moved (narrowed
    or widened by more than the claim's margin, else about unchanged; medians), whether robust
    training then beats the baseline by the margin, and whether the two arms are now trained alike
    (robust's clean training loss at most twice the baseline's): only then is a gap that stays a
    conclusive answer. None when no seed was read; a sentence when no seed needs explaining."""
    P = R.params
    if not P.check_epochs:
        return None
    seeds = checked(R)
    if not seeds:
        if not any(every_run(R, s) and complete(R, s) for s in R.seeds):
            return None  # no grid to read: not computed
        return "no seed to explain: robust training is not behind the baseline at the largest batch"
    read = [c for c in seeds if not c.why_not]
    if not read:
        return None
    before, after = median([c.grid_gap for c in read]), median([c.gap for c in read])
    move = ("narrows" if after - before > MARGIN else "widens" if before - after > MARGIN else "stays about")
    moved = f"the gap {move} from {before:+.1f} to {after:+.1f} points" if move != "stays about" else \
        f"the gap stays about {before:+.1f} points ({after:+.1f})"
    beats = sum(c.gap >= MARGIN for c in read)
    alike = all(c.robust_loss <= 2 * c.baseline_loss for c in read)
    if beats == len(read):
        return (f"with {P.check_epochs / P.epochs:g}x the epochs {moved} and robust training beats the baseline by "
                f"the margin in every seed read: the steps explain the grid's verdict")
    part = ("the steps explain part of the gap" if move == "narrows" else "the steps do not explain the gap")
    trained = ("" if alike else "; robust's clean training loss is still far above the baseline's ("
               + ", ".join(f"{c.robust_loss:.2f} vs {c.baseline_loss:.2f}" for c in read)
               + "), so the arms are still not trained alike and this is not conclusive")
    return (f"with {P.check_epochs / P.epochs:g}x the epochs {moved} (medians), and robust training beats the "
            f"baseline by the {MARGIN:g}-point margin in {beats} of {len(read)} seed(s) read: {part}{trained}")


def check_text(R: Results) -> str:
    """The check of that explanation (``check_epochs``), not graded: the baseline and robust runs at
    the largest batch trained again for longer, per seed explained (:func:`behind_seeds`) with its
    gap at both lengths and the check runs' clean losses, the seeds not read and why, and
    :func:`check_reading`."""
    P = R.params
    if not P.check_epochs:
        return " (Not tested at this scale: check_epochs = 0.)"
    seeds = checked(R)
    read = [c for c in seeds if not c.why_not]
    label = (lambda c: f"seed {c.seed}: ") if _several(R) else (lambda c: "")
    runs = "; ".join(f"{label(c)}robust − baseline {c.gap:+.1f} points (at {P.epochs} epochs "
                     f"{c.grid_gap:+.1f}; clean training loss robust {c.robust_loss:.2f}, baseline "
                     f"{c.baseline_loss:.2f})" for c in read)
    skipped = "; ".join(f"{label(c)}{c.why_not}" for c in seeds if c.why_not)
    if not read:
        return (f" The check with {P.check_epochs} epochs read no seed ({skipped})." if skipped else "")
    return (f" Tested, not graded: the baseline and robust runs at B = {max(P.batch_sizes)} trained again for "
            f"{P.check_epochs} epochs ({P.check_epochs / P.epochs:g}x the grid's, our choice; it does not equalise "
            f"the two arms' training): {runs}" + (f"; not read: {skipped}" if skipped else "")
            + f"; {check_reading(R)}. The verdict stays the grid's, at the epochs the regime criterion set before "
            "any verdict was read.")


def fb_comparison_note(R: Results, values: dict[int, dict[str, float]]) -> str:
    """What the FB leg of the comparison shows, per seed (:data:`FB_LEG`): where FB is at chance at
    the largest batch, only that FB failed there (not graded); where it trained, a graded margin."""
    chance = [s for s, v in values.items() if v["fb_chance"]]
    trained = [s for s, v in values.items() if v["fb_chance"] is False]
    out = []
    if chance:
        gains = ", ".join(f"{values[s]['gain_fb']:+.1f}" if math.isfinite(values[s]["gain_fb"]) else "n/a (FB's "
                          "accuracy not finite)" for s in chance)
        out.append(f"At the largest B FB is at chance{_in_seeds(R, chance)}, as Y's is at B ≥ 10,000 (Table 8 prints "
                   f"0.1): robust − FB = {gains} points shows only that FB failed there, not that robust training "
                   "beats a working FB, so the FB comparison is not graded; the verdict rests on the baseline.")
    if trained:
        gains = ", ".join(f"{values[s]['gain_fb']:+.1f}" for s in trained)
        out.append(f"At the largest B FB trained{_in_seeds(R, trained)}: robust − FB = {gains} points, graded "
                   f"(≥ {MARGIN:g} for held, and for partly where robust − baseline falls short).")
    return " ".join(out)


def _ours_in(R: Results, seed: int, v: dict[str, float]) -> str:
    """Our grid in one seed, for the claim's "ours" (named by its seed among several)."""
    name = f"{_case(R, seed)}: " if _several(R) else ""
    if complete(R, seed):
        usable = usable_batches(R, seed)
        note = f" (over B = {', '.join(map(str, usable))}, where baseline and robust left their plateau)" \
            if usable != list(R.batches) else ""
        return name + _text(v) + note
    if len(R.batches) < 2:
        b = R.batches[0]
        return name + f"one batch size, B = {b}: test accuracy " + ", ".join(
            f"{m} {100 * R.get(m, b, seed).test_acc:.1f}%" for m in METHODS)
    usable = usable_batches(R, seed)
    return name + (f"baseline and robust left their plateau at {len(usable)} batch size(s) only "
                   f"({', '.join(map(str, usable)) or 'none'}): nothing to compare")


def claim(R: Results) -> Claim:
    pv = paper_measures()
    paper = (f"{SOURCE}: {_text(pv)} (graded by the same rule: {RULE.grade(pv)}). {PAPER_WORDS}")
    statement = ("Robust (adversarial) training keeps test accuracy at batch sizes where the baseline and "
                 "Goyal et al.'s linear lr scaling (FB) degrade.")
    expected = seed_cases((CASE,), R.seeds) if _several(R) else ()
    if R.missing is not None:
        return Claim.not_computed("Y-Table8", statement, paper, RULE, R.missing.detail, expected=expected)
    ran = [s for s in R.seeds if every_run(R, s)]
    if not ran:
        return Claim.not_computed("Y-Table8", statement, paper, RULE, "the grid lacks a method or a run "
                                  f"(methods {R.params.methods}, B = {R.batches})", expected=expected)
    values = {s: our_measures(R, s) for s in ran}
    ours = "; ".join(_ours_in(R, s, v) for s, v in values.items()) + f" ({R.params.scale} scale)."
    judged = {s: v for s, v in values.items() if complete(R, s)}
    evidence = _evidence(R, judged) if judged else _setting(R) + _flagged_note(R)
    cases = {_case(R, s): v for s, v in values.items()}
    return with_agreement(Claim("Y-Table8", statement, paper, ours, RULE, cases, evidence, expected), R.seeds)


def graded_claims(R: Results) -> list[Claim]:
    """The claim, graded by its rule whatever the block (:func:`claims` adds the regime)."""
    return [claim(R)]


def claims(R: Results) -> list[Claim]:
    """The claim, judged only where Y6's regime criteria hold (:func:`hessbook.kit.in_regime`): a
    largest batch too short to leave C1's initial plateau, another radius than Y's, or fewer than
    three seeds would measure that, not Y's Table 8."""
    return in_regime(graded_claims(R), criteria(R.params))


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """Every run as a row for :func:`hessbook.regime.plateau_summary`: steps, final training loss,
    test accuracy, the flag, and the exception of an FB run Y's Table 8 expects to fail."""
    return [regime.TrainedRun(_label(R, r), r.iterations, r.final_loss, NUM_CLASSES, 100 * r.test_acc, r.diverged,
                              expected_flag(r)) for b in R.batches for m in R.params.methods for s in R.seeds
            for r in (R.get(m, b, s),) if r is not None]


def _median(values: Sequence[float]) -> float | None:
    """The median across seeds (:func:`hessbook.stats.median`), rounded for the prose; None for none."""
    return round(median(values), 2) if values else None


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``y6-<name>``); None (glued n/a) where not
    computed. Our accuracies and the rule's values (drops, gains) are each the median across the
    seeds whose grid is complete (one seed: its value); the peak rates are the first seed's (the
    schedule does not depend on the seed); the diverged runs are those of every seed."""
    P = R.params
    out: dict = {"n-train": P.n_train, "n-test": P.n_test, "epochs": P.epochs, "seeds": P.n_seeds,
                 "batches": ", ".join(map(str, P.batch_sizes)),
                 "fractions": ", ".join(f"{f:g}" for f in sorted(P.batch_fractions)),
                 "diverged": ", ".join(_diverged(R)) or "none", "verdict": claims(R)[0].grade,
                 "usable": "; ".join(f"{'seed ' + str(s) + ': ' if _several(R) else ''}"
                                     f"{', '.join(map(str, usable_batches(R, s))) or 'none'}" for s in R.seeds
                                     if every_run(R, s)) or "none",
                 "flagged": sum(len(flagged(R, s)) for s in R.seeds),
                 "criteria": regime.criteria_text(criteria(P)),
                 "plateau": regime.plateau_summary(trained_runs(R))}
    per_seed = [our_measures(R, s) for s in R.seeds if complete(R, s)]
    for key in ("drop_base", "drop_fb", "drop_robust", "gain_base", "gain_fb"):
        out[key.replace("_", "-")] = _median([v[key] for v in per_seed])
        out["paper-" + key.replace("_", "-")] = round(paper_measures()[key], 2)
    for method in METHODS:
        runs = [rs for rs in (R.of(method, s) for s in R.seeds) if rs]
        out[f"{method}-small"] = _median([100 * rs[0].test_acc for rs in runs])
        out[f"{method}-large"] = _median([100 * rs[-1].test_acc for rs in runs])
        first = R.of(method)
        out[f"{method}-peak-lr"] = round(first[-1].peak_lr, 4) if first else None
        out[f"{method}-small-peak-lr"] = round(first[0].peak_lr, 4) if first else None
    out["fb-small-note"] = fb_small_note(R, out["fb-small"], out["fb-small-peak-lr"])
    read = [c for c in checked(R) if not c.why_not]
    out["check-epochs"] = P.check_epochs or None
    out["check-gain"] = _median([c.gap for c in read]) if read else None
    out["check-grid-gain"] = _median([c.grid_gap for c in read]) if read else None
    out["check-beats"] = (f"{sum(c.gap >= MARGIN for c in read)} of {len(read)}" if read else None)
    out["check-reading"] = check_reading(R)
    return out


def fb_small_note(R: Results, acc: float | None, peak_lr: float | None) -> str:
    """What FB did at our smallest batch fraction against Y's FB at that fraction (at 0.16,
    B = 8,000 of 50,000, Y's worked: 75.2 %): runs on their plateau or diverged that Y's row does
    not excuse are named a failure to reproduce, with the rate we think is why."""
    runs = [r for s in R.seeds if R.batches and (r := R.get("fb", min(R.batches), s)) is not None]
    if not runs or acc is None:
        return "FB at the smallest fraction: not computed."
    row = next((p for p in PAPER_TABLE8 if math.isclose(p.fraction, runs[0].fraction, abs_tol=1e-9)), None)
    ours = f"ours at B = {min(R.batches)} ({runs[0].fraction:g} of the training set): {acc:.1f} % (median of {len(runs)} seed(s))"
    if row is None:
        return f"FB at the smallest fraction: {ours}; Y's Table 8 has no row at that fraction."
    said = f"At that fraction Y's FB (B = {row.batch:,}) reached {100 * row.fb:.1f} %; {ours}."
    failed = [r for r in runs if r.flag and not expected_flag(r)]
    if not failed:
        return said + (" It trained, as Y's did." if row.fb > CHANCE_ACC else " Y's FB fails there too.")
    how = "diverged" if all(r.flag == "diverged" for r in failed) else "on the initial plateau"
    return (said + f" {len(failed)} of {len(runs)} seed(s) ended {how}, a failure Y does not report at that "
            f"fraction: FB did not reproduce there. We think the rate is why: the linear scaling rule gives it a "
            f"peak of {peak_lr} (momentum {R.params.momentum:g}), the multiplier B = 8,000 would get against a base batch "
            f"of {R.params.fb_base_batch * N_TRAIN / R.params.n_train:.0f} of Y's 50,000 images (our choice, "
            "fb_base_batch; Y gives none), which this "
            "smaller, shorter-trained C1 does not survive. The claim compares robust training with FB only at the "
            "largest batch, where Y's own FB fails too, so this does not enter its verdict; but our FB column "
            "cannot show FB working where Y's did.")
