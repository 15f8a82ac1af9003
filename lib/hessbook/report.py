"""What a chapter shows a reader: the scale banner, paper-vs-ours tables, verdicts, glue.

Verdicts (the payloads of :class:`hessbook.kit.Claim`) are displayed as a Markdown table for
the reader and, in the same output, as JSON under :data:`VERDICT_MIME`, which the book builder reads back from the executed notebook to
make the status page. Numbers reach the prose only through :func:`glue` (myst-nb).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np


VERDICT_MIME = "application/vnd.hessbook.verdicts+json"

NOT_COMPUTED = "n/a"
"""What the prose prints for a value that was not computed: :func:`glue` glues it for None and
NaN, and the book prints it whatever the role's format (:mod:`hessbook.sphinx_glue`)."""

SCALE_NOTES = {
    "smoke": "smoke scale: proves the code path runs; the numbers are not science.",
    "cpu": "cpu scale: reduced data, widths or epochs so that the whole book runs on a laptop; "
    "trends, not the paper's exact values.",
    "gpu": "gpu scale: as close to the paper as one modern GPU allows in a few hours.",
    "paper": "paper scale: the paper's settings where it gives them.",
}


def _display(bundle: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def verdict_markdown(verdicts: Sequence[dict[str, str]], scale: str, seeds: str = "") -> str:
    """The reader's verdict table from verdict payloads (``hessbook.kit.Claim.as_dict``);
    ``seeds``: a sentence on how many networks each verdict rests on (:func:`hessbook.kit.chapter.seeds_note`)."""
    rows = [
        "| item | the paper | ours | verdict | coverage | why |",
        "|---|---|---|---|---|---|",
    ]
    for v in verdicts:
        judged, total = v.get("coverage", (None, None))
        coverage = f"{judged} of {total}" if total else "—"
        cells = (v["item"], f"{v['claim']} {v['paper']}".strip(), v["ours"], f"**{v['verdict']}**", coverage,
                 v["evidence"])
        rows.append("| " + " | ".join(_md_escape(x) for x in cells) + " |")
    return (f"Verdicts at **{scale}** scale. Coverage: cases judged of the cases in the paper's figure or "
            "table (a case not computed or not judged keeps a group from a plain held)."
            + (f" {seeds}" if seeds else "") + "\n\n" + "\n".join(rows))


def show_payload(verdicts: Sequence[dict[str, str]], scale: str, chapter: str, seeds: str = "",
                 n_seeds: int | None = None) -> None:
    """Display the verdict table and leave the machine-readable copy for the status page
    (``seeds``: see :func:`verdict_markdown`; ``n_seeds``: the networks per case, which the status
    page's chapter table shows)."""
    payload = {"chapter": chapter, "scale": scale, "verdicts": list(verdicts), "n_seeds": n_seeds}
    _display({"text/markdown": verdict_markdown(verdicts, scale, seeds), VERDICT_MIME: payload})


def devices_sentence(devices: Mapping[str, int]) -> str:
    """``Computed on cpu (12 stored results).``: the devices the stored results were computed on,
    as their entries record it (a result computed on a GPU and read on a laptop says the GPU)."""
    if not devices:
        return "No stored result was read: this page's numbers were computed in the notebook itself."
    parts = [f"{label} ({n} stored result{'s' if n != 1 else ''})" for label, n in sorted(devices.items())]
    return "The results on this page were computed on " + ", ".join(parts) + "."


def show_devices(devices: Mapping[str, int]) -> None:
    """The devices the page's results were computed on, under the verdict table."""
    text = devices_sentence(devices)
    _display({"text/markdown": text, "text/plain": text})


def scale_banner(scale: str) -> None:
    """A note at the top of a chapter saying at which scale its numbers were computed."""
    note = SCALE_NOTES.get(scale, scale)
    _display({"text/markdown": f":::{{note}}\nThis copy was computed at **{note}**\n:::\n", "text/plain": note})


def is_not_computed(value: Any) -> bool:
    """None or NaN: the mark of a value that was not computed (no data, not selected, nothing
    to take the maximum of). A chapter's ``numbers`` gives it instead of a stand-in number."""
    return value is None or (isinstance(value, (float, np.floating)) and math.isnan(value))


def glue(name: str, value: Any, *, display: bool = False) -> None:
    """myst-nb glue. A value that was not computed (:func:`is_not_computed`) is glued as the text
    :data:`NOT_COMPUTED`, never as a number; infinite numbers are refused (a silent error in prose)."""
    from myst_nb import glue as _glue

    if is_not_computed(value):
        value = NOT_COMPUTED
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()  # myst-nb formats Python numbers, not numpy scalars
    if isinstance(value, float) and math.isinf(value):
        raise ValueError(f"glue {name!r}: value {value!r} is infinite; glue None or NaN for a value "
                         "that was not computed")
    _glue(name, value, display=display)


def verdicts_from_outputs(outputs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Verdict payloads found in a notebook's outputs (used by the book builder)."""
    found = []
    for out in outputs:
        data = out.get("data", {}) if isinstance(out, dict) else {}
        if VERDICT_MIME in data:
            payload = data[VERDICT_MIME]
            found.append(json.loads(payload) if isinstance(payload, str) else payload)
    return found
