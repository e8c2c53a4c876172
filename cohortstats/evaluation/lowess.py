"""R's ``lowess`` (Cleveland's LOWESS scatterplot smoother, R's C routine ``clowess``) in numpy.

The smoother fits a tricube-weighted straight line at a subset of the sorted x values and
interpolates linearly in between. Which points are fitted and which neighbours each fit uses
depend on x alone, so they are found with a short Python loop (at most about 200 fits for R's
default delta = 1% of the range: consecutive pairs of fitted points are more than delta apart);
each fit is a handful of vector operations over its neighbourhood, found by bisection. Every
decision (window moves, the 0.999·h and 0.001·h weight cut-offs, the slope test, the delta
skipping) uses the same floating-point comparisons as R, so the result equals R's to rounding:
the sums are taken in another order (~1e-15 on hundreds of points, ~1e-13 on 10^6, where R's own
sequential sums carry that error). 10^6 points take about as long as R (~1.3 s).
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataValidationError

__all__ = ["lowess"]


def _bisect(pred, lo: int, hi: int) -> int:
    """First k in [lo, hi) with ``pred(k)`` true, for a predicate that is false then true; ``hi`` if none."""
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _window_start(x, i: int, nleft: int, ns: int) -> int:
    """Slide the ns-point window right while the point beyond it is nearer x[i] than its left end."""
    n = len(x)
    xi = x[i]
    return _bisect(lambda k: not (xi - x[k] > x[k + ns] - xi), nleft, n - ns)


_BLOCK = 1 << 15  # points per block when a neighbourhood is larger than this (work arrays stay in cache)


def _weights(x, xs, h, lo, hi, c_lo, c_hi, rw, d, w, t):
    """Tricube weights of x[lo:hi] around xs into ``w`` (and x - xs into ``d``), in R's order of operations."""
    np.subtract(x[lo:hi], xs, out=d)
    np.abs(d, out=t)
    if h > 0:
        t /= h
    np.multiply(t, t, out=w)  # tricube (1 - (r/h)^3)^3, multiplied in R's order
    t *= w
    np.subtract(1.0, t, out=t)
    np.multiply(t, t, out=w)
    w *= t
    # |x_j - xs| <= 0.001 h: weight 1 (also the only points when h = 0)
    a, b = max(c_lo, lo), min(c_hi, hi)
    if a < b:
        w[a - lo:b - lo] = 1.0
    if rw is not None:
        w *= rw[lo:hi]


def _fit_at(x, y, rw, i: int, nleft: int, nright: int, span: float, buf: np.ndarray):
    """Weighted linear fit at x[i] from neighbours nleft..nright (and ties beyond): (value, ok).

    ``buf`` is a (3, n) work array: no allocation per fit (fresh large arrays cost page faults),
    and no BLAS call (a threaded dot on a few hundred thousand numbers is slower than multiply-and-sum).
    A neighbourhood of more than ``_BLOCK`` points is summed block by block in two passes (weights
    recomputed in the second): each element gets the same operations, only the sums are grouped by
    block, and the work arrays stay in cache (at 10^7 points a fit would otherwise stream a dozen
    arrays of 50 MB through memory).
    """
    n = len(x)
    xs = x[i]
    h = max(xs - x[nleft], x[nright] - xs)
    h9, h1 = 0.999 * h, 0.001 * h
    # points with |x_j - xs| <= 0.999 h get weight: a contiguous run around i (x is sorted)
    lo = _bisect(lambda j: xs - x[j] <= h9, nleft, i)
    hi = _bisect(lambda j: x[j] - xs > h9, i + 1, n)
    c_lo = _bisect(lambda j: xs - x[j] <= h1, lo, i)
    c_hi = _bisect(lambda j: x[j] - xs > h1, i + 1, hi)
    if hi - lo > _BLOCK:
        return _fit_blocked(x, y, rw, i, lo, hi, c_lo, c_hi, h, span, buf)
    m = hi - lo
    d, w, t = buf[0, :m], buf[1, :m], buf[2, :m]
    _weights(x, xs, h, lo, hi, c_lo, c_hi, rw, d, w, t)
    total = w.sum()
    if not total > 0:
        return y[i], False
    yw = y[lo:hi]
    fit = np.multiply(w, yw, out=t).sum() / total
    if h > 0:
        mean_d = np.multiply(w, d, out=t).sum() / total
        d -= mean_d  # x - weighted mean of x
        np.multiply(w, d, out=w)
        c = np.multiply(w, d, out=t).sum() / total
        if np.sqrt(c) > 0.001 * span:  # points spread out enough for a slope
            fit += (-mean_d / c) * (np.multiply(w, yw, out=t).sum() / total)
    return fit, True


def _fit_blocked(x, y, rw, i, lo, hi, c_lo, c_hi, h, span, buf):
    """:func:`_fit_at` over blocks of ``_BLOCK`` points: sums of w, wy, wd, then of w·d'·d' and w·d'·y."""
    xs = x[i]
    d, w, t = buf[0, :_BLOCK], buf[1, :_BLOCK], buf[2, :_BLOCK]
    total = sum_wy = sum_wd = 0.0
    for s in range(lo, hi, _BLOCK):
        e = min(s + _BLOCK, hi)
        k = e - s
        _weights(x, xs, h, s, e, c_lo, c_hi, rw, d[:k], w[:k], t[:k])
        total += w[:k].sum()
        sum_wy += np.multiply(w[:k], y[s:e], out=t[:k]).sum()
        sum_wd += np.multiply(w[:k], d[:k], out=t[:k]).sum()
    if not total > 0:
        return y[i], False
    fit = sum_wy / total
    if h > 0:
        mean_d = sum_wd / total
        c = q = 0.0
        for s in range(lo, hi, _BLOCK):
            e = min(s + _BLOCK, hi)
            k = e - s
            _weights(x, xs, h, s, e, c_lo, c_hi, rw, d[:k], w[:k], t[:k])
            d[:k] -= mean_d
            np.multiply(w[:k], d[:k], out=w[:k])
            c += np.multiply(w[:k], d[:k], out=t[:k]).sum()
            q += np.multiply(w[:k], y[s:e], out=t[:k]).sum()
        c /= total
        if np.sqrt(c) > 0.001 * span:
            fit += (-mean_d / c) * (q / total)
    return fit, True


def _smooth_pass(x, y, rw, ns: int, delta: float) -> np.ndarray:
    """One pass of clowess: fit at anchor points, copy ties, interpolate the skipped points."""
    n = len(x)
    span = x[-1] - x[0]
    ys = np.empty(n)
    buf = np.empty((3, n))
    nleft, last, i = 0, -1, 0
    while True:
        if nleft + ns < n:
            nleft = _window_start(x, i, nleft, ns)
        ys[i], _ = _fit_at(x, y, rw, i, nleft, nleft + ns - 1, span, buf)
        if last < i - 1:  # skipped points: linear interpolation between the last two fits
            alpha = (x[last + 1:i] - x[last]) / (x[i] - x[last])
            ys[last + 1:i] = alpha * ys[i] + (1.0 - alpha) * ys[last]
        last = i
        tie_end = int(np.searchsorted(x, x[last], "right"))  # ties of x[last] take its value
        ys[last + 1:tie_end] = ys[last]
        last = tie_end - 1
        if last >= n - 1:
            return ys
        beyond = int(np.searchsorted(x, x[last] + delta, "right"))  # first point farther than delta
        i = max(last + 1, beyond - 1)


def lowess(x, y, *, f: float = 2 / 3, iterations: int = 3, delta: float | None = None, return_sorted: bool = True):
    """R's ``lowess(x, y, f, iter, delta)``: locally weighted linear regression, sorted by x.

    Parameters
    ----------
    x, y : array-like of float
        The points; same length, finite.
    f : float
        Smoother span: the share of points in each neighbourhood (R's ``f``, default 2/3).
    iterations : int
        Robustifying iterations (R's ``iter``, default 3; ``0`` for the plain tricube smoother
        that ``rms::val.prob`` and calibration curves use).
    delta : float, optional
        Points closer than ``delta`` to the last fitted point are interpolated instead of fitted;
        default ``0.01 * (max(x) - min(x))`` as R.
    return_sorted : bool
        ``False``: only the smoothed values, in the order of the input ``x`` (tied x share one value).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) or numpy.ndarray
        x sorted (stable, as R's ``order``) and the smoothed values there, as R's ``$x`` and ``$y``;
        with ``return_sorted=False`` the smoothed values in the input's order.

    Raises
    ------
    DataValidationError
        Empty, misaligned or non-finite input, ``f <= 0``, ``iterations < 0`` or ``delta < 0``.

    Notes
    -----
    A port of R's C routine ``clowess`` (Cleveland 1979, 1981): ns = max(2, min(n, floor(f·n + 1e-7)))
    nearest neighbours; tricube weights (1 - (r/h)³)³ where h is the largest distance in the
    neighbourhood, weight 1 for r <= 0.001·h and 0 for r > 0.999·h, ties on the right always
    included; a weighted straight line when the weighted SD of x exceeds 0.001·range(x), else a
    weighted mean; the next fitted point is the last one within ``delta``, and the points in between
    are interpolated linearly. Robustness weights are the bisquare of residuals over 6·median|res|.

    References
    ----------
    Cleveland WS (1979). Robust locally weighted regression and smoothing scatterplots. JASA 74:829-836.
    Cleveland WS (1981). LOWESS: a program for smoothing scatterplots by robust locally weighted
    regression. The American Statistician 35:54.

    Examples
    --------
    >>> import numpy as np
    >>> from cohortstats.evaluation.lowess import lowess
    >>> sx, sy = lowess([1, 2, 3, 4, 5, 6], [1, 3, 2, 4, 6, 5], iterations=0)
    >>> np.round(sy, 4).tolist()
    [1.3593, 2.1411, 2.8589, 4.0, 5.1411, 5.3593]
    """
    x = _as_float(x, "x")
    y = _as_float(y, "y")
    if len(x) != len(y) or len(x) == 0:
        raise DataValidationError(f"x and y must be non-empty and of equal length; got {len(x)} and {len(y)}.")
    if not (np.isfinite(f) and f > 0):
        raise DataValidationError(f"f must be a finite span > 0 (R's default 2/3); got {f!r}.")
    if int(iterations) != iterations or iterations < 0:
        raise DataValidationError(f"iterations must be a whole number >= 0; got {iterations!r}.")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    n = len(x)
    if delta is None:
        delta = 0.01 * (x[-1] - x[0])
    if not (np.isfinite(delta) and delta >= 0):
        raise DataValidationError(f"delta must be finite and >= 0; got {delta!r}.")
    ys = y.copy()
    if n >= 2:
        ns = max(2, min(n, int(f * n + 1e-7)))
        rw = None
        for step in range(int(iterations) + 1):
            ys = _smooth_pass(x, y, rw, ns, float(delta))
            if step == iterations:
                break
            rw = _robustness_weights(y - ys)
            if rw is None:
                break
    if return_sorted:
        return x, ys
    out = np.empty(n)
    out[order] = ys
    return out


def _robustness_weights(res: np.ndarray):
    """Bisquare weights of the residuals scaled by 6·median|res|; None when that scale is ~0 (R stops)."""
    r = np.abs(res)
    n = len(r)
    part = np.partition(r, [(n - 1) // 2, n // 2])
    cmad = 3.0 * (part[(n - 1) // 2] + part[n // 2]) if n % 2 == 0 else 6.0 * part[n // 2]
    if cmad < 1e-7 * r.mean():
        return None
    c9, c1 = 0.999 * cmad, 0.001 * cmad
    u = r / cmad if cmad > 0 else np.zeros(n)  # cmad = 0 (all residuals 0): weights are 1 where r = 0, else 0
    w = (1.0 - u * u) ** 2
    w = np.where(r <= c1, 1.0, np.where(r <= c9, w, 0.0))
    return w


def _as_float(v, name: str) -> np.ndarray:
    try:
        a = np.asarray(v, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numeric; got values that are not numbers.") from None
    if not np.isfinite(a).all():
        raise DataValidationError(f"{name} has {int((~np.isfinite(a)).sum())} NaN/inf value(s); lowess needs "
                                  "finite values (drop those points first).")
    return a
