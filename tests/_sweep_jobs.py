"""Tiny jobs for tests/test_sweep.py, importable by the Dask workers (pickled by reference).

Each compute leaves a file ``<log>/<x>.<tag>.<uuid>`` when it *starts*, so a test counts how
often, and by which sweep, each job was computed. Run as a script, it is the client process
that tests/test_sweep.py kills midway:

    python tests/_sweep_jobs.py STORE LOG TAG CLUSTER N DELAY
"""

from __future__ import annotations

import functools
import os
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import torch

KIND = "sweep-test"


def square(x: int, log: str, tag: str = "", delay: float = 0.0, fail: bool = False) -> dict:
    Path(log).mkdir(parents=True, exist_ok=True)
    (Path(log) / f"{x}.{tag}.{uuid.uuid4().hex}").touch()
    if delay:
        time.sleep(delay)
    if fail:
        raise ValueError(f"job {x} refuses")
    return {"x": x, "square": x * x, "range": np.arange(x), "pid": os.getpid()}


def die(log: str) -> dict:
    """A job that kills its worker process after a moment, as the out-of-memory killer would."""
    Path(log).mkdir(parents=True, exist_ok=True)
    (Path(log) / f"die.{uuid.uuid4().hex}").touch()
    time.sleep(0.5)
    os._exit(137)


def train_summary(config, store_root: str) -> dict:
    """A real training run through the store, then one number about the trained model."""
    from hessbook.store import ResultStore
    from hessbook.train import train

    trained = train(config, ResultStore(store_root), device=torch.device("cpu"))
    return {"final_loss": trained.history[-1]["train_loss"], "epochs": trained.epochs,
            "stop_reason": trained.stop_reason}


def visible_devices() -> str:
    return os.environ.get("CUDA_VISIBLE_DEVICES", "")


def starts(log: str | Path, tag: str | None = None) -> dict[int, int]:
    """How many times each x was started (by sweeps tagged ``tag``, or by all)."""
    counts: dict[int, int] = {}
    for path in Path(log).glob("*.*.*"):
        x, t, _ = path.name.split(".")
        if tag is None or t == tag:
            counts[int(x)] = counts.get(int(x), 0) + 1
    return counts


def jobs(xs, log, tag="", delay=0.0, fail=()):
    from hessbook.sweep import Job

    return [Job(KIND, {"x": x}, functools.partial(square, x, str(log), tag, delay, x in fail), label=f"x={x}")
            for x in xs]


def main(argv: list[str]) -> None:
    from hessbook.store import ResultStore
    from hessbook.sweep import sweep

    store, log, tag, cluster, n, delay = argv
    results = sweep(jobs(range(int(n)), log, tag, float(delay)), ResultStore(store), cluster=cluster,
                    progress=False)
    print("finished", sum(r.ok for r in results), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])


def data_root_seen(x: int) -> dict:
    """The data root a worker sees when it runs the job."""
    return {"x": x, "data": os.environ.get("HESSBOOK_DATA", "")}
