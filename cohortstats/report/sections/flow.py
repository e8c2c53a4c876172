"""Patient flow: rows read, ids merged and dropped (by reason), exclusions, the analysed population."""

from __future__ import annotations

__all__ = ["flow_section"]


def flow_section(ctx) -> dict:
    res = ctx.res
    blocks = list(res.study_flow) if ctx.analysis.main else []
    blocks += list(ctx.analysis.flow)
    if ctx.analysis.main:
        audit = res.study_results["merge"].summary()
        audit = audit.rename(columns={c: c.capitalize() for c in audit.columns if c != "n"})
        blocks.append(ctx.report_table("patient_flow_audit", audit, "Data audit: identifiers kept and dropped, "
                                                                   "by reason"))
    return {"title": "Patient flow", "blocks": blocks}
