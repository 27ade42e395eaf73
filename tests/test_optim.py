"""Optimisers: validation, update rules, convergence, and step-for-step parity with torch.optim.

The parity tests at the end need the optional PyTorch extra and skip with a reason without it.
"""

import math

import numpy as np
import pytest

from mlp_utils import MLP, SGD, AdaGrad, Adam, AdamW, Dense, Optimizer, RMSProp, Sequential, fit, losses


def one_dense(W, b=None):
    """A model holding one Dense layer with the given weights: its parameters are "0.W", "0.b"."""
    W = np.asarray(W, dtype=np.float64)
    return Sequential([Dense.from_weights(W, np.zeros(W.shape[1]) if b is None else b)])


def set_grads(model, rng, scale=1.0):
    for _, _, grad in model.parameters():
        grad[...] = rng.normal(scale=scale, size=grad.shape)


# --- hyper-parameter validation ------------------------------------------------------------

BAD_VALUES = [
    (SGD, dict(lr=0.0), ValueError, "learning rate lr"),
    (SGD, dict(lr=-0.1), ValueError, "learning rate lr"),
    (SGD, dict(lr=math.nan), ValueError, "learning rate lr"),
    (SGD, dict(lr=math.inf), ValueError, "learning rate lr"),
    (SGD, dict(lr="0.1"), TypeError, "learning rate lr"),
    (SGD, dict(lr=True), TypeError, "learning rate lr"),
    (SGD, dict(lr=0.1, momentum=1.0), ValueError, "momentum"),
    (SGD, dict(lr=0.1, momentum=-0.1), ValueError, "momentum"),
    (SGD, dict(lr=0.1, momentum=None), TypeError, "momentum"),
    (SGD, dict(lr=0.1, weight_decay=-1e-3), ValueError, "weight_decay"),
    (SGD, dict(lr=0.1, weight_decay=math.nan), ValueError, "weight_decay"),
    (AdaGrad, dict(lr=0.0), ValueError, "learning rate lr"),
    (AdaGrad, dict(lr=0.1, eps=0.0), ValueError, "eps"),
    (AdaGrad, dict(lr=0.1, weight_decay=-1.0), ValueError, "weight_decay"),
    (RMSProp, dict(lr=0.01, alpha=1.0), ValueError, "alpha"),
    (RMSProp, dict(lr=0.01, alpha=-0.5), ValueError, "alpha"),
    (RMSProp, dict(lr=0.01, eps=-1e-8), ValueError, "eps"),
    (RMSProp, dict(lr=0.01, weight_decay=math.inf), ValueError, "weight_decay"),
    (Adam, dict(lr=-1e-3), ValueError, "learning rate lr"),
    (Adam, dict(betas=(1.0, 0.999)), ValueError, "beta1"),
    (Adam, dict(betas=(0.9, 1.0)), ValueError, "beta2"),
    (Adam, dict(betas=(-0.1, 0.999)), ValueError, "beta1"),
    (Adam, dict(betas=(0.9,)), TypeError, "betas"),
    (Adam, dict(betas=0.9), TypeError, "betas"),
    (Adam, dict(eps=0.0), ValueError, "eps"),
    (Adam, dict(weight_decay=-0.01), ValueError, "weight_decay"),
    (AdamW, dict(betas=(0.9, 1.5)), ValueError, "beta2"),
    (AdamW, dict(weight_decay=-0.01), ValueError, "weight_decay"),
]


@pytest.mark.parametrize("cls, kwargs, error, name", BAD_VALUES,
                         ids=[f"{c.__name__}-{k}" for c, k, _, _ in BAD_VALUES])
def test_bad_hyper_parameters_raise_an_error_naming_them(cls, kwargs, error, name):
    with pytest.raises(error, match=name):
        cls(**kwargs)


def test_messages_give_the_rule_and_the_value():
    with pytest.raises(ValueError, match=r"momentum must be a finite number in \[0, 1\), got 1.0"):
        SGD(0.1, momentum=1.0)
    with pytest.raises(ValueError, match=r"learning rate lr must be a finite number > 0, got -0.5"):
        Adam(lr=-0.5)


def test_numpy_scalars_are_accepted_and_stored_as_floats():
    optimizer = RMSProp(np.float32(0.01), alpha=np.float64(0.9), eps=1, weight_decay=np.int64(0))
    assert (optimizer.lr, optimizer.alpha, optimizer.eps, optimizer.weight_decay) == (
        pytest.approx(0.01), 0.9, 1.0, 0.0)
    assert isinstance(optimizer.lr, float)


def test_the_base_class_has_no_update_rule():
    with pytest.raises(NotImplementedError):
        Optimizer(0.1).step(one_dense([[1.0]]))


# --- update rules ----------------------------------------------------------------------------

def test_sgd_weight_decay_adds_wd_theta_to_the_gradient_and_keeps_the_models_grad():
    rng = np.random.default_rng(0)
    model = one_dense(rng.normal(size=(3, 2)), rng.normal(size=2))
    set_grads(model, rng)
    before, grads = model.get_params(), model.get_grads()
    SGD(0.1, weight_decay=0.5).step(model)
    for key, value in model.get_params().items():
        np.testing.assert_allclose(value, before[key] - 0.1 * (grads[key] + 0.5 * before[key]), rtol=1e-15)
        np.testing.assert_array_equal(model.get_grads()[key], grads[key])


def torch_form_momentum(theta0, grad_fn, lr, momentum, weight_decay, n_steps):
    """torch.optim.SGD's momentum, b <- mu b + g; theta <- theta - lr b, written in NumPy."""
    theta, buf, path = theta0.copy(), None, []
    for _ in range(n_steps):
        g = grad_fn(theta) + weight_decay * theta
        buf = g.copy() if buf is None else momentum * buf + g
        theta = theta - lr * buf
        path.append(theta.copy())
    return path


@pytest.mark.parametrize("lr, momentum, weight_decay", [(0.05, 0.9, 0.0), (0.2, 0.5, 0.01), (0.01, 0.99, 0.1)])
def test_heavy_ball_and_torch_momentum_give_the_same_trajectory_for_constant_lr(lr, momentum, weight_decay):
    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 4))
    A = A @ A.T + np.eye(4)                  # a convex quadratic L = 0.5 θᵀAθ - cᵀθ
    c = rng.normal(size=(4, 1))

    def grad_fn(theta):
        return A @ theta - c

    theta0 = rng.normal(size=(4, 1))
    model = one_dense(theta0)
    layer = model.layers[0]
    optimizer = SGD(lr, momentum=momentum, weight_decay=weight_decay)
    expected = torch_form_momentum(theta0, grad_fn, lr, momentum, weight_decay, n_steps=50)
    for theta_torch in expected:
        layer.grads["W"] = grad_fn(layer.params["W"])
        layer.grads["b"] = np.zeros(1)
        optimizer.step(model)
        np.testing.assert_allclose(layer.params["W"], theta_torch, rtol=1e-12, atol=1e-12)
    assert np.abs(optimizer.state["0.W"]["velocity"]).max() > 0


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_adams_first_step_has_size_lr_in_every_coordinate(scale):
    rng = np.random.default_rng(2)
    model = one_dense(rng.normal(size=(5, 4)))
    set_grads(model, rng, scale=scale)
    before, grads = model.get_params(), model.get_grads()
    Adam(lr=0.01).step(model)
    for key, value in model.get_params().items():
        step = value - before[key]
        np.testing.assert_allclose(step, -0.01 * np.sign(grads[key]), rtol=1e-4)


def test_adamw_decays_the_weights_directly_and_adam_through_the_gradient():
    theta = np.array([[2.0, -0.5]])
    adamw_model, adam_model = one_dense(theta), one_dense(theta)
    for model in (adamw_model, adam_model):
        for _, _, grad in model.parameters():
            grad[...] = 0.0                      # a flat loss: only the weight decay acts
    AdamW(lr=0.1, weight_decay=0.2).step(adamw_model)
    Adam(lr=0.1, weight_decay=0.2).step(adam_model)
    np.testing.assert_allclose(adamw_model.layers[0].params["W"], theta * (1 - 0.1 * 0.2), rtol=1e-15)
    # L2 in the gradient is normalised by Adam: every weight moves by ~lr towards zero
    np.testing.assert_allclose(adam_model.layers[0].params["W"], theta - 0.1 * np.sign(theta), rtol=1e-6)


@pytest.mark.parametrize("optimizer", [SGD(0.1, momentum=0.9), AdaGrad(0.1), RMSProp(0.01), Adam(), AdamW()],
                         ids=lambda o: type(o).__name__)
def test_state_is_keyed_by_parameter_and_shaped_like_it(optimizer):
    model = MLP([3, 4, 2], rng=np.random.default_rng(3))
    set_grads(model, np.random.default_rng(4))
    optimizer.step(model)
    optimizer.step(model)
    assert optimizer.t == 2
    params = model.get_params()
    assert set(optimizer.state) == set(params)
    for key, buffers in optimizer.state.items():
        assert buffers and all(buffer.shape == params[key].shape for buffer in buffers.values())
    with pytest.raises(ValueError, match="one optimiser per model"):
        optimizer.step(MLP([3, 5, 2], rng=np.random.default_rng(5)))


# --- every optimiser minimises a convex quadratic (least squares) ----------------------------------

@pytest.mark.parametrize("optimizer, epochs, tol", [
    (SGD(0.1), 500, 1e-6),
    (SGD(0.05, momentum=0.9), 300, 1e-6),
    (AdaGrad(0.5), 1000, 1e-6),
    (RMSProp(0.003), 2000, 2e-2),     # a constant-lr RMSProp hovers within ~lr of the minimum
    (Adam(0.05), 1000, 1e-4),
    (AdamW(0.05, weight_decay=0.0), 1000, 1e-4),
], ids=["sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw"])
def test_each_optimiser_minimises_a_quadratic(optimizer, epochs, tol):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(100, 3))
    w_true, b_true = np.array([[1.5], [-2.0], [0.5]]), np.array([0.3])
    y = X @ w_true + b_true
    model = one_dense(np.zeros((3, 1)))
    history = fit(model, X, y, loss=losses.mse, optimizer=optimizer, epochs=epochs)
    assert history.loss[-1] < 1e-3 * history.loss[0]
    np.testing.assert_allclose(model.layers[0].params["W"], w_true, atol=tol)
    np.testing.assert_allclose(model.layers[0].params["b"], b_true, atol=tol)


# --- parity with torch.optim (optional extra) ------------------------------------------------

@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch is an optional extra (pip install -r requirements-torch.txt)")


PARITY = [
    (SGD, "SGD", dict(lr=0.1)),
    (SGD, "SGD", dict(lr=0.1, momentum=0.9)),
    (SGD, "SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.01)),
    (SGD, "SGD", dict(lr=0.2, weight_decay=0.1)),
    (AdaGrad, "Adagrad", dict(lr=0.1)),
    (AdaGrad, "Adagrad", dict(lr=0.05, eps=1e-6, weight_decay=0.01)),
    (RMSProp, "RMSprop", dict(lr=0.01)),
    (RMSProp, "RMSprop", dict(lr=0.003, alpha=0.9, eps=1e-6, weight_decay=0.05)),
    (Adam, "Adam", dict()),
    (Adam, "Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-7, weight_decay=0.01)),
    (AdamW, "AdamW", dict()),
    (AdamW, "AdamW", dict(lr=0.01, betas=(0.5, 0.9), eps=1e-6, weight_decay=0.1)),
]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("ours, theirs, kwargs", PARITY,
                         ids=[f"{c.__name__}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}"
                              for c, _, kw in PARITY])
def test_every_step_matches_torch_optim(torch, ours, theirs, kwargs, activation):
    rng = np.random.default_rng(7)
    model = MLP([5, 8, 6, 3], activation=activation, rng=rng)
    X, labels = rng.normal(size=(40, 5)), rng.integers(0, 3, size=40)
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[activation]
    net = torch.nn.Sequential(torch.nn.Linear(5, 8, dtype=torch.float64), act(),
                              torch.nn.Linear(8, 6, dtype=torch.float64), act(),
                              torch.nn.Linear(6, 3, dtype=torch.float64))
    linears = [net[0], net[2], net[4]]
    with torch.no_grad():
        for layer, linear in zip(dense, linears):      # torch stores W as (out, in)
            linear.weight.copy_(torch.from_numpy(layer.params["W"].T))
            linear.bias.copy_(torch.from_numpy(layer.params["b"]))
    optimizer = ours(**kwargs)
    torch_optimizer = getattr(torch.optim, theirs)(net.parameters(), **kwargs)

    for _ in range(20):
        batch = rng.choice(40, size=10, replace=False)
        _, grad_out = losses.softmax_cross_entropy(model.forward(X[batch]), labels[batch])
        model.backward(grad_out)
        optimizer.step(model)
        torch_optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(torch.from_numpy(X[batch])), torch.from_numpy(labels[batch])).backward()
        torch_optimizer.step()
        for layer, linear in zip(dense, linears):
            for ours_value, theirs_value in ((layer.params["W"], linear.weight.detach().numpy().T),
                                             (layer.params["b"], linear.bias.detach().numpy())):
                scale = max(1.0, float(np.abs(theirs_value).max()))
                assert np.abs(ours_value - theirs_value).max() <= 1e-12 * scale
