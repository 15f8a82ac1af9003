"""``python -m hessbook.compute``: a chapter's jobs computed without Jupyter (a GPU node whose
image has no papermill), then found stored by the book's plan, so the book renders them anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hessbook import build as B
from hessbook.compute import main

ROOT = Path(__file__).resolve().parents[1]

BLOCKED = ("nbformat", "papermill", "nbclient", "jupyter_book", "distributed", "dask")
"""Modules the compute path must not need: what a bare GPU image lacks."""


def test_a_chapter_computed_without_notebook_modules_is_stored_for_the_book(tmp_path, data_root):
    store = tmp_path / "results"
    env = {**os.environ, "HESSBOOK_RESULTS": str(store), "HESSBOOK_DATA": str(data_root),
           "HESSBOOK_CLUSTER": "serial", "HESSBOOK_PROGRESS": "off",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "lib"), os.environ.get("PYTHONPATH", "")])}
    code = ("import sys\n"
            f"for m in {BLOCKED!r}: sys.modules[m] = None  # importing any of them now fails\n"
            "from hessbook.compute import main\n"
            "raise SystemExit(main(['--scale', 'smoke', '--chapters', 'tour']))\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[hessbook.compute] tour" in done.stdout and " ok" in done.stdout
    os.environ["HESSBOOK_RESULTS"], saved = str(store), os.environ.get("HESSBOOK_RESULTS")
    try:
        row = next(c for c in B.plan("smoke", ["tour"], root=ROOT, probe=False).chapters if c.chapter == "tour")
    finally:
        if saved is None:
            del os.environ["HESSBOOK_RESULTS"]
        else:
            os.environ["HESSBOOK_RESULTS"] = saved
    assert (row.count("stored"), row.count("to compute")) == (1, 0)


@pytest.mark.parametrize("argv, message", [
    (["--scale", "smoke", "--chapters", "t0ur"], "unknown chapter(s) 't0ur'; accepted:"),
    (["--scale", "huge", "--chapters", "tour"], "--scale 'huge': accepted scales are smoke"),
    (["--scale", "smoke", "--chapters", "s2", "--set", "hiden=3"], "did you mean 'hidden'?"),
])
def test_bad_input_is_refused_before_anything_runs(argv, message, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HESSBOOK_RESULTS", str(tmp_path / "results"))
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "results").exists()
