"""Hidden checks for chapters/01_perceptron.ipynb (SAMPLE: packed into the autograder by coursework.assign; run by otter in the graded kernel)."""

import numpy as np

from mlp_utils.data import logic_gate


def check_ex_01_learning_rate(ns):
    """Every run, not just eta = 1, must be the chapter's perceptron run from zero weights on NAND."""
    train_perceptron = ns["train_perceptron"]
    n_updates_by_lr, weights_by_lr = ns["n_updates_by_lr"], ns["weights_by_lr"]
    assert set(weights_by_lr) == {0.5, 1.0, 4.0}, "weights_by_lr needs the keys 0.5, 1.0 and 4.0"
    X, y = logic_gate("NAND")
    for eta in (0.5, 1.0, 4.0):
        run = train_perceptron(X, y, np.zeros((2, 1)), np.zeros(1), eta, max_epochs=100)
        assert int(n_updates_by_lr[eta]) == len(run["updates"]) - 1, \
            f"n_updates_by_lr[{eta}] should be the number of updates of the run with learning rate {eta}"
        W, b = weights_by_lr[eta]
        assert np.shape(W) == (2, 1) and np.shape(b) == (1,), "store the final (W, b) with shapes (2, 1) and (1,)"
        assert np.allclose(W, run["W"]) and np.allclose(b, run["b"]), \
            f"weights_by_lr[{eta}] are not the final weights of a run from zero weights with learning rate {eta}"


def check_ex_01_majority(ns):
    """The weights must be learnt by the perceptron rule from zero weights, not set by hand."""
    X, y = np.asarray(ns["X_majority"], dtype=float), np.asarray(ns["y_majority"], dtype=float)
    W, b = np.asarray(ns["W_majority"], dtype=float), np.asarray(ns["b_majority"], dtype=float)
    assert sorted(map(tuple, X)) == sorted((a, c, d) for a in (0.0, 1.0) for c in (0.0, 1.0) for d in (0.0, 1.0)), \
        "X_majority must hold the eight 0/1 rows"
    run = ns["train_perceptron"](X, y, np.zeros((3, 1)), np.zeros(1), 1.0, max_epochs=100)
    assert run["converged"], "the majority function is separable: the perceptron must converge"
    # from zero weights the learning rate only scales the weights (exercise ex-01-learning-rate)
    scale = np.linalg.norm(W) / np.linalg.norm(run["W"])
    assert scale > 0 and np.allclose(W, scale * run["W"]) and np.allclose(b, scale * run["b"]), \
        "W_majority, b_majority should be what train_perceptron learns from zero weights"
    for row in X:  # every input, one at a time, including its exact decision
        z = row @ W[:, 0] + b[0]
        assert (z > 0) == (row.sum() >= 2), f"wrong decision for the input {row}"
