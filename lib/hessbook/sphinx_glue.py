"""Sphinx extension of the book (``_config.yml``): a value glued as not computed prints ``n/a``.

A chapter glues the text :data:`hessbook.report.NOT_COMPUTED` for a value that was not computed
(:func:`hessbook.report.glue`). The prose cites numbers with a format, ``{glue:text}`y1-max-loss:.1e```,
which myst-nb applies by converting the glued text to a number: for ``n/a`` it would warn and
print nothing. With this extension ``n/a`` passes through any format unchanged; every other
value is formatted by myst-nb as before.
"""

from __future__ import annotations

from ast import literal_eval
from typing import Any

from hessbook.report import NOT_COMPUTED

PATCHED_MODULES = ("myst_nb.ext.glue.roles", "myst_nb.ext.glue.crossref")
"""The myst-nb modules that format a glued value for the ``{glue:text}`` role (in one page, and
across pages): each imports ``format_plain_text`` by name, so each gets :func:`format_plain_text`."""


def is_not_computed_text(text: str) -> bool:
    """The ``text/plain`` form of a value glued as not computed (``'n/a'``)."""
    try:
        return literal_eval(text) == NOT_COMPUTED
    except (SyntaxError, ValueError, TypeError):
        return text == NOT_COMPUTED


def format_plain_text(text: str, fmt_spec: str) -> str:
    """myst-nb's formatting of a glued ``text/plain``, except that ``n/a`` stays ``n/a``."""
    from myst_nb.core.variables import format_plain_text as myst_format

    return NOT_COMPUTED if is_not_computed_text(text) else myst_format(text, fmt_spec)


def setup(app: Any) -> dict[str, Any]:
    import importlib

    for name in PATCHED_MODULES:
        module = importlib.import_module(name)
        if not hasattr(module, "format_plain_text"):
            raise RuntimeError(f"{name} has no format_plain_text: this myst-nb formats glued text elsewhere; "
                               "update hessbook.sphinx_glue.PATCHED_MODULES")
        module.format_plain_text = format_plain_text
    return {"parallel_read_safe": True, "parallel_write_safe": True}
