"""The result store: keys, atomic writes, corruption, concurrency, resumption."""

from __future__ import annotations

import errno
import fcntl
import json
import multiprocessing as mp
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

import hessbook.store as store_mod
from hessbook.store import Record, ResultStore, StoreError, canonical_json, result_key


def test_key_ignores_dict_order_and_tuple_vs_list():
    a = result_key("k", {"b": [1, 2], "a": 1.5})
    b = result_key("k", {"a": 1.5, "b": (1, 2)})
    assert a == b


def test_key_changes_with_params_kind_and_versions(monkeypatch):
    base = result_key("k", {"a": 1})
    assert result_key("k", {"a": 2}) != base
    assert result_key("other", {"a": 1}) != base
    monkeypatch.setattr(store_mod, "CACHE_VERSION", store_mod.CACHE_VERSION + 1)
    assert result_key("k", {"a": 1}) != base
    monkeypatch.setattr(store_mod, "CACHE_VERSION", store_mod.CACHE_VERSION - 1)
    monkeypatch.setattr(store_mod, "__version__", "999.0")
    assert result_key("k", {"a": 1}) != base


def test_dataclass_params_and_bad_values():
    @dataclass(frozen=True)
    class P:
        lr: float
        sizes: tuple

    assert canonical_json(P(0.1, (1, 2))) == '{"lr":0.1,"sizes":[1,2]}'
    with pytest.raises(StoreError, match="non-finite"):
        canonical_json({"x": float("nan")})
    with pytest.raises(StoreError, match="not a JSON parameter"):
        canonical_json({"x": object()})
    with pytest.raises(StoreError, match="not a valid name"):
        ResultStore("/tmp").entry_dir("Bad Kind", {})


def test_compute_once_then_load(tmp_path):
    store = ResultStore(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return {"acc": 0.5, "spectrum": np.arange(4.0), "model": {"w": torch.ones(2, 2)}}

    first = store.get_or_compute("demo", {"a": 1}, compute)
    second = store.get_or_compute("demo", {"a": 1}, compute)
    assert len(calls) == 1
    assert first.meta["cached"] is False and second.meta["cached"] is True
    assert second.metrics == {"acc": 0.5}
    np.testing.assert_array_equal(second.arrays["spectrum"], np.arange(4.0))
    assert torch.equal(second.states["model"]["w"], torch.ones(2, 2))
    assert json.loads((store.entry_dir("demo", {"a": 1}) / "params.json").read_text()) == {"a": 1}


def test_failed_compute_leaves_nothing(tmp_path):
    store = ResultStore(tmp_path)

    def boom():
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        store.get_or_compute("demo", {"a": 1}, boom)
    assert not store.contains("demo", {"a": 1})
    assert list((tmp_path / "demo").glob("*.tmp")) == []


@pytest.mark.parametrize("damage", ["truncate", "delete_marker", "flip_byte"])
def test_damaged_entry_is_recomputed_not_loaded(tmp_path, damage):
    store = ResultStore(tmp_path)
    store.get_or_compute("demo", {"a": 1}, lambda: {"x": np.ones(1000)})
    entry = store.entry_dir("demo", {"a": 1})
    npz = entry / "arrays.npz"
    if damage == "truncate":
        npz.write_bytes(npz.read_bytes()[:100])
    elif damage == "delete_marker":
        (entry / "COMPLETE.json").unlink()
    else:
        data = bytearray(npz.read_bytes())
        data[-10] ^= 0xFF
        npz.write_bytes(bytes(data))
    assert store.load("demo", {"a": 1}) is None
    assert list(tmp_path.glob("demo/*.corrupt-*")), "the damaged entry is kept aside for inspection"
    again = store.get_or_compute("demo", {"a": 1}, lambda: {"x": np.full(1000, 2.0)})
    assert again.meta["cached"] is False
    np.testing.assert_array_equal(again.arrays["x"], np.full(1000, 2.0))


@pytest.mark.parametrize("damage", ["empty_marker", "list_marker", "marker_without_metrics",
                                    "unlisted_state", "non_string_hash", "marker_names_a_path"])
def test_marker_that_does_not_list_every_file_means_damaged(tmp_path, damage):
    store = ResultStore(tmp_path)
    store.get_or_compute("demo", {"a": 1}, lambda: {"acc": 0.5, "net": {"w": torch.ones(2)}})
    entry = store.entry_dir("demo", {"a": 1})
    marker = entry / "COMPLETE.json"
    hashes = json.loads(marker.read_text())
    if damage == "empty_marker":  # and an edited metrics.json
        (entry / "metrics.json").write_text('{"acc": 0.99}')
        marker.write_text("{}")
    elif damage == "list_marker":
        marker.write_text("[]")
    elif damage == "marker_without_metrics":
        (entry / "metrics.json").write_text('{"acc": 0.99}')
        marker.write_text(json.dumps({k: v for k, v in hashes.items() if k != "metrics.json"}))
    elif damage == "unlisted_state":
        torch.save({"w": torch.full((2,), 7.0)}, entry / "state-extra.pt")
    elif damage == "non_string_hash":
        marker.write_text(json.dumps({**hashes, "metrics.json": 5}))
    else:
        marker.write_text(json.dumps({**hashes, "../elsewhere.json": "0" * 64}))
    assert not store.contains("demo", {"a": 1})
    assert store.load("demo", {"a": 1}) is None
    (aside,) = tmp_path.glob("demo/*.corrupt-*")
    assert (aside / "WHY.txt").read_text().strip()
    again = store.get_or_compute("demo", {"a": 1}, lambda: {"acc": 0.25, "net": {"w": torch.zeros(2)}})
    assert again.meta["cached"] is False and again.metrics == {"acc": 0.25} and set(again.states) == {"net"}


def test_state_dicts_load_with_weights_only(tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    store.get_or_compute("demo", {"a": 1}, lambda: Record(states={"net": torch.nn.Linear(3, 2).state_dict()}))
    seen = []
    real_load = torch.load

    def spy(*args, **kwargs):
        seen.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    rec = store.load("demo", {"a": 1})
    assert set(rec.states["net"]) == {"weight", "bias"}
    assert seen and all(w is True for w in seen)


def _slow_compute(root: str, out: str) -> None:
    store = ResultStore(root)

    def compute():
        with open(out, "a") as fh:
            fh.write("computed\n")
        time.sleep(1.0)
        return {"x": np.arange(10.0)}

    rec = store.get_or_compute("race", {"a": 1}, compute)
    assert rec.arrays["x"].sum() == 45.0


def test_two_processes_compute_once(tmp_path):
    log = tmp_path / "log.txt"
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_slow_compute, args=(str(tmp_path / "r"), str(log))) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert log.read_text().count("computed") == 1
    assert ResultStore(tmp_path / "r").contains("race", {"a": 1})


def test_interrupted_computation_resumes_from_checkpoint(tmp_path):
    store = ResultStore(tmp_path)
    steps_run = []

    def make(fail_at):
        def compute(ckpt):
            start, state = ckpt.load() or (0, {"total": torch.tensor(0.0)})
            total = state["total"]
            for step in range(start, 10):
                if step == fail_at:
                    raise KeyboardInterrupt
                total = total + step
                steps_run.append(step)
                ckpt.save(step + 1, {"total": total})
            return {"total": float(total)}

        return compute

    with pytest.raises(KeyboardInterrupt):
        store.get_or_compute("sum", {"n": 10}, make(6), resumable=True)
    rec = store.get_or_compute("sum", {"n": 10}, make(None), resumable=True)
    assert rec.metrics["total"] == sum(range(10))
    assert steps_run == list(range(10)), "steps 0-5 ran once, the rerun started at 6"
    assert not store.checkpoint("sum", {"n": 10}).path.exists()


def test_gpu_tensors_are_stored_on_cpu(tmp_path):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    store = ResultStore(tmp_path)
    rec = store.get_or_compute("dev", {}, lambda: {"net": {"w": torch.ones(2, device=device)}})
    assert rec.states["net"]["w"].device.type == "cpu"
    assert "device" in rec.meta


def test_default_root_follows_environment(tmp_results):
    assert store_mod.default_store().root == Path(tmp_results)


# ----------------------------------------------------------------------------- leftovers of killed writers

REPO = Path(__file__).resolve().parents[1]

_KILLED_WRITER = """
import os, sys
import numpy as np
from hessbook.store import ResultStore
root, where = sys.argv[1], sys.argv[2]
if where == "entry":       # killed after writing the temporary entry, before renaming it into place
    os.rename = lambda *a, **k: os._exit(137)
    ResultStore(root).get_or_compute("demo", {"a": 1}, lambda: {"x": np.zeros(2**18)})  # 2 MB
else:                      # killed inside Checkpoint.save, before replacing the checkpoint
    os.replace = lambda *a, **k: os._exit(137)
    ResultStore(root).get_or_compute("demo", {"a": 1}, lambda c: c.save(1, {"x": np.zeros(2**18)}),
                                     resumable=True)
"""

_LIVE_WRITER = """
import os, sys, time
from pathlib import Path
from hessbook.store import ResultStore
root, go = sys.argv[1], Path(sys.argv[2])
real = os.replace
def held(*args, **kwargs):  # the temporary checkpoint exists and the key's lock is held: wait
    while not go.exists():
        time.sleep(0.05)
    return real(*args, **kwargs)
os.replace = held
def compute(ckpt):
    ckpt.save(1, {"step": 1})
    return {"who": "live writer"}
ResultStore(root).get_or_compute("demo", {"a": 1}, compute, resumable=True)
"""


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "lib"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, **kwargs)


@pytest.mark.parametrize("where", ["entry", "checkpoint"])
def test_temporaries_of_a_killed_writer_are_removed_by_the_next_computation(tmp_path, where):
    proc = _python(_KILLED_WRITER, str(tmp_path), where)
    assert proc.wait(120) == 137
    store = ResultStore(tmp_path)
    entry = store.entry_dir("demo", {"a": 1})
    left = store_mod.stale_temporaries(entry)
    assert len(left) == 1 and left[0].name.endswith(".tmp"), left
    if where == "entry":
        assert left[0].is_dir() and sum(p.stat().st_size for p in left[0].iterdir()) > 2_000_000
    seen = []

    def compute():
        seen.append([p for p in left if p.exists()])
        return {"x": np.ones(3)}

    store.get_or_compute("demo", {"a": 1}, compute)
    assert seen == [[]], "the leftovers are gone before the computation starts"
    assert store_mod.stale_temporaries(entry) == []
    assert sorted(p.name for p in tmp_path.joinpath("demo").iterdir()) == [entry.name, entry.name + ".lock"]


def test_a_temporary_of_a_live_writer_holding_the_lock_is_never_touched(tmp_path, monkeypatch):
    go = tmp_path / "go"
    writer = _python(_LIVE_WRITER, str(tmp_path / "r"), str(go))
    try:
        _check_live_writer_kept(tmp_path, go, writer, monkeypatch)
    finally:
        go.touch()
        if writer.poll() is None:
            writer.kill()
            writer.wait()


def _check_live_writer_kept(tmp_path: Path, go: Path, writer: subprocess.Popen, monkeypatch) -> None:
    store = ResultStore(tmp_path / "r")
    entry = store.entry_dir("demo", {"a": 1})
    deadline = time.monotonic() + 120
    while not store_mod.stale_temporaries(entry):
        assert writer.poll() is None and time.monotonic() < deadline, "the writer never wrote its checkpoint"
        time.sleep(0.05)
    (live,) = store_mod.stale_temporaries(entry)

    waiting = threading.Event()
    real_flock = store_mod.fcntl.flock

    def flock(fd, op):
        if op == store_mod.fcntl.LOCK_EX:
            waiting.set()  # this process now waits for the writer's lock
        return real_flock(fd, op)

    monkeypatch.setattr(store_mod.fcntl, "flock", flock)
    out = {}
    reader = threading.Thread(target=lambda: out.update(rec=store.get_or_compute(
        "demo", {"a": 1}, lambda: {"who": "second process"})))
    reader.start()
    assert waiting.wait(60)
    assert live.exists(), "the live writer's temporary was removed while it held the lock"
    go.touch()
    assert writer.wait(120) == 0
    reader.join(60)
    assert out["rec"].metrics == {"who": "live writer"} and out["rec"].meta["cached"] is True


# ----------------------------------------------------------------------------- read-only stores


def _read_only_by_errors(monkeypatch, root: Path) -> None:
    """Make every write under ``root`` fail as on a read-only mount (works as root, where
    chmod does not stop writes)."""
    import builtins

    real_open, real_mkdir = builtins.open, os.mkdir

    def under(path) -> bool:
        return isinstance(path, (str, os.PathLike)) and str(Path(path).absolute()).startswith(str(root))

    def erofs(path):
        return OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    def ro_open(file, mode="r", *args, **kwargs):
        if under(file) and any(c in mode for c in "wax+"):
            raise erofs(file)
        return real_open(file, mode, *args, **kwargs)

    def ro_mkdir(path, *args, **kwargs):
        if under(path):
            if os.path.isdir(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
            raise erofs(path)
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", ro_open)
    monkeypatch.setattr(os, "mkdir", ro_mkdir)


@pytest.mark.parametrize("how", ["erofs", "chmod"])
def test_a_read_only_store_loads_complete_entries_and_names_itself_for_missing_ones(tmp_path, monkeypatch, how):
    root = (tmp_path / "results").absolute()
    store = ResultStore(root)
    store.get_or_compute("demo", {"a": 1}, lambda: {"acc": 0.5, "x": np.arange(3.0), "net": {"w": torch.ones(2)}})
    if how == "chmod":
        if os.geteuid() == 0:
            pytest.skip("running as root: chmod does not stop root's writes (the 'erofs' variant covers it)")
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o555)
    else:
        _read_only_by_errors(monkeypatch, root)
    try:
        rec = store.get_or_compute("demo", {"a": 1}, lambda: pytest.fail("a complete entry is loaded"))
        assert rec.metrics == {"acc": 0.5} and rec.meta["cached"] is True
        assert torch.equal(rec.states["net"]["w"], torch.ones(2))
        for kind in ("demo", "other-kind"):  # a missing entry beside others, or of a kind not stored
            with pytest.raises(StoreError, match=rf"result store at {re.escape(str(root))} is read-only.*"
                                                 r"HESSBOOK_RESULTS at a writable directory"):
                store.get_or_compute(kind, {"a": 2}, lambda: pytest.fail("nothing is computed"))
    finally:
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)


def test_the_store_wide_sweep_removes_stale_temporaries_and_skips_locked_keys(tmp_path):
    """For keys that are never computed again: ``remove_stale_temporaries`` at the start of a run."""
    store = ResultStore(tmp_path)
    dead, live = store.entry_dir("demo", {"a": 1}), store.entry_dir("demo", {"a": 2})
    store.get_or_compute("demo", {"a": 3}, lambda: {"x": 1})  # a complete entry, untouched
    left = [dead.parent / f".{dead.name}.abc123.tmp", dead.with_name(dead.name + ".partial") / ".checkpoint.pt.d.tmp"]
    in_use = live.parent / f".{live.name}.def456.tmp"
    for path in (left[0], in_use):
        path.mkdir(parents=True)
        (path / "arrays.npz").write_bytes(b"0" * 1000)
    left[1].parent.mkdir()
    left[1].write_bytes(b"0" * 1000)
    with open(live.with_name(live.name + ".lock"), "a+") as fh:  # a writer of key 2 holds its lock
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        removed = store.remove_stale_temporaries()
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    assert sorted(removed) == sorted(left)
    assert not any(p.exists() for p in left) and in_use.exists()
    assert store.load("demo", {"a": 3}).metrics == {"x": 1}
