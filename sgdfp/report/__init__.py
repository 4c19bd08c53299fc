r"""``sgdfp report``: one or more ``sgdfp validate`` output directories as a report to take in at a glance.

The report is a folder holding ``report.html`` (self-contained: the run's figures are copied into
``figures/``, the equations rendered into ``theory/``, the per-mode tables into ``data/``, all linked
relatively, so the folder can be moved or zipped), ``report.tex`` with the same content, and
``report.pdf`` when a TeX engine is installed. It shows

- a side-by-side summary table, one column per learning rate of every run (an η sweep gives one
  column per η; runs of different presets sit side by side -- that is a feature);
- the flat-mode diffusion coefficient against η when a run holds a sweep;
- a per-regime breakdown computed from each run's per-mode table (count, median |log ratio| of the
  discrete and the Langevin prediction, fraction outside the 95 % interval), and by stiffness ηλ;
- the figures each run wrote, side by side;
- configuration (by stage: reference point, curvature statistics, ensembles) and environment
  (versions, device) per run, differing rows marked;
- the theory the predictions came from: the catalogue's equations (:func:`sgdfp.derive.mode_equations`),
  derived at report time for symbolic parameters. The HTML renders each with matplotlib's mathtext into
  an SVG (the LaTeX is each image's tooltip and alt text and, per group, a ``<details>`` block; where
  mathtext cannot typeset an equation the LaTeX is shown as code); the PDF typesets the LaTeX itself.

The package, one concept per module:

- :mod:`~sgdfp.report.sources` -- reading the run directories (:func:`load_run`) and what may be copied;
- :mod:`~sgdfp.report.tables` -- the tables' rows (summary, :func:`regime_breakdown`, stiffness,
  configuration), independent of HTML and TeX;
- :mod:`~sgdfp.report.values` -- values as plain, HTML and TeX text;
- :mod:`~sgdfp.report.formulas` -- the theory section (:func:`theory`);
- :mod:`~sgdfp.report.figures` -- the runs' figures, their order and captions;
- :mod:`~sgdfp.report.render` -- an equation as an SVG;
- :mod:`~sgdfp.report.content` -- all of the above as one :class:`~sgdfp.report.content.ReportContent`;
- :mod:`~sgdfp.report.html`, :mod:`~sgdfp.report.tex` -- the jinja2 templates in ``templates/``
  (autoescaped HTML; TeX through an explicit escape filter);
- :mod:`~sgdfp.report.build` -- :func:`write_report`.

Decisions:

- Output directory: ``DIR/report`` by default for a single run; several runs need ``out`` (a
  ``ValueError`` asks for ``--out``). An existing ``out`` is an error unless ``force``; ``out`` may
  never be, or contain, one of the run directories (``force`` would delete it).
- Input checks, each a one-line ``ValueError`` before anything is written: everything
  :meth:`sgdfp.validate.results.ValidationResults.read` checks (a missing directory or
  ``results.json``, JSON that does not parse -- file, line and column named --, a field that does not
  match the schema -- file and field named), and mismatched runs: the same directory twice or two
  directories holding identical results.
- Only regular files inside a run directory are copied (figures, ``modes.csv``); symbolic links and
  other files are skipped with a one-line warning on stderr. Copies get the report's permissions.
- Atomic: everything (figures, equation images, HTML, LaTeX, PDF) is written to a temporary directory
  beside ``out`` and renamed into place at the end (:func:`sgdfp.files.atomic_directory`); any failure,
  a TeX error included (:class:`sgdfp.tex.TexError` is a ``ValueError``), leaves nothing behind;
  ``force`` removes the old report only at that last step.
- PDF: compiled when ``pdf`` is true and :func:`sgdfp.tex.find_engine` finds an engine; otherwise
  :attr:`WrittenReport.pdf_note` says why there is none and the HTML is still written. Only packages
  of texlive-latex-base/recommended are used (amsmath, amssymb, graphicx, booktabs, array, geometry,
  hyperref).
- Numbers are shown to three significant digits (correlations to three decimals, fractions as
  percentages; an undefined value as "—"); every cell of the tables carries its exact value in
  ``data-value`` (and a tooltip), so nothing is lost to rounding. Optional rows without a value in any
  column are left out.

Importing this package loads neither torch nor SymPy (nor matplotlib or jinja2): the theory, the
equation images and the templates load them when a report is written.
"""

from __future__ import annotations

from sgdfp.report.build import WrittenReport, write_report
from sgdfp.report.formulas import theory
from sgdfp.report.sources import load_run
from sgdfp.report.tables import regime_breakdown

__all__ = ["write_report", "WrittenReport", "load_run", "regime_breakdown", "theory"]
