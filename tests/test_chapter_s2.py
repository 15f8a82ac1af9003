"""S2's library: the paper's Table 1, our counting summaries, verdict grading, the explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from hessbook.chapters import s2
from hessbook.models import build_model, num_parameters
from hessbook.params import ParameterError, validate


def fake_result(row, gap, ratio, elbow, seed=0):
    eig = np.concatenate([np.linspace(5, 1, row.k), np.linspace(0.01, -0.001, 50)])
    return s2.CaseResult(row, seed, eig, gap, ratio, elbow, 0.5, 1e-4, 1.0, 0.0)


def test_paper_table_has_19_rows_with_the_papers_parameter_counts():
    assert len(s2.PAPER_TABLE1) == 19
    for row in s2.PAPER_TABLE1:
        net = build_model("s_mlp", d=100, k=row.k, hidden=[30, 30], activation=row.nonlinearity)
        assert num_parameters(net) == row.params


def test_method_fractions_and_marks():
    rows = [r for r in s2.PAPER_TABLE1 if r.algorithm == "sgd" and r.cov == 1.0]
    results = [fake_result(r, r.k, r.k + 1, r.k + 3) for r in rows]
    fr = s2.method_fractions(results)
    assert fr["gap"]["ours_exact"] == 1.0
    assert fr["ratio"]["ours_exact"] == 0.0 and fr["ratio"]["ours_pm1"] == 1.0
    assert fr["elbow"]["ours_pm1"] == 0.0
    # the paper's SGD/ReLU/cov-1 rows: gap exact for k=50 only (3 of 5 legible rows off)
    assert fr["gap"]["paper_exact"] == pytest.approx(1 / 5)
    table = s2.summary_table(results)
    assert list(table["ratio ours"])[0].endswith("(±1)")
    assert list(table["elbow ours"])[0].endswith("✗")


def test_verdicts_grade_fig2():
    rows = [r for r in s2.PAPER_TABLE1 if (r.algorithm, r.nonlinearity, r.cov) == ("sgd", "relu", 1.0)]
    exact = s2.verdicts([fake_result(r, r.k, r.k, r.k) for r in rows], "smoke")
    assert exact[0].verdict == "held" and exact[1].verdict == "held"
    off = s2.verdicts([fake_result(r, r.k + 5, r.k + 5, r.k + 5) for r in rows], "smoke")
    assert off[0].verdict == "did not hold" and off[1].verdict == "did not hold"


def test_params_cross_checks():
    good = dict(scale="smoke", seed=0, ks=[2], n_samples=100, dimension=100, hidden=30, lr=0.1,
                gd_iterations=1, sgd_iterations=1, sgd_batch_size=10, n_seeds=1, device="cpu")
    validate(s2.S2Params, good)
    with pytest.raises(ParameterError, match="sgd_batch_size = 200: larger than n_samples = 100"):
        validate(s2.S2Params, {**good, "sgd_batch_size": 200})
    with pytest.raises(ParameterError, match=r"ks\[0\] = 3"):
        validate(s2.S2Params, {**good, "ks": [3]})


def test_explorer_draws_each_row_and_method():
    rows = [r for r in s2.PAPER_TABLE1 if r.k == 5]
    ex = s2.explorer([fake_result(r, 5, 6, 7) for r in rows])
    fig = ex.update(algorithm="gd", nonlinearity="tanh", method="ratio")
    assert "ratio finds 6" in fig.axes[0].get_title()
    fig = ex.update(algorithm="sgd", nonlinearity="tanh")  # no such row in the paper
    assert "not in Table 1" in fig.axes[0].texts[0].get_text()
