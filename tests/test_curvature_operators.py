import pytest
import torch
from torch import nn

from hessbook.curvature import GaussNewtonOperator, HessianOperator, eval_mode
from hessbook.curvature.exact import gauss_newton_matrix, hessian_matrix

from _curv_models import data, flat_loss_hessian, image_data, tiny_cnn, tiny_mlp


@pytest.mark.parametrize("method", ["double_backward", "fwdrev", "retained", "auto"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_hvp_matches_dense_hessian(method, dtype):
    m = tiny_mlp()
    x, y = data(n=10)
    H = flat_loss_hessian(m, x, y)
    op = HessianOperator(m, (x, y), batch_size=3, dtype=dtype, method=method)  # uneven batches 3,3,3,1
    V = torch.randn(op.num_params, 3, dtype=torch.float64)
    tol = 1e-10 if dtype == torch.float64 else 1e-5
    assert torch.allclose(op.matmat(V), H @ V, atol=tol * H.abs().max() * 10)
    assert torch.allclose(op.matvec(V[:, 0]), H @ V[:, 0], atol=tol * H.abs().max() * 10)
    assert op.n_products == 4


def test_hvp_cnn_with_bn_uses_eval_mode():
    m = tiny_cnn()
    x, y = image_data()
    H = flat_loss_hessian(m, x, y)  # reference evaluates in eval mode
    op = HessianOperator(m, (x, y), batch_size=5, dtype=torch.float64)
    v = torch.randn(op.num_params, dtype=torch.float64)
    assert torch.allclose(op.matvec(v), H @ v, atol=1e-9)


def test_hvp_finite_difference_of_gradients():
    m = tiny_mlp()
    x, y = data()
    op = HessianOperator(m, (x, y), dtype=torch.float64)
    g0 = op.gradient()
    v = torch.randn(op.num_params, dtype=torch.float64)
    eps = 1e-6
    m2 = op.model  # the float64 copy
    with torch.no_grad():
        i = 0
        for p in m2.parameters():
            p += eps * v[i:i + p.numel()].reshape(p.shape)
            i += p.numel()
    g1 = op.gradient()
    with torch.no_grad():
        i = 0
        for p in m2.parameters():
            p -= 2 * eps * v[i:i + p.numel()].reshape(p.shape)
            i += p.numel()
    gm = op.gradient()
    fd = (g1 - gm) / (2 * eps)
    with torch.no_grad():
        i = 0
        for p in m2.parameters():
            p += eps * v[i:i + p.numel()].reshape(p.shape)
            i += p.numel()
    assert torch.allclose(op.gradient(), g0, atol=1e-12)
    assert torch.allclose(op.matvec(v), fd, atol=1e-6)


def test_linear_least_squares_closed_form():
    torch.manual_seed(0)
    X = torch.randn(20, 4, dtype=torch.float64)
    t = torch.randn(20, 2, dtype=torch.float64)
    m = nn.Linear(4, 2, bias=False).double()
    op = HessianOperator(m, (X, t), loss_fn=nn.functional.mse_loss, batch_size=7, dtype=torch.float64)
    # mse mean over 20*2 entries: H = (2/(N*2)) I_2 (x) X^T X, weights row-major (out, in)
    H_true = torch.kron(torch.eye(2, dtype=torch.float64), 2 * X.T @ X / 40)
    assert torch.allclose(op.to_dense(), H_true, atol=1e-12)
    G = GaussNewtonOperator(m, (X, t), loss_fn=nn.functional.mse_loss, batch_size=7, dtype=torch.float64)
    assert torch.allclose(G.to_dense(), H_true, atol=1e-12)  # G = H for a linear model, convex loss


def test_logistic_regression_closed_form():
    torch.manual_seed(0)
    X = torch.randn(30, 3, dtype=torch.float64)
    y = (torch.rand(30) < 0.5).double()
    m = nn.Sequential(nn.Linear(3, 1, bias=False), nn.Flatten(0)).double()
    loss = nn.functional.binary_cross_entropy_with_logits
    w = m[0].weight.detach().reshape(-1)
    s = torch.sigmoid(X @ w)
    H_true = X.T @ (X * (s * (1 - s))[:, None]) / 30
    assert torch.allclose(HessianOperator(m, (X, y), loss_fn=loss, dtype=torch.float64).to_dense(), H_true, atol=1e-12)
    assert torch.allclose(gauss_newton_matrix(m, (X, y), loss_fn=loss), H_true, atol=1e-12)


def test_ggn_operator_matches_per_sample_matrix_and_reference():
    m = tiny_mlp(act=nn.ReLU)
    x, y = data(n=9)
    G = gauss_newton_matrix(m, (x, y), batch_size=4)
    op = GaussNewtonOperator(m, (x, y), batch_size=5, dtype=torch.float64)
    assert torch.allclose(op.to_dense(), G, atol=1e-12)
    # independent reference: J^T S J from torch.autograd.functional.jacobian of the outputs
    m64 = m.double()
    params = list(m64.parameters())
    theta = torch.cat([p.detach().reshape(-1) for p in params])
    from torch.func import functional_call
    names = [n for n, _ in m64.named_parameters()]

    def outs(t):
        ps, i = {}, 0
        for n, p in zip(names, params):
            ps[n] = t[i:i + p.numel()].reshape(p.shape)
            i += p.numel()
        return functional_call(m64, ps, (x.double(),))

    J = torch.autograd.functional.jacobian(outs, theta)  # (N, c, P)
    p = torch.softmax(outs(theta), 1)
    S = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]
    G_ref = torch.einsum("ncp,ncd,ndq->pq", J, S, J) / len(x)
    assert torch.allclose(G, G_ref, atol=1e-12)
    assert torch.linalg.eigvalsh(G).min() > -1e-12


def test_hessian_matrix_chunks_and_mode_restored():
    m = tiny_mlp()
    m.train()
    m[1].eval()  # a model partly in train mode
    before = [mod.training for mod in m.modules()]
    x, y = data()
    H = hessian_matrix(m, (x, y), chunk=7)
    assert torch.allclose((H + H.T) / 2, flat_loss_hessian(m, x, y), atol=1e-12)
    op = HessianOperator(m, (x, y))  # float32: works on the model itself
    op.matvec(torch.randn(op.num_params))
    assert [mod.training for mod in m.modules()] == before
    with eval_mode(m):
        assert not any(mod.training for mod in m.modules())
    assert [mod.training for mod in m.modules()] == before


def test_iterable_batches_and_generator():
    m = tiny_mlp()
    x, y = data(n=10)
    H = flat_loss_hessian(m, x, y)
    v = torch.randn(sum(p.numel() for p in m.parameters()), dtype=torch.float64)
    batches = [(x[:6], y[:6]), (x[6:], y[6:])]
    op = HessianOperator(m, batches, dtype=torch.float64)
    assert torch.allclose(op.matvec(v), H @ v, atol=1e-10)
    op2 = HessianOperator(m, ((a, b) for a, b in batches), dtype=torch.float64)  # one-shot generator
    assert torch.allclose(op2.matvec(v), H @ v, atol=1e-10)
    assert torch.allclose(op2.matvec(v), H @ v, atol=1e-10)


def test_bad_arguments():
    m = tiny_mlp()
    x, y = data()
    with pytest.raises(ValueError, match="method"):
        HessianOperator(m, (x, y), method="magic")
    with pytest.raises(ValueError, match="dtype"):
        HessianOperator(m, (x, y), dtype=torch.float16)
    with pytest.raises(ValueError, match="batch_size"):
        HessianOperator(m, (x, y), batch_size=0)
    op = HessianOperator(m, (x, y))
    with pytest.raises(ValueError, match="expected"):
        op.matmat(torch.randn(3, 2))


def test_fwdrev_handles_mse_loss():
    torch.manual_seed(0)
    X, t = torch.randn(20, 4, dtype=torch.float64), torch.randn(20, 2, dtype=torch.float64)
    for m in (nn.Linear(4, 2, bias=False).double(), tiny_mlp(act=nn.Tanh, d=4, h=3, c=2).double()):
        for loss in (nn.functional.mse_loss, nn.MSELoss()):
            fr = HessianOperator(m, (X, t), loss_fn=loss, batch_size=7, dtype=torch.float64, method="fwdrev")
            db = HessianOperator(m, (X, t), loss_fn=loss, batch_size=7, dtype=torch.float64, method="double_backward")
            V = torch.randn(fr.num_params, 3, dtype=torch.float64)
            assert torch.allclose(fr.matmat(V), db.matmat(V), atol=1e-12)
            assert torch.allclose(fr.matvec(V[:, 0]), db.matvec(V[:, 0]), atol=1e-12)
    auto = HessianOperator(m, (X, t), loss_fn=nn.functional.mse_loss, batch_size=7, dtype=torch.float64)
    auto.matvec(V[:, 0])
    assert auto.method == "fwdrev" and auto.fallback_reason is None, "MSE needs no fallback"


@pytest.mark.parametrize("error, falls_back", [
    (RuntimeError("ZeroTensors are immutable. Please use the materialized zero tensor"), True),
    (RuntimeError("Trying to use forward AD with foo_op that does not support it"), True),
    (NotImplementedError("the derivative for 'foo' is not implemented"), True),
    (RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 99 GB"), False),
    (torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"), False),
    (RuntimeError("mat1 and mat2 shapes cannot be multiplied (5x3 and 4x2)"), False),
])
def test_auto_falls_back_only_when_fwdrev_cannot_run_the_model(monkeypatch, error, falls_back):
    m = tiny_mlp()
    x, y = data()
    op = HessianOperator(m, (x, y), batch_size=5)  # several batches: auto computes by fwdrev

    def broken(*args):
        raise error

    monkeypatch.setattr(op, "_batch_fwdrev", broken)
    v = torch.randn(op.num_params)
    if falls_back:
        ref = HessianOperator(m, (x, y), method="double_backward").matvec(v)
        assert torch.allclose(op.matvec(v), ref) and op.method == "double_backward"
        assert op.fallback_reason == str(error).splitlines()[0]
    else:
        with pytest.raises(type(error)):
            op.matvec(v)
        assert op.method == "fwdrev"


def test_summed_or_unreduced_loss_is_refused():
    import functools

    m = tiny_mlp()
    x, y = data()
    xr, tr = torch.randn(12, 5), torch.randn(12, 3)
    cases = [
        ((x, y), nn.CrossEntropyLoss(reduction="sum"), r"reduction = 'sum'.*reduction='mean'"),
        ((x, y), functools.partial(nn.functional.cross_entropy, reduction="sum"), r"reduction = 'sum'"),
        ((xr, tr), lambda o, t: nn.functional.mse_loss(o, t, reduction="sum"), r"not the mean over the batch"),
        ((x, y), lambda o, t: nn.functional.cross_entropy(o, t, reduction="none"), r"shape \(2,\).*scalar"),
    ]
    for d, loss, words in cases:
        for make in (HessianOperator, GaussNewtonOperator):
            with pytest.raises(ValueError, match=words):
                make(m, d, loss_fn=loss)
        with pytest.raises(ValueError, match=words):
            gauss_newton_matrix(m, d, loss_fn=loss)
    HessianOperator(m, (xr, tr), loss_fn=nn.MSELoss())  # a mean: accepted
    HessianOperator(m, (x, y), loss_fn=nn.CrossEntropyLoss(label_smoothing=0.1))


def test_auto_retains_the_graph_for_one_batch_only():
    """One batch: products through the kept graph; several batches, or a wide matmat: fwdrev."""
    from hessbook.curvature.operators import RETAIN_MAX_VECTORS

    m = tiny_mlp()
    x, y = data(n=10)
    H = flat_loss_hessian(m, x, y)
    one = HessianOperator(m, (x, y), dtype=torch.float64)
    several = HessianOperator(m, (x, y), batch_size=4, dtype=torch.float64)
    V = torch.randn(one.num_params, 3, dtype=torch.float64)
    assert torch.allclose(one.matmat(V), H @ V, atol=1e-12) and one.products_by == {"retained": 3}
    assert torch.allclose(several.matmat(V), H @ V, atol=1e-12) and several.products_by == {"fwdrev": 3}
    wide = torch.eye(one.num_params, dtype=torch.float64)[:, :RETAIN_MAX_VECTORS + 1]
    assert torch.allclose(one.matmat(wide), H @ wide, atol=1e-12)
    assert one.products_by == {"retained": 3, "fwdrev": RETAIN_MAX_VECTORS + 1}
    assert one.way(1) == "retained" and several.way(1) == "fwdrev"


def test_retained_graph_is_rebuilt_after_an_in_place_parameter_change():
    """An optimizer step changes the parameters in place: a product must use the new Hessian,
    not the graph built before the step."""
    m = tiny_mlp(act=nn.Tanh).double()  # float64 already: the operator works on m itself, not a copy
    x, y = data(n=10)
    x = x.double()
    op = HessianOperator(m, (x, y), dtype=torch.float64, method="retained")
    v = torch.randn(op.num_params, dtype=torch.float64)
    before = op.matvec(v)
    assert torch.allclose(before, flat_loss_hessian(m, x, y) @ v, atol=1e-12)
    with torch.no_grad():
        for p in m.parameters():
            p.mul_(1.7)
    H_new = flat_loss_hessian(m, x, y)
    assert not torch.allclose(before, H_new @ v, atol=1e-6), "the step must change the product"
    assert torch.allclose(op.matvec(v), H_new @ v, atol=1e-12)


def test_retained_keeps_every_batch_and_handles_unused_parameters():
    class WithUnused(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = tiny_mlp()
            self.unused = nn.Parameter(torch.ones(2))

        def forward(self, x):
            return self.net(x)

    m = WithUnused()
    x, y = data(n=10)
    ret = HessianOperator(m, (x, y), batch_size=3, dtype=torch.float64, method="retained")
    ref = HessianOperator(m, (x, y), batch_size=3, dtype=torch.float64, method="fwdrev")
    V = torch.randn(ret.num_params, 4, dtype=torch.float64)
    out = ret.matmat(V)
    assert torch.allclose(out, ref.matmat(V), atol=1e-12)
    assert len(ret._graphs) == 4 and out[:2].abs().max() == 0  # batches 3,3,3,1; the unused rows (own parameters come first)
    ret.release()
    assert torch.allclose(ret.matvec(V[:, 0]), out[:, 0], atol=1e-12)


# ----------------------------------------------------------------------------- stale products
# Issue 27 (1): with one batch, auto keeps the gradient's graph; every way of changing the
# parameters must make the next product use the new Hessian. The reference is an independent
# dense Hessian (torch.autograd.functional) at the model's parameters after the change.

def _scale_by_vector_to_parameters(m):
    from torch.nn.utils import parameters_to_vector, vector_to_parameters
    vector_to_parameters(0.7 * parameters_to_vector(m.parameters()).detach(), m.parameters())


def _scale_by_data_assignment(m):
    for p in m.parameters():
        p.data = 0.7 * p.data


def _scale_through_data_in_place(m):
    for p in m.parameters():
        p.data.mul_(0.7)  # p._version does not move


def _scale_by_load_state_dict(m):
    m.load_state_dict({k: 0.7 * v for k, v in m.state_dict().items()})


def _scale_by_load_state_dict_assign(m):
    m.load_state_dict({k: (0.7 * v).clone() for k, v in m.state_dict().items()}, assign=True)


def _optimizer_step(m):
    opt = torch.optim.SGD(m.parameters(), lr=0.5)
    x, y = data(n=10, seed=3)
    nn.functional.cross_entropy(m(x.to(next(m.parameters()).dtype)), y).backward()
    opt.step()
    opt.zero_grad()


CHANGES = [_optimizer_step, _scale_by_vector_to_parameters, _scale_by_data_assignment,
           _scale_through_data_in_place, _scale_by_load_state_dict, _scale_by_load_state_dict_assign]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__.lstrip("_"))
@pytest.mark.parametrize("method", ["auto", "retained", "fwdrev", "double_backward"])
def test_no_stale_product_after_any_parameter_change(change, method):
    m = tiny_mlp(act=nn.Tanh).double()  # float64 already: the operator works on m itself
    x, y = data(n=10)
    x = x.double()
    op = HessianOperator(m, (x, y), dtype=torch.float64, method=method)
    v = torch.randn(op.num_params, dtype=torch.float64)
    before = op.matvec(v)
    change(m)
    H_new = flat_loss_hessian(m, x, y)
    assert not torch.allclose(before, H_new @ v, atol=1e-6), "the change must change the product"
    assert torch.allclose(op.matvec(v), H_new @ v, atol=1e-12)
    g_new = torch.autograd.grad(nn.functional.cross_entropy(m(x), y), list(m.parameters()))
    assert torch.allclose(op.gradient(), torch.cat([g.reshape(-1) for g in g_new]), atol=1e-12)


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__.lstrip("_"))
def test_float64_copy_follows_the_float32_model(change):
    """dtype=float64 on a float32 model works on a converted copy: the copy follows the model."""
    m = tiny_mlp(act=nn.Tanh)
    x, y = data(n=10)
    op = HessianOperator(m, (x, y), dtype=torch.float64)
    v = torch.randn(op.num_params, dtype=torch.float64)
    op.matvec(v)
    change(m)
    assert torch.allclose(op.matvec(v), flat_loss_hessian(m, x, y) @ v, atol=1e-6)


def test_buffers_count_as_a_change_and_the_gauss_newton_operator_follows_too():
    """BN's running statistics change the eval-mode loss: a product after they move is fresh."""
    m = tiny_cnn().double()
    x, y = image_data()
    x = x.double()
    op = HessianOperator(m, (x, y), dtype=torch.float64)
    gn = GaussNewtonOperator(m, (x, y), dtype=torch.float64)
    v = torch.randn(op.num_params, dtype=torch.float64)
    op.matvec(v), gn.matvec(v)
    with torch.no_grad():
        m[1].running_var.mul_(2.0)
        m[0].weight.data.mul_(0.5)
    assert torch.allclose(op.matvec(v), flat_loss_hessian(m, x, y) @ v, atol=1e-10)
    assert torch.allclose(gn.matvec(v), gauss_newton_matrix(m, (x, y), dtype=torch.float64) @ v, atol=1e-10)


def test_a_changed_shape_is_refused_with_the_parameter_named():
    m = tiny_mlp().double()
    x, y = data(n=10)
    op = HessianOperator(m, (x.double(), y), dtype=torch.float64)
    m[0].bias = nn.Parameter(torch.zeros(7, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"0\.bias"):
        op.matvec(torch.ones(op.num_params, dtype=torch.float64))


def test_unchanged_parameters_keep_the_retained_graph():
    """No change: the graph is built once (the check costs a comparison, not a rebuild)."""
    m = tiny_mlp().double()
    x, y = data(n=10)
    op = HessianOperator(m, (x.double(), y), dtype=torch.float64)
    v = torch.randn(op.num_params, dtype=torch.float64)
    op.matvec(v)
    graphs = op._graphs
    op.matvec(v)
    assert op._graphs is graphs


def test_dense_matrix_is_the_same_for_every_chunk_and_a_bad_chunk_is_refused():
    """``to_dense`` assembles the same matrix whatever the columns per pass (the default chunk
    is a speed choice, ``bench/dense_hessian.py``), and refuses a chunk below 1."""
    from hessbook.curvature.operators import HessianOperator, default_dense_chunk

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 3)).double()
    x, y = torch.randn(20, 5, dtype=torch.float64), torch.randint(0, 3, (20,))
    op = HessianOperator(model, (x, y), dtype=torch.float64)
    default = op.to_dense()
    for chunk in (1, 5, 64):
        assert torch.allclose(op.to_dense(chunk), default, rtol=0, atol=1e-12)
    assert default_dense_chunk("cpu") == 32 and default_dense_chunk(torch.device("cuda")) == 256
    with pytest.raises(ValueError, match="chunk = -1"):
        op.to_dense(-1)


def test_dense_chunk_follows_the_activations_per_column():
    """On a CPU the columns per dense pass shrink when one column's activations are large (the
    rule of operators.DENSE_PASS_BYTES_CPU); the matrix is the same whatever the chunk."""
    from hessbook.curvature.operators import (
        DENSE_CHUNK_ACCELERATOR, DENSE_CHUNK_CPU, DENSE_PASS_BYTES_CPU, HessianOperator, activation_bytes,
        default_dense_chunk)

    assert default_dense_chunk("cpu") == DENSE_CHUNK_CPU
    assert default_dense_chunk("cpu", 1) == DENSE_CHUNK_CPU
    assert default_dense_chunk("cpu", DENSE_PASS_BYTES_CPU // 8) == 8
    assert default_dense_chunk("cpu", DENSE_PASS_BYTES_CPU // 12) == 8  # powers of two only
    assert default_dense_chunk("cpu", 10 * DENSE_PASS_BYTES_CPU) == 1
    assert default_dense_chunk("cuda", DENSE_PASS_BYTES_CPU) == DENSE_CHUNK_ACCELERATOR

    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
    x = torch.randn(10, 4)
    # outputs of the leaves from the first Linear on: 10 x (6 + 6 + 3) floats (Flatten's carry no tangent)
    assert activation_bytes(net, x) == 10 * 15 * 4
    assert activation_bytes(net.double(), x.double()) == 10 * 15 * 8
    net = net.float()
    op = HessianOperator(net, (x, torch.randint(0, 3, (10,))), dtype=torch.float64)
    assert op.dense_chunk() == DENSE_CHUNK_CPU
    H = op.to_dense()
    assert torch.equal(H, op.to_dense(1)) and torch.equal(H, op.to_dense(7))


def test_dense_chunk_of_a_conv_net_on_many_samples_is_small():
    """S4's conv net on 250 MNIST-shaped samples carries about 7 MB per column: a pass of the
    32 default columns would be over 200 MB, so fewer are taken (8 measured fastest)."""
    from hessbook.curvature.operators import HessianOperator
    from hessbook.models import build_model

    net = build_model("s_cnn", channels=[4, 8], hidden=20)
    op = HessianOperator(net, (torch.rand(250, 1, 28, 28), torch.randint(0, 10, (250,))))
    assert op.dense_chunk() == 8
