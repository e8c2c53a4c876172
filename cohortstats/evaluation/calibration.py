"""Calibration of predicted probabilities: the statistics of ``rms::val.prob`` and calibration curves."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logit
from statsmodels.stats.proportion import proportion_confint

from ..regression._fit import fit_logistic, loglik
from .lowess import lowess
from .._validation import check_probability
from .._auc import _auc_presorted
from ._roc_core import prepare_binary_scores
from ..exceptions import DataValidationError
from ..regression.logistic import HosmerLemeshow, hosmer_lemeshow
from .._results import TidyHTML

__all__ = ["calibration", "CalibrationResult", "lowess_r"]

# predicted risks are clipped here before logits are taken (recalibration, a study's calibration stages)
P_CLIP = 1e-12


def lowess_r(x, y, *, return_sorted: bool = True):
    """R's ``lowess(x, y, iter = 0)``: f = 2/3, delta = 0.01·range(x), no robustness iterations.

    A numpy port of R's C ``clowess`` (:func:`cohortstats.evaluation.lowess.lowess`), equal to R
    to ~1e-13. Returns ``(sorted x, smoothed y)``; with ``return_sorted=False`` the smoothed values
    in the order of ``x``.
    """
    return lowess(x, y, iterations=0, return_sorted=return_sorted)


def _approx_ties_mean(xs, ys, xout):
    """R's ``approx(x, y, xout, ties = mean)``."""
    ux, inv = np.unique(xs, return_inverse=True)
    uy = np.bincount(inv, weights=ys) / np.bincount(inv)
    return np.interp(xout, ux, uy)


@dataclass(frozen=True)
class CalibrationResult(TidyHTML):
    """Calibration statistics of predicted probabilities (names follow ``rms::val.prob``).

    Attributes
    ----------
    dxy, c_index, r2, d, d_chisq, u, u_chisq, u_p_value, q, brier : float
        Somers' Dxy, C (AUC), Nagelkerke R² of the predictions as given, discrimination index
        D, unreliability U (with its χ² on 2 df and p), quality Q = D - U, Brier score.
    intercept, slope : float
        Logistic recalibration: logit P(y) = a + b·logit(p) (ideal 0 and 1).
    citl : float
        Calibration-in-the-large: the intercept with logit(p) as offset (slope fixed at 1).
    emax, e90, eavg : float
        Max, 90th percentile and mean of |p - smoothed observed| (R's ``lowess``, iter = 0).
    ici : float
        Integrated calibration index; here equal to ``eavg`` (lowess smoother, as rms).
    spiegelhalter_z, spiegelhalter_p : float
    hosmer_lemeshow : HosmerLemeshow
    curve : pandas.DataFrame
        The smoothed curve: ``predicted, observed`` (lowess, at the sorted predictions).
    groups : pandas.DataFrame
        Grouped points: ``group, n, mean_predicted, observed, conf_low, conf_high`` (deciles of p,
        Wilson CIs of the observed proportion).
    n, n_events : int
    """

    dxy: float
    c_index: float
    r2: float
    d: float
    d_chisq: float
    u: float
    u_chisq: float
    u_p_value: float
    q: float
    brier: float
    intercept: float
    slope: float
    citl: float
    emax: float
    e90: float
    eavg: float
    ici: float
    spiegelhalter_z: float
    spiegelhalter_p: float
    hosmer_lemeshow: HosmerLemeshow
    curve: pd.DataFrame = field(repr=False)
    groups: pd.DataFrame = field(repr=False)
    n: int = 0
    n_events: int = 0
    y: np.ndarray = field(default=None, repr=False)
    p: np.ndarray = field(default=None, repr=False)

    def tidy(self) -> pd.DataFrame:
        """One row per statistic: ``statistic, estimate`` (plus the HL test)."""
        names = ["dxy", "c_index", "r2", "d", "d_chisq", "u", "u_chisq", "u_p_value", "q", "brier", "intercept",
                 "slope", "citl", "emax", "e90", "eavg", "ici", "spiegelhalter_z", "spiegelhalter_p"]
        rows = [{"statistic": k, "estimate": getattr(self, k)} for k in names]
        rows += [{"statistic": "hosmer_lemeshow_chisq", "estimate": self.hosmer_lemeshow.statistic},
                 {"statistic": "hosmer_lemeshow_p", "estimate": self.hosmer_lemeshow.p_value}]
        return pd.DataFrame(rows)

    def plot(self, ax=None, **kwargs):
        from ..plots import plot_calibration

        return plot_calibration(self, ax=ax, **kwargs)


def calibration(y, p, *, groups: int = 10, hl_groups: int = 10, conf_level: float = 0.95, positive=None,
                nan_policy: str = "raise", validation: bool = False) -> CalibrationResult:
    """Calibration statistics and curves for predicted probabilities.

    Parameters
    ----------
    y : array-like
        Observed binary outcome.
    p : array-like
        Predicted probabilities, strictly inside (0, 1) for the logistic recalibration.
    groups : int
        Number of quantile groups for the grouped calibration points.
    hl_groups : int
        Groups of the Hosmer-Lemeshow test (ResourceSelection's rule).
    validation : bool
        ``p`` comes from a model fitted on other patients (a test set): the Hosmer-Lemeshow test has df = g
        (see :func:`~cohortstats.regression.logistic.hosmer_lemeshow`); default df = g - 2, as ``hoslem.test``.

    Notes
    -----
    Equals ``rms::val.prob(p, y)``: Dxy and C from the ranks; R2, D (= (LR - 1)/n) and
    U (= (U χ² - 2)/n, U χ² = deviance of p as given minus deviance after logistic
    recalibration) with LR = null deviance - deviance of p as given; Intercept and Slope
    from the recalibration fit (here iterated to full convergence, where ``lrm.fit`` stops
    at ~1e-8); Emax/E90/Eavg from ``lowess(p, y, iter = 0)`` interpolated at p
    (``approx(ties = mean)``); Spiegelhalter's z = Σ(y - p)(1 - 2p)/sqrt(Σ(1 - 2p)²p(1 - p)).
    Calibration-in-the-large is the intercept of ``glm(y ~ 1, offset = logit(p))``, a
    different number from val.prob's Intercept.
    """
    conf_level = check_probability(conf_level, "conf_level")
    y01, arrays, _, _ = prepare_binary_scores(y, {"p": p}, positive=positive, nan_policy=nan_policy)
    p = arrays["p"]
    if (p <= 0).any() or (p >= 1).any():
        bad = int(((p <= 0) | (p >= 1)).sum())
        raise DataValidationError(
            f"p must be predicted probabilities strictly between 0 and 1; {bad} value(s) are outside "
            f"(range {p.min():g} to {p.max():g}). Pass probabilities, not scores (convert scores with a "
            "logistic model first)."
        )
    if np.ptp(p) == 0:
        raise DataValidationError(f"all {len(p)} predicted probabilities are equal ({p[0]:.4g}): a model that gives "
                                  "everyone the same risk has no calibration slope, curve or C statistic.")
    y = y01.astype(float)
    n = len(y)
    lg = logit(p)
    ll_given = loglik(lg, y)
    ybar = y.mean()
    ll_null = loglik(np.full(n, np.log(ybar / (1 - ybar))), y)
    lr = 2 * (ll_given - ll_null)
    r2 = (1 - np.exp(-lr / n)) / (1 - np.exp(2 * ll_null / n))
    X = np.column_stack([np.ones(n), lg])
    recal = fit_logistic(X, y)
    u_chisq = -2 * ll_given - (-2 * recal.loglik)
    d = (lr - 1) / n
    u = (u_chisq - 2) / n
    citl = fit_logistic(np.ones((n, 1)), y, offset=lg).beta[0]
    # one sort of p serves the C index, the smoother (already sorted input: lowess's own stable sort is a
    # single pass) and the curve; tied p share one fitted value: approx(ties = mean)
    order = np.argsort(p, kind="stable")
    sx = p[order]
    case_sorted = y01[order] == 1
    c = _auc_presorted(sx[case_sorted], sx[~case_sorted])
    _, sy = lowess(sx, y[order], iterations=0)
    smooth_at_p = np.empty(n)
    smooth_at_p[order] = sy
    er = np.abs(p - smooth_at_p)
    denom = np.sqrt(np.sum((1 - 2 * p) ** 2 * p * (1 - p)))
    sz = float(np.sum((y - p) * (1 - 2 * p)) / denom)
    hl = hosmer_lemeshow(y, p, groups=hl_groups, validation=validation)
    # grouped points: quantile groups of p
    edges = np.unique(np.quantile(p, np.linspace(0, 1, groups + 1)))
    g = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for k in range(len(edges) - 1):
        m = g == k
        if not m.any():
            continue
        ev = int(y[m].sum())
        lo, hi = proportion_confint(ev, int(m.sum()), alpha=1 - conf_level, method="wilson")
        rows.append({"group": k + 1, "n": int(m.sum()), "mean_predicted": float(p[m].mean()),
                     "observed": ev / m.sum(), "conf_low": float(lo), "conf_high": float(hi)})
    return CalibrationResult(
        dxy=2 * c - 1, c_index=c, r2=float(r2), d=float(d), d_chisq=float(lr), u=float(u), u_chisq=float(u_chisq),
        u_p_value=float(stats.chi2.sf(u_chisq, 2)), q=float(d - u), brier=float(np.mean((p - y) ** 2)),
        intercept=float(recal.beta[0]), slope=float(recal.beta[1]), citl=float(citl), emax=float(er.max()),
        e90=float(np.quantile(er, 0.9)), eavg=float(er.mean()), ici=float(er.mean()), spiegelhalter_z=sz,
        spiegelhalter_p=float(2 * stats.norm.sf(abs(sz))), hosmer_lemeshow=hl,
        curve=pd.DataFrame({"predicted": sx, "observed": sy}), groups=pd.DataFrame(rows), n=n,
        n_events=int(y.sum()), y=y01, p=p)


def smoothed_calibration(y, p, grid) -> np.ndarray:
    """Lowess-smoothed observed risk at ``grid`` (for bias-corrected curves)."""
    sx, sy = lowess_r(p, y)
    return _approx_ties_mean(sx, sy, grid)


def recalibration(y, p) -> tuple[float, float]:
    """Intercept and slope of the logistic recalibration of ``p`` (clipped away from 0 and 1)."""
    p = np.clip(np.asarray(p, float), P_CLIP, 1 - P_CLIP)
    st = fit_logistic(np.column_stack([np.ones(len(p)), logit(p)]), np.asarray(y, float))
    return float(st.beta[0]), float(st.beta[1])


