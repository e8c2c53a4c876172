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
    if results.get("score_roc"):
        sr = results["score_roc"]
        figs["score_roc"] = plots.plot_roc({k: v["roc"] for k, v in sr.items()},
                                           cis={k: v["auc"] for k, v in sr.items()},
                                           title="All analysed patients (no split)").figure
    if "model_nomogram" in results:
        figs["nomogram_model"] = plots.plot_nomogram(results["model_nomogram"]).figure
    if "km" in results:
        times = spec.survival.times if spec.survival is not None else None
        figs["kaplan_meier"] = plots.plot_km(results["km"], times=times or None).figure
    if "cox" in results:
        figs["forest_cox"] = plots.plot_forest(results["cox"]).figure
    import matplotlib.pyplot as plt

    for fig in figs.values():  # kept as objects until written; pyplot need not hold them (its 20-figure warning)
        plt.close(fig)
    return {f"{prefix}{name}": fig for name, fig in figs.items()}


def slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


def _model_figures(results, models) -> dict:
    """ROC curves, decision curves and calibration on the test and the training set; each model's own
    calibration plot per set and LASSO path and CV curve per block."""
    figs = {}
    for set_name, title in (("test", "Test set"), ("train", "Training set")):
        y, scores = models.scores(set_name)
        perf = models.performance[models.performance.set == set_name]
        cis = {r.model: (r.conf_low, r.conf_high) for r in perf.itertuples()}
        figs[f"roc_{set_name}"] = plots.plot_roc({k: roc(y, v) for k, v in scores.items()}, cis=cis,
                                                 title=title).figure
        dc = results.get("decision_curve" if set_name == "test" else "decision_curve_train")
        if dc is not None:
            figs[f"decision_curves_{set_name}"] = plots.plot_decision_curve(dc, title=title).figure
        cal_all = results.get(f"calibration_{set_name}_all", {})
        if len(cal_all) > 1:
            figs[f"calibration_curves_{set_name}"] = plots.plot_calibration_curves(cal_all, title=title).figure
        for name, cal in cal_all.items():
            figs[f"calibration_{set_name}_{slug(name)}"] = plots.plot_calibration(
                cal, title=f"{name}, {title.lower()}").figure
    for (model, key), lasso in results.get("lassos", {}).items():
        tag = f"{slug(model)}_{slug(key)}"
        figs[f"lasso_path_{tag}"] = plots.plot_lasso_path(lasso, title=f"LASSO paths: {model} ({key})").figure
        if lasso.cv_results_ is not None:
            figs[f"lasso_cv_{tag}"] = plots.plot_lasso_cv(lasso, title=f"10-fold CV: {model} ({key})").figure
    return figs
