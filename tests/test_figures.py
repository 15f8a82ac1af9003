"""Every figure the book shows is legible on the page.

Each chapter's code cells run in this process at smoke scale (results from the result store,
computed there when missing), with ``kit.glue_figure`` collecting the figures instead of
gluing them, and every explorer drawing its first selection. Each figure's smallest text, at
the size the page shows it (``hessbook.kit.style``: the PNG's natural width shrunk to the
content column), must be at least ``MIN_TEXT_PX`` pixels. The rule's arithmetic is tested
on hand-made figures first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from hessbook import kit, notebooks
from hessbook.build import chapter_id, toc_notebooks
from hessbook.registry import chapter_parameters
from hessbook.kit import style
from hessbook.widgets import Explorer

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = [nb for nb in toc_notebooks(ROOT) if (ROOT / "params" / "smoke" / f"{chapter_id(nb)}.yaml").exists()]


def test_a_page_wide_figure_is_shown_at_natural_size():
    fig, (ax,) = style.panels(1, columns=1)
    ax.set_title("title", fontsize=style.SMALL)
    assert style.natural_width_px(fig) <= style.CONTENT_WIDTH_PX + 1
    smallest = style.smallest_text_px(fig)
    assert smallest.scale == pytest.approx(1.0)
    assert smallest.points == style.SMALL and smallest.px == pytest.approx(style.SMALL * fig.dpi / 72)
    style.check_legible(fig)
    plt.close(fig)


def test_a_wide_figure_shrinks_and_its_text_with_it():
    """K's old layout: four panels across 13 inches, 8 pt titles, 6 pt legend: ~6 px on the page."""
    fig, axes = plt.subplots(1, 4, figsize=(13, 3), dpi=100)
    for ax in axes:
        ax.plot([1, 2], [1, 2], label="line")
        ax.set_title("a title", fontsize=8)
    axes[0].legend(fontsize=6)
    fig.tight_layout()
    smallest = style.smallest_text_px(fig)
    assert smallest.points == 6 and smallest.scale < 0.62
    assert smallest.px == pytest.approx(6 * 100 / 72 * style.CONTENT_WIDTH_PX / style.natural_width_px(fig))
    with pytest.raises(ValueError, match=r"text 'line' at 6 pt is \d\.\d px on the page"):
        style.check_legible(fig, "K-like")
    plt.close(fig)


def test_text_of_a_switched_off_axes_is_not_counted():
    fig, axes = style.panels(3, columns=2)
    assert len(axes) == 3 and not fig.axes[3].axison
    fig.axes[3].set_xticks([0, 1], ["tiny", "labels"], fontsize=2)
    style.check_legible(fig)
    plt.close(fig)


def test_panels_refuses_more_columns_than_the_page_holds():
    with pytest.raises(ValueError, match="columns = 4; accepted 1..3"):
        style.panels(4, columns=4)
    with pytest.raises(ValueError, match="n = 0"):
        style.panels(0)


def _run_cells(nb_path: Path, monkeypatch) -> list[tuple[str, object]]:
    """Execute the chapter's code cells at smoke scale; return (name, figure) for every glued
    figure and every explorer's first selection."""
    figures: list[tuple[str, object]] = []
    monkeypatch.setattr(kit, "glue_figure", lambda name, fig: figures.append((name, fig)))
    monkeypatch.setattr(kit, "show_claims", lambda *a, **k: None)
    cid = chapter_id(nb_path)
    namespace: dict = dict(chapter_parameters(cid, "smoke", ROOT))
    namespace["display"] = lambda *a, **k: None
    for i, cell in enumerate(notebooks.read(nb_path)["cells"]):
        if cell["cell_type"] != "code" or "parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        tree = ast.parse("".join(cell["source"]))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, f"{nb_path.name}[{i}]", "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), f"{nb_path.name}[{i}]", "eval"), namespace)
            if isinstance(value, Explorer):
                figures.append((f"explorer in cell {i}", value.update()))
    return figures


@pytest.mark.notebooks
@pytest.mark.parametrize("nb_path", CHAPTERS, ids=lambda p: chapter_id(p))
def test_every_figure_of_the_chapter_is_legible_on_the_page(nb_path, data_env, monkeypatch):
    # In-process sweeps: no Dask cluster left running in the test process (test_sweep starts
    # its own and reads its banner).
    monkeypatch.setenv("HESSBOOK_CLUSTER", "serial")
    figures = _run_cells(nb_path, monkeypatch)
    problems = []
    for name, fig in figures:
        try:
            style.check_legible(fig, f"{chapter_id(nb_path)} {name}")
        except ValueError as exc:
            problems.append(str(exc))
        plt.close(fig)
    assert not problems, "\n".join(problems)


def test_house_table_hides_the_index_and_shows_significant_digits():
    import pandas as pd

    html = style.table(pd.DataFrame({"m": [0.0, 0.9], "λ1": [123.456789, 0.000012345], "B": [16, 1024],
                                     "acc": [99.1734, 97.0]})).to_html()
    assert "0.900000" not in html and ">0.9<" in html and ">0<" in html
    assert ">123.5<" in html and ">1.234e-05<" in html and ">99.17<" in html and ">1024<" in html
    assert "row_heading" not in html and "white-space: nowrap" in html
