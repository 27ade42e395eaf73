"""Metrics for reporting (not for training): accuracy and root mean squared error."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_array, check_same_shape


def predicted_classes(output: ArrayLike, threshold: float = 0.5) -> np.ndarray:
    """Class labels from a network output of shape (n_samples, n_outputs).

    One output column: label 1 where output > ``threshold`` (0.5 for probabilities,
    use 0.0 for logits). Several columns: the arg-max of each row. Returns (n_samples,) ints.
    """
    output = as_float_array(output, "output", ndim=2)
    if output.shape[1] == 1:
        return (output[:, 0] > threshold).astype(np.int64)
    return output.argmax(axis=1)


def accuracy(output: ArrayLike, y_true: ArrayLike, threshold: float = 0.5) -> float:
    """Fraction of samples classified correctly, in [0, 1].

    output: (n_samples, n_outputs) probabilities or scores; y_true: (n_samples, 1) 0/1 targets,
    (n_samples, n_classes) one-hot, or (n_samples,) integer labels.
    """
    predicted = predicted_classes(output, threshold)
    y = np.asarray(y_true)
    if y.ndim == 2:
        y = (y[:, 0] > 0.5).astype(np.int64) if y.shape[1] == 1 else y.argmax(axis=1)
    if y.shape != predicted.shape:
        raise ValueError(f"accuracy: {predicted.shape[0]} predictions but targets of shape "
                         f"{np.shape(y_true)}")
    return float(np.mean(predicted == y))


def rmse(y_pred: ArrayLike, y_true: ArrayLike) -> float:
    """Root mean squared error sqrt(mean((ŷ - y)²)), in the units of y. Shapes must match."""
    y_pred = as_float_array(y_pred, "rmse: predictions")
    y_true = as_float_array(y_true, "rmse: targets")
    check_same_shape(y_pred, y_true, "rmse: predictions", "targets")
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))
