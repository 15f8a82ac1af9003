"""Build the book: execute every chapter with papermill, then render HTML with jupyter-book.

    python -m hessbook.build --scale cpu                # what `make book` runs
    python -m hessbook.build --scale smoke --chapters s2 tour --no-render
    python -m hessbook.build --chapters tour --set dimension=800   # `make book CHAPTERS=tour SET="dimension=800"`

Steps:

1. copy the book's pages (``_config.yml``, ``_toc.yml``, Markdown, images) into a stage
   directory ``_build/book-<scale>/``;
2. for every notebook in ``_toc.yml``: read ``params/<scale>/<chapter>.yaml``, validate it
   with the ``--set KEY=VALUE`` overrides applied, against the chapter's schema (so a bad
   value fails before a kernel starts), and execute the notebook with papermill into the stage;
3. write the status page from the verdicts the executed notebooks carry;
4. ``jupyter-book build`` the stage into ``_build/html`` (``execute_notebooks: off``:
   papermill executes, the book renders).

Results come from the result store, so a rebuild with unchanged parameters only re-renders.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hessbook import notebooks
from hessbook.catalog import CHAPTERS, ITEMS
from hessbook.chapters import schema_for
from hessbook.params import SCALES, ParameterError, as_dict, field_docs, params_file, read_file, validate
from hessbook.paths import project_root
from hessbook.report import verdicts_from_outputs

STATUS_PAGE = Path("book/status.md")


@dataclass(frozen=True)
class ChapterRun:
    chapter: str
    notebook: Path
    """Executed copy."""
    seconds: float
    error: str | None


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


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["dimension=800", "seeds=[0, 1]"]`` -> ``{"dimension": 800, "seeds": [0, 1]}``: each
    value is read as a YAML scalar or flow list (``800``, ``0.5``, ``true``, ``cpu``, ``[1, 2]``)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(f"--set {item!r}: expected KEY=VALUE, e.g. --set dimension=800")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ParameterError(f"--set {item!r}: the value is not a YAML scalar or list ({exc})") from exc
        if isinstance(value, dict):
            raise ParameterError(f"--set {item!r}: accepted values are YAML scalars or lists, not a mapping")
        out[key] = value
    return out


def _describe(overrides: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={json.dumps(v)}" for k, v in overrides.items())


def chapter_parameters(chapter: str, scale: str, root: Path, overrides: Mapping[str, Any] | None = None) -> dict:
    """The validated parameters of a chapter at a scale, with optional overrides."""
    path = params_file(chapter, scale, root)
    if not path.exists():
        raise ParameterError(f"no parameters for chapter {chapter!r} at scale {scale!r}: {path} is missing")
    rel = path.relative_to(root) if path.is_relative_to(root) else path
    values = read_file(path)
    where = str(rel)
    if overrides:
        schema = schema_for(chapter)
        docs = field_docs(schema)
        for key, value in overrides.items():
            if key not in docs:
                hint = difflib.get_close_matches(key, list(docs), n=1)
                near = f" (did you mean {hint[0]!r}?)" if hint else ""
                accepted = "\n  ".join(f"{k}: {d}" for k, d in docs.items())
                raise ParameterError(
                    f"--set {key}={json.dumps(value)}: chapter {chapter} has no parameter {key!r}{near}; "
                    "select only the chapters that have it (--chapters, make book CHAPTERS=...). "
                    f"Accepted parameters of {chapter}:\n  {accepted}"
                )
        values = {**values, **overrides}
        where = f"{rel} with --set {_describe(overrides)}"
    return as_dict(validate(schema_for(chapter), values, where=where))


def execute_chapter(
    notebook: Path,
    output: Path,
    scale: str,
    root: Path,
    overrides: Mapping[str, Any] | None = None,
) -> ChapterRun:
    """Validate the chapter's parameters, then execute it with papermill into ``output``
    (an ``.ipynb``; a MyST Markdown source is converted first)."""
    import papermill

    chapter = chapter_id(notebook)
    parameters = chapter_parameters(chapter, scale, root, overrides)
    output = output.with_suffix(".ipynb")
    output.parent.mkdir(parents=True, exist_ok=True)
    source = notebooks.as_ipynb(notebook, output.with_name(f".{output.stem}.source.ipynb"))
    os.environ.setdefault("HESSBOOK_PROGRESS", "text")
    start = time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(
            str(source),
            str(output),
            parameters=parameters,
            cwd=str(notebook.parent),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
        )
    except papermill.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}"
    finally:
        source.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    hide_default_parameters(output)
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
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False))


def stage_pages(root: Path, stage: Path) -> None:
    """Copy everything the book renders except the notebook sources (those are executed)."""
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
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


def status_markdown(runs: Sequence[ChapterRun], root: Path) -> str:
    """The status page: one row per figure/table, with scale and verdict."""
    by_item: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for run in runs:
        if run.notebook.exists():
            for payload in read_verdicts(run.notebook):
                for v in payload["verdicts"]:
                    scale, seen = by_item.get(v["item"], (payload["scale"], []))
                    by_item[v["item"]] = (scale, [*seen, (v["verdict"], v.get("claim", ""))])
    ran = {r.chapter: r for r in runs}
    existing = {c.id for c in CHAPTERS if (root / c.path).exists()}
    lines = [
        "# Reproduction status",
        "",
        "Generated by `make book` from the executed chapters: one row per figure or table of "
        "the papers, the chapter that reproduces it, the scale our numbers were computed at, "
        "and the verdict (an item with several claims whose verdicts differ lists each claim "
        "with its verdict). *Not yet computed* means the chapter does not exist yet, failed, or "
        "reported no verdict for the item.",
        "",
        "| item | what it shows | chapter | scale | verdict |",
        "|---|---|---|---|---|",
    ]
    chapters = {c.id: c for c in CHAPTERS}
    for it in ITEMS:
        c = chapters[it.chapter]
        link = f"[{c.id.upper()}](../{Path(c.path).with_suffix('.ipynb')})" if c.id in existing else f"{c.id.upper()} (not written yet)"
        scale, verdicts = by_item.get(it.key, ("—", [("not yet computed", "")]))
        failed = ran.get(c.id) is not None and ran[c.id].error is not None
        text = "failed (see chapter)" if failed else verdict_cell(verdicts)
        lines.append(f"| {it.key} | {it.shows} | {link} | {scale} | {text} |")
    lines += ["", "## Chapters in this build", "", "| chapter | seconds | result |", "|---|---|---|"]
    for run in runs:
        result = "ok" if run.error is None else f"error: {run.error}".replace("|", "\\|")[:200]
        lines.append(f"| {run.chapter} | {run.seconds:.1f} | {result} |")
    return "\n".join(lines) + "\n"


def render(stage: Path, root: Path) -> Path:
    """``jupyter-book build`` the stage; HTML lands in ``<root>/_build/html``."""
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe) if exe.exists() else "jupyter-book", "build", str(stage), "--path-output", str(root)]
    subprocess.run(command, check=True)
    return root / "_build" / "html" / "index.html"


def was_executed(notebook: bytes) -> bool:
    """Whether a staged notebook is papermill's executed copy (not a placeholder)."""
    try:
        return "papermill" in json.loads(notebook).get("metadata", {})
    except ValueError:
        return False


def write_unexecuted(source: Path, out: Path, scale: str) -> None:
    """A chapter left out of a partial build and never executed at ``scale``: the source
    notebook with a note on top that says how to execute it (its glued numbers are absent)."""
    nb = notebooks.read(source)
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
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(nb, indent=1, ensure_ascii=False))


def build(
    scale: str,
    chapters: Iterable[str] | None = None,
    root: str | Path | None = None,
    render_html: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> list[ChapterRun]:
    """Execute the chapters (all in ``_toc.yml``, or ``chapters``) at ``scale`` and render the
    book. ``overrides`` replace values of the params files in every selected chapter (each
    chapter must have every key); they change the result-store keys like any parameter."""
    if scale not in SCALES:
        raise ParameterError(f"scale = {scale!r}: accepted scales are {', '.join(SCALES)}")
    root = _root(root)
    notebooks = toc_notebooks(root)
    wanted = set(chapters) if chapters else None
    if wanted:
        unknown = wanted - {chapter_id(n) for n in notebooks}
        if unknown:
            raise ParameterError(
                f"chapters {sorted(unknown)} are not in _toc.yml; accepted: "
                f"{', '.join(chapter_id(n) for n in notebooks)}"
            )
    # Fail fast on bad parameters before any kernel starts.
    for nb in notebooks:
        if wanted is None or chapter_id(nb) in wanted:
            chapter_parameters(chapter_id(nb), scale, root, overrides)
    stage = root / "_build" / f"book-{scale}"
    previous = {p.relative_to(stage): p.read_bytes() for p in stage.rglob("*.ipynb")} if stage.exists() else {}
    stage_pages(root, stage)
    runs = []
    for nb in notebooks:
        rel = nb.relative_to(root).with_suffix(".ipynb")
        out = stage / rel
        if wanted is not None and chapter_id(nb) not in wanted:
            if rel in previous and was_executed(previous[rel]):  # keep an earlier executed copy
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(previous[rel])
            else:
                write_unexecuted(nb, out, scale)
            continue
        extra = f" with {_describe(overrides)}" if overrides else ""
        print(f"[hessbook] executing {nb.relative_to(root)} at scale {scale}{extra} ...", flush=True)
        run = execute_chapter(nb, out, scale, root, overrides)
        print(f"[hessbook]   {run.seconds:.1f} s" + (f"  FAILED: {run.error}" if run.error else ""), flush=True)
        runs.append(run)
    status_runs = runs + [
        ChapterRun(chapter_id(nb), stage / nb.relative_to(root).with_suffix(".ipynb"), 0.0, None)
        for nb in notebooks
        if wanted is not None and chapter_id(nb) not in wanted
    ]
    (stage / STATUS_PAGE).write_text(status_markdown(status_runs, root))
    if render_html:
        index = render(stage, root)
        print(f"[hessbook] book: {index}")
    failed = [r for r in runs if r.error]
    if failed:
        raise SystemExit(f"hessbook.build: {len(failed)} chapter(s) failed: " + "; ".join(f"{r.chapter}: {r.error}" for r in failed))
    return runs


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hessbook.build", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="cpu", help=f"one of {', '.join(SCALES)} (default cpu)")
    parser.add_argument("--chapters", nargs="*", help="chapter ids to execute (default: all)")
    parser.add_argument("--root", help="project root (default: the checkout)")
    parser.add_argument("--no-render", action="store_true", help="execute only, skip jupyter-book")
    parser.add_argument("--set", dest="overrides", action="extend", nargs="+", default=[], metavar="KEY=VALUE",
                        help="override a parameter of every selected chapter (value read as YAML: "
                             "800, 0.5, true, cpu, [1,2]); repeatable")
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.overrides)
        build(args.scale, args.chapters, args.root, render_html=not args.no_render, overrides=overrides)
    except ParameterError as exc:
        raise SystemExit(f"hessbook.build: {exc}") from None


if __name__ == "__main__":
    main()
