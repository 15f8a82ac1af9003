"""Y5's parameters: M_ORI's training, the five adversarial fine-tunings, the attacks and the
Hessian / landscape measurements, per study (M1/MNIST, C3/CIFAR-10) where Y's values differ."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hessbook.chapters.y5.paper import DATASET, STUDIES, TEST_SIZE, TRAIN_SIZE
from hessbook.kit.seeds import Seeded, n_seeds_spec
from hessbook.params import ChapterParams, ParameterError, device_spec, spec

SOLVE_DTYPES = ("float64", "model")
HALVE_COUNTS = ("epochs", "images_seen")
PER_STUDY = {"keys": STUDIES, "keys_field": "studies"}
"""The rule of a parameter given per study, as ``{m1: ..., c3: ...}``: an entry for every study
selected, no other key."""


@dataclass(frozen=True)
class Y5Params(Seeded, ChapterParams):
    studies: list[str] = field(metadata=spec(choices=STUDIES, nonempty=True,
                                             doc="m1: Table 3 (MNIST), c3: Table 4 (CIFAR-10)"))
    batch_size: dict[str, int] = field(metadata=spec(**PER_STUDY, le_field="n_train",
        gt=0, doc="SGD batch size per study, original and adversarial training (Y §3.4 does not give it)"))
    lr: float = field(metadata=spec(gt=0.0, doc="M_ORI's learning rate (Y: 0.01)"))
    momentum: float = field(metadata=spec(ge=0.0, lt=1.0, doc="SGD momentum of every run (Y: 0.9)"))
    ori_halve_every: int = field(metadata=spec(gt=0, doc="M_ORI: halve the lr every this many of Y's epochs, read as "
                                                            "halve_counted_in says (Y: 5)"))
    halve_counted_in: str = field(metadata=spec(
        choices=HALVE_COUNTS, doc="how Y's epochs of ori_halve_every / adv_halve_every are read on n_train images: "
                                  "'epochs', our epochs (Y's schedule per image: each image the equivalent of 10 "
                                  "passes at the full rate, as in Y); 'images_seen', Y's epochs of 60,000 / 50,000 "
                                  "images counted in images seen (as K's Benchmark; on 1000 images no halving, M_ORI "
                                  "memorizes; not met by the regime criteria where n_train is smaller than Y's)"))
    ori_epochs: dict[str, int] = field(metadata=spec(**PER_STUDY, gt=0, doc="M_ORI's epochs per study (Y: 100)"))
    adv_lr: float = field(metadata=spec(gt=0.0, doc="adversarial training's learning rate (Y: 0.01)"))
    adv_epochs: dict[str, int] = field(metadata=spec(**PER_STUDY, gt=0,
                                                     doc="adversarial epochs per study (Y: m1 5, c3 10)"))
    adv_halve_every: dict[str, int] = field(metadata=spec(**PER_STUDY,
        ge=0, doc="adversarial training: halve the lr every this many of Y's epochs, read as ori_halve_every; "
                "0: constant (Y: m1 0, c3 5)"))
    n_train: dict[str, int] = field(metadata=spec(**PER_STUDY, gt=0,
                                                  doc="training subset per study (Y: 60000 / 50000)"))
    n_test: dict[str, int] = field(metadata=spec(**PER_STUDY, gt=0,
                                                 doc="test samples of the tables and landscapes (Y: 10000)"))
    eps_linf: dict[str, float] = field(metadata=spec(**PER_STUDY, gt=0.0,
                                                     doc="L-inf radius, FGSM/FGSM10/FHSM (Y: 0.1 / 0.02)"))
    eps_l2: dict[str, float] = field(metadata=spec(**PER_STUDY, gt=0.0,
                                                   doc="L2 radius, L2GRAD/L2HESS (Y: 2.8 / 1.2)"))
    solve_dtype: dict[str, str] = field(metadata=spec(**PER_STUDY,
        choices=SOLVE_DTYPES, doc="dtype of the CG solve of FHSM/L2HESS: float64 (the library's default) or "
                                  "the model's float32 (7x cheaper on a CPU for C3)"))
    c3_width: float = field(metadata=spec(gt=0.0, le=1.0, doc="C3 conv-channel multiplier (Y: 1)"))
    cg_rtol: float = field(metadata=spec(gt=0.0, lt=1.0, doc="CG relative residual of the Newton step"))
    cg_max_iter: int = field(metadata=spec(gt=0, doc="cap on CG iterations (rank of H_x <= c - 1 = 9)"))
    n_hessian_batch: int = field(metadata=spec(gt=0, doc="B_H of the sub-sampled Hessian (Y: 320)"))
    n_hessian_full: dict[str, int] = field(metadata=spec(**PER_STUDY, le_field="n_train",
        gt=0, doc="training images of the 'full' Hessian per study (Y: the whole training set, n_train)"))
    top_k: int = field(metadata=spec(
        gt=0, doc="the window: eigenvalues largest in magnitude per Hessian (Y's 'top 20' by power iteration: 20)"))
    n_negative: int = field(metadata=spec(gt=0, doc="smallest eigenvalues per Hessian (same Krylov space)"))
    lanczos_tol: float = field(metadata=spec(gt=0.0, doc="Lanczos relative residual (of the largest magnitude)"))
    lanczos_max_dim: int = field(metadata=spec(gt=0, doc="cap on the Krylov dimension of each Hessian's Lanczos run"))
    interp_step: float = field(metadata=spec(gt=0.0, doc="step of lambda in the interpolation M_ORI -> robust"))
    interp_margin: float = field(metadata=spec(ge=0.0, doc="lambda runs from -margin to 1 + margin"))
    v1_range: float = field(metadata=spec(gt=0.0, doc="the landscape along v1 spans [-range, range]"))
    v1_points: int = field(metadata=spec(gt=2, odd=True, doc="points along v1 (odd: 0 is one of them)"))
    n_seeds: int = field(metadata=n_seeds_spec(
        "model (M_ORI and each robust model, trained from its own seed's M_ORI)",
        "Y §1 repeated every experiment at least three times",
        "The Hessian samples, the landscapes' test images and the Table 5 check (first seed) are the same in "
        "every seed"))
    device: str = field(metadata=device_spec("where to train and compute"))

    def check(self) -> None:
        for s in self.studies:
            n, ds = self.n_train[s], DATASET[s]
            if n > TRAIN_SIZE[ds]:
                raise ParameterError(f"n_train[{s!r}] = {n}: {ds} has {TRAIN_SIZE[ds]}; accepted: 1..{TRAIN_SIZE[ds]}")
            if self.n_test[s] > TEST_SIZE[ds]:
                raise ParameterError(f"n_test[{s!r}] = {self.n_test[s]}: accepted 1..{TEST_SIZE[ds]}")
            if self.n_hessian_batch + 2 >= self.n_hessian_full[s]:
                raise ParameterError(f"n_hessian_batch = {self.n_hessian_batch}: the batch and the two single "
                                     f"samples do not fit in n_hessian_full[{s!r}] = {self.n_hessian_full[s]}; "
                                     f"accepted: 1..{self.n_hessian_full[s] - 3}")
        if self.lanczos_max_dim < max(self.top_k, self.n_negative):
            raise ParameterError(f"lanczos_max_dim = {self.lanczos_max_dim}: smaller than top_k / n_negative; "
                                 f"accepted: >= {max(self.top_k, self.n_negative)}")
        for name, value in (("1", 1.0), ("interp_margin", self.interp_margin)):
            steps = value / self.interp_step
            if not math.isclose(steps, round(steps), abs_tol=1e-9):
                raise ParameterError(f"interp_step = {self.interp_step}: {name} = {value} is not a whole number "
                                     "of steps, so lambda = 0 and 1 would not be grid points; accepted: e.g. 0.25")

    def lambdas(self) -> list[float]:
        """The interpolation grid, from -margin to 1 + margin (0 and 1 are points)."""
        n = round((1 + 2 * self.interp_margin) / self.interp_step)
        return [round(-self.interp_margin + i * self.interp_step, 12) for i in range(n + 1)]

    def alphas(self) -> list[float]:
        """The grid along v1 (0 is the middle point)."""
        h = self.v1_range / (self.v1_points // 2)
        return [round((i - self.v1_points // 2) * h, 12) for i in range(self.v1_points)]


Params = Y5Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
