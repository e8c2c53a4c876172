"""NRI and IDI: R's Hmisc::improveProb (tests/reference/reclassification.R) and hand computations."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import cohortstats as cs
from cohortstats.exceptions import DataValidationError, DegenerateComparisonWarning

Y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
OLD = np.array([0.30, 0.15, 0.25, 0.05, 0.12, 0.22, 0.08, 0.30, 0.05, 0.18])
NEW = np.array([0.40, 0.22, 0.20, 0.05, 0.08, 0.25, 0.05, 0.18, 0.04, 0.18])


def test_category_free_nri_by_hand():
    r = cs.nri(Y, OLD, NEW)
    # events: up 2 (0.30->0.40, 0.15->0.22), down 1, same 1; non-events: up 1, down 4, same 1
    assert_allclose(r.events_component, (2 - 1) / 4)
    assert_allclose(r.nonevents_component, (4 - 1) / 6)
    assert_allclose(r.estimate, 0.25 + 0.5)
    # estimate's variance (Hmisc): (p_up + p_down - (p_up - p_down)^2) / n per group
    se = np.sqrt((3 / 4 - (1 / 4) ** 2) / 4 + (5 / 6 - (3 / 6) ** 2) / 6)
    assert_allclose(r.std_error, se, rtol=1e-12)
    assert_allclose(r.p_value, 2 * stats.norm.sf(0.75 / se), rtol=1e-12)
    # Pencina et al. (2008): the variance under the null of no reclassification improvement
    null = cs.nri(Y, OLD, NEW, se_method="pencina")
    assert_allclose(null.std_error, np.sqrt((3 / 4) / 4 + (5 / 6) / 6), rtol=1e-12)
    assert null.estimate == r.estimate and "Pencina" in null.method and "Hmisc" in r.method
    assert r.table["up"].tolist() == [2, 1] and r.table["down"].tolist() == [1, 4]


def test_categorical_nri_by_hand():
    r = cs.nri(Y, OLD, NEW, cutoffs=[0.1, 0.2])
    # categories <0.1, [0.1, 0.2), >=0.2. events: 2->2, 1->2 up, 2->2, 0->0 ; non-events: 1->0 down, 2->2, 0->0,
    # 2->1 down, 0->0, 1->1
    assert r.table["up"].tolist() == [1, 0] and r.table["down"].tolist() == [0, 2]
    assert_allclose(r.estimate, 1 / 4 + 2 / 6)
    assert "cut-offs [0.1, 0.2]" in r.method


def test_idi_by_hand():
    r = cs.idi(Y, OLD, NEW)
    d = NEW - OLD
    de, dn = d[Y == 1].mean(), d[Y == 0].mean()
    assert_allclose(r.estimate, de - dn, rtol=1e-12)
    se = np.sqrt(d[Y == 1].var(ddof=1) / 4 + d[Y == 0].var(ddof=1) / 6)
    assert_allclose(r.std_error, se, rtol=1e-12)


@pytest.mark.parametrize("cutoffs", [None, [0.1, 0.2]])
def test_identical_models_give_zero_with_a_warning(cutoffs):
    # Hmisc::improveProb(old, old, y): NRI 0, SE 0, Z NaN, 2P NaN; IDI 0, SE 0, Z NaN. Here Z = 0, P = 1 and a warning
    with pytest.warns(DegenerateComparisonWarning, match="reclassify no patient differently.*Z = 0 and P = 1"):
        r = cs.nri(Y, OLD, OLD, cutoffs=cutoffs)
    assert (r.estimate, r.std_error, r.statistic, r.p_value, r.conf_low, r.conf_high) == (0, 0, 0, 1, 0, 0)
    assert (r.events_std_error, r.nonevents_std_error) == (0, 0)
    with pytest.warns(DegenerateComparisonWarning, match="^IDI: the two models reclassify no patient"):
        r = cs.idi(Y, OLD, OLD)
    assert (r.estimate, r.std_error, r.statistic, r.p_value, r.conf_low, r.conf_high) == (0, 0, 0, 1, 0, 0)
    assert not r.tidy().isna().any().any()


def test_same_change_for_everyone_has_zero_se_and_a_defined_test():
    # Hmisc::improveProb(old, old + 0.05, y): every patient moves up: NRI 0 with SE 0; IDI 0 with SE 1e-17 (rounding)
    with pytest.warns(DegenerateComparisonWarning, match="reclassify no patient differently"):
        r = cs.nri(Y, OLD, OLD + 0.05)
    assert r.table["up"].tolist() == [4, 6] and (r.estimate, r.statistic, r.p_value) == (0, 0, 1)
    with pytest.warns(DegenerateComparisonWarning, match="^IDI"):
        r = cs.idi(Y, OLD, OLD + 0.05)
    assert r.std_error == 0 and r.p_value == 1 and abs(r.estimate) < 1e-15
    # Hmisc::improveProb(old, old + 0.05 * (2 * y - 1), y): NRI 2, SE 0, Z Inf, 2P 0; IDI 0.1, SE 1e-17, 2P 0
    new = OLD + 0.05 * (2 * Y - 1)
    with pytest.warns(DegenerateComparisonWarning, match="SE is 0 although the estimate is 2.*P = 0"):
        r = cs.nri(Y, OLD, new)
    assert (r.estimate, r.std_error, r.statistic, r.p_value, r.conf_low, r.conf_high) == (2, 0, np.inf, 0, 2, 2)
    with pytest.warns(DegenerateComparisonWarning, match="SE is 0 although the estimate is 0.1"):
        r = cs.idi(Y, OLD, new)
    assert_allclose(r.estimate, 0.1, rtol=1e-12)
    assert (r.std_error, r.statistic, r.p_value) == (0, np.inf, 0)


def test_bootstrap_ci_is_reproducible_and_brackets():
    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.3).astype(int)
    old = np.clip(0.3 + 0.1 * y + rng.normal(0, 0.1, 400), 0, 1)
    new = np.clip(old + 0.08 * (2 * y - 1) + rng.normal(0, 0.02, 400), 0, 1)
    a = cs.idi(y, old, new, n_boot=200, random_state=1)
    b = cs.idi(y, old, new, n_boot=200, random_state=1)
    assert a.conf_low == b.conf_low and a.conf_low < a.estimate < a.conf_high
    assert a.ci_method.startswith("stratified bootstrap")


def test_bad_input():
    with pytest.raises(DataValidationError, match=r"p_new must be predicted probabilities in \[0, 1\]"):
        cs.nri(Y, OLD, NEW * 10)
    with pytest.raises(DataValidationError, match="cutoffs must be increasing"):
        cs.nri(Y, OLD, NEW, cutoffs=[0.2, 0.1])


REF = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="module")
def hmisc():
    preds = pd.read_csv(REF / "reclassification_predictions.csv")
    ref = pd.read_csv(REF / "reclassification_reference.csv").set_index("name")["value"]
    return preds, ref


@pytest.mark.parametrize("pair", [("old", "new"), ("old", "wfns"), ("new", "wfns")])
@pytest.mark.parametrize("kind", ["cont", "cat"])
def test_nri_equals_hmisc_improveprob(hmisc, pair, kind):
    preds, ref = hmisc
    tag = f"{pair[0]}_{pair[1]}_{kind}_"
    r = cs.nri(preds["y"], preds[pair[0]], preds[pair[1]], cutoffs=None if kind == "cont" else [0.2, 0.4])
    # closed forms on R's own predicted risks
    assert_allclose(r.estimate, ref[tag + "nri"], rtol=1e-12, atol=1e-15)
    assert_allclose(r.std_error, ref[tag + "se.nri"], rtol=1e-12)
    assert_allclose(r.statistic, ref[tag + "z.nri"], rtol=1e-12, atol=1e-15)
    assert_allclose(r.events_component, ref[tag + "nri.ev"], rtol=1e-12, atol=1e-15)
    assert_allclose(r.events_std_error, ref[tag + "se.nri.ev"], rtol=1e-12)
    assert_allclose(r.nonevents_component, ref[tag + "nri.ne"], rtol=1e-12, atol=1e-15)
    assert_allclose(r.nonevents_std_error, ref[tag + "se.nri.ne"], rtol=1e-12)
    n_e, n_n = r.n_events, r.n_nonevents
    assert_allclose(r.table["up"].to_numpy() / [n_e, n_n], [ref[tag + "pup.ev"], ref[tag + "pup.ne"]], rtol=1e-12)
    assert_allclose(r.table["down"].to_numpy() / [n_e, n_n], [ref[tag + "pdown.ev"], ref[tag + "pdown.ne"]],
                    rtol=1e-12)
    assert_allclose(r.p_value, 2 * stats.norm.sf(abs(ref[tag + "z.nri"])), rtol=1e-10)


@pytest.mark.parametrize("pair", [("old", "new"), ("old", "wfns"), ("new", "wfns")])
def test_idi_equals_hmisc_improveprob(hmisc, pair):
    preds, ref = hmisc
    tag = f"{pair[0]}_{pair[1]}_cont_"
    r = cs.idi(preds["y"], preds[pair[0]], preds[pair[1]])
    assert_allclose(r.estimate, ref[tag + "idi"], rtol=1e-12)
    assert_allclose(r.std_error, ref[tag + "se.idi"], rtol=1e-12)
    assert_allclose(r.statistic, ref[tag + "z.idi"], rtol=1e-12)


def test_nri_bad_se_method():
    with pytest.raises(DataValidationError, match=r"se_method must be one of \['hmisc', 'pencina'\]; got 'exact'"):
        cs.nri(Y, OLD, NEW, se_method="exact")


def test_compare_reclassification_rows_equal_the_single_functions(hmisc):
    preds, _ = hmisc
    scores = {m: preds[m] for m in ("old", "new", "wfns")}
    cmp = cs.compare_reclassification(preds["y"], scores, [("old", "new"), ("old", "wfns")], cutoffs=[0.2, 0.4])
    t = cmp.tidy()
    assert t["measure"].tolist() == ["NRI (category-free)", "NRI (categories at 0.2, 0.4)", "IDI"] * 2
    assert cmp.n_events == 41 and cmp.n_nonevents == 72
    single = cs.nri(preds["y"], preds["old"], preds["wfns"], cutoffs=[0.2, 0.4])
    row = t.iloc[4]
    assert (row.estimate, row.std_error, row.conf_low) == (single.estimate, single.std_error, single.conf_low)
    with pytest.raises(DataValidationError, match=r"pairs name unknown model\(s\) \['clinical'\]"):
        cs.compare_reclassification(preds["y"], scores, [("clinical", "new")])
    with pytest.raises(DataValidationError, match=r"pairs must name at least one \(old, new\) pair"):
        cs.compare_reclassification(preds["y"], scores, [])


@pytest.mark.slow
def test_simulated_coverage_and_type_one_error():
    """Known truth: a 2,000,000-patient sample gives the population NRI/IDI of adding x2 to x1; 2,000 samples
    of 400 give the 95% CI coverage. Under a null of no improvement (symmetric noise added to the old risk)
    the 5% tests reject about 5%. Monte Carlo SE of a proportion near 0.05 with 2,000 replicates: 0.005."""
    from scipy.special import expit

    rng = np.random.default_rng(2024)

    def draw(n):
        x1, x2 = rng.normal(size=n), rng.normal(size=n)
        y = (rng.random(n) < expit(-0.5 + x1 + 0.5 * x2)).astype(int)
        return y, expit(-0.5 + x1), expit(-0.5 + x1 + 0.5 * x2)

    big = draw(2_000_000)
    truth_nri, truth_idi = cs.nri(*big).estimate, cs.idi(*big).estimate
    covered = np.zeros(2)
    for _ in range(2000):
        y, old, new = draw(400)
        a, b = cs.nri(y, old, new), cs.idi(y, old, new)
        covered += [a.conf_low <= truth_nri <= a.conf_high, b.conf_low <= truth_idi <= b.conf_high]
    assert np.all(np.abs(covered / 2000 - 0.95) < 0.015), covered / 2000
    rejected = np.zeros(2)
    for _ in range(2000):
        x1 = rng.normal(size=400)
        old = np.clip(expit(-0.5 + x1), 0.1, 0.9)
        y = (rng.random(400) < old).astype(int)
        new = old + rng.uniform(-0.05, 0.05, 400)  # E[new - old | patient] = 0: true NRI and IDI are 0
        rejected += [cs.nri(y, old, new).p_value < 0.05, cs.idi(y, old, new).p_value < 0.05]
    assert np.all(np.abs(rejected / 2000 - 0.05) < 0.015), rejected / 2000


def test_compare_reclassification_names_the_pair_in_degenerate_warnings():
    scores = {"old": OLD, "same": OLD.copy(), "new": NEW}
    with pytest.warns(DegenerateComparisonWarning) as record:
        c = cs.compare_reclassification(Y, scores, [("old", "same"), ("old", "new")])
    messages = [str(w.message) for w in record]
    assert len(messages) == 2 and all(m.startswith("same over old: ") for m in messages)
    assert all(w.filename == __file__ for w in record)  # stacklevel points at the caller
    same = c.table[c.table["model_new"] == "same"]
    assert (same["p_value"] == 1).all() and (same["statistic"] == 0).all() and not c.table.isna().any().any()
