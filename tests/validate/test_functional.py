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


def test_arguments_of_the_wrong_kind_are_refused_by_name():
    import pytest

    from sgdfp.validate import MLP, FlatModel

    model, x, y = tiny()
    for call, error, message in [(lambda: FlatModel("MLP(4, 2, 3)"), TypeError, "module must be a torch.nn.Module"),
                                 (lambda: FlatModel(MLP(4, 2, 3), device="gpu0"), ValueError, "device must be a torch"),
                                 (lambda: model.hvp(model.theta0, x.numpy(), x, y), TypeError,
                                  "vector must be a torch.Tensor; got ndarray")]:
        with pytest.raises(error, match=message):
            call()
    assert FlatModel(MLP(4, 2, 3), device=torch.device("cpu")).device == torch.device("cpu")
