"""hessbook.train_grouped: members of a group equal their one-by-one training, are stored under
train's keys, stop on their own, resume, and fall back where grouping does not apply."""

from __future__ import annotations

import dataclasses
import math
import shutil

import pytest
import torch

from hessbook.kit.jobs import Context, StoredJob, run_jobs
from hessbook import data as hdata
from hessbook import train as T
from hessbook import train_grouped as TG
from hessbook.device import exact_float32
from hessbook.store import ResultStore

CPU = torch.device("cpu")
STEPS = 50
CLUSTERS = hdata.DataSpec("gaussian_clusters", options={"k": 5, "d": 20, "n": 200, "cov_scale": 1.0, "seed": 0})
MNIST = hdata.DataSpec("mnist", "k_train", n=512)


def mlp(**changes) -> T.TrainConfig:
    base = T.TrainConfig(model="s_mlp", model_kwargs={"d": 20, "k": 5}, data=CLUSTERS, batch_size=16, lr=0.05,
                         momentum=0.9, max_epochs=4, seed=1)
    return dataclasses.replace(base, **changes)


def k_like(model: str, data: hdata.DataSpec, **common) -> list[T.TrainConfig]:
    """Three members as K's grid differs them (lr rule, momentum, weight decay) and a seed."""
    base = T.TrainConfig(model=model, data=data, batch_size=16, lr=0.02, max_iterations=STEPS, record_every=1,
                         seed=0, **common)
    return [
        base,
        dataclasses.replace(base, lr=0.03, momentum=0.9, lr_rule="halve", lr_params={"every": 1, "factor": 0.5}),
        dataclasses.replace(base, lr=0.01, momentum=0.5, weight_decay=1e-3, seed=3),
    ]


@pytest.fixture
def store(tmp_path) -> ResultStore:
    return ResultStore(tmp_path / "results")


def losses(result: T.TrainResult) -> list[float]:
    return [h["train_loss_running"] for h in result.history]


def assert_same_as_alone(grouped: T.TrainResult, alone: T.TrainResult, rel: float = 1e-5) -> None:
    """Equal up to float summation order: same stop, every recorded loss to ``rel``."""
    assert (grouped.stop_reason, grouped.diverged_epoch, grouped.epochs, grouped.iterations) == \
           (alone.stop_reason, alone.diverged_epoch, alone.epochs, alone.iterations)
    a, g = losses(alone), losses(grouped)
    assert len(a) == len(g)
    for i, (x, y) in enumerate(zip(a, g)):
        if math.isfinite(x) or math.isfinite(y):
            assert y == pytest.approx(x, rel=rel, abs=1e-7), f"loss {i}: alone {x}, grouped {y}"
    assert [sorted(h) for h in grouped.history] == [sorted(h) for h in alone.history]


def accuracy(result: T.TrainResult, data: hdata.DataSpec) -> float:
    return T.evaluate(result.model(CPU), hdata.load_data(data), CPU)[1]


@pytest.mark.parametrize("model", ["m1k", "stdcnn"])
def test_members_equal_one_by_one_over_50_steps(model, tmp_path, data_env):
    """M1-K and StdCNN (dropout: each member draws its own masks) on MNIST, batch 16: 50 steps
    across an epoch boundary with a halving rule, momentum 0 / 0.5 / 0.9, weight decay, seeds."""
    configs = k_like(model, MNIST)
    with exact_float32():
        alone = [T.train(c, ResultStore(tmp_path / "alone"), CPU) for c in configs]
        grouped = TG.train_group(configs, ResultStore(tmp_path / "grouped"), CPU)
    for g, a in zip(grouped, alone):
        assert len(losses(a)) == STEPS
        assert_same_as_alone(g, a)
        assert accuracy(g, MNIST) == accuracy(a, MNIST)
    assert losses(alone[0]) != losses(alone[1])  # the members did differ


def test_the_one_pass_update_of_an_accelerator_equals_one_by_one(tmp_path, data_env, monkeypatch):
    """The accelerator's update (every tensor in one pass over all members, no member loop),
    forced on the CPU: the same losses as training alone, to float summation order."""
    monkeypatch.setattr(TG, "member_loop", lambda p: False)
    configs = k_like("m1k", MNIST)
    with exact_float32():
        alone = [T.train(c, ResultStore(tmp_path / "alone"), CPU) for c in configs]
        grouped = TG.train_group(configs, ResultStore(tmp_path / "grouped"), CPU)
    for g, a in zip(grouped, alone):
        assert_same_as_alone(g, a)


def fake_record_graph(body, device):
    """A CUDA graph's contract on the CPU: capturing runs nothing; each replay runs the body on
    the tensors it was recorded on and rewrites the one tensor it returned."""
    out = torch.zeros(0)

    def replay() -> None:
        r = body()
        out.resize_(r.shape).copy_(r)

    return replay, out


@pytest.mark.parametrize("model", ["m1k", "stdcnn"])
def test_the_graph_path_equals_one_by_one(model, tmp_path, data_env, monkeypatch):
    """The CUDA-graph path of a group's step (warm-ups, a capture per batch shape, replays
    reading the batch, the dropout masks drawn from each member's stream and the rates from
    static tensors) run on the CPU with a stand-in graph: the same losses as training alone, to
    float summation order, across an epoch boundary where the halving rule changes a rate and
    a short last batch (520 = 32 x 16 + 8); StdCNN's dropout draws its masks as alone."""
    monkeypatch.setattr(TG, "uses_graph", lambda device: True)
    monkeypatch.setattr(TG, "record_graph", fake_record_graph)
    replays, recorded_on = [], {}
    real = TG._StepGraphs.step

    def tensors(group):  # what a real graph reads: its recorded parameters and momentum buffers
        return [t.data_ptr() for t in group.net.params + [b for b in group.opt.buffers if b is not None]]

    def counting(self, group, index):
        key = next((k for k in self.captured if k[:2] == (index.shape[1], index.shape[0])), None)
        replays.append(key is not None)
        if key is not None:  # a stale graph (members left, not recaptured) would read other tensors
            assert recorded_on[key] == tensors(group)
        out = real(self, group, index)
        for k in self.captured:
            recorded_on.setdefault(k, tensors(group))
        if not self.captured:
            recorded_on.clear()
        return out

    monkeypatch.setattr(TG._StepGraphs, "step", counting)
    data = hdata.DataSpec("mnist", "k_train", n=520)
    configs = k_like(model, data)
    configs[0] = dataclasses.replace(configs[0], max_iterations=30)  # leaves mid-epoch: the graphs are redone
    with exact_float32():
        alone = [T.train(c, ResultStore(tmp_path / "alone"), CPU) for c in configs]
        grouped = TG.train_group(configs, ResultStore(tmp_path / "grouped"), CPU)
    for g, a in zip(grouped, alone):
        assert_same_as_alone(g, a)
    # G = 3: steps 1-3 warm up, 4 captures, 5-30 replay (26); member 0 leaves; G = 2: steps 31-32 and
    # 34 warm up (33 is the epoch's short batch), 35 captures, 36-50 replay (15)
    assert sum(replays) == 26 + 15


def test_graphs_only_on_cuda(monkeypatch):
    assert TG.uses_graph(torch.device("cuda"))
    assert not TG.uses_graph(CPU)
    monkeypatch.setenv(TG.GRAPH_ENV, "0")
    assert not TG.uses_graph(torch.device("cuda"))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device")
def test_cuda_graph_steps_equal_the_eager_group_and_one_by_one(tmp_path, data_env, monkeypatch):
    """On a GPU (cuDNN deterministic, so that two runs of one computation agree): the group
    replayed from CUDA graphs (warm-ups, capture, replays; a rate that changes at the epoch
    boundary; a short last batch) takes exactly the eager group's steps, and the graphs were
    used. Against training alone, to 1e-5, members 0 and 2; member 1 (lr 0.03, momentum 0.9,
    halving) amplifies the grouped matmuls' other rounding to a 26 % loss difference by step
    50 on an H200, eager or graphed alike (first above 1e-6 at step 4; measured 2026-12-04), so
    it is held to the same stop and step count only."""
    cuda = torch.device("cuda")
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", True)
    data = hdata.DataSpec("mnist", "k_train", n=520)  # 32 batches of 16 and one of 8
    replays = []
    real = TG._StepGraphs.step

    def counting(self, group, index):
        replays.append(index.shape[1] in {k[0] for k in self.captured})  # captured keys: x's (B, G, ...)
        return real(self, group, index)

    for model in ("m1k", "stdcnn"):
        configs = k_like(model, data)
        replays.clear()
        with exact_float32():
            alone = [T.train(c, ResultStore(tmp_path / model / "alone"), cuda) for c in configs]
            monkeypatch.setenv(TG.GRAPH_ENV, "0")
            eager = TG.train_group(configs, ResultStore(tmp_path / model / "eager"), cuda)
            monkeypatch.setenv(TG.GRAPH_ENV, "1")
            monkeypatch.setattr(TG._StepGraphs, "step", counting)
            graphed = TG.train_group(configs, ResultStore(tmp_path / model / "graphed"), cuda)
            monkeypatch.setattr(TG._StepGraphs, "step", real)
        assert sum(replays) == STEPS - (TG.GRAPH_WARMUP + 1) - 1  # warm-ups, the capture, the short batch
        for g, (gr, e, a) in enumerate(zip(graphed, eager, alone)):
            assert losses(gr) == losses(e), f"{model} member {g}: graph and eager steps differ"
            if g == 1:
                assert (gr.stop_reason, gr.epochs, gr.iterations) == (a.stop_reason, a.epochs, a.iterations)
            else:
                assert_same_as_alone(gr, a)


def test_a_wrong_learning_rate_is_detected(tmp_path, data_env):
    """The comparison can fail: one member trained with its lr 2% off does not pass."""
    configs = k_like("m1k", MNIST)
    wrong = [*configs[:2], dataclasses.replace(configs[2], lr=configs[2].lr * 1.02)]
    with exact_float32():
        alone = [T.train(c, ResultStore(tmp_path / "alone"), CPU) for c in configs]
        grouped = TG.train_group(wrong, ResultStore(tmp_path / "grouped"), CPU)
    assert_same_as_alone(grouped[0], alone[0])
    with pytest.raises(AssertionError, match="loss"):
        assert_same_as_alone(grouped[2], alone[2])


def test_c1_batchnorm_and_augmentation(tmp_path, data_env):
    """C1 (BatchNorm per member and channel; CIFAR crops and flips from each member's generator).
    Few steps: at batch 16 C1 amplifies any float-order difference (a 1e-7 change of its first
    weights moves its loss by 1e-3 within 30 steps, alone as grouped), so longer runs differ there."""
    data = hdata.DataSpec("cifar10", "k_train", n=64, augment=True)
    configs = [dataclasses.replace(c, max_iterations=3) for c in k_like("c1", data, model_kwargs={"conv_stride": 2})]
    with exact_float32():
        alone = [T.train(c, ResultStore(tmp_path / "alone"), CPU) for c in configs]
        grouped = TG.train_group(configs, ResultStore(tmp_path / "grouped"), CPU)
    for g, a in zip(grouped, alone):
        assert_same_as_alone(g, a)
        for key in a.state:
            if "running" in key or "num_batches" in key:
                assert torch.allclose(g.state[key].double(), a.state[key].double(), rtol=1e-4, atol=1e-6), key


def test_resnet18_residual_blocks(tmp_path, data_env):
    """ResNet18 (basic blocks with identity and projection shortcuts, BatchNorm in every block, no
    bias in its convolutions) at width 2 on CIFAR-10, 4 steps: each member's losses equal its
    training alone up to float summation order. This thin net amplifies float-order differences
    about tenfold a step (its channels-last training alone, another summation order, differs from
    the default one by 7e-5 relative at the 2nd loss of one member, 7e-3 at the 5th), so the bound
    is that reference's own spread, tenfold, or 1e-5; a wrong block or shortcut differs by O(1)
    at the first loss. The float64 test below shows the grouped step itself exact."""
    data = hdata.DataSpec("cifar10", "k_train", n=64, augment=True)
    configs = [dataclasses.replace(c, max_iterations=4)
               for c in k_like("resnet18", data, model_kwargs={"width": 2})]
    assert TG.group_key(configs[0]) is not None
    with exact_float32():
        alone = [T.train(c, ResultStore(tmp_path / "alone"), CPU) for c in configs]
        reordered = [T.train(dataclasses.replace(c, channels_last=True), ResultStore(tmp_path / "nhwc"), CPU)
                     for c in configs]
        grouped = TG.train_group(configs, ResultStore(tmp_path / "grouped"), CPU)
    for g, a, r in zip(grouped, alone, reordered):
        assert (g.stop_reason, g.iterations) == (a.stop_reason, a.iterations)
        for i, (x, y, z) in enumerate(zip(losses(a), losses(g), losses(r))):
            assert abs(y - x) <= max(1e-5 * abs(x), 10 * abs(z - x)), f"loss {i}: alone {x}, grouped {y}, nhwc {z}"
        assert set(g.state) == set(a.state)
    assert losses(alone[0]) != losses(alone[2])


@pytest.mark.parametrize("training", [False, True])
def test_the_grouped_resnet18_equals_each_members_own_forward_and_gradient(training):
    """The interpreter's ResNet18 in float64 against each member's own ``forward``: logits, the
    gradient of the summed losses (each member's own gradient), and in training the BatchNorm
    running statistics after the pass. A skipped block, a swapped shortcut or a missing ReLU
    would change them."""
    from hessbook.models import build_model

    torch.manual_seed(0)
    nets = [build_model("resnet18", width=2).double() for _ in range(3)]
    for net in nets:  # running statistics away from (0, 1), so that eval mode uses them
        net.train(training)
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    grouped = TG.GroupedNet(nets[0], [n.state_dict() for n in nets], 3, CPU)
    x = torch.randn(8, 3, 3, 32, 32, dtype=torch.float64)
    y = torch.randint(0, 10, (8, 3))
    out = grouped.forward(x, training=training)
    loss = sum(torch.nn.functional.cross_entropy(out[g], y[:, g]) for g in range(3))
    grads = torch.autograd.grad(loss, grouped.params)
    for g, net in enumerate(nets):
        logits = net(x[:, g])
        torch.testing.assert_close(out[g], logits, rtol=1e-10, atol=1e-12)
        own = torch.autograd.grad(torch.nn.functional.cross_entropy(logits, y[:, g]), list(net.parameters()))
        for name, a, b in zip(grouped.param_names, own, grads):
            torch.testing.assert_close(b[g], a, rtol=1e-9, atol=1e-12, msg=name)
        for name, value in net.state_dict().items():
            torch.testing.assert_close(grouped.tensors[name][g].detach(), value, rtol=1e-12, atol=1e-12, msg=name)


def test_a_diverging_member_stops_as_alone_and_the_others_go_on(tmp_path):
    configs = [mlp(epoch_metrics=("train_loss", "grad_norm")), mlp(lr=1e5, seed=2),
               mlp(momentum=0.0, lr=0.1, seed=3, lr_rule="halve", lr_params={"every": 2}),
               mlp(seed=4, loss_target=0.9)]
    alone = [T.train(c, ResultStore(tmp_path / "alone"), CPU) for c in configs]
    grouped = TG.train_group(configs, ResultStore(tmp_path / "grouped"), CPU)
    assert alone[1].diverged and grouped[1].diverged and grouped[1].diverged_epoch == alone[1].diverged_epoch == 1
    assert alone[3].stop_reason == "loss_target" and alone[3].epochs < 4
    for g, a in zip(grouped, alone):
        assert_same_as_alone(g, a)
    assert grouped[0].history[-1]["grad_norm"] == pytest.approx(alone[0].history[-1]["grad_norm"], rel=1e-5)


def test_record_also_records_where_the_single_engine_does(tmp_path):
    """Y3's early records (``record_also``): the grouped engine records at the same iterations as
    the single one, with the same losses."""
    configs = [mlp(record_every=7, record_also=(2, 3), epoch_metrics=("train_loss",)),
               mlp(lr=0.1, seed=2, record_every=7, epoch_metrics=("train_loss",))]
    alone = [T.train(c, ResultStore(tmp_path / "alone"), CPU) for c in configs]
    grouped = TG.train_group(configs, ResultStore(tmp_path / "grouped"), CPU)
    assert [h["iteration"] for h in alone[0].history][:4] == [2, 3, 7, 14]
    for g, a in zip(grouped, alone):
        assert [h["iteration"] for h in g.history] == [h["iteration"] for h in a.history]
        assert_same_as_alone(g, a)


def test_record_below_records_where_the_single_engine_does(tmp_path):
    """Y3's loss-level records (``record_below``): the grouped engine evaluates and records at the
    same epochs as the single one."""
    probe = T.train(mlp(record_every=13, epoch_metrics=("train_loss",)), ResultStore(tmp_path / "probe"), CPU)
    losses = [h["train_loss"] for h in probe.history]
    levels = (math.sqrt(losses[0] * losses[1]), math.sqrt(losses[2] * losses[3]))
    configs = [mlp(record_every=1000, record_below=levels, epoch_metrics=("train_loss",)),
               mlp(lr=0.1, seed=2, record_every=1000, record_below=levels, epoch_metrics=("train_loss",))]
    alone = [T.train(c, ResultStore(tmp_path / "alone"), CPU) for c in configs]
    grouped = TG.train_group(configs, ResultStore(tmp_path / "grouped"), CPU)
    assert [h["iteration"] for h in alone[0].history] == [26, 52]
    for g, a in zip(grouped, alone):
        assert [h["iteration"] for h in g.history] == [h["iteration"] for h in a.history]
        assert_same_as_alone(g, a)


def test_members_stop_at_their_loss_target_where_the_single_engine_does(tmp_path):
    """Y3's clean runs, grouped over seeds, each with a loss target among its record levels: each
    member stops at the record the single engine stops at and leaves the group; the other goes on."""
    probe = T.train(mlp(record_every=13, epoch_metrics=("train_loss",)), ResultStore(tmp_path / "probe"), CPU)
    losses = [h["train_loss"] for h in probe.history]
    levels = (math.sqrt(losses[0] * losses[1]), math.sqrt(losses[2] * losses[3]))
    configs = [mlp(max_epochs=6, record_every=1000, record_below=levels, loss_target=levels[1],
                   epoch_metrics=("train_loss",)),
               mlp(seed=2, record_every=1000, record_below=levels, loss_target=levels[1] / 100,
                   epoch_metrics=("train_loss",))]
    alone = [T.train(c, ResultStore(tmp_path / "alone"), CPU) for c in configs]
    grouped = TG.train_group(configs, ResultStore(tmp_path / "grouped"), CPU)
    # member 0 stops at the record of epoch 4 and keeps the one before (epoch 2): the bracket Y3 reads
    assert alone[0].stop_reason == "loss_target" and alone[0].epochs == 4
    assert [h["iteration"] for h in alone[0].history] == [26, 52]
    assert alone[1].stop_reason == "max_epochs"
    for g, a in zip(grouped, alone):
        assert (g.stop_reason, g.epochs) == (a.stop_reason, a.epochs)
        assert [h["iteration"] for h in g.history] == [h["iteration"] for h in a.history]
        assert_same_as_alone(g, a)


def test_members_are_stored_under_trains_keys(store):
    configs = [mlp(), mlp(lr=0.1, seed=2, record_every=7)]
    grouped = TG.train_group(configs, store, CPU)
    for config, g in zip(configs, grouped):
        again = T.train(config, store, CPU)
        assert again.cached and again.history == g.history
        assert all(torch.equal(again.state[k], g.state[k]) for k in g.state)
        record = store.load(T.STORE_KIND, config)
        assert set(record.metrics) == {"history", "stop_reason", "diverged_epoch", "epochs", "iterations"}
        assert set(record.states) == {"model"} and record.meta["seconds"] > 0
        assert not store.checkpoint(T.STORE_KIND, config).path.parent.exists()
    assert len(store.entries(T.STORE_KIND)) == 2


def test_a_stored_member_is_not_trained_again(store, monkeypatch):
    first = T.train(mlp(), store, CPU)
    seen = []
    real = TG._Group.__init__

    def spy(self, configs, *args, **kwargs):
        seen.append(list(configs))
        real(self, configs, *args, **kwargs)

    monkeypatch.setattr(TG._Group, "__init__", spy)
    out = TG.train_group([mlp(), mlp(seed=2), mlp(seed=3)], store, CPU)
    assert [c.seed for c in seen[0]] == [2, 3]
    assert out[0].cached and out[0].history == first.history
    TG.train_group([mlp(), mlp(seed=2)], store, CPU)
    assert len(seen) == 1  # all stored: nothing trained


class Interrupt(RuntimeError):
    pass


def test_an_interrupted_group_resumes_and_train_resumes_a_members_checkpoint(tmp_path, monkeypatch):
    configs = [mlp(max_epochs=5), mlp(lr=0.1, seed=2, max_epochs=5, lr_rule="halve", lr_params={"every": 2})]
    uninterrupted = TG.train_group(configs, ResultStore(tmp_path / "once"), CPU)
    store = ResultStore(tmp_path / "twice")
    real = TG._Group._save_checkpoints

    def stop_at_3(self):
        real(self)
        if self.members[0].st.epoch == 3:
            raise Interrupt

    monkeypatch.setattr(TG._Group, "_save_checkpoints", stop_at_3)
    with pytest.raises(Interrupt):
        TG.train_group(configs, store, CPU, checkpoint_interval=0)
    monkeypatch.setattr(TG._Group, "_save_checkpoints", real)
    assert [store.checkpoint(T.STORE_KIND, c).load()[0] for c in configs] == [3, 3]
    copy = ResultStore(tmp_path / "copy")
    shutil.copytree(store.root, copy.root)
    resumed = TG.train_group(configs, store, CPU)
    for r, u in zip(resumed, uninterrupted):  # bit-identical: the same group, resumed
        assert losses(r) == losses(u) and all(torch.equal(r.state[k], u.state[k]) for k in u.state)
    # train alone resumes a member from the group's checkpoint (the same format as its own)
    seen = []
    alone = T.train(configs[1], copy, CPU, on_epoch=lambda e, m, h: seen.append(e))
    assert seen[0] == 4
    assert_same_as_alone(alone, uninterrupted[1])


def test_group_key_and_predicate(monkeypatch, data_env):
    base = T.TrainConfig(model="m1k", data=MNIST, batch_size=16, lr=0.01, max_epochs=1)
    assert TG.group_key(base) is not None
    for change in ({"adversary": "fgsm"}, {"mixed_precision": True}, {"channels_last": True}):
        assert TG.group_key(dataclasses.replace(base, **change)) is None, change
    assert TG.group_key(T.TrainConfig(model="resnet18", data=MNIST, batch_size=16, lr=0.01, max_epochs=1)) is not None
    members = [base, dataclasses.replace(base, lr=0.1, momentum=0.9, seed=3, max_epochs=3)]
    assert TG.groupable(members, CPU)
    assert not TG.groupable([base, dataclasses.replace(base, batch_size=32)], CPU)
    assert not TG.groupable([base, dataclasses.replace(base, data=dataclasses.replace(MNIST, n=256))], CPU)
    assert not TG.groupable([base], CPU)
    big = [dataclasses.replace(c, batch_size=1024) for c in members]
    from types import SimpleNamespace

    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda device: SimpleNamespace(total_memory=80 * 10**9))
    assert not TG.groupable(big, CPU) and TG.groupable(big, torch.device("cuda"))
    monkeypatch.setenv(TG.GROUPED_ENV, "0")
    assert not TG.groupable(members, CPU)
    assert TG.partition(members, CPU) == [[base], [members[1]]]


def test_on_a_gpu_a_group_forms_only_where_its_activations_fit(monkeypatch):
    """ResNet18 at K's gpu width 32: six members at batch 1024 would keep about 37 GB of activations
    (not grouped on an 80 GB device), at batch 64 about 2.3 GB (grouped); M1-K at 1024, 0.6 GB."""
    from types import SimpleNamespace

    cifar = hdata.DataSpec("cifar10", "k_train", n=512)
    big = T.TrainConfig(model="resnet18", model_kwargs={"width": 32}, data=cifar, batch_size=1024, lr=0.01, max_epochs=1)
    small = dataclasses.replace(big, batch_size=64)
    m1k = T.TrainConfig(model="m1k", data=MNIST, batch_size=1024, lr=0.01, max_epochs=1)
    assert TG.sample_activations(small) > 10 * TG.sample_activations(m1k)
    assert not TG.fits_on_device(big, 80 * 10**9) and TG.fits_on_device(small, 80 * 10**9)
    assert TG.fits_on_device(m1k, 80 * 10**9) and not TG.fits_on_device(m1k, 10**9)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda device: SimpleNamespace(total_memory=80 * 10**9))
    cuda = torch.device("cuda")
    assert TG.pays(small, cuda) and not TG.pays(big, cuda) and TG.pays(m1k, cuda)


def test_on_the_cpu_the_per_layer_clause_adds_resnet18_alone():
    """The CPU rule groups a step of at most 2e8 multiply-adds, or of at most 3e7 a layer: the second
    clause decides only for a deep network of thin layers (ResNet18 at K's cpu width 8, batch 32
    and 64: measured 1.3-1.7x faster grouped); for the book's sequential models it never groups
    what the total alone would not, and ResNet18 at batch 256 is not grouped."""
    cifar = hdata.DataSpec("cifar10", "k_train", n=512)

    def config(model: str, batch: int, **kwargs) -> T.TrainConfig:
        data = cifar if model in ("c1", "c2", "c3", "alexnet_bare", "resnet18") else MNIST
        return T.TrainConfig(model=model, model_kwargs=kwargs, data=data, batch_size=batch, lr=0.01, max_epochs=1)

    for model in ("m1", "m1k", "stdcnn", "c1", "c2", "c3", "alexnet_bare", "s_cnn", "s_fc_mnist"):
        for batch in (16, 32, 64, 128, 256, 512, 1024):
            c = config(model, batch)
            assert TG.pays(c, CPU) == (batch * TG.sample_macs(c) <= TG.CPU_MAX_STEP_MACS), (model, batch)
    resnet = [config("resnet18", b, num_classes=10, width=8) for b in (16, 32, 64, 256)]
    assert TG.weighted_layers(resnet[0]) == 21
    assert [TG.pays(c, CPU) for c in resnet] == [True, True, True, False]
    assert [c.batch_size * TG.sample_macs(c) <= TG.CPU_MAX_STEP_MACS for c in resnet] == [True, False, False, False]


def test_partition_splits_large_groups():
    configs = [mlp(seed=s) for s in range(TG.MAX_GROUP + 2)]
    parts = TG.partition(configs + configs[:3], CPU)  # duplicates are trained once
    assert len(parts) == 2 and max(len(p) for p in parts) - min(len(p) for p in parts) <= 1
    assert sorted(c.seed for p in parts for c in p) == list(range(TG.MAX_GROUP + 2))
    assert TG.partition([mlp(), mlp(adversary="fgsm")], CPU) == [[mlp()], [mlp(adversary="fgsm")]]


@dataclasses.dataclass(frozen=True)
class Measured:
    """A chapter-like job's stored result."""

    loss: float
    cached: bool


@dataclasses.dataclass(frozen=True)
class MeasureJob(StoredJob):
    """A chapter-like job: train (through the store), then one number about the network."""

    KIND = "grouped-test"
    RESULT = Measured
    config: T.TrainConfig

    def trains(self) -> tuple[T.TrainConfig, ...]:
        return (self.config,)

    def compute(self, ctx: Context) -> Measured:
        trained = T.train(self.config, ctx.store, ctx.device)
        return Measured(trained.history[-1]["train_loss_running"], trained.cached)


@pytest.mark.parametrize("grouped", ["1", "0"])
def test_run_jobs_trains_declared_networks_as_one(grouped, store, monkeypatch):
    """Jobs that declare ``trains``: kit.run_jobs trains their networks as one group first
    (the jobs then load them), or one by one in the jobs with HESSBOOK_GROUPED=0; same numbers."""
    monkeypatch.setenv(TG.GROUPED_ENV, grouped)
    monkeypatch.setattr(TG, "pays", lambda config, device: True)
    configs = [mlp(max_epochs=2, seed=s, lr=0.02 * (s + 1)) for s in range(3)]
    jobs = [MeasureJob(c) for c in configs]
    ctx = Context(CPU, store)
    results = run_jobs(jobs, ctx, cluster="serial").results
    assert [r.cached for r in results] == [grouped == "1"] * 3
    assert len(store.entries(TG.GROUP_KIND)) == (1 if grouped == "1" else 0)
    alone = [T.train(c, ResultStore(store.root.parent / "alone"), CPU) for c in configs]
    for r, a in zip(results, alone):
        assert r.loss == pytest.approx(losses(a)[-1], rel=1e-5)
    assert run_jobs(jobs, ctx, cluster="serial").results == results
    assert len(store.entries(TG.GROUP_KIND)) == (1 if grouped == "1" else 0)


def test_train_many_groups_what_groups_and_trains_the_rest_alone(store, monkeypatch):
    groups = []
    real = TG.train_group

    def spy(configs, *args, **kwargs):
        groups.append([c.seed for c in configs])
        return real(configs, *args, **kwargs)

    monkeypatch.setattr(TG, "train_group", spy)
    configs = [mlp(max_epochs=2), mlp(max_epochs=2, seed=2), mlp(max_epochs=2, seed=3, mixed_precision=True),
               mlp(max_epochs=2, batch_size=32, seed=4)]
    out = TG.train_many(configs, store, CPU)
    assert groups == [[1, 2]]
    assert [r.config for r in out] == configs
    assert all(T.train(c, store, CPU).cached for c in configs)
