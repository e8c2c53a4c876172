"""The closing sections: what was not run (and why), and every warning the run raised."""

from __future__ import annotations

import pandas as pd

from ..html import ReportTable

__all__ = ["not_run_section", "warnings_section"]


def not_run_section(ctx) -> dict | None:
    skipped = ctx.res.skipped
    if not skipped:
        return None
    return {"title": "Not run", "paragraphs": [f"Skipped: {s.rstrip('.')}." for s in skipped]}


def warnings_section(ctx) -> dict | None:
    res = ctx.res
    if not res.warnings:
        return None
    rows = pd.DataFrame([{"Analysis": w.analysis or "Study", "Stage": w.stage, "Warning": w.category,
                          "Message": w.message, "Times": w.count} for w in res.warnings])
    res.tables["warnings"] = rows
    return {"title": "Warnings", "paragraphs": [
        "Every warning raised while the study ran, by stage. Each is also shown beside the result it concerns."],
        "tables": [ReportTable("Warnings raised during the analysis", rows)]}
