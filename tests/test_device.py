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


def test_the_page_names_the_device_its_stored_results_were_computed_on(fresh, monkeypatch, tmp_path):
    """Issue 27 (6): a result computed on a GPU and read on a laptop says the GPU; the page's
    sentence comes from the entries read, not from the device parameter."""
    import hessbook.store as store
    from hessbook.report import devices_sentence

    monkeypatch.setattr(store, "_DEVICES_READ", store.collections.Counter())
    s = ResultStore(tmp_path)
    device.pick_device("cpu")
    s.save("k", {"a": 1}, Record(metrics={"x": 1}))
    meta = tmp_path / "k"
    gpu = s.save("k", {"a": 2}, Record(metrics={"x": 2}))
    text = (gpu / "meta.json").read_text().replace('"device": "cpu"', '"device": "cuda:NVIDIA H200"')
    (gpu / "meta.json").write_text(text)
    import hashlib, json
    hashes = json.loads((gpu / "COMPLETE.json").read_text())
    hashes["meta.json"] = hashlib.sha256((gpu / "meta.json").read_bytes()).hexdigest()
    (gpu / "COMPLETE.json").write_text(json.dumps(hashes))
    assert s.load("k", {"a": 1}) is not None and s.load("k", {"a": 2}) is not None and meta.is_dir()
    assert store.devices_read() == {"cpu": 1, "cuda:NVIDIA H200": 1}
    assert devices_sentence(store.devices_read()) == (
        "The results on this page were computed on cpu (1 stored result), cuda:NVIDIA H200 (1 stored result).")
