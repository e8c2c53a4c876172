"""Models on the training and test sets: performance, DeLong tests, NRI/IDI, rad-scores, decision curves and
calibration."""

from __future__ import annotations


from ...formatting import format_number, format_p
from ..format import (
    calibration_comparison_frame,
    decision_curve_frame,
    delong_table_frame,
    model_performance_frame,
    reclassification_frame,
)
from ..html import ReportTable
from .study_methods import sidedness

__all__ = ["models_section"]

_RECLASSIFICATION_NOTE = (
    "\"A over B\": A is the new model. Category-free NRI: net proportion of events given a higher predicted risk by "
    "A than by B plus net proportion of non-events given a lower one (the two components); IDI: gain in "
    "discrimination slope (mean risk change in events minus that in non-events). SEs, Z and 95% CIs as R's "
    "Hmisc::improveProb (categorical NRI as PredictABEL).")


def _comparison_tables(ctx) -> list:
    tables, spec = [], ctx.spec
    adj = spec.comparisons.adjust
    for set_name, cmp in ctx.results.get("comparisons", {}).items():
        f = delong_table_frame(cmp, p_style=ctx.p_style)
        ctx.table(f"delong_{set_name}", f)
        tables.append(ReportTable(f"Pairwise DeLong tests, {set_name} set", f, (
            f"DeLong's test for correlated ROC curves, {sidedness(spec.comparisons.alternative)}"
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
                *ctx.warning_notes("evaluation"))),
            *_train_calibration(ctx)]


def _train_calibration(ctx) -> list:
    cal_all = ctx.results.get("calibration_train_all")
    if not cal_all:
        return []
    cal = calibration_comparison_frame(cal_all, p_style=ctx.p_style)
    ctx.table("calibration_train", cal)
    return [ReportTable("Calibration on the training set (apparent)", cal, (
        "As on the test set; on the data a model was fitted on, calibration is optimistic.",))]


def _figures(ctx, models) -> list:
    from ..study_figures import slug

    figs = []
    for set_name in ("test", "train"):
        where = "test set" if set_name == "test" else "training set"
        figs += [(ctx.figure(f"roc_{set_name}"), f"ROC curves, {where}"),
                 (ctx.figure(f"decision_curves_{set_name}"), f"Decision curves, {where}")]
        if ctx.has_figure(f"calibration_curves_{set_name}"):
            figs.append((ctx.figure(f"calibration_curves_{set_name}"), f"Calibration curves of every model, {where}"))
        figs += [(ctx.figure(f"calibration_{set_name}_{slug(m)}"), f"Calibration of {m}, {where}")
                 for m in models.performance["model"].unique()]
    if ctx.has_figure("nomogram_model"):
        figs.append((ctx.figure("nomogram_model"), f"Nomogram of {ctx.results['model_nomogram_name']}"))
    return [f for f in figs if ctx.has_figure(f[0][len(ctx.prefix):])]


def models_section(ctx) -> dict | None:
    models = ctx.results.get("models")
    if models is None:
        return None
    perf = model_performance_frame(models)
    ctx.table("models_train_test", perf)
    tables = [ReportTable("Model performance (cut-off: training Youden index, carried to the test set)", perf,
                          ("AUC 95% CIs by DeLong's method (pROC's ci.auc).", *ctx.warning_notes("models")))]
    tables += _comparison_tables(ctx) + _evaluation_tables(ctx)
    return {"title": "Models: training and test sets", "tables": tables, "figures": _figures(ctx, models)}
