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
