"""Rubin's rules with the Barnard-Rubin small-sample degrees of freedom, as ``mice::pool`` and ``pool.scalar``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

from .._results import TidyHTML
from .._validation import _preview, check_one_of, check_probability
from ..exceptions import DataValidationError

__all__ = ["pool", "PooledResult", "pool_scalar", "PooledScalar", "barnard_rubin_df", "pool_wald", "pool_chisquare",
           "PooledTest"]

POOLED_COLUMNS = ["term", "estimate", "std_error", "statistic", "df", "p_value", "conf_low", "conf_high", "fmi",
                  "lambda_", "riv", "ubar", "b", "t", "dfcom", "m"]


def barnard_rubin_df(m: int, b, t, dfcom=math.inf):
    """Barnard-Rubin (1999) degrees of freedom, exactly as mice's ``barnard.rubin``.

    λ = (1 + 1/m) b / t (floored at 1e-4), ν_old = (m − 1)/λ², ν_obs = (ν_com + 1)/(ν_com + 3) · ν_com (1 − λ),
    ν = ν_old ν_obs / (ν_old + ν_obs); ν = ν_old when ν_com is infinite.
    """
    b = np.asarray(b, float)
    t = np.asarray(t, float)
    lam = np.maximum((1 + 1 / m) * b / t, 1e-4)
    dfold = (m - 1) / lam ** 2
    if math.isinf(dfcom):
        return dfold
    dfobs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
    return dfold * dfobs / (dfold + dfobs)


def _rubin(q: np.ndarray, u: np.ndarray, dfcom: float) -> dict:
    """Rubin's rules over axis 0 (imputations) of estimates ``q`` and their variances ``u``."""
    m = q.shape[0]
    qbar = q.mean(axis=0)
    ubar = u.mean(axis=0)
    b = q.var(axis=0, ddof=1)
    t = ubar + (1 + 1 / m) * b
    df = barnard_rubin_df(m, b, t, dfcom)
    riv = (1 + 1 / m) * b / ubar
    lam = (1 + 1 / m) * b / t
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    return {"qbar": qbar, "ubar": ubar, "b": b, "t": t, "df": df, "riv": riv, "lambda_": lam, "fmi": fmi}


@dataclass(frozen=True)
class PooledResult(TidyHTML):
    """A regression pooled over m imputed data sets by Rubin's rules (log-odds scale inside).

    Attributes
    ----------
    terms : tuple of str
        ``"(Intercept)"`` then the model's terms (``variable[level]`` for factor levels).
    estimate : numpy.ndarray
        Pooled coefficients q̄ (log odds), the mean over imputations.
    ubar, b, t : numpy.ndarray
        Within-imputation variance ū (mean of squared SEs), between-imputation variance b (sample variance,
        divisor m − 1) and total variance t = ū + (1 + 1/m) b.
    df : numpy.ndarray
        Barnard-Rubin degrees of freedom; ``dfcom`` those of the complete data (n − k, as mice for glm).
    riv, lambda_, fmi : numpy.ndarray
        Relative increase in variance (1 + 1/m) b / ū, proportion of variance due to missingness
        (1 + 1/m) b / t, fraction of missing information (riv + 2/(df + 3)) / (riv + 1).
    std_error, statistic, p_value, conf_low, conf_high : numpy.ndarray
        √t, q̄/√t, two-sided t-test p-value on df, and q̄ ± t_df · √t (log odds).
    covariance : numpy.ndarray
        Total covariance matrix Ū + (1 + 1/m) B of the coefficients (its diagonal is ``t``).
    m, n : int
        Number of imputations; patients per completed data set.
    """

    terms: tuple
    estimate: np.ndarray
    ubar: np.ndarray
    b: np.ndarray
    t: np.ndarray
    df: np.ndarray
    riv: np.ndarray
    lambda_: np.ndarray
    fmi: np.ndarray
    std_error: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    covariance: np.ndarray = field(repr=False)
    dfcom: float
    m: int
    n: int
    conf_level: float
    outcome: str | None = None
    method: str = "Rubin's rules with Barnard-Rubin degrees of freedom (mice::pool)"

    def tidy(self, *, exponentiate: bool = True, intercept: bool = True) -> pd.DataFrame:
        """One row per term.

        Columns: ``term``, ``estimate`` (odds ratio when ``exponentiate``, else log odds), ``std_error``
        (log odds, √t), ``statistic`` (t), ``df``, ``p_value``, ``conf_low``, ``conf_high`` (OR scale when
        ``exponentiate``), ``fmi``, ``lambda_``, ``riv``, ``ubar``, ``b``, ``t`` (log-odds scale components),
        ``dfcom``, ``m``. Equals ``summary(pool(fit), conf.int = TRUE, exponentiate = TRUE)`` and
        ``pool(fit)$pooled``.
        """
        tf = np.exp if exponentiate else (lambda v: v)
        out = pd.DataFrame({
            "term": list(self.terms), "estimate": tf(self.estimate), "std_error": self.std_error,
            "statistic": self.statistic, "df": self.df, "p_value": self.p_value, "conf_low": tf(self.conf_low),
            "conf_high": tf(self.conf_high), "fmi": self.fmi, "lambda_": self.lambda_, "riv": self.riv,
            "ubar": self.ubar, "b": self.b, "t": self.t, "dfcom": self.dfcom, "m": self.m}, columns=POOLED_COLUMNS)
        return out if intercept else out[out["term"] != "(Intercept)"].reset_index(drop=True)


def _check_fits(fits) -> list:
    if isinstance(fits, (str, bytes)) or not hasattr(fits, "__iter__"):
        raise TypeError(f"fits must be a list of fitted models (one per imputed data set); got {type(fits).__name__}.")
    fits = list(fits)
    needed = ("coef", "std_error", "covariance", "terms", "n")
    bad = [i for i, f in enumerate(fits) if not all(hasattr(f, a) for a in needed)]
    if bad:
        raise TypeError(f"fits must be results of logistic_regression (LogisticRegressionResult); item(s) {bad} "
                        f"are {_preview(sorted({type(fits[i]).__name__ for i in bad}))}.")
    if len(fits) < 2:
        raise DataValidationError(f"pool needs the fits of at least 2 imputed data sets; got {len(fits)}. "
                                  "Rubin's rules need a between-imputation variance.")
    first = list(fits[0].terms)
    for i, f in enumerate(fits[1:], start=1):
        if list(f.terms) != first:
            raise DataValidationError(
                f"fit {i} has terms {_preview(list(f.terms), 12)} but fit 0 has {_preview(first, 12)}; fit the same "
                "model (same predictors, levels and reference) on every imputed data set.")
    scales = [getattr(getattr(f, "design", None), "scale", {}) for f in fits]
    if any(s != scales[0] for s in scales[1:]):
        raise DataValidationError(
            "the fits scale continuous predictors differently (per SD or IQR computed on each imputed data set), so "
            "their coefficients are not on one scale. Pass scale as a number of units, e.g. scale={'age': 10}.")
    return fits


def pool(fits, *, conf_level: float = 0.95, dfcom: float | None = None) -> PooledResult:
    """Pool logistic regressions fitted on m imputed data sets by Rubin's rules.

    Parameters
    ----------
    fits : list of LogisticRegressionResult
        The same model fitted on each completed data set (``logistic_regression(..., ci_method="wald")``;
        the CI method of the fits does not matter, only coefficients and standard errors are used).
    conf_level : float
        Level of the pooled confidence intervals.
    dfcom : float, optional
        Degrees of freedom of the complete-data analysis; default the residual df n − k of the first fit,
        as mice takes ``df.residual`` of a glm. ``math.inf`` gives Rubin's (1987) large-sample df.

    Returns
    -------
    PooledResult
        ``.tidy()``: term, estimate (OR), std_error, statistic, df, p_value, conf_low, conf_high, fmi,
        lambda_, riv, ubar, b, t, dfcom, m.

    Raises
    ------
    TypeError
        ``fits`` is not a list of fitted logistic regressions.
    DataValidationError
        Fewer than 2 fits; fits with different terms; per-SD/IQR scaling computed on each data set.

    Notes
    -----
    For each coefficient, with estimates Q_i and variances U_i (squared SEs) over m imputations:
    q̄ = mean Q_i, ū = mean U_i, b = var(Q_i) (divisor m − 1), t = ū + (1 + 1/m) b. The degrees of freedom
    are Barnard & Rubin's (1999) small-sample ν (see :func:`barnard_rubin_df`) with ν_com = ``dfcom``,
    not Rubin's (1987) ν_old = (m − 1)/λ², which can exceed the complete-data df; fmi, λ and riv follow
    mice. p-values use the t distribution on ν (floored at 0.001 as mice); CIs are q̄ ± t_{ν,1−α/2} √t,
    exponentiated for odds ratios. Equals ``summary(pool(with(imp, glm(...))), conf.int = TRUE,
    exponentiate = TRUE)`` and ``pool(...)$pooled`` of mice 3.x (rule "rubin1987").

    References
    ----------
    Rubin DB. Multiple Imputation for Nonresponse in Surveys. Wiley, 1987.
    Barnard J, Rubin DB. Small-sample degrees of freedom with multiple imputation. Biometrika 1999;86:948-55.
    van Buuren S. Flexible Imputation of Missing Data, 2nd ed., section 2.3. CRC Press, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from cohortstats import logistic_regression
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> from cohortstats.missing.pool import pool
    >>> df = make_hematoma_cohort().clinical
    >>> rng = np.random.default_rng(0)
    >>> completed = []
    >>> for i in range(3):  # stand-ins for imputed data sets
    ...     d = df.copy()
    ...     d["volume"] = d["volume"] + rng.normal(0, 1, len(d))
    ...     completed.append(d)
    >>> fits = [logistic_regression(d, "expansion", ["volume", "sex"], ci_method="wald") for d in completed]
    >>> pool(fits).tidy()["term"].tolist()
    ['(Intercept)', 'volume', 'sex[Male]']
    """
    fits = _check_fits(fits)
    conf_level = check_probability(conf_level, "conf_level")
    q = np.array([np.asarray(f.coef, float) for f in fits])
    u = np.array([np.asarray(f.std_error, float) ** 2 for f in fits])
    n, k = int(fits[0].n), q.shape[1]
    if dfcom is None:
        dfcom = float(max(n - k, 1))
    elif not (isinstance(dfcom, (int, float)) and dfcom > 0):
        raise DataValidationError(f"dfcom must be a positive number (or math.inf); got {dfcom!r}.")
    r = _rubin(q, u, float(dfcom))
    m = len(fits)
    deviations = q - r["qbar"]
    covariance = (np.mean([np.asarray(f.covariance, float) for f in fits], axis=0)
                  + (1 + 1 / m) * deviations.T @ deviations / (m - 1))
    se = np.sqrt(r["t"])
    statistic = r["qbar"] / se
    p_value = 2 * stats.t.sf(np.abs(statistic), np.maximum(r["df"], 0.001))
    crit = stats.t.ppf(1 - (1 - conf_level) / 2, r["df"])
    return PooledResult(
        terms=tuple(fits[0].terms), estimate=r["qbar"], ubar=r["ubar"], b=r["b"], t=r["t"], df=r["df"],
        riv=r["riv"], lambda_=r["lambda_"], fmi=r["fmi"], std_error=se, statistic=statistic, p_value=p_value,
        conf_low=r["qbar"] - crit * se, conf_high=r["qbar"] + crit * se, covariance=covariance, dfcom=float(dfcom),
        m=m, n=n, conf_level=conf_level, outcome=getattr(fits[0], "outcome", None))


# ---------------------------------------------------------------- one number

_TRANSFORMS = {
    # name: (forward g, inverse, derivative g')
    "logit": (logit, expit, lambda x: 1 / (x * (1 - x))),
    "log": (np.log, np.exp, lambda x: 1 / x),
}


@dataclass(frozen=True)
class PooledScalar(TidyHTML):
    """One number pooled over m imputations by Rubin's rules (see :func:`pool_scalar`).

    ``estimate``, ``conf_low``, ``conf_high`` are on the original scale (back-transformed); ``qbar``,
    ``std_error``, ``statistic``, ``ubar``, ``b``, ``t`` on the pooling scale (``transform``).
    """

    estimate: float
    conf_low: float
    conf_high: float
    qbar: float
    std_error: float
    statistic: float
    p_value: float
    df: float
    ubar: float
    b: float
    t: float
    riv: float
    lambda_: float
    fmi: float
    dfcom: float
    m: int
    conf_level: float
    transform: str | None
    estimates: np.ndarray = field(repr=False)
    variances: np.ndarray = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """One row: estimate, std_error, statistic, df, p_value, conf_low, conf_high, fmi, lambda_, riv,
        ubar, b, t, dfcom, m, transform."""
        keys = ["estimate", "std_error", "statistic", "df", "p_value", "conf_low", "conf_high", "fmi", "lambda_",
                "riv", "ubar", "b", "t", "dfcom", "m", "transform"]
        return pd.DataFrame([{k: getattr(self, k) for k in keys}])


def pool_scalar(estimates, variances, *, dfcom: float | None = None, transform: str | None = None,
                conf_level: float = 0.95) -> PooledScalar:
    """Rubin's rules for one number (an AUC, a calibration slope, a net benefit) over m imputations.

    Parameters
    ----------
    estimates, variances : array-like of length m
        The estimate and its variance (squared SE) in each completed data set, on the original scale.
    dfcom : float, optional
        Complete-data degrees of freedom (mice's ``n - k``); default infinite, as ``pool.scalar(Q, U)``.
    transform : {None, "logit", "log"}
        Pool on a transformed scale and back-transform the estimate and CI: ``"logit"`` for proportions
        and AUCs (Marshall et al. 2009), ``"log"`` for ratios. Variances are carried by the delta method,
        U_g = U · g'(Q)². ``statistic`` and ``p_value`` test 0 on the pooling scale (AUC = 0.5 for "logit",
        ratio = 1 for "log").
    conf_level : float

    Returns
    -------
    PooledScalar

    Raises
    ------
    DataValidationError
        Fewer than 2 estimates, lengths differ, negative or missing variances, estimates outside the
        transform's domain.

    Notes
    -----
    q̄, ū, b, t, riv, fmi and the Barnard-Rubin df are those of ``mice::pool.scalar(Q, U, n, k)`` with
    n − k = ``dfcom``; λ = (1 + 1/m) b / t. The CI is q̄ ± t_{df} √t on the pooling scale.

    Examples
    --------
    >>> from cohortstats.missing.pool import pool_scalar
    >>> r = pool_scalar([0.781, 0.795, 0.770, 0.802, 0.788], [0.00081, 0.00078, 0.00085, 0.00076, 0.00080],
    ...                 dfcom=199, transform="logit")
    >>> round(r.estimate, 4), round(r.df, 2)
    (0.7874, 67.19)
    """
    q = np.asarray(estimates, dtype=float).ravel()
    u = np.asarray(variances, dtype=float).ravel()
    if q.shape != u.shape:
        raise DataValidationError(f"estimates and variances must have the same length; got {q.size} and {u.size}.")
    if q.size < 2:
        raise DataValidationError(f"pool_scalar needs at least 2 imputations; got {q.size}.")
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(u))) or np.any(u < 0):
        raise DataValidationError("estimates and variances must be finite numbers and variances >= 0; got "
                                  f"estimates {_preview(q.tolist())} and variances {_preview(u.tolist())}.")
    if transform is not None:
        check_one_of(transform, tuple(_TRANSFORMS), "transform")
        forward, inverse, slope = _TRANSFORMS[transform]
        low = 0.0
        high = 1.0 if transform == "logit" else np.inf
        if np.any(q <= low) or np.any(q >= high):
            raise DataValidationError(f"transform={transform!r} needs estimates in ({low:g}, {high:g}); got "
                                      f"{_preview(q.tolist())}.")
        u = u * slope(q) ** 2
        q = forward(q)
    else:
        inverse = None
    conf_level = check_probability(conf_level, "conf_level")
    dfcom = math.inf if dfcom is None else float(dfcom)
    if not dfcom > 0:
        raise DataValidationError(f"dfcom must be positive (or None for infinite); got {dfcom}.")
    r = {k: float(v[0]) for k, v in _rubin(q[:, None], u[:, None], dfcom).items()}
    se = math.sqrt(r["t"])
    crit = float(stats.t.ppf(1 - (1 - conf_level) / 2, r["df"]))
    low, high = r["qbar"] - crit * se, r["qbar"] + crit * se
    back = (lambda v: float(inverse(v))) if inverse is not None else float
    statistic = r["qbar"] / se if se > 0 else math.nan
    return PooledScalar(
        estimate=back(r["qbar"]), conf_low=back(low), conf_high=back(high), qbar=r["qbar"], std_error=se,
        statistic=statistic, p_value=float(2 * stats.t.sf(abs(statistic), max(r["df"], 0.001))), df=r["df"],
        ubar=r["ubar"], b=r["b"], t=r["t"], riv=r["riv"], lambda_=r["lambda_"], fmi=r["fmi"], dfcom=dfcom,
        m=q.size, conf_level=conf_level, transform=transform, estimates=np.asarray(estimates, float).copy(),
        variances=np.asarray(variances, float).copy())


# ---------------------------------------------------------------- tests of several parameters


@dataclass(frozen=True)
class PooledTest(TidyHTML):
    """An F test pooled over m imputations (D1 or D2): ``statistic`` ~ F(``df1``, ``df2``) under the null."""

    statistic: float
    df1: float
    df2: float
    p_value: float
    riv: float
    m: int
    method: str

    def tidy(self) -> pd.DataFrame:
        """One row: statistic, df1, df2, p_value, riv, m, method."""
        return pd.DataFrame([{k: getattr(self, k) for k in ("statistic", "df1", "df2", "p_value", "riv", "m",
                                                             "method")}])


def _reiter_df2(k: int, m: int, r: float, dfcom: float) -> float:
    """Denominator df of D1 with a finite complete-data df (Reiter 2007), as mitml's ``.D1``."""
    t = k * (m - 1)
    a = r * t / (t - 2)
    vstar = (dfcom + 1) / (dfcom + 3) * dfcom
    c0, c1, c2 = 1 / (t - 4), vstar - 2 * (1 + a), vstar - 4 * (1 + a)
    z = (1 / c2 + c0 * (a ** 2 * c1 / ((1 + a) ** 2 * c2)) + c0 * (8 * a ** 2 * c1 / ((1 + a) * c2 ** 2)
         + 4 * a ** 2 / ((1 + a) * c2)) + c0 * (4 * a ** 2 / (c2 * c1) + 16 * a ** 2 * c1 / c2 ** 3)
         + c0 * (8 * a ** 2 / c2 ** 2))
    return 4 + 1 / z


def pool_wald(fits, terms, *, dfcom: float | None = None) -> PooledTest:
    """Multivariate Wald test that several coefficients are all 0, pooled over m imputations (D1).

    Parameters
    ----------
    fits : list of LogisticRegressionResult
        The same model fitted on each completed data set.
    terms : list of str
        The terms tested (e.g. every level of a factor: ``["grade[2]", "grade[3]"]``).
    dfcom : float, optional
        Complete-data df, default n − k of the first fit (as ``mice::D1``); ``math.inf`` for the large-sample
        denominator df of Li, Raghunathan & Rubin (1991).

    Returns
    -------
    PooledTest
        F statistic D1 with df1 = number of terms and df2 (Reiter 2007 with finite ``dfcom``).

    Raises
    ------
    TypeError, DataValidationError
        As :func:`pool`; a term not in the fits; fewer than 3 imputations with several terms (df2 undefined).

    Notes
    -----
    With Q̄ and Ū the mean estimates and covariance of the k tested coefficients and B the covariance of the
    estimates between imputations: r = (1 + 1/m) tr(B Ū⁻¹)/k, D1 = Q̄ᵀ((1 + r)Ū)⁻¹Q̄/k, P = P(F(k, df2) > D1).
    Equals ``mice::D1(fit)`` for a fit against the model without these terms (``mitml::testModels(...,
    method = "D1")``).

    References
    ----------
    Li KH, Raghunathan TE, Rubin DB. Large-sample significance levels from multiply imputed data using
    moment-based statistics and an F reference distribution. JASA 1991;86:1065-73.
    Reiter JP. Small-sample degrees of freedom for multi-component significance tests with multiple
    imputation for missing data. Biometrika 2007;94:502-8.

    Examples
    --------
    >>> import numpy as np
    >>> from cohortstats import logistic_regression
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical
    >>> rng = np.random.default_rng(0)
    >>> fits = [logistic_regression(df.assign(volume=df["volume"] + rng.normal(0, 1, len(df))), "expansion",
    ...                             ["volume", "gcs"], ci_method="wald") for _ in range(4)]
    >>> pool_wald(fits, ["volume", "gcs"]).df1
    2.0
    """
    fits = _check_fits(fits)
    terms = list(terms) if not isinstance(terms, str) else [terms]
    known = list(fits[0].terms)
    unknown = [t for t in terms if t not in known]
    if not terms or unknown:
        raise DataValidationError(f"terms must name terms of the fits ({_preview(known, 12)}); got "
                                  f"{_preview(unknown or terms)}.")
    idx = [known.index(t) for t in terms]
    m, k = len(fits), len(idx)
    q = np.array([np.asarray(f.coef, float)[idx] for f in fits])
    u = np.array([np.asarray(f.covariance, float)[np.ix_(idx, idx)] for f in fits])
    qbar, ubar = q.mean(axis=0), u.mean(axis=0)
    b = np.atleast_2d(np.cov(q.T, ddof=1))
    r = float((1 + 1 / m) * np.trace(b @ np.linalg.inv(ubar)) / k)
    statistic = float(qbar @ np.linalg.solve((1 + r) * ubar, qbar) / k)
    t = k * (m - 1)
    if dfcom is None:
        dfcom = float(max(int(fits[0].n) - len(known), 1))
    if math.isinf(dfcom):
        df2 = (4 + (t - 4) * (1 + (1 - 2 / t) / r) ** 2 if t > 4 else t * (1 + 1 / k) * (1 + 1 / r) ** 2 / 2)
    else:
        if t <= 4:
            raise DataValidationError(f"the D1 test of {k} term(s) needs k(m - 1) > 4 with a finite dfcom; got "
                                      f"m = {m}. Use more imputations, or dfcom=math.inf.")
        df2 = _reiter_df2(k, m, r, float(dfcom))
    return PooledTest(statistic=statistic, df1=float(k), df2=float(df2),
                      p_value=float(stats.f.sf(statistic, k, df2)), riv=r, m=m,
                      method="multivariate Wald test pooled by D1 (Li, Raghunathan & Rubin 1991; Reiter 2007 df)")


def pool_chisquare(statistics, df: int) -> PooledTest:
    """Chi-square statistics of m completed data sets pooled into one F test (D2).

    Parameters
    ----------
    statistics : array-like of length m
        The chi-square statistic of the same test in each completed data set.
    df : int
        Its degrees of freedom.

    Returns
    -------
    PooledTest

    Raises
    ------
    DataValidationError
        Fewer than 2 statistics, negative or missing ones, df < 1.

    Notes
    -----
    With d̄ the mean statistic and r = (1 + 1/m) var(√dᵢ): D2 = (d̄/k − (m + 1)/(m − 1) r)/(1 + r),
    df2 = k^(−3/m) (m − 1)(1 + 1/r)², P = P(F(k, df2) > D2) (a negative D2 gives P = 1), as mitml's ``.D2``
    (``testModels(..., method = "D2")``) and ``miceadds::micombine.chisquare``.

    References
    ----------
    Li KH, Meng XL, Raghunathan TE, Rubin DB. Significance levels from repeated p-values with multiply-imputed
    data. Statistica Sinica 1991;1:65-92.

    Examples
    --------
    >>> r = pool_chisquare([4.1, 5.3, 3.8, 4.9, 6.0], df=2)
    >>> round(r.statistic, 4), round(r.df2, 2)
    (2.2249, 1177.64)
    """
    d = np.asarray(statistics, dtype=float).ravel()
    if d.size < 2:
        raise DataValidationError(f"pool_chisquare needs the statistics of at least 2 imputations; got {d.size}.")
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise DataValidationError(f"statistics must be finite chi-square values >= 0; got {_preview(d.tolist())}.")
    if isinstance(df, bool) or not float(df).is_integer() or df < 1:
        raise DataValidationError(f"df must be a whole number >= 1; got {df!r}.")
    m, k = d.size, int(df)
    r = float((1 + 1 / m) * np.var(np.sqrt(d), ddof=1)) if np.ptp(d) > 0 else 0.0
    statistic = float((d.mean() / k - (m + 1) / (m - 1) * r) / (1 + r))
    df2 = float(k ** (-3 / m) * (m - 1) * (1 + 1 / r) ** 2) if r > 0 else math.inf
    # identical statistics (a complete variable): F(k, inf) is chi-square(k)/k
    p_value = float(stats.f.sf(statistic, k, df2)) if math.isfinite(df2) else float(stats.chi2.sf(k * statistic, k))
    return PooledTest(statistic=statistic, df1=float(k), df2=df2, p_value=p_value,
                      riv=r, m=m, method="chi-square statistics pooled by D2 (Li, Meng, Raghunathan & Rubin 1991)")
