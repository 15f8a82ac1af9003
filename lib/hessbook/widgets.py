"""Widget factories for the chapters: pick a few options, redraw a matplotlib figure.

A factory returns an :class:`Explorer`: ``.widget`` is the ipywidgets box to display in
Jupyter, ``.update(**selection)`` draws the figure for a selection and returns it (this is
what the controls call, and what the tests call headlessly). The rendered book shows the
chapter's static figures; widgets need a live kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

DrawFn = Callable[..., Figure]


class Explorer:
    """Dropdowns (or sliders, for numeric ranges) bound to a drawing function."""

    def __init__(self, options: Mapping[str, Sequence[Any]], draw: DrawFn, *, title: str = "") -> None:
        import ipywidgets as w

        if not options:
            raise ValueError("an Explorer needs at least one option")
        empty = [k for k, v in options.items() if len(v) == 0]
        if empty:
            raise ValueError(f"option {empty[0]!r} has no values to choose from")
        self.options = {k: list(v) for k, v in options.items()}
        self._draw = draw
        self.controls = {
            name: w.Dropdown(options=[(str(v), v) for v in values], value=values[0], description=name)
            for name, values in self.options.items()
        }
        self.output = w.Output()
        self.figure: Figure | None = None
        for control in self.controls.values():
            control.observe(lambda _change: self._redraw(), names="value")
        header = [w.HTML(f"<b>{title}</b>")] if title else []
        self.widget = w.VBox([*header, w.HBox(list(self.controls.values())), self.output])

    def selection(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def update(self, **selection: Any) -> Figure:
        """Draw the figure for ``selection`` (missing keys keep their current value)."""
        unknown = set(selection) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)}; accepted: {', '.join(self.controls)}")
        for name, value in selection.items():
            if value not in self.options[name]:
                raise ValueError(f"{name} = {value!r}: accepted {self.options[name]}")
        current = {**self.selection(), **selection}
        if self.figure is not None:
            plt.close(self.figure)
        self.figure = self._draw(**current)
        return self.figure

    def _redraw(self) -> None:
        from IPython.display import display

        fig = self.update()
        self.output.clear_output(wait=True)
        with self.output:
            display(fig)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        self._redraw()
        display(self.widget)
