"""Issue 27, the build's word before and after a kernel: a device this machine lacks and an
unknown cluster setting fail before any kernel starts; a chapter whose dataset is missing
fails the build (and stops it) with a message saying which, where and how to provide it,
unless a partial book is asked for; a failed download leaves no empty folders behind."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest
import torch

from hessbook import build as B
from hessbook.params import ParameterError, check_device_available, device_values

ROOT = Path(__file__).resolve().parents[1]


def project(tmp_path: Path, chapters: tuple[str, ...] = ("tour", "s2")) -> Path:
    """A project with the real sources and smoke params of ``chapters``."""
    toc = ["format: jb-book", "root: book/intro", "chapters:"]
    for cid in chapters:
        src = next(p for p in (ROOT / "book").rglob("*.md") if p.stem.split("_")[0] == cid)
        rel = src.relative_to(ROOT)
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, tmp_path / rel)
        (tmp_path / "params" / "smoke").mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "params" / "smoke" / f"{cid}.yaml", tmp_path / "params" / "smoke" / f"{cid}.yaml")
        toc.append(f"  - file: {rel.with_suffix('')}")
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "_toc.yml").write_text("\n".join(toc) + "\n")
    return tmp_path


def recording_papermill(monkeypatch, missing: dict[str, str] | None = None):
    """papermill.execute_notebook replaced by a copy that records the call; for the chapters
    in ``missing`` it does what data.py does in the kernel when a dataset is absent: one JSON
    line in $HESSBOOK_MISSING_DATA_LOG (the build sets it for the kernel)."""
    import papermill

    calls = []

    def execute(src, out, parameters, **kwargs):
        cid = Path(out).stem.lstrip(".").split(".")[0]
        calls.append(cid)
        if missing and cid in missing:
            with open(os.environ["HESSBOOK_MISSING_DATA_LOG"], "a") as fh:
                for _ in range(2):  # a chapter asks again and again: reported once
                    fh.write(json.dumps({"dataset": missing[cid], "root": "/nowhere/data",
                                         "expected": ["MNIST/raw/t10k-images-idx3-ubyte.gz"],
                                         "problem": "missing", "message": "..."}) + "\n")
        nb = nbformat.read(src, as_version=4)
        nb.metadata["papermill"] = {"parameters": parameters, "end_time": "2025-03-04T05:06:07Z", "exception": False}
        nbformat.write(nb, out)

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    return calls


# ----------------------------------------------------------------------------- device


def test_device_values_finds_nested_devices():
    assert device_values({"device": "cuda", "y1_runs": {"device": "cpu", "lr": 1}, "seed": 0}) == [
        ("device", "cuda"), ("y1_runs.device", "cpu")]


def test_a_cuda_device_this_machine_lacks_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for ok in ("auto", "cpu"):
        check_device_available(ok, "p: device")
    with pytest.raises(ParameterError, match=r"p: device = 'cuda': this machine has no CUDA device.*'cpu' or 'auto'"):
        check_device_available("cuda", "p: device")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    check_device_available("cuda:0", "p: device")
    with pytest.raises(ParameterError, match=r"device = 'cuda:1': this machine has 1 CUDA device\(s\); accepted here: 'cuda', 'cuda:0'"):
        check_device_available("cuda:1", "p: device")


def test_build_refuses_device_cuda_without_cuda_before_any_kernel(tmp_path, monkeypatch):
    root = project(tmp_path)
    calls = recording_papermill(monkeypatch)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delenv("HESSBOOK_CLUSTER", raising=False)
    with pytest.raises(SystemExit) as info:
        B.main(["--scale", "smoke", "--chapters", "s2", "--root", str(root), "--no-render",
                "--set", "device=cuda", "seed=7"])
    msg = str(info.value)
    assert "params/smoke/s2.yaml with --set device=\"cuda\" seed=7: device = 'cuda'" in msg and "no CUDA device" in msg
    assert calls == [], "no kernel started"


def test_device_is_not_checked_here_when_jobs_run_on_a_remote_cluster(tmp_path, monkeypatch):
    root = project(tmp_path)
    calls = recording_papermill(monkeypatch)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("HESSBOOK_CLUSTER", "tcp://gpu-box:8786")  # its workers have their own devices
    B.build("smoke", ["s2"], root=root, render_html=False, overrides={"device": "cuda"})
    assert calls == ["s2"]


def test_an_unknown_cluster_setting_fails_before_any_kernel(tmp_path, monkeypatch):
    root = project(tmp_path)
    calls = recording_papermill(monkeypatch)
    monkeypatch.setenv("HESSBOOK_CLUSTER", "slrum")
    with pytest.raises(SystemExit, match=r"cluster setting 'slrum' .* is not known; accepted: 'local'"):
        B.main(["--scale", "smoke", "--chapters", "tour", "--root", str(root), "--no-render"])
    assert calls == []


def test_a_bad_progress_interval_fails_before_any_kernel(tmp_path, monkeypatch):
    root = project(tmp_path)
    calls = recording_papermill(monkeypatch)
    monkeypatch.setenv("HESSBOOK_PROGRESS_EVERY", "5min")
    with pytest.raises(SystemExit, match="HESSBOOK_PROGRESS_EVERY='5min': accepted a number of seconds, at least 1"):
        B.main(["--scale", "smoke", "--chapters", "tour", "--root", str(root), "--no-render"])
    assert calls == []


# ----------------------------------------------------------------------------- missing data


def test_missing_data_fails_the_build_and_stops_it(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, ("s2", "tour"))
    calls = recording_papermill(monkeypatch, missing={"s2": "mnist"})
    monkeypatch.delenv("HESSBOOK_CLUSTER", raising=False)
    with pytest.raises(SystemExit) as info:
        B.build("smoke", None, root=root, render_html=False)
    msg = str(info.value)
    assert "chapter s2 could not load its data" in msg
    assert "dataset 'mnist' is missing: looked for MNIST/raw/t10k-images-idx3-ubyte.gz under /nowhere/data" in msg
    assert "HESSBOOK_DATA" in msg and "--allow-missing-data" in msg and "PARTIAL=1" in msg
    assert msg.count("dataset 'mnist'") == 1, "reported once per dataset"
    assert calls == ["s2"], "the build stops before the next chapter"
    status = (root / "_build" / "book-smoke" / "book" / "status.md").read_text()
    assert "This build stopped early: chapter s2 could not load its data" in status
    assert "| tour | — | not run in this build" in status
    assert "s2    smoke" in capsys.readouterr().out


def test_allow_missing_data_builds_a_partial_book(tmp_path, monkeypatch):
    root = project(tmp_path, ("s2", "tour"))
    calls = recording_papermill(monkeypatch, missing={"s2": "mnist"})
    monkeypatch.delenv("HESSBOOK_CLUSTER", raising=False)
    runs = B.build("smoke", None, root=root, render_html=False, allow_missing_data=True)
    assert calls == ["s2", "tour"] and [r.state for r in runs] == ["missing data", "ok"]
    status = (root / "_build" / "book-smoke" / "book" / "status.md").read_text()
    assert "ran without data" in status and "mnist missing in /nowhere/data" in status
    page = (root / "_build" / "book-smoke" / "book" / "sagun" / "s2_gaussian_clusters.ipynb").read_text()
    assert "built without the dataset(s) mnist" in page


def test_make_book_partial_passes_allow_missing_data():
    from _make import make_dry_run

    out = make_dry_run("CHAPTERS=k2", "PARTIAL=1")
    assert "-m hessbook.build --scale cpu --chapters k2" in out and "--allow-missing-data" in out
    assert "--allow-missing-data" not in make_dry_run()


def test_a_failed_download_logs_the_dataset_and_leaves_no_empty_folders(tmp_path, monkeypatch):
    """What the kernel does: torchvision creates MNIST/raw, every mirror fails (offline), and
    data.load raises DataMissingError after logging the dataset for the build."""
    import urllib.error

    import torchvision.datasets.mnist as tv_mnist

    from hessbook import data

    def offline(*args, **kwargs):
        raise urllib.error.URLError("offline (test)")

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", offline)
    root = tmp_path / "empty-data"
    root.mkdir()
    log = tmp_path / "missing.jsonl"
    monkeypatch.setenv("HESSBOOK_MISSING_DATA_LOG", str(log))
    with pytest.raises(data.DataMissingError, match="dataset 'mnist' not found in the data root"):
        data.load("mnist", "test", root=root)
    assert list(root.iterdir()) == [], "no MNIST/raw left behind"
    entry = json.loads(log.read_text().splitlines()[0])
    assert entry["dataset"] == "mnist" and entry["root"] == str(root) and entry["problem"] == "missing"
    assert "MNIST/raw/t10k-images-idx3-ubyte.gz" in entry["expected"]
    assert B.read_missing(log)[0].describe().startswith("dataset 'mnist' is missing: looked for MNIST/raw/")


def test_an_optional_dataset_missing_does_not_stop_the_build_and_is_named(tmp_path, monkeypatch, capsys):
    """CIFAR-100 (Y Table 2 only) is not shipped for offline use: without it the book still
    builds, the chapter line and the summary name it, the page says so; a required dataset
    missing still stops the build (the test above)."""
    root = project(tmp_path, ("s2", "tour"))
    calls = recording_papermill(monkeypatch, missing={"s2": "cifar100"})
    monkeypatch.delenv("HESSBOOK_CLUSTER", raising=False)
    runs = B.build("smoke", None, root=root, render_html=False)
    assert calls == ["s2", "tour"] and [r.state for r in runs] == ["ok without cifar100", "ok"]
    assert runs[0].error is None and runs[0].blocking == ()
    out = capsys.readouterr().out
    assert "ok without cifar100" in out and "without cifar100 (optional: cifar100: only Y Table 2" in out
    page = (root / "_build" / "book-smoke" / "book" / "sagun" / "s2_gaussian_clusters.ipynb").read_text()
    assert "built without the dataset(s) cifar100" in page
