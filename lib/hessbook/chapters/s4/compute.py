"""S4's computation: the SB and the LB network, in each network seed, trained through the store
and their exact spectra (stored); their outliers compared (:class:`OutlierComparison`); the
convnet's size."""

from __future__ import annotations

from dataclasses import dataclass

from hessbook.chapters.s4.params import S4Params
from hessbook.kit.jobs import context, run_jobs
from hessbook.kit.seeds import seed_case
from hessbook.papers.sagun.mnist_spectra import Spectrum, SpectrumJob, outlier_counts, spectra, top_k

OUTLIER_RANKS = 10
"""Ranks compared for "LB has larger outliers": the k = 10 class outliers (S Sec. 3.1)."""


def train_config(batch_size: int, P: S4Params, seed: int | None = None):
    """The network of ``batch_size`` in network seed ``seed`` (None: the chapter's ``seed``, the
    first); the same training subset in every seed."""
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model="s_cnn", model_kwargs={"channels": list(P.channels), "hidden": P.hidden},
        data=DataSpec("mnist", "train", n=P.n_samples, subset_seed=P.seed),
        batch_size=batch_size, lr=P.lr, max_iterations=P.iterations, seed=P.seed if seed is None else seed,
    )


@dataclass(frozen=True)
class Results:
    """The SB and the LB network's exact spectra, in each network seed."""

    params: S4Params
    small: Spectrum
    """The first seed's SB and LB: what the figures draw and the prose cites."""
    large: Spectrum
    others: tuple[tuple[Spectrum, Spectrum], ...] = ()
    """(SB, LB) of each other seed (``params.seeds[1:]``)."""

    def both(self) -> list[Spectrum]:
        return [self.small, self.large]

    @property
    def pairs(self) -> tuple[tuple[Spectrum, Spectrum], ...]:
        """(SB, LB) of every seed, the first seed's first."""
        return ((self.small, self.large), *self.others)

    @property
    def every(self) -> list[Spectrum]:
        """Every network of every seed."""
        return [s for pair in self.pairs for s in pair]

    @property
    def comparison(self) -> OutlierComparison:
        return compare(self)


def batches(P: S4Params) -> tuple[tuple[str, int], ...]:
    """The SB and the LB network: (name, batch size)."""
    return ("SB", P.small_batch), ("LB", P.large_batch)


def jobs(P: S4Params) -> list[SpectrumJob]:
    """The two spectra, SB then LB, seed by seed (computed in the kernel)."""
    hb = min(P.hessian_batch, P.n_samples)
    return [SpectrumJob(train_config(b, P, s), hb, P.hessian_dtype) for s in P.seeds for _, b in batches(P)]


def run(P: S4Params, store=None) -> Results:
    """The SB and the LB network of every seed, trained and their exact spectra computed (each
    stored); labels ``"SB (batch 10)"``, with ``" · seed 1"`` where several seeds ran."""
    table = run_jobs(jobs(P), context(P.device, store))
    every = spectra(table, [seed_case(f"{name} (batch {b})", s, P.seeds) for s in P.seeds for name, b in batches(P)])
    pairs = tuple((every[i], every[i + 1]) for i in range(0, len(every), 2))
    return Results(P, *pairs[0], pairs[1:])


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
    """The first seed's SB and LB compared (:func:`compare_pair`)."""
    return compare_pair(res.small, res.large, ranks)


def compare_pair(small: Spectrum, large: Spectrum, ranks: int = OUTLIER_RANKS) -> OutlierComparison:
    ranks = min(ranks, len(small.eigenvalues), len(large.eigenvalues))
    sb, lb = top_k(small.eigenvalues, ranks)[1], top_k(large.eigenvalues, ranks)[1]
    return OutlierComparison(ranks, int((lb > sb).sum()), large.top / small.top,
                             float(lb.sum() / sb.sum()), outlier_counts(small), outlier_counts(large))


def num_parameters_of(channels: tuple[int, ...] | list[int], hidden: int) -> int:
    """Parameters of :func:`hessbook.models.s_cnn` with these sizes (built, not guessed)."""
    from hessbook.models import build_model
    from hessbook.models import num_parameters as count

    return int(count(build_model("s_cnn", channels=list(channels), hidden=hidden)))


def num_parameters(P: S4Params) -> int:
    """Parameters of the block's convnet."""
    return num_parameters_of(P.channels, P.hidden)
