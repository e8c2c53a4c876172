"""Restricted expressions of a study file: derived variables (``variables:``) and populations (``analyses:``).

An expression is parsed with :mod:`ast` and only these nodes are allowed: column names, numbers, strings,
``True``/``False``, ``+ - * / **``, unary ``-``/``+``, comparisons (``== != < <= > >=``, chained too),
``and``/``or``/``not``, and ``in [..]``/``not in [..]`` with a list of constants. A function call, an attribute,
a subscript or anything else is an error that names it. Nothing from a study file is ever passed to ``eval``.
Column names that are not Python identifiers are written in backticks: ```mean radius` > 15``.

Missing values propagate: a comparison with a missing operand is missing (not False), ``and``/``or`` follow
three-valued (Kleene) logic, as R's ``NA`` does. A condition's result is a boolean column (``object`` dtype
with ``NaN`` where it is missing).
"""

from __future__ import annotations

import ast
import difflib
import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import CohortStatsError

__all__ = ["ExpressionError", "Expression", "parse_expression", "evaluate", "describe_expression", "cut_variable",
           "interval_labels", "unknown_name_message", "ALLOWED"]

ALLOWED = ("column names, numbers, strings, True/False, + - * / **, comparisons (== != < <= > >=), "
           "and / or / not, in [..] and not in [..]")


class ExpressionError(CohortStatsError, ValueError):
    """An expression of the study file cannot be parsed, uses something that is not allowed, or names a column
    that does not exist; the message says where (the key path), what and how to fix it."""


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression: its ``text``, syntax ``tree``, the column ``names`` it reads (in order of
    first use) and ``logical`` (True when its value is a condition rather than a number)."""

    text: str
    tree: ast.Expression
    names: tuple
    logical: bool
    aliases: tuple = ()  # (placeholder, column name) for names written in backticks
    source: str = ""  # the text with backticked names replaced by their placeholders (what was parsed)


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_FORBIDDEN = {ast.Call: "a function call", ast.Attribute: "an attribute", ast.Subscript: "a subscript",
              ast.Lambda: "a lambda", ast.IfExp: "an if-expression", ast.Dict: "a dict", ast.Set: "a set",
              ast.ListComp: "a comprehension", ast.GeneratorExp: "a comprehension", ast.DictComp: "a comprehension",
              ast.SetComp: "a comprehension", ast.Starred: "a starred expression", ast.JoinedStr: "an f-string",
              ast.NamedExpr: "an assignment", ast.Slice: "a slice", ast.Await: "await"}
_BACKTICK = re.compile(r"`([^`]+)`")


def _forbidden(node, text: str, where: str) -> ExpressionError:
    what = _FORBIDDEN.get(type(node), f"'{type(node).__name__}'")
    segment = ast.get_source_segment(text, node) if hasattr(node, "lineno") else None
    if isinstance(node, ast.Call):
        fn = ast.get_source_segment(text, node.func) or "?"
        detail = f" ({fn}(...))"
    else:
        detail = f" ({segment})" if segment else ""
    return ExpressionError(f"{where}: {text!r} uses {what}{detail}, which is not allowed. Expressions may use only "
                           f"{ALLOWED}; compute anything else before reading the data in.")


def _check(node, text: str, where: str, parent=None) -> None:
    """Walk the tree and refuse every node that is not in the allowed set."""
    if isinstance(node, ast.Expression):
        return _check(node.body, text, where, node)
    if isinstance(node, ast.Name):
        return None
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (bool, int, float, str)) and not isinstance(node.value, bytes):
            return None
        raise ExpressionError(f"{where}: {text!r} uses the constant {node.value!r}; only numbers, strings and "
                              "True/False are allowed.")
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v, text, where, node)
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
        return _check(node.operand, text, where, node)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(node.left, text, where, node)
        return _check(node.right, text, where, node)
    if isinstance(node, ast.Compare):
        _check(node.left, text, where, node)
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, (ast.List, ast.Tuple)) or not all(
                        isinstance(e, ast.Constant) and isinstance(e.value, (bool, int, float, str)) for e in right.elts):
                    seg = ast.get_source_segment(text, right) or "?"
                    raise ExpressionError(f"{where}: {text!r}: 'in' needs a list of constants on its right, e.g. "
                                          f"x in [1, 2]; got {seg}.")
            elif type(op) in _COMPARE:
                _check(right, text, where, node)
            else:
                raise ExpressionError(f"{where}: {text!r} uses the comparison {type(op).__name__!r} ('is'?), which "
                                      f"is not allowed; use == or !=.")
        return None
    raise _forbidden(node, text, where)


def _is_logical(node) -> bool:
    return (isinstance(node, (ast.Compare, ast.BoolOp)) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not))
            or (isinstance(node, ast.Constant) and isinstance(node.value, bool)))


def parse_expression(text, *, where: str = "expression") -> Expression:
    """Parse and check an expression (syntax and allowed nodes); names are not checked here (see
    :func:`evaluate`, which knows the data's columns).

    Raises
    ------
    ExpressionError
        Not a string, empty, a syntax error, or a node that is not allowed (named in the message).
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"{where}: expected an expression such as \"mrs_3m > 2\"; got {text!r}.")
    aliases = {}

    def alias(m):
        key = f"__col{len(aliases)}__"
        aliases[key] = m.group(1)
        return key

    source = _BACKTICK.sub(alias, text.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise ExpressionError(f"{where}: {text!r} is not a valid expression ({err.msg}). Expressions may use only "
                              f"{ALLOWED}; write column names with spaces in backticks.") from None
    _check(tree, source, where)
    # in order of first use in the text (ast.walk is breadth-first)
    nodes = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Name)), key=lambda n: (n.lineno, n.col_offset))
    names = tuple(dict.fromkeys(aliases.get(n.id, n.id) for n in nodes))
    return Expression(text.strip(), tree, names, _is_logical(tree.body), tuple(aliases.items()), source)


def unknown_name_message(name: str, where: str, known, text: str | None = None) -> str:
    """The one message for a name that is not a column (used by ``validate`` and at run time)."""
    known = [str(k) for k in known]
    near = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]!r}?" if near else "."
    what = f" in {text!r}" if text else ""
    return f"{where}: {name!r}{what} is not a column of the data or a derived variable{hint}"


# ---------------------------------------------------------------- evaluation
def _missing(v) -> np.ndarray | bool:
    if isinstance(v, pd.Series):
        return v.isna().to_numpy()
    return v is None or (isinstance(v, float) and np.isnan(v))


def _as_logical(v, node, ctx) -> pd.Series:
    """A condition operand as a nullable boolean Series."""
    if isinstance(v, pd.Series) and isinstance(v.dtype, pd.BooleanDtype):
        return v
    if isinstance(v, bool):
        return pd.Series(pd.array([v] * ctx["n"], dtype="boolean"), index=ctx["index"])
    if isinstance(v, pd.Series) and (pd.api.types.is_bool_dtype(v) or _is_boolean_object(v)):
        out = pd.array(v.where(v.notna(), None).tolist(), dtype="boolean")
        return pd.Series(out, index=v.index)
    seg = ast.get_source_segment(ctx["source"], node) or "?"
    raise ExpressionError(f"{ctx['where']}: in {ctx['text']!r}, {seg!r} is not a condition; and/or/not combine "
                          f"conditions such as {seg} > 0 or {seg} == 1.")


def _is_boolean_object(v: pd.Series) -> bool:
    return v.dtype == object and all(isinstance(x, (bool, np.bool_)) for x in v.dropna())


def _numeric(v, node, ctx):
    if isinstance(v, pd.Series):
        if pd.api.types.is_bool_dtype(v) and not isinstance(v.dtype, pd.BooleanDtype):
            return v.astype(float)
        if not pd.api.types.is_numeric_dtype(v) or isinstance(v.dtype, pd.BooleanDtype):
            seg = ast.get_source_segment(ctx["source"], node) or "?"
            raise ExpressionError(f"{ctx['where']}: in {ctx['text']!r}, {seg!r} holds text, not numbers; "
                                  "arithmetic needs numeric columns.")
        return v.astype(float)
    if isinstance(v, str):
        raise ExpressionError(f"{ctx['where']}: in {ctx['text']!r}, the text {v!r} is used in arithmetic.")
    return v


def _eval(node, df: pd.DataFrame, ctx):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        col = ctx["aliases"].get(node.id, node.id)
        return df[col]
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, df, ctx)
        if isinstance(node.op, ast.Not):
            return ~_as_logical(v, node.operand, ctx)
        v = _numeric(v, node.operand, ctx)
        return -v if isinstance(node.op, ast.USub) else +v
    if isinstance(node, ast.BinOp):
        a = _numeric(_eval(node.left, df, ctx), node.left, ctx)
        b = _numeric(_eval(node.right, df, ctx), node.right, ctx)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = _BINARY[type(node.op)](a, b)
        if isinstance(out, pd.Series):
            return out.replace([np.inf, -np.inf], np.nan)
        return out
    if isinstance(node, ast.BoolOp):
        values = [_as_logical(_eval(v, df, ctx), v, ctx) for v in node.values]
        out = values[0]
        for v in values[1:]:
            out = (out & v) if isinstance(node.op, ast.And) else (out | v)
        return out
    if isinstance(node, ast.Compare):
        return _compare(node, df, ctx)
    raise _forbidden(node, ctx["source"], ctx["where"])  # pragma: no cover - refused by _check


def _compare(node, df, ctx) -> pd.Series:
    left = _eval(node.left, df, ctx)
    result = None
    for op, right_node in zip(node.ops, node.comparators):
        if isinstance(op, (ast.In, ast.NotIn)):
            values = [e.value for e in right_node.elts]
            series = left if isinstance(left, pd.Series) else pd.Series([left] * ctx["n"], index=ctx["index"])
            hit = series.isin(values).to_numpy()
            res = hit if isinstance(op, ast.In) else ~hit
            miss = series.isna().to_numpy()
            right = None
        else:
            right = _eval(right_node, df, ctx)
            try:
                res = _COMPARE[type(op)](left, right)
            except TypeError:
                seg = ast.get_source_segment(ctx["source"], node) or ctx["text"]
                raise ExpressionError(f"{ctx['where']}: in {ctx['text']!r}, {seg!r} compares text with a number; "
                                      "quote text values ('Male') and compare numbers with numbers.") from None
            res = np.asarray(res.to_numpy() if isinstance(res, pd.Series) else np.full(ctx["n"], bool(res)), dtype=bool)
            miss = np.asarray(_missing(left), dtype=bool) | np.asarray(_missing(right), dtype=bool)
            miss = np.broadcast_to(miss, (ctx["n"],))
        arr = pd.array(res.astype(bool), dtype="boolean")
        arr[miss] = pd.NA
        part = pd.Series(arr, index=ctx["index"])
        result = part if result is None else (result & part)
        left = right
    return result


def evaluate(expression, df: pd.DataFrame, *, where: str = "expression") -> pd.Series:
    """The value of ``expression`` for every row of ``df``.

    Returns
    -------
    pandas.Series
        Numbers (float) for arithmetic; for a condition, ``bool`` when no value is missing, else ``object``
        (True/False/NaN).

    Raises
    ------
    ExpressionError
        Parse problems (see :func:`parse_expression`), a name that is not a column of ``df`` (with a
        did-you-mean), text in arithmetic, text compared with numbers.
    """
    expr = expression if isinstance(expression, Expression) else parse_expression(expression, where=where)
    for name in expr.names:
        if name not in df.columns:
            raise ExpressionError(unknown_name_message(name, where, df.columns, expr.text))
    ctx = {"n": len(df), "index": df.index, "where": where, "text": expr.text, "source": expr.source,
           "aliases": dict(expr.aliases)}
    value = _eval(expr.tree.body, df, ctx)
    if not isinstance(value, pd.Series):
        value = pd.Series([value] * len(df), index=df.index)
    if isinstance(value.dtype, pd.BooleanDtype):
        if value.isna().any():
            return pd.Series([np.nan if pd.isna(v) else bool(v) for v in value], index=df.index, dtype=object)
        return value.astype(bool)
    return value


# ---------------------------------------------------------------- text for the methods section
_SYMBOL = {ast.Eq: "=", ast.NotEq: "≠", ast.Lt: "<", ast.LtE: "≤", ast.Gt: ">", ast.GtE: "≥", ast.In: "is one of",
           ast.NotIn: "is none of", ast.Add: "+", ast.Sub: "−", ast.Mult: "×", ast.Div: "/", ast.Pow: "^"}


def describe_expression(expression, labels: dict | None = None) -> str:
    """The expression in words for the methods text: column names replaced by their labels, ``==`` as ``=``,
    ``>=`` as ``≥``, ``in [a, b]`` as "is one of a, b".

    >>> describe_expression("mrs_3m > 2", {"mrs_3m": "mRS at 3 months"})
    'mRS at 3 months > 2'
    """
    expr = expression if isinstance(expression, Expression) else parse_expression(expression)
    labels = dict(labels or {})
    aliases = dict(expr.aliases)

    def name(n):
        col = aliases.get(n, n)
        return str(labels.get(col, col))

    def const(v):
        return str(v) if not isinstance(v, float) else f"{v:g}"

    def text(node, parent_prec=0) -> str:
        if isinstance(node, ast.Name):
            return name(node.id)
        if isinstance(node, ast.Constant):
            return const(node.value)
        if isinstance(node, ast.UnaryOp):
            inner = text(node.operand, 9)
            return f"not ({inner})" if isinstance(node.op, ast.Not) else ("−" if isinstance(node.op, ast.USub) else "+") + inner
        if isinstance(node, ast.BinOp):
            prec = {ast.Add: 4, ast.Sub: 4, ast.Mult: 5, ast.Div: 5, ast.Pow: 6}[type(node.op)]
            s = f"{text(node.left, prec)} {_SYMBOL[type(node.op)]} {text(node.right, prec + 1)}"
            return f"({s})" if prec < parent_prec else s
        if isinstance(node, ast.BoolOp):
            prec = 1 if isinstance(node.op, ast.Or) else 2
            s = f" {'or' if prec == 1 else 'and'} ".join(text(v, prec + 1) for v in node.values)
            return f"({s})" if prec < parent_prec else s
        if isinstance(node, ast.Compare):
            parts = [text(node.left, 3)]
            for op, right in zip(node.ops, node.comparators):
                if isinstance(right, (ast.List, ast.Tuple)):
                    parts.append(f"{_SYMBOL[type(op)]} {', '.join(const(e.value) for e in right.elts)}")
                else:
                    parts.append(f"{_SYMBOL[type(op)]} {text(right, 3)}")
            s = " ".join(parts)
            return f"({s})" if parent_prec > 3 else s
        return ast.unparse(node)  # pragma: no cover

    return text(expr.tree.body)


def interval_labels(breaks, *, right: bool = True, include_lowest: bool = False) -> list[str]:
    """R's labels of ``cut``'s intervals: "(0,3]", "(3,6]", ... ("[0,3]" for the first with ``include_lowest``).

    >>> interval_labels([0, 3, 6, 9], include_lowest=True)
    ['[0,3]', '(3,6]', '(6,9]']
    """
    b = [float(x) for x in breaks]
    lo, hi = ("(", "]") if right else ("[", ")")
    out = [f"{lo}{a:g},{c:g}{hi}" for a, c in zip(b, b[1:])]
    if include_lowest and right:
        out[0] = "[" + out[0][1:]
    elif include_lowest:
        out[-1] = out[-1][:-1] + "]"
    return out


def cut_variable(series: pd.Series, breaks, *, labels=None, right: bool = True, include_lowest: bool = False,
                 where: str = "cut") -> pd.Series:
    """Cut a numeric column into ordered groups, as R's ``cut`` (``right = TRUE``: intervals (a, b]; values
    outside the breaks, or on the lowest break without ``include_lowest``, become missing).

    Returns an ordered pandas Categorical (its categories are ``labels``, or R's "(a,b]" texts).

    >>> cut_variable(pd.Series([0, 1, 3, 4, 9, 10]), [0, 3, 6, 9]).astype(object).tolist()
    [nan, '(0,3]', '(0,3]', '(3,6]', '(6,9]', nan]
    """
    from .._validation import check_numeric_column

    breaks = [float(b) for b in breaks]
    if len(breaks) < 2 or any(b <= a for a, b in zip(breaks, breaks[1:])):
        raise ExpressionError(f"{where}: breaks must be at least two increasing numbers; got {breaks}.")
    if labels is None:
        labels = interval_labels(breaks, right=right, include_lowest=include_lowest)
    elif len(labels) != len(breaks) - 1:
        raise ExpressionError(f"{where}: {len(breaks)} breaks make {len(breaks) - 1} groups but {len(labels)} labels "
                              f"were given ({labels}); give one label per interval.")
    x = check_numeric_column(series, where)
    out = pd.Series(pd.cut(x, bins=breaks, labels=list(labels), right=right, include_lowest=include_lowest,
                           ordered=True), index=series.index)
    if include_lowest and not right:  # R closes the last interval [a, b]; pandas only ever closes the first one
        out[(x == breaks[-1]).to_numpy()] = labels[-1]
    return out
