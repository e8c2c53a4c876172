"""Intraclass correlation (Shrout & Fleiss forms, equal to ``psych::ICC``) and reproducibility screens."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import _preview, check_columns, check_dataframe, check_one_of, check_probability
from ..exceptions import DataValidationError, DataWarning
from .._results import TidyHTML

__all__ = ["icc", "IccResult", "icc_matrix", "reproducibility_screen", "ReproducibilityScreen", "agreement",
           "AgreementResult"]

ICC_TYPES = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")


def _mean_squares(x: np.ndarray):
    """Two-way ANOVA mean squares for arrays of shape (..., n targets, k raters)."""
    n, k = x.shape[-2], x.shape[-1]
    grand = x.mean(axis=(-2, -1), keepdims=True)
    row = x.mean(axis=-1, keepdims=True)
    col = x.mean(axis=-2, keepdims=True)
    ssr = k * ((row - grand) ** 2).sum(axis=(-2, -1))
    ssc = n * ((col - grand) ** 2).sum(axis=(-2, -1))
    sst = ((x - grand) ** 2).sum(axis=(-2, -1))
    sse = sst - ssr - ssc
    msr = ssr / (n - 1)
    msc = ssc / (k - 1)
    mse = sse / ((n - 1) * (k - 1))
    msw = (ssc + sse) / (n * (k - 1))
    return msr, msc, mse, msw


def _estimates(n, k, msr, msc, mse, msw) -> dict:
    """The six Shrout-Fleiss estimates from the mean squares (arrays broadcast over features)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "ICC1": (msr - msw) / (msr + (k - 1) * msw),
            "ICC2": (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n),
            "ICC3": (msr - mse) / (msr + (k - 1) * mse),
            "ICC1k": (msr - msw) / msr,
            "ICC2k": (msr - mse) / (msr + (msc - mse) / n),
            "ICC3k": (msr - mse) / msr,
        }


def icc_matrix(x: np.ndarray, form: str = "ICC2") -> np.ndarray:
    """One ICC form for many features at once: ``x`` has shape (features, targets, raters)."""
    check_one_of(form, ICC_TYPES, "form")
    x = np.asarray(x, float)
    return _estimates(x.shape[-2], x.shape[-1], *_mean_squares(x))[form]


@dataclass(frozen=True)
class IccResult(TidyHTML):
    """The six Shrout-Fleiss ICCs with F tests and CIs (``tidy()``: type, estimate, conf_low, conf_high,
    f, df1, df2, p_value)."""

    table: pd.DataFrame
    n_targets: int
    n_raters: int
    conf_level: float
    n_excluded: int = 0

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


def _icc_table(x: np.ndarray, conf_level: float) -> pd.DataFrame:
    n, k = x.shape
    # numpy scalars: a zero residual mean square (raters differ by constants only) gives F = inf, not an exception
    msr, msc, mse, msw = (np.float64(v) for v in _mean_squares(x))
    with np.errstate(divide="ignore", invalid="ignore"):
        return _icc_rows(x, n, k, msr, msc, mse, msw, conf_level)


def _icc_rows(x, n, k, msr, msc, mse, msw, conf_level) -> pd.DataFrame:
    est = {t: float(v) for t, v in _estimates(n, k, msr, msc, mse, msw).items()}
    inter = _intervals(n, k, msr, msc, mse, msw, conf_level)
    names = {"ICC1": "Single raters absolute", "ICC2": "Single random raters", "ICC3": "Single fixed raters",
             "ICC1k": "Average raters absolute", "ICC2k": "Average random raters", "ICC3k": "Average fixed raters"}
    return pd.DataFrame([{"type": t, "description": names[t], "estimate": est[t], "conf_low": float(inter[t][3]),
                          "conf_high": float(inter[t][4]), "f": float(inter[t][0]), "df1": inter[t][1],
                          "df2": inter[t][2], "p_value": float(stats.f.sf(inter[t][0], inter[t][1], inter[t][2]))}
                         for t in ICC_TYPES])


def _intervals(n, k, msr, msc, mse, msw, conf_level) -> dict:
    """``{form: (F, df1, df2, conf_low, conf_high)}`` as psych::ICC (F-based limits; McGraw & Wong's for ICC2),
    for mean squares that are scalars or arrays over features."""
    a = 1 - conf_level
    with np.errstate(divide="ignore", invalid="ignore"):
        icc2 = _estimates(n, k, msr, msc, mse, msw)["ICC2"]
        f1 = msr / msw
        f3 = msr / mse
        df1n, df1d = n - 1, n * (k - 1)
        df3n, df3d = n - 1, (n - 1) * (k - 1)
        fl1 = f1 / stats.f.ppf(1 - a / 2, df1n, df1d)
        fu1 = f1 * stats.f.ppf(1 - a / 2, df1d, df1n)
        fl3 = f3 / stats.f.ppf(1 - a / 2, df3n, df3d)
        fu3 = f3 * stats.f.ppf(1 - a / 2, df3d, df3n)
        fj = msc / mse
        vn = (k - 1) * (n - 1) * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        vd = (n - 1) * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        v = vn / vd
        f3u = stats.f.ppf(1 - a / 2, n - 1, v)
        f3l = stats.f.ppf(1 - a / 2, v, n - 1)
        l2 = n * (msr - f3u * mse) / (f3u * (k * msc + (k * n - k - n) * mse) + n * msr)
        u2 = n * (f3l * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f3l * msr)
        return {
            "ICC1": (f1, df1n, df1d, (fl1 - 1) / (fl1 + k - 1), (fu1 - 1) / (fu1 + k - 1)),
            "ICC2": (f3, df3n, df3d, l2, u2),
            "ICC3": (f3, df3n, df3d, (fl3 - 1) / (fl3 + k - 1), (fu3 - 1) / (fu3 + k - 1)),
            "ICC1k": (f1, df1n, df1d, 1 - 1 / fl1, 1 - 1 / fu1),
            "ICC2k": (f3, df3n, df3d, l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))),
            "ICC3k": (f3, df3n, df3d, 1 - 1 / fl3, 1 - 1 / fu3),
        }


def icc(long_df: pd.DataFrame, targets: str, raters: str, ratings: str, *, conf_level: float = 0.95) -> IccResult:
    """Intraclass correlation coefficients of ratings in long format (one row per target x rater).

    Parameters
    ----------
    long_df : pandas.DataFrame
    targets : str
        Column identifying what is rated (the patient / lesion).
    raters : str
        Column identifying the reader or segmentation.
    ratings : str
        The numeric rating (a feature value).

    Returns
    -------
    IccResult
        ``tidy()``: ``type`` (ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k), ``description``, ``estimate``,
        ``conf_low``, ``conf_high``, ``f``, ``df1``, ``df2``, ``p_value``.

    Notes
    -----
    Equals ``psych::ICC(wide_matrix)``: two-way ANOVA mean squares, Shrout & Fleiss (1979)
    estimates, F tests and CIs (McGraw & Wong 1996 for ICC2). Targets without a rating from every
    rater are excluded (counted in ``n_excluded``); radiomics reproducibility studies usually report
    ICC2 or ICC3 (two-way, single rater).
    """
    check_dataframe(long_df, "long_df")
    check_columns(long_df, [targets, raters, ratings], "icc")
    conf_level = check_probability(conf_level, "conf_level")
    dup = long_df.duplicated([targets, raters])
    if dup.any():
        raise DataValidationError(f"{int(dup.sum())} target x rater pair(s) appear more than once; one rating each.")
    wide = long_df.pivot(index=targets, columns=raters, values=ratings)
    complete = wide.dropna()
    if complete.shape[1] < 2 or complete.shape[0] < 2:
        raise DataValidationError(f"ICC needs at least 2 raters and 2 targets with complete ratings; got "
                                  f"{complete.shape[1]} rater(s) and {complete.shape[0]} complete target(s).")
    x = complete.to_numpy(dtype=float)
    n_excluded = int(len(wide) - len(complete))
    if n_excluded:
        warnings.warn(f"icc: {n_excluded} target(s) without a rating from every rater were excluded (as psych::ICC's "
                      f"listwise deletion): {_preview(list(wide.index[wide.isna().any(axis=1)]))}.", DataWarning,
                      stacklevel=2)
    return IccResult(_icc_table(x, conf_level), x.shape[0], x.shape[1], conf_level, n_excluded)


@dataclass(frozen=True)
class ReproducibilityScreen(TidyHTML):
    """Per feature ICC between two (or more) readings and whether it passes the threshold.

    ``table``: ``feature, icc, conf_low, conf_high`` (the ICC's CI at ``conf_level``, as psych::ICC), ``kept``
    (ICC >= threshold), ``reason``; ``kept`` lists the features kept, ``excluded`` the others.
    """

    table: pd.DataFrame
    form: str
    threshold: float
    n_targets: int
    conf_level: float = 0.95
    n_readings: int = 2

    @property
    def kept(self) -> list:
        return self.table.loc[self.table["kept"], "feature"].tolist()

    @property
    def excluded(self) -> list:
        return self.table.loc[~self.table["kept"], "feature"].tolist()

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


def reproducibility_screen(*readings: pd.DataFrame, id_column: str, features=None, threshold: float = 0.75,
                           form: str = "ICC2", conf_level: float = 0.95) -> ReproducibilityScreen:
    """Keep features whose ICC across readings (readers or segmentations) reaches ``threshold``.

    Parameters
    ----------
    *readings : pandas.DataFrame
        Two or more feature tables of the same patients (matched by ``id_column``).
    features : list of str, optional
        Default: the feature columns common to all tables (pyradiomics ``diagnostics_*`` excluded).
    threshold : float
        0.75 by default ("good" reliability, Koo & Li 2016).
    form : str
        ICC form (ICC2, two-way random, single rater, by default).
    conf_level : float
        Level of each ICC's confidence interval (0.95).

    Returns
    -------
    ReproducibilityScreen
        ``table``: ``feature, icc, conf_low, conf_high, kept, reason``, one row per feature.

    Notes
    -----
    All features are computed at once from (features x patients x readers) arrays; patients
    missing from any reading are left out and their number recorded. Each feature's estimate and
    F-based CI equal ``psych::ICC`` on that feature's (patients x readers) matrix, as :func:`icc`.

    Examples
    --------
    >>> import numpy as np, pandas as pd, cohortstats as cs
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.normal(size=(20, 2))
    >>> r1 = pd.DataFrame(truth + rng.normal(0, [0.1, 2], (20, 2)), columns=["a", "b"]).assign(id=range(20))
    >>> r2 = pd.DataFrame(truth + rng.normal(0, [0.1, 2], (20, 2)), columns=["a", "b"]).assign(id=range(20))
    >>> scr = cs.reproducibility_screen(r1, r2, id_column="id")
    >>> scr.kept, scr.excluded
    (['a'], ['b'])
    """
    from ..data import is_pyradiomics_metadata

    if len(readings) < 2:
        raise DataValidationError("reproducibility_screen needs at least two readings (tables).")
    check_one_of(form, ICC_TYPES, "form")
    conf_level = check_probability(conf_level, "conf_level")
    for i, r in enumerate(readings):
        check_dataframe(r, f"reading {i + 1}")
        check_columns(r, [id_column], f"reading {i + 1}")
    if features is None:
        common = set(readings[0].columns)
        for r in readings[1:]:
            common &= set(r.columns)
        features = [c for c in readings[0].columns if c in common and c != id_column and not is_pyradiomics_metadata(c)
                    and pd.api.types.is_numeric_dtype(readings[0][c])]
    for i, r in enumerate(readings):
        check_columns(r, features, f"features of reading {i + 1}")
    ids = set(readings[0][id_column])
    for r in readings[1:]:
        ids &= set(r[id_column])
    ids = sorted(ids, key=str)
    if len(ids) < 3:
        raise DataValidationError(f"only {len(ids)} patient(s) appear in every reading; need at least 3.")
    arrays = []
    for r in readings:
        m = r.set_index(id_column).loc[ids, features].to_numpy(dtype=float)
        arrays.append(m)
    x = np.stack(arrays, axis=-1).transpose(1, 0, 2)  # features x patients x readers
    bad = ~np.isfinite(x).all(axis=(1, 2))
    values, low, high = (np.full(len(features), np.nan) for _ in range(3))
    if (~bad).any():
        n, k = x.shape[1], x.shape[2]
        ms = _mean_squares(x[~bad])
        values[~bad] = _estimates(n, k, *ms)[form]
        low[~bad], high[~bad] = _intervals(n, k, *ms, conf_level)[form][3:]
    kept = np.nan_to_num(values, nan=-np.inf) >= threshold
    reasons = np.where(bad, "missing or non-finite values", np.where(kept, "", f"{form} < {threshold:g}"))
    const = ~bad & ~np.isfinite(values)
    reasons = np.where(const, "no variance between patients", reasons)
    table = pd.DataFrame({"feature": features, "icc": values, "conf_low": low, "conf_high": high, "kept": kept,
                          "reason": reasons})
    if bad.any():
        table.attrs["note"] = f"{int(bad.sum())} feature(s) with missing values: {_preview(np.array(features)[bad])}"
    return ReproducibilityScreen(table, form, threshold, len(ids), conf_level, len(readings))


KINDS = ("ordinal", "nominal", "continuous")


@dataclass(frozen=True)
class AgreementResult(TidyHTML):
    """Reader agreement in one number, whichever statistic the scale calls for.

    Attributes
    ----------
    kind : {"ordinal", "nominal", "continuous"}
    method : str
        e.g. "Weighted kappa, quadratic weights (vcd 'Fleiss-Cohen')" or "ICC2: single random raters ...".
    estimate, conf_low, conf_high : float
        Kappa (or the ICC) and its confidence interval (kappa: estimate -/+ z * ASE, as vcd::Kappa; ICC: the
        F-based interval of psych::ICC).
    std_error : float
        Kappa's asymptotic SE; NaN for an ICC.
    p_value : float
        Kappa's z test, or the ICC's F test (H0: no agreement beyond chance / ICC = 0).
    conf_level : float
    n : int
        Patients rated by every reader; ``n_missing`` were left out (a rating missing).
    ratings : tuple
        The rating columns (one per reader).
    detail : KappaResult or IccResult
        The full result (kappa's agreement table; all six ICC forms).
    """

    kind: str
    method: str
    estimate: float
    std_error: float
    conf_low: float
    conf_high: float
    p_value: float
    conf_level: float
    n: int
    n_missing: int
    ratings: tuple
    detail: object = None

    def tidy(self) -> pd.DataFrame:
        """One row: kind, method, estimate, std_error, conf_low, conf_high, p_value, n, n_missing."""
        return pd.DataFrame([{"kind": self.kind, "method": self.method, "estimate": self.estimate,
                              "std_error": self.std_error, "conf_low": self.conf_low, "conf_high": self.conf_high,
                              "p_value": self.p_value, "n": self.n, "n_missing": self.n_missing}])


def agreement(df: pd.DataFrame, ratings, *, kind: str, weights="auto", form: str = "ICC2", levels=None,
              conf_level: float = 0.95) -> AgreementResult:
    """Agreement between readers, by the kind of scale: kappa for ordinal and nominal ratings, an ICC for
    continuous ones.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient, one column per reader.
    ratings : list of str
        The readers' columns (two for kappa; two or more for an ICC).
    kind : {"ordinal", "nominal", "continuous"}
        ordinal: weighted kappa (:func:`kappa`); nominal: Cohen's kappa; continuous: :func:`icc`.
    weights : {"auto", "linear", "quadratic", None}
        Kappa weights; "auto" is "quadratic" for ordinal scales and None (unweighted) for nominal ones.
    form : {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"}
        The ICC reported for continuous ratings (default ICC2: two-way random effects, absolute agreement,
        single rater).
    levels : list, optional
        The whole rating scale in order (kappa), including levels nobody used.
    conf_level : float

    Returns
    -------
    AgreementResult

    Raises
    ------
    DataValidationError
        An unknown kind or form; weights on a nominal scale; not two readers for kappa; columns missing.

    Notes
    -----
    Kappa equals ``vcd::Kappa`` (Fleiss-Cohen-Everitt ASE; linear = "Equal-Spacing", quadratic =
    "Fleiss-Cohen" weights); the ICC equals ``psych::ICC`` on the complete rows of ``df[ratings]``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"r1": [0, 1, 2, 2, 3, 1, 0, 2], "r2": [0, 1, 2, 3, 3, 1, 1, 2]})
    >>> a = agreement(d, ["r1", "r2"], kind="ordinal")
    >>> a.method, round(a.estimate, 3)
    ("Weighted kappa, quadratic weights (vcd 'Fleiss-Cohen')", 0.877)
    """
    from .kappa import kappa

    check_dataframe(df, "df")
    check_one_of(kind, KINDS, "kind")
    cols = list(ratings) if not isinstance(ratings, str) else [ratings]
    check_columns(df, cols, "ratings")
    complete = df[cols].dropna()
    n_missing = int(len(df) - len(complete))
    if kind == "continuous":
        check_one_of(form, ICC_TYPES, "form")
        long = complete.reset_index(drop=True).rename_axis("target").reset_index().melt(
            id_vars="target", var_name="rater", value_name="rating")
        res = icc(long, "target", "rater", "rating", conf_level=conf_level)
        row = res.table.set_index("type").loc[form]
        method = (f"{form}: {row['description'].lower()} (intraclass correlation, Shrout & Fleiss; as "
                  "psych::ICC)")
        return AgreementResult(kind, method, float(row["estimate"]), float("nan"), float(row["conf_low"]),
                               float(row["conf_high"]), float(row["p_value"]), conf_level, res.n_targets, n_missing,
                               tuple(cols), res)
    if len(cols) != 2:
        raise DataValidationError(f"kappa compares two readers; got {len(cols)} rating columns {cols}. Use "
                                  "kind='continuous' for an ICC of several readers.")
    if weights == "auto":
        weights = "quadratic" if kind == "ordinal" else None
    elif kind == "nominal" and weights is not None:
        raise DataValidationError(f"weights={weights!r} needs an ordered scale; a nominal scale gets Cohen's "
                                  "(unweighted) kappa. Use kind='ordinal' or weights=None.")
    res = kappa(complete[cols[0]], complete[cols[1]], weights=weights, levels=levels, conf_level=conf_level)
    return AgreementResult(kind, res.method, res.estimate, res.std_error, res.conf_low, res.conf_high, res.p_value,
                           conf_level, res.n, n_missing + res.n_missing, tuple(cols), res)
