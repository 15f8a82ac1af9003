"""Y2's rules from the Yao audit: Figs 3/13/14 graded against λ1θ, as Y words the claim (finding 7),
and a network the epoch cap stopped above Y's training loss left out of every statistic (Y §2)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hessbook.chapters import y2
from hessbook.chapters.y2.claims import graded_claims
from hessbook.chapters.y2.compute import Trained, landscape_job, trained_of
from hessbook.kit.jobs import OK, Row, Table

from test_chapter_y2 import landscape, results


def _with_lambda(r, lam: float):
    """``r`` with its λ1θ (v1's eigenvalue) set to ``lam``, its landscape unchanged."""
    return dataclasses.replace(r, eigenvalues=np.array([lam, lam / 2]))


def test_surfaces_are_graded_against_lambda1_not_against_the_batch_size():
    """Y §2: the surfaces are 'in line with the numbers shown for the Hessian spectrum (see λ1θ)'.
    Surfaces steepening with B while λ1θ falls with B are not in line with λ1θ: did not hold (the
    old rule, ρ(B, surface rise), read held); ρ(B, ·) is shown beside it, not graded."""
    steepening = [(32, 1.0), (128, 2.0), (256, 4.0)]
    against = results(*(_with_lambda(landscape(b, s), lam) for (b, s), lam in zip(steepening, (9.0, 5.0, 1.0))))
    surface = graded_claims(against)[3]
    assert surface.grades["M1"] == "did not hold" and surface.cases["M1"]["rho_train"] == pytest.approx(-1.0)
    assert "ρ(λ1θ, surface rise) = -1.00 train" in surface.ours and "ρ(B, surface rise) = +1.00 train" in surface.ours
    assert "in line with λ1θ" in surface.statement and "ρ(λ1θ, mean loss rise over the (v1, v2) plane" in surface.why
    # λ1θ not following B, the surfaces following λ1θ: held, although ρ(B, surface) is not +1
    shuffled = [(32, 2.0, 4.0), (128, 1.0, 2.0), (256, 4.0, 8.0)]
    inline = results(*(_with_lambda(landscape(b, s), lam) for b, s, lam in shuffled))
    assert graded_claims(inline)[3].grades["M1"] == "held"
    n = y2.numbers(against)
    assert n["m1_rho_surface_lambda_train"] == "-1.00" and n["m1_rho_surface_train"] == "+1.00"


def _trained(R: y2.Results, capped: dict[int, float]) -> y2.Results:
    """``R`` with a training record per network: those of ``capped`` (batch -> final loss) stopped by
    the epoch cap, the others at the loss target."""
    runs = {(r.model, r.batch, r.seed): Trained("max_epochs", capped[r.batch]) if r.batch in capped
            else Trained("loss_target", 9e-4) for r in R.networks}
    return dataclasses.replace(R, trained=runs)


def test_a_network_the_epoch_cap_stopped_above_the_loss_target_enters_no_statistic():
    """Y §2 trains every batch size 'until a training loss of 0.001 or better is achieved': a network
    the epoch cap stopped above it (training loss 0.01 here) is not in Y's regime. Like a plateau run
    it enters no statistic and the trends read the rest of the row: partly (before: held, on all
    four). The evidence counts the capped networks, also when there are none."""
    row = [16, 32, 128, 256]
    nets = [landscape(b, s) for b, s in ((16, 0.5), (32, 1.0), (128, 2.0), (256, 4.0))]
    base = results(*nets, m1_sizes=row)
    clean = _trained(base, {})
    assert [c.grade for c in graded_claims(clean)][1] == "held"
    assert "0 of 4 networks stopped by the epoch cap above Y's training loss 0.001" in graded_claims(clean)[1].why
    # stopped by the cap at the target itself: in the regime
    assert graded_claims(_trained(base, {256: 1e-3}))[1].grade == "held"
    R = _trained(base, {256: 0.01})
    assert [r.batch for r in R.usable("m1")] == [16, 32, 128]
    line, ratio, surface = graded_claims(R)[1:]
    assert line.grade == "partly" and line.cases["M1"]["every_batch"] is False
    assert ("1 of 4 networks stopped by the epoch cap above Y's training loss 0.001 (Y §2: 'each of the batch sizes "
            "are trained until a training loss of 0.001 or better is achieved. Different batches are trained under "
            "the same conditions'): excluded from every statistic: M1 B=256 (loss 1.0e-02).") in line.why
    assert "M1 B=256" not in ratio.cases and surface.grades["M1"] == "partly"
    # no training record (constructed results): read as in the regime, and said so
    assert "Training record not found, read as in the regime: M1 B=16; M1 B=32" in graded_claims(base)[1].why


def test_the_training_record_is_read_from_the_store_never_trained(tmp_path):
    """:func:`trained_of` reads how each examined network's training ended from its training run's
    store entry (Y1's), and leaves out a network without one."""
    from hessbook.store import Record, ResultStore
    from hessbook.train import STORE_KIND

    R = results(landscape(32, 1.0), landscape(128, 2.0))
    store = ResultStore(tmp_path)
    job = landscape_job("m1", 32, R.params, 0)
    store.save(STORE_KIND, job.train, Record(metrics={"stop_reason": "max_epochs",
                                                      "history": [{"train_loss": 0.3}, {"train_loss": 0.02}]}))
    table = Table(tuple(Row(landscape_job(r.model, r.batch, R.params, r.seed), OK, r) for r in R.networks))
    assert trained_of(table, store) == {("m1", 32, 0): Trained("max_epochs", 0.02)}
