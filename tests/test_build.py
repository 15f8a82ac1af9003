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


def executed_notebook(path: Path, claims: list[Claim], scale: str, n_seeds: int | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("kit.show_claims(...)")
    verdicts = [c.as_dict() for c in claims]
    payload = {"chapter": "s2", "scale": scale, "verdicts": verdicts, "n_seeds": n_seeds}
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
    assert "| cpu | held | 1 of 1 |" in row
    assert "| cpu | **did not hold**: counts; **held**: other claim | 2 of 2 |" in next(
        r for r in item_rows if r.startswith("| S-Table1 "))
    assert "| — | not yet computed | — |" in next(r for r in item_rows if r.startswith("| Y-Table1 "))
    assert "| s2 | 12.5 | ok |" in page


def test_status_page_says_on_how_many_seeds_a_chapter_graded(tmp_path):
    v = Verdict("S-Fig2", "outliers = k", "held", "k outliers", "k outliers")
    one = executed_notebook(tmp_path / "s2.ipynb", [v], "cpu", n_seeds=1)
    page = status_markdown([ChapterRun("s2", one, 12.5, None)], ROOT)
    assert "| chapter | seconds | result | regime | seeds |" in page
    assert next(r for r in page.splitlines() if r.startswith("| s2 | 12.5 |")).endswith("| 1 |")
    three = executed_notebook(tmp_path / "s3.ipynb", [v], "cpu", n_seeds=3)
    page = status_markdown([ChapterRun("s2", three, 12.5, None)], ROOT)
    assert next(r for r in page.splitlines() if r.startswith("| s2 | 12.5 |")).endswith("| 3 |")
    older = executed_notebook(tmp_path / "old.ipynb", [v], "cpu")  # a page executed before payloads said
    page = status_markdown([ChapterRun("s2", older, 12.5, None)], ROOT)
    assert next(r for r in page.splitlines() if r.startswith("| s2 | 12.5 |")).endswith("| — |")


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


def test_unexecuted_chapter_keeps_its_title_and_says_how_to_run_it(tmp_path, y1_source):
    src = y1_source
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


# ----------------------------------------------------------------------------- params files, --set


def mini_project(tmp_path: Path, params_text: str | None = None) -> Path:
    """A project with the tour chapter only: _toc.yml, its notebook and params/smoke/tour.yaml."""
    import shutil

    tour = next(p for p in (ROOT / "book" / "guide").iterdir() if p.stem == "tour")
    (tmp_path / "book" / "guide").mkdir(parents=True)
    shutil.copy2(tour, tmp_path / "book" / "guide" / tour.name)
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/guide/tour\n")
    (tmp_path / "params" / "smoke").mkdir(parents=True)
    text = (ROOT / "params" / "smoke" / "tour.yaml").read_text() if params_text is None else params_text
    (tmp_path / "params" / "smoke" / "tour.yaml").write_text(text)
    return tmp_path


@pytest.mark.parametrize("text, words", [
    ("scale: smoke\nseed: [0\n", ["not valid YAML"]),
    ("- scale: smoke\n- seed: 0\n", ["expected a mapping", "got a list"]),
])
def test_build_names_a_malformed_params_file(tmp_path, text, words):
    from hessbook.registry import chapter_parameters

    root = mini_project(tmp_path, text)
    with pytest.raises(ParameterError) as info:
        chapter_parameters("tour", "smoke", root)
    msg = str(info.value)
    assert "params/smoke/tour.yaml" in msg and all(w in msg for w in words), msg


def test_cross_field_errors_name_the_params_file(tmp_path):
    from hessbook.registry import chapter_parameters

    root = mini_project(tmp_path, "scale: smoke\nseed: 0\nn_samples: 100000\ndimension: 1000\nvariance: 1.0\n")
    with pytest.raises(ParameterError, match=r"params/smoke/tour.yaml: n_samples \* dimension = 100000000"):
        chapter_parameters("tour", "smoke", root)


def test_set_overrides_reach_papermill_and_are_validated(tmp_path, monkeypatch, capsys):
    import papermill

    from hessbook import build as B

    root = mini_project(tmp_path)
    seen = []

    def fake_execute(src, out, parameters, **kwargs):
        seen.append(parameters)
        nb = nbformat.read(src, as_version=4)
        nb.metadata["papermill"] = {"parameters": parameters}
        nbformat.write(nb, out)

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    B.main(["--scale", "smoke", "--chapters", "tour", "--root", str(root), "--no-render",
            "--set", "dimension=800", "variance=0.5"])
    assert seen[-1]["dimension"] == 800 and seen[-1]["variance"] == 0.5 and seen[-1]["n_samples"] == 400
    assert "with dimension=800 variance=0.5" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:  # unknown key: named, with a suggestion
        B.main(["--scale", "smoke", "--root", str(root), "--no-render", "--set", "dimensions=800"])
    assert "no parameter 'dimensions'" in str(info.value) and "did you mean 'dimension'" in str(info.value)
    with pytest.raises(SystemExit, match=r"tour.yaml with --set dimension=0: dimension = 0: must be > 0"):
        B.main(["--scale", "smoke", "--root", str(root), "--no-render", "--set", "dimension=0"])
    with pytest.raises(SystemExit, match="expected KEY=VALUE"):
        B.main(["--scale", "smoke", "--root", str(root), "--no-render", "--set", "dimension"])
    assert len(seen) == 1, "bad overrides fail before any kernel starts"
    assert B.parse_overrides(["seeds=[0, 1]", "device=cpu", "full=true"]) == {
        "seeds": [0, 1], "device": "cpu", "full": True}


def test_make_book_passes_set_to_the_build():
    import subprocess

    out = subprocess.run(["make", "-n", "book", "CHAPTERS=tour", "SET=dimension=800 variance=0.5",
                          "VENV=/nonexistent-venv", "SHARED_DATA=/nonexistent-data"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "-m hessbook.build --scale cpu --chapters tour --set dimension=800 variance=0.5" in out


def test_readme_commands_work_on_a_fresh_clone():
    """The hand-run command uses .venv/bin/papermill, which exists only after `make env`;
    the README says to see a changed parameter in the book with make book ... SET=."""
    import re
    import sys

    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    hand = next(b for b in blocks if ".venv/bin/papermill" in b)
    lines = [line.split("#")[0].strip() for line in hand.splitlines()]
    papermill_at = next(i for i, line in enumerate(lines) if ".venv/bin/papermill" in line)
    assert "make env" in lines[:papermill_at], hand
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^env: \$\(STAMP\)", makefile, re.M) and "pip install -e ." in makefile
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("papermill") for d in deps), "make env installs papermill with the package"
    assert Path(sys.executable).with_name("papermill").exists() and Path(sys.executable).with_name("jupytext").exists()
    convert, run = (part.split() for part in lines[papermill_at].split("|"))
    assert convert[0] == ".venv/bin/jupytext" and (ROOT / convert[-1]).exists()  # the MyST source
    assert run[:2] == [".venv/bin/papermill", "-"] and (ROOT / run[run.index("-f") + 1]).exists()
    assert 'make book CHAPTERS=tour SET="dimension=800"' in readme
    assert "To render a chapter you executed by hand, run `make book CHAPTERS=<id>`" not in readme


def test_book_renders_math_offline(tmp_path):
    """A one-page book with the project's _config.yml references no remote script and carries
    MathJax in its HTML folder (about 3 s)."""
    import re
    import shutil
    import subprocess
    import sys

    src = tmp_path / "book"
    src.mkdir()
    shutil.copy2(ROOT / "_config.yml", src / "_config.yml")
    (src / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (src / "intro.md").write_text("# Intro\n\nInline $x^2$ and\n\n$$\\lambda_1 = \\max_i x_i$$\n")
    exe = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(exe) if exe.exists() else "jupyter-book", "build", str(src), "--path-output", str(tmp_path)],
                   check=True, capture_output=True)
    html_dir = tmp_path / "_build" / "html"
    page = (html_dir / "intro.html").read_text()
    assert "math" in page and "\\lambda_1" in page
    scripts = re.findall(r"<script\b[^>]*\ssrc=[\"']([^\"']+)[\"']", page)
    assert scripts, "the page loads its scripts"
    remote = [s for s in scripts if re.match(r"(https?:)?//", s)]
    assert not remote, f"remote scripts: {remote}"
    mathjax = [s for s in scripts if "mathjax" in s.lower()]
    assert mathjax and all((html_dir / s.split("?")[0]).is_file() for s in mathjax), mathjax
    assert (html_dir / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_status_page_shows_coverage_per_item_and_a_summary_line(tmp_path):
    """Issue 26: coverage = cases judged of the cases in the paper's item; the summary counts
    the items by verdict and the fully covered ones."""
    rule = Rule(held=is_true("held", "it held"))
    half = Claim("Y-Fig2-15", "c", "p", "o", rule, {"C1": {"held": True}}, expected=("C1", "C2"))
    full = Claim("S-Fig2", "c", "p", "o", rule, {"": {"held": True}})
    nb = executed_notebook(tmp_path / "s2.ipynb", [half, full], "cpu")
    page = status_markdown([ChapterRun("s2", nb, 1.0, None)], ROOT)
    assert "| cpu | partly | 1 of 2 |" in next(r for r in page.splitlines() if r.startswith("| Y-Fig2-15 "))
    assert "| cpu | held | 1 of 1 |" in next(r for r in page.splitlines() if r.startswith("| S-Fig2 "))
    n = len(ITEMS)
    assert (f"**Summary**: {n} items: 1 held, 1 partly, 0 did not hold, 0 not judged, {n - 2} not computed; "
            f"1 of {n} fully covered") in page


def test_the_cluster_banner_reaches_the_terminal_not_the_page(tmp_path, capsys):
    """Issue 27 (21, 22): the sweep's banner (with the dashboard address) is written by the
    kernel to its own stderr (the kernel log), and the build echoes it while the chapter runs."""
    import time as _time

    from hessbook.build import echo_announcements

    log = tmp_path / "k2.announce.log"
    with echo_announcements(log, every=0.05):
        log.write_text("ipykernel noise\n[hessbook.sweep] LocalCluster 1 x 2; Dask dashboard: http://127.0.0.1:8787\n")
        _time.sleep(0.3)
        with open(log, "a") as fh:
            fh.write("[hessbook.sweep] second line, no newline yet")
    out = capsys.readouterr().out
    assert out == " [dashboard http://127.0.0.1:8787] second line, no newline yet"  # inside the chapter's line
    assert "\n" not in out and "ipykernel noise" not in out


def test_announce_goes_to_the_file_the_build_names(monkeypatch, capsys, tmp_path):
    import hessbook.cluster as cluster

    monkeypatch.delenv(cluster.ANNOUNCE_ENV, raising=False)
    cluster.announce("hello")
    assert capsys.readouterr().out == "[hessbook.sweep] hello\n"
    target = tmp_path / "k2.announce.log"
    monkeypatch.setenv(cluster.ANNOUNCE_ENV, str(target))
    cluster.announce("dashboard")
    assert capsys.readouterr().out == "" and target.read_text() == "[hessbook.sweep] dashboard\n"
