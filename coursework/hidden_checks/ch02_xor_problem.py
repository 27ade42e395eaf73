"""Hidden checks for chapters/02_xor_problem.ipynb (run by coursework.grade in the student's kernel)."""

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


def check_ex_02_count_separable(ns):
    """The exact list of the non-separable functions, as tuples of Python ints."""
    non_separable = ns["non_separable"]
    assert isinstance(non_separable, list), "non_separable must be a list"
    assert all(isinstance(f, tuple) for f in non_separable), "each function must be a tuple of four outputs"
    assert [tuple(int(v) for v in f) for f in non_separable] == [(0, 1, 1, 0), (1, 0, 0, 1)], \
        f"the non-separable functions are XOR and XNOR, got {non_separable}"
    assert type(ns["n_separable"]) is int and ns["n_separable"] == 14, "n_separable must be the int 14"
