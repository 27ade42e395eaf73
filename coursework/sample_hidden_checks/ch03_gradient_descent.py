"""Hidden checks for chapters/03_gradient_descent.ipynb (SAMPLE: packed into the autograder by coursework.assign; run by otter in the graded kernel)."""

import numpy as np


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def check_ex_03_bce_gradient(ns):
    """Other shapes (one example, five features), large logits, and the inputs are not modified."""
    bce_gradient = ns["bce_gradient"]
    rng = np.random.default_rng(3030)
    for n, d, scale in [(1, 5, 1.0), (9, 2, 1.0), (6, 4, 30.0)]:
        X, W, b = rng.normal(size=(n, d)), rng.normal(scale=scale, size=(d, 1)), rng.normal(size=1)
        y = (rng.random((n, 1)) < 0.5).astype(float)
        saved = [X.copy(), y.copy(), W.copy(), b.copy()]
        grad_W, grad_b = bce_gradient(X, y, W, b)
        delta = (_sigmoid(X @ W + b) - y) / n
        assert np.shape(grad_W) == (d, 1) and np.shape(grad_b) == (1,), \
            f"for X of shape {(n, d)}, expected grad_W {(d, 1)} and grad_b (1,)"
        assert np.allclose(grad_W, X.T @ delta, atol=1e-12) and np.allclose(grad_b, delta.sum(axis=0), atol=1e-12), \
            f"wrong gradient for X of shape {(n, d)} (weights of scale {scale})"
        assert all(np.array_equal(a, s) for a, s in zip([X, y, W, b], saved)), "bce_gradient must not modify its inputs"


def check_ex_03_sgd_epoch(ns):
    """Orders that repeat or skip examples, several features, and an independent delta rule."""
    sgd_epoch = ns["sgd_epoch"]
    rng = np.random.default_rng(3031)
    X, y = rng.normal(size=(5, 3)), (rng.random((5, 1)) < 0.5).astype(float)
    W0, b0 = rng.normal(size=(3, 1)), rng.normal(size=1)
    for order in ([2, 0, 2, 1], [4], np.array([3, 1, 0, 4, 2])):
        W, b = W0.copy(), b0.copy()
        for i in order:
            p = _sigmoid(X[i] @ W[:, 0] + b[0])
            delta = (p - y[i, 0]) * p * (1.0 - p)      # half-MSE delta rule for one example
            W = W - 0.7 * delta * X[i][:, None]
            b = b - 0.7 * delta
        W_got, b_got = sgd_epoch(X, y, W0.copy(), b0.copy(), 0.7, order)
        assert np.shape(W_got) == (3, 1) and np.shape(b_got) == (1,), "return W (d, 1) and b (1,)"
        assert np.allclose(W_got, W) and np.allclose(b_got, b), f"wrong result for order {list(order)}"
