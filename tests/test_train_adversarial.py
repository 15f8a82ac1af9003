"""Adversarial training through the engine: TrainConfig(adversary=...) uses hessbook.attacks."""

from __future__ import annotations

import pytest
import torch

from hessbook.attacks import fgsm
from hessbook.params import ParameterError
from hessbook.store import ResultStore
from hessbook.data import DataSpec, load_data
from hessbook.train import TrainConfig, train


def config(**kw):
    return TrainConfig(model="s_fc_mnist", model_kwargs={"hidden": 32}, data=DataSpec("mnist", n=1024),
                       batch_size=64, lr=0.05, momentum=0.9, max_epochs=4, seed=0, **kw)


def test_fgsm_training_makes_the_model_more_robust(data_env, tmp_path):
    store = ResultStore(tmp_path)
    clean = train(config(), store, device=torch.device("cpu")).model()
    # Y's robust training fine-tunes the original model (from scratch, FGSM training of this
    # small MLP stays at chance within a few epochs)
    robust = train(config(adversary="fgsm", adversary_params={"eps": 0.1}, init_from=config()),
                   store, device=torch.device("cpu")).model()
    data = load_data(DataSpec("mnist", n=1024))
    x, y = data.inputs(), data.targets()

    def fgsm_acc(model):
        x_adv = fgsm(model, x, y, eps=0.1).x_adv
        return float((model(x_adv).argmax(1) == y).float().mean())

    assert fgsm_acc(robust) > fgsm_acc(clean) + 0.1


def test_unknown_adversary_is_named(data_env, tmp_path):
    with pytest.raises(ParameterError, match="unknown adversary 'fgsn'.*fgsm"):
        train(config(adversary="fgsn"), ResultStore(tmp_path), device=torch.device("cpu"))


def test_attack_settings_are_validated_once_per_run_not_per_batch(data_env, tmp_path, monkeypatch):
    import hessbook.attacks.training as training

    calls = []
    real = training.check_settings
    monkeypatch.setattr(training, "check_settings", lambda name, s: calls.append(name) or real(name, s))
    result = train(config(adversary="fgsm", adversary_params={"eps": 0.1}), ResultStore(tmp_path),
                   device=torch.device("cpu"))
    assert result.iterations == 4 * 16 and calls == ["fgsm"]


def test_importing_the_attacks_registers_nothing_with_the_engine():
    import hessbook.attacks  # noqa: F401
    from hessbook import train as T

    assert T._ADVERSARIES.keys() <= {"test_shift"}  # only what a test registered by hand
