"""Private machinery shared by the ROC, DeLong, cut-off, band, calibration, decision-curve and
reclassification modules: outcome/score validation, orientation, the empirical curve, DeLong variance,
stratified bootstrap AUCs and p-values for the three alternatives."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

import numpy as np
import pandas as pd
from scipy import stats

from .._auc import _placements
from .._parallel import parallel_map, seed_sequence
from .._validation import check_one_of
from ..exceptions import DataValidationError


ALTERNATIVES = ("two-sided", "greater", "less")



def prepare_binary_scores(y, scores: dict, *, positive=None, nan_policy: str = "raise"):
    """Validate an outcome and one or more aligned score vectors.

    Returns ``(y01, {name: float array}, n_dropped, positive)``. With
    ``nan_policy="omit"`` patients with a missing outcome or any non-finite
    score are dropped and counted; with ``"raise"`` (default) they are an error.
    """
    check_one_of(nan_policy, ("raise", "omit"), "nan_policy")
    y_arr = y.to_numpy() if isinstance(y, (pd.Series, pd.Index)) else np.asarray(y)
    if y_arr.ndim != 1:
        y_arr = y_arr.ravel()
    numeric = y_arr.dtype.kind in "biuf"
    if not numeric:
        y_arr = y_arr.astype(object)
    n = len(y_arr)
    arrays = {}
    for name, s in scores.items():
        try:
            a = np.asarray(s, dtype=float).ravel()
        except (TypeError, ValueError):
            raise TypeError(f"score {name!r} must be numeric; got values that are not numbers.") from None
        if len(a) != n:
            raise DataValidationError(
                f"score {name!r} has {len(a)} values but the outcome has {n}; they must be aligned patient by patient."
            )
        arrays[name] = a
    bad = np.isnan(y_arr) if y_arr.dtype.kind == "f" else pd.isna(y_arr) if not numeric else np.zeros(n, bool)
    for a in arrays.values():
        bad = bad | ~np.isfinite(a)
    n_bad = int(bad.sum())
    if n_bad:
        if nan_policy == "raise":
            which = [k for k, a in arrays.items() if (~np.isfinite(a)).any()]
            raise DataValidationError(
                f"{n_bad} patient(s) have a missing outcome or a NaN/inf score ({', '.join(which) or 'outcome'}). "
                "Remove them, or pass nan_policy='omit' to drop them (the number dropped is reported)."
            )
        y_arr = y_arr[~bad]
        arrays = {k: a[~bad] for k, a in arrays.items()}
    if numeric:
        is0, is1 = y_arr == 0, y_arr == 1
        if (is0 | is1).all() and is0.any() and is1.any():  # fast path: already 0/1
            values = [0, 1]
        else:
            values = list(np.unique(y_arr))
    else:
        values = list(pd.unique(y_arr))
    if len(values) != 2:
        raise DataValidationError(
            f"the outcome must have exactly two classes; got {len(values)} ({sorted(map(str, values))[:10]}). "
            "ROC analysis needs cases and controls."
        )
    if positive is None:
        if not (numeric and set(float(v) for v in values) == {0.0, 1.0}):
            raise DataValidationError(
                f"the outcome has values {sorted(map(str, values))}, not 0/1; say which is the case with positive=..."
            )
        positive = 1
        y01 = (y_arr == 1).astype(np.int8)
    else:
        if positive not in values:
            raise DataValidationError(f"positive={positive!r} is not an outcome value; values are {sorted(map(str, values))}.")
        y01 = (y_arr == positive).astype(np.int8)
    return y01, arrays, n_bad, positive



def _orient(score: np.ndarray, direction: str) -> np.ndarray:
    return score if direction == "<" else -score



def _curve(cases: np.ndarray, controls: np.ndarray, direction: str):
    return _curve_sorted(np.sort(cases), np.sort(controls), direction)


def _curve_sorted(sc: np.ndarray, sd: np.ndarray, direction: str):
    """pROC's curve from the sorted cases and controls: thresholds -Inf, midpoints of distinct values, +Inf."""
    values = np.concatenate([sc, sd])
    values.sort(kind="stable")  # two sorted runs: one merge
    if len(values):
        values = values[np.concatenate([[True], values[1:] != values[:-1]])]
    mids = (values[1:] + values[:-1]) / 2
    thr = np.concatenate([[-np.inf], mids, [np.inf]])
    if direction == "<":
        se = 1 - np.searchsorted(sc, thr, "left") / len(sc)  # cases >= t
        sp = np.searchsorted(sd, thr, "left") / len(sd)  # controls < t
        return thr, se, sp
    thr = thr[::-1]
    se = np.searchsorted(sc, thr, "right") / len(sc)  # cases <= t
    sp = 1 - np.searchsorted(sd, thr, "right") / len(sd)  # controls > t
    return thr, se, sp


_SHARED = ContextVar("cohortstats_shared_sorts", default=None)


@contextmanager
def shared_sorts():
    """Within the block, each score's cases and controls are sorted once and reused.

    ``roc``, ``auc_ci`` (bootstrap and Hanley-McNeil), ``threshold_metrics`` and ``decision_curve`` called on
    the same outcome and score objects (the same arrays or Series, with the same ``positive`` and
    ``nan_policy``) share one sort. The objects must not be modified inside the block (they are recognised by
    identity). Outside such a block nothing is cached.

    Examples
    --------
    >>> import numpy as np, cohortstats as cs
    >>> from cohortstats.evaluation._roc_core import shared_sorts
    >>> y, p = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    >>> with shared_sorts():
    ...     r = cs.roc(y, p)
    ...     dc = cs.decision_curve(y, {"model": p})
    >>> r.auc
    0.75
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def sorted_split(y01, score, *, key=None):
    """Cases' and controls' scores, each sorted ascending (fresh arrays, not views of the input).

    ``key`` = (outcome object, score object, positive, nan_policy) identifies the input inside
    :func:`shared_sorts`; the sorted arrays are then computed once and shared (read them, never write).
    """
    cache = _SHARED.get()
    ident = None
    if cache is not None and key is not None:
        ident = (id(key[0]), id(key[1]), repr(key[2]), key[3])
        hit = cache.get(ident)
        if hit is not None and hit[0] is key[0] and hit[1] is key[1] and len(hit[2]) + len(hit[3]) == len(score):
            return hit[2], hit[3]
    is_case = y01 == 1
    sc, sd = score[is_case], score[~is_case]  # boolean indexing copies: sort those copies in place
    sc.sort()
    sd.sort()
    if ident is not None:
        sc.flags.writeable = sd.flags.writeable = False
        cache[ident] = (key[0], key[1], sc, sd)
    return sc, sd


def _oriented(sc: np.ndarray, sd: np.ndarray, direction: str):
    """Sorted cases and controls of the oriented score (``-score`` for ``">"``), still ascending."""
    return (sc, sd) if direction == "<" else (-sc[::-1], -sd[::-1])


def _split(y01, score):
    return score[y01 == 1], score[y01 == 0]



def _resolve_direction(direction, cases, controls):
    check_one_of(direction, ("<", ">", "auto"), "direction")
    if direction == "auto":
        return (">" if np.median(controls) > np.median(cases) else "<"), "auto"
    return direction, "given"



def _delong_var(cases, controls):
    v10, v01 = _placements(cases, controls)
    return float(v10.mean()), float(np.var(v10, ddof=1) / len(v10) + np.var(v01, ddof=1) / len(v01))



def bootstrap_aucs(cases: np.ndarray, controls: np.ndarray, n_boot: int, random_state, *, n_jobs=None,
                   chunk_elems: int = 4_000_000, presorted: bool = False) -> np.ndarray:
    """AUCs of ``n_boot`` stratified bootstrap resamples (cases and controls resampled separately).

    No per-resample sort: the controls are sorted once, and the count of controls below each case is
    read from a cumulative count of the resample's control multiplicities over that order. Resample
    ``b`` draws from its own generator (spawned from ``random_state``, see
    :func:`cohortstats._parallel.spawn_generators`): first the controls (positions in the sorted
    controls), then the cases (positions in the sorted cases), so the result does not depend on
    ``n_jobs``. Memory O(n); ``chunk_elems`` sets how many resamples go to a worker at a time.
    """
    m, n = len(cases), len(controls)
    # drawing positions in the sorted values is the same as drawing the values themselves
    sd = controls if presorted else np.sort(controls)
    sc = cases if presorted else np.sort(cases)  # sorted cases: the reads of the cumulative count run forward
    lo = np.searchsorted(sd, sc, "left")
    hi = np.searchsorted(sd, sc, "right")
    seeds = seed_sequence(random_state).spawn(int(n_boot))
    per = max(1, chunk_elems // (m + n))
    chunks = [seeds[i:i + per] for i in range(0, len(seeds), per)]
    work = partial(_auc_chunk, lo=lo, hi=hi if np.any(hi != lo) else None, m=m, n=n)
    return np.concatenate(parallel_map(work, chunks, n_jobs=n_jobs))


def _auc_chunk(seeds, *, lo, hi, m, n):
    """AUCs of the resamples seeded by ``seeds`` (twice the weighted Mann-Whitney count, in integers).

    One resample at a time: its arrays (a count per control) stay in cache, which is faster than
    vectorising over several resamples at 10^6 patients, and costs ~30 µs per resample at 10^2.
    """
    out = np.empty(len(seeds))
    cum = np.zeros(n + 1, dtype=np.int64)
    for b, seed in enumerate(seeds):
        g = np.random.default_rng(seed)
        np.cumsum(np.bincount(g.integers(0, n, n), minlength=n), out=cum[1:])  # drawn controls up to each position
        below = 2 * cum[lo]  # twice the weighted count of controls below each (sorted) case
        if hi is not None:
            below += cum[hi] - cum[lo]  # ties count one half
        out[b] = np.take(below, g.integers(0, m, m)).sum()
    return out / (2.0 * m * n)


def _as_rng(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return np.random.default_rng(random_state)
    raise TypeError(f"random_state must be None, an int or a numpy Generator; got {type(random_state).__name__}.")



def _p_value(z, alternative, dist=stats.norm, **kw):
    if alternative == "two-sided":
        return float(2 * dist.sf(abs(z), **kw))
    if alternative == "greater":
        return float(dist.sf(z, **kw))
    return float(dist.cdf(z, **kw))
