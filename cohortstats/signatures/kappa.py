"""Cohen's kappa and weighted kappa for two readers rating the same patients (equal to ``vcd::Kappa``)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._results import TidyHTML
from .._validation import _preview, check_probability
from ..exceptions import DataValidationError, DataWarning

__all__ = ["KappaResult", "kappa"]

WEIGHTS = (None, "linear", "quadratic")
_METHOD = {
    None: "Cohen's kappa",
    "linear": "Weighted kappa, linear weights (vcd 'Equal-Spacing')",
    "quadratic": "Weighted kappa, quadratic weights (vcd 'Fleiss-Cohen')",
}


@dataclass(frozen=True)
class KappaResult(TidyHTML):
    """Agreement of two readers beyond chance, with its asymptotic standard error.

    Attributes
    ----------
    estimate, std_error, statistic, p_value, conf_low, conf_high : float
        Kappa, its asymptotic SE (Fleiss, Cohen & Everitt 1969), z = estimate / std_error, the two-sided
        p-value of z, and the Wald interval estimate -/+ z_(1+conf_level)/2 * std_error kept in [-1, 1].
    conf_level : float
    weights : {None, "linear", "quadratic"}
        None for Cohen's (unweighted) kappa.
    n : int
        Patients rated by both readers.
    n_missing : int
        Pairs dropped because a rating was missing.
    levels : tuple
        The rating scale in order (also levels nobody used).
    table : pandas.DataFrame
        Counts, reader 1 (``r1``, rows) by reader 2 (``r2``, columns), over ``levels``.
    weight_matrix : pandas.DataFrame
        Agreement weights over ``levels`` (1 on the diagonal).
    observed_agreement, expected_agreement : float
        Weighted proportions of agreement observed and expected by chance (po, pe; kappa = (po - pe) / (1 - pe)).
    method : str
    """

    estimate: float
    std_error: float
    statistic: float
    p_value: float
    conf_low: float
    conf_high: float
    conf_level: float
    weights: str | None
    n: int
    n_missing: int
    levels: tuple
    table: pd.DataFrame = field(repr=False)
    weight_matrix: pd.DataFrame = field(repr=False)
    observed_agreement: float
    expected_agreement: float
    method: str

    def tidy(self) -> pd.DataFrame:
        """One row: term ("kappa"), estimate, std_error, statistic, p_value, conf_low, conf_high, weights
        ("unweighted", "linear" or "quadratic")."""
        return pd.DataFrame([{
            "term": "kappa", "estimate": self.estimate, "std_error": self.std_error, "statistic": self.statistic,
            "p_value": self.p_value, "conf_low": self.conf_low, "conf_high": self.conf_high,
            "weights": self.weights or "unweighted",
        }])


def _as_ratings(r, name: str):
    """A 1-D array of one reader's ratings (object or native dtype) and the categories of an ordered Categorical."""
    if isinstance(r, (pd.DataFrame, dict, str, bytes)) or np.ndim(r) != 1:
        raise TypeError(f"{name} must be one reader's ratings as a 1-D sequence (list, numpy array, pandas Series); "
                        f"got {type(r).__name__}{'' if np.ndim(r) == 1 else f' with {np.ndim(r)} dimension(s)'}.")
    dtype = getattr(r, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype):
        values = np.asarray(pd.Series(r).astype(object))
        return values, (list(dtype.categories) if dtype.ordered else None)
    values = np.asarray(r)
    if values.dtype.kind not in "biuf":  # keep the objects: numpy would turn [1, "a"] into ["1", "a"]
        values = np.asarray(r, dtype=object)
    return values, None


def _scalar(v):
    return v.item() if isinstance(v, np.generic) else v


def _resolve_levels(v1, v2, cats1, cats2, levels, weights) -> list:
    """The ordered rating scale: ``levels``, an ordered Categorical's categories, or the sorted union of values."""
    if levels is not None:
        if isinstance(levels, (str, bytes)) or not isinstance(levels, (Sequence, np.ndarray, pd.Index)):
            raise TypeError(f"levels must be a list of rating levels in order; got {type(levels).__name__}.")
        lv = [_scalar(v) for v in levels]
        if any(pd.isna(v) for v in lv):
            raise DataValidationError(f"levels must not contain missing values; got [{_preview(lv, k=12)}].")
        if pd.Index(lv).has_duplicates:
            raise DataValidationError(f"levels must not repeat a level; got [{_preview(lv, k=12)}].")
    elif cats1 is not None or cats2 is not None:
        if cats1 is not None and cats2 is not None and list(cats1) != list(cats2):
            raise DataValidationError(f"r1 and r2 are ordered Categoricals with different categories "
                                      f"([{_preview(cats1)}] vs [{_preview(cats2)}]); pass levels=[...] in order.")
        lv = [_scalar(v) for v in (cats1 if cats1 is not None else cats2)]
    else:
        observed = pd.unique(np.concatenate([v1.astype(object), v2.astype(object)]))
        try:
            lv = sorted(_scalar(v) for v in observed)
        except TypeError:
            raise DataValidationError(f"r1 and r2 mix ratings that cannot be ordered together "
                                      f"({_preview(list(observed))}); pass levels=[...] to give the scale.") from None
        if weights is not None and any(isinstance(v, str) for v in lv):
            raise DataValidationError(f"weights={weights!r} needs the order of the text ratings "
                                      f"({_preview(lv)}); pass levels=[...] in order, or ordered Categoricals.")
    if len(lv) < 2:
        raise DataValidationError(f"kappa needs a rating scale of at least two levels; got [{_preview(lv)}]. "
                                  "Pass levels=[...] with the whole scale.")
    return lv


def _codes(values: np.ndarray, lv: list, name: str) -> np.ndarray:
    codes = pd.Index(lv).get_indexer(values)
    if (codes < 0).any():
        bad = pd.unique(values[codes < 0].astype(object))
        raise DataValidationError(f"{name} holds {int((codes < 0).sum())} rating(s) that are not in the levels "
                                  f"[{_preview(lv, k=12)}]: {_preview(list(bad))}. Add them to levels=[...] "
                                  "or correct the ratings.")
    return codes


def _weight_matrix(k: int, weights: str | None) -> np.ndarray:
    """vcd::Kappa's weights over the levels' positions 1..k: identity, 1 - |i-j|/(k-1), 1 - (|i-j|/(k-1))^2."""
    d = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / (k - 1)
    if weights is None:
        return np.eye(k)
    return 1 - d if weights == "linear" else 1 - d**2


def _kappa_ase(x: np.ndarray, w: np.ndarray):
    """Kappa, its asymptotic SE (Fleiss, Cohen & Everitt 1969, as vcd::Kappa), po and pe from counts ``x``."""
    n = x.sum()
    p = x / n
    row, col = p.sum(axis=1), p.sum(axis=0)
    pe = float((w * np.outer(row, col)).sum())
    if not (x - np.diag(np.diag(x))).any():  # perfect agreement: kappa 1 and SE 0 exactly, not rounding noise
        return 1.0, 0.0, 1.0, pe
    po = float((w * p).sum())
    k = (po - pe) / (1 - pe)
    term = w - np.add.outer(w @ col, w @ row) * (1 - k)
    var = ((p * term**2).sum() - (k - pe * (1 - k)) ** 2) / ((1 - pe) ** 2 * n)  # a variance: >= 0 up to rounding
    return float(k), float(np.sqrt(max(var, 0.0))), po, pe


def _complete_pairs(r1, r2):
    """Both readers' ratings with pairs holding a missing value dropped (warned, counted)."""
    if isinstance(r1, pd.Series) and isinstance(r2, pd.Series) and not r1.index.equals(r2.index):
        raise DataValidationError("r1 and r2 are Series with different indexes; ratings are paired by position, so "
                                  "align them first (e.g. merge the two readers' tables on the patient id).")
    (v1, cats1), (v2, cats2) = _as_ratings(r1, "r1"), _as_ratings(r2, "r2")
    if len(v1) != len(v2):
        raise DataValidationError(f"r1 has {len(v1)} ratings and r2 has {len(v2)}; each patient needs one rating "
                                  "from each reader, in the same order.")
    miss1, miss2 = pd.isna(v1), pd.isna(v2)
    keep = ~(miss1 | miss2)
    n_missing = int((~keep).sum())
    if n_missing:
        warnings.warn(f"kappa: {n_missing} of {len(v1)} rating pair(s) have a missing rating (r1: {int(miss1.sum())}, "
                      f"r2: {int(miss2.sum())}) and were dropped; kappa uses the {int(keep.sum())} complete pairs.",
                      DataWarning, stacklevel=3)
    v1, v2 = v1[keep], v2[keep]
    if len(v1) < 2:
        raise DataValidationError(f"kappa needs at least two patients rated by both readers; got {len(v1)}.")
    return v1, v2, cats1, cats2, n_missing


def kappa(r1, r2, *, weights: str | None = None, levels=None, conf_level: float = 0.95) -> KappaResult:
    """Cohen's kappa or weighted kappa for two readers' ratings of the same patients.

    Parameters
    ----------
    r1, r2 : 1-D sequence (list, numpy array, pandas Series or Categorical)
        Reader 1's and reader 2's rating of each patient, paired by position (two Series must share their
        index). Numbers, text, or ordered Categoricals.
    weights : {None, "linear", "quadratic"}, default None
        None: Cohen's kappa (only exact agreement counts). "linear": weight 1 - |i - j| / (k - 1) for levels
        i and j of a k-level scale; "quadratic": 1 - ((i - j) / (k - 1))^2. Weighted kappa needs ordered
        levels (numbers, ordered Categoricals, or ``levels=``).
    levels : sequence, optional
        The rating scale in order, including levels nobody used (they change the weights: positions, not
        values, are equally spaced). Default: the categories of an ordered Categorical, else the sorted union
        of both readers' ratings.
    conf_level : float, default 0.95

    Returns
    -------
    KappaResult
        ``estimate``, ``std_error``, ``statistic`` (z), ``p_value``, ``conf_low``, ``conf_high``, ``n``,
        ``n_missing``, ``table`` (every level, reader 1 by reader 2), ``observed_agreement``,
        ``expected_agreement``; ``tidy()``: term, estimate, std_error, statistic, p_value, conf_low,
        conf_high, weights.

    Raises
    ------
    DataValidationError
        Readers of different lengths, ratings not in ``levels``, fewer than two complete pairs, a scale of one
        level, or both readers using a single level (expected agreement 1: kappa is undefined).
    TypeError
        Ratings that are not a 1-D sequence.

    Warns
    -----
    DataWarning
        Pairs with a missing rating were dropped (counted); the SE is 0 (e.g. perfect agreement), so the
        CI is a point and z is infinite or undefined.

    Notes
    -----
    kappa = (po - pe) / (1 - pe) with po = sum w_ij p_ij and pe = sum w_ij p_i. p_.j. The standard error is
    the large-sample (non-null) one of Fleiss, Cohen & Everitt (1969):
    Var = [sum p_ij (w_ij - (w_i. + w_.j)(1 - kappa))^2 - (kappa - pe (1 - kappa))^2] / (n (1 - pe)^2),
    w_i. = sum_j p_.j w_ij, w_.j = sum_i p_i. w_ij. Everything equals ``vcd::Kappa(table(factor(r1, levels),
    factor(r2, levels)))``: the "Unweighted" row for weights=None, the "Weighted" row with weights =
    "Equal-Spacing" (linear) or "Fleiss-Cohen" (quadratic); z and p as its print method (z = kappa / ASE,
    two-sided normal p) and the CI as ``confint`` (kept in [-1, 1]). The z test uses this non-null SE, as
    vcd does; some programs test kappa = 0 with the SE under the null hypothesis instead. ``psych::cohen.kappa``
    gives the same estimates but its weighted-kappa variance can be degenerate on ordinal scores.

    References
    ----------
    Cohen J (1968). Weighted kappa. Psychol Bull 70:213-220.
    Fleiss JL, Cohen J, Everitt BS (1969). Large sample standard errors of kappa and weighted kappa.
    Psychol Bull 72:323-327.

    Examples
    --------
    >>> from cohortstats.signatures.kappa import kappa
    >>> k = kappa([0, 1, 2, 2, 3, 1, 0, 2], [0, 1, 2, 3, 3, 1, 1, 2], weights="linear", levels=[0, 1, 2, 3, 4])
    >>> round(k.estimate, 4), round(k.std_error, 4), k.n
    (0.7778, 0.1309, 8)
    """
    if not (weights is None or (isinstance(weights, str) and weights in WEIGHTS)):
        raise DataValidationError(f"weights must be None, 'linear' or 'quadratic'; got {weights!r} "
                                  "(vcd's 'Equal-Spacing' is 'linear', 'Fleiss-Cohen' is 'quadratic').")
    conf_level = check_probability(conf_level, "conf_level")
    v1, v2, cats1, cats2, n_missing = _complete_pairs(r1, r2)
    lv = _resolve_levels(v1, v2, cats1, cats2, levels, weights)
    c1, c2 = _codes(v1, lv, "r1"), _codes(v2, lv, "r2")
    k = len(lv)
    x = np.bincount(c1 * k + c2, minlength=k * k).reshape(k, k)
    used1, used2 = np.flatnonzero(x.sum(axis=1)), np.flatnonzero(x.sum(axis=0))
    if len(used1) == 1 and len(used2) == 1 and used1[0] == used2[0]:
        raise DataValidationError(f"kappa is undefined: both readers rated every patient {lv[used1[0]]!r}, so the "
                                  "agreement expected by chance is 1 (kappa = 0/0).")
    w = _weight_matrix(k, weights)
    est, se, po, pe = _kappa_ase(x, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = float(np.divide(est, se))
    if se == 0:
        why = " (perfect agreement)" if est == 1 else ""
        warnings.warn(f"kappa: the asymptotic SE is 0{why}; the CI is the point estimate and z is infinite or "
                      "undefined (as vcd::Kappa).", DataWarning, stacklevel=2)
    q = stats.norm.ppf((1 + conf_level) / 2)
    index = pd.Index(lv, name="r1")
    return KappaResult(
        estimate=est, std_error=se, statistic=z, p_value=float(2 * stats.norm.sf(abs(z))),
        conf_low=float(max(-1.0, est - q * se)), conf_high=float(min(1.0, est + q * se)), conf_level=conf_level,
        weights=weights,
        n=int(x.sum()), n_missing=n_missing, levels=tuple(lv),
        table=pd.DataFrame(x, index=index, columns=pd.Index(lv, name="r2")),
        weight_matrix=pd.DataFrame(w, index=index, columns=pd.Index(lv, name="r2")),
        observed_agreement=po, expected_agreement=pe, method=_METHOD[weights],
    )
