"""Y6's claim (Table 8), graded by one rule, and the numbers the chapter's prose cites.

The claim compares the smallest and the largest batch size of the grid: how much the
baseline loses from one to the other, and by how much robust training beats the baseline and
FB at the largest batch. The same function measures Y's printed rows, so the paper's column
of the verdict table is graded by the very rule ours is."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hessbook.chapters.y6.compute import Results
from hessbook.chapters.y6.paper import METHODS, N_TRAIN, PAPER_TABLE8, PAPER_WORDS, SOURCE
from hessbook.kit import Claim, Rule, all_of, any_of, at_least, single

DEGRADE = 5.0
"""The baseline degrades: its test accuracy at the largest batch is at least this many points
below the smallest batch's."""
MARGIN = 2.0
"""Robust training does better: at least this many points of test accuracy."""
CHANCE = 0.12
"""A test accuracy at or below this (10 classes) is a network that learnt nothing, diverged or not."""

RULE = Rule(
    held=all_of(at_least("drop_base", DEGRADE, "baseline's drop from the smallest to the largest B (points)"),
                at_least("gain_base", MARGIN, "robust − baseline at the largest B (points)"),
                at_least("gain_fb", MARGIN, "robust − FB at the largest B (points)"),
                at_least("drop_saved", MARGIN, "baseline's drop − robust's drop (points)")),
    partly=any_of(at_least("gain_base", MARGIN, "robust − baseline at the largest B"),
                  at_least("gain_fb", MARGIN, "robust − FB at the largest B")),
    requires=at_least("n_batches", 2, "batch sizes run with every method"),
)
"""A grid with every method at one batch size was computed but has no degradation to judge (not
judged); a grid lacking a method or a run has no values (not computed)."""

Acc = Callable[[str, int], float]
"""(method, batch) -> test accuracy in percent."""


def measures(acc: Acc, batches: Sequence[int]) -> dict[str, float]:
    """The rule's values from a grid of accuracies: smallest vs largest batch."""
    small, large = min(batches), max(batches)
    return {"drop_base": acc("baseline", small) - acc("baseline", large),
            "drop_fb": acc("fb", small) - acc("fb", large),
            "drop_robust": acc("robust", small) - acc("robust", large),
            "gain_base": acc("robust", large) - acc("baseline", large),
            "gain_fb": acc("robust", large) - acc("fb", large),
            "drop_saved": (acc("baseline", small) - acc("baseline", large))
            - (acc("robust", small) - acc("robust", large))}


def paper_measures() -> dict[str, float]:
    rows = {r.batch: r for r in PAPER_TABLE8}
    return {**measures(lambda m, b: 100 * rows[b].acc(m), list(rows)), "n_batches": len(rows)}


def every_run(R: Results) -> bool:
    """Every method ran at every batch size of the grid (at least one)."""
    return bool(R.batches) and all(R.get(m, b) is not None for m in METHODS for b in R.batches)


def complete(R: Results) -> bool:
    """Every run, at two or more batch sizes: the claim can be judged."""
    return len(R.batches) >= 2 and every_run(R)


def our_measures(R: Results) -> dict[str, float]:
    if not every_run(R):
        return {}
    return {**measures(lambda m, b: 100 * R.get(m, b).test_acc, R.batches), "n_batches": len(R.batches)}


def _text(v: dict[str, float]) -> str:
    return (f"baseline drops {v['drop_base']:+.1f} points from the smallest to the largest B, FB {v['drop_fb']:+.1f}, "
            f"robust {v['drop_robust']:+.1f}; at the largest B robust − baseline = {v['gain_base']:+.1f}, "
            f"robust − FB = {v['gain_fb']:+.1f} points")


def _diverged(R: Results) -> list[str]:
    return [f"{r.method} B={r.batch} (epoch {r.diverged_epoch})" for r in R.runs if r.diverged]


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


def _evidence(R: Results, v: dict[str, float]) -> str:
    parts = [_setting(R)]
    gone = _diverged(R)
    parts.append("Diverged: " + ", ".join(gone) + " (accuracy of the diverged network: chance, as Y's FB 0.1)."
                 if gone else "No run diverged (no non-finite epoch loss).")
    chance = [f"{r.method} B={r.batch}" for r in R.runs if r.test_acc <= CHANCE and not r.diverged]
    if chance:
        parts.append(f"At chance (test accuracy ≤ {CHANCE:g}) without diverging: {', '.join(chance)}.")
    small = min(R.batches)
    behind = 100 * (R.get("baseline", small).test_acc - R.get("robust", small).test_acc)
    if behind >= MARGIN:
        parts.append(f"At the smallest B robust training is {behind:.1f} points below the baseline (training on "
                     "adversarial examples only costs clean accuracy), so part of its smaller drop is that it "
                     "starts lower.")
    if v["drop_base"] < DEGRADE:
        parts.append(f"The baseline loses less than {DEGRADE:g} points at this scale: the degradation the claim "
                     "starts from is not there, so the claim cannot hold here.")
    if v["gain_base"] < MARGIN:
        parts.append("At the largest batch robust training is not better than the baseline: with a fixed number "
                     "of epochs a full-batch run takes only a few steps, and an adversarial step at the same rate "
                     "is no larger, so it cannot catch up.")
    return " ".join(parts)


def claim(R: Results) -> Claim:
    pv = paper_measures()
    paper = (f"{SOURCE}: {_text(pv)} (graded by the same rule: {RULE.grade(pv)}). {PAPER_WORDS}")
    statement = ("Robust (adversarial) training keeps test accuracy at batch sizes where the baseline and "
                 "Goyal et al.'s linear lr scaling (FB) degrade.")
    if R.missing is not None:
        return Claim("Y-Table8", statement, paper, f"not computed: {R.missing.detail}", RULE, {})
    if not every_run(R):
        return Claim("Y-Table8", statement, paper, "not computed: the grid lacks a method or a run "
                     f"(methods {R.params.methods}, B = {R.batches}).", RULE, {})
    v = our_measures(R)
    if not complete(R):
        b = R.batches[0]
        ours = (f"one batch size, B = {b}: test accuracy " + ", ".join(
            f"{m} {100 * R.get(m, b).test_acc:.1f}%" for m in METHODS) + f" ({R.params.scale} scale).")
        return Claim("Y-Table8", statement, paper, ours, RULE, single(v), _setting(R))
    return Claim("Y-Table8", statement, paper, _text(v) + f" ({R.params.scale} scale).", RULE,
                 single(v), _evidence(R, v))


def claims(R: Results) -> list[Claim]:
    return [claim(R)]


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``y6-<name>``); None (glued n/a) where not
    computed."""
    P = R.params
    out: dict = {"n-train": P.n_train, "n-test": P.n_test, "epochs": P.epochs,
                 "batches": ", ".join(map(str, P.batch_sizes)),
                 "fractions": ", ".join(f"{f:g}" for f in sorted(P.batch_fractions)),
                 "diverged": ", ".join(_diverged(R)) or "none", "verdict": claim(R).grade}
    v = our_measures(R) if complete(R) else {}
    for key in ("drop_base", "drop_fb", "drop_robust", "gain_base", "gain_fb"):
        out[key.replace("_", "-")] = round(v[key], 2) if key in v else None
        out["paper-" + key.replace("_", "-")] = round(paper_measures()[key], 2)
    for method in METHODS:
        rs = R.of(method)
        out[f"{method}-small"] = round(100 * rs[0].test_acc, 2) if rs else None
        out[f"{method}-large"] = round(100 * rs[-1].test_acc, 2) if rs else None
        out[f"{method}-peak-lr"] = round(rs[-1].peak_lr, 4) if rs else None
    return out
