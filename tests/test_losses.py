import numpy as np
import pytest

from mlp_utils import gradcheck, losses
from mlp_utils.activations import sigmoid, softmax
from mlp_utils.gradcheck import numerical_gradient, relative_error

rng = np.random.default_rng(0)
N, K = 5, 3


def check_gradient(loss_fn, prediction, target):
    _, grad = loss_fn(prediction, target)
    numeric = numerical_gradient(lambda p: loss_fn(p, target)[0], prediction)
    return relative_error(grad, numeric)


def test_mse_value_and_gradient():
    y_pred, y_true = rng.normal(size=(N, 2)), rng.normal(size=(N, 2))
    value, _ = losses.mse(y_pred, y_true)
    assert value == pytest.approx(0.5 * np.sum((y_pred - y_true) ** 2) / N)
    assert check_gradient(losses.mse, y_pred, y_true) < 1e-6


def test_binary_cross_entropy_from_probabilities():
    p = rng.uniform(0.05, 0.95, size=(N, 1))
    y = rng.integers(0, 2, size=(N, 1)).astype(float)
    value, _ = losses.binary_cross_entropy(p, y)
    assert value == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert check_gradient(losses.binary_cross_entropy, p, y) < 1e-6


def test_binary_cross_entropy_with_logits_matches_probability_version():
    z = rng.normal(scale=3.0, size=(N, 1))
    y = rng.integers(0, 2, size=(N, 1)).astype(float)
    assert losses.binary_cross_entropy_with_logits(z, y)[0] == pytest.approx(
        losses.binary_cross_entropy(sigmoid(z), y)[0], rel=1e-9)
    assert check_gradient(losses.binary_cross_entropy_with_logits, z, y) < 1e-6
    np.testing.assert_allclose(losses.binary_cross_entropy_with_logits(z, y)[1], (sigmoid(z) - y) / N)


def test_softmax_cross_entropy_gradient_and_label_forms():
    z = rng.normal(size=(N, K))
    labels = rng.integers(0, K, size=N)
    one_hot = np.eye(K)[labels]
    value_labels, grad_labels = losses.softmax_cross_entropy(z, labels)
    value_onehot, grad_onehot = losses.softmax_cross_entropy(z, one_hot)
    assert value_labels == pytest.approx(value_onehot)
    np.testing.assert_allclose(grad_labels, grad_onehot)
    np.testing.assert_allclose(grad_labels, (softmax(z) - one_hot) / N)
    assert check_gradient(losses.softmax_cross_entropy, z, one_hot) < 1e-6


def test_categorical_cross_entropy_of_probabilities():
    p = softmax(rng.normal(size=(N, K)))
    one_hot = np.eye(K)[rng.integers(0, K, size=N)]
    assert losses.categorical_cross_entropy(p, one_hot)[0] == pytest.approx(
        losses.softmax_cross_entropy(np.log(p), one_hot)[0])
    assert check_gradient(losses.categorical_cross_entropy, p, one_hot) < 1e-6


@pytest.mark.parametrize("z", [1000.0, -1000.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_cross_entropies_are_finite_at_extreme_logits(z, y):
    logits, target = np.array([[z]]), np.array([[y]])
    for value, grad in (losses.binary_cross_entropy_with_logits(logits, target),
                        losses.binary_cross_entropy(sigmoid(logits), target)):
        assert np.isfinite(value) and np.isfinite(grad).all()
    wrong = (z > 0) != (y > 0)
    assert losses.binary_cross_entropy_with_logits(logits, target)[0] == pytest.approx(1000.0 if wrong else 0.0)
    value, grad = losses.softmax_cross_entropy(np.array([[z, -z, 0.0]]), np.array([int(y)]))
    assert np.isfinite(value) and np.isfinite(grad).all()


def test_shape_mismatch_is_an_error_not_a_broadcast():
    with pytest.raises(ValueError, match=r"\(4, 1\) vs targets \(4,\)"):
        losses.mse(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="shape mismatch"):
        losses.binary_cross_entropy_with_logits(np.zeros((4, 1)), np.zeros((4, 2)))


def test_bad_values_are_rejected():
    with pytest.raises(ValueError, match="NaN"):
        losses.mse(np.array([[np.nan]]), np.array([[0.0]]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        losses.binary_cross_entropy(np.array([[1.5]]), np.array([[1.0]]))
    with pytest.raises(ValueError, match="targets must lie"):
        losses.binary_cross_entropy_with_logits(np.array([[0.0]]), np.array([[2.0]]))
    with pytest.raises(ValueError, match="labels must lie in 0..2"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))


@pytest.mark.parametrize("loss_fn", [losses.softmax_cross_entropy, losses.categorical_cross_entropy])
@pytest.mark.parametrize("labels, message", [
    (np.array([0, 3]), r"labels must lie in 0\.\.2, got values in 0\.\.3"),
    (np.array([-1, 2]), r"labels must lie in 0\.\.2, got values in -1\.\.2"),  # -1 would index the last class
    (np.array([0, -4]), r"labels must lie in 0\.\.2, got values in -4\.\.0"),
    (np.array([0, 2**40]), r"labels must lie in 0\.\.2"),
    (np.array([0, 5], dtype=np.uint8), r"labels must lie in 0\.\.2, got values in 0\.\.5"),
    (np.array([0, -1], dtype=np.int32), r"got values in -1\.\.0"),
    (np.array([0.0, 1.0]), "integer class labels, got dtype float64"),
    (np.array([True, False]), "integer class labels, got dtype bool"),
])
def test_bad_labels_are_rejected(loss_fn, labels, message):
    probabilities = np.full((2, 3), 1.0 / 3.0)
    with pytest.raises(ValueError, match=message):
        loss_fn(probabilities, labels)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint64])
def test_every_integer_label_dtype_gives_the_same_loss(dtype):
    z = np.random.default_rng(3).normal(size=(4, 3))
    expected = losses.softmax_cross_entropy(z, np.array([0, 2, 1, 2]))
    value, grad = losses.softmax_cross_entropy(z, np.array([0, 2, 1, 2], dtype=dtype))
    assert value == expected[0]
    np.testing.assert_array_equal(grad, expected[1])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_softmax_cross_entropy_rejects_non_finite_logits(bad):
    z = np.zeros((2, 3))
    z[1, 0] = bad  # not the true class of any row: the check must not rely on the loss turning non-finite
    with pytest.raises(ValueError, match=r"logits contains 1 NaN or infinite value"):
        losses.softmax_cross_entropy(z, np.array([1, 2]))


def test_softmax_cross_entropy_needs_one_label_per_row():
    with pytest.raises(ValueError, match="3 rows of logits but 2 labels"):
        losses.softmax_cross_entropy(np.zeros((3, 4)), np.array([0, 1]))


def test_softmax_cross_entropy_gradient_is_exact_for_probability_targets():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(4, 3))
    targets = rng.dirichlet(np.ones(3), size=4)  # soft targets, e.g. label smoothing
    error = gradcheck.gradcheck_function(lambda v: losses.softmax_cross_entropy(v, targets)[0],
                                         lambda v: losses.softmax_cross_entropy(v, targets)[1], z)
    assert error < 1e-7, error


@pytest.mark.parametrize("targets, message", [
    (np.array([[0.5, 0.5, 0.5], [0.0, 1.0, 0.0]]), r"row sums in 1\.\.1\.5"),  # (p - Y)/n would be wrong
    (np.array([[2.0, -1.0, 0.0], [0.0, 1.0, 0.0]]), r"values in \[-1, 2\]"),
])
def test_softmax_cross_entropy_needs_probability_rows(targets, message):
    with pytest.raises(ValueError, match=message):
        losses.softmax_cross_entropy(np.zeros((2, 3)), targets)
