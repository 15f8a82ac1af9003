"""S1 -- The full spectrum and the generalized Gauss-Newton decomposition (S Sec. 2.1-2.2,
Fig 1, Eq. 2-5).

Setup. S Fig 1: "a two hidden layer network with a total of 5K parameters that is trained
using gradient descent", every eigenvalue at the random initial point and after GD. S does not
say which data; we use S2's network and data (the S-MLP on ``k`` Gaussian clusters, d = 100,
two hidden layers of 30 ReLU units, softmax cross-entropy): ``k = 50`` gives 5510 parameters,
S Table 1's largest row.

Eq. 4 splits the Hessian of the mean loss into G = (1/N) sum_i J_i^T (d^2 l_i) J_i (the
generalized Gauss-Newton matrix, PSD because the loss is convex in the outputs) and H - G =
(1/N) sum_i sum_c (dl_i/df_ic) d^2 f_ic. S's counting argument (Eq. 5: "at least M - N
trivial eigenvalues") is for one output per sample; with ``k`` softmax outputs each
d^2 l_i = diag(p_i) - p_i p_i^T has rank k - 1 (it annihilates the all-ones vector), so
rank(G) <= N (k - 1) and G has at least M - N (k - 1) zero eigenvalues. The chapter picks N
small enough that this bound is below M, so the claim is testable.

Numerical rank: eigenvalues of G above ``rank_tolerance * lambda_max(G)``. G is assembled in
float64 and ``eigvalsh`` is backward stable, so the eigenvalues of an exactly singular G come
out at O(M eps lambda_max) ~ 1e-12 lambda_max; 1e-10 sits a hundred times above that and far
below G's smallest genuine eigenvalues. The chapter shows the count at 1e-8, 1e-10 and 1e-12
(it is the same when the gap is real) and G's most negative eigenvalue, which is pure
rounding and so measures the noise floor directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from hessbook.params import ChapterParams, ParameterError, device_spec, spec

POINTS = ("init", "trained")
MATRICES = ("H", "G", "H-G")
MATRIX_LABELS = {"H": "Hessian H", "G": "Gauss-Newton G", "H-G": "residual H − G"}
RANK_TOLERANCES = (1e-8, 1e-10, 1e-12)


@dataclass(frozen=True)
class S1Params(ChapterParams):
    k: int = field(metadata=spec(ge=2, doc="classes = Gaussian clusters = outputs (k = 50: 5510 parameters)"))
    n_samples: int = field(metadata=spec(gt=0, doc="training points N (small, so that N (k-1) < M)"))
    dimension: int = field(metadata=spec(gt=0, doc="input dimension d (S2: 100)"))
    hidden: int = field(metadata=spec(gt=0, doc="units in each of the two hidden layers (S2: 30)"))
    activation: str = field(metadata=spec(choices=("relu", "tanh"), doc="hidden nonlinearity"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant GD step size"))
    gd_iterations: int = field(metadata=spec(gt=0, doc="full-batch GD steps"))
    rank_tolerance: float = field(metadata=spec(gt=0.0, lt=1.0, doc="numerical rank: eigenvalues above tol * lambda_max"))
    bulk_tolerance: float = field(metadata=spec(gt=0.0, lt=1.0, doc="bulk: |eigenvalue| below tol * lambda_max"))
    device: str = field(metadata=device_spec("where to train and assemble"))

    def check(self) -> None:
        if self.n_samples < self.k:
            raise ParameterError(f"n_samples = {self.n_samples}: need at least k = {self.k} points (one per cluster)")

    @property
    def parameters(self) -> int:
        d, h, k = self.dimension, self.hidden, self.k
        return (d + 1) * h + (h + 1) * h + (h + 1) * k

    @property
    def rank_bound(self) -> int:
        """min(M, N (k - 1)): the rank G can have at most."""
        return min(self.parameters, self.n_samples * (self.k - 1))


@dataclass(frozen=True)
class PointSpectra:
    """Every eigenvalue of H, G and H - G at one point (descending), and the training state."""

    point: str
    hessian: np.ndarray
    gauss_newton: np.ndarray
    residual: np.ndarray
    loss: float
    accuracy: float
    asymmetry: float

    def eigenvalues(self, matrix: str) -> np.ndarray:
        return {"H": self.hessian, "G": self.gauss_newton, "H-G": self.residual}[matrix]


def train_config(P: S1Params):
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model="s_mlp",
        model_kwargs={"d": P.dimension, "k": P.k, "hidden": [P.hidden, P.hidden], "activation": P.activation},
        data=DataSpec("gaussian_clusters", options={
            "k": P.k, "d": P.dimension, "n": P.n_samples, "cov_scale": 1.0, "seed": P.seed}),
        batch_size=P.n_samples, lr=P.lr, max_iterations=P.gd_iterations, seed=P.seed,
    )


def run(P: S1Params, store=None) -> dict[str, PointSpectra]:
    """Train (through the store) and compute the exact spectra at init and after GD (stored)."""
    from hessbook.curvature import exact_spectra
    from hessbook.data import gaussian_clusters, tensor_data
    from hessbook.device import pick_device
    from hessbook.models import build_model
    from hessbook.progress import progress
    from hessbook.store import default_store
    from hessbook.train import evaluate, train

    store = store or default_store()
    config = train_config(P)
    device = pick_device(P.device)
    x, y = gaussian_clusters(P.k, P.dimension, P.n_samples, 1.0, P.seed)
    out = {}
    for point in progress(POINTS, desc="S1 exact spectra"):

        def compute(point=point) -> dict:
            if point == "init":  # the initial weights train() starts from (same seed, same builder)
                torch.manual_seed(config.seed)
                model = build_model(config.model, **dict(config.model_kwargs)).to(device).eval()
            else:
                model = train(config, store, device=device).model(device)
            sp = exact_spectra(model, (x.to(device), y.to(device)))
            loss, acc = evaluate(model, tensor_data(x, y, "gaussian_clusters", num_classes=P.k), device)
            return {
                "hessian": sp.hessian.numpy(), "gauss_newton": sp.gauss_newton.numpy(),
                "residual": sp.residual.numpy(), "loss": float(loss), "accuracy": float(acc),
                "asymmetry": sp.asymmetry,
            }

        rec = store.get_or_compute("s1-spectra", {"train": config, "point": point}, compute)
        a, m = rec.arrays, rec.metrics
        out[point] = PointSpectra(point, a["hessian"], a["gauss_newton"], a["residual"],
                                  m["loss"], m["accuracy"], m["asymmetry"])
    return out


# ----------------------------------------------------------------------------- measurements


def numerical_rank(eigenvalues: np.ndarray, tolerance: float) -> int:
    """Eigenvalues above ``tolerance * max(eigenvalues)``."""
    eig = np.asarray(eigenvalues)
    return int((eig > tolerance * eig.max()).sum())


def bulk_fraction(eigenvalues: np.ndarray, tolerance: float) -> float:
    """Fraction of eigenvalues with |lambda| <= tolerance * max |lambda|."""
    eig = np.asarray(eigenvalues)
    return float(np.mean(np.abs(eig) <= tolerance * np.abs(eig).max()))


def outliers(eigenvalues: np.ndarray) -> int:
    """Eigenvalues above the largest gap of the sorted spectrum (S2's "gap" cutoff)."""
    from hessbook.curvature import count_outliers

    return count_outliers(torch.from_numpy(np.ascontiguousarray(eigenvalues))).gap


def frobenius(eigenvalues: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(eigenvalues))))


@dataclass(frozen=True)
class Decomposition:
    """What Eq. 2-5 predict, measured at one point."""

    point: str
    parameters: int
    bound: int
    """min(M, N (k - 1))."""
    rank: int
    """numerical rank of G at the chapter's tolerance."""
    ranks: dict
    """tolerance -> numerical rank of G."""
    zeros: int
    """M - rank."""
    g_min_relative: float
    """lambda_min(G) / lambda_max(G): negative only by rounding when G is PSD."""
    residual_ratio: float
    """||H - G||_F / ||H||_F."""
    residual_spectral_ratio: float
    """max |lambda(H - G)| / max |lambda(H)|."""
    negative_h: int
    negative_r: int
    h_min: float
    r_min: float
    weyl_holds: bool
    """lambda_i(H) >= lambda_i(H - G) for every i (G PSD: H dominates H - G)."""
    negative_mass_ratio: float
    """sum of |negative eigenvalues of H| / sum of |negative eigenvalues of H - G| (<= 1 by Weyl)."""


def decomposition(s: PointSpectra, P: S1Params) -> Decomposition:
    H, G, R = s.hessian, s.gauss_newton, s.residual
    scale_h = np.abs(H).max()
    neg_tol = P.rank_tolerance * scale_h
    rank = numerical_rank(G, P.rank_tolerance)
    # G PSD => H = G + R dominates R, so sorted eigenvalues satisfy lambda_i(H) >= lambda_i(R)
    weyl = bool(np.all(np.sort(H) >= np.sort(R) - 1e3 * np.finfo(float).eps * scale_h * len(H)))
    neg_h = H[H < -neg_tol]
    neg_r = R[R < -neg_tol]
    return Decomposition(
        point=s.point, parameters=len(G), bound=P.rank_bound, rank=rank,
        ranks={t: numerical_rank(G, t) for t in RANK_TOLERANCES}, zeros=len(G) - rank,
        g_min_relative=float(G.min() / G.max()),
        residual_ratio=frobenius(R) / frobenius(H),
        residual_spectral_ratio=float(np.abs(R).max() / scale_h),
        negative_h=len(neg_h), negative_r=len(neg_r), h_min=float(H.min()), r_min=float(R.min()),
        weyl_holds=weyl,
        negative_mass_ratio=float(np.abs(neg_h).sum() / np.abs(neg_r).sum()) if len(neg_r) else 0.0,
    )


def decomposition_table(spectra: dict[str, PointSpectra], P: S1Params):
    import pandas as pd

    rows = []
    for point, s in spectra.items():
        d = decomposition(s, P)
        rows.append({
            "point": point, "train loss": s.loss, "M": d.parameters, "bound N(k-1)": P.n_samples * (P.k - 1),
            **{f"rank G @{t:g}": r for t, r in d.ranks.items()},
            "zeros of G": d.zeros, "forced zeros M-N(k-1)": d.parameters - d.bound,
            "λmin(G)/λmax(G)": d.g_min_relative, "‖H−G‖/‖H‖ (F)": d.residual_ratio,
            "‖H−G‖/‖H‖ (2)": d.residual_spectral_ratio,
            "neg. eig. H": d.negative_h, "neg. eig. H−G": d.negative_r,
            "λmin(H)": d.h_min, "λmin(H−G)": d.r_min,
        })
    return pd.DataFrame(rows)


def spectrum_summary(spectra: dict[str, PointSpectra], P: S1Params):
    import pandas as pd

    rows = []
    for point, s in spectra.items():
        for m in MATRICES:
            eig = s.eigenvalues(m)
            rows.append({
                "point": point, "matrix": m, "λmax": float(eig.max()), "λmin": float(eig.min()),
                "share |λ| ≤ 1e-3 λmax": bulk_fraction(eig, 1e-3),
                f"share |λ| ≤ {P.bulk_tolerance:g} λmax": bulk_fraction(eig, P.bulk_tolerance),
                "outliers (gap)": outliers(eig) if m != "H-G" else None,
            })
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- figures


def draw_ordered(ax, eigenvalues: np.ndarray, title: str, color: str = "C0") -> None:
    """S's ordered plot: rank on x, value on y, ascending, every eigenvalue."""
    eig = np.sort(eigenvalues)
    ax.plot(np.arange(1, len(eig) + 1), eig, ".", ms=2, color=color)
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("rank of eigenvalue")
    ax.set_ylabel("eigenvalue")


def figure1(spectra: dict[str, PointSpectra]):
    """S Fig 1: the full ordered spectrum of H at init and after GD."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for ax, point in zip(axes, POINTS):
        s = spectra[point]
        draw_ordered(ax, s.hessian, f"H at {'the random initial point' if point == 'init' else 'the end of GD'} "
                                    f"(loss {s.loss:.2g})")
    fig.tight_layout()
    return fig


def figure_decomposition(spectra: dict[str, PointSpectra], P: S1Params):
    """H, G and H - G at both points, with the rank bound drawn on G's panel."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(11, 6))
    for i, point in enumerate(POINTS):
        for j, m in enumerate(MATRICES):
            ax = axes[i, j]
            draw_ordered(ax, spectra[point].eigenvalues(m), f"{point}: {MATRIX_LABELS[m]}", color=f"C{j}")
            if m == "G":
                ax.axvline(len(spectra[point].gauss_newton) - P.rank_bound + 0.5, color="k", ls=":", lw=1)
    fig.tight_layout()
    return fig


def explorer(spectra: dict[str, PointSpectra], P: S1Params):
    """Widget: pick the point (init/trained), the matrix (H, G, H - G) and the view."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    def draw(point, matrix, view):
        eig = spectra[point].eigenvalues(matrix)
        fig, ax = plt.subplots(figsize=(6, 3.5))
        if view == "ordered (all)":
            draw_ordered(ax, eig, f"{point}: {MATRIX_LABELS[matrix]}")
            if matrix == "G":
                ax.axvline(len(eig) - P.rank_bound + 0.5, color="k", ls=":", lw=1)
        else:
            mag = np.sort(np.abs(eig))[::-1]
            ax.semilogy(np.arange(1, len(mag) + 1), np.maximum(mag, 1e-300), ".", ms=2)
            ax.axhline(P.rank_tolerance * mag[0], color="C3", ls=":", lw=1)
            if matrix == "G":
                ax.axvline(P.rank_bound + 0.5, color="k", ls=":", lw=1)
            ax.set_title(f"{point}: |eigenvalues| of {MATRIX_LABELS[matrix]}, descending "
                         "(red: rank tolerance; black: N(k-1))" if matrix == "G" else
                         f"{point}: |eigenvalues| of {MATRIX_LABELS[matrix]}, descending", fontsize=9)
            ax.set_xlabel("index")
            ax.set_ylabel("|eigenvalue|")
        fig.tight_layout()
        return fig

    return Explorer({"point": list(POINTS), "matrix": list(MATRICES), "view": ["ordered (all)", "|λ| log scale"]},
                    draw, title="S1: exact spectra of H, G and H − G")


# ----------------------------------------------------------------------------- verdicts


def verdicts(spectra: dict[str, PointSpectra], P: S1Params):
    from hessbook.report import Verdict

    end = spectra["trained"]
    tol = P.bulk_tolerance
    bulk = bulk_fraction(end.hessian, tol)
    n_out = outliers(end.hessian)
    bulk0 = bulk_fraction(spectra["init"].hessian, tol)
    few = n_out <= max(2 * P.k, 0.02 * len(end.hessian))
    fig1 = "held" if bulk >= 0.9 and few else ("partly" if bulk >= 0.5 or few else "did not hold")
    out = [Verdict(
        "S-Fig1",
        "After GD the spectrum is a bulk near zero plus a few outliers.",
        fig1,
        "Fig 1: ordered eigenvalues at init and after GD, ~5K parameters; mostly zero, a few large.",
        f"after GD: {bulk:.1%} of the {len(end.hessian)} eigenvalues have |λ| ≤ {tol:g} λmax "
        f"(at init: {bulk0:.1%}); {n_out} above the largest gap (k = {P.k}); "
        f"λmax = {end.hessian.max():.3g}, λmin = {end.hessian.min():.3g}",
        f"held = at least 90% in the bulk and at most max(2k, 2% of M) outliers after GD; "
        f"partly = one of the two. Data: S-MLP on {P.k} Gaussian clusters (S does not say Fig 1's data).",
    )]
    d0, d1 = decomposition(spectra["init"], P), decomposition(spectra["trained"], P)
    psd = all(d.g_min_relative >= -P.rank_tolerance for d in (d0, d1))
    ranks_ok = all(d.rank <= d.bound for d in (d0, d1))
    weyl = d0.weyl_holds and d1.weyl_holds
    small = d1.residual_spectral_ratio < 0.1
    grade = "held" if psd and ranks_ok and weyl and small else (
        "partly" if psd and ranks_ok else "did not hold")
    out.append(Verdict(
        "S-Eq2-5",
        "H = G + (H − G) with G PSD of rank ≤ N·(outputs); H − G small near a minimum, so H ≈ G.",
        grade,
        "Eq. 4-5: at least M − N trivial eigenvalues of G; the second term can be ignored near a minimum.",
        f"rank G = {d0.rank} (init), {d1.rank} (trained) ≤ bound {d1.bound} (M = {d1.parameters}, "
        f"N = {P.n_samples}, k − 1 = {P.k - 1}); λmin(G)/λmax(G) ≥ {min(d0.g_min_relative, d1.g_min_relative):.1e}; "
        f"‖H−G‖2/‖H‖2 = {d0.residual_spectral_ratio:.2f} at init, {d1.residual_spectral_ratio:.3f} after GD "
        f"(Frobenius: {d0.residual_ratio:.2f}, {d1.residual_ratio:.3f}); "
        f"H has {d1.negative_h} negative eigenvalues after GD, H − G {d1.negative_r}, "
        f"λmin(H) = {d1.h_min:.2e} vs λmin(H−G) = {d1.r_min:.2e}",
        "held = G PSD (to the rank tolerance), rank ≤ bound at both points, λi(H) ≥ λi(H−G) for every i "
        "(every negative eigenvalue of H is accounted for by H − G), and ‖H−G‖2 < 0.1‖H‖2 after GD "
        "(the largest eigenvalues of H are G's); "
        "partly = the algebra holds but H − G is not small.",
    ))
    return out


Params = S1Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
