"""Checks of a train/test modelling run that turn silent wrong numbers into errors and named warnings.

Used by :func:`cohortstats.models.fit_models` (and :func:`~cohortstats.models.cross_validate_models`):

- the outcome in both sets (no missing value, both classes, at least two of each for DeLong's variance);
- the model inputs (no infinite value, no feature missing for every training patient, no leakage: the outcome
  itself, or a column that separates the training outcome perfectly, |AUC - 0.5| = 0.5);
- what imputation filled in (per model, set and column);
- an unpenalised logistic model's events per candidate parameter and separation (as
  :func:`cohortstats.logistic_regression` checks them);
- each model's actual steps, for the methods text.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._validation import _preview, check_finite_columns
from .exceptions import DataValidationError, SeparationWarning, SmallCellWarning

__all__ = ["coded_outcome", "check_set_sizes", "check_model_inputs", "imputation_table", "candidate_parameters",
           "check_events_per_parameter", "check_separation", "model_steps", "EPV_WARNING"]

EPV_WARNING = 10.0  # events per candidate parameter below which a logistic model is flagged (Peduzzi 1996)
_MAX_MAGNITUDE = 1e100  # beyond this, squares overflow in standardisation (StandardScaler, glmnet's scaling)
MIN_PER_CLASS = 2  # DeLong's variance of an AUC needs at least two events and two non-events


def coded_outcome(values: pd.Series, outcome: str, positive, set_name: str) -> np.ndarray:
    """The 0/1 outcome of a set, coded with the training set's ``positive``; missing values are an error."""
    miss = values.isna()
    if miss.any():
        raise DataValidationError(f"outcome {outcome!r} is missing for {int(miss.sum())} patient(s) of the {set_name} "
                                  "set; a missing outcome would count as a non-event. Exclude those patients (and "
                                  "report it) before fitting.")
    return (values == positive).to_numpy(dtype=float)


def check_set_sizes(y_tr: np.ndarray, y_te: np.ndarray, outcome: str, split: dict) -> None:
    """Both sets need two events and two non-events: an AUC's DeLong variance (and a paired DeLong test) is
    undefined with a single case or control (numpy answers with NaN or "SVD did not converge")."""
    for name, y in (("training", y_tr), ("test", y_te)):
        n_events, n_non = int(y.sum()), int(len(y) - y.sum())
        if min(n_events, n_non) >= MIN_PER_CLASS:
            continue
        few = "event" if n_events < n_non else "non-event"
        k = min(n_events, n_non)
        count = (f"only one outcome class ({n_events} events, {n_non} non-events)" if k == 0 else
                 f"{k} {few} ({n_events} events, {n_non} non-events in {len(y)} patients)")
        why = (f"the {name} set has {count}; the AUC's DeLong CI and the DeLong tests need at least "
               f"{MIN_PER_CLASS} events and {MIN_PER_CLASS} non-events in each set.")
        change = "Raise test_size" if name == "test" else "Lower test_size"
        if split.get("stratified"):
            fix = (f" The split was stratified (test_size {split.get('test_size')}), so there are too few {few}s "
                   f"overall for this test_size: the test set gets about test_size x the {few}s. {change}, or "
                   "use cross-validation (cv:) instead of one split.")
        elif split:
            fix = " The split was not stratified: use a stratified split (split: {stratify: true}) or a larger test set."
        else:
            fix = " Give each set at least two patients of each class (e.g. cohortstats.train_test_split, stratified)."
        raise DataValidationError(f"outcome {outcome!r}: {why}{fix}")


def _column_aucs(df: pd.DataFrame, columns: list, y: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC of each of ``df``'s ``columns`` (missing values left out per column; NaN when a class is
    absent)."""
    from scipy.stats import rankdata

    out = np.full(len(columns), np.nan)
    step = max(1, 500_000 // max(len(df), 1))  # column blocks bound the memory of the values and their ranks
    for start in range(0, len(columns), step):
        block = df[columns[start:start + step]].to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(block)
        ranks = rankdata(np.where(ok, block, np.inf), axis=0)  # missing values rank last, then are left out
        n1 = (ok & (y[:, None] == 1)).sum(axis=0)
        n0 = ok.sum(axis=0) - n1
        r1 = np.where(ok & (y[:, None] == 1), ranks, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + step] = np.where((n1 > 0) & (n0 > 0), (r1 - n1 * (n1 + 1) / 2) / (n1 * n0), np.nan)
    return out


def check_model_inputs(models, resolved: dict, train: pd.DataFrame, test: pd.DataFrame, outcome: str,
                       y_tr: np.ndarray) -> None:
    """Refuse inputs that give a wrong number without a word: the outcome (or a column that separates it
    perfectly in the training set), infinite values, and features missing for every training patient."""
    for spec in models:
        cols = [c for v in resolved[spec.name].values() for c in v]
        if outcome in cols:
            raise DataValidationError(f"model {spec.name!r} uses the outcome column {outcome!r} as an input "
                                      "(leakage: it predicts itself). Remove it from the model's features and feature "
                                      "sets.")
        nonnum = [c for c in cols if not (pd.api.types.is_numeric_dtype(train[c]) or pd.api.types.is_bool_dtype(train[c]))]
        if nonnum:
            raise DataValidationError(f"model {spec.name!r}: input column(s) {_preview(nonnum)} hold text, not numbers; "
                                      "code them as numbers (e.g. 0/1 indicators) or leave them out.")
        for name, d in (("training", train), ("test", test)):
            check_finite_columns(d, cols, f"model {spec.name!r}, {name} set")
        huge = [c for c in cols if np.nanmax(np.abs(train[c].to_numpy(dtype=float, na_value=np.nan)), initial=0)
                > _MAX_MAGNITUDE or np.nanmax(np.abs(test[c].to_numpy(dtype=float, na_value=np.nan)), initial=0)
                > _MAX_MAGNITUDE]
        if huge:
            raise DataValidationError(f"model {spec.name!r}: input column(s) {_preview(huge)} have values beyond "
                                      f"{_MAX_MAGNITUDE:.0e} in magnitude, whose squares overflow when the inputs are "
                                      "standardised. Rescale them (divide by a power of ten) before modelling.")
        empty = [c for c in cols if train[c].isna().all()]
        if empty:
            raise DataValidationError(f"model {spec.name!r}: feature(s) {_preview(empty)} are missing for every one of "
                                      f"the {len(train)} training patients, so they can be neither imputed nor used. "
                                      "Remove them from the model's inputs (or its feature sets).")
    used = list(dict.fromkeys(c for spec in models for v in resolved[spec.name].values() for c in v))
    aucs = _column_aucs(train, used, y_tr)  # a block of columns at a time, not a float copy of them all
    leaks = [(c, a) for c, a in zip(used, aucs) if np.isfinite(a) and abs(a - 0.5) >= 0.5 - 1e-12]
    if leaks:
        where = [spec.name for spec in models
                 if any(c in v for v in resolved[spec.name].values() for c, _ in leaks)]
        shown = ", ".join(f"{c!r} (AUC {a:.3f}{', equal to the outcome' if _equals(train[c], y_tr) else ''})"
                          for c, a in leaks[:5])
        raise DataValidationError(
            f"model input(s) {shown}{' and more' if len(leaks) > 5 else ''} separate the training outcome "
            f"{outcome!r} perfectly (used by {_preview(where)}): a copy of the outcome or a variable derived from it "
            "(leakage) would give AUC 1.000 on every set. Remove it from the model inputs; if it is a genuine "
            "predictor, the outcome needs no model.")


def _equals(values: pd.Series, y: np.ndarray) -> bool:
    x = values.to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(x)
    return bool(ok.any() and (np.array_equal(x[ok], y[ok]) or np.array_equal(x[ok], 1 - y[ok])))


def imputation_table(models, resolved: dict, train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """Per model, set and column: the values filled in and how (the training set's median, as fitted).

    Columns ``model, set, column, n, n_imputed, method, value`` (``value``: the training median that replaced
    each missing value); only columns with at least one missing value in a set are listed.
    """
    rows = []
    for spec in models:
        if not spec.impute:
            continue
        cols = list(dict.fromkeys(c for v in resolved[spec.name].values() for c in v))
        for set_name, d in (("train", train), ("test", test)):
            missing = {c: int(d[c].isna().sum()) for c in cols}  # column by column: no copy of d[cols]
            for c, k in missing.items():
                if k:
                    rows.append({"model": spec.name, "set": set_name, "column": c, "n": len(d), "n_imputed": k,
                                 "method": "median of the training set", "value": float(train[c].median())})
    return pd.DataFrame(rows, columns=["model", "set", "column", "n", "n_imputed", "method", "value"])


def candidate_parameters(columns: dict) -> tuple[int, int, int]:
    """``(parameters, plain columns, rad-scores)`` a model's classifier is offered, counted before any screening:
    every plain column, and one per LASSO rad-score (a penalised, cross-validated summary of its feature set)."""
    plain = sum(len(v) for k, v in columns.items() if not k.startswith("signature:"))
    scores = sum(1 for k in columns if k.startswith("signature:"))
    return plain + scores, plain, scores


def check_events_per_parameter(spec, columns: dict, y_tr: np.ndarray) -> dict:
    """Events per candidate parameter of an unpenalised logistic model; warns (SmallCellWarning) below 10."""
    k, plain, scores = candidate_parameters(columns)
    n_events = int(y_tr.sum())
    smaller = min(n_events, len(y_tr) - n_events)
    epv = smaller / k if k else np.inf
    parts = [f"{plain} feature(s) before any screening" if spec.screen else f"{plain} feature(s)"] if plain else []
    parts += [f"{scores} rad-score(s)"] if scores else []
    if epv < EPV_WARNING:
        warnings.warn(
            f"model {spec.name!r}: {epv:.1f} events per candidate parameter (EPV) in the training set: {smaller} "
            f"{'events' if smaller == n_events else 'non-events (the smaller class)'} for {k} parameter(s) "
            f"({', '.join(parts)}), below {EPV_WARNING:g}; an unpenalised logistic model this size overfits (its "
            "training AUC is optimistic). Use fewer features, a rad-score (signature:<set>) or "
            "estimator: lasso_logistic.", SmallCellWarning, stacklevel=3)
    return {"n_events": smaller, "n_parameters": k, "epv": float(epv)}


def check_separation(spec, pipe, X_train: pd.DataFrame, y_tr: np.ndarray, caught: list) -> str:
    """Separation of a fitted unpenalised logistic model on its training design (Konis' linear program, as
    :func:`cohortstats.logistic_regression`). Warns (SeparationWarning) naming the model; the solver's own
    warnings are then folded into that one message, otherwise passed on with the model's name."""
    from .regression._fit import detect_separation

    model = pipe.named_steps["model"]
    p = pipe.predict_proba(X_train)[:, 1]
    stalled = any(np.atleast_1d(getattr(model, "n_iter_", 0)) >= getattr(model, "max_iter", np.inf))
    kind = "none"
    if caught or stalled or np.any(p < 1e-8) or np.any(p > 1 - 1e-8):
        Z = np.asarray(pipe[:-1].transform(X_train), dtype=float)
        design = np.column_stack([np.ones(len(Z)), Z])
        kind, cols = detect_separation(design, y_tr)
        if kind == "quasi-complete" and _min_margin(design, y_tr) > 1e-8:
            kind = "complete"  # detect_separation maximises the sum of margins; a positive smallest one is complete
    if kind == "none":
        for w in caught:
            warnings.warn(f"model {spec.name!r}: {w.message}", w.category, stacklevel=3)
        return kind
    names = pipe[:-1].get_feature_names_out()
    along = [("(Intercept)" if c == 0 else str(names[c - 1]).split("__", 1)[-1]) for c in cols]
    solver = " when scikit-learn's solver stopped without converging" if caught or stalled else ""
    warnings.warn(
        f"model {spec.name!r}: {kind} separation in the training set ({int(y_tr.sum())} events, {len(y_tr)} "
        f"patients): a combination of {_preview(along)} predicts the outcome perfectly, so the unpenalised "
        f"maximum-likelihood coefficients are infinite (largest |coefficient| reached "
        f"{float(np.max(np.abs(model.coef_))):.3g}{solver}) and the training AUC is meaningless. Use fewer features, "
        "a rad-score (signature:<set>) or estimator: lasso_logistic.", SeparationWarning, stacklevel=3)
    return kind


def _min_margin(X: np.ndarray, y: np.ndarray) -> float:
    """The largest smallest margin min_i s_i x_i'd over |d_k| <= 1 (columns scaled to unit maximum): positive when
    a hyperplane separates the two classes completely (every patient strictly on its side)."""
    from scipy import optimize

    s = 2 * y - 1
    A = X / np.maximum(np.abs(X).max(axis=0), 1e-12) * s[:, None]
    p = X.shape[1]
    res = optimize.linprog(np.r_[np.zeros(p), -1.0], A_ub=np.column_stack([-A, np.ones(len(y))]),
                           b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * p + [(None, 1)], method="highs")
    return float(-res.fun) if res.status == 0 else 0.0


def model_steps(spec, columns: dict) -> dict:
    """What a model actually does, for the methods text: its inputs, imputation, screening, rad-scores, estimator."""
    screen = dict(spec.screen) if spec.screen else None
    steps = []
    if screen is not None:
        steps.append("near-zero variance")
        if screen.get("p_threshold", 0.05) is not None:
            test = {"mannwhitney": "Mann-Whitney test", "ttest": "Welch t-test"}.get(
                screen.get("test", "mannwhitney"), str(screen.get("test")))
            level = "Benjamini-Hochberg q" if screen.get("fdr") else "P"
            steps.append(f"{test} {level} < {screen.get('p_threshold', 0.05):g}")
        if screen.get("corr_threshold", 0.9) is not None:
            steps.append(f"correlation redundancy |r| > {screen.get('corr_threshold', 0.9):g}")
        if screen.get("mrmr_k"):
            steps.append(f"mRMR top {screen['mrmr_k']}")
    blocks = ("signature:", "selected:")
    return {"plain": [c for k, v in columns.items() if not k.startswith(blocks) for c in v],
            "signatures": {k.split(":", 1)[1]: len(v) for k, v in columns.items() if k.startswith("signature:")},
            "selected": {k.split(":", 1)[1]: len(v) for k, v in columns.items() if k.startswith("selected:")},
            "impute": spec.impute, "screen": steps, "lasso_rule": (screen or {}).get("lasso_rule", "1se"),
            "estimator": spec.estimator}
