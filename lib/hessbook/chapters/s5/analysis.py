"""What S5 records (the curves of both parts, the line between their end points) and what is
measured on it: the jump at the switch, the end points, the barrier, Part I's plateau."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hessbook.chapters.s5.params import METRICS, SPLITS, S5Params


@dataclass(frozen=True)
class Curves:
    """Loss and accuracy records through both parts (S Fig 8), one entry per period."""

    iterations: np.ndarray
    """Iteration count since the start of Part I at each record."""
    train_loss: np.ndarray
    train_acc: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    switch: int
    """Iteration at which Part II starts (the last record of Part I is there)."""

    def metric(self, name: str) -> np.ndarray:
        return getattr(self, name)


@dataclass(frozen=True)
class Line:
    """Loss and accuracy on the line (1 - alpha) theta_LB + alpha theta_SB (S Fig 9); what the
    store keeps."""

    alphas: np.ndarray
    train_loss: np.ndarray
    train_acc: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray
    lb_only: int = -1
    """Test images the LB end point classifies right and the SB end point wrong (-1: not counted,
    a line stored before the count)."""
    sb_only: int = -1
    """Test images the SB end point classifies right and the LB end point wrong."""
    n_test: int = 0
    """Test images the counts are over."""

    def metric(self, name: str) -> np.ndarray:
        return getattr(self, name)

    @property
    def gain_se(self) -> float:
        """Standard error of the SB - LB test-accuracy gain as a paired difference on the same
        images (McNemar's): sqrt(lb_only + sb_only) / n; NaN when not counted. Part II starts at
        Part I's end point, so the two disagree on few images and this is far below two
        independent accuracies' error."""
        if self.lb_only < 0 or self.n_test <= 0:
            return float("nan")
        return float(np.sqrt(self.lb_only + self.sb_only) / self.n_test)


def alphas(P: S5Params) -> np.ndarray:
    """The interpolation grid: ``n_alphas`` evenly spaced points plus 0 and 1, sorted."""
    grid = np.linspace(P.alpha_min, P.alpha_max, P.n_alphas)
    return np.unique(np.round(np.concatenate([grid, [0.0, 1.0]]), 12))


def curves_from_histories(history1, history2) -> Curves:
    """Join the two parts' histories on one iteration axis (Part II shifted by Part I's length)."""
    shift = history1[-1]["iteration"] if history1 else 0
    rows = [(h["iteration"], h) for h in history1] + [(shift + h["iteration"], h) for h in history2]
    values = {m: np.array([h.get(m, np.nan) for _, h in rows], dtype=float) for m in METRICS}
    return Curves(iterations=np.array([i for i, _ in rows], dtype=int), switch=int(shift), **values)


def barrier_height(alphas_: np.ndarray, losses: np.ndarray) -> float:
    """max over alpha in [0, 1] of loss(alpha) - max(loss(0), loss(1)).

    Never negative (the end points are on the segment): positive when the segment rises above
    both end points (a barrier), zero when it stays at or below the higher end point.
    """
    a, L = np.asarray(alphas_, dtype=float), np.asarray(losses, dtype=float)
    ends = [np.flatnonzero(np.isclose(a, x)) for x in (0.0, 1.0)]
    if any(len(e) == 0 for e in ends):
        raise ValueError("the interpolation grid must contain alpha = 0 and alpha = 1")
    inside = (a >= -1e-12) & (a <= 1 + 1e-12)
    return float(L[inside].max() - max(L[ends[0][0]], L[ends[1][0]]))


def outside_rise(alphas_: np.ndarray, losses: np.ndarray) -> tuple[float, float]:
    """How much the line beyond each end rises: (loss(alpha_min) - loss(0), loss(alpha_max) - loss(1)).

    NaN for a side the grid does not extend to.
    """
    a, L = np.asarray(alphas_, dtype=float), np.asarray(losses, dtype=float)
    at = {x: L[np.flatnonzero(np.isclose(a, x))[0]] for x in (0.0, 1.0)}
    left = float(L[0] - at[0.0]) if a[0] < -1e-12 else float("nan")
    right = float(L[-1] - at[1.0]) if a[-1] > 1 + 1e-12 else float("nan")
    return left, right


@dataclass(frozen=True)
class Summary:
    """The chapter's measurements: the switch, the end points, the line."""

    jump_train_loss: float
    """First Part II record minus last Part I record (NaN: no Part II record)."""
    jump_test_loss: float
    jump_train_acc: float
    jump_test_acc: float
    lb_test_acc: float
    sb_test_acc: float
    lb_train_loss: float
    sb_train_loss: float
    accuracy_gain: float
    """SB end point's test accuracy minus LB end point's."""
    barrier_train: float
    barrier_test: float
    relative_barrier_train: float
    """Barrier height over the larger end-point loss."""
    relative_barrier_test: float
    rise_left: float
    """Train loss at alpha_min minus at 0."""
    rise_right: float
    sb_fluctuation: float
    """Std of the record-to-record changes of Part II's training loss (after the jump): the
    noise a jump must stand out of (NaN: fewer than 3 Part II records)."""
    lb_late_drop: float
    """Share of Part I's whole fall in training loss (first record to last) that came in the
    second half of its records: how far Part I still was from a plateau when Part II started
    (NaN: fewer than two records, or no fall at all). Measured against the whole fall, not
    against the loss itself: on a memorized training set cross-entropy keeps shrinking by a
    constant factor toward 0 (e.g. 1e-5 to 5e-6 nats), which is no meaningful decrease (S Sec.
    3.4's words) though it halves the loss."""
    sb_test_drift: float = float("nan")
    """The largest rise of the test loss between two consecutive Part II records (after the
    switch): a test loss that climbs steadily through Part II rises at the switch too, by its drift,
    which is no jump (NaN: fewer than 3 Part II records)."""
    gain_se: float = float("nan")
    """Standard error of :attr:`accuracy_gain` as a paired difference on the same test images
    (:attr:`Line.gain_se`; NaN: not counted)."""


def second_half_share(losses: np.ndarray) -> float:
    """The share of the fall from ``losses[0]`` to ``losses[-1]`` made after the middle record
    (NaN: fewer than three records or no fall)."""
    k = len(losses) - 1
    start = int(0.5 * k)
    fall = float(losses[0] - losses[k])
    return float((losses[start] - losses[k]) / fall) if k > start and fall > 0 else float("nan")


def summarize(curves: Curves, line: Line) -> Summary:
    c, ln = curves, line
    k = int(np.flatnonzero(c.iterations == c.switch)[-1])  # last Part I record
    has_next = k + 1 < len(c.iterations)
    jump = {m: float(c.metric(m)[k + 1] - c.metric(m)[k]) if has_next else float("nan") for m in METRICS}
    ends = {m: (float(ln.metric(m)[np.isclose(ln.alphas, 0.0)][0]), float(ln.metric(m)[np.isclose(ln.alphas, 1.0)][0]))
            for m in METRICS}
    bars = {s: barrier_height(ln.alphas, ln.metric(f"{s}_loss")) for s in SPLITS}
    rise = outside_rise(ln.alphas, ln.train_loss)
    after = c.train_loss[k + 1:]
    fluct = float(np.std(np.diff(after))) if len(after) >= 3 else float("nan")
    test_after = c.test_loss[k + 1:]
    drift = float(np.max(np.diff(test_after))) if len(test_after) >= 3 else float("nan")
    late_drop = second_half_share(c.train_loss[:k + 1])
    return Summary(
        jump_train_loss=jump["train_loss"], jump_test_loss=jump["test_loss"],
        jump_train_acc=jump["train_acc"], jump_test_acc=jump["test_acc"],
        lb_test_acc=ends["test_acc"][0], sb_test_acc=ends["test_acc"][1],
        lb_train_loss=ends["train_loss"][0], sb_train_loss=ends["train_loss"][1],
        accuracy_gain=ends["test_acc"][1] - ends["test_acc"][0],
        barrier_train=bars["train"], barrier_test=bars["test"],
        relative_barrier_train=bars["train"] / max(ends["train_loss"]),
        relative_barrier_test=bars["test"] / max(ends["test_loss"]),
        rise_left=rise[0], rise_right=rise[1], lb_late_drop=late_drop, sb_fluctuation=fluct,
        sb_test_drift=drift, gain_se=ln.gain_se,
    )
