"""Many small networks trained as one (``hessbook.train_grouped``) vs one by one (``train``).

K's grid cells at cpu scale (params/cpu/k1.yaml: M1-K and StdCNN on a 4096-image MNIST subset,
C1 with augmentation on a 2048-image CIFAR-10 subset), batch 16, 64 and 256: G members that
differ as K's grid does (learning-rate rule, momentum, and from the 8th member on the seed),
trained ``--steps`` SGD steps each at batch 16 (at batch b: ``max(20, steps * 16 / b)``, the
same samples, so each run is long enough that the fixed cost of a run, about 40 ms for loading
the data, building the networks and storing them, does not decide the ratio), as one group
(``train_group``) and one by one (``train``),
both through a fresh result store, so each side pays the same store writes. Printed per cell:
wall time of each side, samples/s (G * steps * batch / time), the ratio, and the largest
difference of a member's final loss (full training subset, eval mode) between the two sides.

The two sides alternate (``--repeats`` times, first one then the other first; the fastest of
each is kept), so a load that comes and goes on a shared machine hits both; the CPU-time ratio
(process CPU seconds, all threads) and the load average are printed beside the wall-time ratio,
to judge a figure taken on a busy machine. On a CUDA device a third side, the group without
CUDA graphs (``HESSBOOK_CUDA_GRAPH=0``), shows what grouping alone gains and what the graph adds
(its columns read nan on the CPU, where no graph is used). Float32 with TF32 off. Run:

    HESSBOOK_DATA=/path/to/data python bench/grouped_training.py [--steps 200] [--device cpu|cuda|auto]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import tempfile
import time

import torch
from _machine import machine
from hessbook import data as hdata
from hessbook.device import exact_float32, pick_device
from hessbook.store import ResultStore
from hessbook.train import TrainConfig, evaluate, train
from hessbook.train_grouped import (CPU_MAX_LAYER_MACS, CPU_MAX_STEP_MACS, GRAPH_ENV, pays, sample_macs, train_group,
                                    uses_graph)

CASES = {
    "m1k": ("m1k", {"normalization": "mnist"}, hdata.DataSpec("mnist", "k_train", n=4096)),
    "stdcnn": ("stdcnn", {"normalization": "mnist"}, hdata.DataSpec("mnist", "k_train", n=4096)),
    "c1": ("c1", {"conv_stride": 2}, hdata.DataSpec("cifar10", "k_train", n=2048, augment=True)),
    # K's ResNet18 (Figs 5, 17, and the ResNet panels): width 4 is the width K1's cpu block first
    # measured it at, 8 today's cpu width (params/cpu/k1.yaml), 16 a width above the CPU rule
    "resnet18": ("resnet18", {"width": 4}, hdata.DataSpec("cifar10", "k_train", n=2048, augment=True)),
    "resnet18w8": ("resnet18", {"width": 8}, hdata.DataSpec("cifar10", "k_train", n=2048, augment=True)),
    "resnet18w16": ("resnet18", {"width": 16}, hdata.DataSpec("cifar10", "k_train", n=2048, augment=True)),
}
LINES = (("lr", 0.0), ("lr", 0.2), ("lr", 0.5), ("lr", 0.9), ("lr_bs", 0.0), ("lr_bs", 0.9), ("benchmark", 0.9))
"""K's (setting, momentum) lines (K1 and K2 together)."""


def members(case: str, batch: int, g: int, steps: int) -> list[TrainConfig]:
    """``g`` of K's grid cells at one batch size: the seven lines, then the same with seed 1, ..."""
    model, kwargs, data = CASES[case]
    out = []
    for i in range(g):
        setting, momentum = LINES[i % len(LINES)]
        lr, rule, params = {"lr": (0.01, "constant", {}), "lr_bs": (round(0.00015625 * batch, 12), "constant", {}),
                            "benchmark": (0.01, "halve", {"every": 5, "factor": 0.5})}[setting]
        out.append(TrainConfig(model=model, model_kwargs=kwargs, data=data, batch_size=batch, lr=lr,
                               momentum=momentum, lr_rule=rule, lr_params=params, max_iterations=steps,
                               seed=i // len(LINES)))
    return out


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn, configs: list[TrainConfig], device: torch.device, prefix: str) -> tuple[float, float, list]:
    """(wall s, process CPU s, results) of ``fn(configs, store, device)`` on a fresh store."""
    root = tempfile.mkdtemp(prefix=prefix)
    try:
        _sync(device)
        wall, cpu = time.perf_counter(), time.process_time()
        results = fn(configs, ResultStore(root), device)
        _sync(device)
        return time.perf_counter() - wall, time.process_time() - cpu, results
    finally:
        shutil.rmtree(root, ignore_errors=True)


def one_by_one(configs: list[TrainConfig], store: ResultStore, device: torch.device) -> list:
    return [train(c, store, device, checkpoint_interval=1e9) for c in configs]


def grouped(configs: list[TrainConfig], store: ResultStore, device: torch.device) -> list:
    return train_group(configs, store, device, checkpoint_interval=1e9)


def grouped_eager(configs: list[TrainConfig], store: ResultStore, device: torch.device) -> list:
    """The group without CUDA graphs (``HESSBOOK_CUDA_GRAPH=0``): what grouping alone gains."""
    old = os.environ.get(GRAPH_ENV)
    os.environ[GRAPH_ENV] = "0"
    try:
        return train_group(configs, store, device, checkpoint_interval=1e9)
    finally:
        if old is None:
            del os.environ[GRAPH_ENV]
        else:
            os.environ[GRAPH_ENV] = old


def final_losses(results: list, device: torch.device) -> list[float]:
    data_ = hdata.load_data(dataclasses.replace(results[0].config.data, augment=False), device)
    return [evaluate(r.model(device), data_, device)[0] for r in results]


def cell(case: str, batch: int, g: int, steps: int, repeats: int, device: torch.device) -> dict:
    """Both sides ``repeats`` times, alternating which goes first; the fastest of each kept."""
    configs = members(case, batch, g, steps)
    times: dict[str, list[tuple[float, float]]] = {"alone": [], "group": [], "eager": []}
    results: dict[str, list] = {}
    load = os.getloadavg()[0]
    for r in range(repeats):
        order = (("alone", one_by_one), ("group", grouped))
        if uses_graph(device):  # the graph's share of the gain, beside grouping's
            order += (("eager", grouped_eager),)
        for side, fn in order if r % 2 == 0 else order[::-1]:
            wall, cpu, results[side] = _timed(fn, configs, device, f"bench-{side}-")
            times[side].append((wall, cpu))
    la, lg = final_losses(results["alone"], device), final_losses(results["group"], device)
    diff = max(abs(a - b) for a, b in zip(la, lg))
    rel = max(abs(a - b) / max(abs(a), 1e-12) for a, b in zip(la, lg))
    ta, tg = min(t[0] for t in times["alone"]), min(t[0] for t in times["group"])
    ca, cg = min(t[1] for t in times["alone"]), min(t[1] for t in times["group"])
    samples = g * steps * batch
    te = min((t[0] for t in times["eager"]), default=float("nan"))
    return {"eager_s": te, "eager_ratio": ta / te, "case": case, "batch": batch, "G": g, "alone_s": ta, "group_s": tg, "alone_sps": samples / ta,
            "group_sps": samples / tg, "ratio": ta / tg, "cpu_ratio": ca / cg, "loss_diff": diff, "loss_rel": rel,
            "pays": pays(configs[0], device), "work": batch * sample_macs(configs[0]),
            "load": max(load, os.getloadavg()[0])}


def attack_steps(device: torch.device, groups: int = 4, repeats: int = 10) -> None:
    """Item 3 of the issue, measured: one input-gradient step (what FGSM does once and PGD 40
    times) of ``groups`` trained-shape networks in one grouped pass vs one by one, at K's attack
    batches (200 PGD images, 500 a batch)."""
    from torch.nn import functional as F

    from hessbook.models import INPUT_SHAPES, build_model
    from hessbook.train_grouped import GroupedNet

    def timed(fn) -> float:
        for _ in range(2):
            fn()
        _sync(device)
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        _sync(device)
        return (time.perf_counter() - start) / repeats

    print("| case | images | G | one by one ms | grouped ms | ratio |")
    print("|---|---|---|---|---|---|")
    for case, (model, kwargs, _) in CASES.items():
        shape = INPUT_SHAPES[model]
        nets = []
        for g in range(groups):
            torch.manual_seed(g)
            nets.append(build_model(model, **kwargs).to(device).eval())
        net = GroupedNet(build_model(model, **kwargs), [n.state_dict() for n in nets], len(shape), device)
        for k in net.param_names:
            net.tensors[k].requires_grad_(False)
        for b in (200, 500):
            x, y = torch.rand(b, *shape, device=device), torch.randint(0, 10, (b,), device=device)

            def alone() -> None:
                for n in nets:
                    xx = x.clone().requires_grad_()
                    torch.autograd.grad(F.cross_entropy(n(xx), y), xx)

            def grouped_step() -> None:
                xx = x.unsqueeze(1).expand(b, groups, *shape).clone().requires_grad_()
                out = net.forward(xx, training=False)
                torch.autograd.grad(F.cross_entropy(out.reshape(groups * b, -1), y.repeat(groups)), xx)

            ta, tg = timed(alone), timed(grouped_step)
            print(f"| {case} | {b} | {groups} | {1e3 * ta:.1f} | {1e3 * tg:.1f} | {ta / tg:.2f}x |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200,
                        help="SGD steps per member at batch 16 (default 200); batch b runs max(20, steps * 16 / b)")
    parser.add_argument("--repeats", type=int, default=1, help="alternating repeats; the fastest is kept")
    parser.add_argument("--cases", default="m1k,stdcnn,c1")
    parser.add_argument("--batches", default="16,64,256")
    parser.add_argument("--groups", default="1,3,6,12")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's, one per core); 1 is less disturbed by "
                             "other processes on a shared machine")
    parser.add_argument("--attack", action="store_true",
                        help="instead: one FGSM/PGD input-gradient step of 4 networks, grouped vs one by one")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    os.environ.setdefault("HESSBOOK_PROGRESS", "off")
    device = pick_device(args.device)
    print(machine())
    if args.attack:
        with exact_float32():
            attack_steps(device)
        return
    print(f"device {device}, {args.steps} steps per member at batch 16, {args.repeats} repeat(s); "
          f"CPU rule: group while batch * MACs/sample <= {CPU_MAX_STEP_MACS:.3g} "
          f"or batch * MACs/sample per layer <= {CPU_MAX_LAYER_MACS:.3g}")
    print("| case | batch | steps | G | one by one s | grouped s | one by one samples/s | grouped samples/s | ratio "
          "| CPU-time ratio | max final-loss diff (rel) | batch x MACs | rule groups | load "
          "| grouped without CUDA graph s | its ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with exact_float32():
        for case in args.cases.split(","):
            for batch in (int(b) for b in args.batches.split(",")):
                # warm-up: the first call of each kernel shape is not what a long run pays
                cell(case, batch, 2, 2, 1, device)
                steps = max(20, args.steps * 16 // batch)
                for g in (int(x) for x in args.groups.split(",")):
                    r = cell(case, batch, g, steps, args.repeats, device)
                    print(f"| {r['case']} | {r['batch']} | {steps} | {r['G']} | {r['alone_s']:.2f} | {r['group_s']:.2f} "
                          f"| {r['alone_sps']:.0f} | {r['group_sps']:.0f} | {r['ratio']:.2f}x "
                          f"| {r['cpu_ratio']:.2f}x | {r['loss_diff']:.1e} ({r['loss_rel']:.1e}) | {r['work']:.2e} "
                          f"| {'yes' if r['pays'] else 'no'} | {r['load']:.1f} | {r['eager_s']:.2f} | {r['eager_ratio']:.2f}x |",
                          flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
