"""NRI and IDI against hand-computed values of their defining formulas (Pencina et al. 2008)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import cohortstats as cs
from cohortstats.exceptions import DataValidationError

Y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
OLD = np.array([0.30, 0.15, 0.25, 0.05, 0.12, 0.22, 0.08, 0.30, 0.05, 0.18])
NEW = np.array([0.40, 0.22, 0.20, 0.05, 0.08, 0.25, 0.05, 0.18, 0.04, 0.18])


def test_category_free_nri_by_hand():
    r = cs.nri(Y, OLD, NEW)
    # events: up 2 (0.30->0.40, 0.15->0.22), down 1, same 1; non-events: up 1, down 4, same 1
    assert_allclose(r.events_component, (2 - 1) / 4)
    assert_allclose(r.nonevents_component, (4 - 1) / 6)
    assert_allclose(r.estimate, 0.25 + 0.5)
    se = np.sqrt((3 / 4) / 4 + (5 / 6) / 6)
    assert_allclose(r.std_error, se, rtol=1e-12)
    assert_allclose(r.p_value, 2 * stats.norm.sf(0.75 / se), rtol=1e-12)
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


def test_identical_models_give_zero():
    r = cs.nri(Y, OLD, OLD)
    assert r.estimate == 0 and np.isnan(r.p_value)


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
