"""A builder that records the rows each section hands it, so that the tests can check them as SymPy objects."""

import pytest

from sgdfp.document.builder import DocumentBuilder


class RecordingBuilder(DocumentBuilder):
    """A :class:`DocumentBuilder` that also keeps each display's rows and printer by name."""

    def __init__(self):
        super().__init__()
        self.rows = {}

    def equation(self, name, rows, printer=None, sources=()):
        rows = list(rows)
        self.rows[name] = (rows, printer)
        return super().equation(name, rows, printer, sources)


@pytest.fixture
def recording():
    return RecordingBuilder()


@pytest.fixture(scope="session")
def record():
    """``record(write, derived)``: a fresh recording builder after the section writer ``write`` ran on it."""
    def run(write, derived):
        builder = RecordingBuilder()
        write(builder, derived)
        return builder
    return run
