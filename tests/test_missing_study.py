"""Multiple imputation through a whole study, against mice / mitml / pROC on the same completed data sets.

Reference values: tests/reference/missing_study.R (R 4.2.2, Debian r-cran-mice 3.15.0, mitml 0.4-5, pROC 1.18.0).
It imputes pool_data.csv (300 patients, ~20% missing in the lab values crp and albumin, MAR on age) with
mice(d, m = 5, method = "pmm", seed = 2718), writes each complete(imp, i) with a stratified 240:60 split column
(missing_completed_<i>.csv) and:
  missing_uni.csv / missing_multi.csv  summary(pool(with(imp, glm(y ~ ...))), conf.int = TRUE, exponentiate = TRUE)
                                       and pool(...)$pooled$fmi (glm.control(epsilon = 1e-14, maxit = 100))
  missing_tests.csv                    mice::D1(multi, nolabs); mitml:::.D2 of chisq.test statistics; pool.scalar
                                       of the Welch difference in mean crp (n = 300, k = 2)
  missing_prediction.csv               glm on each completed training set scored on its test set: pROC auc and
                                       var(method = "delong") pooled on the logit scale, roc var/cov for the
                                       difference, glm(y ~ logit(p)) intercept and slope, offset model for
                                       calibration-in-the-large, net benefit with (TP/n + w^2 FP/n - NB^2)/n, each by
                                       pool.scalar(Q, U) (n = Inf)
The study stage functions are fed exactly these data sets, so the pooling path of a study run is what is compared.
"""

import html

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.exceptions import DataValidationError, SampleSizeWarning
from cohortstats.missing import bootstrap_validation_imputed, pool_table_one, pool_wald
from cohortstats.study import SpecError, Study, load_spec
from cohortstats.study import missing_stages
from cohortstats.study.sample_size_stage import check_sample_size
from cohortstats.study.spec import StudySpec

from conftest import REFERENCE, reference

TOL = 1e-8
R_TERMS = {"sexM": "sex[M]", "factor(grade)2": "grade[2]", "factor(grade)3": "grade[3]"}
STUDY = """
seed: 7
study: {{source: "simulated cohort (tests/reference/pool.R)", dates: "2020-01 to 2021-12", setting: "one centre"}}
data:
  id: null
  tables: [{{name: cohort, path: cohort.csv}}]
outcome: {{column: y, label: the outcome}}
table1: {{variables: [age, sex, grade, crp, albumin], categorical: [grade]}}
regression: {{candidates: [age, sex, grade, crp, albumin], categorical: [grade], validation_B: 20}}
{missing}
split: {{test_size: 0.2}}
models:
  - {{name: Basic, features: [age, male]}}
  - {{name: Labs, features: [age, male, crp, albumin]}}
report: {{title: Imputed study}}
"""


@pytest.fixture(scope="module")
def completed():
    return [pd.read_csv(REFERENCE / f"missing_completed_{i}.csv").assign(male=lambda d: (d["sex"] == "M").astype(int))
            for i in range(1, 6)]


def _write_study(folder, missing: str):
    d = pd.read_csv(REFERENCE / "pool_data.csv")
    d["male"] = (d["sex"] == "M").astype(int)
    d.to_csv(folder / "cohort.csv", index=False)
    (folder / "study.yaml").write_text(STUDY.format(missing=missing), encoding="utf-8")
    return Study.from_yaml(folder / "study.yaml")


@pytest.fixture(scope="module")
def imputed_study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("imputed")
    study = _write_study(folder, "missing: {method: impute, m: 5, maxit: 5, variables: [age, sex, grade, crp, albumin]}")
    result = study.run()
    written = result.write(folder / "report")
    return study, result, html.unescape(written["report"].read_text(encoding="utf-8")), folder / "report"


def _scope(study):
    return type(study)(study.spec, study.base)


# ---------------------------------------------------------------- the pooled numbers equal R's


@pytest.mark.parametrize("which", ["uni", "multi"])
def test_pooled_odds_ratios_equal_mice(imputed_study, completed, which):
    # the stage the study runs, fed mice's completed data sets (without the split column)
    study = imputed_study[0]
    datasets = [d.drop(columns=["set", "male"]) for d in completed]
    spec = study.spec.model_copy(update={"regression": study.spec.regression.model_copy(
        update={"multivariable": ["age", "sex", "grade", "crp", "albumin"]})})
    tab = missing_stages.regress_imputed(type(study)(spec, study.base), datasets, "y")["regression_pooled"]
    ref = reference(f"missing_{which}.csv")
    ref = ref[ref["term"] != "(Intercept)"].assign(term=lambda r: r["term"].replace(R_TERMS))
    if which == "uni":
        got = pd.concat([tab.univariable[v].tidy(intercept=False) for v in ["age", "sex", "grade", "crp", "albumin"]])
    else:
        got = tab.multivariable.tidy(intercept=False)
    assert got["term"].tolist() == ref["term"].tolist()
    for col in ["estimate", "std_error", "statistic", "df", "p_value", "conf_low", "conf_high", "fmi"]:
        assert_allclose(got[col].to_numpy(float), ref[col].to_numpy(float), rtol=TOL, err_msg=col)
    # the report's table shows the same numbers, with the fmi beside them
    t = tab.tidy().dropna(subset=[f"{which}_estimate"])
    assert_allclose(t[f"{which}_fmi"], ref["fmi"], rtol=TOL)


def test_pooled_tests_equal_mitml_and_pool_scalar(completed):
    # D1: mice::D1(with(imp, glm(y ~ age + sex + factor(grade) + crp + albumin)), <the model without crp, albumin>)
    ref = reference("missing_tests.csv").set_index("test")
    fits = [cs.logistic_regression(d, "y", ["age", "sex", "grade", "crp", "albumin"], categorical=["grade"],
                                   ci_method="wald", epv_warning=0) for d in completed]
    d1 = pool_wald(fits, ["crp", "albumin"])
    assert_allclose([d1.statistic, d1.df2, d1.p_value, d1.riv],
                    ref.loc["D1_labs", ["statistic", "df2", "p_value", "riv"]].to_numpy(float), rtol=TOL)
    # D2 of chisq.test statistics (Table 1), the Welch difference by Rubin's rules (pool.scalar, dfcom = n - 2)
    def derive(d):
        d = d.copy()
        d["crp_group"] = pd.cut(d["crp"], [-np.inf, 3, 6, np.inf], labels=["low", "mid", "high"]).astype(object)
        d["albumin_low"] = np.where(d["albumin"].isna(), None, np.where(d["albumin"] < 38, "yes", "no"))
        return d
    kw = dict(group="y", variables=["age", "crp", "crp_group", "albumin_low"], fisher=False)
    original = pd.read_csv(REFERENCE / "pool_data.csv")
    t1 = pool_table_one([cs.table_one(derive(d), **kw) for d in completed], cs.table_one(derive(original), **kw))
    tests = t1.tests.set_index("variable")
    for var, key in [("crp_group", "D2_crp_group"), ("albumin_low", "D2_albumin_low")]:
        assert_allclose([tests.loc[var, "df2"], tests.loc[var, "p_value"]],
                        ref.loc[key, ["df2", "p_value"]].to_numpy(float), rtol=TOL)
        assert tests.loc[var, "test"].endswith("pooled by D2")
    assert_allclose(tests.loc["crp", ["statistic", "df", "p_value"]].to_numpy(float),
                    ref.loc["welch_crp", ["statistic", "df2", "p_value"]].to_numpy(float), rtol=TOL)
    # a complete variable keeps its ordinary test; the Missing rows are the original data's
    assert tests.loc["age", "test"] == "Welch t-test"
    s = t1.summary[(t1.summary["variable"] == "crp") & (t1.summary["group"] == "Overall")].iloc[0]
    assert s["missing"] == int(original["crp"].isna().sum())
    assert_allclose(s["mean"], np.mean([d["crp"].mean() for d in completed]), rtol=1e-12)


def test_pooled_prediction_equals_r(imputed_study, completed):
    # fit_imputed is the study's models stage; each pair is mice's completed training and test set
    study = imputed_study[0]
    spec = study.spec.model_copy(update={"comparisons": study.spec.comparisons.model_copy(
        update={"pairs": [["Labs", "Basic"]]})})
    pairs = [(d[d["set"] == "train"].drop(columns="set"), d[d["set"] == "test"].drop(columns="set")) for d in completed]
    out, skipped = missing_stages.fit_imputed(type(study)(spec, study.base), pairs, "y", {})
    pm = out["models_pooled"]
    assert skipped == [] and pm.m == 5
    ref = reference("missing_prediction.csv")
    cols = ["estimate", "conf_low", "conf_high", "std_error", "df", "fmi"]
    perf = pm.performance[pm.performance["set"] == "test"].set_index("model")
    for model in ("Basic", "Labs"):  # AUC pooled on the logit scale with its DeLong variance
        r = ref[(ref["model"] == model) & (ref["stat"] == "auc")].iloc[0]
        got = perf.loc[model, ["auc", "conf_low", "conf_high", "std_error", "df", "fmi"]].to_numpy(float)
        assert_allclose(got, r[cols].to_numpy(float), rtol=TOL, err_msg=model)
        cal = pm.calibration[pm.calibration["model"] == model].set_index("statistic")
        for stat in ("intercept", "slope", "citl"):
            r = ref[(ref["model"] == model) & (ref["stat"] == stat)].iloc[0]
            assert_allclose(cal.loc[stat, cols].to_numpy(float), r[cols].to_numpy(float), rtol=1e-7, atol=1e-10,
                            err_msg=f"{model} {stat}")
        nb = pm.decision_curve.table[pm.decision_curve.table["model"] == model].set_index("threshold")
        for pt in (0.1, 0.2, 0.3, 0.4, 0.5):
            r = ref[(ref["model"] == model) & (ref["stat"] == f"nb_{pt:.1f}")].iloc[0]
            row = nb.loc[pt]
            assert_allclose([row["net_benefit"], row["conf_low"], row["conf_high"], row["std_error"], row["df"],
                             row["fmi"]], r[cols].to_numpy(float), rtol=TOL, atol=1e-12, err_msg=f"{model} {pt}")
    d = pm.delong["test"].iloc[0]  # DeLong difference Labs - Basic with its paired variance
    r = ref[ref["stat"] == "delong"].iloc[0]
    assert (d["model_a"], d["model_b"]) == ("Labs", "Basic")
    assert_allclose([d["difference"], d["conf_low"], d["conf_high"], d["std_error"], d["df"], d["p_value"], d["fmi"]],
                    r[[*cols[:5], "p_value", "fmi"]].to_numpy(float), rtol=TOL)


# ---------------------------------------------------------------- no leakage, re-imputation in validation


def test_split_imputation_never_uses_test_values(imputed_study):
    study, result = imputed_study[:2]
    scope = _scope(study)
    df = pd.read_csv(REFERENCE / "pool_data.csv")
    train, test = df.iloc[:240], df.iloc[240:]
    variables = ["y", "age", "sex", "grade", "crp", "albumin"]
    a = missing_stages.impute_split(scope, train, test, "y", variables)["split_datasets"]
    # other test outcomes and other observed test values: the training sets' imputations do not change, and the
    # test patients' imputed values do not depend on their own outcome
    test2 = test.assign(y=1 - test["y"], crp=test["crp"] * 3)
    b = missing_stages.impute_split(scope, train, test2, "y", variables)["split_datasets"]
    test3 = test.assign(y=1 - test["y"])
    c = missing_stages.impute_split(scope, train, test3, "y", variables)["split_datasets"]
    donors = set(train["crp"].dropna())
    for (tr_a, te_a), (tr_b, _), (_, te_c) in zip(a, b, c):
        pd.testing.assert_frame_equal(tr_a, tr_b)
        pd.testing.assert_frame_equal(te_a.drop(columns="y"), te_c.drop(columns="y"))
        assert te_a["y"].tolist() == test["y"].tolist()  # the true outcomes are back in the test set
        assert set(te_a.loc[test["crp"].isna(), "crp"]) <= donors  # imputed test values are training values


def test_validation_with_reimputation_equals_plain_bootstrap_on_complete_data(asah01):
    # without missing values the re-imputation changes nothing: the same resamples give rms::validate's numbers
    d = asah01[["y", "age", "s100b", "ndka"]]
    fits = [cs.logistic_regression(d, "y", ["age", "s100b", "ndka"], ci_method="wald")] * 2
    got = bootstrap_validation_imputed(d, "y", ["age", "s100b", "ndka"], fits, variables=list(d.columns), B=15,
                                       random_state=3)
    plain = cs.bootstrap_validation(d, "y", ["age", "s100b", "ndka"], B=15, random_state=3)
    assert_allclose(got.table[["apparent", "training", "test", "optimism", "corrected"]].to_numpy(float),
                    plain.table[["apparent", "training", "test", "optimism", "corrected"]].to_numpy(float),
                    rtol=1e-10, atol=1e-12)
    assert "bootstrap then impute" in got.method


def test_validation_reimputes_each_resample(imputed_study):
    result = imputed_study[1]
    val = result.results["validation"]
    assert val.B == 20 and val.n_failed == 0 and "imputed once" in val.method
    t = val.table.set_index("index")
    pooled = result.results["regression_pooled"]
    apparent_c = np.mean([cs.auc_ci(f.y, f.fitted).estimate for f in pooled.multivariable_fits])
    assert_allclose(t.loc["c_index", "apparent"], apparent_c, rtol=1e-12)
    assert_allclose(t.loc["c_index", "corrected"], apparent_c - t.loc["c_index", "optimism"], rtol=1e-12)


# ---------------------------------------------------------------- the study and its report


def test_imputed_study_report(imputed_study):
    study, result, page, out = imputed_study
    r = result.results
    assert r["imputation"].m == 5 and r["missing_data"].method == "impute"
    for section in ("Missing data", "Sample size", "Risk factors", "Models: training and test sets",
                    "TRIPOD+AI checklist"):
        assert f">{section}</h2>" in page, section
    assert page.rindex("TRIPOD+AI checklist") > page.rindex(">Warnings</h2>")  # the report ends with it
    reg = result.tables["regression_or"]
    assert {"FMI", "FMI (multi)"} <= set(reg.columns)
    crp = reg[reg[reg.columns[0]].astype(str).str.strip() == "crp"].iloc[0]
    assert float(crp["FMI"]) > 0.05  # crp is 22% missing: information is lost
    assert "Pooled over 5 imputations" in page and "Barnard-Rubin" in page
    assert "imputation models were fitted on the training patients only" in page
    assert "bootstrap, then impute" in page.replace("bootstrap then impute", "bootstrap, then impute")
    # Table 1 pooled, with the original missing counts
    t1 = result.tables["table1_by_outcome"]
    names = t1["Characteristic"].astype(str).str.strip()
    rows = t1.index[names.str.startswith("crp")][0]
    assert names[rows + 1] == "Missing" and t1.loc[rows + 1, "Overall (n = 300)"] == "65"
    # pooled AUCs, DeLong differences and decision curves
    assert "AUC pooled on the logit scale" in page and "Pairwise DeLong comparisons, test set" in page
    pm = r["models_pooled"]
    assert set(pm.decision_curve.table["model"]) == {"Basic", "Labs", "all", "none"}
    assert (out / "figures" / "decision_curves_test.png").exists() and (out / "figures" / "forest_plot.png").exists()
    assert any("Multiple imputation (5 data sets) of 2 incomplete variable(s)" in line for line in result.flow)


def test_sample_size_paragraph_and_warning(imputed_study):
    study, result, page, _ = imputed_study
    check = result.results["sample_size"]
    t = check.table.set_index("analysis")
    # the multivariable regression: 5 candidates, grade has 3 levels -> 6 parameters, every patient analysed
    row = t.loc["Multivariable regression"]
    assert row["parameters"] == 6 and row["actual_n"] == 300 and row["actual_events"] == 142
    phi = 142 / 300
    max_r2 = 1 - (phi ** phi * (1 - phi) ** (1 - phi)) ** 2
    direct = cs.sample_size(parameters=6, prevalence=phi, r2_cs=0.15 * max_r2)
    assert row["required_n"] == direct.n and not row["enough"]
    assert "Riley et al.'s criteria" in page and "15% of its largest possible value" in page
    msgs = [w.message for w in result.warnings if w.category == "SampleSizeWarning"]
    assert any(m.startswith("Multivariable regression: 300 patients (142 events") for m in msgs)
    assert "Multivariable regression: 6 candidate parameter(s); 300 patients (142 events" in page


def test_tripod_checklist_filled_and_written(imputed_study):
    _, result, page, out = imputed_study
    tab = pd.read_csv(out / "tables" / "tripod_checklist.csv", dtype=str, keep_default_na=False)
    items = tab["Item"].tolist()
    assert items[0] == "1" and items[-1] == "27c" and len(items) == 52
    assert len({i.rstrip("abcdefg") for i in items}) == 27
    by = tab.set_index("Item")
    assert by.loc["5b", "Reported in this run"] == "Dates: 2020-01 to 2021-12."
    assert "multiple imputation" in by.loc["11", "Reported in this run"] and "#missing-data" in by.loc["11", "See"]
    assert "Riley" in by.loc["10", "Reported in this run"] and by.loc["10", "Status"] == "filled"
    assert by.loc["18a", "Status"] == "to complete by the authors" and by.loc["17", "Reported in this run"] == ""
    assert "Test-set AUCs: Basic" in by.loc["23a", "Reported in this run"]
    assert 'id="missing-data"' in page and 'id="sample-size"' in page  # the anchors the "See" column names


def test_complete_case_is_the_default_and_reports_what_it_dropped(tmp_path):
    _write_study(tmp_path, "")
    text = (tmp_path / "study.yaml").read_text(encoding="utf-8")
    (tmp_path / "study.yaml").write_text(text.replace("validation_B: 20}", "validation_B: 0, multivariable: [age, grade, "
                                                      "crp, albumin]}"), encoding="utf-8")
    result = Study.from_yaml(tmp_path / "study.yaml").run()
    written = result.write(tmp_path / "out")
    page = html.unescape(written["report"].read_text(encoding="utf-8"))
    md = result.results["missing_data"]
    assert md.method == "complete_case" and "imputation" not in result.results
    dropped = md.dropped.set_index("analysis").loc["multivariable regression"]
    d = pd.read_csv(REFERENCE / "pool_data.csv")
    selected = result.results["regression"].selected
    lacking = d[selected].isna().any(axis=1)
    assert dropped["n_dropped"] == int(lacking.sum()) == 300 - result.results["regression"].multivariable.n
    for v in ("crp", "albumin"):
        if v in selected:
            assert f"{v} {int(d.loc[lacking, v].isna().sum())}" in dropped["by_variable"]
    assert any(line.startswith("Complete-case analysis: the multivariable regression analysed") for line in result.flow)
    assert f"{dropped['n_dropped']} left out for missing values" in page and ">Missing data</h2>" in page
    assert "Patients left out by the complete-case analyses" in page and "TRIPOD+AI checklist" in page
    missing = md.table.set_index("variable")
    assert missing.loc["crp", "n_missing"] == int(d["crp"].isna().sum())
    # the sample size of the regression counts only complete cases of the candidates
    t = result.results["sample_size"].table.set_index("analysis")
    assert t.loc["Multivariable regression", "actual_n"] == len(d.dropna(subset=["age", "sex", "grade", "crp",
                                                                               "albumin"]))


def test_sample_size_counts_rad_score_features():
    # a rad-score of 107 features counts 107 candidate parameters (plus one per plain column)
    spec = StudySpec.model_validate({
        "data": {"synthetic": "hematoma"}, "outcome": {"column": "expansion"}, "table1": None,
        "feature_sets": {"rad": {"prefix": "f_"}},
        "models": [{"name": "Rad", "features": ["age", "signature:rad"]}], "sample_size": {"r2_cs": 0.2}})
    sets = {"rad": [f"f_{i}" for i in range(107)]}
    perf = pd.DataFrame({"model": ["Rad", "Rad"], "set": ["train", "test"], "n": [200, 50], "n_events": [80, 20]})

    class Fitted:
        performance = perf

    df = pd.DataFrame({"expansion": [0, 1] * 5, "age": range(10)})
    with pytest.warns(SampleSizeWarning, match="108 candidate parameter"):
        check = check_sample_size(Study(spec), df, "expansion", sets, {"models": Fitted()})["sample_size"]
    row = check.table.iloc[0]
    direct = cs.sample_size(parameters=108, prevalence=0.4, r2_cs=0.2)
    assert row["parameters"] == 108 and row["required_n"] == direct.n and row["required_events"] == np.ceil(direct.events)
    assert "rad-score of rad 107" in row["counted"] and "study file" in check.anticipated


# ---------------------------------------------------------------- the study file


@pytest.mark.parametrize("block, match", [
    ({"missing": {"m": 5}}, "missing.m apply only with method: impute"),
    ({"missing": {"method": "impute", "m": 1}}, "greater than or equal to 2"),
    ({"missing": {"method": "mice"}}, "complete_case"),
    ({"sample_size": {"r2_cs": 0.1, "c_statistic": 0.8}}, "not both"),
    ({"sample_size": {"c_statistic": 0.4}}, "greater than 0.5"),
    ({"study": {"sources": "x"}}, "did you mean 'source'"),
    ({"missing": {"method": "impute", "variabels": ["a"]}}, "did you mean 'variables'"),
])
def test_spec_refuses_bad_missing_and_sample_size_keys(tmp_path, block, match):
    import yaml

    doc = {"data": {"synthetic": "hematoma"}, "outcome": {"column": "expansion"}, **block}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(SpecError, match=match):
        load_spec(tmp_path / "s.yaml")


def test_unknown_imputation_variable_is_named(tmp_path):
    study = _write_study(tmp_path, "missing: {method: impute, m: 2, variables: [age, crp, ldh]}")
    with pytest.raises(DataValidationError, match=r"missing.variables: 'ldh' not in the data"):
        study.run()
