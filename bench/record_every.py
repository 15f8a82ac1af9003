"""K's trainings with a training-loss record every epoch against one record at the end.

K's measurements read the final training loss only (``hessbook.papers.kamath.grid``), so a record
every epoch (the whole training subset evaluated in eval mode, 100 times a run) is work nothing
reads. This times both, as K's cpu jobs train them (``params/cpu/k1.yaml``: 512 images, groups of
six members of one batch size, momentum 0 and 0.9 in three seeds each), for ``--epochs`` epochs per
cell, and checks that the two sides train the same network: every weight and buffer equal to the
bit, the same final training loss. Each training goes to a fresh temporary store (nothing is loaded);
the datasets are decoded and every cell's model built once before any timing; the two sides
alternate (``--repeats`` times, first one then the other first) and the fastest of each is kept.
Float32, TF32 off.

    HESSBOOK_DATA=/path/to/data python bench/record_every.py [--epochs 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import torch
from _machine import machine
from hessbook.device import exact_float32
from hessbook.papers.kamath.grid import KGrid, Run, train_config
from hessbook.registry import chapter_params
from hessbook.store import ResultStore
from hessbook.train_grouped import train_group

ROOT = Path(__file__).resolve().parents[1]
CELLS = (("stdcnn-mnist", 16), ("c1-cifar10", 16), ("m1k-mnist", 64), ("resnet18-cifar10", 32))


def timed(configs, repeats_done: list[float]):
    """Train ``configs`` as one group in a fresh store; the wall time is appended to ``repeats_done``."""
    with tempfile.TemporaryDirectory() as root, exact_float32():
        start = time.perf_counter()
        runs = train_group(configs, ResultStore(root), device=torch.device("cpu"))
        repeats_done.append(time.perf_counter() - start)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    P = chapter_params("k1", "cpu", ROOT)
    grid = KGrid(**{f.name: getattr(P, f.name) for f in dataclasses.fields(KGrid)})
    cpu = torch.device("cpu")
    cells = []
    for case, batch in CELLS:
        end = [dataclasses.replace(train_config(Run(case, "lr", m, batch, seed), grid, P.seed), max_epochs=args.epochs)
               for m in (0.0, 0.9) for seed in range(3)]
        end = [dataclasses.replace(c, record_every=args.epochs * -(-c.data.n // batch)) for c in end]
        cells.append((case, batch, end, [dataclasses.replace(c, record_every=None) for c in end]))
        timed([dataclasses.replace(c, max_epochs=1, record_every=None) for c in end[:2]], [])  # warm-up: data, models
    print(machine())
    print("| case | batch | G | epochs | a record every epoch s | one at the end s | ratio | same network and loss |")
    print("|---|---|---|---|---|---|---|---|")
    for case, batch, end, every in cells:
        t_every: list[float] = []
        t_end: list[float] = []
        for r in range(args.repeats):
            if r % 2 == 0:
                a, b = timed(every, t_every), timed(end, t_end)
            else:
                b, a = timed(end, t_end), timed(every, t_every)
        same = all(x.history[-1]["train_loss"] == y.history[-1]["train_loss"] and all(
            torch.equal(p, q) for p, q in zip(x.model(cpu).state_dict().values(), y.model(cpu).state_dict().values()))
            for x, y in zip(a, b))
        print(f"| {case} | {batch} | {len(end)} | {args.epochs} | {min(t_every):.1f} | {min(t_end):.1f} | "
              f"{min(t_every) / min(t_end):.2f}x | {'yes' if same else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
