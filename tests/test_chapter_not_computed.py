"""No glued value is a stand-in for something not computed (issue 25).

Each chapter that reports missing data (Y1-Y6, K1, K2) runs at smoke scale with its data
missing (``HESSBOOK_DATA`` an empty folder, downloads refused): nothing is computed, and its
``numbers`` are glued. Every measured value must then read "n/a"; the only numbers glued are
counts of what was computed (0), the parameters and the paper's printed values. (The S
chapters cannot run without what they compute: S1, S2 and S6 draw their own data, S3-S5 stop
without MNIST or CIFAR-10.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hessbook import kit
from hessbook.registry import chapter_module, chapter_parameters
from hessbook.params import validate
from hessbook.store import ResultStore

ROOT = Path(__file__).resolve().parents[1]

NOT_COMPUTED = {
    "y1": {"max-loss", "min-loss", "power-vs-lanczos", "fgsm-off-floor", "lambda-x-verdicts", "lambda-x-tied",
           "largest-epochs"},
    "y2": {"max-residual", "max-fd-error", "min-theta-norm", "test-over-train", "first-step", "first-factor-min",
           "first-factor-max", "over-quadratic-min", "test-over-train-rise", "fd-above", "fd-bias"},
    "y3": {"batch-ratio-min", "robust-ratio-max", "max-residual", "min-grad-norm", "peak-batch-ratio-min",
           "peak-robust-ratio-max", "min-lambda1", "matched-batch-ratio-min", "matched-robust-ratio-max"},
    "y4": {"worst-relu", "worst-iter", "agree", "max-rank", "smin", "smooth-neg", "smooth-min", "smooth-gn"},
    "y5": {f"{study}-{name}" for study in ("m1", "c3")
           for name in ("clean-ori", "mean-ori", "mean-robust", "lambda-ori", "lambda-robust", "r1", "rbatch",
                        "rfull", "gap-linf", "gap-l2", "train-seconds")} | {"control", "ori-loss"},
    "y6": {"drop-base", "drop-fb", "drop-robust", "gain-base", "gain-fb", "check-gain", "check-grid-gain",
           "check-beats", "check-reading",
           *(f"{m}-{what}" for m in ("baseline", "fb", "robust") for what in ("small", "large", "peak-lr"))},
    "k1": {"counter-rho-fgsm", "counter-rho-pgd", "counter-rho-lambda", "counter-rho-seeds", "worst-residual",
           "chance-lambda-max",
           "lrbs-lambda-ratio"},
    "k2": {"share-lr", "share-lr-bs", "weakest-rho-lr", "weakest-rho-lr-bs"},
}
"""The measured values each chapter glues: with nothing computed, n/a (each was 0 before)."""

COUNTS_AND_PARAMETERS = {
    "y1": {"n-models", "reached", "power-products", "lanczos-products", "power-seconds", "lanczos-seconds", "seeds", "top-k"},
    "y2": {"networks", "n-seeds", "grade-step", "much-larger"},
    "y3": {"runs", "n-seeds"},
    "y4": {"networks", "samples"},
    "y5": {"c3-n-test", "c3-margin"},
    "y6": {"n-train", "n-test", "epochs", "check-epochs", "seeds", "flagged"},
    "k1": {"runs", "cases", "seeds", "lines", "floor-lines", "counter-pairs", "diverged", "chance-runs", "fewest-steps", "largest-batch",
           "batch-ratio", "counter-floor-seeds", "counter-seeds"},
    "k2": {"runs", "shared-runs", "cases", "seeds", "diverged", "plateau"},
}
"""The numbers a chapter may glue with nothing computed: counts of what was computed (0, a true
value), the chapter's parameters, the paper's printed values (names with ``paper``)."""


@pytest.fixture
def no_data(tmp_path, monkeypatch) -> Path:
    """An empty data root, downloads refused: every dataset is missing."""
    import torchvision.datasets as tvd

    def refuse(self):
        raise RuntimeError("offline (test)")

    for cls in (tvd.MNIST, tvd.CIFAR10):  # FashionMNIST and CIFAR-100 are their subclasses
        monkeypatch.setattr(cls, "download", refuse)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("HESSBOOK_DATA", str(empty))
    monkeypatch.setenv("HESSBOOK_CLUSTER", "serial")
    monkeypatch.setenv("HESSBOOK_PROGRESS", "off")
    return empty


@pytest.fixture
def glued(monkeypatch) -> dict:
    import myst_nb

    out: dict = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display=False: out.__setitem__(name, value))
    return out


@pytest.mark.parametrize("chapter", sorted(NOT_COMPUTED))
def test_a_chapter_without_its_data_glues_n_a_never_a_stand_in(chapter, no_data, glued, tmp_path):
    module = chapter_module(chapter)
    P = validate(module.Params, chapter_parameters(chapter, "smoke", ROOT, {"device": "cpu"}))
    R = module.run(P, ResultStore(tmp_path / "store"))
    kit.glue_numbers(chapter, module.numbers(R), verbatim=chapter == "y6")
    values = {name.removeprefix(f"{chapter}-"): v for name, v in glued.items()}
    missing = NOT_COMPUTED[chapter] - set(values)
    assert not missing, f"{chapter} no longer glues {sorted(missing)}: update this test"
    stand_ins = {n: values[n] for n in NOT_COMPUTED[chapter] if values[n] != "n/a"}
    assert not stand_ins, f"{chapter}: values not computed glued as numbers: {stand_ins}"
    numbers = {n: v for n, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    unexpected = {n: v for n, v in numbers.items() if n not in COUNTS_AND_PARAMETERS[chapter] and "paper" not in n}
    assert not unexpected, (f"{chapter}: with nothing computed these glued numbers are neither counts, parameters "
                            f"nor the paper's: {unexpected} (glue None for a value not computed)")
    counts = {n: values[n] for n in COUNTS_AND_PARAMETERS[chapter] & {"runs", "cases", "networks", "n-models"}}
    assert all(v == 0 for v in counts.values()), counts
