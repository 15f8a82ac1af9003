"""Content-addressed result store.

Every expensive result (a trained model, a spectrum, an attack table) is stored under a key
that is the SHA-256 of the canonical JSON of

    {"kind": ..., "params": <the parameters that determine the result>,
     "cache_version": CACHE_VERSION, "hessbook_version": __version__}

so the same parameters never recompute, a rerun renders instantly, and a result computed on
a GPU renders later on a laptop (tensors are stored on the CPU; the device is not part of the
key, it is recorded in the entry's metadata).

Layout of one entry, ``<root>/<kind>/<key[:24]>/``::

    params.json      the canonical parameters (for humans: ``ls results/<kind>/`` and read them)
    meta.json        kind, key, versions, seconds spent, device, creation time
    metrics.json     JSON values
    arrays.npz       numpy arrays (loaded with allow_pickle=False)
    state-<n>.pt     torch state dicts (loaded with weights_only=True)
    COMPLETE.json    SHA-256 of every file above; written last

Guarantees:

- atomic: an entry is written into a temporary directory and renamed into place, so readers
  see either nothing or a complete entry;
- verified: an entry whose ``COMPLETE.json`` is missing or malformed, does not list every
  file of the entry, or whose files do not match their hashes is moved aside (``*.corrupt-<time>``) and recomputed, never loaded;
- one writer: a per-key ``fcntl`` lock makes a second process wait for the first and then
  load its result instead of computing it again;
- no leftovers: temporaries (``.<key>.*.tmp`` beside the entry, ``.*.tmp`` in its checkpoint
  folder) are only written under the key's lock, so whoever next holds the lock removes those
  of a writer that was killed (Ctrl-C twice, a killed kernel) before computing;
- read-only stores: complete entries load from a store that cannot be written (results copied
  from elsewhere); a missing entry then raises :class:`StoreError` naming the store, instead
  of computing a result that cannot be saved;
- resumable: long computations receive a :class:`Checkpoint` and can save their state; an
  interrupted run resumes from the last checkpoint.
"""

from __future__ import annotations

import collections
import dataclasses
import errno
import fcntl
import hashlib
import json
import math
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
import contextlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hessbook import __version__
from hessbook.device import device_label
from hessbook.paths import results_root

CACHE_VERSION = 2
"""Bump when a change in the library changes stored results without changing parameters.
2: results stored as encoded dataclasses (:mod:`hessbook.kit.stored`)."""

KEY_OMIT_DEFAULT = "hessbook_key_omit_default"
"""Dataclass field metadata flag: leave the field out of result keys while it has its default."""

_KIND = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_UNWRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)
"""``OSError.errno`` values that mean: this process may not write here."""


class StoreError(RuntimeError):
    """A store operation failed (bad kind, unserializable parameters, unreadable entry)."""


@dataclass(frozen=True)
class Record:
    """What one entry holds: JSON metrics, numpy arrays and torch state dicts."""

    metrics: Mapping[str, Any] = field(default_factory=dict)
    arrays: Mapping[str, np.ndarray] = field(default_factory=dict)
    states: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    """Filled on load: key, seconds spent computing, device, creation time, cached flag."""


# ----------------------------------------------------------------------------- keys


def _plain(value: Any, where: str = "params") -> Any:
    """Convert parameters to plain JSON types, refusing anything ambiguous."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A field marked ``metadata={KEY_OMIT_DEFAULT: True}`` is left out of the key while it
        # holds its default, so adding such a field keeps every existing key (and result).
        return {
            f.name: _plain(getattr(value, f.name), f"{where}.{f.name}")
            for f in dataclasses.fields(value)
            if not (f.metadata.get(KEY_OMIT_DEFAULT) and getattr(value, f.name) == f.default)
        }
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise StoreError(f"{where}: keys must be strings, got {k!r}")
            out[k] = _plain(v, f"{where}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            raise StoreError(f"{where}: non-finite number {value!r} cannot be part of a key")
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise StoreError(
        f"{where}: value {value!r} of type {type(value).__name__} is not a JSON parameter; "
        "accepted: dataclasses, dicts, lists, tuples, str, int, float, bool, None, Path"
    )


def canonical_json(params: Any) -> str:
    """The canonical JSON text of parameters: sorted keys, no spaces, tuples as lists."""
    return json.dumps(_plain(params), sort_keys=True, separators=(",", ":"), allow_nan=False)


def result_key(kind: str, params: Any) -> str:
    """SHA-256 hex digest that identifies a result."""
    payload = canonical_json(
        {
            "kind": kind,
            "params": params,
            "cache_version": CACHE_VERSION,
            "hessbook_version": __version__,
        }
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# ----------------------------------------------------------------------------- files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _to_cpu(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.detach().to("cpu").clone()
    if isinstance(obj, Mapping):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


def _as_numpy(name: str, value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().to("cpu").numpy()
    array = np.asarray(value)
    if array.dtype == object:
        raise StoreError(f"array {name!r} has dtype object; store numbers only")
    return array


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=1, sort_keys=True, allow_nan=True))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_entry(directory: Path, params: Any, record: Record, meta: dict) -> None:
    _write_json(directory / "params.json", _plain(params))
    _write_json(directory / "meta.json", meta)
    _write_json(directory / "metrics.json", dict(record.metrics))
    if record.arrays:
        arrays = {name: _as_numpy(name, value) for name, value in record.arrays.items()}
        with open(directory / "arrays.npz", "wb") as fh:
            np.savez(fh, **arrays)
    for name, state in record.states.items():
        if not re.match(r"^[A-Za-z0-9_\-]+$", name):
            raise StoreError(f"state name {name!r}: use letters, digits, '_' and '-'")
        torch.save(_to_cpu(state), directory / f"state-{name}.pt")
    hashes = {p.name: _sha256(p) for p in sorted(directory.iterdir())}
    for name in hashes:
        with open(directory / name, "rb") as fh:
            os.fsync(fh.fileno())
    _write_json(directory / "COMPLETE.json", hashes)


def _verify(directory: Path) -> str | None:
    """None if the entry is complete and intact, else what is wrong with it."""
    marker = directory / "COMPLETE.json"
    if not marker.exists():
        return "no COMPLETE.json (interrupted write)"
    try:
        hashes = json.loads(marker.read_text())
    except (OSError, ValueError) as exc:
        return f"unreadable COMPLETE.json ({exc})"
    if not isinstance(hashes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in hashes.items()
    ):
        return f"COMPLETE.json is not a mapping of file names to SHA-256 hashes ({str(hashes)[:80]})"
    # the marker lists every file of the entry: anything else was not written with it
    required = {"params.json", "meta.json", "metrics.json"} - set(hashes)
    if required:
        return f"COMPLETE.json does not list {', '.join(sorted(required))}"
    present = {p.name for p in directory.iterdir()} - {marker.name}
    unlisted = sorted(present - set(hashes))
    if unlisted:
        return f"file(s) not listed in COMPLETE.json: {', '.join(unlisted)}"
    for name, expected in hashes.items():
        if name != Path(name).name or name in (marker.name, ".", ".."):
            return f"COMPLETE.json lists {name!r}, not a file of the entry"
        path = directory / name
        if not path.exists():
            return f"missing file {name}"
        if _sha256(path) != expected:
            return f"file {name} does not match its hash (truncated or modified)"
    return None


def _read_entry(directory: Path) -> Record:
    metrics = json.loads((directory / "metrics.json").read_text())
    meta = json.loads((directory / "meta.json").read_text())
    arrays: dict[str, np.ndarray] = {}
    if (directory / "arrays.npz").exists():
        with np.load(directory / "arrays.npz", allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    states = {
        p.name[len("state-") : -len(".pt")]: torch.load(p, map_location="cpu", weights_only=True)
        for p in sorted(directory.glob("state-*.pt"))
    }
    return Record(metrics=metrics, arrays=arrays, states=states, meta=meta)


# ----------------------------------------------------------------------------- checkpoints


class Checkpoint:
    """Scratch state of an unfinished computation, so an interrupted run resumes.

    ``save(step, state)`` replaces the checkpoint atomically; ``load()`` returns
    ``(step, state)`` or None. The store deletes it once the final entry is written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> tuple[int, dict] | None:
        if not self.path.exists():
            return None
        try:
            blob = torch.load(self.path, map_location="cpu", weights_only=True)
            return int(blob["step"]), blob["state"]
        except Exception:  # noqa: BLE001 - a broken checkpoint means: start over
            self.path.unlink(missing_ok=True)
            return None

    def save(self, step: int, state: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        try:
            torch.save({"step": int(step), "state": _to_cpu(dict(state))}, tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def set_aside(self, why: str) -> Path | None:
        """Move a readable but unusable checkpoint out of the way, so the computation starts
        over: to ``<key>.partial.corrupt-<time>/`` beside the entry, with ``WHY.txt``."""
        if not self.path.exists():
            return None
        folder = self.path.parent
        target = folder.with_name(f"{folder.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}")
        try:
            target.mkdir(parents=True)
            os.replace(self.path, target / self.path.name)
            (target / "WHY.txt").write_text(why + "\n")
        except OSError:
            self.path.unlink(missing_ok=True)
            return None
        return target


# ----------------------------------------------------------------------------- store


class ResultStore:
    """A directory of verified, content-addressed results. See the module docstring."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else results_root()

    # paths -------------------------------------------------------------------
    def entry_dir(self, kind: str, params: Any) -> Path:
        if not _KIND.match(kind):
            raise StoreError(
                f"kind {kind!r} is not a valid name; use lowercase letters, digits, '_' and '-'"
            )
        return self.root / kind / result_key(kind, params)[:24]

    def checkpoint(self, kind: str, params: Any) -> Checkpoint:
        entry = self.entry_dir(kind, params)
        return Checkpoint(entry.with_name(entry.name + ".partial") / "checkpoint.pt")

    @contextmanager
    def _locked(self, entry: Path) -> Iterator[None]:
        """Hold the key's lock (reentrant within a thread: ``save`` inside ``get_or_compute``)."""
        lock = entry.with_name(entry.name + ".lock")
        held = _held_locks()
        if lock in held:
            yield
            return
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            fh = open(lock, "a+")
        except OSError as exc:
            if exc.errno in _UNWRITABLE:
                raise self._read_only(entry, lock, exc) from exc
            raise
        with fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            held.add(lock)
            try:
                yield
            finally:
                held.discard(lock)
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _read_only(self, entry: Path, path: Path, exc: OSError) -> StoreError:
        return StoreError(
            f"the result store at {self.root} is read-only for this process ({exc.strerror}: {path}), "
            f"and the entry {entry.parent.name}/{entry.name} is not in it, so it cannot be computed "
            "and stored. Complete entries still load from a read-only store; to compute missing ones, "
            "point HESSBOOK_RESULTS at a writable directory (e.g. copy this store there first: "
            f"cp -r {self.root} ~/hessbook-results && export HESSBOOK_RESULTS=~/hessbook-results), "
            "or pass ResultStore(<writable path>)"
        )

    def _prepare_write(self, entry: Path) -> None:
        """Under the key's lock, before computing: remove the temporaries a killed writer left
        (every writer holds this lock, so none of them is live), and check that the store can be
        written, so a long computation does not end in a result that cannot be saved."""
        _remove(stale_temporaries(entry))
        try:
            Path(tempfile.mkdtemp(prefix=f".{entry.name}.", suffix=".tmp", dir=entry.parent)).rmdir()
        except OSError as exc:
            if exc.errno in _UNWRITABLE:
                raise self._read_only(entry, entry.parent, exc) from exc
            raise

    def remove_stale_temporaries(self) -> list[Path]:
        """Remove the temporaries killed writers left anywhere in the store (also of keys that
        are never computed again), each key's under its lock; a key being written now (its lock
        held) is skipped. Returns what was removed; nothing on a store this process cannot write."""
        entries = {tmp.parent / tmp.name[1:].split(".", 1)[0] for tmp in self.root.glob("*/.*.tmp")}
        entries |= {partial.with_name(partial.name.removesuffix(".partial"))
                    for partial in self.root.glob("*/*.partial") if any(partial.glob(".*.tmp"))}
        removed: list[Path] = []
        for entry in sorted(entries):
            lock = entry.with_name(entry.name + ".lock")
            try:
                fh = open(lock, "a+")
            except OSError:
                continue  # read-only, or gone
            with fh:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a live writer holds it: its temporaries are in use
                try:
                    removed += _remove(stale_temporaries(entry))
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return removed

    # reading -----------------------------------------------------------------
    def contains(self, kind: str, params: Any) -> bool:
        entry = self.entry_dir(kind, params)
        return entry.is_dir() and _verify(entry) is None

    def load(self, kind: str, params: Any) -> Record | None:
        """The stored record, or None if absent. A damaged entry is moved aside."""
        entry = self.entry_dir(kind, params)
        if not entry.is_dir():
            return None
        problem = _verify(entry)
        if problem is not None:
            self._quarantine(entry, problem)
            return None
        record = _read_entry(entry)
        _DEVICES_READ[str(record.meta.get("device", "unknown"))] += 1
        return dataclasses.replace(record, meta={**record.meta, "cached": True})

    def _quarantine(self, entry: Path, problem: str) -> None:
        target = entry.with_name(f"{entry.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
        try:
            entry.rename(target)
            (target / "WHY.txt").write_text(problem + "\n")
        except OSError:
            shutil.rmtree(entry, ignore_errors=True)

    # writing -----------------------------------------------------------------
    def save(self, kind: str, params: Any, record: Record, seconds: float = 0.0) -> Path:
        """Write an entry atomically (temporary directory, then rename), under the key's lock."""
        entry = self.entry_dir(kind, params)
        with self._locked(entry):
            return self._save(entry, kind, params, record, seconds)

    def _save(self, entry: Path, kind: str, params: Any, record: Record, seconds: float) -> Path:
        meta = {
            "kind": kind,
            "key": result_key(kind, params),
            "cache_version": CACHE_VERSION,
            "hessbook_version": __version__,
            "torch_version": torch.__version__,
            "device": _device_label(),
            "host": socket.gethostname(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": float(seconds),
        }
        tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", suffix=".tmp", dir=entry.parent))
        try:
            _write_entry(tmp, params, record, meta)
            if entry.exists():  # a damaged or concurrent leftover: replace it
                self._quarantine(entry, "replaced by a new write")
            os.rename(tmp, entry)
            _fsync_dir(entry.parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return entry

    def get_or_compute(
        self,
        kind: str,
        params: Any,
        compute: Callable[..., Record | Mapping[str, Any]],
        *,
        resumable: bool = False,
    ) -> Record:
        """Load the result for ``(kind, params)`` or compute, store and return it.

        ``compute()`` (or ``compute(checkpoint)`` when ``resumable``) returns a
        :class:`Record`, or a dict whose numpy/tensor values become arrays, whose
        ``Mapping[str, Tensor]`` values become state dicts and whose other values
        become metrics.
        """
        entry = self.entry_dir(kind, params)
        record = self.load(kind, params)
        if record is not None:
            return record
        with self._locked(entry):
            record = self.load(kind, params)  # another process may have finished it
            if record is not None:
                return record
            self._prepare_write(entry)
            checkpoint = self.checkpoint(kind, params)
            start = time.perf_counter()
            result = compute(checkpoint) if resumable else compute()
            seconds = time.perf_counter() - start
            record = result if isinstance(result, Record) else split_record(result)
            self._save(entry, kind, params, record, seconds)
            checkpoint.clear()
            shutil.rmtree(checkpoint.path.parent, ignore_errors=True)
        loaded = self.load(kind, params)
        if loaded is None:
            raise StoreError(f"entry {entry} vanished right after it was written")
        return dataclasses.replace(loaded, meta={**loaded.meta, "cached": False})

    @contextmanager
    def writing(self, kind: str, params: Any) -> Iterator[None]:
        """Hold the key's lock, ready to write its entry (stale temporaries removed, the store
        checked writable): for a computation that stores several entries at once (a group of
        networks trained as one, :mod:`hessbook.train_grouped`), so no other process computes
        them meanwhile; it waits, then loads them."""
        entry = self.entry_dir(kind, params)
        with self._locked(entry):
            self._prepare_write(entry)
            yield

    def finish(self, kind: str, params: Any, record: Record, seconds: float = 0.0) -> Path:
        """Store a result computed outside :meth:`get_or_compute` and drop its checkpoint, as
        :meth:`get_or_compute` does; an entry already complete is kept (not replaced)."""
        entry = self.entry_dir(kind, params)
        with self._locked(entry):
            if self.load(kind, params) is None:
                self._save(entry, kind, params, record, seconds)
            checkpoint = self.checkpoint(kind, params)
            checkpoint.clear()
            shutil.rmtree(checkpoint.path.parent, ignore_errors=True)
        return entry

    def entries(self, kind: str | None = None) -> list[Path]:
        """Complete entries, optionally of one kind."""
        pattern = f"{kind}/*/COMPLETE.json" if kind else "*/*/COMPLETE.json"
        return sorted(p.parent for p in self.root.glob(pattern))


_LOCAL = threading.local()


def _held_locks() -> set[Path]:
    """Lock files this thread holds (``flock`` would block on a second descriptor of its own)."""
    if not hasattr(_LOCAL, "held"):
        _LOCAL.held = set()
    return _LOCAL.held


def stale_temporaries(entry: Path) -> list[Path]:
    """The temporaries of an entry's writers: ``.<key>.*.tmp`` folders beside the entry
    (:meth:`ResultStore.save`) and ``.*.tmp`` files in ``<key>.partial/`` (:meth:`Checkpoint.save`).
    Stale when nobody holds the key's lock: every writer writes them under it."""
    found = sorted(entry.parent.glob(f".{entry.name}.*.tmp"))
    partial = entry.with_name(entry.name + ".partial")
    if partial.is_dir():
        found += sorted(partial.glob(".*.tmp"))
    return found


def _remove(paths: list[Path]) -> list[Path]:
    """Delete files and folders (not following links); the paths that are gone afterwards."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    return [path for path in paths if not path.exists() and not path.is_symlink()]


def split_record(result: Mapping[str, Any]) -> Record:
    """Sort a flat dict into metrics, arrays and state dicts by value type."""
    metrics: dict[str, Any] = {}
    arrays: dict[str, Any] = {}
    states: dict[str, Any] = {}
    for name, value in result.items():
        if isinstance(value, (np.ndarray, torch.Tensor)):
            arrays[name] = value
        elif isinstance(value, Mapping) and value and all(
            isinstance(v, torch.Tensor) for v in value.values()
        ):
            states[name] = value
        else:
            metrics[name] = value
    return Record(metrics=metrics, arrays=arrays, states=states)


_DEVICES_READ: collections.Counter[str] = collections.Counter()
"""``device label -> entries`` this process has read: what its results were computed on."""


def devices_read() -> dict[str, int]:
    """The devices the entries this process read were computed on (their ``meta["device"]``),
    with counts: what a chapter page says its results were computed on."""
    return dict(_DEVICES_READ)


def _device_label() -> str:
    """The device the computation ran on (not merely one that is present)."""
    return device_label()


def default_store() -> ResultStore:
    """The store at ``$HESSBOOK_RESULTS`` (default ``<project>/results``)."""
    return ResultStore()

