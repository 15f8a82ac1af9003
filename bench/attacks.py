"""Benchmark: PGD-40 over MNIST test images on M1, hessbook.attacks vs torchattacks.

Identical settings (L-inf, eps 0.3, step 0.01, 40 steps, uniform random start) and the same
random start (torchattacks draws it from the global generator, which we seed with the seed
our generator uses), so the two adversarial sets must coincide; reports both adversarial
accuracies, their largest pixel difference, and wall-clock times (best of ``--repeats``,
alternating the two implementations) with the ratio ours / torchattacks.

    HESSBOOK_DATA=data python bench/attacks.py [--n 2000] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import sys
import time

import torch
import torch.nn.functional as F
from _machine import machine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
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
    from hessbook.data import load
    from hessbook.models import build_model

    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    model = build_model("m1").to(device)
    train_set = load("mnist", "train", device=device)
    xtr, ytr = train_set.inputs(torch.arange(args.train_n)), train_set.targets(torch.arange(args.train_n))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    t0 = time.perf_counter()
    for i in range(0, len(ytr), 64):  # one epoch on the subset
        opt.zero_grad()
        F.cross_entropy(model(xtr[i : i + 64]), ytr[i : i + 64]).backward()
        opt.step()
    model.eval()
    train_s = time.perf_counter() - t0
    test_set = load("mnist", "test", device=device)
    xte, yte = test_set.inputs(torch.arange(args.n)), test_set.targets(torch.arange(args.n))
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
