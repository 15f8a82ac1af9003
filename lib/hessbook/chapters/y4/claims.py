"""Y4's claims (Theorem 1 with Lemma 3, Proposition 2), graded by rules, and the numbers the
chapter's prose cites."""

from __future__ import annotations

import math

import numpy as np

from hessbook import regime
from hessbook.chapters.y4.compute import Results
from hessbook.chapters.y4.params import Y4Params
from hessbook.kit import Claim, Rule, all_of, at_least, at_most, single
from hessbook.papers.yao import regime as yao_regime

PSD_TOL = 1e-3
"""An eigenvalue >= -PSD_TOL * lambda_max counts as non-negative (round-off of float products)."""
AGREE_TOL = 1e-2
"""Relative difference below which the exact and the iterative path agree."""
S_TOL = 1e-12
"""The smallest eigenvalue of S = diag(p) - pp^T counts as non-negative above -S_TOL."""
PARTLY_SHARE = 0.9
"""Theorem 1 partly held when at least this share of the cross-check samples is non-negative."""
LEMMA_TOL = 1e-10
"""S = diag(p) − ppᵀ agrees with autograd's Hessian of cross-entropy in the logits (float64)."""
MIN_SAMPLES = math.ceil(math.log(0.05) / math.log(PARTLY_SHARE))
"""Enough cross-check samples to judge "almost everywhere" where the check could fail: with no
failure among n samples, a network that is non-PSD at a share 1 − PARTLY_SHARE of its inputs
(the held/partly boundary) would pass unnoticed with probability PARTLY_SHARE**n; n ≥ 29 makes
that at most 5%. For the ReLU networks examined the check cannot fail (:data:`TESTED`), so this
guards the instrument, not the theorem."""
GAP_TOL = 1e-6
"""Proposition 2: an eigenvalue of the true Hessian counts as zero below GAP_TOL * lambda_1, or
below :data:`RESOLUTION_FACTOR` times the Lanczos tolerance where that is larger (:func:`zero_tol`)."""
RESOLUTION_FACTOR = 10.0
"""A Ritz value whose relative residual meets ``lanczos_tol`` may sit up to that residual (times
λ1) from the eigenvalue it estimates: "zero" is read ten times above that resolution."""


def zero_tol(lanczos_tol: float) -> float:
    """Below what share of λ1 an eigenvalue counts as zero, given the Lanczos runs' tolerance."""
    return max(GAP_TOL, RESOLUTION_FACTOR * lanczos_tol) if lanczos_tol == lanczos_tol else GAP_TOL

NONNEG = f"λmin ≥ −{PSD_TOL:g}·λmax"
ENOUGH = at_least("n_cc", MIN_SAMPLES, "cross-check samples (double backward, both Lanczos runs converged) over "
                                       "all networks")

PSD_SHARE = f"share of cross-check samples with {NONNEG} on the double-backward input Hessian (Lanczos)"
"""What THM1_RULE's ``iter_ok`` is, named in full by its partly too ("that share" came after other measures)."""
THM1_RULE = Rule(
    held=all_of(at_least("iter_ok", 1.0, PSD_SHARE, ".0%"),
                at_most("agree", AGREE_TOL, "relative difference of λ1, JᵀSJ vs the double-backward Hessian "
                                            "(Lanczos, power)"),
                at_most("lemma_err", LEMMA_TOL, "max |S − autograd Hessian of CE in the logits|")),
    partly=at_least("iter_ok", PARTLY_SHARE, PSD_SHARE, ".0%"),
    requires=ENOUGH,
)


def prop2_rule(tol: float) -> Rule:
    """Proposition 2's rule with zero read below ``tol`` * λ1 (:func:`zero_tol`)."""
    return Rule(
        held=all_of(at_most("gap", tol, "max |λ_{c+1}|/λ1 of the double-backward input Hessian (Lanczos)"),
                    at_most("neg", tol, "max |min(λmin, 0)|/λ1 of the double-backward input Hessian (Lanczos)")),
        requires=ENOUGH,
    )


PROP2_RULE = prop2_rule(GAP_TOL)


def theorem1_values(iter_ok: float, agree: float, lemma_err: float, n_cc: int) -> dict:
    """The values Theorem 1's rule reads: only what can fail (nothing computed on the exact path,
    which assumes the theorem)."""
    return {"iter_ok": iter_ok, "agree": agree, "lemma_err": lemma_err, "n_cc": n_cc}


def proposition2_values(gap: float, neg: float, n_cc: int) -> dict:
    return {"gap": gap, "neg": neg, "n_cc": n_cc}


def _unconverged(relu) -> str:
    """" 1 of 32 cross-check samples left out: a Lanczos run did not meet its tolerance (M1 B=512)."""
    bad = [(r.label, int((~r.cc_ok).sum())) for r in relu if (~r.cc_ok).any()]
    total = sum(len(r.cc_ok) for r in relu)
    if not bad:
        return ""
    return (f" {sum(n for _, n in bad)} of {total} cross-check samples left out: a Lanczos run did not meet its "
            "tolerance (an unconverged smallest Ritz value lies above the true one): "
            + ", ".join(f"{label} ({n})" for label, n in bad) + ".")


def _missing(R: Results) -> str:
    return (" Not computed for lack of data: " + "; ".join(f"{m.model} ({m.detail})" for m in R.missing) + "."
            if R.missing else "")


def _not_computed(R: Results) -> str:
    """Why no ReLU network was examined: the networks without a result, and why."""
    return "no ReLU network computed" + "".join(f"; {m.model} ({m.detail})" for m in R.missing)


def _contrast(R: Results) -> str:
    r = R.smooth
    if r is None:
        return "not computed"
    return (f"{r.label}: {np.mean(r.relative_min < -PSD_TOL):.0%} of samples have λmin < −{PSD_TOL:g}·λmax "
            f"(min ratio {r.relative_min.min():.2f}), Gauss-Newton part vs true λ1 differ by {r.cc_agreement:.0e}")


TESTED = ("Checked: on the first n_crosscheck test samples of each network, the input Hessian by double-backward "
          "products (Lanczos, largest c + 1 and smallest eigenvalue, float64) and Y's power iteration, against "
          "JᵀSJ; S against autograd. This is a check of the computation (Lemma 3 and the chain rule as "
          "implemented), not a test that could fail for these networks: through ReLU (its mask has zero "
          "derivative), max-pooling (index routing) and eval-mode batch norm (affine), autograd's double backward "
          "computes exactly the almost-everywhere Hessian JᵀSJ, the algebra of Y's proof, so PSD, the agreement "
          "and rank ≤ c − 1 hold by construction, up to round-off, for any such network, trained or not. The tanh "
          "contrast shows that the instrument sees non-PSD matrices where the network's second derivative does "
          "not vanish; it does not show that the ReLU claim was at risk. Not graded: the exact path JᵀSJ on all "
          "samples (shown). Not measured: the curvature across ReLU kinks at the attack's scale ε, which the "
          "inner maximisation of Y eq. (1) crosses.")
"""What the Y4 verdicts grade, in the words the reader sees (audit finding 3: the prose said the
double-backward path "assumes nothing about the network"; for ReLU/max-pool/eval-BN networks it
computes JᵀSJ itself, so the verdicts cannot fail there)."""
BY_CONSTRUCTION = "Check of the computation (holds by construction for ReLU networks; see the evidence): "
"""The start of the claims' "ours": a held here is not an empirical confirmation of the theorem."""
HELD_BY_CONSTRUCTION = ("Holds by construction: for the ReLU networks examined (ReLU, max-pooling, eval-mode batch "
                        "norm) this check cannot fail, so a held here confirms the computation, not the theorem "
                        "empirically (the book's decision: a theorem's numerical check that agrees between two "
                        "computations reads held, and says so here). ")
"""The start of the claims' evidence, so that a reader coming from the status page, which shows
the verdict only, reads in the verdict table why this held cannot have failed (review item 3)."""


def theorem1_claim(R: Results) -> Claim:
    relu = R.networks
    statement = ("The input Hessian of a ReLU/conv/BN network with softmax-CE is PSD almost everywhere "
                 "(saddle-free inner problem), because S = diag(p) − ppᵀ is PSD (Lemma 3).")
    paper = "Theorem 1, Lemma 3 (proof in App. A.1; no numbers in the paper)."
    evidence = (HELD_BY_CONSTRUCTION + TESTED
                + f" Judged with at least {MIN_SAMPLES} cross-check samples in all (see MIN_SAMPLES). "
                "Contrast, outside Assumption 1: " + _contrast(R) + ".")
    if not relu:
        return Claim.not_computed("Y-Thm1", statement, paper, THM1_RULE, _not_computed(R), evidence)
    exact_ok = float(np.mean(np.concatenate([r.relative_min >= -PSD_TOL for r in relu])))
    n_cc = sum(int(r.cc_ok.sum()) for r in relu)
    iter_ok = float(np.mean(np.concatenate([(r.cc_relative_min >= -PSD_TOL)[r.cc_ok] for r in relu])))
    agree = max(r.cc_agreement for r in relu)
    s_min = min(float(r.s_min.min()) for r in relu)
    lemma_err = max(r.lemma3_autograd_error for r in relu)
    ours = (BY_CONSTRUCTION + f"{len(relu)} ReLU networks, {n_cc} cross-check samples: {iter_ok:.0%} with {NONNEG} "
            f"on the double-backward input Hessian; JᵀSJ vs double-backward λ1 agree to {agree:.0e}; S vs autograd "
            f"{lemma_err:.0e}. "
            f"Not graded: exact path {exact_ok:.0%} of {sum(r.n for r in relu)} samples, smallest eigenvalue of S "
            f"{s_min:.0e}." + _missing(R))
    return Claim("Y-Thm1", statement, paper, ours, THM1_RULE,
                 single(theorem1_values(iter_ok, agree, lemma_err, n_cc)), evidence + _unconverged(relu))


def largest(arrays) -> float:
    """The largest value over ``arrays`` (the converged cross-check samples of each network), NaN
    when there is none: a bound over no sample is not computed, never 0 (review of 2026-12-07)."""
    values = [float(v) for a in arrays for v in np.asarray(a, dtype=float).ravel() if not math.isnan(v)]
    return max(values) if values else float("nan")


def bound_text(x: float) -> str:
    """An upper bound to two significant digits, rounded up, so that it is never below the value
    it bounds (2.34e-11 -> "2.4e-11"); 0 and non-finite values as they are."""
    if math.isnan(x):
        return "n/a"
    if not math.isfinite(x) or x <= 0:
        return f"{x:.1e}"
    step = 10.0 ** (math.floor(math.log10(x)) - 1)
    return f"{math.ceil(x / step - 1e-9) * step:.1e}"


def proposition2_claim(R: Results) -> Claim:
    relu = R.networks
    statement = "The input Hessian has rank at most the number of classes c."
    paper = ("Proposition 2: the input Hessian \"is almost a rank c matrix almost everywhere\" (its proof, "
             "Appendix A.1, and Appendix A.4, 'Discussion on Second Order Method': \"at most ten\" for CIFAR-10, "
             "i.e. rank ≤ c).")
    evidence = (HELD_BY_CONSTRUCTION + TESTED
                + " Rank ≤ c: every eigenvalue of the double-backward Hessian beyond the largest c is "
                "zero, i.e. |λ_{c+1}| and |λmin| are both ≈ 0 relative to λ1 (absolute values: an eigenvalue at zero "
                "comes out of Lanczos as round-off of either sign, so |λ_{c+1}| may exceed |λc|). Y's bound c is "
                "true; S·1 = 0 tightens it to c − 1 (|λc|/λ1, shown, not graded). "
                f"Judged with at least {MIN_SAMPLES} cross-check samples in all.")
    if not relu:
        return Claim.not_computed("Y-Prop2", statement, paper, PROP2_RULE, _not_computed(R), evidence)
    n_cc = sum(int(r.cc_ok.sum()) for r in relu)
    gap = largest(np.abs(r.cc_lanczos_top[r.cc_ok, r.num_classes]) / np.maximum(r.cc_lanczos_top[r.cc_ok, 0], 1e-300)
                  for r in relu)
    neg = largest(np.maximum(-r.cc_relative_min[r.cc_ok], 0.0) for r in relu)
    tight = largest([r.cc_rank_gap] for r in relu)
    max_rank = max(int(r.rank.max()) for r in relu)
    tol = zero_tol(max(r.lanczos_tol for r in relu))
    # bounds printed to two digits, rounded up (review of 2026-12-06: "≤ 2e-11" beside 2.3e-11)
    ours = (BY_CONSTRUCTION + f"{n_cc} cross-check samples, double-backward input Hessian: |λ_(c+1)|/λ1 ≤ "
            f"{bound_text(gap)}, |λmin|/λ1 ≤ {bound_text(neg)}; "
            f"|λc|/λ1 ≤ {bound_text(tight)} (rank ≤ c − 1 {'as well' if tight <= tol else 'not seen'}). Exact path "
            f"(by construction): largest numerical rank {max_rank}, c = "
            f"{', '.join(sorted({str(r.num_classes) for r in relu}))}." + _missing(R))
    return Claim("Y-Prop2", statement, paper, ours, prop2_rule(tol),
                 single(proposition2_values(gap, neg, n_cc)),
                 evidence + _unconverged(relu) + f" Zero: below {tol:g}·λ1, ten times the Lanczos runs' relative residual where that is "
                            f"above {GAP_TOL:g}.")


def claims(R: Results) -> list[Claim]:
    """Theorem 1 (with Lemma 3) and Proposition 2 on the ReLU networks; the smooth contrast as evidence."""
    return [theorem1_claim(R), proposition2_claim(R)]


def criteria(P: Y4Params) -> list[regime.Criterion]:
    """Y4's regime criteria: those of the networks it examines, Y1's
    (:func:`hessbook.papers.yao.regime.network_criteria` on the ``y1_runs`` block, as Y1 calls it);
    Y4 grades no trend, so Y1's seed criterion is not Y4's. Its own network, the tanh contrast, is
    not Y's: Y gives it no criterion, and the run table checks that it left its plateau."""
    return yao_regime.network_criteria(P.y1_runs)


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """The networks Y4 trains itself (the tanh contrast): the rows of its run table. Y1's networks
    are in Y1's tables."""
    return [R.smooth_run] if R.smooth_run is not None else []


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``y4-<name>``); None (glued n/a) where
    nothing was computed."""
    relu, smooth = R.networks, R.smooth
    return {
        "networks": len(relu),
        "samples": sum(r.n for r in relu),
        "missing": ", ".join(m.model for m in R.missing) or "none",
        "worst_relu": min((float(r.relative_min.min()) for r in relu), default=None),
        "worst_iter": min((float(r.cc_relative_min.min()) for r in relu), default=None),
        "agree": max((float(r.cc_agreement) for r in relu), default=None),
        "max_rank": max((int(r.rank.max()) for r in relu), default=None),
        "smin": min((float(r.s_min.min()) for r in R.cases), default=None),
        "smooth_neg": float(100 * np.mean(smooth.relative_min < -PSD_TOL)) if smooth else None,
        "smooth_min": float(smooth.relative_min.min()) if smooth else None,
        "smooth_gn": float(smooth.cc_agreement) if smooth else None,
        "criteria": regime.criteria_text(criteria(R.params)),
        "plateau": regime.plateau_summary(trained_runs(R)),
    }
