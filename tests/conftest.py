"""Shared fixtures: a writable data root linking the real datasets, an isolated result store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


def _link_tree(src: Path, dst: Path) -> None:
    """Mirror ``src`` into ``dst`` with real directories and symlinked files (writable dirs:
    torchvision extracts the MNIST archives next to them)."""
    for path in src.rglob("*"):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.symlink_to(path.resolve())


@pytest.fixture(scope="session")
def data_root(tmp_path_factory) -> Path:
    """A writable data root linking ``<repo>/../shared/data`` (or ``$HESSBOOK_DATA``)."""
    source = Path(os.environ["HESSBOOK_DATA"]) if os.environ.get("HESSBOOK_DATA") else SHARED_DATA
    if not source.is_dir() or not any(source.iterdir()):
        pytest.skip(f"real datasets not found at {source} (set HESSBOOK_DATA or provide ../shared/data)")
    root = tmp_path_factory.mktemp("data")
    _link_tree(source, root)
    return root


@pytest.fixture
def data_env(data_root, monkeypatch) -> Path:
    """``data_root`` exported as ``HESSBOOK_DATA`` for code that reads the default root."""
    monkeypatch.setenv("HESSBOOK_DATA", str(data_root))
    return data_root


@pytest.fixture
def project_root() -> Path:
    return REPO


@pytest.fixture
def tmp_results(tmp_path, monkeypatch) -> Path:
    """Point HESSBOOK_RESULTS at an empty directory for this test."""
    root = tmp_path / "results"
    monkeypatch.setenv("HESSBOOK_RESULTS", str(root))
    return root


@pytest.fixture
def y1_source(tmp_path) -> Path:
    """A source notebook at Y1's path: a titled markdown cell and one code cell."""
    import nbformat

    src = tmp_path / "book" / "yao" / "y1_large_batch.ipynb"
    src.parent.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Y1 · Title\n\nThe claim."), nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, src)
    return src


class TrainingHalted(Exception):
    """Raised by :func:`halted_training`'s ``train``: the job reached training; stop there."""


class HaltedTraining:
    """Every call of ``hessbook.train.train`` while the fixture is active, as ``(config, device)``."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def train(self, config, store=None, device=None, **kwargs):
        self.calls.append((config, device))
        raise TrainingHalted(f"train({config.model}) reached on {device}")

    @property
    def configs(self) -> list:
        return [config for config, _ in self.calls]

    @property
    def devices(self) -> list:
        return [device for _, device in self.calls]

    def run(self, fn, *args, **kwargs) -> list[str]:
        """Call ``fn``; the errors of the jobs it stopped with (a sweep tries every job of its
        grid, an in-process computation stops at its first training)."""
        from hessbook.kit.swept import SweepFailed

        try:
            fn(*args, **kwargs)
        except SweepFailed as exc:
            return [r.error or "" for r in exc.failed]
        except TrainingHalted as exc:
            return [f"TrainingHalted: {exc}"]
        return []


@pytest.fixture
def halted_training(monkeypatch) -> HaltedTraining:
    """``hessbook.train.train`` replaced by a recorder that stops every job where it would train:
    which networks, on which device, a chapter's jobs train, in seconds (serial sweeps)."""
    import hessbook.train as htrain

    halted = HaltedTraining()
    monkeypatch.setattr(htrain, "train", halted.train)
    monkeypatch.setenv("HESSBOOK_GROUPED", "0")  # declared networks are then trained by their jobs: halted there
    monkeypatch.setenv("HESSBOOK_CLUSTER", "serial")
    monkeypatch.setenv("HESSBOOK_PROGRESS", "off")
    return halted
