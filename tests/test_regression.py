"""Logistic regression against R (tests/reference/regression.R): glm with glm.control(epsilon = 1e-14),
confint.default, exact profile roots (uniroot, tol 1e-13), MASS::confint, drop1 LRT, rms::lrm, the
ResourceSelection HL rule, car::vif, brglm2 (Firth, AS_mean). Tolerances: 1e-8 relative for fits and
closed forms (R's SEs at its stopping point differ from the exact ones by ~5e-10); MASS's spline-interpolated
profile limits 1e-3."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, reference
from numpy.testing import assert_allclose
from scipy import optimize

import cohortstats as cs
from cohortstats.exceptions import ConvergenceWarning, DataValidationError, SeparationWarning, SmallCellWarning

REF = reference("regression_reference.csv").set_index("name")["value"]
TERMS = ["(Intercept)", "age", "lwt", "race[2]", "race[3]", "smoke", "ptl", "ht", "ui", "ftv"]
PRED = ["age", "lwt", "race", "smoke", "ptl", "ht", "ui", "ftv"]
TOL = dict(rtol=1e-8, atol=1e-10)


@pytest.fixture(scope="module")
def fit(birthwt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)  # 59 events / 9 coefficients: EPV 6.6
        return cs.logistic_regression(birthwt, "low", PRED, categorical=["race"])


@pytest.fixture(scope="module")
def firth(birthwt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        return cs.logistic_regression(birthwt, "low", PRED, categorical=["race"], method="firth")


def test_coefficients_se_z_p_equal_glm(fit):
    t = fit.tidy(exponentiate=False).set_index("term")
    for term in TERMS:
        row = t.loc[term]
        assert_allclose(row["estimate"], REF[f"coef_{term}"], **TOL)
        assert_allclose(row["std_error"], REF[f"se_{term}"], **TOL)
        assert_allclose(row["statistic"], REF[f"z_{term}"], **TOL)
        assert_allclose(row["p_value"], REF[f"p_{term}"], **TOL)


def test_profile_and_wald_cis_equal_r(fit, birthwt):
    t = fit.tidy(exponentiate=False).set_index("term")
    for term in TERMS:
        assert_allclose(t.loc[term, "conf_low"], REF[f"profile_low_{term}"], **TOL)
        assert_allclose(t.loc[term, "conf_high"], REF[f"profile_high_{term}"], **TOL)
        # MASS::confint interpolates a spline over a grid: agreement to ~1e-4
        assert_allclose(t.loc[term, "conf_low"], REF[f"mass_low_{term}"], rtol=1e-3, atol=1e-3)
        assert_allclose(t.loc[term, "conf_high"], REF[f"mass_high_{term}"], rtol=1e-3, atol=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        wald = cs.logistic_regression(birthwt, "low", PRED, categorical=["race"], ci_method="wald")
    w = wald.tidy(exponentiate=False).set_index("term")
    for term in TERMS:
        # absolute 1e-8: R's SE at its stopping point differs by ~5e-10 relative, which is large relative
        # to a limit near 0
        assert_allclose(w.loc[term, ["conf_low", "conf_high"]].astype(float),
                        [REF[f"wald_low_{term}"], REF[f"wald_high_{term}"]], rtol=1e-8, atol=1e-8)
    assert wald.ci_method == "Wald" and fit.ci_method == "profile likelihood"


def test_odds_ratio_scale_and_reference_rows(fit):
    t = fit.tidy().set_index("term")
    assert_allclose(t.loc["smoke", "estimate"], np.exp(REF["coef_smoke"]), rtol=1e-10)
    assert_allclose(t.loc["smoke", "conf_low"], np.exp(REF["profile_low_smoke"]), rtol=1e-8)
    ref_row = t.loc["race[1]"]
    assert ref_row["reference"] and ref_row["estimate"] == 1.0 and np.isnan(ref_row["p_value"])
    assert (ref_row["n"], ref_row["n_events"]) == (96, 23)  # white mothers, low birth weight
    assert list(t.index[:6]) == ["(Intercept)", "age", "lwt", "race[1]", "race[2]", "race[3]"]


def test_drop1_lr_tests_equal_r(fit):
    lr = fit.lr_tests.set_index("variable")
    for v in PRED:
        assert lr.loc[v, "df"] == REF[f"lrt_df_{v}"]
        assert_allclose(lr.loc[v, "statistic"], REF[f"lrt_stat_{v}"], **TOL)
        assert_allclose(lr.loc[v, "p_value"], REF[f"lrt_p_{v}"], **TOL)


def test_glance_equals_glm_and_lrm(fit):
    g = fit.glance().iloc[0]
    for k, r in (("aic", "aic"), ("bic", "bic"), ("log_likelihood", "loglik"), ("deviance", "deviance"),
                 ("null_deviance", "null_deviance"), ("lr_statistic", "lrm_LR"), ("r2_nagelkerke", "lrm_R2"),
                 ("c_index", "lrm_C"), ("dxy", "lrm_Dxy"), ("brier", "lrm_Brier")):
        assert_allclose(g[k], REF[r], **TOL)
    assert (g["n"], g["n_events"], g["df_model"]) == (189, 59, 9)


def test_hosmer_lemeshow_rule(fit, birthwt):
    h = fit.hosmer_lemeshow()
    assert_allclose([h.statistic, h.p_value], [REF["hl_stat"], REF["hl_p"]], **TOL)
    assert h.df == 8 and h.groups_used == REF["hl_groups_used"]
    h5 = fit.hosmer_lemeshow(groups=5)
    assert_allclose([h5.statistic, h5.p_value], [REF["hl5_stat"], REF["hl5_p"]], **TOL)
    f2 = cs.logistic_regression(birthwt, "low", ["smoke"])
    ht = f2.hosmer_lemeshow()
    assert ht.groups_used == REF["hl_ties_groups_used"] == 1 and ht.df == 8  # ties merge the bins
    assert_allclose(ht.statistic, REF["hl_ties_stat"], atol=1e-10)
    assert "ResourceSelection" in h.rule


def test_vif_equals_car(fit):
    v = fit.vif().set_index("variable")
    for p in PRED:
        assert_allclose(v.loc[p, "gvif"], REF[f"gvif_{p}"], rtol=1e-7)
        assert_allclose(v.loc[p, "gvif_adjusted"], REF[f"gvif_adj_{p}"], rtol=1e-7)


def test_reference_level_and_interaction_equal_r(birthwt):
    f = cs.logistic_regression(birthwt, "low", ["lwt", "race", "smoke", "age"], categorical=["race"],
                               reference={"race": 3}, interactions=["smoke:age"], ci_method="wald", epv_warning=5)
    t = f.tidy(exponentiate=False).set_index("term")
    assert_allclose(t.loc["race[1]", "estimate"], REF["ref3_race1"], **TOL)
    assert_allclose(t.loc["race[2]", "estimate"], REF["ref3_race2"], **TOL)
    assert_allclose(t.loc["smoke:age", "estimate"], REF["int_smoke_age"], **TOL)
    assert_allclose(t.loc["smoke:age", "std_error"], REF["int_se"], **TOL)
    assert t.loc["race[3]", "reference"]
    lr = f.lr_tests.set_index("variable")
    assert np.isnan(lr.loc["smoke", "statistic"]) and lr.loc["smoke:age", "df"] == 1  # marginality, as drop1


def test_per_sd_and_iqr_odds_ratios(birthwt):
    base = cs.logistic_regression(birthwt, "low", ["lwt", "age"], ci_method="wald")
    sd = cs.logistic_regression(birthwt, "low", ["lwt", "age"], scale={"lwt": "sd"}, ci_method="wald")
    b = base.tidy(exponentiate=False).set_index("term")
    s = sd.tidy(exponentiate=False).set_index("term")
    s_lwt = birthwt["lwt"].std(ddof=1)
    assert_allclose(s.loc["lwt", "estimate"], b.loc["lwt", "estimate"] * s_lwt, rtol=1e-10)
    assert_allclose(s.loc["lwt", "p_value"], b.loc["lwt", "p_value"], rtol=1e-10)
    assert s.loc["lwt", "unit"].startswith("per SD (") and s.loc["age", "unit"] == ""
    iqr = cs.logistic_regression(birthwt, "low", ["lwt", "age"], scale="iqr", ci_method="wald").tidy().set_index("term")
    q1, q3 = np.quantile(birthwt["lwt"], [0.25, 0.75])
    assert_allclose(np.log(iqr.loc["lwt", "estimate"]), b.loc["lwt", "estimate"] * (q3 - q1), rtol=1e-9)


def test_predict_proba_matches_fitted(fit, birthwt):
    assert_allclose(fit.predict_proba(birthwt), fit.fitted, rtol=1e-12)
    new = birthwt.iloc[:3].copy()
    new["race"] = [1, 2, 9]
    with pytest.raises(DataValidationError, match="level\\(s\\) 9 not seen"):
        fit.predict_proba(new)


# ---------------------------------------------------------------- Firth
def test_firth_equals_brglm2(firth):
    t = firth.tidy(exponentiate=False).set_index("term")
    for term in TERMS:
        assert_allclose(t.loc[term, "estimate"], REF[f"firth_coef_{term}"], **TOL)
        assert_allclose(t.loc[term, "std_error"], REF[f"firth_se_{term}"], **TOL)
    assert firth.p_method.startswith("penalised likelihood-ratio")


def _penalised(X, y, beta):
    eta = X @ beta
    p = 1 / (1 + np.exp(-eta))
    info = (X * (p * (1 - p))[:, None]).T @ X
    return np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * np.linalg.slogdet(info)[1]


def test_firth_profile_limits_and_p_values_by_independent_maximisation():
    """Check logistf-style profile penalised limits with scipy's optimiser on l(β) + ½ log|I(β)|."""
    sep = pd.read_csv(REFERENCE / "separation_data.csv")
    f = cs.logistic_regression(sep, "y", ["x", "z"], method="firth", epv_warning=0)
    t = f.tidy(exponentiate=False).set_index("term")
    assert_allclose(t.loc["x", "estimate"], REF["sep_firth_x"], **TOL)
    assert_allclose(t.loc["x", "std_error"], REF["sep_firth_se_x"], **TOL)
    X = np.column_stack([np.ones(len(sep)), sep["x"], sep["z"]])
    y = sep["y"].to_numpy(float)
    top = -optimize.minimize(lambda b: -_penalised(X, y, b), np.zeros(3), method="BFGS", options={"gtol": 1e-10}).fun

    def profile(j, value):
        def neg(free):
            b = np.insert(free, j, value)
            return -_penalised(X, y, b)
        return -optimize.minimize(neg, np.zeros(2), method="BFGS", options={"gtol": 1e-10}).fun

    chi = 3.841458820694124  # qchisq(0.95, 1)
    for j, term in ((1, "x"), (2, "z")):
        for lim in ("conf_low", "conf_high"):
            assert_allclose(2 * (top - profile(j, t.loc[term, lim])), chi, rtol=1e-5)
        assert_allclose(t.loc[term, "p_value"],
                        __import__("scipy").stats.chi2.sf(2 * (top - profile(j, 0.0)), 1), rtol=1e-5)


# ---------------------------------------------------------------- separation and bad input
def test_separation_detected_and_named():
    sep = pd.read_csv(REFERENCE / "separation_data.csv")
    with pytest.warns(SeparationWarning, match="quasi-complete separation.*'x'.*method='firth'"):
        f = cs.logistic_regression(sep, "y", ["x", "z"], epv_warning=0)
    assert f.separation == "quasi-complete" and np.isinf(f.conf_high[1])
    complete = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1], "x": [1.0, 2, 3, 4, 5, 6]})
    with pytest.warns(SeparationWarning, match="^complete separation: the outcome is perfectly predicted along"):
        f = cs.logistic_regression(complete, "y", ["x"], epv_warning=0)
    assert f.separation == "complete"  # every patient strictly on its side (it used to read "quasi-complete")


def test_separation_label_complete_versus_quasi_complete(rng):
    """Konis' LP finds a separating direction by the summed margins, which may leave a patient on the boundary;
    the label comes from the largest smallest margin: > 0 complete, 0 quasi-complete (a tie at the boundary)."""
    from cohortstats.regression._fit import detect_separation

    for _ in range(20):  # a strict linear boundary: complete
        x = rng.normal(size=(12, 2))
        y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
        if 0 < y.sum() < 12:
            assert detect_separation(np.column_stack([np.ones(12), x]), y)[0] == "complete"
    # two patients share x = 3 with different outcomes: separated except on the boundary
    X = np.column_stack([np.ones(7), [1.0, 2, 3, 3, 4, 5, 6]])
    assert detect_separation(X, np.array([0, 0, 0, 1, 1, 1, 1.0]))[0] == "quasi-complete"
    assert detect_separation(X, np.array([0, 1, 0, 1, 0, 1, 0.0]))[0] == "none"


def test_categorical_level_without_events_is_separation(birthwt):
    d = birthwt.assign(grp=np.where(birthwt["low"] == 1, "a", np.where(birthwt.index % 2 == 0, "b", "c")))
    with pytest.warns(SeparationWarning, match=r"grp\[b\]|grp\[c\]"):
        cs.logistic_regression(d, "low", ["grp", "lwt"], ci_method="wald")


def test_outcome_errors(birthwt):
    with pytest.raises(DataValidationError, match=r"must have exactly two values; got 3 \(1, 2, 3\)"):
        cs.logistic_regression(birthwt, "race", ["age"])
    d = birthwt.assign(status=np.where(birthwt["low"] == 1, "low", "normal"))
    with pytest.raises(DataValidationError, match="say which is the event"):
        cs.logistic_regression(d, "status", ["age"])
    f = cs.logistic_regression(d, "status", ["age"], positive="low")
    assert f.n_events == 59


def test_predictor_errors(birthwt):
    with pytest.raises(DataValidationError, match=r"not found in the data: 'nope'"):
        cs.logistic_regression(birthwt, "low", ["age", "nope"])
    with pytest.raises(DataValidationError, match="'one' is constant"):
        cs.logistic_regression(birthwt.assign(one=1.0), "low", ["age", "one"])
    with pytest.raises(DataValidationError, match="perfectly collinear predictors: .*'age'.*'age2'"):
        cs.logistic_regression(birthwt.assign(age2=2 * birthwt["age"] + 1), "low", ["age", "lwt", "age2"])


def test_missing_values_are_excluded_and_counted(birthwt):
    d = birthwt.copy()
    d.loc[:4, "lwt"] = np.nan
    d.loc[3:6, "age"] = np.nan
    f = cs.logistic_regression(d, "low", ["age", "lwt"], ci_method="wald")
    assert f.n == 189 - 7
    ex = f.excluded.set_index("reason")["n"]
    assert ex["missing lwt"] == 5 and ex["missing age"] == 4
    assert ex["rows excluded (any missing value; complete-case analysis)"] == 7
    assert f.glance()["n_excluded"].item() == 7


def test_low_epv_warns_with_number(birthwt):
    with pytest.warns(SmallCellWarning, match=r"only 6.6 events per variable"):
        cs.logistic_regression(birthwt, "low", PRED, categorical=["race"], ci_method="wald")


def test_non_convergence_warns():
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"y": rng.integers(0, 2, 200), "x": rng.normal(size=200)})
    from cohortstats.regression import _fit as _logistic_fit

    orig = _logistic_fit.fit_logistic

    def one_step(*a, **k):
        k["maxit"] = 1
        return orig(*a, **k)

    import cohortstats.regression.logistic as reg

    reg.fit_logistic, saved = one_step, reg.fit_logistic
    try:
        with pytest.warns(ConvergenceWarning, match="did not converge"):
            reg.logistic_regression(d, "y", ["x"], ci_method="wald")
    finally:
        reg.fit_logistic = saved


def test_inputs_not_modified(birthwt):
    before = birthwt.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cs.logistic_regression(birthwt, "low", PRED, categorical=["race"], ci_method="wald")
        cs.regression_table(birthwt, "low", PRED, categorical=["race"], ci_method="wald")
    pd.testing.assert_frame_equal(birthwt, before)


# ---------------------------------------------------------------- univariable and table
def test_univariable_equals_single_fits_and_lr(birthwt):
    uni = cs.univariable_logistic(birthwt, "low", ["age", "race", "smoke"], categorical=["race"])
    t = uni.tidy()
    single = cs.logistic_regression(birthwt, "low", ["race"], categorical=["race"]).tidy(intercept=False)
    got = t[t.predictor == "race"].reset_index(drop=True)
    assert_allclose(got["estimate"], single["estimate"], rtol=1e-12)
    assert got["lr_p_value"].nunique() == 1 and uni.fits["race"].lr_tests["df"].item() == 2
    assert {"predictor", "lr_p_value", "model_n"} <= set(t.columns)


def test_regression_table_screens_and_records_rule(birthwt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        tab = cs.regression_table(birthwt, "low", PRED, categorical=["race"], screen_p=0.05)
    p = tab.univariable.p_values("wald")
    assert tab.selected == [v for v in PRED if p[v] < 0.05]
    assert tab.rule == "univariable Wald P < 0.05"
    tidy = tab.tidy()
    sel = tidy[tidy.selected & ~tidy.reference]
    assert sel["multi_estimate"].notna().all()
    assert tidy.loc[~tidy.selected, "multi_estimate"].isna().all()
    given = cs.regression_table(birthwt, "low", PRED, multivariable=["smoke", "ht"])
    assert given.rule == "given by the user" and given.selected == ["smoke", "ht"]


@pytest.mark.parametrize("table", [((20, 0), (20, 200)), ((0, 22), (7, 356)), ((3, 9), (5, 40))])
def test_firth_two_by_two_closed_form(table):
    """For a binary predictor Firth's estimate is the log odds ratio with ½ added to every cell
    (Firth 1993; Heinze & Schemper 2002): the modified score makes p_g = (events_g + ½)/(n_g + 1).
    The first table is Kleinman's 'SAS and R' Example 8.15 (20 exposed events, 20 unexposed events,
    200 unexposed non-events, an empty cell)."""
    (a, b), (c, d) = table  # exposed: events, non-events; unexposed: events, non-events
    df = pd.DataFrame({"x": [1] * (a + b) + [0] * (c + d), "y": [1] * a + [0] * b + [1] * c + [0] * d})
    f = cs.logistic_regression(df, "y", ["x"], method="firth", ci_method="wald", epv_warning=0)
    expected = np.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
    assert_allclose(f.coef[1], expected, rtol=1e-10)
    assert_allclose(f.coef[0], np.log((c + 0.5) / (d + 0.5)), rtol=1e-10)


def test_profile_limits_the_same_in_parallel(rng):
    """The profile limits are independent root searches: two workers give the serial answer (BLAS thread counts
    may change the last bits of X'WX, hence not bit-for-bit)."""
    n = 3000
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.integers(0, 3, n)})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-(0.5 * df["a"] - 0.3 * df["b"])))).astype(int)
    one = cs.logistic_regression(df, "y", ["a", "b", "c"], categorical=["c"], n_jobs=1)
    two = cs.logistic_regression(df, "y", ["a", "b", "c"], categorical=["c"], n_jobs=2)
    assert_allclose(two.conf_low, one.conf_low, rtol=1e-10)
    assert_allclose(two.conf_high, one.conf_high, rtol=1e-10)
