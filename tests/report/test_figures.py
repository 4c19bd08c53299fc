"""The runs' figures: order, aspect ratio from the PNG header, and the sweep's diffusion figure kept aside."""

import struct
import zlib

from sgdfp.report.figures import FIGURES, aspect, figure_entries
from sgdfp.report.sources import load_sources


def _png(path, width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_aspect_is_read_from_the_png_header(tmp_path):
    _png(tmp_path / "wide.png", 40, 10)
    assert aspect(tmp_path / "wide.png") == 4.0
    (tmp_path / "junk.png").write_bytes(b"not a png")
    assert aspect(tmp_path / "junk.png") == 1.3 and aspect(tmp_path / "missing.png") == 1.3


def test_figures_in_order_and_the_sweeps_diffusion_figure_with_its_scaling(runs):
    sources = load_sources(list(runs))
    paths = {(s.slug, p.stem): str(p.relative_to(s.path.parent)) for s in sources for p in s.figures}
    entries = figure_entries(sources, paths, sources[0].path.parent)
    kinds = [e.kind for e in entries]
    known = [k for k in FIGURES if k in kinds]
    assert kinds[:len(known)] == known
    assert sources[0].results.scaling is not None
    assert all(s.slug != sources[0].slug for e in entries if e.kind == "diffusion_vs_lr" for s, _ in e.items)
    variance = next(e for e in entries if e.kind == "variance_vs_step")
    assert [s.slug for s, _ in variance.items] == [s.slug for s in sources] and variance.caption == FIGURES[
        "variance_vs_step"]
