"""Real data without network, clear errors for missing sources, the reference models' sizes."""

import numpy as np
import pytest
import torch

from sgdfp.validate import (
    ALPHABET,
    MLP,
    CharTransformer,
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
