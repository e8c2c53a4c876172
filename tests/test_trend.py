"""Cochran-Armitage trend test against R's prop.trend.test (tests/reference/trend.R).

R: prop.trend.test(x, n, score = seq_along(x)) on each table (events x out of n per ordered level); for the data
   frame trend_data.csv: tab <- table(cc$fvh, cc$poor) on the complete cases, prop.trend.test(tab[, "1"],
   rowSums(tab)) (and score = the fvh values), and the same for grade as factor(levels = low, moderate, high).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, reference
from numpy.testing import assert_allclose

from cohortstats.describe.trend import TrendTestResult, trend_test
from cohortstats.exceptions import DataValidationError, DataWarning

RTOL = 1e-10  # observed: statistics <= 6e-15, p-values <= 3e-13 relative
REF = reference("trend_reference.csv").set_index("case")
DATA = pd.read_csv(REFERENCE / "trend_data.csv")
GRADES = ["low", "moderate", "high"]


def _ints(text):
    return [float(v) for v in str(text).split(";")]


def _expand(x, n, levels):
    """Patients (level, event) from counts: x events out of n at each level."""
    rows = [(lv, int(e)) for lv, xi, ni in zip(levels, x, n) for e in [1] * int(xi) + [0] * int(ni - xi)]
    return pd.DataFrame(rows, columns=["level", "event"])


def _check(res, case):
    ref = REF.loc[case]
    assert_allclose(res.statistic, ref["statistic"], rtol=RTOL)
    assert_allclose(res.p_value, ref["p_value"], rtol=RTOL)
    assert res.df == 1
    used = res.table["n"] > 0
    assert_allclose(res.table["events"][used], [v for v, m in zip(_ints(ref["x"]), _ints(ref["n"])) if m], rtol=0)
    assert_allclose(res.table["n"][used], [m for m in _ints(ref["n"]) if m], rtol=0)


@pytest.mark.parametrize("case", ["smokers", "two_levels"])
def test_tables_default_scores(case):
    x, n = _ints(REF.loc[case, "x"]), _ints(REF.loc[case, "n"])
    d = _expand(x, n, list(range(10, 10 + len(x))))  # any increasing numbers: scores are positions 1..k
    res = trend_test(d, "event", "level")
    _check(res, case)
    assert res.scores == tuple(_ints(REF.loc[case, "score"])) and res.n == sum(n) and res.n_missing == 0


def test_custom_scores_list_and_dict():
    # prop.trend.test(c(83, 90, 129, 70), c(86, 93, 136, 82), score = c(0, 1, 3, 7))
    x, n = _ints(REF.loc["smokers", "x"]), _ints(REF.loc["smokers", "n"])
    d = _expand(x, n, ["a", "b", "c", "d"])
    _check(trend_test(d, "event", "level", scores={"a": 0, "b": 1, "c": 3, "d": 7}), "smokers_scores")
    cat = d.assign(level=pd.Categorical(d["level"], categories=["a", "b", "c", "d"], ordered=True))
    res = trend_test(cat, "event", "level", scores=[0, 1, 3, 7])
    _check(res, "smokers_scores")
    assert res.scores == (0.0, 1.0, 3.0, 7.0) and res.levels == ("a", "b", "c", "d")


def test_empty_level_keeps_its_position():
    # prop.trend.test(c(2, 5, 0, 9, 12), c(20, 22, 0, 25, 19)): the 0/0 level is dropped by lm, scores stay 1..5
    x, n = _ints(REF.loc["empty_level", "x"]), _ints(REF.loc["empty_level", "n"])
    levels = ["I", "II", "III", "IV", "V"]
    d = _expand(x, n, levels)
    d["level"] = pd.Categorical(d["level"], categories=levels, ordered=True)
    res = trend_test(d, "event", "level")
    _check(res, "empty_level")
    assert list(res.table["level"]) == levels and res.table.loc[2, "n"] == 0
    assert np.isnan(res.table.loc[2, "proportion"])
    assert res.scores == (1.0, 2.0, 3.0, 4.0, 5.0)


def test_data_frame_numeric_score_with_missing_rows():
    # fvh missing in rows 7, 40; poor missing in rows 12, 40, 63 (1-based): 4 rows dropped
    with pytest.warns(DataWarning, match=r"4 of 94 row\(s\) with a missing 'poor' or 'fvh' were dropped"):
        res = trend_test(DATA, "poor", "fvh")
    _check(res, "df_fvh")
    assert res.n == 90 and res.n_missing == 4 and res.levels == (0, 1, 2, 3, 4, 5, 6, 9)
    assert list(res.table.columns) == ["level", "score", "n", "events", "proportion"]
    assert_allclose(res.table["proportion"], res.table["events"] / res.table["n"])
    with pytest.warns(DataWarning):
        _check(trend_test(DATA, "poor", "fvh", scores={v: float(v) for v in range(10)}), "df_fvh_values")


def test_data_frame_ordered_grade():
    g = DATA.assign(grade=pd.Categorical(DATA["grade"], categories=GRADES, ordered=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        _check(trend_test(g, "poor", "grade"), "df_grade")
        _check(trend_test(DATA, "poor", "grade", scores={"low": 1, "moderate": 2, "high": 3}), "df_grade")
        _check(trend_test(g, "poor", "grade", scores=[0, 2, 5]), "df_grade_scores")
        _check(trend_test(DATA, "poor", "grade", scores={"high": 5, "low": 0, "moderate": 2}), "df_grade_scores")
        res = trend_test(g, "poor", "grade")
    assert res.levels == tuple(GRADES) and res.n_missing == 4 and res.n == 90  # grade: row 3; poor: 12, 40, 63


def test_positive_and_text_outcome():
    x, n = _ints(REF.loc["smokers", "x"]), _ints(REF.loc["smokers", "n"])
    d = _expand(x, n, [1, 2, 3, 4])
    d["status"] = np.where(d["event"] == 1, "smoker", "non-smoker")
    with pytest.raises(DataValidationError, match="not 0/1; say which is the event with positive="):
        trend_test(d, "status", "level")
    res = trend_test(d, "status", "level", positive="smoker")
    _check(res, "smokers")
    assert res.positive == "smoker"
    flipped = trend_test(d, "status", "level", positive="non-smoker")  # the same chi-square for the complement
    assert_allclose(flipped.statistic, res.statistic, rtol=1e-12)
    _check(trend_test(d.assign(event=d["event"].astype(bool)), "event", "level"), "smokers")


def test_scores_are_affine_invariant():
    a = trend_test(DATA.dropna(), "poor", "fvh", scores={v: v for v in range(10)})
    b = trend_test(DATA.dropna(), "poor", "fvh", scores={v: 3 - 2 * v for v in range(10)})
    assert_allclose(a.statistic, b.statistic, rtol=1e-12)


def test_errors():
    d = pd.DataFrame({"g": ["a", "b", "a", "c"], "y": [0, 1, 1, 0]})
    with pytest.raises(DataValidationError, match="holds text .* with no order; pass scores="):
        trend_test(d, "y", "g")
    with pytest.raises(DataValidationError, match="holds text"):
        trend_test(d, "y", "g", scores=[1, 2, 3])
    with pytest.raises(DataValidationError, match="missing from the scores' levels: 'c'"):
        trend_test(d, "y", "g", scores={"a": 1, "b": 2})
    with pytest.raises(TypeError, match="scores must map levels to numbers"):
        trend_test(d, "y", "g", scores={"a": "x", "b": 2, "c": 3})
    n = pd.DataFrame({"s": [0, 1, 2, 2], "y": [0, 1, 1, 0]})
    with pytest.raises(DataValidationError, match=r"scores has 2 value\(s\) but 's' has 3"):
        trend_test(n, "y", "s", scores=[1, 2])
    with pytest.raises(DataValidationError, match=r"no score for level\(s\) 2"):
        trend_test(n, "y", "s", scores={0: 0, 1: 1})
    with pytest.raises(DataValidationError, match="finite"):
        trend_test(n, "y", "s", scores=[0, 1, np.inf])
    with pytest.raises(TypeError, match="scores must be a dict"):
        trend_test(n, "y", "s", scores="linear")
    with pytest.raises(DataValidationError, match="fewer than two distinct scores"):
        trend_test(n, "y", "s", scores=[1, 1, 1])
    with pytest.raises(DataValidationError, match="fewer than two distinct scores"):
        trend_test(n.assign(s=5), "y", "s")
    with pytest.raises(DataValidationError, match="no patient has the event"):
        trend_test(n.assign(y=0), "y", "s")
    with pytest.raises(DataValidationError, match="every patient has the event"):
        trend_test(n.assign(y=1), "y", "s")
    with pytest.raises(DataValidationError, match="must have two values; got 3"):
        trend_test(n.assign(y=[0, 1, 2, 1]), "y", "s")
    with pytest.raises(DataValidationError, match="positive='yes' does not occur"):
        trend_test(n, "y", "s", positive="yes")
    with pytest.raises(DataValidationError, match="not found in the data: 'z'"):
        trend_test(n, "z", "s")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        trend_test(n.to_dict(), "y", "s")
    with pytest.warns(DataWarning), pytest.raises(DataValidationError, match="no row has both"):
        trend_test(pd.DataFrame({"s": [np.nan, 1.0], "y": [1, np.nan]}), "y", "s")


def test_tidy_and_result():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = trend_test(DATA, "poor", "fvh")
    t = res.tidy()
    assert list(t.columns) == ["term", "statistic", "df", "p_value", "n", "method"]
    assert t.loc[0, "term"] == "fvh" and t.loc[0, "statistic"] == res.statistic and "Cochran-Armitage" in res.method
    assert isinstance(res, TrendTestResult) and isinstance(res.statistic, float) and isinstance(res.p_value, float)
    with pytest.raises(AttributeError):
        res.statistic = 0.0
    assert "<table" in res._repr_html_()


def test_inputs_not_mutated():
    d = DATA.assign(grade=pd.Categorical(DATA["grade"], categories=GRADES, ordered=True))
    copy = d.copy(deep=True)
    scores = {"low": 0, "moderate": 2, "high": 5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        trend_test(d, "poor", "grade", scores=scores)
        trend_test(d, "poor", "fvh")
    pd.testing.assert_frame_equal(d, copy)
    assert scores == {"low": 0, "moderate": 2, "high": 5}
