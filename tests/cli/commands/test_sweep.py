"""``sgdfp sweep``: interrupted with Ctrl-C and run again, it continues without redoing a finished run; a failing
run is listed with its error and the exit status says so; user mistakes are one line, exit 2."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from sgdfp.cli import main

GRID = ["sweep", "--preset", "digits-mlp", "--quick", "--lr", "0.05", "0.1", "--seed", "0", "1", "--replicas", "12",
        "--steps", "30", "--device", "cpu", "--no-pdf"]
LIGHT = "samples = 512\nreference_steps = 100\ncurvature_samples = 128\n"  # a second or two a run


def _finished(runs_dir):
    return sorted(p.parent.name for p in runs_dir.glob("*/results.json") if not p.parent.name.startswith(".")) \
        if runs_dir.is_dir() else []


def test_an_interrupted_sweep_continues_where_it_stopped(tmp_path, capsys):
    out = tmp_path / "sweep"
    (tmp_path / "light.toml").write_text(LIGHT)
    grid = [*GRID, "--config", str(tmp_path / "light.toml")]
    sweep = subprocess.Popen([sys.executable, "-m", "sgdfp", *grid, "--workers", "1", "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 240
        while not _finished(out / "runs") and time.monotonic() < deadline and sweep.poll() is None:
            time.sleep(0.2)
        assert _finished(out / "runs"), "no run finished"
        sweep.send_signal(signal.SIGINT)  # Ctrl-C
        _, error = sweep.communicate(timeout=120)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 130 and "interrupted" in error
    finished = _finished(out / "runs")
    assert 1 <= len(finished) < 4 and not (out / "sweep.json").exists()
    before = {name: (out / "runs" / name / "results.json").stat() for name in finished}
    assert main([*grid, "--workers", "2", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"] == {"done": 4 - len(finished), "skipped": len(finished), "failed": 0, "total": 4}
    assert sorted(r["name"] for r in summary["runs"] if r["status"] == "skipped") == sorted(finished)
    for name in finished:  # not redone: the very same files
        after = (out / "runs" / name / "results.json").stat()
        assert (after.st_ino, after.st_mtime_ns) == (before[name].st_ino, before[name].st_mtime_ns)
    assert len(_finished(out / "runs")) == 4 and not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]
    assert summary["report"] == "report/report.html" and (out / "report" / "report.html").is_file()
    assert summary["figures"] == ["diffusion_vs_lr.png"] and summary["scaling"][0]["runs"] == 4


def test_a_failing_run_is_listed_with_its_error_and_the_exit_status_says_so(tmp_path, capsys):
    grid = tmp_path / "grid.toml"
    # 2000 samples a batch: the grid allows it (samples = 5000), the digits have 1797
    grid.write_text('preset = "digits-mlp"\nquick = true\nsamples = 5000\nbatch_size = [64, 2000]\nreplicas = 8\n'
                    'steps = 10\ndevice = "cpu"\nreference_steps = 100\ncurvature_samples = 128\n')
    out = tmp_path / "sweep"
    with pytest.raises(SystemExit) as exit_status:
        main(["sweep", "--config", str(grid), "--workers", "2", "--out", str(out), "--no-pdf"])
    assert exit_status.value.code == 1
    printed = capsys.readouterr()
    assert "1 of 2 runs failed" in printed.err
    assert "FAILED digits-mlp-lr0.05-b2000-with-s0-" in printed.out and "(1797); got 2000" in printed.out
    stored = json.loads((out / "sweep.json").read_text())
    good, bad = stored["runs"]
    assert good["status"] == "done" and good["metrics"]["median_abs_log_ratio_all"] is not None
    assert bad["status"] == "failed" and bad["error"].endswith("number of samples (1797); got 2000")
    assert "Traceback" in bad["traceback"] and stored["counts"]["failed"] == 1


@pytest.mark.parametrize("argv, message", [
    (["sweep", "--lr", "0.1", "--out", "{out}"], "a sweep needs a preset"),
    (["sweep", "--preset", "imagenet", "--out", "{out}"], "unknown preset 'imagenet'"),
    (["sweep", "--preset", "digits-mlp", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1", "--out", "{out}"],
     "not allowed with argument"),
    (["sweep", "--preset", "digits-mlp", "--config", "{tmp}/missing.toml", "--out", "{out}"], "does not exist"),
    (["sweep", "--preset", "digits-mlp", "--out", "{tmp}/mine"], "is not an sgdfp sweep directory"),
])
def test_user_mistakes_are_one_line_and_exit_2(tmp_path, capsys, argv, message):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    argv = [a.format(out=tmp_path / "out", tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not (tmp_path / "out").exists() and os.listdir(tmp_path / "mine") == ["notes.txt"]


def test_help_loads_neither_torch_nor_sympy_nor_dask():
    code = ("import sys\nfrom sgdfp.cli import main\ntry:\n    main(['sweep', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sympy', 'torch', 'numpy', 'dask', 'distributed') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--scheduler ADDRESS" in done.stdout and done.stdout.strip().endswith("[]")
