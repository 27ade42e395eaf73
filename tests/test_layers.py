import numpy as np
import pytest

from mlp_utils.gradcheck import gradcheck_layer, layer_gradient_errors, numerical_gradient, relative_error
from mlp_utils.layers import Activation, Dense, Dropout, Softmax


@pytest.mark.parametrize("init", ["xavier", "he", "uniform"])
def test_dense_gradients(init):
    rng = np.random.default_rng(0)
    layer = Dense(4, 3, rng=rng, init=init)
    errors = layer_gradient_errors(layer, rng.normal(size=(5, 4)), rng=rng)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-6


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu"])
def test_activation_layer_gradients(name):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 4))
    x[np.abs(x) < 1e-3] = 0.5
    assert gradcheck_layer(Activation(name), x, rng=rng) < 1e-6


def test_softmax_layer_gradients():
    rng = np.random.default_rng(2)
    assert gradcheck_layer(Softmax(), rng.normal(size=(4, 3)), rng=rng) < 1e-6


def test_dense_init_scales():
    rng = np.random.default_rng(3)
    he = Dense(400, 300, rng=rng, init="he").params["W"]
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    xavier = Dense(400, 300, rng=rng, init="xavier").params["W"]
    assert np.abs(xavier).max() <= np.sqrt(6 / 700)
    uniform = Dense(10, 10, rng=rng, init="uniform", scale=0.5).params["W"]
    assert np.abs(uniform).max() <= 0.5
    assert np.all(Dense(3, 2, rng=rng).params["b"] == 0)


def test_dense_from_weights_copies():
    W, b = np.ones((2, 3)), np.zeros(3)
    layer = Dense.from_weights(W, b)
    layer.params["W"] += 1
    assert np.all(W == 1)
    with pytest.raises(ValueError, match=r"b must have shape \(3,\)"):
        Dense.from_weights(W, np.zeros(2))


def test_dense_shape_error_names_expected_and_actual_shapes():
    layer = Dense(2, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"expects input of shape \(n_samples, 2\), got \(4, 3\)"):
        layer.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"got \(2,\)"):
        layer.forward(np.zeros(2))
    layer.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"gradient of shape \(4, 3\)"):
        layer.backward(np.zeros((4, 2)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="init must be one of"):
        Dense(2, 2, rng=np.random.default_rng(0), init="zeros")
    with pytest.raises(TypeError, match="Generator"):
        Dense(2, 2, rng=0)
    with pytest.raises(ValueError, match="unknown activation"):
        Activation("softplus")
    with pytest.raises(ValueError, match="0 <= p < 1"):
        Dropout(1.0, rng=np.random.default_rng(0))


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="before forward"):
        Dense(2, 2, rng=np.random.default_rng(0)).backward(np.zeros((1, 2)))


def test_layers_do_not_modify_their_inputs():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 4))
    before = x.copy()
    for layer in (Dense(4, 4, rng=rng), Activation("relu"), Softmax(), Dropout(0.5, rng=rng)):
        out = layer.forward(x, train=True)
        layer.backward(np.ones_like(out))
    np.testing.assert_array_equal(x, before)


def test_dropout_train_and_eval():
    rng = np.random.default_rng(5)
    x = np.ones((2000, 50))
    layer = Dropout(0.3, rng=rng)
    out = layer.forward(x, train=True)
    kept = out != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(out[kept], 1 / 0.7)
    assert out.mean() == pytest.approx(1.0, abs=0.01)  # inverted dropout keeps the expectation
    np.testing.assert_array_equal(layer.forward(x, train=False), x)


def test_dropout_backward_uses_the_forward_mask():
    rng = np.random.default_rng(6)
    layer = Dropout(0.5, rng=rng)
    x = rng.normal(size=(4, 6))
    out = layer.forward(x, train=True)
    grad = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(grad == 0, out == 0)
    # With the mask fixed, dropout is linear in x: check its gradient numerically.
    upstream = rng.normal(size=x.shape)
    mask = layer._mask
    numeric = numerical_gradient(lambda v: float(np.sum(v * mask * upstream)), x)
    assert relative_error(layer.backward(upstream), numeric) < 1e-8


def test_dropout_is_reproducible_with_the_same_seed():
    x = np.ones((3, 8))
    a = Dropout(0.5, rng=np.random.default_rng(7)).forward(x, train=True)
    b = Dropout(0.5, rng=np.random.default_rng(7)).forward(x, train=True)
    np.testing.assert_array_equal(a, b)
