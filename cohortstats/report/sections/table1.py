"""Table 1 by outcome group (and by training/test set)."""

from __future__ import annotations

from ..format import table_one_frame
from ..html import ReportTable
from ..tables import table_one_footnotes
from .missing import table1_pooling_notes

__all__ = ["table1_section"]


def table1_section(ctx) -> dict | None:
    t1 = ctx.results.get("table1")
    if t1 is None:
        return None
    f = table_one_frame(t1, digits=ctx.digits, p_style=ctx.p_style)
    ctx.table("table1_by_outcome", f)
    label = ctx.spec.outcome.label or ctx.spec.outcome.column
    notes = table_one_footnotes(t1) + table1_pooling_notes(t1) + tuple(ctx.warning_notes("table1"))
    tables = [ReportTable(f"Characteristics by {label}", f, notes)]
    t1s = ctx.results.get("table1_split")
    if t1s is not None:
        fs = table_one_frame(t1s, digits=ctx.digits, p_style=ctx.p_style)
        ctx.table("table1_by_split", fs)
        tables.append(ReportTable("Characteristics of the training and test sets", fs,
                                  table_one_footnotes(t1s) + table1_pooling_notes(t1s)))
    return {"title": "Table 1", "tables": tables}
