"""Table 1 by outcome group (and by training/test set)."""

from __future__ import annotations

from ..format import table_one_frame
from ..html import ReportTable
from ..tables import table_one_footnotes

__all__ = ["table1_section"]


def table1_section(ctx) -> dict | None:
    t1 = ctx.results.get("table1")
    if t1 is None:
        return None
    f = table_one_frame(t1, digits=ctx.digits, p_style=ctx.p_style)
    f, trend_notes = _with_trend(ctx, f)
    ctx.table("table1_by_outcome", f)
    label = ctx.spec.outcome.label or ctx.spec.outcome.column
    notes = table_one_footnotes(t1) + trend_notes + tuple(ctx.warning_notes("table1"))
    tables = [ReportTable(f"Characteristics by {label}", f, notes)]
    t1s = ctx.results.get("table1_split")
    if t1s is not None:
        fs = table_one_frame(t1s, digits=ctx.digits, p_style=ctx.p_style)
        ctx.table("table1_by_split", fs)
        tables.append(ReportTable("Characteristics of the training and test sets", fs, table_one_footnotes(t1s)))
    return {"title": "Table 1", "tables": tables}


def _with_trend(ctx, f):
    """A "P for trend" column on the first row of each ``table1.trend`` variable, and its footnote."""
    trend = ctx.results.get("trend")
    if not trend:
        return f, ()
    from ...formatting import format_number, format_p

    col = [""] * len(f)
    for var, t in trend.items():
        rows = [i for i, v in enumerate(f["Variable"]) if str(v) == var or str(v).startswith(f"{var},")]
        if rows:
            col[rows[0]] = format_p(t.p_value, ctx.p_style)
    f = f.assign(**{"P for trend": col})
    parts = [f"{v}: χ² = {format_number(t.statistic, 3)}, df = {t.df}, levels {' < '.join(map(str, t.levels))}"
             for v, t in trend.items()]
    return f, (f"P for trend: Cochran-Armitage chi-square test for trend in proportions (R's prop.trend.test, "
               f"scores 1 to k over the ordered levels, no continuity correction); {'; '.join(parts)}.",)
