"""Small real problems shared by the validate tests: a tiny MLP on real digits, and an exactly quadratic model."""

import numpy as np
import torch

from sgdfp.validate import MLP, Dataset, FlatModel, load_digits


def tiny():
    """A 3-hidden-unit MLP on the first 200 real 8x8 digits (seeded)."""
    torch.manual_seed(1)
    digits = load_digits()
    model = FlatModel(MLP(64, 3, 10))
    return model, digits.inputs[:200], digits.targets[:200]


class Linear(torch.nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(dim, dtype=torch.float64))

    def forward(self, x):
        return x @ self.weight


def quadratic_problem(dim=6, samples=600, seed=0):
    """Each sample touches one coordinate: per-sample Hessians are diagonal, the loss exactly quadratic,
    so the mode theory is exact for every mode, at any point."""
    rng = np.random.default_rng(seed)
    coordinate = rng.integers(0, dim, samples)
    scale = rng.uniform(0.5, 2.0, samples) * np.sqrt(np.linspace(0.05, 3.0, dim))[coordinate]
    x = np.zeros((samples, dim))
    x[np.arange(samples), coordinate] = scale
    targets = rng.normal(size=samples)
    dataset = Dataset("quadratic", torch.as_tensor(x), torch.as_tensor(targets), 0, "classification", "synthetic")
    return dataset, (lambda prediction, target: 0.5 * (prediction - target) ** 2)
