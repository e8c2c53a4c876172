"""Harrell's concordance for censored data with its infinitesimal-jackknife SE, O(n log n).

Equals R's ``survival::concordance`` (as printed by ``coxph``): a pair is comparable when the
earlier time is an event (a censored time tied with an event time counts as later); pairs tied
on the risk score count ½; pairs of events at the same time are ``tied.y`` and left out. The SE
is the infinitesimal jackknife: sqrt(Σ_i (∂C/∂w_i)²), where ∂C/∂w_i comes from the number of
concordant, discordant and tied pairs that involve patient i.

Counting uses no Python loop over patients: "how many of the first s values are below x" is
answered for all queries at once by a wavelet matrix over the risk ranks (one stable split and one
cumulative count per bit of the ranks), O(n log n) in all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["concordance", "Concordance"]


@dataclass(frozen=True)
class Concordance:
    concordance: float
    std_error: float
    concordant: int
    discordant: int
    tied_x: int
    tied_y: int


def _prefix_counts(ranks: np.ndarray, s: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query q: (#{p < s_q : ranks_p < x_q}, #{p < s_q : ranks_p <= x_q}), ranks >= 0.

    A wavelet matrix walked by all queries at once: for each bit of the ranks, from the highest, the
    sequence is stably split into its 0s and 1s, and each query's range [lo, hi) — the prefix's values
    that agree with x_q on the bits above — is carried into the half of x_q's bit, counting the 0s it
    passes when that bit is 1. O((n + queries) · bits) = O(n log n), each level a few vector passes.
    """
    n = len(ranks)
    bits = max(1, int(max(ranks.max(initial=0), x.max(initial=0))).bit_length())
    it = np.int32 if n < 2**31 - 1 and bits < 31 else np.int64  # half the memory traffic of int64
    seq = np.asarray(ranks, dtype=it)
    x = np.asarray(x, dtype=it)
    lo = np.zeros(len(s), dtype=it)
    hi = np.asarray(s, dtype=it).copy()
    lt = np.zeros(len(s), dtype=np.int64)
    ones = np.zeros(n + 1, dtype=it)
    bit = np.empty(n, dtype=it)
    for level in range(bits - 1, -1, -1):
        np.right_shift(seq, level, out=bit)
        bit &= 1
        np.cumsum(bit, out=ones[1:])  # ones[i]: 1-bits among the first i values
        n_zero = n - ones[-1]
        z_lo, z_hi = lo - ones[lo], hi - ones[hi]  # 0-bits before lo and before hi
        up = ((x >> level) & 1).astype(bool)
        lt += np.where(up, z_hi - z_lo, 0)  # values with a 0 where x_q has a 1 (and equal above) are below x_q
        lo = np.where(up, n_zero + lo - z_lo, z_lo)
        hi = np.where(up, n_zero + hi - z_hi, z_hi)
        one = bit.astype(bool)
        seq = np.concatenate([seq[~one], seq[one]])
    return lt, lt + (hi - lo)


def concordance(time, event, risk) -> Concordance:
    """Concordance of ``risk`` (higher = earlier event) with censored survival times."""
    time = np.asarray(time, float)
    event = np.asarray(event).astype(bool)
    risk = np.asarray(risk, float)
    n = len(time)
    order = np.lexsort((~event, time))  # time ascending, events before censored at a tie
    t, e = time[order], event[order]
    _, r = np.unique(risk[order], return_inverse=True)
    r = r.astype(np.int64)
    # end of each event's block of tied event times: its comparable partners sit from there on
    ev_idx = np.flatnonzero(e)
    key = t[ev_idx]
    block_end = np.empty(n, dtype=np.int64)
    last = np.searchsorted(key, key, side="right") - 1  # last event with the same time
    block_end[ev_idx] = ev_idx[last] + 1
    s = block_end[ev_idx]
    x = r[ev_idx]
    r_sorted = np.sort(r)  # counts over all patients need no blocks
    total_lt = np.searchsorted(r_sorted, x, side="left")
    total_le = np.searchsorted(r_sorted, x, side="right")
    pre_lt, pre_le = _prefix_counts(r, s, x)
    l_less = total_lt - pre_lt  # later partners with a lower risk: concordant
    l_eq = (total_le - pre_le) - l_less
    l_gt = (n - s) - l_less - l_eq
    # each patient as the later member: events whose block ends at or before its position
    ev_order = np.argsort(s, kind="stable")
    s_sorted, x_sorted = s[ev_order], x[ev_order]
    k = np.searchsorted(s_sorted, np.arange(n), side="right")  # events usable by position p
    lt, le = _prefix_counts(x_sorted, k, r)
    r_gt = k - le  # earlier events with a higher risk: concordant
    r_eq = le - lt
    r_lt = lt
    conc_i = r_gt.astype(float)
    disc_i = r_lt.astype(float)
    tie_i = r_eq.astype(float)
    conc_i[ev_idx] += l_less
    disc_i[ev_idx] += l_gt
    tie_i[ev_idx] += l_eq
    conc, disc, tied = int(l_less.sum()), int(l_gt.sum()), int(l_eq.sum())
    total = conc + disc + tied
    if total == 0:
        return Concordance(float("nan"), float("nan"), 0, 0, 0, 0)
    c = (conc + tied / 2) / total
    d_c = ((conc_i + tie_i / 2) * total - (conc + tied / 2) * (conc_i + disc_i + tie_i)) / total**2
    # pairs of events at the same time (tied.y)
    _, counts = np.unique(t[ev_idx], return_counts=True)
    tied_y = int((counts * (counts - 1) // 2).sum())
    return Concordance(float(c), float(np.sqrt(np.sum(d_c**2))), conc, disc, tied, tied_y)
