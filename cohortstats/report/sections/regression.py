"""Risk factors: univariable and multivariable ORs, calibration, bootstrap validation and the nomogram."""

from __future__ import annotations

from ..format import calibration_frame, regression_footnotes, regression_table_frame, validation_frame
from ..html import ReportTable

__all__ = ["regression_section"]


def regression_section(ctx) -> dict | None:
    results = ctx.results
    tab = results.get("regression")
    if tab is None:
        return None
    f = regression_table_frame(tab, digits=ctx.digits, p_style=ctx.p_style)
    ctx.table("regression_or", f)
    notes = list(regression_footnotes(tab)) + ctx.warning_notes("regression")
    tables = [ReportTable("Univariable and multivariable logistic regression", f, tuple(notes))]
    figs = [(ctx.figure("forest_plot"), "Odds ratios with 95% CIs")]
    if "calibration_multivariable" in results:
        cal_result = results["calibration_multivariable"]
        cal = calibration_frame(cal_result, p_style=ctx.p_style)
        ctx.table("calibration_multivariable", cal)
        tables.append(ReportTable("Calibration of the multivariable model (apparent)", cal,
                                  ("Statistics as rms::val.prob; " + cal_result.hosmer_lemeshow.rule + ".",)))
        figs.append((ctx.figure("calibration_multivariable"), "Calibration of the multivariable model"))
    if "validation" in results:
        val_result = results["validation"]
        val = validation_frame(val_result)
        ctx.table("validation_multivariable", val)
        notes = (val_result.method + "; as rms::validate.", *ctx.warning_notes("validation"))
        tables.append(ReportTable(f"Bootstrap internal validation (B = {val_result.B})", val, notes))
    if "nomogram" in results:
        ctx.table("nomogram_points", results["nomogram"].points)
        figs.append((ctx.figure("nomogram"), "Nomogram of the multivariable model"))
    return {"title": "Risk factors", "tables": tables, "figures": figs}
