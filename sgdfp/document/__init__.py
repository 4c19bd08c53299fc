r"""``sgdfp latex``: a LaTeX document of every derivation, numbered and labelled, one snippet per equation.

Every displayed equation is produced at run time by :mod:`sgdfp.derive` -- the update, its noise, the jump
moments, the Kramers--Moyal and Fokker--Planck series, the modified equation, the random quadratic -- and
the mode theory is printed from its catalogue (:func:`sgdfp.derive.mode_equations`), regime rule included;
nothing is typed in by hand except the prose and the left-hand sides of the engine's displays, and no
LaTeX is parsed back. Long sums are broken across the lines of an ``align`` environment (one number per
equation, on its last line), so that nothing runs off the page.

- :mod:`~sgdfp.document.layout` -- the width estimate and the line-breaking printer;
- :mod:`~sgdfp.document.display` -- rows rendered into one numbered display (:class:`Display`);
- :mod:`~sgdfp.document.gather` -- what is derived for the document (:func:`derivations`, the catalogues);
- :mod:`~sgdfp.document.builder` -- the body being assembled;
- :mod:`~sgdfp.document.sections` -- the content, section by section;
- :mod:`~sgdfp.document.build` -- :func:`build_document`; :mod:`~sgdfp.document.write` -- :func:`write_document`.

Example:
    >>> doc = build_document(dim=1, eta_order=2)            # doctest: +SKIP
    >>> doc.equations[0].label                              # doctest: +SKIP
    'eq:sgd-update'
"""

from __future__ import annotations

from sgdfp.document.build import SNIPPETS_DIR, Document, build_document
from sgdfp.document.display import Display, Equation
from sgdfp.document.gather import derivations
from sgdfp.document.write import TEX_NAME, WrittenDocument, write_document

__all__ = ["SNIPPETS_DIR", "TEX_NAME", "Display", "Document", "Equation", "WrittenDocument", "build_document",
           "derivations", "write_document"]
