"""Sweeps (issue 13): a grid of small training runs one at a time vs on an embedded Dask cluster.

Grid: 16 jobs, M1 (Y Table 6) on 2,000 MNIST training images (``DataSpec("mnist", n=2000,
subset_seed=s)``), batch {64, 128} x lr {0.01, 0.05} x subset seed {0, 1, 2, 3}, SGD with
momentum 0.9, ``--epochs`` epochs (default 3), train loss recorded every epoch. Each way runs
the whole grid on a fresh temporary store:

- serial: ``train()`` one job after another in this process, with torch threads = all cores
  (the default) and with 1 torch thread (what each cluster job gets here);
- ``sweep(cluster="local")`` with 2 workers of 1 thread (``HESSBOOK_WORKERS=2``), and with
  1 worker of 2 threads (``HESSBOOK_WORKERS=1 HESSBOOK_WORKER_THREADS=2``); the cores divided
  between the jobs that run at once for torch;
- where there are GPUs: one worker process per GPU vs serial on the GPU.

Cluster start-up (processes, imports on the workers) is timed apart from the sweep. The
engine's per-job overhead: empty jobs through the warm 2x1 cluster vs direct
``ResultStore.get_or_compute`` calls in this process. ``max |dloss|``: the largest difference
of a job's final training loss against the serial run with the same torch threads per job
(0: the same models). CPU s: CPU time of this process (serial) or of the workers. Run:

    HESSBOOK_DATA=/path/to/data PYTHONPATH=lib python bench/sweep.py [--epochs 3]
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
from dataclasses import dataclass

EMPTY_JOBS = 32


def train_job(config, root: str, device: str) -> dict:
    """One grid job: train through the store, return the final training loss."""
    import torch

    from hessbook.store import ResultStore
    from hessbook.train import train

    trained = train(config, ResultStore(root), device=torch.device(device))
    return {"final_loss": float(trained.history[-1]["train_loss"]), "train_seconds": trained.seconds}


def empty_job(i: int) -> dict:
    return {"i": i}


def grid(epochs: int, n: int):
    from hessbook.train import DataSpec, TrainConfig

    return [TrainConfig(model="m1", data=DataSpec("mnist", n=n, subset_seed=seed), batch_size=batch, lr=lr,
                        momentum=0.9, max_epochs=epochs, seed=seed, epoch_metrics=("train_loss",))
            for batch in (64, 128) for lr in (0.01, 0.05) for seed in range(4)]


def serial(configs, device: str, threads: int) -> tuple[float, float, list[float]]:
    """(wall seconds, CPU seconds, final losses) of the grid run here, one job after another,
    with ``threads`` torch threads."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with tempfile.TemporaryDirectory() as root:
            start, cpu = time.perf_counter(), time.process_time()
            losses = [train_job(c, root, device)["final_loss"] for c in configs]
            return time.perf_counter() - start, time.process_time() - cpu, losses
    finally:
        torch.set_num_threads(saved)


def _workers_cpu(client) -> float:
    return sum(client.run(time.process_time).values())


def start_cluster(workers: int | None, threads: int | None):
    """(backend, seconds): a fresh embedded cluster, its workers having imported the library."""
    from hessbook import cluster

    cluster.shutdown()
    for name, value in ((cluster.WORKERS_ENV, workers), (cluster.THREADS_ENV, threads)):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = str(value)
    start = time.perf_counter()
    active = cluster.backend(cluster.resolve("local"))
    active.client.run(lambda: __import__("hessbook.train") and None)
    return active, time.perf_counter() - start


def on_cluster(configs, device: str, client) -> tuple[float, float, list[float]]:
    """(wall seconds, CPU seconds of the workers, final losses) of the grid through sweep()."""
    from hessbook.store import ResultStore
    from hessbook.sweep import Job, sweep

    with tempfile.TemporaryDirectory() as root:
        jobs = [Job("bench-sweep", {"train": c}, functools.partial(train_job, c, root, device)) for c in configs]
        start, cpu = time.perf_counter(), _workers_cpu(client)
        results = sweep(jobs, ResultStore(root), cluster="local", progress=False)
        wall, cpu = time.perf_counter() - start, _workers_cpu(client) - cpu
    failed = [r.error for r in results if not r.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} job(s) failed: {failed[0]}")
    return wall, cpu, [float(r.record.metrics["final_loss"]) for r in results]


def overhead(n: int = EMPTY_JOBS) -> dict[str, float]:
    """Seconds per empty job: direct calls here, a one-job sweep, and n jobs through the cluster."""
    from hessbook.store import ResultStore
    from hessbook.sweep import Job, sweep

    out = {}
    with tempfile.TemporaryDirectory() as root:
        store = ResultStore(root)
        start = time.perf_counter()
        for i in range(n):
            store.get_or_compute("bench-empty", {"i": i}, functools.partial(empty_job, i))
        out["direct"] = (time.perf_counter() - start) / n
    with tempfile.TemporaryDirectory() as root:
        start = time.perf_counter()
        sweep([Job("bench-empty", {"i": -1}, functools.partial(empty_job, -1))], ResultStore(root),
              cluster="local", progress=False)
        out["one"] = time.perf_counter() - start
        start = time.perf_counter()
        sweep([Job("bench-empty", {"i": i}, functools.partial(empty_job, i)) for i in range(n)],
              ResultStore(root), cluster="local", progress=False)
        out["many"] = (time.perf_counter() - start) / n
    return out


WAYS = {"serial": "serial, one process", "serial1": "serial, one process, 1 torch thread",
        "2x1": (2, 1), "1x2": (1, 2)}


def run_way(name: str, configs, cores: int) -> Way:
    """Run the grid one way: ``serial`` (torch on all cores), ``serial1``, ``2x1`` or ``1x2``."""
    if name not in WAYS:
        raise SystemExit(f"--order: unknown way {name!r}; accepted: {', '.join(WAYS)}")
    if name.startswith("serial"):
        from hessbook import cluster

        cluster.shutdown()  # no idle workers beside the serial run
        threads = cores if name == "serial" else 1
        return Way(WAYS[name], "-", threads, 0.0, *serial(configs, "cpu", threads))
    workers, threads = WAYS[name]
    active, startup = start_cluster(workers, threads)
    return Way(f"LocalCluster, {workers} worker(s) x {threads} thread(s)", f"{workers} x {threads}",
               active.torch_threads, startup, *on_cluster(configs, "cpu", active.client))


def main() -> None:
    import torch
    from _machine import machine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=2000, help="MNIST training images per job")
    parser.add_argument("--order", default="serial,serial1,2x1,1x2",
                        help="ways to run, in this order (shared machines drift: alternate the order)")
    args = parser.parse_args()
    os.environ.setdefault("HESSBOOK_PROGRESS", "off")  # no per-epoch bars (the workers inherit it)
    print(machine())
    configs = grid(args.epochs, args.n)
    print(f"grid: {len(configs)} jobs, M1 on {args.n} MNIST images, {args.epochs} epoch(s), "
          "batch {64, 128} x lr {0.01, 0.05} x subset seed {0..3}; a fresh store for each way", flush=True)
    from hessbook.data import load

    load("mnist", "train")  # decode the files once (torchvision), outside every timing
    cores = torch.get_num_threads()
    ways, cost = [], {}
    for name in args.order.split(","):
        ways.append(run_way(name, configs, cores))
        print(ways[-1].line(), flush=True)
        if name == "2x1":
            cost = overhead()  # on the warm 2x1 cluster
    gpu = torch.cuda.device_count()
    if gpu:
        ways.append(Way("serial on the GPU", "-", cores, 0.0, *serial(configs, "cuda", cores)))
        active, startup = start_cluster(None, None)
        ways.append(Way(f"one process per GPU ({gpu})", f"{gpu} x 1", active.torch_threads, startup,
                        *on_cluster(configs, "cuda", active.client)))
    from hessbook import cluster

    cluster.shutdown()
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}\n")
    print(f"{'way':<40} {'procs x thr':>11} {'torch thr':>9} {'start s':>8} {'sweep s':>8} {'s/job':>6} "
          f"{'speed-up':>8} {'CPU s':>7} {'max |dloss|':>11}")
    serial_rows = {w.torch_threads: w for w in ways if w.name.startswith("serial, ")}
    base = serial_rows.get(cores, ways[0])
    for way in ways:
        if way.name.startswith(("serial on the GPU", "one process per GPU")):
            print(way.row(ways[-2], ways[-2], len(configs)))
        else:  # losses against the serial run with the same torch threads per job, if any
            print(way.row(base, serial_rows.get(way.torch_threads, base), len(configs)))
    print()
    if cost:
        print(f"engine overhead per empty job: direct get_or_compute {1e3 * cost['direct']:.1f} ms; "
              f"{EMPTY_JOBS} jobs through the 2x1 cluster {1e3 * cost['many']:.1f} ms per job "
              f"(+{1e3 * (cost['many'] - cost['direct']):.1f} ms); a one-job sweep {1e3 * cost['one']:.0f} ms")
    if not gpu:
        print("GPU: none here (one process per GPU vs serial not measured)")


@dataclass(frozen=True)
class Way:
    """One way of running the grid and what it measured."""

    name: str
    shape: str
    torch_threads: int | None
    startup: float
    wall: float
    cpu: float
    losses: list[float]

    def line(self) -> str:
        return f"{self.name}: {self.wall:.1f} s wall, {self.cpu:.1f} CPU s (start-up {self.startup:.1f} s)"

    def row(self, base: Way, same_threads: Way, jobs: int) -> str:
        """Speed-up against ``base``; loss differences against ``same_threads``."""
        diff = max(abs(a - b) for a, b in zip(self.losses, same_threads.losses))
        return (f"{self.name:<40} {self.shape:>11} {self.torch_threads or '-':>9} {self.startup:>8.1f} "
                f"{self.wall:>8.1f} {self.wall / jobs:>6.2f} {base.wall / self.wall:>8.2f} {self.cpu:>7.1f} "
                f"{diff:>11.1e}")


if __name__ == "__main__":
    main()
