"""Results in brief: the multivariable ORs, test-set AUCs and DeLong tests, each in a sentence."""

from __future__ import annotations

from ...formatting import _isnan, format_ci, format_number, format_ratio, scaled_name, unbounded_limit
from ._context import join_words
from .missing import pooled_key_results

__all__ = ["summary_section"]


def _minus(text: str) -> str:
    """Typeset minus signs in running text (``-0.12`` reads ``−0.12``)."""
    return text.replace(" -", " \u2212").replace("(-", "(\u2212")


def _estimate(name, est, low, high, digits) -> str:
    """``OR 2.52; 95% CI 1.40–4.55``; an unbounded limit reads "0 (unbounded)" or "∞ (unbounded)", one that
    could not be computed "not computable"."""
    def limit(v):
        if _isnan(v):
            return "not computable"
        return format_ratio(v, digits) + (" (unbounded)" if unbounded_limit(v, ratio=True) else "")

    ci = format_ci(low, high, digits, ratio=True)
    if unbounded_limit(low, ratio=True) or unbounded_limit(high, ratio=True) or _isnan(low) != _isnan(high):
        ci = f"{limit(low)} to {limit(high)}"
    return f"{name} {format_ratio(est, digits)}; 95% CI {ci}" if ci else f"{name} {format_ratio(est, digits)}"


def _associations(ctx, t) -> str:
    """The multivariable ORs in words: those with P < 0.05 "associated", the others "not significantly"; a term
    with an unbounded limit (separation) by its estimate alone, its Wald P being meaningless there."""
    def part(r, with_p=True):
        est = _estimate("OR", r.estimate, r.conf_low, r.conf_high, ctx.digits)
        name = scaled_name(ctx.labels.term(r.term), r.unit)
        return f"{name} ({est}; {ctx.p_text(r.p_value)})" if with_p else f"{name} ({est})"

    rows = list(t.itertuples())
    sep = [r for r in rows if unbounded_limit(r.conf_low, ratio=True) or unbounded_limit(r.conf_high, ratio=True)]
    sig = [part(r) for r in rows if r not in sep and r.p_value < 0.05]
    rest = [part(r) for r in rows if r not in sep and not r.p_value < 0.05]
    head = f"In the multivariable model ({ctx.ref('table', 'regression_or')}), "
    if sig:
        text = head + f"{ctx.outcome} was associated with {join_words(sig)}"
        if rest:
            text += f"; {join_words(rest)} {'was' if len(rest) == 1 else 'were'} not significantly associated"
    elif rest:
        text = head + f"no predictor was significantly associated with {ctx.outcome} at P < 0.05: {join_words(rest)}"
    else:
        text = head.rstrip(", ")
    if sep:
        text += ("; " if sig or rest else ", ") + (
            f"{join_words(part(r, False) for r in sep)} separated the outcome groups (an unbounded confidence "
            "limit; its Wald P is not meaningful)")
    return text + "."


def summary_section(ctx) -> dict | None:
    results = ctx.results
    out = []
    tab = results.get("regression")
    if tab is not None and tab.multivariable is not None:
        t = tab.multivariable.tidy()
        t = t[(t["term"] != "(Intercept)") & ~t["reference"]]
        out.append(_associations(ctx, t))
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
