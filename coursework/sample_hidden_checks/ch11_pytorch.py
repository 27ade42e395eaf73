"""Hidden checks for chapters/11_pytorch.ipynb (SAMPLE: packed into the autograder by coursework.assign; run by otter in the graded kernel; needs torch)."""

import numpy as np


def check_ex_11_copy_linear(ns):
    """Other shapes, float64 parameters that still train, and the exact map X W + b."""
    import torch

    dense_to_linear = ns["dense_to_linear"]
    rng = np.random.default_rng()
    for n_in, n_out in [(1, 1), (7, 2), (4, 9)]:
        W, b, X = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out), rng.normal(size=(5, n_in))
        linear = dense_to_linear(W, b)
        assert isinstance(linear, torch.nn.Linear), "return a torch.nn.Linear"
        assert linear.weight.dtype == torch.float64 and linear.bias.dtype == torch.float64, "use float64 parameters"
        assert linear.weight.requires_grad and linear.bias.requires_grad, "the parameters must stay trainable"
        with torch.no_grad():
            Z = linear(torch.from_numpy(X)).numpy()
        assert np.abs(Z - (X @ W + b)).max() < 1e-12, f"wrong map for a {n_in} -> {n_out} layer"


def _float32_gap_reference(model, X, labels):
    """The float32 gradient gap, rebuilt here: float64 mlp_utils gradients against the gradients of
    the same network written directly in float32 torch operations (no helper from the notebook)."""
    import torch

    from mlp_utils import losses

    model.backward(losses.softmax_cross_entropy(model.forward(X), labels)[1])
    ours = model.get_grads()
    functions = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}
    a, leaves = torch.from_numpy(X).float(), {}
    for index, layer in enumerate(model.layers):
        if "W" in layer.params:
            W = torch.tensor(layer.params["W"], dtype=torch.float32, requires_grad=True)
            b = torch.tensor(layer.params["b"], dtype=torch.float32, requires_grad=True)
            leaves[f"{index}.W"], leaves[f"{index}.b"] = W, b
            a = a @ W + b
        else:
            a = functions[layer.name](a)
    torch.nn.functional.cross_entropy(a, torch.from_numpy(labels)).backward()
    return max(float(np.abs(grad - leaves[key].grad.double().numpy()).max()) for key, grad in ours.items())


def check_ex_11_float32(ns):
    """float32_gradient_gap tracks the true float32 gap on fresh networks and inputs whose gaps differ
    by orders of magnitude (so no constant passes), leaves the parameters alone; float32_gap is of
    float32 size."""
    from mlp_utils import MLP

    float32_gradient_gap = ns["float32_gradient_gap"]
    rng = np.random.default_rng()
    expected_gaps = []
    for sizes, activation, scale in [([6, 20, 4], "relu", 1.0), ([5, 16, 16, 3], "relu", 1e4),
                                     ([7, 12, 5], "tanh", 1.0), ([3, 9, 2], "sigmoid", 30.0)]:
        model = MLP(sizes, activation=activation, rng=rng)
        X = rng.normal(scale=scale, size=(60, sizes[0]))
        labels = rng.integers(0, sizes[-1], size=60)
        params = model.get_params()
        gap = float32_gradient_gap(model, X, labels)
        assert all(np.array_equal(value, model.get_params()[key]) for key, value in params.items()), \
            "float32_gradient_gap must not change the model's parameters"
        assert np.ndim(gap) == 0 and np.isfinite(float(gap)), "float32_gradient_gap must return one finite number"
        expected = _float32_gap_reference(model, X, labels)
        expected_gaps.append(expected)
        assert expected / 10 <= float(gap) <= 10 * expected, \
            f"wrong gap for a {sizes} {activation} network with inputs of scale {scale:g}"
    assert max(expected_gaps) > 100 * min(expected_gaps), "the check's cases must tell a constant apart"
    gap = ns["float32_gap"]
    assert np.ndim(gap) == 0 and np.isfinite(float(gap)), "float32_gap must be one finite number"
    assert 1e-10 < float(gap) < 1e-4, "float32_gap is not the size of float32 rounding"
