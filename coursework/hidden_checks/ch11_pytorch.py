"""Hidden checks for chapters/11_pytorch.ipynb (run by coursework.grade in the student's kernel; needs torch)."""

import numpy as np


def check_ex_11_copy_linear(ns):
    """Other shapes, float64 parameters that still train, and the exact map X W + b."""
    import torch

    dense_to_linear = ns["dense_to_linear"]
    rng = np.random.default_rng(8080)
    for n_in, n_out in [(1, 1), (7, 2), (4, 9)]:
        W, b, X = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out), rng.normal(size=(5, n_in))
        linear = dense_to_linear(W, b)
        assert isinstance(linear, torch.nn.Linear), "return a torch.nn.Linear"
        assert linear.weight.dtype == torch.float64 and linear.bias.dtype == torch.float64, "use float64 parameters"
        assert linear.weight.requires_grad and linear.bias.requires_grad, "the parameters must stay trainable"
        with torch.no_grad():
            Z = linear(torch.from_numpy(X)).numpy()
        assert np.abs(Z - (X @ W + b)).max() < 1e-12, f"wrong map for a {n_in} -> {n_out} layer"


def check_ex_11_float32(ns):
    """float32_gap is one finite number of float32 size."""
    gap = ns["float32_gap"]
    assert np.ndim(gap) == 0 and np.isfinite(float(gap)), "float32_gap must be one finite number"
    assert 1e-10 < float(gap) < 1e-4, f"float32_gap = {float(gap):.1e} is not the size of float32 rounding"
