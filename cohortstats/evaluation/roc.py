"""ROC curves, AUC confidence intervals and DeLong tests, equal to pROC.

All DeLong quantities come from placement values (Sun & Xu 2014) computed by
sorting, so every function here is O(n log n) and never builds an
n_cases x n_controls matrix.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from .._auc import _auc_sorted, _placements
from .._results import TidyHTML
from .._validation import check_one_of, check_probability
from ..exceptions import DataValidationError, DataWarning
from ._roc_core import (
    ALTERNATIVES,
    _as_rng,
    _curve,
    _delong_var,
    _orient,
    _p_value,
    _resolve_direction,
    _split,
    bootstrap_aucs,
    prepare_binary_scores,
)

__all__ = [
    "roc",
    "RocResult",
    "auc_ci",
    "AucCI",
    "delong_test",
    "DelongTest",
    "delong_test_unpaired",
    "DelongUnpairedTest",
    "compare_aucs",
    "AucComparison",
]


# --------------------------------------------------------------------------- placements


# --------------------------------------------------------------------------- roc
@dataclass(frozen=True)
class RocResult(TidyHTML):
    """A ROC curve.

    Attributes
    ----------
    auc : float
        Area under the curve (ties count ½); below 0.5 is reported as is.
    direction : {"<", ">"}
        ``"<"``: higher score means case (case if score >= threshold).
    direction_source : str
        ``"given"`` or ``"auto"`` (pROC's rule: compare the medians of controls and cases).
    thresholds, sensitivity, specificity : numpy.ndarray
        pROC's curve: -Inf, midpoints between distinct values, +Inf (reversed for ``">"``),
        sensitivity decreasing along the curve.
    n_cases, n_controls, n_dropped : int
    positive : object
        The outcome value counted as case.
    """

    auc: float
    direction: str
    direction_source: str
    thresholds: np.ndarray = field(repr=False)
    sensitivity: np.ndarray = field(repr=False)
    specificity: np.ndarray = field(repr=False)
    n_cases: int = 0
    n_controls: int = 0
    n_dropped: int = 0
    positive: object = 1
    cases: np.ndarray = field(default=None, repr=False)
    controls: np.ndarray = field(default=None, repr=False)

    @property
    def curve(self) -> pd.DataFrame:
        """``threshold, sensitivity, specificity`` in pROC's order."""
        return pd.DataFrame({"threshold": self.thresholds, "sensitivity": self.sensitivity,
                             "specificity": self.specificity})

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame([{"auc": self.auc, "direction": self.direction, "direction_source": self.direction_source,
                              "n_cases": self.n_cases, "n_controls": self.n_controls, "n_dropped": self.n_dropped}])

    def partial_auc(self, *, focus: str = "specificity", range=(0.8, 1.0), correct: bool = False) -> float:
        """Partial AUC over a specificity or sensitivity range, as pROC's ``auc(partial.auc=...)``.

        The area under the curve (trapezoids, linear interpolation at the limits)
        for ``focus`` between ``range``. ``correct=True`` applies McClish's
        standardisation ``(1 + (pAUC - min)/(max - min))/2`` (pROC's
        ``partial.auc.correct``), which is undefined (NaN, with a warning) for a
        curve below the diagonal.
        """
        check_one_of(focus, ("specificity", "sensitivity"), "focus")
        lo, hi = sorted(float(v) for v in range)
        if not (0 <= lo < hi <= 1):
            raise DataValidationError(f"range must be two distinct values in [0, 1]; got {range}.")
        if focus == "specificity":
            x, yv = self.specificity, self.sensitivity
        else:
            x, yv = self.sensitivity[::-1], self.specificity[::-1]
        # x increases along the curve; integrate the polyline between lo and hi
        area = _polyline_area(x, yv, hi) - _polyline_area(x, yv, lo)
        if correct:
            mn = (2 - hi - lo) * (hi - lo) / 2
            mx = hi - lo
            if area < mn:
                warnings.warn("partial AUC correction is not defined for a curve below the diagonal; NaN returned.",
                              DataWarning, stacklevel=2)
                return float("nan")
            return float((1 + (area - mn) / (mx - mn)) / 2)
        return float(area)

    def plot(self, ax=None, **kwargs):
        from ..plots import plot_roc

        return plot_roc(self, ax=ax, **kwargs)


def _polyline_area(x: np.ndarray, y: np.ndarray, upto: float) -> float:
    """Area under the polyline (x non-decreasing) from x[0] to ``upto`` (trapezoids)."""
    dx = np.diff(x)
    seg = dx * (y[1:] + y[:-1]) / 2
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    if upto <= x[0]:
        return 0.0
    if upto >= x[-1]:
        return float(cum[-1])
    k = int(np.searchsorted(x, upto, "right")) - 1  # x[k] <= upto < x[k+1]
    if x[k] == upto:
        return float(cum[k])
    frac = (upto - x[k]) / (x[k + 1] - x[k])
    y_at = y[k] + frac * (y[k + 1] - y[k])
    return float(cum[k] + (upto - x[k]) * (y[k] + y_at) / 2)


def roc(y, score, *, direction: str = "<", positive=None, nan_policy: str = "raise") -> RocResult:
    """ROC curve and AUC.

    Parameters
    ----------
    y : array-like
        Outcome with two classes; 0/1, or any two values with ``positive`` naming the case.
    score : array-like of float
        Predictor (probability, score, biomarker).
    direction : {"<", ">", "auto"}
        ``"<"`` (default): higher scores indicate cases. ``"auto"`` reproduces pROC's
        default (flip when the controls' median exceeds the cases'); it biases AUC
        upward under resampling, so it is flagged in ``direction_source``.
    positive : object, optional
        The case value of ``y`` (required for non-0/1 outcomes).
    nan_policy : {"raise", "omit"}
        Missing/non-finite values: error, or drop and count (``n_dropped``).

    Returns
    -------
    RocResult

    Notes
    -----
    Equals pROC's ``roc(y, score, levels = c(control, case), direction = "<")``:
    thresholds at -Inf, midpoints of distinct values and +Inf; a case is
    positive when its score >= threshold. AUC is the Mann-Whitney statistic.

    Examples
    --------
    >>> import cohortstats as cs
    >>> r = cs.roc([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    >>> round(r.auc, 4), r.direction
    (0.8889, '<')
    """
    y01, arrays, n_bad, positive = prepare_binary_scores(y, {"score": score}, positive=positive, nan_policy=nan_policy)
    cases, controls = _split(y01, arrays["score"])
    direction, source = _resolve_direction(direction, cases, controls)
    auc = _auc_sorted(_orient(cases, direction), _orient(controls, direction))
    thr, se, sp = _curve(cases, controls, direction)
    return RocResult(auc=auc, direction=direction, direction_source=source, thresholds=thr, sensitivity=se,
                     specificity=sp, n_cases=len(cases), n_controls=len(controls), n_dropped=n_bad,
                     positive=positive, cases=cases, controls=controls)


# --------------------------------------------------------------------------- CI
@dataclass(frozen=True)
class AucCI(TidyHTML):
    """AUC with its confidence interval.

    Attributes: ``estimate, conf_low, conf_high, std_error, method, conf_level, n_cases,
    n_controls, direction``; for the bootstrap also ``n_boot``, ``random_state`` and
    ``n_degenerate`` (resamples whose AUC was undefined; none with stratification).
    """

    estimate: float
    conf_low: float
    conf_high: float
    std_error: float
    method: str
    conf_level: float
    n_cases: int
    n_controls: int
    direction: str = "<"
    n_boot: int | None = None
    random_state: object = None

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame([{"estimate": self.estimate, "std_error": self.std_error, "conf_low": self.conf_low,
                              "conf_high": self.conf_high, "conf_level": self.conf_level, "method": self.method,
                              "n_cases": self.n_cases, "n_controls": self.n_controls, "n_boot": self.n_boot}])


def auc_ci(y, score, *, method: str = "delong", conf_level: float = 0.95, n_boot: int = 2000, random_state=None,
           direction: str = "<", positive=None, nan_policy: str = "raise") -> AucCI:
    """Confidence interval of the AUC.

    Parameters
    ----------
    method : {"delong", "bootstrap", "hanley_mcneil"}
        ``"delong"`` (default, pROC's ``ci.auc``): AUC ± z·SE with DeLong's
        variance, clipped to [0, 1]. ``"bootstrap"``: percentile interval of
        ``n_boot`` stratified resamples (pROC's ``ci.auc(method = "bootstrap")``;
        quantile type 7). ``"hanley_mcneil"``: Hanley & McNeil (1982) SE.
    conf_level : float
    n_boot : int
    random_state : int, Generator or None
        Only for the bootstrap. Resampling streams differ from R's: bootstrap
        limits agree with pROC's to Monte Carlo error, not digit for digit.

    Returns
    -------
    AucCI

    Examples
    --------
    >>> import cohortstats as cs
    >>> ci = cs.auc_ci([0, 0, 1, 1, 0, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.5, 0.45])
    >>> round(ci.estimate, 4), ci.method
    (0.8125, 'DeLong')
    """
    check_one_of(method, ("delong", "bootstrap", "hanley_mcneil"), "method")
    conf_level = check_probability(conf_level, "conf_level")
    y01, arrays, _, _ = prepare_binary_scores(y, {"score": score}, positive=positive, nan_policy=nan_policy)
    cases, controls = _split(y01, arrays["score"])
    direction, _ = _resolve_direction(direction, cases, controls)
    cases, controls = _orient(cases, direction), _orient(controls, direction)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    m, n = len(cases), len(controls)
    if method == "delong":
        auc, var = _delong_var(cases, controls)
        se = np.sqrt(var)
        return AucCI(auc, float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se)), float(se), "DeLong", conf_level, m, n,
                     direction)
    if method == "hanley_mcneil":
        auc = _auc_sorted(cases, controls)
        q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
        se = float(np.sqrt((auc * (1 - auc) + (m - 1) * (q1 - auc**2) + (n - 1) * (q2 - auc**2)) / (m * n)))
        return AucCI(auc, float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se)), se, "Hanley-McNeil", conf_level, m, n,
                     direction)
    if int(n_boot) < 100:
        raise DataValidationError(f"n_boot must be at least 100 for a percentile interval; got {n_boot}.")
    rng = _as_rng(random_state)
    aucs = bootstrap_aucs(cases, controls, int(n_boot), rng)
    a = (1 - conf_level) / 2
    low, high = np.quantile(aucs, [a, 1 - a])
    return AucCI(_auc_sorted(cases, controls), float(low), float(high), float(np.std(aucs, ddof=1)),
                 "stratified bootstrap (percentile)", conf_level, m, n, direction, int(n_boot),
                 random_state if not isinstance(random_state, np.random.Generator) else "Generator")


# --------------------------------------------------------------------------- DeLong tests


def _delong_cov(y01, arrays: dict):
    """AUCs and DeLong covariance matrix for k scores on the same patients."""
    names = list(arrays)
    v10s, v01s = [], []
    for k in names:
        cases, controls = _split(y01, arrays[k])
        v10, v01 = _placements(cases, controls)
        v10s.append(v10)
        v01s.append(v01)
    v10m, v01m = np.vstack(v10s), np.vstack(v01s)
    aucs = v10m.mean(axis=1)
    cov = np.cov(v10m, ddof=1).reshape(len(names), len(names)) / v10m.shape[1] + \
        np.cov(v01m, ddof=1).reshape(len(names), len(names)) / v01m.shape[1]
    return names, aucs, cov


@dataclass(frozen=True)
class DelongTest(TidyHTML):
    """Paired DeLong test of two AUCs on the same patients.

    ``statistic`` is Z with the sign of ``auc_a - auc_b``; ``conf_low``/``conf_high`` the
    two-sided CI of the difference at ``conf_level`` (as pROC's ``roc.test``).
    """

    auc_a: float
    auc_b: float
    difference: float
    std_error: float
    statistic: float
    p_value: float
    conf_low: float
    conf_high: float
    alternative: str
    conf_level: float
    correlation: float
    n_cases: int
    n_controls: int
    method: str = "DeLong's test for two correlated ROC curves"

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame([{k: getattr(self, k) for k in (
            "auc_a", "auc_b", "difference", "std_error", "statistic", "p_value", "conf_low", "conf_high",
            "alternative", "conf_level", "method")}])


def delong_test(y, score_a, score_b, *, alternative: str = "two-sided", conf_level: float = 0.95,
                direction: str = "<", positive=None, nan_policy: str = "raise") -> DelongTest:
    """Paired DeLong test comparing the AUCs of two scores on the same patients.

    Parameters
    ----------
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: AUC of ``score_a`` is larger. A paper's "Z = -1.79, P < 0.05"
        only holds one-sided; say which.
    direction : {"<", ">"}
        The same for both scores (a paired test needs both curves oriented alike).

    Notes
    -----
    Equals pROC's ``roc.test(roc_a, roc_b, method = "delong", paired = TRUE,
    alternative = ...)``: Z = (AUC_a - AUC_b) / sqrt(V_a + V_b - 2 C_ab) with the
    DeLong (1988) covariance from placement values; the difference's CI is
    two-sided, difference ± z·SE.

    Examples
    --------
    >>> import numpy as np, cohortstats as cs
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> d = cs.delong_test(y, [1, 2, 3, 5, 4, 6, 7, 8], [2, 1, 6, 3, 5, 4, 3.5, 7])
    >>> d.auc_a, d.auc_b, round(d.statistic, 3)
    (0.9375, 0.8125, 0.548)
    """
    check_one_of(alternative, ALTERNATIVES, "alternative")
    check_one_of(direction, ("<", ">"), "direction")
    conf_level = check_probability(conf_level, "conf_level")
    y01, arrays, _, _ = prepare_binary_scores(y, {"score_a": score_a, "score_b": score_b}, positive=positive,
                                              nan_policy=nan_policy)
    arrays = {k: _orient(v, direction) for k, v in arrays.items()}
    _, aucs, cov = _delong_cov(y01, arrays)
    diff = float(aucs[0] - aucs[1])
    var = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    if var <= 0:
        raise DataValidationError(
            "the two scores give identical placements (DeLong variance of the difference is 0): "
            "they rank the patients the same way, so there is nothing to test."
        )
    se = np.sqrt(var)
    z = diff / se
    crit = stats.norm.ppf(1 - (1 - conf_level) / 2)
    corr = float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])) if cov[0, 0] > 0 and cov[1, 1] > 0 else float("nan")
    return DelongTest(float(aucs[0]), float(aucs[1]), diff, float(se), float(z), _p_value(z, alternative),
                      float(diff - crit * se), float(diff + crit * se), alternative, conf_level, corr,
                      int((y01 == 1).sum()), int((y01 == 0).sum()))


@dataclass(frozen=True)
class DelongUnpairedTest(TidyHTML):
    """Unpaired DeLong test (two independent samples): D, Welch-Satterthwaite df, p, CI of the difference."""

    auc_a: float
    auc_b: float
    difference: float
    std_error: float
    statistic: float
    df: float
    p_value: float
    conf_low: float
    conf_high: float
    alternative: str
    conf_level: float
    method: str = "DeLong's test for two ROC curves (unpaired)"

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame([{k: getattr(self, k) for k in (
            "auc_a", "auc_b", "difference", "std_error", "statistic", "df", "p_value", "conf_low", "conf_high",
            "alternative", "conf_level", "method")}])


def delong_test_unpaired(y_a, score_a, y_b, score_b, *, alternative: str = "two-sided", conf_level: float = 0.95,
                         direction: str = "<", positive=None, nan_policy: str = "raise") -> DelongUnpairedTest:
    """DeLong test for AUCs measured on two different groups of patients.

    Notes
    -----
    Equals pROC's ``roc.test(..., paired = FALSE)``: D = (AUC_a - AUC_b)/sqrt(S_a + S_b)
    with S = var(V10)/m + var(V01)/n per sample, compared with a t distribution
    with Welch-Satterthwaite df = (S_a + S_b)² / (S_a²/(N_a - 1) + S_b²/(N_b - 1)).
    pROC gives no CI here; ours is difference ± t_{df, 1-α/2}·SE.
    """
    check_one_of(alternative, ALTERNATIVES, "alternative")
    check_one_of(direction, ("<", ">"), "direction")
    conf_level = check_probability(conf_level, "conf_level")
    ya, aa, _, _ = prepare_binary_scores(y_a, {"score_a": score_a}, positive=positive, nan_policy=nan_policy)
    yb, ab, _, _ = prepare_binary_scores(y_b, {"score_b": score_b}, positive=positive, nan_policy=nan_policy)
    auc_a, sa = _delong_var(*_split(ya, _orient(aa["score_a"], direction)))
    auc_b, sb = _delong_var(*_split(yb, _orient(ab["score_b"], direction)))
    se = np.sqrt(sa + sb)
    if se == 0:
        raise DataValidationError("both AUCs have zero DeLong variance (perfect separation); the test is undefined.")
    d = (auc_a - auc_b) / se
    df = (sa + sb) ** 2 / (sa**2 / (len(ya) - 1) + sb**2 / (len(yb) - 1))
    crit = stats.t.ppf(1 - (1 - conf_level) / 2, df)
    diff = auc_a - auc_b
    return DelongUnpairedTest(auc_a, auc_b, diff, float(se), float(d), float(df),
                              _p_value(d, alternative, stats.t, df=df), float(diff - crit * se),
                              float(diff + crit * se), alternative, conf_level)


# --------------------------------------------------------------------------- k models
@dataclass(frozen=True)
class AucComparison(TidyHTML):
    """AUCs of k scores on the same patients, every pairwise DeLong test and the global test.

    Attributes
    ----------
    aucs : pandas.DataFrame
        ``model, auc, std_error, conf_low, conf_high`` (DeLong CI).
    pairs : pandas.DataFrame
        ``model_a, model_b, auc_a, auc_b, difference, std_error, statistic, p_value,
        p_adjusted, conf_low, conf_high``.
    covariance : pandas.DataFrame
        The DeLong covariance matrix of the AUCs.
    global_statistic, global_df, global_p_value : float
        χ² test that all AUCs are equal (DeLong 1988 contrasts).
    adjust : str or None
    alternative, conf_level
    """

    aucs: pd.DataFrame
    pairs: pd.DataFrame
    covariance: pd.DataFrame
    global_statistic: float
    global_df: int
    global_p_value: float
    adjust: str | None
    alternative: str
    conf_level: float

    def tidy(self) -> pd.DataFrame:
        return self.pairs.copy()


def _adjust(p: np.ndarray, method):
    if method is None or len(p) == 0:
        return p.copy()
    if method == "bonferroni":
        return np.minimum(1.0, p * len(p))
    order = np.argsort(p)
    k = len(p)
    adj = np.empty(k)
    running = 0.0
    for rank, i in enumerate(order):  # Holm step-down, monotone
        running = max(running, min(1.0, (k - rank) * p[i]))
        adj[i] = running
    return adj


def compare_aucs(y, scores: dict, *, adjust=None, alternative: str = "two-sided", conf_level: float = 0.95,
                 pairs=None, direction: str = "<", positive=None, nan_policy: str = "raise") -> AucComparison:
    """Compare the AUCs of several scores measured on the same patients.

    Parameters
    ----------
    scores : dict
        ``{model name: score vector}``, at least two, aligned with ``y``.
    adjust : {None, "holm", "bonferroni"}
        Multiplicity adjustment of the pairwise p-values (``p_adjusted``), as R's ``p.adjust``, over the
        pairs reported.
    pairs : list of (name, name), optional
        Only these comparisons, each in the order given (model_a vs model_b: the difference and Z are
        AUC_a - AUC_b, and a one-sided ``alternative`` is about that order); default every pair in the order
        of ``scores``.

    Notes
    -----
    Pairwise tests equal pROC's paired ``roc.test`` for each pair; the global test
    uses the contrasts L = rows e_i - e_{i+1} and χ² = (Lθ)ᵀ(L S Lᵀ)⁻¹(Lθ) with k - 1
    df (DeLong, DeLong & Clarke-Pearson 1988), which pROC does not offer.
    """
    check_one_of(alternative, ALTERNATIVES, "alternative")
    check_one_of(adjust, (None, "holm", "bonferroni"), "adjust")
    conf_level = check_probability(conf_level, "conf_level")
    if not isinstance(scores, dict) or len(scores) < 2:
        raise DataValidationError("scores must be a dict of at least two named score vectors.")
    y01, arrays, _, _ = prepare_binary_scores(y, scores, positive=positive, nan_policy=nan_policy)
    arrays = {k: _orient(v, direction) for k, v in arrays.items()}
    names, aucs, cov = _delong_cov(y01, arrays)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    se = np.sqrt(np.diag(cov))
    auc_table = pd.DataFrame({"model": names, "auc": aucs, "std_error": se,
                              "conf_low": np.clip(aucs - z * se, 0, 1), "conf_high": np.clip(aucs + z * se, 0, 1)})
    rows = []
    order = list(combinations(range(len(names)), 2))
    if pairs is not None:
        unknown = sorted({n for p in pairs for n in p} - set(names))
        if unknown:
            raise DataValidationError(f"pairs name unknown model(s) {unknown}; models are {names}.")
        index = {n: i for i, n in enumerate(names)}
        order = list(dict.fromkeys((index[a], index[b]) for a, b in pairs))  # the user's order, never reordered
    for i, j in order:
        var = cov[i, i] + cov[j, j] - 2 * cov[i, j]
        d = aucs[i] - aucs[j]
        s = np.sqrt(var) if var > 0 else np.nan
        stat = d / s if var > 0 else np.nan
        rows.append({"model_a": names[i], "model_b": names[j], "auc_a": aucs[i], "auc_b": aucs[j], "difference": d,
                     "std_error": s, "statistic": stat,
                     "p_value": _p_value(stat, alternative) if var > 0 else np.nan,
                     "conf_low": d - z * s, "conf_high": d + z * s})
    table = pd.DataFrame(rows, columns=["model_a", "model_b", "auc_a", "auc_b", "difference", "std_error", "statistic",
                                        "p_value", "conf_low", "conf_high"])
    table.insert(8, "p_adjusted", _adjust(table["p_value"].to_numpy(), adjust))
    k = len(names)
    L = np.zeros((k - 1, k))
    for r in range(k - 1):
        L[r, r], L[r, r + 1] = 1, -1
    m = L @ cov @ L.T
    diff = L @ aucs
    rank = np.linalg.matrix_rank(m)
    chi2 = float(diff @ np.linalg.pinv(m) @ diff) if rank > 0 else float("nan")
    p = float(stats.chi2.sf(chi2, rank)) if rank > 0 else float("nan")
    return AucComparison(auc_table, table, pd.DataFrame(cov, index=names, columns=names), chi2, int(rank), p,
                         adjust, alternative, conf_level)
