import numpy as np
import pytest

from mlp_utils import MLP, losses
from mlp_utils.gradcheck import gradcheck_model, numerical_gradient, relative_error


def test_numerical_gradient_of_a_quadratic_and_input_untouched():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(v ** 2)), x), 2 * x, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_relative_error_edge_cases():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.ones(3), -np.ones(3)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shape"):
        relative_error(np.zeros(3), np.zeros(4))


def test_gradcheck_catches_a_planted_bug():
    model = MLP([3, 4, 2], activation="relu", rng=np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(6, 3))
    y = np.random.default_rng(2).normal(size=(6, 2))
    assert gradcheck_model(model, losses.mse, X, y) < 1e-6
    relu = model.layers[1]
    relu._f_prime = lambda z: np.ones_like(z)  # the classic bug: ReLU derivative replaced by ones
    assert gradcheck_model(model, losses.mse, X, y) > 1e-3
    # parameters are restored after checking
    before = model.get_params()
    gradcheck_model(model, losses.mse, X, y)
    for key, value in model.get_params().items():
        np.testing.assert_array_equal(value, before[key])
