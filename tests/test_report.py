"""``sgdfp report``: HTML (and PDF) reports of ``sgdfp validate`` directories, and their one-line errors."""

import dataclasses
import html as html_lib
import json
import math
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

import sgdfp.report as report_module
import sgdfp.tex
from sgdfp.cli import main
from sgdfp.report import write_report
from sgdfp.tex import TexError, find_engine

REGIMES = ("confined", "diffusive", "unstable", "escaping")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two tiny validate outputs: an mnist-mlp sweep over two learning rates, and one digits-mlp run."""
    from sgdfp.validate.data import load_digits
    from sgdfp.validate.models import MLP
    from sgdfp.validate.run import (
        PRESETS,
        ValidationConfig,
        preset_config,
        run_validation,
        write_results,
    )

    base = tmp_path_factory.mktemp("runs")
    small = {"quick": True, "replicas": 8, "steps": 20, "samples": 256, "reference_steps": 20, "checkpoints": 6}
    if "validity_replicas" in {f.name for f in dataclasses.fields(ValidationConfig)}:
        small["validity_replicas"] = 0  # the local-validity check is not what is tested here
    # small hidden layers keep the exact Hessians cheap; the pipeline is the real one
    sweep = run_validation(preset_config("mnist-mlp", lr=[0.025, 0.05], **small), module=MLP(36, 3, 10),
                           dataset=PRESETS["mnist-mlp"]["data"]())
    single = run_validation(preset_config("digits-mlp", **small), module=MLP(64, 2, 10), dataset=load_digits())
    write_results(sweep, base / "sweep")
    write_results(single, base / "digits")
    return base / "sweep", base / "digits"


class _Page(HTMLParser):
    """Table cells by (column, key), and every relative link."""

    def __init__(self, text):
        super().__init__()
        self.cells, self.links, self.headers = {}, [], []
        self._cell = self._header = None
        self._tag = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-key" in attrs and self._cell is None:
            self._cell, self._tag = [attrs["data-col"], attrs["data-key"], attrs["data-value"], ""], tag
        if tag == "th" and "data-col" in attrs:
            self._header = [attrs["data-col"], ""]
        for name in ("src", "href"):
            if tag in ("img", "a") and name in attrs and not attrs[name].startswith(("#", "http")):
                self.links.append(attrs[name])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[3] += data
        if self._header is not None:
            self._header[1] += data

    def handle_endtag(self, tag):
        if tag == self._tag and self._cell is not None:
            column, key, value, text = self._cell
            self.cells[(column, key)] = (json.loads(value) if value not in ("NaN", "Infinity", "-Infinity")
                                         else float(value), text.strip())
            self._cell = None
        if tag == "th" and self._header is not None:
            self.headers.append(tuple(self._header))
            self._header = None


def _page(written):
    return _Page(written.html.read_text(encoding="utf-8"))


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


def _results(directory):
    return json.loads((Path(directory) / "results.json").read_text())


def _listing(directory):
    return sorted(p.name for p in Path(directory).iterdir())


# ---------------------------------------------------------------------------------------------- content


def test_single_run_report_defaults_to_dir_report_and_shows_the_results(runs):
    sweep, _ = runs
    written = write_report([sweep], pdf=False)
    try:
        assert written.html == sweep / "report" / "report.html" and written.html.is_file()
        assert written.pdf is None and written.pdf_note is None
        results = _results(sweep)
        page = _page(written)
        assert len(results["runs"]) == 2  # one column per eta of the sweep
        for index, run in enumerate(results["runs"]):
            column = f"c{index + 1}"
            summary = run["summary"]
            for key in ("log_corr_top", "log_corr_all", "median_abs_log_ratio_top", "median_abs_log_ratio_all",
                        "langevin_median_abs_log_ratio_all", "noise_floor_abs_log_ratio", "fraction_outside_interval",
                        "confined_growth_exponent", "diffusive_growth_exponent", "diverged_replicas"):
                value, text = page.cells[(column, key)]
                assert _same(value, summary[key]), key
                if isinstance(summary[key], float) and math.isfinite(summary[key]):
                    expected = (f"{100 * summary[key]:.1f} %" if key == "fraction_outside_interval"
                                else f"{summary[key]:.3f}" if key.startswith("log_corr") else f"{summary[key]:.3g}")
                    assert text == expected, key
            assert page.cells[(column, "lr")][0] == run["lr"]
            assert page.cells[(column, "replicas")][0] == results["config"]["replicas"]
            assert page.cells[(column, "steps")][0] == results["config"]["steps"]
            assert page.cells[(column, "batch_size")][0] == results["config"]["batch_size"]
            assert page.cells[(column, "preset")][0] == "mnist-mlp"
        assert page.cells[("c1", "wall_seconds")][0] == results["wall_seconds"]
        text = written.html.read_text()
        assert 'id="scaling"' in text  # the sweep's diffusion-vs-eta fit
        assert page.cells[("1-sweep", "scaling.exponent")][0] == results["scaling"]["exponent"]
        for key, value in results["versions"].items():  # environment
            assert html_lib.escape(str(value)) in text, key
        assert results["device"] in text
    finally:
        shutil.rmtree(sweep / "report", ignore_errors=True)


def test_every_link_resolves_inside_the_report_even_after_moving_it(runs, tmp_path):
    sweep, digits = runs
    written = write_report([sweep, digits], tmp_path / "report", pdf=False)
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    shutil.move(str(tmp_path / "report"), moved)
    page = _Page((moved / "report.html").read_text())
    images = [link for link in page.links if link.endswith((".png", ".svg"))]
    assert any(link.startswith("figures/") for link in images)
    assert any(link.startswith("theory/") for link in images)
    for link in page.links:
        assert not os.path.isabs(link) and ".." not in link
        assert (moved / link).is_file(), link
    # every figure each run wrote is in the report
    for index, run_dir in enumerate((sweep, digits), start=1):
        for png in run_dir.glob("*.png"):
            assert any(link.endswith(png.name) and f"/{index}-" in link for link in images) or (
                png.stem == "diffusion_vs_lr"), png
    assert written.tex.name == "report.tex"


def test_several_runs_side_by_side(runs, tmp_path):
    sweep, digits = runs
    written = write_report([sweep, digits], tmp_path / "both", pdf=False)
    page = _page(written)
    columns = {column for column, _ in page.cells if column.startswith("c")}
    assert columns == {"c1", "c2", "c3"}
    presets = [page.cells[(f"c{i}", "preset")][0] for i in (1, 2, 3)]
    assert presets == ["mnist-mlp", "mnist-mlp", "digits-mlp"]
    expected = _results(sweep)["runs"] + _results(digits)["runs"]
    for i, run in enumerate(expected, start=1):
        assert _same(page.cells[(f"c{i}", "log_corr_all")][0], run["summary"]["log_corr_all"])
        assert page.cells[(f"c{i}", "lr")][0] == run["lr"]
    # configuration per run directory
    assert page.cells[("1-sweep", "config.preset")][0] == "mnist-mlp"
    assert page.cells[("2-digits", "config.preset")][0] == "digits-mlp"


def test_regime_breakdown_counts_add_up_to_the_modes(runs, tmp_path):
    sweep, digits = runs
    written = write_report([sweep, digits], tmp_path / "r", pdf=False)
    page = _page(written)
    runs_ = [(_results(d), run) for d in (sweep, digits) for run in _results(d)["runs"]]
    for i, (results, run) in enumerate(runs_, start=1):
        modes = len(results["statistics"]["curvature"])
        counts = [page.cells[(f"c{i}", f"regime.{name}.count")][0] for name in REGIMES]
        assert sum(counts) == modes == page.cells[(f"c{i}", "regime.all.count")][0]
        assert counts == [run["summary"]["regime_counts"][name] for name in REGIMES]
        assert counts == [run["regimes"].count(name) for name in REGIMES]
        # the per-regime fractions outside the interval recombine to the summary's
        fractions = [page.cells.get((f"c{i}", f"regime.{name}.fraction_outside"), (None,))[0] for name in REGIMES]
        total = sum(f * c for f, c in zip(fractions, counts) if c)
        assert total / modes == pytest.approx(run["summary"]["fraction_outside_interval"])
        # and the all-modes median is the summary's
        assert page.cells[(f"c{i}", "regime.all.median_abs_log_ratio")][0] == pytest.approx(
            run["summary"]["median_abs_log_ratio_all"])


def test_theory_comes_from_mode_with_symbolic_parameters(runs, tmp_path):
    from sgdfp.derive import Mode
    from sgdfp.derive.modes import D, Gamma, eta, gbar, lam, rho
    from sgdfp.derive.printing import latex

    _, digits = runs
    written = write_report([digits], tmp_path / "t", pdf=False)
    text = written.html.read_text()
    full = Mode(lam, D, eta, Gamma, gbar, rho)
    for expr in (full.stationary_variance(), full.langevin_stationary_variance(),
                 Mode(lam, D, eta).diffusion_coefficient().per_time):
        assert html_lib.escape(latex(expr)) in text
    for line in Mode(lam, D, eta, Gamma).latex().splitlines()[1:-1]:
        lhs = line.split("&")[0].strip()
        assert html_lib.escape(lhs) in text
    assert list((tmp_path / "t" / "theory").glob("*.svg"))
    tex = written.tex.read_text()
    assert r"\begin{align*}" in tex and latex(full.stationary_variance()) in tex


# ---------------------------------------------------------------------------------------------- PDF


@pytest.mark.skipif(find_engine() is None, reason="no TeX engine installed")
def test_pdf_is_compiled_when_tex_is_installed(runs, tmp_path):
    sweep, digits = runs
    written = write_report([sweep, digits], tmp_path / "pdf")
    assert written.pdf == tmp_path / "pdf" / "report.pdf"
    assert written.pdf.read_bytes()[:4] == b"%PDF"
    assert "report.pdf" in _page(written).links
    assert not [p for p in (tmp_path / "pdf").iterdir() if p.suffix in (".aux", ".log")]


def test_without_tex_the_html_is_written_with_a_note(runs, tmp_path, monkeypatch):
    _, digits = runs
    monkeypatch.setattr(sgdfp.tex, "find_engine", lambda *a, **k: None)
    written = write_report([digits], tmp_path / "nopdf")
    assert written.pdf is None and written.html.is_file()
    assert isinstance(written.pdf_note, str) and "\n" not in written.pdf_note and "TeX" in written.pdf_note
    assert "report.pdf" not in _page(written).links


def test_a_tex_failure_leaves_nothing(runs, tmp_path, monkeypatch):
    _, digits = runs

    def fail(*args, **kwargs):
        raise TexError("pdflatex failed on report.tex: Undefined control sequence (line 3)")

    monkeypatch.setattr(sgdfp.tex, "find_engine", lambda *a, **k: "/usr/bin/pdflatex")
    monkeypatch.setattr(sgdfp.tex, "compile_pdf", fail)
    out = tmp_path / "new" / "deeper" / "report"
    with pytest.raises(TexError, match="Undefined control sequence"):
        write_report([digits], out)
    assert _listing(tmp_path) == []  # not even the parent directories it created


@pytest.mark.skipif(find_engine() is None, reason="no TeX engine installed")
def test_a_real_tex_error_is_one_line_and_leaves_nothing(runs, tmp_path, monkeypatch):
    _, digits = runs
    monkeypatch.setattr(report_module, "_tex", lambda *a, **k: "\\documentclass{article}\\begin{document}"
                                                                "\\undefinedmacro\\end{document}\n")
    with pytest.raises(ValueError) as caught:
        write_report([digits], tmp_path / "bad")
    assert "\n" not in str(caught.value) and "Undefined control sequence" in str(caught.value)
    assert _listing(tmp_path) == []


# ---------------------------------------------------------------------------------------------- bad input


def _bad(tmp_path, runs):
    sweep, digits = runs
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "results.json").write_text('{"config": {"preset": "mnist-mlp"}, "runs": [')
    empty = tmp_path / "empty"
    empty.mkdir()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "results.json").write_text(json.dumps({"config": {"preset": "x"}, "runs": []}))
    listed = tmp_path / "listed"
    listed.mkdir()
    (listed / "results.json").write_text("[1, 2, 3]")
    copy = tmp_path / "copy"
    shutil.copytree(digits, copy)
    short = tmp_path / "short"
    shutil.copytree(digits, short)
    results = json.loads((short / "results.json").read_text())
    results["runs"][0]["regimes"] = results["runs"][0]["regimes"][:-1]
    (short / "results.json").write_text(json.dumps(results))
    existing = tmp_path / "existing"
    existing.mkdir()
    return {
        "missing directory": (([tmp_path / "nope"], tmp_path / "out"), "does not exist"),
        "no results.json": (([empty], tmp_path / "out"), "has no results.json"),
        "corrupt JSON": (([broken], tmp_path / "out"), "is not valid JSON"),
        "missing keys": (([foreign], tmp_path / "out"), "missing key"),
        "not an object": (([listed], tmp_path / "out"), "expected a JSON object"),
        "wrong lengths": (([short], tmp_path / "out"), "entries for"),
        "same directory twice": (([digits, digits], tmp_path / "out"), "given twice"),
        "same directory, two spellings": (([digits, Path(str(digits) + "/.")], tmp_path / "out"), "given twice"),
        "identical copies": (([digits, copy], tmp_path / "out"), "identical results"),
        "several runs without out": (([sweep, digits], None), "--out"),
        "existing out": (([digits], existing), "exists"),
        "out is a run directory": (([digits], digits), "would replace run directory"),
        "no runs": (([], tmp_path / "out"), "no run directories"),
    }


@pytest.mark.parametrize("case", ["missing directory", "no results.json", "corrupt JSON", "missing keys",
                                  "not an object", "wrong lengths", "same directory twice",
                                  "same directory, two spellings", "identical copies", "several runs without out",
                                  "existing out", "out is a run directory", "no runs"])
def test_bad_input_is_one_line_and_writes_nothing(runs, tmp_path, case):
    (run_dirs, out), message = _bad(tmp_path, runs)[case]
    before = {d: _listing(d) for d in [tmp_path, *runs]}
    with pytest.raises(ValueError) as caught:
        write_report(run_dirs, out, pdf=False)
    assert "\n" not in str(caught.value)
    assert message in str(caught.value)
    assert {d: _listing(d) for d in before} == before


def test_corrupt_json_error_names_the_file(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "results.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"run/results\.json.*line 1"):
        write_report([tmp_path / "run"], tmp_path / "out", pdf=False)


def test_force_replaces_an_existing_report(runs, tmp_path):
    _, digits = runs
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    written = write_report([digits], out, pdf=False, force=True)
    assert written.html.is_file() and not (out / "old.txt").exists()
    assert _listing(tmp_path) == ["out"]  # no staging directory left beside it


# ---------------------------------------------------------------------------------------------- CLI


def test_cli_report(runs, tmp_path, capsys):
    sweep, digits = runs
    assert main(["report", str(sweep), str(digits), "--out", str(tmp_path / "cli"), "--no-pdf"]) == 0
    assert (tmp_path / "cli" / "report.html").is_file()
    assert "report.html" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nope"), "--no-pdf"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "does not exist" in error
    assert main(["report", str(sweep), str(digits), "--no-pdf"]) == 2
    assert "--out" in capsys.readouterr().err
