"""Results in brief: the multivariable ORs, test-set AUCs and DeLong tests, each in a sentence."""

from __future__ import annotations

from ...formatting import format_ci, format_number
from ._context import join_words
from .missing import pooled_key_results

__all__ = ["summary_section"]


def _minus(text: str) -> str:
    """Typeset minus signs in running text (``-0.12`` reads ``−0.12``)."""
    return text.replace(" -", " \u2212").replace("(-", "(\u2212")


def _estimate(name, est, low, high, digits) -> str:
    return f"{name} {format_number(est, digits)}; 95% CI {format_ci(low, high, digits)}"


def summary_section(ctx) -> dict | None:
    results, d = ctx.results, ctx.digits
    out = []
    tab = results.get("regression")
    if tab is not None and tab.multivariable is not None:
        t = tab.multivariable.tidy()
        t = t[(t["term"] != "(Intercept)") & ~t["reference"]]
        parts = [f"{ctx.labels.term(r.term)} ({_estimate('OR', r.estimate, r.conf_low, r.conf_high, d)}; "
                 f"{ctx.p_text(r.p_value)})" for r in t.itertuples()]
        out.append(f"In the multivariable model ({ctx.ref('table', 'regression_or')}), the odds of {ctx.outcome} "
                   f"were associated with {join_words(parts)}.")
    models = results.get("models")
    if models is not None:
        perf = models.performance[models.performance["set"] == "test"]
        aucs = [f"{format_number(r.auc, 3)} (95% CI {format_ci(r.conf_low, r.conf_high, 3)}) for {r.model}"
                for r in perf.itertuples()]
        out.append(f"On the test set ({ctx.ref('table', 'models_train_test')}), the AUC was {join_words(aucs)}.")
        cmp = results.get("comparisons", {}).get("test")
        if cmp is not None and len(cmp.pairs):
            if ctx.spec.comparisons.alternative == "two-sided":
                out.append("DeLong tests on the test set (two-sided): " + "; ".join(
                    f"{r.model_a} vs {r.model_b}, Z = {format_number(r.statistic, 3)}, {ctx.p_text(r.p_value)}"
                    for r in cmp.pairs.itertuples()) + ".")
            else:
                out.append("DeLong tests on the test set (one-sided): " + "; ".join(
                    f"{r.hypothesis.split(', H1: ', 1)[-1]}, Z = {format_number(r.statistic, 3)}, one-sided "
                    f"{ctx.p_text(r.p_value)}" for r in cmp.pairs.itertuples()) + ".")
    out += pooled_key_results(ctx)  # multiple imputation (sections/missing.py)
    out = [_minus(o) for o in out]
    ctx.res.key_results = out
    return {"title": "Results in brief", "blocks": out} if out else None
