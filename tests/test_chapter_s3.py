"""S3's library: the pooled-input model, ordered spectra, the shape criterion, the claims' grading, explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import torch
from torch import nn

from hessbook.chapters import s3
from hessbook.chapters.s3.claims import graded_claims, negative_bound, share_claim, trained_runs
from hessbook.chapters.s3.compute import num_params, shape_summary, train_config
from hessbook.chapters.s3.paper import PAPER_WIDTHS
from hessbook.chapters.s3.params import S3Params
from hessbook.papers.sagun.mnist_spectra import (NEGATIVES_RULE, Spectrum, negative_tail, negatives_claim,
                                                 negatives_values, negatives_vs_outliers, top_k, worst_negative)
from hessbook.models import build_model, num_parameters
from hessbook.params import ParameterError, validate

GOOD = dict(scale="smoke", seed=0, widths=[10, 30], input_size=7, n_samples=100, lr=0.1, iterations=1,
            batch_size=100, top_k=50, hessian_batch=100, hessian_dtype="float32", n_seeds=1, device="cpu")


def spec_(label, eig, params=100):
    return Spectrum(label, np.sort(np.asarray(eig, dtype=np.float64)), params, 0.1, 1.0, 0.0)


def fake(width, outliers, bulk=200, neg=-1e-3):
    eig = np.concatenate([outliers, np.linspace(0.0, 0.05, bulk), np.linspace(neg, 0, 20)])
    return spec_(f"n = {width}", eig, 10 * width)


def results(spectra, **params):
    P = validate(S3Params, {**GOOD, "widths": [int(s.label.split()[-1]) for s in spectra], **params})
    return s3.Results(P, tuple(spectra))


def test_pooled_input_parameter_counts():
    for width in PAPER_WIDTHS:
        for size in (7, 14, 28):
            net = build_model("s_fc_mnist", hidden=width, input_size=size)
            assert num_parameters(net) == num_params(width, size)
    assert num_params(70, 28) == 55660 and num_params(10, 7) == 610
    with pytest.raises(ValueError, match="input_size = 5"):
        build_model("s_fc_mnist", input_size=5)


def test_pooled_model_equals_mlp_on_pooled_images():
    torch.manual_seed(0)
    net = build_model("s_fc_mnist", hidden=10, input_size=7)
    x = torch.rand(5, 1, 28, 28)
    lin1, lin2 = [m for m in net if isinstance(m, nn.Linear)]
    z = ((x - 0.1307) / 0.3081).reshape(5, 7, 4, 7, 4).mean((2, 4)).reshape(5, 49)  # 4x4 block means
    ref = lin2(torch.relu(lin1(z)))
    assert torch.allclose(net(x), ref, atol=1e-5)


def test_top_k_and_negative_tail_orders():
    eig = np.array([3.0, -0.2, 1.0, -0.1, 0.0, 2.0, 0.5, -0.3, 0.1, 4.0])
    ranks, vals = top_k(eig, 3)
    assert list(ranks) == [8, 9, 10] and list(vals) == [2.0, 3.0, 4.0]
    x, neg = negative_tail(eig)
    assert list(neg) == [-0.3, -0.2, -0.1] and np.allclose(x, [10, 20, 30])
    x, neg = negative_tail(eig, 0.15)  # beyond a rounding band of 0.15: the figures count as the tables do
    assert list(neg) == [-0.3, -0.2] and np.allclose(x, [10, 20])


def test_shape_summary_spread_and_edge():
    out = np.linspace(1.0, 10.0, 10)
    same = [fake(w, out) for w in (10, 30, 50, 70)]
    sh = shape_summary(same, 50)
    assert sh.spread == pytest.approx(0.0) and sh.edge_growth == pytest.approx(1.0)
    doubled = [fake(10, out), fake(70, 2 * out)]
    sh = shape_summary(doubled, 50)
    assert sh.spread == pytest.approx(1.0 / 1.5)  # (2x - x) / 1.5x


def test_claims_grade_shape_and_negatives():
    out = np.linspace(1.0, 10.0, 10)
    c = graded_claims(results([fake(w, out) for w in (10, 70)]))
    assert [x.grade for x in c] == ["held", "held", "held", "held"]
    c = graded_claims(results([fake(10, out, neg=-0.5), fake(70, 5 * out, neg=-0.5)]))
    assert [x.grade for x in c][:3] == ["did not hold", "partly", "held"]  # spread 4/3; 0.5/10 = 5e-2; same share
    assert "Pooled input (7x7" in c[0].why and "median relative spread" in c[0].why and "≤ 50%" in c[0].why
    # the thresholds are named as the book's (S gives none), and the paper field is S's words
    assert "(threshold: the book's choice, S gives none) ≤ 50%" in c[0].why
    assert "(threshold: the book's choice, S gives none) ≤ 50%" in c[2].why
    assert "right edge of the spectrum" in c[0].paper and "120" not in c[0].paper
    assert "the number of outliers remain unchanged" in c[3].paper and "not graded" not in c[2].paper
    c = graded_claims(results([fake(10, out), fake(70, 2.5 * out)], input_size=28))  # spread 1.5 / 1.75
    assert c[0].grade == "partly" and c[0].cases[""]["spread"] == pytest.approx(1.5 / 1.75)
    assert "Pooled" not in c[0].why
    assert graded_claims(results([fake(10, out), fake(70, 1.5 * out)]))[0].grade == "held"  # spread 0.5 / 1.25


def test_negative_share_across_widths_is_graded():
    """S Sec. 3.4: "the ratio of negative eigenvalues remain the same"; the rule can fail."""
    out = np.linspace(1.0, 10.0, 10)
    wide = fake(70, out, bulk=20)  # 20 negative of 50 eigenvalues, against 20 of 230
    c = graded_claims(results([fake(10, out), wide]))[2]
    assert c.item == "S-Fig3-5" and c.grade == "did not hold" and "ratio of negative eigenvalues" in c.paper
    assert share_claim({"a": 0.10, "b": 0.12}).grade == "held"
    assert share_claim({"a": 0.10, "b": 0.20}).grade == "partly"  # range / mean 2/3
    assert share_claim({"a": 0.10}).grade == "not judged"  # one width


def test_numbers_name_every_glued_value():
    out = np.linspace(1.0, 10.0, 10)
    n = s3.numbers(results([fake(10, out, neg=-0.5), fake(70, 5 * out, neg=-0.5)]))
    assert n["input"] == "7×7" and n["params_min"] == 100 and n["params_max"] == 700
    assert n["spread"] == pytest.approx(100 * 4 / 3) and n["worst_neg"] == pytest.approx(0.05)
    assert set(n) == {"input", "params_min", "params_max", "spread", "edge_growth", "max_loss", "max_asym",
                      "worst_neg", "criteria", "plateau", "n_seeds", "spread_seeds", "bound_counts"}
    # fakes of 100 and 700 parameters are not S3's net ((input² + 11) n + 10): no bound to show
    assert n["bound_counts"].count("(not this architecture)") == 2


def test_negatives_rule_bounds():
    def grade(*eigs):
        return NEGATIVES_RULE.grade(negatives_values([spec_(str(i), e) for i, e in enumerate(eigs)]))

    assert grade([-0.01, 0, 1.0]) == "held" and worst_negative([spec_("a", [-0.01, 0, 1.0])]) == pytest.approx(0.01)
    assert grade([-0.05, 0, 1.0]) == "partly"
    assert grade([-0.2, 0, 1.0]) == "did not hold"
    assert worst_negative([spec_("a", [0.0, 0.1, 1.0])]) == 0.0
    assert worst_negative([spec_("a", [-0.01, 0, 1.0]), spec_("b", [-0.3, 0, 1.0])]) == pytest.approx(0.3)
    # S: "there are a number of negative eigenvalues": none at all is not judged (it read held: 0 / λ_max)
    assert grade([0.0, 0.1, 1.0]) == "not judged"
    # small negatives in one network, none in the other: not held on every network, so partly
    assert grade([-0.001, 0, 1.0], [0.0, 0.1, 1.0]) == "partly"


def test_negatives_are_counted_and_measured_beyond_the_rounding_band():
    """An eigenvalue within the assembly's rounding band (2·asymmetry·√M) of zero has no sign: a
    spectrum whose only negatives lie within it has none (not judged, where it read held). The band
    decides only existence: the magnitude graded is |λ_min| itself, not |λ_min| − band (which would
    make "orders of magnitude smaller" easier to hold)."""
    def spectrum(eig, asymmetry):  # M = 100: band = 20 · asymmetry
        return Spectrum("n = 10", np.sort(np.asarray(eig, dtype=np.float64)), 100, 0.1, 1.0, asymmetry)

    rounding = spectrum([-1e-6, 0.0, 1.0], 1e-7)  # band 2e-6
    c = negatives_claim("S-Fig3-5", [rounding], paper="")
    assert c.grade == "not judged" and "S says negatives exist" in c.why
    assert "No eigenvalue negative beyond the rounding band in 1 of 1 networks: n = 10" in c.why
    beyond = spectrum([-0.05, 0.0, 1.0], 1e-3)  # band 0.02: negative beyond it, magnitude 0.05 (not 0.03)
    assert negatives_vs_outliers(beyond) == pytest.approx(0.05)
    assert negatives_claim("S-Fig3-5", [beyond], paper="").grade == "partly"
    # |λ_min| = 0.015 beyond a band of 0.01: 1.5e-2 is not two orders of magnitude (with the band
    # subtracted it read 5e-3, held)
    near = spectrum([-0.015, 0.0, 1.0], 5e-4)
    assert negatives_vs_outliers(near) == pytest.approx(0.015)
    c_near = negatives_claim("S-Fig3-5", [near], paper="")
    assert c_near.grade == "partly" and "largest |λ_min| / λ_max (over the networks with λ_min beyond" in c_near.ours
    assert "the largest |λ_min| / λ_max over the networks with λ_min beyond the rounding band ≤" in c_near.why
    assert "There are negative eigenvalues" in c.statement


def test_params_cross_checks():
    good = GOOD
    validate(S3Params, good)
    with pytest.raises(ParameterError, match="batch_size = 200: larger than n_samples = 100"):
        validate(S3Params, {**good, "batch_size": 200})
    with pytest.raises(ParameterError, match="top_k = 700"):
        validate(S3Params, {**good, "top_k": 700})
    with pytest.raises(ParameterError, match="input_size = 9"):
        validate(S3Params, {**good, "input_size": 9})
    with pytest.raises(ParameterError, match=r"widths = \[10, 10\]: 10 is listed twice"):
        validate(S3Params, {**good, "widths": [10, 10]})


def test_explorer_draws_widths_and_parts():
    out = np.linspace(1.0, 10.0, 10)
    ex = s3.explorer(results([fake(w, out) for w in (10, 70)]))
    fig = ex.update(width="n = 70", top=20)
    assert len(fig.axes[0].lines) == 1 and len(fig.axes[0].lines[0].get_ydata()) == 20
    fig = ex.update(width="all", part="negative")
    assert len([ln for ln in fig.axes[0].lines if len(ln.get_xdata()) == 19]) == 2


def test_regime_criteria_are_met_at_cpu_and_gpu_and_smoke_misses_the_widths_and_m_over_n():
    """The cpu block's 14x14 input gives the narrowest network (14^2 + 11) 10 + 10 = 2,080
    parameters for N = 1,000 (our reading of S's 784-n-10 network: 7,960), so M > N holds at every width;
    7x7 gave 610 (missed). S gives no parameter count: the criterion says the 7,960 to 55,660 are our
    reading (review of 2026-12-07)."""
    import dataclasses
    from pathlib import Path

    from hessbook import regime
    from hessbook.registry import chapter_params

    root = Path(__file__).resolve().parents[1]
    cpu = s3.criteria(chapter_params("s3", "cpu", root))
    assert regime.unmet(cpu) == [] and "M = 2,080 to 14,500 for N = 1,000" in cpu[2].found
    assert ("no parameter count given; our reading of its network, one hidden layer 784–n–10, has 7,960 to 55,660 "
            "parameters for N = 1,000") in cpu[2].name and "S: 7,960" not in cpu[2].name
    prose = root.joinpath("book/sagun/s3_width.md").read_text()
    assert "S's narrowest network has" not in prose and "S gives no parameter count" in prose
    assert regime.unmet(s3.criteria(dataclasses.replace(chapter_params("s3", "cpu", root), input_size=7))) != []
    assert regime.unmet(s3.criteria(chapter_params("s3", "gpu", root))) == []
    smoke = s3.criteria(chapter_params("s3", "smoke", root))
    assert cpu[1] not in regime.unmet(cpu) and smoke[1] in regime.unmet(smoke)  # widths 10, 20


def test_run_table_flags_a_plateau_and_the_fit_criterion_reads_training_accuracy():
    import dataclasses

    out = np.linspace(5, 1, 10)
    good, stuck = fake(10, out), dataclasses.replace(fake(70, out), final_loss=2.2, train_accuracy=0.2)
    R = results([good, stuck])
    assert [r.flag for r in trained_runs(R)] == ["", "plateau"]
    table = s3.summary_table(R)
    assert list(table["flag"]) == ["–", "plateau"] and list(table["steps"]) == [R.params.iterations] * 2
    fit = s3.criteria(R.params, R)[-1]
    assert not fit.met and "n = 70 20.0 %" in fit.found
    assert s3.criteria(R.params, results([good]))[-1].met
    assert "n = 70: plateau" in s3.numbers(R)["plateau"]


def test_jobs_are_one_exact_spectrum_per_width_and_need_their_data():
    from hessbook.data import DataMissingError
    from hessbook.kit.jobs import NO_DATA, Row, Table
    from hessbook.papers.sagun.mnist_spectra import spectra

    P = validate(S3Params, GOOD)
    jobs = s3.jobs(P)
    assert [j.train for j in jobs] == [train_config(w, P) for w in sorted(P.widths)]
    assert all(j.INLINE and j.datasets() == ("mnist",) and j.hessian_dtype == P.hessian_dtype for j in jobs)
    with pytest.raises(DataMissingError, match="no mnist here"):
        spectra(Table(tuple(Row(j, NO_DATA, why="no mnist here") for j in jobs)), ["a", "b"])


def test_eigenvalues_within_the_rounding_band_have_no_sign():
    """A spectrum of M = 10,000 with 100 negative eigenvalues (-1e-3) and 2,000 exact zeros that
    the float32 assembly put at ±1e-9 (asymmetry 1e-11: band 2e-9): the negative share is 1 %,
    not the 11 % that counting signs gave, and the band holds the 20 %."""
    from hessbook.papers.sagun.mnist_spectra import Spectrum

    rng = np.random.default_rng(0)
    eig = np.sort(np.concatenate([np.full(100, -1e-3), rng.choice([-1e-9, 1e-9], 2000), np.linspace(1e-3, 5.0, 7900)]))
    s = Spectrum("w", eig, 10_000, 1e-3, 1.0, 1e-11)
    assert s.rounding_band == pytest.approx(2e-9)
    assert s.negative_fraction == pytest.approx(0.01) and s.band_fraction == pytest.approx(0.2)
    assert float(np.mean(eig < 0)) > 0.1  # counting signs
    # no eigenvalue negative beyond the band at any width: no share to compare, not judged (audit 14)
    assert share_claim({"w=10": 0.0, "w=30": 0.0}).grade == "not judged"


def test_negative_share_with_none_at_any_width_is_not_judged():
    """Audit finding 14: a share of 0 at every width gave a spread of 0, read held by construction."""
    out = np.linspace(1.0, 10.0, 10)
    flat = [spec_(f"n = {w}", np.concatenate([out, np.linspace(0.0, 0.05, 200)])) for w in (10, 30)]
    share = graded_claims(results(flat))[2]
    assert share.grade == "not judged" and "widths with an eigenvalue negative beyond the common cutoff" in share.why
    assert share_claim({"a": 0.0, "b": 0.1}).grade == "did not hold"  # one width with negatives: judged


def test_negative_share_is_counted_below_one_cutoff_for_every_width():
    """Audit finding 14: the rounding band grows with the width (√M and the assembly's asymmetry), so
    counting each network below its own band hides more of the wider network's negatives. Here the
    narrow network has 10 % at -1e-3 and 10 % at -1e-7, between its own band (2e-8) and the wide
    network's (4e-7): below their own bands both shares are 20 % (spread 0, held); below the common
    cutoff 10 % and 20 % (spread 67 %: partly)."""
    narrow = Spectrum("n = 10", np.sort(np.concatenate([np.full(10, -1e-3), np.full(10, -1e-7),
                                                         np.linspace(1e-3, 1.0, 80)])), 100, 0.1, 1.0, 1e-9)
    wide = Spectrum("n = 30", np.sort(np.concatenate([np.full(20, -1e-3), np.linspace(1e-3, 1.0, 80)])),
                    400, 0.1, 1.0, 1e-8)
    assert narrow.rounding_band == pytest.approx(2e-8) and wide.rounding_band == pytest.approx(4e-7)
    assert narrow.negative_fraction == wide.negative_fraction == pytest.approx(0.2)  # own bands: the same
    share = graded_claims(results([narrow, wide]))[2]
    assert share.grade == "partly"
    assert "negative share below -4e-07 (every width) n = 10: 10.0%, n = 30: 20.0%" in share.ours
    assert "below each network's own band: n = 10: 20.0%, n = 30: 20.0%" in share.ours
    assert "the widest network's band" in share.why


def test_each_invariance_is_graded_in_each_seed():
    """REPRODUCTION asks for at least three seeds at cpu: each seed's networks give their own case
    (``"widths · seed s"``); the shape held in two seeds and moved in the third reads partly, and
    the evidence says so. The negatives' size reads the worst network of every seed."""
    out = np.linspace(1.0, 10.0, 10)
    P = validate(S3Params, {**GOOD, "n_seeds": 3})
    assert P.seeds == [0, 1, 2] and len(s3.jobs(P)) == 2 * 3
    assert s3.jobs(P)[2].train.seed == 1 and s3.jobs(P)[2].train.data == s3.jobs(P)[0].train.data
    same = [fake(10, out), fake(30, out)]
    moved = [fake(10, out), fake(30, 5 * out)]
    R = s3.Results(P, tuple(same), (tuple(same), tuple(moved)))
    shape, negatives, share, count = graded_claims(R)
    assert shape.grades == {"widths · seed 0": "held", "widths · seed 1": "held", "widths · seed 2": "did not hold"}
    assert shape.grade == "partly" and "Across 3 seeds: widths held in 2 of 3 (did not hold: seed 2)" in shape.why
    assert shape.ours.startswith("seed 0: λ_max") and "; seed 2: " in shape.ours
    assert set(share.grades) == set(count.grades) == {"widths · seed 0", "widths · seed 1", "widths · seed 2"}
    assert len(R.every) == 6 and len(s3.summary_table(R)) == 6 and len(trained_runs(R)) == 6
    assert s3.numbers(R)["n_seeds"] == 3 and s3.numbers(R)["spread_seeds"].count("%") == 3
    lines = s3.figure_3(R).axes[0].lines
    assert len(lines) == 2 + 2 * 2 and sum(line.get_marker() == "o" for line in lines) == 2


@pytest.mark.parametrize("activation, within", [("relu", True), ("tanh", False)])
def test_the_negative_count_bound_of_a_one_hidden_layer_relu_net_against_the_dense_hessian(activation, within):
    """Review of 2026-12-06: S3's share of negative eigenvalues sat at 9n − 1 of M at every width,
    the architecture's bound (k − 1)·n. The bound against the dense float64 Hessian of a small S3 net
    at a random point: a ReLU net meets it, a tanh net (tanh'' ≠ 0, so H − G has W1-W1 blocks) need
    not -- the check can fail."""
    torch.manual_seed(0)
    model = build_model("s_fc_mnist", hidden=3, input_size=4, activation=activation).double()
    params = dict(model.named_parameters())
    names, shapes = list(params), [p.shape for p in params.values()]
    flat = torch.cat([p.detach().reshape(-1) for p in params.values()])
    x, y = torch.rand(40, 1, 28, 28, dtype=torch.float64), torch.randint(0, 10, (40,))

    def loss(v):
        parts, i = {}, 0
        for n, s in zip(names, shapes):
            parts[n] = v[i:i + s.numel()].reshape(s)
            i += s.numel()
        return nn.functional.cross_entropy(torch.func.functional_call(model, parts, (x,)), y)

    h = torch.autograd.functional.hessian(loss, flat)
    eig = torch.linalg.eigvalsh(h)
    negatives = int((eig < -1e-10 * eig.abs().max()).sum())
    bound = negative_bound(flat.numel(), 4)
    assert flat.numel() == (16 + 11) * 3 + 10 and bound == 27
    assert (negatives <= bound) == within, (negatives, bound)


def test_a_share_pinned_at_the_architectures_bound_is_not_judged():
    """Every width's count at its bound: the share is (k − 1)n / M by construction, not judged;
    one width below it: judged as before."""
    shares = {"n = 10": 89 / 2080, "n = 30": 269 / 6220}
    assert share_claim(shares, bounds={"n = 10": (89, 90), "n = 30": (269, 270)}).grade == "not judged"
    assert share_claim(shares, bounds={"n = 10": (89, 90), "n = 30": (200, 270)}).grade == "held"
    assert "architecture's bound" in share_claim(shares, bounds={"n = 10": (89, 90), "n = 30": (269, 270)}).why


def test_the_bound_precondition_reads_as_its_value_and_quotes_no_fixed_count():
    """Review of 2026-12-07: the label read "widths are all at the architecture's bound ... ≤ 0, here 1"
    (the opposite of what it means) and carried a fixed "9n − 1 of 9n" beside measured 88/90, 621/630.
    The value is unchanged (1 when every width is at its bound), and so is the verdict; the label names
    that value, and the counts are the measured ones in "ours"."""
    from hessbook.chapters.s3.claims import SHARE_RULE, share_values

    shares = {"n = 10": 88 / 2080, "n = 70": 621 / 14500}
    pinned = share_claim(shares, bounds={"n = 10": (88, 90), "n = 70": (621, 630)})
    assert pinned.cases[""]["at_bound"] == 1.0 and pinned.grade == "not judged"
    assert ("Not judged: judged only when every width's negative count at its architecture's bound, as 1 (every "
            "width at it) or 0 (some width below it) ≤ 0, here 1.") in pinned.why
    assert "9n" not in pinned.why and "9n" not in SHARE_RULE.text()
    assert "n = 10: 88 / 90, n = 70: 621 / 630" in pinned.ours
    assert share_values([0.1, 0.1], [True, False])["at_bound"] == 0.0  # some width below: judged, as before
    assert share_claim(shares, bounds={"n = 10": (88, 90), "n = 70": (500, 630)}).grade == "held"


def test_shape_claim_shows_the_spread_without_the_narrowest_width():
    """Ungraded, beside the graded spread: with n = 10 at 3x the others' top and n = 30, 50, 70 the
    same, the graded spread is large and the rest's 0 %; with two widths there is no such line."""
    out = np.linspace(1.0, 10.0, 10)
    from hessbook.chapters.s3.claims import shape_claim

    c = shape_claim([fake(10, 3 * out), fake(30, out), fake(50, out), fake(70, out)], 50)
    assert c.cases[""]["spread"] > 0.5
    assert "Without the narrowest width (n = 10, M = " in c.ours and "not graded): a median 0%." in c.ours
    assert "Without the narrowest" not in shape_claim([fake(10, out), fake(70, out)], 50).ours


def test_the_number_of_outliers_across_widths_is_graded_by_the_same_cutoff():
    """S Sec. 3.4 'the number of outliers remain unchanged' as the network widens: the same 10
    outliers at every width hold; 10 against 40 outliers (a range of 30, beyond max(1, 20 % of 40))
    does not; 10 against 11 is within the tolerance (partly). The rule can fail."""
    from hessbook.chapters.s3.claims import count_claim, count_values

    ten = np.linspace(1.0, 10.0, 10)
    assert count_claim([fake(10, ten), fake(30, ten), fake(70, ten)]).grade == "held"
    assert count_claim([fake(10, ten), fake(70, np.linspace(1.0, 10.0, 40))]).grade == "did not hold"
    assert count_values({"a": {"gap": 10, "ratio": 10, "elbow": 10},
                         "b": {"gap": 11, "ratio": 11, "elbow": 10}}) == {"difference": 1, "excess": pytest.approx(-1.2),
                                                                          "widths": 2}  # 1 − max(1, 0.2 x 11)
    c = count_claim([fake(10, ten), fake(70, ten)])
    assert "outliers by gap/ratio/elbow" in c.ours and "n = 10: " in c.ours
    assert count_claim([fake(10, ten)]).grade == "not judged"
