"""The missing-data stages of a study (``missing:``): what complete-case analysis dropped, or multiple imputation
carried through Table 1, the odds ratios, their validation and the prediction models, pooled by Rubin's rules.

Like :mod:`.stages`, each function takes the analysis' spec (``scope.spec``) and plain data and returns a dict
of named result objects; :func:`run_imputed` sequences the imputed analysis inside the runner's recorded stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._identifiers import identifier_reason
from .._validation import _preview
from ..describe.table_one import table_one
from ..exceptions import DataValidationError, EmptySignatureError
from ..missing import (
    bootstrap_validation_imputed,
    impute,
    pool_model_comparisons,
    pool_table_one,
    pooled_regression_table,
)
from ..models import fit_models
from . import stages
from .spec import SplitSpec

__all__ = ["MissingData", "imputation_variables", "missing_data", "flow_lines", "impute_all", "describe_imputed",
           "regress_imputed", "validate_imputed", "impute_split", "describe_split_imputed", "fit_imputed",
           "run_imputed"]


@dataclass(frozen=True)
class MissingData:
    """Missing values of the analysed variables and what the analysis did about them.

    ``table``: ``variable, n, n_missing, percent, used_in, imputed`` (the incomplete data, after exclusions);
    ``method``: "complete_case" or "impute"; ``dropped``: ``analysis, n, n_analysed, n_dropped, by_variable``
    (complete-case analyses: patients left out and, per variable, how many of them lacked it); ``variables``: the
    imputation's variables; ``m, maxit, donors, seed`` (impute only)."""

    table: pd.DataFrame
    method: str
    dropped: pd.DataFrame = field(default_factory=pd.DataFrame)
    variables: tuple = ()
    m: int = 0
    maxit: int = 0
    donors: int = 0
    seed: int | None = None


def _analysis_columns(spec, df, outcome, id_col, sets) -> dict:
    """Column -> the analyses that read it (Table 1, regression, the models' plain inputs and listed sets)."""
    used: dict = {}

    def add(cols, what):
        for c in cols:
            if c in df.columns and c not in (outcome, id_col):
                used.setdefault(c, [])
                if what not in used[c]:
                    used[c].append(what)

    if spec.table1 is not None:
        add(stages._table1_variables(spec, df, outcome, id_col, say=False), "Table 1")
    if spec.regression is not None:
        add(spec.regression.candidates, "regression")
    for m in spec.models:
        for f in m.features:
            if f.startswith("signature:"):
                continue
            if f in sets:
                fs = spec.feature_sets.get(f)
                add(fs.columns if fs is not None and fs.prefix is None else [], f"model {m.name}")
            else:
                add([f], f"model {m.name}")
    return used


def imputation_variables(scope, df, outcome, id_col, sets) -> list:
    """The imputation's variables: ``missing.variables`` (the outcome always added), or by default the outcome,
    Table 1's variables, the regression candidates and the models' plain inputs (feature sets given by prefix,
    such as radiomics, are not imputed: their gaps stay with the models' training-median imputation)."""
    spec = scope.spec
    if spec.missing.variables:
        listed = list(spec.missing.variables)
        absent = [c for c in listed if c not in df.columns]
        if absent:
            raise DataValidationError(f"missing.variables: {_preview(absent)} not in the data (after exclusions); "
                                      f"columns: {_preview(list(df.columns), 15)}.")
        if id_col in listed:
            raise DataValidationError(f"missing.variables lists the id column {id_col!r}; an identifier must not "
                                      "predict anything. Remove it.")
        return list(dict.fromkeys([outcome, *listed]))
    cols = [c for c in _analysis_columns(spec, df, outcome, id_col, sets) if identifier_reason(df[c], c) is None]
    return [outcome, *cols]


def missing_data(scope, df, outcome, id_col, sets, results=None) -> dict:
    """Missing values per analysed variable; with complete-case analysis, the patients the multivariable
    regression left out, by variable. Adds ``missing_data`` (a :class:`MissingData`)."""
    spec = scope.spec
    used = _analysis_columns(spec, df, outcome, id_col, sets)
    imputing = spec.missing.method == "impute"
    variables = imputation_variables(scope, df, outcome, id_col, sets) if imputing else []
    rows = [{"variable": c, "n": len(df), "n_missing": int(df[c].isna().sum()),
             "percent": 100.0 * float(df[c].isna().mean()), "used_in": ", ".join(what), "imputed": c in variables}
            for c, what in used.items()]
    for c in variables:  # auxiliary variables of the imputation
        if c not in used and c != outcome:
            rows.append({"variable": c, "n": len(df), "n_missing": int(df[c].isna().sum()),
                         "percent": 100.0 * float(df[c].isna().mean()), "used_in": "imputation only", "imputed": True})
    table = pd.DataFrame(rows, columns=["variable", "n", "n_missing", "percent", "used_in", "imputed"])
    dropped = _dropped(df, outcome, (results or {}).get("regression")) if not imputing else pd.DataFrame()
    m = spec.missing
    return {"missing_data": MissingData(table, m.method, dropped, tuple(variables), m.m if imputing else 0,
                                        m.maxit if imputing else 0, m.donors if imputing else 0,
                                        (m.seed if m.seed is not None else spec.seed) if imputing else None)}


def flow_lines(md: MissingData) -> list[str]:
    """Patient-flow lines of a complete-case analysis: who the multivariable regression left out, by variable."""
    return [f"Complete-case analysis: the multivariable regression analysed {r.n_analysed} of {r.n} patients; "
            f"{r.n_dropped} left out for missing values ({r.by_variable})." for r in md.dropped.itertuples()
            if r.analysis == "multivariable regression" and r.n_dropped]


def _dropped(df, outcome, regression) -> pd.DataFrame:
    rows = []
    if regression is not None and regression.multivariable is not None:
        cols = list(regression.selected)
        miss = df[cols].isna()
        out = miss.any(axis=1)
        by = {c: int(miss.loc[out, c].sum()) for c in cols if miss.loc[out, c].any()}
        several = int((miss.loc[out].sum(axis=1) > 1).sum())
        text = ", ".join(f"{c} {k}" for c, k in by.items()) + (f" ({several} lacked several)" if several else "")
        rows.append({"analysis": "multivariable regression", "n": len(df), "n_analysed": int((~out).sum()),
                     "n_dropped": int(out.sum()), "by_variable": text})
    if regression is not None:
        for var, fit in regression.univariable.fits.items():
            k = int(df[var].isna().sum())
            if k:
                rows.append({"analysis": f"univariable regression of {var}", "n": len(df), "n_analysed": len(df) - k,
                             "n_dropped": k, "by_variable": f"{var} {k}"})
    return pd.DataFrame(rows, columns=["analysis", "n", "n_analysed", "n_dropped", "by_variable"])


def _seed(spec) -> int:
    return spec.missing.seed if spec.missing.seed is not None else spec.seed


def impute_all(scope, df, outcome, variables) -> dict:
    """Multiple imputation of the analysed patients (for Table 1 and the odds ratios)."""
    m = scope.spec.missing
    return {"imputation": impute(df, m=m.m, variables=variables, maxit=m.maxit, donors=m.donors,
                                 random_state=_seed(scope.spec))}


def describe_imputed(scope, df, imputation, outcome, id_col) -> dict:
    """Table 1 pooled over the completed data sets, with the missing counts of the incomplete data."""
    t1 = scope.spec.table1
    variables = stages._table1_variables(scope.spec, df, outcome, id_col)
    kw = dict(group=outcome, variables=variables, categorical=t1.categorical or None, nonnormal=t1.nonnormal or None,
              equal_var=t1.equal_var, yates=t1.yates, allow_identifiers=True)
    return {"table1": pool_table_one([table_one(d, **kw) for d in imputation.datasets], table_one(df, **kw))}


def regress_imputed(scope, datasets, outcome) -> dict:
    """Univariable screen and multivariable model on every completed data set, pooled (``regression_pooled``)."""
    r = scope.spec.regression
    return {"regression_pooled": pooled_regression_table(
        datasets, outcome, r.candidates, categorical=r.categorical or None, screen_p=r.screen_p,
        screen_rule=r.screen_rule, multivariable=r.multivariable, method=r.method)}


def validate_imputed(scope, df, outcome, pooled, variables, *, show_bars=False) -> dict:
    """Bootstrap validation of the pooled multivariable model, the imputation redone in every resample."""
    r, m = scope.spec.regression, scope.spec.missing
    cat = [c for c in r.categorical if c in pooled.selected]
    return {"validation": bootstrap_validation_imputed(
        df, outcome, pooled.selected, pooled.multivariable_fits, variables=variables, categorical=cat or None,
        B=r.validation_B, random_state=scope.spec.seed, maxit=m.maxit, donors=m.donors, progress=show_bars,
        n_jobs=stages.resampling_workers())}  # an imputation per resample: worth the workers at any size


def impute_split(scope, train, test, outcome, variables) -> dict:
    """Training and test sets imputed together, the imputation models fitted on the training patients only
    (the test rows ignored) and the test patients' outcomes set aside (unknown at prediction time, so not used
    to impute their predictors). Returns ``imputation_split`` and ``split_datasets`` (completed pairs)."""
    m = scope.spec.missing
    stacked = pd.concat([train, test.assign(**{outcome: np.nan})], ignore_index=True)
    ignore = np.r_[np.zeros(len(train), bool), np.ones(len(test), bool)]
    imp = impute(stacked, m=m.m, variables=variables, maxit=m.maxit, donors=m.donors, ignore=ignore,
                 random_state=_seed(scope.spec) + 1)
    pairs = []
    for d in imp.datasets:
        tr = d.iloc[:len(train)].set_axis(train.index).assign(**{outcome: train[outcome]})
        te = d.iloc[len(train):].set_axis(test.index).assign(**{outcome: test[outcome]})  # the true outcomes back
        tr.attrs, te.attrs = dict(train.attrs), dict(test.attrs)
        pairs.append((tr, te))
    return {"imputation_split": imp, "split_datasets": pairs}


def describe_split_imputed(scope, train, test, pairs, outcome, id_col) -> dict:
    """Table 1 of the training and test sets, pooled over the completed pairs."""
    pooled = [stages.describe_split(scope, tr, te, outcome, id_col)["table1_split"] for tr, te in pairs]
    return {"table1_split": pool_table_one(pooled, stages.describe_split(scope, train, test, outcome,
                                                                           id_col)["table1_split"])}


def fit_imputed(scope, pairs, outcome, sets) -> tuple[dict, list]:
    """The models fitted on every completed (training, test) pair and pooled. A model whose rad-score keeps no
    feature in some imputation is left out of all (listed with the reason)."""
    specs, skipped = stages.model_specs(scope.spec), []
    sp = scope.spec.split or SplitSpec()
    seed = sp.seed if sp.seed is not None else scope.spec.seed
    while True:
        try:
            fits = [fit_models(tr, te, outcome, specs, feature_sets=sets, random_state=seed) for tr, te in pairs]
            break
        except EmptySignatureError as err:
            skipped.append(f"{err} (in at least one imputed data set; left out of every one)")
            specs = [s for s in specs if s.name != err.model]
            if not specs:
                raise
    cmp = scope.spec.comparisons
    thr = stages.decision_thresholds(scope.spec, np.r_[fits[0].scores("train")[0], fits[0].scores("test")[0]])
    fitted = {s.name for s in specs}
    pairs_ = None if cmp.pairs == "all" else [tuple(p) for p in cmp.pairs if set(p) <= fitted]
    pooled = pool_model_comparisons(fits, thresholds=thr, pairs=pairs_, alternative=cmp.alternative,
                                    adjust=cmp.adjust)
    return {"models_pooled": pooled, "model_specs": specs}, skipped


def run_imputed(scope, df, outcome, id_col, sets, a, run, *, show_bars=False) -> None:
    """The analysis with ``missing: {method: impute}``: imputation, then Table 1, regression (with validation) and
    the models, each pooled; every step inside one of the runner's recorded stages."""
    spec = scope.spec
    with run.stage("missing", f"multiple imputation (m = {spec.missing.m})", a):
        variables = imputation_variables(scope, df, outcome, id_col, sets)
        a.results.update(missing_data(scope, df, outcome, id_col, sets))
        a.results.update(impute_all(scope, df, outcome, variables))
    datasets = a.results["imputation"].datasets
    if spec.table1 is not None:
        with run.stage("table1", "Table 1 (pooled over the imputations)", a):
            a.results.update(describe_imputed(scope, df, a.results["imputation"], outcome, id_col))
    else:
        a.skipped.append("Table 1 (no table1 block)")
    if spec.regression is None:
        a.skipped.append("regression (no regression block)")
    else:
        with run.stage("regression", "logistic regression on each imputed data set, pooled", a):
            a.results.update(regress_imputed(scope, datasets, outcome))
        pooled = a.results["regression_pooled"]
        if pooled.multivariable is not None and spec.regression.validation_B:
            with run.stage("validation", f"bootstrap validation with re-imputation (B = {spec.regression.validation_B})",
                           a):
                a.results.update(validate_imputed(scope, df, outcome, pooled, variables, show_bars=show_bars))
        if spec.regression.nomogram and pooled.multivariable is not None:
            a.skipped.append("nomogram (with multiple imputation the pooled model is reported as odds ratios; a "
                             "nomogram of pooled coefficients is not drawn)")
    md = a.results["missing_data"].table
    filled = md[md["imputed"] & (md["n_missing"] > 0)]
    a.flow.append(f"Multiple imputation ({spec.missing.m} data sets) of {len(filled)} incomplete variable(s)"
                  + (f" ({', '.join(f'{r.variable} {r.n_missing}' for r in filled.itertuples())} missing values)"
                     if len(filled) else "") + ": no patient left out for a missing value of an imputed variable.")
    if not spec.models:
        a.skipped.append("models and model comparison (no models block)")
        return
    test_size = spec.split.test_size if spec.split else 0.2
    with run.stage("split", f"training/test split ({round((1 - test_size) * 100)}:{round(test_size * 100)})", a):
        train, test, line = stages.split(scope, df, outcome)
        a.flow.append(line)
        a.results.update(impute_split(scope, train, test, outcome, variables))
        if spec.table1 is not None and spec.table1.by_split:
            a.results.update(describe_split_imputed(scope, train, test, a.results["split_datasets"], outcome, id_col))
    with run.stage("models", "fitting the models on each imputed training set, pooled", a):
        out, skipped = fit_imputed(scope, a.results["split_datasets"], outcome, sets)
        a.results.update(out)
        a.skipped += skipped
    if spec.comparisons.reclassification and len(a.results["model_specs"]) > 1:
        a.skipped.append("NRI and IDI (not pooled over imputations)")
    if spec.cv is not None:
        a.skipped.append("repeated cross-validation (not combined with multiple imputation)")
