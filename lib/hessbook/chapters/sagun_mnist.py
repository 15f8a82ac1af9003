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

from dataclasses import dataclass

import numpy as np


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
    def negative_fraction(self) -> float:
        return float(np.mean(self.eigenvalues < 0))


HESSIAN_DTYPES = ("float64", "float32")


def exact_spectrum(config, label: str, hessian_batch: int | None, device: str, store=None,
                   hessian_dtype: str = "float64") -> Spectrum:
    """Train ``config`` (through the store) and compute its exact spectrum on its training set
    (stored under kind ``sagun-mnist-spectrum``, keyed by the training configuration).

    ``hessian_dtype`` is the precision of the Hessian-vector products that assemble H (the
    matrix and its eigensolver are float64 either way). float32 is several times faster on a
    CPU (float64 convolutions have no fast kernels there); its rounding shows in the reported
    ``asymmetry``, which bounds the assembly error of each entry.
    """
    import torch

    if hessian_dtype not in HESSIAN_DTYPES:
        raise ValueError(f"hessian_dtype = {hessian_dtype!r}: accepted {', '.join(HESSIAN_DTYPES)}")
    from hessbook.curvature import hessian_matrix, spectrum
    from hessbook.device import pick_device
    from hessbook.models import num_parameters
    from hessbook.store import default_store
    from hessbook.data import load_data
    from hessbook.train import evaluate, train

    store = store or default_store()
    dev = pick_device(device)

    def compute() -> dict:
        trained = train(config, store, device=dev)
        model = trained.model(dev)
        data = load_data(config.data, dev)
        H = hessian_matrix(model, (data.inputs(), data.targets()), batch_size=hessian_batch,
                           dtype=getattr(torch, hessian_dtype), chunk=512)
        asymmetry = float((H - H.T).abs().max())
        H = (H + H.T) / 2
        eig = spectrum(H).flip(0)  # ascending
        del H
        loss, acc = evaluate(model, data, dev)
        return {
            "eigenvalues": eig.cpu().numpy(), "final_loss": float(loss), "train_accuracy": float(acc),
            "asymmetry": asymmetry, "num_params": int(num_parameters(model)),
        }

    key = {"train": config, "hessian_batch": hessian_batch, "hessian_dtype": hessian_dtype}
    record = store.get_or_compute("sagun-mnist-spectrum", key, compute)
    m = record.metrics
    return Spectrum(label, np.asarray(record.arrays["eigenvalues"], dtype=np.float64), int(m["num_params"]),
                    float(m["final_loss"]), float(m["train_accuracy"]), float(m["asymmetry"]))


def top_k(eigenvalues: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The largest ``k`` eigenvalues in increasing order and their ranks in the ascending
    order of the whole spectrum (S Fig 3/4: x = rank, y = value)."""
    eig = np.sort(np.asarray(eigenvalues))
    k = min(k, len(eig))
    return np.arange(len(eig) - k + 1, len(eig) + 1), eig[len(eig) - k:]


def negative_tail(eigenvalues: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The negative eigenvalues, ascending, against their position in the ascending spectrum
    in percent (S Fig 5/6: x = order of the eigenvalue in percent, y = value). The i-th
    smallest of N eigenvalues (1-based) sits at 100 i / N."""
    eig = np.sort(np.asarray(eigenvalues))
    neg = eig[eig < 0]
    return 100.0 * np.arange(1, len(neg) + 1) / len(eig), neg


def negatives_vs_outliers(s: Spectrum) -> float:
    """|smallest eigenvalue| / largest eigenvalue (0 when no eigenvalue is negative)."""
    return max(-s.bottom, 0.0) / s.top if s.top > 0 else float("inf")


def grade_negatives(spectra: list[Spectrum]) -> tuple[str, float]:
    """S Sec. 3.4: negative eigenvalues "orders of magnitude smaller" than the large ones.
    held: the worst |lambda_min| / lambda_max <= 1e-2 (two orders); partly: <= 1e-1; else not."""
    worst = max(negatives_vs_outliers(s) for s in spectra)
    return ("held" if worst <= 1e-2 else "partly" if worst <= 1e-1 else "did not hold"), worst


def draw_top(ax, spectra: list[Spectrum], k: int) -> None:
    """S Fig 3/4: the top ``k`` eigenvalues of each spectrum, rank (within the top k) on x."""
    for i, s in enumerate(spectra):
        _, vals = top_k(s.eigenvalues, k)
        ax.plot(np.arange(1, len(vals) + 1), vals, "o-", ms=3, lw=1, color=f"C{i}",
                label=f"{s.label} ({s.num_params:,} params)")
    ax.set_xlabel(f"order of the largest {k} eigenvalues (ascending)")
    ax.set_ylabel("eigenvalue")
    ax.legend(fontsize=8)


def draw_negatives(ax, spectra: list[Spectrum]) -> None:
    """S Fig 5/6: negative eigenvalues against their position in percent of the spectrum."""
    for i, s in enumerate(spectra):
        x, vals = negative_tail(s.eigenvalues)
        ax.plot(x, vals, "-", lw=1.2, color=f"C{i}", label=f"{s.label}: {len(vals)} negative")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("order of the eigenvalue, percent of the spectrum (ascending)")
    ax.set_ylabel("eigenvalue")
    ax.legend(fontsize=8)
