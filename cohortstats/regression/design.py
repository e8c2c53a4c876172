"""Design matrices for regression: complete cases, categorical coding with a stated reference, interactions.

Shared by logistic and Cox regression and the nomogram, so that every model codes a
variable the same way and every excluded row is counted with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validation import (_preview, as_column_list, check_columns, check_dataframe, check_numeric_column,
                           whole_number_levels)
from ..exceptions import DataValidationError

__all__ = ["Design", "build_design", "complete_cases"]


@dataclass(frozen=True)
class Design:
    """A coded design matrix (without intercept) and how it was built.

    Attributes
    ----------
    X : numpy.ndarray
        n x p, one column per coefficient (``columns``); a view of ``X1[:, 1:]``.
    X1 : numpy.ndarray
        n x (p + 1): a column of ones (the intercept), then ``X``.
    columns : list of str
        Term names: ``age``, ``race[2]`` (level 2 vs the reference), ``age:sex[Male]``.
    groups : dict
        Predictor or interaction name -> list of column indices (for LR tests and GVIF).
    levels : dict
        Categorical predictor -> (reference, [other levels]).
    scale : dict
        Continuous predictor -> (label, divisor): the OR is per ``divisor`` units.
    rows : numpy.ndarray
        Positions (in the input frame) of the rows used.
    excluded : pandas.DataFrame
        ``reason, n``: rows dropped for missing values, counted per variable.
    """

    X1: np.ndarray
    columns: list
    groups: dict
    levels: dict
    scale: dict
    rows: np.ndarray
    excluded: pd.DataFrame
    predictors: list = field(default_factory=list)
    interactions: list = field(default_factory=list)

    @property
    def X(self) -> np.ndarray:
        return self.X1[:, 1:]

    def encode(self, df: pd.DataFrame) -> np.ndarray:
        """Code new data exactly as the fitted data (same levels, reference and scaling)."""
        check_columns(df, self.predictors, "new data")
        cols = {}
        for var in self.predictors:
            if var in self.levels:
                ref, others = self.levels[var]
                values = df[var]
                known = set([ref, *others])
                unknown = sorted({v for v in values.dropna().unique() if v not in known}, key=str)
                if unknown:
                    raise DataValidationError(
                        f"new data: {var!r} has level(s) {_preview(unknown)} not seen when fitting "
                        f"(levels: {_preview([ref, *others])})."
                    )
                for lev in others:
                    cols[f"{var}[{lev}]"] = (values == lev).astype(float).to_numpy()
            else:
                x = check_numeric_column(df[var], var).to_numpy()
                cols[var] = x / self.scale.get(var, ("", 1.0))[1]
        for a, b in self.interactions:
            for ca in _cols_of(a, self):
                for cb in _cols_of(b, self):
                    cols[f"{ca}:{cb}"] = cols[ca] * cols[cb]
        X = np.column_stack([cols[c] for c in self.columns]) if self.columns else np.empty((len(df), 0))
        if np.isnan(X).any():
            raise DataValidationError("new data has missing values in the predictors; complete or impute them first.")
        return X


def term_rows(design: "Design", coef_row, reference_row) -> list:
    """The rows of a fitted model's ``tidy()`` in the design's order: per predictor its reference level
    (``reference_row(term, variable, level)``) and its other levels, or the predictor itself, then the interaction
    terms (``coef_row(term, variable, level)``), the level ``None`` where a row is not a factor level."""
    rows = []
    for var in design.predictors:
        if var in design.levels:
            ref, others = design.levels[var]
            rows.append(reference_row(f"{var}[{ref}]", var, ref))
            rows += [coef_row(f"{var}[{lev}]", var, lev) for lev in others]
        else:
            rows.append(coef_row(var, var, None))
    for a, b in design.interactions:
        rows += [coef_row(design.columns[i], f"{a}:{b}", None) for i in design.groups[f"{a}:{b}"]]
    return rows


def _cols_of(var, design_like):
    if var in design_like.levels:
        return [f"{var}[{lev}]" for lev in design_like.levels[var][1]]
    return [var]


def complete_cases(df: pd.DataFrame, columns: list) -> tuple[np.ndarray, pd.DataFrame]:
    """Rows with no missing value in ``columns`` and a count of the others by variable."""
    miss = {c: df[c].isna().to_numpy() for c in columns}  # column by column: no copy of the frame
    keep = ~np.logical_or.reduce(list(miss.values())) if miss else np.ones(len(df), bool)
    reasons = []
    if (~keep).any():
        for c in columns:
            k = int(miss[c].sum())
            if k:
                reasons.append({"reason": f"missing {c}", "n": k})
        reasons.append({"reason": "rows excluded (any missing value; complete-case analysis)", "n": int((~keep).sum())})
    return np.flatnonzero(keep), pd.DataFrame(reasons, columns=["reason", "n"])


def _parse_interactions(interactions, predictors):
    out = []
    for it in as_column_list(interactions, "interactions") if isinstance(interactions, str) else (interactions or []):
        parts = tuple(it.split(":")) if isinstance(it, str) else tuple(it)
        if len(parts) != 2 or not all(p in predictors for p in parts):
            raise DataValidationError(
                f"interaction {it!r} must name two predictors ('a:b' or ('a', 'b')) that are in predictors."
            )
        out.append(parts)
    return out


def _sorted_levels(s: pd.Series) -> list:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return [c for c in s.cat.categories if (s == c).any()]
    vals = list(pd.unique(s.dropna()))
    try:
        return whole_number_levels(sorted(vals))
    except TypeError:
        return sorted(vals, key=str)


def build_design(df, predictors, *, categorical=None, reference=None, interactions=None, scale=None,
                 extra_columns=()) -> Design:
    """Code ``predictors`` of ``df`` into a design matrix (complete cases over predictors and ``extra_columns``).

    ``categorical``: predictors to dummy-code (text, boolean and category columns are
    categorical anyway). ``reference``: ``{predictor: level}``; default the first
    level (sorted, or category order), as R. ``scale``: ``"sd"``, ``"iqr"`` or
    ``{predictor: "sd" | "iqr" | number}`` for ORs per SD / IQR / k units.
    """
    check_dataframe(df, "df")
    predictors = as_column_list(predictors, "predictors")
    if not predictors:
        raise DataValidationError("predictors is empty; name at least one column.")
    if len(set(predictors)) != len(predictors):
        raise DataValidationError(f"predictors lists a column twice: {predictors}.")
    categorical = set(as_column_list(categorical, "categorical"))
    reference = dict(reference or {})
    check_columns(df, list(dict.fromkeys([*predictors, *extra_columns, *categorical, *reference])), "predictors")
    unknown_ref = [k for k in list(categorical) + list(reference) if k not in predictors]
    if unknown_ref:
        raise DataValidationError(f"categorical/reference name(s) {unknown_ref} that are not in predictors.")
    inter = _parse_interactions(interactions, predictors)
    rows, excluded = complete_cases(df, [*extra_columns, *predictors])
    data = df if len(rows) == len(df) else df[list(dict.fromkeys([*extra_columns, *predictors]))].iloc[rows]
    if len(data) == 0:
        raise DataValidationError("no complete rows: every row has a missing value in the outcome or a predictor.")
    if isinstance(scale, str):
        scale = {p: scale for p in predictors}
    scale = dict(scale or {})
    cols, names, groups, levels, scales = [], [], {}, {}, {}
    for var in predictors:
        s = data[var]
        is_cat = (var in categorical or var in reference or isinstance(s.dtype, pd.CategoricalDtype)
                  or pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s))
        if is_cat and not pd.api.types.is_numeric_dtype(s) and var not in categorical and var not in reference:
            # text column: refuse silently-categorical numbers stored as text
            parsed = pd.to_numeric(s, errors="coerce")
            if parsed.notna().mean() >= 0.5 and parsed.isna().any():
                check_numeric_column(s, var)  # raises with examples
        if is_cat:
            levs = _sorted_levels(s)
            if len(levs) < 2:
                raise DataValidationError(f"predictor {var!r} is constant ({_preview(levs)}) in the analysed rows; remove it.")
            ref = reference.get(var, levs[0])
            if ref not in levs:
                raise DataValidationError(f"reference level {ref!r} of {var!r} is not among its levels {_preview(levs)}.")
            ref = levs[levs.index(ref)]  # as the data's level reads (a reference of 2.0 names the level 2)
            others = [lev for lev in levs if lev != ref]
            levels[var] = (ref, others)
            idx = []
            for lev in others:
                idx.append(len(names))
                names.append(f"{var}[{lev}]")
                cols.append((s == lev).to_numpy(dtype=float))
            groups[var] = idx
        else:
            x = check_numeric_column(s, var).to_numpy()
            if np.ptp(x) == 0:
                raise DataValidationError(f"predictor {var!r} is constant ({x[0]:g}) in the analysed rows; remove it.")
            rule = scale.get(var)
            if rule is None:
                div, label = 1.0, ""
            elif rule == "sd":
                div = float(np.std(x, ddof=1))
                label = f"per SD ({div:.4g})"
            elif rule == "iqr":
                q1, q3 = np.quantile(x, [0.25, 0.75])
                div = float(q3 - q1)
                if div == 0:
                    raise DataValidationError(f"predictor {var!r} has an IQR of 0; use scale='sd' or a number.")
                label = f"per IQR ({div:.4g})"
            else:
                div = float(rule)
                label = f"per {div:g} units"
            if div != 1.0 or label:
                scales[var] = (label, div)
            groups[var] = [len(names)]
            names.append(var)
            cols.append(x / div if div != 1.0 else x)
            _check_magnitude(cols[-1], var)
    col_of = dict(zip(names, range(len(names))))
    for a, b in inter:
        idx = []
        for ca in _cols_of(a, type("D", (), {"levels": levels})):
            for cb in _cols_of(b, type("D", (), {"levels": levels})):
                idx.append(len(names))
                names.append(f"{ca}:{cb}")
                cols.append(cols[col_of[ca]] * cols[col_of[cb]])
        groups[f"{a}:{b}"] = idx
    X1 = np.empty((len(data), len(cols) + 1), order="F")  # column-major: filling columns is contiguous
    X1[:, 0] = 1.0
    for j, c in enumerate(cols):
        X1[:, j + 1] = c
    _check_collinearity(X1, names)
    return Design(X1, names, groups, levels, scales, rows, excluded, predictors, inter)


_MAX_MAGNITUDE = 1e100  # beyond this, the squares and cross-products of a column overflow in the fit


def _check_magnitude(x: np.ndarray, var: str) -> None:
    """Refuse a predictor whose values are so large that their squares overflow (the fit would give NaN or a
    numpy error); the user rescales it, so the odds ratio keeps a unit the reader understands."""
    top = float(np.max(np.abs(x))) if len(x) else 0.0
    if top > _MAX_MAGNITUDE:
        raise DataValidationError(
            f"predictor {var!r} has values up to {top:.3g} in magnitude; their squares overflow floating point. "
            f"Rescale it (e.g. scale={{{var!r}: {10 ** np.floor(np.log10(top)):.0e}}}, or divide the column) so "
            "the odds ratio is per a meaningful unit.")


def _check_collinearity(X1, names):
    """X1: the design with its leading column of ones."""
    n, p1 = X1.shape
    if n < p1:
        raise DataValidationError(f"{n} complete rows for {p1} coefficients; use fewer predictors.")
    # Gram matrix scaled to unit max (one GEMM, no copy of X1); the SVD runs only when it is near singular
    scale = np.maximum(np.maximum(X1.max(axis=0), -X1.min(axis=0)), 1e-300)
    gram = (X1.T @ X1) / np.outer(scale, scale)
    ev = np.linalg.eigvalsh(gram)
    if ev.min() > ev.max() * 1e-13:
        return
    zs = X1 / scale
    _, sv, vt = np.linalg.svd(zs, full_matrices=False)
    tol = sv.max() * max(zs.shape) * np.finfo(float).eps * 100
    null = vt[sv <= tol]
    if len(null):
        involved = np.flatnonzero((np.abs(null) > 1e-6).any(axis=0))
        dependent = [("(intercept)" if j == 0 else names[j - 1]) for j in involved]
        raise DataValidationError(
            f"perfectly collinear predictors: {_preview(dependent)} can be written as a combination of the "
            "other columns (or the intercept). Remove one of each redundant set (e.g. a level that always "
            "co-occurs with another variable, or a sum of other columns)."
        )
