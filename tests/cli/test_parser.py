"""The parser's pieces: one-line usage errors, bounded integers, finite numbers, mode parameters in range."""

import argparse

import pytest

from sgdfp.cli import parser as cli
from sgdfp.derive.mode.parameters import PARAMETERS


def test_a_parser_error_is_one_usage_line():
    parser = cli.ArgumentParser(prog="sgdfp thing")
    parser.add_argument("--count", type=cli.bounded_int(1, 3))
    with pytest.raises(cli.UsageError) as info:
        parser.parse_args(["--count", "7"])
    message = str(info.value)
    assert message == "sgdfp thing: argument --count: expected an integer from 1 to 3; got 7 (see 'sgdfp thing --help')"
    with pytest.raises(cli.UsageError, match="unrecognized arguments: --coun"):
        parser.parse_args(["--coun", "2"])  # no guessing of abbreviations


@pytest.mark.parametrize("value, message", [("x", "expected an integer from 0 to 5; got 'x'"),
                                            ("6", "got 6"), ("-1", "got -1"), ("2.5", "got '2.5'")])
def test_bounded_int_rejects(value, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        cli.bounded_int(0, 5)(value)


def test_bounded_int_accepts_its_range():
    assert [cli.bounded_int(0, 5)(v) for v in ("0", "5", " 3")] == [0, 5, 3]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "one"])
def test_finite_float_rejects(value):
    with pytest.raises(argparse.ArgumentTypeError, match="expected a (finite )?number"):
        cli.finite_float(value)


def test_positive_float():
    assert cli.positive_float("0.5") == 0.5
    for value in ("0", "-1e-9"):
        with pytest.raises(argparse.ArgumentTypeError, match="expected a positive number"):
            cli.positive_float(value)


@pytest.mark.parametrize("keyword, value, message", [
    ("grad_noise", "-1", "grad_noise is a variance and cannot be negative"),
    ("curvature_noise", "-0.1", "curvature_noise is a variance and cannot be negative"),
    ("lr", "0", "lr must be positive"),
    ("curvature", "nan", "expected a finite number"),
])
def test_a_mode_parameter_is_checked_against_its_range(keyword, value, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        cli.parameter_value(PARAMETERS[keyword])(value)


def test_a_mode_parameter_in_range_is_a_float():
    assert cli.parameter_value(PARAMETERS["curvature"])("-2") == -2.0
    assert cli.parameter_value(PARAMETERS["grad_noise"])("0") == 0.0


def test_output_format():
    assert cli.output_format(argparse.Namespace(json=True, latex=False)) == "json"
    assert cli.output_format(argparse.Namespace(json=False, latex=True)) == "latex"
    assert cli.output_format(argparse.Namespace()) == "text"
