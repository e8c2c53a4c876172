"""The steps of a model pipeline (:func:`cohortstats.models.build_pipeline`): the feature screens, the LASSO
block (a rad-score, or the columns it selects) and the estimator a :class:`~cohortstats.models.ModelSpec` names,
with the rule for the SVM on large training sets and each estimator's description for the methods text."""

from __future__ import annotations

import numpy as np

from .signatures.lasso import LassoSelector, LassoSignature
from .signatures.screens import CorrelationFilter, MRMRSelector, NearZeroVariance, UnivariateFilter

__all__ = ["SCREEN_KEYS", "screen_problem", "screen_steps", "signature_pipeline", "make_estimator",
           "describe_estimator", "n_inputs", "SVM_EXACT_MAX"]


SCREEN_KEYS = frozenset({"p_threshold", "test", "fdr", "corr_threshold", "mrmr_k", "lasso_rule"})


def screen_problem(screen) -> str | None:
    """What is wrong with a ``screen`` dict (unknown key, with a did-you-mean; a bad LASSO rule), or None."""
    import difflib

    if not isinstance(screen, dict):
        return f"screen must be a dict of {sorted(SCREEN_KEYS)}; got {type(screen).__name__}."
    for key in screen:
        if key not in SCREEN_KEYS:
            near = difflib.get_close_matches(str(key), sorted(SCREEN_KEYS), n=1)
            return (f"unknown screen key {key!r}" + (f"; did you mean {near[0]!r}?" if near else "")
                    + f" Keys: {sorted(SCREEN_KEYS)}.")
    if screen.get("lasso_rule", "1se") not in ("1se", "min"):
        return f"screen.lasso_rule must be '1se' or 'min'; got {screen['lasso_rule']!r}."
    return None


def screen_steps(screen: dict | None):

    screen = dict(screen or {})
    steps = [("near_zero", NearZeroVariance())]
    if screen.get("p_threshold", 0.05) is not None:
        steps.append(("univariable", UnivariateFilter(test=screen.get("test", "mannwhitney"),
                                                      p_threshold=screen.get("p_threshold", 0.05),
                                                      fdr=screen.get("fdr"))))
    if screen.get("corr_threshold", 0.9) is not None:
        steps.append(("correlation", CorrelationFilter(threshold=screen.get("corr_threshold", 0.9))))
    if screen.get("mrmr_k"):
        steps.append(("mrmr", MRMRSelector(k=screen["mrmr_k"])))
    return steps


def signature_pipeline(screen: dict | None, impute: bool, random_state=0, kind: str = "signature"):
    """Imputation, screening and the LASSO of one block (a scikit-learn Pipeline): the rad-score
    (``kind="signature"``), or the LASSO-selected columns standardised (``kind="selected"``)."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    pre = [("impute", SimpleImputer(strategy="median"))] if impute else []
    rule = (screen or {}).get("lasso_rule", "1se")
    if kind == "selected":
        return Pipeline(pre + screen_steps(screen) + [("lasso", LassoSelector(rule=rule, random_state=random_state)),
                                                       ("scale", StandardScaler())])
    return Pipeline(pre + screen_steps(screen) + [("lasso", LassoSignature(rule=rule, random_state=random_state))])


SVM_EXACT_MAX = 20_000  # above this many training patients the RBF SVM uses a Nystroem approximation


def _nystroem_components(n_inputs) -> int:
    """Landmarks of the Nystroem map: 50 per input column, between 100 and 500. A rad-score model has 1-3
    inputs, whose RBF kernel has a fast-decaying spectrum; more landmarks only slow the linear SVM down."""
    return 500 if n_inputs is None else int(min(500, max(100, 50 * n_inputs)))


def n_inputs(columns: dict) -> int:
    """Columns reaching the estimator at most: one per rad-score, plus the plain and selectable columns."""
    return sum(1 if key.startswith("signature:") else len(cols) for key, cols in columns.items())


def make_estimator(spec, random_state, n_train=None, n_inputs=None):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC


    p = dict(spec.params)
    if spec.estimator == "logistic":
        # C = inf: no penalty (scikit-learn 1.8 deprecated penalty=None for it; the same fit bit for bit)
        return LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10, max_iter=200, **p)
    if spec.estimator == "svm":
        if n_train is not None and n_train > SVM_EXACT_MAX:
            # libsvm is O(n²) in time and memory: approximate the RBF kernel (Nystroem, 100-500 components) and
            # fit a linear SVM with Platt scaling by internal 5-fold CV (recorded in ModelComparison.estimators)
            from sklearn.calibration import CalibratedClassifierCV
            from sklearn.kernel_approximation import Nystroem
            from sklearn.pipeline import make_pipeline
            from sklearn.svm import LinearSVC

            return make_pipeline(Nystroem(kernel="rbf", n_components=_nystroem_components(n_inputs),
                                          random_state=random_state),
                                 CalibratedClassifierCV(LinearSVC(random_state=random_state), method="sigmoid", cv=5))
        return SVC(kernel=p.pop("kernel", "rbf"), probability=True, random_state=random_state, **p)
    if spec.estimator == "random_forest":
        return RandomForestClassifier(n_estimators=p.pop("n_estimators", 500), random_state=random_state, **p)
    return LassoSignature(random_state=random_state, **p)


def describe_estimator(spec, n_train: int, n_inputs=None) -> str:
    if spec.estimator == "svm":
        if n_train > SVM_EXACT_MAX:
            return (f"RBF-kernel SVM approximated by a {_nystroem_components(n_inputs)}-component Nystroem map and a "
                    "linear SVM (more than "
                    f"{SVM_EXACT_MAX:,} training patients), Platt-scaled probabilities by internal 5-fold CV")
        return "RBF-kernel SVM (libsvm), Platt-scaled probabilities by internal 5-fold CV"
    return {"logistic": "unpenalised logistic regression (exact MLE)", "random_forest": "random forest (500 trees)",
            "lasso_logistic": "cross-validated binomial LASSO (glmnet-equal)"}[spec.estimator]


