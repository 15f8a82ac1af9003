"""Stored results are frozen dataclasses: one codec for every chapter.

:func:`cached` loads the result of ``(kind, key)`` from the store, or computes it, encodes it
and stores it. A result is a (nested) frozen dataclass whose fields are JSON values (numbers,
strings, bools, None), numpy arrays, torch tensors, state dicts (``dict[str, Tensor]``),
tuples, lists and ``dict[str, ...]`` of those, or other such dataclasses. Decoding is driven by
the dataclass's type hints, so nothing is pickled and a changed field is a clear error.

On disk an entry is the store's usual ``metrics.json`` / ``arrays.npz`` / ``state-*.pt``:
``metrics.json`` holds the JSON tree of the dataclass (``"result"``), where every array leaf is
a reference ``{"__array__": "<path>"}`` into ``arrays.npz`` and every state dict is a
reference ``{"__state__": "<name>"}`` to a ``state-<name>.pt`` file. Floats survive exactly
(JSON keeps 17 significant digits); NaN and infinity are stored as JSON's ``NaN``/``Infinity``.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_args, get_origin

import numpy as np
import torch

from hessbook.store import Record, ResultStore, StoreError, default_store

T = TypeVar("T")
RESULT = "result"
_ARRAY, _TENSOR, _STATE = "__array__", "__tensor__", "__state__"


class CodecError(StoreError):
    """A result cannot be encoded, or a stored entry does not match the dataclass it decodes to."""


# ----------------------------------------------------------------------------- encode


def encode(result: Any) -> Record:
    """A :class:`~hessbook.store.Record` holding ``result`` (a dataclass instance)."""
    if not (dataclasses.is_dataclass(result) and not isinstance(result, type)):
        raise CodecError(f"a stored result must be a dataclass instance, got {type(result).__name__}")
    arrays: dict[str, np.ndarray] = {}
    states: dict[str, Mapping[str, torch.Tensor]] = {}
    tree = _to_tree(result, "r", arrays, states)
    return Record(metrics={RESULT: tree}, arrays=arrays, states=states)


def _is_state_dict(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(isinstance(v, torch.Tensor) for v in value.values())


def _to_tree(value: Any, path: str, arrays: dict, states: dict) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_tree(getattr(value, f.name), f"{path}.{f.name}", arrays, states)
                for f in dataclasses.fields(value)}
    if isinstance(value, torch.Tensor):
        arrays[path] = value.detach().to("cpu").numpy()
        return {_TENSOR: path, "dtype": str(value.dtype).removeprefix("torch.")}
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise CodecError(f"{path}: an array of Python objects cannot be stored; store numbers")
        arrays[path] = value
        return {_ARRAY: path}
    if _is_state_dict(value):
        name = re.sub(r"[^A-Za-z0-9_\-]", "_", path)
        states[name] = dict(value)
        return {_STATE: name}
    if isinstance(value, Mapping):
        bad = [k for k in value if not isinstance(k, str)]
        if bad:
            raise CodecError(f"{path}: dict keys must be strings to be stored, got {bad[0]!r}")
        return {"__dict__": {k: _to_tree(v, f"{path}.{k}", arrays, states) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_to_tree(v, f"{path}[{i}]", arrays, states) for i, v in enumerate(value)]
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise CodecError(f"{path}: a {type(value).__name__} cannot be stored; accepted: dataclasses, numbers, "
                     "strings, None, numpy arrays, tensors, state dicts, tuples, lists, dicts with string keys")


# ----------------------------------------------------------------------------- decode


def decode(cls: type[T], record: Record) -> T:
    """The ``cls`` instance a record written by :func:`encode` holds."""
    if RESULT not in record.metrics:
        raise CodecError(f"entry holds no encoded result (metrics: {sorted(record.metrics)[:5]})")
    return _from_tree(cls, record.metrics[RESULT], "r", record)


def _from_tree(tp: Any, tree: Any, path: str, record: Record) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return tree
    if origin in (typing.Union, types.UnionType):
        options = get_args(tp)
        if tree is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _from_tree(option, tree, path, record)
            except CodecError as exc:
                errors.append(str(exc))
        raise CodecError(f"{path}: stored value matches none of {tp}: {'; '.join(errors)}")
    if dataclasses.is_dataclass(tp):
        if not isinstance(tree, dict):
            raise CodecError(f"{path}: expected a stored {tp.__name__}, found {type(tree).__name__}")
        hints = typing.get_type_hints(tp)
        fields = [f for f in dataclasses.fields(tp) if f.init]
        missing = [f.name for f in fields if f.name not in tree and f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING]
        if missing:
            raise CodecError(f"{path}: stored {tp.__name__} lacks field(s) {missing}: the dataclass changed "
                             "since it was stored (bump the kind's version)")
        return tp(**{f.name: _from_tree(hints[f.name], tree[f.name], f"{path}.{f.name}", record)
                     for f in fields if f.name in tree})
    if tp is np.ndarray or origin is np.ndarray:
        return _array(tree, _ARRAY, path, record)
    if tp is torch.Tensor:
        array = _array(tree, _TENSOR, path, record)
        return torch.from_numpy(np.array(array)).to(getattr(torch, tree.get("dtype", "float32")))
    if isinstance(tree, dict) and _STATE in tree:
        return dict(record.states[tree[_STATE]])
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        _key_tp, value_tp = get_args(tp) or (str, Any)
        items = tree.get("__dict__", tree) if isinstance(tree, dict) else None
        if items is None:
            raise CodecError(f"{path}: expected a stored dict, found {type(tree).__name__}")
        return {k: _from_tree(value_tp, v, f"{path}.{k}", record) for k, v in items.items()}
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from_tree(args[0], v, f"{path}[{i}]", record) for i, v in enumerate(tree))
        if len(args) != len(tree):
            raise CodecError(f"{path}: expected {len(args)} items, found {len(tree)}")
        return tuple(_from_tree(a, v, f"{path}[{i}]", record) for i, (a, v) in enumerate(zip(args, tree)))
    if origin is list or tp is list:
        (item_tp,) = get_args(tp) or (Any,)
        return [_from_tree(item_tp, v, f"{path}[{i}]", record) for i, v in enumerate(tree)]
    if tp is float:
        if isinstance(tree, (int, float)) and not isinstance(tree, bool):
            return float(tree)
        raise CodecError(f"{path}: expected a number, found {tree!r}")
    if tp is int:
        if isinstance(tree, int) and not isinstance(tree, bool):
            return tree
        if isinstance(tree, float) and tree.is_integer():
            return int(tree)
        raise CodecError(f"{path}: expected an integer, found {tree!r}")
    if tp in (bool, str):
        if isinstance(tree, tp):
            return tree
        raise CodecError(f"{path}: expected {tp.__name__}, found {tree!r}")
    if tp is type(None):
        if tree is None:
            return None
        raise CodecError(f"{path}: expected None, found {tree!r}")
    raise CodecError(f"{path}: type {tp!r} is not supported by the result codec")


def _array(tree: Any, tag: str, path: str, record: Record) -> np.ndarray:
    if not (isinstance(tree, dict) and tag in tree):
        raise CodecError(f"{path}: expected a stored array, found {type(tree).__name__}")
    name = tree[tag]
    if name not in record.arrays:
        raise CodecError(f"{path}: array {name!r} is missing from the entry")
    return record.arrays[name]


# ----------------------------------------------------------------------------- store


def cached(kind: str, key: Any, compute: Callable[[], T], cls: type[T], store: ResultStore | None = None) -> T:
    """``cls`` result of ``(kind, key)``: loaded from the store, or computed and stored.

    ``key`` holds every input that determines the result (dataclasses, dicts, lists, numbers,
    strings); ``compute()`` returns a ``cls`` instance.
    """
    return cached_entry(kind, key, compute, cls, store)[0]


def cached_entry(kind: str, key: Any, compute: Callable[[], T], cls: type[T],
                 store: ResultStore | None = None) -> tuple[T, Mapping[str, Any]]:
    """:func:`cached`, with the entry's metadata (``seconds`` spent computing, ``cached``:
    whether it was loaded, ``device``, ``created``)."""
    store = store or default_store()
    record = store.get_or_compute(kind, key, lambda: encode(_checked(compute(), cls)))
    return decode(cls, record), dict(record.meta)


def _checked(result: Any, cls: type) -> Any:
    if not isinstance(result, cls):
        raise CodecError(f"compute() returned a {type(result).__name__}, expected {cls.__name__}")
    return result

