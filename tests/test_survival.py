"""Cox regression and Kaplan-Meier against R's survival package (tests/reference/survival.R):
coxph (Efron and Breslow, coxph.control(eps = 1e-14)), confint, concordance with its SE, survfit
(conf.type = "log") medians and survival at times, survdiff. Tolerance 1e-8 relative."""

import numpy as np
import pandas as pd
import pytest
from conftest import reference
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.regression._concordance import concordance
from cohortstats.exceptions import DataValidationError

REF = reference("survival_reference.csv").set_index("name")["value"]
TOL = dict(rtol=1e-8, atol=1e-12)
PRED = ["age", "sex", "ph.ecog", "wt.loss"]


@pytest.fixture(scope="module")
def lung2(lung):
    return lung.assign(event=(lung["status"] == 2).astype(int))


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_equals_coxph(lung2, ties):
    f = cs.cox_regression(lung2, "time", "event", PRED, ties=ties)
    t = f.tidy(exponentiate=False).set_index("term")
    for v in PRED:
        assert_allclose(t.loc[v, "estimate"], REF[f"{ties}_coef_{v}"], **TOL)
        assert_allclose(t.loc[v, "std_error"], REF[f"{ties}_se_{v}"], **TOL)
        assert_allclose(t.loc[v, "statistic"], REF[f"{ties}_z_{v}"], **TOL)
        assert_allclose(t.loc[v, "p_value"], REF[f"{ties}_p_{v}"], **TOL)
        assert_allclose(t.loc[v, ["conf_low", "conf_high"]].astype(float),
                        [REF[f"{ties}_low_{v}"], REF[f"{ties}_high_{v}"]], **TOL)
    g = f.glance().iloc[0]
    assert (g["n"], g["n_events"]) == (REF[f"{ties}_n"], REF[f"{ties}_nevent"])
    assert_allclose(g["log_likelihood"], REF[f"{ties}_loglik"], **TOL)
    assert_allclose(g["concordance"], REF[f"{ties}_concordance"], **TOL)
    assert_allclose(g["concordance_se"], REF[f"{ties}_concordance_se"], **TOL)
    assert g["n_excluded"] == 228 - 213
    assert f.tidy().set_index("term").loc["sex", "estimate"] == pytest.approx(np.exp(REF[f"{ties}_coef_sex"]))


def test_cox_categorical_reference(lung2):
    d = lung2[lung2["ph.ecog"] < 3]
    f = cs.cox_regression(d, "time", "event", ["age", "ph.ecog"], categorical=["ph.ecog"])
    t = f.tidy(exponentiate=False).set_index("term")
    assert t.loc["ph.ecog[0]", "reference"]  # a float column (it has missing values): its levels read 0, 1, 2
    assert_allclose(t.loc["ph.ecog[1]", "estimate"], REF["factor_coef_ecog1"], **TOL)
    assert_allclose(t.loc["ph.ecog[2]", "estimate"], REF["factor_coef_ecog2"], **TOL)


def test_concordance_counts_equal_r(lung2):
    f = cs.cox_regression(lung2, "time", "event", PRED)
    d = lung2.dropna(subset=PRED)
    c = concordance(d["time"], d["event"], f.linear_predictor(d))
    assert (c.concordant, c.discordant, c.tied_x, c.tied_y) == (
        REF["efron_concordant"], REF["efron_discordant"], REF["efron_tied.x"], REF["efron_tied.y"])


def test_concordance_matches_brute_force_with_ties(rng):
    def brute(t, e, lp):
        n = len(t)
        conc = disc = tx = 0
        infl = np.zeros((n, 3))
        for i in range(n):
            if not e[i]:
                continue
            for j in range(n):
                if j != i and (t[i] < t[j] or (t[i] == t[j] and not e[j])):
                    k = 0 if lp[i] > lp[j] else 1 if lp[i] < lp[j] else 2
                    infl[i, k] += 1
                    infl[j, k] += 1
                    conc, disc, tx = conc + (k == 0), disc + (k == 1), tx + (k == 2)
        total = conc + disc + tx
        dc = ((infl[:, 0] + infl[:, 2] / 2) * total - (conc + tx / 2) * infl.sum(1)) / total**2
        return (conc + tx / 2) / total, np.sqrt(np.sum(dc**2))

    for _ in range(6):
        n = int(rng.integers(10, 70))
        t = rng.integers(1, 12, n).astype(float)
        e = rng.random(n) < 0.6
        lp = rng.integers(0, 4, n).astype(float)
        c = concordance(t, e, lp)
        assert_allclose([c.concordance, c.std_error], brute(t, e, lp), rtol=1e-12)


def test_kaplan_meier_equals_survfit(lung2):
    km = cs.kaplan_meier(lung2, "time", "event", "sex")
    s = km.summary.set_index("group")
    for g in (1, 2):
        assert (s.loc[g, "n"], s.loc[g, "events"]) == (REF[f"km_n_{g}"], REF[f"km_events_{g}"])
        assert_allclose(s.loc[g, ["median", "conf_low", "conf_high"]].astype(float),
                        [REF[f"km_median_{g}"], REF[f"km_low_{g}"], REF[f"km_high_{g}"]], **TOL)
    at = km.at([180, 365, 730])
    for _, r in at.iterrows():
        key = f"{int(r['group'])}_{int(r['time'])}"
        assert_allclose(r[["survival", "std_error", "conf_low", "conf_high"]].astype(float),
                        [REF[f"km_surv_{key}"], REF[f"km_se_{key}"], REF[f"km_slow_{key}"], REF[f"km_shigh_{key}"]],
                        **TOL)
        assert r["n_risk"] == REF[f"km_risk_{key}"]
    assert_allclose([km.logrank.statistic, km.logrank.p_value], [REF["logrank_sex_chisq"], REF["logrank_sex_p"]], **TOL)
    overall = cs.kaplan_meier(lung2, "time", "event").summary.iloc[0]
    assert_allclose(overall[["median", "conf_low", "conf_high"]].astype(float),
                    [REF["km_all_median"], REF["km_all_low"], REF["km_all_high"]], **TOL)


def test_logrank_several_groups_and_missing_group_counted(lung2):
    km = cs.kaplan_meier(lung2, "time", "event", "ph.ecog")
    assert km.logrank.df == REF["logrank_ecog_df"] == 3
    assert_allclose([km.logrank.statistic, km.logrank.p_value], [REF["logrank_ecog_chisq"], REF["logrank_ecog_p"]],
                    rtol=1e-9)
    assert km.excluded["n"].tolist() == [1]


def test_median_midpoint_rule():
    d2 = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 0, 1]})
    km2 = cs.kaplan_meier(d2, "t", "e")
    assert km2.summary["median"].item() == 3.0  # S = 0.5 on [2, 4): midpoint of 2 and 4


def test_bad_survival_input(lung2):
    with pytest.raises(DataValidationError, match=r"must be positive; 2 value\(s\)"):
        cs.cox_regression(lung2.assign(time=lung2["time"].where(lung2.index > 1, 0)), "time", "event", ["age"])
    with pytest.raises(DataValidationError, match="must be coded 0/1.*status.*== 2"):
        cs.cox_regression(lung2, "time", "status", ["age"])
    f = cs.cox_regression(lung2, "time", "status", ["age"], positive=2)
    assert f.n_events == 165
    with pytest.raises(DataValidationError, match="ties must be one of"):
        cs.cox_regression(lung2, "time", "event", ["age"], ties="exact")


def test_plots(lung2):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    km = cs.kaplan_meier(lung2, "time", "event", "sex")
    ax = km.plot()
    texts = [t.get_text() for t in ax.texts]
    assert "Number at risk" in texts and "138" in texts  # all men at risk at time 0
    plt.close(ax.figure)
    fit = cs.cox_regression(lung2, "time", "event", PRED)
    ax = cs.plots.plot_forest(fit)
    assert ax.get_xscale() == "log" and len(ax.get_yticklabels()) == 4
    plt.close(ax.figure)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_equals_statsmodels_phreg_with_heavy_ties(rng, ties):
    """Many tied event times (where Efron and Breslow differ most): independent check with PHReg."""
    from statsmodels.duration.hazard_regression import PHReg

    n = 400
    X = rng.normal(size=(n, 3))
    t = np.ceil(-np.log(rng.random(n)) / np.exp(X @ [0.7, -0.4, 0.2]) * 5)  # integer times: heavy ties
    e = (rng.random(n) < 0.75).astype(int)
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(t=t, e=e)
    ours = cs.cox_regression(df, "t", "e", ["a", "b", "c"], ties=ties)
    ref = PHReg(t, X, status=e, ties=ties).fit()
    assert_allclose(ours.coef, ref.params, rtol=1e-7)
    assert_allclose(ours.std_error, ref.bse, rtol=1e-7)
    assert_allclose(ours.loglik, ref.llf, rtol=1e-10)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_predicted_survival_equals_survfit(lung2, ties):
    ref = reference("survival_prediction_reference.csv").set_index("name")["value"]
    f = cs.cox_regression(lung2, "time", "event", PRED, ties=ties)
    nd = pd.DataFrame({"age": [60, 72], "sex": [1, 2], "ph.ecog": [1, 2], "wt.loss": [5, 0]})
    p = f.predict_survival(nd, [180, 365, 540])
    for j in range(2):
        for t in (180, 365, 540):
            assert_allclose(p.loc[j, t], ref[f"pred_{ties}_{j + 1}_{t}"], rtol=1e-10)


@pytest.mark.parametrize("grouping", ["sex", "ph.ecog"])
def test_survival_at_times_before_first_event_and_beyond_last_equals_survfit(lung2, grouping):
    # R: summary(survfit(Surv(time, event) ~ grouping, lung), times = ..., extend = TRUE) (tests/reference/km_at.R):
    # before a group's first event S = 1, SE 0, CI (1, 1); beyond its last observation the last values, n.risk 0;
    # ph.ecog = 3 is one patient who dies at 118: from then on S = 0 with SE and CI NaN in R too
    ref = reference("km_at_reference.csv")
    ref = ref[ref["grouping"] == grouping]
    km = cs.kaplan_meier(lung2, "time", "event", grouping)
    got = km.at(np.unique(ref["time"]))
    got["group"] = got["group"].astype(float)
    merged = ref.assign(group=ref["group"].astype(float)).merge(got, on=["group", "time"], suffixes=("_r", ""))
    assert len(merged) == len(ref) == len(got)
    assert (merged["n_risk"] == merged["n_risk_r"]).all()
    for col in ("survival", "std_error", "conf_low", "conf_high"):
        assert_allclose(merged[col].astype(float), merged[f"{col}_r"].astype(float), **TOL, err_msg=col)
    first = got[got["time"] == 0]
    assert (first["survival"] == 1).all() and (first["conf_low"] == 1).all() and (first["conf_high"] == 1).all()
