"""Formatted tables to one Excel workbook, a sheet per table; text is always written as text (never a formula)."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["write_xlsx", "sheet_names"]


def sheet_names(keys) -> list[str]:
    """Excel-safe, unique sheet names (no ``[]:*?/\\``, at most 31 characters)."""
    used: set[str] = set()
    out = []
    for key in keys:
        sheet = re.sub(r"[\[\]:*?/\\]", "_", str(key))[:31] or "table"
        base, k = sheet, 1
        while sheet.lower() in used:
            k += 1
            sheet = f"{base[:28]}_{k}"
        used.add(sheet.lower())
        out.append(sheet)
    return out


def write_xlsx(tables: dict, path) -> Path:
    """Write ``{name: DataFrame}`` to ``path``, one sheet per table with a bold header row.

    A cell whose text starts with ``=`` is stored as text (openpyxl would otherwise write a formula; OWASP's CSV
    injection)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for sheet, frame in zip(sheet_names(tables), tables.values()):
        ws = wb.create_sheet(sheet)
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for values in frame.itertuples(index=False):
            ws.append([None if v is None else (v if isinstance(v, (int, float)) else str(v)) for v in values])
        for row in ws.iter_rows(min_row=1):
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
        for j, col in enumerate(frame.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in frame.iloc[:, j - 1]]) if len(frame) else len(str(col))
            ws.column_dimensions[ws.cell(1, j).column_letter].width = min(60, width + 2)
    path = Path(path)
    wb.save(path)
    return path
