"""Reader agreement (study level, all patients read): weighted kappa for ordinal scores, Cohen's kappa for nominal
ones, the ICC for continuous measurements."""

from __future__ import annotations

import pandas as pd

from ...formatting import format_estimate_ci, format_number

__all__ = ["agreement_section", "agreement_frame"]

_KIND = {"ordinal": "ordinal", "nominal": "nominal", "continuous": "continuous"}


def agreement_frame(results: dict, *, digits: int = 3, p_text=str, labels=None) -> pd.DataFrame:
    """One row per measure: ``Measure, Readers, Scale, Statistic, n, Estimate (95% CI), SE, P``."""
    rows = []
    lab = labels or (lambda c: c)
    for name, a in results.items():
        rows.append({"Measure": name, "Readers": " vs ".join(lab(r) for r in a.ratings), "Scale": _KIND[a.kind],
                     "Statistic": a.method.split(" (")[0], "n": f"{a.n}" + (f" ({a.n_missing} not read)"
                                                                           if a.n_missing else ""),
                     "Estimate (95% CI)": format_estimate_ci(a.estimate, a.conf_low, a.conf_high, digits),
                     "SE": format_number(a.std_error, digits), "P": p_text(a.p_value)})
    return pd.DataFrame(rows)


def _cross_table(ctx, name, a):
    """Reader 1 by reader 2 counts of a kappa (scales up to 12 levels)."""
    table = getattr(a.detail, "table", None)
    if table is None or len(table) > 12:
        return None
    t = table.copy()
    first, second = (ctx.labels(r) for r in a.ratings)
    t.index = [ctx.labels.level(a.ratings[0], v) for v in t.index]
    t.columns = [ctx.labels.level(a.ratings[1], v) for v in t.columns]
    frame = t.astype(int).astype(str).reset_index(names=f"{first} \u2193 / {second} \u2192")
    key = "agreement_table_" + "".join(c if c.isalnum() else "_" for c in name.lower())
    return ctx.report_table(key, frame, f"{name}: ratings of the two readers",
                            (f"Rows: {first}; columns: {second}; {a.n} patients rated by both.",))


def agreement_section(ctx) -> dict | None:
    results = ctx.res.study_results.get("agreement")
    if not results or not ctx.analysis.main:
        return None
    from ...formatting import format_p

    f = agreement_frame(results, p_text=lambda p: format_p(p, ctx.p_style), labels=ctx.labels)
    notes = []
    if any(a.kind != "continuous" for a in results.values()):
        notes.append("Kappa with its asymptotic standard error (Fleiss, Cohen & Everitt 1969) and the Wald interval "
                     "kappa ± 1.96·SE, as vcd::Kappa; linear weights = vcd 'Equal-Spacing', quadratic = "
                     "'Fleiss-Cohen'. P: z test of kappa = 0.")
    if any(a.kind == "continuous" for a in results.values()):
        notes.append("Intraclass correlation (Shrout & Fleiss) with its F-based 95% CI and F test, as psych::ICC, "
                     "on the patients measured by every reader.")
    notes.append("All patients who were read, before any exclusion or split.")
    tables = [ctx.report_table("reader_agreement", f, "Agreement between readers",
                               tuple(notes + ctx.warning_notes("agreement")))]
    tables += [t for t in (_cross_table(ctx, n, a) for n, a in results.items() if a.kind != "continuous") if t]
    return {"title": "Reader agreement", "blocks": tables}
