"""The flat-parameter model's derivatives against autograd."""

import torch
from problems import tiny


def test_hessian_from_products_matches_autograd_hessian():
    model, x, y = tiny()
    exact = torch.func.hessian(model.loss)(model.theta0, x, y)
    assert torch.allclose(model.hessian(model.theta0, x, y, data_chunk=64), exact, atol=1e-12)
    V = torch.linalg.qr(torch.randn(model.num_parameters, 5, dtype=torch.float64))[0]
    looped = model.directional_curvatures(model.theta0, V, x, y, direction_chunk=1)
    vectorised = model.directional_curvatures(model.theta0, V, x, y, direction_chunk=3, data_chunk=70)
    assert torch.allclose(looped, vectorised, atol=1e-13)
