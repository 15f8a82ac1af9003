"""S5's computation: both parts trained through the store, the line between their end points
evaluated and stored."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hessbook.chapters.s5.analysis import Curves, Line, Summary, alphas, curves_from_histories, summarize
from hessbook.chapters.s5.params import METRICS, S5Params
from hessbook.kit.jobs import Context, StoredJob, context, run_jobs
from hessbook.train import TrainConfig


@dataclass(frozen=True)
class Results:
    params: S5Params
    curves: Curves
    line: Line
    num_parameters: int
    seconds_part1: float
    seconds_part2: float
    """Training time of each part when it was computed."""
    summary: Summary
    """What :func:`~hessbook.chapters.s5.analysis.summarize` measures on the curves and the line."""


def results(P: S5Params, curves: Curves, line: Line, num_parameters: int, seconds_part1: float,
            seconds_part2: float) -> Results:
    """The chapter's results from what was recorded, with their summary."""
    return Results(P, curves, line, num_parameters, seconds_part1, seconds_part2, summarize(curves, line))


def part_configs(P: S5Params) -> tuple[TrainConfig, TrainConfig]:
    """Part I (large batch) and Part II (small batch, from Part I's end point) as TrainConfigs."""
    import dataclasses

    from hessbook.data import DataSpec

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


def interpolate(part1, r1, r2, grid: np.ndarray, device) -> Line:
    """Loss and accuracy on the training and test sets along the line between the end points, in
    float64 (a memorized set's losses are near 1e-5 nats, where float32's log(1 + e) rounds by
    1e-7: the barrier's and the rises' differences would be read at that resolution), and the
    test images on which the two end points disagree (the gain's paired error)."""
    import torch

    from hessbook.curvature import loss_interpolation, parameters_vector
    from hessbook.data import load_data

    model, other = r1.model(device).double(), r2.model(device).double()
    theta_a, theta_b = parameters_vector(model), parameters_vector(other)
    out: dict[str, np.ndarray] = {}
    for split, spec_ in (("train", part1.data), ("test", part1.eval_data)):
        data = load_data(spec_, device)
        line = loss_interpolation(model, (data.inputs(), data.targets()), theta_a, theta_b,
                                  torch.as_tensor(grid), batch_size=1024)
        out[f"{split}_loss"] = line.losses.numpy()
        out[f"{split}_acc"] = line.accuracies.numpy()
    test = load_data(part1.eval_data, device)
    lb_right, sb_right = (_correct(m, test.inputs(), test.targets()) for m in (model, other))
    return Line(alphas=grid, **out, lb_only=int((lb_right & ~sb_right).sum()), sb_only=int((sb_right & ~lb_right).sum()),
                n_test=len(lb_right))


def _correct(model, x, y, batch: int = 1024):
    """Which of ``(x, y)`` the model (eval mode, its own dtype) classifies right, as a bool tensor."""
    import torch

    from hessbook.modes import eval_mode

    dtype = next(model.parameters()).dtype
    with eval_mode(model), torch.no_grad():
        return torch.cat([model(x[i:i + batch].to(dtype)).argmax(1) == y[i:i + batch]
                          for i in range(0, len(x), batch)]).cpu()


@dataclass(frozen=True)
class S5Interpolation(StoredJob):
    """The line between Part I's and Part II's end points, computed in the kernel after both
    parts are trained (through the store: each training is its own entry, listed in this key)."""

    KIND = "s5-interpolation"
    VERSION = 2
    """2: the line in float64 and the end points' disagreements on the test set."""
    RESULT = Line
    INLINE = True
    part1: TrainConfig
    part2: TrainConfig
    alphas: tuple[float, ...]

    def label(self) -> str:
        return "S5 Part I, Part II and the line between them"

    def trains(self) -> tuple[TrainConfig, ...]:
        return self.part1, self.part2

    def datasets(self) -> tuple[str, ...]:
        return (self.part1.data.name,)

    def compute(self, ctx: Context) -> Line:
        r1, r2 = (_trained(part, ctx) for part in self.trains())
        return interpolate(self.part1, r1, r2, np.array(self.alphas), ctx.device)


def _trained(config: TrainConfig, ctx: Context):
    from hessbook.train import train

    return train(config, ctx.store, device=ctx.device)


def jobs(P: S5Params) -> list[S5Interpolation]:
    """The chapter's one job (it trains both parts first)."""
    part1, part2 = part_configs(P)
    return [S5Interpolation(part1, part2, tuple(alphas(P).tolist()))]


def run(P: S5Params, store=None) -> Results:
    """Train both parts (through the store) and evaluate the line between their end points
    (stored); the parts' records are then read back from the store. Without CIFAR-10 here, the
    data layer's error."""
    from hessbook.models import num_parameters

    ctx = context(P.device, store)
    (job,) = jobs(P)
    table = run_jobs([job], ctx)
    if table.missing:
        from hessbook.data import DataMissingError

        raise DataMissingError(table.why_missing())
    r1, r2 = (_trained(part, ctx) for part in job.trains())
    return results(P, curves_from_histories(r1.history, r2.history), table.results[0], num_parameters(r1.model()),
                   r1.seconds, r2.seconds)
