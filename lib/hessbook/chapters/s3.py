"""S3 -- Width on MNIST: the top of the spectrum keeps its shape as the network widens (S Sec.
3.2, Fig 3) and the negative eigenvalues stay small (S Sec. 3.4, Fig 5).

Setup (S Sec. 3.2): 1K MNIST training samples fixed; one hidden layer of n in {10, 30, 50, 70}
units; every network trained with the same step size and the same number of iterations; the
exact Hessian at the end; the largest 120 eigenvalues in increasing order, and the negative
eigenvalues against their order in percent.

What S does not give, and we chose (``S3Params``): the nonlinearity (ReLU, see
:func:`hessbook.models.s_fc_mnist`), the step size, the number of iterations and the batch size
(full batch: gradient descent), which 1K samples (a seeded subset of the training set). At cpu
scale the 28x28 image is average-pooled to ``input_size`` x ``input_size`` inside the model so
that the exact Hessian fits (why exact and not Lanczos: :mod:`hessbook.papers.sagun.mnist_spectra`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hessbook import kit, regime
from hessbook.kit.jobs import context, run_jobs
from hessbook.params import ChapterParams, ParameterError, device_spec, spec
from hessbook.papers.sagun.mnist_spectra import (HESSIAN_DTYPES, Spectrum, SpectrumJob, draw_negatives, draw_top,
                                                 negatives_claim, spectra, top_k, worst_negative)
from hessbook.papers.sagun.regime import fits_training_set, over_parametrized, spectrum_run

PAPER_WIDTHS = (10, 30, 50, 70)
PAPER_TOP_K = 120
PAPER_INPUT_SIZE = 28
PAPER_SAMPLES = 1000
"""S Sec. 3.2: "we sample 1K examples from the MNIST dataset and fix them as the training set"."""
SHAPE_RANKS = 10
"""Ranks whose spread across widths grades the shape claim: the k = 10 class outliers
(S Sec. 3.1 ties the outliers to the number of classes)."""
SHAPE_HELD = 0.5
""""Same shape" held: the top ranks move across widths by at most this fraction of their mean..."""
SHAPE_PARTLY = 1.0
"""...partly: by at most this fraction."""
SHAPE_RULE = kit.Rule(
    held=kit.at_most("spread", SHAPE_HELD, f"median relative spread (range / mean) of the top-{SHAPE_RANKS} "
                     "ranks across widths", ".0%"),
    partly=kit.at_most("spread", SHAPE_PARTLY, "that spread", ".0%"),
)


SHARE_RULE = kit.Rule(
    held=kit.at_most("share_spread", SHAPE_HELD, "range / mean of the negative share across widths", ".0%"),
    partly=kit.at_most("share_spread", SHAPE_PARTLY, "that spread", ".0%"),
    requires=kit.at_least("widths", 2, "widths", ".0f"),
)
"""S Sec. 3.4: "the ratio of negative eigenvalues remain[s] the same" as the network widens, graded
by the same spread thresholds as the shape of the top (:data:`SHAPE_RULE`)."""


def share_spread(shares: Sequence[float]) -> float:
    """(max - min) / mean of the negative shares across widths (NaN when the mean is 0)."""
    mean = float(np.mean(shares))
    return float((max(shares) - min(shares)) / mean) if mean > 0 else float("nan")


def share_claim(shares: dict[str, float], evidence: str = "") -> kit.Claim:
    """S-Fig3-5's negative share from ``label -> share of negative eigenvalues``."""
    return kit.Claim(
        "S-Fig3-5", "The share of negative eigenvalues stays the same as the hidden layer widens.",
        paper="Sec. 3.4: \"the number of outliers remain unchanged whereas the ratio of negative eigenvalues "
              "remain the same\" (Fig 5).",
        ours="negative share " + ", ".join(f"{k}: {100 * v:.1f}%" for k, v in shares.items())
             + f"; range / mean {share_spread(list(shares.values())):.0%}",
        rule=SHARE_RULE,
        cases=kit.single({"widths": len(shares), "share_spread": share_spread(list(shares.values()))}),
        evidence=evidence,
    )


@dataclass(frozen=True)
class S3Params(ChapterParams):
    widths: list[int] = field(metadata=spec(nonempty=True, gt=0, doc="hidden units per network (S: 10, 30, 50, 70)"))
    input_size: int = field(metadata=spec(choices=(7, 14, 28), doc="side of the pooled input (S: 28; ours: smaller at cpu scale)"))
    n_samples: int = field(metadata=spec(gt=0, doc="MNIST training samples (S: 1000)"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant step size, the same for every width"))
    iterations: int = field(metadata=spec(gt=0, doc="training steps, the same for every width"))
    batch_size: int = field(metadata=spec(gt=0, le_field="n_samples", doc="minibatch size (n_samples: gradient descent)"))
    top_k: int = field(metadata=spec(gt=0, doc="largest eigenvalues shown (S: 120)"))
    hessian_batch: int = field(metadata=spec(gt=0, doc="samples per Hessian-vector pass: memory, and the rounding of the float64 batch sums (part of the store key)"))
    hessian_dtype: str = field(metadata=spec(choices=HESSIAN_DTYPES, doc="precision of the Hessian-vector products (H itself is float64)"))
    device: str = field(metadata=device_spec("where to train and assemble H"))

    def check(self) -> None:
        if len(set(self.widths)) != len(self.widths):
            raise ParameterError(f"widths = {self.widths}: repeated width; accepted: distinct widths")
        smallest = min(self.widths) * (self.input_size ** 2 + 11) + 10
        if self.top_k > smallest:
            raise ParameterError(
                f"top_k = {self.top_k}: more than the {smallest} eigenvalues of the narrowest network; "
                f"accepted: 1..{smallest}")


def num_params(width: int, input_size: int) -> int:
    """Parameters of the input_size^2 - width - 10 network: (input_size^2 + 11) width + 10."""
    return (input_size * input_size + 11) * width + 10


def train_config(width: int, P: S3Params):
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model="s_fc_mnist", model_kwargs={"hidden": width, "input_size": P.input_size},
        data=DataSpec("mnist", "train", n=P.n_samples, subset_seed=P.seed),
        batch_size=P.batch_size, lr=P.lr, max_iterations=P.iterations, seed=P.seed,
    )


@dataclass(frozen=True)
class Results:
    """One exact spectrum per width, narrowest first."""

    params: S3Params
    spectra: tuple[Spectrum, ...]

    @property
    def shape(self) -> ShapeSummary:
        return shape_summary(self.spectra, self.params.top_k)


def jobs(P: S3Params) -> list[SpectrumJob]:
    """One exact spectrum per width, narrowest first (computed in the kernel)."""
    hb = min(P.hessian_batch, P.n_samples)
    return [SpectrumJob(train_config(w, P), hb, P.hessian_dtype) for w in sorted(P.widths)]


def run(P: S3Params, store=None) -> Results:
    """One exact spectrum per width, narrowest first (each stored)."""
    table = run_jobs(jobs(P), context(P.device, store))
    return Results(P, spectra(table, [f"n = {w}" for w in sorted(P.widths)]))


@dataclass(frozen=True)
class ShapeSummary:
    """How much the top of the spectrum moves across widths."""

    ranks: int
    spread: float
    """Median over the top ``ranks`` ranks of (max - min) / mean across widths."""
    lambda1: tuple[float, ...]
    params: tuple[int, ...]
    edge: tuple[float, ...]
    """The ``top_k``-th largest eigenvalue of each network (where the shown window ends)."""
    edge_growth: float
    """edge of the widest / edge of the narrowest network."""


def shape_summary(spectra: Sequence[Spectrum], top_k_: int, ranks: int = SHAPE_RANKS) -> ShapeSummary:
    ranks = min(ranks, top_k_, *(len(s.eigenvalues) for s in spectra))
    tops = np.stack([top_k(s.eigenvalues, ranks)[1] for s in spectra])  # widths x ranks, ascending
    spread = float(np.median((tops.max(0) - tops.min(0)) / np.abs(tops.mean(0))))
    edge = tuple(float(top_k(s.eigenvalues, top_k_)[1][0]) for s in spectra)
    growth = edge[-1] / edge[0] if edge[0] != 0 else float("inf")
    return ShapeSummary(ranks, spread, tuple(s.top for s in spectra), tuple(s.num_params for s in spectra),
                        edge, float(growth))


def criteria(P: S3Params, R: Results | None = None) -> list[regime.Criterion]:
    """S3's regime criteria (:mod:`hessbook.papers.sagun.regime`, written from S before any verdict
    was read) for the block ``P``; with the results ``R``, also the state every width reached.

    S Sec. 3.2 fixes 1K MNIST samples and the widths, trains "with the same step size and the same
    number of iterations" (no number given) and makes "the system more and more over-parametrized":
    its narrowest network has (784 + 11) 10 + 10 = 7,960 parameters, more than its N = 1,000. S
    Sec. 3.4: "the training ran well beyond the point of this saturation": every width fits its
    training set (measured)."""
    out = [
        regime.Criterion(f"S's {PAPER_SAMPLES:,} MNIST training samples (S Sec. 3.2)", P.n_samples == PAPER_SAMPLES,
                         f"N = {P.n_samples:,}"),
        regime.Criterion(f"S's widths {', '.join(map(str, PAPER_WIDTHS))} (S Sec. 3.2)",
                         set(PAPER_WIDTHS) <= set(P.widths), f"widths {', '.join(map(str, sorted(P.widths)))}"),
        over_parametrized("every width", [num_params(w, P.input_size) for w in P.widths], P.n_samples,
                          f"{num_params(min(PAPER_WIDTHS), PAPER_INPUT_SIZE):,} to "
                          f"{num_params(max(PAPER_WIDTHS), PAPER_INPUT_SIZE):,} parameters for N = {PAPER_SAMPLES:,}"),
    ]
    if R is not None:
        out.append(fits_training_set([(s.label, s.train_accuracy) for s in R.spectra]))
    return out


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """One run-table row per width (``iterations`` steps each)."""
    return [spectrum_run(s, R.params.iterations) for s in R.spectra]


def numbers(R: Results) -> dict:
    """Every number the prose cites (glued as ``s3-<name>``)."""
    P, spectra = R.params, R.spectra
    return {
        "criteria": regime.criteria_text(criteria(P, R)), "plateau": regime.plateau_summary(trained_runs(R)),
        "input": f"{P.input_size}×{P.input_size}", "params_min": spectra[0].num_params,
        "params_max": spectra[-1].num_params, "spread": 100 * R.shape.spread, "edge_growth": R.shape.edge_growth,
        "max_loss": max(s.final_loss for s in spectra), "max_asym": max(s.asymmetry for s in spectra),
        "worst_neg": worst_negative(spectra),
    }


def summary_table(R: Results):
    """One row per width: the run table's columns (steps, final training loss, training accuracy,
    flag: :mod:`hessbook.regime`) and the spectrum's."""
    import pandas as pd

    return pd.DataFrame([{
        "network": s.label, "parameters": s.num_params, "steps": run.steps, "train loss": s.final_loss,
        "train acc": s.train_accuracy, "flag": run.flag or "–", "λ_max": s.top, "λ_min": s.bottom,
        "negative (%)": 100 * s.negative_fraction, "|λ_min| / λ_max": max(-s.bottom, 0.0) / s.top,
    } for s, run in zip(R.spectra, trained_runs(R))])


def figure_3(R: Results):
    """S Fig 3: the largest ``top_k`` eigenvalues per width."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    draw_top(ax, R.spectra, R.params.top_k)
    ax.set_title("largest eigenvalues per hidden width (compare S Fig. 3)", fontsize=10)
    fig.tight_layout()
    return fig


def figure_5(R: Results):
    """S Fig 5: the negative eigenvalues per width, in percent of the spectrum."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    draw_negatives(ax, R.spectra)
    ax.set_title("negative eigenvalues per hidden width (compare S Fig. 5)", fontsize=10)
    fig.tight_layout()
    return fig


def explorer(R: Results, top_ks=(10, 20, 50, 120)):
    """Widget: one width or all of them, how many top eigenvalues, top or negative tail."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    spectra = list(R.spectra)
    by_label = {s.label: s for s in spectra}
    widths = ["all", *by_label]
    smallest = min(len(s.eigenvalues) for s in spectra)
    ks = [k for k in top_ks if k <= smallest] or [smallest]

    def draw(width, top, part):
        chosen = spectra if width == "all" else [by_label[width]]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        if part == "top":
            draw_top(ax, chosen, top)
        else:
            draw_negatives(ax, chosen)
        fig.tight_layout()
        return fig

    return Explorer({"width": widths, "top": ks, "part": ["top", "negative"]}, draw,
                    title="S3: exact Hessian spectra of the one-hidden-layer MNIST networks")


def graded_claims(R: Results) -> list[kit.Claim]:
    """S Fig 3 (shape invariant with width) and S Fig 5 (negative eigenvalues small, their share
    the same across widths)."""
    P, spectra, sh = R.params, R.spectra, R.shape
    pooled = ("" if P.input_size == PAPER_INPUT_SIZE else
              f" Pooled input ({P.input_size}x{P.input_size}, not the paper's 28x28) at this scale.")
    lam1 = ", ".join(f"{s.label}: {s.top:.3g}" for s in spectra)
    return [
        kit.Claim(
            "S-Fig3-5", "The largest eigenvalues keep the same shape as the hidden layer widens.",
            paper="Fig 3: the largest 120 eigenvalues of n = 10, 30, 50, 70 lie on the same curve.",
            ours=f"λ_max {lam1}; the top {sh.ranks} move by a median {sh.spread:.0%} (range/mean) across widths "
                 f"while the parameters grow {sh.params[-1] / sh.params[0]:.1f}x; the {P.top_k}-th largest grows "
                 f"{sh.edge_growth:.2f}x.",
            rule=SHAPE_RULE, cases=kit.single({"spread": sh.spread}), evidence=pooled.strip(),
        ),
        negatives_claim("S-Fig3-5", spectra,
                        paper="Fig 5: small negative eigenvalues at the bottom of every width.",
                        evidence=pooled.strip()),
        share_claim({s.label: s.negative_fraction for s in spectra}, evidence=pooled.strip()),
    ]


Params = S3Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""


def claims(R: Results) -> list:
    """The claims, judged only where S3's regime criteria hold (:func:`hessbook.kit.in_regime`)."""
    return kit.in_regime(graded_claims(R), criteria(R.params, R))
