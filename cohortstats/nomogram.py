"""Nomograms for fitted logistic models: points per predictor value, total points, risk axis."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from .exceptions import DataValidationError

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
class NomogramResult:
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
    """

    points: pd.DataFrame
    total_points: np.ndarray
    risk_axis: pd.DataFrame
    intercept: float
    points_per_unit_lp: float
    fit: object = field(repr=False, default=None)

    def tidy(self) -> pd.DataFrame:
        return self.points.copy()

    def predict(self, new_df: pd.DataFrame) -> pd.DataFrame:
        """Total points and predicted risk for patients (reads the nomogram as a clinician would)."""
        lp = self.fit.linear_predictor(new_df)
        total = (lp - self.intercept) * self.points_per_unit_lp
        return pd.DataFrame({"total_points": total, "risk": expit(lp)})

    def plot(self, ax=None, **kwargs):
        from .plots import plot_nomogram

        return plot_nomogram(self, ax=ax, **kwargs)


def nomogram(fit, *, values: dict | None = None, risks=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95),
             n_ticks: int = 10, max_points: float = 100.0, discrete_max: int = 10) -> NomogramResult:
    """Nomogram of a fitted logistic regression (as ``rms::nomogram(lrm_fit, fun = plogis)``).

    Parameters
    ----------
    fit : LogisticRegressionResult
        Main effects only (no interactions).
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
    if not hasattr(fit, "design") or not hasattr(fit, "coef") or fit.terms[0] != "(Intercept)":
        raise DataValidationError("nomogram needs a fitted logistic regression (cs.logistic_regression).")
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
    base = coef["(Intercept)"]
    for var, (vals, c) in contrib.items():
        base += float(c.min())
        for v, ci in zip(vals, c):
            rows.append({"variable": var, "value": v, "points": float((ci - c.min()) * ppu)})
    points = pd.DataFrame(rows)
    points["value"] = points["value"].astype(object)
    total_max = sum(ranges.values()) * ppu
    total_axis = r_pretty(0.0, total_max, n_ticks)
    r = np.asarray(risks, float)
    t_at = (logit(r) - base) * ppu
    keep = (t_at >= 0) & (t_at <= total_max)
    risk_axis = pd.DataFrame({"risk": r[keep], "total_points": t_at[keep]})
    return NomogramResult(points, total_axis, risk_axis, float(base), float(ppu), fit)
