"""Hidden checks for chapters/06_cross_entropy_softmax.ipynb (SAMPLE: packed into the autograder by coursework.assign; run by otter in the graded kernel)."""

import types

import numpy as np


def check_ex_06_softmax_jacobian(ns):
    """One class, extreme logits without overflow, a list as input; J = diag(p) - p p^T."""
    softmax_jacobian = ns["softmax_jacobian"]
    for z in ([0.3], [1000.0, 0.0, -1000.0], list(np.random.default_rng().normal(size=7))):
        z = np.asarray(z, dtype=float)
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            try:
                J = np.asarray(softmax_jacobian(list(z)), dtype=float)
            except FloatingPointError as error:
                raise AssertionError(f"softmax_jacobian overflows for z = {z[:3]}...: {error}") from None
        p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        assert J.shape == (z.size, z.size), f"expected shape {(z.size, z.size)}, got {J.shape}"
        assert np.all(np.isfinite(J)) and np.allclose(J, np.diag(p) - np.outer(p, p), atol=1e-12), \
            f"wrong Jacobian for {z.size} classes"


def _names_used(fn):
    """Every global, attribute and free-variable name in fn's code, nested functions included."""
    names, codes = set(), [fn.__code__]
    while codes:
        code = codes.pop()
        names |= set(code.co_names) | set(code.co_freevars)
        codes.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
    return names


def check_ex_06_log_sum_exp(ns):
    """No softmax / log_softmax / library log-sum-exp (by name or by identity); huge logits without
    a floating-point warning, one class, fresh random logits, and the input is not modified."""
    from mlp_utils import activations
    from mlp_utils.layers import Softmax

    log_sum_exp = ns["log_sum_exp"]
    assert isinstance(log_sum_exp, types.FunctionType), "log_sum_exp must be a function defined with def"
    used = sorted(_names_used(log_sum_exp) & {"softmax", "log_softmax", "Softmax", "logsumexp", "logaddexp"})
    assert not used, f"log_sum_exp must not use {used}"
    forbidden = [activations.softmax, activations.log_softmax, Softmax, np.logaddexp]
    referenced = [log_sum_exp.__globals__.get(name) for name in _names_used(log_sum_exp)]
    referenced += [cell.cell_contents for cell in (log_sum_exp.__closure__ or ())]
    assert not any(any(obj is bad for bad in forbidden) for obj in referenced), \
        "log_sum_exp must not call softmax, log_softmax or np.logaddexp, even under another name"
    rng = np.random.default_rng()          # fresh logits: a hard-coded answer cannot know them
    for z in (rng.normal(scale=400.0, size=(6, 5)), np.array([[-745.0], [709.0]]), np.full((2, 3), -1e5),
              rng.normal(scale=1000.0, size=(int(rng.integers(1, 9)), int(rng.integers(1, 9))))):
        saved = z.copy()
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            try:
                got = np.asarray(log_sum_exp(z), dtype=float)
            except FloatingPointError as error:
                raise AssertionError(f"log_sum_exp raised a floating-point warning: {error}") from None
        assert np.array_equal(z, saved), "log_sum_exp must not modify its input"
        assert got.shape == (z.shape[0],), f"expected shape {(z.shape[0],)}, got {got.shape}"
        assert np.allclose(got, np.logaddexp.reduce(z, axis=1), rtol=1e-12, atol=1e-9), "wrong values"


def check_ex_06_per_class_recall(ns):
    """recall is a float ndarray in [0, 1] rebuilt from the predictions; hardest_digit an int 0-9."""
    recall, y_test, predicted = ns["recall"], np.asarray(ns["y_test"]), np.asarray(ns["predicted_test"])
    assert isinstance(recall, np.ndarray) and recall.dtype.kind == "f", "recall must be a float NumPy array"
    expected = np.array([np.mean(predicted[y_test == d] == d) for d in range(10)])
    assert np.allclose(recall, expected), "recall[d] = (test images of d classified as d) / (test images of d)"
    hardest = ns["hardest_digit"]
    assert isinstance(hardest, (int, np.integer)) and 0 <= hardest <= 9, "hardest_digit must be an int from 0 to 9"
    assert hardest == int(np.argmin(expected)), "hardest_digit is not the digit with the lowest recall"
