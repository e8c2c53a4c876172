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

from .._auc import _auc_presorted, _placements
from .._results import TidyHTML
from .._validation import check_one_of, check_probability
from ..exceptions import DataValidationError, DataWarning, DegenerateComparisonWarning
from ._roc_core import (
    ALTERNATIVES,
    _curve_sorted,
    _delong_var,
    _orient,
    _oriented,
    _p_value,
    _resolve_direction,
    _split,
    bootstrap_aucs,
    prepare_binary_scores,
    sorted_split,
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
    key = (y, score, positive, nan_policy)
    y01, arrays, n_bad, positive = prepare_binary_scores(y, {"score": score}, positive=positive, nan_policy=nan_policy)
    cases, controls = _split(y01, arrays["score"])
    direction, source = _resolve_direction(direction, cases, controls)
    sc, sd = sorted_split(y01, arrays["score"], key=None if n_bad else key)  # one sort: the AUC and the curve
    auc = _auc_presorted(*_oriented(sc, sd, direction))
    thr, se, sp = _curve_sorted(sc, sd, direction)
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


def _check_counts(m: int, n: int, what: str, where: str = "") -> None:
    """DeLong variances divide by (cases - 1) and (controls - 1): at least two of each."""
    if m < 2 or n < 2:
        raise DataValidationError(
            f"{what} needs at least 2 cases and 2 controls{where}; got {m} case(s) and {n} control(s). "
            "DeLong's variance (pROC gives NA here) is undefined; report the AUC without a CI or pool more data."
        )


def _warn_zero_se(auc: float, cases, controls) -> None:
    if np.ptp(np.concatenate([cases, controls])) == 0:
        msg = ("the score is the same for every patient, so it ranks nobody: AUC = 0.5 exactly, with DeLong SE 0 "
               "and CI (0.5, 0.5), as pROC.")
    else:
        msg = (f"the DeLong SE of the AUC is 0 (every case outranks the same share of controls, e.g. perfect "
               f"separation): AUC = {auc:.4g} with CI ({auc:.4g}, {auc:.4g}), as pROC; the interval has no width "
               "and does not express sampling uncertainty.")
    warnings.warn(msg, DegenerateComparisonWarning, stacklevel=3)


def auc_ci(y, score, *, method: str = "delong", conf_level: float = 0.95, n_boot: int = 2000, random_state=None,
           direction: str = "<", positive=None, nan_policy: str = "raise", n_jobs=None) -> AucCI:
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
    random_state : int, Generator, SeedSequence or None
        Only for the bootstrap: each resample draws from its own generator spawned from it, so the
        interval is the same for any ``n_jobs``. Resampling streams differ from R's: bootstrap
        limits agree with pROC's to Monte Carlo error, not digit for digit.
    n_jobs : int, optional
        Bootstrap workers (joblib; ``None``: the active ``joblib.parallel_config``, else 1). With
        ``joblib.parallel_config(backend="dask")`` the resamples run on a Dask cluster.

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
    key = (y, score, positive, nan_policy)
    y01, arrays, n_bad, _ = prepare_binary_scores(y, {"score": score}, positive=positive, nan_policy=nan_policy)
    cases, controls = _split(y01, arrays["score"])
    _check_counts(len(cases), len(controls), "a confidence interval of the AUC")
    direction, _ = _resolve_direction(direction, cases, controls)
    cases, controls = _orient(cases, direction), _orient(controls, direction)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    m, n = len(cases), len(controls)
    if method == "delong":
        auc, var = _delong_var(cases, controls)
        se = np.sqrt(var)
        if se == 0:
            _warn_zero_se(auc, cases, controls)
        return AucCI(auc, float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se)), float(se), "DeLong", conf_level, m, n,
                     direction)
    sc, sd = _oriented(*sorted_split(y01, arrays["score"], key=None if n_bad else key), direction)
    if method == "hanley_mcneil":
        auc = _auc_presorted(sc, sd)
        q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
        se = float(np.sqrt((auc * (1 - auc) + (m - 1) * (q1 - auc**2) + (n - 1) * (q2 - auc**2)) / (m * n)))
        return AucCI(auc, float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se)), se, "Hanley-McNeil", conf_level, m, n,
                     direction)
    if int(n_boot) < 100:
        raise DataValidationError(f"n_boot must be at least 100 for a percentile interval; got {n_boot}.")
    aucs = bootstrap_aucs(sc, sd, int(n_boot), random_state, n_jobs=n_jobs, presorted=True)
    a = (1 - conf_level) / 2
    low, high = np.quantile(aucs, [a, 1 - a])
    return AucCI(_auc_presorted(sc, sd), float(low), float(high), float(np.std(aucs, ddof=1)),
                 "stratified bootstrap (percentile)", conf_level, m, n, direction, int(n_boot),
                 random_state if not isinstance(random_state, np.random.Generator) else "Generator")


# --------------------------------------------------------------------------- DeLong tests


CI_SIDED = {"two-sided": "two-sided",
            "greater": "one-sided: lower bound (upper limit +inf)",
            "less": "one-sided: upper bound (lower limit -inf)"}


def _diff_ci(d, se, alternative, conf_level, dist=stats.norm, **kw):
    """CI of a difference matching the test: two-sided, or one-sided at the same ``conf_level``."""
    if alternative == "two-sided":
        crit = dist.ppf(1 - (1 - conf_level) / 2, **kw)
        return float(d - crit * se), float(d + crit * se)
    crit = dist.ppf(conf_level, **kw)
    return (float(d - crit * se), np.inf) if alternative == "greater" else (-np.inf, float(d + crit * se))


def hypothesis_text(alternative: str, model_a, model_b) -> str:
    """``"two-sided, H1: AUC(A) ≠ AUC(B)"`` or ``"one-sided, H1: AUC(A) > AUC(B)"`` (``"<"`` for "less")."""
    rel = {"two-sided": "≠", "greater": ">", "less": "<"}[alternative]
    kind = "two-sided" if alternative == "two-sided" else "one-sided"
    return f"{kind}, H1: AUC({model_a}) {rel} AUC({model_b})"


def _pair_names(names, a, b) -> tuple[str, str]:
    if names is not None:
        if isinstance(names, str) or len(names) != 2:
            raise DataValidationError(f"names must be two model names (name_a, name_b); got {names!r}.")
        return str(names[0]), str(names[1])
    na, nb = getattr(a, "name", None), getattr(b, "name", None)
    if na is not None and nb is not None and na != nb:
        return str(na), str(nb)
    return "A", "B"


def _placement_matrix(y01, arrays: dict):
    """Names, AUCs and the DeLong placement values (k x cases, k x controls) of k scores."""
    names = list(arrays)
    v10s, v01s = [], []
    for k in names:
        cases, controls = _split(y01, arrays[k])
        v10, v01 = _placements(cases, controls)
        v10s.append(v10)
        v01s.append(v01)
    v10m, v01m = np.vstack(v10s), np.vstack(v01s)
    return names, v10m.mean(axis=1), v10m, v01m


def _placement_cov(v10m, v01m):
    """DeLong covariance matrix of the AUCs from their placement values."""
    k = v10m.shape[0]
    return np.cov(v10m, ddof=1).reshape(k, k) / v10m.shape[1] + np.cov(v01m, ddof=1).reshape(k, k) / v01m.shape[1]


def _delong_cov(y01, arrays: dict):
    """AUCs and DeLong covariance matrix for k scores on the same patients."""
    names, aucs, v10m, v01m = _placement_matrix(y01, arrays)
    return names, aucs, _placement_cov(v10m, v01m)


def _paired_contrast(i, j, names, aucs, cov, v10m, v01m, alternative, conf_level) -> dict:
    """Difference, SE, Z, P and CI of AUC_i - AUC_j; identical placements give pROC's degenerate values."""
    d, var = float(aucs[i] - aucs[j]), float(cov[i, i] + cov[j, j] - 2 * cov[i, j])
    if np.array_equal(v10m[i], v10m[j]) and np.array_equal(v01m[i], v01m[j]):
        d, se, z = 0.0, 0.0, 0.0
        p = _p_value(z, alternative)
        why = (f"both separate cases from controls perfectly (AUC = {aucs[i]:g})" if aucs[i] in (0.0, 1.0) else
               "e.g. one score is a monotone transform of the other")
        warnings.warn(
            f"{names[i]} and {names[j]} give identical DeLong placement values (they rank every case against "
            f"every control the same way; {why}): difference 0, Z = 0, P = {p:g}, as pROC's roc.test; there is "
            "nothing to test.", DegenerateComparisonWarning, stacklevel=3)
    elif not var > 0:
        raise DataValidationError(
            f"the DeLong variance of AUC({names[i]}) - AUC({names[j]}) is 0 although the AUCs differ "
            f"({aucs[i]:.4g} vs {aucs[j]:.4g}): neither score has any spread in its placements (e.g. one separates "
            "cases from controls perfectly and the other is constant), so the asymptotic test is undefined."
        )
    else:
        se = float(np.sqrt(var))
        z = d / se
        p = _p_value(z, alternative)
    low, high = _diff_ci(d, se, alternative, conf_level)
    return {"model_a": names[i], "model_b": names[j], "auc_a": float(aucs[i]), "auc_b": float(aucs[j]),
            "difference": d, "std_error": se, "statistic": float(z), "p_value": p, "conf_low": low, "conf_high": high}


@dataclass(frozen=True)
class _AucDifferenceTest(TidyHTML):
    """What the paired and unpaired DeLong tests share: the two AUCs, their difference with its SE, statistic, P
    and CI, the alternative and level, and (keyword-only) the models' names and the sidedness of the CI."""

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
    model_a: str = field(default="A", kw_only=True)
    model_b: str = field(default="B", kw_only=True)
    ci_sided: str = field(default="two-sided", kw_only=True)

    _EXTRA = ()  # the subclass's own columns of tidy(), after "statistic"

    @property
    def hypothesis(self) -> str:
        """The alternative hypothesis in words, e.g. ``"one-sided, H1: AUC(Fused) > AUC(Radiomics)"``."""
        return hypothesis_text(self.alternative, self.model_a, self.model_b)

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame([{k: getattr(self, k) for k in (
            "model_a", "model_b", "auc_a", "auc_b", "difference", "std_error", "statistic", *self._EXTRA, "p_value",
            "conf_low", "conf_high", "alternative", "hypothesis", "ci_sided", "conf_level", "method")}])


@dataclass(frozen=True)
class DelongTest(_AucDifferenceTest):
    """Paired DeLong test of two AUCs on the same patients.

    ``statistic`` is Z with the sign of ``auc_a - auc_b``; ``alternative`` and
    :attr:`hypothesis` say what was tested (``"greater"``: H1 AUC(model_a) > AUC(model_b)).
    ``conf_low``/``conf_high`` is the CI of the difference that matches the test, named in
    ``ci_sided``: two-sided (as pROC's ``roc.test``), or for a one-sided test a one-sided
    interval at ``conf_level`` (``(lower, inf)`` for "greater", ``(-inf, upper)`` for "less").
    ``correlation`` is that of the two AUCs; ``n_cases``, ``n_controls`` the patients compared.
    """

    correlation: float
    n_cases: int
    n_controls: int
    method: str = "DeLong's test for two correlated ROC curves"


def delong_test(y, score_a, score_b, *, alternative: str = "two-sided", conf_level: float = 0.95,
                direction: str = "<", names=None, positive=None, nan_policy: str = "raise") -> DelongTest:
    """Paired DeLong test comparing the AUCs of two scores on the same patients.

    Parameters
    ----------
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: H1 AUC(score_a) > AUC(score_b), as pROC's ``roc.test(roc_a, roc_b,
        alternative = "greater")``. A paper's "Z = -1.79, P < 0.05" only holds one-sided; say which.
    direction : {"<", ">"}
        The same for both scores (a paired test needs both curves oriented alike).
    names : (str, str), optional
        Model names for :attr:`DelongTest.hypothesis`; default the Series' names when both are
        named and differ, else ``("A", "B")``.

    Returns
    -------
    DelongTest

    Raises
    ------
    DataValidationError
        Fewer than 2 cases or 2 controls, or a zero variance of the difference between different AUCs.

    Warns
    -----
    DegenerateComparisonWarning
        The two scores give identical placements: difference 0, Z = 0, P = 1 (two-sided; 0.5
        one-sided), CI (0, 0), as pROC.

    Notes
    -----
    Equals pROC's ``roc.test(roc_a, roc_b, method = "delong", paired = TRUE,
    alternative = ...)``: Z = (AUC_a - AUC_b) / sqrt(V_a + V_b - 2 C_ab) with the
    DeLong (1988) covariance from placement values; the two-sided CI is difference ± z·SE.
    For a one-sided test pROC still prints the two-sided CI; here the CI is one-sided
    (difference - z_{conf_level}·SE, inf) for "greater", so that it excludes 0 exactly when P < 1 - conf_level.

    Examples
    --------
    >>> import numpy as np, cohortstats as cs
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> d = cs.delong_test(y, [1, 2, 3, 5, 4, 6, 7, 8], [2, 1, 6, 3, 5, 4, 3.5, 7], names=("new", "old"))
    >>> d.auc_a, d.auc_b, round(d.statistic, 3), d.hypothesis
    (0.9375, 0.8125, 0.548, 'two-sided, H1: AUC(new) ≠ AUC(old)')
    """
    check_one_of(alternative, ALTERNATIVES, "alternative")
    check_one_of(direction, ("<", ">"), "direction")
    conf_level = check_probability(conf_level, "conf_level")
    label = _pair_names(names, score_a, score_b)
    y01, arrays, _, _ = prepare_binary_scores(y, {"score_a": score_a, "score_b": score_b}, positive=positive,
                                              nan_policy=nan_policy)
    m, n = int((y01 == 1).sum()), int((y01 == 0).sum())
    _check_counts(m, n, "a DeLong test")
    arrays = {k: _orient(v, direction) for k, v in arrays.items()}
    _, aucs, v10m, v01m = _placement_matrix(y01, arrays)
    cov = _placement_cov(v10m, v01m)
    r = _paired_contrast(0, 1, list(label), aucs, cov, v10m, v01m, alternative, conf_level)
    corr = float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])) if cov[0, 0] > 0 and cov[1, 1] > 0 else float("nan")
    return DelongTest(**{k: r[k] for k in ("auc_a", "auc_b", "difference", "std_error", "statistic", "p_value",
                                            "conf_low", "conf_high")}, alternative=alternative,
                      conf_level=conf_level, correlation=corr, n_cases=m, n_controls=n, model_a=label[0],
                      model_b=label[1], ci_sided=CI_SIDED[alternative])


@dataclass(frozen=True)
class DelongUnpairedTest(_AucDifferenceTest):
    """Unpaired DeLong test (two independent samples): D, Welch-Satterthwaite ``df``, p, CI of the difference.

    ``alternative``, :attr:`hypothesis` and ``ci_sided`` as in :class:`DelongTest`.
    """

    df: float
    method: str = "DeLong's test for two ROC curves (unpaired)"

    _EXTRA = ("df",)


def delong_test_unpaired(y_a, score_a, y_b, score_b, *, alternative: str = "two-sided", conf_level: float = 0.95,
                         direction: str = "<", names=None, positive=None,
                         nan_policy: str = "raise") -> DelongUnpairedTest:
    """DeLong test for AUCs measured on two different groups of patients.

    ``alternative="greater"``: H1 AUC(sample a) > AUC(sample b). ``names`` as in :func:`delong_test`.

    Notes
    -----
    Equals pROC's ``roc.test(..., paired = FALSE)``: D = (AUC_a - AUC_b)/sqrt(S_a + S_b)
    with S = var(V10)/m + var(V01)/n per sample, compared with a t distribution
    with Welch-Satterthwaite df = (S_a + S_b)² / (S_a²/(N_a - 1) + S_b²/(N_b - 1)).
    pROC gives no CI here; ours is difference ± t_{df, 1-α/2}·SE (one-sided with t_{df, conf_level}
    for a one-sided test, named in ``ci_sided``).
    """
    check_one_of(alternative, ALTERNATIVES, "alternative")
    check_one_of(direction, ("<", ">"), "direction")
    conf_level = check_probability(conf_level, "conf_level")
    label = _pair_names(names, score_a, score_b)
    ya, aa, _, _ = prepare_binary_scores(y_a, {"score_a": score_a}, positive=positive, nan_policy=nan_policy)
    yb, ab, _, _ = prepare_binary_scores(y_b, {"score_b": score_b}, positive=positive, nan_policy=nan_policy)
    for yy, nm in ((ya, label[0]), (yb, label[1])):
        _check_counts(int((yy == 1).sum()), int((yy == 0).sum()), "a DeLong test", f" in sample {nm}")
    auc_a, sa = _delong_var(*_split(ya, _orient(aa["score_a"], direction)))
    auc_b, sb = _delong_var(*_split(yb, _orient(ab["score_b"], direction)))
    se = np.sqrt(sa + sb)
    if se == 0:
        raise DataValidationError("both AUCs have zero DeLong variance (perfect separation); the test is undefined.")
    d = (auc_a - auc_b) / se
    df = (sa + sb) ** 2 / (sa**2 / (len(ya) - 1) + sb**2 / (len(yb) - 1))
    diff = auc_a - auc_b
    low, high = _diff_ci(diff, se, alternative, conf_level, stats.t, df=df)
    return DelongUnpairedTest(auc_a, auc_b, diff, float(se), float(d), _p_value(d, alternative, stats.t, df=df), low,
                              high, alternative, conf_level, df=float(df), model_a=label[0], model_b=label[1],
                              ci_sided=CI_SIDED[alternative])


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
        p_adjusted, conf_low, conf_high, hypothesis, ci_sided``, each pair in the order given
        (difference = AUC(model_a) - AUC(model_b); ``"greater"``: H1 AUC(model_a) > AUC(model_b)).
    covariance : pandas.DataFrame
        The DeLong covariance matrix of the AUCs.
    global_statistic, global_df, global_p_value : float
        χ² test that all AUCs are equal (DeLong 1988 contrasts); 0, 0 and 1 when every
        model ranks the patients identically.
    adjust : str or None
    alternative, conf_level
    ci_sided : str
        Which CI of the differences ``pairs`` holds: ``"two-sided"``, or one-sided for a one-sided test.
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
    ci_sided: str = "two-sided"

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


def _pair_list(pairs, names: list) -> list:
    """The pairs to test, each in the order given (default: every pair in the order of ``scores``)."""
    if pairs is None:
        return [(names[i], names[j]) for i, j in combinations(range(len(names)), 2)]
    out, seen = [], set()
    for p in pairs:
        p = tuple(p)
        unknown = sorted({str(v) for v in p} - set(map(str, names))) if len(p) == 2 else None
        if unknown is None:
            raise DataValidationError(f"each pair must be two model names (model_a, model_b); got {p!r}.")
        if unknown:
            raise DataValidationError(f"pairs name unknown model(s) {unknown}; models are {names}.")
        if p[0] == p[1]:
            raise DataValidationError(f"pair {p!r} compares {p[0]!r} with itself; name two different models.")
        if frozenset(p) in seen:
            raise DataValidationError(f"pair {p!r} is listed twice (in one order or the other); list each "
                                      "comparison once, in the order to test (model_a vs model_b).")
        seen.add(frozenset(p))
        out.append(p)
    return out


def _global_test(aucs, cov):
    """χ² that all k AUCs are equal: contrasts e_i - e_{i+1}, generalised inverse when some models coincide."""
    k = len(aucs)
    L = np.zeros((k - 1, k))
    for r in range(k - 1):
        L[r, r], L[r, r + 1] = 1, -1
    m = L @ cov @ L.T
    diff = L @ aucs
    rank = int(np.linalg.matrix_rank(m))
    if rank == 0:  # every model ranks the patients identically (each pair warned): nothing to test
        return 0.0, 0, 1.0
    chi2 = float(diff @ np.linalg.pinv(m) @ diff)
    return chi2, rank, float(stats.chi2.sf(chi2, rank))


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
    alternative : {"two-sided", "greater", "less"}
        For every pair (model_a, model_b): ``"greater"`` is H1 AUC(model_a) > AUC(model_b).
    pairs : list of (model_a, model_b), optional
        Only these comparisons, each kept in the order given (a one-sided test depends on it);
        default every pair in the order of ``scores``.

    Returns
    -------
    AucComparison

    Raises
    ------
    DataValidationError
        Unknown, repeated or self-paired models; fewer than 2 cases or 2 controls.

    Warns
    -----
    DegenerateComparisonWarning
        A pair of scores with identical placements: difference 0, Z = 0, P = 1 (two-sided), CI (0, 0).

    Notes
    -----
    Pairwise tests equal pROC's paired ``roc.test(roc_a, roc_b, alternative = ...)`` for each
    pair (a one-sided test gets a one-sided CI, see :func:`delong_test`); the global test
    uses the contrasts L = rows e_i - e_{i+1} and χ² = (Lθ)ᵀ(L S Lᵀ)⁻¹(Lθ) with k - 1
    df (DeLong, DeLong & Clarke-Pearson 1988), which pROC does not offer.

    Examples
    --------
    >>> import numpy as np, cohortstats as cs
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> c = cs.compare_aucs(y, {"old": [2, 1, 6, 3, 5, 4, 3.5, 7], "new": [1, 2, 3, 5, 4, 6, 7, 8]},
    ...                     pairs=[("new", "old")], alternative="greater")
    >>> c.pairs.loc[0, "hypothesis"], round(float(c.pairs.loc[0, "p_value"]), 3)
    ('one-sided, H1: AUC(new) > AUC(old)', 0.292)
    """
    check_one_of(alternative, ALTERNATIVES, "alternative")
    check_one_of(adjust, (None, "holm", "bonferroni"), "adjust")
    conf_level = check_probability(conf_level, "conf_level")
    if not isinstance(scores, dict) or len(scores) < 2:
        raise DataValidationError("scores must be a dict of at least two named score vectors.")
    y01, arrays, _, _ = prepare_binary_scores(y, scores, positive=positive, nan_policy=nan_policy)
    _check_counts(int((y01 == 1).sum()), int((y01 == 0).sum()), "a DeLong comparison")
    arrays = {k: _orient(v, direction) for k, v in arrays.items()}
    names, aucs, v10m, v01m = _placement_matrix(y01, arrays)
    cov = _placement_cov(v10m, v01m)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    se = np.sqrt(np.diag(cov))
    auc_table = pd.DataFrame({"model": names, "auc": aucs, "std_error": se,
                              "conf_low": np.clip(aucs - z * se, 0, 1), "conf_high": np.clip(aucs + z * se, 0, 1)})
    index = {name: k for k, name in enumerate(names)}
    rows = []
    for a, b in _pair_list(pairs, names):  # a loop, not a comprehension: the warning's stacklevel names the caller
        rows.append(_paired_contrast(index[a], index[b], names, aucs, cov, v10m, v01m, alternative, conf_level))
    table = pd.DataFrame(rows, columns=["model_a", "model_b", "auc_a", "auc_b", "difference", "std_error", "statistic",
                                        "p_value", "conf_low", "conf_high"])
    table.insert(8, "p_adjusted", _adjust(table["p_value"].to_numpy(), adjust))
    table["hypothesis"] = [hypothesis_text(alternative, a, b) for a, b in zip(table["model_a"], table["model_b"])]
    table["ci_sided"] = CI_SIDED[alternative]
    chi2, df, p = _global_test(aucs, cov)
    return AucComparison(auc_table, table, pd.DataFrame(cov, index=names, columns=names), chi2, df, p,
                         adjust, alternative, conf_level, CI_SIDED[alternative])
