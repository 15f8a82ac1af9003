"""Every chapter computes on the device its ``device`` parameter names (issue 25): the name is
parsed once, at the chapter's edge (its ``run``), and the ``torch.device`` reaches every job.

Each registered chapter runs at smoke scale with ``device = "cpu"`` on an empty store, with
``hessbook.train.train`` replaced by a recorder that notes the device it was given and stops
the job there (:class:`Halt`): training is where every job of every chapter first uses its
device, and stopping there keeps the test to seconds. A swept chapter attempts every job of its
first grid, so every one of them is seen; a chapter computing in-process stops at its first.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

import hessbook.device as hdevice
import hessbook.train as htrain
from hessbook.build import chapter_parameters
from hessbook.chapters import CHAPTER_MODULES, chapter_module
from hessbook.kit.swept import SweepFailed
from hessbook.params import validate
from hessbook.store import ResultStore

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")


class Halt(Exception):
    """Raised by the recording ``train``: the job reached training with its device."""


@dataclasses.dataclass
class Seen:
    picks: list = dataclasses.field(default_factory=list)
    """Every argument :func:`hessbook.device.pick_device` was called with."""
    trains: list = dataclasses.field(default_factory=list)
    """Every ``device`` :func:`hessbook.train.train` was called with."""


@pytest.fixture
def seen(monkeypatch, data_env, tmp_results) -> Seen:
    out = Seen()
    real_pick = hdevice.pick_device

    def pick(name):
        out.picks.append(name)
        return real_pick(name)

    def train(config, store=None, device=None, **kwargs):
        out.trains.append(device)
        raise Halt(f"train({config.model}) reached on {device}")

    monkeypatch.setattr(hdevice, "_picked", None)
    monkeypatch.setattr(hdevice, "pick_device", pick)
    monkeypatch.setattr(htrain, "train", train)
    monkeypatch.setenv("HESSBOOK_CLUSTER", "serial")
    monkeypatch.setenv("HESSBOOK_PROGRESS", "off")
    return out


def smoke_params(chapter: str, device: str | None):
    schema = chapter_module(chapter).Params
    overrides = {"device": device} if device is not None else None
    return validate(schema, chapter_parameters(chapter, "smoke", ROOT, overrides))


def has_device(chapter: str) -> bool:
    return any(f.name == "device" for f in dataclasses.fields(chapter_module(chapter).Params))


def run_until_training(chapter: str, P, store: ResultStore) -> list[str]:
    """Run the chapter; the errors of the jobs that stopped (every one must have reached train)."""
    try:
        chapter_module(chapter).run(P, store)
    except SweepFailed as exc:
        return [r.error or "" for r in exc.failed]
    except Halt as exc:
        return [f"Halt: {exc}"]
    return []


@pytest.mark.parametrize("chapter", sorted(CHAPTER_MODULES))
def test_every_job_receives_the_chapters_device(chapter, seen, tmp_path):
    if not has_device(chapter):
        P = smoke_params(chapter, None)
        assert run_until_training(chapter, P, ResultStore(tmp_path)) == []
        assert seen.picks == [] and seen.trains == [], f"{chapter} has no device parameter but used one"
        return
    P = smoke_params(chapter, "cpu")
    stopped = run_until_training(chapter, P, ResultStore(tmp_path))
    assert seen.picks == ["cpu"], (
        f"{chapter}: the device must be parsed once, at the edge, from the parameter; pick_device was "
        f"called with {seen.picks} (a job resolving 'auto' on its own ignores the parameter)")
    assert seen.trains, f"{chapter}: no job reached training (is its data missing?)"
    assert all(isinstance(d, torch.device) and d == CPU for d in seen.trains), (
        f"{chapter}: jobs trained on {seen.trains}, the parameter says cpu")
    assert stopped and all(e.startswith("Halt") for e in stopped), (
        f"{chapter}: a job failed before reaching training: {[e for e in stopped if not e.startswith('Halt')]}")


def test_a_job_records_the_device_it_was_given(monkeypatch, tmp_path):
    """On a sweep worker the chapter's own pick_device did not run: the job records the device
    it was given, so the store labels its entries with it (and hands it to the compute)."""
    from hessbook.kit.swept import cached_all, stored_job

    monkeypatch.setattr(hdevice, "_picked", None)
    got = []

    job = stored_job("devices-test", {"x": 1}, lambda device: got.append((device, hdevice._picked)) or Box(1.0),
                     Box, device=CPU)
    (out,) = cached_all([job], Box, ResultStore(tmp_path), cluster="serial")
    assert out == Box(1.0) and got == [(CPU, CPU)]
    assert ResultStore(tmp_path).load("devices-test", {"x": 1}).meta["device"] == "cpu"


def test_a_job_given_a_device_name_is_refused():
    from hessbook.kit.swept import stored_job

    with pytest.raises(TypeError, match="pass a torch.device"):
        stored_job("devices-test", {"x": 1}, lambda device: Box(1.0), Box, device="cpu")
    with pytest.raises(TypeError, match="pass a torch.device"):
        hdevice.use_device("cuda")


@dataclasses.dataclass(frozen=True)
class Box:
    value: float
