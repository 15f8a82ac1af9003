"""The book's structure: toc, clean source notebooks, parameters cells and params files."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from hessbook import notebooks
from hessbook.build import chapter_id, toc_files, toc_notebooks
from hessbook.catalog import CHAPTERS, ITEMS, PAPERS
from hessbook.registry import load_params, schema_for
from hessbook.params import SCALES, as_dict, validate

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*") if ".ipynb_checkpoints" not in p.parts
                   and p.is_file() and notebooks.is_notebook(p))


def _cells(nb_path: Path) -> list[dict]:
    return notebooks.read(nb_path)["cells"]


def test_chapter_sources_are_myst_markdown():
    """Chapters are kept as text (jupytext md:myst) so a change is a readable diff."""
    assert NOTEBOOKS, "no chapter notebooks found"
    ipynb = [n for n in NOTEBOOKS if n.suffix == ".ipynb"]
    assert not ipynb, f"commit chapters as MyST Markdown (jupytext --to md:myst): {ipynb}"


def parameters_cell(nb_path: Path) -> tuple[int, dict]:
    tagged = [(i, c) for i, c in enumerate(_cells(nb_path)) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{nb_path}: expected exactly one cell tagged 'parameters', found {len(tagged)}"
    return tagged[0]


def notebook_defaults(nb_path: Path) -> dict:
    _, cell = parameters_cell(nb_path)
    tree = ast.parse("".join(cell["source"]))
    values = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name), (
            f"{nb_path}: the parameters cell may hold only `name = literal` lines, found: {ast.unparse(node)}"
        )
        try:
            values[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            pytest.fail(f"{nb_path}: {ast.unparse(node)} is not a literal; derive values in the next cell")
    return values


def test_toc_lists_existing_files_and_every_notebook():
    files = toc_files(ROOT)  # raises if a toc entry does not exist
    assert set(toc_notebooks(ROOT)) == set(NOTEBOOKS), "every notebook in book/ is in _toc.yml and vice versa"
    assert ROOT / "book" / "status.md" in files


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_source_notebook_is_clean(nb_path):
    for cell in _cells(nb_path):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{nb_path} is committed with outputs"
            assert cell.get("execution_count") is None


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_is_literal_and_validated_next(nb_path):
    defaults = notebook_defaults(nb_path)
    assert {"scale", "seed"} <= set(defaults)
    index, _ = parameters_cell(nb_path)
    nxt = "".join(_cells(nb_path)[index + 1]["source"])
    assert f"kit.start({chapter_id(nb_path)}, globals()" in nxt, (
        f"{nb_path}: the cell after the parameters validates them with kit.start({chapter_id(nb_path)}, globals())"
    )
    # the notebook's own defaults are the cpu scale's parameters, so the two never drift
    cpu = yaml.safe_load((ROOT / "params" / "cpu" / f"{chapter_id(nb_path)}.yaml").read_text())
    assert as_dict(validate(schema_for(chapter_id(nb_path)), defaults)) == as_dict(
        validate(schema_for(chapter_id(nb_path)), cpu)
    ), f"{nb_path}: parameters cell differs from params/cpu/{chapter_id(nb_path)}.yaml"


CLUSTER_DIR = "cluster"  # params/cluster/*.yaml describe Dask clusters, checked by tests/test_sweep.py
PARAM_FILES = sorted(p for p in (ROOT / "params").glob("*/*.yaml") if p.parent.name != CLUSTER_DIR)


@pytest.mark.parametrize("path", PARAM_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_params_file_validates(path):
    assert path.parent.name in SCALES, f"{path}: directory must be one of {SCALES}"
    params = load_params(path.stem, path)
    assert params.scale == path.parent.name, f"{path}: scale field says {params.scale!r}"
    assert path.stem in {chapter_id(n) for n in NOTEBOOKS}, f"{path}: no chapter notebook for it"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_has_all_four_scales(nb_path):
    for scale in SCALES:
        assert (ROOT / "params" / scale / f"{chapter_id(nb_path)}.yaml").exists(), f"params/{scale} missing"


def test_catalog_is_consistent():
    ids = {c.id for c in CHAPTERS}
    assert all(i.chapter in ids for i in ITEMS)
    assert all(c.paper in PAPERS for c in CHAPTERS)
    assert len({i.key for i in ITEMS}) == len(ITEMS)
    written = {c.id for c in CHAPTERS if (ROOT / c.path).exists()}
    in_toc = {chapter_id(n) for n in toc_notebooks(ROOT)}
    assert written <= in_toc, "every written chapter is in the toc"
    for nb in NOTEBOOKS:
        if nb.parent.name not in ("guide", "appendix"):
            assert chapter_id(nb) in ids and (ROOT / next(c.path for c in CHAPTERS if c.id == chapter_id(nb))) == nb


PAGES = sorted(p for p in (ROOT / "book").rglob("*.md") if ".ipynb_checkpoints" not in p.parts)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def _code_cells(nb_path: Path) -> list[str]:
    return ["".join(c["source"]) for c in _cells(nb_path) if c["cell_type"] == "code"]


def _prose(page: Path) -> str:
    if notebooks.is_notebook(page):
        return "\n".join("".join(c["source"]) for c in _cells(page) if c["cell_type"] == "markdown")
    return page.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_relative_links_reach_a_rendered_page(page):
    """A link to a chapter names its executed copy (``.ipynb``: the book renders that), a link
    to a plain page its ``.md``; the target exists. (K1's link to the model appendix named the
    appendix's ``.md`` source and rendered as a dead ``#../appendix/models.md``.)"""
    for target in LINK.findall(_prose(page)):
        if "://" in target or target.startswith(("#", "mailto:")):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        source = path.with_suffix(".md")
        if path.suffix == ".ipynb":
            assert source.exists() and notebooks.is_notebook(source), f"{page.name}: link {target!r}: no chapter {source}"
        else:
            assert path.exists(), f"{page.name}: link {target!r}: no such file"
            assert not notebooks.is_notebook(path), (
                f"{page.name}: link {target!r} names a chapter's source; the book renders its executed copy: "
                f"write {Path(target).with_suffix('.ipynb')}")


def _last_expression(code: str):
    """The statement whose value Jupyter would show, or None (none, or silenced by ``;``)."""
    tree = ast.parse(code)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr) or code.rstrip().endswith(";"):
        return None
    return tree.body[-1].value


def _call_name(node) -> str:
    return ast.unparse(node.func) if isinstance(node, ast.Call) else ""


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_shows_a_value_meant_for_the_code(nb_path):
    """``kit.glue_numbers`` returns the glued names: as a cell's last expression it printed a
    70-line list on S2's page."""
    for code in _code_cells(nb_path):
        last = _last_expression(code)
        assert _call_name(last) != "kit.glue_numbers", (
            f"{nb_path.name}: a cell ends with {ast.unparse(last)}: end it with ';' (its value is not for the page)")


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_tables_are_shown_through_the_house_table(nb_path):
    """Every table a page shows goes through ``kit.style.table``: no row index, floats to
    significant digits (a bare DataFrame shows its index, a bare Styler six decimals)."""
    for code in _code_cells(nb_path):
        last = _last_expression(code)
        shown = [last] if last is not None else []
        shown += [n.args[0] for n in ast.walk(ast.parse(code))
                  if isinstance(n, ast.Call) and _call_name(n) == "display" and n.args]
        for node in shown:
            name = _call_name(node)
            if name.endswith(("table", "table5")) or ".style." in ast.unparse(node):
                assert name == "kit.style.table", f"{nb_path.name}: show {ast.unparse(node)} with kit.style.table(...)"


def test_glued_counts_do_not_govern_a_plural():
    """'8 networks on 1 cases': a glued count is not followed by a plural noun that it could
    make wrong (S2's 'k = `separation_k`' showed a parameter's name where its value belongs)."""
    for page in PAGES:
        text = _prose(page)
        assert not re.search(r"\{glue:text\}`[a-z0-9]+-cases` (model|cases)", text), page.name
        assert "($k$ = `separation_k`)" not in text, page.name


def test_the_book_loads_no_widget_javascript_from_outside():
    """The rendered book is offline: myst-nb's default widget scripts come from public CDNs, so
    the book loads none and renders explorers as their static first figure (the widget view is
    dropped for HTML builders; an explorer's output carries the PNG beside it)."""
    sphinx = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert sphinx["nb_ipywidgets_js"] == {}
    dropped = {(b, m) for b, m, p in sphinx["nb_mime_priority_overrides"] if p is None}
    assert ("html", "application/vnd.jupyter.widget-view+json") in dropped
