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
from .._parallel import available_workers
from ..describe.table_one import table_one
from ..evaluation.calibration import calibration
from ..evaluation.reclassification import compare_reclassification
from ..evaluation.roc import compare_aucs
from ..evaluation.validation import bootstrap_validation
from ..exceptions import DataValidationError, DataWarning, EmptySignatureError
from ..models import ModelSpec, cross_validate_models, fit_models, signature_of, train_test_split
from ..regression.nomogram import nomogram
from ..regression.survival import cox_regression, kaplan_meier
from ..regression.univariable import regression_table
from .spec import SplitSpec

__all__ = ["describe", "regress", "validate", "split", "describe_split", "fit", "compare", "evaluate",
           "cross_validate", "survive"]


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


def describe(scope, df, outcome, id_col) -> dict:
    """Table 1 by outcome group."""
    t1 = scope.spec.table1
    variables = _table1_variables(scope.spec, df, outcome, id_col)
    return {"table1": table_one(df, group=outcome, variables=variables, categorical=t1.categorical or None,
                                nonnormal=t1.nonnormal or None, equal_var=t1.equal_var, yates=t1.yates,
                                allow_identifiers=True)}  # checked above, with the study file's words


def regress(scope, df, outcome) -> dict:
    """Univariable screen, multivariable model (with its apparent calibration) and its nomogram."""
    r = scope.spec.regression
    tab = regression_table(df, outcome, r.candidates, categorical=r.categorical or None, screen_p=r.screen_p,
                           screen_rule=r.screen_rule, multivariable=r.multivariable, ci_method=r.ci_method,
                           method=r.method)
    out = {"regression": tab}
    if tab.multivariable is not None:
        fit = tab.multivariable
        out["calibration_multivariable"] = calibration(fit.y, np.clip(fit.fitted, 1e-12, 1 - 1e-12))
        if r.nomogram:
            out["nomogram"] = nomogram(fit)
    return out


def validate(scope, df, outcome, regression, *, show_bars=False) -> dict:
    """Bootstrap internal validation of the multivariable model (Harrell's optimism correction)."""
    r = scope.spec.regression
    cat = [c for c in r.categorical if c in regression.selected]
    val = bootstrap_validation(df, outcome, regression.selected, categorical=cat or None, B=r.validation_B,
                               random_state=scope.spec.seed, progress=show_bars,
                               n_jobs=available_workers() if len(df) >= 20_000 else 1)  # compute.workers
    return {"validation": val}


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
                          f.startswith("signature:") for f in m.features) else None)) for m in spec.models]


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


def evaluate(scope, models, specs) -> dict:
    """Decision curves and calibration of every model on the test set, and each rad-score's LASSO."""
    dcs = scope.spec.decision_curve
    thr = np.round(np.arange(dcs.start, dcs.stop + dcs.step / 2, dcs.step), 6)
    out = {"decision_curve": models.decision_curve("test", thresholds=thr),
           "calibration_test_all": {m.name: models.calibration(m.name, "test") for m in specs}}
    out["calibration_test"] = out["calibration_test_all"][specs[-1].name]
    lassos = {}
    for (mname, block), _ in models.selected.items():
        if block.startswith("signature:"):
            lassos[(mname, block.split(":", 1)[1])] = signature_of(models.pipelines[mname], block)
    out["lassos"] = lassos
    return out


def cross_validate(scope, df, outcome, specs, sets) -> dict:
    cv = scope.spec.cv
    return {"cv": cross_validate_models(df, outcome, specs, feature_sets=sets, n_splits=cv.n_splits,
                                        n_repeats=cv.n_repeats, random_state=scope.spec.seed)}


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
