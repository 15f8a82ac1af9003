"""S1's library: rank bound, measurements, claims and explorer on a tiny network."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from hessbook.chapters import s1
from hessbook.chapters.s1.claims import decomposition_rule, decomposition_values, fig1_rule, graded_claims, trained_runs
from hessbook.chapters.s1.compute import decomposition, train_config
from hessbook.chapters.s1.params import MATRICES, POINTS, S1Params
from hessbook.models import build_model, num_parameters
from hessbook.params import ParameterError, validate
from hessbook.store import ResultStore


def params(**kw):
    base = dict(scale="smoke", seed=0, k=4, n_samples=12, dimension=8, hidden=6, activation="relu", lr=0.2,
                gd_iterations=150, rank_tolerance=1e-10, bulk_tolerance=1e-2, n_seeds=1, device="cpu")
    return validate(S1Params, {**base, **kw})


def test_parameter_count_and_bound():
    P = params(k=50, n_samples=100, dimension=100, hidden=30)
    assert P.parameters == 5510 == num_parameters(build_model("s_mlp", d=100, k=50, hidden=[30, 30]))
    assert P.rank_bound == 4900
    with pytest.raises(ParameterError, match="n_samples = 3"):
        params(n_samples=3)


@pytest.fixture(scope="module")
def R(tmp_path_factory):
    return s1.run(params(), ResultStore(tmp_path_factory.mktemp("store")))


def test_decomposition_on_a_tiny_network(R):
    P, sp = R.params, R.spectra
    for point in POINTS:
        s = sp[point]
        np.testing.assert_allclose(np.sort(s.hessian).sum(), np.sort(s.gauss_newton).sum() + s.residual.sum(),
                                   atol=1e-10)  # traces add up: tr H = tr G + tr(H - G)
        d = decomposition(s, P)
        assert d == R.decompositions[point]
        assert d.g_min_relative > -1e-12  # G PSD
        assert d.rank <= P.rank_bound == 12 * 3 < P.parameters
        assert d.weyl_holds
        assert d.zeros >= P.parameters - P.rank_bound
    assert sp["trained"].loss < sp["init"].loss
    table = s1.decomposition_table(R)
    assert set(table.columns) == {"quantity", *POINTS}  # the quantities named in a column the page shows
    assert any(q.startswith("rank G @") for q in table["quantity"]) and "λmin(G)/λmax(G)" in set(table["quantity"])


def test_rerun_loads_the_stored_spectra(R, tmp_path_factory):
    assert [(j.point, j.INLINE, j.train) for j in s1.jobs(R.params)] == [
        (p, True, train_config(R.params)) for p in POINTS]
    assert train_config(R.params, R.params.seed) == train_config(R.params)
    store = ResultStore(tmp_path_factory.mktemp("store2"))
    first = s1.run(R.params, store)
    again = s1.run(R.params, store)
    for point in POINTS:
        for m in MATRICES:
            np.testing.assert_array_equal(first.spectra[point].eigenvalues(m), again.spectra[point].eigenvalues(m))
            np.testing.assert_array_equal(first.spectra[point].eigenvalues(m), R.spectra[point].eigenvalues(m))
        assert first.spectra[point].loss == again.spectra[point].loss


def test_claims_numbers_and_explorer(R):
    cs = graded_claims(R)
    assert [c.item for c in cs] == ["S-Fig1", "S-Eq2-5"]
    assert cs[1].grade in ("held", "partly")
    # audit finding 14, review of 2026-12-07: S Fig 1 has two panels, and both are its expected cases; the
    # initial point's is computed and drawn, not graded, so it is not judged (coverage 1 of 2, not 1 of 1)
    assert cs[0].coverage == (1, 2) and "one of S Fig 1's two panels, the one after GD" in cs[0].why
    assert "\"at a random initial point\" is drawn" in cs[0].why and "not graded" in cs[0].why
    assert cs[0].grades["S-MLP at the random initial point"] == "not judged"
    assert "not judged: S-MLP at the random initial point" in cs[0].why
    # the "few outliers" half of the rule can hardly fail, and the evidence says so beside the verdict
    from hessbook.chapters.s1.claims import outlier_bound

    bound = outlier_bound(R.params, len(R.trained.hessian))
    assert f"\"few outliers\" half (at most {bound:.4g} eigenvalues above the largest gap) can hardly fail" in cs[0].why
    assert "the verdict rests on the bulk share" in cs[0].why
    # the bulk share at a tenth of the tolerance beside the graded one (review of 2026-12-06), never above it
    from hessbook.curvature.outliers import bulk_fraction

    tol = R.params.bulk_tolerance
    tenth = bulk_fraction(R.trained.hessian, tol / 10)
    assert f"at a tenth of that tolerance, not graded: {tenth:.1%}" in cs[0].ours
    assert tenth <= bulk_fraction(R.trained.hessian, tol)
    n = s1.numbers(R)
    assert n["M"] == R.params.parameters and n["rank"] == R.decompositions["trained"].rank
    assert n["loss"] < n["loss0"]
    ex = s1.explorer(R)
    fig = ex.update(point="trained", matrix="G", view="|λ| log scale")
    assert "Gauss-Newton" in fig.axes[0].get_title()
    fig = ex.update(point="init", matrix="H-G", view="ordered (all)")
    assert "residual" in fig.axes[0].get_title()


def test_prose_readings_follow_the_values(R):
    """The prose's conclusions (H − G small, H's negatives stay, G's rank steady or drifting, below the
    bound) are glued sentences computed from the values, not fixed text (audit finding 13)."""
    import dataclasses

    from hessbook.chapters.s1.claims import bound_text, negatives_text, ranks_text, residual_text

    d = R.decompositions["trained"]
    assert residual_text(0.05).startswith("below the 0.1 the verdict uses: the outliers of H are G's")
    assert residual_text(0.3).startswith("not below the 0.1 the verdict uses")
    some = dataclasses.replace(d, negative_h=3, negative_r=5, negative_mass_ratio=0.4)
    assert negatives_text(some) == ("The negative eigenvalues do not go away: H still has 3 of them after GD. Since "
                                    "G ⪰ 0 implies λ_i(H) ≥ λ_i(H − G) for every i, each of them is accounted for by "
                                    "H − G (which has 5); the negative mass of H is 0.40 of that of H − G")
    # none: the sentence does not account for negatives that are not there (the prose did, after it)
    none = dataclasses.replace(d, negative_h=0, negative_r=2, negative_mass_ratio=0.0)
    assert negatives_text(none) == ("H has no negative eigenvalue after GD (H − G has 2; since G ⪰ 0, H has at most "
                                    "as many as H − G)")
    assert "accounted for" not in negatives_text(none)
    from pathlib import Path

    prose = Path(__file__).parents[1].joinpath("book/sagun/s1_spectrum.md").read_text()
    assert "accounted" not in prose and "{glue:text}`s1-negatives-reading`." in prose  # the glued sentence says it
    steady = dataclasses.replace(d, ranks={1e-8: 30, 1e-10: 30, 1e-12: 30})
    drifting = dataclasses.replace(d, ranks={1e-8: 20, 1e-10: 25, 1e-12: 37})
    assert ranks_text(steady) == "does not move between the tolerances (30 at each of 1e-12, 1e-10, 1e-08)"
    assert ranks_text(drifting) == "moves with the tolerance, from 37 at 1e-12 to 20 at 1e-08"
    assert bound_text([steady]) == f"at or below the bound {d.bound} at every tolerance"
    assert bound_text([drifting]).startswith(f"above the bound {d.bound} at tolerance 1e-12 (37)")  # bound 36


def fig1_grade(P, bulk, outliers):
    return fig1_rule(P, 1000).grade({"bulk": bulk, "outliers": outliers, "after_gd": True})


def test_fig1_grading():
    P = params(k=10)  # few outliers: at most max(2k, 2% of M) = max(20, 20) for M = 1000
    assert fig1_grade(P, 0.95, 20) == "held"
    assert fig1_grade(P, 0.95, 21) == "partly"
    assert fig1_grade(P, 0.6, 5) == "partly"
    assert fig1_grade(P, 0.6, 21) == "did not hold"  # half a bulk with many outliers
    # few outliers alone (the largest gap among the top eigenvalues) is no bulk near zero
    assert fig1_grade(P, 0.3, 5) == "did not hold"
    assert fig1_grade(P, 0.3, 21) == "did not hold"
    assert fig1_grade(params(k=4), 0.95, 20) == "held"  # 2% of M dominates 2k
    assert "90%" in fig1_rule(P, 1000).text() and "≤ 20" in fig1_rule(P, 1000).text()


def test_decomposition_grading():
    """Graded on what can fail (H − G small after GD, and smaller than at init); G's PSD and rank
    bound, identities of JᵀSJ, are the precondition (a broken assembly: not judged)."""
    rule = decomposition_rule(params())
    ok = {"g_min_relative": -1e-13, "rank_excess": -5, "residual_ratio": 0.05, "residual_change": 0.2}
    assert rule.grade(ok) == "held"
    assert rule.grade({**ok, "residual_ratio": 0.1}) == "partly"  # H - G not small, but it fell
    assert rule.grade({**ok, "residual_change": 1.2}) == "partly"  # small, but larger than at init
    assert rule.grade({**ok, "residual_ratio": 0.5, "residual_change": 1.2}) == "did not hold"
    assert rule.grade({**ok, "g_min_relative": -1e-9}) == "not judged"  # G not PSD: the assembly is broken
    assert rule.grade({**ok, "rank_excess": 1}) == "not judged"  # rank above the bound
    assert rule.grade({**ok, "rank_excess": 0}) == "held"
    assert decomposition_values(-1e-13, 0, 0.5, 0.05)["residual_change"] == pytest.approx(0.1)


def test_regime_criteria_hold_at_cpu_and_smoke_misses_the_network_size():
    from pathlib import Path

    from hessbook import regime
    from hessbook.registry import chapter_params

    root = Path(__file__).resolve().parents[1]
    assert regime.unmet(s1.criteria(chapter_params("s1", "cpu", root))) == []
    smoke = s1.criteria(chapter_params("s1", "smoke", root))
    assert [c.name for c in regime.unmet(smoke)] == [smoke[0].name]  # 375 parameters, not S's 5K
    assert "NOT met (M = 375)" in regime.criteria_text(smoke)


def test_run_table_flags_a_network_left_on_its_plateau(R):
    import dataclasses
    import math

    from hessbook import regime

    assert [r.flag for r in trained_runs(R)] == [""]
    stuck = dataclasses.replace(R.trained, loss=0.95 * math.log(R.params.k), accuracy=0.4)
    S = dataclasses.replace(R, spectra={**R.spectra, "trained": stuck})
    assert [r.flag for r in trained_runs(S)] == ["plateau"]
    assert list(s1.runs_table(S)["flag"]) == ["plateau"]
    fit = s1.criteria(S.params, S)[-1]
    assert not fit.met and "40.0 %" in fit.found
    assert "1 of 1 trained networks flagged" in s1.numbers(S)["plateau"]
    assert regime.unmet(s1.criteria(R.params, R)) == [c for c in regime.unmet(s1.criteria(R.params))]


def test_every_seed_is_graded_and_drawn(R, tmp_path_factory):
    """Two network seeds (the same clusters, another initialization): the first seed's results equal
    the one-seed run's (its jobs' keys are the one-seed run's: ``test_rerun_loads_the_stored_spectra``),
    each claim has a case per seed, and the run table, the fit criterion, the numbers and Fig 1 cover
    every seed; a seed whose network stays on its plateau leaves the claims not judged."""
    import dataclasses
    import math

    from hessbook import regime

    P2 = dataclasses.replace(R.params, n_seeds=2)
    assert [(j.train.seed, j.point) for j in s1.jobs(P2)] == [(0, "init"), (0, "trained"), (1, "init"), (1, "trained")]
    assert all(j.train.data == s1.jobs(P2)[0].train.data for j in s1.jobs(P2))  # the same clusters in every seed
    R2 = s1.run(P2, ResultStore(tmp_path_factory.mktemp("store-seeds")))
    assert [r.seed for r in R2.by_seed] == [0, 1]
    for m in MATRICES:
        np.testing.assert_array_equal(R2.trained.eigenvalues(m), R.trained.eigenvalues(m))
    assert not np.array_equal(R2.others[0].init.hessian, R2.init.hessian)  # another initialization
    from hessbook.chapters.s1.claims import seeded_claims

    claims = seeded_claims(R2)
    assert [sorted(c.cases) for c in claims] == [["S-MLP after GD · seed 0", "S-MLP after GD · seed 1",
                                                  "S-MLP at the random initial point · seed 0",
                                                  "S-MLP at the random initial point · seed 1"],
                                                 ["S-MLP · seed 0", "S-MLP · seed 1"]]
    # S-Fig1 expects both panels in every seed: the initial point's, drawn not graded, are not judged
    assert [c.coverage for c in claims] == [(2, 4), (2, 2)]
    assert "S-MLP at the random initial point not judged in any seed" in claims[0].why
    assert [c.item for c in s1.claims(R2)] == ["S-Fig1", "S-Eq2-5"]  # judged under the criteria (not met here)
    assert [r.label for r in trained_runs(R2)] == ["S-MLP k = 4, GD · seed 0", "S-MLP k = 4, GD · seed 1"]
    assert len(s1.runs_table(R2)) == 2
    n = s1.numbers(R2)
    assert n["n_seeds"] == 2 and len(n["bulk_seeds"].split(", ")) == 2 and len(n["ratio_seeds"].split(", ")) == 2
    from hessbook.curvature.outliers import gap_outliers

    assert n["outliers_seeds"] == ", ".join(str(gap_outliers(r.trained.hessian)) for r in R2.by_seed)
    fig = s1.figure_1(R2)
    assert len(fig.axes[1].lines) == len(s1.figure_1(R).axes[1].lines) + 1  # the other seed's spectrum behind
    # seed 1's network left on its plateau: flagged, the fit criterion names it, the claims are not judged
    stuck = dataclasses.replace(R2.others[0].trained, loss=0.95 * math.log(P2.k), accuracy=0.4)
    other = dataclasses.replace(R2.others[0], spectra={**R2.others[0].spectra, "trained": stuck})
    S = dataclasses.replace(R2, others=(other,))
    assert [r.flag for r in trained_runs(S)] == ["", "plateau"]
    fit = s1.criteria(P2, S)[-1]
    assert not fit.met and "seed 1 40.0 %" in fit.found
    assert all(c.grade == "not judged" for c in s1.claims(S))
    assert regime.unmet(s1.criteria(P2, R2)) == regime.unmet(s1.criteria(P2))


def test_seeds_that_disagree_read_partly(R):
    """A second seed whose spectrum has no bulk (its Fig 1 case does not hold) while the first seed's
    holds: the claim reads partly, and its evidence says in how many seeds it held."""
    import dataclasses

    from hessbook.chapters.s1.claims import seeded_claims

    P2 = dataclasses.replace(R.params, n_seeds=2)
    n = len(R.trained.hessian)

    def with_trained_spectrum(seed: int, hessian: np.ndarray):
        return dataclasses.replace(R, params=P2, seed=seed, spectra={
            **R.spectra, "trained": dataclasses.replace(R.trained, hessian=hessian)})

    first = with_trained_spectrum(0, np.r_[np.zeros(n - 3), [1.0, 2.0, 3.0]])  # a bulk at zero, 3 outliers
    other = with_trained_spectrum(1, np.linspace(1.0, 2.0, n))  # every eigenvalue within 2x of λmax: no bulk
    fig1 = seeded_claims(dataclasses.replace(first, others=(other,)))[0]
    assert fig1.item == "S-Fig1"
    assert [fig1_rule(P2, n).grade(fig1.cases[f"S-MLP after GD · seed {s}"]) for s in (0, 1)] == ["held",
                                                                                                  "did not hold"]
    assert fig1.grade == "partly"
    assert "held in 1 of 2" in fig1.why


def test_fig1_covers_both_panels_and_held_reads_partly(R):
    """Review of 2026-12-07: S-Fig1 counted as fully covered (1 of 1, 3 of 3 in three seeds) though
    Fig 1's initial-point panel is drawn, not graded. Both panels are its expected cases now: the
    after-GD panel held in every case reads partly beside the not-judged initial point (the kit's
    rule for a claim not fully covered), and a failing after-GD panel still reads did not hold."""
    import dataclasses

    from hessbook.chapters.s1.claims import FIG1_PANELS

    n = len(R.trained.hessian)
    bulk = dataclasses.replace(R, spectra={**R.spectra, "trained": dataclasses.replace(
        R.trained, hessian=np.r_[np.zeros(n - 3), [1.0, 2.0, 3.0]])})
    fig1 = graded_claims(bulk)[0]
    assert fig1.expected == FIG1_PANELS and fig1.grades == {FIG1_PANELS[0]: "not judged", FIG1_PANELS[1]: "held"}
    assert fig1.grade == "partly" and fig1.coverage == (1, 2)
    flat = dataclasses.replace(R, spectra={**R.spectra, "trained": dataclasses.replace(
        R.trained, hessian=np.linspace(1.0, 2.0, n))})
    assert graded_claims(flat)[0].grade == "did not hold"


def test_spectrum_summary_counts_after_gd_only_as_integers(R):
    """Review of 2026-12-07: the summary showed NaN for H − G, an unexplained count for H at the
    initial point (its largest gap among the negative eigenvalues) and counts as floats. Now:
    integers after GD for H and G, missing elsewhere ("–" on the page), and the prose says where the
    initial point's largest gap lies."""
    import pandas as pd

    from hessbook.chapters.s1.claims import init_gap_text
    from hessbook.curvature.outliers import gap_outliers
    from hessbook.kit import style

    table = s1.spectrum_summary(R)
    counts = dict(zip(zip(table["point"], table["matrix"]), table["outliers (gap)"]))
    assert str(table["outliers (gap)"].dtype) == "Int64"
    assert counts[("trained", "H")] == gap_outliers(R.trained.hessian)
    assert counts[("trained", "G")] == gap_outliers(R.trained.gauss_newton)
    assert all(pd.isna(c) for (p, m), c in counts.items() if (p, m) not in {("trained", "H"), ("trained", "G")})
    html = style.table(table).to_html()
    assert "nan" not in html.lower() and "–" in html
    # the initial point's largest gap in words, from the values
    assert init_gap_text(np.array([-0.1, -0.2, -0.9, 0.05, 0.04])) == (
        "among its negative eigenvalues (between -0.2 and -0.9; 4 of its 5 eigenvalues above it)")
    assert init_gap_text(np.array([0.0, 0.01, 0.02, 3.0])).startswith("among its positive eigenvalues (between 3 and")
    assert s1.numbers(R)["gap_init"] == init_gap_text(R.init.hessian)


def test_prose_gives_every_seeds_count_above_the_gap():
    """Review of 2026-12-07: the prose quoted the first seed's count above the largest gap (49) as if it
    were the chapter's, while the other seeds found 2; it glues every seed's."""
    from pathlib import Path

    prose = Path(__file__).parents[1].joinpath("book/sagun/s1_spectrum.md").read_text()
    assert "{glue:text}`s1-outliers-seeds`" in prose and "{glue:text}`s1-outliers`" not in prose
    assert "{glue:text}`s1-gap-init`" in prose and "kit.style.table(s1.spectrum_summary(R))" in prose
