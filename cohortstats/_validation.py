"""Shared input checks.

Every message names the argument, what was expected, what was received and how
to fix it.  Checks raise; they never use ``assert``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .exceptions import DataValidationError

__all__ = [
    "check_dataframe",
    "check_columns",
    "as_column_list",
    "check_numeric_column",
    "check_one_of",
    "check_probability",
    "check_finite_columns",
    "whole_number_levels",
]


def _preview(values: Iterable, k: int = 5) -> str:
    vals = [v.item() if isinstance(v, np.generic) else v for v in values]
    shown = ", ".join(repr(v) for v in vals[:k])
    if len(vals) > k:
        shown += f", ... ({len(vals) - k} more)"
    return shown


def whole_number_levels(levels: list) -> list:
    """Levels read from a numeric column with missing values are floats (``1.0, 2.0``); when every level is a
    whole number they are returned as ints (``1, 2``), so tables and terms read ``race[2]``, not ``race[2.0]``.
    Anything else (text, a level like 1.5, booleans) is returned unchanged. ``1 == 1.0``, so matching rows with
    the returned levels is unchanged."""
    vals = [v.item() if isinstance(v, np.generic) else v for v in levels]
    if vals and all(isinstance(v, float) and np.isfinite(v) and v.is_integer() and abs(v) < 2**53 for v in vals):
        return [int(v) for v in vals]
    return list(levels)


def check_dataframe(df, name: str = "data") -> pd.DataFrame:
    """Require a non-empty pandas DataFrame."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame; got {type(df).__name__} instead. "
            "Read files with cohortstats.read_table or wrap arrays in pandas.DataFrame."
        )
    if df.shape[0] == 0:
        raise DataValidationError(f"{name} has no rows; expected at least one patient.")
    return df


def as_column_list(value, name: str) -> list:
    """Turn ``None``, one column name or a sequence of names into a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (Sequence, pd.Index, np.ndarray, set, frozenset)):
        return list(value)
    raise TypeError(f"{name} must be a column name or a list of column names; got {type(value).__name__}.")


def check_columns(df: pd.DataFrame, columns: Iterable, argument: str = "columns") -> None:
    """Raise listing every requested column that is absent from ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        available = _preview(list(df.columns), k=12)
        raise DataValidationError(
            f"{argument}: {len(missing)} column(s) not found in the data: {_preview(missing, k=20)}. "
            f"Available columns: {available}. Check the spelling (names are case-sensitive)."
        )


def check_numeric_column(series: pd.Series, name: str) -> pd.Series:
    """Return ``series`` as float, or raise saying which rows hold text or infinite values.

    Missing values stay missing; anything else that does not parse as a number
    is reported with its row count and examples; ``inf``/``-inf`` (numbers or text
    such as ``"inf"``) are refused, naming the column and counting the rows.
    """
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        out = series.astype(float, copy=False)
        _raise_if_infinite(out, name)
        return out
    converted = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & converted.isna()
    if bad.any():
        examples = [f"{v!r} (row {i})" for i, v in series[bad].head(5).items()]
        raise DataValidationError(
            f"column {name!r} is expected to be numeric but {int(bad.sum())} of {len(series)} rows hold "
            f"text: {', '.join(examples)}. Correct or blank those cells, pass the text as missing "
            "(e.g. read_table(..., na_values=['n/a'])), or declare the variable categorical."
        )
    out = converted.astype(float)
    _raise_if_infinite(out, name)
    return out


def _raise_if_infinite(values: pd.Series, name: str) -> None:
    """Raise naming the column and counting its rows when it holds +inf or -inf."""
    inf = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
    if inf.any():
        rows = [repr(i) for i in values.index[inf][:5]]
        raise DataValidationError(
            f"column {name!r} holds {int(inf.sum())} infinite value(s) (index {', '.join(rows)}"
            f"{', ...' if inf.sum() > 5 else ''}); statistics need finite numbers. Correct those cells or blank "
            "them (missing), e.g. df[col].replace([np.inf, -np.inf], np.nan)."
        )


def check_finite_columns(df: pd.DataFrame, columns: Iterable, argument: str) -> None:
    """Raise naming every numeric column of ``df[columns]`` that holds +inf or -inf, with its row count."""
    bad = []
    for c in columns:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            k = int(np.isinf(s.to_numpy(dtype=float, na_value=np.nan)).sum())
            if k:
                bad.append(f"{c!r} ({k} row(s))")
    if bad:
        raise DataValidationError(
            f"{argument}: infinite values (inf or -inf) in column(s) {', '.join(bad[:10])}"
            f"{f' and {len(bad) - 10} more' if len(bad) > 10 else ''}; statistics need finite numbers. Correct those "
            "cells or blank them (missing)."
        )


def check_one_of(value, allowed: Sequence, name: str):
    """Raise unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise DataValidationError(f"{name} must be one of {_preview(allowed, k=20)}; got {value!r}.")
    return value


def check_probability(value: float, name: str, *, open_interval: bool = True) -> float:
    """Raise unless 0 < value < 1 (or 0 <= value <= 1)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}.") from None
    ok = (0 < v < 1) if open_interval else (0 <= v <= 1)
    if not ok:
        raise DataValidationError(f"{name} must lie {'strictly ' if open_interval else ''}between 0 and 1; got {v}.")
    return v
