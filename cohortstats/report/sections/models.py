"""Models on the training and test sets: discrimination, diagnostic accuracy, DeLong tests, NRI/IDI, rad-scores,
decision curves and calibration."""

from __future__ import annotations

import pandas as pd

from ...formatting import format_number
from ..adders import diagnostic_spanners
from ..format import (
    calibration_comparison_frame,
    decision_curve_frame,
    delong_table_frame,
    diagnostic_frame,
    diagnostic_notes,
    model_performance_frame,
    reclassification_frame,
    set_name,
)
from ..study_figures import slug
from ._context import join_words
from .study_methods import sidedness

__all__ = ["models_section"]

_RECLASSIFICATION_NOTE = (
    "\u201cA over B\u201d: A is the new model. NRI = net reclassification improvement (category-free: the net "
    "proportion of events given a higher predicted risk by A than by B plus the net proportion of non-events given a "
    "lower one, the two components); IDI = integrated discrimination improvement (gain in discrimination slope). "
    "SEs, Z and 95% CIs as R's Hmisc::improveProb (categorical NRI as PredictABEL).")


def _comparison_tables(ctx) -> list:
    tables, spec = [], ctx.spec
    adj = spec.comparisons.adjust
    for set_key, cmp in ctx.results.get("comparisons", {}).items():
        f = delong_table_frame(cmp, p_style=ctx.p_style)
        glob = ctx.p_text(cmp.global_p_value)
        caption = f"Pairwise comparison of AUCs, {set_name(set_key).lower()}"
        tables.append(ctx.report_table(f"delong_{set_key}", f, caption, (
            "ΔAUC = AUC of the first model minus that of the second, with its CI.",
            "DeLong's test for correlated ROC curves, " + sidedness(spec.comparisons.alternative)
            + (f"; P adjusted by {adj}'s method." if adj else "; P unadjusted for multiple comparisons."),
            *([f"Global test that the AUCs of all {len(cmp.aucs)} models are equal ({', '.join(cmp.aucs['model'])}): "
               f"χ² = {format_number(cmp.global_statistic, 2)}, df = {cmp.global_df}, {glob}."]
              if format_number(cmp.global_statistic, 2) else []),
            *ctx.warning_notes("comparisons"))))
    for set_key, rc in ctx.results.get("reclassification", {}).items():
        f = reclassification_frame(rc, p_style=ctx.p_style)
        tables.append(ctx.report_table(f"reclassification_{set_key}", f,
                                       f"Net reclassification and integrated discrimination improvement, "
                                       f"{set_name(set_key).lower()}", (_RECLASSIFICATION_NOTE,)))
    return tables


def _evaluation_tables(ctx) -> list:
    results = ctx.results
    dc = results["decision_curve"]
    dcf = decision_curve_frame(dc)
    cal = calibration_comparison_frame(results["calibration_test_all"], p_style=ctx.p_style)
    counts = sorted({len(c.groups) for c in results["calibration_test_all"].values()}) or [
        len(results["calibration_test"].groups)]
    groups = (f"{counts[0]} quantile group{'s' if counts[0] != 1 else ''}" if len(counts) == 1
              else f"{counts[0]} to {counts[-1]} quantile groups (fewer where predictions tie)")
    caption = "Net benefit on the test set at selected threshold probabilities"
    return [ctx.report_table("net_benefit_test", dcf, caption, (
                "Net benefit = TP/n − FP/n × pt/(1 − pt), where pt is the threshold probability; a predicted risk "
                "≥ pt counts as positive (as R's dcurves).",)),
            ctx.report_table("calibration_test", cal, "Calibration on the test set", (
                "Statistics as R's rms::val.prob: intercept and slope of the logistic recalibration; Eavg, E90 and "
                "Emax are the mean, 90th percentile and largest distance between the lowess calibration curve and "
                "the ideal line.",
                f"Hosmer-Lemeshow test: {results['calibration_test'].hosmer_lemeshow.rule}; figures show "
                f"{groups}.", *degenerate_calibration_notes(results["calibration_test_all"]),
                *ctx.warning_notes("evaluation"))),
            *_train_calibration(ctx)]


def _train_calibration(ctx) -> list:
    cal_all = ctx.results.get("calibration_train_all")
    if not cal_all:
        return []
    cal = calibration_comparison_frame(cal_all, p_style=ctx.p_style)
    return [ctx.report_table("calibration_train", cal, "Calibration on the training set (apparent)", (
        "As on the test set; on the data the models were fitted on, calibration is optimistic.",
        *degenerate_calibration_notes(cal_all)))]


def degenerate_calibration_notes(results: dict) -> list[str]:
    """A note naming the models with predicted probabilities at the clip of 0 or 1 (``P_CLIP``, where the study's
    calibration clips them: a separated fit gives such risks; a merely extreme predictor value rarely does): their
    recalibration intercept and slope, Spiegelhalter's z and the Hosmer-Lemeshow χ² divide by p(1 − p) and are not
    meaningful."""
    import numpy as np

    from ...evaluation.calibration import P_CLIP

    names = [name for name, c in results.items() if c.p is not None and len(c.p)
             and np.any((np.asarray(c.p) <= P_CLIP) | (np.asarray(c.p) >= 1 - P_CLIP))]
    if not names:
        return []
    return [f"{', '.join(names)}: predicted probabilities within 10⁻¹² of 0 or 1 (as a separated fit gives), so the "
            "calibration intercept and slope, Spiegelhalter's z and the Hosmer-Lemeshow test are not meaningful for "
            + ("this model." if len(names) == 1 else "these models.")]


def _figures(ctx, models) -> list:
    figs = []
    if ctx.has_figure("roc"):
        figs.append((ctx.figure("roc"), "ROC curves on the training and test sets, with each model's AUC (95% CI)."))
    for key, where in (("test", "test set"), ("train", "training set")):
        if ctx.has_figure(f"decision_curves_{key}"):
            figs.append((ctx.figure(f"decision_curves_{key}"), f"Decision curves on the {where}: net benefit "
                         "(top) and net interventions avoided per 100 patients (bottom) against the threshold "
                         "probability, with treat-all and treat-none."))
    for key, where in (("test", "test set"), ("train", "training set")):
        if ctx.has_figure(f"calibration_curves_{key}"):
            figs.append((ctx.figure(f"calibration_curves_{key}"),
                         f"Lowess calibration curves of every model on the {where}."))
    for m in models.performance["model"].unique():
        if ctx.has_figure(f"calibration_test_{slug(m)}"):
            figs.append((ctx.figure(f"calibration_test_{slug(m)}"), f"Calibration of {m} on the test set."))
    if ctx.has_figure("nomogram_model"):
        figs.append((ctx.figure("nomogram_model"), f"Nomogram of {ctx.results['model_nomogram_name']}."))
    return figs


def _imputation_table(ctx, models) -> list:
    """Per model, set and column: how many values were imputed, and with what (shown beside the model table)."""
    imp = getattr(models, "imputation", None)
    if imp is None or not len(imp):
        return []
    frame = pd.DataFrame({"Model": imp["model"], "Set": imp["set"].str.capitalize(), "Column": imp["column"],
                          "Imputed": [f"{k} of {n}" for k, n in zip(imp["n_imputed"], imp["n"])],
                          "Method": imp["method"], "Value": [format_number(v, ctx.digits) for v in imp["value"]]})
    ctx.table("model_imputation", frame)  # every column in the CSV/XLSX; columns imputed alike share a row here
    shown = []
    for (model, set_label, imputed, method), rows in frame.groupby(["Model", "Set", "Imputed", "Method"], sort=False):
        cols = rows["Column"].tolist()
        shown.append({"Model": model, "Set": set_label, "Columns": ", ".join(cols[:6]) + (
            f" and {len(cols) - 6} more" if len(cols) > 6 else ""), "Imputed (each)": imputed, "Method": method,
            "Value": rows["Value"].iloc[0] if len(cols) == 1 else "per column (see model_imputation.csv)"})
    return [ctx.report_table("model_imputation_summary", pd.DataFrame(shown), "Imputed values of the model inputs", (
        "Missing values of each input were replaced by its median in the training set (fitted on the training set "
        "only, applied unchanged to the test set).",))]


def _diagnostic(ctx) -> list:
    metrics = ctx.results.get("diagnostic")
    if not metrics:
        return []
    f = diagnostic_frame(metrics)
    return [ctx.report_table("diagnostic_accuracy", f, "Diagnostic accuracy of each model at its cut-off",
                             diagnostic_notes(metrics), diagnostic_spanners(metrics))]


def models_section(ctx) -> dict | None:
    models = ctx.results.get("models")
    if models is None:
        return None
    perf = model_performance_frame(models)
    imputation = _imputation_table(ctx, models)
    t = models.performance
    sizes = "; ".join(f"{set_name(s).lower()}: {int(g['n'].iloc[0])} patients ({int(g['n_events'].iloc[0])} events)"
                      for s, g in t.groupby("set", sort=False))
    tables = [ctx.report_table("models_train_test", perf, "Discrimination of the models", (
        f"AUC = area under the ROC curve, with 95% CIs by DeLong's method (as R's pROC::ci.auc); {sizes}.",
        "Cut-off: the Youden index on the training set.",
        *([] if imputation else ["No model input was missing: nothing was imputed."]), *ctx.warning_notes("models")))]
    tables += imputation + _diagnostic(ctx) + _comparison_tables(ctx) + _evaluation_tables(ctx)
    figs = _figures(ctx, models)
    keys = {b.key[len(ctx.prefix):] for b in tables}
    refs = [f"{ctx.ref('table', 'models_train_test')} gives the AUCs"]
    if "diagnostic_accuracy" in keys:
        refs.append(f"{ctx.ref('table', 'diagnostic_accuracy')} the accuracy at each cut-off")
    if "delong_test" in keys:
        refs.append(f"{ctx.ref('table', 'delong_test')} the DeLong tests on the test set")
    text = join_words(refs) + "."
    fig_refs = [f"{ctx.ref('figure', n[len(ctx.prefix):])}" for n, _ in figs[:2]]
    if fig_refs:
        text += f" ROC and decision curves are in {join_words(fig_refs)}."
    return {"title": "Models: training and test sets", "blocks": [text, *tables, *figs]}
