"""Hidden checks for chapters/09_dropout.ipynb (SAMPLE: packed into the autograder by coursework.assign; run by otter in the graded kernel)."""

import numpy as np


def check_ex_09_by_hand(ns):
    """Any shape, other drop probabilities, exactly one rng.random(x.shape) call, and the backward."""
    dropout_forward, dropout_backward = ns["dropout_forward"], ns["dropout_backward"]
    x = np.random.default_rng(7070).normal(size=(30, 20, 10))
    for p in (0.0, 0.25, 0.9):
        rng, reference = np.random.default_rng(5), np.random.default_rng(5)
        out, mask = dropout_forward(x, p, rng)
        reference.random(x.shape)
        assert rng.random() == reference.random(), \
            "draw the mask with exactly one call rng.random(x.shape) (the generator advanced differently)"
        assert np.shape(mask) == x.shape and np.shape(out) == x.shape, "out and mask must have the shape of x"
        assert np.all((mask == 0.0) | np.isclose(mask, 1.0 / (1.0 - p))), f"mask entries must be 0 or 1/(1-p) for p={p}"
        assert abs(np.mean(mask == 0.0) - p) < 0.01, f"p={p}: {np.mean(mask == 0.0):.1%} of the units were dropped"
        assert np.allclose(out, x * mask), "out must equal x * mask"
    grad_out = np.random.default_rng(7071).normal(size=(5, 3))
    mask = (np.random.default_rng(7072).random((5, 3)) >= 0.4) / 0.6
    assert np.allclose(dropout_backward(grad_out, mask), grad_out * mask), "dropout_backward must return grad_out * mask"


class _ScriptedModel:
    """A stand-in network whose forward(train=True) returns known logits, one set per call."""

    def __init__(self, n_samples, n_classes, seed):
        self.logits = np.random.default_rng(seed).normal(scale=3.0, size=(50, n_samples, n_classes))
        self.calls = 0
        self.eval_calls = 0

    def forward(self, X, train=False):
        if not train:
            self.eval_calls += 1
            return np.zeros_like(self.logits[0])
        self.calls += 1
        return self.logits[(self.calls - 1) % len(self.logits)].copy()

    def predict(self, X):
        return self.forward(X, train=False)


def check_ex_09_mc_dropout(ns):
    """The mean of exactly n_passes softmaxes of forward(X, train=True), on a scripted model."""
    mc_dropout_probs = ns["mc_dropout_probs"]
    for n_passes in (1, 3, 7):
        model = _ScriptedModel(n_samples=4, n_classes=5, seed=n_passes)
        probs = np.asarray(mc_dropout_probs(model, np.zeros((4, 2)), n_passes))
        assert model.calls == n_passes, f"with n_passes={n_passes}, forward(X, train=True) ran {model.calls} times"
        logits = model.logits[:n_passes]
        expected = np.mean(np.exp(logits - logits.max(axis=2, keepdims=True))
                           / np.exp(logits - logits.max(axis=2, keepdims=True)).sum(axis=2, keepdims=True), axis=0)
        assert probs.shape == (4, 5), f"expected shape (4, 5), got {probs.shape}"
        assert np.allclose(probs, expected), \
            f"n_passes={n_passes}: not the average of the softmax probabilities of the passes"
