"""Y2's claims (Figs 2 and 15, Fig 7, Figs 3, 13 and 14), graded by rank correlations across
batch sizes, and the numbers the chapter's prose cites."""

from __future__ import annotations

import math

import numpy as np

from hessbook.chapters.y1.analysis import MIN_TREND_BATCHES, rho_short, rho_text, spearman
from hessbook.chapters.y2 import paper
from hessbook.chapters.y2.compute import Results
from hessbook.kit import Claim, Rule, above, all_of, any_of, at_least, is_true

TREND_STRONG = 0.8
"""A rank correlation of at least this between B and sharpness is a clear order."""


def _rule(what: str) -> Rule:
    return Rule(
        held=all_of(at_least("rho_train", TREND_STRONG, f"ρ(B, {what}, training set)"),
                    at_least("rho_test", TREND_STRONG, f"ρ(B, {what}, test set)")),
        partly=any_of(above("rho_train", 0.0, "ρ(B, training)"), above("rho_test", 0.0, "ρ(B, test)")),
        requires=all_of(at_least("n_batches", MIN_TREND_BATCHES, "batch sizes"),
                        is_true("defined", "both correlations are defined (no constant column)")),
    )


LINE_RULE = _rule("loss rise at ±ε* along v1")
SURFACE_RULE = _rule("mean loss rise over the (v1, v2) plane")


def line_trend(R: Results, model: str, split: str) -> float:
    rs = R.of(model)
    return spearman([r.batch for r in rs], [r.rise(split, R.params.grade_step) for r in rs])


def surface_trend(R: Results, model: str, split: str) -> float:
    rs = R.of(model)
    return spearman([r.batch for r in rs], [r.surface_rise(split) for r in rs])


def _case(R: Results, model: str, trend) -> dict:
    tr, te = trend(R, model, "train"), trend(R, model, "test")
    return {"n_batches": len(R.of(model)), "rho_train": tr, "rho_test": te,
            "defined": not (math.isnan(tr) or math.isnan(te))}


def _rises(R: Results, model: str, split: str) -> str:
    return ", ".join(f"B={r.batch}: {r.rise(split, R.params.grade_step):.3g}" for r in R.of(model))


def _absent(R: Results, models) -> str:
    why = []
    for m in models:
        gone = next((x for x in R.missing if x.model == m), None)
        if gone is not None:
            why.append(f"{m.upper()}: data not on this machine ({gone.detail})")
        elif m not in R.params.y1_models:
            why.append(f"{m.upper()}: not selected at this scale")
    return "; ".join(why)


def _ours(parts: list[str], absent: str) -> str:
    if not parts:
        return "not computed: " + (absent or "no network examined") + "."
    return "; ".join(parts) + (f". Not computed: {absent}." if absent else "")


def line_claim(R: Results, item: str, models: tuple[str, ...]) -> Claim:
    """Larger batches sit in sharper valleys along v1 (training and test loss)."""
    eps = R.params.grade_step
    ran = [m for m in models if R.of(m)]
    parts = [f"{m.upper()} ({paper.LINE_FIGURE[m]}): ρ(B, rise) = {rho_short(line_trend(R, m, 'train'))} "
             f"train, {rho_short(line_trend(R, m, 'test'))} test; train rises {_rises(R, m, 'train')}" for m in ran]
    if "m1" in ran:
        parts.append(f"M1 random batch of {R.params.random_batch}: ρ = {rho_short(line_trend(R, 'm1', 'batch'))}")
    figures = " and ".join(paper.LINE_FIGURE[m] for m in models)
    return Claim(
        item, f"{figures}: larger batches sit in sharper valleys along the top Hessian eigenvector v1.",
        paper=paper.CLAIM_LINE + (" " + paper.CLAIM_FIG7 if "m1" in models else ""),
        ours=_ours(parts, _absent(R, models)), rule=LINE_RULE,
        cases={m.upper(): _case(R, m, line_trend) for m in ran},
        evidence=f"Sharpness of a network: the mean loss at θ ± ε* v1 minus the loss at θ, ε* = {eps:g}, "
                 "‖v1‖ = 1; Spearman ρ over Y1's batch sizes.",
    )


def surface_claim(R: Results) -> Claim:
    """The (v1, v2) surfaces order the batch sizes as the lines do."""
    ran = R.models
    parts = [f"{m.upper()} ({paper.SURFACE_FIGURE[m]}): ρ(B, surface rise) = "
             f"{rho_short(surface_trend(R, m, 'train'))} train, {rho_short(surface_trend(R, m, 'test'))} test"
             for m in ran]
    return Claim(
        "Y-Fig3-13-14", "The 2-D loss surfaces along v1 and v2 show the same order: larger batches, steeper bowls.",
        paper=paper.CLAIM_SURFACE, ours=_ours(parts, _absent(R, paper.MODELS)), rule=SURFACE_RULE,
        cases={m.upper(): _case(R, m, surface_trend) for m in ran},
        evidence=f"Sharpness of a surface: its mean loss over the grid |ε1|, |ε2| ≤ {R.params.surface_radius:g} "
                 "minus the loss at θ.",
    )


def claims(R: Results) -> list[Claim]:
    return [line_claim(R, "Y-Fig2-15", ("c1", "c2")), line_claim(R, "Y-Fig7", ("m1",)), surface_claim(R)]


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``y2-<name>``); 0 where nothing was computed."""
    nets = R.networks
    rhos = {f"{m}_rho_{what}_{split}": rho_text(trend(R, m, split)) if R.of(m) else "not computed"
            for m in paper.MODELS for what, trend in (("line", line_trend), ("surface", surface_trend))
            for split in ("train", "test")}
    fd = [abs(r.curvature_fd - r.eigenvalues[0]) / abs(r.eigenvalues[0]) for r in nets]
    m1 = R.of("m1")
    return {
        "networks": len(nets),
        "missing": ", ".join(m.model for m in R.missing) or "none",
        "grade_step": R.params.grade_step,
        "max_residual": float(max((r.relative_residuals.max() for r in nets), default=0.0)),
        "max_fd_error": float(max(fd, default=0.0)),
        "min_theta_norm": float(min((r.theta_norm for r in nets), default=0.0)),
        "test_over_train": float(np.median([r.rise("test", R.params.grade_step) /
                                            max(r.rise("train", R.params.grade_step), 1e-12) for r in m1]))
        if m1 else 0.0,
        **rhos,
    }
