"""Benchmark of the dense Hessian (``HessianOperator.to_dense``): how many identity columns a
vmapped forward-over-reverse pass should carry (``chunk``), on the networks whose exact spectra
the book computes (S1/S2's MLP on Gaussian clusters, S3's MNIST FC net, S4's small conv net).

Baseline: ``chunk=256``, the default before this benchmark; every other chunk (and the
default rule's, marked) is printed as a ratio to it in the same run, with the largest entry difference to the baseline's matrix (the
same matrix up to float summation order). Random weights and inputs of each chapter's shapes:
the cost does not depend on the values.

    PYTHONPATH=lib python bench/dense_hessian.py [--quick] [--case S4] [--columns 256]
"""

from __future__ import annotations

import argparse
import time

import torch
from _machine import machine
from hessbook import models
from hessbook.curvature.operators import HessianOperator, default_dense_chunk

CASES = {
    # name: (model, input shape, classes, samples, dtype)
    "S2 MLP d100-30-30, k=50, n=1000, float64": (lambda: models.s_mlp(100, 50, (30, 30)), (100,), 50, 1000, torch.float64),
    "S2 MLP d100-30-30, k=10, n=1000, float64": (lambda: models.s_mlp(100, 10, (30, 30)), (100,), 10, 1000, torch.float64),
    "S3 FC 14x14-70, n=1000, float32": (lambda: models.build_model("s_fc_mnist", hidden=70, input_size=14), (1, 28, 28),
                                        10, 1000, torch.float32),
    "S4 CNN [4,8]-20, n=250, float32": (lambda: models.build_model("s_cnn", channels=[4, 8], hidden=20), (1, 28, 28), 10,
                                        250, torch.float32),
}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def seconds(op: HessianOperator, chunk: int, device: torch.device, columns: int | None) -> tuple[float, torch.Tensor]:
    """Seconds of ``op.to_dense(chunk)``, or of its first ``columns`` columns only."""
    _sync(device)
    start = time.perf_counter()
    if columns is None:
        H = op.to_dense(chunk)
    else:
        E = torch.eye(op.num_params, columns, dtype=torch.float64, device=device)
        H = torch.cat([op.matmat(E[:, s:s + chunk]) for s in range(0, columns, chunk)], dim=1)
    _sync(device)
    return time.perf_counter() - start, H


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="two cases, three chunks")
    ap.add_argument("--case", default="", help="only the cases whose name contains this")
    ap.add_argument("--columns", type=int, default=None,
                    help="time the first COLUMNS columns only (the ratios, on large matrices)")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    chunks = (16, 32, 64, 256) if args.quick else (8, 16, 32, 64, 128, 256, 512)
    cases = list(CASES.items())[:2] if args.quick else list(CASES.items())
    cases = [(name, case) for name, case in cases if args.case in name]
    print(machine())
    print(f"device {device}; default chunk here: {default_dense_chunk(device)}")
    print("| case | P | chunk | seconds | ratio to chunk 256 | max abs diff |")
    print("|---|---|---|---|---|---|")
    for name, (build, shape, classes, n, dtype) in cases:
        torch.manual_seed(0)
        model = build().to(device)
        x = torch.rand(n, *shape, device=device)
        y = torch.randint(0, classes, (n,), device=device)
        op = HessianOperator(model, (x, y), dtype=dtype, method="fwdrev")
        seconds(op, 256, device, args.columns)  # warm-up, untimed: one-off costs (CUDA context, kernel choice)
        base_s, base = seconds(op, 256, device, args.columns)
        rule = op.dense_chunk()
        for chunk in sorted({*chunks, rule}):
            s, H = (base_s, base) if chunk == 256 else seconds(op, chunk, device, args.columns)
            diff = float((H - base).abs().max())
            label = f"{chunk} (default)" if chunk == rule else str(chunk)
            print(f"| {name} | {op.num_params} | {label} | {s:.2f} | {base_s / s:.2f}x | {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
