"""Risk factors: univariable and multivariable ORs, calibration, bootstrap validation and the nomogram."""

from __future__ import annotations

from ..format import calibration_frame, regression_footnotes, regression_table_frame, validation_frame
from ._context import join_words

__all__ = ["regression_section"]


def regression_section(ctx) -> dict | None:
    results = ctx.results
    tab = results.get("regression")
    if tab is None:
        return None
    f = regression_table_frame(tab, labels=ctx.labels, digits=ctx.digits, p_style=ctx.p_style)
    notes = list(regression_footnotes(tab, labels=ctx.labels)) + ctx.warning_notes("regression")
    spanners = ("Univariable", "Multivariable") if tab.multivariable is not None else ("Univariable",)
    blocks = [ctx.report_table("regression_or", f, f"Univariable and multivariable logistic regression for "
                                                   f"{ctx.outcome}", notes, spanners)]
    text = [f"{ctx.ref('table', 'regression_or')} gives the univariable and multivariable odds ratios"]
    if ctx.has_figure("forest_plot"):
        blocks.append((ctx.figure("forest_plot"), "Odds ratios with 95% confidence intervals, univariable and "
                                                  "multivariable (log scale)."))
        text[0] += f", shown in {ctx.ref('figure', 'forest_plot')}"
    if "calibration_multivariable" in results:
        cal_result = results["calibration_multivariable"]
        cal = calibration_frame(cal_result, p_style=ctx.p_style)
        blocks.append(ctx.report_table("calibration_multivariable", cal,
                                       "Calibration of the multivariable model (apparent)",
                                       ("Statistics as R's rms::val.prob; " + cal_result.hosmer_lemeshow.rule + ".",)))
        if ctx.has_figure("calibration_multivariable"):
            blocks.append((ctx.figure("calibration_multivariable"), "Calibration of the multivariable model: lowess "
                           "curve, grouped observed proportions with 95% CIs and, where validated, the bootstrap "
                           "bias-corrected curve."))
        fig = (f" and {ctx.ref('figure', 'calibration_multivariable')}" if ctx.has_figure("calibration_multivariable")
               else "")
        text.append(f"The multivariable model's apparent calibration is in "
                    f"{ctx.ref('table', 'calibration_multivariable')}{fig}")
    if "validation" in results:
        val_result = results["validation"]
        val = validation_frame(val_result)
        n_val, multi = results.get("validation_n"), tab.multivariable
        differs = ([f"Resampled from the {n_val} patients with every candidate observed (the multivariable model "
                    f"itself was fitted on {multi.n}): the apparent indices differ from those of the fitted model."]
                   if n_val and multi is not None and n_val != multi.n else [])
        blocks.append(ctx.report_table("validation_multivariable", val,
                                       f"Bootstrap internal validation of the multivariable model (B = {val_result.B})",
                                       (val_result.method + "; as R's rms::validate.", *differs,
                                        *ctx.warning_notes("validation"))))
        text.append(f"its optimism-corrected performance in {ctx.ref('table', 'validation_multivariable')}")
        if len(val_result.selection):
            blocks.append(_selection_table(ctx, val_result))
    if "nomogram" in results:
        pts = results["nomogram"].points
        ctx.table("nomogram_points", pts.assign(label=[ctx.labels(v) for v in pts["variable"]]))
        if ctx.has_figure("nomogram"):
            blocks.append((ctx.figure("nomogram"), "Nomogram of the multivariable model."))
            text.append(f"its nomogram in {ctx.ref('figure', 'nomogram')}")
    para = text[0] + "." + (" " + join_words(text[1:]) + "." if len(text) > 1 else "")
    para = para.replace(". its", ". Its")
    return {"title": "Risk factors", "blocks": [para, *blocks]}


def _selection_table(ctx, val):
    """How often each candidate entered the model over the bootstrap resamples (Harrell's rule)."""
    import pandas as pd

    from ...formatting import format_number

    sel = val.selection
    n = int(val.table["n"].iloc[0])
    f = pd.DataFrame({"Candidate": [ctx.labels(v) for v in sel["variable"]], "Selected (of resamples)": [f"{k} / {n}" for k in sel["n_selected"]],
                      "Frequency (%)": [format_number(100 * v, 1) for v in sel["frequency"]]})
    return ctx.report_table("bootstrap_selection", f, "How often each candidate was selected in the bootstrap "
                            "resamples", ("The univariable screen and the multivariable fit were repeated in each "
                                          "resample (the selection validated with the model, as Harrell recommends); "
                                          "a candidate selected in few resamples is not a stable predictor.",))
