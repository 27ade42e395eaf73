import numpy as np
import pytest

from mlp_utils import MLP, SGD, Dense, Activation, Sequential, fit, losses
from mlp_utils.data import logic_gate
from mlp_utils.gradcheck import gradcheck_model, model_gradient_errors
from mlp_utils.metrics import accuracy

rng = np.random.default_rng(0)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss_fn, n_out, make_target", [
    (losses.mse, 2, lambda r, n: r.normal(size=(n, 2))),
    (losses.binary_cross_entropy_with_logits, 1, lambda r, n: r.integers(0, 2, (n, 1)).astype(float)),
    (losses.softmax_cross_entropy, 3, lambda r, n: r.integers(0, 3, n)),
])
def test_three_layer_model_gradients(activation, loss_fn, n_out, make_target):
    r = np.random.default_rng(1)
    model = MLP([4, 5, 6, n_out], activation=activation, rng=r)
    X = r.normal(size=(7, 4))
    errors = model_gradient_errors(model, loss_fn, X, make_target(r, 7))
    assert set(errors) == {"0.W", "0.b", "2.W", "2.b", "4.W", "4.b"}
    assert max(errors.values()) < 1e-6


def test_sigmoid_output_with_bce_gradients():
    r = np.random.default_rng(2)
    model = MLP([2, 3, 1], activation="tanh", output_activation="sigmoid", rng=r)
    X, y = logic_gate("XOR")
    assert gradcheck_model(model, losses.binary_cross_entropy, X, y) < 1e-6


def test_mlp_structure_and_parameter_access():
    model = MLP([2, 8, 4, 1], activation="relu", rng=np.random.default_rng(0), dropout=0.2)
    names = [type(layer).__name__ for layer in model.layers]
    assert names == ["Dense", "Activation", "Dropout", "Dense", "Activation", "Dropout", "Dense"]
    assert model.n_params == 2 * 8 + 8 + 8 * 4 + 4 + 4 + 1
    params = model.get_params()
    params["0.W"][...] = 0  # a copy: the model is unchanged
    assert not np.all(model.layers[0].params["W"] == 0)
    model.set_params(params)
    assert np.all(model.layers[0].params["W"] == 0)
    with pytest.raises(ValueError, match="expected parameter keys"):
        model.set_params({"0.W": params["0.W"]})
    with pytest.raises(ValueError, match=r"parameter 0.W has shape \(2, 8\)"):
        model.set_params({**params, "0.W": np.zeros((3, 8))})


def test_mlp_rejects_bad_input_with_clear_messages():
    model = MLP([2, 3, 1], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"\(n_samples, 2\), got \(4, 3\)"):
        model.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match="at least two"):
        MLP([3], rng=np.random.default_rng(0))


def test_same_seed_same_training():
    X, y = logic_gate("XOR")

    def run(seed):
        model = MLP([2, 4, 1], activation="tanh", rng=np.random.default_rng(seed))
        history = fit(model, X, y, loss=losses.binary_cross_entropy_with_logits, optimizer=SGD(0.5),
                      epochs=50, batch_size=2, rng=np.random.default_rng(seed))
        return model.predict(X), history.loss

    out_a, loss_a = run(11)
    out_b, loss_b = run(11)
    out_c, _ = run(12)
    np.testing.assert_array_equal(out_a, out_b)
    assert loss_a == loss_b
    assert not np.array_equal(out_a, out_c)


def test_fit_solves_xor_full_batch():
    X, y = logic_gate("XOR")
    model = MLP([2, 4, 1], activation="tanh", rng=np.random.default_rng(0))
    history = fit(model, X, y, loss=losses.binary_cross_entropy_with_logits, optimizer=SGD(0.5, momentum=0.9),
                  epochs=300, metric=lambda out, t: accuracy(out, t, threshold=0.0), metric_name="accuracy")
    assert history.epochs == 300 and history.metric_name == "accuracy"
    assert history.loss[-1] < 0.01 < history.loss[0]
    assert accuracy(model.predict(X), y, threshold=0.0) == 1.0


def test_fit_records_validation_and_stops_early():
    X, y = logic_gate("OR")
    model = MLP([2, 1], rng=np.random.default_rng(0))
    history = fit(model, X, y, loss=losses.binary_cross_entropy_with_logits, optimizer=SGD(1.0),
                  epochs=1000, batch_size=1, rng=np.random.default_rng(0), validation_data=(X, y),
                  metric=lambda out, t: accuracy(out, t, threshold=0.0),
                  callback=lambda epoch, m, h: h.val_metric[-1] == 1.0)
    assert history.epochs < 1000
    assert len(history.val_loss) == len(history.val_metric) == history.epochs


def test_fit_argument_errors():
    X, y = logic_gate("AND")
    model = MLP([2, 1], rng=np.random.default_rng(0))
    kwargs = dict(loss=losses.mse, optimizer=SGD(0.1), epochs=1)
    with pytest.raises(ValueError, match="pass rng"):
        fit(model, X, y, batch_size=2, **kwargs)
    with pytest.raises(ValueError, match="batch_size must be between 1 and 4"):
        fit(model, X, y, batch_size=5, **kwargs)
    with pytest.raises(ValueError, match="4 samples but y has 3"):
        fit(model, X, y[:3], **kwargs)


def test_diverging_training_raises_a_clear_error_without_warnings():
    # pytest turns every warning into an error here, so this also proves no overflow warning leaks out
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = X.sum(axis=1, keepdims=True)
    for model in (MLP([3, 1], rng=np.random.default_rng(0)),
                  MLP([3, 16, 1], activation="relu", rng=np.random.default_rng(0))):
        with pytest.raises(FloatingPointError, match="learning rate .* is probably too large"):
            fit(model, X, y, loss=losses.mse, optimizer=SGD(5.0), epochs=1000)


def test_non_finite_input_is_a_value_error_not_divergence():
    X = np.array([[np.nan, 1.0]])
    with pytest.raises(ValueError, match="NaN"):
        fit(MLP([2, 1], rng=np.random.default_rng(0)), X, np.zeros((1, 1)), loss=losses.mse,
            optimizer=SGD(0.1), epochs=1)


def test_sgd_momentum_update_rule():
    layer = Dense.from_weights(np.array([[1.0]]), np.array([0.0]))
    model = Sequential([layer, Activation("identity")])
    optimizer = SGD(0.1, momentum=0.5)
    layer.grads["W"][...] = 1.0
    layer.grads["b"][...] = 0.0
    optimizer.step(model)  # v = -0.1, W = 0.9
    optimizer.step(model)  # v = 0.5 * -0.1 - 0.1 = -0.15, W = 0.75
    assert layer.params["W"][0, 0] == pytest.approx(0.75)
    with pytest.raises(ValueError, match="learning rate"):
        SGD(0.0)


def test_backward_can_skip_the_input_gradient_without_changing_parameter_gradients():
    model = MLP([3, 4, 2], activation="relu", rng=np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(5, 3))
    _, grad_out = losses.mse(model.forward(X), np.zeros((5, 2)))
    grad_X = model.backward(grad_out)
    assert grad_X.shape == (5, 3)
    full = model.get_grads()
    assert model.backward(grad_out, input_grad=False) is None
    for key, value in model.get_grads().items():
        np.testing.assert_array_equal(value, full[key])


def test_sgd_without_momentum_updates_every_parameter():
    model = MLP([2, 3, 1], rng=np.random.default_rng(0))
    before = model.get_params()
    for _, _, grad in model.parameters():
        grad[...] = 1.0
    SGD(0.1).step(model)
    for key, value in model.get_params().items():
        np.testing.assert_allclose(value, before[key] - 0.1)


def test_fit_rejects_bad_targets_before_the_first_update():
    X = np.random.default_rng(0).normal(size=(40, 4))
    labels = np.arange(40) % 3
    labels[-1] = 3  # in the last mini-batch of the first epoch
    model = MLP([4, 5, 3], activation="relu", rng=np.random.default_rng(1))
    before = model.get_params()
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: labels must lie in 0\.\.2, got values in 0\.\.3"):
        fit(model, X, labels, loss=losses.softmax_cross_entropy, optimizer=SGD(0.1), epochs=1, batch_size=8,
            rng=np.random.default_rng(2))
    for key, value in model.get_params().items():
        np.testing.assert_array_equal(value, before[key])


def test_skipping_the_per_batch_checks_changes_no_number():
    # fit calls mlp_utils losses with check=False after checking all targets once; a wrapper
    # without a check argument is called as it is, checking every batch. Both must train alike.
    X = np.random.default_rng(0).normal(size=(50, 4))
    labels = np.arange(50) % 3
    runs = []
    for loss in (losses.softmax_cross_entropy, lambda z, y: losses.softmax_cross_entropy(z, y)):
        model = MLP([4, 6, 3], activation="tanh", rng=np.random.default_rng(1))
        history = fit(model, X, labels, loss=loss, optimizer=SGD(0.2, momentum=0.5), epochs=5, batch_size=7,
                      rng=np.random.default_rng(2))
        runs.append((history.loss, model.get_params()))
    assert runs[0][0] == runs[1][0]
    for key in runs[0][1]:
        np.testing.assert_array_equal(runs[0][1][key], runs[1][1][key])
