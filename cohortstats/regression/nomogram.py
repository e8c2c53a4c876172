"""Nomograms for fitted logistic models: points per predictor value, total points, risk axis."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from ..exceptions import DataValidationError
from .._results import TidyHTML

__all__ = ["nomogram", "NomogramResult", "r_pretty"]


def r_pretty(lo: float, up: float, n: int = 5) -> np.ndarray:
    """R's ``pretty(c(lo, up), n)``: equally spaced round values covering the range.

    Implements R's unit choice among 1, 2, 5 and 10 times a power of ten with its default
    biases (``high.u.bias = 1.5``, ``u5.bias = 0.5 + 1.5·1.5``), so nomogram axes match rms.
    """
    if up < lo:
        lo, up = up, lo
    dx = up - lo
    if dx == 0:
        return np.array([lo])
    h, h5 = 1.5, 0.5 + 1.5 * 1.5
    cell = dx / n
    u = 10.0 ** math.floor(math.log10(cell))
    unit = u
    if 2 * u - cell < h * (cell - unit):
        unit = 2 * u
        if 5 * u - cell < h5 * (cell - unit):
            unit = 5 * u
            if 10 * u - cell < h * (cell - unit):
                unit = 10 * u
    ns = math.floor(lo / unit + 1e-7)
    nu = math.ceil(up / unit - 1e-7)
    while ns * unit > lo + 1e-10 * unit:
        ns -= 1
    while nu * unit < up - 1e-10 * unit:
        nu += 1
    return np.round(np.arange(ns, nu + 1) * unit, 12)


@dataclass(frozen=True)
class NomogramResult(TidyHTML):
    """Points of a nomogram.

    Attributes
    ----------
    points : pandas.DataFrame
        ``variable, value, points`` for every axis value of every predictor.
    total_points : numpy.ndarray
        Values of the total-points axis.
    risk_axis : pandas.DataFrame
        ``risk, total_points``: where each predicted risk lies on the total-points axis.
    intercept : float
        Linear predictor at 0 total points.
    points_per_unit_lp : float
        Points per unit of the linear predictor (100 / the largest predictor range).
    survival_axes : pandas.DataFrame
        Cox models: ``time, survival, total_points`` (where S(t) takes each value).
    """

    points: pd.DataFrame
    total_points: np.ndarray
    risk_axis: pd.DataFrame
    intercept: float
    points_per_unit_lp: float
    fit: object = field(repr=False, default=None)
    survival_axes: pd.DataFrame = field(default_factory=pd.DataFrame)

    def tidy(self) -> pd.DataFrame:
        return self.points.copy()

    def predict(self, new_df: pd.DataFrame) -> pd.DataFrame:
        """Total points and predicted risk for patients (reads the nomogram as a clinician would)."""
        lp = self.fit.linear_predictor(new_df)
        total = (lp - self.intercept) * self.points_per_unit_lp
        if hasattr(self.fit, "predict_survival"):
            times = sorted(set(self.survival_axes["time"])) if len(self.survival_axes) else []
            surv = self.fit.predict_survival(new_df, times) if times else pd.DataFrame(index=range(len(lp)))
            surv.columns = [f"survival_{t:g}" for t in surv.columns]
            return pd.concat([pd.DataFrame({"total_points": total}), surv.reset_index(drop=True)], axis=1)
        return pd.DataFrame({"total_points": total, "risk": expit(lp)})

    def plot(self, ax=None, **kwargs):
        from ..plots import plot_nomogram

        return plot_nomogram(self, ax=ax, **kwargs)


def nomogram(fit, *, values: dict | None = None, risks=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95),
             times=None, survival=(0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1), n_ticks: int = 10,
             max_points: float = 100.0, discrete_max: int = 10) -> NomogramResult:
    """Nomogram of a fitted logistic or Cox regression (as ``rms::nomogram``).

    Parameters
    ----------
    fit : LogisticRegressionResult or CoxRegressionResult
        Main effects only (no interactions).
    times : sequence of float
        Cox models: one survival-probability axis per time (S(t | x) as ``survfit.coxph``).
    survival : sequence of float
        Survival probabilities marked on each survival axis.
    values : dict, optional
        ``{predictor: axis values}`` to override the defaults.
    risks : sequence of float
        Risks marked on the risk axis (those reachable with the axes' ranges).
    n_ticks : int
        Target number of intervals of continuous axes (R's ``pretty(range, n)``; rms' ``nint = 10``).
    discrete_max : int
        Numeric predictors with at most this many distinct values use those values (as datadist).

    Notes
    -----
    Each predictor's contribution β·x (β of the level for categorical predictors) is shifted to
    start at 0; the predictor whose contribution varies most over its axis gets ``max_points``
    points, and every other scale is proportional. Total points T map back to the linear
    predictor as lp = intercept + T/points_per_unit_lp. Continuous axes span R's ``pretty`` of
    the observed range, discrete ones their observed values, as rms with its default datadist.
    """
    is_cox = hasattr(fit, "predict_survival")
    if not hasattr(fit, "design") or not hasattr(fit, "coef") or (not is_cox and fit.terms[0] != "(Intercept)"):
        raise DataValidationError("nomogram needs a fitted logistic or Cox regression (cs.logistic_regression, "
                                  "cs.cox_regression).")
    if is_cox and times is None:
        raise DataValidationError("a Cox nomogram needs times=[...] for its survival axes (e.g. times=[365]).")
    design = fit.design
    if design.interactions:
        raise DataValidationError("nomogram supports main-effect models only (this model has interactions).")
    values = dict(values or {})
    coef = dict(zip(fit.terms, fit.coef))
    contrib = {}
    for var in design.predictors:
        if var in design.levels:
            ref, others = design.levels[var]
            levels = [ref, *others]
            c = np.array([0.0] + [coef[f"{var}[{lev}]"] for lev in others])
            contrib[var] = (levels, c)
        else:
            div = design.scale.get(var, ("", 1.0))[1]
            x_obs = design.X[:, design.groups[var][0]] * div
            if var in values:
                ax_values = np.asarray(values[var], float)
            else:
                uniq = np.unique(x_obs)
                ax_values = uniq if len(uniq) <= discrete_max else r_pretty(x_obs.min(), x_obs.max(), n_ticks)
            contrib[var] = (list(ax_values), coef[var] / div * ax_values)
    ranges = {v: float(np.ptp(c)) for v, (_, c) in contrib.items()}
    max_range = max(ranges.values())
    if max_range == 0:
        raise DataValidationError("every predictor has zero effect; a nomogram would be empty.")
    ppu = max_points / max_range
    rows = []
    base = coef.get("(Intercept)", 0.0)
    for var, (vals, c) in contrib.items():
        base += float(c.min())
        for v, ci in zip(vals, c):
            rows.append({"variable": var, "value": v, "points": float((ci - c.min()) * ppu)})
    points = pd.DataFrame(rows)
    points["value"] = points["value"].astype(object)
    total_max = sum(ranges.values()) * ppu
    total_axis = r_pretty(0.0, total_max, n_ticks)
    if is_cox:
        rows = []
        for t in np.atleast_1d(times):
            h0 = fit.cumhaz_at(t)
            for sv in survival:
                if h0 <= 0:
                    continue
                tp = (np.log(-np.log(sv) / h0) - base) * ppu
                if 0 <= tp <= total_max:
                    rows.append({"time": float(t), "survival": float(sv), "total_points": float(tp)})
        surv_axes = pd.DataFrame(rows, columns=["time", "survival", "total_points"])
        return NomogramResult(points, total_axis, pd.DataFrame(columns=["risk", "total_points"]), float(base),
                              float(ppu), fit, surv_axes)
    r = np.asarray(risks, float)
    t_at = (logit(r) - base) * ppu
    keep = (t_at >= 0) & (t_at <= total_max)
    risk_axis = pd.DataFrame({"risk": r[keep], "total_points": t_at[keep]})
    return NomogramResult(points, total_axis, risk_axis, float(base), float(ppu), fit)
