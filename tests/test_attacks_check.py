"""An attack checked against its definition (:mod:`hessbook.attacks.check`): each attack of
Y Table 5 passes on a tiny trained network, a mis-made attack is caught, and the stored result
(Y5's ``Table5Check``) decodes to the same ``AttackCheck``."""

from __future__ import annotations

import copy

import pytest
import torch
from attack_fixtures import data, trained

from hessbook.attacks import ATTACKS, fgsm, make_attack
from hessbook.attacks.check import CHECKED, AttackCheck, check_attack

SETTINGS = {"fgsm": {"eps": 0.05}, "fgsm10": {"eps": 0.05}, "l2grad": {"eps": 0.5},
            "fhsm": {"eps": 0.05, "rtol": 1e-6, "max_iter": 20, "solve_dtype": "float64"},
            "l2hess": {"eps": 0.5, "rtol": 1e-6, "max_iter": 20, "solve_dtype": "float64"}}


def _check(name: str, kind: str = "cnn") -> AttackCheck:
    net = trained(kind)
    x, y = data(8, seed=3)
    return check_attack(make_attack(name, **SETTINGS[name]), net, copy.deepcopy(net).to(torch.float64).eval(), x, y)


@pytest.mark.parametrize("name", CHECKED)
def test_every_attack_of_table5_is_its_definition(name):
    c = _check(name)
    assert (c.attack, c.samples, c.eps) == (name, 8, SETTINGS[name]["eps"])
    assert c.radius <= 1 + 1e-6 and c.formula < 1e-5
    if name in ("fhsm", "l2hess"):
        assert c.residual < 1e-4 and set(c.cg) == {"samples", "converged", "breakdown", "hit_cap",
                                                   "max_relative_residual"}
    else:
        assert (c.residual, c.fallback, c.cg) == (0.0, 0, {})


def test_a_mis_made_attack_is_caught(monkeypatch):
    """FGSM taking half its eps: in the ball, but half Table 5's step."""
    monkeypatch.setitem(ATTACKS, "fgsm", lambda model, x, y, *, eps: fgsm(model, x, y, eps=eps / 2))
    c = _check("fgsm", "mlp")
    assert c.radius <= 0.5 + 1e-6 and c.formula > 0.4


def test_an_attack_without_a_definition_here_is_refused():
    pgd = make_attack("pgd", eps=0.05, norm="linf", steps=2, step_size=0.01, seed=0)
    x, y = data(4, seed=3)
    with pytest.raises(ValueError, match="'pgd'"):
        check_attack(pgd, trained("mlp"), trained("mlp"), x, y)


def test_a_stored_check_decodes_to_the_same_dataclass():
    """Y5 stores these inside its ``Table5Check``: the codec rebuilds them from the type hints."""
    from hessbook.chapters.y5.compute import Table5Check
    from hessbook.kit.stored import decode, encode

    stored = Table5Check("m1", (_check("l2hess"), _check("fgsm")))
    assert decode(Table5Check, encode(stored)) == stored
