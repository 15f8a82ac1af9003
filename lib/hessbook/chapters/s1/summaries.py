"""The numbers S1's prose cites and its tables."""

from __future__ import annotations

from hessbook.chapters.s1.compute import Results
from hessbook.chapters.s1.measure import bulk_fraction, outliers
from hessbook.chapters.s1.regime import criteria, trained_runs
from hessbook.chapters.s1.params import MATRICES
from hessbook.regime import criteria_text, plateau_summary


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``s1-<name>``)."""
    P, init, end = R.params, R.init, R.trained
    d0, d1 = R.decompositions["init"], R.decompositions["trained"]
    return {
        "M": P.parameters, "N": P.n_samples, "bound": P.rank_bound, "forced": P.parameters - P.rank_bound,
        "loss0": init.loss, "loss": end.loss, "acc": 100 * end.accuracy,
        "bulk": 100 * bulk_fraction(end.hessian, P.bulk_tolerance),
        "bulk3": 100 * bulk_fraction(end.hessian, 1e-3),
        "bulk0": 100 * bulk_fraction(init.hessian, P.bulk_tolerance),
        "outliers": outliers(end.hessian), "rank0": d0.rank, "rank": d1.rank,
        "ratio0": d0.residual_spectral_ratio, "ratio": d1.residual_spectral_ratio, "fro": d1.residual_ratio,
        "negh": d1.negative_h, "negr": d1.negative_r, "mass": d1.negative_mass_ratio,
        "asym": max(s.asymmetry for s in R.spectra.values()),
        "criteria": criteria_text(criteria(P, R)), "plateau": plateau_summary(trained_runs(R)),
    }


def decomposition_table(R: Results):
    import pandas as pd

    P = R.params
    rows = []
    for point, s in R.spectra.items():
        d = R.decompositions[point]
        rows.append({
            "point": point, "train loss": s.loss, "M": d.parameters, "bound N(k-1)": P.n_samples * (P.k - 1),
            **{f"rank G @{t:g}": r for t, r in d.ranks.items()},
            "zeros of G": d.zeros, "forced zeros M-N(k-1)": d.parameters - d.bound,
            "λmin(G)/λmax(G)": d.g_min_relative, "‖H−G‖/‖H‖ (F)": d.residual_ratio,
            "‖H−G‖/‖H‖ (2)": d.residual_spectral_ratio,
            "neg. eig. H": d.negative_h, "neg. eig. H−G": d.negative_r,
            "λmin(H)": d.h_min, "λmin(H−G)": d.r_min,
        })
    return pd.DataFrame(rows).set_index("point").T


def spectrum_summary(R: Results):
    import pandas as pd

    tol = R.params.bulk_tolerance
    rows = []
    for point, s in R.spectra.items():
        for m in MATRICES:
            eig = s.eigenvalues(m)
            rows.append({
                "point": point, "matrix": m, "λmax": float(eig.max()), "λmin": float(eig.min()),
                "share |λ| ≤ 1e-3 λmax": bulk_fraction(eig, 1e-3),
                f"share |λ| ≤ {tol:g} λmax": bulk_fraction(eig, tol),
                "outliers (gap)": outliers(eig) if m != "H-G" else None,
            })
    return pd.DataFrame(rows)
