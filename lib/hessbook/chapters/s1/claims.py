"""S1's claims (S-Fig1, S-Eq2-5), graded by rules; the regime criteria they are judged under
(:mod:`hessbook.papers.sagun.regime`: written from S before any verdict was read); the numbers
the prose cites.

S Fig 1: "a two hidden layer network with a total of 5K parameters that is trained using
gradient descent", its Hessian "at the end of training". S gives no data, N, step size or step
count for it, so the criteria are the network's size, the data size that makes Eq. 5's count
of trivial eigenvalues say something, and the state GD reaches (measured).
"""

from __future__ import annotations

import math

import numpy as np

from hessbook import regime
from hessbook.chapters.s1.compute import Decomposition, Results
from hessbook.chapters.s1.params import S1Params
from hessbook.curvature.outliers import bulk_fraction, gap_outliers
from hessbook.kit import Claim, Rule, all_of, any_of, at_least, at_most, below, in_regime, is_true, single
from hessbook.kit.seeds import across_seeds, seed_case
from hessbook.papers.sagun.regime import fits_training_set
from hessbook.regime import criteria_text, plateau_summary

PAPER_PARAMETERS = (4000, 6000)
"""S Sec. 2.1: "a total of 5K parameters" (S Table 1 calls its 4,022 to 5,510 parameter networks
the same family): we read 5K as 4,000 to 6,000."""


def criteria(P: S1Params, R: Results | None = None) -> list[regime.Criterion]:
    """S1's criteria for the block ``P``; with the results ``R``, also the state GD reached."""
    lo, hi = PAPER_PARAMETERS
    out = [
        regime.Criterion(f"S's network size, about 5K parameters ({lo:,} to {hi:,}; S Sec. 2.1)",
                         lo <= P.parameters <= hi, f"M = {P.parameters:,}"),
        regime.Criterion("Eq. 5's trivial eigenvalues are forced, M > N (k − 1) (S Eq. 5, k outputs)",
                         P.parameters > P.n_samples * (P.k - 1),
                         f"M = {P.parameters:,}, N (k − 1) = {P.n_samples * (P.k - 1):,}"),
    ]
    if R is not None:
        out.append(fits_training_set([(run.label, r.trained.accuracy) for run, r in zip(trained_runs(R), R.by_seed)]))
    return out


CASE = "S-MLP"
"""The name of S1's one network, per seed ``"S-MLP · seed s"`` where several ran (S-Eq2-5's case)."""
FIG1_PANELS = (f"{CASE} at the random initial point", f"{CASE} after GD")
"""S Fig 1's two panels, in the paper's order: S-Fig1's expected cases (per seed ``"<panel> · seed s"``).
Only the second is graded; the first is not judged (:data:`AFTER_GD`), so the coverage is of the figure."""


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """The network S1 trains, in each seed (the initial point is not a trained network)."""
    P = R.params
    return [regime.TrainedRun(seed_case(f"S-MLP k = {P.k}, GD", r.seed, P.seeds), P.gd_iterations, r.trained.loss,
                              P.k, diverged=not math.isfinite(r.trained.loss)) for r in R.by_seed]


BULK_HELD = 0.9
"""S-Fig1 held: at least 90% of the eigenvalues in the bulk after GD."""
BULK_PARTLY = 0.5
"""S-Fig1 partly: at least half of them with few outliers, or the bulk without few outliers. Few
outliers alone is not enough: the count above the largest gap is small whenever that gap is among
the top eigenvalues, whatever the bulk, so a partly on it alone could hardly fail."""
OUTLIERS_PER_CLASS = 2
OUTLIER_SHARE = 0.02
"""S-Fig1 "a few outliers": at most max(2 k, 2% of M) above the largest gap."""
RESIDUAL_SMALL = 0.1
"""S-Eq2-5 "H − G can be ignored": ‖H − G‖2 < 0.1 ‖H‖2 after GD."""


def outlier_bound(P: S1Params, parameters: int) -> float:
    """S-Fig1's "few outliers": at most max(2 k, 2% of M) above the largest gap."""
    return max(OUTLIERS_PER_CLASS * P.k, OUTLIER_SHARE * parameters)


def fig1_rule(P: S1Params, parameters: int) -> Rule:
    """S-Fig1: a bulk near zero and a few outliers after GD."""
    bulk = f"share of |λ| ≤ {P.bulk_tolerance:g} λmax after GD"
    bound = outlier_bound(P, parameters)
    few = at_most("outliers", bound, f"eigenvalues above the largest gap after GD (the bound is max("
                                     f"{OUTLIERS_PER_CLASS}k, {OUTLIER_SHARE:.0%} of M) = {bound:.4g})")
    return Rule(held=all_of(at_least("bulk", BULK_HELD, bulk, ".0%"), few),
                partly=any_of(all_of(at_least("bulk", BULK_PARTLY, bulk, ".0%"), few),
                              at_least("bulk", BULK_HELD, bulk, ".0%")),
                requires=AFTER_GD)


AFTER_GD = is_true("after_gd", "the panel after GD (the statement's; the initial point's is drawn and its values "
                               "shown, not graded)")
"""S-Fig1's precondition: of Fig 1's two panels the statement speaks of the one after GD, so the
initial point's case, computed, reads not judged (the coverage is of the whole figure)."""


INIT_PANEL = ("Graded: one of S Fig 1's two panels, the one after GD (this statement's). The panel \"at a random "
              "initial point\" is drawn and its bulk share shown in ours, not graded: S's one sentence on it (Sec. 1, "
              "citing Sagun et al. 2016: \"the Hessian can have near zero eigenvalues even at a given random initial "
              "point\") is not graded here, so that panel's cases are not judged, and the coverage is of "
              "the whole figure.")
"""S-Fig1's coverage in words: its expected cases are Fig 1's two panels (:data:`FIG1_PANELS`), of
which only the after-GD one is graded."""


def few_outliers_note(P: S1Params, parameters: int) -> str:
    """Where the reader sees S-Fig1's verdict: its "few outliers" half can hardly fail (see
    :data:`BULK_PARTLY`), so the verdict rests on the bulk share."""
    return (f"The rule's \"few outliers\" half (at most {outlier_bound(P, parameters):.4g} eigenvalues above the "
            "largest gap) can hardly fail: the count above the largest gap is small whenever that gap lies among the "
            "top eigenvalues, whatever the bulk, so the verdict rests on the bulk share.")

ASSEMBLY = ("G's PSD and rank ≤ N(k−1) hold by construction of the assembled G = JᵀSJ, so they cannot fail "
            "as evidence: they are checked only as the precondition that the assembly is sound.")


def decomposition_rule(P: S1Params) -> Rule:
    """S-Eq2-5, graded on what can fail: H (double-backward Hessian-vector products) and G (Jacobians,
    JᵀSJ) are assembled independently, so ‖H − G‖2/‖H‖2 after GD, and its fall from init, test S's
    "the second term can be ignored as training progress[es]". G PSD and its rank bound are
    identities of JᵀSJ: the precondition for judging (:data:`ASSEMBLY`), not evidence."""
    small = below("residual_ratio", RESIDUAL_SMALL, "‖H−G‖2/‖H‖2 after GD")
    fell = below("residual_change", 1.0, "‖H−G‖2/‖H‖2 after GD over its value at init")
    return Rule(held=all_of(small, fell), partly=any_of(small, fell),
                requires=all_of(at_least("g_min_relative", -P.rank_tolerance, "λmin(G)/λmax(G) at both points "
                                                                               "(G PSD)"),
                                at_most("rank_excess", 0, "rank G − bound N(k−1) at both points")))


def decomposition_values(g_min_relative: float, rank_excess: int, ratio_init: float, ratio_trained: float) -> dict:
    """What :func:`decomposition_rule` grades."""
    return {"g_min_relative": g_min_relative, "rank_excess": rank_excess, "residual_ratio": ratio_trained,
            "residual_change": ratio_trained / ratio_init if ratio_init > 0 else float("nan")}


def graded_claims(R: Results) -> list[Claim]:
    """The claims graded on one seed's network (``R``'s own, not its ``others``)."""
    P, end = R.params, R.trained
    d0, d1 = R.decompositions["init"], R.decompositions["trained"]
    tol, M = P.bulk_tolerance, len(end.hessian)
    bulk, bulk0, n_out = bulk_fraction(end.hessian, tol), bulk_fraction(R.init.hessian, tol), gap_outliers(end.hessian)
    g_min = min(d0.g_min_relative, d1.g_min_relative)
    return [
        Claim(
            "S-Fig1",
            "After GD the spectrum is a bulk near zero plus a few outliers.",
            paper="Fig 1: ordered eigenvalues at init and after GD, ~5K parameters; mostly zero, a few large.",
            ours=f"after GD: {bulk:.1%} of the {M} eigenvalues have |λ| ≤ {tol:g} λmax "
                 f"(at init: {bulk0:.1%}; at a tenth of that tolerance, not graded: "
                 f"{bulk_fraction(end.hessian, tol / 10):.1%}); {n_out} above the largest gap (k = {P.k}); "
                 f"λmax = {end.hessian.max():.3g}, λmin = {end.hessian.min():.3g}",
            rule=fig1_rule(P, M),
            cases={FIG1_PANELS[0]: {"bulk": bulk0, "outliers": gap_outliers(R.init.hessian), "after_gd": False},
                   FIG1_PANELS[1]: {"bulk": bulk, "outliers": n_out, "after_gd": True}}, expected=FIG1_PANELS,
            evidence=f"Data: S-MLP on {P.k} Gaussian clusters (S does not say Fig 1's data). "
                     f"{few_outliers_note(P, M)} {INIT_PANEL}",
        ),
        Claim(
            "S-Eq2-5",
            "The second term H − G of Eq. 4 becomes small as training progresses, leaving H ≈ G.",
            paper="Sec. 1: \"the second term can be ignored as training progress[es] which leaves us with the "
                  "covariance term\" (Eq. 4-5: G has at least M − N trivial eigenvalues).",
            ours=f"rank G = {d0.rank} (init), {d1.rank} (trained) ≤ bound {d1.bound} (M = {d1.parameters}, "
                 f"N = {P.n_samples}, k − 1 = {P.k - 1}); λmin(G)/λmax(G) ≥ {g_min:.1e}; "
                 f"‖H−G‖2/‖H‖2 = {d0.residual_spectral_ratio:.2f} at init, {d1.residual_spectral_ratio:.3f} after GD "
                 f"(Frobenius: {d0.residual_ratio:.2f}, {d1.residual_ratio:.3f}); "
                 f"H has {d1.negative_h} negative eigenvalues after GD, H − G {d1.negative_r}, "
                 f"λmin(H) = {d1.h_min:.2e} vs λmin(H−G) = {d1.r_min:.2e}",
            rule=decomposition_rule(P),
            cases=single(decomposition_values(g_min, max(d.rank - d.bound for d in (d0, d1)),
                                              d0.residual_spectral_ratio, d1.residual_spectral_ratio)),
            evidence="Tested: ‖H−G‖2/‖H‖2 after GD and its fall from init; H is assembled from double-backward "
                     "Hessian-vector products and G from Jacobians, independently, so the ratio can fail. "
                     + ASSEMBLY,
        ),
    ]


def seeded_claims(R: Results) -> list[Claim]:
    """The claims graded in every network seed, a case per seed: held only where every seed's
    network holds it (:func:`hessbook.kit.seeds.across_seeds`)."""
    per_seed = [graded_claims(r) for r in R.by_seed]
    return [across_seeds([claims_[i] for claims_ in per_seed], R.params.seeds, CASE) for i in range(len(per_seed[0]))]


def claims(R: Results) -> list:
    """:func:`seeded_claims`, judged only where S1's regime criteria hold for every seed's network
    (:func:`hessbook.kit.in_regime`)."""
    return in_regime(seeded_claims(R), criteria(R.params, R))


def ranks_text(d: Decomposition) -> str:
    """How G's numerical rank moves with the tolerance, in words: "does not move between the
    tolerances (1,234 at 1e-08, 1e-10 and 1e-12)" or "moves with the tolerance, from 1,250 at
    1e-12 to 1,200 at 1e-08"."""
    by_tol = sorted(d.ranks.items())  # smallest tolerance first
    tols = ", ".join(f"{t:g}" for t, _ in by_tol)
    if len({r for _, r in by_tol}) == 1:
        return f"does not move between the tolerances ({by_tol[0][1]:,} at each of {tols})"
    return (f"moves with the tolerance, from {by_tol[0][1]:,} at {by_tol[0][0]:g} to {by_tol[-1][1]:,} at "
            f"{by_tol[-1][0]:g}")


def bound_text(decompositions: list[Decomposition]) -> str:
    """Whether every rank of G, at every tolerance and point, is below the bound N(k − 1)."""
    over = [(t, r) for d in decompositions for t, r in d.ranks.items() if r > d.bound]
    bound = decompositions[0].bound
    if not over:
        return f"at or below the bound {bound:,} at every tolerance"
    return f"above the bound {bound:,} at " + ", ".join(f"tolerance {t:g} ({r:,})" for t, r in over)


def residual_text(ratio: float) -> str:
    """What ‖H − G‖2/‖H‖2 after GD says against S's "the second term can be ignored", at the
    threshold the verdict uses (:data:`RESIDUAL_SMALL`)."""
    if not math.isfinite(ratio):
        return "not computed"
    if ratio < RESIDUAL_SMALL:
        return f"below the {RESIDUAL_SMALL:g} the verdict uses: the outliers of H are G's, as S argue"
    return f"not below the {RESIDUAL_SMALL:g} the verdict uses: H − G is not negligible here, against S's reading"


def negatives_text(d: Decomposition) -> str:
    """Whether H keeps negative eigenvalues after GD, and how H − G accounts for them, in words
    (G ⪰ 0 gives λ_i(H) ≥ λ_i(H − G): H has at most as many negative eigenvalues as H − G). With
    none, the sentence says so and claims no accounting of negatives that are not there."""
    if d.negative_h > 0:
        return (f"The negative eigenvalues do not go away: H still has {d.negative_h:,} of them after GD. Since "
                "G ⪰ 0 implies λ_i(H) ≥ λ_i(H − G) for every i, each of them is accounted for by H − G (which has "
                f"{d.negative_r:,}); the negative mass of H is {d.negative_mass_ratio:.2f} of that of H − G")
    return (f"H has no negative eigenvalue after GD (H − G has {d.negative_r:,}; since G ⪰ 0, H has at most as "
            "many as H − G)")


def init_gap_text(hessian: np.ndarray) -> str:
    """Where the largest gap of H's spectrum at the initial point lies, in words (the spectrum
    summary gives the count above it after GD only): "among its negative eigenvalues (between
    -0.18 and -0.19; 5,509 of its 5,510 eigenvalues above it)"."""
    lam = np.sort(np.asarray(hessian))[::-1]
    count = gap_outliers(lam)
    upper, lower = lam[count - 1], lam[count]
    where = ("among its negative eigenvalues" if upper < 0 else "among its positive eigenvalues" if lower > 0
             else "between its positive and its negative eigenvalues")
    return f"{where} (between {upper:.3g} and {lower:.3g}; {count:,} of its {len(lam):,} eigenvalues above it)"


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``s1-<name>``), and the readings of them it
    states (``*_text``: the sentence follows the values, never fixed text)."""
    P, init, end = R.params, R.init, R.trained
    d0, d1 = R.decompositions["init"], R.decompositions["trained"]
    return {
        "ranks0": ranks_text(d0), "ranks": ranks_text(d1), "ranks_bound": bound_text([d0, d1]),
        "ratio_reading": residual_text(d1.residual_spectral_ratio), "negatives_reading": negatives_text(d1),
        "M": P.parameters, "N": P.n_samples, "bound": P.rank_bound, "forced": P.parameters - P.rank_bound,
        "loss0": init.loss, "loss": end.loss, "acc": 100 * end.accuracy,
        "bulk": 100 * bulk_fraction(end.hessian, P.bulk_tolerance),
        "bulk3": 100 * bulk_fraction(end.hessian, 1e-3),
        "bulk0": 100 * bulk_fraction(init.hessian, P.bulk_tolerance),
        "rank0": d0.rank, "rank": d1.rank,
        "outliers_seeds": ", ".join(str(gap_outliers(r.trained.hessian)) for r in R.by_seed),
        "gap_init": init_gap_text(init.hessian),
        "ratio0": d0.residual_spectral_ratio, "ratio": d1.residual_spectral_ratio, "fro": d1.residual_ratio,
        "negh": d1.negative_h, "negr": d1.negative_r, "mass": d1.negative_mass_ratio,
        "asym": max(s.asymmetry for s in R.spectra.values()),
        "criteria": criteria_text(criteria(P, R)), "plateau": plateau_summary(trained_runs(R)),
        "n_seeds": len(R.by_seed),
        "bulk_seeds": ", ".join(f"{100 * bulk_fraction(r.trained.hessian, P.bulk_tolerance):.1f}%" for r in R.by_seed),
        "ratio_seeds": ", ".join(f"{r.decompositions['trained'].residual_spectral_ratio:.3f}" for r in R.by_seed),
    }
