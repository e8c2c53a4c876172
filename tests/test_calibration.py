"""Calibration against rms::val.prob and R's lowess (tests/reference/calibration.R).

Tolerances: 1e-9 for closed forms (D, U, Q, R2, Brier, Spiegelhalter, recalibration against glm run to
epsilon = 1e-14); 1e-12 for the lowess curves and the lowess-based Emax/E90/Eavg (the numpy port of R's
clowess agrees with R to ~1e-15)."""

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, reference
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.evaluation.calibration import lowess_r
from cohortstats._auc import _auc_sorted
from cohortstats.exceptions import DataValidationError

REF = reference("calibration_reference.csv").set_index("name")["value"]
PRED = pd.read_csv(REFERENCE / "calibration_predictions.csv")
MAP = {"R2": "r2", "D": "d", "D:Chi-sq": "d_chisq", "U": "u", "U:Chi-sq": "u_chisq", "U:p": "u_p_value", "Q": "q",
       "Brier": "brier", "S:z": "spiegelhalter_z", "S:p": "spiegelhalter_p"}


@pytest.mark.parametrize("nm", ["p1", "p2", "p3"])
def test_val_prob_statistics(nm):
    c = cs.calibration(PRED["y"], PRED[nm])
    for r_name, attr in MAP.items():
        assert_allclose(getattr(c, attr), REF[f"{nm}_{r_name}"], rtol=1e-9, atol=1e-11, err_msg=r_name)
    for r_name, attr in (("Emax", "emax"), ("E90", "e90"), ("Eavg", "eavg")):
        assert_allclose(getattr(c, attr), REF[f"{nm}_{r_name}"], rtol=0, atol=1e-12, err_msg=r_name)
    assert_allclose([c.intercept, c.slope], [REF[f"{nm}_glm_intercept"], REF[f"{nm}_glm_slope"]], atol=1e-10)
    assert_allclose(c.citl, REF[f"{nm}_citl"], atol=1e-10)
    # lrm.fit stops at ~1e-8: val.prob's own Intercept/Slope agree to that
    assert_allclose([c.intercept, c.slope], [REF[f"{nm}_Intercept"], REF[f"{nm}_Slope"]], atol=1e-6)


def test_c_index_is_exact_where_rms_bins_probabilities():
    # rms computes C after binning probabilities to 0.0002; we give the exact AUC. The binned value equals R's.
    y = PRED["y"].to_numpy()
    c = cs.calibration(y, PRED["p2"])
    assert_allclose(c.c_index, REF["p1_C (ROC)"], rtol=1e-12)  # p2 is a monotone transform of p1
    q = np.round(PRED["p2"].to_numpy() / 0.0002) * 0.0002
    assert_allclose(2 * _auc_sorted(q[y == 1], q[y == 0]) - 1, REF["p2_Dxy"], rtol=1e-9)


@pytest.mark.parametrize("nm", ["p1", "p2", "p3"])
def test_lowess_equals_r(nm):
    r = pd.read_csv(REFERENCE / f"lowess_{nm}.csv")
    x, y = lowess_r(PRED[nm], PRED["y"])
    assert_allclose(x, r["x"], rtol=1e-12)
    assert_allclose(y, r["y"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("curve", ["end", "ties", "zero_width"])
def test_emax_e90_eavg_equal_val_prob_on_tied_and_zero_width_risks(curve):
    # rms::val.prob(p, y)[c("Emax", "E90", "Eavg")] (tests/reference/lowess.R): "ties" has 312 tied risks,
    # "zero_width" a risk shared by 71 % of patients (statsmodels' lowess gave Eavg 0.094 too high there)
    d = reference("lowess_curves_input.csv").query("curve == @curve")
    v = reference("lowess_curves_valprob.csv").query("curve == @curve").set_index("statistic")["value"]
    c = cs.calibration(d["y"], d["x"])
    assert_allclose([c.emax, c.e90, c.eavg], [v["Emax"], v["E90"], v["Eavg"]], rtol=0, atol=1e-12)


def test_groups_curve_and_tidy():
    c = cs.calibration(PRED["y"], PRED["p1"])
    assert c.groups["n"].sum() == 189 and len(c.groups) == 10
    g = c.groups.iloc[0]
    assert g["conf_low"] <= g["observed"] <= g["conf_high"]
    t = c.tidy().set_index("statistic")["estimate"]
    assert_allclose(t["hosmer_lemeshow_chisq"], reference("regression_reference.csv").set_index("name")["value"]["hl_stat"],
                    rtol=1e-8)


def test_bad_probabilities():
    with pytest.raises(DataValidationError, match=r"strictly between 0 and 1; 1 value\(s\)"):
        cs.calibration([0, 1, 1], [0.2, 1.0, 0.7])
    with pytest.raises(DataValidationError, match="NaN/inf"):
        cs.calibration([0, 1, 1], [0.2, np.nan, 0.7])
    with pytest.raises(DataValidationError, match="exactly two classes"):
        cs.calibration([1, 1, 1], [0.2, 0.3, 0.7])


def test_plot_calibration():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = cs.calibration(PRED["y"], PRED["p2"]).plot()
    assert any("Lowess" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(ax.figure)


def test_plot_calibration_curves_of_several_models():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = {k: cs.calibration(PRED["y"], PRED[k]) for k in ("p1", "p2")}
    ax = cs.plots.plot_calibration_curves(res)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "Ideal" and labels[2].startswith("p2 (slope ")
    # each curve is the model's own lowess curve
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), res["p1"].curve["observed"])
    plt.close(ax.figure)
    with pytest.raises(TypeError, match="results must be a non-empty dict"):
        cs.plots.plot_calibration_curves(res["p1"])


def test_constant_predictions_are_a_clear_error():
    with pytest.raises(DataValidationError, match=r"all 6 predicted probabilities are equal \(0.4\)"):
        cs.calibration([0, 1, 0, 1, 1, 0], [0.4] * 6)
    from cohortstats.regression import hosmer_lemeshow

    with pytest.raises(DataValidationError, match="Hosmer-Lemeshow test needs at least two risk groups"):
        hosmer_lemeshow(np.array([0, 1, 0, 1]), np.full(4, 0.3))


def test_lowess_with_zero_width_neighbourhoods_equals_r_quietly():
    # R: lowess(p, y, iter = 0) with p = 1e-12 (six patients) and 1 - 1e-12 (three): fitted 0 0 0 0 0 0 1 1 1
    import warnings

    from cohortstats.evaluation.calibration import lowess_r

    y = np.array([0, 0, 0, 1, 0, 1, 0, 0, 1.0])
    p = np.clip(y, 1e-12, 1 - 1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted = lowess_r(p, y, return_sorted=False)
    np.testing.assert_array_equal(fitted, y)


def test_hosmer_lemeshow_on_a_validation_sample_has_g_degrees_of_freedom(rng):
    """On patients the model was not fitted on, the statistic is referred to χ² with g df (Hosmer, Lemeshow &
    Sturdivant, §5.5); the statistic is hoslem.test's either way. A test set's calibration in a model comparison
    uses it; the training set keeps g - 2."""
    from scipy import stats

    from cohortstats.regression.logistic import hosmer_lemeshow

    p = rng.uniform(0.05, 0.9, 400)
    y = (rng.uniform(size=400) < p).astype(int)
    fitted, valid = hosmer_lemeshow(y, p), hosmer_lemeshow(y, p, validation=True)
    assert fitted.statistic == valid.statistic and (fitted.df, valid.df) == (8, 10)
    assert valid.p_value == pytest.approx(stats.chi2.sf(valid.statistic, 10), rel=1e-14)
    assert "df = g (a validation sample" in valid.rule and "df = g - 2" in fitted.rule
    assert cs.calibration(y, p, validation=True).hosmer_lemeshow.df == 10
