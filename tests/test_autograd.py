"""mlp_utils.autograd: every operation against central differences, random expression graphs,
MLP gradients against the hand-written backward passes, and the error cases. No PyTorch needed
(tests/test_autograd_torch.py compares with torch.autograd when it is installed)."""

import sys

import numpy as np
import pytest

from mlp_utils import MLP, SGD, fit, losses
from mlp_utils.autograd import Tensor, softmax_cross_entropy, unbroadcast
from mlp_utils.gradcheck import numerical_gradient, relative_error
from mlp_utils.layers import Dense

GRADCHECK_TOL = 1e-7   # central differences with eps = 1e-6 in float64 (see mlp_utils.gradcheck)
EXACT_TOL = 1e-12      # two exact computations of the same gradient, rounding only


def agrees_with_central_differences(analytic, numeric):
    """Relative error below GRADCHECK_TOL, or both (near) zero: a gradient that is exactly 0 (an
    unused leaf, a dead ReLU) has a numerical estimate of pure rounding noise, about 1e-10."""
    return relative_error(analytic, numeric) < GRADCHECK_TOL or np.linalg.norm(analytic - numeric) < 1e-8


def gradient_errors(build, inputs, rng):
    """Relative error of autograd against central differences for every input of ``build``.

    build(*tensors) -> Tensor of any shape; the scalar checked is L = Σ out * g with a fixed
    random upstream gradient g (so broadcasting and reductions are checked with dL/dout ≠ 1).
    """
    out = build(*[Tensor(x) for x in inputs])
    upstream = rng.normal(size=out.shape)
    tensors = [Tensor(x) for x in inputs]
    (build(*tensors) * upstream).sum().backward()
    errors = []
    for i, x in enumerate(inputs):
        def loss_of_input(x_probe, i=i):
            probes = [Tensor(x_probe if j == i else other) for j, other in enumerate(inputs)]
            return float(np.sum(build(*probes).data * upstream))
        errors.append(relative_error(tensors[i].grad, numerical_gradient(loss_of_input, x)))
    return errors


def normal(*shape):
    return ("normal", shape)


def positive(*shape):
    return ("positive", shape)


def away_from_zero(*shape):  # for relu (its kink) and divisors
    return ("away", shape)


def draw(spec, rng):
    kind, shape = spec
    x = rng.normal(size=shape)
    if kind == "positive":
        return np.abs(x) + 0.5
    if kind == "away":
        return np.sign(x) * (np.abs(x) + 0.5)
    return x


LABELS = np.array([0, 2, 1, 2])
ONE_HOT = np.eye(3)[LABELS]

# name -> (build, input specs). Every operation, and each broadcasting pattern of the binary ones.
OPERATIONS = {
    "add same shape": (lambda a, b: a + b, [normal(3, 4), normal(3, 4)]),
    "add row vector (bias)": (lambda a, b: a + b, [normal(3, 4), normal(4)]),
    "add column and row": (lambda a, b: a + b, [normal(3, 1), normal(1, 4)]),
    "add scalar tensor": (lambda a, b: a + b, [normal(3, 4), normal()]),
    "add 3-D and 2-D": (lambda a, b: a + b, [normal(2, 3, 4), normal(3, 1)]),
    "add constant": (lambda a: 2.5 + a, [normal(3, 4)]),
    "sub broadcast": (lambda a, b: a - b, [normal(4), normal(3, 4)]),
    "rsub constant": (lambda a: 1.0 - a, [normal(3, 4)]),
    "mul broadcast": (lambda a, b: a * b, [normal(2, 3), normal(3)]),
    "mul column": (lambda a, b: a * b, [normal(3, 4), normal(3, 1)]),
    "div broadcast": (lambda a, b: a / b, [normal(3, 4), away_from_zero(4)]),
    "div numerator broadcast": (lambda a, b: a / b, [normal(1, 4), away_from_zero(3, 4)]),
    "rdiv constant": (lambda a: 2.0 / a, [away_from_zero(3, 4)]),
    "neg": (lambda a: -a, [normal(3, 4)]),
    "pow 2": (lambda a: a ** 2, [normal(3, 4)]),
    "pow 3": (lambda a: a ** 3, [normal(3, 4)]),
    "pow 0.5": (lambda a: a ** 0.5, [positive(3, 4)]),
    "pow -1.5": (lambda a: a ** -1.5, [positive(3, 4)]),
    "matmul": (lambda a, b: a @ b, [normal(3, 4), normal(4, 2)]),
    "matmul with ndarray on the left": (lambda b: np.ones((2, 3)) @ b, [normal(3, 4)]),
    "sum all": (lambda a: a.sum(), [normal(3, 4)]),
    "sum axis 0": (lambda a: a.sum(axis=0), [normal(3, 4)]),
    "sum axis 1 keepdims": (lambda a: a.sum(axis=1, keepdims=True), [normal(3, 4)]),
    "sum axis -1": (lambda a: a.sum(axis=-1), [normal(2, 3, 4)]),
    "mean all": (lambda a: a.mean(), [normal(3, 4)]),
    "mean axis 0 keepdims": (lambda a: a.mean(axis=0, keepdims=True), [normal(3, 4)]),
    "mean axis 1": (lambda a: a.mean(axis=1), [normal(3, 4)]),
    "exp": (lambda a: a.exp(), [normal(3, 4)]),
    "log": (lambda a: a.log(), [positive(3, 4)]),
    "relu": (lambda a: a.relu(), [away_from_zero(3, 4)]),
    "sigmoid": (lambda a: a.sigmoid(), [normal(3, 4)]),
    "tanh": (lambda a: a.tanh(), [normal(3, 4)]),
    "softmax_cross_entropy labels": (lambda z: softmax_cross_entropy(z, LABELS), [normal(4, 3)]),
    "softmax_cross_entropy one-hot": (lambda z: softmax_cross_entropy(z, ONE_HOT), [normal(4, 3)]),
    "a value used twice": (lambda a: a * a + a, [normal(3, 4)]),
    "diamond": (lambda a, b: (a * b).tanh() * (a + b), [normal(3, 4), normal(4)]),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_against_central_differences(name):
    build, specs = OPERATIONS[name]
    rng = np.random.default_rng(sorted(OPERATIONS).index(name))
    inputs = [draw(spec, rng) for spec in specs]
    errors = gradient_errors(build, inputs, rng)
    assert max(errors) < GRADCHECK_TOL, (name, errors)


def test_the_gradient_check_catches_a_wrong_backward():
    """The check above is not vacuous: a local derivative off by a factor is caught."""
    rng = np.random.default_rng(0)

    def wrong_tanh(a):
        out = a.tanh()
        out._backward = lambda: a.__setattr__("grad", a.grad + out.grad)  # forgot 1 - tanh²
        return out
    assert max(gradient_errors(wrong_tanh, [rng.normal(size=(3, 4))], rng)) > 1e-3


@pytest.mark.parametrize("grad_shape, shape, expected", [
    ((3, 4), (4,), lambda g: g.sum(axis=0)),
    ((3, 4), (1, 4), lambda g: g.sum(axis=0, keepdims=True)),
    ((3, 4), (3, 1), lambda g: g.sum(axis=1, keepdims=True)),
    ((3, 4), (), lambda g: g.sum()),
    ((2, 3, 4), (3, 1), lambda g: g.sum(axis=(0, 2))[:, None]),
    ((3, 4), (3, 4), lambda g: g),
])
def test_unbroadcast_sums_over_the_broadcast_axes(grad_shape, shape, expected):
    grad = np.random.default_rng(1).normal(size=grad_shape)
    result = unbroadcast(grad, shape)
    assert result.shape == shape
    np.testing.assert_allclose(result, expected(grad), rtol=1e-14)


def test_a_value_used_twice_accumulates():
    x = Tensor(3.0)
    (x * x).backward()                     # d(x²)/dx = 2x
    assert x.grad == 6.0
    y = Tensor(2.0)
    a, b = y * 4.0, y * 5.0                # y feeds two branches
    (a * b).backward()                     # d(20 y²)/dy = 40 y
    assert y.grad == 80.0
    z = Tensor([1.0, 2.0])
    (z - z).sum().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 0.0])


# ---- random expression graphs ------------------------------------------------------------------
BASE_SHAPE = (3, 4)
LEAF_SHAPES = [(3, 4), (4,), (3, 1), (1, 4), ()]
UNARY = ["neg", "exp", "log", "relu", "sigmoid", "tanh", "square", "rsqrt"]
BINARY = ["add", "sub", "mul", "div"]
REDUCTIONS = [("sum", None, False), ("mean", None, False), ("sum", 0, False), ("mean", 0, True),
              ("sum", -1, True), ("mean", -1, True), ("sum", 0, True)]


def _fits(shape):
    """Can a value of this shape take part in any element-wise op of the graph?"""
    return len(shape) <= 2 and np.broadcast_shapes(shape, BASE_SHAPE) == BASE_SHAPE


def random_program(rng, n_steps=14):
    """A random expression graph as data: leaf arrays and steps (op, argument indices, options).

    Values are numbered leaves first; a step may use any earlier value, so values are often used
    more than once (the accumulation case). Every intermediate shape broadcasts to (3, 4).
    Operations with a restricted domain get a safe argument: exp(tanh a), log(a² + 1),
    a / (sigmoid(b) + 0.5), (a² + 1) ** -0.5, so the graphs stay finite for any inputs.
    """
    n_leaves = int(rng.integers(2, 5))
    shapes = [BASE_SHAPE] + [LEAF_SHAPES[i] for i in rng.integers(0, len(LEAF_SHAPES), n_leaves - 1)]
    leaves = [rng.normal(size=shape) for shape in shapes] + [rng.normal(size=(4, 4)) / 2]  # last: matmul weight
    matrix = len(leaves) - 1
    shapes = shapes + [(4, 4)]
    steps = []
    for _ in range(n_steps):
        usable = [i for i, shape in enumerate(shapes) if i != matrix]
        kind = rng.choice(["unary", "binary", "binary", "reduce", "matmul"])
        if kind == "matmul" and any(shapes[i] == BASE_SHAPE for i in usable):
            a = int(rng.choice([i for i in usable if shapes[i] == BASE_SHAPE]))
            steps.append(("matmul", (a, matrix), None))
            shapes.append(BASE_SHAPE)
        elif kind == "binary":
            a, b = (int(i) for i in rng.choice(usable, size=2))
            steps.append((str(rng.choice(BINARY)), (a, b), None))
            shapes.append(np.broadcast_shapes(shapes[a], shapes[b]))
        elif kind == "reduce":
            a = int(rng.choice(usable))
            candidates = [r for r in REDUCTIONS if r[1] is None or (shapes[a] and _fits(
                np.sum(np.zeros(shapes[a]), axis=r[1], keepdims=r[2]).shape))]
            op, axis, keepdims = candidates[int(rng.integers(len(candidates)))]
            steps.append((op, (a,), (axis, keepdims)))
            shapes.append(np.sum(np.zeros(shapes[a]), axis=axis, keepdims=keepdims).shape)
        else:
            a = int(rng.choice(usable))
            steps.append((str(rng.choice(UNARY)), (a,), None))
            shapes.append(shapes[a])
    base_values = [i for i, shape in enumerate(shapes) if shape == BASE_SHAPE and i != matrix]
    logits = int(rng.choice(base_values))
    labels = rng.integers(0, 4, size=3)
    return leaves, steps, logits, labels


def run_program(program, leaves, backend):
    """Evaluate a random program on ``leaves`` (tensors of a backend) -> the scalar loss:
    the cross-entropy of one (3, 4) value as logits plus the sum of every value no step used.

    backend: reduce(x, op, axis, keepdims) and cross_entropy(logits, labels); everything else
    uses operators and methods that mlp_utils.autograd.Tensor and torch.Tensor share.
    """
    _, steps, logits, labels = program
    values = list(leaves)
    unary = {"neg": lambda a: -a, "exp": lambda a: a.tanh().exp(), "log": lambda a: (a * a + 1.0).log(),
             "relu": lambda a: a.relu(), "sigmoid": lambda a: a.sigmoid(), "tanh": lambda a: a.tanh(),
             "square": lambda a: a ** 2, "rsqrt": lambda a: (a * a + 1.0) ** -0.5}
    binary = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
              "div": lambda a, b: a / (b.sigmoid() + 0.5), "matmul": lambda a, b: a @ b}
    for op, args, options in steps:
        if op in unary:
            values.append(unary[op](values[args[0]]))
        elif op in binary:
            values.append(binary[op](values[args[0]], values[args[1]]))
        else:
            values.append(backend.reduce(values[args[0]], op, *options))
    used = {index for _, args, _ in steps for index in args}
    loss = backend.cross_entropy(values[logits], labels)
    for index in range(len(values)):   # every value nobody used feeds the loss: no dead branches
        if index not in used:
            loss = loss + backend.reduce(values[index], "sum", None, False)
    return loss


class Engine:
    """The backend of run_program for mlp_utils.autograd."""

    @staticmethod
    def reduce(x, op, axis, keepdims):
        return getattr(x, op)(axis=axis, keepdims=keepdims)

    @staticmethod
    def cross_entropy(logits, labels):
        return softmax_cross_entropy(logits, labels)


def engine_gradients(program):
    leaves = [Tensor(x) for x in program[0]]
    loss = run_program(program, leaves, Engine)
    loss.backward()
    return loss.item(), [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("seed", range(20))
def test_random_expression_graphs_against_central_differences(seed):
    program = random_program(np.random.default_rng(seed))
    _, grads = engine_gradients(program)
    for i, x in enumerate(program[0]):
        def loss_of_leaf(x_probe, i=i):
            leaves = [Tensor(x_probe if j == i else other) for j, other in enumerate(program[0])]
            return run_program(program, leaves, Engine).item()
        numeric = numerical_gradient(loss_of_leaf, x)
        assert agrees_with_central_differences(grads[i], numeric), (seed, i, relative_error(grads[i], numeric))


# ---- networks: autograd against the hand-written backward passes of chapter 4 --------------------
def mlp_loss(model, X, y, loss):
    """The loss of an mlp_utils MLP computed with autograd Tensors -> (loss Tensor, {key: Tensor}).

    loss: "softmax_cross_entropy" (y: labels (n_samples,)) or "mse" (y: (n_samples, n_outputs)).
    """
    params = {key: Tensor(param) for key, param, _ in model.parameters()}
    a = Tensor(X)
    for index, layer in enumerate(model.layers):
        if isinstance(layer, Dense):
            a = a @ params[f"{index}.W"] + params[f"{index}.b"]
        elif layer.name != "identity":
            a = getattr(a, layer.name)()
    if loss == "softmax_cross_entropy":
        return softmax_cross_entropy(a, y), params
    return ((a - y) ** 2).sum() / (2 * X.shape[0]), params


def random_network(seed):
    rng = np.random.default_rng(seed)
    sizes = [int(n) for n in rng.integers(2, 7, size=int(rng.integers(2, 5)))]
    activation = ["sigmoid", "tanh", "relu"][seed % 3]
    loss = ["softmax_cross_entropy", "mse"][(seed // 3) % 2]
    if loss == "softmax_cross_entropy":
        sizes[-1] = max(sizes[-1], 2)
    model = MLP(sizes, activation=activation, rng=rng)
    for _, param, _ in model.parameters():
        param += rng.normal(scale=0.1, size=param.shape)  # nonzero biases too
    n_samples = int(rng.integers(1, 9))
    X = rng.normal(size=(n_samples, sizes[0]))
    y = (rng.integers(0, sizes[-1], size=n_samples) if loss == "softmax_cross_entropy"
         else rng.normal(size=(n_samples, sizes[-1])))
    return model, X, y, loss


@pytest.mark.parametrize("seed", range(12))
def test_random_networks_match_the_hand_written_backward(seed):
    model, X, y, loss = random_network(seed)
    loss_fn = losses.softmax_cross_entropy if loss == "softmax_cross_entropy" else losses.mse
    hand_loss, grad_output = loss_fn(model.forward(X), y)
    model.backward(grad_output)
    loss_tensor, params = mlp_loss(model, X, y, loss)
    loss_tensor.backward()
    assert abs(loss_tensor.item() - hand_loss) <= EXACT_TOL * max(1.0, abs(hand_loss))
    for key, grad in model.get_grads().items():
        assert params[key].grad.shape == grad.shape
        assert relative_error(params[key].grad, grad) < EXACT_TOL, (seed, key)


def test_training_with_autograd_follows_fit_step_for_step():
    """Ten full-batch SGD steps: autograd gradients give the same weights as fit()."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(20, 3))
    labels = rng.integers(0, 3, size=20)
    model = MLP([3, 5, 3], activation="tanh", rng=np.random.default_rng(6))
    fit(model, X, labels, loss=losses.softmax_cross_entropy, optimizer=SGD(0.5), epochs=10)
    twin = MLP([3, 5, 3], activation="tanh", rng=np.random.default_rng(6))
    for _ in range(10):
        loss, tensors = mlp_loss(twin, X, labels, "softmax_cross_entropy")
        loss.backward()
        for key, param, _ in twin.parameters():
            param -= 0.5 * tensors[key].grad
    twin_params = twin.get_params()
    for key, param in model.get_params().items():
        np.testing.assert_allclose(twin_params[key], param, rtol=0, atol=1e-12)


# ---- bad input and the backward-twice rule ------------------------------------------------------
@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_shapes_that_cannot_broadcast_name_both_shapes(op):
    a, b = Tensor(np.ones((3, 4))), Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"cannot be broadcast.*") as error:
        {"+": a.__add__, "-": a.__sub__, "*": a.__mul__, "/": a.__truediv__}[op](b)
    assert "(3, 4)" in str(error.value) and "(3,)" in str(error.value) and op in str(error.value)


@pytest.mark.parametrize("left, right", [((3, 4), (3, 2)), ((4,), (4, 2)), ((3, 4), (4,))])
def test_matmul_shape_errors_name_both_shapes(left, right):
    with pytest.raises(ValueError, match="expects shapes") as error:
        Tensor(np.ones(left)) @ Tensor(np.ones(right))
    assert str(left) in str(error.value) and str(right) in str(error.value)


def test_backward_on_a_non_scalar_needs_a_seed():
    z = Tensor(np.ones((3, 4))) * 2.0
    with pytest.raises(ValueError, match=r"shape \(3, 4\)"):
        z.backward()
    with pytest.raises(ValueError, match=r"grad must have this tensor's shape \(3, 4\), got \(4,\)"):
        z.backward(np.ones(4))
    x = Tensor(np.arange(12.0).reshape(3, 4))
    seed = np.random.default_rng(0).normal(size=(3, 4))
    (x * 2.0).backward(seed)                       # a seed is dL/dz: then dL/dx = 2 seed
    np.testing.assert_array_equal(x.grad, 2.0 * seed)


def test_backward_twice_through_the_same_graph_raises():
    x = Tensor([1.0, 2.0, 3.0])
    loss = (x * x).sum()
    loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])
    with pytest.raises(RuntimeError, match="would add every gradient a second time"):
        loss.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])   # the failed call changed nothing
    y = x * x
    y.sum().backward()
    with pytest.raises(RuntimeError, match="freed"):        # a new graph on top of a freed part
        (y * 2.0).sum().backward()


def test_retain_graph_accumulates_into_leaves_and_zero_grad_resets():
    x = Tensor([1.0, -2.0])
    hidden = x.tanh()
    loss = (hidden * x).sum()
    loss.backward(retain_graph=True)
    first = x.grad.copy()
    hidden_grad = hidden.grad.copy()
    loss.backward()                                 # allowed once more, and it adds (like PyTorch)
    np.testing.assert_allclose(x.grad, 2.0 * first, rtol=1e-15)
    np.testing.assert_array_equal(hidden.grad, hidden_grad)   # inner gradients recomputed, not doubled
    x.zero_grad()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    (x * x).sum().backward()                        # a new forward pass builds a new graph
    np.testing.assert_array_equal(x.grad, [2.0, -4.0])


def test_independent_graphs_do_not_interfere():
    a, b = Tensor(2.0), Tensor(3.0)
    loss_a, loss_b = a * a, b * 5.0
    loss_a.backward()
    assert (a.grad, b.grad) == (4.0, 0.0)
    loss_b.backward()
    assert (a.grad, b.grad) == (4.0, 5.0)


@pytest.mark.parametrize("build, match", [
    (lambda: Tensor([1.0, 0.0]).log(), "log: the input must be > 0"),
    (lambda: Tensor([1.0, 2.0]) / Tensor([1.0, 0.0]), "contains 1 zero"),
    (lambda: Tensor([1.0, 800.0]).exp(), "exp overflows"),
    (lambda: Tensor([-1.0, 2.0]) ** 0.5, "non-integer exponent"),
    (lambda: Tensor([0.0, 2.0]) ** -1, "at x = 0"),
    (lambda: Tensor([1.0, np.nan]), "NaN or infinite"),
    (lambda: Tensor(np.ones((0, 3))).mean(axis=0), "no elements"),
    (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), np.array([0, 3])), "labels must lie in 0..2"),
    (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), np.array([0, 1, 2])), "2 rows of logits but 3 labels"),
])
def test_bad_input_gets_a_clear_error(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_type_errors_pow_exponent_and_tensor_of_a_tensor():
    with pytest.raises(TypeError, match="constant number"):
        Tensor(2.0) ** Tensor(2.0)
    with pytest.raises(TypeError, match="Tensor already"):
        Tensor(Tensor(2.0))


def test_stable_at_extreme_values():
    z = Tensor(np.array([[-1000.0, 0.0, 1000.0]]))
    s = z.sigmoid()
    s.sum().backward()                              # warnings are errors in this test suite
    np.testing.assert_array_equal(s.data, [[0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(z.grad, [[0.0, 0.25, 0.0]])
    logits = Tensor(np.array([[1000.0, -1000.0, 0.0], [0.0, 0.0, 0.0]]))
    loss = softmax_cross_entropy(logits, np.array([0, 2]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(logits.grad))


def test_a_long_chain_does_not_hit_the_recursion_limit():
    x = Tensor(1.0)
    y = x
    for _ in range(sys.getrecursionlimit() + 500):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def test_tensor_copies_its_data_and_numpy_on_the_left_works():
    source = np.array([1.0, 2.0])
    x = Tensor(source)
    source[0] = 100.0
    assert x.data[0] == 1.0
    y = np.array([10.0, 20.0]) - x                  # ndarray on the left: Tensor.__rsub__, not an object array
    assert isinstance(y, Tensor)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, -1.0])
    assert Tensor(3.0).shape == () and Tensor([[1.0]]).item() == 1.0
