"""Profile-likelihood limits on few-event data against R (tests/reference/profile_edges.R).

Data: n = 56, 1, 2, 3 and 5 events, x continuous, g binary, zero cells (no events in one level of g) and a
complete separation (the single event has the largest x), generated in R with set.seed and read from
profile_edges_data.csv. Models y ~ x, y ~ g, y ~ x + g.

MLE reference: roots of sign(b - bhat) sqrt(D(b)) = ±qnorm(0.975) by uniroot(tol = 1e-12), D(b) from
glm.fit(X[, -j], y, binomial(), offset = X[, j] * b, control = glm.control(epsilon = 1e-14, maxit = 100)) (and a
Newton iteration with step halving where glm.fit stops short); -Inf / Inf where D stays below qchisq(0.95, 1).
Firth reference: the penalised log-likelihood l(b) + 1/2 log|X'WX| maximised over the other coefficients in R,
then uniroot(tol = 1e-12); point estimates from glm(..., method = "brglmFit", type = "AS_mean").
Tolerance: 1e-8 relative on the log-odds scale (observed: below 4e-12).
"""

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import reference
from numpy.testing import assert_allclose
from scipy import optimize, stats
from scipy.special import expit

import cohortstats as cs
from cohortstats.regression import _fit as _logistic_fit
from cohortstats.regression._fit import fit_logistic
from cohortstats.exceptions import ConvergenceWarning, SeparationWarning

DATA = reference("profile_edges_data.csv")
REF = reference("profile_edges_reference.csv")
MODELS = {"x": ["x"], "g": ["g"], "x_g": ["x", "g"]}
CHI2 = stats.chi2.ppf(0.95, 1)  # qchisq(0.95, 1)
CASES = sorted(set(zip(REF["dataset"], REF["model"], REF["method"])), key=str)


def _fit(dataset, model, method, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = cs.logistic_regression(DATA[DATA["dataset"] == dataset], "y", MODELS[model], method=method,
                                     epv_warning=0, **kwargs)
    return fit, caught


@pytest.mark.parametrize(("dataset", "model", "method"), CASES)
def test_limits_equal_r(dataset, model, method):
    fit, caught = _fit(dataset, model, method)
    ref = REF[(REF["dataset"] == dataset) & (REF["model"] == model) & (REF["method"] == method)].set_index("term")
    t = fit.tidy(exponentiate=False).set_index("term")
    for term, row in ref.iterrows():
        for lim in ("conf_low", "conf_high"):
            if np.isinf(row[lim]):
                assert t.loc[term, lim] == row[lim], (term, lim)
            else:
                assert_allclose(t.loc[term, lim], row[lim], rtol=1e-8, err_msg=f"{term} {lim}")
        # no limit equals the estimate (the reported bug: OR 0.116 (0.00047-0.116))
        assert t.loc[term, "conf_low"] < t.loc[term, "estimate"] < t.loc[term, "conf_high"]
        if method == "firth":
            assert_allclose(t.loc[term, "estimate"], row["brglm2_estimate"], rtol=1e-8, atol=1e-12)
        elif fit.separation == "none":
            assert_allclose(t.loc[term, "estimate"], row["estimate"], rtol=1e-8)
    messages = [str(w.message) for w in caught]
    infinite = [term for term, row in ref.iterrows() if np.isinf(row["conf_low"]) or np.isinf(row["conf_high"])]
    limit_warnings = [m for m in messages if "no finite limit" in m]
    if infinite:
        assert len(limit_warnings) == 1 and all(f"'{term}'" in limit_warnings[0] for term in infinite)
        assert "method='firth'" in limit_warnings[0]
        assert any(issubclass(w.category, SeparationWarning) and "no finite limit" in str(w.message) for w in caught)
    else:
        assert not limit_warnings
    assert not any(issubclass(w.category, ConvergenceWarning) for w in caught)


def test_infinite_limits_are_zero_or_inf_on_the_odds_ratio_scale():
    """zero_g1: no events among g = 1 -> OR for g has lower limit 0 (R: -Inf on the log-odds scale)."""
    with pytest.warns(SeparationWarning, match=r"no finite limit for 'g' \(lower\).*method='firth'"):
        fit = cs.logistic_regression(DATA[DATA["dataset"] == "zero_g1"], "y", ["g"], epv_warning=0)
    g = fit.tidy().set_index("term").loc["g"]
    ref = REF[(REF["dataset"] == "zero_g1") & (REF["model"] == "g") & (REF["method"] == "mle")].set_index("term")
    assert g["conf_low"] == 0.0
    assert_allclose(g["conf_high"], np.exp(ref.loc["g", "conf_high"]), rtol=1e-8)
    assert any("no finite limit" in note for note in fit.notes)
    # all events in g = 1 (zero_g0): the upper limit is infinite
    with pytest.warns(SeparationWarning, match=r"'g' \(upper\)"):
        fit0 = cs.logistic_regression(DATA[DATA["dataset"] == "zero_g0"], "y", ["g"], epv_warning=0)
    assert fit0.tidy().set_index("term").loc["g", "conf_high"] == np.inf


def test_univariable_screen_uses_the_same_limits():
    d = DATA[DATA["dataset"] == "zero_g1"]
    with pytest.warns(SeparationWarning, match=r"'g' \(lower\)"):
        uni = cs.univariable_logistic(d, "y", ["x", "g"])
    t = uni.tidy().set_index("term")
    ref = REF[(REF["dataset"] == "zero_g1") & (REF["method"] == "mle")]
    ref_g = ref[ref["model"] == "g"].set_index("term").loc["g"]
    ref_x = ref[ref["model"] == "x"].set_index("term").loc["x"]
    assert t.loc["g", "conf_low"] == 0.0
    assert_allclose(np.log(t.loc["g", "conf_high"]), ref_g["conf_high"], rtol=1e-8)
    assert_allclose(np.log(t.loc[["x"], ["conf_low", "conf_high"]].to_numpy(float)),
                    [[ref_x["conf_low"], ref_x["conf_high"]]], rtol=1e-8)


# ---------------------------------------------------------------- Firth: an independent computation
def _penalised(X, y, beta):
    eta = X @ beta
    w = expit(eta) * expit(-eta)
    return np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * np.linalg.slogdet((X * w[:, None]).T @ X)[1]


def _penalised_grad(X, y, beta):
    p = expit(X @ beta)
    w = p * (1 - p)
    h = w * np.einsum("ij,jk,ik->i", X, np.linalg.inv((X * w[:, None]).T @ X), X)
    return X.T @ (y - p + h * (0.5 - p))


def _scipy_profile(X, y, j, b, start):
    """max over the other coefficients of l + 1/2 log|X'WX| with beta_j = b: scipy's Nelder-Mead from the
    Firth estimates, polished by BFGS with the analytic gradient (the modified score)."""
    free = [i for i in range(X.shape[1]) if i != j]

    def neg(v):
        return -_penalised(X, y, np.insert(v, j, b))

    def grad(v):
        return -_penalised_grad(X, y, np.insert(v, j, b))[free]

    simplex = optimize.minimize(neg, np.delete(start, j), method="Nelder-Mead",
                                options={"xatol": 1e-9, "fatol": 1e-12, "maxfev": 4000})
    polish = optimize.minimize(neg, simplex.x, jac=grad, method="BFGS", options={"gtol": 1e-11})
    return -min(simplex.fun, polish.fun)


@pytest.mark.parametrize(("dataset", "model", "term", "brent"), [("e3", "x_g", "g", True), ("zero_g0", "x_g", "g", False),
                                                                ("e1", "x", "x", False)])
def test_firth_limits_by_scipy_maximisation(dataset, model, term, brent):
    """The penalised profile of logistf recomputed with scipy: at each limit 2(l*(hat) - l*_p(b)) = qchisq(0.95, 1);
    for one term brentq on the scipy profile finds the same limits."""
    fit, _ = _fit(dataset, model, "firth")
    X, y, j = fit.design.X1, fit.y, fit.terms.index(term)
    top = _penalised(X, y, fit.coef)

    def excess(b):
        return 2 * (top - _scipy_profile(X, y, j, b, fit.coef)) - CHI2

    for lim in (fit.conf_low[j], fit.conf_high[j]):
        assert_allclose(excess(lim) + CHI2, CHI2, rtol=1e-8)
        if brent:
            half = 0.01 * abs(lim - fit.coef[j])
            assert_allclose(optimize.brentq(excess, lim - half, lim + half, xtol=1e-12), lim, rtol=1e-8)


# ---------------------------------------------------------------- properties on simulated small data
def test_simulated_few_events_limits_are_roots_or_infinite(rng):
    """1-3 events in 56 patients, one and two predictors: every limit is +-inf or a root of D(b) = chi2, the
    constrained fit at the limit recomputed from a cold start (the log-likelihood is concave, so its maximum is
    unique); none equals the estimate, none is NaN."""
    checked = 0
    for events in (1, 2, 3, 1, 2, 3):
        n = 56
        d = pd.DataFrame({"x": rng.normal(64, 12, n).round(1), "g": rng.integers(0, 2, n), "y": 0.0})
        d.loc[rng.choice(n, events, replace=False), "y"] = 1.0
        for preds in (["x"], ["x", "g"]):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SeparationWarning)
                fit = cs.logistic_regression(d, "y", preds, epv_warning=0)
            X, y = fit.design.X1, fit.y
            top = fit_logistic(X, y, maxit=1000).objective
            for j in range(X.shape[1]):
                free = [i for i in range(X.shape[1]) if i != j]
                for lim in (fit.conf_low[j], fit.conf_high[j]):
                    assert not np.isnan(lim) and lim != fit.coef[j]
                    if np.isfinite(lim):
                        beta0 = np.zeros(X.shape[1])
                        beta0[j] = lim
                        cold = fit_logistic(X, y, free=free, beta0=beta0, maxit=1000)
                        assert cold.converged
                        assert_allclose(2 * (top - cold.objective), CHI2, rtol=1e-7)
                        checked += 1
    assert checked > 20


def test_failed_constrained_fit_gives_nan_and_a_warning(monkeypatch):
    """A constrained fit that stops short near the root makes the limit NaN with a ConvergenceWarning, never a
    number."""
    original = _logistic_fit.fit_logistic

    def one_iteration(X, y, **kwargs):
        if kwargs.get("free") is not None:
            kwargs["maxit"] = 1
            # from the warm starts near the root one iteration can reach the maximum: say it did not
            return dataclasses.replace(original(X, y, **kwargs), converged=False)
        return original(X, y, **kwargs)

    monkeypatch.setattr(_logistic_fit, "fit_logistic", one_iteration)
    monkeypatch.setattr(_logistic_fit, "_chord_fit", lambda *args, **kwargs: None)  # the chord method gives up too
    with pytest.warns(ConvergenceWarning, match=r"could not be computed for .*'x'.*ci_method='wald'"):
        fit = cs.logistic_regression(DATA[DATA["dataset"] == "e5"], "y", ["x"], epv_warning=0)
    assert np.isnan(fit.conf_low).any() or np.isnan(fit.conf_high).any()


def test_newton_from_the_wald_limit_equals_brent_in_two_or_three_fits(monkeypatch, rng):
    """In a large sample each limit is found by Newton's method from the Wald limit (the slope of r is the score
    of β_j at the constrained fit) in 2-3 constrained fits, equal to the limits Brent's method brackets without
    it (same cut, xtol 1e-12·z·SE): agreement to 1e-11 relative, observed ~3e-13."""
    n = 20_000
    X = rng.normal(size=(n, 4))
    y = (rng.random(n) < expit(X @ np.array([0.5, -0.3, 0.2, 0.0]) - 1.0)).astype(float)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(y=y)
    calls = {"n": 0}
    original = _logistic_fit._chord_fit

    def counted(*args, **kwargs):
        calls["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(_logistic_fit, "_chord_fit", counted)
    newton = cs.logistic_regression(df, "y", ["a", "b", "c", "d"], n_jobs=1)
    assert calls["n"] <= 3 * 10  # 5 coefficients × 2 limits
    monkeypatch.setattr(_logistic_fit, "_newton_near_wald", lambda *args, **kwargs: None)
    brent = cs.logistic_regression(df, "y", ["a", "b", "c", "d"], n_jobs=1)
    assert calls["n"] > 3 * 10 + 5 * 10  # Brent needs many more fits
    for ours, theirs in ((newton.conf_low, brent.conf_low), (newton.conf_high, brent.conf_high)):
        assert_allclose(ours, theirs, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("seed", [8, 11, 13])
def test_newton_limits_on_an_uncentred_covariate_equal_the_centred_fit(seed):
    """An uncentred covariate (w ~ N(10^4, 1), as a calendar year or a lab value) makes the design ill-conditioned:
    the profile limits of w's slope must equal those of the centred fit (the same likelihood, reparametrised).
    Accepting a Newton step predicted from the curvature (without evaluating r there) was off by up to 7e-9 here,
    because the slope carries the constrained fit's leftover score; now 1e-12 (asserted 1e-10)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 300))
    x = rng.normal(size=n)
    y = (rng.random(n) < expit(x)).astype(float)
    df = pd.DataFrame({"x": x * 10.0 ** rng.choice([-6, -3, 3, 6]), "w": rng.normal(size=n) + 1e4, "y": y})
    raw = cs.logistic_regression(df, "y", ["x", "w"], epv_warning=0)
    centred = cs.logistic_regression(df.assign(w=df["w"] - 1e4), "y", ["x", "w"], epv_warning=0)
    assert_allclose([raw.conf_low[2], raw.conf_high[2]], [centred.conf_low[2], centred.conf_high[2]], rtol=1e-10)
