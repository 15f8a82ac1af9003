"""Y3's claims (Figs 4, 16): large batches climb to a larger lambda1; robust training keeps it
lower. Graded on the mean lambda1 of each run's last ``tail_records`` records.

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

from hessbook import regime
from hessbook.chapters.y3 import paper
from hessbook.chapters.y3.compute import NUM_CLASSES, Results
from hessbook.chapters.y3.params import Y3Params
from hessbook.kit import Claim, Rule, above, at_least, at_most, below, in_regime
from hessbook.kit.seeds import seed_case, seed_cases, with_agreement
from hessbook.papers.yao import regime as yao_regime
from hessbook.papers.yao.paper import C1_STRIDE, TRAIN_SIZE

BATCH_RATIO = 1.25
"""Large-batch over small-batch lambda1 (clean runs) at least this: a clear climb."""
ROBUST_RATIO = 0.8
"""Robust over clean lambda1 (same batch size) at most this: clearly lower."""

BATCH_RULE = Rule(held=at_least("ratio", BATCH_RATIO, "λ1(large B) / λ1(small B), clean runs", ".2f"),
                  partly=above("ratio", 1.0, "that ratio"))
ROBUST_RULE = Rule(held=at_most("ratio", ROBUST_RATIO, "λ1(robust) / λ1(clean), same B", ".2f"),
                   partly=below("ratio", 1.0, "that ratio"))


def criteria(P: Y3Params) -> list[regime.Criterion]:
    """Y3's regime criteria (:mod:`hessbook.papers.yao.regime`). Y gives no network, batch size or
    length for Figs 4 and 16; Fig 4 sits in Y §2, whose networks are trained 'until a training loss
    of 0.001 or better', so the large batch must take the steps Y1's largest batch needed to get
    there; robust training uses Y §3.4's L-inf radii; and at least three seeds (Y §1), since each
    claim is graded in each seed."""
    steps = P.epochs * math.ceil(P.n_train / P.large_batch)
    eps = {paper.DATASET[m]: P.eps(m) for m in P.models}
    return [yao_regime.steps_criterion(steps, f"at B = {P.large_batch}: {P.epochs} epochs of {P.n_train} images",
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


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def _absent(R: Results) -> str:
    return "; ".join(f"{m.model.upper()}: data not on this machine ({m.detail})" for m in R.missing)


def _ours(parts: list[str], R: Results) -> str:
    absent = _absent(R)
    if not parts:
        return "not computed: " + (absent or "no run") + "."
    return "; ".join(parts) + (f". Not computed: {absent}." if absent else "")


def _tail_words(R: Results) -> str:
    P = R.params
    return (f"λ1 of a run: the mean of its last {P.tail_records} records (every {P.record_epochs} epoch(s), "
            f"{P.epochs} epochs); B = {P.small_batch} vs {P.large_batch}; robust: {P.robust_attack} adversarial "
            "training, the whole batch adversarial.")


def deviations(R: Results) -> str:
    """What of Figs 4/16's setup is ours (Y gives none of it) and where we depart from Y's data."""
    P = R.params
    nets = ", ".join(m.upper() for m in P.models)
    items = [f"Y does not give Fig 4's network, batch sizes, epochs or attack: ours {nets}, "
             f"B = {P.small_batch} vs {P.large_batch}, {P.epochs} epochs, {P.robust_attack.upper()}"]
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


def batch_claim_of(ratios: Mapping[str, float | None], ours: str, evidence: str,
                   expected: tuple[str, ...] = (), seeds: tuple[int, ...] | list[int] = ()) -> Claim:
    """Large batch over small batch lambda1 of the clean runs, one case per model and seed
    (``expected``: the models selected in every seed; Y does not name Fig 4's)."""
    return with_agreement(Claim(
        "Y-Fig4-16", "Large-batch training climbs to a larger λ1 of the weight Hessian than small-batch training.",
        paper=paper.CLAIM_BATCH, ours=ours, rule=BATCH_RULE,
        cases={case: {"ratio": v} for case, v in ratios.items()}, evidence=evidence, expected=expected), seeds)


def robust_claim_of(ratios: Mapping[str, float | None], ours: str, evidence: str,
                    expected: tuple[str, ...] = (), seeds: tuple[int, ...] | list[int] = ()) -> Claim:
    """Robust over clean lambda1 at the same batch size, one case per (model, batch) and seed."""
    return with_agreement(Claim(
        "Y-Fig4-16", "Robust (adversarial) training keeps λ1 lower than clean training at the same batch size.",
        paper=paper.CLAIM_ROBUST, ours=ours, rule=ROBUST_RULE,
        cases={case: {"ratio": v} for case, v in ratios.items()}, evidence=evidence, expected=expected), seeds)


def _selected(R: Results) -> tuple[str, ...]:
    return seed_cases([m.upper() for m in R.params.models], R.seeds)


def _selected_runs(R: Results) -> tuple[str, ...]:
    P = R.params
    return seed_cases([f"{m.upper()} B={b}" for m in P.models for b in (P.small_batch, P.large_batch)], R.seeds)


def batch_claim(R: Results) -> Claim:
    ratios = batch_ratios(R)
    parts = [f"{case}: λ1(B={R.params.large_batch}) / λ1(B={R.params.small_batch}) = {_fmt(v['clean'])} "
             f"clean, {_fmt(v['robust'])} robust" for case, v in ratios.items()]
    return batch_claim_of({case: v["clean"] for case, v in ratios.items()}, _ours(parts, R),
                          " ".join(x for x in (_tail_words(R), _gradients(R), deviations(R)) if x) + _final_losses(R)
                          + _flagged(R),
                          _selected(R), R.seeds)


def robust_claim(R: Results) -> Claim:
    ratios, peaks = robust_ratios(R), peak_ratios(R)[1]
    parts = [f"{case}: λ1(robust) / λ1(clean) = {_fmt(v)}" for case, v in ratios.items()]
    if peaks:
        parts.append("not graded, on each run's largest λ1: " + ", ".join(f"{v:.2f}" for v in peaks))
    return robust_claim_of(
        ratios, _ours(parts, R),
        _tail_words(R) + " A run that has fit its subset (training loss near 0) has a small λ1 "
        "whatever its valley, since the Hessian of cross-entropy scales with p(1 − p): where the clean "
        "run fits its subset first, its last records can sit below the robust run's. " + deviations(R)
        + _final_losses(R) + _flagged(R), _selected_runs(R), R.seeds)


def graded_claims(R: Results) -> list[Claim]:
    return [batch_claim(R), robust_claim(R)]


def peak_ratios(R: Results) -> tuple[list[float], list[float]]:
    """Not graded: the same two ratios on each run's largest lambda1 instead of its last records
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
    return {
        "runs": len(runs),
        "n_seeds": len(R.seeds),
        "missing": ", ".join(m.model for m in R.missing) or "none",
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
