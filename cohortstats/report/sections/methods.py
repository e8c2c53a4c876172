"""The generated statistical-methods paragraphs: each names the test or estimator behind a number, and refers to
the table or figure that shows it."""

from __future__ import annotations

from ...provenance import package_versions
from ..format import test_name
from ._context import join_words
from .study_methods import (analysis_methods, description_methods, model_methods, model_nomogram_methods, sidedness,
                            validation_sentence)
from .missing import missing_methods

__all__ = ["methods_section"]


def _table1(ctx, t1) -> str:
    shown = {"mean_sd": "mean (SD)", "median_iqr": "median (Q1, Q3)", "n_percent": "n (%)"}
    stats = [v for k, v in shown.items() if k in set(t1.tests["display"])]
    tests = [test_name(t) for t in t1.tests_used if not t.startswith("Fisher")]
    fisher = ("; Fisher's exact test replaced the χ² test when an expected count was below 5"
              if t1.options.get("fisher", "auto") == "auto" and any("chi" in t for t in t1.tests_used) else "")
    return (f"Baseline characteristics are summarised as {join_words(stats)} ({ctx.ref('table', 'table1_by_outcome')}) "
            f"and compared between patients with and without {ctx.outcome} with {join_words(tests)}{fisher}.")


def _regression(ctx, tab, results) -> list[str]:
    fit = next(iter(tab.univariable.fits.values()))
    rule = (f"Candidate predictors with {tab.rule} entered the multivariable model" if tab.rule != "given by the user"
            else "The investigators chose the predictors of the multivariable model")
    out = [f"Associations with {ctx.outcome} were estimated by logistic regression ({fit.method}). {rule}. Odds "
           f"ratios are given with {round(100 * fit.conf_level)}% confidence intervals by {fit.ci_method} and P "
           f"values from the {fit.p_method} ({ctx.ref('table', 'regression_or')}); each model used the patients with "
           "complete data for its predictors."]
    if "validation" in results:
        out.append(validation_sentence(results["validation"]).rstrip(".")
                   + f" ({ctx.ref('table', 'validation_multivariable')}).")
    return out


def _models(ctx, models, results) -> list[str]:
    spec = ctx.spec
    sp = models.split
    test_pct = round(100 * sp.get("test_size", 0.2))
    how = "stratified by outcome" if sp.get("stratified", True) else "without stratification"
    cmp = spec.comparisons
    reclass = ""
    if "reclassification" in results:
        cats = (f" and with risk categories at {join_words(f'{c:g}' for c in cmp.nri_cutoffs)}"
                if cmp.nri_cutoffs else "")
        reclass = (f"; reclassification with the net reclassification improvement (category-free{cats}) and the "
                   "integrated discrimination improvement")
    dc = results.get("decision_curve")
    dc_range = ""
    if dc is not None:
        thr = dc.table["threshold"]
        dc_range = f" over threshold probabilities from {thr.min():.2f} to {thr.max():.2f}"
    steps = getattr(models, "steps", {}) or {}
    out = [f"Patients were randomly split into a training set ({100 - test_pct}%) and a test set ({test_pct}%), "
           f"{how} (random seed {sp.get('random_state')}). " + _fitted_on_training(steps)
           + "Discrimination was measured by the area under the ROC curve (AUC) with DeLong 95% confidence intervals "
           f"and compared with DeLong's test for correlated ROC curves ({sidedness(cmp.alternative)}){reclass}. "
           "Sensitivity, specificity and predictive values (Wilson 95% confidence intervals) use the cut-off that "
           "maximised the Youden index on the training set. Clinical utility was assessed with decision curves"
           f"{dc_range} (net benefit and net interventions avoided).",
           "The models and their steps. " + " ".join(
               _model_sentence(k, _lower_first(v.split("; inputs: ")[0]), steps.get(k), _check_of(models, k)) + "."
               for k, v in models.estimators.items())]
    left_out = [m.name for m in spec.models if m.name not in models.estimators]
    if left_out:
        out.append(f"Not fitted: {join_words(left_out)} (no feature was left for its LASSO in the training set; "
                   "see \u201cNot run\u201d).")
    return out


def _fitted_on_training(steps: dict) -> str:
    """The data-driven steps some model used, all fitted on the training set only (none named that no model used)."""
    used = []
    if any(st.get("impute") for st in steps.values()):
        used.append("median imputation")
    if any(st.get("screen") for st in steps.values()):
        used.append("feature screening")
    if any(st.get("signatures") for st in steps.values()):
        used.append("the LASSO rad-scores")
    if any(st.get("estimator") == "lasso_logistic" for st in steps.values()):
        used.append("the LASSO classifiers")
    if not used:
        return "Every model was fitted on the training set only. "
    listed = used[0] if len(used) == 1 else ", ".join(used[:-1]) + " and " + used[-1]
    return f"Every data-driven step ({listed}) was fitted on the training set only. "


def _model_sentence(name: str, estimator: str, st: dict | None, check: dict | None) -> str:
    """One model's actual steps, e.g. 'Rim: unpenalised logistic regression on 18 features (no screening, no
    LASSO)'."""
    if not st:
        return f"{name}: {estimator}"
    inputs = []
    if st["plain"]:
        inputs.append(f"{len(st['plain'])} feature{'s' if len(st['plain']) != 1 else ''}")
    for set_name, k in st["signatures"].items():
        inputs.append(f"a LASSO rad-score of {set_name.replace('+', ' + ')} ({k} candidate features; 10-fold CV, "
                      f"lambda.{st['lasso_rule']}, as glmnet)")
    for set_name, k in st.get("selected", {}).items():
        inputs.append(f"the features of {set_name.replace('+', ' + ')} selected by one LASSO ({k} candidate features; "
                      f"10-fold CV, lambda.{st['lasso_rule']}, as glmnet), standardised on the training set")
    details = [f"screened by {', '.join(st['screen'])}" if st["screen"] else "no screening"]
    if not st["signatures"] and not st.get("selected") and st["estimator"] != "lasso_logistic":
        details.append("no LASSO")
    details.append("median imputation of missing values" if st["impute"] else "no imputation")
    text = f"{name}: {estimator} on {' and '.join(inputs)} ({'; '.join(details)})"
    if check and check.get("epv") == check.get("epv"):  # not NaN: an unpenalised logistic model
        text += (f", {check['epv']:.1f} events per fitted coefficient (a rad-score counted once; the features its "
                 "LASSO chose among are counted under Sample size)" if st["signatures"] else
                 f", {check['epv']:.1f} events per candidate parameter")
        if check.get("separation") not in ("", "none", None):
            text += f" and {check['separation']} separation in the training set (see Warnings)"
    return text


def _check_of(models, name: str) -> dict | None:
    checks = getattr(models, "checks", None)
    if checks is None or not len(checks) or name not in set(checks["model"]):
        return None
    return checks.set_index("model").loc[name].to_dict()


def _lower_first(text: str) -> str:
    """``"Logistic regression"`` reads ``"logistic regression"``; ``"RBF-kernel SVM"`` stays as it is."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _software() -> str:
    v = package_versions()
    others = [f"{k} {val}" for k, val in v.items() if k not in ("cohortstats", "python")]
    return (f"Analyses used cohortstats {v.get('cohortstats', '?')} (Python {v['python']}; {join_words(others)}).")


def methods_section(ctx) -> dict:
    results = ctx.results
    out = analysis_methods(ctx)  # derived variables or the population, reader agreement, reproducibility
    if results.get("table1") is not None:
        out.append(_table1(ctx, results["table1"]))
    out += description_methods(ctx)  # trend tests, the scores' ROC
    if results.get("regression") is not None:
        out += _regression(ctx, results["regression"], results)
    models = results.get("models")
    if models is None and results.get("models_pooled") is not None:  # multiple imputation: one fit's steps
        models = results["models_pooled"].fits[0]
    out += model_methods(ctx)  # habitat numbering
    if models is not None:
        out += _models(ctx, models, results)
    out += model_nomogram_methods(ctx)
    out += missing_methods(ctx)  # complete cases, or the imputation and its pooling (sections/missing.py)
    out.append(_software())
    ctx.res.methods = out
    return {"title": "Statistical methods", "blocks": out}
