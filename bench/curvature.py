"""Benchmark of hessbook.curvature (issue 4).

(a) top-20 Hessian eigenvalues on one batch: our Lanczos vs PyHessian's power iteration (as
    users run it by default, tol 1e-3 / 100 iterations, and at the paper's 1e-4 stop) vs our
    faithful power iteration: Hessian-vector products, seconds, largest true relative residual
    ||Hv - lambda v|| / |lambda_1| and largest eigenvalue error against a float64 reference.
(b) one Hessian-vector product vs one gradient on the same batch.
(c) lambda_1^x (input Hessian) for 1,000 samples: exact c x c path vs batched power iteration.

The model and data come from :func:`setup`: the project's M1 trained on an MNIST subset
(``--stand-in`` for a synthetic LeNet-like stand-in where MNIST is absent).

    PYTHONPATH=lib python bench/curvature.py [--quick] [--out bench/RESULTS.md]

PyHessian (``pip install --no-deps pyhessian``) is needed for (a)'s baseline only.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from _machine import machine
from hessbook.curvature import (HessianOperator, block_lanczos, input_hessian_exact, input_hessian_power, lanczos,
                                power_iteration)
from torch import nn


def setup(seed: int = 0, n_batch: int = 64, n_input: int = 1000, stand_in: bool = False):
    """(model, (x, y) Hessian batch, (x, y) input-Hessian samples, description).

    The project's M1 (Y Table 6; 1,256,080 parameters) trained by ``hessbook.train`` on a
    5,000-image MNIST subset (SGD, lr 0.01, momentum 0.9, 3 epochs, through the result
    store), the Hessian on ``n_batch`` training images (B_H), the input Hessian on the first
    ``n_input`` test images. ``stand_in=True`` keeps the original synthetic stand-in (a
    narrow LeNet on random inputs) for machines without MNIST.
    """
    if stand_in:
        return _stand_in(seed, n_batch, n_input)
    from hessbook.data import load, subset
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig, train

    config = TrainConfig(model="m1", data=DataSpec("mnist", n=5000, subset_seed=seed), batch_size=64,
                         lr=0.01, momentum=0.9, max_epochs=3, seed=seed)
    result = train(config, device=torch.device("cpu"))
    model = result.model("cpu")
    train_set = subset(load("mnist", "train"), 5000, seed)
    x, y = train_set.inputs(torch.arange(n_batch)), train_set.targets(torch.arange(n_batch))
    test = load("mnist", "test")
    xi, yi = test.inputs(torch.arange(n_input)), test.targets(torch.arange(n_input))
    with torch.no_grad():
        loss = float(nn.functional.cross_entropy(model(x), y))
    P = sum(p.numel() for p in model.parameters())
    desc = (f"M1 (Y Table 6, {P:,} parameters) trained 3 epochs on 5,000 MNIST images (SGD lr 0.01, "
            f"momentum 0.9, batch 64); batch loss {loss:.2e}; Hessian batch B_H={n_batch} training images; "
            f"input Hessian on the first {n_input} MNIST test images")
    return model, (x, y), (xi, yi), desc


def _stand_in(seed: int, n_batch: int, n_input: int):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 8, 5, stride=2, padding=2), nn.ReLU(),
                          nn.Conv2d(8, 16, 5, stride=2, padding=2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(16 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))
    teacher = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    x = torch.rand(n_batch, 1, 28, 28)
    with torch.no_grad():
        y = teacher(x - 0.5).argmax(1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(100):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    xi = torch.rand(n_input, 1, 28, 28)
    with torch.no_grad():
        yi = teacher(xi - 0.5).argmax(1)
        loss = float(nn.functional.cross_entropy(model(x), y))
    P = sum(p.numel() for p in model.parameters())
    desc = (f"STAND-IN, not M1/MNIST: LeNet-like CNN ({P:,} parameters) on random inputs labelled by a "
            f"random linear teacher, 100 SGD steps; batch loss {loss:.2e}; B_H={n_batch}; input Hessian on "
            f"{n_input} random samples")
    return model, (x, y), (xi, yi), desc


DEVICE = torch.device("cpu")
"""Where the benchmarked products run (``--device``); models are trained on the CPU, then moved."""


def _sync() -> None:
    if DEVICE.type == "cuda":
        torch.cuda.synchronize(DEVICE)


def timed(fn):
    _sync()
    t = time.perf_counter()
    out = fn()
    _sync()
    return out, time.perf_counter() - t


def rel_residuals(op: HessianOperator, vals: torch.Tensor, vecs: torch.Tensor, scale: float) -> torch.Tensor:
    V = vecs / vecs.norm(dim=0)
    HV = op.matmat(V)  # on the operator's device; a solver may return its vectors on the CPU
    return (HV - V.to(HV.device, HV.dtype) * vals.to(HV.device, HV.dtype)).norm(dim=0) / scale


def run_pyhessian(model, batch, k, tol, max_iter):
    import importlib
    import sys

    importlib.import_module("pyhessian.hessian")
    ph = sys.modules["pyhessian.hessian"]  # the package re-exports the class under the same name

    count = {"n": 0}
    orig = ph.hessian_vector_product

    def counting(gradsH, params, v):
        count["n"] += 1
        return orig(gradsH, params, v)

    ph.hessian_vector_product = counting
    try:
        torch.manual_seed(0)
        (vals, vecs), sec = timed(lambda: ph.hessian(model, nn.functional.cross_entropy, data=batch,
                                                     cuda=DEVICE.type == "cuda").eigenvalues(maxIter=max_iter, tol=tol, top_n=k))
    finally:
        ph.hessian_vector_product = orig
        model.zero_grad(set_to_none=True)
    V = torch.stack([torch.cat([t.reshape(-1) for t in v]) for v in vecs], 1).double()
    return torch.tensor(vals, dtype=torch.float64), V, count["n"], sec


def bench_top_k(model, batch, k: int, quick: bool) -> list[str]:
    op = HessianOperator(model, batch)
    op64 = HessianOperator(model, batch, dtype=torch.float64)
    ref64 = lanczos(op64, k, tol=1e-8, max_dim=600)
    neg64 = lanczos(op64, k, which="SA", tol=1e-8, max_dim=600)
    both = torch.cat([ref64.eigenvalues, neg64.eigenvalues])
    lam1 = float(ref64.eigenvalues[0])
    rows = []

    def row(name, vals, vecs, n, sec):
        # power iteration finds the largest |lambda|: each value is compared with the nearest
        # reference eigenvalue from either end of the spectrum (top-k and bottom-k)
        err = (vals[:, None] - both[None, :]).abs().min(1).values.max() / lam1
        res = rel_residuals(op, vals, vecs, lam1).max()
        rows.append((name, n, sec, float(res), float(err)))

    r, sec = timed(lambda: block_lanczos(HessianOperator(model, batch, method="double_backward"), k, tol=1e-4))
    row(f"hessbook block_lanczos, double-backward products (b={r.block_size}, tol 1e-4)", r.eigenvalues,
        r.eigenvectors, r.n_products, sec)
    r, sec = timed(lambda: lanczos(HessianOperator(model, batch), k, tol=1e-4))
    row("hessbook lanczos (tol 1e-4 residual)", r.eigenvalues, r.eigenvectors, r.n_products, sec)
    r, sec = timed(lambda: power_iteration(HessianOperator(model, batch), k, tol=1e-4, max_iter=1000))
    row("hessbook power iteration (Y: rel. change 1e-4)", r.eigenvalues, r.eigenvectors, r.n_products, sec)
    try:
        vals, V, n, sec = run_pyhessian(model, batch, k, 1e-3, 100)
        row("pyhessian default (tol 1e-3, maxIter 100)", vals, V, n, sec)
        vals, V, n, sec = run_pyhessian(model, batch, k, 1e-4, 300 if quick else 1000)
        row(f"pyhessian tol 1e-4 (maxIter {300 if quick else 1000})", vals, V, n, sec)
    except ImportError:
        rows.append(("pyhessian not installed", 0, float("nan"), float("nan"), float("nan")))
    lines = [f"reference: float64 Lanczos, tol 1e-8 (converged={ref64.converged and neg64.converged}); "
             f"lambda_1 = {float(ref64.eigenvalues[0]):.6g}, lambda_{k} = {float(ref64.eigenvalues[-1]):.6g}, "
             f"lambda_min = {float(neg64.eigenvalues[0]):.3g}. Residuals and errors are relative to lambda_1; "
             "timings on 2 CPU cores shared with other jobs (noisy: compare the product counts too).", "",
             "| method | HVPs | seconds | max rel. residual | max rel. eigenvalue error |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| {a} | {b} | {c:.2f} | {d:.1e} | {e:.1e} |" for a, b, c, d, e in rows]
    base = rows[0]
    for name, n, sec, res, err in rows[1:]:
        if n:
            lines.append(f"\n- vs {name}: {n / base[1]:.1f}x fewer products, {sec / base[2]:.1f}x less time")
    return lines


def median_time(fn, reps: int = 7) -> float:
    fn()
    ts = []
    for _ in range(reps):
        _, t = timed(fn)
        ts.append(t)
    return statistics.median(ts)


def m1_sized(seed: int = 0):
    """Y's M1 layout at full width (conv 5x5x20 s2, conv 5x5x50 s2, FC 500, FC 10), random batch of 128."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 20, 5, stride=2, padding=2), nn.ReLU(),
                          nn.Conv2d(20, 50, 5, stride=2, padding=2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(50 * 7 * 7, 500), nn.ReLU(), nn.Linear(500, 10))
    return model, (torch.rand(128, 1, 28, 28), torch.randint(0, 10, (128,)))


def bench_hvp_vs_grad(model, batch) -> list[str]:
    op = HessianOperator(model, batch)
    opd = HessianOperator(model, batch, method="double_backward")
    v = torch.randn(op.num_params)
    tg = median_time(op.gradient)
    th = median_time(lambda: op.matvec(v))
    td = median_time(lambda: opd.matvec(v))
    return ["| product | seconds (median of 7) | / gradient |", "|---|---:|---:|",
            f"| gradient | {tg:.4f} | 1.00 |",
            f"| HVP, forward-over-reverse (default) | {th:.4f} | {th / tg:.2f} |",
            f"| HVP, double backward | {td:.4f} | {td / tg:.2f} |"]


def bench_input(model, samples) -> list[str]:
    ex, te = timed(lambda: input_hessian_exact(model, samples, batch_size=250))
    pw, tp = timed(lambda: input_hessian_power(model, samples, batch_size=250, tol=1e-4, max_iter=1000))
    n1 = 20
    one, t1 = timed(lambda: input_hessian_power(model, (samples[0][:n1], samples[1][:n1]), batch_size=1,
                                                tol=1e-4, max_iter=1000))
    err = ((pw.lambda1 - ex.lambda_max).abs() / ex.lambda_max.abs().clamp_min(1e-12))
    n = len(samples[0])
    per_sample_est = t1 / n1 * n
    return ["| path | seconds | products | max rel. error vs exact | median rel. error |", "|---|---:|---:|---:|---:|",
            f"| exact (J^T S J, c x c eigenproblem, vmap) | {te:.2f} | - | 0 (reference) | 0 |",
            f"| power iteration, batched over 250 samples, rel. change 1e-4 | {tp:.2f} | {pw.n_products} | "
            f"{float(err.max()):.1e} | {float(err.median()):.1e} |",
            f"| power iteration, one sample at a time (as Y), measured on {n1}, scaled to {n} | {per_sample_est:.2f} | "
            f"~{one.n_products / n1 * n:.0f} | - | - |",
            "", f"- exact vs batched power iteration: {tp / te:.1f}x faster; vs one-at-a-time power iteration: "
            f"{per_sample_est / te:.1f}x faster",
            f"- Prop. 2 check: max numerical rank {int(ex.rank.max())} (<= 10 classes); "
            f"min eigenvalue {float(ex.eigenvalues.min()):.1e} (PSD)"]


# ----------------------------------------------------------------------------- issue 18: block solver


def trained_setup(name: str, n_hessian: int, seed: int = 0):
    """(model, Hessian batch, description): Y's M1 on MNIST or C1 on CIFAR-10, trained through
    the result store (M1: 3 epochs on 5,000 images; C1: 3 epochs on 5,000 images, conv stride 2)."""
    from hessbook.data import DataSpec, load, subset
    from hessbook.train import TrainConfig, train

    dataset, kwargs = {"m1": ("mnist", {}), "c1": ("cifar10", {"conv_stride": 2})}[name]
    config = TrainConfig(model=name, model_kwargs=kwargs, data=DataSpec(dataset, n=5000, subset_seed=seed),
                         batch_size=64, lr=0.01, momentum=0.9, max_epochs=3, seed=seed)
    model = train(config, device=torch.device("cpu")).model("cpu").eval().to(DEVICE)
    part = subset(load(dataset, "train"), 5000, seed)
    idx = torch.arange(n_hessian)
    P = sum(p.numel() for p in model.parameters())
    batch = (part.inputs(idx).to(DEVICE), part.targets(idx).to(DEVICE))
    return model, batch, f"{name.upper()} ({P:,} parameters), B_H = {n_hessian}, on {DEVICE}"


def bench_block_costs(model, batch, sizes=(1, 2, 4, 8, 16)) -> tuple[list[str], dict[str, dict[int, float]]]:
    """Gradients' time per vector of one ``matmat`` of b vectors, each product method."""
    methods = ("fwdrev", "double_backward", "retained")
    ops = {m: HessianOperator(model, batch, method=m) for m in methods}
    tg = median_time(ops["fwdrev"].gradient, reps=3)
    lines = ["| vectors per matmat | fwd-over-rev | double backward, recomputed | retained graph (auto on one batch) |",
             "|---:|---:|---:|---:|"]
    per: dict[str, dict[int, float]] = {m: {} for m in methods}
    ops["retained"].matvec(torch.zeros(ops["retained"].num_params, dtype=torch.float64, device=DEVICE))  # build the graph once
    for b in sizes:
        V = torch.randn(ops["fwdrev"].num_params, b, dtype=torch.float64, device=DEVICE)
        for m in methods:
            per[m][b] = median_time(lambda: ops[m].matmat(V), reps=3) / b / tg
        lines.append(f"| {b} | " + " | ".join(f"{per[m][b]:.2f}" for m in methods) + " |")
    lines += ["", "(gradients' time per vector; the retained graph's one-off build, a forward and a backward "
              "with create_graph, is not in its column but is in every solver row below)"]
    return lines, per | {"gradient": {0: tg}}


def bench_block(name: str, n_hessian: int, k: int = 20) -> list[str]:
    """Top-k at residual <= 1e-4: Lanczos (retained-graph products, the default; and recomputed
    fwd-over-rev, the default before) vs block Lanczos vs PyHessian (defaults, and Y's 1e-4 stop),
    each with its true residual and eigenvalue error against float64 Lanczos at 1e-8."""
    model, batch, desc = trained_setup(name, n_hessian)
    cost_lines, per = bench_block_costs(model, batch)
    grad_s = per["gradient"][0]
    op64 = HessianOperator(model, batch, dtype=torch.float64)
    ref = lanczos(op64, k, tol=1e-8, max_dim=600)
    lam1 = float(ref.eigenvalues[0])
    op = HessianOperator(model, batch, method="fwdrev")
    rows = []

    def row(label, vals, vecs, n, sec):
        err = float((vals.sort(descending=True).values[:k] - ref.eigenvalues).abs().max()) / lam1
        rows.append((label, n, sec, float(rel_residuals(op, vals, vecs, lam1).max()), err))

    ours = [
        ("hessbook lanczos, auto products (retained graph; the default)", lambda: lanczos(HessianOperator(model, batch), k, tol=1e-4)),
        ("hessbook lanczos, fwd-over-rev recomputed (the default before)",
         lambda: lanczos(HessianOperator(model, batch, method="fwdrev"), k, tol=1e-4)),
        ("hessbook block_lanczos b=2, auto products", lambda: block_lanczos(HessianOperator(model, batch), k, tol=1e-4, block_size=2)),
        ("hessbook block_lanczos b=8, auto products", lambda: block_lanczos(HessianOperator(model, batch), k, tol=1e-4)),
        ("hessbook block_lanczos b=8, double backward recomputed",
         lambda: block_lanczos(HessianOperator(model, batch, method="double_backward"), k, tol=1e-4)),
    ]
    for label, solve in ours:
        r, sec = timed(solve)
        row(label, r.eigenvalues, r.eigenvectors, r.n_products, sec)
    n_ours = len(rows)
    try:
        vals, V, n, sec = run_pyhessian(model, batch, k, 1e-3, 100)
        row("pyhessian default (tol 1e-3, maxIter 100)", vals, V, n, sec)
        vals, V, n, sec = run_pyhessian(model, batch, k, 1e-4, 1000)
        row("pyhessian at Y's stop (tol 1e-4, maxIter 1000)", vals, V, n, sec)
    except ImportError:
        rows.append(("pyhessian not installed", 0, float("nan"), float("nan"), float("nan")))
    lines = [f"#### {desc}", "", f"one gradient: {grad_s:.4f} s (median of 3); reference lambda_1 = {lam1:.6g}, "
             f"lambda_{k} = {float(ref.eigenvalues[-1]):.6g} (float64 Lanczos, tol 1e-8, converged={ref.converged})", ""]
    lines += cost_lines + ["", "| method | HVPs | seconds | seconds / gradient | max rel. residual | max rel. eigenvalue error |",
                           "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {a} | {b} | {c:.2f} | {c / grad_s:.0f} | {d:.1e} | {e:.1e} |" for a, b, c, d, e in rows]
    best = min(rows[:n_ours], key=lambda r: r[2])
    blk = min(rows[2:n_ours], key=lambda r: r[2])
    lines += ["", "Targets:",
              f"- fastest of ours ({best[0]}): {best[2] / grad_s:.0f} gradients (target <= 40: "
              f"{'met' if best[2] / grad_s <= 40 else 'MISSED'})",
              f"- the default lanczos vs the default before: {rows[1][2] / rows[0][2]:.2f}x less time",
              f"- fastest block row ({blk[0]}) vs the default lanczos: {rows[0][2] / blk[2]:.2f}x less time"]
    if len(rows) > n_ours and rows[n_ours][1]:
        want = 5 if name == "m1" else 8
        ph, ph4 = rows[n_ours], rows[n_ours + 1]
        ratio = ph[2] / best[2]
        lines.append(f"- fastest of ours vs PyHessian defaults: {ratio:.1f}x less time (target >= {want}x: "
                     f"{'met' if ratio >= want else 'MISSED'}); PyHessian's max residual {ph[3]:.1e} vs ours {best[3]:.1e}")
        lines.append(f"- vs PyHessian at Y's 1e-4 stop: {ph4[2] / best[2]:.1f}x less time; its max residual {ph4[3]:.1e}")
    per_vec = min(min(per[m][b] for b in per[m] if b >= 2) for m in ("fwdrev", "double_backward", "retained"))
    lines.append(f"- a block of products: {per_vec:.2f} gradients per vector at best (target <= 1.5: "
                 f"{'met' if per_vec <= 1.5 else 'MISSED'})")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller PyHessian 1e-4 budget")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--stand-in", action="store_true", help="synthetic stand-in model (no MNIST needed)")
    ap.add_argument("--out", default=None, help="append the results to this markdown file")
    ap.add_argument("--block", action="store_true", help="issue 18 only: the block solver on M1 (B_H 64, 1024) and C1")
    ap.add_argument("--cases", default="m1:64,m1:1024,c1:256", help="with --block: model:B_H pairs")
    ap.add_argument("--device", default="cpu", help="where the products run (--block only): cpu, cuda")
    args = ap.parse_args()
    global DEVICE
    DEVICE = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if args.block:
        out = ["## Issue 18: top-k from blocks of Hessian products", "", f"Machine: {machine()}", ""]
        for case in args.cases.split(","):
            name, n_h = case.split(":")
            out += bench_block(name, int(n_h), args.k) + [""]
        text = "\n".join(out) + "\n"
        print(text)
        if args.out:
            with open(args.out, "a") as f:
                f.write("\n" + text)
        return
    model, batch, samples, desc = setup(stand_in=args.stand_in)
    out = ["## Issue 4: curvature", "", f"Machine: {machine()}", "", f"Setup: {desc}", "",
           f"### (a) top-{args.k} Hessian eigenpairs (float32, TF32 off; one batch)", ""]
    out += bench_top_k(model, batch, args.k, args.quick)
    out += ["", "### (b) one Hessian-vector product vs one gradient (same batch)", ""]
    out += ["the model and Hessian batch of (a):", ""] + bench_hvp_vs_grad(model, batch)
    big, big_batch = m1_sized()
    out += ["", f"M1 layout at full width ({sum(p.numel() for p in big.parameters()):,} parameters), random batch of 128:", ""]
    out += bench_hvp_vs_grad(big, big_batch)
    out += ["", f"### (c) lambda_1^x for {len(samples[0])} samples", ""]
    out += bench_input(model, samples)
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
