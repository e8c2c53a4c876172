"""The LASSO signature (rad-score) equal to glmnet / cv.glmnet.

The binomial LASSO path comes from glmnet's own Fortran (the python-glmnet package, where its wheel
installs) or else glum's coordinate descent, on glmnet's standardised scale and λ sequence; the
solution at the chosen λ is then made exact (Newton on the active set with KKT verification, glum as
fallback), so coefficients match ``glmnet`` run to tight convergence, not its default stopping point.
:class:`LassoSignature` follows the scikit-learn estimator contract, so it runs inside cross-validation
and the bootstrap.
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from .._auc import _auc_sorted
from .._parallel import available_workers, parallel_map
from .._validation import _preview, check_one_of
from ..exceptions import ConvergenceWarning, DataValidationError
from ._inputs import _BinaryTags, _as_frame, _check_y, _fit_input


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
    # the path only seeds cross-validation and the exact solve at the chosen lambda, which is verified by its KKT
    # conditions (_polish); glmnet's own convergence messages along the path are recorded, not passed on
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
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
    with warnings.catch_warnings(record=True):  # as for glmnet's path: verified later at the chosen lambda
        warnings.simplefilter("always")
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m.fit(Z, y)
    out = (float(m.intercept_), np.asarray(m.coef_, float))
    polished = _polish(Z, y, lam, *out)
    if polished is not None:  # exact: glum's own convergence messages no longer apply
        return polished
    for w in caught:  # glum's solution is the answer: its warnings concern the user
        warnings.warn(f"LASSO at lambda = {lam:.4g}: {w.message}", ConvergenceWarning, stacklevel=3)
    return out



def _fold_task(f, *, a, y, fold, lambdas, tol, type_measure):
    return _fold_measure(a, y, fold, f, lambdas, tol, type_measure)


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
        Parallel fold fits (joblib, one BLAS thread per worker). ``None``: when n x p >= 2,000,000 the workers
        of the active ``joblib.parallel_config`` (a study's ``compute.workers``), else the available cores;
        serial below.

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
        # large problems use the workers available (the active joblib.parallel_config, else the cores), one BLAS
        # thread each; the folds' results do not depend on it
        jobs = self.n_jobs if self.n_jobs is not None else (available_workers() if a.size >= 2_000_000 else 1)
        results = parallel_map(partial(_fold_task, a=a, y=y, fold=fold, lambdas=lambdas, tol=self.tol,
                                       type_measure=self.type_measure), list(folds), n_jobs=jobs, batches_per_worker=1)
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


class LassoSelector(_BinaryTags, TransformerMixin, BaseEstimator):
    """LASSO feature selection: a cross-validated :class:`LassoSignature` chooses the features, and
    ``transform`` passes on the selected columns themselves (not a rad-score), so another estimator (an SVM, a
    random forest) is fitted on them.

    Parameters
    ----------
    rule : {"1se", "min"}
        ``lambda.1se`` or ``lambda.min`` of cv.glmnet.
    cv : int
        Folds of the cross-validation that chooses λ.
    random_state : int

    Attributes
    ----------
    signature_ : LassoSignature
        The fitted LASSO (its ``coef_``, path and CV curve).
    support_ : numpy.ndarray of bool
        The selected columns (non-zero coefficients).
    feature_names_in_ : numpy.ndarray

    Notes
    -----
    The selection equals ``cv.glmnet`` (binomial, standardize = TRUE, 10 folds) and keeping the columns whose
    coefficient at the chosen λ is non-zero. With no column selected, ``transform`` returns zero columns.

    Examples
    --------
    >>> from cohortstats.datasets import load_breast_cancer
    >>> df = load_breast_cancer()
    >>> sel = LassoSelector().fit(df.drop(columns="target"), df["target"])
    >>> len(sel.get_feature_names_out()) == int(sel.support_.sum()) > 0
    True
    """

    def __init__(self, rule: str = "1se", cv: int = 10, random_state=0):
        self.rule = rule
        self.cv = cv
        self.random_state = random_state

    def fit(self, X, y):
        Xf = _fit_input(self, X, y)
        self.signature_ = LassoSignature(rule=self.rule, cv=self.cv, random_state=self.random_state).fit(Xf, y)
        self.support_ = (self.signature_.coef_ != 0).to_numpy()
        return self

    def __sklearn_is_fitted__(self):
        return hasattr(self, "support_")

    def transform(self, X):
        from sklearn.utils.validation import check_is_fitted

        from sklearn.utils.validation import validate_data

        check_is_fitted(self, "support_")
        if isinstance(X, pd.DataFrame) and set(self.feature_names_in_) <= set(X.columns):
            X = X[list(self.feature_names_in_)]
        return validate_data(self, X, reset=False, dtype=float)[:, self.support_]

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self.feature_names_in_[self.support_], dtype=object)

    @property
    def selected_features_(self) -> list:
        return list(self.get_feature_names_out())
