"""Bootstrap optimism correction: apparent values equal the direct statistics; equality with rms::validate when
given R's own resamples (observed differences <= 1.1e-8, from lrm's default tolerance in the test-sample
recalibration fits), ballpark agreement with independent resampling streams, and simulations with known truth."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.exceptions import CohortStatsWarning, DataValidationError

PRED = ["age", "lwt", "race", "smoke", "ptl", "ht", "ui", "ftv"]


@pytest.fixture(scope="module")
def val(birthwt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cs.bootstrap_validation(birthwt, "low", PRED, categorical=["race"], B=400, random_state=1)


def test_apparent_equals_direct_statistics(val, birthwt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cs.logistic_regression(birthwt, "low", PRED, categorical=["race"], ci_method="wald")
    g = fit.glance().iloc[0]
    t = val.table.set_index("index")
    assert_allclose(t.loc["dxy", "apparent"], g["dxy"], rtol=1e-12)
    assert_allclose(t.loc["r2", "apparent"], g["r2_nagelkerke"], rtol=1e-10)
    assert_allclose(t.loc["brier", "apparent"], g["brier"], rtol=1e-12)
    assert_allclose([t.loc["intercept", "apparent"], t.loc["slope", "apparent"]], [0, 1], atol=1e-10)
    assert (t["n"] == 400).all()


def test_ballpark_agreement_with_rms_validate(val):
    # rms::validate(lrm, B = 400) with set.seed(42): Monte Carlo error of an optimism estimate at B = 400
    # is about 0.005-0.02 here, so agreement is checked to 0.03 (R2, Dxy, slope) or 0.05 (intercept).
    r = pd.read_csv(REFERENCE / "validate_reference.csv").set_index("index")
    t = val.table.set_index("index")
    for ours, theirs, tol in (("dxy", "Dxy", 0.03), ("r2", "R2", 0.03), ("slope", "Slope", 0.05),
                              ("intercept", "Intercept", 0.06), ("brier", "B", 0.01), ("d", "D", 0.03),
                              ("emax", "Emax", 0.03)):
        assert abs(t.loc[ours, "optimism"] - r.loc[theirs, "optimism"]) < tol, (ours, t.loc[ours, "optimism"])
        assert_allclose(t.loc[ours, "apparent"], r.loc[theirs, "apparent"], atol=1e-6)


def test_equals_rms_validate_with_the_same_resamples(birthwt):
    """rms::validate(lrm, B = 200) after set.seed(7), and the 200 samples it drew (tests/reference/calibration.R)."""
    r = pd.read_csv(REFERENCE / "validate_exact_reference.csv").set_index("index")
    samples = pd.read_csv(REFERENCE / "validate_resamples.csv").to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = cs.bootstrap_validation(birthwt, "low", PRED, categorical=["race"], resamples=samples)
    t = v.table.set_index("index")
    assert v.B == 200 and v.n_failed == 0 and v.random_state == "given resamples"
    for ours, theirs in (("dxy", "Dxy"), ("r2", "R2"), ("intercept", "Intercept"), ("slope", "Slope"),
                         ("d", "D"), ("u", "U"), ("q", "Q"), ("brier", "B")):
        for col in ("apparent", "training", "test", "optimism", "corrected"):
            # both sides are maximum-likelihood fits run to tight convergence (lrm tol = 1e-14)
            assert_allclose(t.loc[ours, col], r.loc[theirs, col], rtol=1e-7, atol=1e-9, err_msg=f"{ours} {col}")
    assert_allclose(t.loc["emax", "corrected"], r.loc["Emax", "corrected"], rtol=1e-7)


def test_resamples_are_checked(birthwt):
    bad = np.zeros((3, 10), dtype=int)
    with pytest.raises(DataValidationError, match=r"resamples must be integers in \[0, 188\] with one row of 189 "
                                                  r"positions per resample .* shape \(3, 10\)"):
        cs.bootstrap_validation(birthwt, "low", PRED, categorical=["race"], resamples=bad)


@pytest.mark.slow
def test_well_specified_large_sample_has_corrected_slope_near_one():
    rng = np.random.default_rng(11)
    n = 2000
    X = rng.normal(size=(n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ [0.8, -0.5, 0.3] - 0.4)))).astype(int)
    d = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y)
    v = cs.bootstrap_validation(d, "y", ["a", "b", "c"], B=100, random_state=3)
    t = v.table.set_index("index")
    assert 0.97 <= t.loc["slope", "corrected"] <= 1.0
    assert 0 < t.loc["dxy", "optimism"] < 0.01


def test_overfit_noise_model_is_corrected_towards_chance():
    rng = np.random.default_rng(5)
    n = 120
    d = pd.DataFrame(rng.normal(size=(n, 15)), columns=[f"x{i}" for i in range(15)]).assign(
        y=(rng.random(n) < 0.4).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = cs.bootstrap_validation(d, "y", [f"x{i}" for i in range(15)], B=100, random_state=1)
    t = v.table.set_index("index")
    assert t.loc["c_index", "apparent"] > 0.7  # optimistic
    assert abs(t.loc["c_index", "corrected"] - 0.5) < 0.1  # truth is 0.5
    assert t.loc["slope", "corrected"] < 0.6


def test_custom_spec_parallel_equals_serial_and_failures_counted():
    rng = np.random.default_rng(2)
    n = 40
    d = pd.DataFrame({"x": rng.normal(size=n), "y": np.r_[np.ones(3, int), np.zeros(n - 3, int)]})

    def spec(train):
        m = train["x"].mean()
        return lambda df: 1 / (1 + np.exp(-(df["x"].to_numpy() - m)))

    with pytest.warns(CohortStatsWarning, match="resamples were skipped"):
        a = cs.bootstrap_validation(d, "y", spec=spec, B=60, random_state=7)
    assert a.failures.get("resample has one outcome class", 0) == a.n_failed > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = cs.bootstrap_validation(d, "y", spec=spec, B=60, random_state=7, n_jobs=2)
    assert_allclose(a.table["corrected"], b.table["corrected"])


def test_bad_arguments(birthwt):
    with pytest.raises(DataValidationError, match="give predictors"):
        cs.bootstrap_validation(birthwt, "low")
    with pytest.raises(TypeError, match="spec must be a callable"):
        cs.bootstrap_validation(birthwt, "low", spec="logistic")


def test_harrell_rule_repeats_the_screen_and_counts_selections(birthwt):
    """ScreenedLogisticSpec: the univariable screen and the multivariable fit are repeated in every resample;
    selection frequencies are deterministic with the seed, and the apparent model equals regression_table's."""
    cands = ("age", "lwt", "smoke", "ptl", "ht", "ui", "ftv")
    spec = cs.ScreenedLogisticSpec("low", cands, screen_p=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = cs.bootstrap_validation(birthwt, "low", spec=spec, B=40, random_state=11)
        b = cs.bootstrap_validation(birthwt, "low", spec=spec, B=40, random_state=11)
        c = cs.bootstrap_validation(birthwt, "low", spec=spec, B=40, random_state=12)
        tab = cs.regression_table(birthwt, "low", list(cands), screen_p=0.05, ci_method="wald")
    pd.testing.assert_frame_equal(a.selection, b.selection)
    assert not a.selection["n_selected"].equals(c.selection["n_selected"])
    assert a.selection["variable"].tolist() == list(cands) and a.selection["frequency"].between(0, 1).all()
    assert_allclose(a.selection["frequency"], a.selection["n_selected"] / 40, rtol=0)
    # the apparent model is the screen on all patients: the same predictors as regression_table selects
    assert spec.select(birthwt) == tuple(tab.selected)
    assert "univariable screen of all 7 candidates" in a.method and "selection step validated with the model, as Harrell" in a.repeated
    # a variable with no signal is rarely selected; one the outcome depends on, nearly always
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"x": rng.normal(size=300), "noise": rng.normal(size=300)})
    d["y"] = (rng.random(300) < 1 / (1 + np.exp(-1.5 * d["x"]))).astype(int)
    v = cs.bootstrap_validation(d, "y", spec=cs.ScreenedLogisticSpec("y", ("x", "noise")), B=50, random_state=1)
    freq = v.selection.set_index("variable")["frequency"]
    assert freq["x"] == 1.0 and freq["noise"] < 0.3


def test_fixed_model_says_it_was_refitted(birthwt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = cs.bootstrap_validation(birthwt, "low", ["age", "lwt"], B=5, random_state=1)
    assert v.selection.empty  # a fixed model selects nothing: no selection frequencies to report
    assert "given predictors was refitted in each resample (no selection step to repeat)" in v.method


def _rare_marker_data(rng):
    """A marker present in three events and one non-event: a resample that leaves the non-event out (about
    a third of them) separates the outcome along it (quasi-complete separation)."""
    n = 150
    d = pd.DataFrame({"x": rng.normal(size=n)})
    d["y"] = (rng.random(n) < 1 / (1 + np.exp(-d["x"]))).astype(int)
    d["marker"] = 0.0
    d.loc[np.r_[np.flatnonzero(d["y"] == 1)[:3], np.flatnonzero(d["y"] == 0)[:1]], "marker"] = 1.0
    return d


def test_resample_warnings_are_counted_and_summarised_once(rng):
    """Each resample's warnings are recorded (nothing ignored); each kind is warned once with its count, and the
    counts are in .warnings."""
    d = _rare_marker_data(rng)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        v = cs.bootstrap_validation(d, "y", ["x", "marker"], B=60, random_state=3)
    sep = [w for w in caught if issubclass(w.category, cs.SeparationWarning)]
    assert len(sep) == 1  # one summary, not one warning per resample (the apparent fit does not separate)
    row = v.warnings.set_index("category").loc["SeparationWarning"]
    k = int(row["n_resamples"])
    assert 5 < k < 45 and str(sep[0].message).startswith(f"bootstrap validation: in {k} of 60 resamples: "
                                                          "quasi-complete separation")
    assert sep[0].filename == __file__  # stacklevel points at the caller
    assert row["message"].startswith("quasi-complete separation: the logistic model's maximum-likelihood")


def test_n_jobs_gives_identical_results_warnings_included(rng):
    """Resample b draws from the b-th child of one SeedSequence wherever it runs: 1 and 2 workers agree to the
    last bit, for a fixed model and for Harrell's rule (screen and selection repeated), warnings included."""
    d = _rare_marker_data(rng)
    d["noise"] = rng.normal(size=len(d))
    for kwargs in ({"predictors": ["x", "marker"]},
                   {"spec": cs.ScreenedLogisticSpec("y", ("x", "marker", "noise"), screen_p=0.2)}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the test compares results; the warnings are checked as data below
            a = cs.bootstrap_validation(d, "y", **kwargs, B=40, random_state=5, n_jobs=1)
            b = cs.bootstrap_validation(d, "y", **kwargs, B=40, random_state=5, n_jobs=2)
        pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
        pd.testing.assert_frame_equal(a.calibration_curve, b.calibration_curve, check_exact=True)
        pd.testing.assert_frame_equal(a.selection, b.selection)
        pd.testing.assert_frame_equal(a.warnings, b.warnings)
        assert len(a.warnings) == ("predictors" in kwargs)  # the screen rarely keeps the marker


def test_imputed_validation_n_jobs_identical():
    from cohortstats.datasets import make_hematoma_cohort

    df = make_hematoma_cohort().clinical[["expansion", "age", "volume"]].copy()
    df.loc[::5, "volume"] = np.nan
    imp = cs.impute(df, m=2, maxit=2, random_state=1)
    fits = [cs.logistic_regression(x, "expansion", ["age", "volume"], ci_method="wald") for x in imp.datasets]
    runs = [cs.bootstrap_validation_imputed(df, "expansion", ["age", "volume"], fits, variables=list(df.columns),
                                            B=6, maxit=2, random_state=1, n_jobs=j) for j in (1, 2)]
    pd.testing.assert_frame_equal(runs[0].table, runs[1].table, check_exact=True)
