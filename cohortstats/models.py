"""Train/test modelling without leakage: model specifications, fitted pipelines, and their comparison.

Every data-driven step (imputation, scaling, feature screening, the LASSO rad-score, the classifier)
is a scikit-learn step fitted on the training set only; the test set is only transformed. The
performance tables reuse the discrimination module's functions (DeLong CIs and tests, Youden
cut-offs carried from training to test); calibration and decision curves are one call away.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._parallel import CODE_WARNINGS, parallel_map, recording_warnings, seed_sequence, summarise_warnings
from ._validation import _preview, as_column_list, check_columns, check_dataframe, check_one_of
from .evaluation.cutoffs import threshold_metrics
from .evaluation.roc import auc_ci, compare_aucs
from .exceptions import CohortStatsWarning, DataValidationError, EmptySignatureError
from .model_checks import (
    check_events_per_parameter,
    check_model_inputs,
    check_separation,
    check_set_sizes,
    coded_outcome,
    imputation_table,
    model_steps,
)
from .regression.logistic import binary_outcome
from .pipeline_steps import (  # noqa: F401  (SCREEN_KEYS, screen_problem: imported from here by the study file)
    SCREEN_KEYS,
    MedianImputer,
    columns_of,
    describe_estimator,
    make_estimator,
    screen_problem,
    screen_steps,
    signature_pipeline,
)
from ._results import TidyHTML

__all__ = ["train_test_split", "ModelSpec", "fit_models", "ModelComparison", "build_pipeline", "cross_validate_models",
           "CrossValidatedPerformance", "feature_block", "screening_steps", "model_inputs"]

ESTIMATORS = ("logistic", "svm", "random_forest", "lasso_logistic")
BLOCK_KINDS = ("signature", "selected")


def feature_block(item: str) -> tuple[str | None, list[str]]:
    """What a model input names: ``"signature:a"`` -> ("signature", ["a"]) (one LASSO rad-score),
    ``"selected:a+b"`` -> ("selected", ["a", "b"]) (one LASSO over the union of the sets, whose selected
    columns go to the estimator), a column or feature-set name -> (None, [name])."""
    kind, _, rest = str(item).partition(":")
    if rest and kind in BLOCK_KINDS:
        return kind, [s.strip() for s in rest.split("+")]
    return None, [item]


def _is_block(key: str) -> bool:
    return feature_block(key)[0] is not None


def _check_seed(random_state) -> None:
    """A seed must be what scikit-learn accepts: a non-negative integer below 2**32 (or None / a RandomState)."""
    if isinstance(random_state, (bool, np.bool_)) or (
            isinstance(random_state, (int, np.integer)) and not 0 <= int(random_state) < 2**32):
        raise DataValidationError(f"random_state must be a non-negative integer below 2**32 (a seed), or None; got "
                                  f"{random_state!r}.")


def _check_models(models) -> list:
    if isinstance(models, ModelSpec) or not isinstance(models, (list, tuple)):
        raise TypeError(f"models must be a list of ModelSpec; got {type(models).__name__}. Wrap one model in a list: "
                        "[cs.ModelSpec(name, features)].")
    bad = [type(m).__name__ for m in models if not isinstance(m, ModelSpec)]
    if bad:
        raise TypeError(f"models must hold ModelSpec objects; got {', '.join(dict.fromkeys(bad))}. Build each with "
                        "cs.ModelSpec(name, features, estimator=...).")
    return list(models)


def train_test_split(df: pd.DataFrame, outcome: str, *, test_size: float = 0.2, random_state=0, stratify: bool = True,
                     positive=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split patients into training and test sets (8:2 and stratified by outcome by default).

    Patients with a missing outcome cannot be assigned and raise an error (remove them first, so
    that the exclusion is counted where it happens). The split settings are recorded in
    ``train.attrs["split"]`` and ``test.attrs["split"]``.

    Raises
    ------
    DataValidationError
        A missing outcome; ``test_size`` outside (0, 1); a class too small to appear in both sets, saying why
        (e.g. stratification gives the test set test_size x 2 = 0.4 events, which rounds to none).

    Notes
    -----
    scikit-learn's ``train_test_split`` with ``stratify = outcome``; the seed is part of the
    result so the split can be reproduced.
    """
    from sklearn.model_selection import train_test_split as sk_split

    check_dataframe(df, "df")
    check_columns(df, [outcome], "train_test_split")
    _check_seed(random_state)
    if df[outcome].isna().any():
        raise DataValidationError(f"outcome {outcome!r} is missing for {int(df[outcome].isna().sum())} patient(s); "
                                  "exclude them (and report it) before splitting.")
    if not 0 < float(test_size) < 1:
        raise DataValidationError(f"test_size must be a fraction between 0 and 1; got {test_size}.")
    y, _ = binary_outcome(df[outcome], outcome, positive)
    counts = pd.Series(y).value_counts()
    if stratify and counts.min() < 2:
        raise DataValidationError(f"outcome {outcome!r}: class {int(counts.idxmin())} has {int(counts.min())} patient(s); "
                                  "a stratified split needs at least 2 in each class (one for each set).")
    n_test = int(np.ceil(test_size * len(df)))
    if stratify and (n_test < len(counts) or len(df) - n_test < len(counts)):
        raise DataValidationError(f"test_size={test_size} gives {n_test} test and {len(df) - n_test} training "
                                  f"patient(s); a stratified split needs at least one patient of each of the "
                                  f"{len(counts)} outcome classes in both sets.")
    rows_tr, rows_te = sk_split(np.arange(len(df)), test_size=test_size, random_state=random_state,
                                stratify=y if stratify else None)
    train, test = df.take(rows_tr), df.take(rows_te)  # new frames (no view of df): one copy of each set
    for set_name, rows in (("test", rows_te), ("training", rows_tr)):
        got = pd.Series(y[rows]).value_counts()
        absent = [int(c) for c in counts.index if c not in got.index]
        if absent:
            c = absent[0]
            why = (f"stratification gives each set about test_size x {int(counts[c])} = "
                   f"{float(test_size) * int(counts[c]):.2f} of them in the test set, which rounds to none"
                   if stratify and set_name == "test" else
                   "the split is not stratified" if not stratify else "too few remain for training")
            raise DataValidationError(
                f"outcome {outcome!r}: the {set_name} set of this split has no patient of class {c} "
                f"({int(counts[c])} in all; {why}). "
                + (f"Raise test_size (so that test_size x {int(counts[c])} >= 1), " if set_name == "test"
                   else "Lower test_size, ")
                + ("use stratify=True, " if not stratify else "") + "or use cross-validation instead of one split.")
    info = {"test_size": float(test_size), "random_state": random_state, "stratified": bool(stratify),
            "n_train": len(train), "n_test": len(test)}
    train.attrs["split"] = dict(info, set="train")
    test.attrs["split"] = dict(info, set="test")
    return train, test


@dataclass(frozen=True)
class ModelSpec:
    """What to fit: a name, its inputs, and the estimator.

    Parameters
    ----------
    name : str
    features : sequence of str
        Column names, names of feature sets (``fit_models(feature_sets=...)``),
        ``"signature:<set>[+<set>...]"`` for a LASSO rad-score built from one or more feature sets inside the
        pipeline, or ``"selected:<set>[+<set>...]"`` for one LASSO over the union of the sets whose selected
        columns (standardised) go to the estimator.
    estimator : {"logistic", "svm", "random_forest", "lasso_logistic"}
        Unpenalised logistic regression (Newton-Cholesky, exact MLE), RBF SVM with Platt-scaled
        probabilities (fitted by internal CV on the training set), random forest (500 trees), or a
        cross-validated binomial LASSO used directly as the classifier.
    screen : dict, optional
        Screening applied to the model's raw features inside the pipeline (keys: ``p_threshold``,
        ``test``, ``fdr``, ``corr_threshold``, ``mrmr_k``).
    impute : {"median", None}
        Median imputation fitted on the training set (every imputed value is listed, per set and column, in
        ``ModelComparison.imputation``).
    params : dict
        Extra estimator arguments.
    """

    name: str
    features: tuple
    estimator: str = "logistic"
    screen: dict | None = None
    impute: str | None = "median"
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        check_one_of(self.estimator, ESTIMATORS, "estimator")
        check_one_of(self.impute, ("median", None), "impute")
        if self.screen is not None:
            problem = screen_problem(self.screen)
            if problem:
                raise DataValidationError(f"model {self.name!r}: {problem}")
        object.__setattr__(self, "features", tuple(as_column_list(self.features, "features")))
        if not self.features:
            raise DataValidationError(f"model {self.name!r} has no features.")


def _screen_summary(pipe, n_features: int) -> str:
    """How many features each fitted screening step of a signature pipeline kept, e.g. for an error message."""
    parts = [f"{n_features} feature(s)"]
    for name, step in pipe.steps[:-1]:
        support = getattr(step, "support_", None)
        if support is None:
            continue
        kept = int(np.sum(support))
        detail = ""
        if name == "univariable" and kept == 0 and len(getattr(step, "p_values_", [])):
            detail = f" (smallest P {float(np.min(step.p_values_)):.3g}, threshold {step.p_threshold:g})"
        parts.append(f"{name} screen kept {kept}{detail}")
    return "; ".join(parts)


def build_pipeline(spec: ModelSpec, columns: dict, random_state=0, n_train=None, fitted_signatures=None):
    """The scikit-learn pipeline of a model: per input block (plain columns or a rad-score), then the estimator.

    ``columns`` maps each of the spec's inputs to its column list (resolved by :func:`fit_models`).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    blocks = []
    plain = [c for key, cols in columns.items() if not _is_block(key) for c in cols]
    pre = [("impute", MedianImputer())] if spec.impute else []
    if plain:
        steps = list(pre)
        if spec.screen:
            steps += screen_steps(spec.screen)
        if spec.estimator in ("logistic", "svm"):
            steps.append(("scale", StandardScaler()))
        blocks.append(("features", Pipeline(steps) if steps else "passthrough", plain))
    for key, cols in columns.items():
        if _is_block(key):
            cached = (fitted_signatures or {}).get((key, repr(spec.screen), bool(spec.impute)))
            if cached is not None:
                from sklearn.frozen import FrozenEstimator

                block = FrozenEstimator(cached)  # fitted once on this training set, shared by the models using it
            else:
                block = signature_pipeline(spec.screen, bool(spec.impute), random_state, feature_block(key)[0])
            blocks.append((key.replace(":", "_"), block, list(cols)))
    ct = ColumnTransformer(blocks, remainder="drop", verbose_feature_names_out=True)
    pipe = Pipeline([("inputs", ct), ("model", make_estimator(spec, random_state, n_train))])
    # DataFrames flow between the steps, so screening reports and rad-score formulas keep feature names
    pipe[:-1].set_output(transform="pandas")
    return pipe


@dataclass(frozen=True)
class ModelComparison(TidyHTML):
    """Fitted models, their predictions and performance on the training and test sets.

    Attributes
    ----------
    performance : pandas.DataFrame
        One row per model x set: ``model, set, n, n_events, auc, conf_low, conf_high`` (DeLong),
        ``threshold`` (training Youden cut-off, carried unchanged to the test set), ``sensitivity,
        specificity, accuracy, ppv, npv``.
    delong : dict
        ``{"train": AucComparison, "test": AucComparison}``: every pair of models.
    predictions : pandas.DataFrame
        Row-level ``set, model, y, p`` (not written to reports unless asked).
    pipelines : dict
        ``{name: fitted scikit-learn Pipeline}``.
    selected : dict
        Per model and rad-score block, the features with non-zero LASSO coefficients.
    imputed : pandas.DataFrame
        ``model, set, n_imputed`` (values filled by median imputation, all columns together).
    split : dict
        The split settings (from ``train.attrs``), when known.
    estimators : dict
        ``{name: the estimator in words}``.
    imputation : pandas.DataFrame
        One row per model, set and imputed column: ``model, set, column, n`` (patients in the set),
        ``n_imputed``, ``method`` and ``value`` (the training median that replaced each missing value).
    checks : pandas.DataFrame
        One row per model: ``model, estimator``; for unpenalised logistic models ``n_events`` (the smaller
        training class), ``n_parameters`` (candidate parameters before screening: plain columns plus one per
        rad-score), ``epv`` and ``separation`` (``"none"``, ``"quasi-complete"`` or ``"complete"``).
    steps : dict
        Per model, its actual steps (plain inputs, rad-scores with their feature counts, imputation, screening,
        LASSO rule, estimator), for the methods text.
    specs : dict
        ``{name: ModelSpec}`` as fitted.
    """

    performance: pd.DataFrame
    delong: dict
    predictions: pd.DataFrame
    pipelines: dict = field(repr=False)
    selected: dict = field(default_factory=dict)
    imputed: pd.DataFrame = field(default_factory=pd.DataFrame)
    split: dict = field(default_factory=dict)
    thresholds: dict = field(default_factory=dict, repr=False)
    estimators: dict = field(default_factory=dict)
    imputation: pd.DataFrame = field(default_factory=pd.DataFrame)
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    steps: dict = field(default_factory=dict, repr=False)
    specs: dict = field(default_factory=dict, repr=False)

    def tidy(self) -> pd.DataFrame:
        return self.performance.copy()

    def scores(self, set: str = "test") -> tuple[np.ndarray, dict]:
        """``(y, {model: predicted probabilities})`` for one set, ready for calibration or decision curves."""
        sub = self.predictions[self.predictions["set"] == set]
        models = list(dict.fromkeys(sub["model"]))
        y = sub[sub["model"] == models[0]]["y"].to_numpy()
        return y, {m: sub[sub["model"] == m]["p"].to_numpy() for m in models}

    def decision_curve(self, set: str = "test", **kwargs):
        from .evaluation.decision_curve import decision_curve

        y, scores = self.scores(set)
        return decision_curve(y, scores, **kwargs)

    def calibration(self, model: str, set: str = "test", **kwargs):
        from .evaluation.calibration import P_CLIP, calibration

        y, scores = self.scores(set)
        kwargs.setdefault("validation", set != "train")  # Hosmer-Lemeshow df = g on patients not fitted on
        return calibration(y, np.clip(scores[model], P_CLIP, 1 - P_CLIP), **kwargs)


def _block_of(pipe, key: str):
    block = pipe.named_steps["inputs"].named_transformers_[key.replace(":", "_")]
    return getattr(block, "estimator", block)  # FrozenEstimator wraps a shared, already fitted block


def signature_of(pipe, key: str):
    """The fitted LassoSignature of a ``signature:`` or ``selected:`` block of a fitted model pipeline."""
    lasso = _block_of(pipe, key).named_steps["lasso"]
    return getattr(lasso, "signature_", lasso)


def model_inputs(comparison: "ModelComparison", name: str, df: pd.DataFrame, feature_sets: dict) -> pd.DataFrame:
    """A fitted model's inputs for ``df`` on their own scale: its plain columns as they are and one column per
    rad-score (``"Rad-score (<set>)"``), e.g. to fit the nomogram of clinical covariates + rad-score."""
    spec = comparison.specs[name]
    cols = _resolve(spec, df, dict(feature_sets or {}))
    pipe = comparison.pipelines[name]
    out = {}
    for key, c in cols.items():
        kind, names = feature_block(key)
        if kind == "selected":
            raise DataValidationError(f"model {name!r} feeds LASSO-selected features to its estimator; its inputs "
                                      "are not a rad-score (use 'signature:<set>' for a nomogram).")
        if kind == "signature":  # the block as fitted: imputation, screens, LASSO
            out[f"Rad-score ({' + '.join(names)})"] = np.asarray(_block_of(pipe, key).transform(columns_of(df, c)),
                                                                  dtype=float).ravel()
        else:
            for col in c:
                out[col] = df[col].to_numpy()
    return pd.DataFrame(out, index=df.index)


def screening_steps(pipe, key: str) -> pd.DataFrame:
    """How many features each step of a fitted ``signature:``/``selected:`` block kept: ``step, n_in, n_kept``
    (input features, near-zero variance, univariable test, correlation, mRMR, LASSO)."""
    block = _block_of(pipe, key)
    n = int(block.n_features_in_)
    rows = [{"step": "input features", "n_in": n, "n_kept": n}]
    for name, step in block.steps:
        if name == "lasso":
            kept = int(np.sum(np.asarray(getattr(step, "signature_", step).coef_) != 0))
        elif getattr(step, "support_", None) is not None:
            kept = int(np.sum(step.support_))
        else:
            continue
        rows.append({"step": name, "n_in": n, "n_kept": kept})
        n = kept
    return pd.DataFrame(rows)


def _inputs_text(spec: ModelSpec) -> str:
    parts = []
    for item in spec.features:
        kind, names = feature_block(item)
        sets = " + ".join(names)
        parts.append(f"the LASSO rad-score of {sets}" if kind == "signature" else
                     f"the features of {sets} selected by one LASSO" if kind == "selected" else item)
    return "; ".join(parts)


def _resolve(spec: ModelSpec, df: pd.DataFrame, feature_sets: dict) -> dict:
    out = {}
    for item in spec.features:
        kind, names = feature_block(item)
        if kind is not None:
            for name in names:
                if name not in feature_sets:
                    raise DataValidationError(f"model {spec.name!r} names {kind} set {name!r}, which is not among the "
                                              f"feature sets {_preview(list(feature_sets))}.")
            out[item] = list(dict.fromkeys(c for name in names for c in feature_sets[name]))
        elif item in feature_sets:
            out[item] = list(feature_sets[item])
        elif item in df.columns:
            out[item] = [item]
        else:
            raise DataValidationError(f"model {spec.name!r}: {item!r} is neither a column nor a feature set "
                                      f"({_preview(list(feature_sets))}).")
    out = {k: [str(c) for c in v] for k, v in out.items()}
    cols = [c for v in out.values() for c in v]
    check_columns(df, cols, f"model {spec.name!r}")
    from .data import is_pyradiomics_metadata

    meta = [c for c in cols if is_pyradiomics_metadata(c.split("_", 1)[-1]) or is_pyradiomics_metadata(c)]
    if meta:
        raise DataValidationError(f"model {spec.name!r} uses pyradiomics metadata columns, not features: "
                                  f"{_preview(meta)}. Remove the diagnostics_* (and Image/Mask) columns from its inputs.")
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise DataValidationError(f"model {spec.name!r} uses column(s) {_preview(dup)} twice; give feature sets "
                                  "distinct prefixes (merge_tables(prefixes=...)).")
    return out


def fit_models(train: pd.DataFrame, test: pd.DataFrame, outcome: str, models, *, feature_sets: dict | None = None,
               positive=None, random_state=0, conf_level: float = 0.95) -> ModelComparison:
    """Fit each model on the training set and evaluate it on both sets.

    Parameters
    ----------
    train, test : pandas.DataFrame
        From :func:`train_test_split` (or any split).
    outcome : str
    models : list of ModelSpec
    feature_sets : dict, optional
        ``{set name: [columns]}``, e.g. ``{"clinical": [...], "rad_whole": [...], "deep": [...]}``.

    Returns
    -------
    ModelComparison
        With ``imputation`` (what was imputed, per model, set and column), ``checks`` (EPV and separation of
        unpenalised logistic models) and ``steps`` (each model's actual steps).

    Raises
    ------
    DataValidationError
        A missing outcome in either set; a test-set outcome value the training set lacks; fewer than two events
        or non-events in either set (DeLong's variance is undefined); a model input that is the outcome or
        separates the training outcome perfectly (|AUC - 0.5| = 0.5: leakage); text, infinite values, values
        beyond 1e100 in magnitude, or a feature missing for every training patient (named with its model).
    EmptySignatureError
        A rad-score or a LASSO classifier that keeps no feature (``.model`` names the model).

    Warns
    -----
    SmallCellWarning
        An unpenalised logistic model with fewer than 10 events per candidate parameter (plain columns counted
        before any screening, plus one per rad-score).
    SeparationWarning
        Complete or quasi-complete separation of an unpenalised logistic model in the training set (Konis' linear
        program, as :func:`cohortstats.logistic_regression`); the solver's own warnings are folded into it.

    Notes
    -----
    AUCs with DeLong CIs (pROC's ``ci.auc``); pairwise paired DeLong tests per set
    (``roc.test``); sensitivity etc. at the training set's Youden cut-off applied unchanged to the
    test set (Wilson CIs in ``threshold_metrics``). Missing inputs are replaced by the training set's median
    (``impute="median"``), listed in ``imputation``.

    Examples
    --------
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical
    >>> train, test = cs.train_test_split(df, "expansion", random_state=1)
    >>> res = cs.fit_models(train, test, "expansion", [cs.ModelSpec("clinical", ["volume", "glucose"])])
    >>> res.checks[["model", "n_parameters", "separation"]].to_dict("records")
    [{'model': 'clinical', 'n_parameters': 2, 'separation': 'none'}]
    """
    check_dataframe(train, "train")
    check_dataframe(test, "test")
    _check_seed(random_state)
    models = _check_models(models)
    if not models:
        raise DataValidationError("models is empty; give at least one ModelSpec.")
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise DataValidationError(f"model names must be unique; got {names}.")
    feature_sets = dict(feature_sets or {})
    check_columns(train, [outcome], "train")
    check_columns(test, [outcome], "test")
    coded_outcome(train[outcome], outcome, None, "training")  # a missing outcome is an error, not a non-event
    y_tr, positive = binary_outcome(train[outcome], outcome, positive)
    others = sorted(set(test[outcome].dropna().tolist()) - set(train[outcome].dropna().tolist()), key=str)
    if others:
        raise DataValidationError(f"outcome {outcome!r} has value(s) {_preview(others)} in the test set that the "
                                  "training set does not have; both sets must use the same two outcome values.")
    y_te = coded_outcome(test[outcome], outcome, positive, "test")
    split = dict(train.attrs.get("split", {}))
    check_set_sizes(y_tr, y_te, outcome, split)
    rows, preds, pipes, selected, thresholds, estimators, checks, steps = [], [], {}, {}, {}, {}, [], {}
    # a rad-score used by several models (same feature set and screen) is fitted once on the training set
    resolved = {spec.name: _resolve(spec, train, feature_sets) for spec in models}
    for spec in models:
        check_columns(test, [c for v in resolved[spec.name].values() for c in v], f"model {spec.name!r}, test set")
    check_model_inputs(models, resolved, train, test, outcome, y_tr)
    imputation = imputation_table(models, resolved, train, test)
    fitted_signatures = {}
    for spec in models:
        for key, cols in resolved[spec.name].items():
            sig_key = (key, repr(spec.screen), bool(spec.impute))
            if _is_block(key) and sig_key not in fitted_signatures:
                sp = signature_pipeline(spec.screen, bool(spec.impute), random_state, feature_block(key)[0])
                sp.set_output(transform="pandas")
                try:
                    fitted_signatures[sig_key] = sp.fit(columns_of(train, cols), y_tr)
                except DataValidationError as err:
                    raise EmptySignatureError(
                        f"model {spec.name!r}: the rad-score of {key.split(':', 1)[1]!r} cannot be built from the "
                        f"{len(train)} training patients: {_screen_summary(sp, len(cols))}"
                        + ("" if "0 feature(s)" in str(err) else f" ({err})")
                        + ". Relax the screen (e.g. screen: {p_threshold: 0.1}) or leave this feature set out.",
                        spec.name) from err
                lasso = fitted_signatures[sig_key].named_steps["lasso"]
                lasso = getattr(lasso, "signature_", lasso)
                if not np.any(np.asarray(lasso.coef_) != 0):
                    raise EmptySignatureError(
                        f"model {spec.name!r}: the LASSO (10-fold CV, lambda.{lasso.rule}) kept no feature of "
                        f"{key.split(':', 1)[1]!r} in the {len(train)} training patients "
                        f"({_screen_summary(fitted_signatures[sig_key], len(cols))}), so the rad-score would give "
                        "every patient the same risk. "
                        + ("Try screen: {lasso_rule: min}, or leave this feature set out." if lasso.rule == "1se"
                           else "Leave this feature set out, or relax the screen."), spec.name)
    for spec in models:
        cols = resolved[spec.name]
        pipe = build_pipeline(spec, cols, random_state, n_train=len(train), fitted_signatures=fitted_signatures)
        all_cols = [c for v in cols.values() for c in v]
        estimators[spec.name] = f"{describe_estimator(spec, len(train))}; inputs: {_inputs_text(spec)}"
        steps[spec.name] = model_steps(spec, cols)
        if not spec.impute:
            for nm, d in (("train", train), ("test", test)):
                n_miss = int(d[all_cols].isna().sum().sum())
                if n_miss:
                    raise DataValidationError(f"model {spec.name!r}: {n_miss} missing value(s) in the {nm} set and "
                                              "impute=None; impute explicitly or remove those patients.")
        check = {"model": spec.name, "estimator": spec.estimator, "n_events": np.nan, "n_parameters": np.nan,
                 "epv": np.nan, "separation": ""}
        if spec.estimator == "logistic":
            check.update(check_events_per_parameter(spec, cols, y_tr))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pipe.fit(columns_of(train, all_cols), y_tr)
        # deprecation notices are about code, not the user's data: passed on as they are, not folded into checks
        for w in caught:
            if issubclass(w.category, CODE_WARNINGS):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        caught = [w for w in caught if not issubclass(w.category, CODE_WARNINGS)]
        if spec.estimator == "logistic":
            check["separation"] = check_separation(spec, pipe, columns_of(train, all_cols), y_tr, caught)
        else:
            for w in caught:
                warnings.warn(f"model {spec.name!r}: {w.message}", w.category, stacklevel=2)
        checks.append(check)
        pipes[spec.name] = pipe
        for key, cols_k in cols.items():
            if _is_block(key):
                selected[(spec.name, key)] = signature_of(pipe, key).selected_features_
        if spec.estimator == "lasso_logistic":
            selected[(spec.name, "model")] = list(np.asarray(pipe[:-1].get_feature_names_out())[
                np.asarray(pipe.named_steps["model"].coef_ != 0)])
            if not selected[(spec.name, "model")]:
                lasso = pipe.named_steps["model"]
                raise EmptySignatureError(
                    f"model {spec.name!r}: the LASSO classifier (10-fold CV, lambda.{lasso.rule}) kept none of its "
                    f"{len(all_cols)} input(s) in the {len(train)} training patients, so it would give every patient "
                    "the same risk (AUC 0.5, no calibration). "
                    + ("Leave this model out or give it other inputs (in the API, params={'rule': 'min'} keeps "
                       "more)." if lasso.rule == "1se" else "Leave this model out, or give it other inputs."), spec.name)
        p_tr = pipe.predict_proba(columns_of(train, all_cols))[:, 1]
        p_te = pipe.predict_proba(columns_of(test, all_cols))[:, 1]
        tm_tr = threshold_metrics(y_tr, p_tr, threshold="youden")
        thresholds[spec.name] = tm_tr
        for nm, y, p in (("train", y_tr, p_tr), ("test", y_te, p_te)):
            ci = auc_ci(y, p, conf_level=conf_level)
            with recording_warnings() as raised:  # the training cut-off on the test set: said with the model's name
                tm = tm_tr if nm == "train" else threshold_metrics(y, p, threshold=tm_tr)
            for category, message in raised:
                warnings.warn(f"model {spec.name!r}, {nm} set: {message}", category, stacklevel=2)
            rows.append({"model": spec.name, "set": nm, "n": len(y), "n_events": int(y.sum()), "auc": ci.estimate,
                         "conf_low": ci.conf_low, "conf_high": ci.conf_high, "threshold": tm.threshold,
                         "sensitivity": tm.sensitivity, "specificity": tm.specificity, "accuracy": tm.accuracy,
                         "ppv": tm.ppv, "npv": tm.npv})
            preds.append(pd.DataFrame({"set": nm, "model": spec.name, "y": y.astype(int), "p": p}))
    predictions = pd.concat(preds, ignore_index=True)
    delong = {}
    if len(models) > 1:
        for nm in ("train", "test"):
            sub = predictions[predictions["set"] == nm]
            y = sub[sub["model"] == names[0]]["y"].to_numpy()
            scores = {m: sub[sub["model"] == m]["p"].to_numpy() for m in names}
            delong[nm] = compare_aucs(y, scores, conf_level=conf_level)
    imputed = pd.DataFrame([{"model": spec.name, "set": nm, "n_imputed": int(imputation.loc[
        (imputation["model"] == spec.name) & (imputation["set"] == nm), "n_imputed"].sum())}
        for spec in models for nm in ("train", "test")])
    return ModelComparison(pd.DataFrame(rows), delong, predictions, pipes, selected, imputed, split, thresholds,
                           estimators, imputation, pd.DataFrame(checks), steps, {m.name: m for m in models})


@dataclass(frozen=True)
class CrossValidatedPerformance(TidyHTML):
    """Repeated stratified K-fold performance of model specifications (every step refitted per fold).

    ``folds``: ``model, repeat, fold, auc, brier, error`` (a failed fold keeps its row, with the reason);
    ``summary``: ``model, mean_auc, sd_auc, auc_low, auc_high`` (2.5th/97.5th percentiles over the folds
    that ran), ``mean_brier``, ``n_folds`` (ran), ``n_failed``; ``warnings``: ``model, category, message,
    n_folds``, each kind of warning a model's fold fits raised and in how many folds.
    """

    folds: pd.DataFrame
    summary: pd.DataFrame
    n_splits: int
    n_repeats: int
    random_state: object
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["model", "category", "message", "n_folds"]))

    def tidy(self) -> pd.DataFrame:
        return self.summary.copy()


def _cv_fold(df: pd.DataFrame, y: np.ndarray, task) -> tuple[dict, list]:
    """One model on one fold: its row of ``folds`` and the warnings the fit raised."""
    from ._auc import _auc_sorted

    spec, cols, row, tr, te, seed = task
    all_cols = [c for v in cols.values() for c in v]
    with recording_warnings() as raised:
        try:
            pipe = build_pipeline(spec, cols, seed, n_train=len(tr))
            pipe.fit(df.iloc[tr][all_cols], y[tr])
            p = pipe.predict_proba(df.iloc[te][all_cols])[:, 1]
        except (ValueError, np.linalg.LinAlgError) as err:  # e.g. a fold whose screen keeps no feature
            out = {**row, "auc": np.nan, "brier": np.nan, "error": f"{type(err).__name__}: {str(err)[:200]}"}
        else:
            yt = y[te]
            out = {**row, "auc": _auc_sorted(p[yt == 1], p[yt == 0]), "brier": float(np.mean((p - yt) ** 2)),
                   "error": ""}
    return out, raised


def _fold_seeds(random_state, n: int) -> list[int]:
    """A seed per fold (below 2**32, for scikit-learn), spawned from one SeedSequence of ``random_state``."""
    if isinstance(random_state, np.random.RandomState):
        random_state = int(random_state.randint(0, 2**31 - 1))
    return [int(s.generate_state(1)[0]) for s in seed_sequence(random_state).spawn(n)]


def cross_validate_models(df: pd.DataFrame, outcome: str, models, *, feature_sets: dict | None = None, n_splits: int = 5,
                          n_repeats: int = 10, random_state=0, positive=None, n_jobs=None,
                          progress: bool = False) -> CrossValidatedPerformance:
    """Repeated stratified K-fold cross-validation of model specifications, an alternative to one split.

    Each training part refits the whole pipeline (imputation, screening, rad-scores, model); the
    held-out part gives the AUC and Brier score. With small cohorts this is more stable than a
    single 8:2 split (Steyerberg 2019).

    Parameters
    ----------
    df : pandas.DataFrame
    outcome : str
    models : list of ModelSpec
    feature_sets : dict, optional
        As :func:`fit_models`.
    n_splits, n_repeats : int
        Folds and repeats (scikit-learn's ``RepeatedStratifiedKFold``).
    random_state : int or None
        Seeds the folds, and (through one ``numpy.random.SeedSequence``) one seed per fold for the pipeline's
        random steps (LASSO folds, SVM, random forest): fold ``i`` gets the ``i``-th child seed, the same for
        every model and whichever worker runs it.
    n_jobs : int, optional
        Parallel workers (joblib; ``None``: the active ``joblib.parallel_config``, else 1); inside
        ``joblib.parallel_config(backend="dask")`` the folds run on the Dask cluster. The result is the same
        for any number.
    progress : bool
        Show a progress bar (tqdm, on stderr).

    Returns
    -------
    CrossValidatedPerformance

    Warns
    -----
    CohortStatsWarning
        Fold fits that failed (they keep their row in ``folds``, with the reason); and once per model and kind
        of warning its fold fits raised, with the number of folds (``warnings`` holds the counts). Deprecation
        warnings are passed on as they are.

    Examples
    --------
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort().clinical
    >>> cv = cs.cross_validate_models(df, "expansion", [cs.ModelSpec("m", ["volume", "age"])], n_repeats=2)
    >>> cv.summary[["model", "n_folds", "n_failed"]].to_dict("records")
    [{'model': 'm', 'n_folds': 10, 'n_failed': 0}]
    """
    from functools import partial

    from sklearn.model_selection import RepeatedStratifiedKFold

    check_dataframe(df, "df")
    _check_seed(random_state)
    models = _check_models(models)
    feature_sets = dict(feature_sets or {})
    check_columns(df, [outcome], "df")
    coded_outcome(df[outcome], outcome, None, "cross-validation")  # a missing outcome is an error, not a non-event
    y, _ = binary_outcome(df[outcome], outcome, positive)
    cv = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=random_state)
    smaller = int(min(y.sum(), len(y) - y.sum()))
    if n_splits > smaller:
        raise DataValidationError(f"n_splits={n_splits} folds need at least {n_splits} patients of each outcome class; "
                                  f"the smaller class has {smaller}. Use n_splits <= {max(smaller, 2)}"
                                  + (" (and at least 2 per fold for an AUC)." if smaller >= 2 else "."))
    resolved = {spec.name: _resolve(spec, df, feature_sets) for spec in models}
    check_model_inputs(models, resolved, df, df, outcome, y)
    splits = list(cv.split(np.zeros(len(y)), y))
    seeds = _fold_seeds(random_state, len(splits))
    tasks = [(spec, resolved[spec.name], {"model": spec.name, "repeat": i // n_splits + 1, "fold": i % n_splits + 1},
              tr, te, seeds[i]) for spec in models for i, (tr, te) in enumerate(splits)]
    used = list(dict.fromkeys(c for cols in resolved.values() for v in cols.values() for c in v))
    done = parallel_map(partial(_cv_fold, df[used], y), tasks, n_jobs=n_jobs,
                        progress="cross-validation" if progress else None)
    folds = pd.DataFrame([row for row, _ in done])
    failed = folds[folds["error"] != ""]
    if len(failed):
        warnings.warn(f"cross_validate_models: {len(failed)} of {len(folds)} fold fits failed and are left out of the "
                      f"summary (first: model {failed['model'].iloc[0]!r}, {failed['error'].iloc[0]}); see .folds.",
                      CohortStatsWarning, stacklevel=2)
    raised = pd.concat([summarise_warnings([w for row, w in done if row["model"] == m.name], count_column="n_folds",
                                           what=f"cross_validate_models, model {m.name!r}", of="folds"
                                           ).assign(model=m.name) for m in models], ignore_index=True)
    ok = folds[folds["error"] == ""]
    g = ok.groupby("model", sort=False)
    summary = pd.DataFrame({"mean_auc": g["auc"].mean(), "sd_auc": g["auc"].std(ddof=1),
                            "auc_low": g["auc"].quantile(0.025), "auc_high": g["auc"].quantile(0.975),
                            "mean_brier": g["brier"].mean(), "n_folds": g.size()})
    summary = summary.reindex([m.name for m in models]).reset_index(names="model")
    summary["n_folds"] = summary["n_folds"].fillna(0).astype(int)
    summary["n_failed"] = [int((failed["model"] == m.name).sum()) for m in models]
    return CrossValidatedPerformance(folds, summary, n_splits, n_repeats, random_state,
                                     raised[["model", "category", "message", "n_folds"]])


_MOVED_TO_VALIDATION = ("bootstrap_validation", "ValidationResult", "performance_indexes", "LogisticSpec")


def __getattr__(name):
    """``cohortstats.models`` held bootstrap validation before the layout by data flow; those names now live in
    :mod:`cohortstats.evaluation.validation` (kept here for one release, with a DeprecationWarning)."""
    if name in _MOVED_TO_VALIDATION:
        import warnings

        from .evaluation import validation

        warnings.warn(f"cohortstats.models.{name} is deprecated; import it from cohortstats.evaluation.validation "
                      "(or from cohortstats itself).", DeprecationWarning, stacklevel=2)
        return getattr(validation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
