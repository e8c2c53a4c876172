"""cohortstats.evaluation.lowess against R's lowess (C clowess), tests/reference/lowess.R: tolerance 1e-12
absolute on the smoothed values (observed agreement ~4e-15), sorted x identical."""

import numpy as np
import pandas as pd
import pytest
from conftest import reference
from numpy.testing import assert_allclose, assert_array_equal

from cohortstats.evaluation.calibration import lowess_r
from cohortstats.evaluation.lowess import lowess
from cohortstats.exceptions import DataValidationError

INPUT = reference("lowess_curves_input.csv")
REF = reference("lowess_curves_reference.csv")
CURVES = ["end", "ties", "zero_width", "robust", "span"]


def _curve(name):
    d, r = INPUT[INPUT["curve"] == name], REF[REF["curve"] == name]
    return d["x"].to_numpy(), d["y"].to_numpy(), r


@pytest.mark.parametrize("name", CURVES)
def test_lowess_equals_r(name):
    # R: lowess(x, y, f, iter, delta): "end" (calibration-like, where statsmodels' lowess differed from R by
    # 9e-11 at the last point), "ties" (312 tied risks), "zero_width" (71 % share one risk: statsmodels was off by
    # 0.73 there), "robust" (R's default iter = 3, outliers), "span" (f = 0.2, delta = 0)
    x, y, r = _curve(name)
    sx, sy = lowess(x, y, f=r["f"].iloc[0], iterations=int(r["iter"].iloc[0]), delta=r["delta"].iloc[0])
    assert_array_equal(sx, r["x"])
    assert_allclose(sy, r["fitted"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["end", "ties", "zero_width"])
def test_lowess_r_defaults_and_input_order(name):
    # lowess_r is R's lowess(x, y, iter = 0) with f = 2/3 and delta = 1 % of the range
    x, y, r = _curve(name)
    sx, sy = lowess_r(x, y)
    assert_allclose(sy, r["fitted"], rtol=0, atol=1e-12)
    fitted = lowess_r(x, y, return_sorted=False)
    order = np.argsort(x, kind="stable")
    assert_array_equal(fitted[order], sy)
    # tied x share one smoothed value (R's approx(ties = mean) then returns it unchanged)
    by_x = pd.Series(fitted).groupby(x).nunique()
    assert (by_x == 1).all()


def test_lowess_small_inputs_and_defaults():
    # R: lowess(1:6, c(1, 3, 2, 4, 6, 5), iter = 0)$y and lowess(1:6, c(1, 3, 2, 4, 6, 5))$y
    x, y = np.arange(1.0, 7), np.array([1, 3, 2, 4, 6, 5.0])
    assert_allclose(lowess(x, y, iterations=0)[1], [1.3593168169557006, 2.141068447412354, 2.858931552587646, 4,
                                                    5.141068447412354, 5.3593168169557028], rtol=0, atol=1e-14)
    assert_allclose(lowess(x, y)[1], [1.3280441819217721, 2.1229918790623001, 2.8803143138516161,
                                      3.9999999999999991, 5.0986479812945245, 5.3405172912040451], rtol=0, atol=1e-14)
    assert_array_equal(lowess([2.0], [5.0])[1], [5.0])  # one point: itself, as R
    assert_array_equal(lowess([3.0, 3, 3], [1.0, 2, 6], iterations=0)[1], [3, 3, 3])  # all tied: the mean


def test_lowess_input_not_modified_and_bad_input():
    x, y = np.array([3.0, 1, 2, 5, 4]), np.array([1.0, 0, 1, 1, 0])
    xc, yc = x.copy(), y.copy()
    lowess(x, y, return_sorted=False)
    assert_array_equal(x, xc)
    assert_array_equal(y, yc)
    with pytest.raises(DataValidationError, match="equal length; got 5 and 4"):
        lowess(x, y[:4])
    with pytest.raises(DataValidationError, match="x has 1 NaN/inf"):
        lowess(np.r_[x[:4], np.nan], y)
    with pytest.raises(DataValidationError, match="f must be a finite span > 0"):
        lowess(x, y, f=0)
    with pytest.raises(DataValidationError, match="iterations must be a whole number"):
        lowess(x, y, iterations=-1)
    with pytest.raises(DataValidationError, match="delta must be finite"):
        lowess(x, y, delta=-0.1)
    with pytest.raises(TypeError, match="y must be numeric"):
        lowess(x, ["a"] * 5)


def test_lowess_matches_a_direct_weighted_fit_at_every_point(rng):
    """With delta = 0 every point is fitted: each value is the tricube-weighted least-squares line at x_i."""
    x = np.sort(rng.random(60))
    y = np.sin(4 * x) + rng.normal(0, 0.1, 60)
    _, sy = lowess(x, y, f=0.5, iterations=0, delta=0)
    ns = 30
    for i in range(60):
        dist = np.abs(x - x[i])
        h = np.sort(dist)[ns - 1]  # distance to the ns-th nearest point (no ties in continuous data)
        q = dist / h
        w = np.where(q <= 0.001, 1.0, np.where(q <= 0.999, (1 - q**3) ** 3, 0.0))
        X = np.column_stack([np.ones(60), x - x[i]])
        beta = np.linalg.lstsq(X * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)[0]
        assert_allclose(sy[i], beta[0], rtol=0, atol=1e-12)
