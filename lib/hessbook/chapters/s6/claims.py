"""S6's claims (S-Fig10: Marchenko-Pastur and BBP at w = 0; the two-blob outlier grows with
alpha; and ours, S-Fig10-beyond: the two-blob outlier at the trained w), graded by rules and
judged only where the regime criteria hold; the numbers the prose cites. At w = 0 the first two
rules could fail only by sampling noise (the theorems describe that very matrix), so they are
shown with their values and not judged; at the trained w, where the samples' weights
s_i (1 - s_i) differ, the third is a test, at each alpha where the log-loss can have a minimizer."""

from __future__ import annotations

import numpy as np

from hessbook import regime
from hessbook.chapters.s6.compute import FIT_TOL, TW_MARGIN, Case, Results, TrainedCase
from hessbook.chapters.s6.paper import ALPHAS, PAPER_OUTLIERS
from hessbook.chapters.s6.params import S6Params
from hessbook.kit import (Claim, Rule, above, all_of, any_of, at_least, at_most, below, equals, in_regime, is_true,
                          single)

KS_HELD = 0.05
"""One blob follows Marchenko-Pastur: Kolmogorov distance below 0.05 at every alpha."""
BBP_SDS = 3.0
"""Two blobs: the outlier within 3 standard deviations (Paul 2007) of the BBP limit."""


def spiked(R: Results) -> list[Case]:
    """Two-blob cases whose population spike exceeds the BBP threshold: an outlier is expected."""
    return [c for c in R.blobs(2) if R.params.spike > c.law.bbp_threshold]


MIN_SIZE = 100
"""Theorems 1-2 (S App. B) are limits M, N -> infinity at fixed alpha; the Marchenko-Pastur edge
fluctuates on the Tracy-Widom scale, about N^(-2/3) of the edge: at min(M, N) = 100 that is about
5 % of it, the resolution at which "at the edge" and "an outlier" can be told apart."""


def criteria(P: S6Params, R: Results | None = None) -> list[regime.Criterion]:
    """S6's regime criteria, written from S before any verdict was read. S6 trains no network: the
    Hessian is taken at w = 0, where S's Example 1 makes it exactly a sample second-moment matrix,
    and at the minimizer of a convex loss, solved to a gradient norm of
    :data:`~hessbook.chapters.s6.compute.FIT_TOL` where one exists (each case's precondition, not
    a criterion of the block; no steps or training loss to reach; ``R`` is not needed). What S's
    claim needs is the data: S's alpha = M/N values (Fig 10), M and N in the asymptotic regime of
    Theorems 1-2 (:data:`MIN_SIZE`), and two blobs whose spike is above the BBP threshold at every
    alpha (Theorem 1: an outlier exists only for ell > 1 + sqrt(alpha); S Fig 10 shows one at
    every alpha)."""
    sizes = [min(P.dimension, P.n_samples(a)) for a in P.alphas]
    top = max(P.alphas)
    return [
        regime.Criterion(f"S's α = M/N values {', '.join(f'{a:g}' for a in ALPHAS)} (S Fig 10)",
                         set(ALPHAS) <= set(P.alphas), f"α = {', '.join(f'{a:g}' for a in P.alphas)}"),
        regime.at_least(f"M and N large, min(M, N) ≥ {MIN_SIZE} at every α (S App. B: M, N → ∞)", min(sizes), MIN_SIZE,
                        f"M = {P.dimension}, N = {', '.join(str(P.n_samples(a)) for a in P.alphas)}"),
        regime.Criterion("two blobs above the BBP threshold at every α, ℓ > 1 + √α (S App. B, Theorem 1)",
                         P.spike > 1 + np.sqrt(top), f"ℓ = {P.spike:.3g}, 1 + √{top:g} = {1 + np.sqrt(top):.3g}"),
    ]


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``s6-<name>``)."""
    P = R.params
    two = {c.alpha: c for c in R.blobs(2)}
    a1 = two.get(1.0, next(iter(two.values())))
    return {"criteria": regime.criteria_text(criteria(P)), "d": P.dimension, "spike": P.spike, "sep": P.separation,
            "max_ks": float(max(c.ks for c in R.cases)), "out_a1": float(a1.eigenvalues[-1]), "edge_a1": a1.edge,
            "alpha_a1": a1.alpha, **paper_ratio(two), **trained_numbers(R)}


def paper_ratio(two: dict) -> dict:
    """S's two-blob outliers as multiples of ours, over the α of S's caption that this block runs
    (``ratio_min``, ``ratio_max``; None where it runs none of them)."""
    ratios = [PAPER_OUTLIERS[a] / float(c.eigenvalues[-1]) for a, c in two.items()
              if a in PAPER_OUTLIERS and float(c.eigenvalues[-1]) > 0]
    return {"ratio_min": min(ratios, default=None), "ratio_max": max(ratios, default=None)}


def trained_numbers(R: Results) -> dict:
    """The trained w's numbers the prose cites, at the smallest α (the one with the most samples);
    None (glued n/a) where that α has no minimizer."""
    smallest = min(c.alpha for c in R.trained)
    pair = R.trained_at(smallest)
    separable = sorted({c.alpha for c in R.trained if c.fit.separable})
    out: dict = {"tr_alpha": smallest, "tr_null_draws": R.params.null_draws,
                 "tr_separable": ("at α = " + ", ".join(f"{a:g}" for a in separable)) if separable
                 else "at no α of this block", "tr_axis": axis_where(pair[2])}
    for blobs, tag in ((1, "one"), (2, "two")):
        c = pair[blobs]
        ok = c.minimum
        out |= {f"tr_{tag}_ks": c.ks if ok else None, f"tr_{tag}_null_ks": c.null_ks if ok else None,
                f"tr_{tag}_cv": 100 * c.weights_cv if ok else None, f"tr_{tag}_mean": c.weights_mean if ok else None,
                f"tr_{tag}_w": float(c.fit.w.norm()) if ok else None, f"tr_{tag}_acc": 100 * c.fit.accuracy,
                f"tr_{tag}_top": float(c.eigenvalues[-1]) if ok else None, f"tr_{tag}_edge": c.null_edge if ok else None,
                f"tr_{tag}_along": c.along_w if ok else None, f"tr_{tag}_outliers": len(c.outliers) if ok else None,
                f"tr_{tag}_below": len(c.below) if ok else None,
                f"tr_{tag}_bottom": c.null_bottom if ok else None,
                f"tr_{tag}_smallest": float(c.eigenvalues[0]) if ok else None}
    return out


ONE_BLOB = (equals("one_blob_outliers", 0, "one blob: outliers over all α"),
            below("one_blob_ks", KS_HELD, "one blob: largest Kolmogorov distance to MP"))
ONE_OUTLIER = is_true("one_outlier_each", "two blobs: exactly one outlier at every α where the spike "
                                          "exceeds the BBP threshold")
SAMPLED = ("the Hessian is taken where the theory is not built into it (at w = 0 it is: H = (1/4) XᵀX/N is exactly the "
           "sample second-moment matrix Marchenko-Pastur and BBP describe, so the rule could fail only by sampling "
           "noise; a check of our sampling, not a test of S)")
"""Why :data:`RULE` is not judged on the w = 0 Hessian (the same reason as :data:`GROWS`)."""
RULE = Rule(
    held=all_of(*ONE_BLOB, at_least("spiked", 1, "α values where the spike exceeds the BBP threshold"), ONE_OUTLIER,
                at_most("bbp_sds", BBP_SDS, "two blobs: largest |outlier − BBP limit| in standard deviations "
                                            "(Paul 2007)")),
    partly=any_of(all_of(*ONE_BLOB), ONE_OUTLIER),
    requires=is_true("independent", SAMPLED),
)
"""S-Fig10. An eigenvalue is an outlier when it is more than TW_MARGIN Tracy-Widom scales
above the MP edge. Judged only on a Hessian whose spectrum the theorems do not give by
construction (``independent``): at w = 0, where this chapter evaluates it, H = (1/4) XᵀX/N is the
very matrix Theorems 1-2 describe, so the rule is shown with its values and not judged, as
:data:`GROWS` is (at the trained w, where σ_i(1 − σ_i) varies with x_i, :data:`TRAINED_RULE` is a test)."""


def values(R: Results, built_in: bool = True) -> dict:
    """What :data:`RULE` grades; ``built_in``: the Hessian is the w = 0 sample second-moment matrix
    (this chapter's), whose spectrum the theorems give by construction."""
    one, above = R.blobs(1), spiked(R)
    # not vacuously true: with no alpha above the BBP threshold the two-blob half is untested
    one_each = bool(above) and all(len(c.outliers) == 1 for c in above)
    return {
        "independent": not built_in,
        "one_blob_outliers": sum(len(c.outliers) for c in one),
        "one_blob_ks": max((c.ks for c in one), default=float("nan")),
        "spiked": len(above),
        "one_outlier_each": one_each,
        "bbp_sds": max(abs(c.outliers[0] - c.predicted) / c.predicted_sd for c in above)
        if one_each else float("nan"),
    }


GROWS = Rule(
    held=above("smallest_step", 1.0, "the two-blob outlier's smallest ratio between consecutive α (ascending)"),
    requires=all_of(at_least("alphas", 2, "α values with an outlier", ".0f"),
                    is_true("independent", "the growth is not built into the computation (at w = 0 it is: for a "
                                           "fixed spike BBP's σ²ℓ(1 + α/(ℓ − 1)) grows with α, so our outliers grow "
                                           "but for sampling noise; a check of our sampling, not a test of S)")),
)
"""S-Fig10, the caption's numbers: the two-blob outlier grows with α (S: 92.7, 454.4, 819.5 at
α = 0.02, 1, 2), as BBP's σ²ℓ(1 + α/(ℓ − 1)) does for a fixed spike ℓ. On our w = 0 Hessians the
growth is that formula's, so the claim is shown, with the ratios, and not judged
(``independent`` is False): a rule that fails only by sampling noise cannot test the paper."""


def growth_values(outliers: dict[float, float], built_in: bool = False) -> dict:
    """What :data:`GROWS` grades, from ``alpha -> outlier``: the smallest ratio of consecutive
    outliers; ``built_in``: the outliers come from a computation whose growth with α is BBP's formula
    (ours at w = 0), not from data (the caption's numbers)."""
    top = [outliers[a] for a in sorted(outliers)]
    steps = [b / a for a, b in zip(top, top[1:])]
    return {"alphas": len(top), "smallest_step": min(steps) if steps else float("nan"), "independent": not built_in}


def implied_spike(outliers: dict[float, float]) -> float | None:
    """The spike ℓ that BBP's σ²ℓ(1 + α/(ℓ − 1)) needs for the ratio outlier(α = 2) / outlier(α = 1)
    = (ℓ + 1) / ℓ (None without both α)."""
    if 1.0 not in outliers or 2.0 not in outliers or outliers[2.0] <= outliers[1.0]:
        return None
    return 1.0 / (outliers[2.0] / outliers[1.0] - 1.0)


def growth_claim(ours: dict[float, float], paper: dict[float, float] = PAPER_OUTLIERS, spike: float | None = None,
                 built_in: bool = False) -> Claim:
    """The caption's numbers against ours: the outlier grows with α (graded); the ratios (reported)."""
    def listing(out: dict[float, float]) -> str:
        return ", ".join(f"α = {a:g}: {out[a]:.4g}" for a in sorted(out))

    ell = implied_spike(paper)
    ratios = {name: {a: o[a] / o[1.0] for a in sorted(o)} for name, o in (("paper", paper), ("ours", ours)) if 1.0 in o}
    shown = "; ".join(f"{name}: " + ", ".join(f"{v:.3f}" for v in r.values()) for name, r in ratios.items())
    return Claim(
        "S-Fig10", "Two blobs: the outlier grows with α = M/N, as the caption's numbers do.",
        paper=f"Fig 10 caption: outliers at {listing(paper)} (the weights, separation and scaling not stated).",
        ours=f"top eigenvalue at w = 0: {listing(ours)}" if ours else "no two-blob case with an outlier",
        rule=GROWS, cases=single(growth_values(ours, built_in)) if ours else {},
        evidence=f"Outlier over its value at α = 1 ({shown}). Read through BBP at fixed d, the paper's ratio "
                 f"outlier(2)/outlier(1) would need a spike ℓ ≈ {ell:.2f}"
                 + (f", below the BBP threshold 1 + √α at α = 1 and 2 (2 and {1 + 2 ** 0.5:.2f}), where BBP gives no "
                    "outlier: no fixed spike reproduces the paper's numbers (the ratio formula's "
                    f"outlier(0.02)/outlier(1) = {(ell - 0.98) / ell:.3f} beside them is a coincidence)"
                    if ell <= 2 else f", which predicts outlier(0.02)/outlier(1) = {(ell - 0.98) / ell:.3f}")
                 + f"; our spike is ℓ = {spike if spike is not None else float('nan'):.2f}. "
                 "Only the direction is graded: the magnitudes and ratios depend on the separation, the weights "
                 "and the scaling, which S does not give." if ell is not None else "",
    )


MINIMUM = ("the log-loss has a minimizer and the fit reached it (||gradient|| ≤ "
           f"{FIT_TOL:g}; on separable data, e.g. at N ≤ d where any labels are, there is none: the loss and the "
           "Hessian tend to 0 as ||w|| grows, and no point of that path is 'the trained w')")
AXIS_ABOVE = is_true("axis_above", "two blobs: the eigenvalue along w (eigenvector within 45° of w) above the top "
                                   "eigenvalue of every null draw")
TRAINED_RULE = Rule(
    held=all_of(AXIS_ABOVE, equals("n_above", 1, "two blobs: eigenvalues above the null's top")),
    partly=AXIS_ABOVE,
    requires=is_true("minimum", MINIMUM),
)
"""S-Fig10-beyond, one case per α where a minimizer can exist (N > d): at the trained w (the
maximum-likelihood weights) two blobs still give S's "one large outlier eigenvalue", i.e. the
eigenvalue whose eigenvector lies along w (:data:`~hessbook.chapters.s6.compute.ALONG`) stands
above the top eigenvalue of every null draw (the same weights on fresh Gaussian inputs,
:class:`~hessbook.chapters.s6.compute.TrainedCase`), and it is the only one there. The one-blob
half (S's Example 1, Marchenko-Pastur) is shown, not graded: with random labels the fit stays near
w = 0, where the weights are nearly equal and the matrix is nearly the w = 0 one, so its rule
could fail only by sampling noise, as :data:`RULE`'s."""


def trained_values(two: TrainedCase) -> dict:
    """What :data:`TRAINED_RULE` grades, from the two-blob case at one α."""
    ok = two.minimum
    return {"minimum": ok, "axis_above": two.axis_above if ok else float("nan"),
            "n_above": len(two.outliers) if ok else float("nan")}


def axis_where(c: TrainedCase) -> str:
    """Where the eigenvalue along w sits against the null (for the claim and the prose)."""
    if not c.minimum:
        return "no trained w"
    if not c.along:
        return f"no eigenvector within 45° of w (largest overlap {c.axis_overlap:.2f}): the direction is spread over the bulk"
    where = ("above the top eigenvalue of every null draw" if c.axis_above else
             "below the smallest eigenvalue of every null draw" if c.axis_below else "inside the null's range")
    return f"{c.axis_value:.4g}, {where} (overlap with w {c.axis_overlap:.2f})"


def _fit_text(c: TrainedCase) -> str:
    f, name = c.fit, "one blob" if c.blobs == 1 else "two blobs"
    if f.separable:
        return (f"{name}: separable (N = {c.n_samples}, d = {len(f.w)}; an iterate classified every sample after "
                f"{f.iterations} Newton step{'s' if f.iterations != 1 else ''}, loss {f.loss:.2g}): no minimizer")
    if not f.converged:
        return f"{name}: the fit did not converge (||gradient|| {f.grad_norm:.2g})"
    return (f"{name}: eigenvalue along w: {axis_where(c)}; {len(c.outliers)} eigenvalue(s) above the null's top "
            f"{c.null_edge:.4g} (top {c.eigenvalues[-1]:.4g}), {len(c.below)} below its bottom "
            f"{c.null_bottom:.4g}; KS to MP at the weights' mean {c.ks:.3f}, to the null {c.null_ks:.3f}; "
            f"weights' mean {c.weights_mean:.3g}, spread {c.weights_cv:.0%} of it; ||w|| {float(f.w.norm()):.3g}, "
            f"training accuracy {f.accuracy:.1%}")


def graded_alphas(P: S6Params, alphas) -> list[float]:
    """The α where a minimizer can exist at all, N > d (at N ≤ d any labels are separable)."""
    return [a for a in alphas if P.n_samples(a) > P.dimension]


def trained_claim(R: Results) -> Claim:
    """S-Fig10-beyond: S's Example 2 at the trained w, one case per α with N > d (S's α = 0.02
    expected; at S's α = 1 and 2 no data set has a minimizer, at any d)."""
    P, k = R.params, R.params.null_draws
    alphas = sorted({c.alpha for c in R.trained})
    ours = "; ".join(f"α = {a:g}: " + "; ".join(_fit_text(c) for c in R.trained_at(a).values()) for a in alphas)
    return Claim(
        "S-Fig10-beyond",
        "Ours, beyond S: at the trained w (the maximum-likelihood weights) two blobs still give \"one large outlier "
        "eigenvalue\", along the blobs' axis, as at w = 0.",
        paper="App. B, Example 2 and Fig 10: \"one large outlier eigenvalue, and a bulk that's close to zero\". S does "
              "not say at which w; it writes the per-sample factor as c(w, x), which depends on x, yet says Example 1 "
              "\"falls into the classical Marchenko-Pastur law\", exact only where c is the same for every sample "
              "(w = 0).",
        ours=ours, rule=TRAINED_RULE,
        cases={f"α = {a:g}": trained_values(R.trained_at(a)[2]) for a in graded_alphas(P, alphas)},
        expected=tuple(f"α = {a:g}" for a in graded_alphas(P, ALPHAS)),
        evidence="The trained w: the maximum-likelihood weights (Newton's method from w = 0, to ||gradient|| ≤ "
                 f"{FIT_TOL:g}), where they exist; graded at the α where they can, N > d (at S's α = 1 and 2, N ≤ d, "
                 "any labels are separable and there is no minimizer, so S's w there was not one). At the trained w "
                 "the samples' weights s_i (1 − s_i) differ, so the Hessian is a weighted sample covariance. An "
                 f"eigenvalue is out of the bulk when it is above the top (or below the bottom) eigenvalue of each of "
                 f"{k} null draws (the same weights on fresh Gaussian inputs, so no direction is special: for the "
                 f"largest eigenvalue a test at the {1 / (k + 1):.0%} level); S's outlier is the one whose eigenvector "
                 "lies along w, within 45° (at w = 0, the blobs' axis). The one-blob half (S's Example 1) is shown, "
                 "not graded: with random labels the fit stays near w = 0, the weights stay nearly equal, and its "
                 "rule could fail only by sampling noise.",
    )


def claims(R: Results) -> list[Claim]:
    """The claims, judged only where S6's regime criteria hold (:func:`hessbook.kit.in_regime`): the
    criteria are about the block (S's α, M and N large, a spike above the BBP threshold), not about
    single cases, so the gate is the whole chapter's."""
    return in_regime(graded_claims(R), criteria(R.params, R))


def graded_claims(R: Results) -> list[Claim]:
    """S6's three claims (two of S-Fig10, one of S-Fig10-beyond), graded whatever the block
    (:func:`claims` gates them)."""
    one, two = R.blobs(1), R.blobs(2)
    ours = "; ".join(
        f"α = {c.alpha:g}: one blob {len(o.outliers)} outliers (KS {o.ks:.3f}), two blobs "
        f"{len(c.outliers)} outlier{'s' if len(c.outliers) != 1 else ''} at "
        f"{', '.join(f'{v:.3f}' for v in c.outliers) or '—'} (BBP {c.predicted:.3f} ± {c.predicted_sd:.3f}; bulk edge {c.edge:.3f})"
        for c in two for o in one if o.alpha == c.alpha
    )
    paper = ", ".join(f"α = {a:g}: {v}" for a, v in PAPER_OUTLIERS.items())
    grown = {c.alpha: float(c.outliers[-1]) for c in spiked(R) if len(c.outliers)}
    return [Claim(
        "S-Fig10",
        "One blob: the logistic-regression Hessian \"falls into the classical Marchenko-Pastur law\"; two blobs: "
        "\"one large outlier eigenvalue\" out of the bulk (BBP). Here at w = 0, where the Hessian is a sample "
        "second-moment matrix.",
        paper=f"App. B, Examples 1-2, Theorems 1-2 and Fig 10 (two-blob outliers at {paper}); Example 2: \"one large "
              "outlier eigenvalue, and a bulk that's close to zero\".",
        ours=ours,
        rule=RULE,
        cases=single(values(R)),
        evidence="The rule's values are shown, as the growth claim's below are (at the trained w, where σ_i(1 − σ_i) "
                 "varies with x_i, the third claim tests the same examples). Nor are "
                 "the paper's outliers tested (their magnitudes depend on the weights, the separation and a scaling S "
                 "does not give; the next claim shows their trend with α). " + bulk_text(R)
                 + f" An outlier: an eigenvalue more than {TW_MARGIN:g} Tracy-Widom scales above the MP edge.",
    ), growth_claim(grown, spike=R.params.spike, built_in=True), trained_claim(R)]


def bulk_text(R: Results) -> str:
    """Why S's "a bulk that's close to zero" (Example 2) is not graded, with the two-blob bulk edge
    against the outlier at each α: S gives no scale for "close to zero", and at w = 0 the bulk is
    Marchenko-Pastur around σ² = 1/4 by construction, so no rule of it could test S."""
    pairs = "; ".join(f"α = {c.alpha:g}: edge {c.edge:.3g}, outlier {c.outliers[-1]:.3g}"
                      for c in spiked(R) if len(c.outliers))
    return ("S's \"a bulk that's close to zero\" is not graded: S gives no scale for it, and at w = 0 the bulk is "
            "Marchenko-Pastur around σ² = 1/4 by construction, its right edge σ²(1 + √α)² (against the "
            "outlier" + (f": {pairs})." if pairs else ": no outlier)."))
