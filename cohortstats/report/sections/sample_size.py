"""Sample size: Riley et al.'s minimum sample size for every model and the multivariable regression, against the
patients and events the data hold."""

from __future__ import annotations

import pandas as pd

from ...formatting import format_number
from ..html import ReportTable

__all__ = ["sample_size_section", "sample_size_sentences"]

CRITERIA = ("Riley et al.'s criteria for developing a prediction model of a binary outcome (BMJ 2020;368:m441; as R's "
            "pmsampsize): (i) expected uniform shrinkage at least {s:g}, (ii) optimism in Nagelkerke's R² at most "
            "{d:g}, (iii) the overall risk estimated within ±{mg:g}; the required events and events per candidate "
            "parameter (EPP) follow from the largest of the three.")


def sample_size_sentences(check) -> list[str]:
    """One sentence per analysis: required against actual patients and events."""
    out = []
    for r in check.table.itertuples():
        verdict = ("enough" if r.enough else f"short by {r.required_n - r.actual_n} patients; see Warnings")
        out.append(f"{r.analysis}: {r.parameters} candidate parameter(s); {r.actual_n} patients ({r.actual_events} "
                   f"events, EPP {format_number(r.actual_epp, 1)}) against at least {r.required_n} required "
                   f"({r.required_events} events, EPP {format_number(r.required_epp, 1)}; set by {r.criterion}): "
                   f"{verdict}.")
    return out


def sample_size_section(ctx) -> dict | None:
    check = ctx.results.get("sample_size")
    if check is None or not len(check.table):
        return None
    ss = ctx.spec.sample_size
    t = check.table
    frame = pd.DataFrame({
        "Analysis": t["analysis"], "Candidate parameters": t["parameters"],
        "Prevalence": [format_number(v, 3) for v in t["prevalence"]],
        "Anticipated R²cs": [format_number(v, 3) for v in t["r2_cs"]],
        "Required n (events)": [f"{n} ({e})" for n, e in zip(t["required_n"], t["required_events"])],
        "Required EPP": [format_number(v, 1) for v in t["required_epp"]],
        "Set by": t["criterion"],
        "Actual n (events)": [f"{n} ({e})" for n, e in zip(t["actual_n"], t["actual_events"])],
        "Actual EPP": [format_number(v, 1) for v in t["actual_epp"]],
        "Enough": ["yes" if v else "no" for v in t["enough"]],
        "Parameters counted": t["counted"]})
    ctx.table("sample_size", frame)
    crit = pd.concat([res.tidy().assign(analysis=name) for name, res in check.results.items()], ignore_index=True)
    ctx.table("sample_size_criteria", crit[["analysis", *[c for c in crit.columns if c != "analysis"]]])
    paragraphs = [CRITERIA.format(s=ss.shrinkage, d=ss.delta_r2, mg=ss.margin),
                  f"R²cs: {check.anticipated}. Parameters: {check.rule}. Development data: {check.development}.",
                  *sample_size_sentences(check)]
    short = int((~t["enough"]).sum())
    notes = ("Required n: the largest of criteria (i)-(iii), each rounded up (all three in sample_size_criteria.csv); "
             "EPP: events per candidate parameter.",
             *([f"{short} analysis(es) short of the minimum: each recorded as a SampleSizeWarning (see Warnings)."]
               if short else []))
    return {"title": "Sample size", "paragraphs": paragraphs,
            "tables": [ReportTable("Required and actual sample size", frame, notes)]}
