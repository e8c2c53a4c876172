"""Turning a StudyResult's result objects into report sections, tables and the methods text."""

from __future__ import annotations

import pandas as pd

from .format import (
    calibration_comparison_frame,
    calibration_frame,
    decision_curve_frame,
    delong_table_frame,
    format_estimate_ci,
    format_number,
    format_p,
    hazard_ratio_frame,
    km_frame,
    model_performance_frame,
    reclassification_frame,
    regression_footnotes,
    regression_table_frame,
    table_one_frame,
    validation_frame,
)
from .html import ReportTable
from .tables import table_one_footnotes

__all__ = ["study_sections"]


_RECLASSIFICATION_NOTE = (
    "\"A over B\": A is the new model. Category-free NRI: net proportion of events given a higher predicted risk by "
    "A than by B plus net proportion of non-events given a lower one (the two components); IDI: gain in "
    "discrimination slope (mean risk change in events minus that in non-events). SEs, Z and 95% CIs as R's "
    "Hmisc::improveProb (categorical NRI as PredictABEL).")


def _methods(res) -> list[str]:
    from ..provenance import package_versions

    spec = res.study.spec
    v = package_versions()
    out = []
    t1 = res.results.get("table1")
    if t1 is not None:
        out.append("Baseline characteristics are given as mean (SD), median [Q1, Q3] or n (%), and compared between "
                   f"outcome groups with: {'; '.join(t1.tests_used)} (chi-square replaced by Fisher's exact test when an "
                   "expected count was below 5); standardised mean differences are reported.")
    tab = res.results.get("regression")
    if tab is not None:
        fit = next(iter(tab.univariable.fits.values()))
        out.append(f"Associations with the outcome were estimated by {fit.method} logistic regression; predictors "
                   f"with {tab.rule} entered the multivariable model. Odds ratios are given with "
                   f"{round(100 * fit.conf_level)}% confidence intervals by {fit.ci_method} and P values from the "
                   f"{fit.p_method}. Complete cases were analysed.")
        if "validation" in res.results:
            val = res.results["validation"]
            out.append(f"The multivariable model was internally validated with {val.B} bootstrap resamples "
                       "(Harrell's optimism correction, every modelling step repeated in each resample); calibration "
                       "was assessed with the calibration intercept and slope, lowess calibration curves and the "
                       "Hosmer-Lemeshow test.")
    models = res.results.get("models")
    if models is not None:
        sp = models.split
        out.append(f"Patients were randomly split into training and test sets ({round((1 - sp.get('test_size', 0.2)) * 10)}:"
                   f"{round(sp.get('test_size', 0.2) * 10)}, stratified by outcome, seed {sp.get('random_state')}). "
                   "Imputation, feature screening (near-zero variance, Mann-Whitney test, correlation redundancy) and "
                   "LASSO logistic regression (10-fold cross-validation, lambda.1se, as glmnet) were fitted on the "
                   "training set only. Discrimination was measured by the AUC with DeLong 95% CIs and compared with "
                   f"DeLong's test for correlated ROC curves ({spec.comparisons.alternative})"
                   + (", with the net reclassification improvement (category-free"
                      + (f" and with risk categories at {', '.join(f'{c:g}' for c in spec.comparisons.nri_cutoffs)}"
                         if spec.comparisons.nri_cutoffs else "")
                      + ") and the integrated discrimination improvement" if "reclassification" in res.results else "")
                   + "; sensitivity and specificity use the training "
                   "set's Youden cut-off. Clinical utility was assessed with decision curves (net benefit). Models: "
                   + "; ".join(f"{k}: {v}" for k, v in models.estimators.items()) + ".")
        left_out = [m.name for m in spec.models if m.name not in models.estimators]
        if left_out:
            out.append(f"Not fitted: {', '.join(left_out)} (no feature left for a rad-score in the training set; "
                       "see 'Not run').")
    out.append("Analyses used cohortstats " + v.get("cohortstats", "?") + " (Python " + v["python"] + "; " +
               ", ".join(f"{k} {val}" for k, val in v.items() if k not in ("cohortstats", "python")) + ").")
    return out


def _key_results(res, digits, p_style) -> list[str]:
    out = []

    def p_text(p):
        txt = format_p(p, p_style)
        return f"P < {txt[1:]}" if txt.startswith("<") else f"P = {txt}"

    tab = res.results.get("regression")
    if tab is not None and tab.multivariable is not None:
        t = tab.multivariable.tidy()
        t = t[(t["term"] != "(Intercept)") & ~t["reference"]]

        parts = [f"{r.term}: OR {format_estimate_ci(r.estimate, r.conf_low, r.conf_high, digits)}, {p_text(r.p_value)}"
                 for r in t.itertuples()]
        out.append("In the multivariable model, " + "; ".join(parts) + ".")
    models = res.results.get("models")
    if models is not None:
        perf = models.performance[models.performance["set"] == "test"]
        out.append("Test-set AUCs: " + "; ".join(f"{r.model} {format_estimate_ci(r.auc, r.conf_low, r.conf_high, 3)}"
                                                 for r in perf.itertuples()) + ".")
        cmp = res.results.get("comparisons", {}).get("test")
        if cmp is not None and len(cmp.pairs):
            alt = res.study.spec.comparisons.alternative
            out.append(f"DeLong tests on the test set ({alt}): " + "; ".join(
                f"{r.model_a} vs {r.model_b} Z = {format_number(r.statistic, 3)}, {p_text(r.p_value)}"
                for r in cmp.pairs.itertuples()) + ".")
    return out


def _warning_notes(analysis, stage) -> list[str]:
    return [f"Warning ({w.category}): {w.message}" + (f" [{w.count} times]" if w.count > 1 else "")
            for w in analysis.warnings_of(stage)]


def _warnings_section(res) -> dict | None:
    if not res.warnings:
        return None
    rows = pd.DataFrame([{"Analysis": w.analysis or "Study", "Stage": w.stage, "Warning": w.category,
                          "Message": w.message, "Times": w.count} for w in res.warnings])
    res.tables["warnings"] = rows
    return {"title": "Warnings", "paragraphs": [
        "Every warning raised while the study ran, by stage. Each is also shown beside the result it concerns."],
        "tables": [ReportTable("Warnings raised during the analysis", rows)]}


def study_sections(res) -> list[dict]:
    """Sections (dicts with title, paragraphs, tables, figures); fills the result's tables and figures."""
    from .study_figures import analysis_figures

    spec = res.study.spec
    res.figures.update(analysis_figures(res.main.results, spec))
    d, ps = spec.report.digits, spec.report.p_style
    sections = []
    merged = res.results["merge"]
    audit = merged.summary()
    res.tables["patient_flow_audit"] = audit
    flow_tables = [ReportTable("Data audit: ids kept and dropped by reason", audit)]
    if "reproducibility_summary" in res.results:
        rs = res.results["reproducibility_summary"]
        res.tables["reproducibility"] = rs
        r = res.study.spec.reproducibility
        flow_tables.append(ReportTable("Feature reproducibility between readings", rs,
                                       (f"Intraclass correlation {r.form} (Shrout & Fleiss, as psych::ICC); features "
                                        f"with ICC < {r.threshold:g} were excluded before any modelling.",)))
    sections.append({"title": "Patient flow", "paragraphs": list(res.flow), "tables": flow_tables})
    res.methods = _methods(res)
    res.key_results = _key_results(res, d, ps)
    sections.append({"title": "Statistical methods", "paragraphs": res.methods})
    if res.key_results:
        sections.append({"title": "Results in brief", "paragraphs": res.key_results})
    t1 = res.results.get("table1")
    if t1 is not None:
        f = table_one_frame(t1, digits=d, p_style=ps)
        res.tables["table1_by_outcome"] = f
        tables = [ReportTable(f"Characteristics by {spec.outcome.label or spec.outcome.column}", f, table_one_footnotes(t1))]
        t1s = res.results.get("table1_split")
        if t1s is not None:
            fs = table_one_frame(t1s, digits=d, p_style=ps)
            res.tables["table1_by_split"] = fs
            tables.append(ReportTable("Characteristics of the training and test sets", fs, table_one_footnotes(t1s)))
        sections.append({"title": "Table 1", "tables": tables})
    tab = res.results.get("regression")
    if tab is not None:
        f = regression_table_frame(tab, digits=d, p_style=ps)
        res.tables["regression_or"] = f
        notes = list(regression_footnotes(tab)) + _warning_notes(res.main, "regression")
        tables = [ReportTable("Univariable and multivariable logistic regression", f, tuple(notes))]
        figs = [("forest_plot", "Odds ratios with 95% CIs")]
        if "calibration_multivariable" in res.results:
            cal = calibration_frame(res.results["calibration_multivariable"], p_style=ps)
            res.tables["calibration_multivariable"] = cal
            tables.append(ReportTable("Calibration of the multivariable model (apparent)", cal,
                                      ("Statistics as rms::val.prob; " + res.results["calibration_multivariable"]
                                       .hosmer_lemeshow.rule + ".",)))
            figs.append(("calibration_multivariable", "Calibration of the multivariable model"))
        if "validation" in res.results:
            val = validation_frame(res.results["validation"])
            res.tables["validation_multivariable"] = val
            tables.append(ReportTable(f"Bootstrap internal validation (B = {res.results['validation'].B})", val,
                                      (res.results["validation"].method + "; as rms::validate.",)))
        if "nomogram" in res.results:
            res.tables["nomogram_points"] = res.results["nomogram"].points
            figs.append(("nomogram", "Nomogram of the multivariable model"))
        sections.append({"title": "Risk factors", "tables": tables, "figures": figs})
    models = res.results.get("models")
    if models is not None:
        perf = model_performance_frame(models)
        res.tables["models_train_test"] = perf
        tables = [ReportTable("Model performance (cut-off: training Youden index, carried to the test set)", perf,
                              ("AUC 95% CIs by DeLong's method (pROC's ci.auc).",))]
        adj = spec.comparisons.adjust
        for set_name, cmp in res.results.get("comparisons", {}).items():
            f = delong_table_frame(cmp, p_style=ps)
            res.tables[f"delong_{set_name}"] = f
            tables.append(ReportTable(f"Pairwise DeLong tests, {set_name} set", f,
                                      (f"DeLong's test for correlated ROC curves, {spec.comparisons.alternative}"
                                       + (f"; P adjusted by {adj}." if adj else "; unadjusted P."),
                                       f"Global test of equal AUCs: chi-square = {format_number(cmp.global_statistic, 2)}, "
                                       f"df = {cmp.global_df}, P = {format_p(cmp.global_p_value, ps)}.")))
        for set_name, rc in res.results.get("reclassification", {}).items():
            f = reclassification_frame(rc, p_style=ps)
            res.tables[f"reclassification_{set_name}"] = f
            tables.append(ReportTable(f"Net reclassification and integrated discrimination improvement, {set_name} set",
                                      f, (_RECLASSIFICATION_NOTE,)))
        rows = [{"Model": m, "Block": b.replace("signature:", "rad-score of "), "Features kept": len(f),
                 "Features": ", ".join(f)} for (m, b), f in models.selected.items()]
        if rows:
            sel = pd.DataFrame(rows)
            res.tables["signature_features"] = sel
            tables.append(ReportTable("Features in each LASSO rad-score (fitted on the training set)", sel))
        dc = res.results["decision_curve"]
        dcf = decision_curve_frame(dc)
        res.tables["net_benefit_test"] = dcf
        tables.append(ReportTable("Net benefit on the test set", dcf,
                                  ("Net benefit = TP/n - FP/n x pt/(1 - pt); risk >= threshold is positive (R dcurves).",)))
        cal = calibration_comparison_frame(res.results["calibration_test_all"], p_style=ps)
        res.tables["calibration_test"] = cal
        tables.append(ReportTable("Calibration on the test set", cal, (
            "Statistics as rms::val.prob (intercept and slope of logistic recalibration, lowess-based Eavg, E90 "
            "and Emax); " + res.results["calibration_test"].hosmer_lemeshow.rule + ".",)))
        formulas = list(dict.fromkeys(f"{key}: {lasso.formula(4)}" for (_, key), lasso in res.results.get("lassos", {}).items()))
        lasso_figs = [(name, ("LASSO coefficient paths" if "path" in name else "LASSO cross-validation") + ": "
                       + name.split("_", 2)[-1]) for name in res.figures if name.startswith("lasso_")]
        sections.append({"title": "Models: training and test sets", "tables": tables,
                         "paragraphs": ["Rad-score formulas (training set): " + " | ".join(formulas)] if formulas else [],
                         "figures": [("roc_test", "ROC curves, test set"), ("decision_curves_test", "Decision curves, test set"),
                                     ("calibration_test", f"Calibration of {models.performance['model'].iloc[-1]}, "
                                                          "test set"),
                                     *([("calibration_curves_test", "Calibration curves of every model, test set")]
                                       if "calibration_curves_test" in res.figures else []),
                                     *lasso_figs]})
    cv = res.results.get("cv")
    if cv is not None:
        f = pd.DataFrame({"Model": cv.summary["model"],
                          "Mean AUC (2.5th-97.5th percentile)": [format_estimate_ci(m, lo, hi, 3) for m, lo, hi in zip(
                              cv.summary["mean_auc"], cv.summary["auc_low"], cv.summary["auc_high"])],
                          "SD": [format_number(v, 3) for v in cv.summary["sd_auc"]],
                          "Mean Brier": [format_number(v, 3) for v in cv.summary["mean_brier"]],
                          "Folds": cv.summary["n_folds"]})
        notes = ["Every modelling step (imputation, screening, LASSO, classifier) refitted in each training fold."]
        if cv.summary["n_failed"].sum():
            f["Failed folds"] = cv.summary["n_failed"]
            first = cv.folds[cv.folds["error"] != ""].iloc[0]
            notes.append(f"Folds whose fit failed are left out of the summary (first: {first['model']}, repeat "
                         f"{first['repeat']}, fold {first['fold']}: {first['error']}).")
        res.tables["cross_validation"] = f
        sections.append({"title": "Repeated cross-validation", "tables": [ReportTable(
            f"Repeated stratified {cv.n_splits}-fold cross-validation ({cv.n_repeats} repeats), all patients", f,
            tuple(notes))]})
    if "km" in res.results:
        tables, figs = [], [("kaplan_meier", "Kaplan-Meier curves (log-transformed 95% CIs)")]
        km = res.results["km"]
        kf = km_frame(km)
        res.tables["kaplan_meier"] = kf
        notes = ["Median survival with 95% CI as R's survfit (conf.type = 'log')."]
        if km.logrank is not None:
            notes.append(f"Log-rank test (survdiff): chi-square = {format_number(km.logrank.statistic, 2)}, "
                         f"df = {km.logrank.df}, P = {format_p(km.logrank.p_value, ps)}.")
        tables.append(ReportTable("Kaplan-Meier estimates", kf, tuple(notes)))
        if "cox" in res.results:
            cox = res.results["cox"]
            hf = hazard_ratio_frame(cox, digits=d, p_style=ps)
            res.tables["cox"] = hf
            g = cox.glance().iloc[0]
            tables.append(ReportTable("Cox proportional-hazards regression", hf, (
                f"{cox.ties.capitalize()} ties (as coxph); Wald 95% CIs; {int(g['n'])} patients, {int(g['n_events'])} "
                f"events; concordance {format_number(g['concordance'], 3)} (SE {format_number(g['concordance_se'], 3)}).",)))
            figs.append(("forest_cox", "Hazard ratios (95% CI)"))
        sections.append({"title": "Survival", "tables": tables, "figures": figs})
    if res.skipped:
        sections.append({"title": "Not run", "paragraphs": [f"Skipped: {s.rstrip('.')}." for s in res.skipped]})
    warned = _warnings_section(res)
    if warned:
        sections.append(warned)
    return sections
