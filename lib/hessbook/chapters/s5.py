"""S5 -- From large to small batch without a barrier (S Sec. 4.1, Figs 8 and 9).

Setup (S Sec. 4.1): a bare AlexNet (no momentum, dropout or batch normalization) on CIFAR-10.
Part I trains with batch 1000 for 250 periods of 100 steps, recording losses and accuracies
every period; Part II continues from Part I's end point with batch 32, the same constant
learning rate, for another 250 x 100 steps. Claims: the losses jump (accuracies drop) at the
switch; Part II ends about 1% more accurate; the straight line between the two end points
has no barrier, while the line extended beyond either end rises.

What S does not give, and we chose (stated in the chapter): the learning rate; the AlexNet
adaptation (:func:`hessbook.models.alexnet_bare`); the interpolation range; the barrier
definition (:func:`barrier_height`). At cpu scale: a narrower network (``width``), a
CIFAR-10 subset and fewer, shorter periods.

Recording: the engine records the history every ``record_every`` iterations
(``TrainConfig.record_every``), across epoch boundaries, as S does ("every 100 steps").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hessbook.params import ChapterParams, ParameterError, device_spec, spec

METRICS = ("train_loss", "train_acc", "test_loss", "test_acc")
SPLITS = ("train", "test")
PAPER_ACCURACY_GAIN = 0.01
"""S: "Toward the end of Part II the small batch reaches to a slightly better accuracy (about ~1%)"."""
CHANCE_LOSS = float(np.log(10))
"""Cross-entropy of a uniform guess over CIFAR-10's 10 classes."""
LEARNED_FRACTION = 0.9
"""Part I has learned something when its end-point training loss is below 90% of chance."""
PLATEAU_DROP = 0.05
"""Part I has plateaued when its training loss fell by less than 5% over the second half of its records."""
BARRIER_TOLERANCE = 0.01
"""A barrier counts when it is above 1% of the larger end-point loss (numerical slack)."""


@dataclass(frozen=True)
class S5Params(ChapterParams):
    width: float = field(metadata=spec(gt=0.0, doc="channel multiplier of alexnet_bare (S: 1, 2.47M parameters)"))
    n_train: int | None = field(metadata=spec(gt=0, doc="CIFAR-10 training examples (None: all 50,000)"))
    n_test: int | None = field(metadata=spec(gt=0, doc="CIFAR-10 test examples (None: all 10,000)"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant learning rate of both parts (S does not give it)"))
    large_batch: int = field(metadata=spec(gt=0, doc="Part I batch size (S: 1000)"))
    small_batch: int = field(metadata=spec(gt=0, doc="Part II batch size (S: 32)"))
    record_every: int = field(metadata=spec(gt=0, doc="steps per recording period (S: 100)"))
    periods_large: int = field(metadata=spec(gt=0, doc="Part I periods (S: 250)"))
    periods_small: int = field(metadata=spec(gt=0, doc="Part II periods (S: 250)"))
    alpha_min: float = field(metadata=spec(le=0.0, doc="left end of the interpolation line (0 = Part I end)"))
    alpha_max: float = field(metadata=spec(ge=1.0, doc="right end of the interpolation line (1 = Part II end)"))
    n_alphas: int = field(metadata=spec(ge=3, doc="evenly spaced interpolation points (0 and 1 always added)"))
    device: str = field(metadata=device_spec("where to train"))

    def check(self) -> None:
        if self.n_train is not None and self.large_batch > self.n_train:
            raise ParameterError(
                f"large_batch = {self.large_batch}: larger than n_train = {self.n_train}; "
                f"accepted: 1..{self.n_train}"
            )
        if self.small_batch >= self.large_batch:
            raise ParameterError(
                f"small_batch = {self.small_batch}: must be smaller than large_batch = {self.large_batch} "
                "(Part II switches to a smaller batch)"
            )
        if self.n_train is not None and self.n_train > 50000:
            raise ParameterError(f"n_train = {self.n_train}: CIFAR-10 has 50000 training images; accepted 1..50000")
        if self.n_test is not None and self.n_test > 10000:
            raise ParameterError(f"n_test = {self.n_test}: CIFAR-10 has 10000 test images; accepted 1..10000")


# ----------------------------------------------------------------------------- results


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
    """Loss and accuracy on the line (1 - alpha) theta_LB + alpha theta_SB (S Fig 9)."""

    alphas: np.ndarray
    train_loss: np.ndarray
    train_acc: np.ndarray
    test_loss: np.ndarray
    test_acc: np.ndarray

    def metric(self, name: str) -> np.ndarray:
        return getattr(self, name)


@dataclass(frozen=True)
class S5Result:
    curves: Curves
    line: Line
    num_parameters: int
    seconds_part1: float
    seconds_part2: float


def alphas(P: S5Params) -> np.ndarray:
    """The interpolation grid: ``n_alphas`` evenly spaced points plus 0 and 1, sorted."""
    grid = np.linspace(P.alpha_min, P.alpha_max, P.n_alphas)
    return np.unique(np.round(np.concatenate([grid, [0.0, 1.0]]), 12))


def part_configs(P: S5Params):
    """Part I (large batch) and Part II (small batch, from Part I's end point) as TrainConfigs."""
    import dataclasses

    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    part1 = TrainConfig(
        model="alexnet_bare",
        model_kwargs={"width": P.width},
        data=DataSpec("cifar10", "train", n=P.n_train, subset_seed=P.seed),
        eval_data=DataSpec("cifar10", "test", n=P.n_test, subset_seed=P.seed),
        batch_size=P.large_batch,
        lr=P.lr,
        max_iterations=P.periods_large * P.record_every,
        record_every=P.record_every,
        epoch_metrics=METRICS,
        seed=P.seed,
    )
    part2 = dataclasses.replace(part1, batch_size=P.small_batch,
                                max_iterations=P.periods_small * P.record_every, init_from=part1)
    return part1, part2


def curves_from_histories(history1, history2) -> Curves:
    """Join the two parts' histories on one iteration axis (Part II shifted by Part I's length)."""
    shift = history1[-1]["iteration"] if history1 else 0
    rows = [(h["iteration"], h) for h in history1] + [(shift + h["iteration"], h) for h in history2]
    values = {m: np.array([h.get(m, np.nan) for _, h in rows], dtype=float) for m in METRICS}
    return Curves(iterations=np.array([i for i, _ in rows], dtype=int), switch=int(shift), **values)


def run(P: S5Params, store=None) -> S5Result:
    """Train both parts (through the store) and evaluate the line between their end points (stored)."""
    import torch

    from hessbook.curvature import loss_interpolation, parameters_vector
    from hessbook.device import pick_device
    from hessbook.models import num_parameters
    from hessbook.store import default_store
    from hessbook.data import load_data
    from hessbook.train import train

    store = store or default_store()
    device = pick_device(P.device)
    part1, part2 = part_configs(P)
    r1 = train(part1, store, device=device)
    r2 = train(part2, store, device=device)
    grid = alphas(P)

    def compute() -> dict:
        model = r1.model(device)
        theta_a = parameters_vector(model)
        theta_b = parameters_vector(r2.model(device))
        out: dict[str, np.ndarray] = {}
        for split, spec_ in (("train", part1.data), ("test", part1.eval_data)):
            data = load_data(spec_, device)
            line = loss_interpolation(model, (data.inputs(), data.targets()), theta_a, theta_b,
                                      torch.as_tensor(grid), batch_size=1024)
            out[f"{split}_loss"] = line.losses.numpy()
            out[f"{split}_acc"] = line.accuracies.numpy()
        return out

    record = store.get_or_compute("s5-interpolation", {"part1": part1, "part2": part2, "alphas": grid.tolist()},
                                  compute)
    line = Line(alphas=grid, **{k: np.asarray(record.arrays[k]) for k in METRICS})
    return S5Result(curves=curves_from_histories(r1.history, r2.history), line=line,
                    num_parameters=num_parameters(r1.model()),
                    seconds_part1=r1.seconds, seconds_part2=r2.seconds)


# ----------------------------------------------------------------------------- summaries


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
    """The chapter's numbers: the switch, the end points, the line."""

    jump_train_loss: float
    """First Part II record minus last Part I record."""
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
    noise a jump must stand out of."""
    lb_late_drop: float
    """Relative drop of Part I's training loss over the second half of its records: how far
    Part I still was from a plateau when Part II started."""


def summarize(result: S5Result) -> Summary:
    c, ln = result.curves, result.line
    k = int(np.flatnonzero(c.iterations == c.switch)[-1])  # last Part I record
    has_next = k + 1 < len(c.iterations)
    jump = {m: float(c.metric(m)[k + 1] - c.metric(m)[k]) if has_next else float("nan") for m in METRICS}
    ends = {m: (float(ln.metric(m)[np.isclose(ln.alphas, 0.0)][0]), float(ln.metric(m)[np.isclose(ln.alphas, 1.0)][0]))
            for m in METRICS}
    bars = {s: barrier_height(ln.alphas, ln.metric(f"{s}_loss")) for s in SPLITS}
    rise = outside_rise(ln.alphas, ln.train_loss)
    after = c.train_loss[k + 1:]
    fluct = float(np.std(np.diff(after))) if len(after) >= 3 else float("nan")
    start = int(0.5 * k)
    late = c.train_loss[start]
    late_drop = float((late - c.train_loss[k]) / late) if k > start else float("nan")
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
    )


# ----------------------------------------------------------------------------- plots


def plot_fig8(result: S5Result):
    """S Fig 8: losses (left) and accuracies (right) against iterations, the switch marked."""
    import matplotlib.pyplot as plt

    c = result.curves
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, kind in zip(axes, ("loss", "acc")):
        for split, color in (("train", "C0"), ("test", "C1")):
            ax.plot(c.iterations, c.metric(f"{split}_{kind}"), color=color, marker=".", ms=3, label=split)
        ax.axvline(c.switch, color="k", ls=":", lw=1)
        ax.set_xlabel("iterations")
        ax.set_ylabel("loss" if kind == "loss" else "accuracy")
        ax.legend(fontsize=8)
    axes[0].set_title("Part I: large batch | Part II: small batch", fontsize=9)
    fig.tight_layout()
    return fig


def draw_line(ax_loss, ax_acc, line: Line, split: str | None = None, alpha: float | None = None) -> None:
    """S Fig 9 on two axes: loss and accuracy against the interpolation coefficient."""
    for s, color in (("train", "C0"), ("test", "C1")):
        if split is not None and s != split:
            continue
        ax_loss.plot(line.alphas, line.metric(f"{s}_loss"), color=color, marker=".", label=s)
        ax_acc.plot(line.alphas, line.metric(f"{s}_acc"), color=color, marker=".", label=s)
    for ax in (ax_loss, ax_acc):
        for x, name in ((0.0, "LB"), (1.0, "SB")):
            ax.axvline(x, color="gray", ls=":", lw=1)
            ax.annotate(name, (x, 1.0), xycoords=("data", "axes fraction"), ha="center", va="bottom", fontsize=8)
        if alpha is not None:
            ax.axvline(alpha, color="C3", lw=1.5)
        ax.set_xlabel("interpolation coefficient")
        ax.legend(fontsize=8)
    ax_loss.set_ylabel("loss")
    ax_acc.set_ylabel("accuracy")


def plot_fig9(result: S5Result):
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    draw_line(a, b, result.line)
    fig.tight_layout()
    return fig


def explorer(result: S5Result):
    """Widget: slide along the line (alpha) and pick the split; shows loss/accuracy there."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    line = result.line

    def draw(alpha, split):
        fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
        draw_line(a, b, line, None if split == "both" else split, alpha)
        i = int(np.flatnonzero(np.isclose(line.alphas, alpha))[0])
        parts = [f"{s}: loss {line.metric(f'{s}_loss')[i]:.4f}, acc {line.metric(f'{s}_acc')[i]:.2%}"
                 for s in SPLITS if split in ("both", s)]
        fig.suptitle(f"alpha = {alpha:g}   " + "; ".join(parts), fontsize=9)
        fig.tight_layout()
        return fig

    options = {"alpha": [float(a) for a in line.alphas], "split": ["both", "train", "test"]}
    return Explorer(options, draw, title="S5: along the line from the LB end point (0) to the SB end point (1)")


# ----------------------------------------------------------------------------- verdicts


def verdicts(summary: Summary, scale: str):
    """Three verdicts on S-Fig8-9: the jump at the switch, SB's accuracy gain, no barrier.

    Grading rules (stated in the chapter):
    - jump: held when both losses rise at the switch, the training loss by more than the std of
      Part II's record-to-record changes; partly when one rises or the rise is within that
      noise; else did not hold.
    - gain: held when SB's test accuracy is at least 0.5 points above LB's (paper: ~1 point)
      and Part I had plateaued (training loss fell < 5% over the second half of its records);
      partly when it is above LB's but by less, or Part I was still improving; did not hold
      otherwise.
    - no barrier: held when the barrier height is within 1% of the larger end-point loss on
      both train and test; partly when on one; did not hold otherwise; not computed when Part
      I's end point is still at chance (training loss above 90% of ln 10). The rise of the
      line beyond each end is reported as evidence.
    """
    from hessbook.report import Verdict

    s = summary
    learned = s.lb_train_loss < LEARNED_FRACTION * CHANCE_LOSS
    untrained = ("" if learned else
                 f"Part I's end point is still at chance (train loss {s.lb_train_loss:.3f}, ln 10 = "
                 f"{CHANCE_LOSS:.3f}): the run is too short to test the claim. ")
    rises = [x > 0 for x in (s.jump_train_loss, s.jump_test_loss) if np.isfinite(x)]
    if not rises:
        jump_grade = "not computed"
    else:
        jump_grade = "held" if all(rises) and len(rises) == 2 else ("partly" if any(rises) else "did not hold")
        if jump_grade == "held" and np.isfinite(s.sb_fluctuation) and s.jump_train_loss <= s.sb_fluctuation:
            jump_grade = "partly"  # a rise no larger than Part II's own record-to-record noise
    gain = s.accuracy_gain
    gain_grade = "held" if gain >= 0.005 else ("partly" if gain > 0 else "did not hold")
    plateau = np.isfinite(s.lb_late_drop) and s.lb_late_drop < PLATEAU_DROP
    converging = ""
    if not plateau:
        converging = (f"Part I had not reached a plateau (its training loss still fell {s.lb_late_drop:.1%} over "
                      "the second half of its records), so Part II's gain mixes further training with the smaller batch. ")
        if gain_grade == "held":
            gain_grade = "partly"
    flat = [x <= BARRIER_TOLERANCE for x in (s.relative_barrier_train, s.relative_barrier_test)]
    bar_grade = "held" if all(flat) else ("partly" if any(flat) else "did not hold")
    if not learned:
        bar_grade = "not computed"  # a line between two untrained points is flat for no reason
    return [
        Verdict(
            "S-Fig8-9",
            "Switching from batch 1000 to batch 32 makes the losses jump and the accuracies drop.",
            jump_grade,
            "Fig 8: a jump in training and test loss, a drop in accuracy at the switch.",
            f"first Part II record minus last Part I record: train loss {s.jump_train_loss:+.3f}, "
            f"test loss {s.jump_test_loss:+.3f}, train acc {s.jump_train_acc:+.2%}, test acc {s.jump_test_acc:+.2%}; "
            f"Part II's record-to-record changes of the train loss have std {s.sb_fluctuation:.3f}",
            untrained + "held = both losses rise, the train loss by more than that std; partly = one rises, "
            "or the rise is within Part II's noise.",
        ),
        Verdict(
            "S-Fig8-9",
            "Part II (small batch) ends slightly more accurate than Part I (large batch).",
            gain_grade,
            f"about {PAPER_ACCURACY_GAIN:.0%} higher test accuracy.",
            f"test accuracy LB {s.lb_test_acc:.2%} -> SB {s.sb_test_acc:.2%} ({gain:+.2%})",
            untrained + converging + "held = at least +0.5 points after a Part I that reached a plateau; "
            "partly = positive but smaller, or after a Part I still improving.",
        ),
        Verdict(
            "S-Fig8-9",
            "The straight line between the LB and SB end points has no barrier; beyond each end it rises.",
            bar_grade,
            "Fig 9: no barrier between the end points.",
            f"barrier height train {s.barrier_train:+.4f} ({s.relative_barrier_train:+.1%} of the end loss), "
            f"test {s.barrier_test:+.4f} ({s.relative_barrier_test:+.1%}); train loss rises beyond the ends by "
            f"{s.rise_left:+.3f} (LB side) and {s.rise_right:+.3f} (SB side)",
            untrained + "barrier = max over alpha in [0, 1] of loss(alpha) - max(loss(0), loss(1)); held = at most 1% "
            "of the larger end-point loss on train and test; partly = on one of them.",
        ),
    ]


Params = S5Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
