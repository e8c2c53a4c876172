"""Which columns of a table look like a patient identifier or a date.

Shared by Table 1 (which refuses to list such a column's values as levels) and the report's privacy guard
(:mod:`cohortstats.report.privacy`, which keeps those values out of every output). The rules are deliberately
simple and stated in the README's "Privacy" section:

* **identifier**: a column whose name reads like an identifier (``id``, ``patient_id``, ``PatientID``, ``mrn``,
  ``name``, ``email`` ...) holding text or whole numbers, nearly one distinct value per row (at least 90%), or
  any text column holding nearly one distinct value per row (at least 80% of 10 or more values);
* **date**: a datetime column, a text column whose values are mostly (80%) dates written the ISO way
  (``2021-03-04``, ``2021-03-04T10:15``, ``2021/03/04``) or a locale's way (``04.03.2021``, ``3/4/21``,
  ``4 Mar 2021``, ``March 4, 2021``, ``2021年3月4日``), or a column named like a date (``date``, ``dob``,
  ``admission_dt``) holding ``yyyymmdd`` numbers.

The messages say how many values a column holds, never which.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["identifier_reason", "identifier_columns", "looks_like_date", "name_tokens"]

ID_SHARE_NAMED = 0.9  # distinct values / non-missing values for a column named like an identifier
ID_SHARE_TEXT = 0.8  # ... for any text column
ID_MIN_TEXT = 10  # a text column needs this many values before its distinctness counts
DATE_SHARE = 0.8  # share of values that must read as dates

_ID_TOKENS = {"id", "ids", "mrn", "pid", "uid", "uuid", "guid", "ssn", "nhs", "accession", "name", "names",
              "surname", "firstname", "lastname", "initials", "email", "mail", "phone", "telephone", "address",
              "postcode", "zipcode", "identifier", "hospitalnumber", "patientnumber", "casenumber"}
_ID_PAIRS = {("patient", "no"), ("patient", "number"), ("case", "no"), ("case", "number"), ("record", "number"),
             ("hospital", "number"), ("study", "no"), ("subject", "no"), ("medical", "record")}
_DATE_TOKENS = {"date", "dates", "dob", "dt", "datetime", "timestamp", "birthdate", "birthday"}

_MONTHS = ("jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|januar|februar|märz|maerz|mai|juni|juli|oktober|"
           "dezember|janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
           "decembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
           "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre")
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}|[AaPp][Mm]))?)?"
_DATE_PATTERNS = [
    re.compile(rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$"),  # ISO and 2021/03/04
    re.compile(rf"^(?P<a>\d{{1,2}})[-/.](?P<b>\d{{1,2}})[-/.](?P<y>\d{{4}}|\d{{2}}){_TIME}$"),  # 04.03.2021, 3/4/21
    re.compile(rf"^\d{{1,2}}\.?[ -]?(?:{_MONTHS})[a-zé]*\.?[ ,-]*\d{{2,4}}{_TIME}$", re.I),  # 4 Mar 2021, 04-MAR-21
    re.compile(rf"^(?:{_MONTHS})[a-zé]*\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}{_TIME}$", re.I),  # March 4, 2021
    re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$"),
]


def name_tokens(name) -> list[str]:
    """The words of a column name: ``"PatientID"`` -> ``["patient", "id"]``, ``"admission_dt"`` ->
    ``["admission", "dt"]``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", str(name))
    return [t for t in re.split(r"[^0-9a-zA-Z]+", text.lower()) if t]


def _named_like_id(name) -> bool:
    tokens = name_tokens(name)
    joined = "".join(tokens)
    return (bool(set(tokens) & _ID_TOKENS) or joined in _ID_TOKENS
            or any(pair in zip(tokens, tokens[1:]) for pair in _ID_PAIRS))


def _named_like_date(name) -> bool:
    return bool(set(name_tokens(name)) & _DATE_TOKENS)


def looks_like_date(text: str) -> bool:
    """True when ``text`` is a calendar date (optionally with a time) in an ISO or common locale form.

    >>> looks_like_date("2021-03-04"), looks_like_date("04.03.2021"), looks_like_date("4 Mar 2021")
    (True, True, True)
    >>> looks_like_date("3.5"), looks_like_date("1-2"), looks_like_date("2021-13-40")
    (False, False, False)
    """
    s = str(text).strip()
    if not 6 <= len(s) <= 40 or not any(ch.isdigit() for ch in s):
        return False
    for k, pattern in enumerate(_DATE_PATTERNS):
        m = pattern.match(s)
        if m is None:
            continue
        if k == 0:
            return 1 <= int(m["m"]) <= 12 and 1 <= int(m["d"]) <= 31
        if k == 1:
            a, b = int(m["a"]), int(m["b"])
            return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12
        return True
    return False


def _yyyymmdd(values: pd.Series) -> float:
    v = pd.to_numeric(values, errors="coerce").dropna()
    if not len(v) or not np.all(np.mod(v.to_numpy(float), 1) == 0):
        return 0.0
    v = v.astype("int64")
    y, m, d = v // 10000, v // 100 % 100, v % 100
    return float(((y >= 1900) & (y <= 2100) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)).mean())


def identifier_reason(series: pd.Series, name=None) -> str | None:
    """Why a column looks like a patient identifier or a date, or ``None`` when it does not.

    Parameters
    ----------
    series : pandas.Series
        The column's values (one per patient).
    name : str, optional
        The column's name (default ``series.name``).

    Returns
    -------
    str or None
        E.g. ``"looks like an identifier (160 distinct values in 160 rows)"`` or ``"holds dates (150 of 160
        values)"``; the values themselves are never quoted.

    Examples
    --------
    >>> import pandas as pd
    >>> identifier_reason(pd.Series([f"HE{i:03d}" for i in range(20)], name="code"))
    'looks like an identifier (20 distinct values in 20 rows)'
    >>> identifier_reason(pd.Series(["M", "F"] * 10, name="sex")) is None
    True
    """
    name = series.name if name is None else name
    numeric = pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
    if numeric and not (_named_like_id(name) or _named_like_date(name)):
        return None  # a measurement: summarised, never listed (and the common case in wide imaging tables)
    values = series.dropna()
    n = len(values)
    if n == 0:
        return None
    if pd.api.types.is_datetime64_any_dtype(series) or isinstance(series.dtype, pd.PeriodDtype):
        return f"holds dates ({n} values)"
    if numeric:
        if _named_like_date(name) and _yyyymmdd(values) >= DATE_SHARE:
            return f"holds dates written as yyyymmdd numbers ({n} values)"
    else:
        text = values.astype(str)
        sample = text if n <= 2000 else text.sample(2000, random_state=0)
        dates = int(sample.map(looks_like_date).sum())
        if dates and dates >= DATE_SHARE * len(sample):
            return f"holds dates ({dates} of {len(sample)} values)"
    k = int(values.nunique())
    whole = not numeric or pd.api.types.is_bool_dtype(series) or bool(np.all(np.mod(values.to_numpy(float), 1) == 0))
    if _named_like_id(name) and whole and n >= 2 and k >= ID_SHARE_NAMED * n:  # ids are codes or whole numbers
        return f"looks like an identifier ({k} distinct values in {n} rows)"
    if not numeric and n >= ID_MIN_TEXT and k >= ID_SHARE_TEXT * n:
        mostly_numbers = pd.to_numeric(values.astype(str), errors="coerce").notna().mean() >= 0.5
        if not mostly_numbers:  # numbers stored as text are summarised, not listed
            return f"looks like an identifier ({k} distinct values in {n} rows)"
    return None


def identifier_columns(df: pd.DataFrame, columns=None) -> dict:
    """``{column: reason}`` for the columns of ``df`` (or only ``columns``) that look like an identifier or a
    date (see :func:`identifier_reason`).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"patient_id": range(30), "age": range(40, 70), "seen": ["2021-03-04"] * 30})
    >>> sorted(identifier_columns(df))
    ['patient_id', 'seen']
    """
    cols = list(df.columns) if columns is None else [c for c in columns if c in df.columns]
    out = {}
    for c in cols:
        reason = identifier_reason(df[c], c)
        if reason is not None:
            out[c] = reason
    return out
