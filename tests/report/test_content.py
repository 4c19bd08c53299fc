"""The content both templates render: the scaling section only for sweeps, ratios of the coefficients."""

from sgdfp.report.content import ScalingPoint, build_content
from sgdfp.report.formulas import theory
from sgdfp.report.sources import load_sources
from sgdfp.report.tables import columns_of


def test_only_a_sweep_has_a_scaling_section_and_its_points_are_the_runs(runs):
    sources = load_sources(list(runs))
    content = build_content(sources, columns_of(sources), theory(), [], {}, "now")
    assert [view.source.slug for view in content.scaling] == ["1-sweep"]
    view = content.scaling[0]
    assert [p.lr for p in view.points] == [r.lr for r in sources[0].results.runs]
    assert view.exponent == sources[0].results.scaling.exponent and view.figure is None
    assert content.presets == ["digits-mlp", "mnist-mlp"]
    assert [s.slug for s in content.modes_tables] == ["1-sweep", "2-digits"]


def test_the_ratio_is_undefined_without_both_coefficients():
    assert ScalingPoint(0.1, 3.0, 2.0).ratio == 1.5
    assert ScalingPoint(0.1, None, 2.0).ratio is None
    assert ScalingPoint(0.1, 3.0, 0.0).ratio is None
