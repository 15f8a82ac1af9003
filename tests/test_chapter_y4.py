"""Y4's library: Lemma 3 and the exact/iterative paths on tiny networks, the dense input
Hessian, the claims' grading on constructed results, the explorer, parameter cross-checks, and
Y1's runs given to Y4 explicitly (each scale's block equal to Y1's params file)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import torch
import yaml
from torch import nn

from hessbook.chapters import y1, y4
from hessbook.registry import load_params
from hessbook.chapters.y4.claims import MIN_SAMPLES
from hessbook.chapters.y4.compute import CaseResult, Y4Relu
from hessbook.chapters.y4.compute import _iterative, _logit_checks
from hessbook.chapters.y4.params import Y4Params
from hessbook.curvature import input_hessian_dense, input_hessian_exact
from hessbook.kit.jobs import NO_DATA, OK, Context, Row, Table
from hessbook.params import SCALES, ParameterError, validate
from hessbook.papers.yao.networks import Y1Runs, train_config

ROOT = Path(__file__).resolve().parents[1]
RUNS = dict(models=["m1"], batch_sizes={"m1": [32, 128, 256]}, c1_conv_stride=2, c2_width=0.25, resnet18_width=4,
            n_train_cifar=256, n_train_mnist=256, lr=0.01, momentum=0.9, lr_halve_every=0, max_epochs=1,
            loss_target=1e-3, seed=0)
GOOD = dict(scale="smoke", seed=0, y1_runs=RUNS, y1_models=["m1"], all_batches=False, n_samples=8,
            n_crosscheck=2, rank_rtol=1e-6, lanczos_tol=1e-6, power_tol=1e-4, smooth_activation="tanh",
            smooth_hidden=8, smooth_n_train=64, smooth_batch_size=16, smooth_epochs=1, smooth_lr=0.05, device="cpu")


def tiny(activation: nn.Module, d: int = 12, c: int = 4) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(d, 16), activation, nn.Linear(16, 16), activation, nn.Linear(16, c)).double()


def case(rel_min: float, rank: int, smooth: bool = False, agree: float = 1e-6, c: int = 10, n_cc: int = 30,
         exact_min: float | None = None, lanczos_tol: float = 1e-8):
    """One network: ``rel_min`` and ``rank`` of the true Hessian on ``n_cc`` cross-check samples;
    the exact path's smallest ratio ``exact_min`` (default ``rel_min``)."""
    n = max(n_cc, 5)
    lmax = np.ones(n)
    top = np.zeros((n_cc, c + 1))
    top[:, 0] = 1.0
    top[:, c - 1] = 0.0 if rank < c else 0.5
    top[:, c] = 0.0 if rank <= c else 0.5
    exact = rel_min if exact_min is None else exact_min
    return CaseResult("tanh" if smooth else "M1 B=32", "m1", 32, smooth, c, 784, lmax, exact * lmax,
                      np.full(n, rank), np.zeros(n), 1e-17, np.ones(n_cc) * (1 + agree), top,
                      np.full(n_cc, rel_min), np.ones(n_cc), 20, cc_converged=np.ones(n_cc, bool),
                      lanczos_tol=lanczos_tol)


def results(*cases, no_data: str = "") -> y4.Results:
    """Y4's results holding ``cases`` (ReLU networks as M1 B=32's job); with ``no_data``, every
    network (M1, the contrast) has a row without data, for that reason."""
    P = validate(Y4Params, GOOD)
    relu, smooth = y4.jobs(P)[0], y4.jobs(P)[-1]
    rows = [Row(smooth if c.smooth else relu, OK, c) for c in cases]
    rows += [Row(job, NO_DATA, why=no_data) for job in (relu, smooth) if no_data]
    return y4.Results(P, Table(tuple(rows)))


def grades(R) -> list[str]:
    return [c.grade for c in y4.claims(R)]


def test_params_cross_checks():
    P = validate(Y4Params, GOOD)
    assert isinstance(P.y1_runs, Y1Runs) and P.y1_runs.sizes("m1") == (32, 128, 256)
    with pytest.raises(ParameterError, match="n_crosscheck = 20: larger than n_samples = 8"):
        validate(Y4Params, {**GOOD, "n_crosscheck": 20})
    with pytest.raises(ParameterError, match="smooth_batch_size = 128: larger than smooth_n_train = 64"):
        validate(Y4Params, {**GOOD, "smooth_batch_size": 128})
    with pytest.raises(ParameterError, match="smooth_activation = 'relu'"):
        validate(Y4Params, {**GOOD, "smooth_activation": "relu"})
    with pytest.raises(ParameterError, match=r"y1_models: 'c1' is not among y1_runs.models"):
        validate(Y4Params, {**GOOD, "y1_models": ["m1", "c1"]})
    # the block is validated as Y1 validates it, and the error names where
    with pytest.raises(ParameterError, match=r"y4.yaml: y1_runs: lr = -1.0: must be > 0.0"):
        validate(Y4Params, {**GOOD, "y1_runs": {**RUNS, "lr": -1}}, where="y4.yaml")
    with pytest.raises(ParameterError, match=r"^parameters: y1_runs: batch_sizes\['m1'\]: 512 is larger than n_train_mnist = 256"):
        validate(Y4Params, {**GOOD, "y1_runs": {**RUNS, "batch_sizes": {"m1": [512]}}})
    with pytest.raises(ParameterError, match=r"y1_runs: missing parameter\(s\) 'seed'"):
        validate(Y4Params, {**GOOD, "y1_runs": {k: v for k, v in RUNS.items() if k != "seed"}}, where="y4.yaml")


@pytest.fixture
def opened(monkeypatch) -> list[Path]:
    """Every file opened (builtins.open, io.open) while the test runs."""
    import builtins
    import io

    out: list[Path] = []
    real = builtins.open

    def recording_open(file, *args, **kwargs):
        if isinstance(file, (str, Path)):
            out.append(Path(file).resolve())
        return real(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", recording_open)
    monkeypatch.setattr(io, "open", recording_open)
    return out


@pytest.mark.parametrize("scale", SCALES)
def test_y4_examines_the_networks_y1_trains_and_reads_no_params_file(scale, halted_training, opened, tmp_path,
                                                                     monkeypatch):
    """`make book` runs Y1 then Y4 with each scale's files: every network Y4 examines is a
    training run of Y1's jobs (the same store entry, loaded), never one of its own; and Y4
    takes Y1's settings from its own block, reading no parameter file while it computes."""
    import dataclasses

    from hessbook.kit import jobs
    from hessbook.store import ResultStore

    Y1 = dataclasses.replace(load_params("y1", ROOT / "params" / scale / "y1.yaml"), device="cpu")
    Y4 = dataclasses.replace(load_params("y4", ROOT / "params" / scale / "y4.yaml"), device="cpu")
    assert Y4.y1_runs == Y1.runs, f"params/{scale}/y4.yaml: y1_runs differs from params/{scale}/y1.yaml"
    monkeypatch.setattr(jobs, "data_missing", lambda job: "")
    halted_training.run(y1.run, Y1, ResultStore(tmp_path))
    by_y1 = halted_training.configs
    halted_training.calls.clear()
    opened.clear()
    ctx = Context(torch.device("cpu"), ResultStore(tmp_path))
    for job in (j for j in y4.jobs(Y4) if isinstance(j, Y4Relu)):  # each network in turn: Y4 computes in-process
        halted_training.run(jobs.run_jobs, [job], ctx)
    by_y4 = halted_training.configs
    assert len(by_y4) == len(Y4.cases()), "each of Y4's networks is trained (loaded) once"
    assert all(config in by_y1 for config in by_y4), (
        f"Y4 at {scale} examines networks Y1 does not train: {[c for c in by_y4 if c not in by_y1][:2]}")
    params = (ROOT / "params").resolve()
    read = [p for p in opened if params in p.parents]
    assert not read, f"Y4 read parameter files while computing: {read}"


def test_relu_net_exact_and_iterative_paths_agree_and_rank_is_c_minus_1():
    net = tiny(nn.ReLU())
    x, y = torch.randn(3, 12, dtype=torch.float64), torch.tensor([0, 1, 2])
    ih = input_hessian_exact(net, (x, y), dtype=torch.float64)
    P = validate(Y4Params, GOOD)
    it = _iterative(net, x, y, 4, y4.jobs(P)[0])
    assert np.allclose(it.cc_lanczos_top[:, 0], ih.lambda_max.numpy(), rtol=1e-6)
    assert (it.cc_lanczos_min >= -1e-10).all()
    assert (ih.rank.numpy() <= 3).all()  # c - 1: S 1 = 0
    for i in range(3):
        H = input_hessian_dense(net, x[i], y[i])
        ev = torch.linalg.eigvalsh(H)
        assert float(ev[0]) > -1e-10 and int((ev > 1e-8 * ev[-1]).sum()) <= 3


def test_tanh_net_has_negative_input_curvature_and_lemma3_holds():
    net = tiny(nn.Tanh())
    x, y = 3 * torch.randn(6, 12, dtype=torch.float64), torch.tensor([0, 1, 2, 3, 0, 1])
    mins = [float(torch.linalg.eigvalsh(input_hessian_dense(net, x[i], y[i]))[0]) for i in range(6)]
    assert min(mins) < -1e-6
    s_min, err = _logit_checks(net, x, y, 3)
    assert (s_min >= -1e-14).all() and err < 1e-12


def test_claims_grade_psd_and_rank():
    ok = y4.claims(results(case(0.0, 9), case(-0.5, 16, smooth=True)))
    assert [c.grade for c in ok] == ["held", "held"]
    assert "c − 1 as well" in ok[1].ours and "tanh" in ok[0].why and "Checked:" in ok[0].why
    assert "≤ 0.01" in ok[0].why and "≤ 1e-06" in ok[1].why  # thresholds come from the rules
    assert grades(results(case(-0.1, 9))) == ["did not hold", "did not hold"]  # negative curvature: rank > c too
    assert grades(results(case(0.0, 9, agree=0.5)))[0] == "partly"
    assert grades(results(case(0.0, 11)))[1] == "did not hold"
    assert grades(results(case(0.0, 10)))[1] == "held"  # rank c: Y's bound, a true one (c − 1 not seen)
    assert grades(results(case(-0.5, 16, smooth=True))) == ["not computed", "not computed"]


def test_the_claims_say_the_double_backward_check_holds_by_construction_for_relu():
    """Audit finding 3: for ReLU/max-pool/eval-BN networks autograd's double backward computes JᵀSJ
    itself, so the check cannot fail there; the claims must say so (they called the double-backward
    path one 'which assume[s] nothing about the network') and the prose must not say otherwise."""
    from pathlib import Path

    ok = y4.claims(results(case(0.0, 9), case(-0.5, 16, smooth=True)))
    for claim in ok:
        assert claim.ours.startswith("Check of the computation (holds by construction for ReLU networks")
        # the evidence too (review item 3): the verdict table's "why" leads with it
        assert claim.evidence.startswith("Holds by construction: for the ReLU networks examined")
        assert "a held here confirms the computation, not the theorem empirically" in claim.why
        assert "not a test that could fail for these networks" in claim.why
        assert "assume nothing" not in claim.why and "true input Hessian" not in claim.why
    md = (Path(__file__).resolve().parents[1] / "book" / "yao" / "y4_saddle_free.md").read_text()
    assert "assume nothing about the network" not in md and "does not assume piecewise" not in md
    assert "cannot fail for these networks" in md


def test_exact_path_is_not_graded_and_too_few_samples_are_not_judged():
    """The exact path JᵀSJ is PSD of rank ≤ c − 1 by construction: only the double-backward
    cross-check can fail, and it needs MIN_SAMPLES samples (issue 26.4)."""
    assert MIN_SAMPLES == 29 and 0.9 ** 29 <= 0.05 < 0.9 ** 28
    assert grades(results(case(0.0, 9, exact_min=-0.5))) == ["held", "held"]
    assert grades(results(case(-0.5, 11, exact_min=0.0))) == ["did not hold", "did not hold"]
    few = y4.claims(results(case(0.0, 9, n_cc=20)))
    assert [c.grade for c in few] == ["not judged", "not judged"]
    assert "judged only when cross-check samples (double backward, both Lanczos runs converged) over all networks ≥ 29, here 20" in few[0].why
    assert grades(results(case(0.0, 9, n_cc=15), case(0.0, 9, n_cc=15))) == ["held", "held"]  # pooled: 30


def test_no_dataset_at_all_renders_not_computed():
    R = results(no_data="dataset 'mnist' not found in the data root /x. Expected files under /x: MNIST/raw/... "
                        "Put them there or point the HESSBOOK_DATA environment variable at a directory that holds them.")
    reason = "dataset 'mnist' not found in the data root /x"
    assert [(m.model, m.reason) for m in R.missing] == [("m1", reason), ("MLP-tanh contrast", reason)]
    cs = y4.claims(R)
    assert [c.grade for c in cs] == ["not computed", "not computed"]
    assert all(c.ours.startswith("not computed") and "HESSBOOK_DATA" in c.ours for c in cs)
    n = y4.numbers(R)
    assert n["networks"] == 0 and n["missing"] == "m1, MLP-tanh contrast"
    assert all(np.isfinite(v) for v in n.values() if isinstance(v, float))
    for fig in (y4.figure_min(R), y4.figure_rank(R)):
        assert "not computed" in fig.axes[0].texts[0].get_text()
    assert "HESSBOOK_DATA" in y4.summary_table(R)["not computed"][0]
    assert "not computed" in y4.explorer(R).update(network="none", sample=0).axes[0].texts[0].get_text()


def test_cases_pick_y1_batch_sizes():
    Y1 = load_params("y1", ROOT / "params" / "cpu" / "y1.yaml")
    runs = yaml.safe_load((ROOT / "params" / "cpu" / "y4.yaml").read_text())["y1_runs"]
    P = validate(Y4Params, {**GOOD, "scale": "cpu", "y1_runs": runs, "y1_models": ["m1", "c1"]})  # "y1": cpu's
    m1, c1 = Y1.sizes("m1"), Y1.sizes("c1")
    assert P.cases() == [("m1", min(m1)), ("m1", max(m1)), ("c1", min(c1)), ("c1", max(c1))]
    P = validate(Y4Params, {**GOOD, "scale": "cpu", "y1_runs": runs, "all_batches": True})
    assert P.cases() == [("m1", b) for b in sorted(m1)]
    assert train_config("m1", 16, P.y1_runs) == train_config("m1", 16, Y1.runs)  # same key, same model


def test_summary_and_explorer():
    R = results(case(0.0, 9), case(-0.5, 16, smooth=True))
    table = y4.summary_table(R)
    assert list(table["max rank"]) == [9, 16]
    ex = y4.explorer(R)
    fig = ex.update(network="tanh", sample=1)
    assert "tanh" in fig.axes[0].get_title()


# ----------------------------------------------------------------------------- regime (issue 29)


def test_regime_criteria_are_y1s_and_the_contrast_has_a_run_table():
    import math

    from hessbook import regime

    for scale in ("smoke", "cpu", "paper"):
        Y1 = load_params("y1", ROOT / "params" / scale / "y1.yaml")
        criteria = y4.criteria(load_params("y4", ROOT / "params" / scale / "y4.yaml"))
        assert criteria == y1.criteria(Y1)[:2] and len(criteria) == 2
        unmet = [c.name for c in regime.unmet(criteria)]
        assert unmet == ([] if scale != "smoke" else [criteria[1].name]), (scale, regime.criteria_text(criteria))
    stuck = regime.TrainedRun("MLP-tanh (contrast)", 20, 0.95 * math.log(10), 10)
    R = dataclasses.replace(results(case(0.0, 9), case(-0.5, 10, smooth=True)), smooth_run=stuck)
    assert list(y4.runs_table(R)["flag"]) == ["plateau"] and list(y4.runs_table(R)["steps"]) == [20]
    assert y4.numbers(R)["plateau"] == "1 of 1 trained networks flagged (MLP-tanh (contrast): plateau)"
    assert y4.numbers(results(case(0.0, 9)))["plateau"] == "no trained network at this scale"


@pytest.mark.parametrize("scale", ["cpu", "gpu", "paper"])
def test_the_block_has_enough_cross_check_samples_for_the_claims_to_be_judged(scale):
    """Every ReLU network's first ``n_crosscheck`` samples together reach MIN_SAMPLES (below it
    both claims read not judged: at cpu, 5 per network gave 20 of 29)."""
    from pathlib import Path

    from hessbook.chapters.y4.claims import MIN_SAMPLES
    from hessbook.chapters.y4.compute import Y4Relu, jobs
    from hessbook.registry import chapter_params

    P = chapter_params("y4", scale, Path(__file__).resolve().parents[1])
    relu = [j for j in jobs(P) if isinstance(j, Y4Relu)]
    assert len(relu) * P.n_crosscheck >= MIN_SAMPLES


def test_unconverged_lanczos_samples_are_left_out_and_zero_is_read_above_the_resolution():
    """An unconverged smallest Ritz value lies above the true one (toward PSD): a sample whose run
    did not converge is left out (a non-PSD sample among them would otherwise hide), and named; with
    too few left the claims are not judged. Zero is read ten times above the runs' tolerance:
    λ_(c+1)/λ1 = 5e-6 is 'zero' with lanczos_tol 1e-6 (within its resolution) and not with 1e-8."""
    hidden = case(-0.5, 9, n_cc=32)
    mask = np.ones(32, bool)
    mask[0] = False
    hidden.cc_lanczos_min[1:] = 0.0  # only the unconverged sample looks non-PSD
    hidden = dataclasses.replace(hidden, cc_converged=mask)
    thm = y4.claims(results(hidden))[0]
    assert thm.grade == "held" and [v["n_cc"] for v in thm.cases.values()] == [31]
    assert "1 of 32 cross-check samples left out" in thm.why
    few = dataclasses.replace(case(0.0, 9, n_cc=30), cc_converged=np.arange(30) < 10)
    assert [c.grade for c in y4.claims(results(few))] == ["not judged", "not judged"]
    near = case(0.0, 9, lanczos_tol=1e-6)
    near.cc_lanczos_top[:, near.num_classes] = 5e-6
    assert y4.claims(results(near))[1].grade == "held" and "below 1e-05·λ1" in y4.claims(results(near))[1].why
    tight = case(0.0, 9, lanczos_tol=1e-8)
    tight.cc_lanczos_top[:, tight.num_classes] = 5e-6
    assert y4.claims(results(tight))[1].grade == "did not hold"


def test_the_rank_gap_reads_the_converged_samples_as_the_graded_bounds_do():
    """Review of the cpu build: |λc|/λ1 (rank ≤ c − 1, shown) read every cross-check sample, the one
    whose Lanczos run did not converge included, where |λ_(c+1)|/λ1 and |λmin|/λ1 leave it out. It
    reads no rule: the verdicts cannot change, only "rank ≤ c − 1 as well / not seen" and the table."""
    r = case(0.0, 9)
    r.cc_lanczos_top[0, r.num_classes - 1] = 0.5  # only the unconverged sample looks rank c
    mask = np.ones(len(r.cc_ok), bool)
    mask[0] = False
    left_out = dataclasses.replace(r, cc_converged=mask)
    assert r.cc_rank_gap == 0.5 and left_out.cc_rank_gap == 0.0
    none = dataclasses.replace(r, cc_converged=np.zeros(len(mask), bool))
    assert math.isnan(none.cc_rank_gap)  # no converged sample: not computed, never 0 (review of 2026-12-07)
    assert "|λ_(c+1)|/λ1 ≤ n/a, |λmin|/λ1 ≤ n/a; |λc|/λ1 ≤ n/a" in y4.claims(results(none))[1].ours
    assert y4.summary_table(results(none))["iterative: |λc|/λ1"].tolist() == ["n/a"]
    before, after = y4.claims(results(r))[1], y4.claims(results(left_out))[1]
    assert "(rank ≤ c − 1 not seen)" in before.ours and "(rank ≤ c − 1 as well)" in after.ours
    assert before.grade == after.grade == "held"
    assert y4.summary_table(results(left_out))["iterative: |λc|/λ1"].tolist() == ["0.0e+00"]


def test_proposition2_names_its_absolute_values_and_cites_appendix_a4():
    """Review of the cpu build: "λ_(c+1)/λ1 ≤ 2.3e-11 ... λc/λ1 ≤ 9.3e-13" read as λ_(c+1) > λc (both are
    magnitudes); "at most ten" is in Y's Appendix A.4 (Discussion on Second Order Method), not §4."""
    prop2 = y4.claims(results(case(0.0, 9)))[1]
    assert "|λ_(c+1)|/λ1 ≤ 0.0e+00, |λmin|/λ1 ≤ 0.0e+00; |λc|/λ1 ≤ 0.0e+00" in prop2.ours
    assert "held = max |λ_{c+1}|/λ1 of the double-backward input Hessian" in prop2.why
    assert "Appendix A.4, 'Discussion on Second Order Method': \"at most ten\"" in prop2.paper
    assert "§4" not in prop2.paper


def test_an_upper_bound_is_printed_rounded_up():
    """Review of 2026-12-06: '|λmin|/λ1 ≤ 2e-11' stood beside a measured 2.3e-11."""
    from hessbook.chapters.y4.claims import bound_text

    assert bound_text(2.34e-11) == "2.4e-11" and bound_text(9.3e-13) == "9.3e-13" and bound_text(1.0e-5) == "1.0e-05"
    assert float(bound_text(2.301e-11)) >= 2.301e-11 and bound_text(0.0) == "0.0e+00"
