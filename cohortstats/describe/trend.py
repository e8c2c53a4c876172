"""The Cochran-Armitage chi-square test for trend in proportions (equal to R's ``prop.trend.test``)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._results import TidyHTML
from .._validation import _preview, check_columns, check_dataframe, whole_number_levels
from ..exceptions import DataValidationError, DataWarning

__all__ = ["TrendTestResult", "trend_test"]

METHOD = "Chi-squared test for trend in proportions (Cochran-Armitage)"
_NO_SCORE = object()


@dataclass(frozen=True)
class TrendTestResult(TidyHTML):
    """A test for a linear trend of the event proportion across ordered levels.

    Attributes
    ----------
    statistic : float
        The chi-square statistic (1 df).
    df : int
    p_value : float
    table : pandas.DataFrame
        One row per level in order: ``level``, ``score``, ``n``, ``events``, ``proportion`` (NaN when n = 0).
    levels, scores : tuple
        The ordered levels and the score of each.
    variable, outcome : str
    positive : object
        The outcome value counted as the event.
    n : int
        Patients used.
    n_missing : int
        Rows dropped because the outcome or the variable was missing.
    method : str
    """

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame = field(repr=False)
    levels: tuple
    scores: tuple
    variable: str
    outcome: str
    positive: object
    n: int
    n_missing: int
    method: str = METHOD

    def tidy(self) -> pd.DataFrame:
        """One row: term (the variable), statistic, df, p_value, n, method."""
        return pd.DataFrame([{"term": self.variable, "statistic": self.statistic, "df": self.df,
                              "p_value": self.p_value, "n": self.n, "method": self.method}])


def _events(y: pd.Series, outcome: str, positive):
    """The outcome as 0/1 (1 = ``positive``) and the event value."""
    values = list(pd.unique(y.to_numpy(dtype=object)))
    shown = _preview(sorted(values, key=str))
    if len(values) > 2:
        raise DataValidationError(f"outcome {outcome!r} must have two values; got {len(values)} ({shown}). "
                                  "Recode it to an event indicator.")
    if positive is None:
        numeric = all(isinstance(v, (bool, int, float, np.bool_, np.number)) for v in values)
        if not (numeric and {float(v) for v in values} <= {0.0, 1.0}):
            raise DataValidationError(f"outcome {outcome!r} has values {shown}, not 0/1; say which is the event "
                                      "with positive=...")
        positive = 1
    elif not any(v == positive for v in values):
        raise DataValidationError(f"positive={positive!r} does not occur in outcome {outcome!r}; its values are "
                                  f"{shown}.")
    return (y.to_numpy(dtype=object) == positive).astype(int), positive


def _is_number(v) -> bool:
    return isinstance(v, (bool, int, float, np.bool_, np.number))


def _levels(v: pd.Series, observed: np.ndarray, scores, variable: str) -> list:
    """The ordered levels: an ordered Categorical's categories, sorted numbers, or text ordered by a dict of scores."""
    if isinstance(v.dtype, pd.CategoricalDtype) and v.dtype.ordered:
        return [x.item() if isinstance(x, np.generic) else x for x in v.dtype.categories]
    uniq = [x.item() if isinstance(x, np.generic) else x for x in pd.unique(observed)]
    if all(_is_number(x) for x in uniq):
        return whole_number_levels(sorted(uniq))
    if isinstance(scores, Mapping):
        try:
            return sorted(scores, key=lambda k: float(scores[k]))  # stable: ties keep the dict's order
        except (TypeError, ValueError):
            raise TypeError(f"scores must map levels to numbers; got {_preview(list(scores.values()))}.") from None
    raise DataValidationError(f"variable {variable!r} holds text ({_preview(sorted(map(str, uniq)))}) with no order; "
                              "pass scores={level: score, ...}, or make it an ordered pandas Categorical "
                              "(pd.Categorical(values, categories=[...], ordered=True)).")


def _scores(levels: list, scores, present: np.ndarray, variable: str) -> np.ndarray:
    """One finite score per level (1..k by default); levels with no patient may lack a score (NaN)."""
    if scores is None:
        return np.arange(1, len(levels) + 1, dtype=float)
    if isinstance(scores, Mapping):
        lookup = [scores.get(lv, _NO_SCORE) for lv in levels]
        lacking = [lv for lv, s, p in zip(levels, lookup, present) if p and s is _NO_SCORE]
        if lacking:
            raise DataValidationError(f"scores has no score for level(s) {_preview(lacking)} of {variable!r}; "
                                      "give every observed level a score.")
        values = [math.nan if s is _NO_SCORE else s for s in lookup]
    elif isinstance(scores, (str, bytes)) or np.ndim(scores) != 1:
        raise TypeError(f"scores must be a dict level -> score or a list of numbers; got {type(scores).__name__}.")
    else:
        values = list(scores)
        if len(values) != len(levels):
            raise DataValidationError(f"scores has {len(values)} value(s) but {variable!r} has {len(levels)} ordered "
                                      f"level(s) ({_preview(levels, k=12)}); give one score per level, in order.")
    try:
        s = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"scores must be numbers; got {_preview(values)}.") from None
    if not np.isfinite(s[present]).all():
        raise DataValidationError(f"scores must be finite numbers; got {_preview(values)}.")
    return s


def _chi_square(x: np.ndarray, n: np.ndarray, s: np.ndarray) -> float:
    """prop.trend.test's weighted regression sum of squares, in closed form:
    [sum x_i (s_i - sbar)]^2 / (p (1 - p) sum n_i (s_i - sbar)^2), sbar = sum n_i s_i / N."""
    N = n.sum()
    p = x.sum() / N
    sbar = (n * s).sum() / N
    return float(((x * (s - sbar)).sum()) ** 2 / (p * (1 - p) * (n * (s - sbar) ** 2).sum()))


def trend_test(df: pd.DataFrame, outcome: str, variable: str, *, scores=None, positive=None) -> TrendTestResult:
    """Cochran-Armitage test for a trend in the proportion of events across ordered levels.

    Parameters
    ----------
    df : pandas.DataFrame
    outcome : str
        A two-valued column; the event is 1 (or True) unless ``positive`` names it.
    variable : str
        The ordered grouping: numbers (sorted numerically, e.g. an imaging score 0-9) or an ordered pandas
        Categorical (its category order, unused categories included). Text needs ``scores`` as a dict.
    scores : dict or list of float, optional
        A score per level: a dict level -> score (for text, the scores also give the order), or a list in
        level order. Default 1, 2, ..., k over the ordered levels (R's ``seq_along``).
    positive : optional
        The outcome value counted as an event.

    Returns
    -------
    TrendTestResult
        ``statistic`` (chi-square), ``df`` (1), ``p_value``, ``table`` (level, score, n, events, proportion),
        ``scores``, ``n``, ``n_missing``, ``method``; ``tidy()``: term, statistic, df, p_value, n, method.

    Raises
    ------
    DataValidationError
        Missing columns; an outcome that is not two-valued or without both events and non-events; text levels
        without an order; scores missing for an observed level or not finite; fewer than two distinct scores
        among the observed levels.

    Warns
    -----
    DataWarning
        Rows with a missing outcome or variable were dropped (also counted in ``n_missing``).

    Notes
    -----
    X^2 = [sum_i x_i (s_i - sbar)]^2 / (p (1 - p) sum_i n_i (s_i - sbar)^2), with x_i events out of n_i at
    level i of score s_i, p = sum x_i / N and sbar = sum n_i s_i / N; chi-square on 1 df, no continuity
    correction. Equals ``prop.trend.test(x, n, score = seq_along(x))`` on the table of the levels (R computes
    it as the regression sum of squares of a weighted linear model); a level with no patient keeps its
    position (its score) but contributes nothing, as in R. The default scores are positions, not values: an
    imaging score with an unobserved value (0, 1, 2, 4) gets scores 1-4; pass ``scores={v: v ...}`` to use
    the values themselves.

    References
    ----------
    Armitage P (1955). Tests for linear trends in proportions and frequencies. Biometrics 11:375-386.

    Examples
    --------
    >>> import pandas as pd
    >>> from cohortstats.describe.trend import trend_test
    >>> d = pd.DataFrame({"fvh": [0, 0, 1, 1, 1, 2, 2, 3, 3, 3], "poor": [0, 0, 0, 1, 0, 0, 1, 1, 1, 0]})
    >>> t = trend_test(d, "poor", "fvh")
    >>> round(t.statistic, 4), round(t.p_value, 4), t.scores
    (2.2715, 0.1318, (1.0, 2.0, 3.0, 4.0))
    """
    check_dataframe(df, "df")
    check_columns(df, [outcome, variable], "trend_test")
    v_all, y_all = df[variable], df[outcome]
    missing = (v_all.isna() | y_all.isna()).to_numpy()
    n_missing = int(missing.sum())
    if n_missing:
        warnings.warn(f"trend_test: {n_missing} of {len(df)} row(s) with a missing {outcome!r} or {variable!r} were "
                      f"dropped; the test uses {len(df) - n_missing}.", DataWarning, stacklevel=2)
    if n_missing == len(df):
        raise DataValidationError(f"no row has both {outcome!r} and {variable!r}; nothing to test.")
    events, positive = _events(y_all[~missing], outcome, positive)
    observed = v_all[~missing].to_numpy(dtype=object)
    levels = _levels(v_all, observed, scores, variable)
    codes = pd.Index(levels).get_indexer(observed)
    if (codes < 0).any():
        raise DataValidationError(f"variable {variable!r} holds value(s) missing from the scores' levels: "
                                  f"{_preview(list(pd.unique(observed[codes < 0])))}; give them a score.")
    n = np.bincount(codes, minlength=len(levels))
    x = np.bincount(codes, weights=events, minlength=len(levels))
    s = _scores(levels, scores, n > 0, variable)
    if x.sum() in (0, n.sum()):
        raise DataValidationError(f"outcome {outcome!r}: {'no' if x.sum() == 0 else 'every'} patient has the event; "
                                  "a trend in proportions needs events and non-events.")
    if np.unique(s[n > 0]).size < 2:
        raise DataValidationError(f"variable {variable!r} has fewer than two distinct scores among its observed "
                                  f"levels ({_preview([lv for lv, m in zip(levels, n) if m])}); no trend to test.")
    used = n > 0
    chi2 = _chi_square(x[used], n[used], s[used])
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({"level": levels, "score": s, "n": n, "events": x.astype(int), "proportion": x / n})
    return TrendTestResult(statistic=chi2, df=1, p_value=float(stats.chi2.sf(chi2, 1)), table=table,
                           levels=tuple(levels), scores=tuple(float(v) for v in s), variable=variable,
                           outcome=outcome, positive=positive, n=int(n.sum()), n_missing=n_missing)
