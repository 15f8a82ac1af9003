"""A plan before a long run (issue 28): per chapter, the stored jobs a build would run, how many
are already in the result store, and an estimate of the time the rest takes on this machine.

    python -m hessbook.build --plan [--scale gpu] [--chapters y1 k1]     # make book PLAN=1

Nothing runs and nothing is written: each chapter's ``jobs(P)`` lists the jobs its ``run`` computes
(:mod:`hessbook.kit.jobs`: each job's fields are its store key, so the plan and the run cannot
disagree on it), and
the store is only read (an entry counts as stored when its ``COMPLETE.json`` is there).

A job is **stored**, **shared** (listed before in the same build, so computed once: K2 shares
K1's momentum-0 runs, K1's LR/BS at B = 64 is its LR run), without its dataset here (**no
data**: the build skips it, or stops), or **to compute**. A job to compute costs its own work
plus its trainings that are neither stored nor trained by a job listed before it (Y2 and Y4
examine Y1's networks), each estimated from what the ``basis`` column names:

``stored here``
    its own work: the median of the stored jobs of the same kind in this plan (same scale),
    the closest match first (same model, dataset, adversary, per-epoch metrics, batch size and
    training-set size; then fewer of those; then any), each the recorded ``meta["seconds"]``
    less the trainings it ran itself (the training entries written while it computed);
``other runs``
    the same from the kind's entries in the store that this plan does not list (other
    parameters or scales);
``stored trainings``
    a training: the median seconds per sample of the store's trainings of the closest match,
    times the samples it is expected to take (its budget: epochs x n or iterations x batch;
    with a loss target, the steps stored trainings of the model took to reach one);
``probe``
    a training: a short probe on this machine, a few SGD steps
    (:func:`hessbook.train.train_step`, with the adversary of adversarial training) of the
    network at its batch size on random inputs with the placement's torch threads, times its
    samples, plus its per-epoch evaluations (timed apart: forward passes at the engine's pass
    size). A job's exact Hessians (``Planned.dense_hessians``: S2-S4) are probed too: one pass of
    products of the network and two ``eigvalsh`` (:func:`probe_hessian`, basis ``probe
    hessian``), and so are the forward passes and Hessian-vector products a job declares on its
    trained networks (``Planned.network_work``: Y2's lines, surfaces and Lanczos; the evaluation
    rate of the training probe and :func:`probe_product`, basis ``probe work``). Other work
    besides training is not probed: with no stored job of the kind it is
    :data:`REST_PER_TRAINING` times the job's trainings (the cpu book's average), so jobs heavy
    in attacks or Lanczos runs they do not declare (Y4, Y5's spectra) are underestimated and
    training-heavy ones overestimated;
``none``
    nothing to go on: counted as 0.

Trainings trained many as one (:mod:`hessbook.train_grouped`: the build groups a chapter's
trainings of one shape, :func:`~hessbook.train_grouped.partition`) are estimated from a probe of
the group (:func:`probe_group`, one grouped step of the stacked networks): each member's
probed cost divided by the group's measured speed-up (basis ``+ grouped``).

Jobs on the sweep share the workers of the placement in force (:func:`hessbook.cluster.placed`);
jobs the chapter computes in the kernel run one after another. Every chapter adds
:data:`CHAPTER_OVERHEAD_S` (kernel start, imports, figures).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import importlib
import json
import math
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hessbook.store import ResultStore, canonical_json, result_key

CHAPTER_OVERHEAD_S = 8.0
"""Seconds per chapter besides its jobs (a kernel, imports, loading the stored results, figures):
a rebuild of the 16-chapter cpu book from a complete store takes about 2 minutes (README)."""
PROBE_WARMUP = 2
"""Untimed SGD steps before a probe's timing (first calls build kernels and allocate)."""
PROBE_STEPS = 3
"""Timed SGD steps per probe: their median counts (robust to another process's burst)."""
LOSS_TARGET_STEPS = 1000
"""Steps a training with a ``loss_target`` is expected to take to reach it (capped by its
budget) when the store has no such training of the same model: Y1's cpu trainings (loss target
1e-3 on 2,000 images) stopped after 680-4,500 steps, about 1,000 for every batch size of M1
(22,400 to 571,392 samples): the target is reached after a number of steps, not of samples."""
PROBE_MAX_BATCH = 256
"""Probes run at most this batch size and scale the time per sample (steps at large batches
cost in proportion to the batch on a CPU)."""
REST_PER_TRAINING = 0.63
"""A job's work besides training (Hessians, attacks, evaluations), as a multiple of its
trainings, where no stored job of its kind says better: the cpu book's stored jobs spent 89.8
min on it against 141.9 min training (0.63; per chapter from 0.03 for Y6 to 15 for S2's exact
Hessians, so one chapter's estimate can be far off while the book's total holds)."""
PROBE_MAX_SAMPLES = 1024
"""A Hessian-vector-product probe (:func:`probe_product`) runs on at most this many inputs and
scales its time linearly beyond (a product's cost grows with its samples)."""
EVAL_COST = 1 / 3
"""A forward pass over a sample (an evaluation) as a fraction of a training step's cost, where a
probe did not time one (:attr:`Probe.eval_per_sample`)."""
SYNTHETIC = ("gaussian_clusters", "logistic_blobs")
IMAGE_SHAPES = {"mnist": ((1, 28, 28), 10), "fashion_mnist": ((1, 28, 28), 10), "cifar10": ((3, 32, 32), 10),
                "cifar100": ((3, 32, 32), 100)}
STATES = ("stored", "shared", "no data", "to compute")


# ----------------------------------------------------------------------------- what a key says


def plain(key: Any) -> Any:
    """A store key as the JSON tree the store hashes (dataclasses as dicts)."""
    return json.loads(canonical_json(key))


def _is_training(node: Any) -> bool:
    return isinstance(node, dict) and {"model", "batch_size", "data", "lr"} <= set(node)


def trainings(tree: Any) -> list[dict]:
    """The training configurations (``TrainConfig`` as plain dicts) inside a key's tree."""
    if _is_training(tree):
        return [tree]
    if isinstance(tree, dict):
        return [t for v in tree.values() for t in trainings(v)]
    if isinstance(tree, list):
        return [t for v in tree for t in trainings(v)]
    return []


def datasets(tree: Any) -> set[str]:
    """The real datasets (not synthetic) a key's trainings read."""
    names = set()
    for t in trainings(tree):
        for spec in (t.get("data"), t.get("eval_data"), t.get("init_from")):
            if isinstance(spec, dict) and "name" in spec and "split" in spec:
                names.add(spec["name"])
            elif _is_training(spec):
                names |= datasets(spec)
    return {n for n in names if n not in SYNTHETIC}


def _n_train(data: Mapping[str, Any]) -> int | None:
    name = data.get("name")
    if name in SYNTHETIC:
        options = data.get("options") or {}
        return int(options["n"]) if "n" in options else None
    if data.get("n"):
        return int(data["n"])
    from hessbook.data import TEST_SIZES, TRAIN_SIZES  # torch: imported when a plan needs it

    if name not in TRAIN_SIZES:
        return None
    return TEST_SIZES[name] if data.get("split") == "test" else TRAIN_SIZES[name]


def expected_samples(t: Mapping[str, Any], steps_to_target: float = LOSS_TARGET_STEPS) -> float | None:
    """Training samples a configuration is expected to take: its budget, or with a
    ``loss_target`` the ``steps_to_target`` steps (at most the budget)."""
    budget = train_samples(t)
    if budget is None or not t.get("loss_target"):
        return budget
    return min(budget, steps_to_target * t["batch_size"])


def train_samples(t: Mapping[str, Any]) -> float | None:
    """Training samples a configuration's budget allows: epochs x n, or iterations x batch."""
    n = _n_train(t["data"])
    by_epochs = t["max_epochs"] * n if t.get("max_epochs") and n else None
    by_steps = t["max_iterations"] * t["batch_size"] if t.get("max_iterations") else None
    found = [v for v in (by_epochs, by_steps) if v is not None]
    return float(min(found)) if found else None


SIGNATURE_LEVELS = 4
"""How many ways two trainings can match (:func:`_signature`), closest first."""


def _signature(t: Mapping[str, Any], level: int) -> tuple:
    """How closely two trainings match: 0 model (with its arguments: a narrower network costs
    less), dataset, adversary, per-epoch metrics, batch size and training-set size (a per-epoch
    Hessian costs more per sample on a small set); 1 all but the set size; 2 all but the batch size
    too; 3 model, dataset and adversary."""
    base = (t["model"], canonical_json(t.get("model_kwargs") or {}), t["data"].get("name"), bool(t.get("adversary")))
    metrics = tuple(t.get("epoch_metrics") or ())
    return (base + (metrics, t["batch_size"], _n_train(t["data"])), base + (metrics, t["batch_size"]),
            base + (metrics,), base)[level]


def dataset_present(name: str, root: Path) -> bool:
    """Whether ``name``'s files are under ``root`` in torchvision's layout (an MNIST ``.gz`` or the
    file extracted from it), without loading (or downloading) anything."""
    from hessbook.data import _TORCHVISION

    if name not in _TORCHVISION:
        return True
    for rel in _TORCHVISION[name][1]:
        path = root / rel
        if not (path.is_file() or (path.suffix == ".gz" and path.with_suffix("").is_file())):
            return False
    return True


# ----------------------------------------------------------------------------- the store, read only


@dataclass(frozen=True)
class Entry:
    """A complete entry of the store: its parameters, recorded seconds and creation time."""

    kind: str
    key: str
    params: Any
    seconds: float
    created: float | None = None
    """When it was written (seconds since the epoch; the computation ended then)."""


def _entry(kind: str, folder: Path, params: Any = None) -> Entry | None:
    if not (folder / "COMPLETE.json").is_file():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if params is None:
            params = json.loads((folder / "params.json").read_text())
    except (OSError, ValueError):
        return None
    try:
        created = datetime.datetime.strptime(str(meta.get("created")), "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        created = None
    return Entry(kind, str(meta.get("key", "")), params, float(meta.get("seconds", 0.0)), created)


def stored_entry(store: ResultStore, kind: str, tree: Any) -> Entry | None:
    """The complete entry of ``(kind, tree)``, or None; reads, never writes (no quarantine)."""
    return _entry(kind, store.root / kind / result_key(kind, tree)[:24], tree)


def entries_of(store: ResultStore, kind: str) -> list[Entry]:
    """Every complete entry of ``kind`` in the store, with its parameters."""
    folder = store.root / kind
    found = (_entry(kind, done.parent) for done in sorted(folder.glob("*/COMPLETE.json"))) if folder.is_dir() else ()
    return [e for e in found if e is not None]


def trained_samples(store: ResultStore, entry: Entry) -> float | None:
    """Samples a stored training went through (its iterations x batch size)."""
    with _suppress():
        done = json.loads((store.root / "train" / entry.key[:24] / "metrics.json").read_text())
        return float(done["iterations"]) * entry.params["batch_size"]
    return None


# ----------------------------------------------------------------------------- the probe


@dataclass(frozen=True)
class Probe:
    """Seconds per training sample of one network at one batch size on this machine."""

    per_sample: float
    batch: int
    device: str
    eval_per_sample: float | None = None
    """Seconds per sample of an evaluation's forward passes (no gradients, the engine's pass size:
    :func:`hessbook.train.forward_batch`), which cost far less per sample than a small batch's step."""


def _device(device: Any) -> Any:
    """The probe's device: the one given, else CUDA where there is one, else the CPU."""
    import torch

    return device or torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def _seeded(device: Any) -> Iterator[None]:
    """Torch's generators seeded 0 while a probe makes up its network and inputs (the CPU's and,
    on a GPU, that device's); restored after."""
    import torch

    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(0)
        yield


@contextlib.contextmanager
def _probing(threads: int | None) -> Iterator[None]:
    """Torch on ``threads`` threads (the placement's) while a probe runs; restored after."""
    import torch

    saved = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def probe_training(t: Mapping[str, Any], device: Any = None, threads: int | None = None) -> Probe | None:
    """The median of :data:`PROBE_STEPS` SGD steps (after :data:`PROBE_WARMUP`) of training
    ``t``'s network at its batch size (at most :data:`PROBE_MAX_BATCH`) on random inputs, with
    ``threads`` torch threads (the placement's); None when its inputs cannot be made up here.
    Nothing is stored; torch's global generator and thread count are left as they were."""
    inputs = _probe_inputs(t["data"])
    if inputs is None:
        return None
    with _probing(threads):
        return _probe(t, *inputs, min(int(t["batch_size"]), PROBE_MAX_BATCH), _device(device))


def _probe_inputs(data: Mapping[str, Any]) -> tuple[tuple[int, ...], int] | None:
    """(input shape, classes) of random inputs like a training's data; None when they cannot be
    made up here."""
    name = data.get("name")
    if name in IMAGE_SHAPES:
        return IMAGE_SHAPES[name]
    if name == "gaussian_clusters" and {"d", "k"} <= set(data.get("options") or {}):
        return (int(data["options"]["d"]),), int(data["options"]["k"])
    return None


def _median_seconds(fn: Callable[[], Any], device: Any, warmup: int = PROBE_WARMUP,
                    repeats: int = PROBE_STEPS) -> float:
    """Median wall seconds of ``repeats`` calls of ``fn`` after ``warmup`` untimed ones, the device
    synchronized around each (a CUDA call returns before its kernels finish)."""
    import torch

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _probe(t: Mapping[str, Any], shape: tuple[int, ...], classes: int, batch: int, device: Any) -> Probe:
    import torch

    from hessbook.models import build_model
    from hessbook.train import bind_adversary, train_step

    with _seeded(device):
        model = build_model(t["model"], **dict(t.get("model_kwargs") or {})).to(device)
        x = torch.rand(batch, *shape, device=device)
        y = torch.randint(0, classes, (batch,), device=device)
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=float(t.get("momentum") or 0.0))
        adversary = bind_adversary(t["adversary"], t.get("adversary_params") or {}) if t.get("adversary") else None
        kwargs = {"adversary": adversary, "adversary_mix": float(t.get("adversary_mix", 1.0))} if adversary else {}
        step = _median_seconds(lambda: train_step(model, opt, x, y, **kwargs), device)
        eval_per_sample = _probe_evaluation(model, shape, device)
    return Probe(step / batch, batch, str(device), eval_per_sample)


def _probe_evaluation(model: Any, shape: tuple[int, ...], device: Any) -> float:
    """Seconds per sample of forward passes without gradients at the engine's evaluation pass size
    (median of :data:`PROBE_STEPS` after :data:`PROBE_WARMUP`)."""
    import torch

    from hessbook.train import forward_batch

    model.eval()
    n = forward_batch(model, torch.rand(1, *shape, device=device))
    x = torch.rand(n, *shape, device=device)
    with torch.no_grad():
        return _median_seconds(lambda: model(x), device) / n


def train_config_of(t: Mapping[str, Any]) -> Any:
    """The :class:`~hessbook.train.TrainConfig` of a training's key tree, or None when the tree
    is not one this version of the engine reads."""
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    try:
        data = {k: DataSpec(**t[k]) if isinstance(t.get(k), Mapping) else t.get(k) for k in ("data", "eval_data")}
        return TrainConfig(**{**t, **data, "epoch_metrics": tuple(t.get("epoch_metrics") or ())})
    except (TypeError, ValueError, KeyError):
        return None


def probe_group(t: Mapping[str, Any], size: int, device: Any = None, threads: int | None = None) -> float | None:
    """Seconds per training sample *per member* of ``size`` networks of training ``t`` trained
    as one (:class:`hessbook.train_grouped.GroupedNet`, one grouped SGD step on random inputs,
    median of :data:`PROBE_STEPS` after :data:`PROBE_WARMUP`), as :func:`probe_training` does for
    one network; None when its inputs cannot be made up here."""
    name = t["data"].get("name")
    if name not in IMAGE_SHAPES:
        return None
    shape, classes = IMAGE_SHAPES[name]
    with _probing(threads):
        return _probe_group(t, size, shape, classes, min(int(t["batch_size"]), PROBE_MAX_BATCH), _device(device))


def _probe_group(t: Mapping[str, Any], size: int, shape: tuple[int, ...], classes: int, batch: int,
                 device: Any) -> float:
    import torch
    import torch.nn.functional as F

    from hessbook.models import build_model
    from hessbook.train_grouped import GroupedNet, GroupedSGD

    with _seeded(device):
        nets = [build_model(t["model"], **dict(t.get("model_kwargs") or {})) for _ in range(size)]
        net = GroupedNet(nets[0], [n.state_dict() for n in nets], len(shape), device)
        momentum = float(t.get("momentum") or 0.0)
        opt = GroupedSGD(net.params, [momentum] * size, [0.0] * size)
        x = torch.rand(batch, size, *shape, device=device)
        y = torch.randint(0, classes, (size, batch), device=device)
        ones = torch.ones((), device=device)

        def step() -> None:
            out = net.forward(x, True, lambda s, p: [ones.expand(s) / (1 - p)] * size)
            losses = F.cross_entropy(out.reshape(size * batch, -1), y.reshape(-1), reduction="none")
            grads = torch.autograd.grad(losses.view(size, batch).mean(1).sum(), net.params)
            opt.step(net.params, grads, [1e-3] * size)

        return _median_seconds(step, device) / (batch * size)


EIGH_PROBE_SIZE = 2048
"""The order of the symmetric matrix whose ``eigvalsh`` a Hessian probe times, and half of it: the
time of another order is extrapolated with the exponent the two give (at most 3, the flops of the
tridiagonal reduction; on 2 CPU cores it was 2.3-2.4 between 512 and 4,096: larger matrices run
at more flops per second)."""


@dataclass(frozen=True)
class HessianProbe:
    """What an exact Hessian of one network costs on this machine: seconds per product column per
    sample (one pass of the operator's default columns, as ``to_dense`` runs it) and an
    ``eigvalsh`` of order :data:`EIGH_PROBE_SIZE` in float64, for ``params`` parameters."""

    per_column_sample: float
    eigh_seconds: float
    params: int
    eigh_exponent: float = 3.0
    """How ``eigvalsh``'s time grows with the order on this machine (measured, in [2, 3])."""

    def estimate(self, samples: int) -> float:
        """Seconds of the ``params x params`` matrix on ``samples`` inputs and its eigenvalues."""
        return (self.per_column_sample * self.params * samples
                + self.eigh_seconds * (self.params / EIGH_PROBE_SIZE) ** self.eigh_exponent)


def probe_hessian(h: Any, device: Any = None, threads: int | None = None) -> HessianProbe | None:
    """Time one pass of Hessian-vector products (the operator's default columns per pass) of the
    network of ``h.train`` on random inputs of its data's shape, as many as one of the job's
    batches (the products' method follows: retained graph for one batch, else recomputed), and an
    ``eigvalsh``; None when the inputs cannot be made up here. Torch's global state is left as it was."""
    t = plain(h.train)
    inputs = _probe_inputs(t["data"])
    if inputs is None:
        return None
    with _probing(threads):
        return _probe_hessian(t, h, *inputs, _device(device))


def _probe_hessian(t: Mapping[str, Any], h: Any, shape: tuple[int, ...], classes: int, device: Any) -> HessianProbe:
    import torch

    from hessbook.curvature.operators import HessianOperator
    from hessbook.models import build_model, num_parameters

    batch = min(h.samples, h.batch or h.samples)
    with _seeded(device):
        model = build_model(t["model"], **dict(t.get("model_kwargs") or {})).to(device)
        x = torch.rand(batch, *shape, device=device)
        y = torch.randint(0, classes, (batch,), device=device)
        method = "auto" if batch == h.samples else "fwdrev"
        op = HessianOperator(model, (x, y), dtype=getattr(torch, h.dtype), device=device, method=method)
        params = num_parameters(model)
        columns = min(params, op.dense_chunk())
        E = torch.zeros(params, columns, dtype=torch.float64, device=device)
        E[torch.arange(columns), torch.arange(columns)] = 1.0
        products = _median_seconds(lambda: op.matmat(E), device)
        threads = torch.get_num_threads()
        eigh = {n: _time_eigvalsh(n, str(device), threads) for n in (EIGH_PROBE_SIZE // 2, EIGH_PROBE_SIZE)}
    exponent = min(3.0, max(2.0, math.log2(eigh[EIGH_PROBE_SIZE] / eigh[EIGH_PROBE_SIZE // 2])))
    return HessianProbe(products / (columns * batch), eigh[EIGH_PROBE_SIZE], params, exponent)


def probe_product(t: Mapping[str, Any], samples: int, batch: int | None = None, device: Any = None,
                  threads: int | None = None) -> float | None:
    """Median seconds of one Hessian-vector product (a Lanczos step: one vector, float32, eval
    mode) of training ``t``'s network over ``samples`` random inputs of its data's shape, ``batch``
    at a time (None: all at once), the way the job's operator computes it: through the retained
    graph when the samples are one batch, else by forward-over-reverse. At most
    :data:`PROBE_MAX_SAMPLES` inputs are timed (one batch's worth), scaled linearly beyond; None
    when the inputs cannot be made up here. Torch's global state is left as it was."""
    inputs = _probe_inputs(t["data"])
    if inputs is None or samples <= 0:
        return None
    with _probing(threads):
        return _probe_product(t, samples, batch or samples, *inputs, _device(device))


def _probe_product(t: Mapping[str, Any], samples: int, batch: int, shape: tuple[int, ...], classes: int,
                   device: Any) -> float:
    import torch

    from hessbook.curvature.operators import HessianOperator
    from hessbook.models import build_model

    n = min(samples, batch, PROBE_MAX_SAMPLES)
    with _seeded(device):
        model = build_model(t["model"], **dict(t.get("model_kwargs") or {})).to(device).eval()
        x = torch.rand(n, *shape, device=device)
        y = torch.randint(0, classes, (n,), device=device)
        op = HessianOperator(model, (x, y), device=device, method="auto" if samples <= batch else "fwdrev")
        v = torch.randn(op.num_params, device=device)
        return _median_seconds(lambda: op.matvec(v), device) * samples / n


@functools.lru_cache(maxsize=None)
def _time_eigvalsh(n: int, device_name: str, threads: int) -> float:
    """Seconds of one float64 ``eigvalsh`` of order ``n`` on ``device_name`` with ``threads`` torch
    threads (after one untimed); once per process: it does not depend on the network."""
    import torch

    device = torch.device(device_name)
    a = torch.rand(n, n, dtype=torch.float64, device=device)
    a = a + a.T
    return _median_seconds(lambda: torch.linalg.eigvalsh(a), device, warmup=1, repeats=1)


def _records(t: Mapping[str, Any], samples: float) -> float:
    """How many times the training's history is recorded (each an evaluation of its metrics)."""
    if t.get("record_every"):
        return (samples / (t["batch_size"] * t["record_every"]) + len(t.get("record_also") or ())
                + len(t.get("record_below") or ()))
    n = _n_train(t["data"]) or 1
    return samples / n


def probe_estimate(t: Mapping[str, Any], probe: Probe, samples: float | None = None) -> float:
    """Seconds of training ``t`` from a probe: its steps (``samples``, default its budget), and its
    per-record evaluations (each metric a forward pass over the training or the test subset;
    others over the training subset; with a loss target the training loss, as the engine does)."""
    samples = samples if samples is not None else (train_samples(t) or 0.0)
    n = _n_train(t["data"]) or 0
    n_eval = _n_train(t["eval_data"]) if isinstance(t.get("eval_data"), dict) else n
    metrics = list(t.get("epoch_metrics") or ())
    if t.get("loss_target") and "train_loss" not in metrics:
        metrics.insert(0, "train_loss")  # the engine evaluates it every record to check the target
    evaluated = sum((n_eval or 0) if m.startswith("test_") else n for m in metrics)
    if "train_loss" in metrics and "train_acc" in metrics:
        evaluated -= n  # one pass gives both
    if "test_loss" in metrics and "test_acc" in metrics:
        evaluated -= n_eval or 0
    per_evaluated = probe.eval_per_sample if probe.eval_per_sample is not None else probe.per_sample * EVAL_COST
    return probe.per_sample * samples + _records(t, samples) * evaluated * per_evaluated


# ----------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class JobPlan:
    """One planned job: its state (:data:`STATES`), seconds (recorded when stored, estimated when
    to compute, else 0) and the basis of the figure."""

    label: str
    kind: str
    state: str
    seconds: float
    basis: str
    inline: bool = False
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChapterPlan:
    chapter: str
    jobs: tuple[JobPlan, ...]
    workers: int
    """Workers the chapter's sweep jobs share (1: in-process)."""
    overhead: float = CHAPTER_OVERHEAD_S

    def count(self, state: str) -> int:
        return sum(j.state == state for j in self.jobs)

    @property
    def seconds(self) -> float:
        """Estimated wall seconds of what is to compute, with the chapter's overhead."""
        todo = [j for j in self.jobs if j.state == "to compute"]
        swept = [j.seconds for j in todo if not j.inline]
        parallel = max(sum(swept) / max(1, self.workers), max(swept, default=0.0))
        return parallel + sum(j.seconds for j in todo if j.inline) + self.overhead

    @property
    def recorded(self) -> float:
        """Seconds the stored jobs took when they were computed (their ``meta["seconds"]``, with
        the trainings trained before them: :meth:`_Estimator.recorded`)."""
        return sum(j.seconds for j in self.jobs if j.state == "stored")

    @property
    def basis(self) -> str:
        counts: dict[str, int] = {}
        for j in self.jobs:
            if j.state == "to compute":
                counts[j.basis] = counts.get(j.basis, 0) + 1
        return ", ".join(f"{b} {n}" for b, n in counts.items()) or "-"


@dataclass(frozen=True)
class Plan:
    scale: str
    store: Path
    placement: str
    chapters: tuple[ChapterPlan, ...]
    empty: bool = False
    """Estimated as if the store were empty (every job by the probe)."""

    @property
    def minutes(self) -> float:
        return sum(c.seconds for c in self.chapters) / 60

    def table(self) -> str:
        """The plan as the terminal shows it."""
        head = (f"| {'chapter':<7} | {'jobs':>5} | {'stored':>6} | {'shared':>6} | {'no data':>7} | "
                f"{'to compute':>10} | {'est. min':>8} | {'recorded min':>12} | basis of the estimates")
        rule = "|" + "|".join("-" * (len(c) + 0) for c in head.split("|")[1:])
        lines = [head, rule]
        for c in self.chapters:
            lines.append(f"| {c.chapter:<7} | {len(c.jobs):>5} | {c.count('stored'):>6} | {c.count('shared'):>6} | "
                         f"{c.count('no data'):>7} | {c.count('to compute'):>10} | {c.seconds / 60:>8.1f} | "
                         f"{c.recorded / 60:>12.1f} | {c.basis}")
        total = {s: sum(c.count(s) for c in self.chapters) for s in STATES}
        lines.append(f"| {'total':<7} | {sum(len(c.jobs) for c in self.chapters):>5} | {total['stored']:>6} | "
                     f"{total['shared']:>6} | {total['no data']:>7} | {total['to compute']:>10} | "
                     f"{self.minutes:>8.1f} | {sum(c.recorded for c in self.chapters) / 60:>12.1f} |")
        missing = sorted({m for c in self.chapters for j in c.jobs for m in j.missing})
        notes = [f"[hessbook] plan for scale {self.scale}: store {self.store}"
                 + (" (ignored: estimated as if empty)" if self.empty else ""),
                 f"[hessbook] jobs: {self.placement}",
                 "", *lines, "",
                 f"[hessbook] estimated {self.minutes:.1f} min on this machine for what is to compute, with "
                 f"{CHAPTER_OVERHEAD_S:g} s per chapter; 'recorded' is what the stored jobs took when computed, "
                 "their trainings included; "
                 "nothing was run (python -m hessbook.build without --plan runs it)"]
        if missing:
            notes.append(f"[hessbook] datasets not in the data root: {', '.join(missing)} (their jobs: 'no data')")
        return "\n".join(notes)


def chapter_plan_jobs(chapter: str) -> Callable[[Any], list]:
    """What a chapter's ``run`` computes, as the plan's lines: its ``jobs(P)``
    (:mod:`hessbook.kit.jobs`; in its module, or its ``compute`` module)."""
    from hessbook.registry import chapter_module
    from hessbook.kit.jobs import planned

    module = chapter_module(chapter)
    found = getattr(module, "jobs", None)
    if not callable(found) and hasattr(module, "__path__"):
        found = getattr(importlib.import_module(f"{module.__name__}.compute"), "jobs", None)
    if not callable(found):
        raise AttributeError(f"chapter {chapter} has no jobs(P): add one next to its run()")
    return lambda P: planned(found(P))


@dataclass
class _Estimator:
    """The cost model. A job's estimate is its own work besides training (the median of its
    stored siblings': their recorded seconds less the trainings they ran) plus its trainings
    that are neither stored nor trained by a job planned before (stored trainings' seconds per
    sample times the samples expected, else the probe)."""

    store: ResultStore
    probe: bool
    empty: bool
    threads: int | None = None
    """Torch threads of a probe: what each job of the placement gets."""
    siblings: dict[str, list[tuple[Any, float]]] = field(default_factory=dict)
    """kind -> (key tree, seconds besides training) of this plan's stored jobs."""
    planned: set[tuple[str, str]] = field(default_factory=set)
    covered: set[str] = field(default_factory=set)
    """Keys of trainings stored, or trained by a job planned before."""
    others: dict[str, list[tuple[Any, float]]] = field(default_factory=dict)
    hessian_probes: dict[str, Any] = field(default_factory=dict)
    rates: list[tuple[dict, float]] | None = None
    """(training, seconds per sample) of the store's trainings."""
    probes: dict[str, Probe | None] = field(default_factory=dict)
    targets: list[tuple[dict, float]] | None = None
    """(training, steps it took to reach its loss target) of the store's trainings with one."""
    costed: list[tuple[Mapping[str, Any], float]] = field(default_factory=list)
    """(training, estimated seconds alone) of the trainings :meth:`estimate` costed by a probe."""
    speedups: dict[tuple[str, int], float] = field(default_factory=dict)
    counted: set[str] = field(default_factory=set)
    """Keys of stored trainings whose seconds a stored job's recorded time holds (:meth:`recorded`)."""

    # trainings -------------------------------------------------------------------------
    def _trainings(self) -> list[tuple[dict, float]]:
        if self.rates is None:
            self.rates, self.targets = [], []
            for e in ([] if self.empty else entries_of(self.store, "train")):
                samples = trained_samples(self.store, e) if _is_training(e.params) else None
                if samples:
                    self.rates.append((e.params, e.seconds / samples))
                    if e.params.get("loss_target") and e.params.get("batch_size"):
                        self.targets.append((e.params, samples / e.params["batch_size"]))
        return self.rates

    def steps_to_target(self, t: Mapping[str, Any]) -> float:
        """Steps training ``t`` (with a loss target) is expected to take to reach it: the median of
        the store's trainings with the same loss target that match it most closely (:func:`_signature`:
        the same model, data, adversary, metrics, batch size and set size first; the steps to a
        loss depend on the batch and the set, and Y1's and Y3's networks share models), else of
        the same model, else of any, else :data:`LOSS_TARGET_STEPS`."""
        self._trainings()
        assert self.targets is not None
        alike = [(p, steps) for p, steps in self.targets if p.get("loss_target") == t.get("loss_target")]
        for level in range(SIGNATURE_LEVELS):
            sig = _signature(t, level)
            found = [steps for p, steps in alike if _signature(p, level) == sig]
            if found:
                return statistics.median(found)
        found = [steps for p, steps in alike if p.get("model") == t.get("model")] or [steps for _, steps in alike]
        return statistics.median(found) if found else LOSS_TARGET_STEPS

    def samples(self, t: Mapping[str, Any]) -> float | None:
        return expected_samples(t, self.steps_to_target(t) if t.get("loss_target") else LOSS_TARGET_STEPS)

    def training_done(self, t: Mapping[str, Any]) -> bool:
        key = result_key("train", t)
        if key in self.covered:
            return True
        if not self.empty and stored_entry(self.store, "train", t) is not None:
            self.covered.add(key)
            return True
        return False

    def training_cost(self, t: Mapping[str, Any]) -> tuple[float, str]:
        """Seconds of one training and the basis: ``stored trainings`` or ``probe`` (``none``)."""
        samples = self.samples(t) or 0.0
        for level in range(SIGNATURE_LEVELS - 1):
            sig = _signature(t, level)
            found = [rate for p, rate in self._trainings() if _signature(p, level) == sig]
            if found:
                return statistics.median(found) * samples, "stored trainings"
        if not self.probe:
            return 0.0, "none"
        key = _probe_key(t)
        if key not in self.probes:
            self.probes[key] = probe_training(t, threads=self.threads)
        probe = self.probes[key]
        return (probe_estimate(t, probe, samples), "probe") if probe is not None else (0.0, "none")

    def group_speedup(self, t: Mapping[str, Any], size: int) -> float:
        """How many times faster ``size`` networks of training ``t``'s shape train as one than
        one by one on this machine: a probe of both (:func:`probe_group`); 1 without a probe."""
        key = (_probe_key(t), size)
        if key not in self.speedups:
            if self.probe and key[0] not in self.probes:
                self.probes[key[0]] = probe_training(t, threads=self.threads)
            single = self.probes.get(key[0]) if self.probe else None
            grouped = probe_group(t, size, threads=self.threads) if single is not None else None
            self.speedups[key] = max(1.0, single.per_sample / grouped) if grouped else 1.0
        return self.speedups[key]

    def grouped_savings(self, costed: Sequence[tuple[int, Mapping[str, Any], float]]) -> dict[int, float]:
        """Seconds saved per job (by its index) where the trainings a chapter computes are trained
        many as one (:func:`hessbook.train_grouped.partition`, the rule the build follows), each
        member's estimate divided by its group's probed speed-up."""
        from hessbook.train_grouped import partition

        configs = {}
        for i, t, cost in costed:
            config = train_config_of(t)
            if config is not None:
                configs.setdefault(canonical_json(config), (config, []))[1].append((i, t, cost))
        saved: dict[int, float] = {}
        for group in partition([c for c, _ in configs.values()]):
            if len(group) < 2:
                continue
            speedup = self.group_speedup(plain(group[0]), len(group))
            for member in group:
                for i, _t, cost in configs[canonical_json(member)][1]:
                    saved[i] = saved.get(i, 0.0) + cost * (1.0 - 1.0 / speedup)
        return saved

    # the rest ----------------------------------------------------------------------------
    def rest_of(self, entry: Entry) -> float:
        """A stored job's seconds less those of the trainings it ran itself (the training
        entries written while it computed)."""
        inside = 0.0
        for t in trainings(entry.params):
            done = stored_entry(self.store, "train", t)
            if done is not None and _ran_inside(done, entry):
                inside += done.seconds
        return max(0.0, entry.seconds - inside)

    def recorded(self, entry: Entry) -> float:
        """A stored job's seconds with those of its trainings computed before it, as jobs of their
        own (the grouped trainings a build runs first): what the job cost when it was computed.
        Each training is counted once in a plan, with the first job that reads it."""
        total = entry.seconds
        for t in trainings(entry.params):
            key = result_key("train", t)
            if key in self.counted:
                continue
            self.counted.add(key)
            done = stored_entry(self.store, "train", t)
            if done is not None and not _ran_inside(done, entry):
                total += done.seconds
        return total

    def add_sibling(self, entry: Entry) -> None:
        self.siblings.setdefault(entry.kind, []).append((entry.params, self.rest_of(entry)))

    def _rest(self, tree: Any, pool: Sequence[tuple[Any, float]]) -> float | None:
        """The median rest of ``pool``'s closest matches to ``tree`` (by their first trainings)."""
        mine = trainings(tree)
        for level in range(SIGNATURE_LEVELS + 1):  # the last: any job of the kind
            if level < SIGNATURE_LEVELS and not mine:
                continue
            chosen = [r for p, r in pool if level == SIGNATURE_LEVELS or (
                trainings(p) and _signature(trainings(p)[0], level) == _signature(mine[0], level))]
            if chosen:
                return statistics.median(chosen)
        return None

    def estimate(self, kind: str, tree: Any, dense_hessians: Sequence[Any] = (),
                 network_work: Sequence[Any] = ()) -> tuple[float, str]:
        """Seconds of a job to compute and the basis (e.g. ``stored here + probe``); its
        ``dense_hessians`` (:class:`hessbook.kit.swept.DenseHessian`) and ``network_work``
        (:class:`hessbook.kit.swept.NetworkWork`) are probed where no stored job of the kind in
        this plan says what its work besides training costs (a job that declares its work is not
        priced from the store's runs of other parameters: those may be another scale's sizes)."""
        rest, parts = 0.0, []
        declared = self.probe and bool(dense_hessians or network_work)
        if not self.empty:
            found = self._rest(tree, self.siblings.get(kind, []))
            if found is not None:
                rest, parts = found, ["stored here"]
            elif not declared:  # what the job declares is priced at this scale's sizes, not another's
                if kind not in self.others:
                    self.others[kind] = [(e.params, self.rest_of(e)) for e in entries_of(self.store, kind)
                                         if (kind, e.key) not in self.planned]
                found = self._rest(tree, self.others[kind])
                if found is not None:
                    rest, parts = found, ["other runs"]
        training = 0.0
        for t in trainings(tree):
            if self.training_done(t):
                continue
            cost, basis = self.training_cost(t)
            training += cost
            if basis == "probe":  # a stored training's rate already holds its grouping
                self.costed.append((t, cost))
            if basis not in parts:
                parts.append(basis)
        if not parts or parts[0] not in ("stored here", "other runs"):
            hessians = [self.hessian_cost(h) for h in dense_hessians] if self.probe else []
            work = [self.network_work_cost(w) for w in network_work] if self.probe else []
            priced = hessians + work
            if priced and all(c is not None for c in priced):
                rest = sum(priced)  # type: ignore[arg-type]
                probed = (["probe hessian"] if hessians else []) + (["probe work"] if work else [])
                parts = probed + parts
            else:
                rest = REST_PER_TRAINING * training  # nothing stored of this kind: the book's average
        return rest + training, " + ".join(parts) or "none"

    def hessian_cost(self, h: Any) -> float | None:
        """Seconds of assembling and decomposing a :class:`~hessbook.kit.swept.DenseHessian`
        (:func:`probe_hessian`, one probe per network, input and precision)."""
        t = plain(h.train)
        key = json.dumps([_probe_key(t), min(h.samples, h.batch or h.samples), h.samples > (h.batch or h.samples),
                          h.dtype])
        if key not in self.hessian_probes:
            self.hessian_probes[key] = probe_hessian(h, threads=self.threads)
        probe = self.hessian_probes[key]
        return None if probe is None else probe.estimate(h.samples)


    def network_work_cost(self, w: Any) -> float | None:
        """Seconds of a :class:`~hessbook.kit.swept.NetworkWork`: its forward passes at the probed
        evaluation rate of the network (:class:`Probe`'s ``eval_per_sample``) and its
        Hessian-vector products at the probed seconds of one product (:func:`probe_product`);
        None when a probe cannot be made here."""
        t = plain(w.train)
        seconds = 0.0
        if w.forwards:
            key = _probe_key(t)
            if key not in self.probes:
                self.probes[key] = probe_training(t, threads=self.threads)
            probe = self.probes[key]
            if probe is None or probe.eval_per_sample is None:
                return None
            seconds += w.forwards * probe.eval_per_sample
        if w.products:  # the product's cost does not depend on the training's batch size: not in the key
            key = json.dumps(["product", t["model"], t.get("model_kwargs") or {}, t["data"].get("name"),
                              w.product_samples, w.product_batch], sort_keys=True)
            if key not in self.hessian_probes:
                self.hessian_probes[key] = probe_product(t, w.product_samples, w.product_batch,
                                                         threads=self.threads)
            product = self.hessian_probes[key]
            if product is None:
                return None
            seconds += w.products * product
        return seconds


def _ran_inside(training: Entry, job: Entry) -> bool:
    """True when the stored ``training`` was written while ``job`` computed (the job trained it)."""
    return (training.created is not None and job.created is not None
            and job.created - job.seconds - 2 <= training.created <= job.created + 2)


def _probe_key(t: Mapping[str, Any]) -> str:
    """What a probe's time depends on: the network, its input's shape, the batch, the adversary."""
    data = t["data"]
    shape = {k: v for k, v in (data.get("options") or {}).items() if k in ("d", "k")}
    return json.dumps([t["model"], t.get("model_kwargs"), data.get("name"), shape,
                       min(int(t["batch_size"]), PROBE_MAX_BATCH), t.get("adversary"), t.get("adversary_params"),
                       t.get("adversary_mix")], sort_keys=True)


@contextlib.contextmanager
def _suppress() -> Iterator[None]:
    try:
        yield
    except (OSError, ValueError, KeyError):
        pass


def plan_chapter(chapter: str, P: Any, estimator: _Estimator, data_root: Path, workers: int) -> ChapterPlan:
    """One chapter's jobs, each stored, shared, without data, or estimated."""
    jobs = []
    pending = []
    for planned in chapter_plan_jobs(chapter)(P):
        tree = plain(planned.key)
        key = result_key(planned.kind, tree)
        missing = tuple(sorted(d for d in datasets(tree) if not dataset_present(d, data_root)))
        entry = None if estimator.empty else stored_entry(estimator.store, planned.kind, tree)
        if (planned.kind, key) in estimator.planned:
            state, seconds, basis = "shared", 0.0, "-"
        elif entry is not None:
            state, seconds, basis = "stored", estimator.recorded(entry), "recorded"
            estimator.add_sibling(entry)
        elif missing:
            state, seconds, basis = "no data", 0.0, "-"
        else:
            state, seconds, basis = "to compute", 0.0, ""
        estimator.planned.add((planned.kind, key))
        jobs.append([planned, tree, state, seconds, basis, missing])
        if state == "to compute":
            pending.append(len(jobs) - 1)
    costed: list[tuple[int, Mapping[str, Any], float]] = []
    for i in pending:  # after the chapter's stored jobs are known: its siblings
        planned, tree = jobs[i][0], jobs[i][1]
        estimator.costed.clear()
        jobs[i][3], jobs[i][4] = estimator.estimate(planned.kind, tree, planned.dense_hessians,
                                                    planned.network_work)
        costed += [(i, t, cost) for t, cost in estimator.costed]
        if planned.kind == "train":
            estimator.covered.add(result_key("train", tree))
        estimator.covered |= {result_key("train", t) for t in trainings(tree)}
    for i, saved in estimator.grouped_savings(costed).items():
        jobs[i][3] -= saved
        jobs[i][4] += " + grouped"
    return ChapterPlan(chapter, tuple(JobPlan(p.label, p.kind, s, sec, b, p.inline, m)
                                      for p, _, s, sec, b, m in jobs), workers)


def make_plan(scale: str, params: Mapping[str, Any], store: ResultStore, data_root: Path, placement: str,
              workers: int, *, probe: bool = True, empty: bool = False, threads: int | None = None) -> Plan:
    """The plan of the chapters ``params`` (chapter -> validated parameter object), in order;
    ``threads``: torch threads of each job (for the probe)."""
    estimator = _Estimator(store, probe, empty, threads)
    chapters = tuple(plan_chapter(c, P, estimator, data_root, workers) for c, P in params.items())
    return Plan(scale, store.root, placement, chapters, empty)


def placement_workers(jobs: int | None = None) -> tuple[str, int, int | None]:
    """(what the placement in force is, the workers sweep jobs share (1: in-process), torch
    threads per job (None: torch's own))."""
    from hessbook.cluster import cluster_setting, describe_setting, local_size, placed, resolve

    choice = placed(resolve(cluster_setting()), jobs)
    threads = choice.torch_threads
    if choice.kind == "serial":
        workers = 1
    elif choice.kind == "local":
        size = choice.size or local_size()
        workers, threads = size.workers * size.threads, size.torch_threads
    else:
        workers = 1  # a scheduler's or a batch system's workers: unknown here, counted as one
    return describe_setting(jobs=jobs, choice=choice), workers, threads


def dump(plan: Plan) -> Iterable[str]:
    """Every job of the plan, one line each (``--plan-jobs``)."""
    for c in plan.chapters:
        for j in c.jobs:
            yield (f"{c.chapter:<6} {j.state:<10} {j.seconds:9.1f} s  {j.basis:<12} {j.kind:<28} {j.label}"
                   + (f" (missing {', '.join(j.missing)})" if j.missing else ""))

