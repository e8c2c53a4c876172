"""How many marks a figure draws: the rule for large cohorts.

**Rule.** Up to ``PATIENT_LIMIT`` (10,000) patients a figure draws every patient-level mark. Above it,
every statistic is still computed from all patients, but what is drawn is reduced:

- a curve with one vertex per patient or per distinct value (a lowess calibration curve, an empirical
  ROC curve) is drawn through ``MAX_VERTICES`` (2,000) vertices evenly spaced along it, first and last
  kept (:func:`thin_curve`);
- a rug (one tick per prediction) becomes one tick per occupied bin, ``RUG_BINS`` (400) equal-width bins
  over the values' range, at the mean of the values in the bin (:func:`rug_positions`);
- a scatter of patients draws a seeded random sample of ``PATIENT_LIMIT`` of them (:func:`sample_rows`).

At figure size these look the same as the full drawing (a bin is about one tick's width on a 5.5-inch
axis; 2,000 vertices are more than the pixels across it), while the file no longer grows with the
cohort. :func:`reduction_note` gives a caption phrase that says so.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PATIENT_LIMIT", "MAX_VERTICES", "RUG_BINS", "thin_curve", "rug_positions", "sample_rows",
           "reduction_note"]

PATIENT_LIMIT = 10_000
MAX_VERTICES = 2_000
RUG_BINS = 400


def thin_curve(x, y, *, limit: int = PATIENT_LIMIT, max_vertices: int = MAX_VERTICES):
    """The vertices of a polyline to draw: all of them up to ``limit``, else ``max_vertices`` evenly spaced
    along it (by position; first and last always kept).

    Examples
    --------
    >>> import numpy as np
    >>> x, y = thin_curve(np.arange(50_000.0), np.arange(50_000.0))
    >>> len(x), float(x[0]), float(x[-1])
    (2000, 0.0, 49999.0)
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) <= limit:
        return x, y
    keep = np.unique(np.linspace(0, len(x) - 1, max_vertices).round().astype(np.intp))
    return x[keep], y[keep]


def rug_positions(values, *, n: int | None = None, limit: int = PATIENT_LIMIT, bins: int = RUG_BINS) -> np.ndarray:
    """Positions of rug ticks: every value when the figure shows at most ``limit`` patients (``n``, default
    the number of values), else one per occupied equal-width bin (at the mean of its values).

    Examples
    --------
    >>> import numpy as np
    >>> len(rug_positions(np.random.default_rng(0).random(100_000)))
    400
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if (len(v) if n is None else n) <= limit or len(v) == 0:
        return v
    lo, hi = v.min(), v.max()
    if hi == lo:
        return np.array([lo])
    k = np.minimum(((v - lo) / (hi - lo) * bins).astype(np.intp), bins - 1)
    count = np.bincount(k, minlength=bins)
    total = np.bincount(k, weights=v, minlength=bins)
    occupied = count > 0
    return total[occupied] / count[occupied]


def sample_rows(n: int, *, limit: int = PATIENT_LIMIT, random_state: int = 0) -> np.ndarray:
    """Row positions to draw in a scatter of ``n`` patients: all of them up to ``limit``, else a sorted random
    sample of ``limit`` (seeded, so the figure is the same on every run)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(random_state).choice(n, limit, replace=False))


def reduction_note(n: int, *, limit: int = PATIENT_LIMIT) -> str:
    """A caption phrase for a figure of ``n`` patients: ``""`` up to ``limit``, else how it was reduced."""
    if n <= limit:
        return ""
    return (f"{n:,} patients: curves drawn through {MAX_VERTICES:,} points, rug ticks binned "
            f"({RUG_BINS} bins); statistics use every patient")
