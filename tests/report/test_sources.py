"""Reading run directories: typed results, one-line errors, labels, and copying only regular files from inside."""

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from sgdfp.report import load_run, write_report
from sgdfp.report.sources import copy_regular_file, load_sources
from sgdfp.validate.results import ResultError, ValidationResults


def test_load_run_returns_the_typed_results_of_the_file(runs, results_json):
    sweep, _ = runs
    results = load_run(sweep)
    raw = results_json(sweep)
    assert isinstance(results, ValidationResults)
    assert [r.lr for r in results.runs] == [r["lr"] for r in raw["runs"]] == [0.025, 0.05]
    assert results.config.preset == raw["config"]["preset"] == "mnist-mlp"
    assert results.runs[1].summary.log_corr_all == raw["runs"][1]["summary"]["log_corr_all"]


def _broken(tmp_path, name, text):
    directory = tmp_path / name
    directory.mkdir()
    (directory / "results.json").write_text(text)
    return directory


@pytest.mark.parametrize("text, message", [
    ('{"config": {"preset": "mnist-mlp"}, "runs": [', r"results\.json' is not valid JSON .* line 1, column"),
    ("[1, 2, 3]", "expected a JSON object"),
    (json.dumps({"config": {"preset": "x"}, "runs": []}), "missing field"),
])
def test_malformed_results_are_one_line_errors_naming_the_file(tmp_path, text, message):
    directory = _broken(tmp_path, "run", text)
    with pytest.raises(ValueError, match=message) as caught:
        load_sources([directory])
    assert "\n" not in str(caught.value) and "run/results.json" in str(caught.value)


def test_a_field_of_the_wrong_length_is_named(copy_run):
    def shorten(data):
        data["runs"][0]["regimes"] = data["runs"][0]["regimes"][:-1]

    short = copy_run("short", shorten)
    with pytest.raises(ResultError, match=r"runs\[0\]\.regimes' has \d+ entries for \d+ modes"):
        load_sources([short])


def test_cross_directory_checks(runs, copy_run, tmp_path):
    _, digits = runs
    with pytest.raises(ValueError, match="given twice"):
        load_sources([digits, Path(str(digits) + "/.")])
    with pytest.raises(ValueError, match="identical results"):
        load_sources([digits, copy_run("copy")])
    with pytest.raises(ValueError, match="no run directories"):
        load_sources([])
    with pytest.raises(ValueError, match="does not exist"):
        load_sources([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="has no results.json"):
        load_sources([tmp_path / "empty"])


def test_labels_tell_directories_apart_and_slugs_are_file_names(copy_run, tmp_path):
    a = copy_run("a/run", lambda d: d.update(wall_seconds=1.0))
    b = copy_run("b/run", lambda d: d.update(wall_seconds=2.0))
    sources = load_sources([a, b])
    assert [s.label for s in sources] == ["a/run", "b/run"]
    assert [s.slug for s in sources] == ["1-run", "2-run"]
    assert sources[0].figures and all(p.suffix == ".png" for p in sources[0].figures)


def test_a_symlinked_modes_csv_is_not_copied(copy_run, tmp_path, capsys):
    """The issue's case: ``ln -s /etc/shadow run/modes.csv`` must not end up in the report."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:$6$secret\n")
    run = copy_run("linked")
    (run / "modes.csv").unlink()
    (run / "modes.csv").symlink_to(secret)
    (run / "variance_vs_step.png").unlink()
    (run / "variance_vs_step.png").symlink_to(secret)  # a figure too
    written = write_report([run], tmp_path / "report", pdf=False)
    warnings = capsys.readouterr().err.strip().splitlines()
    assert len(warnings) == 2 and all("symbolic link" in w for w in warnings)
    copied = [p for p in (tmp_path / "report").rglob("*") if p.is_file()]
    assert not any(p.name == "modes.csv" or p.name == "variance_vs_step.png" for p in copied)
    assert all("root:$6$" not in p.read_text(errors="replace") for p in copied)
    assert "modes.csv" not in written.html.read_text()
    assert (tmp_path / "report" / "figures" / "1-linked" / "measured_vs_predicted.png").is_file()  # the rest is there


def test_a_pipe_named_like_a_figure_is_skipped(copy_run, tmp_path, capsys):
    run = copy_run("piped")
    os.mkfifo(run / "extra.png")
    write_report([run], tmp_path / "report", pdf=False)
    assert "not a regular file" in capsys.readouterr().err
    assert not (tmp_path / "report" / "figures" / "1-piped" / "extra.png").exists()


def test_copies_get_the_umask_permissions_not_the_sources_mode(tmp_path):
    source = tmp_path / "modes.csv"
    source.write_text("lr,mode\n")
    os.chmod(source, 0o4755)  # setuid and executable: nothing of this may travel
    target = tmp_path / "out" / "modes.csv"
    umask = os.umask(0o022)
    try:
        copy_regular_file(source, target)
    finally:
        os.umask(umask)
    assert target.read_text() == "lr,mode\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_copy_refuses_a_file_swapped_for_a_link(tmp_path):
    real = tmp_path / "real.png"
    real.write_bytes(b"png")
    link = tmp_path / "link.png"
    link.symlink_to(real)
    with pytest.raises(ValueError, match="cannot copy"):
        copy_regular_file(link, tmp_path / "out" / "link.png")
    assert not (tmp_path / "out" / "link.png").exists()
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
