"""Numerical core of logistic regression: Newton-Raphson to full convergence, Firth's penalised
likelihood, profile-likelihood limits by root finding, and a linear-programming separation check.

Why hand-written: the coefficients come from a plain Newton/Cholesky iteration (statsmodels' Logit
does the same, but stops at its own tolerance and recomputes nothing at the optimum; it has no Firth
penalty and no exact profile limits). Everything here is checked against R (glm run to tight
convergence, exact profile roots, brglm2's Firth estimates) in tests/reference/regression.R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy import optimize
from scipy.special import expit

__all__ = ["FitState", "fit_logistic", "profile_limit", "detect_separation", "loglik"]

_CHUNK = 262_144  # rows per block when forming X'WX (bounds temporary memory)


@dataclass
class FitState:
    beta: np.ndarray
    loglik: float  # unpenalised log-likelihood
    objective: float  # penalised for Firth, else == loglik
    info: np.ndarray  # X'WX at beta (all columns)
    p: np.ndarray
    converged: bool
    n_iter: int


def loglik(eta: np.ndarray, y: np.ndarray) -> float:
    """Σ yη - log(1 + e^η), with log(1 + e^η) = max(η, 0) + log1p(e^-|η|) (3x faster than logaddexp)."""
    return float(np.sum(y * eta - np.maximum(eta, 0.0) - np.log1p(np.exp(-np.abs(eta)))))


def _info(X: np.ndarray, w: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """X'WX in cache-sized row blocks with one reused buffer (no n x k temporary)."""
    n, k = X.shape
    if n <= chunk:
        return (X * w[:, None]).T @ X
    out = np.zeros((k, k))
    buf = np.empty((chunk, k))
    for s in range(0, n, chunk):
        xs = X[s:s + chunk]
        b = buf[:len(xs)]
        np.multiply(xs, w[s:s + chunk, None], out=b)
        out += b.T @ xs
    return out


def _hat_diag(X: np.ndarray, w: np.ndarray, chol) -> np.ndarray:
    """Diagonal of W^½ X (X'WX)^-1 X' W^½, by blocks."""
    n = X.shape[0]
    h = np.empty(n)
    for s in range(0, n, _CHUNK):
        xs = X[s:s + _CHUNK]
        a = scipy.linalg.solve_triangular(chol, xs.T, trans="T", lower=False)  # R^-T x'
        h[s:s + _CHUNK] = w[s:s + _CHUNK] * np.einsum("ij,ij->j", a, a)
    return h


def _logdet_chol(chol) -> float:
    return float(2 * np.sum(np.log(np.abs(np.diag(chol)))))


def _evaluate(X, y, beta, offset, firth):
    eta = X @ beta
    if offset is not None:
        eta = eta + offset
    p = expit(eta)
    ll = loglik(eta, y)
    w = p * (1 - p)
    info = _info(X, w)
    obj = ll
    chol = None
    if firth:
        try:
            chol = scipy.linalg.cholesky(info, lower=False)
            obj = ll + 0.5 * _logdet_chol(chol)
        except np.linalg.LinAlgError:
            obj = -np.inf
    return eta, p, w, ll, info, obj, chol


def fit_logistic(X: np.ndarray, y: np.ndarray, *, firth: bool = False, free=None, offset=None, beta0=None,
                 maxit: int = 100, tol: float = 1e-11) -> FitState:
    """Maximise the (penalised) log-likelihood over the ``free`` coefficients.

    ``X`` includes the intercept column. Coefficients not in ``free`` stay at their
    ``beta0`` values (their contribution can equally be passed as ``offset``). For
    Firth's method the penalty ½·log|X'WX| always uses every column of ``X`` (as
    logistf does for profiles and penalised LR tests).
    """
    k = X.shape[1]
    all_free = free is None or len(free) == k
    free = np.arange(k) if free is None else np.asarray(free)
    beta = np.zeros(k) if beta0 is None else np.array(beta0, dtype=float)
    if beta0 is None and 0 in free:
        ybar = np.clip(y.mean(), 1e-6, 1 - 1e-6)
        beta[0] = np.log(ybar / (1 - ybar))
    eta, p, w, ll, info, obj, chol = _evaluate(X, y, beta, offset, firth)
    converged = False
    it = 0
    for it in range(1, maxit + 1):
        resid = y - p
        if firth:
            if chol is None:
                chol = scipy.linalg.cholesky(info, lower=False)
            h = _hat_diag(X, w, chol)
            resid = resid + h * (0.5 - p)
        score = X.T @ resid  # never X[:, free]: that would copy the whole matrix every iteration
        if not all_free:
            score = score[free]
        sub = info if all_free else info[np.ix_(free, free)]
        try:
            step = scipy.linalg.cho_solve(scipy.linalg.cho_factor(sub), score)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(sub, score, rcond=None)[0]
        shrink = 1.0
        for _ in range(40):  # step halving keeps the objective from decreasing
            trial = beta.copy()
            trial[free] += shrink * step
            t_eta, t_p, t_w, t_ll, t_info, t_obj, t_chol = _evaluate(X, y, trial, offset, firth)
            if t_obj >= obj - 1e-12 * (1 + abs(obj)):
                break
            shrink /= 2
        beta, eta, p, w, ll, info, obj, chol = trial, t_eta, t_p, t_w, t_ll, t_info, t_obj, t_chol
        if np.max(np.abs(shrink * step)) <= tol * (1 + np.max(np.abs(beta[free]))):
            converged = True
            break
    return FitState(beta, ll, obj, info, p, converged, it)


def profile_limit(X, y, j: int, state: FitState, se: float, side: int, crit: float, *, firth: bool = False,
                  max_se: float = 60.0, top: float | None = None) -> float:
    """Profile-likelihood limit of coefficient ``j`` on ``side`` (-1 lower, +1 upper).

    Solves sign·sqrt(2(ℓ̂ - ℓ_p(b))) = side·crit by Brent's method (xtol 1e-12),
    where ℓ_p(b) maximises the (penalised) log-likelihood with β_j fixed at b.
    Returns ±inf when the profile never drops far enough (separation). ``top`` overrides
    the maximum (the supremum of the likelihood when no finite maximum exists).
    """
    k = X.shape[1]
    free = np.array([i for i in range(k) if i != j])
    b_hat = state.beta[j]
    top = state.objective if top is None else top
    se = min(se, 10.0) if np.isfinite(se) else 10.0
    cache = {}
    warm = [state.beta.copy()]

    def signed_root(b):
        if b in cache:
            return cache[b]
        beta0 = warm[0].copy()
        beta0[j] = b
        st = fit_logistic(X, y, firth=firth, free=free, beta0=beta0)
        warm[0] = st.beta
        r = np.sign(b - b_hat) * np.sqrt(max(0.0, 2 * (top - st.objective)))
        cache[b] = r - side * crit
        return cache[b]

    step = max(se, 1e-8) * crit
    lo_b, hi_b = b_hat, b_hat + side * step
    f_hi = signed_root(hi_b)
    expand = 0
    while (side > 0 and f_hi < 0) or (side < 0 and f_hi > 0):
        lo_b, hi_b = hi_b, hi_b + side * step * (2 ** expand)
        expand += 1
        if abs(hi_b - b_hat) > max_se * max(se, 1e-8) * crit + 50:
            return side * np.inf
        f_hi = signed_root(hi_b)
    a, b = sorted((lo_b, hi_b))
    return float(optimize.brentq(signed_root, a, b, xtol=1e-12, rtol=4 * np.finfo(float).eps, maxiter=200))


def detect_separation(X: np.ndarray, y: np.ndarray) -> tuple[str, np.ndarray]:
    """Linear-programming check for (quasi-)complete separation (Konis 2007).

    Finds a direction d (|d_k| <= 1) maximising Σ s_i x_iᵀd subject to s_i x_iᵀd >= 0,
    s_i = 2y_i - 1. A positive optimum means the likelihood increases without bound
    along d: the MLE does not exist. Returns ("none" | "quasi-complete" | "complete",
    the columns with d_k != 0).
    """
    s = 2 * y - 1
    scale = np.maximum(np.abs(X).max(axis=0), 1e-12)
    A = (X / scale) * s[:, None]
    res = optimize.linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(len(y)), bounds=[(-1, 1)] * X.shape[1],
                           method="highs")
    if res.status != 0 or -res.fun <= 1e-7 * len(y):
        return "none", np.array([], dtype=int)
    d = res.x
    margins = A @ d
    kind = "complete" if np.all(margins > 1e-9) else "quasi-complete"
    return kind, np.flatnonzero(np.abs(d) > 1e-7)
