"""Models on the training and test sets: performance, DeLong tests, NRI/IDI, rad-scores, decision curves and
calibration."""

from __future__ import annotations

import pandas as pd

from ...formatting import format_number, format_p
from ..format import (
    calibration_comparison_frame,
    decision_curve_frame,
    delong_table_frame,
    model_performance_frame,
    reclassification_frame,
)
from ..html import ReportTable

__all__ = ["models_section"]

_RECLASSIFICATION_NOTE = (
    "\"A over B\": A is the new model. Category-free NRI: net proportion of events given a higher predicted risk by "
    "A than by B plus net proportion of non-events given a lower one (the two components); IDI: gain in "
    "discrimination slope (mean risk change in events minus that in non-events). SEs, Z and 95% CIs as R's "
    "Hmisc::improveProb (categorical NRI as PredictABEL).")


def _sidedness(alternative: str) -> str:
    if alternative == "two-sided":
        return "two-sided (H1: the AUCs differ), with two-sided CIs of the difference"
    rel = ">" if alternative == "greater" else "<"
    return (f"one-sided (H1 of each row: AUC(first model) {rel} AUC(second model)), with one-sided CIs of the "
            "difference at the same level")


def _comparison_tables(ctx) -> list:
    tables, spec = [], ctx.spec
    adj = spec.comparisons.adjust
    for set_name, cmp in ctx.results.get("comparisons", {}).items():
        f = delong_table_frame(cmp, p_style=ctx.p_style)
        ctx.table(f"delong_{set_name}", f)
        tables.append(ReportTable(f"Pairwise DeLong tests, {set_name} set", f, (
            "DeLong's test for correlated ROC curves, " + _sidedness(spec.comparisons.alternative)
            + (f"; P adjusted by {adj}." if adj else "; unadjusted P."),
            f"Global test of equal AUCs: chi-square = {format_number(cmp.global_statistic, 2)}, "
            f"df = {cmp.global_df}, P = {format_p(cmp.global_p_value, ctx.p_style)}.",
            *ctx.warning_notes("comparisons"))))
    for set_name, rc in ctx.results.get("reclassification", {}).items():
        f = reclassification_frame(rc, p_style=ctx.p_style)
        ctx.table(f"reclassification_{set_name}", f)
        tables.append(ReportTable(f"Net reclassification and integrated discrimination improvement, {set_name} set",
                                  f, (_RECLASSIFICATION_NOTE,)))
    return tables


def _signature_table(ctx, models) -> list:
    rows = [{"Model": m, "Block": b.replace("signature:", "rad-score of "), "Features kept": len(f),
             "Features": ", ".join(f)} for (m, b), f in models.selected.items()]
    if not rows:
        return []
    sel = pd.DataFrame(rows)
    ctx.table("signature_features", sel)
    return [ReportTable("Features in each LASSO rad-score (fitted on the training set)", sel)]


def _evaluation_tables(ctx) -> list:
    results = ctx.results
    dcf = decision_curve_frame(results["decision_curve"])
    ctx.table("net_benefit_test", dcf)
    cal = calibration_comparison_frame(results["calibration_test_all"], p_style=ctx.p_style)
    ctx.table("calibration_test", cal)
    return [ReportTable("Net benefit on the test set", dcf, (
                "Net benefit = TP/n - FP/n x pt/(1 - pt); risk >= threshold is positive (R dcurves).",)),
            ReportTable("Calibration on the test set", cal, (
                "Statistics as rms::val.prob (intercept and slope of logistic recalibration, lowess-based Eavg, E90 "
                "and Emax); " + results["calibration_test"].hosmer_lemeshow.rule + ".",
                *ctx.warning_notes("evaluation")))]


def _figures(ctx, models) -> list:
    last = models.performance["model"].iloc[-1]
    figs = [(ctx.figure("roc_test"), "ROC curves, test set"),
            (ctx.figure("decision_curves_test"), "Decision curves, test set"),
            (ctx.figure("calibration_test"), f"Calibration of {last}, test set")]
    if ctx.has_figure("calibration_curves_test"):
        figs.append((ctx.figure("calibration_curves_test"), "Calibration curves of every model, test set"))
    for name in ctx.res.figures:
        if name.startswith(ctx.figure("lasso_")):
            kind = "LASSO coefficient paths" if "_path_" in name else "LASSO cross-validation"
            figs.append((name, f"{kind}: {name.split('_', 2 + ctx.prefix.count('_'))[-1]}"))
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
    for (model, set_name, imputed, method), rows in frame.groupby(["Model", "Set", "Imputed", "Method"], sort=False):
        cols = rows["Column"].tolist()
        shown.append({"Model": model, "Set": set_name, "Columns": ", ".join(cols[:6]) + (
            f" and {len(cols) - 6} more" if len(cols) > 6 else ""), "Imputed (each)": imputed, "Method": method,
            "Value": rows["Value"].iloc[0] if len(cols) == 1 else "per column (see model_imputation.csv)"})
    return [ReportTable("Imputed values of the model inputs", pd.DataFrame(shown), (
        "Missing values of each input were replaced by its median in the training set (fitted on the training set "
        "only, applied unchanged to the test set).",))]


def models_section(ctx) -> dict | None:
    models = ctx.results.get("models")
    if models is None:
        return None
    perf = model_performance_frame(models)
    ctx.table("models_train_test", perf)
    imputation = _imputation_table(ctx, models)
    tables = [ReportTable("Model performance (cut-off: training Youden index, carried to the test set)", perf,
                          ("AUC 95% CIs by DeLong's method (pROC's ci.auc).",
                           *([] if imputation else ["No model input was missing: nothing was imputed."]),
                           *ctx.warning_notes("models")))]
    tables += imputation + _comparison_tables(ctx) + _signature_table(ctx, models) + _evaluation_tables(ctx)
    formulas = list(dict.fromkeys(f"{key}: {lasso.formula(4)}"
                                  for (_, key), lasso in ctx.results.get("lassos", {}).items()))
    return {"title": "Models: training and test sets", "tables": tables,
            "paragraphs": ["Rad-score formulas (training set): " + " | ".join(formulas)] if formulas else [],
            "figures": _figures(ctx, models)}
