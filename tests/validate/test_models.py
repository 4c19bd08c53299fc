"""The CNN of the matrix-free path: its size, its shapes, and replicas vmapped over its parameters."""

import pytest
import torch

from sgdfp.validate import FlatModel
from sgdfp.validate.models import CNN


def test_cnn_size_shapes_and_vmapped_replicas():
    torch.manual_seed(0)
    model = FlatModel(CNN())
    # conv 1->8 (80) + conv 8->16 (1 168) + linear 784->128 (100 480) + linear 128->10 (1 290)
    assert model.num_parameters == 80 + 1168 + 100480 + 1290 == 103018
    x, y = torch.rand(3, 784, dtype=torch.float64), torch.tensor([1, 2, 3])
    assert model.per_sample_loss(model.theta0, x, y).shape == (3,)
    thetas = torch.stack([model.theta0, model.theta0 * 0.5])
    batched = torch.func.vmap(model.loss, in_dims=(0, None, None))(thetas, x, y)
    assert torch.allclose(batched, torch.stack([model.loss(t, x, y) for t in thetas]), rtol=1e-12)
    with pytest.raises(ValueError, match="divisible by 4"):
        CNN(side=10)
