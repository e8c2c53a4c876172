"""pool / pool_scalar: Rubin's rules with Barnard-Rubin df, against mice 3.15.0.

Reference values: tests/reference/pool.R (R 4.2.2, Debian r-cran-mice). It draws a cohort of 300 with ~20%
missing (MAR on age) in two lab values, imputes with mice(d, m = 5, method = "pmm", seed = 4711), writes each
complete(imp, i) to pool_completed_<i>.csv, fits with(imp, glm(..., family = binomial,
control = glm.control(epsilon = 1e-14, maxit = 100))) and writes summary(pool(fit), conf.int = TRUE,
exponentiate = TRUE) -> pool_<model>_summary.csv and pool(fit)$pooled -> pool_<model>_pooled.csv.
"""

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cohortstats import logistic_regression
from cohortstats.exceptions import DataValidationError
from cohortstats.missing.pool import barnard_rubin_df, pool, pool_scalar

from conftest import REFERENCE, reference

TOL = 1e-8
MODELS = {
    # name: (predictors, categorical, R term -> our term)
    "main": (["age", "sex", "crp", "albumin"], None, {"sexM": "sex[M]"}),
    "factor": (["age", "grade", "crp", "albumin"], ["grade"], {"factor(grade)2": "grade[2]",
                                                               "factor(grade)3": "grade[3]"}),
}


@pytest.fixture(scope="module")
def completed():
    return [pd.read_csv(REFERENCE / f"pool_completed_{i}.csv") for i in range(1, 6)]


def _pooled(completed, name):
    predictors, categorical, _ = MODELS[name]
    fits = [logistic_regression(d, "y", predictors, categorical=categorical, ci_method="wald", epv_warning=0)
            for d in completed]
    return pool(fits)


@pytest.mark.parametrize("name", ["main", "factor"])
def test_pool_equals_mice_summary(completed, name):
    # summary(pool(with(imp, glm(y ~ ..., binomial, tight))), conf.int = TRUE, exponentiate = TRUE)
    got = _pooled(completed, name).tidy()
    ref = reference(f"pool_{name}_summary.csv")
    ref["term"] = ref["term"].replace(MODELS[name][2])
    assert got["term"].tolist() == ref["term"].tolist()
    for ours, theirs in [("estimate", "estimate"), ("std_error", "std.error"), ("statistic", "statistic"),
                         ("df", "df"), ("p_value", "p.value"), ("conf_low", "X2.5.."), ("conf_high", "X97.5..")]:
        assert_allclose(got[ours], ref[theirs], rtol=TOL, err_msg=ours)


@pytest.mark.parametrize("name", ["main", "factor"])
def test_pool_equals_mice_pooled_components(completed, name):
    # pool(fit)$pooled: estimate (log odds), ubar, b, t, dfcom (= n - k, df.residual of the glm), df, riv,
    # lambda, fmi
    result = _pooled(completed, name)
    got = result.tidy(exponentiate=False)
    ref = reference(f"pool_{name}_pooled.csv")
    assert_allclose(got["estimate"], ref["estimate"], rtol=TOL)
    for col in ["ubar", "b", "t", "df", "riv", "fmi", "dfcom", "m"]:
        assert_allclose(got[col], ref[col], rtol=TOL, err_msg=col)
    assert_allclose(got["lambda_"], ref["lambda"], rtol=TOL)
    assert result.dfcom == 300 - len(result.terms)
    assert_allclose(np.diag(result.covariance), result.t, rtol=1e-12)


def test_scalar_pooling_equals_pool_per_term(completed):
    predictors, categorical, _ = MODELS["main"]
    fits = [logistic_regression(d, "y", predictors, ci_method="wald", epv_warning=0) for d in completed]
    whole = pool(fits)
    j = whole.terms.index("crp")
    one = pool_scalar([f.coef[j] for f in fits], [f.std_error[j] ** 2 for f in fits], dfcom=whole.dfcom)
    assert_allclose([one.qbar, one.t, one.df, one.fmi, one.p_value, one.conf_low],
                    [whole.estimate[j], whole.t[j], whole.df[j], whole.fmi[j], whole.p_value[j], whole.conf_low[j]],
                    rtol=1e-13)


SCALAR_CASES = {
    # case: (Q, U, dfcom, transform) as pool.R's pool.scalar(Q, U, n, k) calls
    "auc_inf": ([0.781, 0.795, 0.770, 0.802, 0.788], [0.00081, 0.00078, 0.00085, 0.00076, 0.00080], None, None),
    "auc_n200": ([0.781, 0.795, 0.770, 0.802, 0.788], [0.00081, 0.00078, 0.00085, 0.00076, 0.00080], 199, None),
    "auc_logit_n200": ([0.781, 0.795, 0.770, 0.802, 0.788], [0.00081, 0.00078, 0.00085, 0.00076, 0.00080], 199,
                       "logit"),
    "slope_n150_k3": ([0.95, 1.12, 0.88, 1.05, 0.99, 1.21, 0.91, 1.02, 1.08, 0.97],
                      [0.031, 0.029, 0.035, 0.030, 0.033, 0.028, 0.034, 0.031, 0.030, 0.032], 147, None),
    "equal_q_n50": ([0.3] * 4, [0.01, 0.012, 0.011, 0.009], 49, None),
}


@pytest.mark.parametrize("case", list(SCALAR_CASES))
def test_pool_scalar_equals_mice(case):
    # pool.scalar(Q, U) / pool.scalar(Q, U, n = 200, k = 1) / on qlogis(Q) with U / (Q (1 - Q))^2 /
    # pool.scalar(Q, U, n = 150, k = 3) / pool.scalar(rep(0.3, 4), U, n = 50)  (pool.R)
    q, u, dfcom, transform = SCALAR_CASES[case]
    r = pool_scalar(q, u, dfcom=dfcom, transform=transform)
    ref = reference("pool_scalar_reference.csv").set_index("case").loc[case]
    assert_allclose([r.qbar, r.ubar, r.b, r.t, r.df, r.riv, r.fmi],
                    [ref.qbar, ref.ubar, ref.b, ref.t, ref.df, ref.r, ref.fmi], rtol=1e-12, atol=1e-15)
    m = len(q)
    assert_allclose(r.lambda_, (1 + 1 / m) * r.b / r.t, rtol=1e-14)


def test_pool_scalar_logit_back_transforms():
    q = [0.781, 0.795, 0.770, 0.802, 0.788]
    u = [0.00081, 0.00078, 0.00085, 0.00076, 0.00080]
    r = pool_scalar(q, u, dfcom=199, transform="logit")
    ref = reference("pool_scalar_reference.csv").set_index("case").loc["auc_logit_n200"]
    from scipy import stats
    from scipy.special import expit
    crit = stats.t.ppf(0.975, ref.df)
    assert_allclose(r.estimate, expit(ref.qbar), rtol=1e-12)
    assert_allclose([r.conf_low, r.conf_high], expit(ref.qbar + np.array([-1, 1]) * crit * math.sqrt(ref.t)),
                    rtol=1e-12)
    assert r.conf_low < r.estimate < r.conf_high < 1
    assert r.tidy().loc[0, "transform"] == "logit"


def test_barnard_rubin_df_limits():
    # infinite dfcom gives Rubin's (1987) (m - 1) / lambda^2; finite dfcom can never exceed dfcom
    m, b, t = 5, 0.2, 1.0
    lam = (1 + 1 / m) * b / t
    assert_allclose(barnard_rubin_df(m, b, t), (m - 1) / lam ** 2)
    assert barnard_rubin_df(m, b, t, 30) < 30


def test_pool_validation(completed):
    fits = [logistic_regression(d, "y", ["age", "crp"], ci_method="wald") for d in completed[:2]]
    other = logistic_regression(completed[2], "y", ["age", "albumin"], ci_method="wald")
    with pytest.raises(DataValidationError, match="at least 2"):
        pool(fits[:1])
    with pytest.raises(TypeError, match="LogisticRegressionResult"):
        pool([fits[0], "not a fit"])
    with pytest.raises(TypeError, match="list of fitted models"):
        pool(fits[0])
    with pytest.raises(DataValidationError, match="has terms"):
        pool([*fits, other])
    sd_fits = [logistic_regression(d, "y", ["age", "crp"], scale="sd", ci_method="wald") for d in completed[:2]]
    with pytest.raises(DataValidationError, match="scale"):
        pool(sd_fits)
    with pytest.raises(DataValidationError, match="dfcom"):
        pool(fits, dfcom=-1)
    with pytest.raises(DataValidationError, match="conf_level"):
        pool(fits, conf_level=95)


def test_pool_scalar_validation():
    with pytest.raises(DataValidationError, match="same length"):
        pool_scalar([1, 2], [1])
    with pytest.raises(DataValidationError, match="at least 2"):
        pool_scalar([1], [1])
    with pytest.raises(DataValidationError, match="variances >= 0"):
        pool_scalar([1, 2], [1, -1])
    with pytest.raises(DataValidationError, match=r"needs estimates in \(0, 1\)"):
        pool_scalar([0.5, 1.2], [0.1, 0.1], transform="logit")
    with pytest.raises(DataValidationError, match="transform must be one of"):
        pool_scalar([0.5, 0.6], [0.1, 0.1], transform="probit")


def test_inputs_not_mutated_and_frozen(completed):
    q = np.array([0.7, 0.72, 0.69])
    u = np.array([0.001, 0.0012, 0.0011])
    before = (q.copy(), u.copy())
    r = pool_scalar(q, u, transform="logit")
    assert_allclose(q, before[0], rtol=0) and assert_allclose(u, before[1], rtol=0)
    with pytest.raises(AttributeError):
        r.estimate = 0
    res = _pooled(completed, "main")
    assert "<table" in res._repr_html_()
    assert res.tidy(intercept=False)["term"].iloc[0] == "age"


def test_pool_wald_and_chisquare_edges(completed):
    # D1 of one term: F = t^2; bad terms named; D2 of identical statistics is chi-square / k
    from cohortstats.missing.pool import pool_chisquare, pool_wald

    fits = [logistic_regression(d, "y", ["age", "crp"], ci_method="wald", epv_warning=0) for d in completed]
    d1 = pool_wald(fits, ["crp"], dfcom=math.inf)
    t = pool(fits).tidy().set_index("term").loc["crp", "statistic"]
    assert_allclose(d1.statistic, t ** 2, rtol=1e-12)
    with pytest.raises(DataValidationError, match=r"needs k\(m - 1\) > 4"):
        pool_wald(fits[:5], ["crp"])  # Reiter's df is undefined for 1 term and 5 imputations
    with pytest.raises(DataValidationError, match="terms must name terms of the fits"):
        pool_wald(fits, ["albumin"])
    same = pool_chisquare([3.0, 3.0, 3.0], 1)
    assert same.df2 == math.inf and abs(same.p_value - 0.0832645166635504) < 1e-12
    with pytest.raises(DataValidationError, match="at least 2"):
        pool_chisquare([3.0], 1)
    with pytest.raises(DataValidationError, match="finite chi-square"):
        pool_chisquare([3.0, -1.0], 1)
