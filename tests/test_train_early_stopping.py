"""mlp_utils.train.EarlyStopping: the patience rule of chapter 8 as a fit callback.

pytest runs with warnings as errors (pyproject.toml), so every test here also proves that no
warning leaks out of fit or the stopper.
"""

import math

import numpy as np
import pytest

import mlp_utils
from mlp_utils import MLP, SGD, EarlyStopping, History, fit, losses, metrics

N_TRAIN, N_VAL, N_FEATURES, N_CLASSES = 40, 60, 5, 3


def make_data(seed=0):
    """A small noisy 3-class problem: 40 training samples, which a 64-unit network over-fits."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(N_CLASSES, N_FEATURES))
    labels = rng.integers(0, N_CLASSES, size=N_TRAIN + N_VAL)
    X = centres[labels] + rng.normal(size=(N_TRAIN + N_VAL, N_FEATURES))
    return X[:N_TRAIN], labels[:N_TRAIN], X[N_TRAIN:], labels[N_TRAIN:]


def train(epochs, callback=None, validation=True, seed=0):
    """A fresh 5-64-3 network trained by mini-batch momentum SGD; returns (model, history)."""
    X_train, y_train, X_val, y_val = make_data()
    model = MLP([N_FEATURES, 64, N_CLASSES], rng=np.random.default_rng(seed), activation="relu")
    history = fit(model, X_train, y_train, loss=losses.softmax_cross_entropy,
                  optimizer=SGD(0.002, momentum=0.9), epochs=epochs, batch_size=10,
                  rng=np.random.default_rng(100 + seed), metric=metrics.accuracy,
                  validation_data=(X_val, y_val) if validation else None, callback=callback)
    return model, history


def patience_rule(val_losses, patience, min_delta=0.0):
    """(stop_epoch or None, best_epoch), 1-based, computed directly from a list of losses."""
    best_loss, best_epoch = math.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best_loss - min_delta:
            best_loss, best_epoch = loss, epoch
        if epoch - best_epoch >= patience:
            return epoch, best_epoch
    return None, best_epoch


def feed(stopper, val_losses, model=None):
    """Call the stopper as fit would, epoch by epoch; returns the list of its answers."""
    model = MLP([2, 1], rng=np.random.default_rng(0)) if model is None else model
    history, answers = History(), []
    for epoch, loss in enumerate(val_losses):
        history.loss.append(0.0)
        history.val_loss.append(loss)
        answers.append(stopper(epoch, model, history))
    return answers


# --- the package exports it ----------------------------------------------------------------------

def test_exported_from_the_package():
    assert mlp_utils.EarlyStopping is mlp_utils.train.EarlyStopping
    assert "EarlyStopping" in mlp_utils.__all__


# --- arguments -------------------------------------------------------------------------------------

@pytest.mark.parametrize("patience", [1.0, 2.5, "3", None, True])
def test_patience_must_be_an_integer(patience):
    with pytest.raises(TypeError, match=r"patience must be an integer, got"):
        EarlyStopping(patience)


@pytest.mark.parametrize("patience", [0, -1])
def test_patience_must_be_at_least_one(patience):
    with pytest.raises(ValueError, match=rf"patience must be an integer >= 1, got {patience}"):
        EarlyStopping(patience)


def test_patience_accepts_numpy_integers():
    assert EarlyStopping(np.int64(3)).patience == 3
    assert type(EarlyStopping(np.int64(3)).patience) is int


@pytest.mark.parametrize("min_delta", [-0.1, math.inf, math.nan])
def test_min_delta_must_be_finite_and_not_negative(min_delta):
    with pytest.raises(ValueError, match=r"min_delta must be a finite number >= 0, got"):
        EarlyStopping(2, min_delta=min_delta)


@pytest.mark.parametrize("min_delta", ["0.1", None, False])
def test_min_delta_must_be_a_number(min_delta):
    with pytest.raises(TypeError, match=r"min_delta must be a number, got"):
        EarlyStopping(2, min_delta=min_delta)


def test_a_fresh_stopper_has_no_best_epoch():
    stopper = EarlyStopping(3)
    assert (stopper.patience, stopper.min_delta) == (3, 0.0)
    assert (stopper.best_epoch, stopper.best_loss, stopper.best_params, stopper.stop_epoch) == (0, math.inf, None, None)


# --- the patience rule ------------------------------------------------------------------------------

def test_stops_after_patience_epochs_without_improvement():
    stopper = EarlyStopping(2)
    assert feed(stopper, [3.0, 2.0, 2.5, 2.6]) == [False, False, False, True]
    assert (stopper.best_epoch, stopper.best_loss, stopper.stop_epoch) == (2, 2.0, 4)


def test_a_tie_is_not_an_improvement():
    stopper = EarlyStopping(2)
    assert feed(stopper, [3.0, 2.0, 2.0, 2.0]) == [False, False, False, True]
    assert stopper.best_epoch == 2


def test_patience_one_stops_at_the_first_epoch_that_is_not_better():
    stopper = EarlyStopping(1)
    assert feed(stopper, [3.0, 2.0, 1.0, 1.5]) == [False, False, False, True]
    assert (stopper.best_epoch, stopper.stop_epoch) == (3, 4)


def test_a_curve_that_keeps_improving_never_stops():
    stopper = EarlyStopping(1)
    assert not any(feed(stopper, [5.0, 4.0, 3.0, 2.0]))
    assert (stopper.best_epoch, stopper.best_loss, stopper.stop_epoch) == (4, 2.0, None)


def test_the_decision_is_final():
    # after it has fired it keeps saying stop and no longer changes the best epoch (chapter 9
    # calls it for every epoch of a run that goes on)
    stopper = EarlyStopping(2)
    answers = feed(stopper, [3.0, 2.0, 2.5, 2.6, 1.0, 0.5])
    assert answers == [False, False, False, True, True, True]
    assert (stopper.best_epoch, stopper.best_loss, stopper.stop_epoch) == (2, 2.0, 4)


def test_agrees_with_the_rule_on_random_curves_with_ties():
    rng = np.random.default_rng(808)
    for _ in range(200):
        n_epochs, patience = int(rng.integers(1, 40)), int(rng.integers(1, 8))
        min_delta = float(rng.choice([0.0, 0.05, 0.2]))
        curve = list(np.round(rng.normal(size=n_epochs).cumsum() * 0.1 + 2.0, 1))   # rounding makes ties
        stop, best = patience_rule(curve, patience, min_delta)
        stopper = EarlyStopping(patience, min_delta=min_delta)
        answers = feed(stopper, curve)
        first_stop = answers.index(True) + 1 if True in answers else None
        assert (first_stop, stopper.stop_epoch, stopper.best_epoch) == (stop, stop, best)
        assert stopper.best_loss == curve[best - 1]


def test_min_delta_counts_only_large_enough_improvements():
    # 2.0 -> 1.95 is an improvement of 0.05: enough without min_delta, not with min_delta = 0.1
    curve = [2.0, 1.95, 1.9, 1.5, 1.45]
    plain, strict = EarlyStopping(2), EarlyStopping(2, min_delta=0.1)
    assert feed(plain, curve) == [False] * 5 and plain.best_epoch == 5
    assert feed(strict, curve) == [False, False, True, True, True]
    assert (strict.best_epoch, strict.best_loss, strict.stop_epoch) == (1, 2.0, 3)
    # an improvement is measured from the best loss, not from the previous epoch
    # (every step below is smaller than min_delta, but 2.0 -> 1.89 is not)
    creeping = EarlyStopping(3, min_delta=0.1)
    assert feed(creeping, [2.0, 1.95, 1.89, 1.85, 1.84, 1.83, 1.0]) == [False] * 5 + [True, True]
    assert (creeping.best_epoch, creeping.best_loss, creeping.stop_epoch) == (3, 1.89, 6)


def test_min_delta_zero_is_the_strict_rule():
    curve = [1.0, 1.0 - 1e-15, 1.0 - 2e-15, 1.0 - 2e-15]
    stopper = EarlyStopping(1, min_delta=0.0)
    assert feed(stopper, curve) == [False, False, False, True]
    assert stopper.best_epoch == 3


# --- inside fit ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("patience", [1, 3, 5])
def test_fit_stops_exactly_patience_epochs_after_the_best(patience):
    _, full = train(epochs=200)
    stop, best = patience_rule(full.val_loss, patience)
    assert stop is not None and stop < 200, "the test problem must over-fit within 200 epochs"
    stopper = EarlyStopping(patience)
    _, history = train(epochs=200, callback=stopper)
    assert history.epochs == stop == stopper.stop_epoch == stopper.best_epoch + patience
    assert stopper.best_epoch == best == int(np.argmin(history.val_loss)) + 1
    assert stopper.best_loss == min(history.val_loss) == full.val_loss[best - 1]
    assert history.val_loss == full.val_loss[:stop]     # the stopped run is the start of the full one


def test_restore_gives_the_weights_of_the_best_epoch():
    stopper = EarlyStopping(3)
    model, history = train(epochs=200, callback=stopper)
    assert history.epochs > stopper.best_epoch                   # it trained past the best epoch
    reference, _ = train(epochs=stopper.best_epoch)              # same seeds, stopped by epoch count
    last = model.get_params()
    stopper.restore(model)
    restored = model.get_params()
    assert set(restored) == set(reference.get_params())
    for key, value in reference.get_params().items():
        assert np.array_equal(restored[key], value), key     # bit for bit
    assert any(not np.array_equal(last[key], restored[key]) for key in last)
    _, _, X_val, y_val = make_data()
    val_loss = losses.softmax_cross_entropy(model.predict(X_val), y_val)[0]
    assert val_loss == stopper.best_loss


def test_best_params_is_a_copy_that_later_epochs_do_not_change():
    stopper = EarlyStopping(3)
    model, _ = train(epochs=200, callback=stopper)
    saved = {key: value.copy() for key, value in stopper.best_params.items()}
    for key, param, _ in model.parameters():
        assert not np.shares_memory(stopper.best_params[key], param)
        param[...] = 0.0
    assert all(np.array_equal(stopper.best_params[key], saved[key]) for key in saved)


def test_restore_into_another_network_of_the_same_shape():
    stopper = EarlyStopping(3)
    model, _ = train(epochs=200, callback=stopper)
    stopper.restore(model)
    other = MLP([N_FEATURES, 64, N_CLASSES], rng=np.random.default_rng(99), activation="relu")
    stopper.restore(other)
    X_train = make_data()[0]
    assert np.array_equal(other.predict(X_train), model.predict(X_train))


def test_restore_into_a_network_of_another_shape_is_a_clear_error():
    stopper = EarlyStopping(3)
    train(epochs=200, callback=stopper)
    with pytest.raises(ValueError, match=r"parameter 0.W has shape \(5, 32\), got \(5, 64\)"):
        stopper.restore(MLP([N_FEATURES, 32, N_CLASSES], rng=np.random.default_rng(0)))


# --- errors -------------------------------------------------------------------------------------------

def test_fit_without_validation_data_is_a_clear_error():
    with pytest.raises(ValueError, match=r"EarlyStopping watches the validation loss.*"
                                         r"pass validation_data=\(X_val, y_val\) to fit"):
        train(epochs=10, callback=EarlyStopping(2), validation=False)


def test_restore_before_fit_is_a_clear_error():
    model = MLP([2, 1], rng=np.random.default_rng(0))
    before = model.get_params()
    with pytest.raises(RuntimeError, match=r"EarlyStopping.restore: no epoch has been watched yet"):
        EarlyStopping(2).restore(model)
    assert all(np.array_equal(param, before[key]) for key, param in model.get_params().items())


def test_reusing_a_stopper_for_a_second_run_is_a_clear_error():
    stopper = EarlyStopping(100)
    train(epochs=5, callback=stopper)
    with pytest.raises(RuntimeError, match=r"called for epoch 1 after 5 epoch\(s\).*new EarlyStopping for every fit"):
        train(epochs=5, callback=stopper)


def test_a_non_finite_validation_loss_is_a_clear_error():
    with pytest.raises(ValueError, match=r"the validation loss of epoch 2 is nan"):
        feed(EarlyStopping(3), [1.0, math.nan])
