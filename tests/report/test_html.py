"""report.html: the results with their exact values, runs side by side, the theory, and autoescaping."""

import html as html_lib
import shutil
from html.parser import HTMLParser

from sgdfp.report import theory, write_report
from sgdfp.report.html import html_environment


def test_a_single_run_shows_its_results_with_exact_values(runs, page, results_json, same):
    sweep, _ = runs
    written = write_report([sweep], pdf=False)
    try:
        assert written.html == sweep / "report" / "report.html" and written.html.is_file()
        results = results_json(sweep)
        cells = page(written).cells
        assert len(results["runs"]) == 2  # one column per eta of the sweep
        for index, run in enumerate(results["runs"]):
            column = f"c{index + 1}"
            summary = run["summary"]
            for key in ("log_corr_top", "log_corr_all", "median_abs_log_ratio_top", "median_abs_log_ratio_all",
                        "langevin_median_abs_log_ratio_all", "noise_floor_abs_log_ratio", "fraction_outside_interval",
                        "confined_growth_exponent", "diffusive_growth_exponent", "diverged_replicas"):
                value, text = cells[(column, key)]
                assert same(value, summary[key]), key
                if isinstance(summary[key], float):
                    expected = (f"{100 * summary[key]:.1f} %" if key == "fraction_outside_interval"
                                else f"{summary[key]:.3f}" if key.startswith("log_corr") else f"{summary[key]:.3g}")
                    assert text == expected or "e" in expected, key  # 1e-05 shows as 1×10<sup>−5</sup>
            ensemble = results["config"]["ensemble"]
            assert cells[(column, "lr")][0] == run["lr"]
            assert cells[(column, "replicas")][0] == ensemble["replicas"]
            assert cells[(column, "steps")][0] == ensemble["steps"]
            assert cells[(column, "batch_size")][0] == ensemble["batch_size"]
            assert cells[(column, "preset")][0] == "mnist-mlp"
        assert cells[("c1", "wall_seconds")][0] == results["wall_seconds"]
        text = written.html.read_text()
        assert 'id="scaling"' in text  # the sweep's diffusion-vs-eta fit
        assert same(cells[("1-sweep", "scaling.exponent")][0], results["scaling"]["exponent"])
        for key, value in results["versions"].items():  # environment
            assert html_lib.escape(str(value)) in text, key
        assert results["device"] in text
    finally:
        shutil.rmtree(sweep / "report", ignore_errors=True)


def test_an_undefined_metric_is_a_dash_with_a_null_value(copy_run, tmp_path, page):
    def undefine(data):
        data["runs"][0]["summary"]["log_corr_all"] = None
        data["runs"][0]["summary"]["undefined"]["log_corr_all"] = "fewer than 3 modes"

    run = copy_run("undefined", undefine)
    cells = page(write_report([run], tmp_path / "r", pdf=False)).cells
    assert cells[("c1", "log_corr_all")] == (None, "—")


def test_several_runs_side_by_side(runs, tmp_path, page, results_json, same):
    sweep, digits = runs
    cells = page(write_report([sweep, digits], tmp_path / "both", pdf=False)).cells
    assert {column for column, _ in cells if column.startswith("c")} == {"c1", "c2", "c3"}
    assert [cells[(f"c{i}", "preset")][0] for i in (1, 2, 3)] == ["mnist-mlp", "mnist-mlp", "digits-mlp"]
    expected = results_json(sweep)["runs"] + results_json(digits)["runs"]
    for i, run in enumerate(expected, start=1):
        assert same(cells[(f"c{i}", "log_corr_all")][0], run["summary"]["log_corr_all"])
        assert cells[(f"c{i}", "lr")][0] == run["lr"]
    # configuration per run directory, by stage
    assert cells[("1-sweep", "config.preset")][0] == "mnist-mlp"
    assert cells[("2-digits", "config.preset")][0] == "digits-mlp"
    assert cells[("1-sweep", "config.ensemble.lr")][0] == [0.025, 0.05]
    assert cells[("1-sweep", "config.reference.lr")][0] == results_json(sweep)["config"]["reference"]["lr"]


def test_regime_counts_in_the_page_add_up_to_the_modes(runs, tmp_path, page, results_json):
    sweep, digits = runs
    cells = page(write_report([sweep, digits], tmp_path / "r", pdf=False)).cells
    regimes = ("confined", "diffusive", "unstable", "escaping")
    everything = [(results_json(d), run) for d in (sweep, digits) for run in results_json(d)["runs"]]
    for i, (results, run) in enumerate(everything, start=1):
        modes = len(results["statistics"]["curvature"])
        counts = [cells[(f"c{i}", f"regime.{name}.count")][0] for name in regimes]
        # the null directions (no noise) are set aside in the page as in the run's summary
        null = run["summary"]["null_modes"]
        assert sum(counts) + null == modes and sum(counts) == cells[(f"c{i}", "regime.all.count")][0]
        assert counts == [run["summary"]["regime_counts"][name] for name in regimes]
        assert sum(run["regimes"].count(name) for name in regimes) == modes


def test_the_theory_shows_every_equation_of_the_catalogue_with_its_latex(runs, tmp_path, page):
    written = write_report([runs[1]], tmp_path / "t", pdf=False)
    text = written.html.read_text()
    images = page(written).images
    equations = [e for g in theory().groups for e in g.equations]
    theory_images = [i for i in images if i["src"].startswith("theory/")]
    assert [i["title"] for i in theory_images] == [e.latex() for e in equations]  # in order, each with its LaTeX
    assert all((tmp_path / "t" / i["src"]).is_file() for i in theory_images)
    for group in theory().groups:
        assert html_lib.escape(group.title) in text and html_lib.escape(group.latex, quote=False) in text


def test_markup_in_a_preset_or_directory_name_is_shown_as_text(copy_run, tmp_path):
    attack = "<script>alert('x')</script>"
    run = copy_run("<img src=x onerror=alert(1)>", lambda d: d["config"].update(preset=attack))
    written = write_report([run], tmp_path / "r", pdf=False)
    text = written.html.read_text()
    assert "<script>" not in text and "<img src=x" not in text
    assert html_lib.escape(attack) in text or "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text

    class Tags(HTMLParser):
        found = set()

        def handle_starttag(self, tag, attrs):
            self.found.add(tag)

    parser = Tags()
    parser.feed(text)
    assert "script" not in parser.found


def test_the_html_template_autoescapes():
    environment = html_environment()
    assert environment.autoescape is True or environment.autoescape("report.html.j2")
    rendered = environment.from_string("<p>{{ text }}</p>").render(text="<b>&</b>")
    assert rendered == "<p>&lt;b&gt;&amp;&lt;/b&gt;</p>"
