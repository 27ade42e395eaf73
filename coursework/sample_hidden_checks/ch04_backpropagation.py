"""Hidden checks for chapters/04_backpropagation.ipynb (SAMPLE: packed into the autograder by coursework.assign; run by otter in the graded kernel)."""

import numpy as np

from mlp_utils import metrics
from mlp_utils.gradcheck import numerical_gradient, relative_error


def check_ex_04_input_gradient(ns):
    """One-layer and deep non-square networks, a single example, against central differences."""
    backward_with_input, forward, loss_value = ns["backward_with_input"], ns["forward"], ns["loss_value"]
    init_params, ACTIVATIONS, bce = ns["init_params"], ns["ACTIVATIONS"], ns["bce_with_logits"]
    rng = np.random.default_rng(4040)
    for sizes, activation, n in [([4, 1], "sigmoid", 3), ([2, 7, 3, 5, 1], "tanh", 4), ([3, 6, 2], "relu", 1)]:
        f, f_prime = ACTIVATIONS[activation]
        Ws, bs = init_params(sizes, seed=11, activation=activation)
        X = rng.normal(size=(n, sizes[0]))
        Y = (rng.random((n, sizes[-1])) < 0.5).astype(float)
        Z, A = forward(Ws, bs, X, f)
        _, delta = bce(Z[-1], Y)
        grad_Ws, grad_bs, grad_X = backward_with_input(Ws, Z, A, delta, f_prime)
        assert np.shape(grad_X) == X.shape, f"grad_X must have the shape of X, {X.shape}"
        error = relative_error(grad_X, numerical_gradient(lambda X_: loss_value(Ws, bs, X_, Y, f, bce), X))
        assert error < 1e-6, f"grad_X is wrong for layer sizes {sizes} ({activation}): relative error {error:.1e}"
        for l, (grad_W, W) in enumerate(zip(grad_Ws, Ws), start=1):
            def loss_of_W(W_probe, l=l):
                return loss_value(Ws[:l - 1] + [W_probe] + Ws[l:], bs, X, Y, f, bce)
            error = relative_error(grad_W, numerical_gradient(loss_of_W, W))
            assert error < 1e-6, f"grad_Ws[{l - 1}] is wrong for layer sizes {sizes}: relative error {error:.1e}"


def check_ex_04_symmetry(ns):
    """The exact run the exercise asks for: 2-4-1 from all weights 0.5, LR and EPOCHS epochs."""
    Ws = [np.full((2, 4), 0.5), np.full((4, 1), 0.5)]
    bs = [np.zeros(4), np.zeros(1)]
    Ws_end, bs_end, _ = ns["train"](Ws, bs, ns["X_xor"], ns["Y_xor"], ns["sigmoid"], ns["sigmoid_derivative"],
                                    ns["bce_with_logits"], lr=ns["LR"], epochs=ns["EPOCHS"])
    assert np.allclose(ns["W1_symmetric"], Ws_end[0]), \
        "W1_symmetric is not W^(1) after training the 2-4-1 network from the symmetric start for EPOCHS epochs"
    expected = metrics.accuracy(ns["predict_proba"](Ws_end, bs_end, ns["X_xor"]), ns["Y_xor"])
    assert np.isclose(float(ns["acc_symmetric"]), expected), \
        "acc_symmetric is not the training accuracy of that network"


def check_ex_04_bug_hunt(ns):
    """The wrong arrays are exactly those below the output layer."""
    errors = ns["errors_mystery"]
    assert isinstance(errors, dict) and set(errors) == {"W1", "b1", "W2", "b2", "W3", "b3"}, \
        "errors_mystery must be gradient_errors' dict for the 3-layer debugging network"
    assert errors["W3"] < 1e-6 and errors["b3"] < 1e-6, "the output layer's gradients are right"
    assert list(ns["wrong_arrays"]) == ["W1", "W2", "b1", "b2"], \
        "wrong_arrays does not list exactly the arrays whose gradients are wrong, sorted"
