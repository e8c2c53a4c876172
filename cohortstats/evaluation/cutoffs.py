"""Cut-off metrics: sensitivity, specificity, predictive values and likelihood ratios at a threshold.

A threshold chosen on the training set is carried unchanged to the test set
by passing the training result as ``threshold=``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from .._validation import check_one_of, check_probability
from ._roc_core import _curve_sorted, prepare_binary_scores, sorted_split
from ..exceptions import DataValidationError, SmallCellWarning
from .._results import TidyHTML

__all__ = ["threshold_metrics", "ThresholdMetrics"]

_PROPORTIONS = {
    "sensitivity": ("tp", ("tp", "fn")),
    "specificity": ("tn", ("tn", "fp")),
    "ppv": ("tp", ("tp", "fp")),
    "npv": ("tn", ("tn", "fn")),
    "accuracy": (("tp", "tn"), ("tp", "tn", "fp", "fn")),
}


@dataclass(frozen=True)
class ThresholdMetrics(TidyHTML):
    """Classification metrics at one threshold.

    Attributes
    ----------
    threshold : float
    direction : {"<", ">"}
        ``"<"``: positive when score >= threshold; ``">"``: when score <= threshold.
    source : str
        Where the threshold came from: ``"youden"``, ``"closest.topleft"``, ``"fixed"``
        or ``"carried from training (youden)"``.
    tied_thresholds : tuple
        Every threshold that reached the same optimum (the smallest is used for ``"<"``,
        the largest for ``">"``: the tied cut-off with the highest sensitivity).
    tp, fp, tn, fn : int
    sensitivity, specificity, ppv, npv, accuracy, f1, lr_positive, lr_negative : float
    ci_method : {"wilson", "clopper-pearson"}
    conf_level : float
    """

    threshold: float
    direction: str
    source: str
    tied_thresholds: tuple
    tp: int
    fp: int
    tn: int
    fn: int
    sensitivity: float
    specificity: float
    ppv: float
    npv: float
    accuracy: float
    f1: float
    lr_positive: float
    lr_negative: float
    ci_method: str
    conf_level: float

    def tidy(self) -> pd.DataFrame:
        """One row per metric: ``metric, estimate, conf_low, conf_high, numerator, denominator, ci_method``."""
        counts = {"tp": self.tp, "fp": self.fp, "tn": self.tn, "fn": self.fn}
        rows = []
        for name, (num, den) in _PROPORTIONS.items():
            x = sum(counts[k] for k in ((num,) if isinstance(num, str) else num))
            n = sum(counts[k] for k in den)
            low, high = _prop_ci(x, n, self.ci_method, self.conf_level)
            rows.append({"metric": name, "estimate": getattr(self, name), "conf_low": low, "conf_high": high,
                         "numerator": x, "denominator": n, "ci_method": self.ci_method})
        rows.append({"metric": "f1", "estimate": self.f1, "conf_low": np.nan, "conf_high": np.nan,
                     "numerator": 2 * self.tp, "denominator": 2 * self.tp + self.fp + self.fn, "ci_method": ""})
        for name, est in (("lr_positive", self.lr_positive), ("lr_negative", self.lr_negative)):
            low, high = _lr_ci(name, self.tp, self.fp, self.tn, self.fn, self.conf_level)
            rows.append({"metric": name, "estimate": est, "conf_low": low, "conf_high": high,
                         "numerator": np.nan, "denominator": np.nan, "ci_method": "log (Simel et al. 1991)"})
        out = pd.DataFrame(rows)
        out.insert(0, "threshold", self.threshold)
        return out


def _prop_ci(x, n, method, conf_level):
    if n == 0:
        return np.nan, np.nan
    low, high = proportion_confint(x, n, alpha=1 - conf_level, method="wilson" if method == "wilson" else "beta")
    return float(low), float(high)


def _lr_ci(name, tp, fp, tn, fn, conf_level):
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    if name == "lr_positive":
        a, b, c, d = tp, tp + fn, fp, fp + tn
    else:
        a, b, c, d = fn, tp + fn, tn, fp + tn
    if min(a, b, c, d) == 0:
        return np.nan, np.nan
    lr = (a / b) / (c / d)
    se = np.sqrt(1 / a - 1 / b + 1 / c - 1 / d)
    return float(lr * np.exp(-z * se)), float(lr * np.exp(z * se))


def _ratio(num, den, what, zero_warnings):
    if den == 0:
        zero_warnings.append(what)
        return float("nan")
    return float(num / den)


def threshold_metrics(y, score, *, threshold="youden", direction: str = "<", ci_method: str = "wilson",
                      conf_level: float = 0.95, positive=None, nan_policy: str = "raise") -> ThresholdMetrics:
    """Sensitivity, specificity, PPV, NPV, accuracy, F1 and likelihood ratios at a cut-off.

    Parameters
    ----------
    threshold : "youden", "closest.topleft", float, or ThresholdMetrics
        ``"youden"`` maximises sensitivity + specificity and ``"closest.topleft"``
        minimises (1 - se)² + (1 - sp)² over pROC's thresholds (as ``coords(roc,
        "best", best.method = ...)``). A number is used as is (values outside the
        score range are allowed). A :class:`ThresholdMetrics` from the training set
        carries its threshold and direction unchanged (the honest way to report
        test-set metrics).
    direction : {"<", ">"}
        ``"<"``: a patient is positive when score >= threshold.
    ci_method : {"wilson", "clopper-pearson"}
        CIs of the proportions; likelihood ratios use the log method.

    Warns
    -----
    SmallCellWarning
        A metric whose denominator is 0 (reported as NaN, never a silent division).

    Notes
    -----
    Ties among best thresholds: all are listed in ``tied_thresholds`` and the one
    with the highest sensitivity is used (pROC's ``coords`` returns them all).

    Examples
    --------
    >>> import cohortstats as cs
    >>> tm = cs.threshold_metrics([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    >>> tm.threshold, tm.sensitivity, tm.specificity
    (0.275, 1.0, 0.6666666666666666)
    """
    check_one_of(ci_method, ("wilson", "clopper-pearson"), "ci_method")
    conf_level = check_probability(conf_level, "conf_level")
    key = (y, score, positive, nan_policy)
    y01, arrays, n_bad, _ = prepare_binary_scores(y, {"score": score}, positive=positive, nan_policy=nan_policy)
    s = arrays["score"]
    tied: tuple = ()
    if isinstance(threshold, ThresholdMetrics):
        thr, direction = threshold.threshold, threshold.direction
        source = threshold.source if threshold.source.startswith("carried") else f"carried from training ({threshold.source})"
    elif isinstance(threshold, str):
        check_one_of(threshold, ("youden", "closest.topleft"), "threshold")
        check_one_of(direction, ("<", ">"), "direction")
        thr_all, se, sp = _curve_sorted(*sorted_split(y01, s, key=None if n_bad else key), direction)
        crit = se + sp if threshold == "youden" else -((1 - se) ** 2 + (1 - sp) ** 2)
        best = np.flatnonzero(np.isclose(crit, crit.max(), rtol=0, atol=1e-12))
        tied = tuple(float(t) for t in thr_all[best])
        thr = float(thr_all[best[0]])  # along the curve: highest sensitivity first
        source = threshold
    else:
        try:
            thr = float(threshold)
        except (TypeError, ValueError):
            raise TypeError(f"threshold must be 'youden', 'closest.topleft', a number or a ThresholdMetrics; "
                            f"got {type(threshold).__name__}.") from None
        if np.isnan(thr):
            raise DataValidationError("threshold is NaN; give a number.")
        check_one_of(direction, ("<", ">"), "direction")
        source = "fixed"
    pred = s >= thr if direction == "<" else s <= thr
    tp = int(np.sum(pred & (y01 == 1)))
    fp = int(np.sum(pred & (y01 == 0)))
    tn = int(np.sum(~pred & (y01 == 0)))
    fn = int(np.sum(~pred & (y01 == 1)))
    zero: list = []
    se_ = _ratio(tp, tp + fn, "sensitivity", zero)
    sp_ = _ratio(tn, tn + fp, "specificity", zero)
    ppv = _ratio(tp, tp + fp, "PPV (no patient classified positive)", zero)
    npv = _ratio(tn, tn + fn, "NPV (no patient classified negative)", zero)
    acc = (tp + tn) / len(y01)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn, "F1", zero)
    lr_pos = se_ / (1 - sp_) if sp_ < 1 else float("inf") if se_ > 0 else float("nan")
    lr_neg = (1 - se_) / sp_ if sp_ > 0 else float("inf") if se_ < 1 else float("nan")
    if sp_ == 1 or sp_ == 0:
        zero.append("a likelihood ratio (specificity is 0 or 1)")
    if zero:
        warnings.warn(f"at threshold {thr:g}: {', '.join(zero)} has a zero denominator; reported as NaN/inf.",
                      SmallCellWarning, stacklevel=2)
    return ThresholdMetrics(thr, direction, source, tied, tp, fp, tn, fn, se_, sp_, ppv, npv, float(acc), f1,
                            float(lr_pos), float(lr_neg), ci_method, conf_level)
