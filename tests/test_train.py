"""hessbook.train and hessbook.lr: rules, stopping, divergence, store, resume, plug-ins."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from hessbook import data as hdata
from hessbook import lr as hlr
from hessbook import train as T
from hessbook.params import ParameterError
from hessbook.store import ResultStore

CPU = torch.device("cpu")
CLUSTERS = hdata.DataSpec("gaussian_clusters", options={"k": 5, "d": 20, "n": 200, "cov_scale": 1.0, "seed": 0})


def mlp_config(**changes) -> T.TrainConfig:
    base = T.TrainConfig(model="s_mlp", model_kwargs={"d": 20, "k": 5}, data=CLUSTERS, batch_size=32,
                         lr=0.05, momentum=0.9, max_epochs=6, seed=1)
    return dataclasses.replace(base, **changes)


@pytest.fixture
def store(tmp_path) -> ResultStore:
    return ResultStore(tmp_path / "results")


# ----------------------------------------------------------------------------- lr rules


def lr_of(rule, epoch, iteration=0, lr=0.01, batch_size=128, iters_per_epoch=100, **params):
    return hlr.lr_at(rule, epoch, iteration, lr=lr, batch_size=batch_size,
                     iters_per_epoch=iters_per_epoch, params=params)


def test_lr_constant():
    assert lr_of("constant", 0) == lr_of("constant", 99) == 0.01


def test_lr_halve_every_5_epochs_y_schedule():
    assert [lr_of("halve", e) for e in (0, 4, 5, 9, 10, 99)] == pytest.approx(
        [0.01, 0.01, 0.005, 0.005, 0.0025, 0.01 * 0.5**19])
    assert lr_of("halve", 6, every=3, factor=0.1) == pytest.approx(0.0001)


def test_lr_bs_ratio_k():
    assert lr_of("lr_bs", 0, batch_size=64) == pytest.approx(0.01)
    assert lr_of("lr_bs", 50, batch_size=1024) == pytest.approx(0.16)
    assert lr_of("lr_bs", 0, batch_size=100, ratio=0.001) == pytest.approx(0.1)


def test_lr_goyal_linear_scaling_with_warmup():
    kw = dict(lr=0.1, batch_size=1024, iters_per_epoch=10, base_batch_size=256, warmup_epochs=5)
    rule = lambda e, it, **extra: hlr.lr_at("goyal", e, it, lr=kw["lr"], batch_size=kw["batch_size"],  # noqa: E731
                                            iters_per_epoch=10, params={"base_batch_size": 256,
                                                                        "warmup_epochs": 5, **extra})
    assert rule(0, 0) == pytest.approx(0.1)
    assert rule(2, 25) == pytest.approx(0.1 + 0.3 * 25 / 50)
    assert rule(5, 50) == pytest.approx(0.4) and rule(40, 400) == pytest.approx(0.4)
    assert rule(10, 100, halve_every=10) == pytest.approx(0.2)


def test_lr_unknown_rule_or_parameter():
    with pytest.raises(ValueError, match="accepted: constant, halve, lr_bs, goyal"):
        lr_of("cosine", 0)
    with pytest.raises(ValueError, match="'evry'.*accepted: every=5"):
        lr_of("halve", 0, evry=3)


# ----------------------------------------------------------------------------- config


def test_config_validation():
    with pytest.raises(ParameterError, match="max_epochs or max_iterations"):
        mlp_config(max_epochs=None)
    with pytest.raises(ParameterError, match="momentum"):
        mlp_config(momentum=1.5)
    with pytest.raises(ParameterError, match="unknown learning-rate rule"):
        mlp_config(lr_rule="cosine")
    with pytest.raises(ParameterError, match="accepted"):
        hdata.DataSpec("svhn")
    with pytest.raises(ParameterError, match="CIFAR"):
        hdata.DataSpec("mnist", augment=True)


def test_batch_larger_than_data_and_unknown_plugins(store):
    with pytest.raises(ParameterError, match="gradient descent"):
        T.train(mlp_config(batch_size=201), store, CPU)
    with pytest.raises(ParameterError, match="unknown epoch metric 'lambda9'"):
        T.train(mlp_config(epoch_metrics=("lambda9",)), store, CPU)
    with pytest.raises(ParameterError, match="unknown adversary 'fgsm_x'"):
        T.train(mlp_config(adversary="fgsm_x"), store, CPU)


# ----------------------------------------------------------------------------- training


def test_tiny_model_reaches_loss_target(store):
    cfg = mlp_config(max_epochs=50, loss_target=1e-3, epoch_metrics=("train_acc", "grad_norm"))
    result = T.train(cfg, store, CPU)
    assert result.stop_reason == "loss_target" and result.epochs < 50
    assert result.history[-1]["train_loss"] <= 1e-3 and result.history[-1]["train_acc"] == 1.0
    assert result.history[0]["train_loss"] > 1e-3
    assert result.iterations == result.epochs * 7  # ceil(200 / 32): last partial batch kept
    assert all(h["grad_norm"] >= 0 for h in result.history)
    net = result.model()
    assert not net.training


def test_gradient_descent_and_iteration_budget(store):
    gd = T.train(mlp_config(batch_size=200, max_epochs=None, max_iterations=13), store, CPU)
    assert gd.stop_reason == "max_iterations" and gd.iterations == 13 and gd.epochs == 13
    sgd = T.train(mlp_config(max_epochs=None, max_iterations=10), store, CPU)
    assert sgd.iterations == 10 and sgd.epochs == 2 and sgd.history[-1]["iteration"] == 10


def test_same_parameters_never_retrain(store):
    calls = []
    cfg = mlp_config(max_epochs=2)
    first = T.train(cfg, store, CPU, on_epoch=lambda e, m, h: calls.append(e))
    again = T.train(cfg, store, CPU, on_epoch=lambda e, m, h: calls.append(e))
    assert calls == [1, 2] and not first.cached and again.cached
    assert all(torch.equal(first.state[k], again.state[k]) for k in first.state)
    other = T.train(dataclasses.replace(cfg, seed=2), store, CPU)
    assert not torch.equal(other.state["0.weight"], first.state["0.weight"])


def test_deterministic_and_leaves_global_rng_alone(store, tmp_path):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = T.train(mlp_config(), store, CPU)
    assert torch.equal(torch.get_rng_state(), before)
    b = T.train(mlp_config(), ResultStore(tmp_path / "other"), CPU)
    assert all(torch.equal(a.state[k], b.state[k]) for k in a.state)


def test_divergence_is_recorded_not_raised(store):
    result = T.train(mlp_config(lr=1e5, max_epochs=5), store, CPU)
    assert result.stop_reason == "diverged" and result.diverged and result.diverged_epoch == 1
    assert result.epochs == 1 and len(result.history) == 1
    assert result.history[0]["train_loss_running"] != result.history[0]["train_loss_running"]  # NaN
    assert T.train(mlp_config(lr=1e5, max_epochs=5), store, CPU).cached


class Interrupt(RuntimeError):
    pass


def _interrupt_at(epoch):
    def on_epoch(e, model, history):
        if e == epoch:
            raise Interrupt(f"stop at {e}")
    return on_epoch


def _assert_resume_identical(cfg, store, tmp_path, stop_at):
    with pytest.raises(Interrupt):
        T.train(cfg, store, CPU, checkpoint_interval=0, on_epoch=_interrupt_at(stop_at))
    assert store.checkpoint(T.STORE_KIND, cfg).load()[0] == stop_at
    seen = []
    resumed = T.train(cfg, store, CPU, checkpoint_interval=0, on_epoch=lambda e, m, h: seen.append(e))
    assert seen[0] == stop_at + 1  # it did resume, not restart
    fresh = T.train(cfg, ResultStore(tmp_path / "fresh"), CPU)
    assert resumed.iterations == fresh.iterations and len(resumed.history) == len(fresh.history)
    for key in fresh.state:
        assert torch.equal(resumed.state[key], fresh.state[key]), key
    assert [h["train_loss_running"] for h in resumed.history] == [h["train_loss_running"] for h in fresh.history]


def test_resume_equals_uninterrupted_synthetic(store, tmp_path):
    cfg = mlp_config(max_epochs=5, lr_rule="halve", lr_params={"every": 2})
    _assert_resume_identical(cfg, store, tmp_path, stop_at=2)


def test_resume_equals_uninterrupted_dropout_mnist(store, tmp_path, data_env):
    cfg = T.TrainConfig(model="stdcnn", data=hdata.DataSpec("mnist", "k_train", n=256, subset_seed=0),
                        batch_size=64, lr=0.05, momentum=0.9, max_epochs=4, seed=3,
                        eval_data=hdata.DataSpec("mnist", "test", n=256), epoch_metrics=("test_acc",))
    _assert_resume_identical(cfg, store, tmp_path, stop_at=2)


def test_resume_equals_uninterrupted_cifar_augmented(store, tmp_path, data_env):
    cfg = T.TrainConfig(model="c1", data=hdata.DataSpec("cifar10", "k_train", n=96, augment=True),
                        batch_size=32, lr=0.01, momentum=0.9, max_epochs=3, seed=0)
    _assert_resume_identical(cfg, store, tmp_path, stop_at=1)


def test_mnist_training_learns(store, data_env):
    cfg = T.TrainConfig(model="m1k", data=hdata.DataSpec("mnist", "k_train", n=1024), batch_size=64, lr=0.05,
                        momentum=0.9, max_epochs=3, eval_data=hdata.DataSpec("mnist", "k_val", n=500),
                        epoch_metrics=("train_acc", "test_acc"))
    result = T.train(cfg, store, CPU)
    assert result.history[-1]["test_acc"] > 0.8 and result.history[-1]["lr"] == 0.05


def test_custom_epoch_metric_and_adversary_hook(store):
    calls = {"adv": 0}

    def shift(model, x, y, eps):
        calls["adv"] += 1
        assert not model.training
        return x + eps

    T.register_adversary("test_shift", shift)
    T.register_epoch_metric("test_weight_norm",
                            lambda m, c: float(sum(p.detach().norm() ** 2 for p in m.parameters())) ** 0.5)
    cfg = mlp_config(max_epochs=2, adversary="test_shift", adversary_params={"eps": 0.1},
                     adversary_mix=0.5, epoch_metrics=("test_weight_norm",))
    result = T.train(cfg, store, CPU)
    assert calls["adv"] == result.iterations == 14
    assert all(h["test_weight_norm"] > 0 for h in result.history)
    plain = T.train(mlp_config(max_epochs=2), store, CPU)
    assert not torch.equal(plain.state["0.weight"], result.state["0.weight"])


def test_init_from_continues_a_trained_model(store):
    part1 = mlp_config(batch_size=200, max_epochs=None, max_iterations=5, momentum=0.0)
    part2 = dataclasses.replace(part1, batch_size=10, init_from=part1)
    first = T.train(part1, store, CPU)
    second = T.train(part2, store, CPU)
    assert second.history[0]["train_loss_running"] < 2.0
    manual = first.model()
    assert not torch.equal(manual[0].weight, second.state["0.weight"])


def test_channels_last_and_mixed_precision_run(store, data_env):
    cfg = T.TrainConfig(model="c1", data=hdata.DataSpec("cifar10", "test", n=64, augment=True), batch_size=32,
                        lr=0.01, momentum=0.9, max_epochs=1, channels_last=True, mixed_precision=True,
                        epoch_metrics=("train_loss",))
    result = T.train(cfg, store, CPU)
    assert result.stop_reason == "max_epochs" and result.iterations == 2
    assert result.state["1.weight"].dtype == torch.float32  # weights stay float32
    assert 0 < result.history[0]["train_loss"] < 10


# ----------------------------------------------------------------------------- record_every (S5)


def test_record_every_records_by_iteration_across_epochs(store):
    # 200 points, batch 32: 7 iterations an epoch, so records at 5, 10, 15, 20 straddle epochs
    cfg = mlp_config(max_epochs=None, max_iterations=20, record_every=5, epoch_metrics=("train_loss", "train_acc"))
    result = T.train(cfg, store, CPU)
    assert [h["iteration"] for h in result.history] == [5, 10, 15, 20]
    assert result.iterations == 20 and result.stop_reason == "max_iterations"
    assert all(0 <= h["train_acc"] <= 1 and h["train_loss"] > 0 for h in result.history)
    assert result.history[1]["epoch"] == pytest.approx(1 + 3 / 7)  # fractional epochs
    final = T.evaluate(result.model(), hdata.load_data(CLUSTERS), CPU)
    assert result.history[-1]["train_loss"] == pytest.approx(final[0])


def test_record_also_adds_early_records_and_stays_out_of_the_key_while_empty(store):
    # Y3: records at 2 and 3 before the first of every 5 (and 5 itself once, not twice)
    cfg = mlp_config(max_epochs=None, max_iterations=10, record_every=5, record_also=(3, 2, 5),
                     epoch_metrics=("train_loss",))
    result = T.train(cfg, store, CPU)
    assert [h["iteration"] for h in result.history] == [2, 3, 5, 10] and cfg.record_also == (2, 3, 5)
    assert result.history[1]["train_loss_running"] > 0  # the period's mean: one step (iteration 3)
    plain = T.train(dataclasses.replace(cfg, record_also=()), store, CPU)
    assert [h["iteration"] for h in plain.history] == [5, 10]
    assert plain.history[-1]["train_loss"] == pytest.approx(result.history[-1]["train_loss"])
    import json

    from hessbook.store import canonical_json

    assert "record_also" not in json.loads(canonical_json(dataclasses.replace(cfg, record_also=())))
    with pytest.raises(ParameterError, match="record_also"):
        mlp_config(record_also=(3,))


def _levels_between(losses: list[float], epochs: list[int]) -> list[float]:
    """Loss levels halfway (geometrically) between consecutive per-epoch losses before ``epochs``:
    each is first reached at that epoch."""
    return [math.sqrt(losses[e - 2] * losses[e - 1]) for e in epochs]


def test_record_below_records_where_the_training_loss_first_reaches_each_level(store):
    """Y3's loss-level records: at the end of the first whole epoch whose training loss is at or
    below a level, checked against a run that records every epoch (7 iterations an epoch)."""
    every_epoch = T.train(mlp_config(record_every=7, epoch_metrics=("train_loss",)), store, CPU)
    losses = [h["train_loss"] for h in every_epoch.history]
    assert all(a > b for a, b in zip(losses, losses[1:]))  # a falling loss: each level crossed once
    levels = _levels_between(losses, [2, 4])
    cfg = mlp_config(record_every=1000, record_below=tuple(levels) + (losses[-1] / 10,),
                     epoch_metrics=("train_loss",))
    result = T.train(cfg, store, CPU)
    # epochs 2 and 4 (iterations 14 and 28); the level below the last loss never
    assert [h["iteration"] for h in result.history] == [14, 28]
    assert [h["train_loss"] for h in result.history] == pytest.approx([losses[1], losses[3]], rel=1e-6)
    assert result.history[0]["train_loss_running"] == pytest.approx(
        np.mean([h["train_loss_running"] for h in every_epoch.history[:2]]), rel=1e-6)  # its period: epochs 1-2
    assert cfg.record_below == tuple(sorted(cfg.record_below, reverse=True))
    # two levels crossed in one epoch: one record; a level a record of the schedule reached: none added
    both = T.train(dataclasses.replace(cfg, record_below=(levels[1], levels[1] * 0.999)), store, CPU)
    assert [h["iteration"] for h in both.history] == [28]
    scheduled = T.train(dataclasses.replace(cfg, record_every=14), store, CPU)
    assert [h["iteration"] for h in scheduled.history] == [14, 28, 42]
    # a record of the schedule within an epoch that reached a level counts (records at 10, 20, ...:
    # the one at 20, in epoch 3, is below the level epoch 3 reaches, so epoch 3's end adds none)
    at_10 = T.train(mlp_config(record_every=10, epoch_metrics=("train_loss",)), store, CPU)
    level = at_10.history[1]["train_loss"] * 1.0001
    assert level < losses[1]  # epoch 2 (iteration 14) has not reached it
    mid = T.train(dataclasses.replace(cfg, record_every=10, record_below=(level,)), store, CPU)
    assert [h["iteration"] for h in mid.history] == [10, 20, 30, 40]
    # without train_loss among the metrics the levels still read it
    bare = T.train(dataclasses.replace(cfg, epoch_metrics=()), store, CPU)
    assert [h["iteration"] for h in bare.history] == [14, 28] and "train_loss" in bare.history[0]


def test_a_loss_target_stops_at_the_level_record_that_reaches_it_and_keeps_the_records_before(store):
    """Y3's runs (Y §2: 'trained until a training loss of 0.001 or better'): with the target among
    the record levels, a run stops at the end of the first epoch whose clean training loss reaches
    it, and every record up to there is the record of the run trained on to its epoch cap."""
    every_epoch = T.train(mlp_config(record_every=7, epoch_metrics=("train_loss",)), store, CPU)
    losses = [h["train_loss"] for h in every_epoch.history]
    levels = _levels_between(losses, [2, 4])
    full = T.train(mlp_config(record_every=1000, record_below=tuple(levels), epoch_metrics=("train_loss",)), store, CPU)
    stopped = T.train(mlp_config(record_every=1000, record_below=tuple(levels), loss_target=levels[1],
                                 epoch_metrics=("train_loss",)), store, CPU)
    assert stopped.stop_reason == "loss_target" and full.stop_reason == "max_epochs"
    assert stopped.epochs == 4 and full.epochs == 6
    assert [h["iteration"] for h in stopped.history] == [14, 28] == [h["iteration"] for h in full.history]
    assert [h["train_loss"] for h in stopped.history] == [h["train_loss"] for h in full.history]
    assert stopped.history[-1]["train_loss"] <= levels[1] < stopped.history[0]["train_loss"]


def test_record_below_is_not_gated_on_an_adversarial_running_loss(store, monkeypatch):
    """In adversarial training the epoch's mean minibatch loss is the adversarial one, far above the
    clean loss near a fit: a record must still come at the first epoch the clean loss reaches a
    level. The adversary here blanks the input (no class can be told there), half of each loss."""
    # registered for this test only (the registry is the engine's: other tests read what it holds)
    monkeypatch.setitem(T._ADVERSARIES, "test_blank", lambda model, x, y, **_: torch.zeros_like(x))
    adv = dict(adversary="test_blank", adversary_mix=0.5, max_epochs=10, epoch_metrics=("train_loss",))
    every_epoch = T.train(mlp_config(record_every=7, **adv), store, CPU)
    losses = [h["train_loss"] for h in every_epoch.history]
    running = [h["train_loss_running"] for h in every_epoch.history]

    def level_at(e: int) -> float:  # first reached at epoch e
        return math.sqrt(min(losses[:e - 1]) * losses[e - 1])

    # an epoch whose mean minibatch loss is over ten times the level it first reaches (epoch 10 here)
    e = next(e for e in range(2, 11) if losses[e - 1] < min(losses[:e - 1]) and running[e - 1] > 10 * level_at(e))
    level = level_at(e)
    result = T.train(mlp_config(record_every=1000, record_below=(level,), **adv), store, CPU)
    assert [h["iteration"] for h in result.history] == [7 * e]
    assert result.history[0]["train_loss"] == pytest.approx(losses[e - 1], rel=1e-6)
    # nor is a loss target (Y3's robust runs stop where their clean loss reaches Y's 1e-3)
    stopped = T.train(mlp_config(record_every=1000, record_below=(level,), loss_target=level, **adv), store, CPU)
    assert stopped.stop_reason == "loss_target" and [h["iteration"] for h in stopped.history] == [7 * e]


def test_record_below_stays_out_of_the_key_while_empty_and_needs_record_every():
    import json

    from hessbook.store import canonical_json

    assert "record_below" not in json.loads(canonical_json(mlp_config(record_every=5)))
    with pytest.raises(ParameterError, match="record_below"):
        mlp_config(record_below=(0.1,))
    for bad in ((0.1, 0.0), (0.1, math.inf), (0.1, math.nan)):
        with pytest.raises(ParameterError, match="record_below"):
            mlp_config(record_every=5, record_below=bad)


def test_record_below_resume_equals_uninterrupted(store, tmp_path):
    every_epoch = T.train(mlp_config(record_every=7, epoch_metrics=("train_loss",)), store, CPU)
    losses = [h["train_loss"] for h in every_epoch.history]
    cfg = mlp_config(record_every=1000, record_below=tuple(_levels_between(losses, [2, 4])),
                     epoch_metrics=("train_loss",))
    # resumed after epoch 2, whose end reached the first level: without the levels reached in the
    # checkpoint the resumed run would record at epoch 3 again
    _assert_resume_identical(cfg, ResultStore(tmp_path / "interrupted"), tmp_path, stop_at=2)


def test_record_every_is_out_of_the_key_while_none():
    import json

    from hessbook.store import canonical_json, result_key

    plain = mlp_config()
    assert "record_every" not in json.loads(canonical_json(plain))
    part2 = mlp_config(init_from=plain)
    assert "record_every" not in json.loads(canonical_json(part2))["init_from"]
    recorded = mlp_config(record_every=5)
    assert json.loads(canonical_json(recorded))["record_every"] == 5
    assert result_key("train", recorded) != result_key("train", plain)
    with pytest.raises(ParameterError, match="record_every = 0"):
        mlp_config(record_every=0)


def test_record_every_resume_equals_uninterrupted(store, tmp_path):
    cfg = mlp_config(max_epochs=None, max_iterations=30, record_every=4, epoch_metrics=("train_loss",))
    _assert_resume_identical(cfg, store, tmp_path, stop_at=2)


def test_record_every_divergence(store):
    result = T.train(mlp_config(lr=1e5, max_epochs=5, record_every=3), store, CPU)
    assert result.stop_reason == "diverged" and result.diverged
    last = result.history[-1]["train_loss_running"]
    assert last != last  # NaN


def test_checkpoint_with_wrong_shapes_is_set_aside_and_training_starts_over(store, tmp_path, monkeypatch):
    """A readable checkpoint of an older model definition (same key: no version bump)."""
    cfg = mlp_config(max_epochs=3)
    real_build = T.build_model
    monkeypatch.setattr(T, "build_model", lambda name, **kw: real_build(name, **{**kw, "hidden": (7, 7)}))
    with pytest.raises(Interrupt):
        T.train(cfg, store, CPU, checkpoint_interval=0, on_epoch=_interrupt_at(1))
    monkeypatch.setattr(T, "build_model", real_build)
    seen = []
    with pytest.warns(RuntimeWarning, match=r"checkpoint .*does not fit the model.*size mismatch.*set aside.*starts over"):
        result = T.train(cfg, store, CPU, checkpoint_interval=0, on_epoch=lambda e, m, h: seen.append(e))
    assert seen == [1, 2, 3], "started over from epoch 0"
    fresh = T.train(cfg, ResultStore(tmp_path / "fresh"), CPU)
    assert all(torch.equal(result.state[k], fresh.state[k]) for k in fresh.state)
    (aside,) = (store.root / T.STORE_KIND).glob("*.partial.corrupt-*")
    assert (aside / "checkpoint.pt").exists() and "size mismatch" in (aside / "WHY.txt").read_text()


# ----------------------------------------------------------------------------- evaluation passes


class _Scaled(torch.nn.Module):
    """Logits that are an elementwise function of each sample: the same at any batch size."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)[:, :10] * 7.3 - 1.1


def _sum_by_groups(out: torch.Tensor, y: torch.Tensor, group: int) -> float:
    total = 0.0
    for i in range(0, len(y), group):
        total += float(torch.nn.functional.cross_entropy(out[i:i + group], y[i:i + group], reduction="sum").double())
    return total / len(y)


def test_evaluate_value_does_not_depend_on_the_forward_passes():
    """The float32 sum of each EVAL_BATCH samples is one term, however the forward is split:
    bit for bit on a network whose per-sample outputs do not depend on the batch."""
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(5000, 1, 4, 4, generator=g), torch.randint(0, 10, (5000,), generator=g)
    data_ = hdata.tensor_data(x, y, "t", num_classes=10)
    net = _Scaled()
    expected = _sum_by_groups(net(x), y, T.EVAL_BATCH)
    values = {fw: T.evaluate(net, data_, CPU, forward=fw) for fw in (1, 7, 512, T.EVAL_BATCH, None)}
    assert {v[0] for v in values.values()} == {expected}
    assert len({v[1] for v in values.values()}) == 1


def test_forward_batch_follows_the_activations():
    low, high = T.FORWARD_BATCH_RANGE
    wide = torch.nn.Sequential(torch.nn.Conv2d(3, 64, 3, padding=1), torch.nn.Flatten(), torch.nn.Linear(64 * 1024, 10))
    x = torch.rand(1, 3, 32, 32)
    per_sample = 2 * 64 * 32 * 32 * 4 + 10 * 4  # the convolution's output, the flattened copy, the logits
    expected = 1 << ((T.FORWARD_BYTES_CPU // per_sample).bit_length() - 1)
    assert T.forward_batch(wide, x) == expected == 32
    assert T.forward_batch(torch.nn.Linear(16, 10), torch.rand(1, 16)) == high
    huge = torch.nn.Sequential(torch.nn.Conv2d(3, 4096, 3, padding=1))
    assert T.forward_batch(huge, x) == low
    assert T.forward_batch(wide, torch.empty(1, 3, 32, 32, device="meta")) == T.EVAL_BATCH


@pytest.mark.parametrize("name", ["c1", "m1", "stdcnn"])
def test_evaluate_in_small_passes_agrees_on_the_book_networks(name, data_env):
    """The default passes against one pass of EVAL_BATCH on a network with BN / dropout / pooling:
    equal to float32 rounding (bit for bit on the machines measured, not asserted: kernels vary)."""
    dataset = "cifar10" if name == "c1" else "mnist"
    data_ = hdata.load_data(hdata.DataSpec(name=dataset, n=600), CPU)
    torch.manual_seed(0)
    net = T.build_model(name).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn_like(p))
    small = T.evaluate(net, data_, CPU)
    one = T.evaluate(net, data_, CPU, forward=T.EVAL_BATCH)
    assert small[0] == pytest.approx(one[0], rel=1e-6)
    assert small[1] == one[1]
