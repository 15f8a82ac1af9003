"""Build the book: execute every chapter with papermill, then render HTML with jupyter-book.

    python -m hessbook.build --scale cpu                # what `make book` runs
    python -m hessbook.build --scale smoke --chapters s2 tour --no-render
    python -m hessbook.build --chapters tour --set dimension=800   # `make book CHAPTERS=tour SET="dimension=800"`

Steps:

1. check everything that can be checked before a kernel starts: the parameters of every
   selected chapter (``params/<scale>/<chapter>.yaml`` with the ``--set KEY=VALUE`` overrides,
   against the chapter's schema), that a ``device`` they name exists on this machine, and the
   cluster setting ``HESSBOOK_CLUSTER``;
2. copy the book's pages (``_config.yml``, ``_toc.yml``, Markdown, images) into a stage
   directory ``_build/book-<scale>/``, keeping the executed chapters already there;
3. execute each selected chapter with papermill into ``_build/logs/<scale>/<chapter>.ipynb``
   (its kernel's own output goes to ``<chapter>.kernel.log`` beside it) and move it into the
   stage atomically when it succeeded: an interrupted build leaves every staged page as it was,
   and a chapter that fails keeps its last good page, marked as from an earlier build. A
   chapter whose dataset is missing fails the build and stops it (``--allow-missing-data``:
   a partial book whose pages say "not computed");
4. write the status page from the verdicts the staged notebooks carry;
5. ``jupyter-book build`` the stage into ``_build/html`` (``execute_notebooks: off``:
   papermill executes, the book renders); its output goes to ``_build/logs/jupyter-book.log``,
   its Sphinx warnings are counted, and those that matter (a broken reference, a missing glue
   key in an executed page) fail the build with ``--strict`` or when ``CI`` is set.

The terminal gets one line per chapter and a summary. Results come from the result store, so
a rebuild with unchanged parameters only re-renders.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hessbook import notebooks
from hessbook.catalog import CHAPTERS, ITEMS, VERDICTS
from hessbook.cluster import ANNOUNCE_ENV, ANNOUNCE_PREFIX, SERIAL_ANNOUNCEMENT
from hessbook.data import OPTIONAL_DATASETS
from hessbook.registry import chapter_parameters, chapter_params, describe_overrides, parse_overrides
from hessbook.params import SCALES, ParameterError
from hessbook.paths import data_root, project_root
from hessbook.report import verdicts_from_outputs

STATUS_PAGE = Path("book/status.md")
MISSING_DATA_LOG = "HESSBOOK_MISSING_DATA_LOG"  # the same name as hessbook.data.MISSING_DATA_LOG (no torch import here)
KEPT_TAG = "hessbook-earlier-build"
"""Tag of the admonition cell put on top of a page kept from an earlier build."""


@dataclass(frozen=True)
class MissingData:
    """A dataset a chapter could not load (one line of the kernel's missing-data log)."""

    dataset: str
    root: str
    expected: tuple[str, ...]
    problem: str = "missing"
    """``missing`` or ``damaged``."""

    @property
    def optional(self) -> bool:
        """A missing (not damaged) dataset of :data:`hessbook.data.OPTIONAL_DATASETS`: the build
        goes on without it and says so."""
        return self.problem == "missing" and self.dataset in OPTIONAL_DATASETS

    def describe(self) -> str:
        what = "is damaged" if self.problem == "damaged" else "is missing"
        return (f"dataset {self.dataset!r} {what}: looked for {', '.join(self.expected)} under {self.root} "
                "(torchvision layout)")


@dataclass(frozen=True)
class ChapterRun:
    chapter: str
    notebook: Path
    """The staged page (executed copy, or the page kept from an earlier build)."""
    seconds: float
    error: str | None
    ran: bool = True
    """False for a chapter not selected in this build (its page, if any, is an earlier build's)."""
    earlier: str | None = None
    """When the page shown is from an earlier build: when that build executed it."""
    missing: tuple[MissingData, ...] = ()
    """Datasets the chapter could not load (it shows "not computed" for what needed them)."""
    log: Path | None = None
    """The executed notebook and kernel log of this build's run (``_build/logs/...``)."""

    @property
    def state(self) -> str:
        """``ok``, ``failed``, ``missing data`` (ran, but without some data) or ``not run``."""
        if not self.ran:
            return "not run"
        if self.error is not None:
            return "failed"
        if self.missing and all(m.optional for m in self.missing):
            return "ok without " + ", ".join(m.dataset for m in self.missing)
        return "missing data" if self.missing else "ok"

    @property
    def blocking(self) -> tuple[MissingData, ...]:
        """Missing datasets that stop the build (all but the optional ones)."""
        return tuple(m for m in self.missing if not m.optional)


def _root(root: str | Path | None) -> Path:
    if root is not None:
        return Path(root).resolve()
    found = project_root()
    if found is None:
        raise SystemExit("hessbook.build: run inside the project checkout (no _toc.yml found)")
    return found


def toc_files(root: Path) -> list[Path]:
    """Every file named in ``_toc.yml``, in order, with its real extension."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    names.append(str(node[key]))
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    files = []
    for name in names:
        candidates = [root / f"{name}{ext}" for ext in ("", ".ipynb", ".md")]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise FileNotFoundError(f"_toc.yml names {name!r} but no {name}.ipynb or {name}.md exists")
        files.append(found)
    return files


def toc_notebooks(root: Path) -> list[Path]:
    """The chapter notebooks named in ``_toc.yml`` (MyST Markdown sources, or ``.ipynb``)."""
    return [f for f in toc_files(root) if notebooks.is_notebook(f)]


def chapter_id(notebook: Path) -> str:
    """``book/sagun/s2_gaussian_clusters.md`` -> ``s2``."""
    return notebook.stem.split("_")[0]


def jobs_run_here() -> bool:
    """Whether sweep jobs run on this machine (cluster ``auto``, ``local`` or ``serial``): only
    then can a ``device`` parameter be checked against this machine's devices (a scheduler's or
    a batch system's workers have their own)."""
    from hessbook.cluster import cluster_setting, resolve

    return resolve(cluster_setting()).kind in ("auto", "local", "serial")


def describe_setting() -> str:
    """Where this build's sweep jobs run, in one line (:func:`hessbook.cluster.describe_setting`)."""
    from hessbook.cluster import describe_setting as describe

    return describe()


def check_cluster() -> None:
    """Fail before any kernel starts when ``HESSBOOK_CLUSTER`` names no known cluster."""
    from hessbook.cluster import SweepSetupError, cluster_setting, resolve

    try:
        resolve(cluster_setting())
    except SweepSetupError as exc:
        raise ParameterError(str(exc)) from None


def _kernel_manager(log: Path | None) -> type:
    """The kernel manager papermill starts each chapter's kernel with: local IPC sockets instead
    of TCP (so ipykernel does not warn "Kernel is running over TCP without encryption" once per
    chapter), and the kernel process's own stdout and stderr (ipykernel's log lines, and what the
    Dask workers it starts print) appended to ``log`` instead of the terminal. What the cells
    print still goes into the notebook."""
    from jupyter_client import AsyncKernelManager
    from traitlets import default

    class BuildKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if log is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            log.parent.mkdir(parents=True, exist_ok=True)
            with open(log, "ab") as fh:  # the kernel process holds its own copy of the descriptor
                return await super()._async_launch_kernel(kernel_cmd, **{**kw, "stdout": fh, "stderr": fh})

    return BuildKernelManager


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block (the kernels started inside inherit them)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def execute_chapter(
    notebook: Path,
    output: Path,
    scale: str,
    root: Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    kernel_log: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> ChapterRun:
    """Validate the chapter's parameters, then execute it with papermill into ``output``
    (an ``.ipynb``; a MyST Markdown source is converted first).

    papermill writes into a temporary file beside ``output``, moved onto ``output`` when the
    execution has finished (also when a cell raised: the copy then shows the traceback), so an
    interrupted execution leaves ``output`` as it was. ``kernel_log``: where the kernel
    process's own output goes (default: the terminal); ``env``: variables for the kernel.
    A chapter interrupted by Ctrl-C raises :class:`KeyboardInterrupt`."""
    import papermill

    chapter = chapter_id(notebook)
    parameters = chapter_parameters(chapter, scale, root, overrides, check_devices=jobs_run_here())
    output = output.with_suffix(".ipynb")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.partial.ipynb")
    source = notebooks.as_ipynb(notebook, output.with_name(f".{output.stem}.source.ipynb"))
    # No progress bars inside the pages: the book shows results, the terminal one line per chapter.
    os.environ.setdefault("HESSBOOK_PROGRESS", "off")
    start = time.perf_counter()
    error = None
    try:
        with _environment(env or {}):
            try:
                papermill.execute_notebook(
                    str(source),
                    str(partial),
                    parameters=parameters,
                    cwd=str(notebook.parent),
                    kernel_name="python3",
                    progress_bar=False,
                    log_output=False,
                    kernel_manager_class=_kernel_manager(kernel_log),
                )
            except papermill.PapermillExecutionError as exc:
                if exc.ename == "KeyboardInterrupt":  # Ctrl-C reached the kernel first
                    raise KeyboardInterrupt from exc
                error = f"{exc.ename}: {exc.evalue}"
        seconds = time.perf_counter() - start
        if partial.exists():
            hide_default_parameters(partial)
            os.replace(partial, output)
    finally:
        source.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return ChapterRun(chapter, output, seconds, error)


def hide_default_parameters(notebook: Path) -> None:
    """In the rendered copy show only the values the chapter ran with.

    papermill adds a cell tagged ``injected-parameters`` after the ``parameters`` cell; the
    defaults above it would only confuse a reader, so they get the ``remove-cell`` tag.
    """
    nb = json.loads(notebook.read_text())
    tags = [c.get("metadata", {}).get("tags", []) for c in nb["cells"]]
    if not any("injected-parameters" in t for t in tags):
        return
    for cell, cell_tags in zip(nb["cells"], tags):
        if "parameters" in cell_tags and "remove-cell" not in cell_tags:
            cell.setdefault("metadata", {})["tags"] = [*cell_tags, "remove-cell"]
    notebooks.write(nb, notebook)


def stage_pages(root: Path, stage: Path, keep: Iterable[Path] = ()) -> None:
    """Copy everything the book renders except the notebook sources (those are executed) into
    ``stage``. The files ``keep`` (paths relative to the stage: the executed chapter pages) are
    left where they are; every other file already in the stage is removed first, so a page
    deleted from ``book/`` disappears. Nothing is wiped wholesale: an interrupted build
    leaves the executed pages of earlier builds in place."""
    kept = {stage / k for k in keep}
    if stage.exists():
        for path in sorted(stage.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_symlink() or path.is_file():
                if path not in kept:
                    path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    stage.mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml", "references.bib"):
        if (root / name).exists():
            shutil.copy2(root / name, stage / name)
    for path in (root / "book").rglob("*"):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts and not notebooks.is_notebook(path):
            target = stage / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def read_verdicts(notebook: Path) -> list[dict]:
    """Verdict payloads carried by an executed notebook's outputs."""
    nb = json.loads(notebook.read_text())
    outputs = (o for cell in nb.get("cells", []) for o in cell.get("outputs", []))
    return verdicts_from_outputs(outputs)


def notebook_seeds(notebook: Path) -> str:
    """The networks per case an executed chapter graded its verdicts on (its verdict payload's
    ``n_seeds``), or ``—`` (no verdicts, or a page executed before payloads carried it)."""
    if not notebook.exists():
        return "—"
    counts = {p.get("n_seeds") for p in read_verdicts(notebook)} - {None}
    return ", ".join(str(n) for n in sorted(counts)) if counts else "—"


def verdict_cell(verdicts: Sequence[tuple[str, str]], width: int = 60) -> str:
    """One verdict when every claim of an item agrees; otherwise each claim (shortened) with
    its verdict, in the chapter's order, so a reader sees which claim held."""
    distinct = list(dict.fromkeys(v for v, _ in verdicts))
    if len(distinct) == 1:
        return distinct[0]

    def short(claim: str) -> str:
        claim = claim.replace("|", "\\|").strip()
        return claim if len(claim) <= width else claim[: width - 1].rstrip() + "…"

    return "; ".join(f"**{v}**: {short(c)}" for v, c in verdicts)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def one_line(text: str) -> str:
    """``text`` without terminal colour codes, its lines joined by single spaces."""
    return " ".join(_ANSI.sub("", text).split())


def table_cell(text: str, limit: int = 200) -> str:
    """``text`` made safe for one cell of a Markdown table: one line (a newline would end the
    row), ``|`` escaped (it would start a new cell), at most ``limit`` characters of the text
    (cut with ``…``, never inside an escape)."""
    flat = one_line(text)
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat.replace("|", "\\|")


def _fence(text: str) -> str:
    """``text`` in a fenced block whose fence no line of the text can close."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{_ANSI.sub('', text).rstrip()}\n{fence}"


def notebook_criteria(chapter: str, notebook: Path) -> list | None:
    """The regime criteria (:mod:`hessbook.regime`) of the parameters an executed chapter ran
    with (papermill's record of them), or None: the chapter states none, or the page is not an
    executed copy whose parameters validate."""
    from hessbook.registry import chapter_module
    from hessbook.params import validate

    module = chapter_module(chapter)
    if not hasattr(module, "criteria") or not notebook.exists():
        return None
    try:
        values = json.loads(notebook.read_text())["metadata"]["papermill"]["parameters"]
        return list(module.criteria(validate(module.Params, values, where=f"chapter {chapter}")))
    except (KeyError, ValueError, TypeError):
        return None


_GLUED_CRITERION = re.compile(r"(?:^|\); )(.*?): (NOT met|met) \(")
"""A clause of :func:`hessbook.regime.criteria_text`, ``<name>: met (<found>)``: a name starts
the text or follows the previous clause's closing parenthesis."""


def glued_criteria(chapter: str, notebook: Path) -> list[tuple[str, bool]] | None:
    """(name, met) of each regime criterion as the executed chapter stated them (its glued
    ``<chapter>-criteria`` text, :func:`hessbook.regime.criteria_text`): with its results, so the
    measured criteria (a training set fitted, a run converged) count too, which the parameters
    alone cannot give (review of 2026-12-06: S2's page said a criterion was NOT met while this
    table read 3 of 3 met). None without such a glued text."""
    from hessbook.compare import glued_values

    if not notebook.exists():
        return None
    try:
        text = glued_values(json.loads(notebook.read_text())).get(f"{chapter}-criteria")
    except ValueError:
        return None
    if not text:
        return None
    try:  # a glued string's text form is its repr
        text = str(ast.literal_eval(text))
    except (ValueError, SyntaxError):
        pass
    found = [(m.group(1).strip(), m.group(2) == "met") for m in _GLUED_CRITERION.finditer(text)]
    return found or None


def regime_cell(chapter: str, notebook: Path) -> str:
    """The 'regime' cell: the chapter's own statement of its criteria where it glued one and it
    names at least as many criteria as its parameters give, else the parameters' criteria."""
    stated, planned = glued_criteria(chapter, notebook), notebook_criteria(chapter, notebook)
    if stated is None or (planned is not None and len(stated) < len(planned)):
        return criteria_cell(planned)
    missed = [name for name, met in stated if not met]
    head = f"{len(stated) - len(missed)} of {len(stated)} met"
    return table_cell(head + ("; NOT met: " + "; ".join(missed) if missed else ""), 400)


def criteria_cell(criteria: Sequence[Any] | None) -> str:
    """The 'regime' cell of the status page's chapter table: how many criteria the scale met,
    and each one not met with what the scale has."""
    if criteria is None:
        return "—"
    if not criteria:
        return "no trained network"
    missed = [c for c in criteria if not c.met]
    head = f"{len(criteria) - len(missed)} of {len(criteria)} met"
    if not missed:
        return head
    return table_cell(head + "; NOT met: " + "; ".join(f"{c.name} ({c.found})" for c in missed), 400)


def _chapter_result(run: ChapterRun) -> str:
    """The 'result' cell of the status page's chapter table."""
    if not run.ran:
        if run.earlier:
            return f"not run in this build; the page is from an earlier build (executed {run.earlier})"
        return "not run in this build; never executed at this scale (the page says how to run it)"
    if run.error is not None:
        kept = f" — showing the page of an earlier build (executed {run.earlier})" if run.earlier else ""
        return table_cell(f"error: {run.error}", 200) + kept
    if run.missing:
        return table_cell("ran without data (results needing it: not computed): "
                          + "; ".join(f"{m.dataset} {m.problem} in {m.root}" for m in run.missing))
    return "ok"


def claim_coverage(verdict: Mapping[str, Any]) -> tuple[int, int]:
    """``(cases judged, cases of the paper's item)`` of one verdict payload; a payload without
    coverage (an older page) counts as one case, judged when its verdict is a judgement."""
    coverage = verdict.get("coverage")
    if isinstance(coverage, (list, tuple)) and len(coverage) == 2:
        return int(coverage[0]), int(coverage[1])
    return int(verdict.get("verdict") in JUDGEMENTS), 1


JUDGEMENTS = VERDICTS[:3]
"""held, partly, did not hold: the verdicts that judge a claim."""


def item_verdict(verdicts: Sequence[tuple[str, str]]) -> str:
    """One verdict for an item of several claims, combined as a claim's cases are
    (:func:`hessbook.kit.claims.combine`); an item without verdicts is not computed."""
    from hessbook.kit.claims import combine

    grades = [v if v in VERDICTS else NOT_COMPUTED_VERDICT for v, _ in verdicts]
    return combine(grades)


NOT_COMPUTED_VERDICT = VERDICTS[-1]


def summary_line(by_item: Mapping[str, tuple[str, list[tuple[str, str]]]],
                 covered: Mapping[str, tuple[int, int]]) -> str:
    """``**Summary**: 46 items: 12 held, ...; 30 fully covered.`` over every catalog item."""
    counts = {v: 0 for v in VERDICTS}
    full = 0
    for it in ITEMS:
        _, verdicts = by_item.get(it.key, ("", []))
        counts[item_verdict(verdicts)] += 1
        judged, total = covered.get(it.key, (0, 0))
        full += bool(total) and judged == total
    parts = ", ".join(f"{n} {v}" for v, n in counts.items())
    return (f"**Summary**: {len(ITEMS)} items: {parts}; {full} of {len(ITEMS)} fully covered "
            "(every case of the paper's figure or table judged: coverage = cases judged of cases in the paper's item).")


def status_markdown(runs: Sequence[ChapterRun], root: Path, stopped: str | None = None) -> str:
    """The status page: one row per figure/table, with scale and verdict; then the chapters of
    this build (run or not, and how it went) and the full text of their errors. ``stopped``:
    why the build stopped before running every selected chapter."""
    by_item: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    covered: dict[str, tuple[int, int]] = {}
    for run in runs:
        if run.notebook.exists():
            for payload in read_verdicts(run.notebook):
                for v in payload["verdicts"]:
                    scale, seen = by_item.get(v["item"], (payload["scale"], []))
                    by_item[v["item"]] = (scale, [*seen, (v["verdict"], v.get("claim", ""))])
                    judged, total = covered.get(v["item"], (0, 0))
                    j, t = claim_coverage(v)
                    covered[v["item"]] = (judged + j, total + t)
    ran = {r.chapter: r for r in runs}
    existing = {c.id for c in CHAPTERS if (root / c.path).exists()}
    lines = [
        "# Reproduction status",
        "",
        "Generated by `make book` from the executed chapters: one row per figure or table of "
        "the papers, the chapter that reproduces it, the scale our numbers were computed at, "
        "and the verdict (an item with several claims whose verdicts differ lists each claim "
        "with its verdict). *Not judged* means our values were computed but the claim's "
        "precondition for judging it does not hold at this scale (too few batch sizes, a "
        "correlation undefined): the chapter's evidence names the precondition and the value. "
        "*Not computed* means values the verdict needs are missing (no data, not selected at this "
        "scale, a failed job); *not yet computed* means the chapter does not exist yet, failed, or "
        "reported no verdict for the item.",
        "",
    ]
    if stopped:
        lines += [":::{error}", f"This build stopped early: {one_line(stopped)}", ":::", ""]
    lines += [summary_line(by_item, covered), ""]
    lines += [
        "| item | what it shows | chapter | scale | verdict | coverage |",
        "|---|---|---|---|---|---|",
    ]
    chapters = {c.id: c for c in CHAPTERS}
    for it in ITEMS:
        c = chapters[it.chapter]
        link = f"[{c.id.upper()}](../{Path(c.path).with_suffix('.ipynb')})" if c.id in existing else f"{c.id.upper()} (not written yet)"
        scale, verdicts = by_item.get(it.key, ("—", [("not yet computed", "")]))
        run = ran.get(c.id)
        if run is not None and run.error is not None:
            text = (f"failed in this build (see below); earlier build: {verdict_cell(verdicts)}" if run.earlier
                    else "failed (see chapter)")
        else:
            text = verdict_cell(verdicts)
        judged, total = covered.get(it.key, (0, 0))
        coverage = f"{judged} of {total}" if total else "—"
        lines.append(f"| {it.key} | {it.shows} | {link} | {scale} | {text} | {coverage} |")
    lines += ["", "## Chapters in this build", "",
              "*Regime*: the chapter's regime criteria (what its scale keeps of the paper's training: steps, "
              "training loss, attack radius, seeds; stated in the chapter, `hessbook.regime`) met by the "
              "parameters it ran with.", "",
              "*Seeds*: how many networks (one per seed) each case of the chapter's verdicts was graded on; "
              "1: its verdicts were not checked against a new seed.", "",
              "| chapter | seconds | result | regime | seeds |", "|---|---|---|---|---|"]
    for run in runs:
        seconds = f"{run.seconds:.1f}" if run.ran else "—"
        lines.append(f"| {run.chapter} | {seconds} | {_chapter_result(run)} | "
                     f"{regime_cell(run.chapter, run.notebook)} | {notebook_seeds(run.notebook)} |")
    failed = [r for r in runs if r.error is not None]
    if failed:
        lines += ["", "## Errors", ""]
        for run in failed:
            lines += [f"**{run.chapter}**" + (f" (notebook of this run: `{run.log}`)" if run.log else "") + ":",
                      "", _fence(run.error or ""), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# ----------------------------------------------------------------------------- pages


def was_executed(notebook: bytes) -> bool:
    """Whether a staged notebook is papermill's executed copy (not a placeholder)."""
    try:
        return "papermill" in json.loads(notebook).get("metadata", {})
    except ValueError:
        return False


def _metadata(page: Path) -> dict[str, Any]:
    try:
        meta = json.loads(page.read_bytes()).get("metadata", {})
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def is_good_page(page: Path) -> bool:
    """An executed copy in which no cell raised and no dataset was missing: what a failing
    chapter keeps showing."""
    meta = _metadata(page)
    papermill = meta.get("papermill")
    missing = meta.get("hessbook", {}).get("missing_data") or []
    return (isinstance(papermill, dict) and not papermill.get("exception")
            and all(m.get("dataset") in OPTIONAL_DATASETS and m.get("problem", "missing") == "missing"
                    for m in missing))


def executed_at(page: Path) -> str | None:
    """When the executed copy at ``page`` was executed (papermill's end time, to the second,
    UTC), None for a page that is not an executed copy."""
    papermill = _metadata(page).get("papermill")
    if not isinstance(papermill, dict):
        return None
    end = papermill.get("end_time") or papermill.get("start_time")
    return f"{str(end)[:19].replace('T', ' ')} UTC" if end else "at an unknown time"


def _insert_note(nb: dict[str, Any], note: str, tag: str) -> None:
    """Put the Markdown ``note`` (tagged ``tag``) at the top of ``nb``, after its title, in
    place of an earlier note with that tag."""
    cells = [c for c in nb["cells"] if tag not in c.get("metadata", {}).get("tags", [])]
    cell = {"cell_type": "markdown", "metadata": {"tags": [tag]}, "source": note}
    first = "".join(cells[0]["source"]) if cells and cells[0]["cell_type"] == "markdown" else ""
    if first.startswith("# "):  # keep the title first: it names the page
        title, _, rest = first.partition("\n")
        head = {**cells[0], "source": title + "\n"}
        tail = [{"cell_type": "markdown", "metadata": {}, "source": rest.lstrip("\n")}] if rest.strip() else []
        nb["cells"] = [head, cell, *tail, *cells[1:]]
    else:
        nb["cells"] = [cell, *cells]


def mark_earlier(page: Path, error: str, now: str) -> None:
    """Mark the kept ``page`` as from an earlier build: the build of ``now`` failed with ``error``."""
    nb = json.loads(page.read_text())
    first = one_line(error.strip().splitlines()[0] if error.strip() else error).replace("`", "'")
    note = (f":::{{important}}\nThis page is from an earlier build (executed {executed_at(page)}). "
            f"Executing this chapter again in the build of {now} failed:\n`{first[:300]}`\n\n"
            "The status page of the book shows the whole error.\n:::\n")
    _insert_note(nb, note, KEPT_TAG)
    notebooks.write(nb, page)


def write_unexecuted(source: Path, out: Path, scale: str) -> None:
    """A chapter left out of a partial build and never executed at ``scale``: the source
    notebook with a note on top that says how to execute it (its glued numbers are absent)."""
    nb = json.loads(json.dumps(notebooks.read(source)))
    cid = chapter_id(source)
    note = (f":::{{warning}}\nThis chapter has not been executed at **{scale}** scale in this build, so its "
            f"numbers, figures and verdicts are missing. Execute it with\n`make book SCALE={scale} "
            f"CHAPTERS={cid}`.\n:::\n")
    cells = nb["cells"]
    first = "".join(cells[0]["source"]) if cells and cells[0]["cell_type"] == "markdown" else ""
    if first.startswith("# "):  # keep the title first: it names the page
        title, _, rest = first.partition("\n")
        cells[0] = {**cells[0], "source": title + "\n"}
        cells.insert(1, {"cell_type": "markdown", "metadata": {}, "source": note + "\n" + rest})
    else:
        cells.insert(0, {"cell_type": "markdown", "metadata": {}, "source": note})
    notebooks.write(nb, out)


def read_missing(log: Path) -> tuple[MissingData, ...]:
    """The distinct datasets named in a missing-data log (JSON lines written by
    :func:`hessbook.data.report_missing`); unreadable lines are skipped."""
    found: dict[tuple[str, str, str], MissingData] = {}
    if not log.exists():
        return ()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
            item = MissingData(str(entry["dataset"]), str(entry["root"]),
                               tuple(str(e) for e in entry.get("expected", ())), str(entry.get("problem", "missing")))
        except (ValueError, KeyError, TypeError):
            continue
        found.setdefault((item.dataset, item.root, item.problem), item)
    return tuple(found.values())


def missing_data_message(run: ChapterRun) -> str:
    """What to tell the user when a chapter's data is missing: which, where, how to provide it."""
    lines = [f"chapter {run.chapter} could not load its data, so what needs it would read \"not computed\":"]
    lines += [f"  {m.describe()}" for m in run.blocking]
    lines += [
        "Provide the data: put the files there (with network, torchvision downloads them there), or point "
        f"HESSBOOK_DATA (now {data_root()}) at a folder that holds them (`make data` links ../shared/data "
        "into ./data). Or build a partial book whose pages say \"not computed\": --allow-missing-data "
        "(make book PARTIAL=1)."
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class SphinxWarning:
    """One warning line of ``jupyter-book build`` (Sphinx)."""

    document: str | None
    """Stage-relative path without suffix (``book/kamath/k1_batch_size``), None when unknown."""
    message: str
    kind: str
    """``reference`` (a broken link or cross-reference), ``glue`` (a missing glue key),
    ``toctree`` or ``other``."""


_WARNING_LINE = re.compile(r"^(?:(?P<path>.+?)(?::(?P<line>\d+))?: )?(?P<level>WARNING|ERROR|CRITICAL): (?P<msg>.*)$")
_REFERENCE = re.compile(
    r"\[(?:myst\.xref_missing|ref\.[\w.]*|myst\.ref|image\.not_readable|download\.not_readable|misc\.highlighting_failure)\]"
    r"|cross-reference target not found|undefined label|unknown document|term not in glossary"
    r"|Unknown target name|citation not found|local id not found|image file not readable"
)


def classify_warning(message: str) -> str:
    """``reference``, ``glue``, ``toctree`` or ``other`` for a Sphinx warning message."""
    if "[mystnb.glue]" in message or "found in glue data" in message:
        return "glue"
    if _REFERENCE.search(message):
        return "reference"
    if "toctree" in message or "[toc." in message:
        return "toctree"
    return "other"


def parse_warnings(text: str, stage: Path | None = None) -> list[SphinxWarning]:
    """The Sphinx warnings (and errors) in jupyter-book's output ``text``, classified."""
    out = []
    for raw in text.splitlines():
        m = _WARNING_LINE.match(_ANSI.sub("", raw).strip())
        if not m or "[IPKernelApp]" in raw:
            continue
        document = None
        if m["path"]:
            path = Path(m["path"])
            if stage is not None and path.is_relative_to(stage):
                path = path.relative_to(stage)
            document = str(path.with_suffix(""))
        out.append(SphinxWarning(document, m["msg"].strip(), classify_warning(m["msg"])))
    return out


def warnings_that_matter(warnings: Iterable[SphinxWarning], unexecuted: Iterable[str] = ()) -> list[SphinxWarning]:
    """Broken references anywhere, and missing glue keys except in pages ``unexecuted`` (the
    placeholders of chapters never executed at this scale, which glue nothing by design)."""
    skip = set(unexecuted)
    return [w for w in warnings if w.kind == "reference" or (w.kind == "glue" and w.document not in skip)]


def warning_counts(warnings: Sequence[SphinxWarning], unexecuted: Iterable[str] = ()) -> str:
    """``297 Sphinx warnings: 1 broken reference, 266 missing glue keys in pages not executed, ...``"""
    skip = set(unexecuted)
    groups = {
        "broken references": sum(w.kind == "reference" for w in warnings),
        "missing glue keys": sum(w.kind == "glue" and w.document not in skip for w in warnings),
        "missing glue keys in pages not executed": sum(w.kind == "glue" and w.document in skip for w in warnings),
        "toctree": sum(w.kind == "toctree" for w in warnings),
        "other": sum(w.kind == "other" for w in warnings),
    }
    parts = ", ".join(f"{n} {name}" for name, n in groups.items() if n)
    return f"{len(warnings)} Sphinx warnings" + (f" ({parts})" if parts else "")


def render(stage: Path, root: Path, log: Path | None = None) -> Path:
    """``jupyter-book build`` the stage; HTML lands in ``<root>/_build/html``. Its output goes to
    ``log`` (default ``<root>/_build/logs/jupyter-book.log``); a failure raises SystemExit naming
    the log and showing its end."""
    log = log or root / "_build" / "logs" / "jupyter-book.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe) if exe.exists() else "jupyter-book", "build", str(stage), "--path-output", str(root)]
    with open(log, "wb") as fh:
        done = subprocess.run(command, stdout=fh, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = "\n".join(_ANSI.sub("", log.read_text(errors="replace")).splitlines()[-20:])
        raise SystemExit(f"hessbook.build: jupyter-book failed (exit {done.returncode}); its log: {log}\n{tail}")
    return root / "_build" / "html" / "index.html"


# ----------------------------------------------------------------------------- the build


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _place(executed: Path, out: Path) -> None:
    """Copy the executed notebook onto the staged page atomically."""
    notebooks.write(json.loads(executed.read_text()), out)


def _annotate(executed: Path, missing: Sequence[MissingData], error: str | None) -> None:
    """Record in the executed copy what the build learned outside it (missing data, the error)."""
    nb = json.loads(executed.read_text())
    nb.setdefault("metadata", {})["hessbook"] = {
        "missing_data": [dict(dataset=m.dataset, root=m.root, problem=m.problem) for m in missing],
        "error": error,
    }
    if missing and error is None:  # a partial book, asked for: say so on the page
        names = ", ".join(f"{m.dataset} ({m.problem} in {m.root})" for m in missing)
        _insert_note(nb, f":::{{warning}}\nThis page was built without the dataset(s) {names}: what needs them "
                         "reads \"not computed\".\n:::\n", "hessbook-missing-data")
    notebooks.write(nb, executed)


def run_chapter(nb: Path, out: Path, scale: str, root: Path, overrides: Mapping[str, Any] | None,
                logs: Path, allow_missing_data: bool, now: str) -> ChapterRun:
    """Execute one chapter into ``logs`` and stage it at ``out`` if it succeeded; a chapter that
    failed (or lacked data, unless ``allow_missing_data``) keeps its last good page, marked."""
    cid = chapter_id(nb)
    logs.mkdir(parents=True, exist_ok=True)
    executed, kernel_log, missing_log = (logs / f"{cid}.ipynb", logs / f"{cid}.kernel.log",
                                         logs / f"{cid}.missing-data.jsonl")
    for stale in (executed, kernel_log, missing_log):
        stale.unlink(missing_ok=True)
    good_before = out.exists() and is_good_page(out)
    announcements = logs / f"{cid}.announce.log"
    announcements.unlink(missing_ok=True)
    with echo_announcements(announcements), watch_chapter(cid, scale, root, overrides):
        run = execute_chapter(nb, executed, scale, root, overrides, kernel_log=kernel_log,
                              env={MISSING_DATA_LOG: str(missing_log), ANNOUNCE_ENV: str(announcements)})
    missing = read_missing(missing_log)
    blocking = [m for m in missing if not m.optional]
    error = run.error
    if blocking and error is None and not allow_missing_data:
        error = "missing data: " + "; ".join(m.describe() for m in blocking)
    if executed.exists():
        _annotate(executed, missing, error)
    earlier = None
    if error is None:
        _place(executed, out)
    elif good_before:
        mark_earlier(out, error, now)
        earlier = executed_at(out)
    elif executed.exists():
        _place(executed, out)  # nothing better to show than this run's own page
    elif not out.exists():
        write_unexecuted(nb, out, scale)
    return ChapterRun(cid, out, run.seconds, error, missing=missing, earlier=earlier,
                      log=executed if executed.exists() else None)


def watch_chapter(chapter: str, scale: str, root: Path, overrides: Mapping[str, Any] | None):
    """While a chapter runs, its progress on its line every few minutes (:mod:`hessbook.watch`:
    how many of its jobs and networks the store holds; nothing for a chapter already stored)."""
    from hessbook.store import default_store
    from hessbook.watch import every_s, watch, watched

    return watch(lambda: watched(chapter, chapter_params(chapter, scale, root, overrides, check_devices=False)),
                 default_store(), every_s())


def remove_stale_temporaries() -> None:
    """Temporaries that killed writers left in the result store (a Ctrl-C mid-save), also of
    keys no chapter computes again; a store that cannot be written is left as it is."""
    from hessbook.store import StoreError, default_store

    store = default_store()
    if store.root.is_dir():
        with contextlib.suppress(OSError, StoreError):
            store.remove_stale_temporaries()


def terminal_note(announcement: str) -> str:
    """What of an announcement goes into the chapter's line: the dashboard's address alone
    (the full sentence, with how to reach it from elsewhere, is in the chapter's
    ``announce.log``), else the announcement itself."""
    found = re.search(r"Dask dashboard: (\S+)", announcement)
    if found:
        return f"[dashboard {found.group(1)}]"
    if announcement.strip().startswith(SERIAL_ANNOUNCEMENT):
        return ""  # jobs in the kernel itself: the build's first line already says so
    return announcement.strip()


@contextlib.contextmanager
def echo_announcements(log: Path, every: float = 0.5) -> Iterator[None]:
    """While a chapter runs, add what its kernel announces for the person at the terminal
    (``$HESSBOOK_ANNOUNCE``: the sweep's cluster banner, shortened to the dashboard's address by
    :func:`terminal_note`) to the chapter's line, as it comes: one line per chapter."""
    from hessbook.watch import beside

    def follow(done: threading.Event) -> None:
        offset = 0
        while True:
            finished = done.wait(every)
            if log.exists():
                with open(log, "rb") as fh:
                    fh.seek(offset)
                    chunk = fh.read()
                complete = chunk[: chunk.rfind(b"\n") + 1] if not finished else chunk
                offset += len(complete)
                for line in complete.decode(errors="replace").splitlines():
                    note = terminal_note(line[len(ANNOUNCE_PREFIX):]) if line.startswith(ANNOUNCE_PREFIX) else ""
                    if note:
                        print(f" {note}", end="", flush=True)
            if finished:
                return

    with beside(follow, "hessbook-echo"):
        yield


def not_run(nb: Path, out: Path, scale: str) -> ChapterRun:
    """A chapter not executed in this build: its earlier executed page stays, else a placeholder."""
    if out.exists() and was_executed(out.read_bytes()):
        return ChapterRun(chapter_id(nb), out, 0.0, None, ran=False, earlier=executed_at(out))
    write_unexecuted(nb, out, scale)
    return ChapterRun(chapter_id(nb), out, 0.0, None, ran=False)


def chapter_head(chapter: str, scale: str) -> str:
    """The start of a chapter's line, printed when it starts (``[hessbook] k2    smoke ``)."""
    return f"[hessbook] {chapter:<5} {scale:<6}"


def chapter_tail(run: ChapterRun) -> str:
    """The rest of the line, printed when the chapter has run (``   12.3 s  ok``)."""
    return chapter_line(run, "")[len(chapter_head(run.chapter, "")):]


def chapter_line(run: ChapterRun, scale: str) -> str:
    """``[hessbook] k2     smoke    12.3 s  ok``: one line per executed chapter."""
    state = run.state
    if run.blocking and run.error is not None and run.error.startswith("missing data"):
        state = "failed: missing data: " + ", ".join(f"{m.dataset} ({m.problem} in {m.root})" for m in run.blocking)
    elif run.error is not None:
        state += ": " + one_line(run.error)[:160] + (" (kept the earlier page)" if run.earlier else "")
    elif run.blocking:
        state += ": " + ", ".join(m.dataset for m in run.blocking) + " (--allow-missing-data)"
    return f"{chapter_head(run.chapter, scale)} {run.seconds:7.1f} s  {state}"


def _truthy(value: str | None) -> bool:
    return bool(value) and value.strip().lower() not in ("0", "false", "no", "off")


def check_scale(scale: str) -> None:
    if scale not in SCALES:
        raise ParameterError(f"scale = {scale!r}: accepted scales are {', '.join(SCALES)}")


def select_chapters(notebooks: Sequence[Path], chapters: Iterable[str] | None) -> list[Path]:
    """The notebooks of ``chapters`` (all when None), in the book's order; unknown ids raise."""
    wanted = set(chapters) if chapters else None
    if wanted:
        unknown = wanted - {chapter_id(n) for n in notebooks}
        if unknown:
            raise ParameterError(
                f"chapters {sorted(unknown)} are not in _toc.yml; accepted: "
                f"{', '.join(chapter_id(n) for n in notebooks)}"
            )
    return [nb for nb in notebooks if wanted is None or chapter_id(nb) in wanted]


def plan(scale: str, chapters: Iterable[str] | None = None, root: str | Path | None = None,
         overrides: Mapping[str, Any] | None = None, *, empty: bool = False, probe: bool = True):
    """The bill before a run (:mod:`hessbook.plan`): per selected chapter at ``scale``, its stored
    jobs, how many the store has and an estimate of the rest. Checks what :func:`build` checks
    first; runs no notebook and writes nothing. ``empty``: estimate as if the store were empty."""
    from hessbook.plan import make_plan, placement_workers
    from hessbook.store import default_store

    check_scale(scale)
    root = _root(root)
    selected = select_chapters(toc_notebooks(root), chapters)
    check_cluster()
    local_jobs = jobs_run_here()
    params = {chapter_id(nb): chapter_params(chapter_id(nb), scale, root, overrides, check_devices=local_jobs)
              for nb in selected}
    placement, workers, threads = placement_workers()
    return make_plan(scale, params, default_store(), data_root(), placement, workers, probe=probe, empty=empty,
                     threads=threads)


def build(
    scale: str,
    chapters: Iterable[str] | None = None,
    root: str | Path | None = None,
    render_html: bool = True,
    overrides: Mapping[str, Any] | None = None,
    *,
    allow_missing_data: bool = False,
    strict: bool | None = None,
) -> list[ChapterRun]:
    """Execute the chapters (all in ``_toc.yml``, or ``chapters``) at ``scale`` and render the
    book. ``overrides`` replace values of the params files in every selected chapter (each
    chapter must have every key); they change the result-store keys like any parameter.

    A chapter that cannot load a dataset stops the build (SystemExit naming the dataset, where
    it was looked for and how to provide it) unless ``allow_missing_data``. ``strict`` (default:
    the ``CI`` environment variable is set) fails the build on the Sphinx warnings that matter."""
    check_scale(scale)
    strict = _truthy(os.environ.get("CI")) if strict is None else strict
    root = _root(root)
    notebooks = toc_notebooks(root)
    selected = select_chapters(notebooks, chapters)
    # Fail fast, before any kernel starts: the cluster setting, bad parameters, absent devices.
    check_cluster()
    from hessbook.watch import every_s

    every_s()  # a bad $HESSBOOK_PROGRESS_EVERY
    local_jobs = jobs_run_here()
    for nb in selected:
        chapter_parameters(chapter_id(nb), scale, root, overrides, check_devices=local_jobs)
    stage = root / "_build" / f"book-{scale}"
    logs = root / "_build" / "logs" / scale
    pages = {nb: nb.relative_to(root).with_suffix(".ipynb") for nb in notebooks}
    stage_pages(root, stage, keep=pages.values())
    remove_stale_temporaries()
    now = _now()
    extra = f" with {describe_overrides(overrides)}" if overrides else ""
    print(f"[hessbook] jobs: {describe_setting()}", flush=True)
    if overrides:
        print(f"[hessbook] {len(selected)} chapter(s) at scale {scale}{extra}", flush=True)
    runs: list[ChapterRun] = []
    stopped: str | None = None
    for nb in notebooks:
        out = stage / pages[nb]
        if nb not in selected or stopped:
            runs.append(not_run(nb, out, scale))
            continue
        print(chapter_head(chapter_id(nb), scale), end="", flush=True)
        run = run_chapter(nb, out, scale, root, overrides, logs, allow_missing_data, now)
        print(chapter_tail(run), flush=True)
        runs.append(run)
        if run.blocking and not allow_missing_data:
            stopped = missing_data_message(run)
    status = stage / STATUS_PAGE
    status.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(status, status_markdown(runs, root, stopped=stopped))
    executed = [r for r in runs if r.ran]
    failed = [r for r in executed if r.error]
    summary = (f"[hessbook] {scale}: {len(executed)} chapter(s) run, {len(executed) - len(failed)} ok"
               + (f", {len(failed)} failed ({', '.join(r.chapter for r in failed)})" if failed else ""))
    optional = sorted({m.dataset for r in executed for m in r.missing if m.optional})
    if optional:
        summary += f"; without {', '.join(optional)} (optional: " + "; ".join(
            f"{d}: {OPTIONAL_DATASETS[d]}" for d in optional) + ")"
    problems: list[str] = []
    if render_html:
        jb_log = root / "_build" / "logs" / "jupyter-book.log"
        index = render(stage, root, jb_log)
        unexecuted = {str(pages[nb].with_suffix("")) for nb, r in zip(notebooks, runs) if not was_executed(r.notebook.read_bytes())}
        warnings = parse_warnings(jb_log.read_text(errors="replace"), stage)
        summary += f"; book: {index}; {warning_counts(warnings, unexecuted)} (log: {jb_log})"
        matter = warnings_that_matter(warnings, unexecuted)
        if strict and matter:
            listed = "\n".join(f"  {w.document or '?'}: {w.message}" for w in matter)
            problems.append(f"{len(matter)} Sphinx warning(s) that matter (--strict or CI set):\n{listed}")
    print(summary, flush=True)
    if stopped:
        raise SystemExit(f"hessbook.build: {stopped}\nThe build stopped before running the remaining chapters; "
                         "the status page says why.")
    if failed:
        problems.insert(0, f"{len(failed)} chapter(s) failed: "
                        + "; ".join(f"{r.chapter}: {one_line(r.error or '')[:300]} (notebook: {r.log})" for r in failed))
    if problems:
        raise SystemExit("hessbook.build: " + "\n".join(problems))
    return runs


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hessbook.build", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="cpu", help=f"one of {', '.join(SCALES)} (default cpu)")
    parser.add_argument("--chapters", nargs="*", help="chapter ids to execute (default: all)")
    parser.add_argument("--root", help="project root (default: the checkout)")
    parser.add_argument("--no-render", action="store_true", help="execute only, skip jupyter-book")
    parser.add_argument("--set", dest="overrides", action="extend", nargs="+", default=[], metavar="KEY=VALUE",
                        help="override a parameter of every selected chapter (value read as YAML: "
                             "800, 0.5, true, cpu, [1,2]); repeatable")
    parser.add_argument("--allow-missing-data", action="store_true",
                        help="a partial book: a chapter whose dataset is missing shows \"not computed\" "
                             "instead of failing the build (make book PARTIAL=1)")
    parser.add_argument("--plan", action="store_true",
                        help="list per chapter the stored jobs, how many are stored and an estimated time for the "
                             "rest, then exit without running anything (make book PLAN=1)")
    parser.add_argument("--plan-empty", action="store_true",
                        help="with --plan: estimate as if the result store were empty (the probe only)")
    parser.add_argument("--plan-jobs", action="store_true", help="with --plan: also list every job")
    parser.add_argument("--strict", action="store_true", default=None,
                        help="fail on Sphinx warnings that matter: broken references, missing glue keys "
                             "(default when the CI environment variable is set)")
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.overrides)
        if args.plan or args.plan_empty or args.plan_jobs:
            from hessbook.plan import dump

            made = plan(args.scale, args.chapters, args.root, overrides, empty=args.plan_empty)
            print(made.table(), flush=True)
            if args.plan_jobs:
                print("\n".join(dump(made)), flush=True)
            return
        build(args.scale, args.chapters, args.root, render_html=not args.no_render, overrides=overrides,
              allow_missing_data=args.allow_missing_data, strict=args.strict)
    except ParameterError as exc:
        raise SystemExit(f"hessbook.build: {exc}") from None
    except KeyboardInterrupt:
        print("\n[hessbook] interrupted: the staged pages are as they were before this chapter", file=sys.stderr)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
