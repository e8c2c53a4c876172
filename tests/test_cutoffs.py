"""Cut-off metrics against pROC's coords (tests/reference/discrimination.R) and R's prop.test / binom.test."""

import numpy as np
import pandas as pd
import pytest
from conftest import reference
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.exceptions import DataValidationError, SmallCellWarning

REF = reference("discrimination_reference.csv").set_index("name")["value"]
PROP = reference("proportion_ci_reference.csv").set_index("name")["value"]
TOL = dict(rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def a(asah01):
    return asah01


@pytest.mark.parametrize("x", ["s100b", "wfns", "ndka"])
@pytest.mark.parametrize("rule", ["youden", "closest.topleft"])
def test_best_threshold_equals_proc_coords(a, x, rule):
    # pROC: coords(roc, "best", best.method = rule)
    t = cs.threshold_metrics(a["y"], a[x], threshold=rule)
    assert len(t.tied_thresholds) == int(REF[f"best_n_{x}_{rule}"])
    assert_allclose([t.threshold, t.sensitivity, t.specificity],
                    [REF[f"best_threshold_{x}_{rule}"], REF[f"best_se_{x}_{rule}"], REF[f"best_sp_{x}_{rule}"]], **TOL)
    assert t.source == rule


def test_fixed_threshold_counts_and_cis(a):
    t = cs.threshold_metrics(a["y"], a["s100b"], threshold=0.205)
    assert (t.tp, t.fp, t.tn, t.fn) == (26, 14, 58, 15)
    for k in ("sensitivity", "specificity", "ppv", "npv", "accuracy"):
        assert_allclose(getattr(t, k), REF[f"at0205_{k}"], **TOL)
    tidy = t.tidy().set_index("metric")
    for short, long in (("se", "sensitivity"), ("sp", "specificity"), ("ppv", "ppv"), ("npv", "npv")):
        assert_allclose(tidy.loc[long, ["conf_low", "conf_high"]].astype(float),
                        [PROP[f"wilson_low_{short}"], PROP[f"wilson_high_{short}"]], **TOL)
    cp = cs.threshold_metrics(a["y"], a["s100b"], threshold=0.205, ci_method="clopper-pearson").tidy().set_index("metric")
    assert_allclose(cp.loc["sensitivity", ["conf_low", "conf_high"]].astype(float),
                    [PROP["cp_low_se"], PROP["cp_high_se"]], rtol=1e-8)
    # likelihood ratios: closed forms
    assert_allclose(t.lr_positive, (26 / 41) / (14 / 72), rtol=1e-12)
    assert_allclose(t.lr_negative, (15 / 41) / (58 / 72), rtol=1e-12)
    se_log = np.sqrt(1 / 26 - 1 / 41 + 1 / 14 - 1 / 72)
    assert_allclose(tidy.loc["lr_positive", "conf_low"], t.lr_positive * np.exp(-1.959963984540054 * se_log), rtol=1e-9)
    assert_allclose(t.f1, 2 * 26 / (2 * 26 + 14 + 15), rtol=1e-12)


def test_training_threshold_carried_to_test(a):
    train, test = a.iloc[::2], a.iloc[1::2]
    tr = cs.threshold_metrics(train["y"], train["s100b"])
    te = cs.threshold_metrics(test["y"], test["s100b"], threshold=tr)
    assert te.threshold == tr.threshold and te.source == "carried from training (youden)"
    assert cs.threshold_metrics(test["y"], test["s100b"], threshold=te).source == "carried from training (youden)"


def test_ties_among_best_thresholds_use_highest_sensitivity():
    y = np.array([0, 0, 1, 0, 1, 1])
    s = np.array([1, 2, 3, 4, 5, 6.0])  # youden 2/3 at t = 2.5 (se 1, sp 2/3) and t = 4.5 (se 2/3, sp 1)
    t = cs.threshold_metrics(y, s)
    assert t.tied_thresholds == (2.5, 4.5) and t.threshold == 2.5 and t.sensitivity == 1.0


def test_threshold_outside_range_warns_instead_of_dividing_by_zero():
    y = np.array([0, 1, 0, 1])
    with pytest.warns(SmallCellWarning, match="PPV"):
        t = cs.threshold_metrics(y, [0.1, 0.2, 0.3, 0.4], threshold=5.0)
    assert (t.tp, t.fp) == (0, 0) and np.isnan(t.ppv) and t.npv == 0.5


def test_bad_threshold_arguments():
    y = [0, 1, 0, 1]
    with pytest.raises(DataValidationError, match="threshold must be one of"):
        cs.threshold_metrics(y, [0.1, 0.2, 0.3, 0.4], threshold="best")
    with pytest.raises(TypeError, match="threshold must be"):
        cs.threshold_metrics(y, [0.1, 0.2, 0.3, 0.4], threshold=[0.5])
    with pytest.raises(DataValidationError, match="ci_method"):
        cs.threshold_metrics(y, [0.1, 0.2, 0.3, 0.4], ci_method="wald")
