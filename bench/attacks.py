"""Benchmark: PGD-40 over MNIST test images on M1, hessbook.attacks vs torchattacks.

Identical settings (L-inf, eps 0.3, step 0.01, 40 steps, uniform random start) and the same
random start (torchattacks draws it from the global generator, which we seed with the seed
our generator uses), so the two adversarial sets must coincide; reports both adversarial
accuracies, their largest pixel difference, and wall-clock times (best of ``--repeats``,
alternating the two implementations) with the ratio ours / torchattacks.

    HESSBOOK_DATA=data PYTHONPATH=lib python bench/attacks.py [--n 2000] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class M1(nn.Module):
    """Y Table 6 M1: Conv(5,5,20)-Conv(5,5,50)-FC(500)-SM(10), ReLU after each conv/FC,
    Conv(5,5) with stride 2 and padding 2 (Y A.3), a fixed Normalize first.

    Mirrors ``hessbook.models`` "m1" (another module of the project, not in this tree yet);
    switch to it when merged."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor(0.1307))
        self.register_buffer("std", torch.tensor(0.3081))
        self.conv1 = nn.Conv2d(1, 20, 5, stride=2, padding=2)
        self.conv2 = nn.Conv2d(20, 50, 5, stride=2, padding=2)
        self.fc1 = nn.Linear(50 * 7 * 7, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def _idx(path: str) -> torch.Tensor:
    """Read an IDX file (torchvision's MNIST/raw layout), gzipped or not."""
    import gzip

    import numpy as np

    opener = gzip.open if os.path.exists(path + ".gz") and not os.path.exists(path) else open
    with opener(path if opener is open else path + ".gz", "rb") as fh:
        raw = fh.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape).copy())


def load_mnist(root: str, train: bool):
    """MNIST as (N, 1, 28, 28) floats in [0, 1] and labels, read from ``root/MNIST/raw``."""
    prefix = "train" if train else "t10k"
    raw = os.path.join(root, "MNIST", "raw")
    x = _idx(os.path.join(raw, f"{prefix}-images-idx3-ubyte")).float().div(255.0).unsqueeze(1)
    y = _idx(os.path.join(raw, f"{prefix}-labels-idx1-ubyte")).long()
    return x, y


def machine() -> str:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return (f"CPU {cpu!r}, nproc {nproc}, torch threads {torch.get_num_threads()}, GPU {gpu}, "
            f"torch {torch.__version__}, Python {platform.python_version()}, "
            f"load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", default=os.environ.get("HESSBOOK_DATA", "data"))
    ap.add_argument("--n", type=int, default=2000, help="test images attacked (10000 = all)")
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--train-n", type=int, default=10000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    import torchattacks

    from hessbook.attacks import pgd

    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    model = M1().to(device)
    xtr, ytr = load_mnist(args.root, True)
    xtr, ytr = xtr[: args.train_n].to(device), ytr[: args.train_n].to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    t0 = time.perf_counter()
    for i in range(0, len(ytr), 64):  # one epoch on the subset
        opt.zero_grad()
        F.cross_entropy(model(xtr[i : i + 64]), ytr[i : i + 64]).backward()
        opt.step()
    model.eval()
    train_s = time.perf_counter() - t0
    xte, yte = load_mnist(args.root, False)
    xte, yte = xte[: args.n].to(device), yte[: args.n].to(device)
    settings = dict(eps=0.3, step_size=0.01, steps=40)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def run_ours():
        out = []
        for b, i in enumerate(range(0, len(yte), args.batch_size)):
            out.append(pgd(model, xte[i : i + args.batch_size], yte[i : i + args.batch_size],
                           seed=args.seed + b, **settings).x_adv)
        sync()
        return torch.cat(out)

    atk = torchattacks.PGD(model, eps=0.3, alpha=0.01, steps=40, random_start=True)

    def run_theirs():
        out = []
        for b, i in enumerate(range(0, len(yte), args.batch_size)):
            torch.manual_seed(args.seed + b)  # the same start as ours (CPU generator)
            out.append(atk(xte[i : i + args.batch_size], yte[i : i + args.batch_size]))
        sync()
        return torch.cat(out)

    times = {"ours": [], "torchattacks": []}
    results = {}
    for _ in range(args.repeats):
        for name, fn in (("ours", run_ours), ("torchattacks", run_theirs)):
            t = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t)

    def acc(x):
        with torch.no_grad():
            return float(sum(int((model(x[i : i + 1000]).argmax(1) == yte[i : i + 1000]).sum())
                             for i in range(0, len(yte), 1000)) / len(yte))

    best = {k: min(v) for k, v in times.items()}
    print(f"machine: {machine()}")
    print(f"device {device}; M1 trained 1 epoch on {len(ytr)} MNIST train images in {train_s:.1f} s")
    print(f"PGD-40 (eps 0.3, step 0.01, random start) on {len(yte)} MNIST test images, batch {args.batch_size}")
    print(f"clean accuracy        {acc(xte):.4f}")
    print(f"adversarial accuracy  ours {acc(results['ours']):.4f}  torchattacks {acc(results['torchattacks']):.4f}")
    print(f"max |x_ours - x_ta|   {float((results['ours'] - results['torchattacks']).abs().max()):.3g}")
    print(f"time (best of {args.repeats}) ours {best['ours']:.2f} s  torchattacks {best['torchattacks']:.2f} s  "
          f"ratio ours/torchattacks {best['ours'] / best['torchattacks']:.3f}")
    print(f"all times: {times}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
