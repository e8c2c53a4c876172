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
        notes = (val_result.method + "; indexes as rms::validate.", *ctx.warning_notes("validation"))
        tables.append(ReportTable(f"Bootstrap internal validation (B = {val_result.B})", val, notes))
        if len(val_result.selection):
            tables.append(_selection_table(ctx, val_result))
    if "nomogram" in results:
        ctx.table("nomogram_points", results["nomogram"].points)
        figs.append((ctx.figure("nomogram"), "Nomogram of the multivariable model"))
    return {"title": "Risk factors", "tables": tables, "figures": figs}


def _selection_table(ctx, val) -> ReportTable:
    """How often each candidate entered the model over the bootstrap resamples (Harrell's rule)."""
    import pandas as pd

    from ...formatting import format_number

    sel = val.selection
    n = int(val.table["n"].iloc[0])
    f = pd.DataFrame({"Candidate": sel["variable"], "Selected (of resamples)": [f"{k} / {n}" for k in sel["n_selected"]],
                      "Frequency (%)": [format_number(100 * v, 1) for v in sel["frequency"]]})
    ctx.table("bootstrap_selection", f)
    return ReportTable("How often each candidate was selected in the bootstrap resamples", f,
                       ("The univariable screen and the multivariable fit were repeated in each resample (Harrell's "
                        "rule); a candidate selected in few resamples is not a stable predictor.",))
