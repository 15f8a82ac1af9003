"""Every chapter computes on the device its ``device`` parameter names (issue 25): the name is
parsed once, at the chapter's edge (its ``run``), and the ``torch.device`` reaches every job.

Each registered chapter runs at smoke scale with ``device = "cpu"`` on an empty store, with
``hessbook.train.train`` replaced by a recorder that notes the device it was given and stops
the job there (conftest.py's ``halted_training``): training is where every job of every
chapter first uses its device, and stopping there keeps the test to seconds. A swept chapter
attempts every job of its first grid, so every one of them is seen; a chapter computing
in-process stops at its first.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

import hessbook.device as hdevice
from hessbook.registry import CHAPTER_MODULES, chapter_module, chapter_parameters
from hessbook.params import validate
from hessbook.store import ResultStore

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")


@pytest.fixture
def picks(monkeypatch, data_env, tmp_results) -> list:
    """Every argument :func:`hessbook.device.pick_device` is called with."""
    out: list = []
    real_pick = hdevice.pick_device

    def pick(name):
        out.append(name)
        return real_pick(name)

    monkeypatch.setattr(hdevice, "_picked", None)
    monkeypatch.setattr(hdevice, "pick_device", pick)
    return out


def smoke_params(chapter: str, device: str | None):
    schema = chapter_module(chapter).Params
    overrides = {"device": device} if device is not None else None
    return validate(schema, chapter_parameters(chapter, "smoke", ROOT, overrides))


def has_device(chapter: str) -> bool:
    return any(f.name == "device" for f in dataclasses.fields(chapter_module(chapter).Params))


@pytest.mark.parametrize("chapter", sorted(CHAPTER_MODULES))
def test_every_job_receives_the_chapters_device(chapter, picks, halted_training, tmp_path):
    module, store = chapter_module(chapter), ResultStore(tmp_path)
    if not has_device(chapter):
        assert halted_training.run(module.run, smoke_params(chapter, None), store) == []
        assert picks == [] and halted_training.calls == [], f"{chapter} has no device parameter but used one"
        return
    stopped = halted_training.run(module.run, smoke_params(chapter, "cpu"), store)
    assert picks == ["cpu"], (
        f"{chapter}: the device must be parsed once, at the edge, from the parameter; pick_device was "
        f"called with {picks} (a job resolving 'auto' on its own ignores the parameter)")
    devices = halted_training.devices
    assert devices, f"{chapter}: no job reached training (is its data missing?)"
    assert all(isinstance(d, torch.device) and d == CPU for d in devices), (
        f"{chapter}: jobs trained on {devices}, the parameter says cpu")
    assert stopped and all(e.startswith("TrainingHalted") for e in stopped), (
        f"{chapter}: a job failed before reaching training: {[e for e in stopped if 'TrainingHalted' not in e]}")


def test_a_job_records_the_device_it_was_given(monkeypatch, tmp_path):
    """On a sweep worker the chapter's own pick_device did not run: the job records the device
    it was given, so the store labels its entries with it (and hands it to the compute)."""
    from _kit_jobs import SquareJob

    from hessbook.kit.jobs import Context, run_jobs

    monkeypatch.setattr(hdevice, "_picked", None)
    job = SquareJob(1, str(tmp_path / "log"))
    (row,) = run_jobs([job], Context(CPU, ResultStore(tmp_path)), cluster="serial")
    assert row.result.device == "cpu" and hdevice._picked == CPU
    assert ResultStore(tmp_path).load(job.KIND, job.store_key()).meta["device"] == "cpu"


def test_a_job_given_a_device_name_is_refused(tmp_path):
    from hessbook.kit.jobs import Context

    with pytest.raises(TypeError, match="pass a torch.device"):
        Context("cpu", ResultStore(tmp_path))
    with pytest.raises(TypeError, match="pass a torch.device"):
        hdevice.use_device("cuda")
