"""S4 -- Small and large batch on MNIST: the large-batch solution has larger outliers, as many
of them as the small-batch one (S Sec. 3.3, Fig 4), and small negative eigenvalues (S Sec.
3.4, Fig 6).

Setup (S Sec. 3.3): a convnet of two conv layers with ReLU-maxpool and two fully connected
layers on 1K MNIST samples; small batch 10 and large batch 512 with the same learning rate and
the same number of iterations; the exact Hessian at the end.

What S does not give, and we chose (``S4Params``): the layer sizes (:func:`hessbook.models.s_cnn`,
shrunk by ``channels`` and ``hidden`` at cpu scale so that the exact Hessian fits), the learning
rate, the number of iterations, which 1K samples; and how to count outliers
(:func:`hessbook.curvature.count_outliers`, the three cutoffs of S2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hessbook import kit, regime, stats
from hessbook.kit.jobs import context, run_jobs
from hessbook.params import ChapterParams, ParameterError, device_spec, spec
from hessbook.papers.sagun.mnist_spectra import (HESSIAN_DTYPES, Spectrum, SpectrumJob, draw_negatives, draw_top,
                                                 negatives_claim, spectra, top_k)
from hessbook.papers.sagun.regime import fits_training_set, over_parametrized, spectrum_run

OUTLIER_RANKS = 10
"""Ranks compared for "LB has larger outliers": the k = 10 class outliers (S Sec. 3.1)."""
METHODS = ("gap", "ratio", "elbow")
FULL_CHANNELS, FULL_HIDDEN = (10, 20), 50
"""The full-size convnet (our choice of S's layer sizes; the gpu and paper scales)."""
PAPER_SAMPLES = 1000
"""S Sec. 3.3: "The training set is a subsampled MNIST with 1K training examples"."""
PAPER_BATCHES = (10, 512)
"""S Sec. 3.3: "The small batch method uses a mini-batch size of 10, and the large-batch one uses 512"."""
LARGER_PARTLY = 0.5
""""LB outliers larger" partly: LB larger at at least this share of the ranks (or at lambda_max)."""
COUNT_TOLERANCE = 0.2
""""The same number of outliers" partly: medians within max(1, this share of the larger one)."""

LARGER_RULE = kit.Rule(
    held=kit.at_least("larger_share", 1.0, f"share of the top {OUTLIER_RANKS} ranks where LB is larger", ".0%"),
    partly=kit.any_of(kit.above("ratio_lambda1", 1.0, "λ_max LB / SB"),
                      kit.at_least("larger_share", LARGER_PARTLY, "that share", ".0%")),
)
SAME_COUNT_RULE = kit.Rule(
    held=kit.equals("difference", 0, "|median count SB − median count LB| (medians over gap, ratio, elbow)"),
    partly=kit.at_most("excess", 0, f"that difference − max(1, {COUNT_TOLERANCE:.0%} of the larger median)"),
)


@dataclass(frozen=True)
class S4Params(ChapterParams):
    small_batch: int = field(metadata=spec(gt=0, doc="SB minibatch size (S: 10)"))
    large_batch: int = field(metadata=spec(gt=0, doc="LB minibatch size (S: 512)"))
    channels: list[int] = field(metadata=spec(gt=0, doc="channels of the two conv layers (ours: 10, 20 at full size)"))
    hidden: int = field(metadata=spec(gt=0, doc="units of the first fully connected layer (ours: 50 at full size)"))
    n_samples: int = field(metadata=spec(gt=0, doc="MNIST training samples (S: 1000)"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant learning rate, the same for SB and LB"))
    iterations: int = field(metadata=spec(gt=0, doc="training steps, the same for SB and LB"))
    top_k: int = field(metadata=spec(gt=0, doc="largest eigenvalues shown in the Fig 4 plot"))
    hessian_batch: int = field(metadata=spec(gt=0, doc="samples per Hessian-vector pass: memory, and the rounding of the float64 batch sums (part of the store key)"))
    hessian_dtype: str = field(metadata=spec(choices=HESSIAN_DTYPES, doc="precision of the Hessian-vector products (H itself is float64)"))
    device: str = field(metadata=device_spec("where to train and assemble H"))

    def check(self) -> None:
        if len(self.channels) != 2:
            raise ParameterError(f"channels = {list(self.channels)}: accepted two positive integers (conv1, conv2)")
        if not self.small_batch < self.large_batch <= self.n_samples:
            raise ParameterError(
                f"small_batch = {self.small_batch}, large_batch = {self.large_batch}: accepted "
                f"small_batch < large_batch <= n_samples = {self.n_samples}")


def train_config(batch_size: int, P: S4Params):
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model="s_cnn", model_kwargs={"channels": list(P.channels), "hidden": P.hidden},
        data=DataSpec("mnist", "train", n=P.n_samples, subset_seed=P.seed),
        batch_size=batch_size, lr=P.lr, max_iterations=P.iterations, seed=P.seed,
    )


@dataclass(frozen=True)
class Results:
    """The SB and the LB network's exact spectra."""

    params: S4Params
    small: Spectrum
    large: Spectrum

    def both(self) -> list[Spectrum]:
        return [self.small, self.large]

    @property
    def comparison(self) -> OutlierComparison:
        return compare(self)


def batches(P: S4Params) -> tuple[tuple[str, int], ...]:
    """The SB and the LB network: (name, batch size)."""
    return ("SB", P.small_batch), ("LB", P.large_batch)


def jobs(P: S4Params) -> list[SpectrumJob]:
    """The two spectra, SB then LB (computed in the kernel)."""
    hb = min(P.hessian_batch, P.n_samples)
    return [SpectrumJob(train_config(b, P), hb, P.hessian_dtype) for _, b in batches(P)]


def run(P: S4Params, store=None) -> Results:
    """The SB and the LB network, trained and their exact spectra computed (each stored)."""
    table = run_jobs(jobs(P), context(P.device, store))
    small, large = spectra(table, [f"{name} (batch {b})" for name, b in batches(P)])
    return Results(P, small, large)


def outlier_counts(s: Spectrum) -> dict[str, int]:
    """Outliers by the three cutoffs of S Table 1 (:func:`hessbook.curvature.count_outliers`)."""
    import torch

    from hessbook.curvature import count_outliers

    c = count_outliers(torch.from_numpy(np.ascontiguousarray(s.eigenvalues)))
    return {m: int(getattr(c, m)) for m in METHODS}


@dataclass(frozen=True)
class OutlierComparison:
    ranks: int
    larger_ranks: int
    """Of the top ``ranks`` eigenvalues (rank by rank), how many are larger for LB."""
    ratio_lambda1: float
    """lambda_max(LB) / lambda_max(SB)."""
    ratio_sum: float
    """sum of the top ``ranks`` for LB / the same for SB."""
    counts_small: dict[str, int]
    counts_large: dict[str, int]


def compare(res: Results, ranks: int = OUTLIER_RANKS) -> OutlierComparison:
    ranks = min(ranks, len(res.small.eigenvalues), len(res.large.eigenvalues))
    sb, lb = top_k(res.small.eigenvalues, ranks)[1], top_k(res.large.eigenvalues, ranks)[1]
    return OutlierComparison(ranks, int((lb > sb).sum()), res.large.top / res.small.top,
                             float(lb.sum() / sb.sum()), outlier_counts(res.small), outlier_counts(res.large))


def criteria(P: S4Params, R: Results | None = None) -> list[regime.Criterion]:
    """S4's regime criteria (:mod:`hessbook.papers.sagun.regime`, written from S before any verdict
    was read) for the block ``P``; with the results ``R``, also the state SB and LB reached.

    S Sec. 3.3: 1K MNIST samples, batches 10 and 512, "a learning rate for which both algorithms
    converge", the same number of iterations (no number given). S gives no layer sizes; it reads
    the LB/SB comparison through over-parametrization (Sec. 4: "over-parametrization [...] leads
    to flatness at the bottom of the landscape", of GD against SGD), so the convnet has more
    parameters than samples. Both networks trained to the bottom (S Sec. 3.4, "well beyond the
    point of this saturation"): each fits its training set (measured)."""
    params = num_parameters(P)
    out = [
        regime.Criterion(f"S's {PAPER_SAMPLES:,} MNIST training samples (S Sec. 3.3)", P.n_samples == PAPER_SAMPLES,
                         f"N = {P.n_samples:,}"),
        regime.Criterion(f"S's batches {PAPER_BATCHES[0]} and {PAPER_BATCHES[1]} (S Sec. 3.3)",
                         (P.small_batch, P.large_batch) == PAPER_BATCHES, f"batches {P.small_batch} and {P.large_batch}"),
        over_parametrized("the convnet", [params], P.n_samples,
                          "layer sizes not given; our full-size convnet has "
                          f"{num_parameters_of(FULL_CHANNELS, FULL_HIDDEN):,}"),
    ]
    if R is not None:
        out.append(fits_training_set([(s.label, s.train_accuracy) for s in R.both()]))
    return out


def num_parameters_of(channels: tuple[int, ...] | list[int], hidden: int) -> int:
    """Parameters of :func:`hessbook.models.s_cnn` with these sizes (built, not guessed)."""
    from hessbook.models import build_model
    from hessbook.models import num_parameters as count

    return int(count(build_model("s_cnn", channels=list(channels), hidden=hidden)))


def num_parameters(P: S4Params) -> int:
    """Parameters of the block's convnet."""
    return num_parameters_of(P.channels, P.hidden)


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """SB and LB as run-table rows (``iterations`` steps each)."""
    return [spectrum_run(s, R.params.iterations) for s in R.both()]


def numbers(R: Results) -> dict:
    """Every number the prose cites (glued as ``s4-<name>``)."""
    c = R.comparison
    return {
        "criteria": regime.criteria_text(criteria(R.params, R)), "plateau": regime.plateau_summary(trained_runs(R)),
        "params": R.small.num_params, "ratio_l1": c.ratio_lambda1, "larger": c.larger_ranks, "ranks": c.ranks,
        "loss_sb": R.small.final_loss, "loss_lb": R.large.final_loss,
        "max_asym": max(s.asymmetry for s in R.both()),
    }


def summary_table(res: Results):
    """SB and LB: the run table's columns (steps, final training loss, training accuracy, flag:
    :mod:`hessbook.regime`) and the spectrum's."""
    import pandas as pd

    rows = []
    for s, run in zip(res.both(), trained_runs(res)):
        counts = outlier_counts(s)
        rows.append({
            "network": s.label, "parameters": s.num_params, "steps": run.steps, "train loss": s.final_loss,
            "train acc": s.train_accuracy, "flag": run.flag or "–", "λ_max": s.top, "λ_min": s.bottom,
            "negative (%)": 100 * s.negative_fraction, **{f"outliers ({m})": counts[m] for m in METHODS},
        })
    return pd.DataFrame(rows)


def figure_4(res: Results):
    """S Fig 4: the largest ``top_k`` eigenvalues of SB and LB."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    draw_top(ax, res.both(), res.params.top_k)
    ax.set_title("outlier eigenvalues, LB vs SB (compare S Fig. 4)", fontsize=10)
    fig.tight_layout()
    return fig


def figure_6(res: Results):
    """S Fig 6: the negative eigenvalues of SB and LB, in percent of the spectrum."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    draw_negatives(ax, res.both())
    ax.set_title("negative eigenvalues, LB vs SB (compare S Fig. 6)", fontsize=10)
    fig.tight_layout()
    return fig


def explorer(res: Results, top_ks=(5, 10, 20, 50)):
    """Widget: SB, LB or both overlaid; how many top eigenvalues; top or negative tail."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    choices = {"both": res.both(), "SB": [res.small], "LB": [res.large]}
    smallest = min(len(s.eigenvalues) for s in res.both())
    ks = [k for k in top_ks if k <= smallest] or [smallest]

    def draw(batch, top, part):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        if part == "top":
            draw_top(ax, choices[batch], top)
        else:
            draw_negatives(ax, choices[batch])
        fig.tight_layout()
        return fig

    return Explorer({"batch": list(choices), "top": ks, "part": ["top", "negative"]}, draw,
                    title="S4: exact Hessian spectra, small vs large batch")


def _median(counts: dict[str, int]) -> int:
    return int(stats.median(counts[m] for m in METHODS))


def count_values(median_small: int, median_large: int) -> dict[str, int]:
    """What :data:`SAME_COUNT_RULE` grades: the difference of the median counts, and how far it
    exceeds the tolerance max(1, COUNT_TOLERANCE x the larger median)."""
    diff = abs(median_small - median_large)
    return {"difference": diff, "excess": diff - max(1, round(COUNT_TOLERANCE * max(median_small, median_large)))}


def _why_counts_differ(res: Results) -> str:
    """Our reading of a count mismatch: with equal iterations the two runs are at different
    stages of training, and counting outliers is fragile on a small network."""
    sb, lb = res.small, res.large
    return (f"Why we think the counts differ: with the same number of iterations SB has seen far fewer "
            f"samples, so the two runs end at different points (final training loss SB {sb.final_loss:.3f}, "
            f"LB {lb.final_loss:.3f}; accuracy {100 * sb.train_accuracy:.0f}% vs {100 * lb.train_accuracy:.0f}%), "
            "and on a network this small the gap and ratio cutoffs hinge on one or two eigenvalues.")


def graded_claims(R: Results) -> list[kit.Claim]:
    """S Fig 4 (LB outliers larger, same number) and S Fig 6 (negatives small)."""
    P, c = R.params, R.comparison
    ms, ml = _median(c.counts_small), _median(c.counts_large)
    same_values = count_values(ms, ml)
    full = tuple(P.channels) == FULL_CHANNELS and P.hidden == FULL_HIDDEN
    reduced = "" if full else "Shrunk convnet (fewer channels) at this scale."
    why = "" if SAME_COUNT_RULE.grade(same_values) == "held" else _why_counts_differ(R)
    counts = "; ".join(f"{m}: SB {c.counts_small[m]}, LB {c.counts_large[m]}" for m in METHODS)
    return [
        kit.Claim(
            "S-Fig4-6", "The large-batch solution has larger outlier eigenvalues than the small-batch one.",
            paper="Fig 4: the LB (batch 512) outliers lie above the SB (batch 10) ones.",
            ours=f"λ_max LB / SB = {c.ratio_lambda1:.2f}; LB larger at {c.larger_ranks} of the top {c.ranks} "
                 f"ranks; sum of the top {c.ranks}: LB / SB = {c.ratio_sum:.2f}.",
            rule=LARGER_RULE, cases=kit.single({"larger_share": c.larger_ranks / c.ranks,
                                                "ratio_lambda1": c.ratio_lambda1}),
            evidence=reduced,
        ),
        kit.Claim(
            "S-Fig4-6", "LB and SB have the same number of outliers.",
            paper="Fig 4 and Sec. 3.3: the same number of outliers, of different sizes.",
            ours=f"outliers by cutoff: {counts} (median of the three: SB {ms}, LB {ml}).",
            rule=SAME_COUNT_RULE, cases=kit.single(same_values), evidence=" ".join(x for x in (reduced, why) if x),
        ),
        negatives_claim("S-Fig4-6", R.both(), paper="Fig 6: small negative eigenvalues at the bottom for both LB and SB.",
                        evidence=reduced),
    ]


Params = S4Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""


def claims(R: Results) -> list:
    """The claims, judged only where S4's regime criteria hold (:func:`hessbook.kit.in_regime`)."""
    return kit.in_regime(graded_claims(R), criteria(R.params, R))
