"""Training throughput: hessbook's engine vs a plain torchvision DataLoader loop.

Same model, batch size, optimizer and device; only the input pipeline differs:

- ours: uint8 dataset resident on the device, a seeded index permutation, float conversion
  and (CIFAR) random-crop/flip augmentation on the device (``hessbook.train.batch_inputs``
  and ``train_step``, the functions ``hessbook.train.train`` runs);
- baseline: ``torchvision.datasets`` + ``transforms`` (ToTensor; CIFAR adds RandomCrop(32, 4)
  and RandomHorizontalFlip) + ``DataLoader(shuffle=True)`` with default settings
  (num_workers=0), batches moved to the device each step.

Each measurement times ``--steps`` SGD steps after ``--warmup`` steps. Run:

    HESSBOOK_DATA=/path/to/data python bench/train_throughput.py [--device cpu|cuda|auto]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torchvision
import torchvision.transforms as tvt
from _machine import machine
from hessbook import data as hdata
from hessbook.device import pick_device
from hessbook.models import build_model
from hessbook.paths import data_root
from hessbook.train import batch_inputs, train_step
from torch.utils.data import DataLoader

CASES = (("m1", "mnist", False), ("c1", "cifar10", True))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _model(name: str, device: torch.device):
    torch.manual_seed(0)
    model = build_model(name).to(device).train()
    return model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def ours(name: str, dataset: str, augment: bool, batch: int, steps: int, warmup: int,
         device: torch.device) -> float:
    train = hdata.load(dataset, "train", device=device)
    model, opt = _model(name, device)
    gen = torch.Generator().manual_seed(0)

    def batches():
        while True:
            perm = torch.randperm(len(train), generator=gen).to(device)
            for s in range(0, len(train) - batch + 1, batch):
                yield perm[s:s + batch]

    it = batches()
    for i in range(warmup + steps):
        if i == warmup:
            _sync(device)
            start = time.perf_counter()
        x, y = batch_inputs(train, next(it), augment, gen)
        train_step(model, opt, x, y)
    _sync(device)
    return steps * batch / (time.perf_counter() - start)


def _torchvision_dataset(dataset: str, augment: bool):
    """The baseline's input pipeline: a torchvision Dataset with PIL transforms (users' default)."""
    root = str(data_root())
    if dataset == "mnist":
        return torchvision.datasets.MNIST(root, train=True, transform=tvt.ToTensor())
    tf = [tvt.RandomCrop(32, padding=4), tvt.RandomHorizontalFlip()] if augment else []
    return torchvision.datasets.CIFAR10(root, train=True, transform=tvt.Compose([*tf, tvt.ToTensor()]))


def baseline(name: str, dataset: str, augment: bool, batch: int, steps: int, warmup: int,
             device: torch.device) -> float:
    ds = _torchvision_dataset(dataset, augment)
    loader = DataLoader(ds, batch_size=batch, shuffle=True)
    model, opt = _model(name, device)

    def batches():
        while True:
            yield from loader

    it = batches()
    for i in range(warmup + steps):
        if i == warmup:
            _sync(device)
            start = time.perf_counter()
        x, y = next(it)
        train_step(model, opt, x.to(device), y.to(device))
    _sync(device)
    return steps * batch / (time.perf_counter() - start)


def pipeline_only(dataset: str, augment: bool, batch: int, steps: int, device: torch.device) -> tuple[float, float]:
    """Samples/s of the input pipelines alone (no model): (ours, baseline)."""
    train = hdata.load(dataset, "train", device=device)
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(steps):
        idx = torch.randint(0, len(train), (batch,), generator=gen).to(device)
        x, y = batch_inputs(train, idx, augment, gen)
    _sync(device)
    a = steps * batch / (time.perf_counter() - start)
    ds = _torchvision_dataset(dataset, augment)
    it = iter(DataLoader(ds, batch_size=batch, shuffle=True))
    start = time.perf_counter()
    for _ in range(steps):
        x, y = next(it)
        x, y = x.to(device), y.to(device)
    _sync(device)
    return a, steps * batch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=None, help="timed steps (default 40 cpu, 300 cuda)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3,
                        help="alternate ours/baseline this many times; report medians (shared machines are noisy)")
    args = parser.parse_args()
    device = pick_device(args.device)
    steps = args.steps or (300 if device.type == "cuda" else 40)
    print(machine())
    print(f"device {device}, batch {args.batch}, {steps} timed steps after {args.warmup} warm-up steps, "
          f"median of {args.repeats} alternating repeats")
    print(f"{'model':<6} {'data':<8} {'batch':>5} {'ours/s':>10} {'baseline/s':>11} {'ratio':>6}")
    for name, dataset, augment in CASES:
        runs_a, runs_b = [], []
        for _ in range(args.repeats):
            runs_a.append(ours(name, dataset, augment, args.batch, steps, args.warmup, device))
            runs_b.append(baseline(name, dataset, augment, args.batch, steps, args.warmup, device))
        a, b = statistics.median(runs_a), statistics.median(runs_b)
        print(f"{name:<6} {dataset:<8} {args.batch:>5} {a:>10.0f} {b:>11.0f} {a / b:>6.2f}", flush=True)
    print("input pipeline alone (no model), samples/s:")
    for _, dataset, augment in CASES:
        a, b = pipeline_only(dataset, augment, args.batch, steps, device)
        print(f"{'-':<6} {dataset:<8} {args.batch:>5} {a:>10.0f} {b:>11.0f} {a / b:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
