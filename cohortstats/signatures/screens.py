"""Feature screening and LASSO signatures (rad-scores) equal to glmnet.

The screening steps and :class:`LassoSignature` follow the scikit-learn estimator contract, so a
whole selection runs inside cross-validation and the bootstrap (no selection on all data before
a split). The binomial LASSO path comes from glmnet's own Fortran (the python-glmnet package, where its wheel
installs) or else glum's coordinate descent, on glmnet's standardised scale and λ sequence; the
solution at the chosen λ is then made exact (Newton on the active set with KKT verification, glum as
fallback), so coefficients match ``glmnet`` run to tight convergence, not its default stopping point.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import _preview, check_one_of
from ..data import is_pyradiomics_metadata
from ..evaluation.roc import _auc_sorted
from ..exceptions import DataValidationError
from .agreement import ICC_TYPES, IccResult, icc, icc_matrix, reproducibility_screen  # noqa: F401 (re-export)
from .._results import TidyHTML

__all__ = ["LassoSignature", "lambda_sequence", "NearZeroVariance", "UnivariateFilter", "CorrelationFilter",
           "MRMRSelector", "screen_features", "ScreeningResult", "icc", "reproducibility_screen"]


def _as_frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise DataValidationError(f"X must be 2-dimensional (patients x features); got shape {X.shape}.")
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


def _check_features(X: pd.DataFrame, name: str = "X") -> np.ndarray:
    meta = [c for c in X.columns if is_pyradiomics_metadata(c)]
    if meta:
        raise DataValidationError(
            f"{name} contains pyradiomics metadata columns, not features: {_preview(meta)}. Drop the diagnostics_* "
            "(and Image/Mask) columns, e.g. with cohortstats.radiomics_feature_columns."
        )
    nonnum = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if nonnum:
        raise DataValidationError(f"{name} has non-numeric columns {_preview(nonnum)}; features must be numbers.")
    a = X.to_numpy(dtype=float)
    bad = ~np.isfinite(a)
    if bad.any():
        cols = X.columns[bad.any(axis=0)]
        raise DataValidationError(
            f"{name} has {int(bad.sum())} missing or infinite value(s) in {len(cols)} feature(s) ({_preview(list(cols))}). "
            "Impute them explicitly (e.g. a SimpleImputer inside the pipeline) or drop those features."
        )
    return a


def _check_y(y) -> np.ndarray:
    """A binary outcome as 0/1 floats; with other codes the larger value is the case (as 1 in 0/1)."""
    if y is None:
        raise DataValidationError("this estimator requires y to be passed, but the target y is None.")
    y = np.asarray(y)
    if y.ndim != 1:
        y = y.ravel()
    vals = np.unique(y)
    if len(vals) != 2:
        raise DataValidationError(f"y must be a binary outcome with both classes (0/1); got {len(vals)} "
                                  f"class{'es' if len(vals) != 1 else ''}: {vals.tolist()[:10]}.")
    return (y == vals[1]).astype(float)


class _BinaryTags:
    """scikit-learn tags: y is required and binary; no missing values."""

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags

        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.classifier_tags = ClassifierTags(multi_class=False)
        tags.input_tags.allow_nan = False
        return tags


def _fit_input(est, X, y=None):
    """Validate X (and y) as scikit-learn does and return a DataFrame with the feature names."""
    from sklearn.utils.validation import validate_data

    if isinstance(X, pd.DataFrame):
        if X.shape[1] == 0:  # e.g. every feature removed by the screening steps before this one
            raise DataValidationError(
                f"{type(est).__name__}: 0 feature(s) (shape={X.shape}) while a minimum of 1 is required; every "
                "feature was removed before this step (see the screening steps' reasons_), so there is nothing to fit.")
        _check_features(X)
    arr = validate_data(est, X, reset=True, dtype=float, ensure_min_samples=2)
    names = getattr(est, "feature_names_in_", None)
    if names is None:
        names = np.array([f"x{i}" for i in range(arr.shape[1])], dtype=object)
        est.feature_names_in_ = names
    Xf = pd.DataFrame(arr, columns=list(names))
    _check_features(Xf)
    return Xf


# --------------------------------------------------------------------------- screening steps
class NearZeroVariance(_BinaryTags, TransformerMixin, BaseEstimator):
    """Drop constant and near-constant features (caret's ``nearZeroVar`` rule).

    A feature is dropped when it has no variance, or when the ratio of its most common to its
    second most common value exceeds ``freq_cut`` and its distinct values are fewer than
    ``unique_cut`` percent of the patients.
    """

    def __init__(self, freq_cut: float = 95 / 5, unique_cut: float = 10.0):
        self.freq_cut = freq_cut
        self.unique_cut = unique_cut

    def fit(self, X, y=None):
        Xf = _fit_input(self, X, y)
        a = Xf.to_numpy()
        keep, reasons = [], []
        for j in range(a.shape[1]):
            vals, counts = np.unique(a[:, j], return_counts=True)
            if len(vals) == 1:
                keep.append(False)
                reasons.append("zero variance")
                continue
            top = np.sort(counts)[::-1]
            ratio = top[0] / top[1]
            pct = 100 * len(vals) / len(a)
            drop = ratio > self.freq_cut and pct < self.unique_cut
            keep.append(not drop)
            reasons.append(f"near-zero variance (frequency ratio {ratio:.1f}, {pct:.1f}% unique)" if drop else "")
        self.support_ = np.array(keep)
        self.reasons_ = np.array(reasons, dtype=object)
        return self

    def transform(self, X):
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self, "support_")
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=False, dtype=float)
            return X.loc[:, self.support_]
        return validate_data(self, X, reset=False, dtype=float)[:, self.support_]

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_in_[self.support_]


_BLOCK_VALUES = 4_000_000  # values per column block in UnivariateFilter (bounds its memory)


class UnivariateFilter(_BinaryTags, TransformerMixin, BaseEstimator):
    """Keep features associated with the outcome: Welch t-test or Mann-Whitney, optional FDR.

    ``p_threshold`` applies to raw p-values, or to Benjamini-Hochberg q-values with ``fdr="bh"``.
    Features are also ranked by |AUC - 0.5| (``relevance_``) for the later steps.
    """

    def __init__(self, test: str = "mannwhitney", p_threshold: float = 0.05, fdr: str | None = None):
        self.test = test
        self.p_threshold = p_threshold
        self.fdr = fdr

    def fit(self, X, y):
        check_one_of(self.test, ("ttest", "mannwhitney"), "test")
        check_one_of(self.fdr, (None, "bh"), "fdr")
        Xf = _fit_input(self, X, y)
        a = Xf.to_numpy()
        y = _check_y(y)
        case = y == 1
        stat, p = np.empty(a.shape[1]), np.empty(a.shape[1])
        # column blocks of ~4 million values: scipy's vectorised tests hold several copies of their input, which
        # for 80,000 patients x 250 features would be gigabytes at once
        width = max(1, _BLOCK_VALUES // max(1, len(a)))
        for start in range(0, a.shape[1], width):
            block = a[:, start:start + width]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if self.test == "ttest":
                    r = stats.ttest_ind(block[case], block[~case], axis=0, equal_var=False)
                else:
                    r = stats.mannwhitneyu(block[case], block[~case], axis=0, alternative="two-sided",
                                           method="asymptotic")
            stat[start:start + width] = r.statistic
            p[start:start + width] = r.pvalue
        p = np.nan_to_num(p, nan=1.0)
        self.statistic_ = stat
        self.p_values_ = p
        self.q_values_ = stats.false_discovery_control(p) if self.fdr == "bh" else p
        self.relevance_ = np.array([abs(_auc_sorted(a[case, j], a[~case, j]) - 0.5) for j in range(a.shape[1])])
        self.support_ = self.q_values_ < self.p_threshold
        label = "q" if self.fdr else "P"
        self.reasons_ = np.where(self.support_, "", [f"univariable {label} = {v:.3g} >= {self.p_threshold:g}"
                                                     for v in self.q_values_]).astype(object)
        return self

    transform = NearZeroVariance.transform
    get_feature_names_out = NearZeroVariance.get_feature_names_out


class CorrelationFilter(_BinaryTags, TransformerMixin, BaseEstimator):
    """Remove redundant features: of any pair with |r| > ``threshold``, keep the one more related to the outcome.

    Features are visited from the most to the least related to the outcome (|AUC - 0.5|); one is kept
    when its |correlation| with every feature kept so far is at most ``threshold``.
    """

    def __init__(self, threshold: float = 0.9, method: str = "spearman"):
        self.threshold = threshold
        self.method = method

    def fit(self, X, y):
        check_one_of(self.method, ("pearson", "spearman"), "method")
        Xf = _fit_input(self, X, y)
        a = Xf.to_numpy()
        y = _check_y(y)
        if a.shape[1] == 1:
            self.support_ = np.array([True])
            self.reasons_ = np.array([""], dtype=object)
            return self
        ranked = stats.rankdata(a, axis=0) if self.method == "spearman" else a
        r = np.atleast_2d(np.nan_to_num(np.abs(np.corrcoef(ranked, rowvar=False))))
        rel = np.array([abs(_auc_sorted(a[y == 1, j], a[y == 0, j]) - 0.5) for j in range(a.shape[1])])
        order = np.argsort(-rel, kind="stable")
        kept: list[int] = []
        reasons = [""] * a.shape[1]
        for j in order:
            if kept:
                worst = kept[int(np.argmax(r[j, kept]))]
                if r[j, worst] > self.threshold:
                    reasons[j] = f"|r| = {r[j, worst]:.3f} with {self.feature_names_in_[worst]}"
                    continue
            kept.append(j)
        self.support_ = np.zeros(a.shape[1], bool)
        self.support_[kept] = True
        self.reasons_ = np.array(reasons, dtype=object)
        return self

    transform = NearZeroVariance.transform
    get_feature_names_out = NearZeroVariance.get_feature_names_out


class MRMRSelector(_BinaryTags, TransformerMixin, BaseEstimator):
    """Minimum-redundancy maximum-relevance: greedily pick ``k`` features maximising
    F-statistic / mean |Pearson r| with those already picked (the "FCQ" variant)."""

    def __init__(self, k: int = 20):
        self.k = k

    def fit(self, X, y):
        Xf = _fit_input(self, X, y)
        a = Xf.to_numpy()
        y = _check_y(y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = np.nan_to_num(stats.f_oneway(a[y == 1], a[y == 0], axis=0).statistic)
        r = np.abs(np.nan_to_num(np.corrcoef(a, rowvar=False))) if a.shape[1] > 1 else np.ones((1, 1))
        r = np.atleast_2d(r)
        chosen = [int(np.argmax(f))]
        while len(chosen) < min(int(self.k), a.shape[1]):
            red = r[:, chosen].mean(axis=1)
            score = f / np.maximum(red, 1e-12)
            score[chosen] = -np.inf
            chosen.append(int(np.argmax(score)))
        self.support_ = np.zeros(a.shape[1], bool)
        self.support_[chosen] = True
        self.ranking_ = np.array(chosen)
        self.reasons_ = np.where(self.support_, "", f"not among the mRMR top {int(self.k)}").astype(object)
        return self

    transform = NearZeroVariance.transform
    get_feature_names_out = NearZeroVariance.get_feature_names_out


@dataclass(frozen=True)
class ScreeningResult(TidyHTML):
    """Each feature's fate: ``table`` has ``feature, kept, step`` (where it left), ``reason``,
    ``p_value`` and ``relevance`` (|AUC - 0.5|); ``kept`` lists the survivors in input order."""

    table: pd.DataFrame
    steps: tuple

    @property
    def kept(self) -> list:
        return self.table.loc[self.table["kept"], "feature"].tolist()

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


def screen_features(X: pd.DataFrame, y, *, near_zero: bool = True, test: str | None = "mannwhitney",
                    p_threshold: float = 0.05, fdr: str | None = None, corr_threshold: float | None = 0.9,
                    corr_method: str = "spearman", mrmr_k: int | None = None) -> ScreeningResult:
    """Run the screening steps in order and record where each feature left and why.

    Steps (each optional): near-zero variance -> univariable test (``test``, ``p_threshold``,
    ``fdr``) -> correlation redundancy (``corr_threshold``) -> mRMR top ``mrmr_k``. For use inside
    cross-validation, build the same steps as a scikit-learn Pipeline of the transformer classes.
    """
    Xf = _as_frame(X)
    _check_features(Xf)
    y = _check_y(y)
    steps = []
    if near_zero:
        steps.append(("near-zero variance", NearZeroVariance()))
    if test:
        steps.append(("univariable test", UnivariateFilter(test=test, p_threshold=p_threshold, fdr=fdr)))
    if corr_threshold is not None:
        steps.append(("correlation", CorrelationFilter(threshold=corr_threshold, method=corr_method)))
    if mrmr_k:
        steps.append(("mRMR", MRMRSelector(k=mrmr_k)))
    table = pd.DataFrame({"feature": list(Xf.columns), "kept": True, "step": "", "reason": "",
                          "p_value": np.nan, "relevance": np.nan})
    table = table.set_index("feature")
    current = Xf
    for name, step in steps:
        if current.shape[1] == 0:
            break
        step.fit(current, y)
        if isinstance(step, UnivariateFilter):
            table.loc[current.columns, "p_value"] = step.p_values_
            table.loc[current.columns, "relevance"] = step.relevance_
        gone = current.columns[~step.support_]
        table.loc[gone, "kept"] = False
        table.loc[gone, "step"] = name
        table.loc[gone, "reason"] = step.reasons_[~step.support_]
        current = current.loc[:, step.support_]
    return ScreeningResult(table.reset_index(), tuple(n for n, _ in steps))


# --------------------------------------------------------------------------- LASSO
def lambda_sequence(Z: np.ndarray, y: np.ndarray, n_lambda: int = 100, min_ratio: float | None = None) -> np.ndarray:
    """glmnet's λ sequence for a binomial LASSO on standardised ``Z``: λ_max = max|Zᵀ(y - ȳ)|/n down to
    λ_max·ratio (1e-4 when n >= p, else 0.01), ``n_lambda`` log-spaced values."""
    n, p = Z.shape
    lmax = float(np.max(np.abs(Z.T @ (y - y.mean()))) / n)
    ratio = min_ratio if min_ratio is not None else (1e-4 if n >= p else 0.01)
    return np.exp(np.linspace(np.log(lmax), np.log(lmax * ratio), int(n_lambda)))


def _standardize(a: np.ndarray):
    mu = a.mean(axis=0)
    sd = a.std(axis=0)  # population SD (divisor n), as glmnet
    sd = np.where(sd > 0, sd, 1.0)
    return (a - mu) / sd, mu, sd


def _fortran_path(Z, y, lambdas):
    """glmnet's own Fortran (python-glmnet) for a whole path, or None when it is not installed."""
    try:
        from glmnet import LogitNet
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = LogitNet(alpha=1, lambda_path=np.asarray(lambdas, float), standardize=False, fit_intercept=True,
                     n_splits=0, tol=1e-7, max_iter=10**6).fit(Z, y.astype(int))
    b = np.asarray(m.coef_path_)[0].T  # (n_lambda, p)
    b0 = np.asarray(m.intercept_path_)[0]
    if b.shape[0] != len(lambdas):
        return None
    return b0, b


def _fit_path(Z, y, lambdas, tol):
    """The LASSO path at ``lambdas``: glmnet's Fortran when available (fast; glmnet's default accuracy,
    enough to choose λ), else glum's coordinate descent."""
    out = _fortran_path(Z, y, lambdas)
    if out is not None:
        return out
    from glum import GeneralizedLinearRegressor

    m = GeneralizedLinearRegressor(family="binomial", alpha_search=True, alphas=lambdas, l1_ratio=1.0,
                                   scale_predictors=False, gradient_tol=tol, max_iter=10000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(Z, y)
    return np.asarray(m.intercept_path_, float), np.asarray(m.coef_path_, float)


def _polish(Z, y, lam, b0, b, tol=1e-13):
    """Solve the LASSO exactly at ``lam`` from a nearby solution: Newton on the active set with the signs
    fixed (a smooth problem), then a KKT check on every feature. Returns None if the check fails."""
    n = len(y)
    act = np.flatnonzero(b != 0)
    sgn = np.sign(b[act])
    X = np.column_stack([np.ones(n), Z[:, act]])
    beta = np.r_[b0, b[act]]
    pen = np.r_[0.0, lam * sgn]

    def objective(bt):
        eta = X @ bt
        return -np.sum(y * eta - np.logaddexp(0, eta)) / n + pen @ bt

    obj = objective(beta)
    for _ in range(100):
        p = 1 / (1 + np.exp(-(X @ beta)))
        grad = -X.T @ (y - p) / n + pen
        hess = (X * (p * (1 - p))[:, None]).T @ X / n
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            return None
        t = 1.0
        while t > 1e-10:
            trial = beta - t * step
            new = objective(trial)
            if new <= obj + 1e-15:
                break
            t /= 2
        beta, obj = trial, new
        if np.max(np.abs(t * step)) < tol:
            break
    # a coefficient that Newton brings to rounding level is exactly zero: the solution sits on the boundary
    # (e.g. at lambda_max, where glmnet reports no feature); it stays zero if the KKT check below agrees
    coefs = beta[1:]
    coefs[np.abs(coefs) < 1e-12] = 0.0
    if np.any((coefs != 0) & (np.sign(coefs) != sgn)):
        return None
    p = 1 / (1 + np.exp(-(X @ beta)))
    g = np.abs(Z.T @ (y - p)) / n
    inactive = np.ones(Z.shape[1], bool)
    inactive[act[coefs != 0]] = False
    if np.any(g[inactive] > lam * (1 + 1e-8)):
        return None
    full = np.zeros(Z.shape[1])
    full[act] = beta[1:]
    return float(beta[0]), full


def _fit_one(Z, y, lam, tol, start=None):
    """Exact LASSO solution at one λ: polish a warm start (glmnet's path) or run glum to tolerance ``tol``."""
    if start is not None:
        out = _polish(Z, y, lam, *start)
        if out is not None:
            return out
    from glum import GeneralizedLinearRegressor

    m = GeneralizedLinearRegressor(family="binomial", alpha=lam, l1_ratio=1.0, scale_predictors=False,
                                   gradient_tol=tol, max_iter=10000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(Z, y)
    out = (float(m.intercept_), np.asarray(m.coef_, float))
    polished = _polish(Z, y, lam, *out)
    return polished if polished is not None else out


def _fold_measure(a, y, fold, f, lambdas, tol, type_measure):
    """Held-out deviance (or AUC) along the path for one fold; returns (values, fold size)."""
    tr, te = fold != f, fold == f
    Zt, mu, sd = _standardize(a[tr])
    b0, b = _fit_path(Zt, y[tr], lambdas, tol)
    eta = b0[None, :] + ((a[te] - mu) / sd) @ b.T  # held-out patients x lambdas
    p = np.clip(1 / (1 + np.exp(-eta)), 1e-5, 1 - 1e-5)
    yt = y[te][:, None]
    if type_measure == "deviance":
        return (-2 * (yt * np.log(p) + (1 - yt) * np.log(1 - p))).mean(axis=0), te.sum()
    if y[te].min() == y[te].max():
        return np.full(len(lambdas), np.nan), 0
    return np.array([_auc_sorted(p[y[te] == 1, j], p[y[te] == 0, j]) for j in range(len(lambdas))]), te.sum()


def _stratified_folds(y, k, rng):
    fold = np.empty(len(y), int)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        idx = idx[rng.permutation(len(idx))]
        fold[idx] = np.arange(len(idx)) % k + 1
    return fold


class LassoSignature(_BinaryTags, TransformerMixin, BaseEstimator):
    """Binomial LASSO rad-score equal to ``glmnet`` / ``cv.glmnet``.

    Parameters
    ----------
    lambda_ : float, optional
        Fixed penalty; the fit equals ``glmnet(x, y, family = "binomial", alpha = 1)`` at that λ
        (standardize = TRUE). ``None``: chosen by cross-validation.
    cv : int
        Number of folds (stratified by outcome, ``random_state``), unless ``foldid`` is given.
    rule : {"1se", "min"}
        ``lambda.1se`` (default, sparser) or ``lambda.min``.
    foldid : array-like, optional
        Fold of each patient (1..K), as cv.glmnet's ``foldid``.
    type_measure : {"deviance", "auc"}
    n_lambda, lambda_min_ratio
        glmnet's λ sequence (100 values; ratio 1e-4 if n >= p else 0.01).
    random_state : int
    tol : float
        Convergence tolerance (gradient) of the coordinate descent.
    n_jobs : int or None
        Parallel fold fits (joblib). ``None``: 2 workers when n x p >= 2,000,000, else serial.

    Attributes
    ----------
    coef_ : pandas.Series
        Coefficients on the original scale, by feature name (zeros included).
    intercept_ : float
    lambda_ : float
        The λ used (chosen by CV when not given).
    cv_results_ : pandas.DataFrame
        ``lambda, cvm, cvsd, n_nonzero`` (the CV curve).
    lambda_min_, lambda_1se_ : float
    lambdas_ : numpy.ndarray
    coef_path_ : numpy.ndarray
        (n_lambda, p) coefficients on the original scale along the path.

    Notes
    -----
    Features are standardised with the population SD (divisor n), the intercept is not penalised and
    coefficients are reported on the original scale, as glmnet. CV folds are fitted on their own
    standardisation and the full-data λ sequence; deviance = -2·log-likelihood per patient with
    probabilities clipped to [1e-5, 1 - 1e-5]; ``cvsd`` is the SD of the fold means over sqrt(K - 1),
    weighted by fold size (cv.glmnet's defaults). glmnet stops its path early when the deviance
    changes by < 1e-5 (``fdev``); here the full sequence is always fitted.

    After a cross-validated fit ``lambda_`` holds the chosen λ (and ``get_params`` reports it);
    refitting the same object cross-validates again. Clone an unfitted signature for resampling.
    """

    def __init__(self, lambda_=None, cv: int = 10, rule: str = "1se", foldid=None, type_measure: str = "deviance",
                 n_lambda: int = 100, lambda_min_ratio=None, random_state=0, tol: float = 1e-10, n_jobs=None):
        self.lambda_ = lambda_
        self.cv = cv
        self.rule = rule
        self.foldid = foldid
        self.type_measure = type_measure
        self.n_lambda = n_lambda
        self.lambda_min_ratio = lambda_min_ratio
        self.random_state = random_state
        self.tol = tol
        self.n_jobs = n_jobs

    def fit(self, X, y):
        check_one_of(self.rule, ("1se", "min"), "rule")
        check_one_of(self.type_measure, ("deviance", "auc"), "type_measure")
        Xf = _fit_input(self, X, y)
        a = Xf.to_numpy()
        y = _check_y(y)
        if len(y) != len(a):
            raise DataValidationError(f"X has {len(a)} rows but y has {len(y)}.")
        # lambda_ is both the parameter and, after a CV fit, the chosen value (DESIGN's API); remember what
        # was asked so that a refit of the same object cross-validates again
        requested = self.__dict__.get("_lambda_requested", self.lambda_)
        self._lambda_requested = requested
        Z, mu, sd = _standardize(a)
        lambdas = lambda_sequence(Z, y, self.n_lambda, self.lambda_min_ratio)
        b0_path, b_path = _fit_path(Z, y, lambdas, self.tol)
        self.lambdas_ = lambdas
        self.coef_path_ = b_path / sd
        self._mu, self._sd = mu, sd
        if requested is not None:
            lam = float(requested)
            if lam < 0:
                raise DataValidationError(f"lambda_ must be >= 0; got {lam}.")
            start = _fortran_path(Z, y, np.r_[lambdas[lambdas > lam], lam]) if lam < lambdas[0] else None
            b0, b = _fit_one(Z, y, lam, self.tol, None if start is None else (start[0][-1], start[1][-1]))
            self.cv_results_ = None
            self.lambda_min_ = self.lambda_1se_ = None
        else:
            lam, idx = self._cross_validate(a, y, lambdas)
            b0, b = _fit_one(Z, y, lam, self.tol, (b0_path[idx], b_path[idx]))  # exact at the chosen λ
            self.lambda_ = lam
        coef = b / sd
        self.intercept_ = float(b0 - np.sum(coef * mu))
        self.coef_ = pd.Series(coef, index=list(self.feature_names_in_), name="coefficient")
        return self

    def _cross_validate(self, a, y, lambdas):
        if self.foldid is not None:
            fold = np.asarray(self.foldid, int)
            if len(fold) != len(y):
                raise DataValidationError(f"foldid has {len(fold)} entries for {len(y)} patients.")
        else:
            rng = np.random.default_rng(self.random_state)
            fold = _stratified_folds(y.astype(int), int(self.cv), rng)
        folds = np.unique(fold)
        if len(folds) < 3:
            raise DataValidationError(f"cross-validation needs at least 3 folds; got {len(folds)}.")
        per_fold = np.full((len(folds), len(lambdas)), np.nan)
        weights = np.zeros(len(folds))
        for f in folds:
            tr = fold != f
            if y[tr].min() == y[tr].max():
                raise DataValidationError(f"fold {f}: the training part has one outcome class; use fewer folds.")
        jobs = self.n_jobs if self.n_jobs is not None else (2 if a.size >= 2_000_000 else 1)
        if jobs == 1:
            results = [_fold_measure(a, y, fold, f, lambdas, self.tol, self.type_measure) for f in folds]
        else:
            from joblib import Parallel, delayed

            results = Parallel(n_jobs=jobs)(delayed(_fold_measure)(a, y, fold, f, lambdas, self.tol, self.type_measure)
                                            for f in folds)
        for i, (values, w) in enumerate(results):
            per_fold[i] = values
            weights[i] = w
        ok = ~np.isnan(per_fold[:, 0])
        w = weights[ok]
        cvm = np.average(per_fold[ok], axis=0, weights=w)
        cvsd = np.sqrt(np.average((per_fold[ok] - cvm) ** 2, axis=0, weights=w) / (ok.sum() - 1))
        if self.type_measure == "deviance":
            i_min = int(np.argmin(cvm))
            within = np.flatnonzero(cvm <= cvm[i_min] + cvsd[i_min])
        else:
            i_min = int(np.argmax(cvm))
            within = np.flatnonzero(cvm >= cvm[i_min] - cvsd[i_min])
        i_1se = int(within.min())  # largest lambda (sequence is decreasing)
        self.lambda_min_, self.lambda_1se_ = float(lambdas[i_min]), float(lambdas[i_1se])
        self.cv_results_ = pd.DataFrame({"lambda": lambdas, "cvm": cvm, "cvsd": cvsd,
                                         "n_nonzero": (np.abs(self.coef_path_) > 0).sum(axis=1)})
        self.foldid_ = fold
        idx = i_1se if self.rule == "1se" else i_min
        return float(lambdas[idx]), idx

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coef_")

    def set_params(self, **params):
        if "lambda_" in params:
            self.__dict__.pop("_lambda_requested", None)
        return super().set_params(**params)

    # ------------------------------------------------------------------ use
    def _check_fitted(self):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "coef_")

    def decision_function(self, X) -> np.ndarray:
        """The rad-score: intercept + Σ β·x."""
        self._check_fitted()
        if isinstance(X, pd.DataFrame):
            missing = [c for c in self.coef_.index[self.coef_ != 0] if c not in X.columns]
            if missing:
                raise DataValidationError(f"the signature needs feature(s) {_preview(missing)} that are not in the data.")
            a = X.reindex(columns=self.coef_.index).to_numpy(dtype=float)
            a = np.where(np.isnan(a) & (self.coef_.to_numpy() == 0), 0.0, a)
        else:
            from sklearn.utils.validation import validate_data

            a = validate_data(self, X, reset=False, dtype=float)
        if not np.isfinite(a[:, self.coef_.to_numpy() != 0]).all():
            raise DataValidationError("X has missing or infinite values in the signature's features.")
        return self.intercept_ + a @ self.coef_.to_numpy()

    def transform(self, X) -> np.ndarray:
        """The rad-score as a one-column array (so the signature can feed a model)."""
        return self.decision_function(X).reshape(-1, 1)

    def predict_proba(self, X) -> np.ndarray:
        p = 1 / (1 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def get_feature_names_out(self, input_features=None):
        return np.array(["rad_score"], dtype=object)

    @property
    def selected_features_(self) -> list:
        self._check_fitted()
        return self.coef_.index[self.coef_ != 0].tolist()

    def formula(self, digits: int = 6) -> str:
        """The whole rad-score formula, e.g. ``Rad-score = -1.234567 + 0.012345 × mean radius - ...``."""
        self._check_fitted()
        parts = [f"{self.intercept_:.{digits}g}"]
        for name, b in self.coef_[self.coef_ != 0].items():
            parts.append(f"{'-' if b < 0 else '+'} {abs(b):.{digits}g} × {name}")
        return "Rad-score = " + " ".join(parts)

    def selection_stability(self, X, y, *, n_boot: int = 100, random_state=None) -> pd.Series:
        """How often each feature is selected (non-zero) over bootstrap resamples, refitting the whole
        signature (including the CV choice of λ) each time."""
        Xf = _as_frame(X)
        y = np.asarray(y)
        rng = np.random.default_rng(random_state)
        counts = pd.Series(0.0, index=Xf.columns)
        done = 0
        for _ in range(int(n_boot)):
            idx = rng.integers(0, len(y), len(y))
            if y[idx].min() == y[idx].max():
                continue
            params = self.get_params()
            params["foldid"] = None
            params["lambda_"] = self.__dict__.get("_lambda_requested", params["lambda_"])
            sig = LassoSignature(**params).fit(Xf.iloc[idx], y[idx])
            counts += (sig.coef_ != 0).astype(float)
            done += 1
        return (counts / max(done, 1)).rename("selection_frequency")
