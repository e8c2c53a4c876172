"""Cox partial likelihood (Efron or Breslow ties) with its score and information, vectorised.

Why hand-written: statsmodels' ``PHReg`` and lifelines' ``CoxPHFitter`` give the same estimates but
loop over event times in Python, 5-20x slower than R's ``coxph``. Here every sum over risk sets is a
reverse cumulative sum over the time-sorted rows, and the information matrix is assembled from three
weighted Gram products (no n x p x p arrays), so a fit costs a few O(n p²) passes. Verified against
``coxph`` (tests/reference/survival.R) and against ``PHReg`` in the tests.

Notation: for death time k with risk set R_k and deaths D_k (d_k of them), Efron's l-th term
(l = 0..d_k-1) uses S_kl = S(R_k) - (l/d_k)·S(D_k) for the sums S of w, w·x and w·xxᵀ
(w = exp(xᵀβ)); Breslow is the same with l/d_k = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CoxFit", "fit_cox"]


@dataclass
class CoxFit:
    beta: np.ndarray
    loglik: float
    null_loglik: float
    info: np.ndarray
    converged: bool
    n_iter: int


class _Structure:
    """Sorting and tie bookkeeping, computed once per data set."""

    def __init__(self, time, event, X, ties):
        order = np.argsort(time, kind="stable")
        self.t = time[order]
        self.e = event[order].astype(bool)
        self.X = np.ascontiguousarray(X[order])
        dt = self.t[self.e]
        self.death_times, first_death, self.d = np.unique(dt, return_index=True, return_counts=True)
        # row where each death time's risk set starts (first row with t >= t_k)
        self.risk_start = np.searchsorted(self.t, self.death_times, side="left")
        k = len(self.death_times)
        # one "pair" per death: its group and l/d (Efron) or 0 (Breslow)
        self.pair_group = np.repeat(np.arange(k), self.d)
        within = np.arange(len(dt)) - np.repeat(np.cumsum(self.d) - self.d, self.d)
        self.frac = within / np.repeat(self.d, self.d) if ties == "efron" else np.zeros(len(dt))
        # death rows (sorted order) and the group of each
        self.death_rows = np.flatnonzero(self.e)
        self.death_group = np.searchsorted(self.death_times, self.t[self.death_rows])
        self.group_starts = np.concatenate([[0], np.cumsum(self.d)[:-1]])
        # for every row, number of death groups with t_k <= t_i
        self.groups_upto = np.searchsorted(self.death_times, self.t, side="right")


def _revcumsum(a):
    return np.cumsum(a[::-1], axis=0)[::-1]


def _evaluate(s: _Structure, beta, need_info=True):
    X = s.X
    eta = X @ beta
    eta_max = eta.max()
    w = np.exp(eta - eta_max)  # scaled for stability; log S0 adds eta_max back
    rs0 = _revcumsum(w)
    rs1 = _revcumsum(w[:, None] * X)
    s0_k = rs0[s.risk_start]
    s1_k = rs1[s.risk_start]
    wd = w[s.death_rows]
    a0_k = np.add.reduceat(wd, s.group_starts)  # death rows of a group are contiguous
    a1_k = np.add.reduceat(wd[:, None] * X[s.death_rows], s.group_starts, axis=0)
    g = s.pair_group
    s0 = s0_k[g] - s.frac * a0_k[g]
    s1 = s1_k[g] - s.frac[:, None] * a1_k[g]
    m = s1 / s0[:, None]
    loglik = float(eta[s.death_rows].sum() - np.sum(np.log(s0) + eta_max))
    score = X[s.death_rows].sum(axis=0) - m.sum(axis=0)
    if not need_info:
        return loglik, score, None
    c = 1.0 / s0  # per pair
    c_group = np.bincount(g, weights=c, minlength=len(s.d))
    cum_c = np.concatenate([[0.0], np.cumsum(c_group)])
    weight_all = w * cum_c[s.groups_upto]  # Σ over death groups at or before t_i of Σ_l 1/S0_kl
    fc_group = np.bincount(g, weights=s.frac * c, minlength=len(s.d))
    weight_death = wd * fc_group[s.death_group]
    Xd = X[s.death_rows]
    info = (X * weight_all[:, None]).T @ X - (Xd * weight_death[:, None]).T @ Xd - m.T @ m
    return loglik, score, info


def fit_cox(time, event, X, *, ties: str = "efron", maxit: int = 50, tol: float = 1e-12) -> CoxFit:
    """Newton-Raphson with step halving on the partial log-likelihood, to a relative step below ``tol``."""
    s = _Structure(np.asarray(time, float), np.asarray(event), np.asarray(X, float), ties)
    beta = np.zeros(X.shape[1])
    ll, score, info = _evaluate(s, beta)
    null_ll = ll
    converged = False
    it = 0
    for it in range(1, maxit + 1):
        step = np.linalg.solve(info, score)
        shrink = 1.0
        for _ in range(30):
            trial = beta + shrink * step
            t_ll, t_score, t_info = _evaluate(s, trial)
            if np.isfinite(t_ll) and t_ll >= ll - 1e-12 * (1 + abs(ll)):
                break
            shrink /= 2
        beta, ll, score, info = trial, t_ll, t_score, t_info
        if np.max(np.abs(shrink * step)) <= tol * (1 + np.max(np.abs(beta))):
            converged = True
            break
    return CoxFit(beta, ll, null_ll, info, converged, it)


def baseline_cumhaz(time, event, X, beta, ties: str = "efron"):
    """Baseline cumulative hazard at x = 0 at each distinct event time.

    Breslow: ΔH0(t_k) = d_k / Σ_{R_k} w; Efron: Σ_{l<d_k} 1/(Σ_{R_k} w - (l/d_k)·Σ_{D_k} w), with
    w = exp(xᵀβ); as ``survfit.coxph``, whose hazard estimator follows the ties method.
    Returns ``(event_times, cumulative_hazard)``.
    """
    s = _Structure(np.asarray(time, float), np.asarray(event), np.asarray(X, float), ties)
    eta = s.X @ beta
    shift = eta.max()
    w = np.exp(eta - shift)
    rs0 = np.cumsum(w[::-1])[::-1]
    s0_k = rs0[s.risk_start]
    a0_k = np.add.reduceat(w[s.death_rows], s.group_starts)
    denom = s0_k[s.pair_group] - s.frac * a0_k[s.pair_group]
    inc = np.bincount(s.pair_group, weights=1.0 / denom, minlength=len(s.d)) * np.exp(-shift)
    return s.death_times, np.cumsum(inc)
