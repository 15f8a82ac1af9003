"""Y4's claims (Theorem 1 with Lemma 3, Proposition 2), graded by rules, and the numbers the
chapter's prose cites."""

from __future__ import annotations

import numpy as np

from hessbook.chapters.y4.compute import Results
from hessbook.kit import Claim, Rule, all_of, at_least, at_most, equals, single

PSD_TOL = 1e-3
"""An eigenvalue >= -PSD_TOL * lambda_max counts as non-negative (round-off of float products)."""
AGREE_TOL = 1e-2
"""Relative difference below which the exact and the iterative path agree."""
S_TOL = 1e-12
"""The smallest eigenvalue of S = diag(p) - pp^T counts as non-negative above -S_TOL."""
PARTLY_SHARE = 0.9
"""Theorem 1 partly held when at least this share of samples is non-negative on both paths."""
GAP_TOL = 1e-6
"""Proposition 2: the c-th Lanczos eigenvalue of the true Hessian counts as zero below GAP_TOL * lambda_1."""

NONNEG = f"λmin ≥ −{PSD_TOL:g}·λmax"

THM1_RULE = Rule(
    held=all_of(at_least("exact_ok", 1.0, f"share of test samples with {NONNEG} on the exact path", ".0%"),
                at_least("iter_ok", 1.0, "that share on the iterative path", ".0%"),
                at_most("agree", AGREE_TOL, "relative difference of λ1, exact vs iterative path"),
                at_least("s_min", -S_TOL, "smallest eigenvalue of S (Lemma 3)")),
    partly=all_of(at_least("exact_ok", PARTLY_SHARE, "the share on the exact path", ".0%"),
                  at_least("iter_ok", PARTLY_SHARE, "on the iterative path", ".0%")),
)
PROP2_RULE = Rule(
    held=all_of(equals("n_over", 0, "networks with a sample of numerical rank above c (exact path)"),
                at_most("gap", GAP_TOL, "λc/λ1 of the true input Hessian (Lanczos)")),
    partly=equals("n_over", 0, "networks with a sample of rank above c"),
)


def _missing(R: Results) -> str:
    return (" Not computed for lack of data: " + "; ".join(f"{m.model} ({m.detail})" for m in R.missing) + "."
            if R.missing else "")


def _contrast(R: Results) -> str:
    r = R.smooth
    if r is None:
        return "not computed"
    return (f"{r.label}: {np.mean(r.relative_min < -PSD_TOL):.0%} of samples have λmin < −{PSD_TOL:g}·λmax "
            f"(min ratio {r.relative_min.min():.2f}), Gauss-Newton part vs true λ1 differ by {r.cc_agreement:.0e}")


def theorem1_claim(R: Results) -> Claim:
    relu = R.networks
    statement = ("The input Hessian of a ReLU/conv/BN network with softmax-CE is PSD almost everywhere "
                 "(saddle-free inner problem), because S = diag(p) − ppᵀ is PSD (Lemma 3).")
    paper = "Theorem 1, Lemma 3 (proof in App. A.1; no numbers in the paper)."
    evidence = ("The iterative path (double backward) assumes nothing about the network, so its agreement with "
                "the exact path is the test of the theorem. Contrast, outside Assumption 1: " + _contrast(R) + ".")
    if not relu:
        return Claim("Y-Thm1", statement, paper, "not computed: no ReLU network computed." + _missing(R),
                     THM1_RULE, {}, evidence)
    exact_ok = float(np.mean(np.concatenate([r.relative_min >= -PSD_TOL for r in relu])))
    iter_ok = float(np.mean(np.concatenate([r.cc_relative_min >= -PSD_TOL for r in relu])))
    agree = max(r.cc_agreement for r in relu)
    s_min = min(float(r.s_min.min()) for r in relu)
    lemma_err = max(r.lemma3_autograd_error for r in relu)
    ours = (f"{len(relu)} ReLU networks, {sum(r.n for r in relu)} test samples: {exact_ok:.0%} with {NONNEG} on "
            f"the exact path, {iter_ok:.0%} of the iterative cross-check samples; exact vs iterative λ1 agree to "
            f"{agree:.0e}; smallest eigenvalue of S {s_min:.0e}, S vs autograd {lemma_err:.0e}." + _missing(R))
    return Claim("Y-Thm1", statement, paper, ours, THM1_RULE,
                 single({"exact_ok": exact_ok, "iter_ok": iter_ok, "agree": agree, "s_min": s_min}), evidence)


def proposition2_claim(R: Results) -> Claim:
    relu = R.networks
    statement = "The input Hessian has rank at most the number of classes c."
    paper = "Proposition 2: rank ≤ c almost everywhere."
    if not relu:
        return Claim("Y-Prop2", statement, paper, "not computed: no ReLU network computed." + _missing(R),
                     PROP2_RULE, {})
    max_rank = max(int(r.rank.max()) for r in relu)
    over = [r.label for r in relu if int(r.rank.max()) > r.num_classes]
    at_c_minus_1 = all(int(r.rank.max()) <= r.num_classes - 1 for r in relu)
    gap = max(r.cc_rank_gap for r in relu)
    ours = (f"largest numerical rank {max_rank} (c = {', '.join(sorted({str(r.num_classes) for r in relu}))}); "
            f"iterative λc/λ1 ≤ {gap:.0e}" + ("; every sample has rank ≤ c − 1, since S·1 = 0" if at_c_minus_1 else "")
            + (f"; above c: {', '.join(over)}" if over else "") + "." + _missing(R))
    return Claim("Y-Prop2", statement, paper, ours, PROP2_RULE, single({"n_over": len(over), "gap": gap}))


def claims(R: Results) -> list[Claim]:
    """Theorem 1 (with Lemma 3) and Proposition 2 on the ReLU networks; the smooth contrast as evidence."""
    return [theorem1_claim(R), proposition2_claim(R)]


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``y4-<name>``); 0 where nothing was computed."""
    relu, smooth = R.networks, R.smooth
    return {
        "networks": len(relu),
        "samples": sum(r.n for r in relu),
        "missing": ", ".join(m.model for m in R.missing) or "none",
        "worst_relu": min(float(r.relative_min.min()) for r in relu) if relu else 0.0,
        "worst_iter": min(float(r.cc_relative_min.min()) for r in relu) if relu else 0.0,
        "agree": max(float(r.cc_agreement) for r in relu) if relu else 0.0,
        "max_rank": max(int(r.rank.max()) for r in relu) if relu else 0,
        "smin": min(float(r.s_min.min()) for r in R.cases) if R.cases else 0.0,
        "smooth_neg": float(100 * np.mean(smooth.relative_min < -PSD_TOL)) if smooth else 0.0,
        "smooth_min": float(smooth.relative_min.min()) if smooth else 0.0,
        "smooth_gn": float(smooth.cc_agreement) if smooth else 0.0,
    }
