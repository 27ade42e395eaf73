"""Hidden checks for chapters/05_regression.ipynb (SAMPLE: packed into the autograder by coursework.assign; run by otter in the graded kernel)."""

import numpy as np

from mlp_utils import MLP, SGD, data, fit


def _howell_split():
    """The chapter's split and standardisation, rebuilt from the data (not from the student's names)."""
    howell = data.load_height_weight()
    X_train_kg, X_test_kg, y_train_cm, y_test_cm = data.train_test_split(
        howell.weight_kg, howell.height_cm, test_fraction=0.25, rng=np.random.default_rng(0))
    scaler = data.Standardizer().fit(X_train_kg)
    return scaler.transform(X_train_kg), scaler.transform(X_test_kg), y_train_cm, y_test_cm


def check_ex_05_cubic_baseline(ns):
    """The held-out RMSE of the least-squares cubic, on the chapter's data rebuilt from scratch."""
    X_train, X_test, y_train_cm, y_test_cm = _howell_split()
    coefficients = np.polyfit(X_train[:, 0], y_train_cm[:, 0], deg=3)
    expected = float(np.sqrt(np.mean((np.polyval(coefficients, X_test[:, 0]) - y_test_cm[:, 0]) ** 2)))
    rmse_cubic = ns["rmse_cubic"]
    assert isinstance(rmse_cubic, float), "rmse_cubic must be a Python float"
    assert abs(rmse_cubic - expected) < 1e-6, \
        "wrong rmse_cubic (fit the cubic on the training split, measure the RMSE on the held-out one)"


def _huber(y_pred, y_true, delta):
    error = y_pred - y_true
    loss = np.where(np.abs(error) <= delta, 0.5 * error**2, delta * (np.abs(error) - 0.5 * delta))
    return float(loss.sum()) / y_pred.shape[0], np.clip(error, -delta, delta) / y_pred.shape[0]


def check_ex_05_huber(ns):
    """huber on several outputs, other thresholds and the exact boundary; the slope from a rebuilt fit."""
    huber = ns["huber"]
    rng = np.random.default_rng()  # fresh inputs at every grading: nothing to precompute
    cases = [(rng.normal(scale=3.0, size=(8, 3)), rng.normal(size=(8, 3)), 2.5),
             (np.array([[1.0], [-1.0], [0.3]]), np.zeros((3, 1)), 1.0),   # |e| = delta exactly
             (rng.normal(size=(1, 1)) * 10, np.zeros((1, 1)), 0.1)]
    for y_pred, y_true, delta in cases:
        loss, grad = huber(y_pred, y_true, delta=delta)
        expected_loss, expected_grad = _huber(y_pred, y_true, delta)
        assert np.isclose(float(loss), expected_loss), f"wrong loss for y_pred of shape {y_pred.shape}, delta={delta}"
        assert np.shape(grad) == y_pred.shape and np.allclose(grad, expected_grad), \
            f"wrong gradient for y_pred of shape {y_pred.shape}, delta={delta}"
    davis = data.load_davis()
    x_scaler, y_scaler = data.Standardizer().fit(davis.weight_kg), data.Standardizer().fit(davis.height_cm)
    line = MLP([1, 1], rng=np.random.default_rng(0))
    fit(line, x_scaler.transform(davis.weight_kg), y_scaler.transform(davis.height_cm),
        loss=lambda p, t: _huber(p, t, 1.0), optimizer=SGD(0.5), epochs=500)
    expected_slope = line.get_params()["0.W"][0, 0] * y_scaler.std_[0] / x_scaler.std_[0]
    assert abs(float(ns["slope_huber"]) - expected_slope) < 1e-6, \
        "wrong slope_huber (Huber, delta 1, SGD(0.5), 500 epochs from the seed-0 line)"
