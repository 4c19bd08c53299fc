"""What the payload test's valid calls are made of: :class:`Entry` (one valid call) and :class:`Context`
(the valid objects the calls share, built once). The calls themselves are in :mod:`payload_calls`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

NO_ARGUMENTS = "no arguments"


@dataclass(frozen=True)
class Entry:
    """How to call one public callable validly.

    Attributes:
        make: ``make(context) -> (args, kwargs)``, or :data:`NO_ARGUMENTS` for a callable without parameters.
        on: ``on(context) -> instance`` for a method (the class itself for class and static methods).
        text: parameters that take text; ``name[]`` where only an entry of a container does (a side of a row),
            ``name.key`` where only one keyword of ``**name`` does.
        record: every field holds what it is given (a plain record): text is data there.
        keys: for a ``**kwargs`` parameter, the keywords whose values the payload replaces.
    """

    make: Any
    on: Callable | None = None
    text: frozenset = frozenset()
    record: bool = False
    keys: tuple = ()


def entry(make, on=None, text=(), record=False, keys=()) -> Entry:
    return Entry(make, on, frozenset(text), record, tuple(keys))


def call(*args, **kwargs):
    return args, kwargs


def as_record(obj):
    """The fields of a dataclass instance as the keyword arguments that rebuild it."""
    return (), {f.name: getattr(obj, f.name) for f in fields(obj) if f.init}


class Context:
    """Valid objects the calls share, each built once (on first use)."""

    def __init__(self, root: Path):
        self.root = root

    @cached_property
    def sp(self):
        import sympy

        return sympy

    @cached_property
    def symbols(self):
        sp = self.sp
        return sp.symbols("x h g", real=True)

    @cached_property
    def mode(self):
        from sgdfp.derive import Mode

        return Mode(1.0, 1.0, 0.1)

    @cached_property
    def momentum(self):
        from sgdfp.derive import Momentum

        sp = self.sp
        return Momentum(sp.Rational(1, 2), False, sp.Rational(1, 10))

    @cached_property
    def momentum_mode(self):
        """A numeric heavy-ball mode with weight decay (small rationals: every method is quick, a few 0.1 s at most)."""
        from sgdfp.derive import MomentumMode

        R = self.sp.Rational
        return MomentumMode(1, 1, R(1, 10), R(1, 10), R(1, 10), R(1, 10), momentum=R(1, 2), nesterov=False,
                            weight_decay=R(1, 10))

    @cached_property
    def noise(self):
        from sgdfp.derive import Noise

        _, h, g = self.symbols
        return Noise.gaussian([h, g], [0, 0], [[1, 0], [0, 2]])

    @cached_property
    def update(self):
        from sgdfp.derive import DiscreteUpdate, eta

        x, h, g = self.symbols
        return DiscreteUpdate([x], [-eta * (h * x + g)], self.noise, eta)

    @cached_property
    def density(self):
        return self.sp.Function("P")(self.symbols[0])

    @cached_property
    def series(self):
        from sgdfp.derive import kramers_moyal

        return kramers_moyal(self.update, self.density, 2)

    @cached_property
    def modified(self):
        from sgdfp.derive import modified_equation

        return modified_equation(self.update, 1)

    @cached_property
    def centred(self):
        from sgdfp.derive import SGD

        return self.mode.substitute(SGD.centred_matrix())

    @cached_property
    def quadratic(self):
        from sgdfp.numerics import QuadraticModel

        return QuadraticModel([[1.0, 0.2], [0.2, 0.5]], [[1.0, 0.0], [0.0, 0.5]], 0.1)

    @cached_property
    def closure(self):
        from sgdfp.numerics import CoupledClosure

        return CoupledClosure([0.0, 1.0], [1.0, 0.5], 0.1, [[0.0, 0.5], [0.5, 0.1]])

    @cached_property
    def results(self):
        """A tiny real run: an exactly quadratic model, 8 replicas, 10 steps (about 3 s)."""
        from problems import Linear, quadratic_problem

        from sgdfp.validate.config import ValidationConfig
        from sgdfp.validate.run import run_validation

        dataset, loss = quadratic_problem(dim=3, samples=90)
        config = ValidationConfig.from_flat(preset=None, device="cpu", reference_steps=0, lr=[0.1], batch_size=4,
                                            replicas=8, steps=10, samples=90, checkpoints=4)
        return run_validation(config, module=Linear(3), dataset=dataset, loss=loss, task="classification")

    @cached_property
    def run_dir(self) -> Path:
        from sgdfp.validate.run import write_results

        return write_results(self.results, self.root / "run")

    @cached_property
    def tiny(self):
        """A 3-hidden-unit MLP on 40 real digits, at its initial point."""
        import torch

        from sgdfp.validate import MLP, FlatModel, load_digits

        torch.manual_seed(0)
        digits = load_digits()
        model = FlatModel(MLP(64, 3, 10))
        theta = torch.cat([p.detach().reshape(-1) for p in model.module.parameters()])
        return model, theta, digits.inputs[:40], digits.targets[:40]

    @cached_property
    def dataset(self):
        import torch

        from sgdfp.validate import Dataset

        return Dataset("toy", torch.zeros(4, 2, dtype=torch.float64), torch.zeros(4, dtype=torch.int64), 2,
                       "classification", "made here")

    @cached_property
    def variances(self):
        """Replica samples whose variances are the predicted ones (seeded), for the variance check."""
        return np.random.default_rng(0).normal(0.0, 1.0, size=(400, 3)), np.ones(3)

    @cached_property
    def variance_check(self):
        from sgdfp.testing import assert_variance_matches

        return assert_variance_matches(*self.variances)

    @cached_property
    def regime_inputs(self):
        """Measured variances of three modes that settle (confined), 200 replicas, steps 50 to 100."""
        from sgdfp.numerics import simulate_mode

        steps = [50, 60, 80, 100]
        simulation = simulate_mode(np.array([1.0, 2.0, 3.0]), 1.0, 0.1, steps, chains=200, seed=3)
        return steps, simulation.variance * 200 / 199, "confined"

    @cached_property
    def regime_check(self):
        from sgdfp.testing import assert_regime

        return assert_regime(*self.regime_inputs, replicas=200)

    @cached_property
    def test_record(self):
        from sgdfp.testing.recording import TestRecord

        return TestRecord("tests/test_no_code_from_strings.py::payload")

    @cached_property
    def sweep_grid(self):
        """A sweep's grid of two tiny digits-mlp runs (two learning rates: one scaling fit), about a second a run."""
        from sgdfp.sweep import Grid

        return Grid(quick=True).override(preset=["digits-mlp"], lr=[0.05, 0.1], steps=[2], replicas=[2],
                                         device=["cpu"], curvature_samples=[128])

    @cached_property
    def sweep_runs(self):
        return self.sweep_grid.runs()

    @cached_property
    def sweep_directory(self):
        """A sweep directory (in which :attr:`sweep_outcomes` does the runs of :attr:`sweep_grid`, in this process)."""
        from sgdfp.sweep import SweepDirectory

        directory = SweepDirectory(self.root / "sweep")
        directory.prepare()
        return directory

    @cached_property
    def sweep_outcomes(self):
        """The two runs, done (one torch thread each, as a sweep's worker runs them: quick on a busy machine)."""
        import torch

        from sgdfp.sweep import run_task

        threads = torch.get_num_threads()
        try:
            outcomes = [run_task(run, str(self.sweep_directory.run_dir(run)), 1) for run in self.sweep_runs]
        finally:
            torch.set_num_threads(threads)
        assert [o.status for o in outcomes] == ["done", "done"], [o.error for o in outcomes]
        return outcomes

    @cached_property
    def sweep_results(self):
        from sgdfp.validate import ValidationResults

        self.sweep_outcomes  # noqa: B018 -- the runs, done
        return {run.hash: ValidationResults.read(self.sweep_directory.run_dir(run)) for run in self.sweep_runs}

    @cached_property
    def sweep_summary(self):
        from sgdfp.sweep import summarise

        summary = summarise(self.sweep_runs, self.sweep_outcomes, self.sweep_results, "in this process", 1.0)
        assert summary.scaling, "the two learning rates make one scaling fit"
        return summary

    @cached_property
    def grid_file(self) -> Path:
        path = self.root / "grid.toml"
        path.write_text('preset = "digits-mlp"\nquick = true\nlr = [0.05, 0.1]\nsteps = 2\n[reference]\nsteps = 5\n',
                        encoding="utf-8")
        return path

    @cached_property
    def dask_session(self):
        """A session without a client: the payload test starts no Dask cluster. The variants of ``execute_runs`` are
        refused by its argument checks, before the session is used."""
        from sgdfp.sweep.execute import DaskSession

        return DaskSession(None, None, 1, "no cluster (the payload test)")


def dynamics(name):
    def get(c):
        from sgdfp.derive import DYNAMICS

        return DYNAMICS[name]
    return get


def cls(path):
    def get(c):
        import importlib

        module, name = path.rsplit(".", 1)
        return getattr(importlib.import_module(module), name)
    return get


def module(name):
    def get(c):
        import importlib

        return importlib.import_module(name)
    return get
