"""Bad input gets a clear error, everywhere in mlp_utils (issue 11): one test per contract.

Each error names the argument, what it expects and what it got. Wrong types raise TypeError,
wrong values ValueError, broken layer contracts RuntimeError. pytest runs with warnings as
errors (pyproject.toml), so every test here also proves that no RuntimeWarning leaks out.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mlp_utils import MLP, SGD, Activation, Dense, Dropout, Sequential, Softmax, fit, losses
from mlp_utils import activations, data, gradcheck, metrics, plotting
from mlp_utils.layers import Layer

LOSSES = [losses.mse, losses.binary_cross_entropy, losses.binary_cross_entropy_with_logits,
          losses.softmax_cross_entropy, losses.categorical_cross_entropy]


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.fixture
def and_gate():
    return data.logic_gate("AND")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def fit_and(model=None, X=None, y=None, **overrides):
    """fit on the AND gate with valid defaults, overridden by the argument under test."""
    gate_X, gate_y = data.logic_gate("AND")
    kwargs = dict(loss=losses.binary_cross_entropy_with_logits, optimizer=SGD(0.1), epochs=2)
    kwargs.update(overrides)
    model = MLP([2, 1], rng=rng()) if model is None else model
    return fit(model, gate_X if X is None else X, gate_y if y is None else y, **kwargs)


# --- arrays: type and content (as_float_array, behind every entry point) ----------------------

def test_array_of_strings_is_a_type_error_naming_the_argument():
    with pytest.raises(TypeError, match=r"X must hold real numbers, got an array of dtype <U1"):
        MLP([2, 1], rng=rng()).predict([["a", "b"]])


def test_complex_array_is_a_type_error_not_a_dropped_imaginary_part():
    with pytest.raises(TypeError, match=r"X must hold real numbers, got an array of dtype complex128"):
        MLP([2, 1], rng=rng()).predict(np.array([[1 + 2j, 0.0]]))


def test_ragged_list_is_a_type_error_naming_the_argument():
    with pytest.raises(TypeError, match=r"rmse: predictions must be a rectangular array of numbers"):
        metrics.rmse([[1.0, 2.0], [3.0]], [[1.0, 2.0], [3.0, 4.0]])


# --- activations --------------------------------------------------------------------------------

@pytest.mark.parametrize("function", [activations.softmax, activations.log_softmax])
def test_softmax_needs_2d_logits(function):
    with pytest.raises(ValueError, match=rf"{function.__name__} expects logits z of shape \(n_samples, n_classes\).*"
                                         r"got an array of shape \(3,\)"):
        function(np.zeros(3))


@pytest.mark.parametrize("function", [activations.softmax, activations.log_softmax])
def test_softmax_needs_at_least_one_class(function):
    message = rf"{function.__name__} expects .*n_classes >= 1, got an array of shape \(2, 0\)"
    with pytest.raises(ValueError, match=message):
        function(np.zeros((2, 0)))


@pytest.mark.parametrize("function", [activations.softmax, activations.log_softmax])
@pytest.mark.parametrize("bad_row", [[np.nan, 0.0], [np.inf, 0.0], [-np.inf, -np.inf]])
def test_softmax_rejects_rows_without_a_finite_maximum(function, bad_row):
    z = np.array([[0.0, 1.0], bad_row])
    message = r"every row of z needs a finite maximum .* 1 of 2 rows do not, the first is row 1"
    with pytest.raises(ValueError, match=message):
        function(z)


def test_softmax_gives_probability_zero_to_a_minus_inf_entry():
    p = activations.softmax(np.array([[-np.inf, 0.0, 0.0]]))
    np.testing.assert_array_equal(p, [[0.0, 0.5, 0.5]])
    assert activations.log_softmax(np.array([[-np.inf, 0.0]]))[0, 0] == -np.inf


@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_elementwise_activations_pass_nan_through_and_take_limits_at_infinity(name):
    # documented decision: no check (they run on every mini-batch), IEEE semantics, no warning
    f, f_prime = activations.ACTIVATIONS[name]
    z = np.array([np.nan, np.inf, -np.inf])
    out = f(z)
    assert np.isnan(out[0])
    expected = {"identity": (np.inf, -np.inf), "sigmoid": (1.0, 0.0), "tanh": (1.0, -1.0), "relu": (np.inf, 0.0)}
    assert tuple(out[1:]) == expected[name]
    assert not np.isnan(f_prime(z[1:])).any()


# --- losses ----------------------------------------------------------------------------------

@pytest.mark.parametrize("loss_fn", LOSSES, ids=lambda f: f.__name__)
def test_every_loss_rejects_an_empty_batch(loss_fn):
    labels = np.zeros(0, dtype=int)
    categorical = loss_fn in (losses.softmax_cross_entropy, losses.categorical_cross_entropy)
    targets = labels if categorical else np.zeros((0, 1))
    message = rf"{loss_fn.__name__}: .* must not be empty .*got an array of shape \(0, 1\)"
    with pytest.raises(ValueError, match=message):
        loss_fn(np.zeros((0, 1)), targets)


@pytest.mark.parametrize("loss_fn", LOSSES, ids=lambda f: f.__name__)
def test_every_loss_rejects_zero_output_columns(loss_fn):
    with pytest.raises(ValueError, match=r"must not be empty .*got an array of shape \(3, 0\)"):
        loss_fn(np.zeros((3, 0)), np.zeros((3, 0)))


def test_categorical_cross_entropy_needs_probabilities():
    message = (r"categorical_cross_entropy: predictions must be probabilities in \[0, 1\], "
               r"got values in \[-0.5, 1.5\]; pass logits to softmax_cross_entropy")
    with pytest.raises(ValueError, match=message):
        losses.categorical_cross_entropy(np.array([[-0.5, 1.5]]), np.array([1]))


def test_binary_cross_entropy_names_the_range_of_bad_probabilities():
    message = r"got values in \[0.2, 1.5\]; pass logits to binary_cross_entropy_with_logits"
    with pytest.raises(ValueError, match=message):
        losses.binary_cross_entropy(np.array([[0.2], [1.5]]), np.array([[0.0], [1.0]]))


# --- metrics ---------------------------------------------------------------------------------

def test_accuracy_rejects_an_empty_batch():
    with pytest.raises(ValueError, match=r"accuracy: output must not be empty .*shape \(0, 3\)"):
        metrics.accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int))


def test_rmse_rejects_an_empty_batch():
    with pytest.raises(ValueError, match=r"rmse: predictions must not be empty .*shape \(0, 1\)"):
        metrics.rmse(np.zeros((0, 1)), np.zeros((0, 1)))


def test_predicted_classes_needs_at_least_one_output_column():
    with pytest.raises(ValueError, match=r"predicted_classes: output must not be empty .*shape \(4, 0\)"):
        metrics.predicted_classes(np.zeros((4, 0)))


def test_accuracy_rejects_one_hot_targets_of_another_shape():
    with pytest.raises(ValueError, match=r"shape mismatch: accuracy: output \(2, 3\) vs targets \(2, 4\)"):
        metrics.accuracy(np.zeros((2, 3)), np.eye(4)[:2])


def test_accuracy_needs_one_label_per_row():
    with pytest.raises(ValueError, match=r"accuracy: 3 rows of output but 2 labels"):
        metrics.accuracy(np.zeros((3, 2)), np.array([0, 1]))


@pytest.mark.parametrize("output, labels, message", [
    (np.zeros((2, 3)), np.array([0, 3]),
     r"labels must lie in 0\.\.2 for an output with 3 column\(s\), got values in 0\.\.3"),
    (np.zeros((2, 1)), np.array([0, 2]),
     r"labels must lie in 0\.\.1 for an output with 1 column\(s\), got values in 0\.\.2"),
    (np.zeros((2, 3)), np.array([-1, 0]), r"got values in -1\.\.0"),
])
def test_accuracy_labels_must_be_classes_of_the_output(output, labels, message):
    with pytest.raises(ValueError, match=message):
        metrics.accuracy(output, labels)


def test_accuracy_labels_must_be_integers():
    with pytest.raises(ValueError, match=r"accuracy: 1-D targets must be integer class labels, got dtype float64"):
        metrics.accuracy(np.zeros((2, 3)), np.array([0.5, 1.0]))


def test_accuracy_two_column_targets_must_lie_in_0_1():
    message = r"accuracy: 0/1 or one-hot targets must lie in \[0, 1\], got values in \[0, 3\]"
    with pytest.raises(ValueError, match=message):
        metrics.accuracy(np.zeros((2, 1)), np.array([[0.0], [3.0]]))


def test_accuracy_rejects_targets_with_three_axes():
    message = r"accuracy: targets must have shape \(2,\) .* got an array of shape \(2, 1, 1\)"
    with pytest.raises(ValueError, match=message):
        metrics.accuracy(np.zeros((2, 1)), np.zeros((2, 1, 1)))


@pytest.mark.parametrize("threshold, error", [(np.nan, ValueError), ("0.5", TypeError)])
def test_accuracy_threshold_must_be_a_finite_number(threshold, error):
    with pytest.raises(error, match=r"accuracy: threshold must be a"):
        metrics.accuracy(np.zeros((2, 1)), np.array([[0.0], [1.0]]), threshold=threshold)


def test_metrics_without_checks_give_the_same_numbers():
    r = rng(3)
    output, labels = r.normal(size=(9, 3)), r.integers(0, 3, 9)
    assert metrics.accuracy(output, labels, check=False) == metrics.accuracy(output, labels)
    y_pred, y_true = r.normal(size=(9, 2)), r.normal(size=(9, 2))
    assert metrics.rmse(y_pred, y_true, check=False) == metrics.rmse(y_pred, y_true)


# --- layers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [2.5, 2.0, True, "3", None])
def test_dense_sizes_must_be_integers(size):
    with pytest.raises(TypeError, match=r"Dense: n_in must be an integer, got .*\(\w+\)"):
        Dense(size, 3, rng=rng())
    with pytest.raises(TypeError, match=r"Dense: n_out must be an integer"):
        Dense(3, size, rng=rng())


def test_dense_sizes_must_be_at_least_one():
    with pytest.raises(ValueError, match=r"Dense: n_out must be an integer >= 1, got 0"):
        Dense(2, 0, rng=rng())


def test_dense_accepts_numpy_integer_sizes():
    layer = Dense(np.int64(3), np.int32(2), rng=rng())
    np.testing.assert_array_equal(layer.params["W"], Dense(3, 2, rng=rng()).params["W"])


@pytest.mark.parametrize("scale", [0.0, -1.0, np.nan, np.inf])
def test_dense_scale_must_be_a_finite_positive_number(scale):
    with pytest.raises(ValueError, match=r"Dense: scale must be a finite number > 0, got"):
        Dense(2, 2, rng=rng(), init="uniform", scale=scale)


def test_dense_init_must_be_a_known_scheme_name():
    with pytest.raises(ValueError, match=r"Dense: init must be one of \['he', 'uniform', 'xavier'\], got None"):
        Dense(2, 2, rng=rng(), init=None)


def test_dense_from_weights_rejects_empty_weights():
    with pytest.raises(ValueError, match=r"W must not be empty .*shape \(0, 3\)"):
        Dense.from_weights(np.zeros((0, 3)), np.zeros(3))


def test_activation_name_must_be_a_known_string():
    with pytest.raises(ValueError, match=r"unknown activation <built-in function abs>; choose one of"):
        Activation(abs)


@pytest.mark.parametrize("p, error, message", [
    (np.nan, ValueError, r"dropout probability p must be a finite number, got nan"),
    (1.0, ValueError, r"dropout probability p must satisfy 0 <= p < 1, got 1.0"),
    (-0.1, ValueError, r"must satisfy 0 <= p < 1, got -0.1"),
    ("0.5", TypeError, r"dropout probability p must be a number, got '0.5' \(str\)"),
    (True, TypeError, r"dropout probability p must be a number, got True \(bool\)"),
])
def test_dropout_p_must_be_a_probability_below_one(p, error, message):
    with pytest.raises(error, match=message):
        Dropout(p, rng=rng())


def test_dropout_rng_must_be_a_generator():
    with pytest.raises(TypeError, match=r"Dropout: rng must be a numpy.random.Generator, .* got int"):
        Dropout(0.5, rng=0)


@pytest.mark.parametrize("layer", [Dropout(0.5, rng=rng()), Activation("relu"), Softmax()], ids=repr)
def test_backward_before_forward_is_a_runtime_error(layer):
    with pytest.raises(RuntimeError, match=rf"{type(layer).__name__}.backward called before forward"):
        layer.backward(np.ones((2, 3)))


def test_dropout_backward_after_an_evaluation_forward_is_the_identity():
    layer = Dropout(0.5, rng=rng())
    layer.forward(np.ones((2, 3)), train=False)
    grad = np.ones((2, 3))
    assert layer.backward(grad) is grad


def test_a_layer_subclass_must_define_forward():
    class Incomplete(Layer):
        pass

    with pytest.raises(NotImplementedError, match=r"Incomplete must define forward\(x, train=False\)"):
        Sequential([Incomplete()]).forward(np.zeros((1, 2)))


# --- Sequential and MLP ---------------------------------------------------------------------

class Scale(Layer):
    """A one-parameter layer out = a * x, for the subclassing contracts."""

    def __init__(self, fill_grad="right"):
        super().__init__()
        self.params = {"a": np.array([2.0])}
        self.fill_grad = fill_grad

    def forward(self, x, train=False):
        self._x = x
        return x * self.params["a"]

    def backward(self, grad_out):
        if self.fill_grad == "right":
            self.grads["a"] = np.array([np.sum(grad_out * self._x)])
        elif self.fill_grad == "wrong shape":
            self.grads["a"] = np.sum(grad_out * self._x)  # a 0-d array: broadcasts silently onto (1,)
        return grad_out * self.params["a"]


def test_sequential_elements_must_be_layers():
    message = r"layers\[1\] must be a Layer \(mlp_utils.layers.Layer or a subclass\), got ufunc"
    with pytest.raises(TypeError, match=message):
        Sequential([Dense(2, 2, rng=rng()), np.tanh])


def test_sequential_takes_a_list_not_a_single_layer():
    with pytest.raises(TypeError, match=r"layers must be a list of Layer objects, .* got Dense"):
        Sequential(Dense(2, 2, rng=rng()))


def test_sequential_needs_at_least_one_layer():
    with pytest.raises(ValueError, match=r"Sequential needs at least one layer, got an empty list"):
        Sequential([])


def test_a_layer_subclass_must_call_the_base_constructor():
    class Forgetful(Layer):
        def __init__(self):  # no super().__init__(): no params, no grads
            pass

    message = r"layers\[0\] \(Forgetful\) has no params and grads dicts: .*super\(\).__init__\(\)"
    with pytest.raises(TypeError, match=message):
        Sequential([Forgetful()])


def test_a_layer_must_fill_one_gradient_per_parameter():
    model = Sequential([Scale(fill_grad="never")])
    model.backward(model.forward(np.ones((3, 1))))
    message = r"layer 0 \(Scale\) has a parameter 'a' but no gradient grads\['a'\] \(it has \[\]\)"
    with pytest.raises(RuntimeError, match=message):
        model.get_grads()
    with pytest.raises(RuntimeError, match=message):
        list(model.parameters())


def test_a_layer_gradient_must_have_its_parameter_shape():
    model = Sequential([Scale(fill_grad="wrong shape")])
    model.backward(model.forward(np.ones((3, 1))))
    message = r"layer 0 \(Scale\): grads\['a'\] must have the shape of params\['a'\], \(1,\), got \(\)"
    with pytest.raises(RuntimeError, match=message):
        model.get_grads()


def test_get_params_does_not_need_gradients():
    assert Sequential([Scale(fill_grad="never")]).get_params()["0.a"].tolist() == [2.0]


@pytest.mark.parametrize("size", [2.5, 2.0, True, "3"])
def test_mlp_layer_sizes_must_be_integers(size):
    with pytest.raises(TypeError, match=r"layer_sizes\[1\] must be an integer, got"):
        MLP([2, size, 1], rng=rng())


def test_mlp_layer_sizes_must_be_positive():
    with pytest.raises(ValueError, match=r"layer_sizes\[2\] must be an integer >= 1, got 0"):
        MLP([2, 3, 0], rng=rng())


@pytest.mark.parametrize("layer_sizes", [3, "231"])
def test_mlp_layer_sizes_must_be_a_list(layer_sizes):
    with pytest.raises(TypeError, match=r"layer_sizes must be a list of integers such as \[2, 4, 1\]"):
        MLP(layer_sizes, rng=rng())


def test_mlp_accepts_a_numpy_array_of_sizes():
    a, b = MLP(np.array([2, 3, 1]), rng=rng()), MLP([2, 3, 1], rng=rng())
    assert a.layer_sizes == [2, 3, 1]
    for key, value in a.get_params().items():
        np.testing.assert_array_equal(value, b.get_params()[key])


@pytest.mark.parametrize("argument", ["activation", "output_activation"])
def test_mlp_activation_names_are_checked_even_without_hidden_layers(argument):
    message = rf"{argument} must be one of \['identity', 'relu', 'sigmoid', 'tanh'\], got 'softplus'"
    with pytest.raises(ValueError, match=message):
        MLP([2, 1], rng=rng(), **{argument: "softplus"})


@pytest.mark.parametrize("dropout", [np.nan, 1.0, -0.1])
def test_mlp_dropout_must_be_a_probability_below_one(dropout):
    with pytest.raises(ValueError, match=r"dropout must be a finite number in \[0, 1\), got"):
        MLP([2, 3, 1], rng=rng(), dropout=dropout)


def test_mlp_rng_must_be_a_generator():
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator, .* got RandomState"):
        MLP([2, 1], rng=np.random.RandomState(0))


def test_set_params_rejects_non_finite_values():
    model = MLP([2, 1], rng=rng())
    values = model.get_params()
    values["0.W"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"values\['0.W'\] contains 1 NaN or infinite value"):
        model.set_params(values)


def test_set_params_needs_a_dict():
    with pytest.raises(TypeError, match=r"values must be a dict of arrays, .* got list"):
        MLP([2, 1], rng=rng()).set_params([np.zeros((2, 1)), np.zeros(1)])


# --- fit ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("epochs", [2.5, True, "3", None])
def test_fit_epochs_must_be_an_integer(epochs):
    with pytest.raises(TypeError, match=r"epochs must be an integer, got"):
        fit_and(epochs=epochs)


def test_fit_epochs_must_not_be_negative():
    with pytest.raises(ValueError, match=r"epochs must be an integer >= 0, got -1"):
        fit_and(epochs=-1)


def test_fit_batch_size_must_be_an_integer():
    with pytest.raises(TypeError, match=r"batch_size must be an integer, got 2.5 \(float\)"):
        fit_and(batch_size=2.5, rng=rng())


def test_fit_batch_size_must_be_between_one_and_n_samples():
    with pytest.raises(ValueError, match=r"batch_size must be between 1 and 4 \(the number of samples\), got 0"):
        fit_and(batch_size=0, rng=rng())


@pytest.mark.parametrize("bad_rng", [0, np.random.RandomState(0)])
def test_fit_rng_must_be_a_generator(bad_rng):
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator"):
        fit_and(batch_size=2, rng=bad_rng)


@pytest.mark.parametrize("shape", [(0, 2), (4, 0)])
def test_fit_rejects_empty_X(shape):
    with pytest.raises(ValueError, match=rf"X must not be empty .*got an array of shape \({shape[0]}, {shape[1]}\)"):
        fit_and(X=np.zeros(shape), y=np.zeros((shape[0], 1)))


def test_fit_y_needs_one_target_per_sample():
    with pytest.raises(ValueError, match=r"X has 4 samples but y has a scalar"):
        fit_and(y=np.float64(1.0))


@pytest.mark.parametrize("model, optimizer, loss, error", [
    ("not a model", SGD(0.1), losses.mse, r"model must be a Sequential \(e.g. an MLP\), got str"),
    (None, "sgd", losses.mse, r"optimizer must be an mlp_utils.optim.Optimizer such as SGD\(0.1\), got str"),
    (None, SGD(0.1), "mse", r"loss must be callable \(a function\), got str"),
])
def test_fit_model_optimizer_and_loss_must_have_the_right_types(model, optimizer, loss, error):
    with pytest.raises(TypeError, match=error):
        fit_and(model=model, optimizer=optimizer, loss=loss)


@pytest.mark.parametrize("argument", ["metric", "callback"])
def test_fit_metric_and_callback_must_be_callable(argument):
    with pytest.raises(TypeError, match=rf"{argument} must be callable"):
        fit_and(**{argument: "accuracy"})


def test_fit_loss_must_return_a_value_and_a_gradient():
    with pytest.raises(TypeError, match=r"loss must return a pair \(loss value, gradient\), got float"):
        fit_and(loss=lambda output, y: 0.5)


def test_fit_loss_gradient_must_have_the_output_shape():
    def flat_gradient(output, y):
        value, grad = losses.mse(output, y)
        return value, grad.ravel()

    message = r"loss must return a gradient of the output's shape \(4, 1\), got ndarray of shape \(4,\)"
    with pytest.raises(ValueError, match=message):
        fit_and(loss=flat_gradient)


def test_fit_metric_must_return_a_number():
    with pytest.raises(TypeError, match=r"metric must return a number, got tuple"):
        fit_and(metric=lambda output, y: (1.0, 2.0))


def test_fit_checks_the_metric_targets_before_the_first_update():
    model = MLP([2, 1], rng=rng())
    before = model.get_params()
    X, y = data.logic_gate("AND")
    message = r"accuracy: 0/1 or one-hot targets must lie in \[0, 1\], got values in \[0, 2\]"
    with pytest.raises(ValueError, match=message):
        fit(model, X, 2 * y, loss=losses.mse, optimizer=SGD(0.1), epochs=1, metric=metrics.accuracy)
    for key, value in model.get_params().items():
        np.testing.assert_array_equal(value, before[key])


def test_fit_metric_without_per_batch_checks_changes_no_number():
    X = rng(0).normal(size=(30, 4))
    labels = np.arange(30) % 3
    runs = []
    for metric in (metrics.accuracy, lambda out, y: metrics.accuracy(out, y)):
        model = MLP([4, 5, 3], activation="tanh", rng=rng(1))
        history = fit(model, X, labels, loss=losses.softmax_cross_entropy, optimizer=SGD(0.2), epochs=3,
                      batch_size=7, rng=rng(2), metric=metric, validation_data=(X[:9], labels[:9]))
        runs.append((history.metric, history.val_metric, history.val_loss))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("validation_data, error, message", [
    (np.zeros((4, 2)), TypeError, r"validation_data must be a pair \(X_val, y_val\), got ndarray"),
    ((np.zeros((4, 3)), np.zeros((4, 1))), ValueError,
     r"validation_data: X_val must have 2 columns like X, got an array of shape \(4, 3\)"),
    ((np.zeros((4, 2)), np.zeros((3, 1))), ValueError,
     r"validation_data: X_val has 4 samples but y_val has 3 \(shape \(3, 1\)\)"),
    ((np.zeros((0, 2)), np.zeros((0, 1))), ValueError, r"validation_data: X_val must not be empty"),
    ((np.full((4, 2), np.nan), np.zeros((4, 1))), ValueError, r"validation_data: X_val contains 8 NaN"),
])
def test_fit_checks_the_validation_data_shapes_before_training(validation_data, error, message):
    model = MLP([2, 1], rng=rng())
    before = model.get_params()
    with pytest.raises(error, match=message):
        fit_and(model=model, validation_data=validation_data)
    for key, value in model.get_params().items():
        np.testing.assert_array_equal(value, before[key])


def test_fit_checks_the_validation_targets_before_the_first_update():
    X, labels = rng(0).normal(size=(12, 2)), np.arange(12) % 3
    model = MLP([2, 3], rng=rng())
    before = model.get_params()
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: labels must lie in 0\.\.2, got values in 0\.\.5"):
        fit(model, X, labels, loss=losses.softmax_cross_entropy, optimizer=SGD(0.1), epochs=1,
            validation_data=(X[:3], np.array([0, 1, 5])))
    for key, value in model.get_params().items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("hidden", [[], [16]], ids=["linear", "relu-16"])
def test_fit_with_validation_data_reports_divergence_as_floating_point_error(hidden):
    X = rng(0).normal(size=(20, 3))
    y = X.sum(axis=1, keepdims=True)
    model = MLP([3, *hidden, 1], activation="relu", rng=rng())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning may be printed
        with pytest.raises(FloatingPointError, match=r"training diverged in epoch \d+ .* learning rate \(5.0\)"):
            fit(model, X, y, loss=losses.mse, optimizer=SGD(5.0), epochs=1000, validation_data=(X[:5], y[:5]))


def test_fit_names_a_layer_that_fills_no_gradient():
    X, y = rng(0).normal(size=(6, 1)), rng(1).normal(size=(6, 1))
    with pytest.raises(RuntimeError, match=r"layer 0 \(Scale\) has a parameter 'a' but no gradient grads\['a'\]"):
        fit(Sequential([Scale(fill_grad="never")]), X, y, loss=losses.mse, optimizer=SGD(0.1), epochs=3)


def test_fit_names_a_layer_whose_gradient_has_the_wrong_shape_after_the_first_epoch():
    X, y = rng(0).normal(size=(6, 1)), rng(1).normal(size=(6, 1))
    epochs_run = []
    with pytest.raises(RuntimeError, match=r"grads\['a'\] must have the shape of params\['a'\], \(1,\), got \(\)"):
        fit(Sequential([Scale(fill_grad="wrong shape")]), X, y, loss=losses.mse, optimizer=SGD(0.1), epochs=3,
            callback=lambda epoch, model, history: epochs_run.append(epoch))
    assert epochs_run == []  # stopped at the end of the first epoch, before its callback


# --- gradcheck -------------------------------------------------------------------------------

@pytest.mark.parametrize("eps, error, message", [
    (0.0, ValueError, r"numerical_gradient: eps must be a finite number > 0, got 0.0"),
    (-1e-6, ValueError, r"eps must be a finite number > 0, got -1e-06"),
    (np.nan, ValueError, r"eps must be a finite number > 0, got nan"),
    ("1e-6", TypeError, r"numerical_gradient: eps must be a number, got '1e-6' \(str\)"),
])
def test_numerical_gradient_eps_must_be_a_finite_positive_number(eps, error, message):
    with pytest.raises(error, match=message):
        gradcheck.numerical_gradient(lambda v: float(np.sum(v)), np.zeros(2), eps=eps)


def test_numerical_gradient_f_must_return_a_scalar():
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape \(2,\) at x\[0\] \+ eps"):
        gradcheck.numerical_gradient(lambda v: v * 2, np.zeros(2))


def test_numerical_gradient_f_must_not_return_a_loss_pair():
    with pytest.raises(ValueError, match=r"f must return a scalar, got a tuple of length 2"):
        gradcheck.numerical_gradient(lambda p: losses.mse(p, np.zeros((1, 1))), np.zeros((1, 1)))


def test_numerical_gradient_f_must_return_a_finite_number():
    with pytest.raises(ValueError, match=r"f must return a finite number, got nan at x\[0, 1\] - eps"):
        gradcheck.numerical_gradient(lambda v: np.nan if v[0, 1] < 0 else 0.0, np.zeros((2, 2)))


def test_numerical_gradient_x_must_be_finite():
    with pytest.raises(ValueError, match=r"numerical_gradient: x contains 1 NaN"):
        gradcheck.numerical_gradient(lambda v: 0.0, np.array([1.0, np.nan]))


def test_relative_error_rejects_non_finite_gradients():
    with pytest.raises(ValueError, match=r"relative_error: analytic gradient contains 1 NaN"):
        gradcheck.relative_error(np.array([np.nan, 1.0]), np.zeros(2))


def test_layer_gradient_errors_needs_a_layer():
    with pytest.raises(TypeError, match=r"layer must be a Layer .* got ufunc"):
        gradcheck.layer_gradient_errors(np.tanh, np.zeros((2, 2)), rng=rng())


def test_layer_gradient_errors_rng_must_be_a_generator():
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator, .* got int"):
        gradcheck.layer_gradient_errors(Activation("tanh"), np.zeros((2, 2)), rng=0)


def test_layer_gradient_errors_needs_backward_to_return_the_input_gradient():
    class NoReturn(Activation):
        def backward(self, grad_out):
            super().backward(grad_out)  # forgot the return

    message = r"NoReturn.backward must return dL/dx of the input's shape \(2, 2\), got NoneType"
    with pytest.raises(ValueError, match=message):
        gradcheck.layer_gradient_errors(NoReturn("tanh"), np.zeros((2, 2)), rng=rng())


def test_model_gradient_errors_needs_a_sequential_model():
    with pytest.raises(TypeError, match=r"model must be a Sequential \(e.g. an MLP\), got Dense"):
        gradcheck.gradcheck_model(Dense(2, 1, rng=rng()), losses.mse, np.zeros((2, 2)), np.zeros((2, 1)))


def test_model_gradient_errors_eps_must_be_positive():
    with pytest.raises(ValueError, match=r"eps must be a finite number > 0, got 0.0"):
        gradcheck.gradcheck_model(MLP([2, 1], rng=rng()), losses.mse, np.zeros((2, 2)), np.zeros((2, 1)), eps=0.0)


def test_gradcheck_function_grad_f_must_be_callable():
    with pytest.raises(TypeError, match=r"gradcheck_function: grad_f must be callable"):
        gradcheck.gradcheck_function(np.sum, np.ones(2), np.zeros(2))


# --- data --------------------------------------------------------------------------------------

def test_logic_gate_name_must_be_a_string():
    with pytest.raises(ValueError, match=r"unknown gate 3; choose one of"):
        data.logic_gate(3)


@pytest.mark.parametrize("n_samples, error, message", [
    (2.5, TypeError, r"sine: n_samples must be an integer, got 2.5 \(float\)"),
    (0, ValueError, r"sine: n_samples must be an integer >= 1, got 0"),
])
def test_sine_n_samples_must_be_a_positive_integer(n_samples, error, message):
    with pytest.raises(error, match=message):
        data.sine(n_samples, rng=rng())


def test_sine_rng_must_be_a_generator():
    with pytest.raises(TypeError, match=r"sine: rng must be a numpy.random.Generator, .* got int"):
        data.sine(10, rng=0)


@pytest.mark.parametrize("low, high, message", [
    (1.0, 1.0, r"sine: high must be greater than low, got low=1.0, high=1.0"),
    (0.0, np.inf, r"sine: high must be a finite number, got inf"),
    (np.nan, 1.0, r"sine: low must be a finite number, got nan"),
])
def test_sine_interval_must_be_finite_and_increasing(low, high, message):
    with pytest.raises(ValueError, match=message):
        data.sine(10, rng=rng(), low=low, high=high)


def test_sine_noise_must_be_a_non_negative_number():
    with pytest.raises(ValueError, match=r"sine: noise must be a finite number >= 0, got -0.1"):
        data.sine(10, rng=rng(), noise=-0.1)


def test_corrupt_needs_binary_images():
    with pytest.raises(ValueError, match=r"corrupt: images must hold only 0 and 1 .*got values in \[0, 0.5\]"):
        data.corrupt(np.array([[0.0, 0.5]]), 1, rng=rng())


@pytest.mark.parametrize("n_flips, error, message", [
    (1.5, TypeError, r"corrupt: n_flips must be an integer, got 1.5 \(float\)"),
    (26, ValueError, r"corrupt: n_flips must be an integer between 0 and 25, got 26"),
])
def test_corrupt_n_flips_must_be_an_integer_up_to_n_pixels(n_flips, error, message):
    with pytest.raises(error, match=message):
        data.corrupt(data.digits_5x5()[0], n_flips, rng=rng())


def test_corrupt_rng_must_be_a_generator():
    with pytest.raises(TypeError, match=r"corrupt: rng must be a numpy.random.Generator, .* got int"):
        data.corrupt(data.digits_5x5()[0], 1, rng=42)


@pytest.mark.parametrize("n_classes, error, message", [
    (2.0, TypeError, r"one_hot: n_classes must be an integer, got 2.0 \(float\)"),
    (0, ValueError, r"one_hot: n_classes must be an integer >= 1, got 0"),
])
def test_one_hot_n_classes_must_be_a_positive_integer(n_classes, error, message):
    with pytest.raises(error, match=message):
        data.one_hot(np.array([0, 1]), n_classes)


@pytest.mark.parametrize("test_fraction, error, message", [
    (np.nan, ValueError, r"test_fraction must be a finite number in \(0, 1\), got nan"),
    ("0.25", TypeError, r"test_fraction must be a number, got '0.25' \(str\)"),
])
def test_train_test_split_fraction_must_be_a_number_in_0_1(test_fraction, error, message):
    with pytest.raises(error, match=message):
        data.train_test_split(np.zeros((8, 1)), np.zeros(8), test_fraction=test_fraction, rng=rng())


def test_train_test_split_rng_must_be_a_generator():
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator, .* got int"):
        data.train_test_split(np.zeros((8, 1)), np.zeros(8), test_fraction=0.25, rng=0)


def test_standardizer_rejects_empty_data():
    with pytest.raises(ValueError, match=r"X must not be empty .*shape \(0, 2\)"):
        data.Standardizer().fit(np.zeros((0, 2)))


def test_loaders_accept_a_string_folder_and_reject_other_types(tmp_path):
    with pytest.raises(FileNotFoundError, match="davis.csv is missing"):
        data.load_davis(str(tmp_path))
    with pytest.raises(TypeError, match=r"data_dir must be a path \(pathlib.Path or str\) or None, got int"):
        data.load_digits(3)


# --- plotting ----------------------------------------------------------------------------------

def predict_and(P):
    return (P.sum(axis=1) > 1.5).astype(float)


@pytest.mark.parametrize("y, message", [
    (np.array([0, 0, 1]), r"y must hold 4 labels in \{0, 1\} .*got shape \(3,\)"),
    (np.array([0, 0, 2, 1]), r"y must hold 4 labels in \{0, 1\} .*values \[0, 1, 2\]"),
])
def test_plot_decision_boundary_needs_one_binary_label_per_point(y, message):
    X, _ = data.logic_gate("AND")
    with pytest.raises(ValueError, match=message):
        plotting.plot_decision_boundary(predict_and, X, y)


def test_plot_decision_boundary_predict_must_return_one_value_per_point(and_gate):
    message = r"predict must return one value per input row \(400 rows\), got an array of shape \(400, 2\)"
    with pytest.raises(ValueError, match=message):
        plotting.plot_decision_boundary(lambda P: np.zeros((len(P), 2)), *and_gate, resolution=20)


def test_plot_decision_boundary_resolution_must_be_an_integer_of_at_least_2(and_gate):
    with pytest.raises(ValueError, match=r"plot_decision_boundary: resolution must be an integer >= 2, got 1"):
        plotting.plot_decision_boundary(predict_and, *and_gate, resolution=1)


def test_plot_decision_boundary_margin_must_be_non_negative(and_gate):
    with pytest.raises(ValueError, match=r"plot_decision_boundary: margin must be a finite number >= 0, got -1.0"):
        plotting.plot_decision_boundary(predict_and, *and_gate, margin=-1.0)


@pytest.mark.parametrize("history", [[1.0, 0.5], {}, {"a": [1.0]}], ids=["list", "empty", "dict-of-lists"])
def test_plot_history_needs_history_objects(history):
    with pytest.raises(TypeError, match=r"plot_history needs a History or a non-empty dict \{label: History\}"):
        plotting.plot_history(history)


def test_plot_regression_fit_x_and_y_must_have_the_same_size():
    x = np.linspace(0, 1, 5)
    with pytest.raises(ValueError, match=r"x and y must have the same size, got shapes \(5,\) and \(4,\)"):
        plotting.plot_regression_fit(x, x[:4], {})


def test_plot_regression_fit_curves_must_be_pairs_of_equal_sizes():
    x = np.linspace(0, 1, 5)
    with pytest.raises(ValueError, match=r"curves\['line'\] must be a pair \(x_grid, y_grid\) of equal sizes"):
        plotting.plot_regression_fit(x, x, {"line": (x, x[:3])})


@pytest.mark.parametrize("images, message", [
    (np.zeros((0, 25)), r"with n_images >= 1, got an array of shape \(0, 25\)"),
    (np.zeros((2, 5, 5, 1)), r"got an array of shape \(2, 5, 5, 1\)"),
])
def test_plot_digits_needs_a_non_empty_stack_of_images(images, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_digits(images)


def test_plot_digits_ncols_must_be_a_positive_integer():
    with pytest.raises(ValueError, match=r"plot_digits: ncols must be an integer >= 1, got 0"):
        plotting.plot_digits(np.zeros((2, 4)), ncols=0)



@pytest.mark.parametrize("make_layer", [lambda: Activation("tanh"), lambda: Softmax(),
                                        lambda: Dropout(0.5, rng=np.random.default_rng(0))],
                         ids=["activation", "softmax", "dropout"])
def test_elementwise_backward_rejects_a_gradient_that_would_broadcast(make_layer):
    layer = make_layer()
    layer.forward(np.ones((4, 3)), train=True)
    with pytest.raises(ValueError, match=r"gradient of the output's shape \(4, 3\), got \(4, 1\)"):
        layer.backward(np.ones((4, 1)))
