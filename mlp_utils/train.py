"""The training loop: full-batch, mini-batch and per-sample (stochastic) gradient descent, and
early stopping (a ``fit`` callback)."""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._validation import Array, as_float_array, check_callable, check_int, check_number, check_rng
from .network import Sequential
from .optim import Optimizer

LossFn = Callable[[Array, Array], tuple[float, Array]]
MetricFn = Callable[[Array, Array], float]


@dataclass
class History:
    """What ``fit`` records, one entry per epoch.

    loss: mean training loss over the epoch's mini-batches (each measured before its update,
    with dropout active); metric: the same for ``metric`` (e.g. accuracy); val_loss / val_metric:
    measured in evaluation mode on the validation data at the end of each epoch.
    """

    metric_name: str = "accuracy"
    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)


class EarlyStopping:
    """A ``fit`` callback: stop after ``patience`` epochs without a new lowest validation loss.

    ``fit(..., validation_data=(X_val, y_val), callback=EarlyStopping(patience))``. After every
    epoch it reads ``history.val_loss[-1]``; the epoch is an improvement if that loss is lower
    than ``best_loss - min_delta`` (min_delta = 0: strictly lower; a tie is no improvement), and
    then it records ``best_epoch`` (1-based), ``best_loss`` and ``best_params`` (a copy of every
    parameter, ``model.get_params()``). It returns True, which stops ``fit``, as soon as
    ``epoch - best_epoch >= patience`` (epochs 1-based), so a run that stops has trained exactly
    ``best_epoch + patience`` epochs. The decision is final: once it has returned True it keeps
    returning True and changes nothing, and ``stop_epoch`` holds the epoch it fired at (None if
    it has not). ``restore(model)`` copies the best weights back into the model.
    patience: an integer >= 1; min_delta: a finite number >= 0, in the units of the loss.
    One object watches one run: create a new one for every ``fit``.
    """

    def __init__(self, patience: int, min_delta: float = 0.0) -> None:
        self.patience = check_int(patience, "patience", minimum=1)
        self.min_delta = check_number(min_delta, "min_delta", low=0.0)
        self.best_epoch = 0
        self.best_loss = math.inf
        self.best_params: dict[str, Array] | None = None
        self.stop_epoch: int | None = None
        self._n_epochs = 0  # epochs seen so far, to catch a reused stopper

    def __call__(self, epoch: int, model: Sequential, history: History) -> bool:
        """Called by ``fit`` after epoch ``epoch`` (0-based); True = stop now."""
        epoch = check_int(epoch, "epoch", minimum=0)
        if epoch != self._n_epochs:
            raise RuntimeError(f"EarlyStopping was called for epoch {epoch + 1} after {self._n_epochs} "
                               "epoch(s): it watches one run, create a new EarlyStopping for every fit")
        if len(history.val_loss) != epoch + 1:
            raise ValueError("EarlyStopping watches the validation loss, but history.val_loss has "
                             f"{len(history.val_loss)} entries after epoch {epoch + 1}: pass "
                             "validation_data=(X_val, y_val) to fit")
        self._n_epochs += 1
        if self.stop_epoch is not None:
            return True
        val_loss = float(history.val_loss[-1])
        if not math.isfinite(val_loss):
            raise ValueError(f"EarlyStopping: the validation loss of epoch {epoch + 1} is {val_loss}")
        if val_loss < self.best_loss - self.min_delta:
            self.best_epoch, self.best_loss = epoch + 1, val_loss
            self.best_params = model.get_params()
        if epoch + 1 - self.best_epoch >= self.patience:
            self.stop_epoch = epoch + 1
        return self.stop_epoch is not None

    def restore(self, model: Sequential) -> None:
        """Copy the weights of ``best_epoch`` into ``model`` (same layers: keys and shapes must match)."""
        if self.best_params is None:
            raise RuntimeError("EarlyStopping.restore: no epoch has been watched yet, so there are no best "
                               "weights; pass the stopper to fit(..., callback=stopper) first")
        model.set_params(self.best_params)


def _diverged(epoch: int, optimizer: Optimizer) -> FloatingPointError:
    return FloatingPointError(
        f"training diverged in epoch {epoch} (the loss or the weights overflowed): the learning rate "
        f"({optimizer.lr}) is probably too large, or the inputs are not scaled")


def _without_checks(fn: Callable) -> Callable:
    """``fn`` (a loss or a metric) with its input checks switched off if it takes ``check`` (every
    loss in ``mlp_utils.losses`` and metric in ``mlp_utils.metrics`` does); else ``fn`` as it is."""
    try:
        takes_check = "check" in inspect.signature(fn).parameters
    except (TypeError, ValueError):  # a callable without a signature
        return fn
    return functools.partial(fn, check=False) if takes_check else fn


def _targets(y: ArrayLike, n_samples: int, name: str, x_name: str) -> np.ndarray:
    """``y`` as an array whose first axis has one entry per sample of ``x_name``."""
    y_arr = np.asarray(y)
    if y_arr.ndim == 0 or y_arr.shape[0] != n_samples:
        got = "a scalar" if y_arr.ndim == 0 else f"{y_arr.shape[0]} (shape {y_arr.shape})"
        raise ValueError(f"{x_name} has {n_samples} samples but {name} has {got}")
    return y_arr


def _validation_arrays(validation_data: object, n_features: int) -> tuple[Array, np.ndarray]:
    """(X_val, y_val), checked once before training: X_val (n_val, n_features), y_val n_val long."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise TypeError(f"validation_data must be a pair (X_val, y_val), got {type(validation_data).__name__}")
    X_val = as_float_array(validation_data[0], "validation_data: X_val", ndim=2, non_empty=True)
    if X_val.shape[1] != n_features:
        raise ValueError(f"validation_data: X_val must have {n_features} columns like X, "
                         f"got an array of shape {X_val.shape}")
    return X_val, _targets(validation_data[1], X_val.shape[0], "y_val", "validation_data: X_val")


def _check_loss_result(result: object, output: Array) -> None:
    """The loss contract: ``loss(output, y)`` returns (a number, dL/d(output) of output's shape)."""
    is_pair = isinstance(result, tuple) and len(result) == 2
    if not (is_pair and isinstance(result[0], (numbers.Real, np.ndarray)) and np.ndim(result[0]) == 0):
        got = (f"({', '.join(type(item).__name__ for item in result)})" if isinstance(result, tuple)
               else type(result).__name__)
        raise TypeError(f"loss must return a pair (loss value, gradient), got {got}")
    grad_shape = getattr(result[1], "shape", None)
    if grad_shape != output.shape:
        raise ValueError(f"loss must return a gradient of the output's shape {output.shape}, "
                         f"got {type(result[1]).__name__} of shape {grad_shape}")


def _check_metric_result(value: object) -> None:
    if isinstance(value, (tuple, list)) or np.ndim(value) != 0:
        raise TypeError(f"metric must return a number, got {type(value).__name__}")


def _check_arguments(model: object, loss: object, optimizer: object, epochs: object, rng: object,
                     metric: object, metric_name: object, callback: object) -> int:
    """The arguments of ``fit`` other than the data; returns ``epochs`` as an int."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a Sequential (e.g. an MLP), got {type(model).__name__}")
    check_callable(loss, "loss")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an mlp_utils.optim.Optimizer such as SGD(0.1), "
                        f"got {type(optimizer).__name__}")
    if rng is not None:
        check_rng(rng, "rng")
    for value, name in ((metric, "metric"), (callback, "callback")):
        if value is not None:
            check_callable(value, name)
    if metric_name is not None and not isinstance(metric_name, str):
        raise TypeError(f"metric_name must be a string, got {type(metric_name).__name__}")
    return check_int(epochs, "epochs", minimum=0)


def fit(model: Sequential, X: ArrayLike, y: ArrayLike, *, loss: LossFn, optimizer: Optimizer,
        epochs: int, batch_size: int | None = None, rng: np.random.Generator | None = None,
        metric: MetricFn | None = None, metric_name: str | None = None,
        validation_data: tuple[ArrayLike, ArrayLike] | None = None,
        callback: Callable[[int, Sequential, History], bool | None] | None = None) -> History:
    """Train ``model`` in place by gradient descent and return its ``History``.

    X: (n_samples, n_features), n_samples >= 1; y: targets in the shape ``loss`` expects, first
    axis n_samples. epochs: an integer >= 0. batch_size: ``None`` = full batch (one update per
    epoch), 1 = per-sample SGD, k = mini-batches (an integer in 1..n_samples).
    rng: a ``numpy.random.Generator`` that shuffles the samples every epoch; required when
    batch_size < n_samples. validation_data: (X_val, y_val), evaluated after every epoch.
    callback(epoch, model, history): called after every epoch; return True to stop early.
    Everything is checked once, before the first update (``TypeError`` / ``ValueError``): the
    arguments, X, the loss and the metric on all targets (and on the validation data), and that
    ``loss`` returns (a number, a gradient of the output's shape); each mini-batch then calls the
    loss and the metric with ``check=False`` when they take that argument. After the first epoch,
    every layer must have filled one gradient per parameter (``RuntimeError`` otherwise).
    Raises ``FloatingPointError`` (and prints no overflow warning) as soon as training diverges,
    the outputs on the validation data included.
    """
    epochs = _check_arguments(model, loss, optimizer, epochs, rng, metric, metric_name, callback)
    X = as_float_array(X, "X", ndim=2, non_empty=True)
    y_arr = _targets(y, X.shape[0], "y", "X")
    n_samples = X.shape[0]
    batch = n_samples if batch_size is None else check_int(batch_size, "batch_size")
    if not 1 <= batch <= n_samples:
        raise ValueError(f"batch_size must be between 1 and {n_samples} (the number of samples), got {batch_size}")
    if batch < n_samples and rng is None:
        raise ValueError("mini-batch and per-sample training shuffle the data: pass rng=np.random.default_rng(seed)")
    validation = None if validation_data is None else _validation_arrays(validation_data, X.shape[1])

    # The loss and the metric check every target once, here, so a bad label stops fit before the
    # first update; the mini-batches below are slices of the same arrays and skip those checks.
    with np.errstate(over="ignore", invalid="ignore"):
        for X_check, y_check in [(X, y_arr)] + ([validation] if validation else []):
            output = model._forward(X_check, train=False)
            _check_loss_result(loss(output, y_check), output)
            if metric is not None:
                _check_metric_result(metric(output, y_check))
    batch_loss_fn = _without_checks(loss)
    batch_metric_fn = None if metric is None else _without_checks(metric)

    history = History(metric_name=metric_name or getattr(metric, "__name__", "metric"))
    for epoch in range(epochs):
        if batch < n_samples:
            order = rng.permutation(n_samples)  # type: ignore[union-attr]
            X_epoch, y_epoch = X[order], y_arr[order]
        else:
            X_epoch, y_epoch = X, y_arr
        loss_sum = metric_sum = 0.0
        # Overflow is not warned about here: a diverging run is stopped below with a clear error.
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n_samples, batch):
                X_batch, y_batch = X_epoch[start:start + batch], y_epoch[start:start + batch]
                output = model._forward(X_batch, train=True)  # X was checked once above
                try:
                    batch_loss, grad_output = batch_loss_fn(output, y_batch)
                except ValueError as error:
                    if np.isfinite(output).all():
                        raise
                    raise _diverged(epoch, optimizer) from error
                if not math.isfinite(batch_loss):
                    raise _diverged(epoch, optimizer)
                model.backward(grad_output, input_grad=False)
                optimizer.step(model)
                loss_sum += batch_loss * X_batch.shape[0]
                if batch_metric_fn is not None:
                    metric_sum += batch_metric_fn(output, y_batch) * X_batch.shape[0]
            if epoch == 0:
                model.check_grads()  # the layer contract, once: one gradient per parameter
            if validation is not None:
                _evaluate(model, validation, loss, metric, history, epoch, optimizer)
        history.loss.append(loss_sum / n_samples)
        if metric is not None:
            history.metric.append(metric_sum / n_samples)
        if callback is not None and callback(epoch, model, history):
            break
    if not all(np.isfinite(param).all() for _, param, _ in model.parameters()):
        raise _diverged(epochs - 1, optimizer)
    return history


def _evaluate(model: Sequential, validation: tuple[Array, np.ndarray], loss: LossFn,
              metric: MetricFn | None, history: History, epoch: int, optimizer: Optimizer) -> None:
    """Record the validation loss (and metric) in evaluation mode; non-finite outputs = divergence.
    Called inside fit's ``np.errstate``, so an overflow is reported by the error, not a warning."""
    X_val, y_val = validation
    val_output = model._forward(X_val, train=False)  # X_val was checked once, before training
    if not np.isfinite(val_output).all():
        raise _diverged(epoch, optimizer)
    val_loss = loss(val_output, y_val)[0]
    if not math.isfinite(val_loss):
        raise _diverged(epoch, optimizer)
    history.val_loss.append(val_loss)
    if metric is not None:
        history.val_metric.append(metric(val_output, y_val))
