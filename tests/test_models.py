"""hessbook.models: parameter counts (by hand formula), output shapes, normalization, errors."""

from __future__ import annotations

import pytest
import torch

from hessbook.models import INPUT_SHAPES, MODEL_NAMES, Normalize, build_model, num_parameters


def conv(cin, cout, k, bias=True):
    return cin * cout * k * k + (cout if bias else 0)


def fc(nin, nout):
    return nin * nout + nout


def bn(c):
    return 2 * c


def resnet18_count(classes, w=64):
    total = conv(3, w, 3, False) + bn(w)
    cin = w
    for stage in range(4):
        cout = w * 2**stage
        for block in range(2):
            total += conv(cin, cout, 3, False) + bn(cout) + conv(cout, cout, 3, False) + bn(cout)
            if cin != cout:
                total += conv(cin, cout, 1, False) + bn(cout)
            cin = cout
    return total + fc(8 * w, classes)


C2_CONVS = conv(3, 64, 3) + conv(64, 64, 3) + conv(64, 128, 3) + conv(128, 128, 3)
EXPECTED = {
    # Y: 5x5 convs stride 2 with SAME padding; MP(3,3) stride 2 pad 1: 32->16->8->4->2
    "c1": conv(3, 64, 5) + bn(64) + conv(64, 64, 5) + bn(64) + fc(64 * 2 * 2, 384) + fc(384, 192) + fc(192, 10),
    # pooled after conv 2 and 4: FC input 128*8*8
    "c2": C2_CONVS + bn(64) * 2 + bn(128) * 2 + fc(128 * 8 * 8, 256) + fc(256, 256) + fc(256, 10),
    "c3": C2_CONVS + fc(128 * 8 * 8, 256) + fc(256, 256) + fc(256, 10),
    "m1": conv(1, 20, 5) + conv(20, 50, 5) + fc(50 * 7 * 7, 500) + fc(500, 10),
    "m1k": conv(1, 20, 5) + conv(20, 20, 5) + fc(20 * 7 * 7, 500) + fc(500, 10),
    "stdcnn": conv(1, 10, 3) + conv(10, 10, 3) + conv(10, 20, 3) + conv(20, 20, 3) + fc(320, 50) + fc(50, 10),
    "resnet18": resnet18_count(10),
    "s_mlp": fc(100, 30) + fc(30, 30) + fc(30, 2),
    "s_fc_mnist": fc(784, 10) + fc(10, 10),
    "s_cnn": conv(1, 10, 5) + conv(10, 20, 5) + fc(320, 50) + fc(50, 10),
    "alexnet_bare": conv(3, 64, 11) + conv(64, 192, 5) + conv(192, 384, 3) + conv(384, 256, 3)
    + conv(256, 256, 3) + fc(256, 10),
}
PINNED = {"c1": 282122, "c2": 2426698, "c3": 2425930, "m1": 1256080, "m1k": 506050, "stdcnn": 23010,
          "resnet18": 11173962, "s_mlp": 4022, "s_fc_mnist": 7960, "s_cnn": 21840, "alexnet_bare": 2472266}


def test_every_model_covered():
    assert set(MODEL_NAMES) == set(EXPECTED) == set(PINNED)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_parameter_count_and_output_shape(name):
    torch.manual_seed(0)
    model = build_model(name).eval()
    assert num_parameters(model) == EXPECTED[name] == PINNED[name]
    x = torch.rand(3, *INPUT_SHAPES.get(name, (100,)))
    with torch.no_grad():
        out = model(x)
    classes = 2 if name == "s_mlp" else 10
    assert out.shape == (3, classes) and out.dtype == torch.float32 and torch.isfinite(out).all()


@pytest.mark.parametrize("k, count", [(2, 4022), (5, 4115), (10, 4270), (20, 4580), (50, 5510)])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_s_mlp_counts_match_sagun_table1(k, count, activation):
    model = build_model("s_mlp", d=100, k=k, activation=activation)
    assert num_parameters(model) == count
    assert model(torch.randn(4, 100)).shape == (4, k)


@pytest.mark.parametrize("hidden", [10, 30, 50, 70])
def test_s_fc_mnist_widths(hidden):
    assert num_parameters(build_model("s_fc_mnist", hidden=hidden)) == fc(784, hidden) + fc(hidden, 10)


def test_resnet18_cifar100_and_width():
    model = build_model("resnet18", num_classes=100).eval()
    assert num_parameters(model) == resnet18_count(100) == 11220132
    narrow = build_model("resnet18", num_classes=100, width=8).eval()
    assert num_parameters(narrow) == resnet18_count(100, 8)
    assert narrow(torch.rand(2, 3, 32, 32)).shape == (2, 100)
    assert model.normalize.mean.flatten()[0].item() == pytest.approx(0.5071)


def test_c1_conv_stride_option():
    model = build_model("c1", conv_stride=1)
    assert num_parameters(model) == EXPECTED["c1"] - fc(256, 384) + fc(64 * 8 * 8, 384)


def test_internal_normalization_is_buffers_not_parameters():
    model = build_model("m1")
    norm = model[0]
    assert isinstance(norm, Normalize)
    assert {n for n, _ in model.named_buffers()} >= {"0.mean", "0.std"}
    assert not any(n.startswith("0.") for n, _ in model.named_parameters())
    x = torch.full((1, 1, 28, 28), 0.1307)
    assert torch.allclose(norm(x), torch.zeros_like(x), atol=1e-6)


def test_unknown_model_and_arguments_rejected():
    with pytest.raises(ValueError, match="accepted: c1"):
        build_model("lenet")
    with pytest.raises(ValueError, match="unknown argument.*'widht'.*accepted: num_classes"):
        build_model("resnet18", widht=32)
    with pytest.raises(ValueError, match="activation 'sigmoid'"):
        build_model("s_mlp", activation="sigmoid")
    with pytest.raises(ValueError, match="normalization"):
        build_model("m1", normalization="imagenet")


def test_stdcnn_dropout_only_in_training():
    torch.manual_seed(0)
    model = build_model("stdcnn")
    x = torch.rand(8, 1, 28, 28)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))


@pytest.mark.parametrize("width, channels, count", [
    (1.0, (64, 192, 384, 256, 256), 2472266), (0.5, (32, 96, 192, 128, 128), 624810),
    (0.25, (16, 48, 96, 64, 64), 159578), (0.125, (8, 24, 48, 32, 32), 41586),
])
def test_alexnet_bare_width_scales_every_conv(width, channels, count):
    c = (3, *channels)
    expected = (conv(c[0], c[1], 11) + conv(c[1], c[2], 5) + conv(c[2], c[3], 3) + conv(c[3], c[4], 3)
                + conv(c[4], c[5], 3) + fc(c[5], 10))
    model = build_model("alexnet_bare", width=width)
    assert num_parameters(model) == expected == count
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    with pytest.raises(ValueError, match="width = 0"):
        build_model("alexnet_bare", width=0)


@pytest.mark.parametrize("width, count", [(1.0, 2425930), (0.5, 1182762), (0.25, 609562)])
def test_c3_width_scales_the_convs_only(width, count):
    a, b = round(64 * width), round(128 * width)
    expected = (conv(3, a, 3) + conv(a, a, 3) + conv(a, b, 3) + conv(b, b, 3) + fc(b * 8 * 8, 256)
                + fc(256, 256) + fc(256, 10))
    model = build_model("c3", width=width)
    assert num_parameters(model) == expected == count
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    with pytest.raises(ValueError, match="width = 0"):
        build_model("c3", width=0)


@pytest.mark.parametrize("shape, kernel, stride, padding", [
    ((7, 5, 17, 15), 3, 2, 1),   # C1's pooling, odd sizes
    ((4, 3, 8, 8), 2, 2, 0),     # StdCNN / C2 / LeNet pooling
])
def test_max_pool_is_bit_identical_to_the_default_kernel(shape, kernel, stride, padding):
    """models.MaxPool2d pools NCHW inputs in channels-last order (faster on a CPU); a maximum has
    no summation order and the backward is torch's NCHW kernel from the same indices, so values
    and gradients must equal F.max_pool2d's bit for bit: without gradients, in training mode
    (an SGD step) and in eval mode with gradients (HVPs, attacks)."""
    from torch.nn import functional as F

    from hessbook.models import MaxPool2d

    torch.manual_seed(0)
    x = torch.relu(torch.randn(*shape))  # ties among zeros, as after a ReLU
    x[0, 0, 0, 0] = 5.0
    pool = MaxPool2d(kernel, stride, padding)
    reference = F.max_pool2d(x, kernel, stride, padding)
    with torch.no_grad():
        fast = pool(x)
    assert fast.is_contiguous() and fast.shape == reference.shape
    assert torch.equal(fast, reference)
    assert torch.equal(pool(x.double()), F.max_pool2d(x.double(), kernel, stride, padding))
    weight = torch.randn_like(reference)
    xr = x.clone().requires_grad_()
    (gr,) = torch.autograd.grad((F.max_pool2d(xr, kernel, stride, padding) * weight).sum(), xr)
    for training in (True, False):
        pool.train(training)
        xg = x.clone().requires_grad_()
        out = pool(xg)
        assert out.is_contiguous()
        (g,) = torch.autograd.grad((out * weight).sum(), xg)
        assert torch.equal(out.detach(), reference) and torch.equal(g, gr), f"training={training}"


def test_max_pool_in_training_mode_refuses_a_second_derivative_and_eval_mode_gives_it():
    """The training-mode path is first-order (an SGD step needs no more): a second derivative
    is an error there, never a silently wrong value; in eval mode (HVPs) it is torch's own."""
    from torch.nn import functional as F

    from hessbook.models import MaxPool2d

    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    pool = MaxPool2d(2)
    (g,) = torch.autograd.grad((pool(x) ** 2).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError):
        torch.autograd.grad(g.sum(), x)
    pool.eval()
    (g,) = torch.autograd.grad((pool(x) ** 2).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    (g_ref,) = torch.autograd.grad((F.max_pool2d(x, 2) ** 2).sum(), x, create_graph=True)
    assert torch.equal(h, torch.autograd.grad(g_ref.sum(), x)[0])


def with_torch_pools(net):
    """A copy of ``net`` with every hessbook.models.MaxPool2d replaced by torch's nn.MaxPool2d,
    and how many were replaced."""
    import copy

    from torch import nn

    from hessbook.models import MaxPool2d

    net = copy.deepcopy(net)
    names = [n for n, m in net.named_modules() if isinstance(m, MaxPool2d)]
    for name in names:
        old = net.get_submodule(name)
        parent = net.get_submodule(name.rpartition(".")[0]) if "." in name else net
        setattr(parent, name.rpartition(".")[2], nn.MaxPool2d(old.kernel_size, old.stride, old.padding))
    assert not any(isinstance(m, MaxPool2d) for m in net.modules())
    return net, len(names)


def test_models_in_eval_give_the_same_logits_with_the_fast_pooling():
    """Every model with max pooling: eval-mode logits without gradients equal the logits of the
    same network with torch's own nn.MaxPool2d (swapped in), bit for bit."""
    for name in ("c1", "c2", "stdcnn", "s_cnn", "alexnet_bare"):
        net = build_model(name).eval()
        plain, swapped = with_torch_pools(net)
        assert swapped, f"{name} has no max pooling"
        x = torch.rand(5, *INPUT_SHAPES[name])
        with torch.no_grad():
            assert torch.equal(net(x), plain(x)), name


def test_sgd_steps_with_the_fast_pooling_equal_torchs_own():
    """Three SGD steps of C1 (overlapping 3x3 pools, BatchNorm in training mode) give the same
    parameters, bit for bit, as the same network with nn.MaxPool2d swapped in."""
    from torch.nn import functional as F

    torch.manual_seed(0)
    fast = build_model("c1", width=0.25)
    plain, _ = with_torch_pools(fast)
    x, y = torch.rand(32, 3, 32, 32), torch.randint(0, 10, (32,))
    for net in (fast, plain):
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        for _ in range(3):
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()
    for (name, a), b in zip(fast.state_dict().items(), plain.state_dict().values()):
        assert torch.equal(a, b), name


def test_hessian_vector_products_with_the_fast_pooling_equal_torchs_own():
    """HVPs (eval mode, both ways the operator computes them) go through torch's own pooling:
    the same products, bit for bit, as the network with nn.MaxPool2d swapped in."""
    from hessbook.curvature import HessianOperator

    torch.manual_seed(0)
    fast = build_model("c1", width=0.25).eval()
    plain, _ = with_torch_pools(fast)
    x, y = torch.rand(16, 3, 32, 32), torch.randint(0, 10, (16,))
    V = torch.randn(sum(p.numel() for p in fast.parameters()), 2, dtype=torch.float64)
    for method in ("double_backward", "fwdrev"):
        a = HessianOperator(fast, (x, y), method=method).matmat(V)
        b = HessianOperator(plain, (x, y), method=method).matmat(V)
        assert torch.equal(a, b), method


def test_max_pool_in_training_mode_inside_torch_func_uses_torchs_own():
    """Inside a torch.func transform (per-sample gradients, vmap) the custom first-order path
    must not be used: torch.func.grad in training mode works and equals autograd's gradient."""
    from torch.func import grad, vmap
    from torch.nn import functional as F

    from hessbook.models import MaxPool2d

    pool = MaxPool2d(3, 2, 1).train()
    x = torch.randn(4, 3, 9, 9)
    g = grad(lambda z: (pool(z) ** 2).sum())(x)
    xr = x.clone().requires_grad_()
    (g_ref,) = torch.autograd.grad((F.max_pool2d(xr, 3, 2, 1) ** 2).sum(), xr)
    assert torch.equal(g, g_ref)
    per_sample = vmap(grad(lambda z: (pool(z[None]) ** 2).sum()))(x)
    assert torch.equal(per_sample, g_ref)


@pytest.mark.parametrize("width, count", [(1.0, 2426698), (0.5, 1183146), (0.25, 609754)])
def test_c2_width_scales_the_convs_and_their_batch_norms_only(width, count):
    """Y1's cpu C2 (1/4 width): C3's counts plus the four BatchNorms (2 parameters per channel)."""
    a, b = round(64 * width), round(128 * width)
    expected = (conv(3, a, 3) + conv(a, a, 3) + conv(a, b, 3) + conv(b, b, 3) + 2 * (2 * a + 2 * b)
                + fc(b * 8 * 8, 256) + fc(256, 256) + fc(256, 10))
    model = build_model("c2", width=width)
    assert num_parameters(model) == expected == count
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    with pytest.raises(ValueError, match="width = 0"):
        build_model("c2", width=0)
