"""A matrix-free run (Lanczos at both ends of the spectrum) goes through result files, figures and the report,
with only the measured directions in its tables."""

import json

from sgdfp.report import write_report
from sgdfp.validate.data import load_digits
from sgdfp.validate.models import MLP
from sgdfp.validate.presets import preset_config
from sgdfp.validate.results import read_modes_csv
from sgdfp.validate.run import run_validation, write_results


def test_a_lanczos_run_writes_figures_and_a_report_of_the_measured_directions(tmp_path):
    config = preset_config("digits-mlp", quick=True, eigensolver="lanczos", modes=3, replicas=8, steps=20,
                           samples=256, reference_steps=20, checkpoints=6, validity_replicas=4, device="cpu")
    results = run_validation(config, module=MLP(64, 2, 10), dataset=load_digits())
    statistics = results.statistics
    assert statistics.method == "lanczos" and len(statistics.curvature) == 6 == len(statistics.residuals)
    assert statistics.curvature[0] < 0 < statistics.curvature[-1]  # both ends of the spectrum
    run_dir = write_results(results, tmp_path / "run")
    assert {p.name for p in run_dir.glob("*.png")} >= {"variance_vs_step.png", "measured_vs_predicted.png"}
    rows = read_modes_csv(run_dir / "modes.csv")
    assert len(rows) == 6 and sorted(row["mode"] for row in rows) == list(range(6))
    stored = json.loads((run_dir / "results.json").read_text())
    assert len(stored["statistics"]["residuals"]) == 6
    written = write_report([run_dir], tmp_path / "report", pdf=False)
    assert written.html.is_file() and "lanczos" in written.html.read_text().lower()
