"""Table 1 against R (tests/reference/table_one.R: t.test, wilcox.test, chisq.test, fisher.test,
oneway.test, kruskal.test, quantile type 7, SMD formulas). Tolerance 1e-9 relative."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import reference
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.exceptions import DataValidationError, DataWarning, SmallCellWarning
from cohortstats.describe.table_one import smd_categorical

REF = reference("table_one_reference.csv")
TOL = dict(rtol=1e-9, atol=1e-12)


def ref(dataset, analysis, quantity):
    row = REF[(REF.dataset == dataset) & (REF.analysis == analysis) & (REF.quantity == quantity)]
    assert len(row) == 1, (dataset, analysis, quantity)
    return float(row["value"].iloc[0])


def test_welch_student_and_summaries_equal_r(asah, birthwt):
    for ds, df, var, grp in [("aSAH", asah, "age", "outcome"), ("birthwt", birthwt, "age", "low"),
                             ("birthwt", birthwt, "lwt", "low"), ("aSAH", asah, "s100b", "outcome")]:
        an = f"{var}~{grp}"
        t = cs.table_one(df, group=grp, variables=[var])
        row = t.tests.iloc[0]
        assert row["test"] == "Welch t-test"
        assert_allclose(row["statistic"], ref(ds, an, "welch_t"), **TOL)
        assert_allclose(row["df"], ref(ds, an, "welch_df"), **TOL)
        assert_allclose(row["p_value"], ref(ds, an, "welch_p"), **TOL)
        assert_allclose(row["smd"], ref(ds, an, "smd"), **TOL)
        s = cs.table_one(df, group=grp, variables=[var], equal_var=True).tests.iloc[0]
        assert s["test"] == "Student t-test"
        assert_allclose(s["statistic"], ref(ds, an, "student_t"), **TOL)
        assert_allclose(s["p_value"], ref(ds, an, "student_p"), **TOL)
        for g in t.groups:
            r = t.summary[(t.summary.group == g)].iloc[0]
            for q in ("mean", "sd", "q1", "median", "q3"):
                assert_allclose(r[q], ref(ds, an, f"{q}_{g}"), **TOL)


@pytest.mark.parametrize("ds,var,grp,exact", [("aSAH", "s100b", "outcome", False), ("aSAH", "ndka", "outcome", False),
                                              ("birthwt", "lwt", "low", False), ("aSAH40", "ndka", "outcome", True)])
def test_wilcoxon_equals_r(asah, birthwt, ds, var, grp, exact):
    df = {"aSAH": asah, "birthwt": birthwt, "aSAH40": asah.iloc[:40]}[ds]
    row = cs.table_one(df, group=grp, variables=[var], nonnormal=[var]).tests.iloc[0]
    assert ("exact" in row["test"]) is exact
    assert_allclose(row["statistic"], ref(ds, f"{var}~{grp}", "wilcox_W"), **TOL)
    assert_allclose(row["p_value"], ref(ds, f"{var}~{grp}", "wilcox_p"), **TOL)


@pytest.mark.parametrize("ds,var,grp", [("aSAH", "gender", "outcome"), ("aSAH", "wfns", "outcome"),
                                        ("birthwt", "race", "low"), ("birthwt", "smoke", "low"),
                                        ("birthwt", "ht", "low"), ("birthwt", "ui", "low"),
                                        ("birthwt", "ftv", "low"), ("birthwt", "ptl", "low")])
def test_categorical_tests_equal_r(asah, birthwt, ds, var, grp):
    df = {"aSAH": asah, "birthwt": birthwt}[ds]
    an = f"{var}~{grp}"
    t = cs.table_one(df, group=grp, variables=[var], categorical=[var])
    row = t.tests.iloc[0]
    assert_allclose(row["smd"], ref(ds, an, "smd"), **TOL)
    if ref(ds, an, "min_expected") < 5:
        assert row["test"] == "Fisher's exact test"
        assert "smallest expected count" in row["note"]
        assert_allclose(row["p_value"], ref(ds, an, "fisher_p"), rtol=1e-7)  # R's fisher.test r x c: relErr 1e-7
    else:
        assert row["test"].startswith("Pearson chi-square")
        assert_allclose(row["statistic"], ref(ds, an, "chisq"), **TOL)
        assert_allclose(row["p_value"], ref(ds, an, "chisq_p"), **TOL)
        assert row["df"] == ref(ds, an, "chisq_df")
    # forced tests
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        chi = cs.table_one(df, group=grp, variables=[var], categorical=[var], fisher=False).tests.iloc[0]
    assert_allclose(chi["p_value"], ref(ds, an, "chisq_p"), **TOL)
    fi = cs.table_one(df, group=grp, variables=[var], categorical=[var], fisher=True).tests.iloc[0]
    assert_allclose(fi["p_value"], ref(ds, an, "fisher_p"), rtol=1e-7)


def test_yates_switch_equals_r(birthwt):
    row = cs.table_one(birthwt, group="low", variables=["smoke"], yates=False).tests.iloc[0]
    assert row["test"] == "Pearson chi-square"
    assert_allclose(row["statistic"], ref("birthwt", "smoke~low", "chisq_nocorr"), **TOL)
    assert_allclose(row["p_value"], ref("birthwt", "smoke~low", "chisq_nocorr_p"), **TOL)
    yates = cs.table_one(birthwt, group="low", variables=["smoke"]).tests.iloc[0]
    assert yates["test"] == "Pearson chi-square (Yates)"


@pytest.mark.parametrize("ds,var,grp", [("aSAH", "age", "wfns"), ("birthwt", "lwt", "race"), ("birthwt", "bwt", "race")])
def test_more_than_two_groups_equal_r(asah, birthwt, ds, var, grp):
    df = {"aSAH": asah, "birthwt": birthwt}[ds]
    an = f"{var}~{grp}"
    w = cs.table_one(df, group=grp, variables=[var]).tests.iloc[0]
    assert w["test"] == "Welch ANOVA"
    assert_allclose([w["statistic"], w["df2"], w["p_value"]],
                    [ref(ds, an, "welch_F"), ref(ds, an, "welch_df2"), ref(ds, an, "welch_anova_p")], **TOL)
    a = cs.table_one(df, group=grp, variables=[var], equal_var=True).tests.iloc[0]
    assert a["test"] == "One-way ANOVA"
    assert_allclose([a["statistic"], a["p_value"]], [ref(ds, an, "anova_F"), ref(ds, an, "anova_p")], **TOL)
    k = cs.table_one(df, group=grp, variables=[var], nonnormal=[var]).tests.iloc[0]
    assert k["test"] == "Kruskal-Wallis"
    assert_allclose([k["statistic"], k["p_value"]], [ref(ds, an, "kruskal"), ref(ds, an, "kruskal_p")], **TOL)


def test_counts_percent_and_missing_rows():
    df = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 4, "sex": ["M", "F", None, "M", "F", "F", "M", None],
                       "x": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0, 8.0]})
    t = cs.table_one(df, group="g", variables=["sex", "x"], fisher=True)
    s = t.summary
    m_a = s[(s.variable == "sex") & (s.group == "a") & (s.level == "M")].iloc[0]
    assert (m_a["count"], m_a["n"], m_a["missing"]) == (2, 3, 1)
    assert_allclose(m_a["percent"], 200 / 3)
    x_all = s[(s.variable == "x") & (s.group == "Overall")].iloc[0]
    assert (x_all["n"], x_all["missing"]) == (7, 1)
    assert_allclose(x_all["mean"], 33 / 7)
    assert t.n_per_group == {"Overall": 8, "a": 4, "b": 4}
    tidy = t.tidy()
    assert {"p_value", "test", "smd", "percent", "q1"} <= set(tidy.columns)


def test_smd_binary_reduces_to_closed_form():
    p1, p2 = 0.3, 0.55
    expected = abs(p1 - p2) / np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    assert_allclose(smd_categorical([1 - p1, p1], [1 - p2, p2]), expected, rtol=1e-12)


def test_missing_group_rows_are_counted_not_lost():
    df = pd.DataFrame({"g": [0, 1, None, 0, 1, None], "x": [1.0, 2, 3, 4, 5, 6]})
    t = cs.table_one(df, group="g", variables=["x"])
    assert t.excluded["n"].tolist() == [2]
    assert "missing value of group 'g'" in t.excluded["reason"].iloc[0]


def test_train_test_grouping_and_overall_only():
    df = pd.DataFrame({"set": ["train"] * 6 + ["test"] * 4, "x": np.arange(10.0)})
    t = cs.table_one(df, group="set", variables=["x"], group_order=["train", "test"])
    assert t.groups == ("train", "test")
    o = cs.table_one(df, variables=["x"])
    assert o.groups == () and o.tests["test"].iloc[0] == ""


def test_input_not_modified(birthwt):
    before = birthwt.copy()
    cs.table_one(birthwt, group="low", variables=["age", "race", "smoke"], categorical=["race"], nonnormal=["age"])
    pd.testing.assert_frame_equal(birthwt, before)


# ---------------------------------------------------------------- bad input
def test_missing_columns_listed_all_at_once(birthwt):
    with pytest.raises(DataValidationError, match=r"2 column\(s\) not found.*'nope'.*'nada'"):
        cs.table_one(birthwt, group="low", variables=["age", "nope", "nada"])


def test_missing_group_column(birthwt):
    with pytest.raises(DataValidationError, match="'outcome'"):
        cs.table_one(birthwt, group="outcome", variables=["age"])


def test_group_with_one_level(birthwt):
    with pytest.raises(DataValidationError, match="at least two levels"):
        cs.table_one(birthwt.assign(one=1), group="one", variables=["age"])


def test_text_in_numeric_column_reports_rows_and_examples():
    df = pd.DataFrame({"g": [0, 1] * 5, "glucose": ["5.1", "6.2", "n/a", "7.0", "5.5", "?", "6", "6.1", "5", "4.9"]})
    with pytest.raises(DataValidationError, match=r"2 of 10 rows hold text: 'n/a' \(row 2\), '\?' \(row 5\)"):
        cs.table_one(df, group="g", variables=["glucose"])


def test_all_missing_variable_warns_and_is_kept():
    df = pd.DataFrame({"g": [0, 1] * 3, "x": [np.nan] * 6, "y": [1.0, 2, 3, 4, 5, 6]})
    with pytest.warns(DataWarning, match="'x' has no non-missing value"):
        t = cs.table_one(df, group="g", variables=["x", "y"])
    assert t.summary[(t.summary.variable == "x") & (t.summary.group == "Overall")]["missing"].iloc[0] == 6
    assert np.isnan(t.tests.set_index("variable").loc["x", "p_value"])


def test_small_cells_without_fisher_warn():
    df = pd.DataFrame({"g": [0] * 10 + [1] * 10, "c": ["a"] * 9 + ["b"] + ["a"] * 8 + ["b"] * 2})
    with pytest.warns(SmallCellWarning, match="expected count"):
        cs.table_one(df, group="g", variables=["c"], fisher=False)


def test_bad_options():
    df = pd.DataFrame({"g": [0, 1], "x": [1.0, 2.0]})
    with pytest.raises(DataValidationError, match="fisher must be"):
        cs.table_one(df, group="g", variables=["x"], fisher="sometimes")
    with pytest.raises(DataValidationError, match="both categorical and nonnormal"):
        cs.table_one(df, group="g", variables=["x"], categorical=["x"], nonnormal=["x"])
    with pytest.raises(TypeError, match="pandas DataFrame"):
        cs.table_one([[1, 2]], group="g")


def test_a_grade_summarised_as_continuous_is_named(asah):
    """aSAH's WFNS grade (1-5, 113 patients) left to the defaults is summarised as continuous, as CreateTableOne
    does; a DataWarning says so and names the two keys that choose otherwise. Declared, it is quiet; age is not a
    grade."""
    with pytest.warns(DataWarning, match=r"'wfns' \(5 distinct whole numbers, 1 to 5\) as continuous.*"
                                         r"table1.categorical.*table1.nonnormal"):
        cs.table_one(asah, group="outcome", variables=["age", "wfns"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        cs.table_one(asah, group="outcome", variables=["age", "wfns"], categorical=["wfns"])
        cs.table_one(asah, group="outcome", variables=["age", "wfns"], nonnormal=["wfns"])
