"""The training engine's curvature metrics: lambda1 per epoch against a dense float64 Hessian of
the final weights, one Lanczos run per record, found by name (no registration by import)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from hessbook import data as hdata
from hessbook import train as T
from hessbook.curvature import epoch_metrics
from hessbook.params import ParameterError
from hessbook.store import ResultStore
from tests._curv_models import flat_loss_hessian

CPU = torch.device("cpu")
CLUSTERS = hdata.DataSpec("gaussian_clusters", options={"k": 3, "d": 6, "n": 60, "cov_scale": 1.0, "seed": 0})
METRICS = ("hessian_lambda1", "hessian_lambda1_residual")


def config(**changes) -> T.TrainConfig:
    return T.TrainConfig(model="s_mlp", model_kwargs={"d": 6, "k": 3, "hidden": [5, 5]}, data=CLUSTERS,
                         batch_size=16, lr=0.05, momentum=0.9, max_epochs=3, seed=0, epoch_metrics=METRICS,
                         **changes)


def test_lambda1_per_epoch_is_the_dense_top_eigenvalue(tmp_path, monkeypatch):
    calls = []
    real = epoch_metrics.lanczos
    monkeypatch.setattr(epoch_metrics, "lanczos", lambda *a, **k: calls.append(1) or real(*a, **k))
    run = T.train(config(), ResultStore(tmp_path), CPU)
    assert len(calls) == run.epochs == 3  # both metrics of a record share one Lanczos run
    lam, res = run.metric("hessian_lambda1"), run.metric("hessian_lambda1_residual")
    assert len(set(lam)) == 3 and all(r <= epoch_metrics.LAMBDA1_TOL for r in res)
    data = hdata.load_data(CLUSTERS, CPU)
    dense = torch.linalg.eigvalsh(flat_loss_hessian(run.model(), data.inputs(), data.targets()))
    assert abs(lam[-1] - float(dense[-1])) <= 1e-3 * abs(float(dense[-1]))  # the last record: final weights
    assert abs(lam[-1] - float(dense[-2])) > 1e-2 * abs(float(dense[-1]))  # the check can tell eigenvalues apart


def test_training_finds_the_metrics_by_name_in_a_fresh_process():
    """No import registers them: the engine finds them by name (``train.LIBRARY_METRICS``) and
    imports their module only when a configuration names one; importing the curvature package
    leaves the engine's registrations alone."""
    code = ("import sys, hessbook.train as T; before = dict(T._METRICS); import hessbook.curvature; "
            "print(T._METRICS == before, 'hessbook.curvature.epoch_metrics' in sys.modules, "
            "T._metric('hessian_lambda1').__module__, T._metric('hessian_lambda1_residual').__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "hessbook.curvature.epoch_metrics", "hessian_lambda1_residual"]


def test_an_unknown_metric_lists_the_library_ones():
    with pytest.raises(ParameterError, match="hessian_lambda1_residual"):
        T._metric("no_such_metric")
