"""Sweeps (issues 13, 28): the default placement (``auto``) vs serial vs the LocalCluster, on this machine.

Two job mixes, each run three ways through :func:`hessbook.sweep.sweep` on a fresh temporary
store, in one run, with ratios against the default:

- **Y1-like**, a few larger jobs: M1 (Y Table 6) on ``--n-large`` MNIST images (default 2,000),
  batch {64, 256} x lr {0.01, 0.05}, ``--epochs`` epochs (default 2);
- **K-like**, many small jobs: M1-K (K's MNIST network) on ``--n-small`` images (default 512),
  batch {16, 64} x lr {0.01, 0.05} x subset seed {0..5}, 1 epoch: small batches, where a step is
  dominated by per-call overhead.

Ways:

- ``default``: no setting (``HESSBOOK_CLUSTER`` unset), i.e. ``auto``:
  :func:`hessbook.cluster.auto_placement` decides (in-process with torch on every core on
  <= 3 cores; a cluster of ``cores // 4`` workers, 2..8, above; one worker per GPU);
- ``serial``: ``HESSBOOK_CLUSTER=serial``, in this process, torch's own thread count;
- ``local``: ``HESSBOOK_CLUSTER=local``, the embedded LocalCluster sized as that setting always
  was (one worker per core up to 4, one thread each, the cores divided between them for torch).

"start s" is a cluster's start-up with its workers importing the library (what each chapter's
kernel pays once), "sweep s" the sweep itself; the ratio "x default" compares start + sweep with
the default's (above 1: slower than the default). ``max |dloss|``: the largest difference of a
job's final training loss from the default's (0: the same models). CPU s: this process's CPU
time plus, for a cluster, its workers'. Run:

    HESSBOOK_DATA=/path/to/data PYTHONPATH=lib:bench python bench/sweep.py [--epochs 2] [--order default,serial,local]
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

WAYS = ("default", "serial", "local")


def train_job(config, root: str) -> dict:
    """One job: train through the store on this worker's device; the final training loss."""
    from hessbook.device import pick_device
    from hessbook.store import ResultStore
    from hessbook.train import train

    trained = train(config, ResultStore(root), device=pick_device("auto"))
    return {"final_loss": float(trained.history[-1]["train_loss"]), "train_seconds": trained.seconds}


@dataclass(frozen=True)
class Mix:
    """A job mix: its name, what it stands for, its training configurations."""

    name: str
    about: str
    configs: tuple


def mixes(epochs: int, n_large: int, n_small: int) -> list[Mix]:
    from hessbook.train import DataSpec, TrainConfig

    y1 = tuple(TrainConfig(model="m1", data=DataSpec("mnist", n=n_large, subset_seed=0), batch_size=batch, lr=lr,
                           momentum=0.9, max_epochs=epochs, seed=0, epoch_metrics=("train_loss",))
               for batch in (64, 256) for lr in (0.01, 0.05))
    k = tuple(TrainConfig(model="m1k", data=DataSpec("mnist", n=n_small, subset_seed=seed), batch_size=batch,
                          lr=lr, max_epochs=1, seed=seed, epoch_metrics=("train_loss",))
              for batch in (16, 64) for lr in (0.01, 0.05) for seed in range(6))
    return [Mix("Y1-like", f"{len(y1)} jobs: M1 on {n_large} MNIST images, batch {{64, 256}} x lr {{0.01, 0.05}}, "
                           f"{epochs} epoch(s)", y1),
            Mix("K-like", f"{len(k)} jobs: M1-K on {n_small} MNIST images, batch {{16, 64}} x lr {{0.01, 0.05}} x "
                          "subset seed {0..5}, 1 epoch", k)]


@dataclass(frozen=True)
class Way:
    """One way of running one mix, and what it measured."""

    way: str
    placement: str
    startup: float
    wall: float
    cpu: float
    losses: tuple[float, ...]

    @property
    def total(self) -> float:
        return self.startup + self.wall

    def row(self, default: Way, jobs: int) -> str:
        diff = max(abs(a - b) for a, b in zip(self.losses, default.losses))
        return (f"| {self.way} | {self.placement} | {self.startup:.1f} | {self.wall:.1f} | {self.total / jobs:.2f} | "
                f"{self.cpu:.1f} | {self.total / default.total:.2f} | {diff:.1e} |")


def _setting(way: str) -> None:
    """The environment of one way: no cluster setting for the default, else the setting."""
    from hessbook import cluster

    for name in (cluster.CLUSTER_ENV, cluster.WORKERS_ENV, cluster.THREADS_ENV):
        os.environ.pop(name, None)
    if way != "default":
        os.environ[cluster.CLUSTER_ENV] = way


def run_way(way: str, mix: Mix, threads: int) -> Way:
    """Run ``mix`` one way on a fresh store (and a fresh cluster, started and timed first)."""
    import torch

    from hessbook import cluster
    from hessbook.store import ResultStore
    from hessbook.sweep import Job, sweep

    if way not in WAYS:
        raise SystemExit(f"--order: unknown way {way!r}; accepted: {', '.join(WAYS)}")
    cluster.shutdown()
    torch.set_num_threads(threads)  # as a fresh process has it: the default may have changed it
    _setting(way)
    choice = cluster.placed(cluster.resolve(cluster.cluster_setting()), len(mix.configs))
    startup, client = 0.0, None
    if choice.kind == "local":
        start = time.perf_counter()
        active = cluster.backend(choice)
        active.client.run(lambda: __import__("hessbook.train") and None)
        startup, client = time.perf_counter() - start, active.client
    placement = cluster.describe_setting(jobs=len(mix.configs)).split(": ", 1)[1]
    with tempfile.TemporaryDirectory() as root:
        jobs = [Job("bench-sweep", {"train": c}, functools.partial(train_job, c, root)) for c in mix.configs]
        cpu0 = time.process_time() + (sum(client.run(time.process_time).values()) if client else 0.0)
        start = time.perf_counter()
        results = sweep(jobs, ResultStore(root), progress=False)
        wall = time.perf_counter() - start
        cpu = time.process_time() + (sum(client.run(time.process_time).values()) if client else 0.0) - cpu0
    failed = [r.error for r in results if not r.ok]
    if failed:
        raise RuntimeError(f"{way}: {len(failed)} job(s) failed: {failed[0]}")
    cluster.shutdown()
    return Way(way, placement, startup, wall, cpu, tuple(float(r.record.metrics["final_loss"]) for r in results))


def table(mix: Mix, ways: Sequence[Way]) -> str:
    default = next(w for w in ways if w.way == "default")
    head = ("| way | placement | start s | sweep s | s/job | CPU s | x default | max \\|dloss\\| |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|")
    return f"{mix.name}: {mix.about}\n\n{head}\n" + "\n".join(w.row(default, len(mix.configs)) for w in ways)


def main() -> None:
    import torch
    from _machine import machine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="epochs of the Y1-like jobs")
    parser.add_argument("--n-large", type=int, default=2000, help="MNIST images per Y1-like job")
    parser.add_argument("--n-small", type=int, default=512, help="MNIST images per K-like job")
    parser.add_argument("--order", default=",".join(WAYS),
                        help="ways to run, in this order (shared machines drift: alternate the order)")
    parser.add_argument("--mixes", default="Y1-like,K-like", help="mixes to run (Y1-like, K-like)")
    args = parser.parse_args()
    os.environ.setdefault("HESSBOOK_PROGRESS", "off")  # no per-epoch bars (the workers inherit it)
    os.environ.setdefault("HESSBOOK_DASHBOARD", "127.0.0.1:0")
    print(machine())
    from hessbook.data import load

    load("mnist", "train")  # decode the files once (torchvision), outside every timing
    threads = torch.get_num_threads()
    order = args.order.split(",")
    if "default" not in order:
        raise SystemExit("--order must include 'default': the ratios are against it")
    wanted = args.mixes.split(",")
    chosen = [m for m in mixes(args.epochs, args.n_large, args.n_small) if m.name in wanted]
    if len(chosen) != len(wanted):
        raise SystemExit(f"--mixes {args.mixes!r}: accepted Y1-like, K-like")
    tables = []
    for mix in chosen:
        ways = []
        for way in order:
            ways.append(run_way(way, mix, threads))
            print(f"{mix.name} {way} ({ways[-1].placement}): start {ways[-1].startup:.1f} s, "
                  f"sweep {ways[-1].wall:.1f} s", flush=True)
        tables.append(table(mix, ways))
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}\n")
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
