"""The report's tables: the per-regime breakdown against the pipeline's own summary and per-mode file, rows
left out when empty, per-directory spans, the stiffness bins."""

import dataclasses
import math

import pytest

from sgdfp.report import regime_breakdown
from sgdfp.report.sources import Source, load_sources
from sgdfp.report.tables import REGIMES, Row, columns_of, heading, source_spans, stiffness_rows, summary_rows
from sgdfp.validate.null import null_directions
from sgdfp.validate.results import read_modes_csv


def test_regime_breakdown_agrees_with_the_summary_and_the_per_mode_file(runs):
    for directory in runs:
        source = load_sources([directory])[0]
        rows = read_modes_csv(directory / "modes.csv")  # written beside results.json, read independently
        for run in source.results.runs:
            breakdown = regime_breakdown(source.results, run)
            counts = [breakdown[name]["count"] for name in REGIMES]
            kept = source.results.modes - run.summary.null_modes  # null directions set aside in both
            assert sum(counts) == kept == breakdown["all"]["count"]
            assert counts == [run.summary.regime_counts.get(name, 0) for name in REGIMES]
            # from the file: the rows with gradient or curvature noise (every mode of these runs but the nulls)
            null = null_directions([r["grad_noise"] or 0.0 for r in rows if r["lr"] == run.lr],
                                   [r["curvature_noise"] or 0.0 for r in rows if r["lr"] == run.lr])
            mine = [r for r, is_null in zip((r for r in rows if r["lr"] == run.lr), null) if not is_null]
            assert counts == [sum(r["regime"] == name for r in mine) for name in REGIMES]
            # the per-regime fractions outside the interval recombine to the summary's (computed by compare.py)
            total = sum(breakdown[n]["fraction_outside"] * breakdown[n]["count"]
                        for n in REGIMES if breakdown[n]["count"])
            assert total / kept == pytest.approx(run.summary.fraction_outside_interval)
            assert breakdown["all"]["median_abs_log_ratio"] == pytest.approx(run.summary.median_abs_log_ratio_all)
            assert breakdown["all"]["langevin_median_abs_log_ratio"] == pytest.approx(
                run.summary.langevin_median_abs_log_ratio_all)
            empty = [n for n in REGIMES if breakdown[n]["count"] == 0]
            assert all(breakdown[n]["fraction_outside"] is None and breakdown[n]["median_abs_log_ratio"] is None
                       for n in empty)


def test_columns_are_numbered_across_directories_and_spans_group_them(runs):
    sources = load_sources(list(runs))
    columns = columns_of(sources)
    assert [c.id for c in columns] == ["c1", "c2", "c3"]
    assert [c.starts for c in columns] == [True, False, True]
    assert [(s.index, n) for s, n in source_spans(columns)] == [(1, 2), (2, 1)]
    wall = next(r for r in summary_rows(columns, "Dη/2") if r.key == "wall_seconds")
    cells = wall.cells(columns)  # one cell per run directory, spanning its columns
    assert [(c.column, c.span, c.value) for c in cells] == [
        ("c1", 2, sources[0].results.wall_seconds), ("c3", 1, sources[1].results.wall_seconds)]
    assert [(c.column, c.span) for c in wall.cells(columns[1:])] == [("c2", 1), ("c3", 1)]


def test_summary_rows_hold_the_typed_values_and_leave_out_empty_optional_rows(runs):
    sources = load_sources(list(runs))
    columns = columns_of(sources)
    rows = summary_rows(columns, "Dη/2")
    by_key = {r.key: r for r in rows if not r.heading}
    for column in columns:
        assert by_key["log_corr_all"].values[column.id] == column.run.summary.log_corr_all
        assert by_key["lr"].values[column.id] == column.run.lr
        assert by_key["replicas"].values[column.id] == column.results.config.ensemble.replicas
    # no mode is stiff in these runs: the stiff rows are left out, the always-shown rows stay
    assert all(column.run.summary.median_abs_log_ratio_stiff is None for column in columns)
    assert "median_abs_log_ratio_stiff" not in by_key and "diverged_replicas" in by_key
    assert "Dη/2, same modes" in by_key["diffusion_coefficient_predicted"].hint
    # headings are followed by rows
    assert not rows[-1].heading and all(not (a.heading and b.heading) for a, b in zip(rows, rows[1:]))


def test_a_group_whose_rows_are_all_empty_goes_with_them():
    from sgdfp.report.tables import _visible

    rows = [(heading("kept"), False), (Row("a", "a", {"c1": 1.0}), False),
            (heading("dropped"), False), (Row("b", "b", {"c1": None}), False),
            (heading("always"), False), (Row("c", "c", {"c1": None}), True)]
    assert [r.label for r in _visible(rows)] == ["kept", "a", "always", "c"]


def test_stiffness_rows_from_the_typed_bins(runs):
    source = load_sources([runs[0]])[0]
    columns = columns_of([source])
    rows = stiffness_rows(columns)
    bins = source.results.runs[0].summary.by_lr_curvature
    assert bins, "the pipeline records the breakdown by eta * lambda"
    statistics = source.results.statistics
    null = null_directions(statistics.grad_noise, statistics.curvature_noise)
    for entry in bins:  # each bin's row counts the modes whose eta * lambda lies in it (and whose errors are defined)
        low, high = (-math.inf if entry.lr_curvature[0] is None else entry.lr_curvature[0],
                     math.inf if entry.lr_curvature[1] is None else entry.lr_curvature[1])
        a, b = entry.lr_curvature
        label = f"ηλ < {b:g}" if a is None else f"ηλ ≥ {a:g}" if b is None else f"{a:g} ≤ ηλ < {b:g}"
        assert any(r.heading and r.label == label for r in rows)
        row = next(r for r in rows if r.key == f"stiffness.{label}.modes")
        for column in columns:
            table = column.run.table
            expected = sum(low <= column.run.lr * lam < high and table.log_ratio[i] is not None
                           and table.langevin_log_ratio[i] is not None and not null[i]
                           for i, lam in enumerate(statistics.curvature))
            assert row.values[column.id] == expected


def test_a_column_without_the_stiffness_breakdown_shows_nothing(runs):
    source = load_sources([runs[1]])[0]
    runs_ = [dataclasses.replace(run, summary=dataclasses.replace(run.summary, by_lr_curvature=[]))
             for run in source.results.runs]  # as in a file of an older version
    old = Source(2, source.path, dataclasses.replace(source.results, runs=runs_), slug="2-old")
    columns = columns_of([source, old])
    rows = [r for r in stiffness_rows(columns) if not r.heading]
    assert rows and all(r.values["c2"] is None for r in rows)
    assert all(r.values["c1"] is not None for r in rows if r.key.endswith(".modes"))
