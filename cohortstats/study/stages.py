"""The analysis stages of a study. Each takes the analysis' spec (``scope.spec``, the top-level blocks with the
analysis' own on top) and plain data, calls the library's public functions, and returns a dict of named result
objects (numbers only; figures and text are made in :mod:`cohortstats.report`). The runner records each stage's
warnings and timing.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._identifiers import identifier_columns, identifier_reason
from .._validation import check_numeric_column
from .._parallel import available_workers
from ..describe.table_one import table_one
from ..describe.trend import trend_test
from ..evaluation.calibration import P_CLIP, calibration
from ..evaluation.cutoffs import threshold_metrics
from ..evaluation.reclassification import compare_reclassification
from ..evaluation.roc import auc_ci, compare_aucs, roc
from ..evaluation.validation import LogisticSpec, ScreenedLogisticSpec, bootstrap_validation
from ..exceptions import DataValidationError, DataWarning, EmptySignatureError
from ..models import (
    ModelSpec,
    cross_validate_models,
    feature_block,
    fit_models,
    model_inputs,
    screening_steps,
    signature_of,
    train_test_split,
)
from ..regression.logistic import logistic_regression
from ..regression.nomogram import nomogram
from ..regression.survival import cox_regression, kaplan_meier
from ..regression.univariable import regression_table
from ..signatures.agreement import agreement as reader_agreement
from .expressions import ExpressionError, cut_variable, describe_expression, interval_labels, unknown_name_message
from .expressions import evaluate as evaluate_expression
from .spec import SplitSpec, decision_curve_stop

__all__ = ["derive", "population", "agreement", "describe", "score_roc", "regress", "validate", "split",
           "describe_split", "fit", "compare", "evaluate", "model_nomogram", "cross_validate", "survive"]


def _labels(spec) -> dict:
    return dict(getattr(spec, "labels", None) or {})


def derive(spec, df) -> tuple[pd.DataFrame, list, list]:
    """The derived variables (``variables:``), computed in order after merging and before any exclusion.
    Returns the data with the new columns, a patient-flow line per variable, and a sentence per variable for the
    methods text ("Poor outcome was defined as mRS at 3 months > 2")."""
    out, flow, methods = df, [], []
    labels = _labels(spec)
    for name, rule in spec.variables.items():
        where = f"variables.{name}"
        if name in df.columns:
            raise DataValidationError(f"{where}: the data already have a column {name!r}; give the derived variable "
                                      "another name (a derived variable never overwrites data).")
        if isinstance(rule, str):
            value = evaluate_expression(rule, out, where=where)
            how = describe_expression(rule, labels)
            counts = _value_counts(value)
        else:
            if rule.cut not in out.columns:
                raise ExpressionError(unknown_name_message(rule.cut, f"{where}.cut", out.columns))
            value = cut_variable(out[rule.cut], rule.breaks, labels=rule.labels, right=rule.right,
                                 include_lowest=rule.include_lowest, where=where)
            groups = ", ".join(_intervals(rule) if rule.labels is None else
                               [f"{lab} {iv}" for lab, iv in zip(value.cat.categories, _intervals(rule))])
            how = f"{labels.get(rule.cut, rule.cut)} grouped as {groups}"
            counts = _value_counts(value)
        out = out.copy(deep=False)  # the new column only: the data's columns are shared, not copied
        out[name] = value
        flow.append(f"Derived variable {name} ({how}): {counts}.")
        methods.append(f"{labels.get(name, name)} was defined as {how}.")
    return out, flow, methods


def _intervals(rule) -> list:
    return interval_labels(rule.breaks, right=rule.right, include_lowest=rule.include_lowest)


def _value_counts(value: pd.Series) -> str:
    miss = int(value.isna().sum())
    if isinstance(value.dtype, pd.CategoricalDtype):
        parts = [f"{k} {int(v)}" for k, v in value.value_counts(sort=False).items()]
    elif pd.api.types.is_bool_dtype(value) or value.dtype == object:
        parts = [f"true {int((value == True).sum())}", f"false {int((value == False).sum())}"]  # noqa: E712
    else:
        parts = [f"{int(value.notna().sum())} values"]
    return ", ".join(parts + [f"missing {miss}"])


def population(analysis, df, labels=None) -> tuple[pd.DataFrame, str, str]:
    """The patients of a further analysis (its ``population`` condition), its patient-flow line and the
    condition in words; patients whose condition is missing are outside the population (counted)."""
    if analysis.population is None:
        return df, f"Population: all {len(df)} patients.", ""
    cond = evaluate_expression(analysis.population, df, where=f"analyses[{analysis.name}].population")
    inside = (cond == True).to_numpy()  # noqa: E712 - NaN (missing) is outside
    missing = int(pd.isna(cond).sum())
    text = describe_expression(analysis.population, labels)
    line = (f"Population: {text}: {int(inside.sum())} of {len(df)} patients ({int((~inside).sum()) - missing} "
            f"outside the population" + (f", {missing} with the condition missing" if missing else "") + ").")
    return df.loc[inside], line, text


def agreement(spec, df) -> dict:
    """Reader agreement on every patient read (study level): kappa for ordinal/nominal scores, an ICC for
    continuous ones (:func:`cohortstats.agreement`)."""
    out = {}
    for a in spec.agreement:
        out[a.name] = reader_agreement(df, a.ratings, kind=a.kind, weights=a.kappa_weights, form=a.form,
                                       levels=a.levels)
    return {"agreement": out}


def score_roc(scope, df, outcome) -> dict:
    """The diagnostic value of each score over the whole analysed population (no split): AUC with its DeLong
    CI, the Youden cut-off and sensitivity, specificity, PPV and NPV with Wilson CIs and counts; paired DeLong
    tests between the scores on the patients with all of them."""
    sr = scope.spec.score_roc
    out = {}
    for s in sr.scores:
        d = df[[outcome, s]].dropna()
        y = d[outcome].to_numpy().astype(int)
        x = check_numeric_column(d[s], s).to_numpy(dtype=float)
        out[s] = {"roc": roc(y, x, direction=sr.direction), "auc": auc_ci(y, x, direction=sr.direction),
                  "cutoff": threshold_metrics(y, x, threshold="youden", direction=sr.direction),
                  "n": len(d), "n_events": int(y.sum()), "n_missing": int(len(df) - len(d))}
    result = {"score_roc": out}
    if sr.compare and len(sr.scores) > 1:
        d = df[[outcome, *sr.scores]].dropna()
        result["score_roc_comparison_n"] = len(d)
        result["score_roc_comparison"] = compare_aucs(d[outcome].to_numpy().astype(int),
                                                      {s: d[s].to_numpy(dtype=float) for s in sr.scores},
                                                      direction=sr.direction)
    return result


def _table1_variables(spec, df, outcome, id_col, *, say: bool = True) -> list:
    """Table 1's variables: those listed (refused when one looks like a patient identifier or a date, unless
    the report may hold row-level data), or the first 30 columns without such columns (left out, and said in a
    warning shown beside Table 1)."""
    t1 = spec.table1
    if t1.variables:
        flagged = {} if spec.report.include_row_level else identifier_columns(df, t1.variables)
        if flagged:
            what = "; ".join(f"{c!r} {reason}" for c, reason in flagged.items())
            raise DataValidationError(
                f"table1.variables: {what}. Table 1 would list such a column's values one per patient, and the "
                "report must not hold row-level data; remove it from table1.variables (or set report: "
                "{include_row_level: true} if the report may hold row-level data).")
        return t1.variables
    variables, left_out = [], {}
    for c in df.columns:
        if c in (outcome, id_col):
            continue
        reason = identifier_reason(df[c], c)
        if reason is not None:
            left_out[c] = reason
        elif len(variables) < 30:
            variables.append(c)
    if left_out and say:
        what = "; ".join(f"{c!r} {reason}" for c, reason in left_out.items())
        warnings.warn(f"Table 1 leaves out {len(left_out)} column(s) that look like patient identifiers or dates: "
                      f"{what}. List table1.variables to choose the variables.", DataWarning, stacklevel=2)
    return variables


def _reference_first(spec, df) -> pd.DataFrame:
    """Categorical variables with a ``regression.reference`` level listed with that level first (Table 1 shows
    the reference level first, as the OR table does); ordered scales used for a trend keep their order."""
    ref = spec.regression.reference if spec.regression is not None else {}
    trend = set(spec.table1.trend) if spec.table1 is not None else set()
    out = {}
    for var, level in ref.items():
        if var not in df.columns or var in trend:
            continue
        s = df[var]
        levels = list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype) else sorted(
            pd.unique(s.dropna()), key=lambda v: (str(type(v)), v))
        if level in levels and levels[0] != level:
            out[var] = pd.Categorical(s, categories=[level] + [v for v in levels if v != level])
    return df.assign(**out) if out else df


def describe(scope, df, outcome, id_col) -> dict:
    """Table 1 by outcome group, and the test for trend of each ``table1.trend`` variable."""
    t1 = scope.spec.table1
    variables = _table1_variables(scope.spec, df, outcome, id_col)
    data = _reference_first(scope.spec, df)
    out = {"table1": table_one(data, group=outcome, variables=variables, categorical=t1.categorical or None,
                               nonnormal=t1.nonnormal or None, equal_var=t1.equal_var, yates=t1.yates,
                               allow_identifiers=True)}  # checked above, with the study file's words
    if t1.trend:
        out["trend"] = {v: trend_test(df, outcome, v) for v in t1.trend}
    return out


def regress(scope, df, outcome) -> dict:
    """Univariable screen, multivariable model (with its apparent calibration) and its nomogram."""
    r = scope.spec.regression
    tab = regression_table(df, outcome, r.candidates, categorical=r.categorical or None, screen_p=r.screen_p,
                           screen_rule=r.screen_rule, multivariable=r.multivariable, ci_method=r.ci_method,
                           method=r.method, reference=dict(r.reference) or None, scale=dict(r.scale) or None)
    out = {"regression": tab}
    if tab.multivariable is not None:
        fit = tab.multivariable
        out["calibration_multivariable"] = calibration(fit.y, np.clip(fit.fitted, P_CLIP, 1 - P_CLIP))
        if r.nomogram:
            out["nomogram"] = nomogram(fit)
    return out


PARALLEL_MIN_ROWS = 20_000  # below this a logistic resample takes milliseconds: starting workers costs more


def resampling_workers(n_rows: int | None = None) -> int:
    """Workers for a stage's resampling: the study's ``compute.workers`` (the cores, or the cluster's workers;
    :func:`~cohortstats._parallel.available_workers`), or 1 for a cheap loop over fewer than
    ``PARALLEL_MIN_ROWS`` patients. The result is the same for any number of workers."""
    return available_workers() if n_rows is None or n_rows >= PARALLEL_MIN_ROWS else 1


def validate(scope, df, outcome, regression, *, show_bars=False) -> dict:
    """Bootstrap internal validation of the multivariable model (Harrell's optimism correction). A screened
    model repeats the univariable screen and the multivariable fit in each resample (Harrell's rule, selection
    frequencies reported); a model with given predictors is refitted as it is."""
    r = scope.spec.regression
    if r.multivariable is None:
        spec = ScreenedLogisticSpec(outcome, tuple(r.candidates), r.screen_p, r.screen_rule, tuple(r.categorical))
        cols = [outcome, *r.candidates]
    else:
        spec = LogisticSpec(outcome, tuple(regression.selected),
                            tuple(c for c in r.categorical if c in regression.selected))
        cols = [outcome, *regression.selected]
    val = bootstrap_validation(df[cols], outcome, spec=spec, B=r.validation_B, random_state=scope.spec.seed,
                               progress=show_bars, n_jobs=resampling_workers(len(df)))
    return {"validation": val, "validation_n": int(df[cols].notna().all(axis=1).sum())}  # complete cases used


def split(scope, df, outcome) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The training/test split and its patient-flow line."""
    sp = scope.spec.split or SplitSpec()
    seed = sp.seed if sp.seed is not None else scope.spec.seed
    train, test = train_test_split(df, outcome, test_size=sp.test_size, random_state=seed, stratify=sp.stratify)
    how = "stratified by outcome" if sp.stratify else "not stratified"
    line = f"Random split ({how}, seed {seed}): {len(train)} training and {len(test)} test patients."
    return train, test, line


def describe_split(scope, train, test, outcome, id_col) -> dict:
    """Table 1 of the training and test sets side by side."""
    t1 = scope.spec.table1
    variables = _table1_variables(scope.spec, train, outcome, id_col, say=False)
    cols = list(dict.fromkeys([outcome, *variables]))
    both = pd.concat([train[cols].assign(_set="train"), test[cols].assign(_set="test")])
    return {"table1_split": table_one(both, group="_set", variables=[outcome, *variables],
                                      categorical=[outcome, *t1.categorical], nonnormal=t1.nonnormal or None,
                                      group_order=["train", "test"], equal_var=t1.equal_var, yates=t1.yates,
                                      allow_identifiers=True)}


def model_specs(spec) -> list[ModelSpec]:
    """The study file's models as :class:`ModelSpec` (a rad-score's screen defaults to ``signature_screen``)."""
    return [ModelSpec(m.name, m.features, estimator=m.estimator,
                      screen=m.screen if m.screen is not None else (spec.signature_screen if any(
                          feature_block(f)[0] is not None for f in m.features) else None)) for m in spec.models]


def fit(scope, train, test, outcome, sets) -> tuple[object, list, list]:
    """Fit every model on the training set. A model whose rad-score keeps no feature is left out (listed with the
    reason); returns (ModelComparison, the specs that were fitted, the skipped lines)."""
    specs, skipped = model_specs(scope.spec), []
    seed = (scope.spec.split or SplitSpec()).seed
    seed = seed if seed is not None else scope.spec.seed
    while True:
        with warnings.catch_warnings(record=True) as caught:  # only the final attempt's warnings are passed on
            warnings.simplefilter("always")
            try:
                models = fit_models(train, test, outcome, specs, feature_sets=sets, random_state=seed)
            except EmptySignatureError as err:  # that model is left out, and the report says why
                skipped.append(str(err))  # the message starts with the model's name
                specs = [s for s in specs if s.name != err.model]
                if not specs:
                    raise
                continue
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return models, specs, skipped


def compare(scope, models, specs) -> tuple[dict, list]:
    """DeLong comparisons (and NRI/IDI) of the requested pairs on the test and training sets."""
    cmp_spec = scope.spec.comparisons
    pairs, skipped, out = None, [], {}
    if cmp_spec.pairs != "all":
        fitted = {s.name for s in specs}
        pairs = [tuple(p) for p in cmp_spec.pairs if set(p) <= fitted]
        skipped = [f"comparison {p[0]} vs {p[1]} (a model was left out)" for p in cmp_spec.pairs
                   if not set(p) <= fitted]
    if len(specs) > 1 and pairs != []:
        out["comparisons"] = {set_name: compare_aucs(*models.scores(set_name), adjust=cmp_spec.adjust,
                                                     alternative=cmp_spec.alternative, pairs=pairs)
                              for set_name in ("test", "train")}
        if cmp_spec.reclassification:
            out["reclassification"] = {
                set_name: compare_reclassification(*models.scores(set_name), cutoffs=cmp_spec.nri_cutoffs,
                                                   pairs=old_new_pairs(cmp.pairs, cmp_spec.alternative))
                for set_name, cmp in out["comparisons"].items()}
    return out, skipped


def old_new_pairs(pairs: pd.DataFrame, alternative: str) -> list[tuple[str, str]]:
    """(old, new) model pairs for NRI/IDI: the new model is the one the DeLong alternative favours (model_a for
    "greater", H1: AUC(A) > AUC(B)); for two-sided and "less" tests it is model_b, the second of the pair (with
    ``pairs: all``, the model listed later in the study file)."""
    return [(a, b) if alternative != "greater" else (b, a) for a, b in zip(pairs["model_a"], pairs["model_b"])]


def decision_thresholds(spec, y) -> np.ndarray:
    """The decision curves' thresholds: ``decision_curve.start`` to ``stop`` by ``step``; without a stop, one set by
    the outcome's prevalence in ``y`` (:func:`~cohortstats.study.spec.decision_curve_stop`)."""
    dcs = spec.decision_curve
    stop = dcs.stop if dcs.stop is not None else decision_curve_stop(float(np.mean(y)))
    return np.round(np.arange(dcs.start, stop + dcs.step / 2, dcs.step), 6)


def evaluate(scope, models, specs) -> dict:
    """Decision curves and calibration of every model on the test and the training set; each model's LASSO
    (``lassos``: path, CV curve, coefficients) and the features each screening step kept (``screening``)."""
    thr = decision_thresholds(scope.spec, np.r_[models.scores("train")[0], models.scores("test")[0]])
    groups = 10 if len(models.scores("test")[0]) >= 100 else 5  # about ten patients or more per group
    out = {"decision_curve": models.decision_curve("test", thresholds=thr),
           "decision_curve_train": models.decision_curve("train", thresholds=thr),
           "calibration_test_all": {m.name: models.calibration(m.name, "test", groups=groups) for m in specs},
           "calibration_train_all": {m.name: models.calibration(m.name, "train") for m in specs}}
    y_test, p_test = models.scores("test")  # each model's training cut-off carried to the test set
    out["diagnostic"] = {m.name: {"train": models.thresholds[m.name], "test": threshold_metrics(
        y_test, p_test[m.name], threshold=models.thresholds[m.name])} for m in specs if m.name in models.thresholds}
    out["calibration_test"] = out["calibration_test_all"][specs[-1].name]
    lassos, screening = {}, {}
    for (mname, block), _ in models.selected.items():
        if feature_block(block)[0] is not None:
            lassos[(mname, block.split(":", 1)[1])] = signature_of(models.pipelines[mname], block)
            screening[(mname, block)] = screening_steps(models.pipelines[mname], block)
    out["lassos"] = lassos
    out["screening"] = screening
    return out


def model_nomogram(scope, models, train, outcome, sets) -> tuple[dict, list]:
    """The nomogram of ``nomogram.model``: logistic regression of the model's inputs (clinical covariates as
    they are, each rad-score as fitted) on the training set. Returns (results, skipped lines)."""
    name = scope.spec.nomogram.model
    if name not in models.pipelines:
        return {}, [f"nomogram of {name} (the model was not fitted)"]
    inputs = model_inputs(models, name, train, sets)
    data = inputs.assign(**{outcome: train[outcome].to_numpy()})
    fit = logistic_regression(data, outcome, list(inputs.columns), ci_method="wald")
    return {"model_nomogram": nomogram(fit), "model_nomogram_fit": fit, "model_nomogram_name": name}, []


def cross_validate(scope, df, outcome, specs, sets) -> dict:
    """Repeated stratified K-fold cross-validation of the fitted models' specifications, on the study's workers."""
    cv = scope.spec.cv
    return {"cv": cross_validate_models(df, outcome, specs, feature_sets=sets, n_splits=cv.n_splits,
                                        n_repeats=cv.n_repeats, random_state=scope.spec.seed,
                                        n_jobs=resampling_workers())}  # every fold refits whole pipelines


def survive(scope, df, outcome) -> dict:
    """Kaplan-Meier by group (with the log-rank test) and Cox regression."""
    spec = scope.spec
    sv = spec.survival
    event_value = sv.event_value
    if sv.event == outcome and spec.outcome.positive is not None:
        event_value = None  # the outcome column was recoded to 0/1 (1 = outcome.positive)
    out = {}
    if sv.predictors:
        out["cox"] = cox_regression(df, sv.duration, sv.event, sv.predictors, categorical=sv.categorical or None,
                                    ties=sv.ties, positive=event_value)
    out["km"] = kaplan_meier(df, sv.duration, sv.event, sv.group, positive=event_value)
    return out
