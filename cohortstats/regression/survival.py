"""Cox regression and Kaplan-Meier estimates, equal to R's survival package.

Cox models are fitted by a vectorised Newton-Raphson on the partial likelihood (Efron or
Breslow ties, see ``_cox_fit``; statsmodels' ``PHReg`` gives the same estimates 5-20x more
slowly and serves as a check in the tests), to full convergence; the concordance and its SE reproduce ``survival::concordance``. Kaplan-Meier
curves follow ``survfit`` (Greenwood variance, ``conf.type = "log"``, survfit's median rule);
log-rank tests come from lifelines and equal ``survdiff``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

import warnings

from ._concordance import concordance
from ._cox_fit import baseline_cumhaz, fit_cox
from .design import Design, build_design, term_rows
from .._validation import _preview, check_columns, check_dataframe, check_numeric_column, check_one_of, check_probability
from ..exceptions import ConvergenceWarning, DataValidationError
from .._results import TidyHTML

__all__ = ["cox_regression", "CoxRegressionResult", "kaplan_meier", "KaplanMeierResult", "LogRankTest"]


def _survival_outcome(df: pd.DataFrame, duration: str, event: str, rows=None, positive=None):
    d = df[duration] if rows is None else df[duration].iloc[rows]
    e = df[event] if rows is None else df[event].iloc[rows]
    t = check_numeric_column(d, duration).to_numpy()
    bad = ~(t > 0)
    if bad.any():
        examples = _preview([f"{v:g} (row {i})" for i, v in zip(np.flatnonzero(bad), t[bad])])
        raise DataValidationError(
            f"duration {duration!r} must be positive; {int(bad.sum())} value(s) are zero or negative: {examples}. "
            "Check the dates (follow-up must end after it starts) or drop those patients."
        )
    values = sorted(pd.unique(e.dropna()), key=str)
    if positive is not None:
        if positive not in values:
            raise DataValidationError(f"positive={positive!r} is not a value of {event!r} ({_preview(values)}).")
        return t, (e == positive).to_numpy().astype(int)
    numeric = pd.api.types.is_numeric_dtype(e) or pd.api.types.is_bool_dtype(e)
    if not numeric or not set(float(v) for v in values) <= {0.0, 1.0}:
        raise DataValidationError(
            f"event {event!r} must be coded 0/1 (1 = event); got values {_preview(values)}. Recode it, e.g. "
            f"(df[{event!r}] == 2).astype(int) for R's 1/2 coding, or pass positive=<event value>."
        )
    return t, e.to_numpy().astype(int)


@dataclass(frozen=True)
class CoxRegressionResult(TidyHTML):
    """A fitted Cox proportional-hazards model (HRs on ``tidy()``; CIs are Wald, as ``confint(coxph)``)."""

    coef: np.ndarray
    std_error: np.ndarray
    terms: list
    conf_low: np.ndarray
    conf_high: np.ndarray
    p_value: np.ndarray
    ties: str
    conf_level: float
    loglik: float
    null_loglik: float
    n: int
    n_events: int
    concordance: float
    concordance_se: float
    design: Design = field(repr=False)
    covariance: np.ndarray = field(repr=False)
    excluded: pd.DataFrame = field(repr=False)
    converged: bool = True
    baseline_times: np.ndarray = field(default=None, repr=False)
    baseline_cumhaz: np.ndarray = field(default=None, repr=False)

    def cumhaz_at(self, t: float) -> float:
        """Baseline cumulative hazard (at x = 0) at time ``t`` (step function)."""
        k = np.searchsorted(self.baseline_times, t, side="right") - 1
        return 0.0 if k < 0 else float(self.baseline_cumhaz[k])

    def predict_survival(self, new_df: pd.DataFrame, times) -> pd.DataFrame:
        """Predicted survival S(t | x) = exp(-H0(t)·exp(xᵀβ)), one column per time (as
        ``summary(survfit(coxph_fit, newdata), times)``)."""
        lp = self.linear_predictor(new_df)
        return pd.DataFrame({t: np.exp(-self.cumhaz_at(t) * np.exp(lp)) for t in np.atleast_1d(times)})

    def tidy(self, *, exponentiate: bool = True) -> pd.DataFrame:
        """``term, variable, level, reference, estimate`` (HR), ``std_error, statistic, p_value, conf_low,
        conf_high, unit``; reference levels as rows with HR 1."""
        tf = np.exp if exponentiate else (lambda v: v)
        idx = {t: i for i, t in enumerate(self.terms)}

        def row(term, var, level):
            i = idx[term]
            return {"term": term, "variable": var, "level": level, "reference": False,
                    "estimate": float(tf(self.coef[i])), "std_error": float(self.std_error[i]),
                    "statistic": float(self.coef[i] / self.std_error[i]), "p_value": float(self.p_value[i]),
                    "conf_low": float(tf(self.conf_low[i])), "conf_high": float(tf(self.conf_high[i])),
                    "unit": self.design.scale.get(var, ("", 1))[0]}

        def reference_row(term, var, level):
            return {"term": term, "variable": var, "level": level, "reference": True,
                    "estimate": 1.0 if exponentiate else 0.0, "std_error": np.nan, "statistic": np.nan,
                    "p_value": np.nan, "conf_low": np.nan, "conf_high": np.nan, "unit": ""}

        rows = term_rows(self.design, row, reference_row)
        out = pd.DataFrame(rows)
        out["level"] = pd.Series([r["level"] for r in rows], dtype=object, index=out.index)  # ints stay ints
        return out

    def glance(self) -> pd.DataFrame:
        """``n, n_events, log_likelihood, aic, lr_statistic, lr_df, lr_p_value, concordance, concordance_se, ties``."""
        k = len(self.coef)
        lr = 2 * (self.loglik - self.null_loglik)
        return pd.DataFrame([{"n": self.n, "n_events": self.n_events, "log_likelihood": self.loglik,
                              "aic": -2 * self.loglik + 2 * k, "lr_statistic": lr, "lr_df": k,
                              "lr_p_value": float(stats.chi2.sf(lr, k)), "concordance": self.concordance,
                              "concordance_se": self.concordance_se, "ties": self.ties,
                              "n_excluded": int(self.excluded["n"].iloc[-1]) if len(self.excluded) else 0}])

    def linear_predictor(self, new_df: pd.DataFrame) -> np.ndarray:
        return self.design.encode(new_df) @ self.coef


def cox_regression(df: pd.DataFrame, duration: str, event: str, predictors, *, ties: str = "efron",
                   categorical=None, reference=None, interactions=None, scale=None, conf_level: float = 0.95,
                   positive=None) -> CoxRegressionResult:
    """Cox proportional-hazards regression with hazard ratios.

    Parameters
    ----------
    duration : str
        Follow-up time (positive).
    event : str
        1 = event, 0 = censored (or any coding with ``positive`` naming the event value).
    ties : {"efron", "breslow"}
        Efron is R's and lifelines' default; Breslow is SAS's and SPSS's.

    Notes
    -----
    Equals ``coxph(Surv(duration, event) ~ ..., ties = ties)`` run to tight convergence:
    coefficients, SEs, z, p and Wald CIs (``confint``); the concordance and its SE equal
    ``coxph``'s (``survival::concordance``, infinitesimal jackknife). Complete cases only;
    exclusions are counted in ``excluded``.

    Examples
    --------
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> import numpy as np
    >>> df = make_hematoma_cohort().clinical.assign(time=lambda d: 30 - 10 * d["expansion"] + d["age"] / 10)
    >>> fit = cs.cox_regression(df, "time", "expansion", ["age", "volume"])
    >>> fit.tidy()["term"].tolist()
    ['age', 'volume']
    """
    check_one_of(ties, ("efron", "breslow"), "ties")
    conf_level = check_probability(conf_level, "conf_level")
    check_dataframe(df, "df")
    check_columns(df, [duration, event], "cox_regression")
    design = build_design(df, predictors, categorical=categorical, reference=reference, interactions=interactions,
                          scale=scale, extra_columns=(duration, event))
    t, e = _survival_outcome(df, duration, event, design.rows, positive)
    if e.sum() == 0:
        raise DataValidationError(f"event {event!r} has no events in the analysed rows; a Cox model needs events.")
    X = np.ascontiguousarray(design.X)
    fit = fit_cox(t, e, X, ties=ties)
    beta = fit.beta
    if not fit.converged:
        warnings.warn("the Cox model did not converge; estimates may be infinite (an event group with no "
                      "variation in a predictor?).", ConvergenceWarning, stacklevel=2)
    cov = np.linalg.inv(fit.info)
    se = np.sqrt(np.diag(cov))
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    conc = concordance(t, e, X @ beta)
    bt, bh = baseline_cumhaz(t, e, X, beta, ties=ties)
    return CoxRegressionResult(
        coef=beta, std_error=se, terms=list(design.columns), conf_low=beta - z * se, conf_high=beta + z * se,
        p_value=2 * stats.norm.sf(np.abs(beta / se)), ties=ties, conf_level=conf_level,
        loglik=fit.loglik, null_loglik=fit.null_loglik, n=len(t),
        n_events=int(e.sum()), concordance=conc.concordance, concordance_se=conc.std_error, design=design,
        covariance=cov, excluded=design.excluded, converged=fit.converged, baseline_times=bt, baseline_cumhaz=bh)


# --------------------------------------------------------------------------- Kaplan-Meier
@dataclass(frozen=True)
class LogRankTest:
    """Log-rank test (as ``survdiff``): χ² statistic, df = groups - 1, p-value."""

    statistic: float
    df: int
    p_value: float
    method: str = "log-rank test (survdiff, rho = 0)"


@dataclass(frozen=True)
class KaplanMeierResult(TidyHTML):
    """Kaplan-Meier curves per group.

    Attributes
    ----------
    curve : pandas.DataFrame
        ``group, time, n_risk, n_event, n_censor, survival, std_error, conf_low, conf_high`` at each
        distinct time (``std_error`` of S, Greenwood; log-transformed CI).
    summary : pandas.DataFrame
        ``group, n, events, median, conf_low, conf_high`` (median CI as survfit).
    logrank : LogRankTest or None
    conf_level : float
    excluded : pandas.DataFrame
    """

    curve: pd.DataFrame
    summary: pd.DataFrame
    logrank: LogRankTest | None
    conf_level: float
    group: str | None
    excluded: pd.DataFrame

    def tidy(self) -> pd.DataFrame:
        return self.summary.copy()

    def at(self, times) -> pd.DataFrame:
        """Survival at chosen times per group, as ``summary(survfit, times = ..., extend = TRUE)``:
        ``group, time, n_risk, survival, std_error, conf_low, conf_high``.

        Before a group's first event S = 1 with SE 0 and CI (1, 1); beyond its last observation the
        last values with ``n_risk`` 0. Where S has reached 0, SE and CI are NaN, as in R (the
        log-transformed interval is undefined)."""
        rows = []
        for g, cur in self.curve.groupby("group", sort=False):
            tt = cur["time"].to_numpy()
            all_times = cur["time"].to_numpy()
            n0 = int(cur["n_risk"].iloc[0])
            for x in np.atleast_1d(times):
                k = np.searchsorted(tt, x, side="right") - 1
                if k < 0:
                    rows.append({"group": g, "time": x, "n_risk": n0, "survival": 1.0, "std_error": 0.0,
                                 "conf_low": 1.0, "conf_high": 1.0})
                    continue
                nxt = np.searchsorted(all_times, x, side="left")
                n_risk = int(cur["n_risk"].iloc[nxt]) if nxt < len(cur) else 0
                r = cur.iloc[k]
                rows.append({"group": g, "time": x, "n_risk": n_risk, "survival": r["survival"],
                             "std_error": r["std_error"], "conf_low": r["conf_low"], "conf_high": r["conf_high"]})
        return pd.DataFrame(rows)

    def plot(self, ax=None, **kwargs):
        from ..plots import plot_km

        return plot_km(self, ax=ax, **kwargs)


def _km_one(t, e, z):
    times, inv = np.unique(t, return_inverse=True)
    d = np.bincount(inv, weights=e).astype(int)
    c = np.bincount(inv).astype(int) - d
    n_risk = len(t) - np.concatenate([[0], np.cumsum(d + c)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - d / n_risk)
        green = np.cumsum(np.where(d > 0, d / (n_risk * (n_risk - d)), 0.0))
        sigma = np.sqrt(green)  # SE of log S
        low = np.where(surv > 0, np.exp(np.log(surv) - z * sigma), np.nan)
        high = np.where(surv > 0, np.minimum(1.0, np.exp(np.log(surv) + z * sigma)), np.nan)
        se_s = np.where(surv > 0, surv * sigma, np.nan)
    return pd.DataFrame({"time": times, "n_risk": n_risk, "n_event": d, "n_censor": c, "survival": surv,
                         "std_error": se_s, "conf_low": low, "conf_high": high})


def _quantile_time(times, s, p=0.5):
    """survfit's rule: first time the curve is <= p; if it equals p on an interval, the midpoint."""
    s = np.asarray(s, float)
    ok = ~np.isnan(s)
    idx = np.flatnonzero(ok & (s <= p + np.sqrt(np.finfo(float).eps)))
    if len(idx) == 0:
        return np.nan
    k = idx[0]
    if abs(s[k] - p) < np.sqrt(np.finfo(float).eps):
        later = np.flatnonzero(s[k + 1:] < s[k])
        if len(later):
            return (times[k] + times[k + 1 + later[0]]) / 2
        return (times[k] + times[-1]) / 2 if k + 1 < len(times) else times[k]
    return times[k]


def kaplan_meier(df: pd.DataFrame, duration: str, event: str, group: str | None = None, *,
                 conf_level: float = 0.95, positive=None) -> KaplanMeierResult:
    """Kaplan-Meier survival with log-transformed CIs, medians and the log-rank test.

    Notes
    -----
    As ``survfit(Surv(duration, event) ~ group)`` with its defaults (Greenwood variance,
    ``conf.type = "log"``); the median and its CI are the first times the curve and its
    upper / lower limits reach 0.5 (midpoint where a curve is exactly 0.5 on an interval);
    the log-rank test equals ``survdiff`` (lifelines' ``multivariate_logrank_test``).
    Rows with a missing duration, event or group are excluded and counted.
    """
    from lifelines.statistics import multivariate_logrank_test

    conf_level = check_probability(conf_level, "conf_level")
    check_dataframe(df, "df")
    cols = [duration, event] + ([group] if group is not None else [])
    check_columns(df, cols, "kaplan_meier")
    miss = df[cols].isna().any(axis=1).to_numpy()
    excluded = pd.DataFrame([{"reason": "missing duration, event or group", "n": int(miss.sum())}]) if miss.any() \
        else pd.DataFrame(columns=["reason", "n"])
    rows = np.flatnonzero(~miss)
    t, e = _survival_outcome(df, duration, event, rows, positive)
    g = df[group].iloc[rows].to_numpy() if group is not None else np.full(len(t), "all", dtype=object)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    levels = sorted(pd.unique(g), key=lambda v: (str(type(v)), v))
    curves, summary = [], []
    for lev in levels:
        m = g == lev
        cur = _km_one(t[m], e[m], z)
        cur.insert(0, "group", lev)
        curves.append(cur)
        summary.append({"group": lev, "n": int(m.sum()), "events": int(e[m].sum()),
                        "median": _quantile_time(cur["time"].to_numpy(), cur["survival"].to_numpy()),
                        "conf_low": _quantile_time(cur["time"].to_numpy(), cur["conf_low"].to_numpy()),
                        "conf_high": _quantile_time(cur["time"].to_numpy(), cur["conf_high"].to_numpy())})
    logrank = None
    if group is not None and len(levels) > 1:
        r = multivariate_logrank_test(t, g, e)
        logrank = LogRankTest(float(r.test_statistic), len(levels) - 1, float(r.p_value))
    return KaplanMeierResult(pd.concat(curves, ignore_index=True), pd.DataFrame(summary), logrank, conf_level,
                             group, excluded)
