"""Decision curves against the defining formula and against the Python dcurves package (same run)."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.exceptions import DataValidationError


def _data(rng, n=600):
    y = (rng.random(n) < 0.35).astype(int)
    p1 = np.clip(0.35 + 0.25 * (y - 0.35) + rng.normal(0, 0.15, n), 0.001, 0.999)
    p2 = np.clip(0.35 + 0.1 * (y - 0.35) + rng.normal(0, 0.15, n), 0.001, 0.999)
    return y, np.round(p1, 2), p2  # rounded p1: ties at the thresholds


def test_net_benefit_equals_definition(rng):
    y, p1, p2 = _data(rng)
    dc = cs.decision_curve(y, {"a": p1, "b": p2})
    t = dc.table
    for name, p in (("a", p1), ("b", p2)):
        sub = t[t.model == name]
        for _, r in sub.sample(15, random_state=1).iterrows():
            pos = p >= r["threshold"]
            tp, fp = np.sum(pos & (y == 1)), np.sum(pos & (y == 0))
            nb = tp / len(y) - fp / len(y) * r["threshold"] / (1 - r["threshold"])
            assert (r["tp"], r["fp"]) == (tp, fp)
            assert_allclose(r["net_benefit"], nb, rtol=1e-12, atol=1e-15)
    prev = y.mean()
    allr = t[t.model == "all"]
    assert_allclose(allr["net_benefit"], prev - (1 - prev) * allr["threshold"] / (1 - allr["threshold"]), rtol=1e-12)
    assert (t[t.model == "none"]["net_benefit"] == 0).all()
    a = t[t.model == "a"].reset_index(drop=True)
    odds = a["threshold"] / (1 - a["threshold"])
    assert_allclose(a["net_interventions_avoided"], (a["net_benefit"] - allr["net_benefit"].to_numpy()) * 100 / odds)
    assert_allclose(a["standardized_net_benefit"], a["net_benefit"] / prev)
    assert len(a) == 99 and a["threshold"].iloc[0] == 0.01 and a["threshold"].iloc[-1] == 0.99


def test_equals_python_dcurves(rng):
    dcurves = pytest.importorskip("dcurves")
    y, p1, p2 = _data(rng)
    df = pd.DataFrame({"y": y, "a": p1, "b": p2})
    thr = np.round(np.arange(0.01, 1.0, 0.01), 2)
    ref = dcurves.dca(data=df, outcome="y", modelnames=["a", "b"], thresholds=thr)
    ours = cs.decision_curve(y, {"a": p1, "b": p2}, nper=1).table
    for m in ("a", "b", "all", "none"):
        r = ref[ref.model == m].sort_values("threshold")
        o = ours[ours.model == m].sort_values("threshold")
        assert_allclose(o["net_benefit"], r["net_benefit"], rtol=1e-12, atol=1e-15)
        if m in ("a", "b"):
            assert_allclose(o["net_interventions_avoided"], r["net_intervention_avoided"], rtol=1e-12, atol=1e-15)


def test_harm_and_bootstrap_bands(rng):
    y, p1, p2 = _data(rng)
    dc = cs.decision_curve(y, {"a": p1}, harm={"a": 0.01}, n_boot=200, random_state=4)
    plain = cs.decision_curve(y, {"a": p1})
    a, b = dc.table[dc.table.model == "a"], plain.table[plain.table.model == "a"]
    assert_allclose(a["net_benefit"].to_numpy(), b["net_benefit"].to_numpy() - 0.01)
    inside = (a["conf_low"] <= a["net_benefit"] + 1e-12) & (a["net_benefit"] <= a["conf_high"] + 1e-12)
    assert inside.mean() > 0.9
    again = cs.decision_curve(y, {"a": p1}, harm={"a": 0.01}, n_boot=200, random_state=4)
    assert_allclose(again.table["conf_low"], dc.table["conf_low"])


def test_bootstrap_bands_identical_for_any_n_jobs(rng):
    y, p1, p2 = _data(rng)
    one = cs.decision_curve(y, {"a": p1, "b": p2}, n_boot=150, random_state=9, n_jobs=1).table
    two = cs.decision_curve(y, {"a": p1, "b": p2}, n_boot=150, random_state=9, n_jobs=2).table
    assert one[["conf_low", "conf_high"]].equals(two[["conf_low", "conf_high"]])
    d1 = cs.net_benefit_difference(y, p1, p2, n_boot=150, random_state=9, n_jobs=1)
    d2 = cs.net_benefit_difference(y, p1, p2, n_boot=150, random_state=9, n_jobs=2)
    assert d1.equals(d2)


def test_bootstrap_net_benefit_equals_direct_resampling(rng):
    """The counts-per-place net benefit of a resample equals decision_curve on the resampled patients."""
    from cohortstats.evaluation.decision_curve import _bootstrap_nb

    y, p1, p2 = _data(rng)
    y, p1 = np.asarray(y)[:200], np.round(np.asarray(p1)[:200], 2)  # risks on the thresholds on purpose
    thr = np.round(np.arange(1, 100) / 100, 2)
    got = _bootstrap_nb(y, {"a": p1}, thr, {"a": 0.01}, 5, 21)
    cases, controls = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    for b, seed in enumerate(np.random.SeedSequence(21).spawn(5)):
        g = np.random.default_rng(seed)
        idx = np.concatenate([cases[g.integers(0, len(cases), len(cases))],
                              controls[g.integers(0, len(controls), len(controls))]])
        direct = cs.decision_curve(y[idx], {"a": p1[idx]}, harm={"a": 0.01}).table
        assert_allclose(got["a"][b], direct[direct.model == "a"]["net_benefit"], rtol=1e-12, atol=1e-15)
        assert_allclose(got["all"][b], direct[direct.model == "all"]["net_benefit"], rtol=1e-12, atol=1e-15)


def test_net_benefit_difference_ci(rng):
    y, p1, p2 = _data(rng)
    d = cs.net_benefit_difference(y, p1, p2, thresholds=[0.2, 0.3, 0.4], n_boot=300, random_state=2)
    direct = cs.decision_curve(y, {"a": p1, "b": p2}, thresholds=[0.2, 0.3, 0.4]).table
    expected = direct[direct.model == "a"]["net_benefit"].to_numpy() - direct[direct.model == "b"]["net_benefit"].to_numpy()
    assert_allclose(d["difference"], expected)
    assert (d["conf_low"] < d["difference"]).all() and (d["difference"] < d["conf_high"]).all()


def test_score_conversion_is_explicit(rng):
    y, p1, _ = _data(rng)
    score = 3 * p1 - 1
    with pytest.raises(DataValidationError, match="outside \\[0, 1\\].*convert='logistic'"):
        cs.decision_curve(y, {"score": score})
    dc = cs.decision_curve(y, {"score": score}, convert="logistic")
    assert "univariable logistic recalibration" in dc.conversions["score"]


def test_bad_input(rng):
    y, p1, p2 = _data(rng)
    with pytest.raises(DataValidationError, match="strictly between 0 and 1"):
        cs.decision_curve(y, {"a": p1}, thresholds=[0, 0.5])
    with pytest.raises(DataValidationError, match="strictly between 0 and 1"):
        cs.decision_curve(y, {"a": p1}, thresholds=[0.5, 1])
    with pytest.raises(DataValidationError, match="strictly increasing"):
        cs.decision_curve(y, {"a": p1}, thresholds=[0.3, 0.2])
    with pytest.raises(DataValidationError, match="collide with the reserved"):
        cs.decision_curve(y, {"All": p1})
    with pytest.raises(DataValidationError, match="has 10 values"):
        cs.decision_curve(y, {"a": p1, "b": p2[:10]})
    with pytest.raises(DataValidationError, match="exactly two classes"):
        cs.decision_curve(np.ones(len(y)), {"a": p1})


def test_plots(rng):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y, p1, p2 = _data(rng)
    dc = cs.decision_curve(y, {"a": p1, "b": p2})
    ax = dc.plot()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["a", "b", "Treat all", "Treat none"] and ax.get_ylim()[0] == -0.05
    plt.close(ax.figure)
    ax = cs.plots.plot_clinical_impact(dc, "a")
    assert len(ax.lines) == 2
    plt.close(ax.figure)
