"""ROC, AUC CIs and DeLong tests against pROC 1.18.0 (tests/reference/discrimination.R), tolerance 1e-9,
plus simulations with known truth (type I error, CI coverage) and bad input."""

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, reference
from numpy.testing import assert_allclose
from scipy import stats

import cohortstats as cs
from cohortstats.exceptions import DataValidationError, DataWarning, DegenerateComparisonWarning

REF = reference("discrimination_reference.csv").set_index("name")["value"]
ORDER = reference("delong_order_reference.csv").set_index("name")["value"]  # tests/reference/delong_order.R
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
    if alt == "two-sided":  # pROC prints the two-sided CI for every alternative; a one-sided test gets a
        # one-sided CI here (tested against R in test_one_sided_delong_keeps_pair_order_equals_proc)
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
    """The multiplicity-based AUC of a resample equals the Mann-Whitney AUC of the resampled data: resample b
    draws sorted-control then sorted-case positions from the b-th generator spawned from the seed."""
    from cohortstats._auc import _auc_sorted
    from cohortstats.evaluation._roc_core import bootstrap_aucs

    cases = np.round(rng.normal(1, 1, 30), 1)  # ties on purpose
    controls = np.round(rng.normal(0, 1, 50), 1)
    got = bootstrap_aucs(cases, controls, 40, 11, chunk_elems=500)  # chunks of 6 resamples
    sc, sd = np.sort(cases), np.sort(controls)
    expected = []
    for seed in np.random.SeedSequence(11).spawn(40):
        g = np.random.default_rng(seed)
        di = g.integers(0, 50, 50)
        ci = g.integers(0, 30, 30)
        expected.append(_auc_sorted(sc[ci], sd[di]))
    assert_allclose(got, expected, rtol=1e-12)
    assert_allclose(bootstrap_aucs(cases, controls, 40, 11), got, rtol=0, atol=0)  # chunking changes nothing


@pytest.mark.parametrize("random_state", [3, np.random.SeedSequence(3)])
def test_bootstrap_ci_identical_for_any_n_jobs(a, random_state):
    one = cs.auc_ci(a["y"], a["s100b"], method="bootstrap", n_boot=300, random_state=random_state, n_jobs=1)
    two = cs.auc_ci(a["y"], a["s100b"], method="bootstrap", n_boot=300, random_state=random_state, n_jobs=2)
    assert (one.conf_low, one.conf_high, one.std_error) == (two.conf_low, two.conf_high, two.std_error)



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


def test_constant_score_has_auc_half_with_a_warning():
    # pROC: roc(rep(c(0, 1), 10), rep(1, 20)): auc 0.5, var 0, ci.auc 0.5-0.5
    y = np.array([0, 1] * 10)
    with pytest.warns(DegenerateComparisonWarning, match="same for every patient.*AUC = 0.5"):
        r = cs.auc_ci(y, np.ones(20))
    assert r.estimate == ORDER["constant_auc"] and r.std_error ** 2 == ORDER["constant_var"]
    assert (r.conf_low, r.conf_high) == (ORDER["constant_cilow"], ORDER["constant_cihigh"])
    with pytest.warns(DegenerateComparisonWarning, match="SE of the AUC is 0.*perfect separation"):
        r = cs.auc_ci(y, y + 0.5)
    assert r.estimate == r.conf_low == r.conf_high == 1


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
    # the pair keeps the order given: wfns vs s100b is the full table's s100b vs wfns with the sign flipped
    assert (sub.pairs["model_a"].iloc[0], sub.pairs["model_b"].iloc[0]) == ("wfns", "s100b")
    assert_allclose(sub.pairs["statistic"].iloc[0], -row["statistic"], rtol=1e-12)
    assert_allclose(sub.pairs["p_value"].iloc[0], row["p_value"], rtol=1e-12)
    assert sub.pairs["p_adjusted"].iloc[0] == sub.pairs["p_value"].iloc[0]  # Holm over the one reported pair
    with pytest.raises(DataValidationError, match="unknown model"):
        cs.compare_aucs(a["y"], scores, pairs=[("s100b", "nope")])


# ---------------------------------------------------------------- pair order, one-sided tests, degenerate cases
PAIRS = [("s100b", "ndka"), ("ndka", "s100b"), ("wfns", "ndka"), ("ndka", "wfns"), ("s100b", "wfns"), ("wfns", "s100b")]


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("alt", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_one_sided_delong_keeps_pair_order_equals_proc(a, pair, alt, level):
    # pROC: roc.test(roc(pair[0]), roc(pair[1]), method = "delong", paired = TRUE, alternative = alt,
    # conf.level = level): H1 "greater" is AUC(pair[0]) > AUC(pair[1]). One-sided CI: d -/+ qnorm(level) * sigma
    # with pROC's d and sigma; the two-sided CI is pROC's conf.int.
    key = f"{pair[0]}_{pair[1]}_{alt.replace('-', '.')}_{level:g}"
    d = cs.delong_test(a["y"], a[pair[0]], a[pair[1]], alternative=alt, conf_level=level)
    scores = {k: a[k] for k in ("s100b", "ndka", "wfns")}  # dict order differs from half of the pairs
    c = cs.compare_aucs(a["y"], scores, pairs=[pair], alternative=alt, conf_level=level)
    row = c.pairs.iloc[0]
    assert (row["model_a"], row["model_b"]) == pair == (d.model_a, d.model_b)
    for got in (d, row):
        got = pd.Series(got.tidy().iloc[0]) if isinstance(got, cs.DelongTest) else got
        assert_allclose(got["difference"], ORDER[f"d_{pair[0]}_{pair[1]}"], **TOL)
        assert_allclose(got["std_error"], ORDER[f"sigma_{pair[0]}_{pair[1]}"], **TOL)
        assert_allclose([got["statistic"], got["p_value"]], [ORDER[f"z_{key}"], ORDER[f"p_{key}"]], **TOL)
        assert_allclose([got["conf_low"], got["conf_high"]], [ORDER[f"cilow_{key}"], ORDER[f"cihigh_{key}"]], **TOL)
    rel = {"two-sided": "≠", "greater": ">", "less": "<"}[alt]
    kind = "two-sided" if alt == "two-sided" else "one-sided"
    assert d.hypothesis == row["hypothesis"] == f"{kind}, H1: AUC({pair[0]}) {rel} AUC({pair[1]})"
    assert d.ci_sided == row["ci_sided"] == c.ci_sided
    assert d.ci_sided == {"two-sided": "two-sided", "greater": "one-sided: lower bound (upper limit +inf)",
                          "less": "one-sided: upper bound (lower limit -inf)"}[alt]
    if alt == "two-sided":  # unchanged: pROC's conf.int
        assert_allclose([d.conf_low, d.conf_high], [ORDER[f"proc_cilow_{key}"], ORDER[f"proc_cihigh_{key}"]], **TOL)


def test_one_sided_comparison_tests_the_stated_direction(a):
    """The issue's case: the better model named first in pairs, second in the dict, one-sided test."""
    scores = {"weak": a["ndka"], "good": a["wfns"]}
    c = cs.compare_aucs(a["y"], scores, pairs=[("good", "weak")], alternative="greater")
    row = c.pairs.iloc[0]
    assert (row["model_a"], row["model_b"]) == ("good", "weak") and row["difference"] > 0
    assert_allclose(row["p_value"], ORDER["p_wfns_ndka_greater_0.95"], **TOL)  # small: wfns is better
    assert row["p_value"] < 0.01 and row["hypothesis"] == "one-sided, H1: AUC(good) > AUC(weak)"
    assert row["conf_low"] > 0 and np.isposinf(row["conf_high"])
    # the default pairs follow the dict's order, as before
    assert cs.compare_aucs(a["y"], scores).pairs[["model_a", "model_b"]].values.tolist() == [["weak", "good"]]


def test_delong_names_from_series_or_argument(a):
    assert cs.delong_test(a["y"], a["s100b"], a["ndka"]).hypothesis == "two-sided, H1: AUC(s100b) ≠ AUC(ndka)"
    d = cs.delong_test(a["y"], a["s100b"].to_numpy(), a["ndka"].to_numpy(), alternative="less")
    assert d.hypothesis == "one-sided, H1: AUC(A) < AUC(B)"
    d = cs.delong_test(a["y"], a["s100b"], a["ndka"], names=("Fused", "Radiomics"), alternative="greater")
    assert d.hypothesis == "one-sided, H1: AUC(Fused) > AUC(Radiomics)"
    t = d.tidy().iloc[0]
    assert (t["model_a"], t["hypothesis"], t["ci_sided"]) == ("Fused", d.hypothesis, d.ci_sided)
    with pytest.raises(DataValidationError, match="names must be two model names"):
        cs.delong_test(a["y"], a["s100b"], a["ndka"], names="Fused")


@pytest.mark.parametrize("order", [("male", "female"), ("female", "male")])
@pytest.mark.parametrize("alt", ["two-sided", "greater", "less"])
def test_unpaired_delong_both_orders_and_one_sided_ci(a, order, alt):
    # pROC: roc.test(roc_1, roc_2, method = "delong", paired = FALSE, alternative = alt); CI d -/+ qt(., df) * se
    groups = {"male": a[a.gender == "Male"], "female": a[a.gender == "Female"]}
    g1, g2 = groups[order[0]], groups[order[1]]
    u = cs.delong_test_unpaired(g1["y"], g1["s100b"], g2["y"], g2["s100b"], alternative=alt, names=order)
    key = f"{order[0]}_{order[1]}_{alt.replace('-', '.')}"
    assert_allclose([u.statistic, u.df, u.p_value],
                    [ORDER[f"unpaired_D_{key}"], ORDER[f"unpaired_df_{key}"], ORDER[f"unpaired_p_{key}"]], **TOL)
    assert_allclose([u.conf_low, u.conf_high], [ORDER[f"unpaired_cilow_{key}"], ORDER[f"unpaired_cihigh_{key}"]], **TOL)
    assert u.hypothesis.endswith(f"AUC({order[0]}) {'≠><'['two-sided greater less'.split().index(alt)]} AUC({order[1]})")


@pytest.mark.parametrize("alt", ["two-sided", "greater", "less"])
def test_identical_rankings_give_zero_with_a_warning(a, alt):
    # pROC: roc.test(roc(s100b), roc(2 * s100b), paired = TRUE, alternative = alt): Z = 0, P = 1 (0.5 one-sided),
    # conf.int (0, 0); here the one-sided CI is (0, inf) / (-inf, 0)
    key = alt.replace("-", ".")
    with pytest.warns(DegenerateComparisonWarning, match="s100b and twice give identical DeLong placement"):
        d = cs.delong_test(a["y"], a["s100b"], 2 * a["s100b"], alternative=alt, names=("s100b", "twice"))
    assert (d.difference, d.std_error, d.statistic) == (0, 0, ORDER[f"identical_z_{key}"])
    assert d.p_value == ORDER[f"identical_p_{key}"]
    expected = {"two-sided": (0, 0), "greater": (0, np.inf), "less": (-np.inf, 0)}[alt]
    assert (d.conf_low, d.conf_high) == expected
    with pytest.warns(DegenerateComparisonWarning, match="x and z give identical"):
        c = cs.compare_aucs(a["y"], {"x": a["s100b"], "z": np.log(a["s100b"])}, alternative=alt)
    assert c.pairs[["difference", "std_error", "statistic"]].iloc[0].tolist() == [0, 0, 0]
    assert c.pairs["p_value"].iloc[0] == ORDER[f"identical_p_{key}"]
    assert (c.global_statistic, c.global_df, c.global_p_value) == (0, 0, 1)
    assert not c.pairs.isna().any().any()


def test_identical_pair_among_three_models_keeps_the_global_test(a):
    with pytest.warns(DegenerateComparisonWarning):
        c = cs.compare_aucs(a["y"], {"s": a["s100b"], "s2": 2 * a["s100b"], "w": a["wfns"]})
    two = cs.compare_aucs(a["y"], {"s": a["s100b"], "w": a["wfns"]})
    assert c.global_df == 1
    assert_allclose(c.global_statistic, two.global_statistic, rtol=1e-10)
    assert not c.pairs.isna().any().any()


def test_too_few_cases_or_controls_is_a_clear_error():
    # pROC: var() and ci.auc() of a curve with one case are NA (the DeLong variance divides by cases - 1)
    assert ORDER["one_case_var_is_na"] == 1 and ORDER["one_case_ci_is_na"] == 1
    y, s = np.array([0, 0, 0, 0, 1]), np.array([0.1, 0.2, 0.3, 0.5, 0.4])
    with pytest.raises(DataValidationError, match=r"at least 2 cases and 2 controls; got 1 case\(s\) and 4 control"):
        cs.auc_ci(y, s)
    with pytest.raises(DataValidationError, match=r"got 4 case\(s\) and 1 control"):
        cs.auc_ci(1 - y, s, method="bootstrap")
    with pytest.raises(DataValidationError, match="a DeLong test needs at least 2 cases"):
        cs.delong_test(y, s, s[::-1])
    with pytest.raises(DataValidationError, match="a DeLong comparison needs"):
        cs.compare_aucs(y, {"a": s, "b": s[::-1]})
    with pytest.raises(DataValidationError, match="in sample B"):
        cs.delong_test_unpaired(np.array([0, 0, 1, 1]), [1, 2, 3, 4.0], y, s)


def test_zero_variance_between_different_aucs_is_an_error():
    # pROC gives Z = Inf, P = 0 here (perfect score against a constant one); the asymptotic test is undefined
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(DataValidationError, match="variance of AUC\\(A\\) - AUC\\(B\\) is 0 although the AUCs differ"):
        cs.delong_test(y, [1, 2, 3, 4, 5, 6.0], np.ones(6))


def test_compare_aucs_pairs_must_be_distinct(a):
    scores = {"s100b": a["s100b"], "ndka": a["ndka"]}
    with pytest.raises(DataValidationError, match="compares 's100b' with itself"):
        cs.compare_aucs(a["y"], scores, pairs=[("s100b", "s100b")])
    with pytest.raises(DataValidationError, match="listed twice"):
        cs.compare_aucs(a["y"], scores, pairs=[("s100b", "ndka"), ("ndka", "s100b")])
    with pytest.raises(DataValidationError, match="each pair must be two model names"):
        cs.compare_aucs(a["y"], scores, pairs=[("s100b", "ndka", "x")])


def test_shared_sorts_give_the_same_numbers_with_one_sort_per_score(rng):
    from cohortstats.evaluation._roc_core import _SHARED, shared_sorts

    y = rng.integers(0, 2, 400)
    p = np.round(rng.random(400), 2)  # ties
    q = rng.random(400)

    def everything():
        return (cs.roc(y, p), cs.roc(y, p, direction=">"), cs.threshold_metrics(y, p),
                cs.decision_curve(y, {"p": p, "q": q}).table, cs.auc_ci(y, p, method="hanley_mcneil"),
                cs.auc_ci(y, p, method="bootstrap", n_boot=200, random_state=1))

    plain = everything()
    with shared_sorts():
        shared = everything()
        assert len(_SHARED.get()) == 2  # p and q, each sorted once
    assert _SHARED.get() is None
    for a, b in ((plain[0], shared[0]), (plain[1], shared[1])):
        assert a.auc == b.auc and np.array_equal(a.thresholds, b.thresholds)
        assert np.array_equal(a.sensitivity, b.sensitivity) and np.array_equal(a.specificity, b.specificity)
    assert plain[2].threshold == shared[2].threshold and plain[3].equals(shared[3])
    assert plain[4].conf_low == shared[4].conf_low and plain[5].conf_high == shared[5].conf_high


def test_paired_and_unpaired_delong_share_fields_and_hypothesis():
    """One base class holds what both DeLong results share; their tidy columns stay as they were."""
    from cohortstats.evaluation.roc import _AucDifferenceTest

    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    a, b = [1, 2, 3, 5, 4, 6, 7, 8], [2, 1, 6, 3, 5, 4, 3.5, 7]
    p = cs.delong_test(y, a, b, names=("new", "old"), alternative="greater")
    u = cs.delong_test_unpaired(y, a, y, b, names=("new", "old"))
    assert isinstance(p, _AucDifferenceTest) and isinstance(u, _AucDifferenceTest)
    assert p.hypothesis == "one-sided, H1: AUC(new) > AUC(old)" and u.hypothesis == "two-sided, H1: AUC(new) ≠ AUC(old)"
    common = ["model_a", "model_b", "auc_a", "auc_b", "difference", "std_error", "statistic"]
    tail = ["p_value", "conf_low", "conf_high", "alternative", "hypothesis", "ci_sided", "conf_level", "method"]
    assert list(p.tidy().columns) == common + tail and list(u.tidy().columns) == common + ["df"] + tail
    assert (p.n_cases, p.n_controls, u.df > 0) == (4, 4, True)
