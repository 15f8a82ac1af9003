"""Shared by S3 and S4 (S Sec. 3.2-3.4): exact Hessian spectra of networks trained on 1K MNIST
samples, the top of the spectrum in S's ordered plot and the negative tail in percent.

The spectra are exact: the float64 Hessian of the mean training loss over the 1K training
samples, assembled from Hessian-vector products (:func:`hessbook.curvature.hessian_matrix`),
symmetrized, all eigenvalues from ``eigvalsh``. The fraction of eigenvalues that are negative,
which S's Fig 5 and 6 plot against, needs every eigenvalue, which Lanczos does not give; so the
chapters shrink the network (S3: a pooled input, S4: fewer channels) at cpu scale instead of
running Lanczos on the paper's sizes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hessbook import kit, stats
from hessbook.kit.jobs import Context, StoredJob, Table
from hessbook.kit.swept import DenseHessian, Planned
from hessbook.train import TrainConfig

SPECTRUM_KIND = "sagun-mnist-exact-spectrum"
HESSIAN_DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class StoredSpectrum:
    """What the store keeps for one trained network (:class:`SpectrumJob`)."""

    eigenvalues: np.ndarray
    """All eigenvalues of the exact float64 Hessian, ascending (S's order)."""
    num_params: int
    final_loss: float
    train_accuracy: float
    asymmetry: float
    """max |H - H^T| before symmetrizing: a check on the assembly."""


@dataclass(frozen=True)
class Spectrum:
    """One trained network's exact spectrum and its training summary."""

    label: str
    eigenvalues: np.ndarray
    """All eigenvalues of the exact float64 Hessian, ascending (S's order)."""
    num_params: int
    final_loss: float
    train_accuracy: float
    asymmetry: float
    """max |H - H^T| before symmetrizing: a check on the assembly."""

    @property
    def top(self) -> float:
        return float(self.eigenvalues[-1])

    @property
    def bottom(self) -> float:
        return float(self.eigenvalues[0])

    @property
    def rounding_band(self) -> float:
        """How far the assembly's rounding may move an eigenvalue: ``2 * asymmetry * sqrt(M)``, the
        spectral norm of a symmetric M x M matrix of entries of the size of the largest entry error
        (``asymmetry`` bounds those; float32 products leave about 1e-7 of the entries). An eigenvalue
        within it of zero has no sign: with M above N(k - 1) the Gauss-Newton part has M - N(k - 1)
        exact zeros, which land on either side."""
        return 2.0 * self.asymmetry * float(np.sqrt(self.num_params))

    @property
    def negative_fraction(self) -> float:
        """Share of eigenvalues below ``-rounding_band``: negative beyond the assembly's rounding."""
        return float(np.mean(self.eigenvalues < -self.rounding_band))

    @property
    def band_fraction(self) -> float:
        """Share of eigenvalues within ``rounding_band`` of zero (their sign is rounding)."""
        return float(np.mean(np.abs(self.eigenvalues) <= self.rounding_band))


def common_band(spectra: Sequence[Spectrum]) -> float:
    """The widest :attr:`Spectrum.rounding_band` of ``spectra``: one cutoff beyond every network's
    rounding. The band grows with M (√M and the assembly's asymmetry), so a share counted below
    each network's own band hides more of a wider network's negatives; counted below this one, the
    networks' shares compare at the same cutoff."""
    return max(s.rounding_band for s in spectra)


def negative_share(s: Spectrum, cutoff: float) -> float:
    """Share of ``s``'s eigenvalues below ``-cutoff``."""
    return float(np.mean(s.eigenvalues < -cutoff))


@dataclass(frozen=True)
class SpectrumJob(StoredJob):
    """Train ``train`` (through the store) and compute its exact spectrum on its training set,
    in the kernel. ``hessian_dtype`` is the precision of the Hessian-vector products that
    assemble H (the matrix and its eigensolver are float64 either way). float32 is several
    times faster on a CPU (float64 convolutions have no fast kernels there); its rounding shows
    in the reported ``asymmetry``, which bounds the assembly error of each entry."""

    KIND = SPECTRUM_KIND
    RESULT = StoredSpectrum
    INLINE = True
    train: TrainConfig
    hessian_batch: int | None
    hessian_dtype: str = "float64"

    def __post_init__(self) -> None:
        if self.hessian_dtype not in HESSIAN_DTYPES:
            raise ValueError(f"hessian_dtype = {self.hessian_dtype!r}: accepted {', '.join(HESSIAN_DTYPES)}")

    def label(self) -> str:
        c = self.train
        return f"exact spectrum of {c.model} {c.model_kwargs} (batch {c.batch_size})"

    def datasets(self) -> tuple[str, ...]:
        from hessbook.data import DATASETS

        name = self.train.data.name
        return (name,) if name in DATASETS else ()  # a synthetic set is always here

    def planned(self) -> Planned:
        """The plan's line, with the Hessian it assembles on the training set (priced by a probe)."""
        hessian = DenseHessian(self.train, int(self.train.data.n or 0), self.hessian_batch, self.hessian_dtype)
        return dataclasses.replace(super().planned(), dense_hessians=(hessian,) if hessian.samples else ())

    def compute(self, ctx: Context) -> StoredSpectrum:
        import torch

        from hessbook.curvature import hessian_matrix, spectrum
        from hessbook.data import load_data
        from hessbook.models import num_parameters
        from hessbook.train import evaluate, train

        device = ctx.device
        model = train(self.train, ctx.store, device=device).model(device)
        data = load_data(self.train.data, device)
        H = hessian_matrix(model, (data.inputs(), data.targets()), batch_size=self.hessian_batch,
                           dtype=getattr(torch, self.hessian_dtype))
        asymmetry = float((H - H.T).abs().max())
        H = (H + H.T) / 2
        eig = spectrum(H).flip(0)  # ascending
        del H
        loss, acc = evaluate(model, data, device)
        return StoredSpectrum(eig.cpu().numpy(), int(num_parameters(model)), float(loss), float(acc), asymmetry)


def spectra(table: Table, labels: Sequence[str]) -> tuple[Spectrum, ...]:
    """The table's spectra, in order, with the chapter's ``labels``. S3 and S4 need every network:
    a row without its data raises the data layer's error, as training without it would."""
    if table.missing:
        from hessbook.data import DataMissingError

        raise DataMissingError(table.why_missing())
    return tuple(Spectrum(label, np.asarray(s.eigenvalues, dtype=np.float64), s.num_params, s.final_loss,
                          s.train_accuracy, s.asymmetry) for label, s in zip(labels, table.results, strict=True))


OUTLIER_METHODS = ("gap", "ratio", "elbow")
"""The three cutoffs of S Table 1 that count outliers above the bulk (S3 and S4)."""
COUNT_TOLERANCE = 0.2
""""The same number of outliers" reads partly when the counts differ by at most max(1, this share of
the larger count), by the same cutoff (S4 across batch sizes, S3 across widths; the book's choice,
S gives none)."""


def outlier_counts(s: Spectrum) -> dict[str, int]:
    """Outliers by the three cutoffs of S Table 1 (:func:`hessbook.curvature.count_outliers`)."""
    import torch

    from hessbook.curvature import count_outliers

    c = count_outliers(torch.from_numpy(np.ascontiguousarray(s.eigenvalues)))
    return {m: int(getattr(c, m)) for m in OUTLIER_METHODS}


def count_spread(counts: Sequence[dict[str, int]]) -> dict[str, float]:
    """Several networks' outlier counts by the same cutoffs (``{cutoff: count}`` each) -> the median
    over the cutoffs of the range of the counts by one cutoff ("difference"; for two networks,
    |a − b|), and how far it exceeds max(1, :data:`COUNT_TOLERANCE` x the median over the cutoffs of
    the largest count) ("excess"), not rounded to a whole count (a rounded 1.6 let a difference of
    2 in 8, 25 %, pass as within 20 %; review of 2026-12-06). S4 compares SB with LB, S3 the widths."""
    ranges = [max(c[m] for c in counts) - min(c[m] for c in counts) for m in OUTLIER_METHODS]
    largest = [max(c[m] for c in counts) for m in OUTLIER_METHODS]
    diff = stats.median(ranges)
    return {"difference": diff, "excess": diff - max(1.0, COUNT_TOLERANCE * stats.median(largest))}


def top_k(eigenvalues: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The largest ``k`` eigenvalues in increasing order and their ranks in the ascending
    order of the whole spectrum (S Fig 3/4: x = rank, y = value)."""
    eig = np.sort(np.asarray(eigenvalues))
    k = min(k, len(eig))
    return np.arange(len(eig) - k + 1, len(eig) + 1), eig[len(eig) - k:]


def negative_tail(eigenvalues: np.ndarray, cutoff: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The eigenvalues below ``-cutoff`` (negative beyond a rounding band of that half-width),
    ascending, against their position in the ascending spectrum in percent (S Fig 5/6: x = order
    of the eigenvalue in percent, y = value). The i-th smallest of N eigenvalues (1-based) sits at
    100 i / N."""
    eig = np.sort(np.asarray(eigenvalues))
    neg = eig[eig < -cutoff]
    return 100.0 * np.arange(1, len(neg) + 1) / len(eig), neg


def has_negatives(s: Spectrum) -> bool:
    """Whether some eigenvalue is negative beyond the rounding band (S: "there are a number of
    negative eigenvalues")."""
    return s.bottom < -s.rounding_band


def negatives_vs_outliers(s: Spectrum) -> float:
    """|λ_min| / λ_max for a network with an eigenvalue negative beyond the rounding band, 0 for one
    without (within the band the sign is the assembly's rounding, :attr:`Spectrum.rounding_band`).
    The band decides only whether a negative eigenvalue exists: the magnitude graded is |λ_min|
    itself, since subtracting the band would make "orders of magnitude smaller" easier to hold."""
    if s.top <= 0:
        return float("inf")
    return -s.bottom / s.top if has_negatives(s) else 0.0


def worst_negative(spectra: Sequence[Spectrum]) -> float:
    """The largest :func:`negatives_vs_outliers` over the networks."""
    return max(negatives_vs_outliers(s) for s in spectra)


NEGATIVES_HELD = 1e-2
"""S Sec. 3.4, "orders of magnitude smaller": held at two orders of magnitude..."""
NEGATIVES_PARTLY = 1e-1
"""...partly at one."""
NEGATIVES_RULE = kit.Rule(
    held=kit.all_of(
        kit.at_most("worst_negative", NEGATIVES_HELD,
                    "the largest |λ_min| / λ_max over the networks with λ_min beyond the rounding band"),
        kit.equals("without_negatives", 0, "networks with no eigenvalue negative beyond the rounding band (S sees "
                                           "negatives in every network of its figure)")),
    partly=kit.at_most("worst_negative", NEGATIVES_PARTLY, "that ratio"),
    requires=kit.at_least("with_negatives", 1, "networks with an eigenvalue negative beyond the rounding band (S says "
                                               "negatives exist: \"there are a number of negative eigenvalues\")",
                          ".0f"),
)
"""S Sec. 3.4's claim on the negative eigenvalues, shared by S3 and S4: "we observe that there are a
number of negative eigenvalues but their magnitude is much smaller compared to the positive
eigenvalues" ("orders of magnitude smaller than the large ones"). Both halves: negatives exist (an
eigenvalue within the rounding band of zero has no sign, so they are counted beyond it; with none
in any network the claim is not judged, and a network without them keeps it from held), and their
magnitude |λ_min| is small against λ_max (the band is not subtracted from it)."""


def negatives_values(spectra: Sequence[Spectrum]) -> dict:
    """What :data:`NEGATIVES_RULE` grades."""
    with_negatives = sum(has_negatives(s) for s in spectra)
    return {"worst_negative": worst_negative(spectra), "with_negatives": with_negatives,
            "without_negatives": len(spectra) - with_negatives}


def negatives_claim(item: str, spectra: Sequence[Spectrum], paper: str, evidence: str = "") -> kit.Claim:
    """S Sec. 3.4: there are negative eigenvalues, and they are "orders of magnitude smaller" than
    the large ones, graded by :data:`NEGATIVES_RULE` on the worst network."""
    values = negatives_values(spectra)
    none = [s.label for s in spectra if not has_negatives(s)]
    missing = (f"No eigenvalue negative beyond the rounding band in {len(none)} of {len(spectra)} networks: "
               f"{', '.join(none)}." if none else "")
    return kit.Claim(
        item, "There are negative eigenvalues, orders of magnitude smaller than the large ones.", paper=paper,
        ours=f"largest |λ_min| / λ_max (over the networks with λ_min beyond the rounding band) = "
             f"{values['worst_negative']:.1e}; negative share beyond the rounding band "
             + ", ".join(f"{s.label}: {100 * s.negative_fraction:.1f}%" for s in spectra),
        rule=NEGATIVES_RULE,
        cases=kit.single(values), evidence=" ".join(x for x in (evidence, missing) if x),
    )


def _legend(ax, others: Sequence[Sequence[Spectrum]]) -> None:
    ax.legend(fontsize=8, title=f"thin: {len(others)} other seed(s)" if others else None, title_fontsize=8)


def draw_top(ax, spectra: Sequence[Spectrum], k: int, others: Sequence[Sequence[Spectrum]] = ()) -> None:
    """S Fig 3/4: the top ``k`` eigenvalues of each spectrum, rank (within the top k) on x;
    ``others``: the same networks in other seeds (same order), thin lines of the same colour."""
    from hessbook.kit.seeds import case_of

    for i, s in enumerate(spectra):
        _, vals = top_k(s.eigenvalues, k)
        ax.plot(np.arange(1, len(vals) + 1), vals, "o-", ms=3, lw=1, color=f"C{i}",
                label=f"{case_of(s.label)} ({s.num_params:,} params)")
        for seed in others:
            _, vals = top_k(seed[i].eigenvalues, k)
            ax.plot(np.arange(1, len(vals) + 1), vals, "-", lw=0.6, alpha=0.6, color=f"C{i}")
    ax.set_xlabel(f"order of the largest {k} eigenvalues (ascending)")
    ax.set_ylabel("eigenvalue")
    _legend(ax, others)


def draw_negatives(ax, spectra: Sequence[Spectrum], others: Sequence[Sequence[Spectrum]] = ()) -> None:
    """S Fig 5/6: negative eigenvalues against their position in percent of the spectrum, each
    network's counted below its own rounding band (:attr:`Spectrum.rounding_band`, as the tables
    and :attr:`Spectrum.negative_fraction` count them: within the band the sign is rounding; review
    of 2026-12-06: the legend counted by sign, a third of the spectrum); ``others`` as in
    :func:`draw_top`."""
    from hessbook.kit.seeds import case_of

    for i, s in enumerate(spectra):
        x, vals = negative_tail(s.eigenvalues, s.rounding_band)
        ax.plot(x, vals, "-", lw=1.2, color=f"C{i}",
                label=f"{case_of(s.label)}: {len(vals)} below −{s.rounding_band:.1g}")
        for seed in others:
            x, vals = negative_tail(seed[i].eigenvalues, seed[i].rounding_band)
            ax.plot(x, vals, "-", lw=0.6, alpha=0.6, color=f"C{i}")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("order of the eigenvalue, percent of the spectrum (ascending)")
    ax.set_ylabel("eigenvalue")
    _legend(ax, others)
