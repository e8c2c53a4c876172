"""The generated statistical-methods paragraphs: each names the test or estimator behind a number."""

from __future__ import annotations

from ...provenance import package_versions
from .missing import missing_methods

__all__ = ["methods_section"]


def _table1(t1) -> str:
    return ("Baseline characteristics are given as mean (SD), median [Q1, Q3] or n (%), and compared between "
            f"outcome groups with: {'; '.join(t1.tests_used)} (chi-square replaced by Fisher's exact test when an "
            "expected count was below 5); standardised mean differences are reported.")


def _regression(tab, results) -> list[str]:
    fit = next(iter(tab.univariable.fits.values()))
    out = [f"Associations with the outcome were estimated by {fit.method} logistic regression; predictors "
           f"with {tab.rule} entered the multivariable model. Odds ratios are given with "
           f"{round(100 * fit.conf_level)}% confidence intervals by {fit.ci_method} and P values from the "
           f"{fit.p_method}. Complete cases were analysed."]
    if "validation" in results:
        val = results["validation"]
        out.append(f"The multivariable model was internally validated with {val.B} bootstrap resamples "
                   "(Harrell's optimism correction, every modelling step repeated in each resample); calibration "
                   "was assessed with the calibration intercept and slope, lowess calibration curves and the "
                   "Hosmer-Lemeshow test.")
    return out


def _sided(alternative: str) -> str:
    if alternative == "two-sided":
        return "two-sided"
    rel = "larger" if alternative == "greater" else "smaller"
    return (f"one-sided, the alternative hypothesis being that the first model of each stated pair has the {rel} "
            "AUC; one-sided confidence intervals of the difference")


def _models(models, spec, results) -> list[str]:
    sp = models.split
    test_size = sp.get("test_size", 0.2)
    cmp = spec.comparisons
    reclass = ""
    if "reclassification" in results:
        cats = (f" and with risk categories at {', '.join(f'{c:g}' for c in cmp.nri_cutoffs)}"
                if cmp.nri_cutoffs else "")
        reclass = (f", with the net reclassification improvement (category-free{cats}) and the integrated "
                   "discrimination improvement")
    steps = getattr(models, "steps", {}) or {}
    out = [f"Patients were randomly split into training and test sets ({round((1 - test_size) * 100)}:"
           f"{round(test_size * 100)}, {'stratified by outcome' if sp.get('stratified', True) else 'not stratified'}"
           f", seed {sp.get('random_state')}). " + _fitted_on_training(steps)
           + "Discrimination was measured by the AUC with DeLong 95% CIs and compared with "
           f"DeLong's test for correlated ROC curves ({_sided(cmp.alternative)}){reclass}; sensitivity and specificity use "
           "the training set's Youden cut-off. Clinical utility was assessed with decision curves (net benefit). "
           "Models, each with its own steps: "
           + "; ".join(_model_sentence(k, v, steps.get(k), _check_of(models, k)) for k, v in models.estimators.items())
           + "."]
    left_out = [m.name for m in spec.models if m.name not in models.estimators]
    if left_out:
        out.append(f"Not fitted: {', '.join(left_out)} (no feature was left for its LASSO in the training "
                   "set; see 'Not run').")
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
        inputs.append(f"a LASSO rad-score of {set_name} ({k} candidate features; 10-fold CV, "
                      f"lambda.{st['lasso_rule']}, as glmnet)")
    details = [f"screened by {', '.join(st['screen'])}" if st["screen"] else "no screening"]
    if not st["signatures"] and st["estimator"] != "lasso_logistic":
        details.append("no LASSO")
    details.append("median imputation of missing values" if st["impute"] else "no imputation")
    text = f"{name}: {estimator} on {' and '.join(inputs)} ({'; '.join(details)})"
    if check and check.get("epv") == check.get("epv"):  # not NaN: an unpenalised logistic model
        text += f", {check['epv']:.1f} events per candidate parameter"
        if check.get("separation") not in ("", "none", None):
            text += f" and {check['separation']} separation in the training set (see Warnings)"
    return text


def _check_of(models, name: str) -> dict | None:
    checks = getattr(models, "checks", None)
    if checks is None or not len(checks) or name not in set(checks["model"]):
        return None
    return checks.set_index("model").loc[name].to_dict()


def _software() -> str:
    v = package_versions()
    return ("Analyses used cohortstats " + v.get("cohortstats", "?") + " (Python " + v["python"] + "; " +
            ", ".join(f"{k} {val}" for k, val in v.items() if k not in ("cohortstats", "python")) + ").")


def methods_section(ctx) -> dict:
    results = ctx.results
    out = []
    if results.get("table1") is not None:
        out.append(_table1(results["table1"]))
    if results.get("regression") is not None:
        out += _regression(results["regression"], results)
    models = results.get("models")
    if models is None and results.get("models_pooled") is not None:  # multiple imputation: one fit's steps
        models = results["models_pooled"].fits[0]
    if models is not None:
        out += _models(models, ctx.spec, results)
    out += missing_methods(ctx)  # complete cases, or the imputation and its pooling (sections/missing.py)
    out.append(_software())
    ctx.res.methods = out
    return {"title": "Statistical methods", "paragraphs": out}
