"""The figures of a study report, drawn from an analysis' result objects (the runner makes none), at the size they
are printed, with the study's labels."""

from __future__ import annotations

from .. import plots
from ..evaluation.roc import roc
from .labels import Labels

__all__ = ["analysis_figures"]


def analysis_figures(results: dict, spec, prefix: str = "") -> dict:
    """``{name: matplotlib Figure}`` for every result that has a figure. ``prefix`` keeps the names of a further
    analysis apart from the main one's."""
    labels = Labels.from_spec(spec)
    figs = {}
    tab = results.get("regression")
    if tab is not None:
        figs["forest_plot"] = plots.plot_forest(tab, labels=labels).figure
        if "calibration_multivariable" in results:
            figs["calibration_multivariable"] = plots.plot_calibration(
                results["calibration_multivariable"], corrected=results.get("validation")).figure
        if "nomogram" in results:
            figs["nomogram"] = plots.plot_nomogram(results["nomogram"], labels=labels).figure
    models = results.get("models")
    if models is not None:
        figs.update(_model_figures(results, models))
    if results.get("score_roc"):
        sr = results["score_roc"]
        figs["score_roc"] = plots.plot_roc({labels(k): v["roc"] for k, v in sr.items()},
                                           cis={labels(k): v["auc"] for k, v in sr.items()},
                                           title="All analysed patients (no split)").figure
    if "model_nomogram" in results:
        figs["nomogram_model"] = plots.plot_nomogram(results["model_nomogram"], labels=labels).figure
    if "regression_pooled" in results:  # multiple imputation: pooled ORs and net benefit
        figs["forest_plot"] = plots.plot_forest(results["regression_pooled"]).figure
    if "models_pooled" in results:
        figs["decision_curves_test"] = plots.plot_decision_curve(results["models_pooled"].decision_curve,
                                                                 title="Test set (pooled over the imputations)").figure
    if "km" in results:
        times = spec.survival.times if spec.survival is not None else None
        figs["kaplan_meier"] = plots.plot_km(results["km"], times=times or None, labels=labels).figure
    if "cox" in results:
        figs["forest_cox"] = plots.plot_forest(results["cox"], labels=labels).figure
    import matplotlib.pyplot as plt

    for fig in figs.values():  # kept as objects until written; pyplot need not hold them (its 20-figure warning)
        plt.close(fig)
    return {f"{prefix}{name}": fig for name, fig in figs.items()}


def slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


def _roc_panels(models):
    import matplotlib.pyplot as plt

    n_models = len(set(models.performance["model"]))
    fig, axes = plt.subplots(1, 2, figsize=(plots.FULL_WIDTH, 3.5 + 0.16 * n_models), layout="constrained")
    for ax, set_name, title in zip(axes, ("train", "test"), ("Training set", "Test set")):
        y, scores = models.scores(set_name)
        perf = models.performance[models.performance["set"] == set_name]
        cis = {r.model: (r.conf_low, r.conf_high) for r in perf.itertuples()}
        plots.plot_roc({k: roc(y, v) for k, v in scores.items()}, cis=cis, title=title, ax=ax, legend="below")
    return fig


def _decision_panels(dc):
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(plots.FULL_WIDTH * 0.85, 5.6), sharex=True)
    plots.plot_decision_curve(dc, ax=top)
    top.set_xlabel("")
    plots.plot_interventions_avoided(dc, ax=bottom, legend=False)
    fig.subplots_adjust(left=0.16, right=0.97, top=0.97, bottom=0.09, hspace=0.1)
    return fig


def _model_figures(results, models) -> dict:
    """ROC curves (training and test panels), decision curves with interventions avoided (test, and training when
    computed), calibration curves of every model per set and each model's own calibration plot on the test set,
    and each LASSO (cross-validation curve and coefficient paths; a LASSO shared by several models drawn once)."""
    figs = {"roc": _roc_panels(models), "decision_curves_test": _decision_panels(results["decision_curve"])}
    if results.get("decision_curve_train") is not None:
        figs["decision_curves_train"] = _decision_panels(results["decision_curve_train"])
    for set_name in ("test", "train"):
        cal_all = results.get(f"calibration_{set_name}_all", {})
        if len(cal_all) > 1:
            figs[f"calibration_curves_{set_name}"] = plots.plot_calibration_curves(cal_all).figure
    for name, cal in results.get("calibration_test_all", {}).items():
        figs[f"calibration_test_{slug(name)}"] = plots.plot_calibration(cal).figure
    drawn = set()
    for (model, key), lasso in results.get("lassos", {}).items():
        if id(lasso) in drawn:
            continue
        drawn.add(id(lasso))
        axes = plots.plot_lasso(lasso)
        figs[f"lasso_{slug(model)}_{slug(key)}"] = axes[0].figure
    return figs
