"""Y4 -- The saddle-free inner problem (Y §3.2, Theorem 1, Proposition 2, Lemma 3, App. A.1).

Y's claims: for a network of ReLU, convolution, fully connected and BN layers with softmax
cross-entropy, the Hessian of the loss w.r.t. the input x is PSD almost everywhere
(Theorem 1), because the network's second derivative in x vanishes almost everywhere and the
Hessian of cross-entropy w.r.t. the logits, S = diag(p) - p p^T, is PSD (Lemma 3); its rank is
at most the number of classes c (Proposition 2).

What we compute, on Y1's trained models (rebuilt from Y1's parameters at the same scale, so the
result store returns the very same networks):

- the exact low-rank path (:func:`hessbook.curvature.input_hessian_exact`, J^T S J) on many
  test samples: the distribution of the smallest eigenvalue, the numerical rank vs c;
- Lemma 3 on every sample (the eigenvalues of S) and against autograd on a few;
- the iterative path on a few samples, which assumes nothing about the network: Lanczos on
  input-Hessian-vector products by double backward (largest c + 1 and smallest eigenvalue) and
  Y's per-sample power iteration, compared with the exact path;
- a contrast: an MLP with tanh (smooth, Assumption 1 violated), whose dense input Hessian we
  form in full: there the theorem's reasoning fails and negative eigenvalues should appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from hessbook.chapters import y1
from hessbook.params import ChapterParams, ParameterError, device_spec, spec

PSD_TOL = 1e-3
"""An eigenvalue >= -PSD_TOL * lambda_max counts as non-negative (round-off of float products)."""
AGREE_TOL = 1e-2
"""Relative difference below which the exact and the iterative path agree."""


@dataclass(frozen=True)
class Y4Params(ChapterParams):
    y1_models: list[str] = field(metadata=spec(choices=y1.MODELS, nonempty=True,
                                               doc="which of Y1's networks (Y1's parameters at this scale)"))
    all_batches: bool = field(metadata=spec(doc="every Y1 batch size (true) or the smallest and largest"))
    n_samples: int = field(metadata=spec(gt=0, doc="test samples for the exact path (per model)"))
    n_crosscheck: int = field(metadata=spec(gt=0, doc="samples for the iterative cross-check (per model)"))
    rank_rtol: float = field(metadata=spec(gt=0.0, lt=1.0, doc="numerical rank: eigenvalues > rtol * lambda_max"))
    lanczos_tol: float = field(metadata=spec(gt=0.0, doc="Lanczos relative residual on the input Hessian"))
    power_tol: float = field(metadata=spec(gt=0.0, doc="Y's power-iteration relative change"))
    smooth_activation: str = field(metadata=spec(choices=("tanh",), doc="activation of the contrast MLP"))
    smooth_hidden: int = field(metadata=spec(gt=0, doc="hidden units of the contrast MLP 784-h-10"))
    smooth_n_train: int = field(metadata=spec(gt=0, doc="MNIST training subset of the contrast MLP"))
    smooth_batch_size: int = field(metadata=spec(gt=0, doc="its SGD batch size"))
    smooth_epochs: int = field(metadata=spec(gt=0, doc="its epochs"))
    smooth_lr: float = field(metadata=spec(gt=0.0, doc="its learning rate (momentum 0.9)"))
    device: str = field(metadata=device_spec("where to compute"))

    def check(self) -> None:
        if self.n_crosscheck > self.n_samples:
            raise ParameterError(f"n_crosscheck = {self.n_crosscheck}: larger than n_samples = "
                                 f"{self.n_samples}; accepted: 1..{self.n_samples}")
        if self.n_samples > 10000:
            raise ParameterError(f"n_samples = {self.n_samples}: the test sets hold 10000; accepted: 1..10000")
        if self.smooth_batch_size > self.smooth_n_train:
            raise ParameterError(f"smooth_batch_size = {self.smooth_batch_size}: larger than smooth_n_train = "
                                 f"{self.smooth_n_train}; accepted: 1..{self.smooth_n_train}")


def y1_params(scale: str) -> y1.Y1Params:
    """Y1's parameters at ``scale`` (``params/<scale>/y1.yaml``): the networks Y4 examines."""
    import hessbook.params as hp

    from hessbook.chapters import load_params

    return load_params("y1", hp.params_file("y1", scale))


@dataclass(frozen=True)
class CaseResult:
    """One network: exact path on ``n_samples``, iterative path on the first ``n_crosscheck``."""

    label: str
    model: str
    batch: int | None
    smooth: bool
    num_classes: int
    input_dim: int
    lambda_max: np.ndarray
    """(N,) largest input-Hessian eigenvalue per sample."""
    lambda_min: np.ndarray
    """(N,) smallest eigenvalue per sample (exact path: of the c x c block; dense: of H_x)."""
    rank: np.ndarray
    """(N,) numerical rank (eigenvalues > rank_rtol * lambda_max)."""
    s_min: np.ndarray
    """(N,) smallest eigenvalue of the logit-space Hessian S = diag(p) - p p^T (Lemma 3)."""
    lemma3_autograd_error: float
    """max |autograd Hessian of CE w.r.t. the logits - S| on the cross-check samples."""
    cc_exact_top: np.ndarray
    """(n_cc,) exact-path lambda_max on the cross-check samples (J^T S J; for a smooth net this
    is only the Gauss-Newton part)."""
    cc_lanczos_top: np.ndarray
    """(n_cc, c + 1) Lanczos largest eigenvalues of the true input Hessian (double backward)."""
    cc_lanczos_min: np.ndarray
    """(n_cc,) Lanczos smallest eigenvalue of the true input Hessian."""
    cc_power: np.ndarray
    """(n_cc,) Y's power iteration (dominant eigenvalue) per sample."""
    power_products: int
    n_negative: np.ndarray | None = None
    """Smooth net only: (N,) eigenvalues below -rank_rtol * lambda_max of the dense H_x."""

    @property
    def n(self) -> int:
        return len(self.lambda_max)

    @property
    def relative_min(self) -> np.ndarray:
        return self.lambda_min / np.maximum(self.lambda_max, 1e-300)

    @property
    def cc_relative_min(self) -> np.ndarray:
        return self.cc_lanczos_min / np.maximum(self.cc_lanczos_top[:, 0], 1e-300)

    @property
    def cc_agreement(self) -> float:
        """max relative difference of lambda_max: exact path vs Lanczos and vs power iteration."""
        top = self.cc_lanczos_top[:, 0]
        a = np.abs(self.cc_exact_top - top) / np.maximum(np.abs(top), 1e-300)
        b = np.abs(self.cc_power - top) / np.maximum(np.abs(top), 1e-300)
        return float(max(a.max(), b.max()))

    @property
    def cc_rank_gap(self) -> float:
        """max over samples of lambda_c / lambda_1 from Lanczos (0 when rank <= c - 1)."""
        c = self.num_classes
        return float(np.max(np.abs(self.cc_lanczos_top[:, c - 1]) / np.maximum(self.cc_lanczos_top[:, 0], 1e-300)))


def _test_samples(dataset: str, n: int, seed: int, device):
    from hessbook import data as hdata

    part = hdata.subset(hdata.load(dataset, "test"), n, seed + 2)
    return part.inputs(device=device), part.targets(device=device)


def _logit_checks(net, x, y, n_cc: int) -> tuple[np.ndarray, float]:
    """Lemma 3: eigenvalues of S per sample, and S against autograd's Hessian on n_cc samples."""
    import torch.nn.functional as F

    with torch.no_grad():
        z = net(x).to(torch.float64)
    p = torch.softmax(z, 1)
    S = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]
    s_min = torch.linalg.eigvalsh(S)[:, 0]
    err = 0.0
    for i in range(min(n_cc, len(z))):
        H = torch.func.hessian(lambda zi: F.cross_entropy(zi[None], y[i:i + 1]))(z[i])
        err = max(err, float((H - S[i]).abs().max()))
    return s_min.cpu().numpy(), err


def _iterative(net, x, y, c: int, P: Y4Params) -> dict:
    """Lanczos (largest c+1, smallest 1) and Y's power iteration on the true input Hessian."""
    from hessbook.curvature import InputHessianOperator, input_hessian_power, lanczos

    tops, mins = [], []
    for i in range(len(x)):
        op = InputHessianOperator(net, x[i], y[i], dtype=torch.float64)
        k = min(c + 1, op.num_params)
        tops.append(lanczos(op, k=k, which="LA", tol=P.lanczos_tol, seed=P.seed).eigenvalues.cpu().numpy())
        op = InputHessianOperator(net, x[i], y[i], dtype=torch.float64)
        mins.append(float(lanczos(op, k=1, which="SA", tol=P.lanczos_tol, seed=P.seed).eigenvalues[0]))
    pw = input_hessian_power(net, (x, y), batch_size=len(x), tol=P.power_tol, dtype=torch.float64, seed=P.seed)
    return {"cc_lanczos_top": np.stack(tops), "cc_lanczos_min": np.array(mins),
            "cc_power": pw.lambda1.numpy(), "power_products": int(pw.n_products)}


def run_relu(model: str, batch: int, Y1: y1.Y1Params, P: Y4Params, store=None) -> CaseResult:
    """One of Y1's trained networks (trained or loaded through the store)."""
    from hessbook.curvature import input_hessian_exact
    from hessbook.device import pick_device
    from hessbook.store import default_store
    from hessbook.train import train

    store = store or default_store()
    device = pick_device(P.device)
    config = y1.train_config(model, batch, Y1)
    key = {"train": config, "n_samples": P.n_samples, "n_crosscheck": P.n_crosscheck, "rank_rtol": P.rank_rtol,
           "lanczos_tol": P.lanczos_tol, "power_tol": P.power_tol, "seed": P.seed}

    def compute() -> dict:
        net = train(config, store, device=device).model(device).eval()
        x, y = _test_samples(y1.DATASET[model], P.n_samples, P.seed, device)
        ih = input_hessian_exact(net, (x, y), batch_size=50, rtol=P.rank_rtol)
        s_min, err = _logit_checks(net, x, y, P.n_crosscheck)
        n = P.n_crosscheck
        return {"lambda_max": ih.lambda_max.numpy(), "lambda_min": ih.lambda_min.numpy(),
                "rank": ih.rank.numpy(), "s_min": s_min, "lemma3_autograd_error": err,
                "cc_exact_top": ih.lambda_max[:n].numpy(), "num_classes": int(ih.eigenvalues.shape[1]),
                "input_dim": int(x[0].numel()), **_iterative(net, x[:n], y[:n], ih.eigenvalues.shape[1], P)}

    rec = store.get_or_compute("y4-relu", key, compute)
    return _case(rec, f"{model.upper()} B={batch}", model, batch, smooth=False)


def smooth_config(P: Y4Params):
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model="s_fc_mnist", model_kwargs={"hidden": P.smooth_hidden, "activation": P.smooth_activation},
        data=DataSpec("mnist", n=P.smooth_n_train, subset_seed=P.seed), batch_size=P.smooth_batch_size,
        lr=P.smooth_lr, momentum=0.9, max_epochs=P.smooth_epochs, seed=P.seed,
    )


def dense_input_hessian(net, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(d, d) Hessian of one sample's cross-entropy w.r.t. its input, float64, by torch.func."""
    import torch.nn.functional as F

    net64 = net.to(torch.float64)
    shape = x.shape

    def loss(v):
        return F.cross_entropy(net64(v.reshape(1, *shape)), y.reshape(1))

    H = torch.func.hessian(loss)(x.reshape(-1).to(torch.float64))
    H = H.detach()
    return (H + H.T) / 2


def run_smooth(P: Y4Params, store=None) -> CaseResult:
    """The contrast: a tanh MLP on MNIST; dense input Hessians (d = 784) on ``n_samples``."""
    import copy

    from hessbook.curvature import input_hessian_exact
    from hessbook.device import pick_device
    from hessbook.store import default_store
    from hessbook.train import train

    store = store or default_store()
    device = pick_device(P.device)
    config = smooth_config(P)
    key = {"train": config, "n_samples": P.n_samples, "n_crosscheck": P.n_crosscheck, "rank_rtol": P.rank_rtol,
           "lanczos_tol": P.lanczos_tol, "power_tol": P.power_tol, "seed": P.seed}

    def compute() -> dict:
        net = train(config, store, device=device).model(device).eval()
        x, y = _test_samples("mnist", P.n_samples, P.seed, device)
        net64 = copy.deepcopy(net).to(torch.float64)
        lmax, lmin, rank, neg = [], [], [], []
        for i in range(len(x)):
            ev = torch.linalg.eigvalsh(dense_input_hessian(net64, x[i], y[i]))
            top = float(ev.abs().max())
            lmax.append(float(ev[-1])); lmin.append(float(ev[0]))
            rank.append(int((ev.abs() > P.rank_rtol * top).sum()))
            neg.append(int((ev < -P.rank_rtol * top).sum()))
        # J^T S J on purpose: the Gauss-Newton part of the smooth network's input Hessian
        gn = input_hessian_exact(net, (x[:P.n_crosscheck], y[:P.n_crosscheck]), rtol=P.rank_rtol,
                                 assume_piecewise_linear=True)
        s_min, err = _logit_checks(net, x, y, P.n_crosscheck)
        n = P.n_crosscheck
        return {"lambda_max": np.array(lmax), "lambda_min": np.array(lmin), "rank": np.array(rank),
                "n_negative": np.array(neg), "s_min": s_min, "lemma3_autograd_error": err,
                "cc_exact_top": gn.lambda_max.numpy(), "num_classes": 10, "input_dim": int(x[0].numel()),
                **_iterative(net, x[:n], y[:n], 10, P)}

    rec = store.get_or_compute("y4-smooth", key, compute)
    return _case(rec, f"MLP-{P.smooth_activation} (contrast)", "s_fc_mnist", None, smooth=True)


def _case(rec, label: str, model: str, batch: int | None, smooth: bool) -> CaseResult:
    a, m = rec.arrays, rec.metrics
    return CaseResult(
        label=label, model=model, batch=batch, smooth=smooth, num_classes=int(m["num_classes"]),
        input_dim=int(m["input_dim"]), lambda_max=a["lambda_max"], lambda_min=a["lambda_min"], rank=a["rank"],
        s_min=a["s_min"], lemma3_autograd_error=float(m["lemma3_autograd_error"]), cc_exact_top=a["cc_exact_top"],
        cc_lanczos_top=a["cc_lanczos_top"], cc_lanczos_min=a["cc_lanczos_min"], cc_power=a["cc_power"],
        power_products=int(m["power_products"]), n_negative=a.get("n_negative"),
    )


def cases(P: Y4Params, Y1: y1.Y1Params) -> list[tuple[str, int]]:
    """(model, batch) pairs of Y1 to examine."""
    out = []
    for model in P.y1_models:
        if model not in Y1.models:
            continue
        sizes = sorted(Y1.batch_sizes(model))
        out += [(model, b) for b in (sizes if P.all_batches else sorted({sizes[0], sizes[-1]}))]
    return out


def run_all(P: Y4Params, Y1: y1.Y1Params, store=None) -> tuple[list[CaseResult], list[y1.Missing]]:
    """Every selected ReLU network of Y1 (those whose data is here) and the smooth contrast."""
    from hessbook.data import DataMissingError, load
    from hessbook.progress import progress

    missing, jobs = [], []
    for model, batch in cases(P, Y1):
        try:
            load(y1.DATASET[model], "test")
        except DataMissingError as exc:
            if not any(m.model == model for m in missing):
                missing.append(y1.Missing(model, str(exc).split(". ")[0]))
            continue
        jobs.append((model, batch))
    results = [run_relu(m, b, Y1, P, store) for m, b in progress(jobs, desc="Y4 networks")]
    return results + [run_smooth(P, store)], missing


# ----------------------------------------------------------------------------- summaries


def glue_numbers(results: Sequence[CaseResult], missing: Sequence[y1.Missing]) -> None:
    """Glue every number the chapter's prose cites (names ``y4-...``)."""
    from hessbook.report import glue

    relu = [r for r in results if not r.smooth]
    smooth = [r for r in results if r.smooth]
    glue("y4-networks", len(relu))
    glue("y4-samples", sum(r.n for r in relu))
    glue("y4-missing", ", ".join(m.model for m in missing) or "none")
    glue("y4-worst-relu", min(float(r.relative_min.min()) for r in relu) if relu else 0.0)
    glue("y4-worst-iter", min(float(r.cc_relative_min.min()) for r in relu) if relu else 0.0)
    glue("y4-agree", max(float(r.cc_agreement) for r in relu) if relu else 0.0)
    glue("y4-max-rank", max(int(r.rank.max()) for r in relu) if relu else 0)
    glue("y4-smin", min(float(r.s_min.min()) for r in results))
    glue("y4-smooth-neg", float(100 * np.mean(smooth[0].relative_min < -PSD_TOL)))
    glue("y4-smooth-min", float(smooth[0].relative_min.min()))
    glue("y4-smooth-gn", float(smooth[0].cc_agreement))


def summary_table(results: Sequence[CaseResult]):
    """Per network: PSD-ness and rank on the exact path, cross-check on the iterative path."""
    import pandas as pd

    out = []
    for r in results:
        out.append({
            "network": r.label, "c": r.num_classes, "d": r.input_dim, "samples": r.n,
            "min λmin/λmax": f"{r.relative_min.min():.1e}",
            "samples with λmin < −10⁻³λmax": f"{np.mean(r.relative_min < -PSD_TOL):.0%}",
            "max rank": int(r.rank.max()), "median rank": float(np.median(r.rank)),
            "min eig of S (Lemma 3)": f"{r.s_min.min():.1e}",
            "iterative: min λmin/λmax": f"{r.cc_relative_min.min():.1e}",
            "iterative: λc/λ1": f"{r.cc_rank_gap:.1e}",
            "exact vs iterative λ1": f"{r.cc_agreement:.1e}",
        })
    return pd.DataFrame(out)


def draw_min_distribution(ax, results: Sequence[CaseResult]) -> None:
    """Distribution over samples of lambda_min / lambda_max: ReLU nets at 0, the smooth net below."""
    for i, r in enumerate(results):
        v = r.relative_min
        ax.scatter(v, np.full(len(v), i) + np.random.default_rng(i).uniform(-0.25, 0.25, len(v)), s=4,
                   color="C3" if r.smooth else "C0", alpha=0.6)
    ax.set_yticks(range(len(results)), [r.label for r in results], fontsize=8)
    ax.set_xscale("symlog", linthresh=1e-6)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("smallest / largest input-Hessian eigenvalue, per test sample")


def draw_rank(ax, results: Sequence[CaseResult]) -> None:
    """Numerical rank per sample against the number of classes."""
    for i, r in enumerate(results):
        vals, counts = np.unique(r.rank, return_counts=True)
        ax.scatter(vals, np.full(len(vals), i), s=10 + 90 * counts / counts.max(),
                   color="C3" if r.smooth else "C0")
        ax.plot([r.num_classes] * 2, [i - 0.4, i + 0.4], "k--", lw=1)
    ax.set_yticks(range(len(results)), [r.label for r in results], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("numerical rank of the input Hessian (dashed: number of classes c)")


def explorer(results: Sequence[CaseResult]):
    """Widget: pick a network and a cross-check sample; see the exact vs iterative eigenvalues."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    index = {r.label: r for r in results}

    def draw(network, sample):
        r = index[network]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        if sample >= len(r.cc_lanczos_top):
            ax.text(0.5, 0.5, f"only {len(r.cc_lanczos_top)} cross-check samples for {network}",
                    ha="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        top = r.cc_lanczos_top[sample]
        ax.plot(np.arange(1, len(top) + 1), top, "o-", label="Lanczos, true input Hessian (largest)")
        ax.axhline(r.cc_lanczos_min[sample], color="C3", ls=":", label="Lanczos smallest")
        ax.scatter([1], [r.cc_exact_top[sample]], marker="x", color="k", zorder=3,
                   label="exact J^T S J (largest)")
        ax.scatter([1], [r.cc_power[sample]], marker="+", s=80, color="C2", zorder=3, label="power iteration")
        ax.set_yscale("symlog", linthresh=1e-8)
        ax.set_xlabel("index")
        ax.set_ylabel("eigenvalue")
        ax.set_title(f"{network}, test sample {sample}", fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    n = max(len(r.cc_lanczos_top) for r in results)
    return Explorer({"network": list(index), "sample": list(range(n))}, draw,
                    title="Y4: input-Hessian eigenvalues, exact vs iterative path")


def verdicts(results: Sequence[CaseResult], missing: Sequence[y1.Missing], scale: str):
    """Theorem 1 (with Lemma 3) and Proposition 2 on the ReLU networks; the smooth contrast as evidence."""
    from hessbook.report import Verdict

    relu = [r for r in results if not r.smooth]
    smooth = [r for r in results if r.smooth]
    miss = f" Not computed for lack of data: {', '.join(m.model for m in missing)}." if missing else ""
    contrast = "; ".join(
        f"{r.label}: {np.mean(r.relative_min < -PSD_TOL):.0%} of samples have λmin < −10⁻³λmax "
        f"(min ratio {r.relative_min.min():.2f}), Gauss-Newton part vs true λ1 differ by {r.cc_agreement:.0e}"
        for r in smooth)
    if not relu:
        return [Verdict("Y-Thm1", "The input Hessian of a ReLU network with softmax-CE is PSD a.e.",
                        "not computed", "Theorem 1, Lemma 3", "no ReLU network computed." + miss, contrast),
                Verdict("Y-Prop2", "Its rank is at most the number of classes c.", "not computed",
                        "Proposition 2", "no ReLU network computed." + miss, "")]
    n_samples = sum(r.n for r in relu)
    exact_ok = np.mean(np.concatenate([r.relative_min >= -PSD_TOL for r in relu]))
    iter_ok = np.mean(np.concatenate([r.cc_relative_min >= -PSD_TOL for r in relu]))
    agree = max(r.cc_agreement for r in relu)
    s_min = min(float(r.s_min.min()) for r in relu)
    lemma_err = max(r.lemma3_autograd_error for r in relu)
    ok = exact_ok == 1.0 and iter_ok == 1.0 and agree <= AGREE_TOL and s_min >= -1e-12
    grade = "held" if ok else ("partly" if min(exact_ok, iter_ok) >= 0.9 else "did not hold")
    thm = Verdict(
        "Y-Thm1", "The input Hessian of a ReLU/conv/BN network with softmax-CE is PSD almost everywhere "
        "(saddle-free inner problem), because S = diag(p) − ppᵀ is PSD (Lemma 3).", grade,
        "Theorem 1, Lemma 3 (proof in App. A.1; no numbers in the paper).",
        f"{len(relu)} ReLU networks, {n_samples} test samples: {exact_ok:.0%} with λmin ≥ −10⁻³λmax on the "
        f"exact path, {iter_ok:.0%} of the iterative cross-check samples; exact vs iterative λ1 agree to "
        f"{agree:.0e}; smallest eigenvalue of S {s_min:.0e}, S vs autograd {lemma_err:.0e}." + miss,
        "held = every sample non-negative to 10⁻³ relative on both paths, the paths agree to 10⁻², S ⪰ 0. "
        "The iterative path (double backward) assumes nothing about the network, so its agreement is the "
        "test of the theorem. Contrast, outside Assumption 1: " + (contrast or "not computed"),
    )
    max_rank = max(int(r.rank.max()) for r in relu)
    over = [r.label for r in relu if int(r.rank.max()) > r.num_classes]
    at_c_minus_1 = all(int(r.rank.max()) <= r.num_classes - 1 for r in relu)
    gap = max(r.cc_rank_gap for r in relu)
    prop = Verdict(
        "Y-Prop2", "The input Hessian has rank at most the number of classes c.",
        "held" if not over and gap <= 1e-6 else ("partly" if not over else "did not hold"),
        "Proposition 2: rank ≤ c almost everywhere.",
        f"largest numerical rank {max_rank} (c = {', '.join(sorted({str(r.num_classes) for r in relu}))}); "
        f"iterative λc/λ1 ≤ {gap:.0e}" + ("; every sample has rank ≤ c − 1, since S·1 = 0" if at_c_minus_1 else "")
        + (f"; above c: {', '.join(over)}" if over else "") + "." + miss,
        "held = no sample above c on the exact path and the c-th Lanczos eigenvalue of the true Hessian "
        "≤ 10⁻⁶ λ1.",
    )
    return [thm, prop]


Params = Y4Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
