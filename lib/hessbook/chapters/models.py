"""The model appendix ``book/appendix/models.md``: every model's card (no computation to size)."""

from __future__ import annotations

from dataclasses import dataclass

from hessbook.kit import Claim
from hessbook.params import ChapterParams


@dataclass(frozen=True)
class ModelsParams(ChapterParams):
    pass


Params = ModelsParams
"""The chapter's parameter schema (the chapter protocol's name for it)."""


def criteria(P: ModelsParams) -> list:
    """No regime criterion: the chapter lists the models and their parameter counts; it trains no network (:mod:`hessbook.regime`)."""
    return []


def jobs(P: ModelsParams) -> list:
    """Nothing: the model cards compute and store nothing."""
    return []


def run(P: ModelsParams, store=None) -> list[dict]:
    """Every model's card: name, parameter count, input, output, docstring."""
    from hessbook.models import MODEL_NAMES, model_card

    return [model_card(name) for name in MODEL_NAMES]


def numbers(cards: list[dict]) -> dict:
    return {"count": len(cards)}


def claims(cards: list[dict]) -> list[Claim]:
    """The appendix reproduces no paper's claim."""
    return []
