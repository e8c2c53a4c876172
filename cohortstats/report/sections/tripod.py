"""The TRIPOD+AI checklist (Collins et al., BMJ 2024;385:e078378), filled from the run where the run knows the
answer, with the report section that shows it; what only the authors know is marked for them to complete.

The item texts are paraphrased; see the BMJ paper for the authoritative wording.
"""

from __future__ import annotations

import re

import pandas as pd

from ...formatting import format_estimate_ci, format_number
from ...provenance import __version__
from ..html import ReportTable

__all__ = ["tripod_section", "TRIPOD_ITEMS", "tripod_checklist"]

AUTHORS = "to complete by the authors"
_CROSS_REF = re.compile(r" ?\((?:\[@(?:table|figure):[^\]]+\](?:, )?)+\)|\[@(?:table|figure):[^\]]+\]")
PARTLY = "in part: complete it"
DONE = "filled"

# (item, section, topic, paraphrased content)
TRIPOD_ITEMS = (
    ("1", "Title", "Title", "Say that a prediction model is developed or evaluated, for whom, and what it predicts."),
    ("2", "Abstract", "Abstract", "A structured summary following TRIPOD+AI for Abstracts."),
    ("3a", "Introduction", "Background", "Healthcare context, why a model is needed, and existing models."),
    ("3b", "Introduction", "Background", "Target population, the model's intended purpose in the care pathway and its "
     "intended users."),
    ("3c", "Introduction", "Background", "Known health inequalities between sociodemographic groups."),
    ("4", "Introduction", "Objectives", "The study's objectives: developing and/or evaluating the model."),
    ("5a", "Methods", "Data", "Sources of the development and evaluation data, why they were chosen and how "
     "representative they are."),
    ("5b", "Methods", "Data", "Dates of the first and last participant and the end of follow-up."),
    ("6a", "Methods", "Participants", "Setting: level of care, number and location of centres."),
    ("6b", "Methods", "Participants", "Eligibility criteria."),
    ("6c", "Methods", "Participants", "Treatments received, and how they were handled in the analysis."),
    ("7", "Methods", "Data preparation", "Pre-processing and quality checks of the data, and whether they were alike "
     "across groups."),
    ("8a", "Methods", "Outcome", "Definition of the outcome, time horizon, how and when it was assessed, and why."),
    ("8b", "Methods", "Outcome", "Qualifications of the outcome assessors, if the assessment needs judgement."),
    ("8c", "Methods", "Outcome", "Whether outcome assessment was blinded (to the predictors)."),
    ("9a", "Methods", "Predictors", "How the candidate predictors were chosen, and any selection before modelling."),
    ("9b", "Methods", "Predictors", "Definition of every predictor, how and when it was measured, and blinding."),
    ("9c", "Methods", "Predictors", "Qualifications of the predictor assessors, if the assessment needs judgement."),
    ("10", "Methods", "Sample size", "How the sample size was arrived at and whether it was sufficient, with the "
     "calculation."),
    ("11", "Methods", "Missing data", "How missing data were handled, and why any data were left out."),
    ("12a", "Methods", "Analytical methods", "How the data were used (development, evaluation), their partitioning and "
     "the sizes involved."),
    ("12b", "Methods", "Analytical methods", "How predictors were handled: functional form, rescaling, "
     "transformation, standardisation."),
    ("12c", "Methods", "Analytical methods", "Model type and why, every model-building step including hyperparameter "
     "tuning, and the internal validation."),
    ("12d", "Methods", "Analytical methods", "How heterogeneity across clusters (e.g. centres) was handled."),
    ("12e", "Methods", "Analytical methods", "Performance measures and plots (discrimination, calibration, clinical "
     "utility) and how models were compared."),
    ("12f", "Methods", "Analytical methods", "Any model updating, such as recalibration."),
    ("12g", "Methods", "Analytical methods", "How the predictions for evaluation were computed (formula, code, "
     "object, API)."),
    ("13", "Methods", "Class imbalance", "Any method for class imbalance, and why."),
    ("14", "Methods", "Fairness", "Approaches to assess or improve the model's fairness."),
    ("15", "Methods", "Model output", "The model's output (risk, class), and the thresholds used and how they were "
     "chosen."),
    ("16", "Methods", "Development vs evaluation", "Differences between development and evaluation data (setting, "
     "eligibility, outcome, predictors)."),
    ("17", "Methods", "Ethics", "Ethical approval and participants' consent (or a waiver)."),
    ("18a", "Open science", "Funding", "Sources of funding and the funders' role."),
    ("18b", "Open science", "Conflicts of interest", "The authors' conflicts of interest and financial disclosures."),
    ("18c", "Open science", "Protocol", "Where the study protocol can be found, or that there is none."),
    ("18d", "Open science", "Registration", "Study registration (name, number), or that it was not registered."),
    ("18e", "Open science", "Data sharing", "Availability of the study data."),
    ("18f", "Open science", "Code sharing", "Availability of the analysis code."),
    ("19", "Patient and public involvement", "Patient and public involvement", "How patients and the public took part "
     "in the study, or that they did not."),
    ("20a", "Results", "Participants", "Flow of participants, with and without the outcome, and follow-up."),
    ("20b", "Results", "Participants", "Characteristics overall and per data source: key predictors, treatments, "
     "sample size, events, follow-up and missing data."),
    ("20c", "Results", "Participants", "Distributions of important predictors in the evaluation data compared with "
     "the development data."),
    ("21", "Results", "Model development", "Participants and events in each analysis (development, tuning, "
     "evaluation)."),
    ("22", "Results", "Model specification", "The full model (formula, code, object) and any restriction on access "
     "to it."),
    ("23a", "Results", "Model performance", "Performance estimates with confidence intervals, including key "
     "subgroups."),
    ("23b", "Results", "Model performance", "Heterogeneity of performance across clusters."),
    ("24", "Results", "Model updating", "Results of any model updating and the updated model's performance."),
    ("25", "Discussion", "Interpretation", "Overall interpretation, fairness included."),
    ("26", "Discussion", "Limitations", "Limitations, such as an unrepresentative sample, sample size, overfitting "
     "and missing data."),
    ("27a", "Discussion", "Usability", "How poor-quality or missing input data should be handled when the model is "
     "used."),
    ("27b", "Discussion", "Usability", "Whether users need to interact with the data or need expertise to use the "
     "model."),
    ("27c", "Discussion", "Next steps", "Next steps for research and for use of the model."),
)


def _see(*titles) -> str:
    return "; ".join(f"{t} (#{re.sub(r'[^a-z0-9]+', '-', t.lower()).strip('-')})" for t in titles)


def _models(r):
    return r.get("models_pooled") if r.get("models_pooled") is not None else r.get("models")


def _names(spec) -> str:
    return ", ".join(m.name for m in spec.models)


def _feature_text(ctx, item: str) -> str:
    """A model's input as a reader reads it: a label, "rad-score of radiomics", "LASSO-selected features of ..."."""
    kind, _, sets = item.partition(":")
    if kind == "signature" and sets:
        return f"rad-score of {sets.replace('+', ' + ')}"
    if kind == "selected" and sets:
        return f"LASSO-selected features of {sets.replace('+', ' + ')}"
    return ctx.labels(item)


def _join(lines) -> str:
    return "; ".join(str(x).rstrip(". ") for x in lines) + "."


def _model_building(models, r) -> str:
    one = models.fits[0] if hasattr(models, "fits") else models
    parts = [f"{name}: {est.split('; inputs: ')[0]}" for name, est in one.estimators.items()]
    steps = getattr(one, "steps", {}) or {}
    if any(st.get("signatures") for st in steps.values()):
        parts.append("LASSO rad-scores tuned by 10-fold cross-validation within the training set")
    if any(st.get("screen") for st in steps.values()):
        parts.append("feature screening within the training set")
    parts.append("internal validation: the held-out test set" + (
        f" and {r['validation'].B} bootstrap resamples of the multivariable regression" if "validation" in r else ""))
    return _join(parts)


def _fill(ctx) -> dict:
    """Item -> (text from the run, where it is shown, status) for what the run knows."""
    res, spec, r = ctx.res, ctx.res.study.spec, ctx.res.main.results
    out, models, md = {}, _models(r), r.get("missing_data")
    label = spec.outcome.label or spec.outcome.column
    positive = f" = {spec.outcome.positive}" if spec.outcome.positive is not None else " (coded 1)"
    out["1"] = (f"Report title: {spec.report.title!r}; outcome: {label}.", "report title", PARTLY)
    if res.key_results:
        out["2"] = ("Key results for the abstract: " + " ".join(res.key_results), _see("Results in brief"), PARTLY)
    aims = []
    if spec.regression is not None:
        aims.append(f"risk factors of {label} (univariable and multivariable logistic regression)")
    if spec.models:
        aims.append(f"development and internal validation of {len(spec.models)} model(s) ({_names(spec)})")
    if aims:
        out["4"] = ("This run: " + "; ".join(aims) + ".", _see("Statistical methods"), PARTLY)
    src = spec.study.source or ", ".join(f"{v['table']} ({k})" for k, v in res.inputs.items())
    out["5a"] = (f"Data: {src}." + (" " + " ".join(res.notices) if res.notices else ""), _see("Patient flow"), PARTLY)
    if spec.study.dates:
        out["5b"] = (f"Dates: {spec.study.dates}.", "study file (study.dates)", DONE)
    if spec.study.setting:
        out["6a"] = (f"Setting: {spec.study.setting}.", "study file (study.setting)", DONE)
    flow = res.flow
    excl = [line for line in flow if line.startswith("Excluded")]
    out["6b"] = ((_join(excl) if excl else "No exclusion rule in the study file.") + " Inclusion criteria: "
                 "state them.", _see("Patient flow"), PARTLY)
    prep = [line for line in res.study_flow]
    if "reproducibility_summary" in r:
        prep.append("features with an ICC below the threshold between two readings were removed")
    out["7"] = (_join(prep + ["model inputs checked for text, infinite values and leakage before modelling"]),
                _see("Patient flow"), PARTLY)
    out["8a"] = (f"Outcome: {label}, column {spec.outcome.column}{positive}. Time horizon and assessment: state them.",
                 _see("Patient flow"), PARTLY)
    cand = []
    if spec.regression is not None:
        cand.append(f"regression candidates: {', '.join(ctx.labels(c) for c in spec.regression.candidates)}")
    for m in spec.models:
        cand.append(f"{m.name}: {', '.join(_feature_text(ctx, f) for f in m.features)}")
    if cand:
        out["9a"] = ("Chosen in the study file (" + "; ".join(cand) + "). Selection inside the analysis (screening, "
                     "LASSO) is part of model building (12c).", _see("Statistical methods"), PARTLY)
        out["9b"] = ("Predictors as listed in 9a; definitions and measurement: state them.", _see("Patient characteristics"), PARTLY)
    ss = r.get("sample_size")
    if ss is not None and len(ss.table):
        short = ss.table.loc[~ss.table["enough"], "analysis"].tolist()
        out["10"] = (f"Riley et al.'s criteria ({ss.anticipated}); the sample was fixed by the available data. "
                     + (f"Short of the minimum: {', '.join(short)}." if short else "Every analysis met the minimum."),
                     _see("Sample size"), DONE)
    if md is not None:
        k = int((md.table["n_missing"] > 0).sum())
        how = (f"multiple imputation (chained equations, PMM, m = {md.m}), analyses pooled by Rubin's rules"
               if md.method == "impute" else "complete-case analysis" + (
                   "; missing model inputs replaced by training medians" if models is not None else ""))
        out["11"] = (f"{k} analysed variable(s) had missing values; handled by {how}.",
                     _see("Missing data", "Statistical methods"), DONE)
    use = [line for line in flow if line.startswith("Random split")]
    if "validation" in r:
        use.append(f"bootstrap internal validation of the multivariable model (B = {r['validation'].B})")
    if "cv" in r:
        use.append("repeated cross-validation over all patients")
    if use:
        out["12a"] = (_join(use), _see("Patient flow", "Statistical methods"), DONE)
    if models is not None or spec.regression is not None:
        out["12b"] = ("Continuous predictors entered linearly, per unit, untransformed; logistic and SVM model inputs "
                      "standardised on the training set (mean 0, SD 1) inside the model pipeline.",
                      _see("Statistical methods"), DONE)
        if models is not None:
            out["12c"] = (_model_building(models, r), _see("Statistical methods"), DONE)
        out["12d"] = ("No cluster (centre) variable in the analysis; heterogeneity not assessed.",
                      _see("Statistical methods"), PARTLY)
        out["12f"] = ("No model updating or recalibration was performed.", _see("Statistical methods"), DONE)
        out["24"] = ("No model updating was performed.", _see("Statistical methods"), DONE)
    if models is not None:
        pooled = hasattr(models, "fits")
        perf = ["AUC with 95% CI", "calibration intercept and slope"] + ([] if pooled else ["calibration curves"]) + [
            "decision curves (net benefit)"]
        if len(spec.models) > 1:
            perf.append("DeLong tests of AUC differences")
        out["12e"] = (", ".join(perf) + " on the test set" + (", each pooled over the imputations by Rubin's "
                      "rules" if pooled else "") + ".", _see("Models: training and test sets"), DONE)
        out["12g"] = (f"Predictions computed by the fitted scikit-learn pipelines of cohortstats {__version__} from the "
                      "study file (kept in manifest.json); rad-score formulas and ORs in the report.",
                      _see("Models: training and test sets"), PARTLY)
        prev = models.performance[models.performance["set"] == "train"].iloc[0]
        out["13"] = (f"No class-imbalance method: no resampling or weighting (training prevalence {format_number(prev['n_events'] / prev['n'], 3)}"
                     ").", _see("Statistical methods"), DONE)
        out["15"] = ("Predicted probabilities; sensitivity etc. at the training set's Youden cut-off; net benefit over "
                     "thresholds.", _see("Models: training and test sets"), DONE)
        test = models.performance[models.performance["set"] == "test"]
        out["23a"] = ("Test-set AUCs: " + "; ".join(f"{t.model} {format_estimate_ci(t.auc, t.conf_low, t.conf_high, 3)}"
                                                    for t in test.itertuples()) + ". Subgroups: not analysed.",
                      _see("Models: training and test sets"), PARTLY)
        out["21"] = ("Training and test sets: " + "; ".join(
            f"{t.set} {t.n} ({t.n_events} events)" for t in
            models.performance.drop_duplicates("set").itertuples()) + ".", _see("Models: training and test sets"),
            DONE)
    if "table1_split" in r:
        out["16"] = ("Development (training) and evaluation (test) sets come from one random split of the same "
                     "data; their characteristics are compared in 'Characteristics of the training and test sets'.", _see("Patient characteristics"), DONE)
        out["20c"] = ("Training and test sets compared variable by variable.", _see("Patient characteristics"), DONE)
    out["20a"] = (_join(flow), _see("Patient flow"), DONE)
    if "table1" in r:
        out["20b"] = ("Characteristics by outcome group with missing values counted.", _see("Patient characteristics", "Missing data"),
                      DONE)
    reg = r.get("regression_pooled") if r.get("regression_pooled") is not None else r.get("regression")
    if reg is not None and reg.multivariable is not None:
        n, e = ((reg.n, reg.n_events) if hasattr(reg, "multivariable_fits") else
                (reg.multivariable.n, reg.multivariable.n_events))
        text = f"Multivariable regression: {n} patients ({e} events)."
        out["21"] = ((out["21"][0] + " " + text) if "21" in out else text, _see("Risk factors"), DONE)
        out["22"] = ("Multivariable model: the odds ratio of every term in the regression table (the intercept "
                     "is not shown); the other models are fitted pipelines, not given as formulas.",
                     _see("Risk factors"), PARTLY)
    out["18f"] = (f"Analysis run with cohortstats {__version__}; the study file, input hashes and versions are in "
                  "manifest.json. Say where code and study file are shared.", "manifest.json", PARTLY)
    limits = []
    if ss is not None and (~ss.table["enough"]).any():
        limits.append("sample size below Riley et al.'s minimum for " + ", ".join(ss.table.loc[~ss.table["enough"],
                                                                                          "analysis"]))
    if md is not None and (md.table["n_missing"] > 0).any():
        limits.append("missing values (" + ("multiply imputed" if md.method == "impute" else "complete-case "
                                            "analysis") + ")")
    if use and any(line.startswith("Random split") for line in use):
        limits.append("internal validation by one random split (no external validation)")
    if res.notices:
        limits.append("synthetic data")
    if limits:
        out["26"] = ("Limitations the run found: " + "; ".join(limits) + ".", _see("Sample size", "Missing data"),
                     PARTLY)
    if md is not None:
        out["27a"] = ("In this analysis missing inputs were handled by " + (
            "multiple imputation" if md.method == "impute" else "complete cases" + (
                " and training-set medians (models)" if models is not None else ""))
            + "; state how they should be handled in use.", _see("Missing data"), PARTLY)
    return out


def tripod_checklist(ctx) -> pd.DataFrame:
    """The checklist as a table: every item and sub-item, filled from the run or marked for the authors."""
    filled = _fill(ctx)
    rows = []
    for item, section, topic, content in TRIPOD_ITEMS:
        text, where, status = filled.get(item, ("", "", AUTHORS))
        text = _CROSS_REF.sub("", text)  # "(Table 7)" of the report's text: the checklist names the section instead
        rows.append({"Item": item, "Section": section, "Topic": topic, "Checklist item (paraphrased)": content,
                     "Reported in this run": text, "See": where, "Status": status})
    return pd.DataFrame(rows)


def tripod_section(ctx) -> dict | None:
    if ctx.res.main.results.get("models") is None and ctx.res.main.results.get("models_pooled") is None \
            and ctx.res.main.results.get("regression") is None \
            and ctx.res.main.results.get("regression_pooled") is None:
        return None
    frame = tripod_checklist(ctx)
    ctx.table("tripod_checklist", frame)  # the CSV keeps every cell; the report shows each section's name once
    shown = frame.copy()
    shown.loc[shown["Section"].duplicated() & (shown["Section"] == shown["Section"].shift()), "Section"] = ""
    counts = frame["Status"].value_counts()
    return {"title": "TRIPOD+AI checklist", "paragraphs": [
        "TRIPOD+AI (Collins et al., BMJ 2024;385:e078378): 27 items for reporting prediction-model studies that use "
        "regression or machine learning. Item texts are paraphrased here; use the published checklist's wording "
        "when submitting. Each item is filled from this run where the run knows the answer, with the report section "
        f"that shows it (#anchor in report.html): {counts.get(DONE, 0)} items filled, {counts.get(PARTLY, 0)} filled "
        f"in part (for the authors to complete), {counts.get(AUTHORS, 0)} to complete by the authors (what only they "
        "know: context, funding, ethics, registration, ...). Also in tables/tripod_checklist.csv."],
        "tables": [ReportTable("TRIPOD+AI checklist, filled from this run", shown)]}
