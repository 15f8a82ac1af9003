"""The appendix's claims (none), its regime criteria (none) and the prose's numbers."""

from __future__ import annotations

from hessbook.chapters.models.params import ModelsParams
from hessbook.kit import Claim


def criteria(P: ModelsParams) -> list:
    """No regime criterion: the chapter lists the models and their parameter counts; it trains no network (:mod:`hessbook.regime`)."""
    return []


def numbers(cards: list[dict]) -> dict:
    return {"count": len(cards)}


def claims(cards: list[dict]) -> list[Claim]:
    """The appendix reproduces no paper's claim."""
    return []
