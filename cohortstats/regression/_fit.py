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
import scipy.linalg.lapack
from scipy import optimize
from scipy.special import expit

__all__ = ["FitState", "fit_logistic", "profile_limit", "recession_exists", "detect_separation", "loglik"]

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


_LL_BLOCK = 1 << 16  # rows per block of the log-likelihood sum above this size (temporaries stay in cache)


def loglik(eta: np.ndarray, y: np.ndarray) -> float:
    """Σ yη - log(1 + e^η), with log(1 + e^η) = max(η, 0) + log1p(e^-|η|) (3x faster than logaddexp).

    Above ``_LL_BLOCK`` rows the sum is taken block by block (the same terms, summed per block): at 10^7 rows
    the five full-length temporaries would otherwise stream through memory, 2-3x slower."""
    if len(eta) <= _LL_BLOCK:
        return float(np.sum(y * eta - np.maximum(eta, 0.0) - np.log1p(np.exp(-np.abs(eta)))))
    total = 0.0
    for s in range(0, len(eta), _LL_BLOCK):
        e, t = eta[s:s + _LL_BLOCK], y[s:s + _LL_BLOCK]
        total += float(np.sum(t * e - np.maximum(e, 0.0) - np.log1p(np.exp(-np.abs(e)))))
    return total


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


def _logdet_chol(chol) -> float:
    return float(2 * np.sum(np.log(np.abs(np.diag(chol)))))


def _sqrt_info(X: np.ndarray, w: np.ndarray):
    """R with R'R = X'WX from the QR decomposition of W^½ X (never forms X'WX, which loses digits when it is
    ill-conditioned: an uncentred covariate next to the intercept, weight on a few patients); None if singular."""
    r = np.linalg.qr(np.sqrt(w)[:, None] * X, mode="r")
    d = np.abs(np.diag(r))
    if not np.all(np.isfinite(r)) or d.min() <= 1e-300 or d.min() <= 1e-15 * d.max():
        return None
    return r


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
        chol = _sqrt_info(X, w)
        obj = -np.inf if chol is None else ll + 0.5 * _logdet_chol(chol)
    return eta, p, w, ll, info, obj, chol


def _firth_curvature(X, p, w, chol) -> tuple[np.ndarray, np.ndarray]:
    """Hat diagonal h and minus the Hessian of ½·log|X'WX|.

    With Q = X (X'WX)^-1 X' and a = w(1 - 2p): ∂²/∂β∂β' ½·log|X'WX| = ½[Σ h_i (1 - 6w_i) x_i x_i' - X'A (Q∘Q) A X].
    (Q∘Q)_il = (u_i·u_l)² with u_i = R^-T x_i, so X'A (Q∘Q) A X = B'B, B = Σ_i a_i (u_i ⊗ u_i) x_i' (k² x k),
    formed in row blocks.
    """
    n, k = X.shape
    h = np.empty(n)
    a = w * (1 - 2 * p)
    B = np.zeros((k * k, k))
    C = np.zeros((k, k))
    # rows of X R^-1 are the u_i' (LAPACK's trtri: scipy's solve_triangular costs ~0.3 ms per call on small
    # matrices through threaded BLAS)
    r_inv = scipy.linalg.lapack.dtrtri(chol, lower=0)[0]
    chunk = max(64, min(_CHUNK, 2 ** 21 // (k * k)))
    for s in range(0, n, chunk):
        xs = X[s:s + chunk]
        u = xs @ r_inv
        hs = w[s:s + chunk] * np.einsum("ij,ij->i", u, u)
        h[s:s + chunk] = hs
        B += (u[:, :, None] * u[:, None, :]).reshape(len(xs), k * k).T @ (a[s:s + chunk, None] * xs)
        C += (xs * (hs * (1 - 6 * w[s:s + chunk]))[:, None]).T @ xs
    return h, 0.5 * (B.T @ B - C)


def _newton_step(neg_hess: np.ndarray, score: np.ndarray, ridge) -> tuple[np.ndarray, bool]:
    """Solve neg_hess·step = score by Cholesky; when neg_hess is not numerically positive definite (all
    risks near 0 or 1: X'WX ≈ 0), add a growing ridge proportional to d = diag(X'X), down to the scaled
    gradient score/d (the caller bounds the step's length). Returns (step, ridged)."""
    try:
        step = scipy.linalg.cho_solve(scipy.linalg.cho_factor(neg_hess), score)
        if np.all(np.isfinite(step)):
            return step, False
    except (np.linalg.LinAlgError, ValueError):
        pass
    d = ridge()
    lam = 1e-12 * max(np.max(np.abs(np.diag(neg_hess))) / np.max(d), 1e-200)
    for _ in range(40):
        try:
            step = scipy.linalg.cho_solve(scipy.linalg.cho_factor(neg_hess + lam * np.diag(d)), score)
            if np.all(np.isfinite(step)):
                return step, True
        except (np.linalg.LinAlgError, ValueError):
            pass
        lam *= 100
    return score / d, True


def fit_logistic(X: np.ndarray, y: np.ndarray, *, firth: bool = False, free=None, offset=None, beta0=None,
                 maxit: int = 100, tol: float = 1e-11) -> FitState:
    """Maximise the (penalised) log-likelihood over the ``free`` coefficients.

    ``X`` includes the intercept column. Coefficients not in ``free`` stay at their
    ``beta0`` values (their contribution can equally be passed as ``offset``). For
    Firth's method the penalty ½·log|X'WX| always uses every column of ``X`` (as
    logistf does for profiles and penalised LR tests).

    Newton's method from any start: the step solves with the exact Hessian (for Firth the
    Hessian of the penalised log-likelihood where it is negative definite, else Fisher
    scoring, X'WX, as logistf); a step that would move the linear predictor by more than
    20 + max|η| is shortened first (near-zero Hessian when all risks are near 0 or 1), then
    halved until the objective rises (Armijo). Converged when the step is below ``tol``
    relative to the coefficients, or when the predicted gain (score·step) is below 1e-15·(1 +
    |objective|): the supremum when coefficients run to infinity (separation), where the
    objective is then its limit to that precision.
    """
    k = X.shape[1]
    all_free = free is None or len(free) == k
    free = np.arange(k) if free is None else np.asarray(free)
    beta = np.zeros(k) if beta0 is None else np.array(beta0, dtype=float)
    if beta0 is None and 0 in free:
        ybar = np.clip(y.mean(), 1e-6, 1 - 1e-6)
        beta[0] = np.log(ybar / (1 - ybar))
    eta, p, w, ll, info, obj, chol = _evaluate(X, y, beta, offset, firth)
    ridge_diag = []

    def ridge():
        if not ridge_diag:
            ridge_diag.append(np.einsum("ij,ij->j", X, X)[free] + 1e-300)
        return ridge_diag[0]

    converged = False
    it = 0
    for it in range(1, maxit + 1):
        resid = y - p
        exact = True
        if firth:
            if chol is None:  # a start where X'WX is singular
                chol = _sqrt_info(X, w)
            if chol is None:
                h, pen = np.zeros_like(p), np.zeros((k, k))
                exact = False
            else:
                h, pen = _firth_curvature(X, p, w, chol)
            resid = resid + h * (0.5 - p)
        score = X.T @ resid  # never X[:, free]: that would copy the whole matrix every iteration
        sub = info if all_free else info[np.ix_(free, free)]
        if not all_free:
            score = score[free]
        neg = sub
        if firth and exact:
            full = info + pen
            neg = full if all_free else full[np.ix_(free, free)]
            try:
                scipy.linalg.cho_factor(neg)
            except (np.linalg.LinAlgError, ValueError):
                neg, exact = sub, False  # not concave here: Fisher scoring
        step, ridged = _newton_step(neg, score, ridge)
        gain = float(score @ step)
        if not np.isfinite(gain):
            break
        move = np.zeros(k)
        move[free] = step
        reach = np.max(np.abs(X @ move)) if k else 0.0
        if exact and gain <= 1e-15 * (1 + abs(obj)) and reach > 1:
            # at the maximum (or the supremum) already: a long step with no gain is rounding along a direction
            # where coefficients run to infinity, and taking it would only cost digits
            converged = True
            break
        shrink = min(1.0, (20 + np.max(np.abs(eta))) / reach) if reach > 0 else 1.0
        noise = 1e-13 * (1 + abs(obj)) if np.isfinite(obj) else 0.0  # obj = -inf: Firth from a singular start
        for _ in range(80):
            trial = beta.copy()
            trial[free] += shrink * step
            t_eta, t_p, t_w, t_ll, t_info, t_obj, t_chol = _evaluate(X, y, trial, offset, firth)
            if t_obj >= obj + 1e-4 * shrink * max(gain, 0.0) - noise or obj == -np.inf:
                break
            shrink /= 2
        else:  # no ascent along the step: the maximum to rounding, unless a gain was predicted
            converged = gain <= 1e-10 * (1 + abs(obj))
            break
        beta, eta, p, w, ll, info, obj, chol = trial, t_eta, t_p, t_w, t_ll, t_info, t_obj, t_chol
        small_step = not ridged and np.max(np.abs(step)) <= tol * (1 + np.max(np.abs(beta[free])))
        if small_step or (exact and gain <= 1e-15 * (1 + abs(obj))):
            converged = True
            break
    return FitState(beta, ll, obj, info, p, converged, it)


def recession_exists(X: np.ndarray, y: np.ndarray, j: int, side: int) -> bool:
    """Whether the log-likelihood has a direction of recession d with d_j = side (linear programme).

    d with s_i·x_i'd >= 0 for every row (s_i = 2y_i - 1) never lowers the likelihood, so along
    it β_j runs to side·∞ with the profile log-likelihood rising to its supremum: that
    profile limit is infinite. Without such a d the profile falls to -∞ on that side (the
    log-likelihood is concave), so the limit is finite.
    """
    s = 2 * y - 1
    scale = np.maximum(np.abs(X).max(axis=0), 1e-12)
    A = (X / scale) * s[:, None]
    bounds = [(-1e6, 1e6)] * X.shape[1]
    bounds[j] = (float(side), float(side))
    res = optimize.linprog(np.zeros(X.shape[1]), A_ub=-A, b_ub=np.zeros(len(y)), bounds=bounds, method="highs")
    return res.status == 0


def _chord_fit(X, y, free, beta0, chol, *, maxit: int = 40, tol: float = 1e-11):
    """Maximise the log-likelihood over ``free`` with a fixed negative Hessian (the chord method).

    ``chol`` factors X'WX over the free coefficients at a nearby solution; each iteration costs two
    matrix-vector products instead of forming X'WX. Same convergence rule as :func:`fit_logistic` (a
    relative step below ``tol``, or a predicted gain below 1e-15·(1 + |ℓ|)). Returns ``(beta, ℓ, p)`` at
    convergence, ``None`` when a step does not ascend or ``maxit`` is reached (the caller then runs
    :func:`fit_logistic`, which handles every start).
    """
    beta = np.array(beta0, dtype=float)
    eta = X @ beta
    p = expit(eta)
    ll = loglik(eta, y)
    for _ in range(maxit):
        score = (X.T @ (y - p))[free]
        step = scipy.linalg.cho_solve(chol, score)
        gain = float(score @ step)
        if not np.isfinite(gain):
            return None
        if gain <= 1e-15 * (1 + abs(ll)):
            return beta, ll, p
        trial = beta.copy()
        trial[free] += step
        t_eta = X @ trial
        t_ll = loglik(t_eta, y)
        if not t_ll >= ll - 1e-13 * (1 + abs(ll)):
            return None
        beta, eta, ll = trial, t_eta, t_ll
        p = expit(eta)
        if np.max(np.abs(step)) <= tol * (1 + np.max(np.abs(beta[free]))):
            return beta, ll, p
    return None


def _newton_near_wald(f, b_hat, side: int, h: float, xtol: float):
    """The root of the increasing ``f`` by Newton's method from the Wald limit ``b_hat + side·h``.

    ``f(b)`` returns ``(value, slope, noise)``: r(b) - side·crit, its derivative and the rounding of b that
    the value carries. r(b) is linear in b when the log-likelihood is quadratic, so in large samples the
    Wald limit is close and Newton's steps converge quadratically. A point is accepted only where r was
    evaluated, once the step from it is below ``xtol`` (or the rounding of b): predicting the next step's
    error from the curvature instead saves a fit, but the slope carries the constrained fit's leftover
    score, which on ill-conditioned designs (an uncentred calendar year) moved limits by ~1e-8. Returns the
    root, or ``None`` when a step leaves the side of the estimate, the slope is not positive or 12 steps do
    not converge: the caller then brackets the root by doubling and finishes it by Brent's method.
    """
    b = b_hat + side * h
    for _ in range(12):
        value, slope, noise = f(b)
        if value == 0:
            return b
        if not (np.isfinite(value) and np.isfinite(slope) and slope > 0):
            return None
        step = -value / slope
        if abs(step) <= max(xtol, noise):  # measured at b: b is within the tolerance of the root
            return b + step
        b = b + step
        if not (np.isfinite(b) and side * (b - b_hat) > 0):
            return None
    return None


def profile_limit(X, y, j: int, state: FitState, se: float, side: int, crit: float, *, firth: bool = False,
                  top: float | None = None, separated: bool = False) -> float:
    """Profile-likelihood limit of coefficient ``j`` on ``side`` (-1 lower, +1 upper).

    Solves r(b) = side·crit, r(b) = sign(b - b̂)·sqrt(2(ℓ̂ - ℓ_p(b))), where ℓ_p(b) maximises the
    (penalised) log-likelihood with β_j fixed at b (its supremum when the other coefficients
    run to infinity). For maximum likelihood without separation the root is first sought by Newton's
    method from the Wald limit b̂ ± crit·SE (:func:`_newton_near_wald`; r'(b) = -ℓ_p'(b)/r(b), and
    ℓ_p'(b) is the score of β_j at the constrained fit), each constrained fit first trying the chord
    method with X'WX of the estimate (:func:`_chord_fit`): three or four fits per limit in large
    samples. Otherwise, or when Newton's steps leave the side or do not converge, a bracket is grown
    outward from b̂ by doubling steps of crit·SE
    until r crosses the cut. The root is then found by Brent's method to 1e-12·min(1, step). Each
    constrained fit starts from the solved b nearest to it, the other coefficients moved along the
    tangent -I_oo⁻¹ I_oj. ``top`` overrides the maximum (the supremum of the likelihood when no
    finite maximum exists).

    Returns ±inf when the limit is infinite: for maximum likelihood with ``separated`` data,
    when the log-likelihood has a direction of recession along which β_j runs to side·∞
    (:func:`recession_exists`, checked by one constrained fit far out); otherwise when r has
    not reached the cut within 2**50 steps. Returns NaN when a constrained fit near the root
    did not converge, or r jumps there instead of crossing the cut. Never returns b̂.
    """
    k = X.shape[1]
    free = np.array([i for i in range(k) if i != j])
    b_hat = float(state.beta[j])
    top = state.objective if top is None else top
    h = crit * (min(se, 10.0) if np.isfinite(se) and se > 0 else 1.0)
    solved = [(b_hat, state.beta.copy(), state.info)]
    failed = []
    memo: dict = {}  # b -> (r(b) - side·crit, unsure, the score of β_j at the constrained fit)
    fast = not firth and not separated
    chol = None
    if fast:
        try:
            chol = scipy.linalg.cho_factor(state.info[np.ix_(free, free)])
        except (np.linalg.LinAlgError, ValueError):
            fast = False

    def constrained(b):
        nb, nbeta, ninfo = min(solved, key=lambda t: abs(t[0] - b))
        plain = nbeta.copy()
        plain[j] = b
        starts = [plain]
        # least squares with a cut-off: where coefficients run to infinity I_oo is near-singular and a plain solve
        # would move them along that direction by orders of magnitude (losing every digit of the fit)
        tangent = np.linalg.lstsq(ninfo[np.ix_(free, free)], ninfo[free, j], rcond=1e-10)[0]
        if np.all(np.isfinite(tangent)):
            moved = plain.copy()
            moved[free] -= (b - nb) * tangent
            starts.insert(0, moved)
        chord = _chord_fit(X, y, free, starts[0], chol) if fast else None
        if chord is not None:
            st = FitState(chord[0], chord[1], chord[1], ninfo, chord[2], True, 0)
        else:
            st = fit_logistic(X, y, firth=firth, free=free, beta0=starts[0], maxit=200)
            if not st.converged:
                st2 = fit_logistic(X, y, firth=firth, free=free, beta0=starts[-1], maxit=500)
                st = st2 if st2.converged or st2.objective > st.objective else st
        solved.append((b, st.beta, st.info))
        return st

    def signed_root(b):
        b = float(b)
        if b not in memo:
            st = constrained(b)
            r = np.sign(b - b_hat) * np.sqrt(max(0.0, 2 * (top - st.objective)))
            # short of the maximum: r too far out, a crossing unsure
            memo[b] = (r - side * crit, not st.converged and side * r > 0.5 * crit, float(X[:, j] @ (y - st.p)))
        value, unsure, _ = memo[b]
        if unsure:
            failed.append(b)
        return value

    def with_slope(b):
        # r'(b) = -ℓ_p'(b)/r(b), and ℓ_p'(b) is the score of β_j at the constrained fit (the envelope theorem)
        value = signed_root(b)
        score = memo[float(b)][2]
        r = value + side * crit
        noise = 4e-15 * (1 + abs(top)) / max(abs(score), 1e-300)  # ℓ_p is found to a gain of 1e-15·(1 + |ℓ|)
        return value, (-score / r if r != 0 else np.nan), noise

    if separated and recession_exists(X, y, j, side):
        if side * signed_root(b_hat + side * 64 * h) < 0:
            return side * np.inf
    xtol = 1e-12 * min(1.0, h)
    if fast:
        root = _newton_near_wald(with_slope, b_hat, side, h, xtol)
        if root is not None and not failed:
            return float(root)
        failed.clear()
    inner, outer = b_hat, b_hat + side * h
    f_out = signed_root(outer)
    for expand in range(1, 51):
        if side * f_out >= 0:
            break
        inner, outer = outer, b_hat + side * h * 2 ** expand
        f_out = signed_root(outer)
    else:
        return float("nan") if failed else side * np.inf
    a, b = sorted((inner, outer))
    failed.clear()
    root = a if a == b else optimize.brentq(signed_root, a, b, xtol=xtol, rtol=4 * np.finfo(float).eps, maxiter=500)
    # a root, not a jump of r (a constrained fit that moved to another local maximum of Firth's penalised
    # likelihood, which need not be concave)
    residual = signed_root(root)
    if failed or root == b_hat or abs(residual) > 1e-6 * crit:
        return float("nan")
    return float(root)


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
    # the direction maximising the summed margins can leave a patient on the boundary although another direction
    # separates every patient strictly: complete separation is a positive largest smallest margin
    kind = "complete" if _largest_min_margin(A) > 1e-8 else "quasi-complete"
    return kind, np.flatnonzero(np.abs(d) > 1e-7)


def _largest_min_margin(A: np.ndarray) -> float:
    """max over |d_k| <= 1 of min_i (A d)_i (capped at 1): positive when a hyperplane puts every patient strictly on
    its own side (complete separation), 0 when the best one leaves some on it (quasi-complete)."""
    p = A.shape[1]
    res = optimize.linprog(np.r_[np.zeros(p), -1.0], A_ub=np.column_stack([-A, np.ones(len(A))]),
                           b_ub=np.zeros(len(A)), bounds=[(-1, 1)] * p + [(None, 1)], method="highs")
    return float(-res.fun) if res.status == 0 else 0.0
