"""Survival: Kaplan-Meier estimates with the log-rank test, and Cox regression."""

from __future__ import annotations

from ...formatting import format_number, format_p
from ..format import hazard_ratio_frame, km_frame
from ..html import ReportTable

__all__ = ["survival_section"]


def survival_section(ctx) -> dict | None:
    results = ctx.results
    if "km" not in results:
        return None
    figs = [(ctx.figure("kaplan_meier"), "Kaplan-Meier curves (log-transformed 95% CIs)")]
    km = results["km"]
    kf = km_frame(km)
    ctx.table("kaplan_meier", kf)
    notes = ["Median survival with 95% CI as R's survfit (conf.type = 'log')."]
    if km.logrank is not None:
        notes.append(f"Log-rank test (survdiff): chi-square = {format_number(km.logrank.statistic, 2)}, "
                     f"df = {km.logrank.df}, P = {format_p(km.logrank.p_value, ctx.p_style)}.")
    tables = [ReportTable("Kaplan-Meier estimates", kf, tuple(notes + ctx.warning_notes("survival")))]
    if "cox" in results:
        cox = results["cox"]
        hf = hazard_ratio_frame(cox, digits=ctx.digits, p_style=ctx.p_style)
        ctx.table("cox", hf)
        g = cox.glance().iloc[0]
        tables.append(ReportTable("Cox proportional-hazards regression", hf, (
            f"{cox.ties.capitalize()} ties (as coxph); Wald 95% CIs; {int(g['n'])} patients, {int(g['n_events'])} "
            f"events; concordance {format_number(g['concordance'], 3)} (SE {format_number(g['concordance_se'], 3)}).",)))
        figs.append((ctx.figure("forest_cox"), "Hazard ratios (95% CI)"))
    return {"title": "Survival", "tables": tables, "figures": figs}
