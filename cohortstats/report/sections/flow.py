"""Patient flow: rows read, ids merged and dropped (by reason), exclusions, the analysed population."""

from __future__ import annotations

from ..html import ReportTable

__all__ = ["flow_section"]


def flow_section(ctx) -> dict:
    res = ctx.res
    audit = res.study_results["merge"].summary()
    ctx.table("patient_flow_audit", audit)
    tables = [ReportTable("Data audit: ids kept and dropped by reason", audit)]
    if "reproducibility_summary" in ctx.results:
        rs = ctx.results["reproducibility_summary"]
        ctx.table("reproducibility", rs)
        r = ctx.spec.reproducibility
        tables.append(ReportTable("Feature reproducibility between readings", rs,
                                  (f"Intraclass correlation {r.form} (Shrout & Fleiss, as psych::ICC); features "
                                   f"with ICC < {r.threshold:g} were excluded before any modelling.",)))
    lines = (list(res.study_flow) if ctx.analysis.main else []) + list(ctx.analysis.flow)
    return {"title": "Patient flow", "paragraphs": lines, "tables": tables if ctx.analysis.main else tables[1:]}
