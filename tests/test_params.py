"""Parameter validation: every kind of bad input names the key, the value and what is accepted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest

from hessbook.params import (
    ChapterParams,
    ParameterError,
    from_namespace,
    result_params,
    spec,
    validate,
)


@dataclass(frozen=True)
class Example(ChapterParams):
    model: str = field(metadata=spec(choices=("m1", "c1", "resnet18")))
    dataset: Literal["mnist", "cifar10"]
    batch_sizes: list[int] = field(metadata=spec(gt=0, nonempty=True))
    epsilon: float = field(metadata=spec(ge=0.0))
    train_size: int = field(metadata=spec(gt=0))
    full_batch: bool

    def check(self) -> None:
        too_big = [b for b in self.batch_sizes if b > self.train_size]
        if too_big:
            raise ParameterError(
                f"batch_sizes = {list(self.batch_sizes)}: {too_big[0]} is larger than "
                f"train_size = {self.train_size}; accepted: 1..{self.train_size}"
            )


GOOD = dict(
    scale="smoke", seed=0, model="m1", dataset="mnist", batch_sizes=[16, 32],
    epsilon=0.1, train_size=100, full_batch=False,
)


def bad(**changes):
    values = {**GOOD, **changes}
    with pytest.raises(ParameterError) as info:
        validate(Example, values, where="chapter x")
    return str(info.value)


def test_good_values_become_a_frozen_instance():
    p = validate(Example, GOOD)
    assert p.batch_sizes == (16, 32) and isinstance(p.epsilon, float)
    with pytest.raises(Exception):
        p.seed = 3  # frozen
    assert "scale" not in result_params(p) and result_params(p)["batch_sizes"] == [16, 32]


def test_unknown_key_suggests_the_right_one():
    msg = bad(batch_size=8)
    assert "unknown parameter 'batch_size'" in msg and "did you mean 'batch_sizes'" in msg
    assert "epsilon" in msg, "the message lists what is accepted"


def test_missing_key():
    values = dict(GOOD)
    del values["epsilon"]
    with pytest.raises(ParameterError, match="missing parameter.*'epsilon'"):
        validate(Example, values)


@pytest.mark.parametrize(
    "changes, fragments",
    [
        (dict(epsilon=-0.1), ["epsilon = -0.1", "must be >= 0.0"]),
        (dict(epsilon="big"), ["epsilon = 'big'", "expected a number"]),
        (dict(batch_sizes=[]), ["batch_sizes = []", "must not be empty"]),
        (dict(batch_sizes=[16, 0]), ["batch_sizes[1] = 0", "must be > 0"]),
        (dict(batch_sizes=16), ["batch_sizes = 16", "expected a list"]),
        (dict(batch_sizes=[16.5]), ["batch_sizes[0] = 16.5", "expected an integer"]),
        (dict(model="m2"), ["model = 'm2'", "did you mean 'm1'", "accepted: 'm1', 'c1', 'resnet18'"]),
        (dict(dataset="cifar100"), ["dataset = 'cifar100'", "'mnist' | 'cifar10'"]),
        (dict(full_batch="yes"), ["full_batch = 'yes'", "bool"]),
        (dict(train_size=True), ["train_size = True", "expected an integer"]),
        (dict(scale="laptop"), ["scale = 'laptop'", "'smoke', 'cpu', 'gpu', 'paper'"]),
        (dict(seed=-1), ["seed = -1", "must be >= 0"]),
        (dict(batch_sizes=[16, 200]), ["200 is larger than train_size = 100"]),
    ],
)
def test_bad_values_are_named(changes, fragments):
    msg = bad(**changes)
    for fragment in fragments:
        assert fragment in msg, msg


def test_from_namespace_sees_injected_unknown_names():
    import math

    namespace = {**GOOD, "math": math, "In": [], "_private": 1, "helper": len, "batch_sise": 8}
    with pytest.raises(ParameterError, match="unknown parameter 'batch_sise'.*did you mean 'batch_sizes'"):
        from_namespace(Example, namespace)
    del namespace["batch_sise"]
    assert from_namespace(Example, namespace).model == "m1"


def test_unknown_chapter():
    from hessbook.registry import schema_for

    with pytest.raises(ParameterError, match="unknown chapter 'zz'"):
        schema_for("zz")


@dataclass(frozen=True)
class Block:
    lr: float = field(metadata=spec(gt=0.0))
    sizes: dict[str, list[int]] = field(metadata=spec(gt=0, nonempty=True))


@dataclass(frozen=True)
class WithBlock(ChapterParams):
    runs: Block


def test_nested_blocks_and_dict_valued_parameters_are_validated():
    from hessbook.params import as_dict

    good = {"scale": "cpu", "seed": 0, "runs": {"lr": 0.1, "sizes": {"m1": [16, 64], "c1": [32]}}}
    P = validate(WithBlock, good)
    assert P.runs.sizes == {"m1": (16, 64), "c1": (32,)} and isinstance(P.runs, Block)
    assert as_dict(P) == {"scale": "cpu", "seed": 0, "runs": {"lr": 0.1, "sizes": {"m1": [16, 64], "c1": [32]}}}
    for runs, fragment in [
        ({"lr": 0.1, "sizes": {"m1": [0]}}, "runs: sizes['m1'][0] = 0: must be > 0"),
        ({"lr": 0.1, "sizes": {}}, "must not be empty"),
        ({"lr": 0.1, "sizes": [16]}, "expected a mapping"),
        ({"lr": 0.1, "sizs": {"m1": [1]}}, "did you mean 'sizes'"),
        ([1], "expected a mapping of Block's parameters"),
    ]:
        with pytest.raises(ParameterError) as info:
            validate(WithBlock, {**good, "runs": runs})
        assert fragment in str(info.value), str(info.value)


@dataclass(frozen=True)
class ExampleInf(ChapterParams):
    budget: float = field(metadata=spec(gt=0.0, finite=False))
    rate: float


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_floats_are_rejected_with_key_value_and_range(value):
    msg = bad(epsilon=value)
    assert f"epsilon = {value!r}" in msg and "finite number" in msg and ">= 0.0" in msg, msg
    with pytest.raises(ParameterError, match=rf"rate = {value!r}.*accepted: a finite number$"):
        validate(ExampleInf, dict(scale="smoke", seed=0, budget=1.0, rate=value))


def test_nan_is_rejected_even_where_inf_is_allowed_and_without_bounds():
    ok = validate(ExampleInf, dict(scale="smoke", seed=0, budget=float("inf"), rate=-3.0))
    assert ok.budget == float("inf")
    with pytest.raises(ParameterError, match=r"budget = nan: .*not NaN.*> 0.0"):
        validate(ExampleInf, dict(scale="smoke", seed=0, budget=float("nan"), rate=1.0))
    with pytest.raises(ParameterError, match=r"budget = -inf: must be > 0.0"):
        validate(ExampleInf, dict(scale="smoke", seed=0, budget=float("-inf"), rate=1.0))


@pytest.mark.parametrize("chapter, key", [("s2", "lr"), ("y1", "loss_target"), ("y1", "lanczos_tol")])
def test_chapter_schemas_reject_infinity(chapter, key, project_root):
    import yaml

    from hessbook.registry import schema_for
    from hessbook.params import params_file

    values = yaml.safe_load(params_file(chapter, "smoke", project_root).read_text())
    with pytest.raises(ParameterError, match=rf"{key} = inf: .*finite number"):
        validate(schema_for(chapter), {**values, key: float("inf")})


def test_cross_field_errors_start_with_where():
    msg = bad(batch_sizes=[16, 200])
    assert msg.startswith("chapter x: batch_sizes = [16, 200]: 200 is larger than train_size = 100"), msg


@pytest.mark.parametrize("value", ["gpu", "cuda:x", "CPU", "cuda:"])
def test_device_errors_say_what_devices_are_accepted(value, project_root):
    import yaml

    from hessbook.device import pick_device
    from hessbook.registry import schema_for
    from hessbook.params import params_file

    values = yaml.safe_load(params_file("s2", "smoke", project_root).read_text())
    with pytest.raises(ParameterError) as info:
        validate(schema_for("s2"), {**values, "device": value})
    msg = str(info.value)
    assert f"device = {value!r}" in msg and "did you mean" not in msg, msg
    assert all(w in msg for w in ("'cuda'", "'cuda:N'", "'cpu'", "'auto'")), msg
    with pytest.raises(ValueError, match=r"'cuda', 'cuda:N' .*'cpu' or 'auto'"):
        pick_device(value)


def test_device_fields_accept_cuda_n(project_root):
    import yaml

    from hessbook.registry import schema_for
    from hessbook.params import params_file

    for chapter in ("s1", "s2", "s3", "s4", "s5", "y1", "y4"):
        values = yaml.safe_load(params_file(chapter, "smoke", project_root).read_text())
        assert validate(schema_for(chapter), {**values, "device": "cuda:1"}).device == "cuda:1"


def test_field_relations_are_data_checked_for_every_value_and_name_both_fields():
    """``spec(le_field=..., lt_field=..., ge_field=...)``: a cross-field rule written once, as
    data; the error names the field, its value, the other field and its value, and what is
    accepted; a list is checked item by item, a non-number (``'all'``) is not compared."""
    from hessbook.params import ChapterParams, ParameterError, spec, validate

    @dataclass(frozen=True)
    class Block(ChapterParams):
        n_train: int = field(metadata=spec(gt=0))
        batches: list[int] = field(metadata=spec(gt=0, le_field="n_train"))
        small: int = field(metadata=spec(gt=0, lt_field="large"))
        large: int = field(metadata=spec(gt=0))
        top_k: int = field(metadata=spec(gt=0))
        krylov: int = field(metadata=spec(gt=0, ge_field="top_k"))

    good = {"scale": "cpu", "seed": 0, "n_train": 100, "batches": [10, 100], "small": 1, "large": 2, "top_k": 3, "krylov": 3}
    assert validate(Block, good).batches == (10, 100)
    with pytest.raises(ParameterError, match=r"batches = \(10, 200\): larger than n_train = 100; accepted: at most n_train = 100"):
        validate(Block, {**good, "batches": [10, 200]})
    with pytest.raises(ParameterError, match="small = 2: not smaller than large = 2; accepted: below large = 2"):
        validate(Block, {**good, "small": 2})
    with pytest.raises(ParameterError, match="krylov = 2: smaller than top_k = 3; accepted: at least top_k = 3"):
        validate(Block, {**good, "krylov": 2})

    @dataclass(frozen=True)
    class Typo(ChapterParams):
        n: int = field(metadata=spec(le_field="n_trian"))

    with pytest.raises(TypeError, match="n_trian"):
        validate(Typo, {"scale": "cpu", "seed": 0, "n": 1})


def test_keyed_lists_odd_and_keyed_relations_are_data_checked():
    """``spec(keys=..., keys_field=...)``: a mapping given per item that another field selects
    (an entry for each, no unknown key); ``distinct``: a list (or each list of a mapping) names
    each value once; ``odd``; and a relation between two mappings is read key by key."""
    from hessbook.params import ChapterParams, ParameterError, spec, validate

    @dataclass(frozen=True)
    class Block(ChapterParams):
        studies: list[str] = field(metadata=spec(choices=("a", "b"), nonempty=True))
        n_train: dict[str, int] = field(metadata=spec(gt=0, keys=("a", "b"), keys_field="studies"))
        batch: dict[str, int] = field(metadata=spec(gt=0, keys=("a", "b"), keys_field="studies", le_field="n_train"))
        sizes: dict[str, list[int]] = field(metadata=spec(gt=0, distinct=True))
        widths: list[int] = field(metadata=spec(gt=0, distinct=True))
        points: int = field(metadata=spec(gt=0, odd=True))

    good = {"scale": "cpu", "seed": 0, "studies": ["a"], "n_train": {"a": 10, "b": 5}, "batch": {"a": 10},
            "sizes": {"x": [1, 2]}, "widths": [3, 4], "points": 5}
    assert validate(Block, good).batch == {"a": 10}
    with pytest.raises(ParameterError, match=r"parameters: batch has no entry for 'b', which `studies` selects; "
                                             r"give one, e.g. batch: \{b: ...\}"):
        validate(Block, {**good, "studies": ["a", "b"]})
    with pytest.raises(ParameterError, match=r"parameters: n_train: unknown key 'c'; accepted: a, b"):
        validate(Block, {**good, "n_train": {"a": 10, "c": 1}})
    with pytest.raises(ParameterError, match=r"batch\['a'\] = 11: larger than n_train\['a'\] = 10; "
                                             r"accepted: at most n_train\['a'\] = 10"):
        validate(Block, {**good, "batch": {"a": 11}})
    assert validate(Block, {**good, "studies": ["a", "b"], "batch": {"a": 10, "b": 5}}).batch["b"] == 5
    with pytest.raises(ParameterError, match=r"batch\['b'\] = 6: larger than n_train\['b'\] = 5"):
        validate(Block, {**good, "studies": ["a", "b"], "batch": {"a": 10, "b": 6}})
    with pytest.raises(ParameterError, match=r"sizes\['x'\] = \[1, 2, 1\]: 1 is listed twice; accepted: distinct"):
        validate(Block, {**good, "sizes": {"x": [1, 2, 1]}})
    with pytest.raises(ParameterError, match=r"widths = \[3, 3\]: 3 is listed twice"):
        validate(Block, {**good, "widths": [3, 3]})
    with pytest.raises(ParameterError, match="points = 4: must be odd"):
        validate(Block, {**good, "points": 4})

    @dataclass(frozen=True)
    class Typo(ChapterParams):
        n: dict[str, int] = field(metadata=spec(keys_field="studys"))

    with pytest.raises(TypeError, match="studys"):
        validate(Typo, {"scale": "cpu", "seed": 0, "n": {}})
