"""S6 -- Logistic regression and random matrices (S Appendix B, Fig 10).

What we implement (S's Example 1; its Example 2 and the caption's "tanh unit" are garbled):
a single sigmoid neuron without bias, f(w, x) = <w, x>, with the log-loss
l(s, y) = -y log sigmoid(s) - (1 - y) log(1 - sigmoid(s)), on data with one Gaussian blob
(random labels) or two Gaussian blobs (label = blob), ``hessbook.data.logistic_blobs``.
Since d^2 f = 0 the Hessian is exactly the Gauss-Newton term,

    H(w) = X^T diag(s_i (1 - s_i)) X / N,   s_i = sigmoid(<w, x_i>),

and M = d. We evaluate it at w = 0 (S does not say where), where s_i (1 - s_i) = 1/4 for
every sample: H = (1/4) X^T X / N is exactly a sample second-moment matrix, so the random
matrix theory of S App. B applies without approximation:

- one blob, x ~ N(0, I_d): H's spectrum follows Marchenko-Pastur with sigma^2 = 1/4 and
  alpha = d / N, with d - N zeros when alpha > 1, and no outlier;
- two blobs N(+-mu, I_d), |mu| = separation / 2: the population second moment is
  I + mu mu^T, a single spike ell = 1 + |mu|^2; if ell > 1 + sqrt(alpha) (the BBP threshold)
  one eigenvalue leaves the bulk and sits near (1/4) ell (1 + alpha / (ell - 1)).

alpha = d / N with d fixed (``dimension``) and N = round(d / alpha).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from hessbook import regime
from hessbook.curvature.exact import logistic_hessian
from hessbook.kit import Claim, Rule, above, all_of, any_of, at_least, at_most, below, equals, is_true, single
from hessbook.kit import style
from hessbook.params import ChapterParams, ParameterError, spec
from hessbook.stats import kolmogorov_distance

ALPHAS = (0.02, 1.0, 2.0)
BLOBS = (1, 2)
PAPER_OUTLIERS = {1.0: 454.4, 2.0: 819.5, 0.02: 92.7}
"""S Fig 10 caption: two blobs, "outlier eigenvalues at 454.4, 819.5, and 92.7 for alpha = 1, 2, 0.02"."""
SIGMA2 = 0.25
"""s (1 - s) at w = 0: the variance scale of the Hessian's Marchenko-Pastur law."""
TW_MARGIN = 4.0
"""An eigenvalue is an outlier when it is more than this many Tracy-Widom scales above the edge."""
KS_HELD = 0.05
"""One blob follows Marchenko-Pastur: Kolmogorov distance below 0.05 at every alpha."""
BBP_SDS = 3.0
"""Two blobs: the outlier within 3 standard deviations (Paul 2007) of the BBP limit."""


@dataclass(frozen=True)
class S6Params(ChapterParams):
    dimension: int = field(metadata=spec(ge=2, doc="input dimension d = M (fixed; N = d / alpha)"))
    alphas: list[float] = field(metadata=spec(gt=0.0, nonempty=True, doc="alpha = M / N (S: 0.02, 1, 2)"))
    separation: float = field(metadata=spec(gt=0.0, doc="distance between the two blob means (S does not say)"))

    def check(self) -> None:
        for a in self.alphas:
            if round(self.dimension / a) < 2:
                raise ParameterError(f"alphas: {a} gives N = d / alpha < 2 samples at dimension = {self.dimension}")

    def n_samples(self, alpha: float) -> int:
        return int(round(self.dimension / alpha))

    @property
    def spike(self) -> float:
        """Population spike of the two-blob second moment: 1 + (separation / 2)^2."""
        return 1.0 + (self.separation / 2.0) ** 2


@dataclass(frozen=True)
class Case:
    blobs: int
    alpha: float
    n_samples: int
    eigenvalues: np.ndarray
    """ascending, float64."""
    edge: float
    """MP right edge sigma^2 (1 + sqrt(alpha))^2."""
    cutoff: float
    """edge + TW_MARGIN Tracy-Widom scales: above it, an outlier."""
    predicted: float | None
    """BBP limit of the top eigenvalue (two blobs), else None."""
    predicted_sd: float | None
    """its Gaussian fluctuation at this N (Paul 2007), else None."""
    ks: float
    """Kolmogorov distance between the empirical spectrum and Marchenko-Pastur."""

    @property
    def outliers(self) -> np.ndarray:
        return self.eigenvalues[self.eigenvalues > self.cutoff]

    @property
    def law(self):
        from hessbook.randmat import MarchenkoPastur

        return MarchenkoPastur(len(self.eigenvalues) / self.n_samples, SIGMA2)


def run_case(P: S6Params, blobs: int, alpha: float) -> Case:
    from hessbook.data import logistic_blobs
    from hessbook.randmat import MarchenkoPastur, bbp_outlier, bbp_outlier_sd, tracy_widom_scale

    n = P.n_samples(alpha)
    x, _ = logistic_blobs(n, P.dimension, blobs=blobs, separation=P.separation, seed=P.seed)
    eig = torch.linalg.eigvalsh(logistic_hessian(x)).numpy()
    law = MarchenkoPastur(P.dimension / n, SIGMA2)
    edge = law.edges[1]
    cutoff = edge + TW_MARGIN * tracy_widom_scale(n, P.dimension, SIGMA2)
    predicted = bbp_outlier(P.spike, P.dimension / n, SIGMA2) if blobs == 2 else None
    sd = bbp_outlier_sd(P.spike, P.dimension / n, n, SIGMA2) if blobs == 2 else None
    return Case(blobs, alpha, n, eig, edge, cutoff, predicted, sd, kolmogorov_distance(eig, law))


@dataclass(frozen=True)
class Results:
    params: S6Params
    cases: list[Case]
    """Both data sets at every alpha: one blob first, then two blobs."""

    def blobs(self, blobs: int) -> list[Case]:
        return [c for c in self.cases if c.blobs == blobs]


def jobs(P: S6Params) -> list:
    """Nothing: S6 computes seconds of work in the kernel and stores nothing."""
    return []


def run(P: S6Params, store=None) -> Results:
    """Both data sets at every alpha. Seconds of work, so nothing is stored (``store`` unused)."""
    return Results(P, [run_case(P, b, a) for b in BLOBS for a in P.alphas])


def spiked(R: Results) -> list[Case]:
    """Two-blob cases whose population spike exceeds the BBP threshold: an outlier is expected."""
    return [c for c in R.blobs(2) if R.params.spike > c.law.bbp_threshold]


MIN_SIZE = 100
"""Theorems 1-2 (S App. B) are limits M, N -> infinity at fixed alpha; the Marchenko-Pastur edge
fluctuates on the Tracy-Widom scale, about N^(-2/3) of the edge: at min(M, N) = 100 that is about
5 % of it, the resolution at which "at the edge" and "an outlier" can be told apart."""


def criteria(P: S6Params, R: Results | None = None) -> list[regime.Criterion]:
    """S6's regime criteria, written from S before any verdict was read. S6 trains nothing: the
    Hessian is taken at w = 0, where S's Example 1 makes it exactly a sample second-moment matrix
    (no optimizer, so no steps, loss or gradient norm to reach; ``R`` is not needed). What S's
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
    return {"criteria": regime.criteria_text(criteria(P)),"d": P.dimension, "spike": P.spike, "sep": P.separation, "max_ks": float(max(c.ks for c in R.cases)),
            "out_a1": float(a1.eigenvalues[-1]), "edge_a1": a1.edge, "alpha_a1": a1.alpha}


def summary_table(R: Results):
    import pandas as pd

    rows = []
    for c in R.cases:
        out = c.outliers
        rows.append({
            "blobs": c.blobs, "alpha": c.alpha, "N": c.n_samples, "M": len(c.eigenvalues),
            "MP edge": c.edge, "top eigenvalue": float(c.eigenvalues[-1]), "outliers": len(out),
            "BBP prediction": c.predicted if c.predicted is not None else float("nan"),
            "± sd": c.predicted_sd if c.predicted_sd is not None else float("nan"),
            "paper's outlier": PAPER_OUTLIERS.get(c.alpha, float("nan")) if c.blobs == 2 else float("nan"),
            "KS distance to MP": c.ks,
        })
    return pd.DataFrame(rows)


def draw_case(ax, c: Case, P: S6Params) -> None:
    """Histogram of the nonzero eigenvalues (mass 1/M each), MP density, edge, BBP lines."""
    eig = c.eigenvalues
    nonzero = eig[eig > 1e-9 * max(eig.max(), 1e-300)]
    bulk = nonzero[nonzero <= c.cutoff]
    lo, hi = c.law.edges
    bins = np.linspace(min(lo, bulk.min()) * 0.95, max(hi, bulk.max()) * 1.05, 40)
    ax.hist(bulk, bins=bins, weights=np.full(len(bulk), 1.0 / (len(eig) * (bins[1] - bins[0]))),
            color="C0", alpha=0.6, label="eigenvalues (bulk)")
    t = np.linspace(lo, hi, 400)
    ax.plot(t, c.law.density(t), "k", lw=1.2, label=f"Marchenko-Pastur, σ² = 1/4, α = {c.law.alpha:.3g}")
    ax.axvline(hi, color="k", ls=":", lw=1, label="MP right edge")
    thr = SIGMA2 * c.law.bbp_threshold
    ax.axvline(thr, color="C2", ls="-.", lw=1, label=f"BBP threshold σ²(1+√α) = {thr:.3g}")
    if c.blobs == 2:
        ax.axvline(SIGMA2 * P.spike, color="C4", ls=":", lw=1, label=f"population spike σ²ℓ = {SIGMA2 * P.spike:.3g}")
        ax.axvline(c.predicted, color="C3", ls="--", lw=1, label=f"BBP outlier {c.predicted:.3g}")
    for j, o in enumerate(c.outliers):
        ax.plot([o], [0], "v", color="C3", ms=9, clip_on=False, label="outlier (measured)" if j == 0 else None)
    right = max(hi, float(eig.max()), thr, c.predicted or 0.0) * 1.08
    ax.set_xlim(0, right)
    ax.set_title(f"{'one blob' if c.blobs == 1 else 'two blobs'}, α = {c.alpha:g} (N = {c.n_samples}): "
                 f"{len(c.outliers)} outlier{'s' if len(c.outliers) != 1 else ''}", fontsize=9)
    ax.set_xlabel("eigenvalue of H")
    ax.set_ylabel("density")


def figure_10(R: Results):
    """S Fig 10, transposed to fit the page: one row per alpha, one column per data set."""
    alphas = sorted({c.alpha for c in R.cases})
    fig, axes = style.grid_panels(max(len(alphas), 1), len(BLOBS), height=2.6)  # a row per alpha
    for c in R.cases:
        draw_case(axes[alphas.index(c.alpha), BLOBS.index(c.blobs)], c, R.params)
    for ax in axes.flat:
        ax.legend(fontsize=style.SMALL, loc="upper right")
    fig.tight_layout()
    return fig


def explorer(R: Results):
    """Widget: pick one blob or two and alpha; the spectrum with MP and BBP overlaid."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    cases = R.cases
    index = {(c.blobs, c.alpha): c for c in cases}

    def draw(blobs, alpha):
        fig, ax = plt.subplots(figsize=(6.5, 3.8))
        draw_case(ax, index[(blobs, alpha)], R.params)
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    return Explorer({"blobs": sorted({c.blobs for c in cases}), "alpha": sorted({c.alpha for c in cases})},
                    draw, title="S6: logistic-regression Hessian spectrum, Marchenko-Pastur and BBP")


ONE_BLOB = (equals("one_blob_outliers", 0, "one blob: outliers over all α"),
            below("one_blob_ks", KS_HELD, "one blob: largest Kolmogorov distance to MP"))
ONE_OUTLIER = is_true("one_outlier_each", "two blobs: exactly one outlier at every α where the spike "
                                          "exceeds the BBP threshold")
RULE = Rule(
    held=all_of(*ONE_BLOB, at_least("spiked", 1, "α values where the spike exceeds the BBP threshold"), ONE_OUTLIER,
                at_most("bbp_sds", BBP_SDS, "two blobs: largest |outlier − BBP limit| in standard deviations "
                                            "(Paul 2007)")),
    partly=any_of(all_of(*ONE_BLOB), ONE_OUTLIER),
)
"""S-Fig10. An eigenvalue is an outlier when it is more than TW_MARGIN Tracy-Widom scales
above the MP edge."""


def values(R: Results) -> dict:
    """What :data:`RULE` grades."""
    one, above = R.blobs(1), spiked(R)
    # not vacuously true: with no alpha above the BBP threshold the two-blob half is untested
    one_each = bool(above) and all(len(c.outliers) == 1 for c in above)
    return {
        "one_blob_outliers": sum(len(c.outliers) for c in one),
        "one_blob_ks": max((c.ks for c in one), default=float("nan")),
        "spiked": len(above),
        "one_outlier_each": one_each,
        "bbp_sds": max(abs(c.outliers[0] - c.predicted) / c.predicted_sd for c in above)
        if one_each else float("nan"),
    }


GROWS = Rule(
    held=above("smallest_step", 1.0, "the two-blob outlier's smallest ratio between consecutive α (ascending)"),
    requires=at_least("alphas", 2, "α values with an outlier", ".0f"),
)
"""S-Fig10, the caption's numbers: the two-blob outlier grows with α (S: 92.7, 454.4, 819.5 at
α = 0.02, 1, 2), as BBP's σ²ℓ(1 + α/(ℓ − 1)) does for a fixed spike ℓ."""


def growth_values(outliers: dict[float, float]) -> dict:
    """What :data:`GROWS` grades, from ``alpha -> outlier``: the smallest ratio of consecutive outliers."""
    top = [outliers[a] for a in sorted(outliers)]
    steps = [b / a for a, b in zip(top, top[1:])]
    return {"alphas": len(top), "smallest_step": min(steps) if steps else float("nan")}


def implied_spike(outliers: dict[float, float]) -> float | None:
    """The spike ℓ that BBP's σ²ℓ(1 + α/(ℓ − 1)) needs for the ratio outlier(α = 2) / outlier(α = 1)
    = (ℓ + 1) / ℓ (None without both α)."""
    if 1.0 not in outliers or 2.0 not in outliers or outliers[2.0] <= outliers[1.0]:
        return None
    return 1.0 / (outliers[2.0] / outliers[1.0] - 1.0)


def growth_claim(ours: dict[float, float], paper: dict[float, float] = PAPER_OUTLIERS, spike: float | None = None) -> Claim:
    """The caption's numbers against ours: the outlier grows with α (graded); the ratios (reported)."""
    def listing(out: dict[float, float]) -> str:
        return ", ".join(f"α = {a:g}: {out[a]:.4g}" for a in sorted(out))

    ell = implied_spike(paper)
    ratios = {name: {a: o[a] / o[1.0] for a in sorted(o)} for name, o in (("paper", paper), ("ours", ours)) if 1.0 in o}
    shown = "; ".join(f"{name}: " + ", ".join(f"{v:.3f}" for v in r.values()) for name, r in ratios.items())
    return Claim(
        "S-Fig10", "Two blobs: the outlier grows with α = M/N, as the caption's numbers do.",
        paper=f"Fig 10 caption: outliers at {listing(paper)} (a trained network, scaling not stated).",
        ours=f"top eigenvalue at w = 0: {listing(ours)}" if ours else "no two-blob case with an outlier",
        rule=GROWS, cases=single(growth_values(ours)) if ours else {},
        evidence=f"Outlier over its value at α = 1 ({shown}). Read through BBP at fixed d, the paper's ratio "
                 f"outlier(2)/outlier(1) implies a spike ℓ ≈ {ell:.2f}, which predicts outlier(0.02)/outlier(1) = "
                 f"{(ell - 0.98) / ell:.3f}; our spike is ℓ = {spike if spike is not None else float('nan'):.2f}. "
                 "Only the direction is graded: the magnitudes and ratios depend on the separation, the weights "
                 "and the scaling, which S does not give." if ell is not None else "",
    )


def claims(R: Results) -> list[Claim]:
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
        "At w = 0 the logistic-regression Hessian is a sample second-moment matrix: one blob follows "
        "Marchenko-Pastur with no outlier; two blobs put one outlier out of the bulk (BBP).",
        paper=f"App. B, Theorems 1-2 and Fig 10 (two-blob outliers at {paper}, for the trained model).",
        ours=ours,
        rule=RULE,
        cases=single(values(R)),
        evidence=f"Tested: the random-matrix theory on the Hessian at w = 0, where it is exactly (1/4) XᵀX/N; "
                 "not the paper's trained outliers (their magnitudes depend on the weights, the separation and "
                 "a scaling S does not give; the next claim compares their trend with α). "
                 f"An outlier: an eigenvalue more than {TW_MARGIN:g} Tracy-Widom scales above the MP edge.",
    ), growth_claim(grown, spike=R.params.spike)]


Params = S6Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
