"""Attack semantics: eps balls, [0, 1], inputs untouched, eval mode, batching, registry errors."""

from __future__ import annotations

import pytest
import torch
from attack_fixtures import CLASSES, TinyMLP, data, trained
from torch import nn

from hessbook.attacks import (
    ADVERSARIES,
    ATTACKS,
    accuracy,
    adversarial_training_step,
    fgsm,
    make_attack,
    pgd,
    robustness,
    transfer_table,
)

# Every attack, at an eps in its norm's scale (inputs are 8 x 8 = 64 pixels).
SETTINGS = {
    "fgsm": dict(eps=0.1),
    "fgsm10": dict(eps=0.1),
    "pgd": dict(eps=0.1, step_size=0.02, steps=10),
    "pgd_l2": dict(eps=1.0, step_size=0.2, steps=10, norm="l2"),
    "l2grad": dict(eps=1.0),
    "fhsm": dict(eps=0.1),
    "l2hess": dict(eps=1.0),
}
NAMES = list(SETTINGS)


def build(label: str, **override):
    name = "pgd" if label.startswith("pgd") else label
    return make_attack(name, **{**SETTINGS[label], **override})


def norm_of(attack, delta: torch.Tensor) -> torch.Tensor:
    flat = delta.reshape(delta.shape[0], -1)
    return flat.abs().amax(dim=1) if attack.norm == "linf" else flat.norm(dim=1)


@pytest.mark.parametrize("label", NAMES)
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_perturbation_within_eps_and_box(label, kind):
    x, y = data(64)
    attack = build(label)
    x_adv = attack(trained(kind), x, y).x_adv
    assert x_adv.shape == x.shape and x_adv.dtype == x.dtype
    assert bool((norm_of(attack, x_adv - x) <= attack.eps + 1e-6).all())
    assert float(x_adv.min()) >= 0.0 and float(x_adv.max()) <= 1.0
    assert bool((x_adv != x).any()), "the attack did nothing"


@pytest.mark.parametrize("label", NAMES)
def test_inputs_untouched(label):
    x, y = data(32)
    x0, y0 = x.clone(), y.clone()
    build(label)(trained("mlp"), x, y)
    assert torch.equal(x, x0) and torch.equal(y, y0)
    assert not x.requires_grad and x.grad is None


@pytest.mark.parametrize("label", NAMES)
def test_eps_zero_returns_inputs(label):
    x, y = data(32)
    overrides = {"eps": 0.0}
    result = build(label, **overrides)(trained("mlp"), x, y)
    assert torch.equal(result.x_adv, x)


def test_fgsm_equals_pgd_one_step_of_eps_without_random_start():
    x, y = data(64)
    for kind in ("mlp", "cnn"):
        model = trained(kind)
        a = fgsm(model, x, y, eps=0.15).x_adv
        b = pgd(model, x, y, eps=0.15, step_size=0.15, steps=1, random_start=False).x_adv
        assert torch.equal(a, b)


@pytest.mark.parametrize("label", NAMES)
def test_adversarial_loss_at_least_clean_loss(label):
    """Per sample on softmax regression (the loss is convex in x and every attack moves along
    a direction d with g.d >= 0, also after clipping to [0, 1], so J(x + d) >= J(x) + g.d >=
    J(x)); on average for the ReLU networks (convex only inside each linear region)."""
    x, y = data(64)
    r = build(label)(trained("linear"), x, y)
    assert bool((r.loss_adv >= r.loss_clean - 1e-6).all())
    for kind in ("mlp", "cnn"):
        r = build(label)(trained(kind), x, y)
        assert float(r.loss_adv.mean()) > float(r.loss_clean.mean())


def test_robust_accuracy_below_clean_and_non_increasing_in_eps():
    x, y = data(200)
    for kind in ("mlp", "cnn"):
        model = trained(kind)
        clean = accuracy(model, (x, y), batch_size=100)
        assert clean > 0.9
        epss = [0.0, 0.05, 0.1, 0.15, 0.2, 0.3]
        attacks = {f"{e}": make_attack("pgd", eps=e, step_size=max(e, 1e-3) / 4, steps=10, random_start=False)
                   for e in epss}
        fg = {f"fgsm{e}": make_attack("fgsm", eps=e) for e in epss}
        res = robustness(model, (x, y), {**attacks, **fg}, batch_size=100)
        assert res.clean == pytest.approx(clean)
        pgd_acc = [res.adversarial[f"{e}"] for e in epss]
        fgsm_acc = [res.adversarial[f"fgsm{e}"] for e in epss]
        assert pgd_acc[0] == pytest.approx(clean)
        for accs in (pgd_acc, fgsm_acc):
            assert all(a <= clean + 1e-12 for a in accs)
            assert all(b <= a + 1e-12 for a, b in zip(accs, accs[1:])), accs
        assert pgd_acc[-1] < clean
        assert all(p <= f + 1e-12 for p, f in zip(pgd_acc, fgsm_acc)), (pgd_acc, fgsm_acc)


@pytest.mark.parametrize("label", ["fgsm", "fgsm10", "l2grad", "fhsm", "l2hess", "pgd_norandom"])
def test_batch_equals_items_one_by_one(label):
    x, y = data(12)
    model = trained("cnn", torch.float64)
    x = x.double()
    attack = (make_attack("pgd", eps=0.1, step_size=0.02, steps=5, random_start=False)
              if label == "pgd_norandom" else build(label))
    batch = attack(model, x, y).x_adv
    items = torch.cat([attack(model, x[i : i + 1], y[i : i + 1]).x_adv for i in range(len(y))])
    torch.testing.assert_close(batch, items, rtol=0, atol=1e-12)


def test_model_mode_restored_per_module_and_eval_during_attack():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(16, CLASSES))
    model.train()
    model[4].eval()  # a mixed state must come back exactly
    before = {name: m.training for name, m in model.named_modules()}
    stats = model[2].running_mean.clone()
    x, y = data(16)
    r1 = make_attack("pgd", eps=0.1, step_size=0.05, steps=3, random_start=False)(model, x, y)
    r2 = make_attack("pgd", eps=0.1, step_size=0.05, steps=3, random_start=False)(model, x, y)
    assert {name: m.training for name, m in model.named_modules()} == before
    assert torch.equal(model[2].running_mean, stats), "BatchNorm statistics changed: not in eval mode"
    assert torch.equal(r1.x_adv, r2.x_adv), "dropout active: not in eval mode"
    for name in ("fhsm", "fgsm"):
        make_attack(name, eps=0.1)(model, x, y)
        assert {n: m.training for n, m in model.named_modules()} == before


def test_pgd_randomness_only_from_seed_or_generator():
    x, y = data(16)
    model = trained("mlp")
    a = pgd(model, x, y, eps=0.1, step_size=0.02, steps=3, seed=5).x_adv
    torch.manual_seed(123)  # global state must not matter
    b = pgd(model, x, y, eps=0.1, step_size=0.02, steps=3, seed=5).x_adv
    c = pgd(model, x, y, eps=0.1, step_size=0.02, steps=3, seed=6).x_adv
    d = pgd(model, x, y, eps=0.1, step_size=0.02, steps=3, generator=torch.Generator().manual_seed(5)).x_adv
    assert torch.equal(a, b) and torch.equal(a, d) and not torch.equal(a, c)
    with pytest.raises(ValueError, match="seed"):
        pgd(model, x, y, eps=0.1, step_size=0.02, steps=3, seed=None)


@pytest.mark.parametrize(
    "name, settings, words",
    [
        ("nope", dict(eps=0.1), ["'nope'", "fgsm", "l2hess"]),
        ("fgsm", dict(eps=-0.1), ["-0.1", ">= 0"]),
        ("fgsm", dict(eps=float("nan")), ["nan"]),
        ("pgd", dict(eps=0.1, step_size=0.01, steps=0), ["steps = 0", ">= 1"]),
        ("pgd", dict(eps=0.1, step_size=0.01, steps=2.5), ["2.5"]),
        ("pgd", dict(eps=0.1, step_size=0.01, steps=3, norm="l1"), ["'l1'", "'linf'", "'l2'"]),
        ("pgd", dict(eps=0.1, step_size=0.0, steps=3), ["step_size"]),
        ("pgd", dict(eps=0.1, steps=3), ["missing", "step_size"]),
        ("fgsm", dict(eps=0.1, steps=3), ["unknown", "steps", "accepted eps"]),
        ("fhsm", dict(eps=0.1, rtol=2.0), ["rtol", "(0, 1)"]),
        ("fhsm", dict(eps=0.1, forcing="ew"), ["'ew'", "'fixed'", "'sqrt'"]),
        ("fhsm", dict(eps=0.1, max_iter=0), ["max_iter"]),
    ],
)
def test_bad_names_and_settings_raise_value_error(name, settings, words):
    with pytest.raises(ValueError) as info:
        make_attack(name, **settings)
    for word in words:
        assert word in str(info.value)


def test_bad_inputs_raise_value_error():
    model = trained("mlp")
    x, y = data(4)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fgsm(model, x * 2 + 0.5, y, eps=0.1)
    with pytest.raises(ValueError, match="labels"):
        fgsm(model, x, y[:2], eps=0.1)
    with pytest.raises(ValueError):
        fgsm(model, x, y, eps=-1)


@pytest.mark.parametrize("label", NAMES)
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_pixels_are_rejected(label, bad):
    model = trained("mlp")
    x, y = data(4)
    x = x.clone()
    x[1, 0, 3, 2] = bad
    with pytest.raises(ValueError, match=r"inputs contain 1 non-finite value.*index \(1, 0, 3, 2\).*accepted finite inputs in \[0, 1\]"):
        build(label)(model, x, y)


def test_registry_covers_the_papers_attacks():
    assert set(ATTACKS) == {"fgsm", "fgsm10", "pgd", "l2grad", "fhsm", "l2hess"}
    assert set(ADVERSARIES) == set(ATTACKS)
    a = make_attack("fgsm10", eps=0.1)
    assert a.settings == {"eps": 0.1, "steps": 10, "step_size": None}
    assert a.params() == {"attack": "fgsm10", "eps": 0.1, "step_size": None, "steps": 10}


def test_transfer_table_layout():
    x, y = data(60)
    models = {"M_ORI": trained("mlp"), "M_CNN": trained("cnn")}
    attacks = {"FGSM": make_attack("fgsm", eps=0.15),
               "PGD": make_attack("pgd", eps=0.15, step_size=0.03, steps=10, seed=1),
               "L2HESS": make_attack("l2hess", eps=1.5)}
    table = transfer_table(models, "M_ORI", (x, y), attacks, batch_size=25)
    assert table.rows == ("M_ORI", "M_CNN") and table.columns == ("clean", "FGSM", "PGD", "L2HESS")
    assert table.accuracy.shape == (2, 4)
    assert table.value("M_ORI", "clean") == pytest.approx(accuracy(models["M_ORI"], (x, y)))
    assert table.value("M_ORI", "PGD") < table.value("M_ORI", "clean")  # white-box on the source
    assert table.mean_adv[0] == pytest.approx(table.accuracy[0, 1:].mean())
    assert table.cg["L2HESS"]["samples"] == 60
    # each image's outcome per cell, whose mean is the cell's accuracy exactly
    assert table.correct.shape == (2, 4, 60) and table.correct.dtype == bool
    assert (table.correct.mean(axis=2) == table.accuracy).all()
    assert table.outcomes("M_CNN", "FGSM").sum() == round(60 * table.value("M_CNN", "FGSM"))
    again = transfer_table(models, "M_ORI", (x, y), attacks, batch_size=25)  # PGD's seed: the same starts
    assert (again.accuracy == table.accuracy).all() and again.cg == table.cg
    frame = table.to_frame()
    assert list(frame.columns) == ["clean", "FGSM", "PGD", "L2HESS", "mean_adv"]


def test_dataset_input_matches_tensors():
    x, y = data(30)
    ds = torch.utils.data.TensorDataset(x, y)
    model = trained("mlp")
    a = robustness(model, ds, make_attack("fgsm", eps=0.1), batch_size=7)
    b = robustness(model, (x, y), make_attack("fgsm", eps=0.1), batch_size=7)
    assert a == b
    # each sample's outcome, in the data's order across batches: its mean is the accuracy exactly
    for name in ("clean", "fgsm"):
        assert (a.correct[name] == b.correct[name]).all() and a.correct[name].shape == (30,)
    assert (a.correct["clean"] == (model(x).argmax(1) == y).numpy()).all()
    x_adv = make_attack("fgsm", eps=0.1)(model, x, y).x_adv
    assert (a.correct["fgsm"] == (model(x_adv).argmax(1) == y).numpy()).all()
    with pytest.raises(ValueError, match="'clean' is reserved"):
        robustness(model, (x, y), {"clean": make_attack("fgsm", eps=0.1)})


def test_adversaries_for_the_training_engine():
    x, y = data(20)
    model = TinyMLP()
    model.train()
    for name, params in [("fgsm", dict(eps=0.1)), ("pgd", dict(eps=0.1, step_size=0.05, steps=2)),
                         ("fhsm", dict(eps=0.1)), ("l2hess", dict(eps=1.0))]:
        x_adv = ADVERSARIES[name](model, x, y, **params)
        assert x_adv.shape == x.shape and model.training
        half = ADVERSARIES[name](model, x, y, mix_clean=0.5, **params)
        assert torch.equal(half[:10], x[:10]) and torch.equal(half[10:], x_adv[10:]) or name == "pgd"
    # PGD: explicit seed -> reproducible per batch, different across batches
    a = ADVERSARIES["pgd"](model, x, y, eps=0.1, step_size=0.05, steps=1, seed=3)
    b = ADVERSARIES["pgd"](model, x, y, eps=0.1, step_size=0.05, steps=1, seed=3)
    c = ADVERSARIES["pgd"](model, x[:10], y[:10], eps=0.1, step_size=0.05, steps=1, seed=3)
    assert torch.equal(a, b) and not torch.equal(a[:10], c)
    # no seed: from the global generator, which the engine seeds
    torch.manual_seed(9)
    d = ADVERSARIES["pgd"](model, x, y, eps=0.1, step_size=0.05, steps=1)
    torch.manual_seed(9)
    e = ADVERSARIES["pgd"](model, x, y, eps=0.1, step_size=0.05, steps=1)
    assert torch.equal(d, e)
    with pytest.raises(ValueError, match="mix_clean"):
        ADVERSARIES["fgsm"](model, x, y, eps=0.1, mix_clean=1.5)


def test_adversarial_training_raises_robust_accuracy():
    x, y = data(256, seed=0)
    xt, yt = data(200, seed=1)
    torch.manual_seed(0)
    model = TinyMLP()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(100):
        adversarial_training_step(model, opt, x, y, "fgsm", eps=0.0)  # clean training
    attack = make_attack("pgd", eps=0.15, step_size=0.03, steps=10, random_start=False)
    before = robustness(model, (xt, yt), attack).adversarial["pgd"]
    for _ in range(100):
        adversarial_training_step(model, opt, x, y, "fgsm", eps=0.15)
    after = robustness(model, (xt, yt), attack).adversarial["pgd"]
    assert after > before + 0.1, (before, after)


def test_numpy_integers_are_accepted_for_steps_seed_and_batch_size():
    import numpy as np

    model = trained("mlp")
    x, y = data(16)
    attack = make_attack("pgd", eps=0.1, step_size=0.02, steps=np.int64(3), seed=np.int64(1))
    assert attack.settings["steps"] == 3 and type(attack.settings["steps"]) is int
    assert 0.0 <= accuracy(model, (x, y), batch_size=np.int64(8)) <= 1.0
