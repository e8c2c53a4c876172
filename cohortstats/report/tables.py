"""Writing formatted tables to CSV and Excel, and Table 1 footnotes."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

__all__ = ["write_tables", "write_csv", "safe_filename", "spreadsheet_text"]

# OWASP's CSV-injection rule: a cell starting with one of these is a formula (or DDE) in Excel and LibreOffice
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... unless it is a number, or a number with its interval ("-0.52", "-0.52 (-0.90 to -0.14)", "+3%"): no letters,
# no operator a spreadsheet could evaluate, so those stay as they are (numbers stay readable as numbers)
_NUM = r"[+\-−]?\d[\d.,]*(?:[eE][+\-]?\d+)?%?"
_NUMERIC_TEXT = re.compile(rf"^{_NUM}(?:\s*[(\[]\s*{_NUM}(?:\s*(?:–|-|to|,|;)\s*{_NUM})?\s*[)\]])?$|^[-+]$")


def safe_filename(name: str) -> str:
    """A file-system-safe version of a table name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "table"


def _formula_like(value) -> bool:
    """Text a spreadsheet could evaluate: starting with a formula character, also after leading spaces (Table 1
    indents its levels, and some spreadsheets trim spaces on import)."""
    if not isinstance(value, str):
        return False
    stripped = value.lstrip(" \u00a0\u2003")
    return (value.startswith(_FORMULA_START) or stripped.startswith(_FORMULA_START)) \
        and not _NUMERIC_TEXT.match(stripped)


def spreadsheet_text(value):
    """A cell value that no spreadsheet reads as a formula: text starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return gets a leading apostrophe (OWASP); numbers, and text that is only a number with its
    interval, are returned unchanged.

    >>> spreadsheet_text("=1+2"), spreadsheet_text("-0.52 (-0.90–-0.14)"), spreadsheet_text(-2)
    ("'=1+2", '-0.52 (-0.90–-0.14)', -2)
    """
    return "'" + value if _formula_like(value) else value


def write_csv(frame: pd.DataFrame, path) -> Path:
    """Write a table as UTF-8 CSV with every text cell and column name made :func:`spreadsheet_text`; returns
    the path. Lines end in CRLF (RFC 4180) on every system, so that a cell holding a carriage return is quoted
    and the bytes do not depend on the machine."""
    out = frame.copy()
    out.columns = [spreadsheet_text(c) for c in out.columns]
    for j in range(out.shape[1]):
        col = out.iloc[:, j]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out.iloc[:, j] = col.map(spreadsheet_text)
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n")
    return Path(path)


def _put(cell, value) -> None:
    """One Excel cell: numbers as numbers, text always as text (never a formula)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float)):
        cell.value = value
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.value = text
    cell.data_type = "s"  # openpyxl would store a leading "=" as a formula
    if _formula_like(text):
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited


def write_tables(tables: dict, folder) -> dict:
    """Write ``{name: DataFrame}`` as ``folder/tables/<name>.csv`` and one ``folder/tables.xlsx``.

    Excel sheet names are cut to 31 characters (Excel's limit) and made unique. Text that a spreadsheet would
    read as a formula is written as text in both (see :func:`spreadsheet_text`); numbers stay numbers.
    Returns ``{name: csv path}``.
    """
    from openpyxl import Workbook

    folder = Path(folder)
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in tables.items():
        paths[name] = write_csv(frame, folder / "tables" / f"{safe_filename(name)}.csv")
    used: set[str] = set()
    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        sheet = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "table"
        base, k = sheet, 1
        while sheet in used:
            k += 1
            sheet = f"{base[:28]}_{k}"
        used.add(sheet)
        ws = book.create_sheet(sheet)
        for j, col in enumerate(frame.columns, start=1):
            _put(ws.cell(row=1, column=j), str(col))
            ws.cell(row=1, column=j).font = Font(bold=True)
        for i, values in enumerate(frame.itertuples(index=False), start=2):
            for j, v in enumerate(values, start=1):
                _put(ws.cell(row=i, column=j), v)
    if not tables:
        book.create_sheet("empty")
    book.save(folder / "tables.xlsx")
    return paths
