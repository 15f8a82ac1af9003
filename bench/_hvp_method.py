"""Measure double backward vs forward-over-reverse HVPs (CPU), the two methods interleaved so
that a change of load on shared cores hits both alike. Figures: hessbook.curvature.operators."""
import statistics
import time

import torch
from torch import nn

from hessbook.curvature.operators import HessianOperator

torch.manual_seed(0)
torch.set_num_threads(2)


def lenet():
    return nn.Sequential(nn.Conv2d(1, 20, 5, stride=2, padding=2), nn.ReLU(), nn.Conv2d(20, 50, 5, stride=2, padding=2),
                         nn.ReLU(), nn.Flatten(), nn.Linear(50 * 7 * 7, 500), nn.ReLU(), nn.Linear(500, 10))


CASES = {
    "M1 stand-in, 128 inputs": (lenet(), torch.rand(128, 1, 28, 28), torch.randint(0, 10, (128,))),
    "MLP 784-100-10, 512 inputs": (nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10)),
                                   torch.rand(512, 1, 28, 28), torch.randint(0, 10, (512,))),
    "S's MLP 100-30-30-10, 1000 inputs": (nn.Sequential(nn.Linear(100, 30), nn.ReLU(), nn.Linear(30, 30), nn.ReLU(),
                                                        nn.Linear(30, 10)), torch.randn(1000, 100),
                                          torch.randint(0, 10, (1000,))),
}

for name, (model, x, y) in CASES.items():
    P = sum(p.numel() for p in model.parameters())
    ops = {m: HessianOperator(model, (x, y), method=m) for m in ("double_backward", "fwdrev")}
    v, V = torch.randn(P), torch.randn(P, 8)
    times = {(m, k): [] for m in ops for k in (1, 8)}
    for op in ops.values():  # warm-up
        op.matvec(v)
        op.matmat(V)
    for _ in range(7):
        for m, op in ops.items():
            start = time.perf_counter()
            op.matvec(v)
            times[(m, 1)].append(time.perf_counter() - start)
            start = time.perf_counter()
            op.matmat(V)
            times[(m, 8)].append(time.perf_counter() - start)
    med = {key: statistics.median(t) for key, t in times.items()}
    print(f"{name} ({P:,} parameters): double backward {med[('double_backward', 1)]:.3f} / "
          f"{med[('double_backward', 8)]:.3f} s, forward-over-reverse {med[('fwdrev', 1)]:.3f} / "
          f"{med[('fwdrev', 8)]:.3f} s (1 vector / 8 vectors)", flush=True)
