"""The generated statistical-methods paragraphs: each names the test or estimator behind a number."""

from __future__ import annotations

from ...provenance import package_versions
from .study_methods import analysis_methods, sidedness, validation_sentence

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
        out.append(validation_sentence(results["validation"]))
    return out


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
    out = [f"Patients were randomly split into training and test sets ({round((1 - test_size) * 100)}:"
           f"{round(test_size * 100)}, stratified by outcome, seed {sp.get('random_state')}). "
           "Imputation, feature screening (near-zero variance, Mann-Whitney test, correlation redundancy) and "
           "LASSO logistic regression (10-fold cross-validation, lambda.1se, as glmnet) were fitted on the "
           "training set only. Discrimination was measured by the AUC with DeLong 95% CIs and compared with "
           f"DeLong's test for correlated ROC curves ({sidedness(cmp.alternative)}){reclass}; sensitivity and "
           "specificity use "
           "the training set's Youden cut-off. Clinical utility was assessed with decision curves (net benefit); ROC "
           "curves, decision curves and calibration are reported for the training and the test set. "
           "Models: " + "; ".join(f"{k}: {v}" for k, v in models.estimators.items()) + "."]
    left_out = [m.name for m in spec.models if m.name not in models.estimators]
    if left_out:
        out.append(f"Not fitted: {', '.join(left_out)} (no feature left for a rad-score in the training set; "
                   "see 'Not run').")
    return out


def _software() -> str:
    v = package_versions()
    return ("Analyses used cohortstats " + v.get("cohortstats", "?") + " (Python " + v["python"] + "; " +
            ", ".join(f"{k} {val}" for k, val in v.items() if k not in ("cohortstats", "python")) + ").")


def methods_section(ctx) -> dict:
    results = ctx.results
    out = analysis_methods(ctx)
    if results.get("table1") is not None:
        out.append(_table1(results["table1"]))
    if results.get("regression") is not None:
        out += _regression(results["regression"], results)
    if results.get("models") is not None:
        out += _models(results["models"], ctx.spec, results)
    out.append(_software())
    ctx.res.methods = out
    return {"title": "Statistical methods", "paragraphs": out}
