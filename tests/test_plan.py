"""Issue 28, item 4: a plan before a long run (``python -m hessbook.build --plan``, ``make book PLAN=1``).

The plan lists every chapter's stored jobs without running any, counts what the store holds, and
estimates the rest; it reads the store and never writes it. Its job lists are checked against
what each chapter's ``run`` asks the store for first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from hessbook import build as B
from hessbook import plan as hplan
from hessbook.build import chapter_id, toc_notebooks
from hessbook.store import Record, ResultStore

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = [chapter_id(nb) for nb in toc_notebooks(ROOT)]
NOTHING_STORED = {"s6", "models"}
"""Chapters that store nothing (seconds of work, or none)."""


class Ran(AssertionError):
    """Something trained or computed a stored result while only a plan was asked for."""


@pytest.fixture
def no_running(monkeypatch):
    """Training, the store's computing and the sweep all fail the test if called."""
    import hessbook.kit.swept as swept
    import hessbook.train as htrain

    def refuse(*args, **kwargs):
        raise Ran("the plan ran a job")

    monkeypatch.setattr(htrain, "train", refuse)
    monkeypatch.setattr(ResultStore, "get_or_compute", refuse)
    monkeypatch.setattr(ResultStore, "save", refuse)
    monkeypatch.setattr(swept, "sweep", refuse)


@pytest.fixture
def fake_data(tmp_path, monkeypatch) -> Path:
    """A data root where MNIST, Fashion-MNIST and CIFAR-10 look present (empty files; the plan
    only looks) and CIFAR-100 is absent."""
    from hessbook.data import _TORCHVISION

    root = tmp_path / "data"
    for name in ("mnist", "fashion_mnist", "cifar10"):
        for rel in _TORCHVISION[name][1]:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(b"")
    monkeypatch.setenv("HESSBOOK_DATA", str(root))
    return root


@pytest.fixture
def store_at(tmp_path, monkeypatch) -> ResultStore:
    root = tmp_path / "results"
    monkeypatch.setenv("HESSBOOK_RESULTS", str(root))
    monkeypatch.setenv("HESSBOOK_CLUSTER", "serial")  # the placement in force: no load sampling
    return ResultStore(root)


def _rows(plan: hplan.Plan) -> dict[str, hplan.ChapterPlan]:
    return {c.chapter: c for c in plan.chapters}


def test_the_plan_lists_every_chapter_at_smoke_scale_without_running_anything(no_running, fake_data, store_at):
    plan = B.plan("smoke", root=ROOT, probe=False)
    rows = _rows(plan)
    assert list(rows) == CHAPTERS, "every chapter of the book, in its order"
    for chapter, row in rows.items():
        assert (len(row.jobs) == 0) == (chapter in NOTHING_STORED), chapter
        assert row.count("stored") == 0
        assert all(j.state in hplan.STATES for j in row.jobs)
    assert rows["k2"].count("shared") > 0, "K2's momentum-0 runs are K1's"
    resnet = [j for j in rows["y1"].jobs if "RESNET18" in j.label]
    assert resnet and all(j.state == "no data" and j.missing == ("cifar100",) for j in resnet)
    assert not store_at.root.exists(), "the plan wrote nothing"
    text = plan.table()
    assert "| total   |" in text and "est. min" in text and "basis of the estimates" in text
    assert "datasets not in the data root: cifar100" in text


def test_the_stored_count_rises_after_a_job_is_stored(fake_data, store_at):
    from hessbook.chapters import tour

    before = _rows(B.plan("smoke", ["tour", "k1"], root=ROOT, probe=False))
    assert (before["tour"].count("stored"), before["tour"].count("to compute")) == (0, 1)
    tour.run(B.chapter_params("tour", "smoke", ROOT), store_at)  # seconds of work
    planned = hplan.chapter_plan_jobs("k1")(B.chapter_params("k1", "smoke", ROOT))
    store_at.save(planned[0].kind, planned[0].key, Record(metrics={"x": 1}), seconds=120.0)
    listing = sorted(p.relative_to(store_at.root) for p in store_at.root.rglob("*"))
    after = _rows(B.plan("smoke", ["tour", "k1"], root=ROOT, probe=False))
    assert sorted(p.relative_to(store_at.root) for p in store_at.root.rglob("*")) == listing, "read only"
    assert (after["tour"].count("stored"), after["tour"].count("to compute")) == (1, 0)
    assert after["k1"].count("stored") == before["k1"].count("stored") + 1 == 1
    assert after["k1"].recorded == pytest.approx(120.0)
    # the other K1 jobs are estimated from the stored one (same kind, same scale): its 120 s, all
    # besides training (it wrote no training entry), and their trainings (not probed here: none)
    todo = [j for j in after["k1"].jobs if j.state == "to compute"]
    assert todo and all(j.basis == "stored here + none" and j.seconds == pytest.approx(120.0) for j in todo)


def _backdate(store: ResultStore, kind: str, key, seconds: float) -> None:
    """Move a stored entry's creation time ``seconds`` into the past."""
    import datetime
    import json

    meta_path = store.entry_dir(kind, key) / "meta.json"
    meta = json.loads(meta_path.read_text())
    created = datetime.datetime.strptime(meta["created"], "%Y-%m-%dT%H:%M:%S%z") - datetime.timedelta(seconds=seconds)
    meta["created"] = created.strftime("%Y-%m-%dT%H:%M:%S%z")
    meta_path.write_text(json.dumps(meta))


def test_recorded_time_holds_the_trainings_trained_before_the_job_once(fake_data, store_at):
    """K's networks are trained as grouped jobs of their own before the measuring jobs run: a
    chapter's recorded time counts them (once, with the first job that reads them), and a training
    a job ran itself (written while it computed) is not counted twice."""
    planned = hplan.chapter_plan_jobs("k1")(B.chapter_params("k1", "smoke", ROOT))
    first = planned[0]
    (training,) = hplan.trainings(hplan.plain(first.key))
    store_at.save("train", training, Record(metrics={"iterations": 1}), seconds=30.0)
    _backdate(store_at, "train", training, 3600)  # trained an hour before the job
    store_at.save(first.kind, first.key, Record(metrics={"x": 1}), seconds=120.0)
    rows = _rows(B.plan("smoke", ["k1", "k2"], root=ROOT, probe=False))
    assert rows["k1"].recorded == pytest.approx(150.0), "the job's 120 s and its training's 30 s"
    stored = [j for j in rows["k1"].jobs if j.state == "stored"]
    assert [j.seconds for j in stored] == [pytest.approx(150.0)]

    second = planned[1]
    (inside,) = hplan.trainings(hplan.plain(second.key))
    store_at.save("train", inside, Record(metrics={"iterations": 1}), seconds=50.0)
    store_at.save(second.kind, second.key, Record(metrics={"x": 1}), seconds=60.0)  # it trained it itself
    rows = _rows(B.plan("smoke", ["k1", "k2"], root=ROOT, probe=False))
    assert rows["k1"].recorded == pytest.approx(150.0 + 60.0)


def test_an_interrupted_entry_is_not_counted_as_stored(fake_data, store_at):
    """Only complete entries count: a half-written one (no COMPLETE.json) is to compute."""
    planned = hplan.chapter_plan_jobs("tour")(B.chapter_params("tour", "smoke", ROOT))[0]
    entry = store_at.entry_dir(planned.kind, planned.key)
    entry.mkdir(parents=True)
    (entry / "meta.json").write_text('{"seconds": 5}')
    row = _rows(B.plan("smoke", ["tour"], root=ROOT, probe=False))["tour"]
    assert row.count("to compute") == 1


@pytest.mark.parametrize("argv, message", [
    (["--plan", "--scale", "huge"], "scale = 'huge': accepted scales are smoke, cpu, gpu, paper"),
    (["--plan", "--scale", "smoke", "--chapters", "y9"], "chapters ['y9'] are not in _toc.yml; accepted: tour"),
])
def test_a_bad_scale_or_chapter_errors_clearly(no_running, argv, message):
    with pytest.raises(SystemExit, match=message.replace("[", r"\[").replace("]", r"\]")):
        B.main([*argv, "--root", str(ROOT)])


def test_the_plan_command_prints_the_table(no_running, fake_data, store_at, capsys):
    B.main(["--plan", "--scale", "smoke", "--chapters", "s2", "--root", str(ROOT), "--plan-jobs"])
    out = capsys.readouterr().out
    assert "[hessbook] plan for scale smoke" in out and "[hessbook] jobs: HESSBOOK_CLUSTER=serial" in out
    assert "| s2      |" in out and "S2 gd" in out, "--plan-jobs lists every job"


def test_make_book_plan_passes_plan():
    from _make import make_dry_run

    out = make_dry_run("PLAN=1", "SCALE=gpu")
    assert "-m hessbook.build --scale gpu" in out and "--plan" in out
    assert "--plan" not in make_dry_run()


# ----------------------------------------------------------------------------- the cost model


def _training(**changes) -> dict:
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    config = TrainConfig(model="s_mlp", model_kwargs={"d": 20, "k": 4, "hidden": [16, 16], "activation": "relu"},
                         data=DataSpec("gaussian_clusters", options={"k": 4, "d": 20, "n": 200, "cov_scale": 1.0,
                                                                      "seed": 0}),
                         batch_size=50, lr=0.1, max_iterations=400, seed=0)
    return {**hplan.plain(config), **changes}


def test_the_probe_times_steps_and_leaves_torch_as_it_was():
    t = _training()
    threads, state = torch.get_num_threads(), torch.random.get_rng_state()
    probe = hplan.probe_training(t, threads=1)
    assert probe is not None and probe.per_sample > 0 and probe.batch == 50
    assert torch.get_num_threads() == threads and torch.equal(torch.random.get_rng_state(), state)
    # twice the steps, about twice the time (the per-epoch evaluations aside)
    double = hplan.probe_estimate({**t, "max_iterations": 800}, probe)
    assert double == pytest.approx(2 * hplan.probe_estimate(t, probe))


def test_a_loss_target_costs_an_evaluation_of_the_training_set_per_epoch():
    """The engine evaluates the training loss every epoch to check a loss target, without it
    being among the epoch metrics: the estimate counts that pass (EVAL_COST of a step per sample)."""
    probe = hplan.Probe(per_sample=1e-3, batch=50, device="cpu")  # no evaluation timed: EVAL_COST of a step
    by_epochs = _training(max_iterations=None, max_epochs=10)
    plain = hplan.probe_estimate(by_epochs, probe)
    assert plain == pytest.approx(1e-3 * 10 * 200)
    target = hplan.probe_estimate({**by_epochs, "loss_target": 1e-3}, probe)
    assert target == pytest.approx(1e-3 * 10 * 200 * (1 + hplan.EVAL_COST))
    named = hplan.probe_estimate({**by_epochs, "loss_target": 1e-3, "epoch_metrics": ["train_loss"]}, probe)
    assert named == pytest.approx(target), "counted once when it is also an epoch metric"
    timed = hplan.Probe(per_sample=1e-3, batch=50, device="cpu", eval_per_sample=1e-5)
    assert hplan.probe_estimate({**by_epochs, "loss_target": 1e-3}, timed) == pytest.approx(
        1e-3 * 10 * 200 + 1e-5 * 10 * 200), "an evaluation at the probe's timed cost per sample"


def test_the_steps_to_a_loss_target_come_from_the_closest_stored_trainings(tmp_path):
    """Y1 (2,000 images, B up to 512) and Y3 (600 images, B = 16, 128) train the same models to
    the same loss in very different numbers of steps: each is priced by its own kind first."""
    est = hplan._Estimator(ResultStore(tmp_path), probe=False, empty=False)
    small = _training(batch_size=10, loss_target=1e-3)
    large = _training(batch_size=100, loss_target=1e-3)
    est.rates, est.targets = [], [(small, 400.0), ({**small, "seed": 1}, 600.0), (large, 3000.0)]
    assert est.steps_to_target({**small, "seed": 2}) == 500.0, "the same batch and set: their median"
    assert est.steps_to_target(large) == 3000.0
    other_batch = _training(batch_size=20, loss_target=1e-3)
    assert est.steps_to_target(other_batch) == 600.0, "another batch size: every one of the model's"
    other_model = {**small, "model": "m1", "model_kwargs": {}}
    assert est.steps_to_target(other_model) == 600.0, "another model: any stored training's"
    other_set = _training(batch_size=10, loss_target=1e-3,
                          data={**small["data"], "options": {**small["data"]["options"], "n": 100}})
    est.targets.append((other_set, 100.0))
    assert est.steps_to_target(other_set) == 100.0, "the same batch, another set size: its own first"
    assert est.steps_to_target({**small, "loss_target": 1e-2}) == hplan.LOSS_TARGET_STEPS, \
        "another loss target: none of these"
    same_name = {**small, "model_kwargs": {"d": 20, "k": 4, "hidden": [8]}, "data": {**small["data"], "name": "x"}}
    assert est.steps_to_target(same_name) == 500.0, "the same model name otherwise: its trainings' median"
    est.targets = []
    assert est.steps_to_target(small) == hplan.LOSS_TARGET_STEPS


def test_the_probe_times_an_evaluation_apart_from_the_step():
    probe = hplan.probe_training(_training(), threads=1)
    assert probe.eval_per_sample is not None and 0 < probe.eval_per_sample


def test_a_job_is_its_siblings_own_work_plus_its_trainings(tmp_path):
    """A stored job of 100 s that trained for 60 s inside it (its training entry was written
    while it ran) leaves 40 s of own work; a sibling whose training is not stored costs those
    40 s plus its training at the stored training's seconds per sample."""
    store = ResultStore(tmp_path / "results")
    t1, t2 = _training(), _training(seed=1)
    store.save("train", t1, Record(metrics={"iterations": 400}), seconds=60.0)
    store.save("demo-job", {"train": t1}, Record(metrics={"x": 1}), seconds=100.0)
    estimator = hplan._Estimator(store, probe=False, empty=False)
    estimator.add_sibling(hplan.stored_entry(store, "demo-job", hplan.plain({"train": t1})))
    seconds, basis = estimator.estimate("demo-job", hplan.plain({"train": t2}))
    assert basis == "stored here + stored trainings"
    assert seconds == pytest.approx(40.0 + 60.0)  # same budget: 400 steps of 50
    longer = hplan.plain({"train": {**t2, "max_iterations": 800}})
    assert estimator.estimate("demo-job", longer)[0] == pytest.approx(40.0 + 120.0)
    assert estimator.estimate("demo-job", hplan.plain({"train": t1}))[0] == pytest.approx(40.0), \
        "a stored training costs nothing again"


def test_training_samples_from_the_budget_and_the_loss_target():
    t = _training()
    assert hplan.train_samples(t) == 400 * 50
    by_epochs = {**t, "max_iterations": None, "max_epochs": 3}
    assert hplan.train_samples(by_epochs) == 3 * 200
    target = {**by_epochs, "max_epochs": 1000, "loss_target": 1e-3}
    assert hplan.expected_samples(target, steps_to_target=10) == 10 * 50, "a loss target is reached in steps"
    assert hplan.expected_samples(target, steps_to_target=1e9) == 1000 * 200, "at most the budget"


def test_a_training_key_names_its_datasets():
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    config = TrainConfig(model="c1", data=DataSpec("cifar10", n=100), eval_data=DataSpec("cifar10", split="test"),
                         batch_size=10, lr=0.1, max_epochs=1)
    tree = hplan.plain({"train": config, "n_eval": 5})
    assert hplan.trainings(tree) == [hplan.plain(config)]
    assert hplan.datasets(tree) == {"cifar10"}
    assert hplan.datasets({"train": _training()}) == set(), "synthetic data is always here"


# ----------------------------------------------------------------------------- the lists match the chapters


class _Asked(Exception):
    pass


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if c not in NOTHING_STORED])
def test_plan_jobs_list_what_run_asks_the_store_for_first(chapter, data_env, tmp_path, monkeypatch):
    """Each chapter's run(P) stops at its first store request (a sweep or a computation): every
    entry it asked for is one its plan_jobs(P) lists (the same kinds and keys)."""
    import hessbook.kit.swept as swept
    from hessbook.registry import chapter_module
    from hessbook.store import result_key

    asked: list[tuple[str, str]] = []

    def fake_sweep(jobs, store=None, **kwargs):
        asked.extend((j.kind, result_key(j.kind, j.key)) for j in jobs)
        raise _Asked

    def fake_compute(self, kind, params, compute, **kwargs):
        asked.append((kind, result_key(kind, params)))
        raise _Asked

    monkeypatch.setattr(swept, "sweep", fake_sweep)
    monkeypatch.setattr(ResultStore, "get_or_compute", fake_compute)
    # grouped training first trains the networks the jobs declare (entries under their train
    # keys, which the plan's cost model counts per job); the jobs themselves are what is listed
    monkeypatch.setenv("HESSBOOK_GROUPED", "0")
    P = B.chapter_params(chapter, "smoke", ROOT)
    planned = {(p.kind, result_key(p.kind, p.key)) for p in hplan.chapter_plan_jobs(chapter)(P)}
    with pytest.raises(_Asked):
        chapter_module(chapter).run(P, ResultStore(tmp_path / "results"))
    assert asked and set(asked) <= planned, f"{chapter}: asked for entries its plan does not list"


# ----------------------------------------------------------------------------- exact Hessians


def test_a_hessian_probe_scales_with_samples_and_a_power_of_the_order():
    probe = hplan.HessianProbe(per_column_sample=1e-6, eigh_seconds=0.5, params=2 * hplan.EIGH_PROBE_SIZE,
                               eigh_exponent=2.5)
    assembly = 1e-6 * probe.params * 300
    assert probe.estimate(300) == pytest.approx(assembly + 0.5 * 2 ** 2.5)
    assert probe.estimate(600) - probe.estimate(300) == pytest.approx(assembly)


def test_the_hessian_probe_times_the_network_and_leaves_torch_as_it_was():
    from hessbook.kit.swept import DenseHessian
    from hessbook.models import build_model, num_parameters

    t = _training()
    threads, state = torch.get_num_threads(), torch.random.get_rng_state()
    probe = hplan.probe_hessian(DenseHessian(hplan.train_config_of(t), 200), threads=1)
    assert probe is not None and probe.per_column_sample > 0 and probe.eigh_seconds > 0
    assert 2.0 <= probe.eigh_exponent <= 3.0
    assert torch.get_num_threads() == threads and torch.equal(torch.random.get_rng_state(), state)
    assert probe.params == num_parameters(build_model(t["model"], **t["model_kwargs"]))


def test_a_job_with_a_dense_hessian_is_priced_by_the_probe(tmp_path):
    """Nothing of the kind stored: the job's Hessian is probed (not the book's average multiple of
    its training); without a probe the average stays."""
    from hessbook.kit.swept import DenseHessian

    t = _training()
    tree = {"train": t}
    hessian = DenseHessian(hplan.train_config_of(t), 200)
    store = ResultStore(tmp_path / "results")
    probed = hplan._Estimator(store, probe=True, empty=True, threads=1)
    seconds, basis = probed.estimate("demo-spectrum", tree, [hessian])
    assert basis.startswith("probe hessian")
    hessian_probe = next(iter(probed.hessian_probes.values()))
    training_alone = probed.training_cost(t)  # the probe timed above, cached: no second timing
    assert training_alone[1] == "probe" and training_alone[0] > 0
    assert seconds == pytest.approx(hessian_probe.estimate(200) + training_alone[0], rel=1e-9)
    no_hessian = hplan._Estimator(store, probe=True, empty=True, threads=1)
    training = no_hessian.estimate("demo-spectrum", tree)  # no dense Hessian declared: the book's average
    assert training[1] == "probe"
    assert training[0] == pytest.approx((1 + hplan.REST_PER_TRAINING) * no_hessian.training_cost(t)[0], rel=1e-9)
    assert hplan._Estimator(store, probe=False, empty=True).estimate("demo-spectrum", tree, [hessian]) == (0.0, "none")


def test_the_exact_spectrum_jobs_declare_their_hessians():
    from hessbook.chapters.s2 import compute as s2
    from hessbook.chapters.s2.params import S2Params
    from hessbook.params import load_file, params_file

    P = load_file(S2Params, params_file("s2", "smoke"))
    job = s2.jobs(P)[0]
    (hessian,) = job.planned().dense_hessians
    assert hessian.train == job.train and hessian.samples == job.train.data.options["n"]
    from hessbook.chapters.s4 import compute as s4
    from hessbook.chapters.s4.params import S4Params
    from hessbook.papers.sagun.mnist_spectra import SpectrumJob

    spectra = [j for j in s4.jobs(load_file(S4Params, params_file("s4", "smoke"))) if isinstance(j, SpectrumJob)]
    assert spectra
    for j in spectra:
        (hessian,) = j.planned().dense_hessians
        assert (hessian.samples, hessian.batch, hessian.dtype) == (j.train.data.n, j.hessian_batch, j.hessian_dtype)


# ----------------------------------------------------------------------------- work on trained networks


def test_a_product_probe_times_one_product_and_scales_beyond_its_samples(monkeypatch):
    t = _training()
    threads, state = torch.get_num_threads(), torch.random.get_rng_state()
    measured = hplan.probe_product(t, 200, threads=1)
    assert measured is not None and measured > 0
    assert torch.get_num_threads() == threads and torch.equal(torch.random.get_rng_state(), state)
    monkeypatch.setattr(hplan, "_median_seconds", lambda fn, device, **kw: (fn(), 1.0)[1])
    top = hplan.PROBE_MAX_SAMPLES
    assert hplan.probe_product(t, top // 2, threads=1) == 1.0, "within the probe's samples: as timed"
    assert hplan.probe_product(t, 3 * top, threads=1) == pytest.approx(3.0), "beyond: in proportion to the samples"
    assert hplan.probe_product({**t, "data": {"name": "no-such-data"}}, 10) is None


def test_a_job_with_network_work_is_priced_by_the_probes(tmp_path):
    """Nothing of the kind stored: the forward passes a job declares cost the training probe's
    evaluation rate each, its products the product probe each, on top of its training; without a
    probe the book's average multiple of its training stays."""
    from hessbook.kit.swept import NetworkWork

    t = _training()
    tree = {"train": t}
    work = NetworkWork(hplan.train_config_of(t), forwards=5000, products=12, product_samples=200)
    store = ResultStore(tmp_path / "results")
    probed = hplan._Estimator(store, probe=True, empty=True, threads=1)
    seconds, basis = probed.estimate("demo-landscape", tree, (), [work])
    assert basis.startswith("probe work")
    training, how = probed.training_cost(t)  # the probes timed above, cached
    forward = probed.probes[hplan._probe_key(t)].eval_per_sample
    (product,) = [v for k, v in probed.hessian_probes.items() if '"product"' in k]
    assert how == "probe" and forward > 0 and product > 0
    assert seconds == pytest.approx(5000 * forward + 12 * product + training, rel=1e-9)
    more = probed.estimate("demo-landscape", tree, (), [work, NetworkWork(work.train, forwards=5000)])[0]
    assert more - seconds == pytest.approx(5000 * forward, rel=1e-9), "each declared pass counts"
    unprobed = hplan._Estimator(store, probe=False, empty=True)
    assert unprobed.estimate("demo-landscape", tree, (), [work]) == (0.0, "none")


@pytest.mark.parametrize("model", ["m1", "c2"])
def test_y2_jobs_declare_their_lines_surfaces_checks_and_lanczos(model):
    """Counted from params/cpu/y2.yaml's values as written there: 21 line points on 1,000 training
    and 1,000 test samples (M1 also on its random batch of 320), a 9 x 9 surface on both, the
    float64 checks (3 points on 256 samples of each split, twice the cost) and 60 products."""
    from hessbook.chapters.y2 import compute as y2
    from hessbook.chapters.y2.params import Y2Params
    from hessbook.params import load_file, params_file

    P = load_file(Y2Params, params_file("y2", "cpu"))
    job = next(j for j in y2.jobs(P) if j.train.model == model)
    (work,) = job.planned().network_work
    random_batch = 320 if model == "m1" else 0
    assert work.train == job.train
    assert work.forwards == 21 * (2000 + random_batch) + 81 * 2000 + 2 * 3 * 2 * 256
    assert (work.products, work.product_samples, work.product_batch) == (60, 256, 1000)


def test_y2_work_at_the_paper_scale_counts_whole_splits():
    """``n_eval: all`` (params/paper/y2.yaml): M1's whole MNIST splits, 60,000 training and 10,000
    test images, on the line (with the random batch of 320) and the surface; the checks on
    n_hessian training samples and at most the 10,000 test images."""
    from hessbook.chapters.y2 import compute as y2
    from hessbook.chapters.y2.params import Y2Params
    from hessbook.params import load_file, params_file

    P = load_file(Y2Params, params_file("y2", "paper"))
    job = next(j for j in y2.jobs(P) if j.train.model == "m1")
    (work,) = job.planned().network_work
    n_train, n_test = 60000, 10000
    n_hessian = n_train if P.n_hessian == "all" else P.n_hessian
    points, grid = len(P.alphas()), len(P.surface_alphas())
    assert work.forwards == (points * (n_train + n_test + P.random_batch) + grid ** 2 * (n_train + n_test)
                             + 2 * 3 * (n_hessian + min(n_hessian, n_test)))
    assert work.product_samples == n_hessian and work.products == P.lanczos_max_dim


def test_the_plan_prices_y2s_landscapes_by_their_work(no_running, fake_data, store_at, monkeypatch):
    """Y2's networks are Y1's (trained by Y1's jobs in the same plan): its own estimate is its
    landscapes' declared work at the probed rates (here fixed), not zero (before NetworkWork it
    read 0.1 min for 24 min recorded at cpu)."""
    from hessbook.chapters.y2 import compute as y2
    from hessbook.chapters.y2.params import Y2Params
    from hessbook.params import load_file, params_file

    monkeypatch.setattr(hplan, "probe_training", lambda t, device=None, threads=None: hplan.Probe(
        per_sample=1e-4, batch=int(t["batch_size"]), device="cpu", eval_per_sample=1e-6))
    monkeypatch.setattr(hplan, "probe_product", lambda t, samples, batch=None, device=None, threads=None: 1e-3)
    monkeypatch.setattr(hplan, "probe_group", lambda *a, **k: None)
    plan = B.plan("smoke", root=ROOT, chapters=["y1", "y2"])
    rows = _rows(plan)["y2"].jobs
    jobs = y2.jobs(load_file(Y2Params, params_file("y2", "smoke")))
    assert len(rows) == len(jobs) > 0
    for row, job in zip(rows, jobs):
        (work,) = job.planned().network_work
        assert row.basis == "probe work", row.basis
        assert row.seconds == pytest.approx(work.forwards * 1e-6 + work.products * 1e-3, rel=1e-9)


def test_declared_work_is_probed_not_priced_from_other_parameters_runs(tmp_path, monkeypatch):
    """A stored job of the kind at other parameters (another scale's sizes) prices a job that
    declares nothing ('other runs'); one that declares its work is probed at its own sizes."""
    from hessbook.kit.swept import NetworkWork

    monkeypatch.setattr(hplan, "probe_product", lambda t, samples, batch=None, device=None, threads=None: 1e-3)
    t = _training()
    store = ResultStore(tmp_path / "results")
    store.save("demo-landscape", {"train": _training(seed=7)}, Record(metrics={"x": 1}), seconds=500.0)
    work = NetworkWork(hplan.train_config_of(t), products=10, product_samples=100)
    estimator = hplan._Estimator(store, probe=True, empty=False, threads=1)
    assert estimator.estimate("demo-landscape", {"train": t})[1].startswith("other runs")
    seconds, basis = estimator.estimate("demo-landscape", {"train": t}, (), [work])
    assert basis.startswith("probe work") and seconds < 500.0
