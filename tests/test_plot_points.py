"""The rule for drawing large cohorts (cohortstats/_plot_points.py) and its use in the calibration plot."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats._plot_points import (MAX_VERTICES, PATIENT_LIMIT, RUG_BINS, reduction_note, rug_positions,
                                      sample_rows, thin_curve)


def test_small_cohorts_draw_every_mark(rng):
    x = rng.random(PATIENT_LIMIT)
    assert thin_curve(x, x)[0] is not None and len(thin_curve(x, x)[0]) == PATIENT_LIMIT
    assert_allclose(rug_positions(x), x)
    assert np.array_equal(sample_rows(PATIENT_LIMIT), np.arange(PATIENT_LIMIT))
    assert reduction_note(PATIENT_LIMIT) == ""


def test_large_cohorts_draw_reduced_marks(rng):
    n = 5 * PATIENT_LIMIT
    x = np.sort(rng.random(n))
    tx, ty = thin_curve(x, 2 * x)
    assert len(tx) == MAX_VERTICES and tx[0] == x[0] and tx[-1] == x[-1]
    assert_allclose(ty, 2 * tx)
    ticks = rug_positions(x)
    assert len(ticks) <= RUG_BINS and ticks.min() >= x.min() and ticks.max() <= x.max()
    rows = sample_rows(n)
    assert len(rows) == PATIENT_LIMIT and np.array_equal(rows, sample_rows(n)) and np.all(np.diff(rows) > 0)
    assert "50,000 patients" in reduction_note(n)


def test_calibration_plot_of_a_large_cohort_draws_bounded_marks(rng):
    n = 30_000
    p = 1 / (1 + np.exp(-rng.normal(-1, 1, n)))
    y = (rng.random(n) < p).astype(int)
    ax = cs.calibration(y, p).plot()
    sizes = [len(line.get_xdata()) for line in ax.get_lines()]
    assert max(sizes) <= MAX_VERTICES
    assert sum(sizes) < 3 * MAX_VERTICES
