"""mlp_utils.autograd against torch.autograd in float64: every operation, random expression graphs
and random networks agree to 1e-10 relative error (skipped without the optional PyTorch extra).

Install the optional extra with:  pip install -r requirements-torch.txt
"""

import numpy as np
import pytest
from test_autograd import (LABELS, ONE_HOT, OPERATIONS, draw, engine_gradients, mlp_loss, random_network,
                           random_program, run_program)

from mlp_utils.autograd import Tensor
from mlp_utils.gradcheck import relative_error

torch = pytest.importorskip("torch", reason="PyTorch is an optional extra (pip install -r requirements-torch.txt)")
F = torch.nn.functional

TORCH_TOL = 1e-10  # relative error ||ours - torch|| / (||ours|| + ||torch||), float64

# The operations whose build uses something torch does not share: the fused loss, an ndarray operand.
TORCH_BUILDS = {
    "softmax_cross_entropy labels": lambda z: F.cross_entropy(z, torch.from_numpy(LABELS)),
    "softmax_cross_entropy one-hot": lambda z: F.cross_entropy(z, torch.from_numpy(ONE_HOT)),
    "matmul with ndarray on the left": lambda b: torch.ones((2, 3), dtype=torch.float64) @ b,
}


def leaf(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def torch_grads(leaves):
    """Gradients of torch leaves as arrays (zeros for a leaf the loss does not depend on)."""
    return [np.zeros(tuple(x.shape)) if x.grad is None else x.grad.numpy() for x in leaves]


class Torch:
    """The backend of test_autograd.run_program for torch tensors."""

    @staticmethod
    def reduce(x, op, axis, keepdims):
        return getattr(x, op)() if axis is None else getattr(x, op)(dim=axis, keepdim=keepdims)

    @staticmethod
    def cross_entropy(logits, labels):
        return F.cross_entropy(logits, torch.from_numpy(labels))  # mean over samples, like ours


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_matches_torch(name):
    build, specs = OPERATIONS[name]
    rng = np.random.default_rng(100 + sorted(OPERATIONS).index(name))
    inputs = [draw(spec, rng) for spec in specs]
    ours = [Tensor(x) for x in inputs]
    out = build(*ours)
    upstream = rng.normal(size=out.shape)
    (out * upstream).sum().backward()
    theirs = [leaf(x) for x in inputs]
    (TORCH_BUILDS.get(name, build)(*theirs) * torch.from_numpy(upstream)).sum().backward()
    for mine, grad in zip(ours, torch_grads(theirs)):
        assert relative_error(mine.grad, grad) < TORCH_TOL, name


def random_graph_errors(seed):
    """Max relative error of our gradients against torch's over the leaves of random graph ``seed``."""
    program = random_program(np.random.default_rng(seed))
    loss, grads = engine_gradients(program)
    leaves = [leaf(x) for x in program[0]]
    torch_loss = run_program(program, leaves, Torch)
    torch_loss.backward()
    assert abs(loss - torch_loss.item()) <= TORCH_TOL * max(1.0, abs(loss))
    return max(relative_error(mine, theirs) for mine, theirs in zip(grads, torch_grads(leaves)))


@pytest.mark.parametrize("seed", range(200))
def test_random_expression_graphs_match_torch(seed):
    assert random_graph_errors(seed) < TORCH_TOL


def torch_mlp_loss(model, X, y, loss):
    """The same network in torch: z = a @ W + b with W (n_in, n_out), as in mlp_utils."""
    params = {key: leaf(param) for key, param, _ in model.parameters()}
    a = torch.from_numpy(X)
    for index, layer in enumerate(model.layers):
        if "W" in layer.params:
            a = a @ params[f"{index}.W"] + params[f"{index}.b"]
        elif layer.name != "identity":
            a = getattr(torch, layer.name)(a)
    if loss == "softmax_cross_entropy":
        return F.cross_entropy(a, torch.from_numpy(y)), params
    return ((a - torch.from_numpy(y)) ** 2).sum() / (2 * X.shape[0]), params


@pytest.mark.parametrize("seed", range(60))
def test_random_networks_match_torch(seed):
    model, X, y, loss = random_network(seed)
    ours, params = mlp_loss(model, X, y, loss)
    ours.backward()
    theirs, torch_params = torch_mlp_loss(model, X, y, loss)
    theirs.backward()
    assert abs(ours.item() - theirs.item()) <= TORCH_TOL * max(1.0, abs(theirs.item()))
    for key, tensor in params.items():
        assert relative_error(tensor.grad, torch_params[key].grad.numpy()) < TORCH_TOL, (seed, key)
