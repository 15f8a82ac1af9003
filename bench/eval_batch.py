"""Benchmark of an evaluation's forward passes: :func:`hessbook.train.evaluate` at its default
(:func:`hessbook.train.forward_batch` samples per pass) against one pass per ``EVAL_BATCH``
(2,048) samples, what the book ran before (the baseline), in the same run.

Per network of the book at the width it runs at cpu scale: the samples per pass the rule picks,
each side's median time of evaluating ``--n`` random inputs (``--repeats`` timings), the ratio
baseline / ours, and the largest difference of the per-sample logits and of the mean loss between
the two (0: the same bits). The last columns time fixed pass sizes, so that the rule can be
checked against the best one (a ``*`` marks a pass size whose logits differ from the baseline).

    PYTHONPATH=lib python bench/eval_batch.py [--n 2048] [--repeats 5]
"""

from __future__ import annotations

import argparse

import torch
from _machine import machine
from _timing import median_seconds
from hessbook import data as hdata
from hessbook import train as T
from hessbook.models import build_model

CASES = {
    # name: (model, kwargs, input shape)
    "C1 (Y1, Y3, Y6)": ("c1", {"conv_stride": 2}, (3, 32, 32)),
    "C1 half width (K)": ("c1", {"conv_stride": 2, "width": 0.5}, (3, 32, 32)),
    "M1 (Y1, Y5)": ("m1", {}, (1, 28, 28)),
    "M1-K half width (K)": ("m1k", {"width": 0.5}, (1, 28, 28)),
    "StdCNN (K)": ("stdcnn", {}, (1, 28, 28)),
    "C3 (Y5)": ("c3", {}, (3, 32, 32)),
    "ResNet18 width 16": ("resnet18", {"width": 16}, (3, 32, 32)),
    "AlexNet-bare 1/4 (S5)": ("alexnet_bare", {"width": 0.25}, (3, 32, 32)),
    "S CNN (S4)": ("s_cnn", {}, (1, 28, 28)),
}
FIXED = (2048, 512, 256, 128, 64, 32, 16)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2048)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    cpu = torch.device("cpu")
    print(machine())
    print(f"n = {args.n}; baseline: one pass per {T.EVAL_BATCH} samples\n")
    print("| network | per pass | baseline ms | ours ms | ratio | max logit diff | loss diff | "
          + " | ".join(f"{b} ms" for b in FIXED) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(FIXED))
    for label, (name, kwargs, shape) in CASES.items():
        torch.manual_seed(0)
        net = build_model(name, **kwargs).eval()
        x = torch.rand(args.n, *shape)
        y = torch.randint(0, 10, (args.n,))
        data_ = hdata.tensor_data(x, y, "bench", num_classes=10)
        rule = T.forward_batch(net, x)
        base = median_seconds(lambda: T.evaluate(net, data_, cpu, forward=T.EVAL_BATCH), args.repeats)
        ours = median_seconds(lambda: T.evaluate(net, data_, cpu), args.repeats)
        with torch.no_grad():
            ref = T.logits_in_passes(net, x, T.EVAL_BATCH)
            logit_diff = (T.logits_in_passes(net, x, rule) - ref).abs().max().item()
            fixed = []
            for b in FIXED:
                t = median_seconds(lambda: T.logits_in_passes(net, x, b), max(1, args.repeats // 2))
                fixed.append(f"{t * 1e3:.0f}{'' if torch.equal(T.logits_in_passes(net, x, b), ref) else '*'}")
        loss_diff = abs(T.evaluate(net, data_, cpu)[0] - T.evaluate(net, data_, cpu, forward=T.EVAL_BATCH)[0])
        print(f"| {label} | {rule} | {base * 1e3:.0f} | {ours * 1e3:.0f} | {base / ours:.2f} | "
              f"{logit_diff:.1e} | {loss_diff:.1e} | " + " | ".join(fixed) + " |", flush=True)


if __name__ == "__main__":
    main()
