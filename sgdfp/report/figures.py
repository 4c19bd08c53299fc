"""The figures each run drew, side by side across runs: their order, captions and layout.

Figures are each run's own PNGs (``sgdfp validate`` draws them for the first η of a sweep), copied into
the report's ``figures/`` folder; the diffusion-against-η figure of a sweep is shown with the scaling
section rather than among the figures.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sgdfp.report.sources import Source

__all__ = ["FIGURES", "FigureEntry", "figure_entries", "aspect"]

#: Figures in this order (others follow alphabetically), with their captions.
FIGURES = {
    "variance_vs_step": "Variance against step for the stiffest confined and the noisiest flat modes, one row "
                        "per learning rate: measured (dots, 95 % band), discrete SGD theory (solid), Langevin "
                        "(dashed).",
    "measured_vs_predicted": "Measured against predicted variance at the final step, one panel per learning "
                             "rate, coloured by regime (filled: discrete SGD theory; hollow: Langevin).",
    "diffusion_vs_lr": "Flat-mode diffusion coefficient per unit time t = ηk against the learning rate.",
}
WIDE = 1.8  # width / height beyond which a figure gets a row of its own


@dataclass(frozen=True)
class FigureEntry:
    """One kind of figure across the runs that drew it.

    Attributes:
        kind: the file's stem (``variance_vs_step``); ``title`` the same in words.
        caption: what it shows (empty for a figure this version does not know).
        wide: the widest is wider than :data:`WIDE` times its height (one figure per row).
        items: (source, path relative to the report) of every run that drew it.
    """

    kind: str
    caption: str
    wide: bool
    items: tuple[tuple[Source, str], ...]

    @property
    def title(self) -> str:
        return self.kind.replace("_", " ")


def aspect(path: Path) -> float:
    """Width / height of a PNG from its header (1.3 if it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(24)
        if head[:8] == b"\x89PNG\r\n\x1a\n":
            width, height = struct.unpack(">II", head[16:24])
            return width / height if height else 1.3
    except OSError:
        pass
    return 1.3


def figure_entries(sources: list[Source], figure_paths: dict[tuple[str, str], str], root: Path) -> list[FigureEntry]:
    """The figures in display order.

    Args:
        sources: the run directories.
        figure_paths: (source slug, figure stem) -> path of the copy relative to ``root``.
        root: the report directory the copies are in (their headers give the aspect ratios).
    """
    kinds: list[str] = []
    for source in sources:
        kinds += [p.stem for p in source.figures if p.stem not in kinds]
    order = list(FIGURES)
    kinds.sort(key=lambda n: (order.index(n) if n in order else len(order), n))
    entries = []
    for kind in kinds:
        items = tuple((s, figure_paths[(s.slug, kind)]) for s in sources if (s.slug, kind) in figure_paths
                      and not (kind == "diffusion_vs_lr" and s.results.scaling is not None))
        if items:
            wide = max(aspect(root / relative) for _, relative in items) > WIDE
            entries.append(FigureEntry(kind, FIGURES.get(kind, ""), wide, items))
    return entries
