"""S1's claims (S-Fig1, S-Eq2-5), graded by rules."""

from __future__ import annotations

from hessbook.chapters.s1.compute import Results
from hessbook.chapters.s1.measure import bulk_fraction, outliers
from hessbook.chapters.s1.schema import S1Params
from hessbook.kit import Claim, Rule, all_of, any_of, at_least, at_most, below, is_true, single

BULK_HELD = 0.9
"""S-Fig1 held: at least 90% of the eigenvalues in the bulk after GD."""
BULK_PARTLY = 0.5
"""S-Fig1 partly: at least half of them (or few outliers)."""
OUTLIERS_PER_CLASS = 2
OUTLIER_SHARE = 0.02
"""S-Fig1 "a few outliers": at most max(2 k, 2% of M) above the largest gap."""
RESIDUAL_SMALL = 0.1
"""S-Eq2-5 "H − G can be ignored": ‖H − G‖2 < 0.1 ‖H‖2 after GD."""


def fig1_rule(P: S1Params, parameters: int) -> Rule:
    """S-Fig1: a bulk near zero and a few outliers after GD."""
    bulk = f"share of |λ| ≤ {P.bulk_tolerance:g} λmax after GD"
    few = at_most("outliers", max(OUTLIERS_PER_CLASS * P.k, OUTLIER_SHARE * parameters),
                  f"eigenvalues above the largest gap after GD (max({OUTLIERS_PER_CLASS}k, "
                  f"{OUTLIER_SHARE:.0%} of M))")
    return Rule(held=all_of(at_least("bulk", BULK_HELD, bulk, ".0%"), few),
                partly=any_of(at_least("bulk", BULK_PARTLY, bulk, ".0%"), few))


def decomposition_rule(P: S1Params) -> Rule:
    """S-Eq2-5: the algebra (G PSD, rank bound, Weyl) and, for held, H − G small after GD."""
    algebra = (at_least("g_min_relative", -P.rank_tolerance, "λmin(G)/λmax(G) at both points (G PSD)"),
               at_most("rank_excess", 0, "rank G − bound N(k−1) at both points"))
    return Rule(held=all_of(*algebra, is_true("weyl", "λi(H) ≥ λi(H−G) for every i at both points (every "
                                                      "negative eigenvalue of H accounted for by H − G)"),
                            below("residual_ratio", RESIDUAL_SMALL, "‖H−G‖2/‖H‖2 after GD")),
                partly=all_of(*algebra))


def claims(R: Results) -> list[Claim]:
    P, end = R.params, R.trained
    d0, d1 = R.decompositions["init"], R.decompositions["trained"]
    tol, M = P.bulk_tolerance, len(end.hessian)
    bulk, bulk0, n_out = bulk_fraction(end.hessian, tol), bulk_fraction(R.init.hessian, tol), outliers(end.hessian)
    g_min = min(d0.g_min_relative, d1.g_min_relative)
    return [
        Claim(
            "S-Fig1",
            "After GD the spectrum is a bulk near zero plus a few outliers.",
            paper="Fig 1: ordered eigenvalues at init and after GD, ~5K parameters; mostly zero, a few large.",
            ours=f"after GD: {bulk:.1%} of the {M} eigenvalues have |λ| ≤ {tol:g} λmax "
                 f"(at init: {bulk0:.1%}); {n_out} above the largest gap (k = {P.k}); "
                 f"λmax = {end.hessian.max():.3g}, λmin = {end.hessian.min():.3g}",
            rule=fig1_rule(P, M),
            cases=single({"bulk": bulk, "outliers": n_out}),
            evidence=f"Data: S-MLP on {P.k} Gaussian clusters (S does not say Fig 1's data).",
        ),
        Claim(
            "S-Eq2-5",
            "H = G + (H − G) with G PSD of rank ≤ N·(outputs); H − G small near a minimum, so H ≈ G.",
            paper="Eq. 4-5: at least M − N trivial eigenvalues of G; the second term can be ignored near a minimum.",
            ours=f"rank G = {d0.rank} (init), {d1.rank} (trained) ≤ bound {d1.bound} (M = {d1.parameters}, "
                 f"N = {P.n_samples}, k − 1 = {P.k - 1}); λmin(G)/λmax(G) ≥ {g_min:.1e}; "
                 f"‖H−G‖2/‖H‖2 = {d0.residual_spectral_ratio:.2f} at init, {d1.residual_spectral_ratio:.3f} after GD "
                 f"(Frobenius: {d0.residual_ratio:.2f}, {d1.residual_ratio:.3f}); "
                 f"H has {d1.negative_h} negative eigenvalues after GD, H − G {d1.negative_r}, "
                 f"λmin(H) = {d1.h_min:.2e} vs λmin(H−G) = {d1.r_min:.2e}",
            rule=decomposition_rule(P),
            cases=single({"g_min_relative": g_min, "rank_excess": max(d.rank - d.bound for d in (d0, d1)),
                          "weyl": d0.weyl_holds and d1.weyl_holds, "residual_ratio": d1.residual_spectral_ratio}),
            evidence="When H − G is small after GD, the largest eigenvalues of H are G's.",
        ),
    ]
