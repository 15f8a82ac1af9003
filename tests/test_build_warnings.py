"""Issue 27, a quiet terminal: Sphinx warnings from jupyter-book's log are classified and
counted; broken references and missing glue keys in executed pages are the ones that matter
(they fail the build with --strict or when CI is set); kernels do not warn about TCP."""

from __future__ import annotations

from pathlib import Path

from hessbook import build as B

STAGE = Path("/work/x/_build/book-smoke")
LOG = f"""\
\x1b[01mreading sources... \x1b[39;49;00m[ 10%] \x1b[35mbook/guide/tour\x1b[39;49;00m
\x1b[91m{STAGE}/book/kamath/k1_batch_size.ipynb:60004: WARNING: No key 'k1-runs' found in glue data for this document. (use `path::key`, to glue from another document) [mystnb.glue]\x1b[39;49;00m
{STAGE}/book/guide/tour.ipynb:30001: WARNING: No key 'tour-fig' found in glue data for this document. [mystnb.glue]
\x1b[91m{STAGE}/book/kamath/k1_batch_size.ipynb:20029: WARNING: 'myst' cross-reference target not found: '../appendix/models.md' [myst.xref_missing]\x1b[39;49;00m
{STAGE}/book/intro.md:12: WARNING: undefined label: 'no-such-label' [ref.ref]
{STAGE}/book/old.md: WARNING: document isn't included in any toctree
WARNING: html_static_path entry '_static' does not exist
{STAGE}/book/yao/y1_large_batch.ipynb:5: ERROR: Unknown directive type "glue:figre".
[IPKernelApp] WARNING | Kernel is running over TCP without encryption.
\x1b[01mbuild succeeded, 7 warnings.\x1b[39;49;00m
"""


def test_warning_lines_are_parsed_and_classified():
    warnings = B.parse_warnings(LOG, STAGE)
    assert [(w.document, w.kind) for w in warnings] == [
        ("book/kamath/k1_batch_size", "glue"),
        ("book/guide/tour", "glue"),
        ("book/kamath/k1_batch_size", "reference"),
        ("book/intro", "reference"),
        ("book/old", "toctree"),
        (None, "other"),
        ("book/yao/y1_large_batch", "other"),
    ]
    assert warnings[0].message.startswith("No key 'k1-runs' found in glue data")


def test_missing_glue_keys_matter_only_in_executed_pages():
    warnings = B.parse_warnings(LOG, STAGE)
    unexecuted = {"book/kamath/k1_batch_size"}  # a placeholder: it glues nothing by design
    matter = B.warnings_that_matter(warnings, unexecuted)
    assert [(w.document, w.kind) for w in matter] == [
        ("book/guide/tour", "glue"), ("book/kamath/k1_batch_size", "reference"), ("book/intro", "reference")]
    assert B.warning_counts(warnings, unexecuted) == (
        "7 Sphinx warnings (2 broken references, 1 missing glue keys, 1 missing glue keys in pages not executed, "
        "1 toctree, 2 other)")


def test_strict_build_fails_on_warnings_that_matter(tmp_path, monkeypatch):
    """With the rendering replaced by a log holding one broken reference: CI set fails the
    build and lists it; without CI or --strict the build passes and counts it."""
    from test_build_pages import fake_papermill, fake_project

    root = fake_project(tmp_path)
    fake_papermill(monkeypatch, [])

    def fake_render(stage, root, log):
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"{stage}/book/intro.md:3: WARNING: undefined label: 'nowhere' [ref.ref]\n")
        return root / "_build" / "html" / "index.html"

    monkeypatch.setattr(B, "render", fake_render)
    monkeypatch.delenv("CI", raising=False)
    B.build("smoke", ["tour"], root=root)
    monkeypatch.setenv("CI", "true")
    try:
        B.build("smoke", ["tour"], root=root)
    except SystemExit as exc:
        assert "1 Sphinx warning(s) that matter" in str(exc) and "book/intro: undefined label: 'nowhere'" in str(exc)
    else:
        raise AssertionError("CI set: a broken reference must fail the build")
    B.build("smoke", ["tour"], root=root, strict=False)


def test_kernels_use_ipc_so_ipykernel_does_not_warn_about_tcp(tmp_path):
    manager = B._kernel_manager(tmp_path / "kernel.log")(kernel_name="python3")
    assert manager.transport == "ipc"


def test_build_prints_one_line_per_chapter(tmp_path, monkeypatch, capsys):
    from test_build_pages import fake_papermill, fake_project

    root = fake_project(tmp_path)
    fake_papermill(monkeypatch, [])
    B.build("smoke", ["tour"], root=root, render_html=False)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("[hessbook] jobs: ")  # where sweeps run (issue 28: the default is chosen)
    assert lines[1].startswith("[hessbook] tour  smoke ") and lines[1].endswith(" s  ok")
    assert lines[2].startswith("[hessbook] smoke: 1 chapter(s) run, 1 ok")
