"""Y1's library: the paper's Tables 1, 2, 7 as data, the rank correlation, verdict grading,
the explorer, parameter cross-checks and the CIFAR-100 path on a tiny on-disk fixture."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import yaml

from hessbook.chapters import y1
from hessbook.params import ParameterError, as_dict, validate

from test_data import _write_cifar100


def cpu_values() -> dict:
    from pathlib import Path

    return yaml.safe_load((Path(__file__).resolve().parents[1] / "params" / "cpu" / "y1.yaml").read_text())


def fake(model, batch, lam, fgsm, lx=1.0, gx=0.1, top=None, lx_median=None):
    top = np.asarray(top if top is not None else [lam, lam / 2, lam / 4])
    med = lx if lx_median is None else lx_median
    return y1.ModelResult(model, batch, 1e-3, 5, "loss_target", (100.0, 80.0), (lam, 10 * lam), (lam, 10 * lam),
                          (10, 10), (30, 10), top, (lx, 10 * lx), (gx, 10 * gx), ((fgsm, fgsm), (fgsm, fgsm)),
                          y1.EPS[y1.DATASET[model]], (med, 10 * med))


def test_paper_tables_layout_and_values():
    assert [r.batch for r in y1.PAPER_TABLE1 if r.model == "c1"] == [16, 32, 64, 128, 256, 512, 1024, 2048]
    assert [r.batch for r in y1.PAPER_TABLE1 if r.model == "c2"] == [256, 512, 1024, 2048]
    assert [r.batch for r in y1.PAPER_TABLE7] == [64, 128, 256, 512, 1024, 2048]
    assert [r.batch for r in y1.PAPER_TABLE2] == [64, 128, 256, 512]
    assert y1.paper_row("c1", 2048).lambda_theta == (80.18, 3769)
    assert y1.paper_row("m1", 64).fgsm_hi == (0.53, 0.53) and y1.paper_row("m1", 64).fgsm_unit == "fraction"
    assert y1.paper_row("resnet18", 64).lambda_x is None
    table = y1.paper_table(y1.PAPER_TABLE1)
    assert list(table.columns) == ["model", "B", *y1.COLUMNS]
    assert table.iloc[0]["Acc"] == "100 (77.68)" and table.iloc[0]["λ1θ"] == "0.64 (32.78)"
    assert y1.paper_table(y1.PAPER_TABLE2).iloc[0]["λ1x"] == "–"


def test_spearman_against_a_hand_computation():
    # x ranks 1 2 3 4; y = 10 30 20 40 -> ranks 1 3 2 4; d = 0 1 1 0; rho = 1 - 6*2/(4*15) = 0.8
    assert y1.spearman([1, 2, 3, 4], [10, 30, 20, 40]) == pytest.approx(0.8)
    # exactly on the threshold: one adjacent swap in four is 0.8, and grades as strong
    assert y1.spearman([16, 64, 256, 512], [17.1, 9.8, 37.4, 60.0]) >= 0.8
    assert y1.spearman([16, 64, 256, 512], [31.5, 7.2, 0.0, 0.1]) <= -0.8
    assert y1.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # ties: y = 1 1 2 -> ranks 1.5 1.5 3; Pearson of (1,2,3) and (1.5,1.5,3) = sqrt(3)/2
    assert y1.spearman([1, 2, 3], [1, 1, 2]) == pytest.approx(np.sqrt(3) / 2)
    assert np.isnan(y1.spearman([1], [2])) and np.isnan(y1.spearman([1, 2], [5, 5]))


def test_paper_trends_are_what_the_paper_claims():
    assert y1.paper_trends("m1").rho_lambda_theta == pytest.approx(1.0)
    assert y1.paper_trends("m1").rho_fgsm == pytest.approx(-1.0)
    assert y1.paper_trends("c1").rho_lambda_theta > 0.9


def test_verdict_grading_on_constructed_results():
    good = [fake("m1", b, lam, f) for b, lam, f in ((32, 1.0, 80.0), (128, 2.0, 70.0), (512, 5.0, 60.0))]
    v = {x.claim.split(":")[0]: x for x in y1.verdicts(good, [], "smoke")}
    assert v["Table 7"].verdict == "held" and v["Table 1"].verdict == "not computed"
    bad = [fake("m1", b, lam, f) for b, lam, f in ((32, 5.0, 60.0), (128, 2.0, 70.0), (512, 1.0, 80.0))]
    assert next(x for x in y1.verdicts(bad, [], "smoke") if x.item == "Y-Table7").verdict == "did not hold"
    mixed = [fake("m1", b, lam, f) for b, lam, f in ((32, 1.0, 60.0), (128, 2.0, 70.0), (512, 5.0, 65.0))]
    assert next(x for x in y1.verdicts(mixed, [], "smoke") if x.item == "Y-Table7").verdict == "partly"
    fig1 = next(x for x in y1.verdicts(good, [], "smoke") if x.item == "Y-Fig1")
    assert fig1.verdict == "held"
    missing = [y1.Missing("resnet18", "dataset 'cifar100' not found")]
    t2 = next(x for x in y1.verdicts(good, missing, "smoke") if x.item == "Y-Table2")
    assert t2.verdict == "not computed" and "cifar100" in t2.ours


def test_lambda_x_verdict_and_status_order():
    # lambda1^x rising exactly as robustness falls: Y's remark would not hold
    rs = [fake("c1", b, lam, f, lx=lx) for b, lam, f, lx in ((32, 1, 80, 1), (128, 2, 70, 2), (512, 3, 60, 3))]
    vs = y1.verdicts(rs, [], "smoke")
    table1 = [x for x in vs if x.item == "Y-Table1"]
    assert table1[0].verdict == "did not hold" and "input Hessian" in table1[0].claim
    assert "Table 1" in table1[-1].claim
    finding = y1.lambda_x_finding(rs)
    assert "unlike the paper" in finding and "-1.00 on the test set" in finding
    # a mean carried by a few samples: the median does not rise with the mean
    skewed = [fake("c1", b, lam, f, lx=lx, lx_median=m)
              for b, lam, f, lx, m in ((32, 1, 80, 1, 0.3), (128, 2, 70, 2, 0.1), (512, 3, 60, 3, 0.2))]
    assert "(+0.50 with the median over samples instead of the mean)" in y1.lambda_x_finding(skewed)
    flat = [fake("c1", b, lam, f, lx=lx) for b, lam, f, lx in ((32, 1, 80, 2), (128, 2, 70, 3), (512, 3, 60, 1))]
    assert "as in the paper" in y1.lambda_x_finding(flat)
    assert "fewer than three" in y1.lambda_x_finding(rs[:2])


def test_paper_train_set_lambda_x_correlation_by_hand():
    # Table 7 train columns: lambda1^x 0.07 0.10 0.09 0.12 0.25 0.36 -> ranks 1 3 2 4 5 6;
    # FGSM 0.53 0.50 0.45 0.42 0.32 0.19 -> ranks 6 5 4 3 2 1; sum d^2 = 25+4+4+1+9+25 = 68;
    # rho = 1 - 6*68/(6*35) = -33/35
    assert y1.paper_trends("m1").rho_lambda_x_fgsm_train == pytest.approx(-33 / 35)


def test_summary_table_puts_paper_beside_ours():
    table = y1.summary_table([fake("m1", 64, 1.0, 50.0), fake("m1", 32, 2.0, 60.0)], "m1")
    assert list(table["B"]) == [32, 64]
    assert table.iloc[0]["λ1θ paper"] == "not in paper"
    assert table.iloc[1]["λ1θ paper"] == "0.49 (2.96)" and table.iloc[1]["λ1θ ours"] == "1.000 (10.000)"


def test_explorer_draws_a_spectrum_and_a_missing_case():
    ex = y1.explorer([fake("m1", 32, 1.0, 80.0), fake("m1", 128, 2.0, 70.0), fake("c1", 32, 3.0, 50.0)])
    fig = ex.update(model="m1", batch=128)
    assert "B=128" in fig.axes[0].get_title()
    fig = ex.update(model="c1", batch=128)
    assert "not trained" in fig.axes[0].texts[0].get_text()


def test_params_cross_checks():
    good = {**cpu_values(), "scale": "smoke"}
    validate(y1.Y1Params, good)
    with pytest.raises(ParameterError, match="m1_batch_sizes: 4096 is larger than n_train_mnist = 2000"):
        validate(y1.Y1Params, {**good, "m1_batch_sizes": [32, 4096]})
    with pytest.raises(ParameterError, match="n_input = 5000: larger than n_eval"):
        validate(y1.Y1Params, {**good, "n_input": 5000})
    with pytest.raises(ParameterError, match="lanczos_max_dim = 2: smaller than top_k"):
        validate(y1.Y1Params, {**good, "lanczos_max_dim": 2})
    with pytest.raises(ParameterError, match=r"models\[0\] = 'c4'"):
        validate(y1.Y1Params, {**good, "models": ["c4"]})
    # an unselected model's batch sizes are not checked against the subsets
    assert as_dict(validate(y1.Y1Params, {**good, "c2_batch_sizes": [4096]}))["c2_batch_sizes"] == [4096]


def test_train_config_is_same_conditions_for_every_batch():
    P = validate(y1.Y1Params, {**cpu_values(), "lr_halve_every": 5})
    a, b = y1.train_config("m1", 32, P), y1.train_config("m1", 512, P)
    assert a.weight_decay == 0 and a.loss_target == 1e-3 and (a.lr, a.momentum) == (b.lr, b.momentum)
    assert a.lr_rule == "halve" and dict(a.lr_params) == {"every": 5}
    assert y1.train_config("c1", 32, P).model_kwargs == {"conv_stride": 2}


def test_cifar100_path_on_a_tiny_fixture(tmp_path, monkeypatch):
    """ResNet18 on CIFAR-100's on-disk format runs end to end; without the files it is reported."""
    from hessbook import data as hdata
    from hessbook.store import ResultStore

    values = {**cpu_values(), "models": ["resnet18"], "resnet18_batch_sizes": [30], "n_train_cifar": 30,
              "n_eval": 12, "n_hessian": 4, "n_input": 2, "resnet18_width": 2, "max_epochs": 1, "top_k": 2,
              "lanczos_max_dim": 3, "power_max_iter": 2, "lanczos_tol": 0.5, "device": "cpu"}
    P = validate(y1.Y1Params, values)
    monkeypatch.setenv("HESSBOOK_DATA", str(tmp_path / "empty"))
    monkeypatch.setattr(hdata, "_torchvision_set", _no_download(hdata._torchvision_set))
    results, missing = y1.run_all(P, ResultStore(tmp_path / "store"))
    assert results == [] and missing[0].model == "resnet18"
    v = next(x for x in y1.verdicts(results, missing, "smoke") if x.item == "Y-Table2")
    assert v.verdict == "not computed"

    _write_cifar100(tmp_path / "c100", monkeypatch)
    monkeypatch.setenv("HESSBOOK_DATA", str(tmp_path / "c100"))
    results, missing = y1.run_all(P, ResultStore(tmp_path / "store"))
    assert not missing and [r.batch for r in results] == [30]
    r = results[0]
    assert 0 <= r.acc[1] <= 100 and np.isfinite(r.lambda_theta[0]) and len(r.top_eigenvalues) == 2
    assert r.eps == (0.02, 0.01) and np.isfinite(r.lambda_x[1])


def _no_download(fn):
    """Fail fast instead of trying the network when the files are absent."""
    from hessbook import data as hdata

    def wrapped(name, train, root):
        from pathlib import Path

        if not Path(root).exists():
            raise hdata.DataMissingError(f"dataset {name!r} not found in the data root {root}. (test)")
        return fn(name, train, root)

    return wrapped
