"""The steps of a model pipeline (:func:`cohortstats.models.build_pipeline`): the feature screens, the LASSO
block (a rad-score, or the columns it selects) and the estimator a :class:`~cohortstats.models.ModelSpec` names,
with the rule for the SVM on large training sets and each estimator's description for the methods text."""

from __future__ import annotations

import contextlib

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import SimpleImputer

from .signatures.lasso import LassoSelector, LassoSignature
from .signatures.screens import CorrelationFilter, MRMRSelector, NearZeroVariance, UnivariateFilter

__all__ = ["columns_of", "MedianImputer", "SCREEN_KEYS", "screen_problem", "screen_steps", "signature_pipeline",
           "make_estimator", "describe_estimator", "SVM_EXACT_MAX", "SVM_LANDMARKS", "RbfNystroem", "approximate_svm"]


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


def columns_of(df, cols: list):
    """``df[cols]`` without copying the values of runs of columns that lie side by side in one float64 block of
    ``df`` (a merged frame's radiomics or deep features): each such run is a frame viewing ``df``'s values, the
    other columns are copied, and the pieces are put side by side without copying (one frame of several
    blocks, in the order of ``cols``). The pipeline's steps read these values and never write them (each step
    returns new arrays); unlike ``df[cols]``, writing into the result would write into ``df``."""
    import pandas as pd

    if len(cols) == 0 or not df.columns.is_unique:  # get_indexer needs unique labels
        return df[cols]
    pos = df.columns.get_indexer(cols)
    mgr = getattr(df, "_mgr", None)
    if (pos < 0).any() or not hasattr(mgr, "blknos") or len(set(pos)) < len(pos):
        return df[cols]
    blkno, blkloc = mgr.blknos[pos], mgr.blklocs[pos]
    breaks = np.flatnonzero((np.diff(blkno) != 0) | (np.diff(blkloc) != 1)) + 1
    if len(breaks) > 16:  # scattered columns: one copy is simpler than many small pieces
        return df[cols]
    pieces = []
    for run in np.split(np.arange(len(cols)), breaks):
        block = mgr.blocks[blkno[run[0]]]
        names = [cols[i] for i in run]
        if block.dtype != np.float64 or block.ndim != 2:
            pieces.append(df[names])
            continue
        values = block.values[blkloc[run[0]]:blkloc[run[-1]] + 1]  # one row per column: a view
        pieces.append(pd.DataFrame(values.T, index=df.index, columns=pd.Index(names, dtype=df.columns.dtype),
                                   copy=False))
    if len(pieces) == 1:
        return pieces[0]
    # pandas 2 consolidates (copies) the blocks of a concatenation unless copy-on-write is on; pandas 3 always is
    on_write = (contextlib.nullcontext() if int(pd.__version__.split(".")[0]) >= 3
                else pd.option_context("mode.copy_on_write", True))
    with on_write:
        out = pd.concat(pieces, axis=1)
    return out if out.columns.equals(pd.Index(cols, dtype=df.columns.dtype)) else df[cols]


class MedianImputer(SimpleImputer):
    """scikit-learn's ``SimpleImputer(strategy="median")`` with the same medians and output, lean on memory.

    - The medians are found a block of columns at a time (each column's own median), without
      ``numpy.ma.median``'s sorted and masked copies of every column at once.
    - Fitting reads its input without copying it (the medians only read it).
    - With pandas output (``set_output(transform="pandas")``, as in every model pipeline), a DataFrame of float64
      columns without missing values given to ``transform`` comes back as a new frame viewing the same values
      instead of a copy (there is nothing to fill; writing into it would write into the input). The steps after
      it in a pipeline read their input and never write into it. Anything else is SimpleImputer's: a filled copy.

    In a radiomics block of 80,000 patients x 363 features each copy is 0.22 GiB.
    """

    _BLOCK_VALUES = 1_000_000

    def __init__(self, *, missing_values=np.nan, strategy="median", fill_value=None, copy=True,
                 add_indicator=False, keep_empty_features=False):
        super().__init__(missing_values=missing_values, strategy=strategy, fill_value=fill_value, copy=copy,
                         add_indicator=add_indicator, keep_empty_features=keep_empty_features)

    def fit(self, X, y=None):
        copy = self.copy
        self.copy = False  # fit only reads X (SimpleImputer copies it for the fill that transform does)
        try:
            return super().fit(X, y)
        finally:
            self.copy = copy

    def transform(self, X):
        if self._complete_float_frame(X):
            from sklearn.utils.validation import check_is_fitted, validate_data

            check_is_fitted(self)
            validate_data(self, X, reset=False, skip_check_array=True)  # the names and number of columns fitted
            return X.copy(deep=False)
        return super().transform(X)

    def _complete_float_frame(self, X) -> bool:
        """A DataFrame of float64 columns without missing values, imputed with a median for every column."""
        import pandas as pd

        from sklearn.utils._set_output import _get_output_config

        stats = getattr(self, "statistics_", None)
        if (not isinstance(X, pd.DataFrame) or _get_output_config("transform", self)["dense"] != "pandas"
                or self.add_indicator or stats is None or np.isnan(stats).any()
                or not (self.missing_values is np.nan or (isinstance(self.missing_values, float)
                                                            and np.isnan(self.missing_values)))
                or X.shape[1] != len(stats) or not all(d == np.float64 for d in X.dtypes)):
            return False
        blocks = getattr(getattr(X, "_mgr", None), "blocks", None)
        if blocks is None:  # not pandas' block manager: SimpleImputer's way
            return False
        width = max(1, self._BLOCK_VALUES // max(1, X.shape[0]))
        for block in blocks:  # each float64 block's own values, one row per column (no consolidating copy)
            values = np.atleast_2d(np.asarray(block.values))
            if any(np.isnan(values[s:s + width]).any() for s in range(0, values.shape[0], width)):
                return False
        return True

    def _dense_fit(self, X, strategy, missing_values, fill_value):
        width = max(1, self._BLOCK_VALUES // max(1, X.shape[0]))
        if strategy != "median" or self.add_indicator or X.shape[1] <= width:
            return super()._dense_fit(X, strategy, missing_values, fill_value)
        return np.concatenate([super(MedianImputer, self)._dense_fit(X[:, s:s + width], strategy, missing_values,
                                                                     fill_value)
                               for s in range(0, X.shape[1], width)])


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
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    pre = [("impute", MedianImputer())] if impute else []
    rule = (screen or {}).get("lasso_rule", "1se")
    if kind == "selected":
        return Pipeline(pre + screen_steps(screen) + [("lasso", LassoSelector(rule=rule, random_state=random_state)),
                                                       ("scale", StandardScaler())])
    return Pipeline(pre + screen_steps(screen) + [("lasso", LassoSignature(rule=rule, random_state=random_state))])


SVM_EXACT_MAX = 5_000  # above this many training patients the RBF SVM is approximated (libsvm's time grows as n²)
SVM_LANDMARKS = 100  # Nystroem landmarks of the approximation (benchmarks/README.md: more bring it no closer)


class RbfNystroem(TransformerMixin, BaseEstimator):
    """The Nystroem map of the RBF kernel with libsvm's ``gamma="scale"``: 1 / (inputs x variance of the
    training inputs), set when fitted, and at most as many landmarks as training patients.

    Parameters
    ----------
    n_components : int
        Landmarks (training patients drawn at random).
    random_state : int or None

    Attributes
    ----------
    gamma_ : float
    map_ : sklearn.kernel_approximation.Nystroem
    """

    def __init__(self, n_components: int = SVM_LANDMARKS, random_state=None):
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X, y=None):
        from sklearn.kernel_approximation import Nystroem

        X = np.asarray(X, dtype=float)
        var = float(X.var())
        self.gamma_ = 1.0 / (X.shape[1] * var) if var > 0 else 1.0
        self.map_ = Nystroem(kernel="rbf", gamma=self.gamma_, n_components=min(int(self.n_components), len(X)),
                             random_state=self.random_state).fit(X)
        return self

    def transform(self, X):
        return self.map_.transform(np.asarray(X, dtype=float))


def approximate_svm(random_state):
    """The SVM above :data:`SVM_EXACT_MAX` training patients: :class:`RbfNystroem` (:data:`SVM_LANDMARKS`
    landmarks), then a linear SVM (liblinear's primal trust-region Newton: with 100 map columns it converges in a
    few steps, 1.2-1.6x faster than the dual at 8·10⁴-2.4·10⁵ patients), Platt-scaled by internal 5-fold CV as the
    exact SVM.
    Time O(n·landmarks²) instead of libsvm's O(n²)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    return make_pipeline(RbfNystroem(SVM_LANDMARKS, random_state=random_state),
                         CalibratedClassifierCV(LinearSVC(dual=False, random_state=random_state), method="sigmoid", cv=5))


def make_estimator(spec, random_state, n_train=None):
    """The estimator a model specification names; the SVM by the rule for ``n_train`` training patients."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    p = dict(spec.params)
    if spec.estimator == "logistic":
        # C = inf: no penalty (scikit-learn 1.8 deprecated penalty=None for it; the same fit bit for bit)
        return LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10, max_iter=200, **p)
    if spec.estimator == "svm":
        if n_train is not None and n_train > SVM_EXACT_MAX:
            return approximate_svm(random_state)  # recorded in ModelComparison.estimators and the methods text
        # libsvm's decision values, Platt-scaled by internal 5-fold CV: what SVC(probability=True) did before
        # scikit-learn 1.9 deprecated it (and its probabilities now keep the decision values' order)
        return CalibratedClassifierCV(SVC(kernel=p.pop("kernel", "rbf"), random_state=random_state, **p),
                                      method="sigmoid", cv=5, ensemble=False)
    if spec.estimator == "random_forest":
        return RandomForestClassifier(n_estimators=p.pop("n_estimators", 500), random_state=random_state, **p)
    return LassoSignature(random_state=random_state, **p)


def describe_estimator(spec, n_train: int) -> str:
    """The estimator in words, for ``ModelComparison.estimators`` and the methods text."""
    if spec.estimator == "svm":
        if n_train > SVM_EXACT_MAX:
            return (f"RBF-kernel SVM approximated, as for every training set of more than {SVM_EXACT_MAX:,} patients "
                    f"(libsvm's time grows as the square of their number), by a {SVM_LANDMARKS}-landmark Nystroem map "
                    "of the same kernel (gamma = 1/(inputs x variance), libsvm's 'scale') and a linear SVM "
                    "(liblinear), Platt-scaled probabilities by internal 5-fold CV")
        return "RBF-kernel SVM (libsvm), Platt-scaled probabilities by internal 5-fold CV"
    return {"logistic": "unpenalised logistic regression (exact MLE)", "random_forest": "random forest (500 trees)",
            "lasso_logistic": "cross-validated binomial LASSO (glmnet-equal)"}[spec.estimator]
