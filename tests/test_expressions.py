"""The restricted expressions of a study file (study/expressions.py): allowed and forbidden nodes, missing values,
errors that name what is wrong, the text for the methods section, and R's ``cut``."""

import numpy as np
import pandas as pd
import pytest

from cohortstats.study.expressions import (
    ExpressionError,
    cut_variable,
    describe_expression,
    evaluate,
    interval_labels,
    parse_expression,
)


@pytest.fixture
def df():
    return pd.DataFrame({"mrs_3m": [0, 3, np.nan, 5], "sex": ["Male", "Female", "Female", None],
                         "infarction": [1, 0, 1, 1], "mean radius": [10.0, 12.0, 14.0, 16.0],
                         "weight": [70.0, 80.0, 90.0, 60.0], "height": [1.75, 1.80, 1.60, 1.50]})


def _list(s):
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in s.tolist()]


@pytest.mark.parametrize("expr,expected", [
    ("mrs_3m > 2", [False, True, None, True]),                       # a missing operand gives a missing result
    ("mrs_3m >= 3 and infarction == 1", [False, False, None, True]),
    ("mrs_3m > 3 or infarction == 1", [True, False, True, True]),    # Kleene: NA or True is True
    ("mrs_3m > 3 or sex == 'x'", [False, False, None, True]),         # ... and NA or False is NA
    ("not mrs_3m > 2", [True, False, None, False]),
    ("sex in ['Male']", [True, False, False, None]),
    ("sex not in ['Male', 'Other']", [False, True, True, None]),
    ("0 < mrs_3m <= 3", [False, True, None, False]),                 # chained comparisons
    ("sex == 'Female' and `mean radius` > 11", [False, True, True, None]),
])
def test_conditions(df, expr, expected):
    out = evaluate(expr, df)
    assert _list(out) == expected
    assert out.dtype == (object if None in expected else bool)


def test_arithmetic(df):
    bmi = evaluate("weight / height ** 2", df)
    np.testing.assert_allclose(bmi, df["weight"] / df["height"] ** 2, rtol=1e-15)
    assert _list(evaluate("-mrs_3m + 2 * infarction - 1", df)) == [1.0, -4.0, None, -4.0]
    assert _list(evaluate("infarction / (mrs_3m - 3)", df))[1] is None  # division by zero is missing, not inf


def test_names_in_order_and_inputs_unchanged(df):
    before = df.copy()
    e = parse_expression("z > 1 and `mean radius` < b or a == 2")
    assert e.names == ("z", "mean radius", "b", "a") and e.logical
    evaluate("mrs_3m > 2", df)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("expr,message", [
    ("log(mrs_3m) > 2", r"uses a function call \(log\(\.\.\.\)\), which is not allowed"),
    ("__import__('os').system('ls')", r"uses a function call"),
    ("df.mrs_3m > 2", r"uses an attribute \(df\.mrs_3m\)"),
    ("mrs_3m[0] > 2", r"uses a subscript \(mrs_3m\[0\]\)"),
    ("(lambda: 1)()", r"uses a function call"),
    ("[x for x in mrs_3m]", r"uses a comprehension"),
    ("mrs_3m if infarction else 0", r"uses an if-expression"),
    ("mrs_3m is None", r"'is'\?.*use == or !="),
    ("mrs_3m in sex", r"'in' needs a list of constants on its right"),
    ("mrs_3m > b'2'", r"uses the constant b'2'"),
    ("mrs_3m >", r"is not a valid expression"),
    ("", r"expected an expression"),
])
def test_forbidden_nodes_are_named(expr, message):
    with pytest.raises(ExpressionError, match=message):
        parse_expression(expr, where="variables.x")


def test_run_time_errors_name_the_problem(df):
    with pytest.raises(ExpressionError, match=r"variables.poor: 'mrs_3n' in 'mrs_3n > 2' is not a column of the data "
                                              r"or a derived variable; did you mean 'mrs_3m'\?"):
        evaluate("mrs_3n > 2", df, where="variables.poor")
    with pytest.raises(ExpressionError, match=r"'sex > 1' compares text with a number"):
        evaluate("sex > 1", df)
    with pytest.raises(ExpressionError, match=r"'sex' holds text, not numbers"):
        evaluate("mrs_3m + sex", df)
    with pytest.raises(ExpressionError, match=r"'infarction' is not a condition"):
        evaluate("infarction and mrs_3m > 2", df)
    assert issubclass(ExpressionError, ValueError)


def test_methods_text():
    labels = {"mrs_3m": "mRS at 3 months"}
    assert describe_expression("mrs_3m > 2", labels) == "mRS at 3 months > 2"
    assert describe_expression("infarction == 1 and (sex in ['M', 'F'] or age >= 80)") == (
        "infarction = 1 and (sex is one of M, F or age ≥ 80)")
    assert describe_expression("(a + b) * 2 != 3") == "(a + b) × 2 ≠ 3"


def test_cut_equals_r():
    # R: x <- c(0, 1, 3, 4, 9, 10, NA); as.character(cut(x, c(0, 3, 6, 9), ...))
    x = pd.Series([0, 1, 3, 4, 9, 10, np.nan])
    cases = [({}, [None, "(0,3]", "(0,3]", "(3,6]", "(6,9]", None, None]),
             ({"include_lowest": True}, ["[0,3]", "[0,3]", "[0,3]", "(3,6]", "(6,9]", None, None]),
             ({"right": False}, ["[0,3)", "[0,3)", "[3,6)", "[3,6)", None, None, None]),
             ({"right": False, "include_lowest": True}, ["[0,3)", "[0,3)", "[3,6)", "[3,6)", "[6,9]", None, None])]
    for options, expected in cases:
        out = cut_variable(x, [0, 3, 6, 9], **options)
        assert _list(out.astype(object)) == expected, options
        assert out.cat.ordered and list(out.cat.categories) == interval_labels([0, 3, 6, 9], **options)
    named = cut_variable(x, [0, 3, 6, 9], labels=["mild", "moderate", "severe"], include_lowest=True)
    assert list(named.cat.categories) == ["mild", "moderate", "severe"] and named.iloc[4] == "severe"
    with pytest.raises(ExpressionError, match="3 groups but 2 labels"):
        cut_variable(x, [0, 3, 6, 9], labels=["a", "b"])
