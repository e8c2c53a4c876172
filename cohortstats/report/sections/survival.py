"""Survival: Kaplan-Meier estimates with the log-rank test, and Cox regression."""

from __future__ import annotations

from ...formatting import format_number
from ..format import hazard_ratio_frame, km_frame

__all__ = ["survival_section"]


def survival_section(ctx) -> dict | None:
    results = ctx.results
    if "km" not in results:
        return None
    km = results["km"]
    kf = km_frame(km, labels=ctx.labels)
    notes = ["Median survival with 95% CI as R's survfit (log-transformed CIs)."]
    if km.logrank is not None:
        notes.append(f"Log-rank test (as R's survdiff): χ² = {format_number(km.logrank.statistic, 2)}, "
                     f"df = {km.logrank.df}, {ctx.p_text(km.logrank.p_value)}.")
    blocks = [ctx.report_table("kaplan_meier", kf, "Kaplan-Meier estimates", notes + ctx.warning_notes("survival"))]
    text = f"{ctx.ref('table', 'kaplan_meier')} gives the median survival"
    if ctx.has_figure("kaplan_meier"):
        blocks.append((ctx.figure("kaplan_meier"), "Kaplan-Meier curves with log-transformed 95% CIs and the number "
                                                   "at risk."))
        text += f" and {ctx.ref('figure', 'kaplan_meier')} the curves"
    if "cox" in results:
        cox = results["cox"]
        hf = hazard_ratio_frame(cox, labels=ctx.labels, digits=ctx.digits, p_style=ctx.p_style)
        g = cox.glance().iloc[0]
        blocks.append(ctx.report_table("cox", hf, "Cox proportional-hazards regression", (
            "HR = hazard ratio; CI = confidence interval; — = reference category.",
            f"{cox.ties.capitalize()} ties (as R's coxph); Wald 95% CIs; {int(g['n'])} patients, {int(g['n_events'])} "
            f"events; concordance {format_number(g['concordance'], 3)} (SE {format_number(g['concordance_se'], 3)}).")))
        text += f"; {ctx.ref('table', 'cox')} the hazard ratios"
        if ctx.has_figure("forest_cox"):
            blocks.append((ctx.figure("forest_cox"), "Hazard ratios with 95% confidence intervals (log scale)."))
    return {"title": "Survival", "blocks": [text + ".", *blocks]}
