"""The plan prices trainings that the build trains many as one (issue 28): the members of a
group the build would form are each estimated at their one-by-one cost divided by the group's
probed speed-up; what the build trains alone keeps its own cost."""

from __future__ import annotations

import dataclasses
import math

import pytest

from hessbook import plan as hplan
from hessbook.data import DataSpec
from hessbook.store import ResultStore, _plain
from hessbook.train import TrainConfig

BASE = TrainConfig(model="m1k", data=DataSpec("mnist", n=512), batch_size=16, lr=0.01, momentum=0.9, max_epochs=2)


def tree(**changes) -> dict:
    return _plain(dataclasses.replace(BASE, **changes))


def test_a_grouped_probe_times_one_step_of_the_stacked_networks():
    per_member = hplan.probe_group(tree(), 3, threads=1)
    assert per_member is not None and math.isfinite(per_member) and per_member > 0
    assert hplan.probe_group(tree(data=DataSpec("gaussian_clusters", options={"k": 3})), 3) is None


def test_the_training_config_comes_back_from_its_key_tree():
    assert hplan.train_config_of(tree()) == dataclasses.replace(BASE, epoch_metrics=())
    assert hplan.train_config_of({"model": "m1k"}) is None


def test_members_of_a_group_save_what_the_speedup_says_and_the_others_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("HESSBOOK_GROUPED", raising=False)
    estimator = hplan._Estimator(ResultStore(tmp_path), probe=True, empty=True)
    monkeypatch.setattr(estimator, "group_speedup", lambda t, size: 2.0 if size == 3 else pytest.fail(size))
    seeds = [tree(seed=s) for s in range(3)]
    robust = tree(adversary="fgsm", adversary_params={"eps": 0.1})
    alone = tree(batch_size=32)
    costed = [(0, seeds[0], 10.0), (1, seeds[1], 10.0), (2, seeds[2], 30.0), (3, robust, 50.0), (4, alone, 7.0)]
    assert estimator.grouped_savings(costed) == pytest.approx({0: 5.0, 1: 5.0, 2: 15.0})
    monkeypatch.setenv("HESSBOOK_GROUPED", "0")
    assert estimator.grouped_savings(costed) == {}
