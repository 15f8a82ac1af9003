"""Issue 27, the build's word on pages: what the status page says about chapters that did not
run or failed, the last good page kept over a failure, notebooks with cell ids, staging that
keeps executed pages, and an interrupted build (a real SIGINT) that loses no page."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import nbformat
import pytest

from hessbook import build as B
from hessbook.build import KEPT_TAG, ChapterRun, status_markdown

ROOT = Path(__file__).resolve().parents[1]


def _executed(path: Path, *, end: str = "2025-01-02T03:04:05.678Z", exception: bool = False,
              text: str = "earlier result") -> Path:
    """An executed copy as papermill leaves it (metadata.papermill), one output ``text``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T · Title\n\nProse."), nbformat.v4.new_code_cell("x = 1")]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nb.metadata["papermill"] = {"end_time": end, "exception": exception, "parameters": {}}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _chapter_rows(page: str) -> list[str]:
    section = page.split("## Chapters in this build", 1)[1].split("## Errors", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|") and "|---" not in line][1:]


# ----------------------------------------------------------------------------- status page


def test_a_multiline_error_stays_in_its_row_and_is_shown_whole(tmp_path):
    nb = _executed(tmp_path / "s2.ipynb")
    error = "ValueError: device 'cuda' requested\nbut CUDA is not available | use 'cpu'\n" + "x" * 400
    page = status_markdown([ChapterRun("s2", nb, 1.0, error), ChapterRun("tour", nb, 2.0, None)], ROOT)
    rows = _chapter_rows(page)
    assert len(rows) == 2, rows  # one row per chapter, no extra row from the second line
    assert rows[0].startswith("| s2 | 1.0 | error: ValueError: device 'cuda' requested but CUDA is not available \\| use")
    assert rows[0].endswith("… | — | — |") and rows[1] == "| tour | 2.0 | ok | — | — |"
    assert rows[0].count(" | ") == 4, "no unescaped | inside the cell"
    errors = page.split("## Errors", 1)[1]
    assert "but CUDA is not available | use 'cpu'" in errors and "x" * 400 in errors  # the whole error


def test_chapters_not_run_are_not_reported_as_ok(tmp_path):
    kept = _executed(tmp_path / "y1.ipynb", end="2025-01-02T03:04:05.678Z")
    runs = [ChapterRun("tour", kept, 3.0, None),
            ChapterRun("y1", kept, 0.0, None, ran=False, earlier=B.executed_at(kept)),
            ChapterRun("k1", tmp_path / "k1.ipynb", 0.0, None, ran=False)]
    rows = _chapter_rows(status_markdown(runs, ROOT))
    assert rows[0] == "| tour | 3.0 | ok | — | — |"
    assert rows[1].startswith("| y1 | — | not run in this build") and "2025-01-02 03:04:05 UTC" in rows[1]
    assert rows[2].startswith("| k1 | — | not run in this build") and "never executed" in rows[2]
    assert not any("0.0" in r or "| ok" in r for r in rows[1:])


def test_build_reports_unselected_chapters_as_not_run(tmp_path, monkeypatch):
    root = fake_project(tmp_path)
    stage = root / "_build" / "book-smoke"
    _executed(stage / "book" / "sagun" / "s6_logistic.ipynb", end="2024-12-24T10:00:00Z")
    fake_papermill(monkeypatch, [])
    B.build("smoke", ["tour"], root=root, render_html=False)
    rows = _chapter_rows((stage / "book" / "status.md").read_text())
    assert rows[0].startswith("| tour | ") and rows[0].endswith("| ok | no trained network | — |")
    assert rows[1].startswith("| s6 | — | not run in this build") and "2024-12-24 10:00:00 UTC" in rows[1]


# ----------------------------------------------------------------------------- pages


def fake_project(tmp_path: Path) -> Path:
    """The tour chapter (real source and smoke params) and an S6 notebook that is never run."""
    tour = next(p for p in (ROOT / "book" / "guide").iterdir() if p.stem == "tour")
    (tmp_path / "book" / "guide").mkdir(parents=True)
    (tmp_path / "book" / "guide" / tour.name).write_text(tour.read_text())
    (tmp_path / "book" / "sagun").mkdir(parents=True)
    s6 = nbformat.v4.new_notebook()
    s6.cells = [nbformat.v4.new_markdown_cell("# S6 · Logistic"), nbformat.v4.new_code_cell("y = 2")]
    nbformat.write(s6, tmp_path / "book" / "sagun" / "s6_logistic.ipynb")
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/guide/tour\n"
                                       "  - file: book/sagun/s6_logistic\n")
    (tmp_path / "params" / "smoke").mkdir(parents=True)
    (tmp_path / "params" / "smoke" / "tour.yaml").write_text((ROOT / "params" / "smoke" / "tour.yaml").read_text())
    return tmp_path


def fake_papermill(monkeypatch, outcomes: list[str]):
    """papermill.execute_notebook replaced: each call pops an outcome, ``ok`` (default) or
    ``error`` (a cell raised: papermill writes the copy with the traceback, then raises)."""
    import papermill

    calls = []

    def execute(src, out, parameters, **kwargs):
        outcome = outcomes.pop(0) if outcomes else "ok"
        calls.append((out, outcome))
        nb = nbformat.read(src, as_version=4)
        nb.metadata["papermill"] = {"parameters": parameters, "end_time": "2025-03-04T05:06:07Z",
                                    "exception": outcome == "error"}
        nb.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"run {len(calls)}")]
        nbformat.write(nb, out)
        if outcome == "error":
            raise papermill.PapermillExecutionError(1, 1, "boom()", "RuntimeError", "boom\nsecond line", [])

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    return calls


def test_a_failing_chapter_keeps_its_last_good_page_marked_as_earlier(tmp_path, monkeypatch):
    root = fake_project(tmp_path)
    page = root / "_build" / "book-smoke" / "book" / "guide" / "tour.ipynb"
    fake_papermill(monkeypatch, ["ok", "error"])
    B.build("smoke", ["tour"], root=root, render_html=False)
    good = json.loads(page.read_text())
    assert "run 1" in json.dumps(good)
    with pytest.raises(SystemExit, match="1 chapter\\(s\\) failed: tour: RuntimeError: boom second line"):
        B.build("smoke", ["tour"], root=root, render_html=False)
    kept = json.loads(page.read_text())
    text = json.dumps(kept)
    assert "run 1" in text and "run 2" not in text, "the earlier good page is still shown"
    marks = [c for c in kept["cells"] if KEPT_TAG in c.get("metadata", {}).get("tags", [])]
    assert len(marks) == 1 and kept["cells"][1] is not None and KEPT_TAG in kept["cells"][1]["metadata"]["tags"]
    assert "from an earlier build (executed 2025-03-04 05:06:07 UTC)" in marks[0]["source"]
    assert "RuntimeError: boom" in marks[0]["source"]
    status = (root / "_build" / "book-smoke" / "book" / "status.md").read_text()
    row = next(r for r in _chapter_rows(status) if r.startswith("| tour "))
    assert "error: RuntimeError: boom second line" in row and "earlier build" in row
    assert "## Errors" in status and "boom\nsecond line" in status
    failed_copy = root / "_build" / "logs" / "smoke" / "tour.ipynb"
    assert "run 2" in failed_copy.read_text(), "the failed run's notebook is kept for reading"
    # a second failure keeps one mark, not two
    fake_papermill(monkeypatch, ["error"])
    with pytest.raises(SystemExit):
        B.build("smoke", ["tour"], root=root, render_html=False)
    kept = json.loads(page.read_text())
    assert sum(KEPT_TAG in c.get("metadata", {}).get("tags", []) for c in kept["cells"]) == 1


def test_a_failing_chapter_without_a_good_page_shows_its_traceback_page(tmp_path, monkeypatch):
    root = fake_project(tmp_path)
    fake_papermill(monkeypatch, ["error"])
    with pytest.raises(SystemExit):
        B.build("smoke", ["tour"], root=root, render_html=False)
    page = root / "_build" / "book-smoke" / "book" / "guide" / "tour.ipynb"
    assert "run 1" in page.read_text()


def test_every_written_notebook_has_cell_ids(tmp_path, y1_source):
    src = y1_source
    out = tmp_path / "stage" / "y1_large_batch.ipynb"
    B.write_unexecuted(src, out, "gpu")
    raw = json.loads(out.read_text())
    ids = [c.get("id") for c in raw["cells"]]
    assert all(ids) and len(set(ids)) == len(ids), ids
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # MissingIDFieldWarning would raise
        nbformat.validate(nbformat.reads(out.read_text(), as_version=4))
    B.write_unexecuted(src, out, "gpu")
    assert [c["id"] for c in json.loads(out.read_text())["cells"]] == ids, "stable ids: same input, same ids"


def test_staging_keeps_executed_pages_and_drops_stale_files(tmp_path):
    root = fake_project(tmp_path)
    stage = root / "_build" / "book-smoke"
    executed = _executed(stage / "book" / "sagun" / "s6_logistic.ipynb")
    stale = stage / "book" / "old_page.md"
    stale.write_text("# gone from book/\n")
    before = executed.read_bytes()
    B.stage_pages(root, stage, keep=[Path("book/sagun/s6_logistic.ipynb")])
    assert executed.read_bytes() == before and not stale.exists()
    assert (stage / "book" / "intro.md").is_file() and (stage / "_toc.yml").is_file()


# ----------------------------------------------------------------------------- Ctrl-C


SLEEPER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Tour

```{code-cell} ipython3
:tags: [parameters]
scale = "smoke"
seed = 0
n_samples = 1
dimension = 1
variance = 1.0
```

```{code-cell} ipython3
import os, pathlib, time
pathlib.Path(os.environ["SLEEPER_MARK"]).write_text("started")
time.sleep(120)
```
"""


def test_ctrl_c_during_a_build_keeps_every_executed_page(tmp_path):
    """A real SIGINT to the build's process group (what Ctrl-C in a terminal sends) while a
    chapter's kernel runs: the earlier executed pages of that chapter and of an unselected one
    are intact, no temporary file is left in the stage, and the build exits 130."""
    root = fake_project(tmp_path)
    (root / "book" / "guide" / "tour.md").write_text(SLEEPER)
    stage = root / "_build" / "book-smoke"
    tour = _executed(stage / "book" / "guide" / "tour.ipynb", text="tour of an earlier build")
    s6 = _executed(stage / "book" / "sagun" / "s6_logistic.ipynb", text="s6 of an earlier build")
    before = {p: p.read_bytes() for p in (tour, s6)}
    mark = tmp_path / "started"
    env = {**os.environ, "SLEEPER_MARK": str(mark), "PYTHONPATH": str(ROOT / "lib")}
    # Ctrl-C's default action in the build, whatever the test run inherited: a suite started in the
    # background (nohup, `cmd &` without job control) ignores SIGINT, and so would the build
    proc = subprocess.Popen([sys.executable, "-m", "hessbook.build", "--scale", "smoke", "--chapters", "tour",
                             "--root", str(root), "--no-render"], env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # generous: a loaded machine starts kernels slowly
        while not mark.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert mark.exists(), f"the chapter never started: {proc.poll()} {proc.stderr.read() if proc.poll() is not None else ''}"
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert {p: p.read_bytes() for p in (tour, s6) if p.exists()} == before, "every earlier page is intact"
    assert not [p.name for p in stage.rglob(".*") if p.is_file()], "no temporary files left in the stage"
    assert proc.returncode == 130 and "interrupted" in err, (proc.returncode, out, err)
    assert "without encryption" not in out + err, "kernels use IPC: no TCP warning"


def test_the_status_page_says_which_regime_criteria_a_chapter_missed(tmp_path):
    """The chapter table's regime cell: the criteria of the parameters the page ran with
    (papermill's record), met or each one not met with what the scale has."""
    from hessbook.params import as_dict, load_file, params_file
    from hessbook.registry import schema_for

    page = tmp_path / "k1.ipynb"
    _executed(page)
    nb = json.loads(page.read_text())
    P = load_file(schema_for("k1"), params_file("k1", "smoke", ROOT))
    nb["metadata"]["papermill"]["parameters"] = {k: v for k, v in as_dict(P).items()}
    page.write_text(json.dumps(nb))
    row = _chapter_rows(status_markdown([ChapterRun("k1", page, 1.0, None)], ROOT))[0]
    assert "of 5 met; NOT met: K's 100 epochs (1/1 epochs)" in row and "at least 3 seeds (2 seed(s))" in row
    cpu = load_file(schema_for("k1"), params_file("k1", "cpu", ROOT))
    nb["metadata"]["papermill"]["parameters"] = dict(as_dict(cpu))
    page.write_text(json.dumps(nb))
    assert _chapter_rows(status_markdown([ChapterRun("k1", page, 1.0, None)], ROOT))[0].endswith("| 5 of 5 met | — |")


def test_the_regime_cell_counts_the_criteria_the_chapter_measured(tmp_path):
    """Review of 2026-12-06: the cell read the criteria of the parameters only (3 of 3 met for S2)
    while S2's page said a measured criterion was NOT met. It now reads the chapter's glued
    statement of its criteria, results included."""
    from hessbook import regime

    stated = regime.criteria_text([
        regime.Criterion("S's k = 2, 5 (S Table 1; Sec. 3)", True, "k = 2, 5"),
        regime.Criterion("every network fits its training set (training accuracy ≥ 99%)", False,
                         "2 of 62 below: SGD relu 96.4 %; GD tanh 98.7 %"),
    ])
    output = {"output_type": "display_data", "metadata": {"scrapbook": {"name": "s2-criteria"}},
              "data": {"application/papermill.record/text/plain": repr(stated)}}
    page = tmp_path / "s2.ipynb"
    page.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [output]}], "metadata": {}}))
    assert B.glued_criteria("s2", page) == [("S's k = 2, 5 (S Table 1; Sec. 3)", True),
                                            ("every network fits its training set (training accuracy ≥ 99%)", False)]
    assert B.regime_cell("s2", page) == ("1 of 2 met; NOT met: every network fits its training set (training "
                                         "accuracy ≥ 99%)")
    assert B.glued_criteria("s2", tmp_path / "absent.ipynb") is None
