"""S2's library: the paper's Table 1, the stored per-(row, seed) jobs against a dense Hessian, our counting
summaries, the claims' grading, the explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from _curv_models import flat_loss_hessian

from hessbook.chapters import s2
from hessbook.chapters.s2 import compute, paper
from hessbook.chapters.s2.analysis import COUNTERS, method_fractions
from hessbook.chapters.s2.claims import FIG2_RULE, TABLE1_RULE, fig2_claim, fig2_values, kept, trained_runs
from hessbook.chapters.s2.params import S2Params
from hessbook.kit.jobs import Context, key_text
from hessbook.models import build_model, num_parameters
from hessbook.params import ParameterError, validate

GOOD = dict(scale="smoke", seed=0, ks=[2], n_samples=100, dimension=100, hidden=30, lr=0.1,
            gd_iterations=1, sgd_iterations=1, sgd_batch_size=10, n_seeds=1, device="cpu",
            unseen_ks=[3], unseen_settings=["sgd-relu-1"], separation_k=2, separations=[2.0], converge_factor=2,
            variations=[], variation_ks=[])


def fake_result(row, gap, ratio, elbow, seed=0):
    eig = np.concatenate([np.linspace(5, 1, row.k), np.linspace(0.01, -0.001, 50)])
    return compute.CaseResult(row, seed, eig, gap, ratio, elbow, 0.5, 1e-4, 1.0, 0.0)


def fake_results(cases, **params):
    P = validate(S2Params, {**GOOD, "ks": sorted({c.row.k for c in cases}), **params})
    return compute.assemble(P, cases)


def grades(R):
    """The grades of S's own two claims (Fig 2, Table 1)."""
    return [c.grade for c in s2.claims(R)[:2]]


def test_paper_table_has_19_rows_with_the_papers_parameter_counts():
    assert len(paper.PAPER_TABLE1) == 19
    for row in paper.PAPER_TABLE1:
        net = build_model("s_mlp", d=100, k=row.k, hidden=[30, 30], activation=row.nonlinearity)
        assert num_parameters(net) == row.params


def test_method_fractions_and_marks():
    rows = [r for r in paper.PAPER_TABLE1 if r.algorithm == "sgd" and r.cov == 1.0]
    results = [fake_result(r, r.k, r.k + 1, r.k + 3) for r in rows]
    fr = method_fractions(results)
    assert fr["gap"]["ours_exact"] == 1.0
    assert fr["ratio"]["ours_exact"] == 0.0 and fr["ratio"]["ours_pm1"] == 1.0
    assert fr["elbow"]["ours_pm1"] == 0.0
    # the paper's SGD/ReLU/cov-1 rows: gap exact for k=50 only (3 of 5 legible rows off)
    assert fr["gap"]["paper_exact"] == pytest.approx(1 / 5)
    table = s2.summary_table(results)
    assert list(table["ratio ours"])[0].endswith("(±1)")
    assert list(table["elbow ours"])[0].endswith("✗")


def test_claims_grade_fig2_and_table1():
    rows = [r for r in paper.PAPER_TABLE1 if paper.in_fig2(r)]
    every = list(paper.PAPER_TABLE1)
    assert grades(fake_results([fake_result(r, r.k, r.k, r.k) for r in every])) == ["held", "held"]
    # Fig 2's 5 rows alone: Table 1 counts 5 of its 19 rows, so it is at most partly
    assert grades(fake_results([fake_result(r, r.k, r.k, r.k) for r in rows])) == ["held", "partly"]
    assert grades(fake_results([fake_result(r, r.k + 5, r.k + 5, r.k + 5) for r in every])) == [
        "did not hold", "did not hold"]
    # every count off by one: Fig 2 partly (all within ±1, none exact); Table 1 held (the paper's
    # best cutoff is within ±1 on 87% of its rows, ours on all)
    claims = s2.claims(fake_results([fake_result(r, r.k + 1, r.k + 1, r.k + 1) for r in every]))[:2]
    assert [c.grade for c in claims] == ["partly", "held"]
    assert "held = fraction of cases with exactly k above the gap ≥ 100%" in claims[0].why
    # no SGD/ReLU/cov-1 row (at a block of S's k): Fig 2 not computed, Table 1 still graded (2 of its
    # 19 rows: partly)
    gd = [r for r in paper.PAPER_TABLE1 if r.algorithm == "gd" and r.k == 5]
    claims = s2.claims(fake_results([fake_result(r, r.k, r.k, r.k) for r in gd], ks=list(paper.KS)))
    assert [c.grade for c in claims[:2]] == ["not computed", "partly"] and "no SGD/ReLU" in claims[0].ours
    assert "(2 of Table 1's 19 rows counted" in claims[1].ours
    # no unseen k and no variation computed: not computed; the prediction (0 for every fake case) did not hold
    assert [c.grade for c in claims[2:]] == ["not computed", "not computed", "did not hold"]


def test_table1_scores_ours_on_the_rows_the_papers_cell_is_legible():
    """S prints no elbow/heur count for its tanh rows. Our elbow exact on every ReLU row and wrong on
    the tanh rows: on the paper's rows (its 15 legible elbow cells) ours is 100 %; over all 19 it
    was 79 %, read against the paper's 87 % on its 15 (a comparison of different rows)."""
    rows = list(paper.PAPER_TABLE1)
    cases = [fake_result(r, r.k + 9, r.k + 9, r.k + 9 if r.nonlinearity == "tanh" else r.k) for r in rows]
    table1 = s2.claims(fake_results(cases))[1]
    assert "our best cutoff (elbow): 100% of cases within ±1" in table1.ours
    assert "On every counted row (the paper's illegible cells included): gap: 0%; ratio: 0%; elbow: 79%" in table1.ours
    assert table1.grade == "held"
    # our best (elbow) and the paper's (elbow) read S's heur column: the same rows
    assert "Our best (elbow) and the paper's best (elbow) are over the same rows: the 15 where S's heur" in table1.why


def test_table1_says_which_rows_each_best_cutoff_is_over():
    """Our best cutoff (ratio here) and the paper's best (its heur column) are over different rows:
    the evidence says which, not that the two rates are over the same rows; and it lists each cutoff
    against S's same column."""
    rows = list(paper.PAPER_TABLE1)
    table1 = s2.claims(fake_results([fake_result(r, r.k + 9, r.k, r.k + 9) for r in rows]))[1]
    assert "our best cutoff (ratio)" in table1.ours and "paper's best cutoff (elbow)" in table1.paper
    assert "are over the same rows" not in table1.why
    assert ("Our best (ratio) is over the 16 rows where S's ratio cell is legible, the paper's best (elbow) over "
            "the 15 rows where its heur cell is legible: different rows") in table1.why
    assert ("Cutoff by cutoff on the same rows, ours vs S's: gap 0% vs S's gap 63%; ratio 100% vs S's ratio 50%"
            in table1.why)
    assert "our best cutoff counts k outliers to within one about as often as S's best cutoff" in table1.statement
    assert "book's slack" in table1.why


def test_table1_held_needs_every_row_of_the_table():
    """Rows not run (or every network of them left out) keep Table 1 from held; the count printed is
    the rows counted."""
    rows = list(paper.PAPER_TABLE1)
    full = s2.claims(fake_results([fake_result(r, r.k, r.k, r.k) for r in rows]))[1]
    assert full.grade == "held" and "(19 of Table 1's 19 rows counted" in full.ours
    some = s2.claims(fake_results([fake_result(r, r.k, r.k, r.k) for r in rows if r.k != 50], ks=list(paper.KS)))[1]
    assert some.grade == "partly" and "(16 of Table 1's 19 rows counted" in some.ours  # three k = 50 rows
    assert "rows of S Table 1's 19 not counted (not run, or every network of the row flagged or not fitting its " \
           "training set) = 0" in some.why and some.cases[""]["rows_missing"] == 3


def test_fig2_held_needs_every_k_of_the_papers_figure():
    """S's Fig 2 shows k = 2, 5, 10, 20, 50: at a block of S's k, held on the k that were counted
    (here k = 2 only) is held on part of the figure, so partly; the evidence carries S's own
    largest-gap counts in Fig 2's setting."""
    fig2_rows = [r for r in paper.PAPER_TABLE1 if paper.in_fig2(r)]
    only2 = s2.claims(fake_results([fake_result(r, r.k, r.k, r.k) for r in fig2_rows if r.k == 2],
                                   ks=list(paper.KS)))[0]
    assert only2.grade == "partly" and "not counted: k = 5, 10, 20, 50" in only2.ours
    assert "every k of S's Fig 2 (2, 5, 10, 20, 50) counted" in only2.why
    full = s2.claims(fake_results([fake_result(r, r.k, r.k, r.k) for r in fig2_rows]))[0]
    assert full.grade == "held"
    assert ("S's own largest-gap counts in Fig 2's setting (S Table 1, SGD relu cov 1) are 3, 6, 2, 2, 50 for "
            "k = 2, 5, 10, 20, 50 (1 of 5 exact)") in full.why and "book's stricter reading" in full.why


def test_fig2_claim_reads_every_k_from_its_own_pairs():
    """``every_k`` is computed from the pairs, not passed beside them: a call with k = 2 alone is
    not held while its "ours" says the other k were not counted (it read held there); S's own rows
    (every k of the figure) are unaffected."""
    only2 = fig2_claim([(2, 2)])
    assert only2.grade == "partly" and "not counted: k = 5, 10, 20, 50" in only2.ours
    assert only2.cases[""]["every_k"] is False
    assert fig2_claim([(k, k) for k in paper.KS]).grade == "held"
    assert fig2_values([(r.gap, r.k) for r in paper.PAPER_TABLE1 if paper.in_fig2(r)])["every_k"] is True


def test_fig2_held_needs_every_k_in_every_seed():
    """Audit finding 14 (S2 Fig 2 with seeds): the pooled fraction lost a seed's network that did
    not fit (k = 10, seed 1 of 3) while every k was still there, and read held; every k of S's
    figure must be counted in every seed."""
    import dataclasses

    fig2_rows = [r for r in paper.PAPER_TABLE1 if paper.in_fig2(r)]
    cases = [fake_result(r, r.k, r.k, r.k, seed=s) for r in fig2_rows for s in range(3)]
    assert grades(fake_results(cases, n_seeds=3))[0] == "held"
    i = next(i for i, c in enumerate(cases) if c.row.k == 10 and c.seed == 1)
    unfit = dataclasses.replace(cases[i], train_accuracy=0.5)
    fig2 = s2.claims(fake_results([*cases[:i], unfit, *cases[i + 1:]], n_seeds=3))[0]
    assert fig2.cases[""]["exact"] == 1.0  # the pooled fraction alone would read held
    assert fig2.grade == "partly" and "not counted: k = 10 (2 of 3 seeds)" in fig2.ours
    assert "counted in every seed" in fig2.why
    assert fig2_values([(k, k) for k in paper.KS], seeds=2)["every_k"] is False
    assert fig2_values([(k, k) for k in paper.KS for _ in range(2)], seeds=2)["every_k"] is True


ALL_SETTINGS = list(paper.SETTINGS)


def beyond(table_counts, unseen_counts, settings=ALL_SETTINGS):
    """Results with every Table 1 row (``table_counts(row) -> dict of CaseResult fields``) and the
    unseen k 3, 7, 12 in ``settings`` (``unseen_counts(row) -> dict``)."""
    import dataclasses

    table = [dataclasses.replace(fake_result(r, r.k, r.k, r.k), **table_counts(r)) for r in paper.PAPER_TABLE1]
    unseen = [dataclasses.replace(fake_result(r, r.k, r.k, r.k), group="unseen-k", **unseen_counts(r))
              for s in settings for r in (paper.setting_row(s, k) for k in (3, 7, 12))]
    P = validate(S2Params, {**GOOD, "ks": [2, 5, 10, 20, 50], "unseen_ks": [3, 7, 12],
                            "unseen_settings": list(settings)})
    c_unseen, _c_variation, c_pred = s2.claims(compute.assemble(P, [*table, *unseen]))[2:]
    return c_unseen, c_pred


def test_beyond_claims_have_their_own_item_one_case_per_setting_and_coverage():
    c_unseen, c_pred = beyond(lambda r: {"predicted": r.k - 1}, lambda r: {"predicted": r.k - 1})
    assert (c_unseen.item, c_pred.item) == ("S-beyond", "S-beyond")
    assert [c.grade for c in (c_unseen, c_pred)] == ["held", "held"]
    assert c_unseen.coverage == (4, 4) and c_pred.coverage == (4, 4)
    assert "Measured on: GD tanh cov 1, GD relu cov 1, SGD relu cov 1, SGD relu cov 10" in c_unseen.why
    # the unseen k run in Fig 2's setting only: at most partly, and the verdict names what is missing
    c_unseen, _ = beyond(lambda r: {"predicted": r.k - 1}, lambda r: {"predicted": r.k - 1}, ["sgd-relu-1"])
    assert c_unseen.grade == "partly" and c_unseen.coverage == (1, 4)
    assert "not computed: GD tanh cov 1, GD relu cov 1, SGD relu cov 10" in c_unseen.why
    # counting fails on tanh (as in S's own Table 1): partly, not held
    c_unseen, _ = beyond(lambda r: {}, lambda r: {"gap": 0, "ratio": 0, "elbow": 0} if r.nonlinearity == "tanh" else {})
    assert c_unseen.grade == "partly" and c_unseen.grades["GD tanh cov 1"] == "did not hold"


def test_unseen_k_is_graded_with_the_cutoff_chosen_on_table_1():
    """The cutoff is chosen on Table 1's rows of the setting (there: ratio), not on the unseen k."""
    c_unseen, _ = beyond(lambda r: {"gap": r.k + 5, "elbow": r.k + 5}, lambda r: {"ratio": r.k + 5})
    assert c_unseen.grade == "did not hold" and "ratio (chosen on Table 1) 0% within ±1" in c_unseen.ours


def test_prediction_is_graded_against_k_minus_1_or_k():
    """The theory allows k − 1 or k (PREDICTION_THEORY): k + 1, which ±1 would accept, does not hold."""
    _, c_pred = beyond(lambda r: {"predicted": r.k}, lambda r: {"predicted": r.k - 1})
    assert c_pred.grade == "held" and "1 k − 1" not in c_pred.ours
    _, c_pred = beyond(lambda r: {"predicted": r.k + 1}, lambda r: {"predicted": r.k + 1})
    assert c_pred.grade == "did not hold"
    _, c_pred = beyond(lambda r: {"predicted": r.k + 2 if r.nonlinearity == "tanh" else r.k - 1},
                       lambda r: {"predicted": r.k - 1})
    assert c_pred.grade == "partly" and c_pred.grades["GD tanh cov 1"] == "did not hold"
    assert "k − 1 shared by all classes" in c_pred.statement and "Papyan 2020" in c_pred.why


def test_rules_grade_as_the_ladders_they_replace():
    """The rules against the hand-written ladders of the chapter before the kit, on every pair of
    fractions i/n (n <= 40): the Table 1 slack is the same float test, boundaries included
    (e.g. ours 0.5, paper 0.6)."""
    fractions = sorted({i / n for n in range(1, 41) for i in range(n + 1)})
    for exact in fractions:
        for pm1 in (f for f in fractions if f >= exact):
            old = "held" if exact == 1.0 else ("partly" if pm1 >= 0.5 else "did not hold")
            assert FIG2_RULE.grade({"exact": exact, "pm1": pm1, "every_k": True}) == old
    for ours in fractions:
        for theirs in fractions:
            old = "held" if ours >= theirs - 0.1 else ("partly" if ours >= 0.5 else "did not hold")
            assert TABLE1_RULE.grade({"margin": ours - (theirs - 0.1), "ours_pm1": ours, "rows_missing": 0}) == old, (
                ours, theirs)
    assert TABLE1_RULE.grade({"margin": float("nan"), "ours_pm1": 0.2, "rows_missing": 0}) == "not computed"
    assert TABLE1_RULE.grade({"margin": 0.1, "ours_pm1": 1.0, "rows_missing": 1}) == "partly"  # a row not counted


def test_jobs_cover_rows_and_seeds_in_order():
    P = validate(S2Params, {**GOOD, "ks": [2, 5], "n_seeds": 3, "seed": 7})
    jobs = compute.cases(P)
    table = [j for j in jobs if j.group == "table"]
    assert len(table) == 3 * len(paper.rows(P)) == 3 * 8 and jobs[:24] == table
    assert [j.seed for j in jobs[:4]] == [7, 8, 9, 7] and jobs[0].row == paper.rows(P)[0]
    assert len({(j.row, j.seed) for j in table}) == len(table)
    # then the unseen k (every seed), the separation sweep and the longer training (first seed)
    rest = jobs[24:]
    assert [(j.group, j.row.k, j.seed) for j in rest[:3]] == [("unseen-k", 3, s) for s in (7, 8, 9)]
    assert [(j.group, j.row.k, j.separation) for j in rest[3:4]] == [("separation", 2, 2.0)]
    assert [(j.group, j.row.k, j.iterations) for j in rest[4:]] == [("training", 2, 2), ("training", 5, 2)]
    # distinct cases have distinct store keys; the chapter's own separation keeps the old key
    keys = [key_text(j) for j in s2.jobs(P)]
    assert len(set(keys)) == len(keys) == len(jobs)
    assert "separation" not in key_text(s2.jobs(P)[0])


def test_unseen_rows_have_the_networks_parameter_count_and_no_paper_counts():
    for k in (3, 7, 12, 33):
        row = paper.fig2_row(k)
        net = build_model("s_mlp", d=100, k=k, hidden=[30, 30], activation="relu")
        assert row.params == num_parameters(net) and (row.gap, row.ratio, row.elbow, row.cutoff) == (None,) * 4
    assert paper.fig2_row(10) in paper.PAPER_TABLE1


def test_case_is_stored_and_matches_a_dense_hessian(tmp_path, monkeypatch):
    """One job end to end: the stored spectrum is eigvalsh of autograd's Hessian on the same data;
    a second call loads it; the counts are those of count_outliers on it."""
    import torch

    from hessbook.curvature import count_outliers
    from hessbook.data import gaussian_clusters
    from hessbook.store import ResultStore
    from hessbook.train import train

    monkeypatch.setenv("HESSBOOK_PROGRESS", "off")
    P = validate(S2Params, {**GOOD, "n_samples": 40, "dimension": 5, "hidden": 3, "gd_iterations": 5,
                            "sgd_iterations": 5, "sgd_batch_size": 8})
    store = ResultStore(tmp_path)
    row = paper.rows(P)[1]  # GD ReLU k = 2
    ctx = Context(torch.device("cpu"), store)
    first = compute.load_case(compute.Case(row, 0), P, ctx)
    assert len(store.entries(compute.SPECTRUM_KIND)) == 1
    again = compute.load_case(compute.Case(row, 0), P, ctx)
    np.testing.assert_array_equal(first.eigenvalues, again.eigenvalues)
    assert (first.gap, first.ratio, first.elbow, first.final_loss) == (again.gap, again.ratio, again.elbow,
                                                                       again.final_loss)
    counts = count_outliers(torch.from_numpy(first.eigenvalues))
    assert (first.gap, first.ratio, first.elbow, first.heur) == (counts.gap, counts.ratio, counts.elbow, counts.heur)

    model = train(compute.train_config(row, P, 0), store, device=torch.device("cpu")).model("cpu").double()
    x, y = gaussian_clusters(row.k, P.dimension, P.n_samples, row.cov, 0)
    H = flat_loss_hessian(model, x, y)
    ref = np.sort(torch.linalg.eigvalsh((H + H.T) / 2).numpy())[::-1]
    assert len(first.eigenvalues) == len(ref) == 38
    assert np.allclose(first.eigenvalues, ref, atol=1e-6 * max(1.0, abs(ref).max()))
    assert first.asymmetry < 1e-6
    # the stored class structure is that of the dense reference Hessian
    from hessbook.curvature.class_structure import class_structure, predicted_count

    cs = class_structure(model, x, y, row.k, (H + H.T) / 2, tol=1e-10)
    assert np.allclose(first.class_eigenvalues, cs.class_eigenvalues.numpy(), atol=1e-9)
    assert abs(first.rest_max - cs.rest_max) < 1e-6 * max(1.0, abs(ref).max())
    assert first.predicted == predicted_count(torch.from_numpy(first.class_eigenvalues), first.rest_max)
    assert first.grad_norm > 0 and first.group == "table" and first.iterations == 5


def test_numbers_are_named_as_the_prose_cites_them():
    rows = [r for r in paper.PAPER_TABLE1 if r.k == 5]
    R = fake_results([fake_result(r, 5, 6, 7) for r in rows])
    n = s2.numbers(R)
    assert n["cases"] == 4 and n["rows"] == 4 and n["max-loss"] == 1e-4
    assert n["gap-ours_exact"] == 100.0 and n["ratio-ours_pm1"] == 100.0 and n["elbow-ours_exact"] == 0.0
    assert n["table-gap-exact"] == 100.0 and n["table-predicted-exact"] == 0.0
    assert {f"{m}-{w}_{t}" for m in paper.METHODS for w in ("ours", "paper") for t in ("exact", "pm1")} <= set(n)
    assert {f"unseen-{m}-{t}" for m in COUNTERS for t in ("exact", "pm1")} <= set(n)
    # the prose cites every glued name it uses, and these are all there
    import re
    from pathlib import Path

    text = Path(__file__).parents[1].joinpath("book/sagun/s2_gaussian_clusters.md").read_text()
    cited = set(re.findall(r"\{glue:text\}`s2-([a-z0-9_-]+)", text))
    assert cited <= set(n), cited - set(n)


def test_numbers_count_the_predicted_outliers_of_the_counted_networks():
    """``predicted-km1/-k/-other/-cases`` (glued in the prose): over the table's, unseen k's and
    variations' networks that enter the statistics; a network short of fitting is not among them."""
    import dataclasses

    rows = [r for r in paper.PAPER_TABLE1 if r.k == 5]  # four rows
    table = [dataclasses.replace(fake_result(r, 5, 5, 5), predicted=p) for r, p in zip(rows, (4, 4, 5, 7))]
    unseen = dataclasses.replace(fake_result(paper.fig2_row(3), 3, 3, 3), group="unseen-k", predicted=3)
    unfit = dataclasses.replace(fake_result(rows[0], 5, 5, 5, seed=1), predicted=4, train_accuracy=0.5)
    n = s2.numbers(fake_results([*table, unseen, unfit], n_seeds=2, ks=[5]))
    assert (n["predicted-km1"], n["predicted-k"], n["predicted-other"], n["predicted-cases"]) == (2, 2, 1, 5)
    assert n["predicted-over"] == 1  # the 7 for k = 5: the approximation's k − 1 or k is not a bound


def test_location_error_is_one_number_over_one_named_set():
    """Review of 2026-12-07: the prose's "median largest relative error" (7.0 %) was over every case,
    the separation and longer-training runs included, the prediction verdict's (7.2 %) over Table 1,
    the unseen k and the variations, under the same words. Both are over the latter now, and say so."""
    import dataclasses

    from hessbook.chapters.s2.analysis import location_error

    rows = [r for r in paper.PAPER_TABLE1 if r.k == 5]

    def located(r, err, **kw):
        """A case predicting 2 outliers, the first off by ``err`` (relative)."""
        c = dataclasses.replace(fake_result(r, 5, 5, 5), predicted=2, **kw)
        mu = c.eigenvalues.copy()
        mu[0] *= 1 + err
        return dataclasses.replace(c, class_eigenvalues=mu)

    table = [located(r, e) for r, e in zip(rows, (0.01, 0.02, 0.03, 0.04))]
    far = located(paper.fig2_row(5), 0.9, group="separation", separation=2.0)  # not in the prediction's set
    assert location_error(far) == pytest.approx(0.9)
    R = fake_results([*table, far], ks=[5], separations=[2.0])
    n = s2.numbers(R)
    assert n["location-cases"] == 4 and n["location-error"] == pytest.approx(2.5) and n["location-error-max"] == \
        pytest.approx(4.0)
    pred = s2.claims(R)[4]
    assert ("predicted locations within 2.5% of the measured outliers (the median, over the 4 of Table 1's, the "
            "unseen k's and the variations' networks with a predicted count, of each network's largest relative "
            "error)") in pred.ours


def test_the_prediction_is_an_approximation_not_a_bound():
    """Review of 2026-12-07: the page said "the theory predicts k − 1 or k, never more" beside its own
    tables' k + 1; the evidence and the prose state it as an approximation under its assumption."""
    from pathlib import Path

    from hessbook.chapters.s2.claims import PREDICTION_THEORY

    prose = Path(__file__).parents[1].joinpath("book/sagun/s2_gaussian_clusters.md").read_text()
    for text in (PREDICTION_THEORY, prose):
        assert "never more" not in text and "approximation, not a bound" in text
    assert "{glue:text}`s2-predicted-over`" in prose and "{glue:text}`s2-location-cases`" in prose


def test_params_cross_checks():
    good = GOOD
    validate(S2Params, good)
    with pytest.raises(ParameterError, match="sgd_batch_size = 200: larger than n_samples = 100"):
        validate(S2Params, {**good, "sgd_batch_size": 200})
    with pytest.raises(ParameterError, match=r"ks\[0\] = 3"):
        validate(S2Params, {**good, "ks": [3]})


def test_explorer_draws_each_case_and_counter():
    rows = [r for r in paper.PAPER_TABLE1 if r.k == 5]
    ex = s2.explorer(fake_results([fake_result(r, 5, 6, 7) for r in rows]))
    assert len(ex.options["case_label"]) == 4 and ex.options["method"] == list(COUNTERS)
    fig = ex.update(case_label="GD tanh cov 1 k=5, seed 0", method="ratio")
    assert "ratio finds 6" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="case_label = 'SGD tanh"):
        ex.update(case_label="SGD tanh cov 1 k=5, seed 0")  # no such case


def test_separation_scales_the_centres_and_one_is_the_old_data():
    import torch

    from hessbook.data import gaussian_clusters

    x1, y1 = gaussian_clusters(4, 20, 400, 1.0, 3)
    xs, ys = gaussian_clusters(4, 20, 400, 1.0, 3, separation=1.0)
    assert torch.equal(x1, xs) and torch.equal(y1, ys)

    def between_over_within(x, y):
        means = torch.stack([x[y == c].mean(0) for c in range(4)])
        within = torch.stack([x[y == c].var(0).sum() for c in range(4)]).mean()
        return float(torch.pdist(means).pow(2).mean() / within)

    ratios = [between_over_within(*gaussian_clusters(4, 20, 400, 1.0, 3, separation=s)) for s in (0.5, 1.0, 2.0)]
    assert ratios[0] < ratios[1] < ratios[2]
    with pytest.raises(ValueError, match="separation=0"):
        gaussian_clusters(4, 20, 400, 1.0, 3, separation=0)


# ----------------------------------------------------------------------------- variations (beyond S)

VARIED = {**GOOD, "ks": [2, 5, 10, 20, 50], "unseen_settings": ["sgd-relu-1", "gd-tanh-1"],
          "variations": ["hidden:15", "steps:0.5"], "variation_ks": [7], "n_samples": 200,
          "gd_iterations": 10, "sgd_iterations": 10}


def test_variation_jobs_change_one_thing_and_leave_the_chapters_own_keys_alone():
    P = validate(S2Params, VARIED)
    plain = validate(S2Params, {**VARIED, "variations": [], "variation_ks": []})
    varied = [j for j in compute.cases(P) if j.group == "variation"]
    assert [(j.variation, paper.setting_of(j.row)) for j in varied] == [
        ("hidden:15", "sgd-relu-1"), ("hidden:15", "gd-tanh-1"), ("steps:0.5", "sgd-relu-1"), ("steps:0.5", "gd-tanh-1")]
    hidden, _, steps, steps_gd = varied
    assert hidden.row.params == paper.s_mlp_parameters(7, 100, 15) and hidden.row.gap is None
    assert (steps.iterations, steps_gd.iterations) == (round(0.5 * P.sgd_iterations), round(0.5 * P.gd_iterations))
    cfg = compute.train_config(hidden.row, compute.case_params(hidden, P), hidden.seed)
    assert cfg.model_kwargs["hidden"] == [15, 15]
    assert compute.spectrum_job(steps, P).train.max_iterations == round(0.5 * P.sgd_iterations)
    # the chapter's own cases keep their store keys when variations are added
    same = [compute.spectrum_job(j, P) for j in compute.cases(P) if j.group != "variation"]
    assert same == s2.jobs(plain)


@pytest.mark.parametrize("bad, says", [("width=15", "name one of hidden"), ("hidden", "name:value"),
                                       ("hidden:1.5", "positive integer"), ("steps:-1", "positive number"),
                                       ("n_samples:abc", "not a number"), ("n_samples:5", "n_samples 5")])
def test_bad_variation_is_refused_naming_it(bad, says):
    with pytest.raises(ParameterError, match=says.replace("(", r"\(")):
        validate(S2Params, {**VARIED, "variations": [bad]})


def _variation_results(counts):
    """Table 1 rows counted exactly (so each setting's chosen cutoff is gap), and every variation
    case with ``counts(case) -> dict of counts``."""
    import dataclasses

    P = validate(S2Params, VARIED)
    table = [fake_result(r, r.k, r.k, r.k) for r in paper.PAPER_TABLE1]
    varied = [dataclasses.replace(fake_result(j.row, 7, 7, 7), group="variation", variation=j.variation,
                                  **counts(j)) for j in compute.cases(P) if j.group == "variation"]
    return s2.claims(compute.assemble(P, [*table, *varied]))[3]


def test_variation_claim_grades_every_setting_and_change_and_can_fail():
    c = _variation_results(lambda j: {})
    assert c.item == "S-beyond" and c.grade == "held" and c.coverage == (4, 4)
    assert "counting held in 4 of 4 conditions" in c.ours
    # the gap fails when narrower: partly, and the case is named
    c = _variation_results(lambda j: {"gap": 1} if j.variation == "hidden:15" else {})
    assert c.grade == "partly" and c.grades["SGD relu cov 1 · hidden 15"] == "did not hold"
    assert c.grades["GD tanh cov 1 · steps ×0.5"] == "held"
    c = _variation_results(lambda j: {"gap": 20})
    assert c.grade == "did not hold"
    # the prediction claim counts the variation cases too
    P = validate(S2Params, VARIED)
    assert "Also under hidden 15, steps ×0.5" in s2.claims(compute.assemble(P, []))[4].why


def test_variation_claim_says_what_it_measured():
    """Review of 2026-12-07: the variation claim's evidence said "Not measured here: other sizes of
    network or data, other training lengths (the variation claim measures those it names)" -- of
    itself, which measured them. It names its variations; the unseen-k claim keeps the old sentence."""
    c = _variation_results(lambda j: {})
    assert ("Also under hidden 15, steps ×0.5 (one at a time, k = 7, first seed). Not measured: other step sizes."
            in c.why)
    assert "Not measured here: other sizes" not in c.why
    assert "Measured on: GD tanh cov 1, SGD relu cov 1;" in c.why  # the settings the variations ran in
    P = validate(S2Params, VARIED)
    unseen = s2.claims(compute.assemble(P, [fake_result(r, r.k, r.k, r.k) for r in paper.PAPER_TABLE1]))[2]
    assert "Not measured here: other sizes of network or data, other training lengths" in unseen.why


def test_variation_tables_list_every_case_and_counter():
    import dataclasses

    P = validate(S2Params, VARIED)
    cases = [dataclasses.replace(fake_result(j.row, 7, 6, 1), group="variation", variation=j.variation)
             for j in compute.cases(P) if j.group == "variation"]
    table = s2.variation_table(cases)
    assert len(table) == 4 and list(table["gap"]) == ["7"] * 4 and list(table["elbow"]) == ["1 ✗"] * 4
    summary = s2.variation_summary(cases)
    assert list(summary["variation"]) == ["hidden 15", "steps ×0.5"]
    assert list(summary["gap ±1 %"]) == [100, 100] and list(summary["elbow ±1 %"]) == [0, 0]


def test_regime_criteria_hold_at_cpu_and_smoke_misses_the_network_and_the_ks():
    from pathlib import Path

    from hessbook import regime
    from hessbook.registry import chapter_params

    root = Path(__file__).resolve().parents[1]
    assert regime.unmet(s2.criteria(chapter_params("s2", "cpu", root))) == []
    smoke = s2.criteria(chapter_params("s2", "smoke", root))
    assert regime.unmet(smoke) == smoke[:2]  # hidden 10, k = 2 only


def test_a_block_outside_ss_regime_is_not_judged():
    """The block-level criteria gate every claim (``kit.in_regime``): at smoke's block (hidden 10,
    k = 2 only) a count on networks that are not S's is not judged (Fig 2 read partly there, the
    prediction did not hold); the evidence names the unmet criteria. The fit criterion does not
    gate: it is excused, its networks left out case by case."""
    rows = [r for r in paper.PAPER_TABLE1 if r.k == 2]
    exact = [fake_result(r, r.k, r.k, r.k) for r in rows]
    smoke = s2.claims(fake_results(exact, hidden=10))
    assert [c.grade for c in smoke] == ["not judged", "not judged", "not computed", "not computed", "not judged"]
    assert ("the chapter's regime criteria are met (not met at this scale: S's network, d = 100 and two hidden "
            "layers of 30 (S App. A): d = 100, hidden 10; S's k = 2, 5, 10, 20, 50 (S Table 1): k = 2)") in smoke[0].why
    # S's network and k at the block: graded (Fig 2 held on k = 2 alone is held on part of the figure)
    assert [c.grade for c in s2.claims(fake_results(exact, ks=list(paper.KS)))][:2] == ["partly", "partly"]
    # a network short of fitting does not gate the others
    import dataclasses

    R = fake_results([dataclasses.replace(exact[0], train_accuracy=0.9), *exact[1:]], ks=list(paper.KS))
    assert not s2.criteria(R.params, R)[-1].met
    assert [c.grade for c in s2.claims(R)][:2] == ["partly", "partly"]


def test_a_network_on_its_plateau_enters_no_count():
    import dataclasses
    import math

    rows = [r for r in paper.PAPER_TABLE1 if r.k == 2]
    cases = [fake_result(r, r.k, r.k, r.k) for r in rows]
    stuck = dataclasses.replace(fake_result(rows[0], 9, 9, 9), final_loss=math.log(2), train_accuracy=0.5)
    R = fake_results([stuck, *cases[1:]], ks=list(paper.KS))
    assert [r.flag for r in trained_runs(R)] == ["plateau"] + [""] * (len(rows) - 1)
    assert list(s2.runs_table(R)["flag"])[0] == "plateau"
    assert kept(R.cases, R.params) == list(R.cases[1:])
    assert not s2.criteria(R.params, R)[-1].met
    graded = s2.claims(R)
    assert all("Excluded from every statistic: 1 run on its initial plateau: GD tanh cov 1 k=2" in c.evidence
               for c in graded)
    # its bad counts are not used; Table 1 as without it, and Fig 2 (if k = 2's Fig 2 row was the
    # one flagged) at most partly: held on the other k would be held on part of the figure
    assert graded[1].grade == grades(fake_results(cases[1:], ks=list(paper.KS)))[1] == "partly"
    fig2_rows = [r for r in paper.PAPER_TABLE1 if paper.in_fig2(r)]
    fig2_cases = [fake_result(r, r.k, r.k, r.k) for r in fig2_rows]
    stuck2 = dataclasses.replace(fake_result(fig2_rows[0], 9, 9, 9), final_loss=math.log(2), train_accuracy=0.5)
    assert grades(fake_results(fig2_cases))[0] == "held"
    fig2 = s2.claims(fake_results([stuck2, *fig2_cases[1:]]))[0]
    assert fig2.grade == "partly" and "every k of S's Fig 2 (2, 5, 10, 20, 50) counted" in fig2.why
    n = s2.numbers(R)
    assert n["cases"] == len(rows) and "1 of" in n["plateau"]
    assert n["gap-ours_exact"] == 100


def test_a_network_that_does_not_fit_its_training_set_enters_no_count():
    """S Sec. 3.1 expects k outliers at the bottom, "when all the gradients per example are zero": a
    network below the chapter's own fit criterion (99 % training accuracy) is outside S's regime and
    enters no statistic, like a flagged one; the evidence names it with its accuracy, and the other
    networks are still graded (the fit criterion is excused: it does not gate the chapter)."""
    import dataclasses

    rows = list(paper.PAPER_TABLE1)
    cases = [fake_result(r, r.k, r.k, r.k) for r in rows]
    k50 = next(i for i, r in enumerate(rows) if r.cov == 10.0 and r.k == 50)
    unfit = dataclasses.replace(fake_result(rows[k50], 9, 9, 9), train_accuracy=0.964)
    R = fake_results([*cases[:k50], unfit, *cases[k50 + 1:]])
    assert [r.flag for r in trained_runs(R)] == [""] * len(rows)  # not flagged: its loss left the plateau
    assert kept(R.cases, R.params) == cases[:k50] + cases[k50 + 1:]
    graded = s2.claims(R)
    for c in graded:
        assert ("Excluded from every statistic: 1 network not fitting its training set (training accuracy < 99%: "
                "outside S's regime") in c.why and "SGD relu cov 10 k=50 96.4 %" in c.why
    # its bad counts are not used: Table 1 is as without it (18 rows counted: not held)
    assert graded[1].grade == "partly" and "(18 of Table 1's 19 rows counted" in graded[1].ours
    assert graded[0].grade == "held"  # Fig 2's rows are all there
    fit = s2.criteria(R.params, R)[-1]
    assert not fit.met and "enter no statistic" in fit.exception
    # a Fig 2 network short of fitting leaves its k out of Fig 2
    i2 = next(i for i, r in enumerate(rows) if paper.in_fig2(r) and r.k == 20)
    short = dataclasses.replace(cases[i2], train_accuracy=0.987)
    fig2 = s2.claims(fake_results([*cases[:i2], short, *cases[i2 + 1:]]))[0]
    assert fig2.grade == "partly" and "not counted: k = 20" in fig2.ours
