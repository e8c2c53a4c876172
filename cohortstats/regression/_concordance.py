"""Harrell's concordance for censored data with its infinitesimal-jackknife SE, O(n log² n).

Equals R's ``survival::concordance`` (as printed by ``coxph``): a pair is comparable when the
earlier time is an event (a censored time tied with an event time counts as later); pairs tied
on the risk score count ½; pairs of events at the same time are ``tied.y`` and left out. The SE
is the infinitesimal jackknife: sqrt(Σ_i (∂C/∂w_i)²), where ∂C/∂w_i comes from the number of
concordant, discordant and tied pairs that involve patient i.

Counting uses no Python loop over patients: "how many of the first s values are below x" is
answered for all queries at once by splitting [0, s) into aligned power-of-two blocks, each
level resolved by one sort and one ``searchsorted``.
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
    """For each query q: (#{p < s_q : ranks_p < x_q}, #{p < s_q : ranks_p <= x_q}).

    Both counts share one sort per power-of-two level (the sorted block keys are the costly part)."""
    n = len(ranks)
    m = int(ranks.max(initial=0)) + 2
    lt = np.zeros(len(s), dtype=np.int64)
    le = np.zeros(len(s), dtype=np.int64)
    level = 0
    pos = np.arange(n, dtype=np.int64)
    while (1 << level) <= n:
        size = 1 << level
        q = np.flatnonzero((s >> level) & 1)
        if q.size:
            block = ((s[q] >> (level + 1)) << (level + 1)) // size
            keys = np.sort((pos // size) * m + ranks)
            target = block * m + x[q]
            lt[q] += np.searchsorted(keys, target, side="left") - block * size
            le[q] += np.searchsorted(keys, target, side="right") - block * size
        level += 1
    return lt, le


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
