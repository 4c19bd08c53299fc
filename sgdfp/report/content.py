"""What the report shows, once, for both media: the HTML and the TeX templates render the same
:class:`ReportContent`."""

from __future__ import annotations

from dataclasses import dataclass

from sgdfp.report.configuration import config_rows
from sgdfp.report.figures import FigureEntry
from sgdfp.report.formulas import Theory
from sgdfp.report.sources import Source
from sgdfp.report.tables import Column, Row, regime_rows, stiffness_rows, summary_rows
from sgdfp.report.values import is_missing

__all__ = ["ReportContent", "ScalingView", "ScalingPoint", "build_content"]


@dataclass(frozen=True)
class ScalingPoint:
    """One learning rate of a sweep: measured and predicted flat-mode diffusion coefficient."""

    lr: float
    measured: float | None
    predicted: float | None

    @property
    def ratio(self) -> float | None:
        if is_missing(self.measured) or is_missing(self.predicted) or not self.predicted:
            return None
        return self.measured / self.predicted


@dataclass(frozen=True)
class ScalingView:
    """The diffusion coefficient against the learning rate for one sweep: the fit and its points."""

    source: Source
    exponent: float | None
    interval: tuple[float, float] | None
    points: tuple[ScalingPoint, ...]
    figure: str | None  # the sweep's diffusion-against-η figure, relative to the report


@dataclass(frozen=True)
class ReportContent:
    """Everything the templates show (see :mod:`sgdfp.report` for the sections)."""

    sources: list[Source]
    columns: list[Column]
    theory: Theory
    summary: list[Row]
    regimes: list[Row]
    stiffness: list[Row]
    config: list[Row]
    scaling: list[ScalingView]
    figures: list[FigureEntry]
    generated: str

    @property
    def presets(self) -> list[str]:
        return sorted({s.preset for s in self.sources})

    @property
    def modes_tables(self) -> list[Source]:
        """The sources whose per-mode table is in the report (``data/<slug>/modes.csv``)."""
        return [s for s in self.sources if s.modes_csv is not None]


def _scaling(source: Source, figure_paths: dict[tuple[str, str], str]) -> ScalingView | None:
    scaling = source.results.scaling
    if scaling is None:
        return None
    points = tuple(ScalingPoint(r.lr, r.summary.diffusion_coefficient_measured,
                                r.summary.diffusion_coefficient_predicted) for r in source.results.runs)
    interval = tuple(scaling.interval) if scaling.interval else None
    return ScalingView(source, scaling.exponent, interval, points, figure_paths.get((source.slug, "diffusion_vs_lr")))


def build_content(sources: list[Source], columns: list[Column], theory: Theory, figures: list[FigureEntry],
                  figure_paths: dict[tuple[str, str], str], generated: str) -> ReportContent:
    """The report's content from its sources, columns, theory and copied figures."""
    scaling = [view for view in (_scaling(s, figure_paths) for s in sources) if view is not None]
    return ReportContent(sources, columns, theory, summary_rows(columns, theory.diffusion_text),
                         regime_rows(columns), stiffness_rows(columns), config_rows(sources), scaling, figures,
                         generated)
