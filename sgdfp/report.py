r"""``sgdfp report``: one or more ``sgdfp validate`` output directories as a report to take in at a glance.

The report is a folder holding ``report.html`` (self-contained: the run's figures are copied into
``figures/``, the equations rendered into ``theory/``, the per-mode tables into ``data/``, all linked
relatively, so the folder can be moved or zipped), ``report.tex`` with the same content, and
``report.pdf`` when a TeX engine is installed. It shows

- a side-by-side summary table, one column per learning rate of every run (an η sweep gives one
  column per η; runs of different presets sit side by side -- that is a feature);
- the flat-mode diffusion coefficient against η when a run holds a sweep;
- a per-regime breakdown computed from each run's per-mode table (count, median |log ratio| of the
  discrete and the Langevin prediction, fraction outside the 95 % interval);
- the figures each run wrote, side by side;
- configuration and environment (versions, device) per run, differing rows marked;
- the theory the predictions came from: every formula is derived at report time by
  :class:`sgdfp.derive.Mode` with symbolic parameters (nothing is typed by hand). The HTML renders
  each equation with matplotlib's mathtext into an SVG (MathJax-free; the LaTeX source is each image's
  tooltip and alt text and, per group, a ``<details>`` block; where mathtext cannot parse an equation
  the LaTeX is shown as code); the PDF typesets the LaTeX itself.

Decisions:

- Output directory: ``DIR/report`` by default for a single run; several runs need ``out`` (a
  ``ValueError`` asks for ``--out``). An existing ``out`` is an error unless ``force``; ``out`` may
  never be, or contain, one of the run directories (``force`` would delete it).
- Input checks, each a one-line ``ValueError`` before anything is written: a missing directory, a
  missing ``results.json``, JSON that does not parse (the file, line and column are named), a file
  that is not an ``sgdfp validate`` result or lacks keys the report shows (the first missing key is
  named), per-mode arrays of the wrong length, and mismatched runs: the same directory twice or two
  directories holding identical results.
- Atomic: everything (figures, equation images, HTML, LaTeX, PDF) is written to a temporary directory
  beside ``out`` and renamed into place at the end; any failure, a TeX error included
  (:class:`sgdfp.tex.TexError` is a ``ValueError``), removes it (and any parent directories it had
  to create) and leaves nothing behind; ``force`` removes the old report only at that last step.
- PDF: compiled when ``pdf`` is true and :func:`sgdfp.tex.find_engine` finds an engine; otherwise
  :attr:`WrittenReport.pdf_note` says why there is none and the HTML is still written. Only packages
  of texlive-latex-base/recommended are used (amsmath, amssymb, graphicx, booktabs, array, geometry,
  hyperref).
- Numbers are shown to three significant digits (correlations to three decimals, fractions as
  percentages); every cell of the tables carries its exact value in ``data-value`` (and a tooltip),
  so nothing is lost to rounding. Result files of older or newer versions are read as long as the keys
  above are there: optional rows without a value in any column are left out, renamed keys are read
  under either name.
- Figures are each run's own PNGs (``sgdfp validate`` draws them for the first η of a sweep); the
  diffusion-against-η figure appears with the scaling section rather than among the figures.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import math
import os
import re
import shutil
import struct
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["write_report", "WrittenReport", "load_run", "regime_breakdown", "theory"]

RESULTS = "results.json"
REGIMES = ("confined", "diffusive", "unstable", "escaping")
REGIME_COLOURS = {"confined": "#1f77b4", "diffusive": "#ff7f0e", "unstable": "#d62728", "escaping": "#9467bd"}
#: Figures in a fixed order (others follow alphabetically), with captions.
FIGURES = {
    "variance_vs_step": "Variance against step for the stiffest confined and the noisiest flat modes, one row "
                        "per learning rate: measured (dots, 95 % band), discrete SGD theory (solid), Langevin "
                        "(dashed).",
    "measured_vs_predicted": "Measured against predicted variance at the final step, one panel per learning "
                             "rate, coloured by regime (filled: discrete SGD theory; hollow: Langevin).",
    "diffusion_vs_lr": "Flat-mode diffusion coefficient per unit time t = ηk against the learning rate.",
}
SUMMARY_KEYS = ("log_corr_top", "log_corr_all", "median_abs_log_ratio_top", "median_abs_log_ratio_all",
                "langevin_median_abs_log_ratio_top", "langevin_median_abs_log_ratio_all",
                "noise_floor_abs_log_ratio", "fraction_outside_interval", "confined_growth_exponent",
                "diffusive_growth_exponent", "diverged_replicas", "regime_counts")
TABLE_KEYS = ("log_ratio", "langevin_log_ratio", "outside")
CONFIG_KEYS = ("preset", "lr", "batch_size", "replicas", "steps", "sampling", "seed")
TEX_COLUMNS = 3  # at most this many run columns per LaTeX table; more are split into balanced tables


@dataclass(frozen=True)
class WrittenReport:
    """What :func:`write_report` wrote."""

    html: Path
    pdf: Path | None
    pdf_note: str | None
    tex: Path
    seconds: float


@dataclass
class Source:
    """One ``sgdfp validate`` output directory."""

    index: int
    path: Path
    results: dict
    figures: list
    label: str = ""
    slug: str = ""


@dataclass
class Column:
    """One learning rate of one source: a column of the side-by-side tables."""

    id: str
    source: Source
    run: dict
    breakdown: dict
    starts: bool = False  # the first column of its run directory


# ---------------------------------------------------------------------------------------------- input


def load_run(directory: str | os.PathLike) -> dict:
    """The checked ``results.json`` of one ``sgdfp validate`` directory.

    Raises:
        ValueError: one line naming the directory or file and what is wrong with it.
    """
    directory = Path(directory)
    if not directory.exists():
        raise ValueError(f"run directory '{directory}' does not exist")
    if not directory.is_dir():
        raise ValueError(f"'{directory}' is not a directory (expected an 'sgdfp validate' output directory)")
    path = directory / RESULTS
    if not path.is_file():
        raise ValueError(f"'{directory}' has no {RESULTS} (is it an 'sgdfp validate' output directory?)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"'{path}' is not UTF-8 text (corrupt result file?)") from None
    except OSError as exc:
        raise ValueError(f"cannot read '{path}': {exc.strerror or exc}") from None
    try:
        results = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"'{path}' is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    _check_results(results, path)
    return results


def _check_results(results, path: Path) -> None:
    def fail(what):
        raise ValueError(f"'{path}' is not a usable 'sgdfp validate' result: {what}")

    number = (int, float)

    def need(mapping, key, kind, where):
        if not isinstance(mapping, dict) or key not in mapping:
            fail(f"missing key '{where}{key}'")
        if not isinstance(mapping[key], kind) or (kind is number and isinstance(mapping[key], bool)):
            fail(f"'{where}{key}' has the wrong type ({type(mapping[key]).__name__})")
        return mapping[key]

    if not isinstance(results, dict):
        fail(f"expected a JSON object with 'config' and 'runs', found a {type(results).__name__}")
    config = need(results, "config", dict, "")
    for key in CONFIG_KEYS:
        need(config, key, object, "config.")
    statistics = need(results, "statistics", dict, "")
    curvature = need(statistics, "curvature", list, "statistics.")
    need(results, "device", str, "")
    need(results, "versions", dict, "")
    need(results, "wall_seconds", number, "")
    runs = need(results, "runs", list, "")
    if not runs:
        fail("'runs' is empty")
    modes = len(curvature)
    for i, run in enumerate(runs):
        where = f"runs[{i}]."
        if not isinstance(run, dict):
            fail(f"'runs[{i}]' is not an object")
        need(run, "lr", number, where)
        summary = need(run, "summary", dict, where)
        for key in SUMMARY_KEYS:
            need(summary, key, object, f"{where}summary.")
        regimes = need(run, "regimes", list, where)
        table = need(run, "table", dict, where)
        for key in TABLE_KEYS:
            need(table, key, list, f"{where}table.")
        for name, values in [("regimes", regimes)] + [(f"table.{key}", table[key]) for key in TABLE_KEYS]:
            if len(values) != modes:
                fail(f"'{where}{name}' has {len(values)} entries for {modes} modes")
        unknown = set(regimes) - set(REGIMES)
        if unknown:
            fail(f"unknown regime {min(map(str, unknown))!r} in '{where}regimes'")


def _load_sources(run_dirs) -> list[Source]:
    if isinstance(run_dirs, (str, os.PathLike)):
        run_dirs = [run_dirs]
    run_dirs = list(run_dirs)
    if not run_dirs:
        raise ValueError("no run directories given")
    sources, seen, digests = [], {}, {}
    for index, directory in enumerate(run_dirs, start=1):
        directory = Path(directory)
        results = load_run(directory)
        resolved = directory.resolve()
        if resolved in seen:
            raise ValueError(f"run directory '{directory}' is given twice (as '{seen[resolved]}')")
        seen[resolved] = directory
        digest = hashlib.sha256((directory / RESULTS).read_bytes()).hexdigest()
        if digest in digests:
            raise ValueError(f"'{digests[digest]}' and '{directory}' hold identical results (the same run copied?); "
                             "give each run once")
        digests[digest] = directory
        figures = sorted((p for p in resolved.glob("*.png") if p.is_file()), key=_figure_order)
        sources.append(Source(index, resolved, results, figures))
    _label(sources)
    return sources


def _figure_order(path: Path):
    order = list(FIGURES)
    return (order.index(path.stem) if path.stem in order else len(order), path.name)


def _label(sources: list[Source]) -> None:
    """Short unique labels: the directory name, with as many parent names as it takes to tell them apart."""
    depth = 1
    while True:
        labels = ["/".join(s.path.parts[-depth:]) for s in sources]
        if len(set(labels)) == len(labels) or depth >= max(len(s.path.parts) for s in sources):
            break
        depth += 1
    for source, label in zip(sources, labels):
        source.label = label
        source.slug = f"{source.index}-" + (re.sub(r"[^A-Za-z0-9]+", "-", source.path.name).strip("-") or "run")


def regime_breakdown(results: dict, run: dict) -> dict:
    """Per regime and over all modes: count, median |log ratio| (discrete SGD theory and Langevin) and
    the fraction of modes whose prediction lies outside the 95 % interval, from the per-mode table."""
    regimes = np.asarray(run["regimes"])
    table = run["table"]

    def floats(values):
        return np.asarray([np.nan if v is None else v for v in values], dtype=float)

    discrete, langevin = np.abs(floats(table["log_ratio"])), np.abs(floats(table["langevin_log_ratio"]))
    outside = np.asarray([bool(v) for v in table["outside"]])

    def median(values, mask):
        values = values[mask & np.isfinite(values)]
        return float(np.median(values)) if values.size else None

    out = {}
    for name, mask in [(name, regimes == name) for name in REGIMES] + [("all", np.ones(len(regimes), bool))]:
        count = int(mask.sum())
        out[name] = {"count": count, "median_abs_log_ratio": median(discrete, mask),
                     "langevin_median_abs_log_ratio": median(langevin, mask),
                     "fraction_outside": float(outside[mask].mean()) if count else None}
    return out


# ---------------------------------------------------------------------------------------------- theory


@dataclass(frozen=True)
class Equation:
    lhs: str
    relation: str
    rhs: str
    note: str = ""

    @property
    def latex(self) -> str:
        return f"{self.lhs} {self.relation} {self.rhs}".strip()


@dataclass(frozen=True)
class TheoryGroup:
    title: str
    intro: str
    equations: tuple

    def align(self) -> str:
        from sgdfp.derive.printing import align

        return align([(e.lhs, e.relation, e.rhs) for e in self.equations])


@dataclass(frozen=True)
class Theory:
    groups: tuple
    diffusion_exponent: int | None
    diffusion_text: str
    seconds: float


# What the rows of Mode.latex() are, and where they go: keyed by their left-hand side (notation only).
_ROWS = {
    "q": ("stability", "second-moment contraction factor per step"),
    r"\eta^*": ("stability", "largest stable learning rate (q = 1)"),
    r"\tau_{\mathrm{relax}}": ("stability", "relaxation time of the variance, in steps"),
    r"\text{Langevin-only stable}": ("stability", "Langevin has a stationary law but SGD has none"),
    r"\mathbb{E}[y_k]": ("finite", "mean after k steps"),
    r"\operatorname{Var}[y_k]": ("finite", "variance after k steps: discrete SGD (exact)"),
    r"\operatorname{Var}^{\mathrm{Langevin}}[y_k]": ("finite", "variance after time ηk: Langevin"),
    r"\operatorname{Var}^{\mathrm{SME2}}[y_k]": ("finite", "variance after time ηk: second-order modified equation"),
    r"\operatorname{Var}_\infty": ("stationary", "stationary variance: discrete SGD (exact)"),
    r"\operatorname{Var}^{\mathrm{Langevin}}_\infty": ("stationary", "stationary variance: Langevin"),
    r"\operatorname{Var}^{\mathrm{SME2}}_\infty": ("stationary", "stationary variance: second-order modified equation"),
    r"\mathcal{D}_t": ("flat", "diffusion coefficient per unit time t = ηk"),
    r"\mathcal{D}_{\mathrm{step}}": ("flat", "diffusion coefficient per step"),
    r"P_\infty(y)": ("density", "stationary density of the discrete Fokker–Planck equation"),
    r"\alpha_{\mathrm{tail}}": ("density", "its power-law tail exponent, P ~ |y|^(−α)"),
    r"P^{\mathrm{Langevin}}_\infty(y)": ("density", "stationary density of the Langevin equation"),
    r"\text{confined}": ("regimes", "variance settles"),
    r"\text{diffusive}": ("regimes", "variance grows linearly (λ → 0, or too slow to settle within T steps)"),
    r"\text{unstable}": ("regimes", "variance grows geometrically although λ > 0"),
    r"\text{escaping}": ("regimes", "saddle direction"),
}
_GROUPS = {
    "stability": ("Contraction and stability",
                  "With curvature noise Γ; the mean gradient ḡ and the cross-covariance ρ do not enter."),
    "finite": ("Variance after k steps (ḡ = ρ = 0)",
               "Closed forms with curvature noise Γ. The predictions use the full six-parameter forms, the "
               "closed-form solutions of the recursion above, with every measured parameter."),
    "stationary": ("Stationary variance (ḡ = ρ = 0)",
                   "Finite-η SGD settles wider than Langevin: compare the denominators."),
    "flat": ("Flat modes", "Nearly flat modes do not settle: their variance grows as 2𝒟t, with 𝒟 ∝ η."),
    "density": ("Stationary density (ḡ = ρ = 0)",
                "The truncated discrete Fokker–Planck equation has a power-law tail; Langevin's law is "
                "narrower."),
    "regimes": ("Regimes", "How each mode is classified (T: the horizon of the run, in steps)."),
}


def _rows(block: str) -> list[Equation] | None:
    """The rows of an ``align*`` block from :func:`sgdfp.derive.printing.align`, or None if it has another form."""
    match = re.fullmatch(r"\\begin\{align\*\}\n(.*)\n\\end\{align\*\}", block.strip(), flags=re.S)
    if not match:
        return None
    rows = []
    for row in match.group(1).split(" \\\\\n"):
        parts = re.fullmatch(r"(.*?) &(=|\\[A-Za-z]+) ?(.*)", row, flags=re.S)
        if not parts or "&" in parts.group(3):
            return None
        rows.append(Equation(parts.group(1), parts.group(2), parts.group(3)))
    return rows


@lru_cache(maxsize=None)
def theory() -> Theory:
    """The formulas behind the predictions, derived now by :class:`sgdfp.derive.Mode` with symbolic parameters."""
    import sympy as sp

    from sgdfp.derive import Mode
    from sgdfp.derive.modes import D, Gamma, eta, gbar, lam, mode_update, rho
    from sgdfp.derive.printing import latex, text

    start = time.perf_counter()
    groups = []
    update = _rows(mode_update().latex()) or []
    groups.append(TheoryGroup(
        "The mode map",
        "In the eigenbasis of the Hessian at the reference point each mode y follows this random linear map, "
        "with curvature h (mean λ, variance Γ) and gradient g (mean ḡ, variance D, covariance ρ with h) drawn "
        "afresh by every minibatch; all five are measured per mode.",
        tuple(Equation(e.lhs, e.relation, e.rhs, "one SGD step") for e in update)))
    full = Mode(lam, D, eta, Gamma, gbar, rho)
    recursion = _rows(full.moment_recursion(2).latex()) or []
    groups.append(TheoryGroup(
        "Exact moment recursion (all six parameters)",
        "Derived from the Kramers–Moyal expansion of the map, exact for the first two moments. The predicted "
        "variance of every mode is its closed-form solution, compiled by sgdfp.numerics.",
        tuple(Equation(e.lhs, e.relation, e.rhs, f"moment {i + 1}") for i, e in enumerate(recursion))))
    groups.append(TheoryGroup(
        "Stationary law with mean gradient and cross-covariance",
        "The general stationary values; they reduce to the forms below for ḡ = ρ = 0.",
        (Equation(r"\mathbb{E}[y_\infty]", "=", latex(full.stationary_mean()), "stationary mean"),
         Equation(r"\operatorname{Var}_\infty", "=", latex(full.stationary_variance()),
                  "stationary variance: discrete SGD (exact)"),
         Equation(r"\operatorname{Var}^{\mathrm{Langevin}}_\infty", "=", latex(full.langevin_stationary_variance()),
                  "stationary variance: Langevin"))))
    rows = _rows(Mode(lam, D, eta, Gamma).latex())
    if rows is None:  # an unexpected form: show the block whole
        groups.append(TheoryGroup("Closed forms", "", (Equation(Mode(lam, D, eta, Gamma).latex(), "", ""),)))
    else:
        sorted_rows = {key: [] for key in _GROUPS}
        for row in rows:
            key, note = _ROWS.get(row.lhs, ("regimes" if row.relation == r"\iff" else "stationary", ""))
            sorted_rows[key].append(Equation(row.lhs, row.relation, row.rhs, note))
        groups += [TheoryGroup(*_GROUPS[key], tuple(value)) for key, value in sorted_rows.items() if value]
    per_time = Mode(lam, D, eta).diffusion_coefficient().per_time
    try:
        exponent = int(sp.Poly(per_time, eta).degree())
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        exponent = None
    return Theory(tuple(groups), exponent, _unicode(text(per_time)), time.perf_counter() - start)


def _unicode(plain: str) -> str:
    """SymPy's plain text with Greek letters, for prose: ``D*eta/2`` -> ``Dη/2``."""
    for name, letter in (("lambda", "λ"), ("Gamma", "Γ"), ("gbar", "ḡ"), ("rho", "ρ"), ("eta", "η")):
        plain = re.sub(rf"\b{name}\b", letter, plain)
    return re.sub(r"(?<=[A-Za-zλΓḡρη0-9])\*(?=[A-Za-zλΓḡρη])", "", plain)


def _mathtext(tex: str) -> list[str]:
    """LaTeX -> matplotlib mathtext dialect (display only: the same formula), most faithful first."""
    tex = tex.replace("&", "")
    tex = re.sub(r"\\operatorname\{([^{}]*)\}", r"\\mathrm{\1}", tex)
    tex = tex.replace(r"\iff", r"\Leftrightarrow").replace(r"\frac{", r"\dfrac{")
    tex = re.sub(r"\\ge(?![A-Za-z])", r"\\geq", tex)
    tex = re.sub(r"\\le(?![A-Za-z])", r"\\leq", tex)
    plain = re.sub(r"\\text\{([^{}]*)\}",
                   lambda m: r"\mathrm{" + m.group(1).replace(" ", r"\ ").replace("-", "\u2010") + "}", tex)
    return [tex, plain] if plain != tex else [tex]


def _render_equation(tex: str, path: Path) -> bool:
    """Render one equation to an SVG with mathtext; False where mathtext cannot parse it."""
    from matplotlib import mathtext, rc_context
    from matplotlib.font_manager import FontProperties

    for candidate in _mathtext(tex):
        buffer = io.BytesIO()
        try:
            with rc_context({"mathtext.fontset": "cm", "svg.fonttype": "path", "svg.hashsalt": "sgdfp"}):
                mathtext.math_to_image("$" + candidate + "$", buffer, prop=FontProperties(size=15), format="svg")
        except Exception:  # mathtext's parser raises ValueError and friends
            continue
        path.write_bytes(buffer.getvalue())
        return True
    return False  # the LaTeX is shown as code instead


# ---------------------------------------------------------------------------------------------- values


def _get(mapping, dotted: str):
    for part in dotted.split("."):
        if not isinstance(mapping, dict) or part not in mapping:
            return None
        mapping = mapping[part]
    return mapping


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_value(value, kind: str = "g") -> str:
    """Plain-text value: ``g`` three significant digits, ``r`` three decimals (correlations), ``pct`` a
    percentage, ``s`` seconds, ``x`` a ratio."""
    if _is_missing(value):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v, kind) for v in value)
    if isinstance(value, int) and kind == "g":
        return str(value)
    if isinstance(value, (int, float)):
        return {"pct": f"{100 * value:.1f} %", "s": f"{value:.1f} s", "x": f"{value:.2f}×",
                "r": f"{value:.3f}"}.get(kind, f"{value:.3g}")
    return str(value)


def _html_number(text: str) -> str:
    """``1.64e-10`` -> ``1.64×10<sup>−10</sup>`` (other text escaped)."""
    match = re.fullmatch(r"(-?[0-9.]+)e([+-])0*([0-9]+)", text)
    if match:
        sign = "−" if match.group(2) == "-" else ""
        return f"{match.group(1)}×10<sup>{sign}{match.group(3)}</sup>"
    return html.escape(text)


def _tex_number(text: str) -> str:
    match = re.fullmatch(r"(-?[0-9.]+)e([+-])0*([0-9]+)", text)
    if match:
        sign = "-" if match.group(2) == "-" else ""
        return f"${match.group(1)}\\times10^{{{sign}{match.group(3)}}}$"
    if text == "—":
        return "---"
    return _tex_escape(text).replace("×", r"$\times$")


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}",
                "η": r"$\eta$", "λ": r"$\lambda$", "Γ": r"$\Gamma$", "ρ": r"$\rho$", "÷": r"$\div$",
                "×": r"$\times$", "≥": r"$\ge$", "≈": r"$\approx$", "—": "---", "–": "--", "𝒟": r"$\mathcal{D}$",
                "ḡ": r"$\bar g$", "→": r"$\to$", "²": r"$^2$", "−": "-", "|": r"$|$", "α": r"$\alpha$",
                "∝": r"$\propto$", "∞": r"$\infty$", "≤": r"$\le$", "·": r"$\cdot$", "…": r"\dots{}",
                "‐": "-"}


def _tex_escape(text: str, breakable: bool = False) -> str:
    """Text for LaTeX: specials escaped, known symbols as math, other characters beyond ASCII and the Latin-1
    letters (which T1-encoded pdflatex may not have) as '?'."""
    out = "".join(_TEX_SPECIAL[ch] if ch in _TEX_SPECIAL else (ch if ord(ch) < 128 or ch.isalpha() and ord(ch) < 256 else "?") for ch in str(text))
    if breakable:  # long paths and platform strings may break after separators
        out = re.sub(r"(/|-|\\_|\.)", r"\1\\allowbreak{}", out)
    return out


# ---------------------------------------------------------------------------------------------- rows

# Rows of the summary table: (key, label, hint, getter(column) -> value, kind, emphasised); a str opens a group.
# Rows whose key is not in ALWAYS are left out when no column has a value (older or newer result files).
ALWAYS = {"preset", "lr", "batch_size", "replicas", "steps", "modes", *SUMMARY_KEYS, "wall_seconds"}


def _summary_rows(theory_: Theory):
    from sgdfp.validate.compare import TOP_MODES

    def summary(*keys):  # the first key present (keys renamed between versions)
        return lambda c: next((c.run["summary"][k] for k in keys if k in c.run["summary"]), None)

    def ratio(c):
        value, floor = c.run["summary"].get("median_abs_log_ratio_all"), c.run["summary"].get("noise_floor_abs_log_ratio")
        return None if _is_missing(value) or _is_missing(floor) or not floor else value / floor

    def config(key):
        return lambda c: c.source.results["config"].get(key)

    top = f"top {TOP_MODES}"
    return [
        "Run",
        ("preset", "preset", "", config("preset"), "g", True),
        ("dataset", "data", "", lambda c: _describe_data(c.source.results), "g", False),
        ("model", "model", "", lambda c: _describe_model(c.source.results), "g", False),
        ("lr", "learning rate η", "", lambda c: c.run["lr"], "g", True),
        ("batch_size", "batch size", "", config("batch_size"), "g", False),
        ("replicas", "replicas", "SGD runs per η", config("replicas"), "g", False),
        ("steps", "steps", "horizon T", config("steps"), "g", False),
        ("modes", "modes", "Hessian eigen-directions", lambda c: len(c.source.results["statistics"]["curvature"]),
         "g", False),
        "Discrete SGD theory against measurement (final step)",
        ("log_corr_top", f"log-correlation, {top}", "modes of largest |λ|", summary("log_corr_top"), "r", True),
        ("log_corr_all", "log-correlation, all", "", summary("log_corr_all"), "r", True),
        ("stationary_log_corr_top", "log-correlation, stationary formula", f"{top}, Var∞ for Var_T",
         summary("stationary_log_corr_top"), "r", False),
        ("median_abs_log_ratio_top", f"median |log ratio|, {top}", "", summary("median_abs_log_ratio_top"), "g", False),
        ("median_abs_log_ratio_all", "median |log ratio|, all", "", summary("median_abs_log_ratio_all"), "g", True),
        ("noise_floor_abs_log_ratio", "noise floor", "a perfect prediction with R replicas",
         summary("noise_floor_abs_log_ratio"), "g", True),
        ("ratio_to_floor", "median all ÷ noise floor", "1: as good as R replicas can tell", ratio, "x", False),
        ("fraction_outside_interval", "outside the 95 % interval", "fraction of modes; 5 % expected",
         summary("fraction_outside_interval"), "pct", True),
        "Langevin (continuous-time) model",
        ("langevin_median_abs_log_ratio_top", f"median |log ratio|, {top}", "",
         summary("langevin_median_abs_log_ratio_top"), "g", False),
        ("langevin_median_abs_log_ratio_all", "median |log ratio|, all", "",
         summary("langevin_median_abs_log_ratio_all"), "g", True),
        ("stiff_modes", "stiff modes", "ηλ ≥ 0.2, where the two models part", summary("stiff_modes"), "g", False),
        ("median_abs_log_ratio_stiff", "stiff: median |log ratio|, SGD theory", "",
         summary("median_abs_log_ratio_stiff"), "g", False),
        ("langevin_median_abs_log_ratio_stiff", "stiff: median |log ratio|, Langevin", "",
         summary("langevin_median_abs_log_ratio_stiff"), "g", False),
        "Local validity (gradient beyond the quadratic theory, as extra noise)",
        ("validity_modes_checked", "modes checked", "", summary("validity_modes_checked"), "g", False),
        ("locally_valid_fraction", "locally valid", "fraction of the modes checked",
         summary("locally_valid_fraction"), "pct", False),
        ("median_abs_log_ratio_locally_valid", "median |log ratio|, locally valid", "",
         summary("median_abs_log_ratio_locally_valid"), "g", False),
        ("median_abs_log_ratio_beyond_local", "median |log ratio|, beyond local", "",
         summary("median_abs_log_ratio_beyond_local"), "g", False),
        ("langevin_median_abs_log_ratio_beyond_local", "Langevin, beyond local", "",
         summary("langevin_median_abs_log_ratio_beyond_local"), "g", False),
        "Growth and diffusion",
        ("confined_growth_exponent", "growth exponent, confined", "slope of log Var against log k, late half",
         summary("confined_growth_exponent"), "g", True),
        ("diffusive_growth_exponent", "growth exponent, diffusive", "1 for free diffusion",
         summary("diffusive_growth_exponent"), "g", True),
        ("flat_modes", "flat modes", "diffusive at every η of the run", summary("flat_modes"), "g", False),
        ("diffusion_coefficient_measured", "diffusion coefficient, measured", "per unit time, geometric mean",
         summary("diffusion_coefficient_measured"), "g", False),
        ("diffusion_coefficient_predicted", "diffusion coefficient, predicted", f"{theory_.diffusion_text}, same modes",
         summary("diffusion_coefficient_predicted"), "g", False),
        "Health and cost",
        ("diverged_replicas", "diverged replicas", "", summary("diverged_replicas"), "g", True),
        ("mean_displacement_over_spread", "mean displacement ÷ spread", "median over modes, final step",
         summary("mean_displacement_over_spread", "mean_displacement_over_scale"), "g", False),
        ("ensemble_seconds", "ensemble time", "SGD replicas at this η", summary("ensemble_seconds"), "s", False),
        ("validity_seconds", "validity check time", "", summary("validity_seconds"), "s", False),
        ("wall_seconds", "wall time", "whole run, all η", lambda c: c.source.results.get("wall_seconds"), "s", True),
    ]


def _visible_rows(columns: list[Column], theory_: Theory) -> list:
    """The summary rows to show: optional rows without any value, and groups left empty, are dropped."""
    rows, group = [], None
    for row in _summary_rows(theory_):
        if isinstance(row, str):
            group = row
            continue
        if row[0] not in ALWAYS and all(_is_missing(row[3](c)) for c in columns):
            continue
        if group is not None:
            rows.append(group)
            group = None
        rows.append(row)
    return rows


def _describe_data(results):
    data = results.get("dataset") or {}
    name = data.get("name")
    return f"{name}, {data['samples']} samples" if name and "samples" in data else name


def _describe_model(results):
    model = results.get("model") or {}
    name = model.get("class")
    return f"{name}, {model['parameters']} parameters" if name and "parameters" in model else name


def _config_rows(sources: list[Source]):
    """(group or (label, values per source, kind))."""
    def values(getter):
        return [getter(s.results) for s in sources]

    keys = []
    for source in sources:
        keys += [k for k in source.results["config"] if k not in keys]
    versions = []
    for source in sources:
        versions += [k for k in source.results["versions"] if k not in versions]
    rows = ["Data and model",
            ("data set", values(lambda r: _get(r, "dataset.name")), "g"),
            ("samples", values(lambda r: _get(r, "dataset.samples")), "g"),
            ("data source", values(lambda r: _get(r, "dataset.source")), "path"),
            ("model", values(lambda r: _get(r, "model.class")), "g"),
            ("parameters", values(lambda r: _get(r, "model.parameters")), "g"),
            ("task", values(lambda r: _get(r, "model.task")), "g"),
            "Configuration",
            *[(key, values(lambda r, key=key: r["config"].get(key)), "g") for key in keys],
            "Reference point",
            ("loss", values(lambda r: _get(r, "reference.loss")), "g"),
            ("gradient norm", values(lambda r: _get(r, "reference.grad_norm")), "g"),
            ("polish steps", values(lambda r: _get(r, "reference.polish.steps")), "g"),
            ("polish converged", values(lambda r: _get(r, "reference.polish.converged")), "g"),
            "Noise statistics",
            ("method", values(lambda r: _get(r, "statistics.method")), "g"),
            ("minibatch factor", values(lambda r: _get(r, "statistics.minibatch_factor")), "g"),
            ("gradient noise off-diagonal", values(lambda r: _get(r, "statistics.grad_noise_offdiagonal")), "g"),
            ("curvature noise off-diagonal", values(lambda r: _get(r, "statistics.curvature_noise_offdiagonal")), "g"),
            ("curvature consistency", values(lambda r: _get(r, "statistics.curvature_consistency")), "g"),
            ("statistics time", values(lambda r: _get(r, "statistics.seconds")), "s"),
            "Environment",
            ("device", values(lambda r: r.get("device")), "g"),
            *[(key, values(lambda r, key=key: r["versions"].get(key)), "path" if key == "platform" else "g")
              for key in versions],
            ("wall time", values(lambda r: r.get("wall_seconds")), "s"),
            ("directory", [str(s.path) for s in sources], "path")]
    return rows


def _columns(sources: list[Source]) -> list[Column]:
    columns = []
    for source in sources:
        for run in source.results["runs"]:
            columns.append(Column(f"c{len(columns) + 1}", source, run, regime_breakdown(source.results, run),
                                  starts=run is source.results["runs"][0]))
    return columns


def _spans(columns: list[Column]):
    """(source, number of its columns) in order."""
    spans = []
    for column in columns:
        if spans and spans[-1][0] is column.source:
            spans[-1][1] += 1
        else:
            spans.append([column.source, 1])
    return spans


def _data_value(value) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return json.dumps(value)


# ---------------------------------------------------------------------------------------------- HTML

CSS = """
:root{--fg:#1b2233;--muted:#5d6579;--line:#e4e7ef;--bg:#f4f6fa;--card:#fff;--accent:#2f5bea;--head:#1b2233}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);
 background:var(--bg)}
header{background:var(--head);color:#fff;padding:26px 40px 22px}
header h1{margin:0;font-size:25px;font-weight:600;letter-spacing:.01em}
header .sub{color:#aeb7cc;margin-top:4px;font-size:14px}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin-top:14px}
.chip{background:#2b3450;border:1px solid #3b4566;border-radius:16px;padding:3px 12px;font-size:13px;color:#e6e9f2}
.chip b{color:#fff}
nav{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line);padding:9px 40px}
nav a{margin-right:20px;color:var(--accent);text-decoration:none;font-weight:500;font-size:14px}
main{max-width:1440px;margin:0 auto;padding:8px 40px 60px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 26px;margin:22px 0}
h2{margin:0 0 4px;font-size:20px}
h3{margin:18px 0 6px;font-size:16px}
p.lead{color:var(--muted);margin:0 0 14px;max-width:980px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:4px 12px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap;vertical-align:top}
th:first-child,td:first-child{text-align:left;padding-left:4px;position:sticky;left:0;background:var(--card);z-index:1}
tr.group td:first-child{background:#eef1f7}
.start{border-left:1px solid #d5dae6}
thead th{border-bottom:2px solid var(--fg);font-weight:600}
thead tr.src th{border-bottom:none;font-size:13px;color:var(--muted);font-weight:500}
thead tr.src th.sep{border-bottom:2px solid #c9cfdd}
tr.group td{background:#eef1f7;color:var(--muted);font-size:12.5px;letter-spacing:.02em;font-weight:600;padding-top:6px}
tr.key td{font-weight:600}
td .hint{color:var(--muted);font-size:12px;font-weight:400;margin-left:8px}
td[colspan]{text-align:center}
tr.group td[colspan]{text-align:left}
thead tr.src th{text-align:center}
#config-table td,#config-table th{text-align:left}
td.diff{background:#fff6d8}
td.path{white-space:normal;word-break:break-all;text-align:left;max-width:360px;font-size:13px}
.num{white-space:nowrap}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px;vertical-align:-1px}
.bar{display:flex;height:12px;border-radius:3px;overflow:hidden;min-width:150px;background:#eee}
.bar span{display:block;height:100%}
.legend{color:var(--muted);font-size:13px;margin:8px 0 0}
.legend span{margin-right:14px}
.figrow{display:grid;gap:18px;margin:8px 0 18px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:10px;background:#fff}
figure img{width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:13px;margin-top:6px}
.scaling{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start}
.big{font-size:28px;font-weight:600}
.eqs{display:grid;grid-template-columns:minmax(220px,300px) 1fr;gap:4px 22px;align-items:center}
.eqs .note{color:var(--muted);font-size:14px}
.eqs .math{overflow-x:auto;padding:6px 0}
.eqs .math img{display:block;max-width:none}
.eqs .note{padding:8px 0}
details{margin:2px 0 8px}
summary{cursor:pointer;color:var(--accent);font-size:13px}
pre,code{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f5f6fa;border:1px solid var(--line);border-radius:6px;padding:10px;overflow-x:auto;white-space:pre}
code.fallback{display:block;background:#f5f6fa;padding:6px;border-radius:4px;white-space:pre-wrap}
.notes{color:var(--muted);font-size:13px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:10px 0 30px}
"""


class _Html:
    def __init__(self):
        self.parts: list[str] = []

    def __call__(self, *text: str) -> None:
        self.parts.extend(text)

    def text(self) -> str:
        return "".join(self.parts)


def _cell(column_id, key, value, kind, extra_class="", colspan=1):
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    classes = " ".join(c for c in ("num" if numeric else "text", extra_class) if c)
    attributes = [f'class="{classes}"']
    if colspan > 1:
        attributes.append(f'colspan="{colspan}"')
    attributes += [f'data-col="{html.escape(column_id)}"', f'data-key="{html.escape(key)}"',
                   f'data-value="{html.escape(_data_value(value))}"']
    if numeric:
        attributes.append(f'title="{html.escape(_data_value(value))}"')
    return f"<td {' '.join(attributes)}>{_html_number(format_value(value, kind))}</td>"


def _table_head(out: _Html, columns: list[Column], first: str) -> None:
    spans = _spans(columns)
    out('<thead><tr class="src"><th></th>')
    for source, count in spans:
        span = f' colspan="{count}"' if count > 1 else ""
        out(f'<th{span} class="start{" sep" if count > 1 else ""}" title="{html.escape(str(source.path))}">'
            f'({source.index}) {html.escape(source.label)}</th>')
    out(f"</tr><tr><th>{html.escape(first)}</th>")
    for column in columns:
        out(f'<th data-col="{column.id}"{" class=start" if column.starts else ""}>{html.escape(column.source.results["config"]["preset"])} · '
            f'η = {html.escape(format_value(column.run["lr"]))}</th>')
    out("</tr></thead>")


def _html_summary(out: _Html, columns: list[Column], theory_: Theory) -> None:
    out('<section id="summary"><h2>Summary</h2><p class="lead">One column per learning rate of every run. '
        "Per mode the measured variance of the replicas at the final step is compared with the prediction; "
        "|log ratio| = |log(measured / predicted)|, read against the noise floor of the replica count. "
        "Key rows in bold; hover a number for its exact value.</p><div class='scroll'><table id='summary-table'>")
    _table_head(out, columns, "metric")
    out("<tbody>")
    for row in _visible_rows(columns, theory_):
        if isinstance(row, str):
            out(f'<tr class="group"><td colspan="{len(columns) + 1}">{html.escape(row)}</td></tr>')
            continue
        key, label, hint, getter, kind, emphasised = row
        out(f'<tr class="{"key" if emphasised else ""}"><td>{html.escape(label)}'
            + (f'<span class="hint">{html.escape(hint)}</span>' if hint else "") + "</td>")
        if key == "wall_seconds":  # one value per run directory
            for source, count in _spans(columns):
                first = next(c for c in columns if c.source is source)
                out(_cell(first.id, key, getter(first), kind, "start", colspan=count))
        else:
            for column in columns:
                out(_cell(column.id, key, getter(column), kind, "start" if column.starts else ""))
        out("</tr>")
    out("</tbody></table></div></section>")


def _html_scaling(out: _Html, sources: list[Source], theory_: Theory, figure_paths: dict) -> None:
    having = [s for s in sources if s.results.get("scaling")]
    if not having:
        return
    expected = theory_.diffusion_exponent
    out('<section id="scaling"><h2>Diffusion against the learning rate</h2><p class="lead">Flat modes do not '
        f"settle: their variance grows as 2𝒟t with t = ηk. Theory: 𝒟 = {html.escape(theory_.diffusion_text)}, "
        "so 𝒟 ∝ η" + (f"<sup>{expected}</sup>" if expected not in (None, 1) else "")
        + ". The fit is over the measured coefficients of the sweep.</p>")
    for source in having:
        scaling = source.results["scaling"]
        exponent, interval = scaling.get("exponent"), scaling.get("interval")
        out(f'<h3>({source.index}) {html.escape(source.label)} — {html.escape(source.results["config"]["preset"])}'
            '</h3><div class="scaling"><div>')
        out(f'<div class="big" data-key="scaling.exponent" data-col="{source.slug}" '
            f'data-value="{html.escape(_data_value(exponent))}">𝒟 ∝ η<sup>{_html_number(format_value(exponent))}</sup>'
            "</div>")
        if interval:
            out(f'<div class="notes">95 % interval [{_html_number(format_value(interval[0]))}, '
                f"{_html_number(format_value(interval[1]))}]; theory: {expected if expected is not None else '—'}</div>")
        else:
            out(f'<div class="notes">theory: {expected if expected is not None else "—"} '
                "(too few points for an interval)</div>")
        out('<table style="margin-top:12px"><thead><tr><th>η</th><th>measured 𝒟</th><th>predicted 𝒟</th>'
            "<th>measured ÷ predicted</th></tr></thead><tbody>")
        for run in source.results["runs"]:
            measured = run["summary"].get("diffusion_coefficient_measured")
            predicted = run["summary"].get("diffusion_coefficient_predicted")
            ratio = measured / predicted if not _is_missing(measured) and not _is_missing(predicted) and predicted else None
            out(f"<tr><td>{_html_number(format_value(run['lr']))}</td><td>{_html_number(format_value(measured))}</td>"
                f"<td>{_html_number(format_value(predicted))}</td><td>{_html_number(format_value(ratio, 'x'))}</td></tr>")
        out("</tbody></table></div>")
        figure = figure_paths.get((source.slug, "diffusion_vs_lr"))
        if figure:
            out(f'<figure style="max-width:520px"><img src="{html.escape(figure)}" alt="diffusion against η">'
                f"<figcaption>{html.escape(FIGURES['diffusion_vs_lr'])}</figcaption></figure>")
        out("</div>")
    out("</section>")


REGIME_METRICS = (("count", "modes", "g"), ("median_abs_log_ratio", "median |log ratio|, SGD theory", "g"),
                  ("langevin_median_abs_log_ratio", "median |log ratio|, Langevin", "g"),
                  ("fraction_outside", "outside the 95 % interval", "pct"))


def _regime_rows(columns: list[Column]) -> list:
    """Groups (regime names) and rows (key, label, kind, getter); a regime no column has gets its count only."""
    rows = []
    for name in REGIMES + ("all",):
        rows.append(name)
        empty = all(c.breakdown[name]["count"] == 0 for c in columns)
        for key, label, kind in REGIME_METRICS[:1] if empty else REGIME_METRICS:
            rows.append((f"regime.{name}.{key}", label, kind, lambda c, name=name, key=key: c.breakdown[name][key]))
    return rows


def _bin_label(bounds) -> str:
    low, high = bounds
    if low is None:
        return f"ηλ < {format_value(high)}"
    if high is None:
        return f"ηλ ≥ {format_value(low)}"
    return f"{format_value(low)} ≤ ηλ < {format_value(high)}"


def _stiffness_rows(columns: list[Column]) -> list:
    """The discrete-against-Langevin breakdown by ηλ, where the result files hold one (else [])."""
    bins = {}
    for column in columns:
        for entry in column.run["summary"].get("by_lr_curvature") or []:
            bounds = tuple(entry.get("lr_curvature") or (None, None))
            bins.setdefault(bounds, {})[column.id] = entry
    having = {c.id for c in columns if "by_lr_curvature" in c.run["summary"]}

    def value(column, bounds, key):
        if column.id not in having:
            return None  # a result file without this breakdown
        return (bins[bounds].get(column.id) or {}).get(key, 0 if key == "modes" else None)

    rows = []
    for bounds in sorted(bins, key=lambda b: -math.inf if b[0] is None else b[0]):
        rows.append(_bin_label(bounds))
        for key, label in (("modes", "modes"), ("median_abs_log_ratio", "median |log ratio|, SGD theory"),
                           ("langevin_median_abs_log_ratio", "median |log ratio|, Langevin")):
            rows.append((f"stiffness.{_bin_label(bounds)}.{key}", label, "g",
                         lambda c, bounds=bounds, key=key: value(c, bounds, key)))
    return rows


def _html_rows_table(out: _Html, columns: list[Column], rows: list, table_id: str, first: str, dots: bool) -> None:
    out(f"<div class='scroll'><table id='{table_id}'>")
    _table_head(out, columns, first)
    out("<tbody>")
    if dots:
        out('<tr><td>composition</td>')
        for column in columns:
            total = max(column.breakdown["all"]["count"], 1)
            bar = "".join(f'<span style="width:{100 * column.breakdown[n]["count"] / total:.3f}%;background:'
                          f'{REGIME_COLOURS[n]}" title="{n}: {column.breakdown[n]["count"]}"></span>'
                          for n in REGIMES if column.breakdown[n]["count"])
            out(f'<td><div class="bar">{bar}</div></td>')
        out("</tr>")
    for row in rows:
        if isinstance(row, str):
            dot = (f'<span class="dot" style="background:{REGIME_COLOURS[row]}"></span>'
                   if dots and row in REGIME_COLOURS else "")
            name = "all modes" if row == "all" else row
            out(f'<tr class="group"><td colspan="{len(columns) + 1}">{dot}{html.escape(name)}</td></tr>')
            continue
        key, label, kind, getter = row
        out(f'<tr class="{"key" if key.endswith((".count", ".modes")) else ""}"><td>{html.escape(label)}</td>')
        for column in columns:
            out(_cell(column.id, key, getter(column), kind, "start" if column.starts else ""))
        out("</tr>")
    out("</tbody></table></div>")


def _html_regimes(out: _Html, columns: list[Column]) -> None:
    out('<section id="regimes"><h2>Per-regime breakdown</h2><p class="lead">Modes classified by the mode theory '
        "at each η over the horizon of the run (see Theory → Regimes); medians of |log ratio| at the final step, "
        "from the per-mode tables.</p>")
    _html_rows_table(out, columns, _regime_rows(columns), "regime-table", "regime", dots=True)
    out('<p class="legend">' + "".join(f'<span><span class="dot" style="background:{REGIME_COLOURS[n]}"></span>{n}'
                                       "</span>" for n in REGIMES) + "</p>")
    stiffness = _stiffness_rows(columns)
    if stiffness:
        out("<h3>Discrete SGD theory against Langevin, by stiffness ηλ</h3><p class='notes'>The two models part "
            "where ηλ is not small; beyond ηλ = 2 a mode is unstable for SGD.</p>")
        _html_rows_table(out, columns, stiffness, "stiffness-table", "ηλ", dots=False)
    out("</section>")


def _aspect(path: Path) -> float:
    """Width / height of a PNG from its header (1.3 if it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(24)
        if head[:8] == b"\x89PNG\r\n\x1a\n":
            width, height = struct.unpack(">II", head[16:24])
            return width / height if height else 1.3
    except OSError:
        pass
    return 1.3


def _figure_entries(sources: list[Source], figure_paths: dict) -> list:
    """[(kind, wide, [(source, relative path)])] in display order; a sweep's diffusion figure is left out
    (it is shown with the scaling)."""
    kinds = []
    for source in sources:
        kinds += [p.stem for p in source.figures if p.stem not in kinds]
    kinds.sort(key=lambda n: (list(FIGURES).index(n) if n in FIGURES else len(FIGURES), n))
    entries = []
    for kind in kinds:
        chosen = [(s, figure_paths[(s.slug, kind)]) for s in sources if (s.slug, kind) in figure_paths
                  and not (kind == "diffusion_vs_lr" and s.results.get("scaling"))]
        if chosen:
            wide = max(_aspect(s.path / f"{kind}.png") for s, _ in chosen) > 1.8
            entries.append((kind, wide, chosen))
    return entries


def _html_figures(out: _Html, sources: list[Source], figure_paths: dict) -> None:
    out('<section id="figures"><h2>Figures</h2><p class="lead">As each run drew them (for a sweep, at its '
        "first learning rate), side by side across runs.</p>")
    entries = _figure_entries(sources, figure_paths)
    if not entries:
        out('<p class="notes">No further figures in these runs.</p>')
    for kind, wide, chosen in entries:
        minimum = 600 if wide else 400
        maximum = "1fr" if wide or len(chosen) > 1 else "600px"
        out(f"<h3>{html.escape(kind.replace('_', ' '))}</h3>"
            + (f'<p class="notes">{html.escape(FIGURES[kind])}</p>' if kind in FIGURES else "")
            + f'<div class="figrow" style="grid-template-columns:repeat(auto-fit,minmax({minimum}px,{maximum}))">')
        for source, relative in chosen:
            first = source.results["runs"][0]["lr"]
            out(f'<figure><img src="{html.escape(relative)}" alt="{html.escape(kind)} of run {source.index}" '
                f'loading="lazy"><figcaption>({source.index}) {html.escape(source.label)} — '
                f'{html.escape(source.results["config"]["preset"])}, η = {html.escape(format_value(first))}'
                "</figcaption></figure>")
        out("</div>")
    out("</section>")


def _html_config(out: _Html, sources: list[Source]) -> None:
    out('<section id="config"><h2>Configuration and environment</h2><p class="lead">One column per run '
        "directory; rows whose values differ between runs are highlighted.</p><div class='scroll'>"
        "<table id='config-table'><thead><tr><th></th>")
    for source in sources:
        out(f'<th>({source.index}) {html.escape(source.label)}</th>')
    out("</tr></thead><tbody>")
    for row in _config_rows(sources):
        if isinstance(row, str):
            out(f'<tr class="group"><td colspan="{len(sources) + 1}">{html.escape(row)}</td></tr>')
            continue
        label, values, kind = row
        differ = len(sources) > 1 and len({json.dumps(v, sort_keys=True, default=str) for v in values}) > 1
        out(f"<tr><td>{html.escape(label)}</td>")
        for source, value in zip(sources, values):
            classes = ("path " if kind == "path" else "") + ("diff" if differ else "")
            out(_cell(source.slug, f"config.{label}", value, "s" if kind == "s" else "g", classes.strip()))
        out("</tr>")
    out("</tbody></table></div>")
    data = [s for s in sources if (s.path / "modes.csv").is_file()]
    if data:
        out('<p class="notes">Per-mode tables: ' + ", ".join(
            f'<a href="data/{s.slug}/modes.csv">({s.index}) modes.csv</a>' for s in data) + "</p>")
    out("</section>")


def _html_theory(out: _Html, theory_: Theory, images: dict) -> None:
    out('<section id="theory"><h2>Theory</h2><p class="lead">The formulas the predictions came from, derived '
        f"while this report was written by <code>sgdfp.derive.Mode</code> with symbolic parameters "
        f"({theory_.seconds:.1f} s). λ: curvature (Hessian eigenvalue); D: gradient-noise variance per step; "
        "Γ: curvature-noise variance; ḡ: mean gradient; ρ: their covariance; η: learning rate; k: step. "
        "Rendered with matplotlib's mathtext: hover a formula for its LaTeX, or open the LaTeX source of a group "
        "(the PDF typesets the same LaTeX).</p>")
    for g, group in enumerate(theory_.groups):
        out(f"<h3>{html.escape(group.title)}</h3>")
        if group.intro:
            out(f'<p class="notes">{html.escape(group.intro)}</p>')
        out('<div class="eqs">')
        for e, equation in enumerate(group.equations):
            source = html.escape(equation.latex)
            image = images.get((g, e))
            math_html = (f'<img src="{html.escape(image)}" alt="{source}" title="{source}">' if image
                         else f'<code class="fallback">{source}</code>')
            out(f'<div class="note">{html.escape(equation.note)}</div><div class="math">{math_html}</div>')
        out("</div>")
        out(f"<details><summary>LaTeX source</summary><pre>{html.escape(group.align())}</pre></details>")
    out("</section>")


def _html(sources, columns, theory_, figure_paths, images, generated: str) -> str:
    out = _Html()
    presets = sorted({s.results["config"]["preset"] for s in sources})
    title = "SGD at finite learning rate — validation report"
    out("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}: {html.escape(', '.join(presets))}</title><style>{CSS}</style></head><body>")
    out(f"<header><h1>{html.escape(title)}</h1><div class='sub'>{len(sources)} run"
        f"{'s' if len(sources) > 1 else ''}, {len(columns)} learning rate{'s' if len(columns) > 1 else ''} · "
        f"generated {html.escape(generated)} by <code>sgdfp report</code></div><div class='chips'>")
    for source in sources:
        lrs = ", ".join(format_value(r["lr"]) for r in source.results["runs"])
        out(f"<span class='chip' title='{html.escape(str(source.path))}'><b>({source.index}) "
            f"{html.escape(source.label)}</b> · {html.escape(source.results['config']['preset'])} · η = "
            f"{html.escape(lrs)} · {html.escape(str(source.results['device']))}</span>")
    out("</div></header><nav><a href='#summary'>Summary</a>")
    if any(s.results.get("scaling") for s in sources):
        out("<a href='#scaling'>Diffusion vs η</a>")
    out("<a href='#regimes'>Regimes</a><a href='#figures'>Figures</a><a href='#config'>Configuration</a>"
        "<a href='#theory'>Theory</a><a href='report.pdf' id='pdf-link'>PDF</a></nav><main>")
    _html_summary(out, columns, theory_)
    _html_scaling(out, sources, theory_, figure_paths)
    _html_regimes(out, columns)
    _html_figures(out, sources, figure_paths)
    _html_config(out, sources)
    _html_theory(out, theory_, images)
    out("</main><footer>" + " · ".join(f"({s.index}) {html.escape(str(s.path))}" for s in sources)
        + "</footer></body></html>\n")
    return out.text()


# ---------------------------------------------------------------------------------------------- LaTeX


def _tex_value(value, kind) -> str:
    if kind == "path":
        return r"\texttt{\footnotesize " + _tex_escape(format_value(value), breakable=True) + "}"
    return _tex_number(format_value(value, kind))


def _tex_summary(columns: list[Column], theory_: Theory) -> list[str]:
    lines = []
    for chunk in _chunks(columns, TEX_COLUMNS):
        lines += [r"\begin{center}\footnotesize", r"\begin{tabular}{l" + "r" * len(chunk) + "}", r"\toprule"]
        lines.append(" & ".join([""] + [rf"({c.source.index}) {_tex_escape(c.source.label, True)}" for c in chunk])
                     + r" \\")
        lines.append(" & ".join(["metric"] + [rf"$\eta={_tex_escape(format_value(c.run['lr']))}$" for c in chunk])
                     + r" \\ \midrule")
        for row in _visible_rows(columns, theory_):
            if isinstance(row, str):
                lines.append(rf"\multicolumn{{{len(chunk) + 1}}}{{l}}{{\textit{{{_tex_escape(row)}}}}} \\")
                continue
            key, label, _hint, getter, kind, emphasised = row
            if key == "wall_seconds":  # one value per run directory
                cells = [rf"\multicolumn{{{count}}}{{c}}{{{_tex_value(getter(first), kind)}}}"
                         for first, count in _chunk_spans(chunk)]
            else:
                cells = [_tex_value(getter(c), kind) for c in chunk]
            label = _tex_escape(label)
            if emphasised:
                label = rf"\textbf{{{label}}}"
            lines.append(" & ".join([r"\quad " + label] + cells) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}", r"\end{center}"]
    return lines


def _chunks(items: list, most: int) -> list[list]:
    """``items`` in consecutive groups of at most ``most``, as even as possible (6 by 4: 3 + 3)."""
    count = max(1, math.ceil(len(items) / most))
    size = math.ceil(len(items) / count)
    return [items[i:i + size] for i in range(0, len(items), size)]


def _chunk_spans(chunk: list[Column]):
    """(first column, count) of each run directory within a chunk of columns."""
    spans = []
    for column in chunk:
        if spans and spans[-1][0].source is column.source:
            spans[-1][1] += 1
        else:
            spans.append([column, 1])
    return spans


def _tex_rows_table(columns: list[Column], rows: list, first: str) -> list[str]:
    lines = []
    for chunk in _chunks(columns, TEX_COLUMNS):
        lines += [r"\begin{center}\footnotesize", r"\begin{tabular}{l" + "r" * len(chunk) + "}", r"\toprule"]
        lines.append(" & ".join([_tex_escape(first)] + [rf"({c.source.index}) $\eta={_tex_escape(format_value(c.run['lr']))}$"
                                                        for c in chunk]) + r" \\ \midrule")
        for row in rows:
            if isinstance(row, str):
                name = "all modes" if row == "all" else row
                lines.append(rf"\multicolumn{{{len(chunk) + 1}}}{{l}}{{\textit{{{_tex_escape(name)}}}}} \\")
                continue
            _, label, kind, getter = row
            lines.append(" & ".join([r"\quad " + _tex_escape(label)] + [_tex_value(getter(c), kind) for c in chunk])
                         + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}", r"\end{center}"]
    return lines


def _tex_config(sources: list[Source]) -> list[str]:
    lines = []
    per = 4
    for start in range(0, len(sources), per):
        chunk = sources[start:start + per]
        width = f"{0.64 / len(chunk):.3f}"
        spec = "l" + "".join(rf">{{\raggedright\arraybackslash}}p{{{width}\linewidth}}" for _ in chunk)
        lines += [r"\begin{center}\small", rf"\begin{{tabular}}{{{spec}}}", r"\toprule"]
        lines.append(" & ".join([""] + [rf"({s.index}) {_tex_escape(s.label, True)}" for s in chunk]) + r" \\ \midrule")
        for row in _config_rows(sources):
            if isinstance(row, str):
                lines.append(rf"\multicolumn{{{len(chunk) + 1}}}{{l}}{{\textit{{{_tex_escape(row)}}}}} \\")
                continue
            label, values, kind = row
            values = values[start:start + per]
            cells = [_tex_escape(v, breakable=True) if kind == "g" and isinstance(v, str) else _tex_value(v, kind)
                     for v in values]
            lines.append(" & ".join([r"\quad " + _tex_escape(label)] + cells) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}", r"\end{center}"]
    return lines


def _tex(sources, columns, theory_, figure_paths, generated: str) -> str:
    presets = ", ".join(sorted({s.results["config"]["preset"] for s in sources}))
    lines = [
        r"\documentclass[10pt,a4paper]{article}",
        r"\usepackage[margin=1.7cm]{geometry}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage{graphicx}",
        r"\usepackage{booktabs}",
        r"\usepackage{array}",
        r"\usepackage[hidelinks]{hyperref}",
        r"\setlength{\parindent}{0pt}\setlength{\parskip}{4pt}",
        r"\allowdisplaybreaks",
        r"\title{SGD at finite learning rate: validation report\\\large " + _tex_escape(presets) + "}",
        r"\author{\texttt{sgdfp report}}",
        r"\date{" + _tex_escape(generated) + "}",
        r"\begin{document}",
        r"\maketitle",
        r"\begin{itemize}",
    ]
    for source in sources:
        lrs = ", ".join(format_value(r["lr"]) for r in source.results["runs"])
        lines.append(rf"\item ({source.index}) \textbf{{{_tex_escape(source.label, True)}}}: "
                     rf"{_tex_escape(source.results['config']['preset'])}, $\eta = {_tex_escape(lrs)}$, "
                     rf"{_tex_escape(source.results['device'])}; \texttt{{\small {_tex_escape(str(source.path), True)}}}")
    lines += [r"\end{itemize}", r"\section{Summary}",
              "One column per learning rate of every run. Per mode the measured variance of the replicas at the "
              r"final step is compared with the prediction; $|\log\text{ratio}| = |\log(\text{measured}/"
              r"\text{predicted})|$, read against the noise floor of the replica count."]
    lines += _tex_summary(columns, theory_)
    having = [s for s in sources if s.results.get("scaling")]
    if having:
        lines.append(r"\section{Diffusion against the learning rate}")
        lines.append(r"Flat modes diffuse: variance $2\mathcal{D}t$, $t = \eta k$; theory $\mathcal{D} \propto "
                     rf"\eta^{{{theory_.diffusion_exponent if theory_.diffusion_exponent is not None else '?'}}}$.")
        for source in having:
            scaling = source.results["scaling"]
            interval = scaling.get("interval")
            lines.append(rf"\subsection*{{({source.index}) {_tex_escape(source.label, True)}}}")
            lines.append(rf"Fitted exponent {_tex_number(format_value(scaling.get('exponent')))}"
                         + (rf", 95\,\% interval [{_tex_number(format_value(interval[0]))}, "
                            rf"{_tex_number(format_value(interval[1]))}]." if interval else "."))
            lines += [r"\begin{center}\small\begin{tabular}{rrrr}\toprule",
                      r"$\eta$ & measured $\mathcal{D}$ & predicted $\mathcal{D}$ & ratio \\ \midrule"]
            for run in source.results["runs"]:
                measured = run["summary"].get("diffusion_coefficient_measured")
                predicted = run["summary"].get("diffusion_coefficient_predicted")
                ratio = measured / predicted if not _is_missing(measured) and not _is_missing(predicted) and predicted else None
                lines.append(" & ".join([_tex_number(format_value(run["lr"])), _tex_number(format_value(measured)),
                                         _tex_number(format_value(predicted)), _tex_number(format_value(ratio, "x"))])
                             + r" \\")
            lines += [r"\bottomrule\end{tabular}\end{center}"]
            figure = figure_paths.get((source.slug, "diffusion_vs_lr"))
            if figure:
                lines.append(rf"\begin{{center}}\includegraphics[width=0.5\linewidth]{{{figure}}}\end{{center}}")
    lines += [r"\section{Per-regime breakdown}",
              "Modes classified by the mode theory at each learning rate over the horizon of the run; medians at "
              "the final step from the per-mode tables."]
    lines += _tex_rows_table(columns, _regime_rows(columns), "regime")
    stiffness = _stiffness_rows(columns)
    if stiffness:
        lines.append(r"\subsection*{Discrete SGD theory against Langevin, by stiffness $\eta\lambda$}")
        lines += _tex_rows_table(columns, stiffness, "ηλ")
    lines.append(r"\section{Figures}")
    entries = _figure_entries(sources, figure_paths)
    if not entries:
        lines.append("No further figures in these runs.")
    for kind, wide, chosen in entries:
        per_row = 1 if wide else min(len(chosen), 2)
        width = 0.98 / per_row - (0.02 if per_row > 1 else 0)
        lines.append(rf"\subsection*{{{_tex_escape(kind.replace('_', ' '))}}}")
        if kind in FIGURES:
            lines.append(r"{\small " + _tex_escape(FIGURES[kind]) + "}")
        lines.append(r"\begin{center}")
        for n, (source, relative) in enumerate(chosen):
            lines.append(rf"\begin{{minipage}}[t]{{{width:.3f}\linewidth}}\centering"
                         rf"\includegraphics[width={'0.9' if wide else ''}\linewidth]{{{relative}}}\\[-2pt]"
                         rf"{{\footnotesize ({source.index}) {_tex_escape(source.label, True)}, "
                         rf"$\eta = {_tex_escape(format_value(source.results['runs'][0]['lr']))}$}}\end{{minipage}}")
            lines.append(r"\par\medskip" if (n + 1) % per_row == 0 else r"\hfill")
        lines.append(r"\end{center}")
    lines.append(r"\section{Configuration and environment}")
    lines += _tex_config(sources)
    lines += [r"\section{Theory}",
              r"The formulas the predictions came from, derived by \texttt{sgdfp.derive.Mode} with symbolic "
              r"parameters while this report was written. $\lambda$: curvature (Hessian eigenvalue); $D$: "
              r"gradient-noise variance per step; $\Gamma$: curvature-noise variance; $\bar g$: mean gradient; "
              r"$\rho$: their covariance; $\eta$: learning rate; $k$: step."]
    for group in theory_.groups:
        lines.append(rf"\subsection*{{{_tex_escape(group.title)}}}")
        if group.intro:
            lines.append(_tex_escape(group.intro))
        if len(group.equations) == 1 and not group.equations[0].relation:  # a raw block
            lines.append(group.equations[0].lhs)
        else:
            lines.append(group.align())
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- writing


def _resolve_out(sources: list[Source], out, force: bool) -> Path:
    if out is None:
        if len(sources) > 1:
            raise ValueError(f"{len(sources)} runs need an output directory for their report: pass --out DIR")
        out = sources[0].path / "report"
    out = Path(out)
    target = out.resolve()
    for source in sources:
        if target == source.path or source.path.is_relative_to(target):
            raise ValueError(f"report directory '{out}' would replace run directory '{source.path}'; "
                             "choose another --out")
    if out.exists() or out.is_symlink():
        if not force:
            raise ValueError(f"report directory '{out}' exists; pass --force to replace it")
        if not out.is_dir() or out.is_symlink():
            raise ValueError(f"'{out}' exists and is not a directory; remove it or choose another --out")
    return out


def write_report(run_dirs, out=None, pdf: bool = True, force: bool = False) -> WrittenReport:
    """Write the report of one or more ``sgdfp validate`` directories (see the module docstring).

    Args:
        run_dirs: output directories of ``sgdfp validate`` (one path or several).
        out: the report directory; default ``DIR/report`` for a single run, required for several.
        pdf: also compile ``report.pdf`` when a TeX engine is installed.
        force: replace an existing ``out``.

    Raises:
        ValueError: bad input or output (one line); :class:`sgdfp.tex.TexError` when TeX fails. Nothing
            is written in either case.
    """
    from sgdfp.files import atomic_directory
    from sgdfp.tex import compile_pdf, find_engine

    start = time.perf_counter()
    sources = _load_sources(run_dirs)
    out = _resolve_out(sources, out, force)
    columns = _columns(sources)
    theory_ = theory()
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    with atomic_directory(out, force, what="report directory") as staging:
        figure_paths = {}
        for source in sources:
            for figure in source.figures:
                name = re.sub(r"[^A-Za-z0-9_-]+", "-", figure.stem) + ".png"
                relative = f"figures/{source.slug}/{name}"
                (staging / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(figure, staging / relative)
                figure_paths[(source.slug, figure.stem)] = relative
            if (source.path / "modes.csv").is_file():
                (staging / "data" / source.slug).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source.path / "modes.csv", staging / "data" / source.slug / "modes.csv")
        (staging / "theory").mkdir()
        images = {}
        for g, group in enumerate(theory_.groups):
            for e, equation in enumerate(group.equations):
                relative = f"theory/eq-{g + 1:02d}-{e + 1:02d}.svg"
                if equation.relation and _render_equation(equation.latex, staging / relative):
                    images[(g, e)] = relative
        tex_path = staging / "report.tex"
        tex_path.write_text(_tex(sources, columns, theory_, figure_paths, generated), encoding="utf-8")
        pdf_path, note = None, None
        if pdf:
            if find_engine() is None:
                note = "no TeX engine (pdflatex, lualatex or xelatex) is installed; the HTML report was written alone"
            else:
                pdf_path = compile_pdf(tex_path)
        page = _html(sources, columns, theory_, figure_paths, images, generated)
        if pdf_path is None:
            page = page.replace("<a href='report.pdf' id='pdf-link'>PDF</a>", "")
        (staging / "report.html").write_text(page, encoding="utf-8")
    return WrittenReport(html=out / "report.html", pdf=out / "report.pdf" if pdf_path is not None else None,
                         pdf_note=note, tex=out / "report.tex", seconds=time.perf_counter() - start)
