"""Nomogram points against rms::nomogram for the birthwt model (tests/reference/calibration.R).

Tolerance 1e-5 absolute on a 0-100 points scale: rms fits with lrm, which stops at its own tolerance
(coefficients ~1e-7 relative from the exact MLE used here)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.exceptions import DataValidationError
from cohortstats.regression.nomogram import r_pretty


@pytest.fixture(scope="module")
def fit(birthwt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cs.logistic_regression(birthwt, "low", ["age", "lwt", "race", "smoke", "ptl", "ht", "ui", "ftv"],
                                      categorical=["race"], ci_method="wald")


def test_points_equal_rms(fit):
    nom = cs.nomogram(fit)
    ref = pd.read_csv(REFERENCE / "nomogram_reference.csv")
    ours = nom.points.assign(value=lambda d: d["value"].map(lambda v: f"{v:g}" if not isinstance(v, str) else v))
    ref = ref.assign(value=ref["value"].astype(str))
    m = ref.merge(ours, on=["variable", "value"], how="outer", suffixes=("_r", "_py"), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"]
    assert_allclose(m["points_py"], m["points_r"], atol=1e-5)
    risk = pd.read_csv(REFERENCE / "nomogram_risk_axis.csv")
    ours_risk = nom.risk_axis.set_index("risk")["total_points"]
    for _, r in risk.iterrows():
        assert_allclose(ours_risk.loc[round(r["x.real"], 2)], r["x"], atol=1e-3)


def test_points_reproduce_predictions(fit, birthwt):
    nom = cs.nomogram(fit)
    pred = nom.predict(birthwt.iloc[:5])
    assert_allclose(pred["risk"], fit.fitted[:5], rtol=1e-12)
    # adding the points read off each axis gives the total points
    row = birthwt.iloc[0]
    pts = 0.0
    for var in ["age", "lwt", "race", "smoke", "ptl", "ht", "ui", "ftv"]:
        sub = nom.points[nom.points.variable == var]
        coef = dict(zip(fit.terms, fit.coef))
        if var == "race":
            pts += sub.set_index("value").loc[row["race"], "points"]
        else:
            lo = sub["value"].astype(float)
            slope = np.polyfit(lo, sub["points"], 1)[0] if len(sub) > 1 else 0
            pts += sub["points"].iloc[0] + slope * (row[var] - lo.iloc[0])
    assert_allclose(pts, pred["total_points"].iloc[0], rtol=1e-9)


def test_r_pretty():
    assert r_pretty(14, 45, 10).tolist() == [10, 15, 20, 25, 30, 35, 40, 45]
    assert r_pretty(80, 250, 10).tolist() == list(range(80, 261, 20))
    assert r_pretty(0, 1, 5).tolist() == [0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_nomogram_rejects_interactions(birthwt):
    f = cs.logistic_regression(birthwt, "low", ["age", "smoke"], interactions=["age:smoke"], ci_method="wald")
    with pytest.raises(DataValidationError, match="main-effect models only"):
        cs.nomogram(f)


def test_plot_nomogram(fit):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = cs.nomogram(fit).plot()
    texts = [t.get_text() for t in ax.texts]
    assert "Points" in texts and "Total points" in texts and "Predicted risk" in texts and "lwt" in texts
    plt.close(ax.figure)


def test_cox_nomogram_survival_axes_match_survfit(lung):
    """Survival axes read back through the fitted model equal survfit.coxph's predictions (checked in
    test_survival), and the points are proportional to the HR scale."""
    d = lung.assign(event=(lung["status"] == 2).astype(int))
    fit = cs.cox_regression(d, "time", "event", ["age", "sex", "ph.ecog"])
    nom = cs.nomogram(fit, times=[180, 365])
    ax = nom.survival_axes
    assert set(ax["time"]) == {180.0, 365.0}
    # a patient whose total points sit exactly on the S(365) = 0.5 tick has predicted survival 0.5
    h0 = fit.cumhaz_at(365)
    tp = ax[(ax.time == 365) & (ax.survival == 0.5)]["total_points"].item()
    lp = nom.intercept + tp / nom.points_per_unit_lp
    assert_allclose(np.exp(-h0 * np.exp(lp)), 0.5, rtol=1e-12)
    pts = nom.points.set_index(["variable", "value"])["points"]
    assert_allclose(pts.loc[("sex", 1)] - pts.loc[("sex", 2)], abs(fit.coef[1]) * nom.points_per_unit_lp, rtol=1e-12)
    pred = nom.predict(d.dropna(subset=["ph.ecog"]).iloc[:3])
    direct = fit.predict_survival(d.dropna(subset=["ph.ecog"]).iloc[:3], [180, 365])
    assert_allclose(pred["survival_365"], direct[365], rtol=1e-12)
    with pytest.raises(DataValidationError, match="needs times"):
        cs.nomogram(fit)
