"""Widget factories work headlessly: controls redraw, update() validates its selection."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from hessbook.widgets import Explorer


def make():
    calls = []

    def draw(k, method):
        calls.append((k, method))
        fig, ax = plt.subplots()
        ax.set_title(f"{k}-{method}")
        return fig

    return Explorer({"k": [2, 5], "method": ["gap", "ratio"]}, draw), calls


def test_update_draws_the_selection():
    ex, calls = make()
    fig = ex.update(k=5)
    assert fig.axes[0].get_title() == "5-gap" and calls[-1] == (5, "gap")


def test_changing_a_control_redraws():
    ex, calls = make()
    ex.controls["method"].value = "ratio"
    assert calls[-1] == (2, "ratio")
    assert ex.figure.axes[0].get_title() == "2-ratio"


def test_bad_selection_is_named():
    ex, _ = make()
    with pytest.raises(ValueError, match="k = 3: accepted \\[2, 5\\]"):
        ex.update(k=3)
    with pytest.raises(ValueError, match="unknown option"):
        ex.update(size=1)
    with pytest.raises(ValueError, match="has no values"):
        Explorer({"k": []}, lambda k: None)


def test_update_moves_the_controls_to_the_selection():
    """The widget's values follow update(), with one drawing for the whole selection."""
    ex, calls = make()
    before = len(calls)
    ex.update(k=5, method="ratio")
    assert ex.controls["k"].value == 5 and ex.controls["method"].value == "ratio"
    assert ex.selection() == {"k": 5, "method": "ratio"}
    assert calls[before:] == [(5, "ratio")]


def test_the_figure_is_shown_once_inside_the_widget(monkeypatch):
    """No drawn figure stays open in pyplot (the inline backend would show it again below the
    widget); the widget is displayed once, its first figure as a static PNG beside its view."""
    import IPython.display

    plt.close("all")
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.append((objs, kw)))
    ex, _ = make()
    ex._ipython_display_()
    assert plt.get_fignums() == []
    top = [objs[0] for objs, kw in shown if kw.get("raw")]
    assert len(top) == 1
    assert {"application/vnd.jupyter.widget-view+json", "image/png"} <= set(top[0])
    ex.update(k=5)
    assert plt.get_fignums() == []


def test_a_slow_selection_shows_a_busy_label_while_it_is_drawn():
    seen = []

    def draw(k):
        seen.append((ex.status.value, ex.controls["k"].disabled))
        fig, _ = plt.subplots()
        return fig

    ex = Explorer({"k": [2, 5]}, draw, busy=lambda k: f"training k = {k}… (about 12 s)" if k == 5 else None)
    ex.update(k=2)
    ex.update(k=5)
    assert seen == [("", False), ("training k = 5… (about 12 s)", True)]
    assert ex.status.value == "" and not ex.controls["k"].disabled
    assert ex.status in ex.widget.children


def test_s2_any_k_says_when_a_choice_trains_and_how_long(tmp_path):
    """A choice not in the store shows a busy label with the time a stored Fig 2 case took;
    a stored choice draws at once (no label)."""
    from pathlib import Path

    import yaml

    from hessbook.chapters import s2
    from hessbook.chapters.s2.compute import Case, spectrum_job
    from hessbook.chapters.s2.paper import fig2_row
    from hessbook.chapters.s2.params import S2Params
    from hessbook.params import validate
    from hessbook.store import Record, ResultStore

    root = Path(__file__).resolve().parents[1]
    P = validate(S2Params, yaml.safe_load((root / "params" / "smoke" / "s2.yaml").read_text()))
    store = ResultStore(tmp_path / "results")
    ex = s2.any_k(P, store, ks=range(2, 6))
    assert "training the network for k = 2" in ex._busy(k=2, separation=1.0, method="gap")
    assert "(seconds to a minute)" in ex._busy(k=3, separation=1.0, method="gap")
    stored = spectrum_job(Case(fig2_row(P.ks[0], P), P.seed), P)
    store.save(stored.KIND, stored.store_key(), Record(metrics={"x": 1}), seconds=12.4)
    assert ex._busy(k=P.ks[0], separation=1.0, method="gap") is None
    assert ex._busy(k=3, separation=2.0, method="ratio").endswith("(about 12 s)")


def test_the_first_selection_can_be_chosen():
    """The rendered book shows the first selection: K's explorers open on a line that ran
    (the first of each dropdown, Benchmark at momentum 0, never runs)."""
    ex, calls = make()
    ex = Explorer(ex.options, ex._draw, initial={"method": "ratio"})
    assert ex.selection() == {"k": 2, "method": "ratio"}
    with pytest.raises(ValueError, match="initial method = 'x'"):
        Explorer(ex.options, ex._draw, initial={"method": "x"})


def test_k_explorer_opens_on_a_line_that_ran():
    from test_chapter_k1 import K_LIKE, k1_results

    from hessbook.chapters import k1

    ex = k1.explorer(k1_results(*K_LIKE))
    assert ex.selection()["setting"] == "lr" and ex.selection()["momentum"] == 0.0
    assert "not run" not in " ".join(t.get_text() for ax in ex.update().axes for t in ax.texts)
