"""FGSM and PGD against an independent implementation (torchattacks, a test-only dependency)."""

from __future__ import annotations

import math

import pytest
import torch
from attack_fixtures import data, trained

from hessbook.attacks import fgsm, pgd

torchattacks = pytest.importorskip("torchattacks")


def _acc(model, x, y) -> float:
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("eps", [0.05, 0.15, 0.3])
def test_fgsm_identical_to_torchattacks(kind, eps):
    model = trained(kind)
    x, y = data(200)
    ours = fgsm(model, x, y, eps=eps).x_adv
    theirs = torchattacks.FGSM(model, eps=eps)(x, y)
    # torchattacks clips x + eps sign(g) directly, we project x + clamp(delta): equal up to 1 ulp
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)
    assert _acc(model, ours, y) == _acc(model, theirs, y)


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_pgd_matches_torchattacks_on_the_same_random_start(kind):
    """Same seed: torchattacks draws its start from the global generator, we from our own
    generator seeded alike; the starts coincide and so do the iterates."""
    model = trained(kind)
    x, y = data(200)
    ours = pgd(model, x, y, eps=0.2, step_size=0.02, steps=20, seed=11).x_adv
    torch.manual_seed(11)
    theirs = torchattacks.PGD(model, eps=0.2, alpha=0.02, steps=20, random_start=True)(x, y)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)
    assert _acc(model, ours, y) == _acc(model, theirs, y)


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_pgd_accuracy_within_sampling_noise_of_torchattacks(kind):
    """Different random starts: adversarial accuracies agree within sampling noise."""
    model = trained(kind)
    x, y = data(400, seed=3)
    accs_ours, accs_theirs = [], []
    for s in range(3):
        accs_ours.append(_acc(model, pgd(model, x, y, eps=0.15, step_size=0.01, steps=40, seed=100 + s).x_adv, y))
        torch.manual_seed(200 + s)
        accs_theirs.append(_acc(model, torchattacks.PGD(model, eps=0.15, alpha=0.01, steps=40)(x, y), y))
    a, b = sum(accs_ours) / 3, sum(accs_theirs) / 3
    p = max(min((a + b) / 2, 1 - 1 / len(y)), 1 / len(y))
    noise = math.sqrt(2 * p * (1 - p) / (3 * len(y)))
    assert abs(a - b) <= 4 * noise + 1 / len(y), (accs_ours, accs_theirs)
