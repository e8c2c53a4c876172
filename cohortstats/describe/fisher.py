"""Fisher's exact test for r x c tables, exact as R's ``fisher.test``.

Why hand-written: SciPy's ``fisher_exact`` is exact only for 2 x 2 tables; for
larger tables it estimates the p-value by resampling, and no maintained Python
package gives R's exact value. This module walks the network of tables with
the observed margins column by column (Mehta & Patel's network idea): partial
tables that reach the same remaining row sums are merged, and a node whose
completions are all at least as extreme (or all less extreme) than the observed
table is settled at once with closed-form totals and simple bounds.

The p-value is the sum of the hypergeometric probabilities of all tables whose
probability is at most the observed one times ``1 + 1e-7`` (R's ``relErr``).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.special import gammaln

__all__ = ["fisher_exact_rxc", "TooManyTables"]


class TooManyTables(RuntimeError):
    """The exact enumeration would visit more partial tables than allowed."""

_REL_ERR = 1 + 1e-7


def _lfact(x) -> float:
    return float(np.sum(gammaln(np.asarray(x, float) + 1)))


def _column_vectors(caps: tuple, total: int):
    """All non-negative integer vectors x with sum ``total`` and x_i <= caps_i."""
    n = len(caps)
    suffix = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        suffix[i] = suffix[i + 1] + caps[i]
    x = [0] * n

    def rec(i, left):
        if i == n - 1:
            if left <= caps[i]:
                x[i] = left
                yield tuple(x)
            return
        lo = max(0, left - suffix[i + 1])
        hi = min(caps[i], left)
        for v in range(lo, hi + 1):
            x[i] = v
            yield from rec(i + 1, left - v)

    yield from rec(0, total)


def _bound_column(caps, total, concentrate: bool) -> float:
    """max (concentrate=True) or min (False) of sum log x_i! for one column."""
    caps = sorted(caps, reverse=True)
    if concentrate:
        left, s = total, 0.0
        for c in caps:
            v = min(c, left)
            s += math.lgamma(v + 1)
            left -= v
        return s
    # spread as evenly as the caps allow: adding one unit at a time to the smallest
    # entry with spare capacity is optimal for this separable convex objective
    x = [0] * len(caps)
    for _ in range(total):
        i = min((k for k in range(len(caps)) if x[k] < caps[k]), key=lambda k: x[k])
        x[i] += 1
    return sum(math.lgamma(v + 1) for v in x)


def fisher_exact_rxc(table, *, max_steps: int = 5_000_000) -> float:
    """Two-sided exact p-value of Fisher's test for an r x c table of counts.

    Notes
    -----
    Equals R's ``fisher.test(table)$p.value`` (network algorithm, ``relErr = 1 + 1e-7``).
    Cost grows with the number of tables with the observed margins; it is meant
    for the small tables where the test is used (any expected count below 5).
    :class:`TooManyTables` is raised after ``max_steps`` partial tables.
    """
    t = np.asarray(table, dtype=np.int64)
    if t.ndim != 2 or (t < 0).any():
        raise ValueError("table must be a 2-D array of non-negative counts.")
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if min(t.shape) < 2:
        return 1.0
    if t.shape[0] > t.shape[1]:
        t = t.T  # fewer rows: short column vectors to enumerate
    rows = tuple(int(v) for v in t.sum(axis=1))
    cols = sorted((int(v) for v in t.sum(axis=0)), reverse=True)
    n = int(t.sum())
    log_k = _lfact(rows) + _lfact(cols) - math.lgamma(n + 1)
    obs_lw = -_lfact(t)  # log of prod 1/x_ij!
    thr = obs_lw + math.log(_REL_ERR)
    ncol = len(cols)
    steps = 0
    suffix_cols = [sum(cols[j:]) for j in range(ncol + 1)]

    @lru_cache(maxsize=None)
    def future(j, rem):
        """(log total of prod 1/x! over completions, max log weight, min log weight)."""
        remaining = cols[j:]
        total = math.lgamma(suffix_cols[j] + 1) - _lfact(rem) - _lfact(remaining)
        hi = -sum(_bound_column(rem, c, concentrate=False) for c in remaining)
        lo = -sum(_bound_column(rem, c, concentrate=True) for c in remaining)
        return total, hi, lo

    p_log = -math.inf
    # nodes: remaining row sums (sorted) -> {rounded past log weight: (past log weight, log multiplicity)}
    level = {tuple(sorted(rows, reverse=True)): {0: (0.0, 0.0)}}
    for j in range(ncol):
        nxt: dict = {}
        for rem, pasts in level.items():
            total, hi, lo = future(j, rem)
            keep = []
            for lw, lm in pasts.values():
                if lw + hi <= thr:  # every completion is at least as extreme
                    p_log = np.logaddexp(p_log, lm + lw + total)
                elif lw + lo > thr:  # no completion is
                    continue
                else:
                    keep.append((lw, lm))
            if not keep:
                continue
            for x in _column_vectors(rem, cols[j]):
                steps += len(keep)
                if steps > max_steps:
                    raise TooManyTables(f"more than {max_steps} partial tables")
                step = -sum(math.lgamma(v + 1) for v in x)
                new_rem = tuple(sorted((r - v for r, v in zip(rem, x)), reverse=True))
                bucket = nxt.setdefault(new_rem, {})
                for lw, lm in keep:
                    w = lw + step
                    key = round(w, 9)
                    if key in bucket:
                        bw, bm = bucket[key]
                        bucket[key] = (bw, np.logaddexp(bm, lm))
                    else:
                        bucket[key] = (w, lm)
        level = nxt
    for pasts in level.values():  # completed tables (remaining sums all zero)
        for lw, lm in pasts.values():
            if lw <= thr:
                p_log = np.logaddexp(p_log, lm + lw)
    return float(min(1.0, math.exp(p_log + log_k)))
