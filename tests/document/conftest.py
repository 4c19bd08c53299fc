"""The default document (d = 2, K = 2), built once for the tests of the document package."""

import pytest

from sgdfp.document import build, build_document, write_document
from sgdfp.tex import find_engine

ENGINE = find_engine()


@pytest.fixture(scope="session")
def document():
    """``build_document(dim=2, eta_order=2)``: the default size of ``sgdfp latex``."""
    return build_document(dim=2, eta_order=2)


@pytest.fixture(scope="session")
def displays(document):
    """The document's displays by name."""
    return {display.name: display for display in document.equations}


@pytest.fixture(scope="session")
def written(document, tmp_path_factory):
    """The default document written by ``write_document`` (and compiled when a TeX engine is installed).

    ``write_document`` is given the document built above instead of deriving it a second time.
    """
    out = tmp_path_factory.mktemp("latex") / "doc"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "build_document", lambda dim, eta_order: document)
        result = write_document(out, dim=2, eta_order=2, pdf=ENGINE is not None)
    return result, result.tex.read_text()
