"""Widget factories for the chapters: pick a few options, redraw a matplotlib figure.

A factory returns an :class:`Explorer`: ``.widget`` is the ipywidgets box to display in
Jupyter, ``.update(**selection)`` sets the controls to a selection and draws its figure (this
is what the controls call, and what the tests call headlessly). The figure is shown once, in
the widget's output area: every drawn figure is closed in pyplot at once, so the inline
backend does not show it a second time below the widget. A selection that takes time (e.g. a
network trained on demand) shows a busy label while it is drawn. The rendered book shows the
widget's first selection as a static figure (:meth:`Explorer.mimebundle`); changing it needs a
live kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

DrawFn = Callable[..., Figure]
BusyFn = Callable[..., "str | None"]
"""Called with a selection before it is drawn: the busy label's text (e.g. ``"training… (about
15 s)"``), or None when the selection draws at once."""


class Explorer:
    """Dropdowns bound to a drawing function; a label says when a selection takes time."""

    def __init__(self, options: Mapping[str, Sequence[Any]], draw: DrawFn, *, title: str = "",
                 busy: BusyFn | None = None, initial: Mapping[str, Any] | None = None) -> None:
        """``initial``: the first selection (the one the rendered book shows), by default each
        option's first value."""
        import ipywidgets as w

        if not options:
            raise ValueError("an Explorer needs at least one option")
        empty = [k for k, v in options.items() if len(v) == 0]
        if empty:
            raise ValueError(f"option {empty[0]!r} has no values to choose from")
        self.options = {k: list(v) for k, v in options.items()}
        start = {name: values[0] for name, values in self.options.items()}
        for name, value in (initial or {}).items():
            if name not in self.options or value not in self.options[name]:
                raise ValueError(f"initial {name} = {value!r}: accepted options {', '.join(self.options)} with "
                                 f"their values {self.options.get(name, '')}")
            start[name] = value
        self._draw = draw
        self._busy = busy
        self._syncing = False
        self.controls = {
            name: w.Dropdown(options=[(str(v), v) for v in values], value=start[name], description=name)
            for name, values in self.options.items()
        }
        self.output = w.Output()
        self.status = w.Label("")
        """Empty, or what the widget is busy with while a slow selection is drawn."""
        self.figure: Figure | None = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        header = [w.HTML(f"<b>{title}</b>")] if title else []
        self.widget = w.VBox([*header, w.HBox(list(self.controls.values())), self.status, self.output])

    def selection(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def update(self, **selection: Any) -> Figure:
        """Set the controls to ``selection`` (missing keys keep their current value) and draw it."""
        unknown = set(selection) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)}; accepted: {', '.join(self.controls)}")
        for name, value in selection.items():
            if value not in self.options[name]:
                raise ValueError(f"{name} = {value!r}: accepted {self.options[name]}")
        self._syncing = True  # one drawing for the whole selection, not one per control set
        try:
            for name, value in selection.items():
                self.controls[name].value = value
        finally:
            self._syncing = False
        return self._show()

    def _on_change(self, _change: Any) -> None:
        if not self._syncing:
            self._show()

    def _show(self) -> Figure:
        """Draw the controls' selection into the output area (busy label and controls disabled
        meanwhile)."""
        from IPython.display import display

        current = self.selection()
        message = self._busy(**current) if self._busy is not None else None
        if message:
            self.status.value = message
            for control in self.controls.values():
                control.disabled = True
        try:
            figure = self._draw(**current)
        finally:
            self.status.value = ""
            for control in self.controls.values():
                control.disabled = False
        plt.close(figure)  # shown in the output area only, never again by the inline backend
        if self.figure is not None and self.figure is not figure:
            plt.close(self.figure)
        self.figure = figure
        self.output.clear_output(wait=True)
        with self.output:
            display(figure)
        return figure

    def mimebundle(self) -> dict[str, Any]:
        """The widget's view, with its current figure as a static PNG beside it: Jupyter shows
        the live widget, the rendered book (which renders no widgets: no JavaScript from
        outside, see ``_config.yml``) shows the PNG, once."""
        from IPython.core.pylabtools import print_figure

        if self.figure is None:
            self._show()
        bundle = dict(self.widget._repr_mimebundle_())
        bundle["image/png"] = print_figure(self.figure, "png", base64=True)
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.mimebundle(), raw=True)
