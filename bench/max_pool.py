"""Benchmark of ``hessbook.models.MaxPool2d`` against ``torch.nn.MaxPool2d`` in whole networks.

Baseline: the same network with torch's own ``nn.MaxPool2d`` swapped in (what the book ran
before). Measured per case: an SGD step in training mode (forward, backward, update) and an
evaluation forward without gradients (the training loss the engine computes every epoch),
each side's median over ``--repeats`` timings, the ratio baseline / ours, and the largest
difference of the evaluation outputs and of the parameters after two SGD steps from one
initialization with the same dropout draws (0: the same bits).

    PYTHONPATH=lib python bench/max_pool.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import copy

import torch
from _machine import machine
from _timing import median_seconds
from hessbook.models import MaxPool2d, build_model
from torch import nn
from torch.nn import functional as F

CASES = {
    # name: (model, kwargs, input shape, batch sizes)
    "C1 (Y1, Y3, Y6)": ("c1", {"conv_stride": 2}, (3, 32, 32), (16, 128, 512)),
    "C1 half width (K)": ("c1", {"conv_stride": 2, "width": 0.5}, (3, 32, 32), (16, 64)),
    "StdCNN (K)": ("stdcnn", {}, (1, 28, 28), (16, 64)),
    "AlexNet-bare 1/4 (S5)": ("alexnet_bare", {"width": 0.25}, (3, 32, 32), (32, 250)),
}


def torch_pools(net: nn.Module) -> nn.Module:
    """A copy of ``net`` with every ``hessbook.models.MaxPool2d`` replaced by ``nn.MaxPool2d``."""
    net = copy.deepcopy(net)
    for name, module in list(net.named_modules()):
        if isinstance(module, MaxPool2d):
            parent = net.get_submodule(name.rpartition(".")[0]) if "." in name else net
            setattr(parent, name.rpartition(".")[2],
                    nn.MaxPool2d(module.kernel_size, module.stride, module.padding))
    return net


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(machine())
    print("| case | batch | SGD step torch (ms) | ours (ms) | ratio | eval torch (ms) | ours (ms) | ratio "
          "| max diff |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (model, kwargs, shape, batches) in CASES.items():
        for batch in batches:
            torch.manual_seed(0)
            ours = build_model(model, **kwargs)
            base = torch_pools(ours)
            x, y = torch.rand(batch, *shape), torch.randint(0, 10, (batch,))
            opts = {id(n): torch.optim.SGD(n.parameters(), lr=1e-3, momentum=0.9) for n in (ours, base)}

            def step(net: nn.Module) -> None:
                opt = opts[id(net)]
                opt.zero_grad()
                F.cross_entropy(net.train()(x), y).backward()
                opt.step()

            def evaluate(net: nn.Module) -> torch.Tensor:
                with torch.no_grad():
                    return net.eval()(torch.rand(4 * batch, *shape, generator=torch.Generator().manual_seed(1)))

            s_base, s_ours = (median_seconds(lambda n=n: step(n), args.repeats) for n in (base, ours))
            e_base, e_ours = (median_seconds(lambda n=n: evaluate(n), args.repeats) for n in (base, ours))
            torch.manual_seed(0)
            ours = build_model(model, **kwargs)
            base = torch_pools(ours)
            opts = {id(n): torch.optim.SGD(n.parameters(), lr=1e-3, momentum=0.9) for n in (ours, base)}
            for net in (ours, base):
                torch.manual_seed(2)  # the same dropout draws for both
                step(net)
                step(net)
            diff = max([float((evaluate(ours) - evaluate(base)).abs().max())] + [float((a - b).abs().max()) for a, b in zip(ours.state_dict().values(),
                                                                           base.state_dict().values())
                                 if a.is_floating_point()])
            print(f"| {name} | {batch} | {1e3 * s_base:.1f} | {1e3 * s_ours:.1f} | {s_base / s_ours:.2f}x "
                  f"| {1e3 * e_base:.1f} | {1e3 * e_ours:.1f} | {e_base / e_ours:.2f}x | {diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
