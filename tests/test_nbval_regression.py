"""nbval: a chapter rerun from the result store reproduces every printed output exactly.

The papermill smoke test (``test_chapters.py``) checks that chapters run and glue finite
numbers; this checks what it cannot: that a second execution, served by the store, prints the
same values, tables and verdicts as the first (the store's promise that a rerun renders the
same book). The tour executes at smoke scale into a temporary notebook, then nbval re-executes
that notebook against the same store and compares every text output (images are not
compared). A tampered reference must fail, so the check has the power to fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hessbook.build import execute_chapter

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")

pytestmark = pytest.mark.notebooks


def _nbval(notebook: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", str(notebook),
         "--nbval-sanitize-with", str(SANITIZE), "--nbval-current-env", "-o", "addopts=", "--rootdir", str(notebook.parent)],
        cwd=notebook.parent, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def executed_tour(tmp_path_factory):
    results = tmp_path_factory.mktemp("nbval-results")
    out = tmp_path_factory.mktemp("nbval") / "tour.ipynb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HESSBOOK_RESULTS", str(results))
        mp.setenv("HESSBOOK_PROGRESS", "off")
        env = dict(os.environ)
        run = execute_chapter(ROOT / "book" / "guide" / "tour.md", out, "smoke", ROOT)
    assert run.error is None, run.error
    return out, env


def test_rerun_from_the_store_prints_the_same_outputs(executed_tour):
    notebook, env = executed_tour
    result = _nbval(notebook, env)
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_changed_output_is_caught(executed_tour, tmp_path):
    notebook, env = executed_tour
    nb = json.loads(notebook.read_text())
    tampered = False
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("metadata", {}).get("scrapbook", {}).get("name") == "tour-max":
                key = "application/papermill.record/text/plain"
                out["data"][key] = str(float(out["data"][key]) * 1.01)
                tampered = True
    assert tampered, "the tour glues tour-max"
    copy = tmp_path / "tour.ipynb"
    copy.write_text(json.dumps(nb))
    result = _nbval(copy, env)
    assert result.returncode != 0 and "mismatch" in result.stdout, result.stdout[-2000:]
