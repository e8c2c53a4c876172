"""Cohen's and weighted kappa against vcd::Kappa (tests/reference/agreement.R).

R: tab <- table(factor(r1, levels = lv), factor(r2, levels = lv)); k <- Kappa(tab, weights = w)
   with w = "Equal-Spacing" (linear) or "Fleiss-Cohen" (quadratic); the "Unweighted" row for weights=None;
   z = value / ASE, p = 2 * pnorm(-abs(z)) (print.Kappa); CI = confint(k, level) (kept in [-1, 1]).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, reference
from numpy.testing import assert_allclose

from cohortstats.exceptions import DataValidationError, DataWarning
from cohortstats.signatures.kappa import KappaResult, kappa

RTOL = 1e-10  # observed: estimates, SEs, z, CIs <= 1e-13 relative; p-values <= 3e-11 (z ~ 37, p ~ 1e-303)
LEVELS = {"fvh": list(range(10)), "nominal": ["ACA", "MCA", "PCA"], "grade": ["low", "moderate", "high"],
          "near_perfect": [1, 2, 3, 4], "decimal": [0.5, 1.0, 1.5, 2.5]}
WEIGHTS = {"none": None, "linear": "linear", "quadratic": "quadratic", "none@0.9": None}


def _ratings(name):
    d = pd.read_csv(REFERENCE / "kappa_ratings.csv", dtype={"r1": str, "r2": str})
    d = d[d["set"] == name].reset_index(drop=True)
    if isinstance(LEVELS[name][0], str):
        return d["r1"], d["r2"]
    return d["r1"].astype(float), d["r2"].astype(float)


REF = reference("kappa_reference.csv")


@pytest.mark.parametrize("row", [r for _, r in REF.iterrows()], ids=lambda r: f"{r['set']}-{r['weights']}")
def test_equals_vcd_kappa(row):
    r1, r2 = _ratings(row["set"])
    conf = 0.9 if row["weights"] == "none@0.9" else 0.95
    k = kappa(r1, r2, weights=WEIGHTS[row["weights"]], levels=LEVELS[row["set"]], conf_level=conf)
    assert k.n == row["n"] and k.n_missing == 0 and k.conf_level == conf
    assert_allclose([k.estimate, k.std_error, k.conf_low, k.conf_high],
                    row[["estimate", "std_error", "conf_low", "conf_high"]].to_numpy(float), rtol=RTOL, atol=0)
    if row["weights"] != "none@0.9":
        assert_allclose([k.statistic, k.observed_agreement, k.expected_agreement],
                        row[["statistic", "observed", "expected"]].to_numpy(float), rtol=RTOL, atol=0)
        assert_allclose(k.p_value, row["p_value"], rtol=RTOL, atol=1e-300)  # one p underflows to 0 in R


def test_fvh_table_shows_every_level():
    # level 8: used by nobody; level 9: only by reader 2 (agreement.R)
    k = kappa(*_ratings("fvh"), weights="quadratic", levels=range(10))
    assert k.table.shape == (10, 10) and k.levels == tuple(range(10))
    assert k.table.loc[8].sum() == 0 and k.table[8].sum() == 0
    assert k.table.loc[9].sum() == 0 and k.table[9].sum() == 2
    assert k.table.to_numpy().sum() == 94 and k.table.index.name == "r1" and k.table.columns.name == "r2"
    assert_allclose(k.weight_matrix.loc[0, 9], 0.0) and assert_allclose(k.weight_matrix.loc[0, 3], 1 - (3 / 9) ** 2)


def test_default_levels_are_the_sorted_union():
    r1, r2 = _ratings("fvh")
    k = kappa(r1, r2)  # unweighted kappa does not depend on unused levels
    assert k.levels == (0, 1, 2, 3, 4, 5, 6, 7, 9)
    ref = REF[(REF["set"] == "fvh") & (REF["weights"] == "none")].iloc[0]
    assert_allclose([k.estimate, k.std_error], [ref["estimate"], ref["std_error"]], rtol=RTOL)
    # weighted kappa does: without level 8 the scale has 9 positions, not 10
    assert kappa(r1, r2, weights="linear").estimate != pytest.approx(kappa(r1, r2, weights="linear",
                                                                           levels=range(10)).estimate, rel=1e-6)
    # non-integer levels: every level is used, so the default equals the reference with levels given
    k = kappa(*_ratings("decimal"), weights="quadratic")
    ref = REF[(REF["set"] == "decimal") & (REF["weights"] == "quadratic")].iloc[0]
    assert k.levels == (0.5, 1.0, 1.5, 2.5)
    assert_allclose([k.estimate, k.std_error], [ref["estimate"], ref["std_error"]], rtol=RTOL)
    # text, unweighted: alphabetical order is fine (order does not matter)
    k = kappa(*_ratings("nominal"))
    ref = REF[(REF["set"] == "nominal") & (REF["weights"] == "none")].iloc[0]
    assert_allclose([k.estimate, k.std_error], [ref["estimate"], ref["std_error"]], rtol=RTOL)


def test_string_levels_order_from_levels_or_ordered_categorical():
    r1, r2 = _ratings("grade")
    ref = REF[(REF["set"] == "grade") & (REF["weights"] == "linear")].iloc[0]
    cats = ["low", "moderate", "high"]
    o1, o2 = (pd.Categorical(r, categories=cats, ordered=True) for r in (r1, r2))
    for k in (kappa(r1, r2, weights="linear", levels=cats), kappa(o1, o2, weights="linear"),
              kappa(pd.Series(o1), r2, weights="linear")):
        assert k.levels == tuple(cats)
        assert_allclose([k.estimate, k.std_error], [ref["estimate"], ref["std_error"]], rtol=RTOL)
    # the alphabetical order (high < low < moderate) is another scale with another weighted kappa
    assert kappa(r1, r2, weights="linear", levels=sorted(cats)).estimate != pytest.approx(ref["estimate"], rel=1e-3)
    with pytest.raises(DataValidationError, match="needs the order of the text ratings"):
        kappa(r1, r2, weights="linear")


def test_readers_are_symmetric():
    r1, r2 = _ratings("fvh")
    for w in (None, "linear", "quadratic"):
        a, b = kappa(r1, r2, weights=w, levels=range(10)), kappa(r2, r1, weights=w, levels=range(10))
        assert_allclose([a.estimate, a.std_error], [b.estimate, b.std_error], rtol=1e-12)
        pd.testing.assert_frame_equal(a.table, b.table.T.rename_axis(index="r1", columns="r2"))


def test_missing_pairs_dropped_with_a_warning():
    r1, r2 = _ratings("near_perfect")
    m1, m2 = r1.copy(), r2.astype(object).copy()
    m1.iloc[[0, 5]] = np.nan
    m2.iloc[[5, 7]] = None
    with pytest.warns(DataWarning, match=r"3 of 40 rating pair\(s\) have a missing rating \(r1: 2, r2: 2\)"):
        k = kappa(m1, m2, weights="quadratic")
    keep = ~np.isin(np.arange(40), [0, 5, 7])
    ref = kappa(r1[keep].to_numpy(), r2[keep].to_numpy(), weights="quadratic")
    assert k.n == 37 and k.n_missing == 3
    assert_allclose([k.estimate, k.std_error], [ref.estimate, ref.std_error], rtol=1e-14)


def test_perfect_agreement_has_se_zero_and_a_point_ci():
    # vcd::Kappa(diag(c(3, 4, 5))): value 1, ASE 0, z Inf, p 0, confint (1, 1)
    r = [1] * 3 + [2] * 4 + [3] * 5 + [4] * 7 + [5] * 11  # exactly 1, 0, (1, 1)
    for w in (None, "linear", "quadratic"):
        with pytest.warns(DataWarning, match="perfect agreement"):
            k = kappa(r, list(r), weights=w)
        assert (k.estimate, k.std_error, k.conf_low, k.conf_high, k.p_value) == (1.0, 0.0, 1.0, 1.0, 0.0)
        assert k.statistic == np.inf


def test_kappa_undefined_and_other_errors():
    with pytest.raises(DataValidationError, match="both readers rated every patient 2"):
        kappa([2, 2, 2], [2, 2, 2], levels=[1, 2, 3])
    with pytest.raises(DataValidationError, match="at least two levels"):
        kappa([2, 2, 2], [2, 2, 2])
    with pytest.raises(DataValidationError, match="at least two patients rated by both readers; got 1"):
        kappa([1], [2])
    with pytest.warns(DataWarning), pytest.raises(DataValidationError, match="got 1"):
        kappa([1, np.nan], [2, 3])
    with pytest.raises(DataValidationError, match=r"r2 holds 1 rating\(s\) that are not in the levels"):
        kappa([1, 2, 3], [1, 2, 4], levels=[1, 2, 3])
    with pytest.raises(DataValidationError, match="must not repeat"):
        kappa([1, 2], [1, 2], levels=[1, 2, 2])
    with pytest.raises(DataValidationError, match="r1 has 3 ratings and r2 has 2"):
        kappa([1, 2, 3], [1, 2])
    with pytest.raises(DataValidationError, match="different indexes"):
        kappa(pd.Series([1, 2, 3]), pd.Series([1, 2, 3], index=[2, 1, 0]))
    with pytest.raises(DataValidationError, match="'Equal-Spacing' is 'linear'"):
        kappa([1, 2], [1, 2], weights="Equal-Spacing")
    with pytest.raises(DataValidationError, match="weights must be None, 'linear' or 'quadratic'"):
        kappa([1, 2], [1, 2], weights=np.eye(2))
    with pytest.raises(DataValidationError, match="cannot be ordered together"):
        kappa([1, "a", 2], [1, "a", "b"])
    with pytest.raises(DataValidationError, match="different categories"):
        kappa(pd.Categorical(["a", "b"], ordered=True), pd.Categorical(["a", "b"], ["b", "a"], ordered=True))
    with pytest.raises(TypeError, match="r1 must be one reader's ratings as a 1-D sequence"):
        kappa(pd.DataFrame({"a": [1, 2]}), [1, 2])
    with pytest.raises(TypeError, match="with 2 dimension"):
        kappa([1, 2], np.ones((2, 2)))
    with pytest.raises(TypeError, match="levels must be a list"):
        kappa([1, 2], [1, 2], levels="12")
    with pytest.raises(DataValidationError, match="conf_level"):
        kappa([1, 2], [1, 2], conf_level=95)


def test_se_zero_without_agreement_warns():
    # every patient in one off-diagonal cell: kappa 0, ASE 0, z = 0/0 (vcd gives NaN)
    with pytest.warns(DataWarning, match="SE is 0; the CI"):
        k = kappa([1, 1, 1], [2, 2, 2])
    assert k.estimate == 0.0 and k.std_error == 0.0 and np.isnan(k.statistic) and np.isnan(k.p_value)


def test_tidy_and_result():
    k = kappa(*_ratings("fvh"), weights="linear", levels=range(10))
    t = k.tidy()
    assert list(t.columns) == ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high",
                               "weights"]
    assert t.loc[0, "weights"] == "linear" and t.loc[0, "estimate"] == k.estimate
    assert kappa([1, 2, 2], [1, 2, 1]).tidy().loc[0, "weights"] == "unweighted"
    assert isinstance(k, KappaResult) and "Equal-Spacing" in k.method
    assert all(isinstance(v, float) for v in (k.estimate, k.std_error, k.conf_low, k.conf_high, k.p_value))
    with pytest.raises(AttributeError):
        k.estimate = 0.0
    assert "<table" in k._repr_html_()


def test_inputs_not_mutated(rng):
    a = pd.Series(rng.integers(0, 5, 50).astype(float))
    b = pd.Series(rng.integers(0, 5, 50).astype(float))
    a.iloc[3] = np.nan
    lv = [0, 1, 2, 3, 4, 5]
    arr, lst = b.to_numpy().copy(), list(a)
    copies = (a.copy(), b.copy(), arr.copy(), list(lst), list(lv))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        kappa(a, b, weights="quadratic", levels=lv)
        kappa(lst, arr, weights="linear", levels=lv)
    pd.testing.assert_series_equal(a, copies[0])
    pd.testing.assert_series_equal(b, copies[1])
    np.testing.assert_array_equal(arr, copies[2])
    assert lst[:3] == copies[3][:3] and np.isnan(lst[3]) and lv == copies[4]
