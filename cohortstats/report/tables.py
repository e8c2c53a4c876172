"""Writing formatted tables to CSV and Excel, and Table 1 footnotes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = ["write_tables", "table_one_footnotes", "safe_filename"]


def safe_filename(name: str) -> str:
    """A file-system-safe version of a table name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "table"


def write_tables(tables: dict, folder) -> dict:
    """Write ``{name: DataFrame}`` as ``folder/tables/<name>.csv`` and one ``folder/tables.xlsx``.

    Excel sheet names are cut to 31 characters (Excel's limit) and made unique.
    Returns ``{name: csv path}``.
    """
    folder = Path(folder)
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in tables.items():
        path = folder / "tables" / f"{safe_filename(name)}.csv"
        frame.to_csv(path, index=False, encoding="utf-8")
        paths[name] = path
    used: set[str] = set()
    with pd.ExcelWriter(folder / "tables.xlsx", engine="openpyxl") as writer:
        for name, frame in tables.items():
            sheet = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "table"
            base, k = sheet, 1
            while sheet in used:
                k += 1
                sheet = f"{base[:28]}_{k}"
            used.add(sheet)
            frame.to_excel(writer, sheet_name=sheet, index=False)
    return paths


def table_one_footnotes(result) -> tuple[str, ...]:
    """Footnotes naming every test used, the summary statistics and any exclusion."""
    notes = []
    if result.tests_used:
        notes.append("P-values: " + "; ".join(
            f"{t} ({', '.join(result.tests.loc[result.tests['test'] == t, 'variable'].astype(str))})"
            for t in result.tests_used) + ".")
    notes.append("Continuous variables: mean (SD) or median [Q1, Q3] (R quantile type 7); categorical: n (%) "
                 "of patients with a non-missing value; missing values are counted in their own row.")
    if result.group is not None:
        notes.append("Statistic: t (t-test), χ² (chi-square), W (Wilcoxon rank-sum, as R's wilcox.test), "
                     "H (Kruskal-Wallis), F (ANOVA); Fisher's exact test has none.")
        notes.append("SMD: absolute standardised mean difference (pooled SD for continuous variables, "
                     "Yang-Dalton for categorical variables).")
    for _, row in result.tests.iterrows():
        if isinstance(row["note"], str) and row["note"]:
            notes.append(f"{row['variable']}: {row['note']}.")
    for _, row in result.excluded.iterrows():
        notes.append(f"Excluded: {row['n']} patient(s), {row['reason']}.")
    return tuple(notes)
