"""The figures of a study report, drawn from an analysis' result objects (the runner makes none)."""

from __future__ import annotations

from .. import plots
from ..evaluation.roc import roc

__all__ = ["analysis_figures"]


def analysis_figures(results: dict, spec, prefix: str = "") -> dict:
    """``{name: matplotlib Figure}`` for every result that has a figure. ``prefix`` keeps the names of a further
    analysis apart from the main one's."""
    figs = {}
    tab = results.get("regression")
    if tab is not None:
        figs["forest_plot"] = plots.plot_forest(tab).figure
        if "calibration_multivariable" in results:
            figs["calibration_multivariable"] = plots.plot_calibration(
                results["calibration_multivariable"], corrected=results.get("validation")).figure
        if "nomogram" in results:
            figs["nomogram"] = plots.plot_nomogram(results["nomogram"]).figure
    models = results.get("models")
    if models is not None:
        figs.update(_model_figures(results, models))
    if "regression_pooled" in results:  # multiple imputation: pooled ORs and net benefit
        figs["forest_plot"] = plots.plot_forest(results["regression_pooled"]).figure
    if "models_pooled" in results:
        figs["decision_curves_test"] = plots.plot_decision_curve(results["models_pooled"].decision_curve,
                                                                 title="Test set (pooled over the imputations)").figure
    if "km" in results:
        times = spec.survival.times if spec.survival is not None else None
        figs["kaplan_meier"] = plots.plot_km(results["km"], times=times or None).figure
    if "cox" in results:
        figs["forest_cox"] = plots.plot_forest(results["cox"]).figure
    return {f"{prefix}{name}": fig for name, fig in figs.items()}


def _model_figures(results, models) -> dict:
    figs = {}
    y_te, s_te = models.scores("test")
    perf = models.performance[models.performance.set == "test"]
    cis = {r.model: (r.conf_low, r.conf_high) for r in perf.itertuples()}
    figs["roc_test"] = plots.plot_roc({k: roc(y_te, v) for k, v in s_te.items()}, cis=cis, title="Test set").figure
    figs["decision_curves_test"] = plots.plot_decision_curve(results["decision_curve"], title="Test set").figure
    cal_all = results["calibration_test_all"]
    if len(cal_all) > 1:
        figs["calibration_curves_test"] = plots.plot_calibration_curves(cal_all, title="Test set").figure
    last = list(cal_all)[-1]
    figs["calibration_test"] = plots.plot_calibration(cal_all[last], title=f"{last}, test set").figure
    drawn = set()
    for (model, key), lasso in results.get("lassos", {}).items():
        if id(lasso) in drawn:  # a rad-score shared by several models is one fit: drawn once
            continue
        drawn.add(id(lasso))
        figs[f"lasso_path_{key}"] = plots.plot_lasso_path(lasso, title=f"LASSO paths: {key}").figure
        if lasso.cv_results_ is not None:
            figs[f"lasso_cv_{key}"] = plots.plot_lasso_cv(lasso, title=f"10-fold CV: {key}").figure
    return figs
