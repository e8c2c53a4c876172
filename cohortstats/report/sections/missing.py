"""Missing data: what complete-case analysis left out, or the multiple imputation and the analyses pooled over it
(odds ratios with their fraction of missing information, model performance, DeLong tests, calibration, net
benefit). Also the methods sentences and key results of the pooled analyses."""

from __future__ import annotations

import math

import pandas as pd

from ...formatting import format_estimate_ci, format_number, format_p, scaled_name
from ..format import validation_frame
from ..html import ReportTable

__all__ = ["missing_section", "pooled_regression_section", "pooled_models_section", "missing_methods",
           "pooled_key_results", "table1_pooling_notes"]

POOLING = ("Rubin's rules (pooled estimate = mean over the imputations; total variance = within + (1 + 1/m) × "
           "between-imputation variance), t reference distribution on Barnard-Rubin degrees of freedom")


def _fmi(v) -> str:
    return format_number(v, 2) if not (isinstance(v, float) and math.isnan(v)) else ""


def _missing_table(ctx, md) -> ReportTable | None:
    imputing = md.method == "impute"
    t = md.table if imputing else md.table[md.table["n_missing"] > 0]  # complete cases: the incomplete ones
    if not len(t):
        return None
    rows = pd.DataFrame({"Variable": [ctx.labels(v) for v in t["variable"]],
                         "Missing, n (%)": [f"{k} ({format_number(p, 1)})" for k, p in zip(t["n_missing"], t["percent"])],
                         "Used in": [str(u).replace("Table 1", "patient characteristics") for u in t["used_in"]]})
    if imputing:
        rows["Handling"] = ["imputed (PMM)" if imp and k else ("in the imputation model" if imp else
                            "not imputed") for imp, k in zip(t["imputed"], t["n_missing"])]
    ctx.table("missing_values", rows)
    complete = int((md.table["n_missing"] == 0).sum())
    return ReportTable(f"Missing values of the analysed variables ({int(t['n'].iloc[0])} patients)", rows, (
        "Counted in the analysed patients (after the exclusions), before any imputation."
        + ("" if imputing or not complete else f" The other {complete} analysed variable(s) are complete."),))


def _analysis_name(ctx, text: str) -> str:
    """"univariable regression of ldl" reads "Univariable regression of LDL cholesterol, mmol/L"."""
    head = "univariable regression of "
    if text.startswith(head):
        return f"Univariable regression of {ctx.labels(text[len(head):])}"
    return text[:1].upper() + text[1:]


def _by_variable(ctx, text: str) -> str:
    """"ldl 2, sbp 1 (1 lacked several)" with each column's label."""
    if not isinstance(text, str) or not text:
        return ""
    body, sep, tail = text.partition(" (")
    parts = []
    for item in body.split(", "):
        name, _, k = item.rpartition(" ")
        parts.append(f"{ctx.labels(name)}: {k}" if name and k.isdigit() else item)
    return "; ".join(parts) + (f" ({tail}" if sep else "")


def missing_section(ctx) -> dict | None:
    md = ctx.results.get("missing_data")
    if md is None:
        return None
    paragraphs, tables = [], [t for t in (_missing_table(ctx, md),) if t is not None]
    incomplete = md.table[md.table["n_missing"] > 0]
    if md.method == "complete_case":
        paragraphs.append(
            "Complete-case analysis (the default): each analysis used the patients with the values it needs. "
            + (f"{len(incomplete)} analysed variable(s) had missing values. " if len(incomplete)
               else "No analysed variable had a missing value. ")
            + (f"{ctx.ref('table', 'table1_by_outcome')} describes" if ctx.results.get("table1") is not None
               else "The tables describe") + " each variable in the patients with a value and counts the missing "
            "ones in their own row; the regression tables give the n of each model. "
            + _model_inputs_sentence(ctx.results.get("models"))
            + "To impute instead, set missing: {method: impute} in the study file.")
        if len(md.dropped):
            d = md.dropped
            frame = pd.DataFrame({"Analysis": [_analysis_name(ctx, a) for a in d["analysis"]], "Patients": d["n"],
                                  "Analysed": d["n_analysed"], "Left out": d["n_dropped"],
                                  "Missing, by variable": [_by_variable(ctx, b) for b in d["by_variable"]]})
            ctx.table("complete_case_dropped", frame)
            tables.append(ReportTable("Patients left out by the complete-case analyses", frame, (
                "Left out: patients lacking at least one of the model's variables; by variable: how many of them "
                "lacked each (a patient lacking several is counted for each).",)))
        return {"title": "Missing data", "paragraphs": paragraphs, "tables": tables}
    imp = ctx.results.get("imputation")
    paragraphs.append(
        f"Multiple imputation by chained equations with predictive mean matching: {md.m} imputed data sets, "
        f"{md.maxit} iterations, {md.donors} donors, seed {md.seed}. Imputation variables (each incomplete one "
        f"predicted from all the others): {', '.join(md.variables)}. Every analysis below was run on each "
        f"completed data set and pooled by {POOLING}.")
    if imp is not None and imp.notes:
        paragraphs.append("Imputation notes: " + "; ".join(imp.notes) + ".")
    if imp is not None and len(imp.trace):
        last = imp.trace[imp.trace["iteration"] == imp.trace["iteration"].max()]
        conv = last.groupby("variable")["mean"].agg(["min", "max"])
        paragraphs.append("Mean of the imputed values at the last iteration, range over the imputations: "
                          + "; ".join(f"{v} {format_number(r['min'], 2)} to {format_number(r['max'], 2)}"
                                      for v, r in conv.iterrows()) + ".")
    return {"title": "Missing data", "paragraphs": paragraphs, "tables": tables}


def table1_pooling_notes(t1) -> tuple:
    """Footnotes of a Table 1 pooled over imputations (none for an ordinary one)."""
    if "pooled" not in t1.options:
        return ()
    return (f"Pooled over {t1.options['pooled']}: counts are mean counts rounded to whole patients; the Missing "
            "rows count the values that were missing (and imputed). Tests of variables with missing values: "
            "t-tests pooled by Rubin's rules, chi-square tests by D2 (Li et al. 1991), others by the median P over "
            "the imputations.",)


def _pooled_or_frame(tab, digits, p_style, lab) -> pd.DataFrame:
    t = tab.tidy()
    rows = []
    for _, r in t.iterrows():
        level = ("" if r["level"] is None or (isinstance(r["level"], float) and math.isnan(r["level"]))
                 else lab.level(r["predictor"], r["level"]))
        row = {"Variable": scaled_name(lab(r["predictor"]), r.get("unit")), "Level": level,
               "n (events)": f"{int(r['n'])} ({int(r['n_events'])})" if r["n"] == r["n"] else ""}
        if r["reference"]:
            row.update({"Univariable OR (95% CI)": "Reference", "P": "", "FMI": "",
                        "Multivariable OR (95% CI)": "Reference" if r["selected"] else "", "P (multi)": "",
                        "FMI (multi)": ""})
        else:
            row.update({"Univariable OR (95% CI)": format_estimate_ci(r["uni_estimate"], r["uni_conf_low"],
                                                                     r["uni_conf_high"], digits, ratio=True),
                        "P": format_p(r["uni_p_value"], p_style), "FMI": _fmi(r["uni_fmi"]),
                        "Multivariable OR (95% CI)": format_estimate_ci(r["multi_estimate"], r["multi_conf_low"],
                                                                       r["multi_conf_high"], digits, ratio=True),
                        "P (multi)": format_p(r["multi_p_value"], p_style), "FMI (multi)": _fmi(r["multi_fmi"])})
        rows.append(row)
    out = pd.DataFrame(rows)
    out.loc[out["Variable"].duplicated(), "Variable"] = ""
    return out


def pooled_regression_section(ctx) -> dict | None:
    tab = ctx.results.get("regression_pooled")
    if tab is None:
        return None
    f = _pooled_or_frame(tab, ctx.digits, ctx.p_style, ctx.labels)
    ctx.table("regression_or", f)
    notes = [f"Odds ratios from logistic regression fitted on each of the {tab.m} imputed data sets ({tab.n} "
             f"patients, {tab.n_events} events each) and pooled by {POOLING}, as R's mice::pool; 95% CIs and P "
             "from that t distribution.",
             "FMI: fraction of missing information, the share of an estimate's variance due to the missing values.",
             "n (events) of a level: mean over the imputations, rounded.",
             f"Multivariable model: predictors with {tab.rule}" if tab.rule != "given by the user"
             else "Multivariable model: predictors chosen by the investigators.",
             *ctx.warning_notes("regression")]
    tables = [ReportTable("Univariable and multivariable logistic regression (multiple imputation)", f, tuple(notes))]
    if "validation" in ctx.results:
        val = ctx.results["validation"]
        vf = validation_frame(val)
        ctx.table("validation_multivariable", vf)
        tables.append(ReportTable(f"Bootstrap internal validation (B = {val.B})", vf,
                                  (val.method + ".", *ctx.warning_notes("validation"))))
    figs = [(ctx.figure("forest_plot"), "Pooled odds ratios with 95% CIs")] if ctx.has_figure("forest_plot") else []
    return {"title": "Risk factors", "tables": tables, "figures": figs}


def _performance_frame(pm) -> pd.DataFrame:
    t = pm.performance
    return pd.DataFrame({
        "Model": t["model"].astype(str), "Set": t["set"].str.capitalize(),
        "n (events)": [f"{n} ({e})" for n, e in zip(t["n"], t["n_events"])],
        "AUC (95% CI)": [format_estimate_ci(a, lo, hi, 3) for a, lo, hi in zip(t["auc"], t["conf_low"], t["conf_high"])],
        "FMI": [_fmi(v) for v in t["fmi"]],
        "Cut-off (mean)": [format_number(v, 3) for v in t["threshold"]],
        "Sensitivity": [format_number(v, 3) for v in t["sensitivity"]],
        "Specificity": [format_number(v, 3) for v in t["specificity"]],
        "PPV": [format_number(v, 3) for v in t["ppv"]], "NPV": [format_number(v, 3) for v in t["npv"]]})


def _delong_frame(d, pm, p_style) -> pd.DataFrame:
    out = pd.DataFrame({"Comparison": [f"{a} vs {b}" for a, b in zip(d["model_a"], d["model_b"])],
                        "ΔAUC (95% CI)": [format_estimate_ci(e, lo, hi, 3)
                                          for e, lo, hi in zip(d["difference"], d["conf_low"], d["conf_high"])],
                        "t": [format_number(v, 3) for v in d["statistic"]],
                        "df": [format_number(v, 1) for v in d["df"]],
                        "P": [format_p(v, p_style) for v in d["p_value"]]})
    if pm.adjust:
        out[f"P ({pm.adjust})"] = [format_p(v, p_style) for v in d["p_adjusted"]]
    out["FMI"] = [_fmi(v) for v in d["fmi"]]
    return out


def _calibration_frame(pm) -> pd.DataFrame:
    labels = {"intercept": "Calibration intercept", "slope": "Calibration slope", "citl": "Calibration-in-the-large"}
    c = pm.calibration
    return pd.DataFrame({"Model": c["model"], "Statistic": c["statistic"].map(labels),
                         "Estimate (95% CI)": [format_estimate_ci(e, lo, hi, 3) for e, lo, hi in
                                               zip(c["estimate"], c["conf_low"], c["conf_high"])],
                         "FMI": [_fmi(v) for v in c["fmi"]]})


def _net_benefit_frame(pm, thresholds=(0.1, 0.2, 0.3, 0.4, 0.5)) -> pd.DataFrame:
    t = pm.decision_curve.table
    rows = []
    for thr in thresholds:
        sub = t[(t["threshold"] - thr).abs() < 1e-9]
        if sub.empty:
            continue
        row = {"Threshold": format_number(thr, 2)}
        for _, r in sub.iterrows():
            label = {"all": "Treat all", "none": "Treat none"}.get(r["model"], r["model"])
            row[label] = (format_estimate_ci(r["net_benefit"], r["conf_low"], r["conf_high"], 3) if r["model"] != "none"
                          else format_number(0, 3))
        rows.append(row)
    return pd.DataFrame(rows)


def pooled_models_section(ctx) -> dict | None:
    pm = ctx.results.get("models_pooled")
    if pm is None:
        return None
    pooled_note = (f"Each model fitted on each of the {pm.m} imputed training sets and scored on the matching imputed "
                   "test set; estimates pooled by " + POOLING + ".")
    perf = _performance_frame(pm)
    ctx.table("models_train_test", perf)
    tables = [ReportTable("Model performance (multiple imputation)", perf, (
        pooled_note, "AUC pooled on the logit scale with each imputation's DeLong variance (delta method), then "
        "back-transformed; FMI on that scale.", "Cut-off: each imputation's training Youden index, carried to its "
        "test set; sensitivity etc. are means over the imputations.", *ctx.warning_notes("models")))]
    alt = pm.alternative
    for set_name, d in pm.delong.items():
        f = _delong_frame(d, pm, ctx.p_style)
        ctx.table(f"delong_{set_name}", f)
        tables.append(ReportTable(f"Pairwise DeLong comparisons, {set_name} set (multiple imputation)", f, (
            "AUC differences and their paired DeLong variances pooled by Rubin's rules; t and P on the "
            f"Barnard-Rubin df ({'two-sided' if alt == 'two-sided' else 'one-sided, ' + d['hypothesis'].iloc[0]}"
            + (f"; P adjusted by {pm.adjust}" if pm.adjust else "") + ").",)))
    cal = _calibration_frame(pm)
    ctx.table("calibration_test", cal)
    tables.append(ReportTable("Calibration on the test set (multiple imputation)", cal, (
        "Intercept and slope of the logistic regression of the outcome on logit(predicted risk) (as rms::val.prob), "
        "calibration-in-the-large with logit(risk) as offset; each with its model-based variance, pooled by "
        "Rubin's rules. Ideal: intercept 0, slope 1.", *ctx.warning_notes("evaluation"))))
    nb = _net_benefit_frame(pm)
    ctx.table("net_benefit_test", nb)
    tables.append(ReportTable("Net benefit on the test set (multiple imputation)", nb, (
        "Net benefit = TP/n − FP/n × pt/(1 − pt), risk ≥ threshold positive (as R's dcurves), with its multinomial "
        "variance (TP/n + w² FP/n − NB²)/n, w = pt/(1 − pt), pooled per threshold by Rubin's rules; 95% CIs.",)))
    if len(pm.selected):
        s = pm.selected
        sel = pd.DataFrame({"Model": s["model"], "Block": s["block"].str.replace("signature:", "rad-score of ",
                                                                                   regex=False),
                            "Feature": s["feature"], "Kept in": [f"{k} of {pm.m}" for k in s["n_selected"]]})
        ctx.table("signature_features", sel)
        tables.append(ReportTable("LASSO features kept, over the imputations", sel))
    figs = ([(ctx.figure("decision_curves_test"), "Decision curves, test set (pooled over the imputations)")]
            if ctx.has_figure("decision_curves_test") else [])
    return {"title": "Models: training and test sets", "tables": tables, "figures": figs}


def missing_methods(ctx) -> list[str]:
    """Methods sentences on missing data: complete cases (what was left out) or the imputation and its pooling."""
    md = ctx.results.get("missing_data")
    if md is None:
        return []
    if md.method == "complete_case":
        dropped = md.dropped[md.dropped["analysis"] == "multivariable regression"] if len(md.dropped) else md.dropped
        extra = ""
        if len(dropped) and int(dropped["n_dropped"].iloc[0]):
            r = dropped.iloc[0]
            extra = (f" The multivariable regression analysed {r['n_analysed']} of {r['n']} patients ({r['n_dropped']} "
                     f"left out for missing values: {r['by_variable']}).")
        models = ("; missing model inputs were replaced by the training set's median"
                  if ctx.results.get("models") is not None else "")
        return ["Missing data were handled by complete-case analysis: each analysis used the patients with the "
                f"values it needs{models}." + extra]
    out = [f"Missing values were multiply imputed by chained equations with predictive mean matching (type-1 "
           f"matching, {md.donors} donors; cohortstats' implementation of mice's 'pmm'): {md.m} imputed data sets, "
           f"{md.maxit} iterations, seed {md.seed}. The imputation model of each incomplete variable used all other "
           f"imputation variables as predictors, the outcome included: {', '.join(md.variables)}. "
           "Each analysis was run on every completed data set and the results pooled by Rubin's rules with "
           "Barnard-Rubin small-sample degrees of freedom; the fraction of missing information (FMI) is reported "
           "beside each pooled estimate."]
    if "table1" in ctx.results:
        out.append("Table 1 gives means and proportions averaged over the imputations (SDs as the square root of "
                   "the mean within-imputation variance) with the missing counts of the original data; tests of "
                   "incomplete variables were pooled (t-tests by Rubin's rules, chi-square tests by D2, others by "
                   "the median P).")
    if "regression_pooled" in ctx.results:
        tab = ctx.results["regression_pooled"]
        out.append(f"Odds ratios of the univariable and multivariable logistic models were pooled as mice::pool; "
                   f"predictors with {tab.rule} entered the multivariable model.")
    if "validation" in ctx.results and "regression_pooled" in ctx.results:
        out.append("Internal validation repeated the imputation inside each bootstrap resample (bootstrap, then "
                   "impute; Wahl et al. 2016): each resample was imputed once with the original patients imputed by "
                   "the resample's imputation models, the model refitted and tested on the completed original "
                   "patients; the optimism was subtracted from the apparent performance averaged over the imputed "
                   "data sets.")
    if "models_pooled" in ctx.results:
        out.append("For the prediction models the imputation models were fitted on the training patients only: "
                   "training and test sets were imputed together with the test rows ignored when fitting the "
                   "imputation models (mice's ignore) and the test patients' outcomes set aside, so no test value "
                   "informed any imputation. Each model was fitted on every imputed training set and scored on the "
                   "matching test set; the AUC was pooled on the logit scale with its DeLong variance, AUC "
                   "differences with their paired DeLong variances, calibration intercept and slope with their "
                   "model-based variances, and net benefit per threshold with its multinomial variance. The models' "
                   "own training-median imputation then fills only inputs left out of the imputation variables.")
    return out


def pooled_key_results(ctx) -> list[str]:
    """The results-in-brief sentences of the pooled analyses."""
    out, d = [], ctx.digits
    tab = ctx.results.get("regression_pooled")
    if tab is not None and tab.multivariable is not None:
        t = tab.multivariable.tidy(intercept=False)
        out.append(f"In the multivariable model (pooled over {tab.m} imputations), " + "; ".join(
            f"{ctx.labels.term(r.term)}: OR "
            f"{format_estimate_ci(r.estimate, r.conf_low, r.conf_high, d, ratio=True)}, {ctx.p_text(r.p_value)}"
            for r in t.itertuples()) + ".")
    pm = ctx.results.get("models_pooled")
    if pm is not None:
        perf = pm.performance[pm.performance["set"] == "test"]
        out.append("Test-set AUCs (pooled): " + "; ".join(
            f"{r.model} {format_estimate_ci(r.auc, r.conf_low, r.conf_high, 3)}" for r in perf.itertuples()) + ".")
        d_test = pm.delong.get("test")
        if d_test is not None and len(d_test):
            out.append("Pooled DeLong comparisons on the test set: " + "; ".join(
                f"{r.model_a} vs {r.model_b} ΔAUC {format_number(r.difference, 3)}, t = {format_number(r.statistic, 3)}"
                f", {ctx.p_text(r.p_value)}" for r in d_test.itertuples()) + ".")
    return out


def _model_inputs_sentence(models) -> str:
    """How the models' missing inputs were handled: the imputation table is named only when something was imputed."""
    if models is None:
        return ""
    imp = getattr(models, "imputation", None)
    if imp is not None and len(imp):
        return "Missing model inputs were replaced by the training set's median (see 'Imputed values of the model inputs'). "
    return "No model input was missing (a missing one would have been replaced by the training set's median). "
