"""The device a result records is the one it was computed on (issue 27, item 6)."""
import pytest
import torch

import hessbook.device as device
from hessbook.store import Record, ResultStore


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(device, "_picked", None)


def test_a_cpu_computation_on_a_machine_with_cuda_records_cpu(fresh, monkeypatch, tmp_path):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.pick_device("cpu") == torch.device("cpu")
    entry = ResultStore(tmp_path).save("k", {"a": 1}, Record(metrics={"x": 1}))
    assert (entry / "meta.json").read_text().count('"device": "cpu"') == 1


def test_without_a_pick_the_label_does_not_claim_cuda(fresh, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.device_label() == "cuda available, device not recorded"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device.device_label() == "cpu"


def test_cuda_requested_without_cuda_is_refused_and_not_recorded(fresh, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="'cuda' requested but CUDA is not available"):
        device.pick_device("cuda")
    assert device._picked is None
