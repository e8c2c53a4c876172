"""Results in brief: the multivariable ORs, test-set AUCs and DeLong tests in one paragraph each."""

from __future__ import annotations

from ...formatting import format_estimate_ci, format_number
from .missing import pooled_key_results

__all__ = ["summary_section"]


def summary_section(ctx) -> dict | None:
    results, d = ctx.results, ctx.digits
    out = []
    tab = results.get("regression")
    if tab is not None and tab.multivariable is not None:
        t = tab.multivariable.tidy()
        t = t[(t["term"] != "(Intercept)") & ~t["reference"]]
        parts = [f"{r.term}: OR {format_estimate_ci(r.estimate, r.conf_low, r.conf_high, d)}, {ctx.p_text(r.p_value)}"
                 for r in t.itertuples()]
        out.append("In the multivariable model, " + "; ".join(parts) + ".")
    models = results.get("models")
    if models is not None:
        perf = models.performance[models.performance["set"] == "test"]
        out.append("Test-set AUCs: " + "; ".join(f"{r.model} {format_estimate_ci(r.auc, r.conf_low, r.conf_high, 3)}"
                                                 for r in perf.itertuples()) + ".")
        cmp = results.get("comparisons", {}).get("test")
        if cmp is not None and len(cmp.pairs):
            if ctx.spec.comparisons.alternative == "two-sided":
                out.append("DeLong tests on the test set (two-sided): " + "; ".join(
                    f"{r.model_a} vs {r.model_b} Z = {format_number(r.statistic, 3)}, {ctx.p_text(r.p_value)}"
                    for r in cmp.pairs.itertuples()) + ".")
            else:
                out.append("DeLong tests on the test set (one-sided): " + "; ".join(
                    f"{r.hypothesis.split(', H1: ', 1)[-1]}, Z = {format_number(r.statistic, 3)}, one-sided "
                    f"{ctx.p_text(r.p_value)}" for r in cmp.pairs.itertuples()) + ".")
    out += pooled_key_results(ctx)  # multiple imputation (sections/missing.py)
    ctx.res.key_results = out
    return {"title": "Results in brief", "paragraphs": out} if out else None
