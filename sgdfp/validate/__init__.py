"""Validation on real data and real models: measured SGD fluctuations against the mode theory."""

from sgdfp.validate.data import (ALPHABET, DataUnavailable, Dataset, load_digits, load_fashion_mnist, load_mnist,
                                 load_text)
from sgdfp.validate.functional import FlatModel, dense_eigenpairs, top_eigenpairs
from sgdfp.validate.models import MLP, CharTransformer

__all__ = ["Dataset", "DataUnavailable", "load_mnist", "load_digits", "load_text", "load_fashion_mnist", "ALPHABET",
           "FlatModel", "dense_eigenpairs", "top_eigenpairs", "MLP", "CharTransformer"]
