"""The book builder: status page from executed notebooks, chapter selection, verdict objects."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from hessbook.build import ChapterRun, build, read_verdicts, status_markdown, write_unexecuted
from hessbook.catalog import ITEMS
from hessbook.params import ParameterError
from hessbook.kit import Claim, Rule, is_true, single
from hessbook.report import VERDICT_MIME, verdict_markdown

ROOT = Path(__file__).resolve().parents[1]
RULE = Rule(held=is_true("held", "it held"), partly=is_true("partly", "in part"))


def Verdict(item: str, statement: str, verdict: str, paper: str, ours: str, evidence: str = "") -> Claim:
    """A claim that grades as ``verdict``."""
    values = {"held": verdict == "held", "partly": verdict == "partly"}
    return Claim(item, statement, paper, ours, RULE, single(values), evidence)


def executed_notebook(path: Path, claims: list[Claim], scale: str) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("kit.show_claims(...)")
    verdicts = [c.as_dict() for c in claims]
    payload = {"chapter": "s2", "scale": scale, "verdicts": verdicts}
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/markdown": verdict_markdown(verdicts, scale), VERDICT_MIME: payload})]
    nb.cells = [cell]
    nbformat.write(nb, path)
    return path


def test_status_page_has_one_row_per_item_with_verdict_and_scale(tmp_path):
    v = Verdict("S-Fig2", "outliers = k", "held", "k outliers", "k outliers for k=2..50", "gap count")
    w = Verdict("S-Table1", "counts", "did not hold", "table", "off by one", "ReLU rows differ")
    w2 = Verdict("S-Table1", "other claim", "held", "table", "ok")
    nb = executed_notebook(tmp_path / "s2.ipynb", [v, w, w2], "cpu")
    assert [p["scale"] for p in read_verdicts(nb)] == ["cpu"]
    page = status_markdown([ChapterRun("s2", nb, 12.5, None)], ROOT)
    rows = [line for line in page.splitlines() if line.startswith("| ") and "|---" not in line]
    item_rows = [r for r in rows if r.split("|")[1].strip() in {i.key for i in ITEMS}]
    assert len(item_rows) == len(ITEMS)
    row = next(r for r in item_rows if r.startswith("| S-Fig2 "))
    assert "| cpu | held |" in row
    assert "| cpu | **did not hold**: counts; **held**: other claim |" in next(
        r for r in item_rows if r.startswith("| S-Table1 "))
    assert "| — | not yet computed |" in next(r for r in item_rows if r.startswith("| Y-Table1 "))
    assert "| s2 | 12.5 | ok |" in page


def test_failed_chapter_is_marked(tmp_path):
    nb = executed_notebook(tmp_path / "s2.ipynb", [], "smoke")
    page = status_markdown([ChapterRun("s2", nb, 1.0, "ValueError: boom")], ROOT)
    assert "failed (see chapter)" in next(r for r in page.splitlines() if r.startswith("| S-Fig2 "))
    assert "error: ValueError: boom" in page


def test_claim_rejects_unknown_item():
    with pytest.raises(KeyError, match="unknown item 'S-Fig99'"):
        Verdict("S-Fig99", "c", "held", "p", "o")


def test_build_rejects_unknown_scale_and_chapter():
    with pytest.raises(ParameterError, match="scale = 'huge'"):
        build("huge", root=ROOT, render_html=False)
    with pytest.raises(ParameterError, match=r"chapters \['zz'\] are not in _toc.yml"):
        build("smoke", chapters=["zz"], root=ROOT, render_html=False)


def test_unexecuted_chapter_keeps_its_title_and_says_how_to_run_it(tmp_path):
    src = tmp_path / "book" / "yao" / "y1_large_batch.ipynb"
    src.parent.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Y1 · Title\n\nThe claim."), nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, src)
    out = tmp_path / "stage" / "y1_large_batch.ipynb"
    write_unexecuted(src, out, "gpu")
    cells = nbformat.read(out, as_version=4).cells
    assert cells[0].source.strip() == "# Y1 · Title"
    assert "not been executed at **gpu**" in cells[1].source and "CHAPTERS=y1" in cells[1].source
    assert "The claim." in cells[1].source and cells[2].source == "x = 1"


def test_only_papermill_copies_count_as_executed():
    from hessbook.build import was_executed

    assert was_executed(b'{"metadata": {"papermill": {"parameters": {}}}, "cells": []}')
    assert not was_executed(b'{"metadata": {}, "cells": []}') and not was_executed(b"not json")


def test_verdict_cell_names_the_claims_only_when_they_differ():
    from hessbook.build import verdict_cell

    assert verdict_cell([("held", "a"), ("held", "b")]) == "held"
    long = "x" * 100
    cell = verdict_cell([("held", "trend | up"), ("partly", long)], width=20)
    assert cell == "**held**: trend \\| up; **partly**: " + "x" * 19 + "…"
