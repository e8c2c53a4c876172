"""The Mann-Whitney AUC and DeLong placement values by sorting: O(n log n), never an n_cases x n_controls
matrix. Shared by the C index of regression fits, the ROC/DeLong functions and the feature screens."""

from __future__ import annotations

import numpy as np


def _placements(cases: np.ndarray, controls: np.ndarray):
    """DeLong placement values, O(n log n) from one sort (Sun & Xu 2014).

    ``v10[i]`` = P(control < case_i) + ½ P(control = case_i);
    ``v01[j]`` = P(case > control_j) + ½ P(case = control_j). AUC = mean(v10) = mean(v01).
    With midranks R: v10_i = (R_all(x_i) - R_cases(x_i)) / n0 and
    v01_j = 1 - (R_all(y_j) - R_controls(y_j)) / n1.
    """
    m, n = len(cases), len(controls)
    values = np.concatenate([cases, controls])
    order = np.argsort(values)  # any sort: tied values share their block, so their order is irrelevant
    vs = values[order]
    is_case = order < m
    ctrl_cum = np.zeros(m + n + 1)
    np.cumsum(~is_case, out=ctrl_cum[1:])  # controls before each sorted position
    case_cum = np.arange(m + n + 1.0) - ctrl_cum
    new = vs[1:] != vs[:-1]
    if new.all():  # no ties: strictly below / above counts
        p = np.where(is_case, ctrl_cum[:-1] / n, 1 - case_cum[:-1] / m)
    else:
        edges = np.flatnonzero(np.concatenate([[True], new, [True]]))
        lengths = np.diff(edges)
        start = np.repeat(edges[:-1], lengths)
        end = np.repeat(edges[1:], lengths)
        below_ctrl = ctrl_cum[start] + 0.5 * (ctrl_cum[end] - ctrl_cum[start])
        above_case = (m - case_cum[end]) + 0.5 * (case_cum[end] - case_cum[start])
        p = np.where(is_case, below_ctrl / n, above_case / m)
    placed = np.empty(m + n)
    placed[order] = p
    v10, v01 = placed[:m], placed[m:]
    return v10, v01



def _auc_sorted(cases: np.ndarray, controls: np.ndarray) -> float:
    """Mann-Whitney AUC (ties ½) from two sorts and one search."""
    return _auc_presorted(np.sort(cases), np.sort(controls))


def _auc_presorted(sc: np.ndarray, sd: np.ndarray) -> float:
    """Mann-Whitney AUC (ties ½) of cases and controls already sorted ascending: one search, no sort."""
    lo = np.searchsorted(sd, sc, "left")
    last = np.minimum(lo, len(sd) - 1)
    if np.any(sd[last] == sc):
        hi = np.searchsorted(sd, sc, "right")
        total = lo.sum() + 0.5 * (hi - lo).sum()
    else:
        total = lo.sum()
    return float(total / (len(sc) * len(sd)))
