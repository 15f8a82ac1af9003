"""Y1's claims (Tables 1, 2, 7, Fig 1 and Y §3.3's remark on lambda1^x), graded by rules, and
the numbers the chapter's prose cites (the lambda1^x sentence shares its claim's grading)."""

from __future__ import annotations

import math

from hessbook.chapters.y1.analysis import (
    LAMBDA_X_MODELS,
    MIN_TREND_BATCHES,
    fig1_fraction,
    lambda_x_trends,
    paper_trends,
    rho_short,
    rho_text,
    trend_text,
    trends,
)
from hessbook.chapters.y1.compute import Results
from hessbook.chapters.y1.paper import MODELS
from hessbook.kit import Claim, Rule, above, all_of, any_of, at_least, at_most, below, is_true, single
from hessbook.kit.claims import HELD, NOT_COMPUTED, NOT_HELD, NOT_JUDGED, PARTLY

TREND_STRONG = 0.8
"""A rank correlation at least this strong (in the claimed direction) is a clear trend."""
LAMBDA_X_TRACKS = -0.8
"""rho(lambda1^x, FGSM) at or below this: larger input curvature consistently less robust."""
FIG1_HELD, FIG1_PARTLY = 0.9, 0.5
"""Share of top eigenvalues larger at the largest batch than at the smallest."""

TREND_RULE = Rule(
    held=all_of(at_least("rho_lambda", TREND_STRONG, "ρ(B, λ1θ train)"),
                at_most("rho_fgsm", -TREND_STRONG, "ρ(B, FGSM test)")),
    partly=any_of(all_of(above("rho_lambda", 0.0, "ρ(B, λ1θ)"), below("rho_fgsm", 0.0, "ρ(B, FGSM)")),
                  at_least("rho_lambda", TREND_STRONG, "ρ(B, λ1θ)"), at_most("rho_fgsm", -TREND_STRONG, "ρ(B, FGSM)")),
    requires=all_of(at_least("n_batches", MIN_TREND_BATCHES, "batch sizes"),
                    is_true("defined", "both correlations are defined (no constant column)")),
)
ENOUGH_FOR_TREND = all_of(at_least("n_batches", MIN_TREND_BATCHES, "batch sizes"),
                          is_true("defined", "the correlation is defined (no constant column)"))
"""A model with fewer batch sizes, or a constant column, was computed but has no trend to judge."""
LAMBDA_X_RULE = Rule(held=above("rho_lx", LAMBDA_X_TRACKS, "ρ(λ1x test, FGSM test)"), requires=ENOUGH_FOR_TREND)
FIG1_RULE = Rule(
    held=at_least("share", FIG1_HELD, "share of top eigenvalues larger at the largest B than at the smallest "
                                      "(the smaller of C1's and M1's)", ".0%"),
    partly=at_least("share", FIG1_PARTLY, "that share", ".0%"),
)

TABLES = (("Y-Table1", ("c1", "c2"), "Table 1"), ("Y-Table7", ("m1",), "Table 7"),
          ("Y-Table2", ("resnet18",), "Table 2"))
FIG1_MODELS = ("c1", "m1")


def _ours(parts: list[str], note: str, empty: str = "") -> str:
    """Our measurements, then what was not computed and why."""
    if parts:
        return "; ".join(parts) + (f". Not computed: {note}." if note else "")
    return "not computed: " + "; ".join(x for x in (empty, note) if x) + "."


def _defined(*rhos: float) -> bool:
    return not any(math.isnan(r) for r in rhos)


def trend_claim(R: Results, item: str, models, table: str) -> Claim:
    """``table``: lambda1^theta rises and FGSM accuracy falls with B (one case per model run)."""
    ts = [trends(R, m) for m in models if R.ran(m)]
    return Claim(
        item, f"{table}: λ1θ rises and FGSM accuracy falls with batch size.",
        paper="paper's rows: " + "; ".join(trend_text(paper_trends(m)) for m in models),
        ours=_ours([trend_text(t) for t in ts], R.absent(models)),
        rule=TREND_RULE,
        cases={t.model.upper(): {"n_batches": len(t.batches), "rho_lambda": t.rho_lambda_theta,
                                 "rho_fgsm": t.rho_fgsm, "defined": _defined(t.rho_lambda_theta, t.rho_fgsm)}
               for t in ts},
        evidence="Spearman ρ over batch sizes: λ1θ on the training set, FGSM accuracy at the larger ε on the "
                 "test set.",
    )


def lambda_x_claim(R: Results) -> Claim:
    """Y §3.3: lambda1^x and ||grad_x J|| do not track adversarial robustness (one case per model
    run; one with fewer than :data:`MIN_TREND_BATCHES` batch sizes or an undefined ρ is not judged)."""
    ts = lambda_x_trends(R)
    ran = [trends(R, m) for m in LAMBDA_X_MODELS if R.ran(m)]
    paper_rows = ", ".join(f"{m.upper()} {paper_trends(m).rho_lambda_x_fgsm:+.2f}" for m in LAMBDA_X_MODELS)
    parts = [f"{t.model.upper()}: ρ(λ1x, FGSM) = {rho_short(t.rho_lambda_x_fgsm)} test, "
             f"{rho_short(t.rho_lambda_x_fgsm_train)} train; ρ(‖∇xJ‖, FGSM) = {rho_short(t.rho_grad_x_fgsm)} test"
             for t in ts]
    note = R.absent(LAMBDA_X_MODELS, unselected=False)
    return Claim(
        "Y-Table1", "λ1 of the input Hessian and ‖∇x J‖ do not track adversarial robustness.",
        paper="Y §3.3: 'these two metrics actually do not correlate with the adversarial accuracy' "
              f"(paper's own rows, test set: ρ(λ1x, FGSM) = {paper_rows}).",
        ours=_ours(parts, note, f"no CIFAR-10 or MNIST model ran with {MIN_TREND_BATCHES} or more batch sizes"),
        rule=LAMBDA_X_RULE,
        cases={t.model.upper(): {"n_batches": len(t.batches), "rho_lx": t.rho_lambda_x_fgsm,
                                 "defined": _defined(t.rho_lambda_x_fgsm)} for t in ran},
        evidence="A model where it did not hold is one where larger input curvature consistently goes with "
                 f"lower FGSM accuracy; judged on the models run with {MIN_TREND_BATCHES} or more batch sizes.",
    )


def fig1_claim(R: Results) -> Claim:
    """Fig 1: the whole top spectrum is larger at the largest batch than at the smallest (C1, M1)."""
    shares = {m: fig1_fraction(R, m) for m in FIG1_MODELS if len(R.of(m)) >= 2}
    parts = [f"{m.upper()}: {100 * v:.0f}% of top eigenvalues larger at the largest B than at the smallest"
             for m, v in shares.items()]
    note = R.absent(FIG1_MODELS, unselected=False)
    return Claim(
        "Y-Fig1", "Large batches have a larger Hessian spectrum, the dominant and the next 19 eigenvalues.",
        paper="Fig 1: every top-20 eigenvalue grows with B (C1 and M1).",
        ours=_ours(parts, note, "fewer than two batch sizes of C1 or M1"), rule=FIG1_RULE,
        cases=single({"share": min(shares.values())}) if shares else {},
    )


def claims(R: Results) -> list[Claim]:
    """Y-Table1 carries two claims (the lambda1^x remark, then the batch-size trend)."""
    return [lambda_x_claim(R), *(trend_claim(R, item, models, table) for item, models, table in TABLES),
            fig1_claim(R)]


def lambda_x_finding(R: Results) -> str:
    """One sentence for the prose: does lambda1^x (test) move against FGSM accuracy in our runs?"""
    claim, ts = lambda_x_claim(R), lambda_x_trends(R)
    grade = claim.grade
    if grade in (NOT_COMPUTED, NOT_JUDGED):
        if not R.networks:
            return "Nothing was trained at this scale (no dataset found), so there is no trend to judge."
        if not ts:
            return "We ran fewer than three batch sizes per model at this scale, so there is no trend to judge."
        return ("ρ(λ1x, FGSM) is undefined for every model we ran with three or more batch sizes ("
                + ", ".join(t.model.upper() for t in ts) + ": a constant column), so there is no trend to judge.")
    parts = [f"{t.model.upper()} ρ(λ1x, FGSM) = {rho_short(t.rho_lambda_x_fgsm)} on the test set "
             f"({rho_short(t.rho_lambda_x_median_fgsm)} with the median over samples instead of the mean) and "
             f"{rho_short(t.rho_lambda_x_fgsm_train)} on the training set" for t in ts]
    tracking = [name for name, g in claim.grades.items() if g == NOT_HELD]
    unjudged = list(claim.unjudged)
    if grade == PARTLY and not tracking:  # held wherever judged, but some model could not be judged
        verdict = ("so, as in the paper, input curvature does not rank the models we could judge by robustness ("
                   + ", ".join(unjudged) + ": too few batch sizes or a constant column)")
    else:
        verdict = {
            HELD: "so, as in the paper, input curvature does not rank our models by robustness",
            NOT_HELD: "so, unlike the paper, larger input curvature goes with lower FGSM accuracy in every model we "
                      + ("could judge" if unjudged else "ran"),
            PARTLY: "so input curvature ranks some of our models by robustness (" + ", ".join(tracking)
                    + ") and not the others",
        }[grade]
    return "Ours: " + "; ".join(parts) + "; " + verdict + "."


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``y1-<name>``). With no network trained
    (no dataset here), the loss range and the power/Lanczos difference are 0."""
    nets, P = R.networks, R.params
    out: dict = {
        "n_models": len(nets),
        "missing": "; ".join(f"{m.model} ({m.reason})" for m in R.missing) or "none",
        "max_loss": max(r.final_loss for r in nets) if nets else 0.0,
        "min_loss": min(r.final_loss for r in nets) if nets else 0.0,
        "reached": sum(r.stop_reason != "max_epochs" and r.final_loss <= P.loss_target for r in nets),
    }
    for m in MODELS:
        t, paper = trends(R, m), paper_trends(m)
        out[f"{m}_rho_lambda"] = rho_text(t.rho_lambda_theta) if R.ran(m) else "not run at this scale"
        out[f"{m}_rho_fgsm"] = rho_text(t.rho_fgsm) if R.ran(m) else "not run at this scale"
        out[f"{m}_paper_rho_lambda"] = paper.rho_lambda_theta
        out[f"{m}_paper_rho_fgsm"] = paper.rho_fgsm
        if m in LAMBDA_X_MODELS:
            out[f"{m}_paper_rho_lx"] = paper.rho_lambda_x_fgsm
    out["m1_paper_rho_lx_train"] = paper_trends("m1").rho_lambda_x_fgsm_train
    out["lambda_x_finding"] = lambda_x_finding(R)
    out["power_products"] = sum(sum(r.power_products) for r in nets)
    out["lanczos_products"] = sum(sum(r.lanczos_products) for r in nets)
    out["power_seconds"] = sum(sum(r.power_seconds) for r in nets)
    out["lanczos_seconds"] = sum(sum(r.lanczos_seconds) for r in nets)
    out["power_vs_lanczos"] = (max(abs(r.power_lambda[0] - r.lambda_theta[0]) / abs(r.lambda_theta[0]) for r in nets)
                               if nets else 0.0)
    return out
