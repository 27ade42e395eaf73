import numpy as np
import pytest

from mlp_utils import activations as act
from mlp_utils.gradcheck import gradcheck_function, numerical_gradient, relative_error

ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_numerical_gradient(name):
    f, f_prime = act.ACTIVATIONS[name]
    rng = np.random.default_rng(0)
    z = rng.normal(scale=2.0, size=(6, 4))
    z[np.abs(z) < 1e-3] = 0.5  # keep away from ReLU's kink
    assert gradcheck_function(lambda v: float(np.sum(f(v))), f_prime, z) < 1e-6


def test_softmax_jacobian_vector_product_matches_numerical():
    rng = np.random.default_rng(1)
    z, upstream = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    p = act.softmax(z)
    analytic = p * (upstream - np.sum(upstream * p, axis=1, keepdims=True))
    numeric = numerical_gradient(lambda v: float(np.sum(act.softmax(v) * upstream)), z)
    assert relative_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("value", [1000.0, -1000.0, 1e4, -1e4])
def test_sigmoid_is_stable_and_exact_at_extremes(value):
    s = act.sigmoid(np.array([value]))
    assert np.all(np.isfinite(s))
    assert s[0] == (1.0 if value > 0 else 0.0)
    assert np.isfinite(act.sigmoid_derivative(np.array([value]))).all()


def test_sigmoid_matches_naive_formula_in_safe_range():
    z = np.linspace(-30, 30, 101)
    np.testing.assert_allclose(act.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12)


def test_softmax_rows_sum_to_one_even_for_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0], [1e4, 1e4, 1e4]])
    p = act.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(p[1], [1 / 3] * 3)
    assert np.isfinite(act.log_softmax(z)).all()


def test_softmax_is_shift_invariant():
    z = np.random.default_rng(2).normal(size=(4, 3))
    np.testing.assert_allclose(act.softmax(z), act.softmax(z + 123.0))


def test_softmax_rejects_1d_input():
    with pytest.raises(ValueError, match=r"\(n_samples, n_classes\)"):
        act.softmax(np.zeros(3))


def test_relu_derivative_is_zero_at_kink_and_negative():
    np.testing.assert_array_equal(act.relu_derivative(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0])


def test_activations_do_not_modify_input():
    z = np.array([[-1.0, 0.0, 3.0]])
    before = z.copy()
    for f, f_prime in act.ACTIVATIONS.values():
        f(z), f_prime(z)
    act.softmax(z)
    np.testing.assert_array_equal(z, before)
