"""Shared fixtures of the report's tests: two tiny real ``sgdfp validate`` runs, and a parser of report pages."""

import json
import math
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """Two tiny validate outputs: an mnist-mlp sweep over two learning rates, and one digits-mlp run.

    The pipeline is the real one; small hidden layers keep the exact Hessians cheap (about 5 s in all).
    """
    from sgdfp.validate.data import load_digits
    from sgdfp.validate.models import MLP
    from sgdfp.validate.presets import PRESETS, preset_config
    from sgdfp.validate.run import run_validation, write_results

    base = tmp_path_factory.mktemp("runs")
    small = {"replicas": 8, "steps": 20, "samples": 256, "reference_steps": 20, "checkpoints": 6,
             "validity_replicas": 0}  # the local-validity check is not what is tested here
    sweep = run_validation(preset_config("mnist-mlp", quick=True, lr=[0.025, 0.05], **small), module=MLP(36, 3, 10),
                           dataset=PRESETS["mnist-mlp"].data())
    single = run_validation(preset_config("digits-mlp", quick=True, **small), module=MLP(64, 2, 10),
                            dataset=load_digits())
    write_results(sweep, base / "sweep")
    write_results(single, base / "digits")
    return base / "sweep", base / "digits"


@pytest.fixture
def copy_run(runs, tmp_path):
    """A copy of the digits run, with its ``results.json`` changed by ``edit(dict)`` -> a new directory."""

    def copy(name: str, edit=None) -> Path:
        target = tmp_path / name
        shutil.copytree(runs[1], target)
        if edit is not None:
            data = json.loads((target / "results.json").read_text())
            edit(data)
            (target / "results.json").write_text(json.dumps(data))
        return target

    return copy


class Page(HTMLParser):
    """A report page: table cells by (column, key) as (exact value, shown text), relative links, images."""

    def __init__(self, text: str):
        super().__init__()
        self.cells, self.links, self.headers, self.images = {}, [], [], []
        self._cell = self._header = self._tag = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-key" in attrs and self._cell is None:
            self._cell, self._tag = [attrs["data-col"], attrs["data-key"], attrs["data-value"], ""], tag
        if tag == "th" and "data-col" in attrs:
            self._header = [attrs["data-col"], ""]
        if tag == "img":
            self.images.append(attrs)
        for name in ("src", "href"):
            if tag in ("img", "a") and name in attrs and not attrs[name].startswith(("#", "http")):
                self.links.append(attrs[name])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[3] += data
        if self._header is not None:
            self._header[1] += data

    def handle_endtag(self, tag):
        if tag == self._tag and self._cell is not None:
            column, key, value, text = self._cell
            self.cells[(column, key)] = (json.loads(value) if value not in ("NaN", "Infinity", "-Infinity")
                                         else float(value), text.strip())
            self._cell = None
        if tag == "th" and self._header is not None:
            self.headers.append(tuple(self._header))
            self._header = None


@pytest.fixture
def page():
    """Parse a written report's HTML: ``page(written)`` -> :class:`Page`."""
    return lambda written: Page(written.html.read_text(encoding="utf-8"))


@pytest.fixture
def same():
    """Equal, with None and NaN each equal only to themselves."""

    def equal(a, b) -> bool:
        if a is None or b is None:
            return a is None and b is None
        if isinstance(a, float) and math.isnan(a):
            return isinstance(b, float) and math.isnan(b)
        return a == b

    return equal


@pytest.fixture
def results_json():
    """The raw ``results.json`` of a run directory."""
    return lambda directory: json.loads((Path(directory) / "results.json").read_text())


@pytest.fixture
def listing():
    """The names in a directory, sorted."""
    return lambda directory: sorted(p.name for p in Path(directory).iterdir())
