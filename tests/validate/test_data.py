"""Real data without network, clear errors for missing sources, the reference models' sizes."""

import numpy as np
import pytest
import torch

from sgdfp.validate import (
    ALPHABET,
    MLP,
    CharTransformer,
    Dataset,
    DataUnavailable,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    load_text,
)


def test_real_data_loads_without_network(tmp_path):
    mnist = load_mnist()
    assert mnist.inputs.shape == (5000, 36) and 0 <= float(mnist.inputs.min()) and float(mnist.inputs.max()) <= 1
    assert np.bincount(mnist.targets.numpy()).tolist() == [500] * 10
    assert load_mnist(pool=None).inputs.shape == (5000, 784)
    digits = load_digits()
    assert digits.inputs.shape == (1797, 64) and digits.num_classes == 10
    text = load_text(sequences=64, context=16)
    assert text.inputs.shape == (64, 16) and torch.equal(text.inputs[:, 1:], text.targets[:, :-1])
    assert int(text.inputs.max()) < len(ALPHABET) == 30
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("In the beginning was the Word, and the Word was with God. " * 20, encoding="utf-8")
    assert load_text(str(corpus), sequences=8, context=8).inputs.shape == (8, 8)


def test_missing_data_is_a_clear_error(tmp_path):
    with pytest.raises(DataUnavailable, match="dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path)
    with pytest.raises(DataUnavailable, match="does not exist"):
        load_text(str(tmp_path / "nowhere.txt"))


def test_reference_models_have_the_published_sizes():
    assert sum(p.numel() for p in MLP(36, 8, 10).parameters()) == 386
    assert sum(p.numel() for p in CharTransformer(30, 8, 16).parameters()) == 1072


def test_loader_arguments_are_checked_before_anything_is_read(tmp_path):
    (tmp_path / "a-file").write_text("x")
    for call, error, message in (
        (lambda: load_text(str(tmp_path)), DataUnavailable, "is a directory"),
        (lambda: load_text(sequences=True), TypeError, "sequences must be a positive integer"),
        (lambda: load_text(context="16"), TypeError, "context must be a positive integer"),
        (lambda: load_text(seed="0"), TypeError, "seed must be an integer"),
        (lambda: load_text(3), TypeError, "source must be a path"),
        (lambda: load_mnist(pool=0), ValueError, "pool must be None .* from 1 to 28"),
        (lambda: load_mnist(pool="6"), ValueError, "pool must be None"),
        (lambda: load_fashion_mnist(tmp_path, split="validation"), ValueError, "split must be 'train' or 'test'"),
        (lambda: load_fashion_mnist(tmp_path / "a-file"), DataUnavailable, "is a file, not a directory"),
    ):
        with pytest.raises(error, match=message):
            call()


def test_a_dataset_is_checked_when_it_is_made():
    x, y = torch.zeros(4, 2), torch.zeros(4, dtype=torch.int64)
    assert len(Dataset("toy", x, y, 2, "classification", "here")) == 4
    for kwargs, error, message in (
        (dict(inputs="x"), TypeError, "Dataset.inputs must be a torch tensor"),
        (dict(targets=torch.zeros(3)), ValueError, "one row per sample"),
        (dict(num_classes="2"), TypeError, "num_classes must be an integer"),
        (dict(num_classes=-1), ValueError, "cannot be negative"),
        (dict(task="regression"), ValueError, "task must be one of 'classification', 'next-token'"),
        (dict(name=3), TypeError, "Dataset.name is text"),
    ):
        fields = dict(name="toy", inputs=x, targets=y, num_classes=2, task="classification", source="here") | kwargs
        with pytest.raises(error, match=message):
            Dataset(**fields)
