"""The diagnostic value of scores over the whole analysed population (no split): AUC, Youden cut-off,
sensitivity, specificity, PPV and NPV with their CIs and counts."""

from __future__ import annotations

import pandas as pd

from ...formatting import format_estimate_ci, format_number
from ..format import delong_table_frame

__all__ = ["score_roc_section", "score_roc_frame"]


def _prop(tm, metric: str) -> str:
    row = tm.tidy().set_index("metric").loc[metric]
    return (f"{format_estimate_ci(row['estimate'], row['conf_low'], row['conf_high'], 3)} "
            f"[{int(row['numerator'])}/{int(row['denominator'])}]")


def score_roc_frame(results: dict, labels=None) -> pd.DataFrame:
    """One row per score: ``Score, n (events), AUC (95% CI), Cut-off``, then sensitivity, specificity, PPV and
    NPV, each "estimate (95% CI) [numerator/denominator]"."""
    rows = []
    lab = labels or (lambda c: c)
    for name, r in results.items():
        tm = r["cutoff"]
        sign = "≥" if tm.direction == "<" else "≤"
        rows.append({"Score": lab(name), "n (events)": f"{r['n']} ({r['n_events']})",
                     "AUC (95% CI)": format_estimate_ci(r["auc"].estimate, r["auc"].conf_low, r["auc"].conf_high, 3),
                     "Cut-off (Youden)": f"{sign} {format_number(tm.threshold, 3).rstrip('0').rstrip('.')}",
                     "Sensitivity": _prop(tm, "sensitivity"), "Specificity": _prop(tm, "specificity"),
                     "PPV": _prop(tm, "ppv"), "NPV": _prop(tm, "npv")})
    return pd.DataFrame(rows)


def score_roc_section(ctx) -> dict | None:
    results = ctx.results.get("score_roc")
    if not results:
        return None
    f = score_roc_frame(results, ctx.labels)
    label = ctx.spec.outcome.label or ctx.spec.outcome.column
    missing = [f"{ctx.labels(n)}: {r['n_missing']} patient(s) without the score left out" for n, r in results.items()
               if r["n_missing"]]
    first = next(iter(results.values()))
    direction = "higher" if first["cutoff"].direction == "<" else "lower"
    notes = [f"Every analysed patient (no training/test split); outcome: {label}; a {direction} score means the "
             "outcome.",
             "AUC with DeLong's 95% CI (pROC ci.auc); cut-off maximising Youden's index (pROC coords 'best'), a "
             "patient at or beyond it is positive; Wilson 95% CIs, [numerator/denominator]; PPV and NPV at this "
             "sample's prevalence.", *missing, *ctx.warning_notes("score_roc")]
    tables = [ctx.report_table("score_roc", f, f"Diagnostic value of the scores for {label}", tuple(notes))]
    cmp = ctx.results.get("score_roc_comparison")
    if cmp is not None:
        d = delong_table_frame(cmp, p_style=ctx.p_style, labels=ctx.labels)
        n = ctx.results.get("score_roc_comparison_n")
        tables.append(ctx.report_table("score_roc_delong", d, "Pairwise DeLong tests of the scores", (
            f"Paired DeLong tests ({cmp.alternative}) on the {n} patients with every score.",)))
    figs = [(ctx.figure("score_roc"), f"ROC curves of the scores for {label} (all patients)")] \
        if ctx.has_figure("score_roc") else []
    return {"title": "Diagnostic value of the scores", "blocks": [*tables, *figs]}
