"""Typed results: strict JSON round trips, undefined values with reasons, one-line errors naming file and field,
files of the previous format, and modes.csv."""

import json
import math
from pathlib import Path

import pytest
from problems import Linear, quadratic_problem

from sgdfp.validate.config import ValidationConfig
from sgdfp.validate.results import FORMAT_VERSION, MODE_COLUMNS, ResultError, ValidationResults, read_modes_csv
from sgdfp.validate.run import run_validation

FORMAT_1 = Path(__file__).parent / "data" / "format1"


def _strict(text: str):
    """A JSON parser that refuses NaN and Infinity (what any other language's parser does)."""
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def results():
    dataset, loss = quadratic_problem(dim=3, samples=90)
    config = ValidationConfig.from_flat(lr=[0.1, 0.2], batch_size=4, replicas=16, steps=20, samples=90,
                                        reference_steps=0, checkpoints=8, device="cpu")
    return run_validation(config, module=Linear(3), dataset=dataset, loss=loss, task="classification")


def test_round_trip_is_exact_and_strict_json(results, tmp_path):
    results.runs[0].summary.log_corr_top = float("nan")  # an undefined metric (3 modes: fewer than 3 top modes)
    results.runs[0].stationary_variance[1] = float("inf")
    results.write(tmp_path)
    data = _strict((tmp_path / "results.json").read_text())
    assert data["format_version"] == FORMAT_VERSION
    summary = data["runs"][0]["summary"]
    assert summary["log_corr_top"] is None and "fewer than 3" in summary["undefined"]["log_corr_top"]
    assert data["runs"][0]["stationary_variance"][1] is None
    assert "no stationary law" in data["runs"][0]["undefined"]["stationary_variance"]
    back = ValidationResults.read(tmp_path)
    assert back.runs[1].summary == results.runs[1].summary
    assert back.config == results.config and back.statistics.curvature == results.statistics.curvature
    assert back.runs[0].summary.log_corr_top is None


def test_modes_csv_has_one_row_per_lr_and_mode_and_empty_cells_for_undefined(results, tmp_path):
    results.runs[0].stationary_variance[1] = float("inf")
    results.write(tmp_path)
    rows = read_modes_csv(tmp_path / "modes.csv")
    assert len(rows) == 2 * 3 and set(rows[0]) == set(MODE_COLUMNS)
    assert rows[1]["stationary_variance"] is None and rows[1]["lr"] == 0.1
    assert rows[4]["curvature"] == pytest.approx(results.statistics.curvature[1], rel=1e-15)


def test_modes_csv_written_before_the_fixed_frame_columns_is_read(results, tmp_path):
    results.write(tmp_path)
    lines = (tmp_path / "modes.csv").read_text().splitlines()
    header = lines[0].split(",")
    keep = [i for i, name in enumerate(header) if not name.startswith("fixed_frame")]
    old = "\n".join(",".join(line.split(",")[i] for i in keep) for line in lines) + "\n"
    (tmp_path / "modes.csv").write_text(old)
    rows = read_modes_csv(tmp_path / "modes.csv")
    assert rows[0]["fixed_frame_variance"] is None and rows[0]["curvature"] is not None


def test_the_moving_frame_is_the_headline_with_the_fixed_frame_beside_it(results):
    """A quadratic model (P = 3): the frame applies; both theories are exact there but for the gradient noise the
    frame holds between refreshes while the mean moves (0.3 % here)."""
    for run in results.runs:
        summary = run.summary
        assert summary.prediction == "moving-frame" and summary.frame_refresh == 50
        assert summary.fixed_frame_median_abs_log_ratio_all is not None
        assert summary.frame_gap_median_abs_log < 0.01
        assert [r.regime for r in summary.by_regime] and sum(r.modes for r in summary.by_regime) == 3


def _edited(results, tmp_path, edit):
    results.write(tmp_path)
    data = json.loads((tmp_path / "results.json").read_text())
    edit(data)
    (tmp_path / "results.json").write_text(json.dumps(data))
    return tmp_path


@pytest.mark.parametrize("edit, field, expected", [
    (lambda d: d.update(scaling="bad"), "scaling", "expected an object or null"),
    (lambda d: d["scaling"].update(interval=[1]), "scaling.interval", "two numbers"),
    (lambda d: d["runs"][0]["summary"].update(regime_counts="x"), "runs[0].summary.regime_counts", "an object"),
    (lambda d: d["runs"][1]["summary"].update(median_abs_log_ratio_all="a"), "runs[1].summary.median_abs_log_ratio_all",
     "a number or null"),
    (lambda d: d["statistics"].update(curvature=[1.0]), "statistics.grad_noise", "entries for 1 modes"),
    (lambda d: d["runs"][0].update(regimes=["confined", "sideways", "confined"]), "runs[0].regimes", "sideways"),
    (lambda d: d.pop("device"), "device", "missing field"),
    (lambda d: d["runs"][0]["summary"]["by_regime"][0].update(modes="many"), "runs[0].summary.by_regime[0].modes",
     "an integer"),
    (lambda d: d["runs"][0].update(fixed_frame_variance=[[1.0]]), "runs[0].fixed_frame_variance", "one row of 3"),
    (lambda d: d.update(format_version=99), "format version 99", "newer"),
])
def test_malformed_fields_give_one_line_naming_file_and_field(results, tmp_path, edit, field, expected):
    directory = _edited(results, tmp_path, edit)
    with pytest.raises(ResultError) as error:
        ValidationResults.read(directory)
    message = str(error.value)
    assert "\n" not in message and str(directory / "results.json") in message
    assert field in message and expected in message


def test_unreadable_files_are_one_line_errors(tmp_path):
    with pytest.raises(ResultError, match="does not exist"):
        ValidationResults.read(tmp_path / "missing")
    with pytest.raises(ResultError, match="has no results.json"):
        ValidationResults.read(tmp_path)
    (tmp_path / "results.json").write_text("{" * 200_000)
    with pytest.raises(ResultError, match="nested too deeply|not valid JSON"):
        ValidationResults.read(tmp_path)
    (tmp_path / "results.json").write_text('{"config": ')
    with pytest.raises(ResultError, match=r"not valid JSON \(.* line 1, column"):
        ValidationResults.read(tmp_path)
    (tmp_path / "results.json").write_bytes(b"\xff\xfe")
    with pytest.raises(ResultError, match="UTF-8"):
        ValidationResults.read(tmp_path)


def test_a_file_of_the_previous_format_is_read(tmp_path):
    """Written by the previous version of sgdfp (flat configuration, dataset details beside its name)."""
    old = json.loads((FORMAT_1 / "results.json").read_text())
    assert "format_version" not in old and "lr" in old["config"]
    results = ValidationResults.read(FORMAT_1)
    assert results.config.ensemble.lr == old["config"]["lr"] == [0.1, 0.2]
    assert results.config.reference.steps == old["config"]["reference_steps"] == 0
    assert results.config.curvature.direction_chunk == old["config"]["direction_chunk"]
    assert results.runs[1].summary.median_abs_log_ratio_all == old["runs"][1]["summary"]["median_abs_log_ratio_all"]
    assert results.dataset.name == "quadratic" and results.model.class_name == old["model"]["class"]
    results.write(tmp_path)  # and it can be written back in the current format
    assert _strict((tmp_path / "results.json").read_text())["format_version"] == FORMAT_VERSION
    assert math.isclose(ValidationResults.read(tmp_path).wall_seconds, old["wall_seconds"])
