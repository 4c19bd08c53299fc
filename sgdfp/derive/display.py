r"""The forms a theorist writes: equal rewritings of derived expressions and conditions, for display.

Derived closed forms come out of the engine in whatever arrangement the algebra left them; printed
as they are, a Langevin variance reads :math:`D\eta(e^{\eta k\lambda} - 1)(e^{\eta k\lambda} + 1)e^{-2\eta k\lambda}/(2\lambda)`
and a stability condition :math:`(\eta\lambda - 1)^2 \ge 1 \wedge -2\lambda < 0`. :func:`display_form`
tries a few rewritings (factoring, expanding and collecting, merging exponentials, signs moved so
that numerator and denominator lead with a positive term) and keeps the shortest; :func:`display_condition`
reduces each relation by the signs the other conjuncts and the symbols' assumptions fix. Both only
rewrite: the tests hold every displayed form equal to the derived one.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from sgdfp.derive.inputs import as_basic, as_expr, as_symbol

__all__ = ["display_form", "display_condition"]

LARGE = 40  # operations beyond which an expression is only tidied, not refactored


def _as_sympy(value, name: str) -> sp.Basic:
    """A SymPy object, number or bool (as ``true``/``false``) as a SymPy object; text is refused, never parsed."""
    return sp.true if value is True else sp.false if value is False else as_basic(value, name)


def _negative_terms(expr: sp.Expr) -> int:
    return sum(1 for t in sp.Add.make_args(sp.expand(expr)) if t.could_extract_minus_sign())


def _tidy_exponentials(expr: sp.Expr) -> sp.Expr:
    merged = sp.powsimp(expr, combine="exp")
    return merged.replace(lambda e: isinstance(e, sp.exp), lambda e: sp.exp(sp.factor(e.args[0])))


def _negate(expr: sp.Expr) -> sp.Expr:
    """``-expr``, with the sign taken into one sum factor of a product (``-(a(b - c))`` -> ``a(c - b)``)."""
    if isinstance(expr, sp.Mul):
        for i, factor in enumerate(expr.args):
            if isinstance(factor, sp.Add):
                return sp.Mul(*expr.args[:i], _positive_first(-factor), *expr.args[i + 1:], evaluate=False)
    if isinstance(expr, sp.Add):
        return _positive_first(-expr)
    return -expr


def _positive_first(expr: sp.Expr) -> sp.Expr:
    """A sum with its negative terms collected after the positive ones (``2 lambda - eta (lambda^2 + Gamma)``)."""
    terms = sp.Add.make_args(sp.expand(expr))
    positive = sp.Add(*[t for t in terms if not t.could_extract_minus_sign()])
    negative = sp.Add(*[-t for t in terms if t.could_extract_minus_sign()])
    if positive == 0 or negative == 0:
        return sp.factor_terms(expr)
    return sp.Add(*sp.Add.make_args(sp.factor_terms(positive)), -sp.factor_terms(negative), evaluate=False)


def _leading_positive(expr: sp.Expr) -> sp.Expr:
    """``-n/d`` as ``n/(-d)`` (the sign taken into the denominator's sum), and ``(-n)/(-d)`` as ``n/d``."""
    numerator, denominator = sp.fraction(sp.factor_terms(expr))
    if denominator == 1:
        return expr
    if numerator.could_extract_minus_sign() or (isinstance(numerator, sp.Mul) and numerator.args[0] == -1):
        return -numerator / _negate(denominator)
    return expr


def _flipped(expr: sp.Expr) -> sp.Expr:
    """``n/d`` as ``(-n)/(-d)``, each sign taken into a sum."""
    numerator, denominator = sp.fraction(sp.factor_terms(expr))
    if denominator == 1:
        return expr
    return _negate(numerator) / _negate(denominator)


def _collected(expr: sp.Expr) -> list[sp.Expr]:
    """A sum collected in each of its symbols in turn, every coefficient factored (``(1 - eta lambda)^2 + eta^2 Gamma``)."""
    out = []
    if isinstance(expr, sp.Add):
        for symbol in sorted(expr.free_symbols, key=str):
            parts = sp.collect(sp.expand(expr), symbol, evaluate=False)
            if len(parts) > 1:
                out.append(sp.Add(*[sp.factor(c) * m for m, c in parts.items()]))
    return out


def _eta_leading_negative(expr: sp.Expr) -> int:
    """1 when the terms of lowest order in the learning rate are all negative (a theorist leads with them positive)."""
    from sgdfp.derive.symbols import eta

    terms = sp.Add.make_args(sp.expand(expr))
    if len(terms) < 2 or not expr.has(eta):
        return 0
    orders = [sp.degree(t, eta) if t.is_polynomial(eta) else 0 for t in terms]
    lowest = [t for t, o in zip(terms, orders) if o == min(orders)]
    return int(all(t.could_extract_minus_sign() for t in lowest))


def _score(expr: sp.Expr) -> tuple[int, int, int, int, int]:
    """Fewer operations first; then no overall minus sign, sums that lead (in powers of eta) with positive terms,
    fewer negative terms, shorter text."""
    numerator, denominator = sp.fraction(expr)
    leading_minus = int(numerator.could_extract_minus_sign())
    sums = [f for part in (numerator, denominator) for f in sp.Mul.make_args(part) if isinstance(f, sp.Add)]
    return (sp.count_ops(expr), leading_minus, sum(_eta_leading_negative(f) for f in sums),
            _negative_terms(numerator) + _negative_terms(denominator), len(str(expr)))


def _written_out(dd) -> sp.Expr:
    """A two-node divided difference with numeric nodes, written out without factoring (fast with floats)."""
    from sgdfp.derive.powers import PowerDivDiff

    first, *nodes = dd.args
    if len(nodes) == 1:
        return (1 + nodes[0]) ** first if isinstance(dd, PowerDivDiff) else sp.exp(first * nodes[0])
    a, b = nodes
    if isinstance(dd, PowerDivDiff):
        return ((1 + a) ** first - (1 + b) ** first) / (a - b)
    return (sp.exp(first * a) - sp.exp(first * b)) / (a - b)


def _explicit_where_short(expr: sp.Expr) -> sp.Expr:
    """Divided differences of two nodes written out; longer ones kept (their explicit form fills a page)."""
    from sgdfp.derive.powers import ExpDivDiff, PowerDivDiff

    return expr.replace(lambda e: isinstance(e, (PowerDivDiff, ExpDivDiff)) and len(e.args) <= 3,
                        lambda e: e.doit() if not e.has(sp.Float) else _written_out(e))


def display_form(expr: sp.Basic, placeholders: dict | None = None) -> sp.Basic:
    """The shortest of a few equal rewritings of ``expr``.

    Divided differences of two nodes are written out ((q^k - 1)/(q - 1)); those of three or more nodes,
    which carry the mean-gradient and cross terms, stay in divided-difference notation.

    Args:
        expr: the derived expression.
        placeholders: ``{symbol: subexpression}``: where the written-out form holds ``subexpression``
            literally, it shows ``symbol`` instead (the contraction ``q`` for ``1 + eta(...)``).

    Raises:
        TypeError: text (nothing is parsed), or placeholders that are not ``{Symbol: expression}``.
    """
    expr = _as_sympy(expr, "expr")
    if placeholders is not None and not isinstance(placeholders, Mapping):
        raise TypeError(f"placeholders must map SymPy Symbols to expressions; got {type(placeholders).__name__}")
    placeholders = {as_symbol(s, "a placeholder"): as_expr(v, f"the value of placeholder {s}")
                    for s, v in (placeholders or {}).items()}
    if not isinstance(expr, sp.Expr) or expr.is_number:
        return expr
    base = _explicit_where_short(expr)
    for symbol, value in placeholders.items():
        base = base.replace(lambda e: e.is_Pow and sp.expand(e.base - value) == 0, lambda e: symbol**e.exp)
    if base.has(sp.Float):  # numbers in place of parameters: nothing to factor, only exponentials to merge
        candidates = [base, _tidy_exponentials(base)]
    elif sp.count_ops(base) > LARGE:  # a long general form: tidy its signs only, factoring it would take seconds
        candidates = [base, _leading_positive(base), _tidy_exponentials(base)]
    else:
        candidates = list(dict.fromkeys([base, sp.factor(base), sp.factor_terms(sp.expand(base)), *_collected(base)]))
        for rewrite in (_tidy_exponentials, _leading_positive, _flipped):
            candidates = list(dict.fromkeys(candidates + [rewrite(c) for c in candidates]))
    return min(candidates, key=_score)


def _signs(conditions) -> dict[sp.Symbol, int]:
    """Signs that simple conjuncts (``-lambda < 0``, ``2*lambda > 0``) fix: symbol -> +1 or -1."""
    known = {}
    for condition in conditions:
        if isinstance(condition, (sp.StrictLessThan, sp.StrictGreaterThan)):
            difference = condition.lhs - condition.rhs if isinstance(condition, sp.StrictGreaterThan) \
                else condition.rhs - condition.lhs  # difference > 0
            coefficient, rest = sp.factor(difference).as_coeff_Mul()
            if isinstance(rest, sp.Symbol) and coefficient != 0:
                known[rest] = 1 if coefficient > 0 else -1
    return known


def _sign(factor: sp.Expr, known: dict) -> int:
    """+1 or -1 when the sign of ``factor`` is fixed by assumptions or ``known``; 0 otherwise."""
    if factor.is_positive:
        return 1
    if factor.is_negative:
        return -1
    base, exponent = factor.as_base_exp()
    if base in known and exponent.is_Integer:
        return known[base] ** int(exponent)
    return 0


_FLIP = {sp.StrictLessThan: sp.StrictGreaterThan, sp.StrictGreaterThan: sp.StrictLessThan,
         sp.LessThan: sp.GreaterThan, sp.GreaterThan: sp.LessThan}


def _reduce_relation(relation: sp.Basic, known: dict) -> sp.Basic:
    """``a R b`` as ``(a - b)`` with the factors of known sign divided out, the constant term moved right."""
    if not isinstance(relation, sp.core.relational.Relational) or isinstance(relation, (sp.Eq, sp.Ne)):
        return relation
    difference = sp.factor(relation.lhs - relation.rhs)
    coefficient, factors = difference.as_coeff_mul()
    sign = 1 if coefficient > 0 else -1
    kept = []
    for factor in factors:
        s = _sign(factor, known)
        if s:
            sign *= s
        else:
            kept.append(factor)
    if not kept:
        return relation
    rest = sp.expand(sp.Mul(*kept))
    op = type(relation) if sign > 0 else _FLIP[type(relation)]  # dividing by a negative flips it
    terms = sp.Add.make_args(rest)
    lhs = sp.Add(*[t for t in terms if not t.could_extract_minus_sign()])  # rest = lhs - rhs
    rhs = sp.Add(*[-t for t in terms if t.could_extract_minus_sign()])
    if lhs == 0 or (lhs.is_number and not rhs.is_number):  # the variable side on the left
        lhs, rhs, op = rhs, lhs, _FLIP[op]
    return op(sp.factor_terms(lhs), sp.factor_terms(rhs), evaluate=False)


def display_condition(condition: sp.Basic) -> sp.Basic:
    r"""An equal, shorter statement of a conjunction of relations: simple sign conjuncts (:math:`-\lambda < 0`)
    become :math:`\lambda > 0` once, and the other relations are divided by the factors whose sign they fix.

    Raises:
        TypeError: text (nothing is parsed), or anything that is not a SymPy object or a bool.
    """
    condition = _as_sympy(condition, "condition")
    if isinstance(condition, sp.Or):
        return sp.Or(*[display_condition(c) for c in condition.args], evaluate=False)
    conjuncts = list(sp.And.make_args(condition))
    known = _signs(conjuncts)
    out, seen = [], set()
    for symbol, sign in known.items():
        simple = (symbol > 0) if sign > 0 else (symbol < 0)
        out.append(simple)
        seen.add(simple)
    for conjunct in conjuncts:
        if _signs([conjunct]):
            continue
        reduced = _reduce_relation(conjunct, known)
        if reduced not in seen:
            out.append(reduced)
            seen.add(reduced)
    return sp.And(*out, evaluate=False) if len(out) > 1 else out[0]
