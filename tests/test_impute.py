"""impute: chained equations with predictive mean matching (mice's "pmm").

The random streams differ from R's, so comparisons with mice are statistical: tests/reference/impute.R runs
mice(pool_data.csv, m = 100, method = "pmm", maxit = 10, seed = 99) and pools
glm(y ~ age + sex + crp + albumin, binomial) -> impute_mice_m100.csv. The simulation test checks the
pooled estimates against the known truth.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit

from cohortstats import logistic_regression
from cohortstats.exceptions import DataValidationError, DataWarning
from cohortstats.missing.impute import _match, impute
from cohortstats.missing.pool import pool

from conftest import REFERENCE, reference


@pytest.fixture(scope="module")
def incomplete():
    return pd.read_csv(REFERENCE / "pool_data.csv")


def _fit(d):
    return logistic_regression(d, "y", ["age", "sex", "crp", "albumin"], ci_method="wald", epv_warning=0)


def test_deterministic_under_random_state(incomplete):
    a = impute(incomplete, m=3, maxit=3, random_state=11)
    b = impute(incomplete, m=3, maxit=3, random_state=11)
    c = impute(incomplete, m=3, maxit=3, random_state=12)
    for x, y in zip(a.datasets, b.datasets):
        pd.testing.assert_frame_equal(x, y)
    pd.testing.assert_frame_equal(a.trace, b.trace)
    assert not a.datasets[0].equals(c.datasets[0])
    g1 = impute(incomplete, m=2, maxit=2, random_state=np.random.default_rng(3))
    g2 = impute(incomplete, m=2, maxit=2, random_state=np.random.default_rng(3))
    pd.testing.assert_frame_equal(g1.datasets[1], g2.datasets[1])


def test_completed_data_keep_observed_values_and_donate_observed_ones(incomplete):
    before = incomplete.copy()
    imp = impute(incomplete, m=4, maxit=3, random_state=1)
    pd.testing.assert_frame_equal(incomplete, before)  # input not mutated
    assert len(imp.datasets) == 4
    for d in imp.datasets:
        assert list(d.columns) == list(incomplete.columns)
        assert not d.isna().any().any()
        observed = incomplete.notna()
        pd.testing.assert_frame_equal(d[observed.all(axis=1)], incomplete[observed.all(axis=1)], check_dtype=False)
        for v in ["crp", "albumin"]:
            assert set(d.loc[incomplete[v].isna(), v]) <= set(incomplete[v].dropna())  # PMM donates observed values
    assert imp.datasets[0] is not imp.datasets[1]
    assert_allclose(imp.imputed["crp"][2].to_numpy(), imp.datasets[1].loc[incomplete["crp"].isna(), "crp"])


def test_diagnostics(incomplete):
    imp = impute(incomplete, m=3, maxit=4, random_state=2)
    t = imp.tidy().set_index("variable")
    assert_allclose(t.loc["crp", "fraction_missing"], incomplete["crp"].isna().mean())
    assert t.loc["crp", "imputed"] and not t.loc["age", "imputed"]
    assert t.loc["sex", "kind"] == "categorical" and t.loc["crp", "method"] == "pmm"
    assert imp.predictor_matrix.loc["crp"].to_dict() == {"y": 1, "age": 1, "sex": 1, "grade": 1, "crp": 0,
                                                          "albumin": 1}
    assert len(imp.trace) == 3 * 4 * 2
    last = imp.trace.query("iteration == 4 and imputation == 2").set_index("variable")["mean"]
    assert_allclose(last["albumin"], imp.imputed["albumin"][2].mean())
    assert "<table" in imp._repr_html_()


def test_variables_and_categorical_targets(rng):
    n = 200
    d = pd.DataFrame({"id": [f"P{i:04d}" for i in range(n)], "x": rng.normal(size=n),
                      "group": rng.choice(["a", "b", "c"], n), "z": rng.normal(size=n)})
    d.loc[rng.random(n) < 0.2, "group"] = None
    d.loc[rng.random(n) < 0.1, "z"] = np.nan
    d.loc[:4, "id"] = None
    with pytest.raises(DataValidationError, match="looks like an identifier"):
        impute(d, m=2, random_state=0)
    imp = impute(d, m=2, maxit=3, random_state=0, variables=["x", "group", "z"])
    out = imp.datasets[0]
    assert out["id"].isna().sum() == 5  # carried along untouched
    assert set(out["group"]) == {"a", "b", "c"} and out["group"].dtype == object
    assert imp.tidy().set_index("variable").loc["id", "kind"] == "not used"


def test_collinear_predictors_warn_and_use_ridge(rng):
    n = 100
    x = rng.normal(size=n)
    d = pd.DataFrame({"x": x, "x2": 2 * x, "z": x + rng.normal(size=n)})
    d.loc[:19, "z"] = np.nan
    with pytest.warns(DataWarning, match="ridge penalty"):
        imp = impute(d, m=2, maxit=2, random_state=0)
    assert any("ridge" in note for note in imp.notes)


@pytest.mark.parametrize("kwargs, match", [
    (dict(m=0), "m must be a whole number >= 1"),
    (dict(maxit=1.5), "maxit must be a whole number"),
    (dict(method="norm"), "method must be one of"),
    (dict(variables=["nope"]), "not found"),
])
def test_bad_arguments(incomplete, kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        impute(incomplete, **kwargs)


def test_bad_columns():
    d = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan] * 3})
    with pytest.raises(DataValidationError, match="entirely missing"):
        impute(d, m=1)
    d = pd.DataFrame({"a": [1.0, np.nan, 3.0], "when": pd.to_datetime(["2020-01-01", "2020-02-01", None])})
    with pytest.raises(DataValidationError, match="dates"):
        impute(d, m=1)
    with pytest.raises(TypeError, match="DataFrame"):
        impute(np.zeros((3, 2)))


def test_match_draws_among_the_k_nearest(rng):
    yhat_obs = np.arange(10.0)
    picks = np.concatenate([_match(yhat_obs, np.array([4.2, 0.1, 9.7]), 3, rng) for _ in range(300)]).reshape(-1, 3)
    assert set(picks[:, 0]) == {3, 4, 5}
    assert set(picks[:, 1]) == {0, 1, 2}
    assert set(picks[:, 2]) == {7, 8, 9}
    assert set(_match(yhat_obs, np.array([5.0]), 50, rng)) <= set(range(10))  # k capped at the donors


def test_agrees_with_mice_within_monte_carlo_error(incomplete):
    # mice (m = 100) vs ours (m = 50): pooled log-odds within 0.15 pooled SE, fmi within 0.06
    pooled = pool(impute(incomplete, m=50, maxit=10, random_state=2024).apply(_fit))
    ref = reference("impute_mice_m100.csv")
    assert np.all(np.abs(pooled.estimate - ref["estimate"]) < 0.15 * np.sqrt(ref["t"]))
    assert_allclose(pooled.fmi, ref["fmi"], atol=0.06)
    assert_allclose(pooled.ubar, ref["ubar"], rtol=0.05)


@pytest.mark.slow
def test_simulation_unbiased_and_covers(rng):
    # MAR: x2 missing more often when y = 1 and x1 is high (~35%); logit P(y) = -0.5 + 0.7 x1 + 0.7 x2.
    # 200 replicates of n = 250, m = 5: pooled coefficients have the mean of the full-data fits (before any
    # value was deleted) and their 95% CIs cover the truth 95% of the time (binomial SE 1.5 points).
    beta = np.array([-0.5, 0.7, 0.7])
    reps, n = 200, 250
    covered, mi, full = np.zeros(3), [], []
    for _ in range(reps):
        x1 = rng.normal(size=n)
        x2 = 0.5 * x1 + rng.normal(0, np.sqrt(0.75), n)
        y = rng.binomial(1, expit(beta[0] + beta[1] * x1 + beta[2] * x2))
        d = pd.DataFrame({"y": y, "x1": x1, "x2": x2})
        full.append(logistic_regression(d, "y", ["x1", "x2"], ci_method="wald").coef)
        d.loc[rng.random(n) < expit(-1.5 + y + 0.5 * x1), "x2"] = np.nan
        fits = impute(d, m=5, maxit=5, random_state=rng).apply(
            lambda c: logistic_regression(c, "y", ["x1", "x2"], ci_method="wald"))
        p = pool(fits)
        covered += (p.conf_low <= beta) & (beta <= p.conf_high)
        mi.append(p.estimate)
    mi, full = np.array(mi), np.array(full)
    diff = mi - full
    assert np.all(np.abs(diff.mean(axis=0)) < 3 * diff.std(axis=0, ddof=1) / np.sqrt(reps))
    assert np.all((covered / reps >= 0.91) & (covered / reps <= 0.99))


def test_ignore_rows_neither_fit_nor_donate(incomplete):
    # mice's ignore: flagged rows are imputed by models fitted on the other rows alone
    ignore = np.r_[np.zeros(240, bool), np.ones(60, bool)]
    a = impute(incomplete, m=3, maxit=4, random_state=5, ignore=ignore)
    changed = incomplete.copy()
    rows = changed.index[240:]
    changed.loc[rows, "crp"] = changed.loc[rows, "crp"] * 50 + 3  # other observed values in the ignored rows
    changed.loc[rows, "age"] = 20.0
    changed.loc[rows, "y"] = 1 - changed.loc[rows, "y"]
    b = impute(changed, m=3, maxit=4, random_state=5, ignore=ignore)
    fit_donors = {v: set(incomplete.loc[:239, v].dropna()) for v in ("crp", "albumin")}
    for x, y in zip(a.datasets, b.datasets):
        pd.testing.assert_frame_equal(x.iloc[:240], y.iloc[:240])  # nothing of the ignored rows reached them
        for v in ("crp", "albumin"):
            filled = y.loc[rows, v][incomplete.loc[rows, v].isna()]
            assert len(filled) and set(filled) <= fit_donors[v]  # donors come from the fitting rows only
    assert not a.datasets[0].iloc[240:].equals(b.datasets[0].iloc[240:])


@pytest.mark.parametrize("ignore, match", [
    (np.ones(300, bool), "flags every row"),
    (np.zeros(10, bool), "one True/False per row"),
    (np.zeros(300), "one True/False per row"),
])
def test_bad_ignore(incomplete, ignore, match):
    with pytest.raises(DataValidationError, match=match):
        impute(incomplete, m=2, ignore=ignore)


def test_ignore_leaving_no_observed_value_is_refused():
    df = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [np.nan, np.nan, 3.0, 1.0]})
    with pytest.raises(DataValidationError, match="no observed value of 'b'"):
        impute(df, m=2, ignore=np.array([False, False, True, True]))
