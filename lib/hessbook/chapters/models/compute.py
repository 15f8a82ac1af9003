"""The appendix's ``run``: every model's card, built by name (nothing stored, no job)."""

from __future__ import annotations

from hessbook.chapters.models.params import ModelsParams


def jobs(P: ModelsParams) -> list:
    """Nothing: the model cards compute and store nothing."""
    return []


def run(P: ModelsParams, store=None) -> list[dict]:
    """Every model's card: name, parameter count, input, output, docstring."""
    from hessbook.models import MODEL_NAMES, model_card

    return [model_card(name) for name in MODEL_NAMES]
