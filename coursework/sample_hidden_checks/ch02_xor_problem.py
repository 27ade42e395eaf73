"""Hidden checks for chapters/02_xor_problem.ipynb (SAMPLE: packed into the autograder by coursework.assign; run by otter in the graded kernel)."""

import itertools

import numpy as np

from mlp_utils.layers import Activation, Dense
from mlp_utils.network import Sequential


def check_ex_02_xor_or_and(ns):
    """The architecture is Dense-sigmoid-Dense-sigmoid and the output unit computes 'h1 and not h2'."""
    net = ns["xor_net_2"]
    assert isinstance(net, Sequential) and len(net.layers) == 4, "xor_net_2: a Sequential of four layers"
    kinds = [type(layer) for layer in net.layers]
    assert kinds == [Dense, Activation, Dense, Activation], f"expected Dense, Activation, Dense, Activation, got {kinds}"
    assert all(getattr(layer, "name", "sigmoid") == "sigmoid" for layer in (net.layers[1], net.layers[3])), \
        "both activations must be sigmoids"
    # the output unit on all four hidden patterns, including (0, 1), which no input produces
    hidden = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    out = net.layers[3].forward(net.layers[2].forward(hidden))[:, 0]
    assert np.all(np.abs(out - np.array([0.0, 0.0, 1.0, 0.0])) < 0.05), \
        f"the output unit should compute 'h1 and not h2'; on (h1, h2) = 00, 01, 10, 11 it gives {np.round(out, 3)}"


def _reference_functions(X, w_values, b_values):
    rows = itertools.product(w_values, repeat=X.shape[1])
    return {tuple(int(v) for v in (X @ np.array(w) + bias > 0)) for w in rows for bias in b_values}


def check_ex_02_count_separable(ns):
    """computed_functions on fresh random inputs and grids, then the exact list of the non-separable
    functions as tuples of Python ints."""
    computed_functions = ns["computed_functions"]
    rng = np.random.default_rng()          # fresh inputs: a hard-coded answer cannot know them
    for n_features in (1, 2, 3, 4):
        X = rng.normal(size=(int(rng.integers(2, 9)), n_features))
        w_values = tuple(rng.normal(size=int(rng.integers(1, 4))))
        b_values = tuple(rng.normal(size=int(rng.integers(1, 5))))
        got = computed_functions(X, w_values, b_values)
        assert isinstance(got, set), "computed_functions must return a set"
        assert got == _reference_functions(X, w_values, b_values), \
            f"computed_functions is wrong for random inputs of shape {X.shape}"
    non_separable = ns["non_separable"]
    assert isinstance(non_separable, list), "non_separable must be a list"
    assert all(isinstance(f, tuple) for f in non_separable), "each function must be a tuple of four outputs"
    X_bits = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    missing = set(itertools.product((0, 1), repeat=4)) - _reference_functions(
        X_bits, (-1.0, 0.0, 1.0), (-1.5, -0.5, 0.5, 1.5))
    assert [tuple(int(v) for v in f) for f in non_separable] == sorted(missing), \
        "non_separable must list exactly the functions that no grid point computes, sorted"
    assert type(ns["n_separable"]) is int and ns["n_separable"] == 16 - len(missing), \
        "n_separable must be an int: the number of functions the grid computes"
