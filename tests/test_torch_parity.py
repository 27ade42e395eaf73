"""Every mlp_utils layer and loss against torch.autograd, in float64 (skipped without torch).

Install the optional extra with:  pip install -r requirements-torch.txt
"""

import numpy as np
import pytest

from mlp_utils import MLP, activations, losses
from mlp_utils.layers import Activation, Dense, Dropout, Softmax

torch = pytest.importorskip("torch", reason="PyTorch is optional: pip install -r requirements-torch.txt")
# Every tensor is made float64 explicitly (t() below); no global default dtype, which would leak
# into every test that runs after this module in the same process.
F = torch.nn.functional

TOL = 1e-12


def t(array, grad=False):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=grad)


def inputs(rng, shape, extreme):
    x = rng.normal(scale=3.0, size=shape)
    if extreme:
        x.flat[: x.size // 2] = rng.choice([-1000.0, 1000.0, -50.0, 50.0], size=x.size // 2)
    return x


def assert_close(ours, theirs, tol=TOL):
    theirs = theirs.detach().numpy()
    scale = max(1.0, float(np.abs(theirs).max()))
    assert np.abs(ours - theirs).max() <= tol * scale, np.abs(ours - theirs).max()


TORCH_ACTIVATIONS = {"identity": lambda z: z, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


@pytest.mark.parametrize("extreme", [False, True], ids=["normal", "extreme"])
@pytest.mark.parametrize("name", sorted(TORCH_ACTIVATIONS))
def test_activation_layer_matches_autograd(name, extreme):
    rng = np.random.default_rng(0)
    x, upstream = inputs(rng, (6, 5), extreme), rng.normal(size=(6, 5))
    layer = Activation(name)
    out = layer.forward(x)
    grad = layer.backward(upstream)
    x_t = t(x, grad=True)
    out_t = TORCH_ACTIVATIONS[name](x_t)
    out_t.backward(t(upstream))
    assert_close(out, out_t)
    assert_close(grad, x_t.grad)


@pytest.mark.parametrize("extreme", [False, True], ids=["normal", "extreme"])
def test_softmax_layer_and_functions_match_torch(extreme):
    rng = np.random.default_rng(1)
    z, upstream = inputs(rng, (5, 4), extreme), rng.normal(size=(5, 4))
    layer = Softmax()
    out = layer.forward(z)
    grad = layer.backward(upstream)
    z_t = t(z, grad=True)
    out_t = torch.softmax(z_t, dim=1)
    out_t.backward(t(upstream))
    assert_close(out, out_t)
    assert_close(grad, z_t.grad)
    assert_close(activations.log_softmax(z), torch.log_softmax(t(z), dim=1))


def test_dense_layer_matches_torch_linear():
    rng = np.random.default_rng(2)
    layer = Dense(4, 3, rng=rng)
    x, upstream = rng.normal(size=(7, 4)), rng.normal(size=(7, 3))
    out = layer.forward(x)
    grad_x = layer.backward(upstream)
    x_t, W_t, b_t = t(x, True), t(layer.params["W"], True), t(layer.params["b"], True)
    out_t = F.linear(x_t, W_t.T, b_t)  # torch stores weights as (out, in)
    out_t.backward(t(upstream))
    assert_close(out, out_t)
    assert_close(grad_x, x_t.grad)
    assert_close(layer.grads["W"], W_t.grad)
    assert_close(layer.grads["b"], b_t.grad)


def test_dropout_matches_torch_with_the_same_mask():
    rng = np.random.default_rng(3)
    layer = Dropout(0.4, rng=rng)
    x, upstream = rng.normal(size=(8, 6)), rng.normal(size=(8, 6))
    out = layer.forward(x, train=True)
    grad = layer.backward(upstream)
    kept = t(out != 0)
    x_t = t(x, True)
    out_t = x_t * kept / (1 - 0.4)  # torch's dropout is the same inverted scheme
    out_t.backward(t(upstream))
    assert_close(out, out_t)
    assert_close(grad, x_t.grad)


@pytest.mark.parametrize("extreme", [False, True], ids=["normal", "extreme"])
def test_losses_match_torch(extreme):
    rng = np.random.default_rng(4)
    n = 6
    z = inputs(rng, (n, 1), extreme)
    y = rng.integers(0, 2, size=(n, 1)).astype(float)

    ours, grad = losses.binary_cross_entropy_with_logits(z, y)
    z_t = t(z, True)
    theirs = F.binary_cross_entropy_with_logits(z_t, t(y), reduction="sum") / n
    theirs.backward()
    assert ours == pytest.approx(theirs.item(), rel=TOL, abs=TOL)
    assert_close(grad, z_t.grad)

    p = activations.sigmoid(rng.normal(size=(n, 1)))  # probabilities away from 0 and 1
    ours, grad = losses.binary_cross_entropy(p, y)
    p_t = t(p, True)
    theirs = F.binary_cross_entropy(p_t, t(y), reduction="sum") / n
    theirs.backward()
    assert ours == pytest.approx(theirs.item(), rel=1e-10)
    assert_close(grad, p_t.grad, tol=1e-10)

    logits = inputs(rng, (n, 4), extreme)
    labels = rng.integers(0, 4, size=n)
    ours, grad = losses.softmax_cross_entropy(logits, labels)
    logits_t = t(logits, True)
    theirs = F.cross_entropy(logits_t, torch.tensor(labels))
    theirs.backward()
    assert ours == pytest.approx(theirs.item(), rel=TOL, abs=TOL)
    assert_close(grad, logits_t.grad)

    y_pred, y_true = inputs(rng, (n, 2), extreme), rng.normal(size=(n, 2))
    ours, grad = losses.mse(y_pred, y_true)
    y_pred_t = t(y_pred, True)
    theirs = 0.5 * F.mse_loss(y_pred_t, t(y_true), reduction="sum") / n
    theirs.backward()
    assert ours == pytest.approx(theirs.item(), rel=TOL)
    assert_close(grad, y_pred_t.grad)


def test_whole_mlp_gradients_match_torch():
    rng = np.random.default_rng(5)
    model = MLP([5, 8, 6, 3], activation="tanh", rng=rng)
    X, labels = rng.normal(size=(10, 5)), rng.integers(0, 3, size=10)
    loss, grad_out = losses.softmax_cross_entropy(model.forward(X), labels)
    model.backward(grad_out)
    params = {key: t(value, True) for key, value in model.get_params().items()}
    a = t(X)
    for index in (0, 2, 4):
        a = a @ params[f"{index}.W"] + params[f"{index}.b"]
        if index < 4:
            a = torch.tanh(a)
    loss_t = F.cross_entropy(a, torch.tensor(labels))
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=TOL)
    for key, grad in model.get_grads().items():
        assert_close(grad, params[key].grad)
