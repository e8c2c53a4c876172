"""Which formatted table a result object becomes in a :class:`~cohortstats.report.builder.Report`: its frame, a
default caption, its footnotes and spanning headers."""

from __future__ import annotations

from . import format as fmt

__all__ = ["format_result", "diagnostic_spanners"]


def _table_one(r, rep, **o):
    opts = {"labels": rep.labels, "p_style": rep.p_style, **o}
    note_opts = {k: v for k, v in opts.items() if k in ("labels", "dichotomous", "test_column", "statistic_column",
                                                        "smd")}
    caption = "Characteristics of the patients" + (f" by {rep.labels(r.group)}" if r.group else "")
    return fmt.table_one_frame(r, **opts), caption, fmt.table_one_notes(r, **note_opts), ()


def _regression(r, rep, **o):
    frame = fmt.regression_table_frame(r, labels=rep.labels, digits=rep.digits, p_style=rep.p_style, **o)
    return (frame, "Univariable and multivariable logistic regression",
            fmt.regression_footnotes(r, labels=rep.labels), ("Univariable", "Multivariable"))


def _odds(r, rep, **o):
    frame = fmt.odds_ratio_frame(r, labels=rep.labels, digits=rep.digits, p_style=rep.p_style, **o)
    notes = ("OR = odds ratio; CI = confidence interval; — = reference category.",
             f"{r.method.capitalize()} logistic regression on {r.n} patients ({r.n_events} events); "
             f"{round(100 * r.conf_level)}% CIs by {r.ci_method}; P from the {r.p_method}.", *r.notes)
    return frame, "Logistic regression", notes, ()


def _cox(r, rep, **o):
    frame = fmt.hazard_ratio_frame(r, labels=rep.labels, digits=rep.digits, p_style=rep.p_style, **o)
    return frame, "Cox proportional-hazards regression", ("HR = hazard ratio; CI = confidence interval.",), ()


def _km(r, rep, **o):
    notes = ["Median survival with 95% CI as R's survfit (log-transformed CIs)."]
    if r.logrank is not None:
        notes.append(f"Log-rank test: χ² = {fmt.format_number(r.logrank.statistic, 2)}, df = {r.logrank.df}, "
                     f"P = {fmt.format_p(r.logrank.p_value, rep.p_style)}.".replace("P = <", "P < "))
    return fmt.km_frame(r, labels=rep.labels, **o), "Kaplan-Meier estimates", notes, ()


def _aucs(r, rep, **o):
    if len(r.pairs):
        return (fmt.delong_table_frame(r, p_style=rep.p_style, **o), "Pairwise comparison of AUCs (DeLong's test)",
                ("AUC = area under the ROC curve; Δ = first minus second.",), ())
    return fmt.auc_table_frame(r, **o), "Area under the ROC curve", ("95% CIs by DeLong's method.",), ()


def _threshold(r, rep, **o):
    metrics = r if isinstance(r, dict) else {"": r}
    return (fmt.diagnostic_frame(metrics, **o), "Diagnostic accuracy at the cut-off", fmt.diagnostic_notes(metrics),
            diagnostic_spanners(metrics))


def diagnostic_spanners(metrics: dict) -> tuple:
    """The set names that head the columns of a diagnostic-accuracy table."""
    return tuple(dict.fromkeys(fmt.set_name(s) for v in metrics.values() if isinstance(v, dict) for s in v if s))


def _calibration(r, rep, **o):
    return (fmt.calibration_frame(r, p_style=rep.p_style, **o), "Calibration",
            ("Statistics as R's rms::val.prob; " + r.hosmer_lemeshow.rule + ".",), ())


def _validation(r, rep, **o):
    return fmt.validation_frame(r, **o), f"Bootstrap internal validation (B = {r.B})", (r.method + ".",), ()


def _decision(r, rep, **o):
    return (fmt.decision_curve_frame(r, **o), "Net benefit", (
        "Net benefit = TP/n − FP/n × pt/(1 − pt), where pt is the threshold probability; a risk ≥ pt counts as "
        "positive (as R's dcurves).",), ())


def _reclassification(r, rep, **o):
    return fmt.reclassification_frame(r, p_style=rep.p_style, **o), "Reclassification", (
        "NRI = net reclassification improvement; IDI = integrated discrimination improvement.",), ()


def _performance(r, rep, **o):
    return fmt.model_performance_frame(r, **o), "Discrimination of the models", (
        "AUC = area under the ROC curve, with DeLong 95% CIs; cut-off: Youden index on the training set.",), ()


_ADDERS = {"TableOneResult": _table_one, "RegressionTable": _regression, "LogisticRegressionResult": _odds,
           "CoxRegressionResult": _cox, "KaplanMeierResult": _km, "AucComparison": _aucs,
           "ThresholdMetrics": _threshold, "CalibrationResult": _calibration, "ValidationResult": _validation,
           "DecisionCurveResult": _decision, "ReclassificationComparison": _reclassification,
           "ModelComparison": _performance}


def format_result(result, report, **options):
    """``(frame, caption, footnotes, spanners)`` of a result object for ``report``. A ``{model: {set:
    ThresholdMetrics}}`` dict is a diagnostic-accuracy table; another result shows its formatted ``tidy()``."""
    if isinstance(result, dict) and result and all(
            type(v).__name__ == "ThresholdMetrics" or isinstance(v, dict) for v in result.values()):
        return _threshold(result, report, **options)
    build = _ADDERS.get(type(result).__name__)
    if build is not None:
        return build(result, report, **options)
    if not hasattr(result, "tidy"):
        raise TypeError(f"cannot add a {type(result).__name__} to a report: pass a cohortstats result, a DataFrame "
                        "(add_table) or a figure (add_figure).")
    return fmt.display_frame(result), type(result).__name__, (), ()
