"""Table 1 by outcome group (and by training/test set)."""

from __future__ import annotations

from ..format import table_one_frame, table_one_notes
from .missing import table1_pooling_notes

__all__ = ["table1_section"]


def _options(ctx) -> dict:
    t1 = ctx.spec.table1
    extra = set(getattr(t1, "columns", None) or ())
    return {"test_column": "test" in extra, "statistic_column": "statistic" in extra, "smd": "smd" in extra}


def table1_section(ctx) -> dict | None:
    t1 = ctx.results.get("table1")
    if t1 is None:
        return None
    opts = _options(ctx)
    digits = getattr(ctx.spec.table1, "digits", None) or None
    f = table_one_frame(t1, labels=ctx.labels, digits=digits, p_style=ctx.p_style, **opts)
    f, trend_notes = _with_trend(ctx, f)
    notes = (table_one_notes(t1, labels=ctx.labels, **opts) + trend_notes + table1_pooling_notes(t1)
             + tuple(ctx.warning_notes("table1")))
    n = t1.n_per_group.get("Overall", sum(t1.n_per_group.values()))
    blocks = [ctx.report_table("table1_by_outcome", f, f"Characteristics of the patients by {ctx.outcome}", notes)]
    text = f"{ctx.ref('table', 'table1_by_outcome')} gives the characteristics of the {n} patients by {ctx.outcome}"
    t1s = ctx.results.get("table1_split")
    if t1s is not None:
        split_opts = {**opts, "smd": True}
        names = {"train": "Training set", "test": "Test set"}
        fs = table_one_frame(t1s, labels=ctx.labels, digits=digits, p_style=ctx.p_style, group_names=names,
                             **split_opts)
        blocks.append(ctx.report_table("table1_by_split", fs, "Characteristics of the training and test sets",
                                       table_one_notes(t1s, labels=ctx.labels, **split_opts)
                                       + table1_pooling_notes(t1s)))
        text += f"; {ctx.ref('table', 'table1_by_split')} compares the training and test sets"
    return {"title": "Patient characteristics", "blocks": [text + ".", *blocks]}


def _with_trend(ctx, f):
    """A "P for trend" column on the first row of each ``table1.trend`` variable, and its footnote."""
    trend = ctx.results.get("trend")
    if not trend:
        return f, ()
    from ...formatting import format_number, format_p

    col = [""] * len(f)
    for var, t in trend.items():
        name = ctx.labels(var)
        rows = [i for i, v in enumerate(f["Characteristic"]) if str(v).strip() in (var, name)]
        if rows:
            col[rows[0]] = format_p(t.p_value, ctx.p_style)
    f = f.assign(**{"P for trend": col})
    parts = [f"{ctx.labels(v)}: χ² = {format_number(t.statistic, 3)}, df = {t.df}, levels "
             f"{' < '.join(ctx.labels.level(v, lv) for lv in t.levels)}" for v, t in trend.items()]
    return f, (f"P for trend: Cochran-Armitage chi-square test for trend in proportions (R's prop.trend.test, "
               f"scores 1 to k over the ordered levels, no continuity correction); {'; '.join(parts)}.",)
