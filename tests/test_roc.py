"""ROC, AUC CIs and DeLong tests against pROC 1.18.0 (tests/reference/discrimination.R), tolerance 1e-9,
plus simulations with known truth (type I error, CI coverage) and bad input."""

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, reference
from numpy.testing import assert_allclose
from scipy import stats

import cohortstats as cs
from cohortstats.exceptions import DataValidationError, DataWarning

REF = reference("discrimination_reference.csv").set_index("name")["value"]
TOL = dict(rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def a(asah01):
    return asah01


@pytest.mark.parametrize("x", ["s100b", "ndka", "wfns", "age"])
def test_auc_and_delong_ci_equal_proc(a, x):
    # pROC: roc(outcome, x, levels = c("Good", "Poor"), direction = "<"); ci.auc(r)
    r = cs.roc(a["outcome"], a[x], positive="Poor")
    assert_allclose(r.auc, REF[f"auc_{x}"], **TOL)
    ci = cs.auc_ci(a["outcome"], a[x], positive="Poor")
    assert_allclose([ci.conf_low, ci.conf_high, ci.std_error ** 2],
                    [REF[f"ci_low_{x}"], REF[f"ci_high_{x}"], REF[f"var_{x}"]], **TOL)
    auto = cs.roc(a["y"], a[x], direction="auto")
    assert auto.direction_source == "auto"
    assert (auto.direction == "<") == bool(REF[f"auto_dir_is_less_{x}"])
    assert_allclose(auto.auc, REF[f"auto_auc_{x}"], **TOL)


def test_curve_equals_proc_thresholds(a):
    curve = pd.read_csv(REFERENCE / "roc_curve_s100b.csv")
    r = cs.roc(a["y"], a["s100b"])
    assert_allclose(r.thresholds, curve["threshold"], **TOL)
    assert_allclose(r.sensitivity, curve["sensitivity"], **TOL)
    assert_allclose(r.specificity, curve["specificity"], **TOL)


def test_direction_greater_and_below_half_not_flipped(a):
    r = cs.roc(a["y"], a["ndka"], direction=">")
    assert_allclose(r.auc, REF["auc_ndka_greater"], **TOL)
    assert r.auc < 0.5  # reported as is
    assert r.sensitivity[0] == 1 and np.isposinf(r.thresholds[0])


def test_ci_conf_level(a):
    ci = cs.auc_ci(a["y"], a["s100b"], conf_level=0.9)
    assert_allclose([ci.conf_low, ci.conf_high], [REF["ci90_low_s100b"], REF["ci90_high_s100b"]], **TOL)


def test_partial_auc_equals_proc(a):
    r = cs.roc(a["y"], a["s100b"])
    assert_allclose(r.partial_auc(range=(0.8, 1)), REF["pauc_sp_80_100"], **TOL)
    assert_allclose(r.partial_auc(range=(0.8, 1), correct=True), REF["pauc_sp_80_100_corrected"], **TOL)
    assert_allclose(r.partial_auc(focus="sensitivity", range=(0.9, 1)), REF["pauc_se_90_100"], **TOL)
    assert_allclose(r.partial_auc(focus="sensitivity", range=(0.9, 1), correct=True),
                    REF["pauc_se_90_100_corrected"], **TOL)
    w = cs.roc(a["y"], a["wfns"])
    assert_allclose(w.partial_auc(range=(0.5, 0.9)), REF["pauc_sp_50_90_wfns"], **TOL)
    assert_allclose(r.partial_auc(range=(0, 1)), r.auc, **TOL)


def test_partial_auc_correction_below_diagonal_is_nan(a):
    r = cs.roc(a["y"], a["ndka"], direction=">")
    with pytest.warns(DataWarning, match="below the diagonal"):
        assert np.isnan(r.partial_auc(range=(0.8, 1), correct=True))


@pytest.mark.parametrize("pair", [("s100b", "ndka"), ("s100b", "wfns"), ("wfns", "ndka")])
@pytest.mark.parametrize("alt", ["two-sided", "greater", "less"])
def test_paired_delong_equals_proc(a, pair, alt):
    # pROC: roc.test(roc1, roc2, method = "delong", paired = TRUE, alternative = alt)
    d = cs.delong_test(a["y"], a[pair[0]], a[pair[1]], alternative=alt)
    key = f"{pair[0]}_{pair[1]}_{alt.replace('-', '.')}"
    assert_allclose(d.statistic, REF[f"paired_z_{key}"], **TOL)
    assert_allclose(d.p_value, REF[f"paired_p_{key}"], **TOL)
    assert_allclose([d.conf_low, d.conf_high], [REF[f"paired_cilow_{key}"], REF[f"paired_cihigh_{key}"]], **TOL)
    assert np.sign(d.statistic) == np.sign(d.auc_a - d.auc_b)


@pytest.mark.parametrize("alt", ["two-sided", "greater", "less"])
def test_unpaired_delong_equals_proc(a, alt):
    m, f = a[a.gender == "Male"], a[a.gender == "Female"]
    u = cs.delong_test_unpaired(m["y"], m["s100b"], f["y"], f["s100b"], alternative=alt)
    key = alt.replace("-", ".")
    assert_allclose([u.statistic, u.df, u.p_value],
                    [REF[f"unpaired_D_{key}"], REF[f"unpaired_df_{key}"], REF[f"unpaired_p_{key}"]], **TOL)
    assert_allclose([u.auc_a, u.auc_b], [REF["unpaired_auc_male"], REF["unpaired_auc_female"]], **TOL)
    assert u.conf_low < u.difference < u.conf_high


def test_compare_aucs_covariance_pairs_and_global(a):
    scores = {"s100b": a["s100b"], "ndka": a["ndka"], "wfns": a["wfns"]}
    c = cs.compare_aucs(a["y"], scores, adjust="holm")
    cov = c.covariance
    assert_allclose(cov.loc["s100b", "ndka"], REF["cov_s100b_ndka"], **TOL)
    assert_allclose(cov.loc["s100b", "wfns"], REF["cov_s100b_wfns"], **TOL)
    assert_allclose(cov.loc["ndka", "wfns"], REF["cov_ndka_wfns"], **TOL)
    assert_allclose(np.diag(cov), [REF["var_s100b"], REF["var_ndka"], REF["var_wfns"]], **TOL)
    row = c.pairs[(c.pairs.model_a == "s100b") & (c.pairs.model_b == "ndka")].iloc[0]
    assert_allclose(row["statistic"], REF["paired_z_s100b_ndka_two.sided"], **TOL)
    p = c.pairs["p_value"].to_numpy()
    # Holm by hand: sort, multiply by (k - rank), cumulative max
    order = np.argsort(p)
    holm = np.maximum.accumulate(np.minimum(1, p[order] * np.array([3, 2, 1])))
    assert_allclose(c.pairs["p_adjusted"].to_numpy()[order], holm, rtol=1e-12)
    # with two models the global chi-square is Z squared
    two = cs.compare_aucs(a["y"], {"s100b": a["s100b"], "ndka": a["ndka"]})
    assert two.global_df == 1
    assert_allclose(two.global_statistic, REF["paired_z_s100b_ndka_two.sided"] ** 2, **TOL)
    # the global test does not depend on which contrasts are used: recompute with another basis
    theta = c.aucs["auc"].to_numpy()
    L = np.array([[1, 0, -1], [0, 1, -1]])
    S = cov.to_numpy()
    chi2 = (L @ theta) @ np.linalg.solve(L @ S @ L.T, L @ theta)
    assert_allclose(c.global_statistic, chi2, rtol=1e-10)
    assert c.global_df == 2
    assert_allclose(c.global_p_value, stats.chi2.sf(chi2, 2), rtol=1e-10)


def test_bootstrap_ci_close_to_proc(a):
    # pROC: set.seed(1); ci.auc(r, method = "bootstrap", boot.n = 2000) -> resampling streams differ, so the
    # limits agree within Monte Carlo error (SE of a 2.5 % quantile with B = 2000 is about 0.005 here).
    ci = cs.auc_ci(a["y"], a["s100b"], method="bootstrap", n_boot=2000, random_state=5)
    assert abs(ci.conf_low - REF["boot_low_s100b"]) < 0.015
    assert abs(ci.conf_high - REF["boot_high_s100b"]) < 0.015
    again = cs.auc_ci(a["y"], a["s100b"], method="bootstrap", n_boot=2000, random_state=5)
    assert (again.conf_low, again.conf_high) == (ci.conf_low, ci.conf_high)


def test_batched_bootstrap_equals_direct_resampling(rng):
    """The multiplicity-based AUC of a resample equals the Mann-Whitney AUC of the resampled data."""
    from cohortstats._auc import _auc_sorted
    from cohortstats.evaluation._roc_core import bootstrap_aucs

    cases = np.round(rng.normal(1, 1, 30), 1)  # ties on purpose
    controls = np.round(rng.normal(0, 1, 50), 1)
    seed = 11
    got = bootstrap_aucs(cases, controls, 40, np.random.default_rng(seed), chunk_elems=500)
    r2 = np.random.default_rng(seed)
    sd = np.sort(controls)
    expected = []
    # replay the same draws chunk by chunk (chunk of 6 resamples = 500 // 80)
    done = 0
    while done < 40:
        b = min(500 // 80, 40 - done)
        di = r2.integers(0, 50, (b, 50))
        ci = r2.integers(0, 30, (b, 30))
        expected += [_auc_sorted(cases[ci[k]], sd[di[k]]) for k in range(b)]
        done += b
    assert_allclose(got, expected, rtol=1e-12)


def test_hanley_mcneil_closed_form():
    y = np.array([0] * 6 + [1] * 4)
    s = np.array([1, 2, 3, 4, 5, 6, 3.5, 7, 8, 9])
    ci = cs.auc_ci(y, s, method="hanley_mcneil")
    A = ci.estimate
    q1, q2 = A / (2 - A), 2 * A * A / (1 + A)
    se = np.sqrt((A * (1 - A) + 3 * (q1 - A * A) + 5 * (q2 - A * A)) / 24)
    assert_allclose(ci.std_error, se, rtol=1e-12)
    assert_allclose(A, 21 / 24, rtol=1e-12)


# ---------------------------------------------------------------- simulations with known truth
@pytest.mark.slow
def test_delong_type_one_error_is_nominal():
    """Two equally good, correlated scores: the two-sided 5 % test rejects 4-6 % of 4000 replicates."""
    rng = np.random.default_rng(4321)
    reps, n, rejections = 4000, 200, 0
    for _ in range(reps):
        y = rng.random(n) < 0.4
        shared = rng.normal(size=n)
        a_ = 1.0 * y + shared + rng.normal(size=n)
        b_ = 1.0 * y + shared + rng.normal(size=n)
        rejections += cs.delong_test(y.astype(int), a_, b_).p_value < 0.05
    rate = rejections / reps
    assert 0.04 <= rate <= 0.06, rate


@pytest.mark.slow
def test_delong_ci_coverage_is_nominal():
    """Binormal scores with true AUC = Φ(d/√2): the 95 % DeLong CI covers it in 94-96 % of 4000 replicates."""
    rng = np.random.default_rng(98765)
    d = 1.0
    truth = stats.norm.cdf(d / np.sqrt(2))
    reps, cover = 4000, 0
    for _ in range(reps):
        y = np.r_[np.ones(120, int), np.zeros(180, int)]
        s = rng.normal(size=300) + d * y
        ci = cs.auc_ci(y, s)
        cover += ci.conf_low <= truth <= ci.conf_high
    assert 0.94 <= cover / reps <= 0.96, cover / reps


# ---------------------------------------------------------------- bad input
def test_outcome_with_one_class_or_three_values():
    with pytest.raises(DataValidationError, match="exactly two classes; got 1"):
        cs.roc([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(DataValidationError, match="exactly two classes; got 3"):
        cs.auc_ci([0, 1, 2], [0.1, 0.2, 0.3])


def test_text_outcome_needs_positive(a):
    with pytest.raises(DataValidationError, match="positive="):
        cs.roc(a["outcome"], a["s100b"])
    with pytest.raises(DataValidationError, match="positive='Bad' is not an outcome value"):
        cs.roc(a["outcome"], a["s100b"], positive="Bad")


def test_nan_scores_raise_or_are_counted():
    y = np.array([0, 1, 0, 1, 1, 0])
    s = np.array([0.1, 0.9, np.nan, 0.7, np.inf, 0.3])
    with pytest.raises(DataValidationError, match="2 patient.*nan_policy='omit'"):
        cs.roc(y, s)
    r = cs.roc(y, s, nan_policy="omit")
    assert r.n_dropped == 2 and r.n_cases + r.n_controls == 4 and r.auc == 1.0


def test_length_mismatch_and_paired_on_different_patients():
    with pytest.raises(DataValidationError, match="has 3 values but the outcome has 4"):
        cs.roc([0, 1, 0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(DataValidationError, match="'score_b' has 3 values"):
        cs.delong_test([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3])


def test_constant_score_has_auc_half_and_identical_scores_refused():
    y = np.array([0, 1] * 10)
    r = cs.auc_ci(y, np.ones(20))
    assert r.estimate == 0.5 and r.conf_low == r.conf_high == 0.5
    s = np.arange(20.0)
    with pytest.raises(DataValidationError, match="identical placements"):
        cs.delong_test(y, s, 2 * s)


def test_unknown_method_and_alternative(a):
    with pytest.raises(DataValidationError, match="method must be one of"):
        cs.auc_ci(a["y"], a["s100b"], method="exact")
    with pytest.raises(DataValidationError, match="alternative must be one of"):
        cs.delong_test(a["y"], a["s100b"], a["ndka"], alternative="two.sided")
    with pytest.raises(DataValidationError, match="direction must be one of"):
        cs.roc(a["y"], a["s100b"], direction="up")


def test_inputs_not_modified(a):
    before = a.copy()
    cs.roc(a["y"], a["s100b"])
    cs.delong_test(a["y"], a["s100b"], a["ndka"])
    cs.compare_aucs(a["y"], {"x": a["s100b"], "z": a["wfns"]})
    pd.testing.assert_frame_equal(a, before)


def test_plot_roc_returns_axes(a):
    import matplotlib

    matplotlib.use("Agg")
    rocs = {"S100B": cs.roc(a["y"], a["s100b"]), "WFNS": cs.roc(a["y"], a["wfns"])}
    cis = {k: cs.auc_ci(a["y"], a[k.lower()]) for k in rocs}
    ax = cs.plots.plot_roc(rocs, cis=cis, band=cs.roc_band(a["y"], a["s100b"], n_boot=50, random_state=1))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "S100B: AUC 0.73 (0.63–0.83)"
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_compare_aucs_selected_pairs(a):
    scores = {"s100b": a["s100b"], "ndka": a["ndka"], "wfns": a["wfns"]}
    full = cs.compare_aucs(a["y"], scores)
    sub = cs.compare_aucs(a["y"], scores, pairs=[("wfns", "s100b")], adjust="holm")
    assert len(sub.pairs) == 1
    # the pair keeps the order given (wfns vs s100b): Z and the difference change sign, never the pair's order
    assert tuple(sub.pairs[["model_a", "model_b"]].iloc[0]) == ("wfns", "s100b")
    row = full.pairs[(full.pairs.model_a == "s100b") & (full.pairs.model_b == "wfns")].iloc[0]
    assert_allclose(sub.pairs["statistic"].iloc[0], -row["statistic"], rtol=1e-12)
    assert_allclose(sub.pairs["p_value"].iloc[0], row["p_value"], rtol=1e-12)
    assert sub.pairs["p_adjusted"].iloc[0] == sub.pairs["p_value"].iloc[0]  # Holm over the one reported pair
    with pytest.raises(DataValidationError, match="unknown model"):
        cs.compare_aucs(a["y"], scores, pairs=[("s100b", "nope")])
