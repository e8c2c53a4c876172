"""The seed papers' study-file keys: derived variables, further analyses with their own population, reader
agreement, the scores' ROC, trend tests, OR scales and references, feature-set prefixes and patterns, selected:
models, the nomogram of a model, and validate's name checks (with a did-you-mean)."""

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.cli import main
from cohortstats.study import SpecError, Study, load_spec

ROOT = Path(__file__).resolve().parents[1]
ANALYSES = ROOT / "analyses"


@pytest.fixture(scope="module")
def fvh(tmp_path_factory):
    """The FVH study (analyses/fvh) with 20 bootstrap resamples instead of 200, run and written once."""
    d = tmp_path_factory.mktemp("fvh")
    text = (ANALYSES / "fvh" / "study.yaml").read_text().replace("validation_B: 200", "validation_B: 20")
    (d / "study.yaml").write_text(text)
    result = Study.from_yaml(d / "study.yaml").run(workdir=d / "work")
    written = result.write(d / "report")
    return result, written["report"].read_text(encoding="utf-8"), d / "work" / "data"


def _data(folder):
    clinical = pd.read_csv(folder / "clinical.csv")
    return clinical.merge(pd.read_csv(folder / "imaging.csv"), on="patient_id")


def test_fvh_flow_counts_each_population(fvh):
    result, html, _ = fvh
    main_, second = result.analyses
    assert second.name == "Poor outcome after infarction" and not second.main
    assert "Analysed: 94 patients: 56 (59.6%) with acute infarction, 38 (40.4%) without." in main_.flow
    # the 38 patients without infarction are outside the population, never "missing outcome"
    assert second.flow == ["Population: Acute infarction = 1: 56 of 94 patients (38 outside the population).",
                           "Analysed: 56 patients: 13 (23.2%) with poor outcome (mRS > 2 at 3 months), 43 (76.8%) "
                           "without."]
    assert not any("missing outcome" in line for line in second.flow)
    # in the study's labels: mrs_3m is "mRS at 3 months", fvh_score "FVH score", infarction "Acute infarction"
    assert "Derived variable poor_outcome (mRS at 3 months &gt; 2): true 13, false 81, missing 0." in html
    assert "FVH grade was defined as FVH score grouped as mild [0,3], moderate (3,6], severe (6,9]." in html
    assert "This analysis included the patients with Acute infarction = 1." in html
    for title in ("Reader agreement", "Diagnostic value of the scores", "Poor outcome after infarction: Patient characteristics",
                  "Poor outcome after infarction: Risk factors", "Poor outcome after infarction: Patient flow"):
        assert f">{title}</h2>" in html, title


def test_fvh_agreement_equals_the_library(fvh):
    result, html, folder = fvh
    df = _data(folder)
    ag = result.study_results["agreement"]
    k = cs.kappa(df["fvh_reader1"], df["fvh_reader2"], weights="quadratic", levels=list(range(10)))
    a = ag["FVH score"]
    assert (a.estimate, a.std_error, a.conf_low, a.conf_high, a.n) == (k.estimate, k.std_error, k.conf_low,
                                                                       k.conf_high, 94)
    vol = df[["infarct_volume_r1", "infarct_volume_r2"]].dropna().reset_index(drop=True)
    long = vol.rename_axis("t").reset_index().melt(id_vars="t", var_name="r", value_name="v")
    icc2 = cs.icc(long, "t", "r", "v").table.set_index("type").loc["ICC2"]
    v = ag["Infarct volume"]
    assert_allclose([v.estimate, v.conf_low, v.conf_high],
                    icc2[["estimate", "conf_low", "conf_high"]].to_numpy(float), rtol=1e-12)
    assert (v.n, v.n_missing) == (56, 38)
    assert cs.agreement(df, ["fvh_reader1", "fvh_reader2"], kind="ordinal", levels=list(range(10))).estimate == \
        k.estimate
    assert "weighted kappa with quadratic weights" in html
    with pytest.raises(cs.DataValidationError, match="weights='linear' needs an ordered scale"):
        cs.agreement(df, ["fvh_reader1", "fvh_reader2"], kind="nominal", weights="linear")


def test_fvh_score_roc_trend_and_regression_equal_the_library(fvh):
    result, html, folder = fvh
    df = _data(folder)
    y = df["infarction"].to_numpy()
    sr = result.main.results["score_roc"]["fvh_score"]
    ci = cs.auc_ci(y, df["fvh_score"])
    tm = cs.threshold_metrics(y, df["fvh_score"], threshold="youden")
    assert (sr["auc"].estimate, sr["auc"].conf_low, sr["auc"].conf_high) == (ci.estimate, ci.conf_low, ci.conf_high)
    assert (sr["cutoff"].threshold, sr["cutoff"].tp, sr["cutoff"].fp, sr["cutoff"].tn, sr["cutoff"].fn) == (
        tm.threshold, tm.tp, tm.fp, tm.tn, tm.fn)
    row = result.tables["score_roc"].set_index("Score").loc["FVH score"]  # the study's label
    sens = tm.tidy().set_index("metric").loc["sensitivity"]
    assert row["Sensitivity"].endswith(f"[{tm.tp}/{tm.tp + tm.fn}]") and f"{sens['conf_low']:.3f}" in row["Sensitivity"]
    # trend across the FVH grades = prop.trend.test over the ordered levels
    grade = pd.cut(df["fvh_score"], [0, 3, 6, 9], labels=["mild", "moderate", "severe"], include_lowest=True,
                   ordered=True)
    tt = cs.trend_test(df.assign(g=grade), "infarction", "g")
    assert_allclose(result.main.results["trend"]["fvh_grade"].statistic, tt.statistic, rtol=1e-12)
    assert "P for trend" in result.tables["table1_by_outcome"].columns
    # OR per 10 years of age = exp(10 b) of the unscaled fit; sex with Male as the reference level
    uni = result.main.results["regression"].univariable
    plain = cs.logistic_regression(df, "infarction", ["age"])
    assert_allclose(uni.fits["age"].tidy().set_index("term").loc["age", "estimate"],
                    plain.tidy().set_index("term").loc["age", "estimate"] ** 10, rtol=1e-8)
    assert uni.fits["sex"].tidy().set_index("term").loc["sex[Male]", "reference"]
    t1 = result.tables["table1_by_outcome"]
    names = t1["Characteristic"].str.strip()
    start = names.index[names.str.lower().str.startswith("sex")][0]
    assert names[names.index > start].head(2).tolist() == ["Male", "Female"]  # the reference level first in Table 1 too
    # the second analysis' covariates were fixed in YAML
    assert result.analyses[1].results["regression"].selected == ["nihss", "fvh_score"]


def test_fvh_bootstrap_repeats_the_screen(fvh):
    result, html, _ = fvh
    val = result.main.results["validation"]
    assert "univariable screen of all 9 candidates" in val.repeated and val.B == 20
    sel = val.selection.set_index("variable")
    assert list(sel.index) == ["age", "sex", "hypertension", "diabetes", "smoking", "sbp", "ldl", "fibrinogen",
                               "fvh_score"]
    assert sel["frequency"].between(0, 1).all() and sel.loc["fvh_score", "frequency"] > 0.5
    assert "How often each candidate was selected in the bootstrap resamples" in html
    # the methods text says what was repeated; the fixed model of the second analysis says it was refitted
    assert "the univariable screen of all 9 candidates (maximum-likelihood Wald P &lt; 0.05)" in html
    assert "was refitted in each resample (no selection step to repeat)" in \
        result.analyses[1].results["validation"].repeated


# ---------------------------------------------------------------- validate
def _write(tmp_path, text):
    p = tmp_path / "study.yaml"
    p.write_text(text, encoding="utf-8")
    return p


FVH = "data: {synthetic: fvh}\noutcome: {column: infarction, positive: 1}\n"


@pytest.mark.parametrize("extra,message", [
    ("", None),
    ("variables: {poor: 'mrs_3n > 2'}", r"variables.poor: 'mrs_3n' in 'mrs_3n > 2' is not a column of the data or a "
                                        r"derived variable; did you mean 'mrs_3m'\?"),
    ("variables: {poor: 'log(mrs_3m) > 2'}", r"variables: .*uses a function call \(log\(\.\.\.\)\)"),
    ("variables: {a: 'b + 1', b: 'age * 2'}", r"variables.a: reads 'b', which is defined below it"),
    ("variables: {g: {cut: fvh_scor, breaks: [0, 3, 9]}}", r"variables.g.cut: 'fvh_scor' .*did you mean 'fvh_score'"),
    ("variables: {g: {cut: fvh_score, breaks: [0, 3, 9], labels: [a]}}", r"3 breaks make 2 groups, but 1 labels"),
    ("analyses:\n  - {name: A, population: 'infarctio == 1'}",
     r"analyses\[A\].population: 'infarctio' in 'infarctio == 1' .*did you mean 'infarction'\?"),
    ("analyses:\n  - {name: A, population: 'age + 1'}", r"population 'age \+ 1' is not a condition"),
    ("analyses:\n  - {name: A}\n  - {name: A}", r"the name 'A' is used twice"),
    ("regression: {candidates: [age, sex], reference: {sx: Male}}",
     r"regression.reference: 'sx' is not among regression.candidates; did you mean 'sex'\?"),
    ("regression: {candidates: [age, sex], scale: {age: -10}}", r"scale gives the unit of an odds ratio"),
    ("regression: {candidates: [age, nihs]}", r"regression.candidates: 'nihs' .*did you mean 'nihss'\?"),
    ("variables: {g: {cut: fvh_score, breaks: [0, 3, 9], labels: [low, high]}}\n"
     "regression: {candidates: [g], reference: {g: hihg}}",
     r"regression.reference.g: 'hihg' is not a level of 'g' \(low, high\); did you mean 'high'\?"),
    ("table1: {trend: [fvh_grad]}", r"table1.trend: 'fvh_grad' .*"),
    ("agreement:\n  - {name: FVH, ratings: [fvh_reader1, fvh_reader2], kind: nominal, weights: linear}",
     r"weights apply to ordinal ratings"),
    ("agreement:\n  - {name: FVH, ratings: [fvh_reader1, fvh_reader3], kind: ordinal}",
     r"agreement\[FVH\].ratings: 'fvh_reader3' .*did you mean 'fvh_reader2'\?"),
    ("score_roc: {scores: [fvh_scre]}", r"score_roc.scores: 'fvh_scre' .*did you mean 'fvh_score'\?"),
    ("feature_sets: {r: {pattern: '^deep_(\\\\d+$'}}", r"pattern .* is not a valid regular expression"),
    ("feature_sets: {r: {prefix: [a_, b_]}}\nmodels:\n  - {name: M, features: ['selected:r+deeep']}",
     r"'selected:r\+deeep' names feature set 'deeep', which is not in feature_sets"),
    ("models:\n  - {name: M, features: [age]}\nnomogram: {model: N}", r"nomogram.model: 'N' is not a model \(M\)"),
    ("habitat_order: radial", r"habitat_order: Input should be 'distance' or 'intensity'"),
])
def test_validate_checks_names_with_did_you_mean(tmp_path, extra, message):
    p = _write(tmp_path, FVH + extra + "\n")
    if message is None:
        load_spec(p)
        return
    with pytest.raises(SpecError, match=message):
        load_spec(p)


def test_outcome_condition_is_refused_with_a_hint(tmp_path):
    p = _write(tmp_path, "data: {synthetic: fvh}\noutcome: {column: mrs_3m, positive: '>2'}\n")
    with pytest.raises(SpecError, match=r"positive is the outcome value that counts as an event, not a condition; got "
                                        r"'>2'. Define the outcome as a derived variable .*\n.*variables: "
                                        r"\{outcome_event: \"mrs_3m > 2\"\}"):
        load_spec(p)


def test_names_checked_against_table_headers_and_at_run_time(tmp_path, capsys):
    """Real tables: validate reads the headers; run time gives the same message."""
    shutil.copy(ROOT / "tests" / "data" / "aSAH.csv", tmp_path / "aSAH.csv")
    base = "data:\n  id: null\n  tables: [{name: a, path: aSAH.csv}]\noutcome: {column: outcome, positive: Poor}\n"
    p = _write(tmp_path, base + "variables: {old: 'agee > 60'}\n")
    load_spec(p)  # the file alone cannot know the columns
    assert main(["validate", str(p)]) == 2
    msg = "variables.old: 'agee' in 'agee > 60' is not a column of the data or a derived variable; did you mean 'age'?"
    assert msg in capsys.readouterr().err
    with pytest.raises(ValueError, match=re.escape(msg)):
        Study.from_yaml(p).run(workdir=tmp_path)
    p = _write(tmp_path, base + "analyses:\n  - {name: Old, population: 'age > 60', table1: {variables: [wfsn]}}\n")
    assert main(["validate", str(p)]) == 2
    assert "analyses[Old].table1.variables: 'wfsn' is not a column" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"analyses\[Old\].table1.variables: 'wfsn' .*did you mean 'wfns'\?"):
        Study.from_yaml(p).run(workdir=tmp_path)


def test_derived_outcome_and_population_run(tmp_path):
    shutil.copy(ROOT / "tests" / "data" / "aSAH.csv", tmp_path / "aSAH.csv")
    p = _write(tmp_path, """
data:
  id: null
  tables: [{name: a, path: aSAH.csv}]
variables:
  old: "age >= 60"
  severe: "wfns in [4, 5]"
outcome: {column: severe, positive: true, label: WFNS 4-5}
table1: {variables: [age, s100b, old]}
analyses:
  - name: Women
    population: "gender == 'Female'"
    table1: {variables: [age, s100b]}
""")
    res = Study.from_yaml(p).run(workdir=tmp_path)
    a = pd.read_csv(tmp_path / "aSAH.csv")
    women = a[a["gender"] == "Female"]
    assert res.analyses[1].flow[0] == f"Population: gender = Female: {len(women)} of 113 patients " \
                                      f"({113 - len(women)} outside the population)."
    assert res.analyses[1].results["table1"].n_per_group == {
        "Overall": len(women), 0: int((~women["wfns"].isin([4, 5])).sum()), 1: int(women["wfns"].isin([4, 5]).sum())}
    with pytest.raises(ValueError, match="the data already have a column 'gender'"):
        Study.from_yaml(_write(tmp_path, p.read_text().replace('old: "age >= 60"', 'gender: "age >= 60"'))).run(
            workdir=tmp_path)


def test_feature_set_prefix_lists_and_patterns():
    from cohortstats.study.prepare import resolve_feature_sets
    from cohortstats.study.spec import StudySpec

    df = pd.DataFrame(columns=["id", "y", "a_1", "a_2", "b_1", "deep_001", "deep_x", "c"])
    spec = StudySpec.model_validate({"data": {"tables": [{"name": "t", "path": "t.csv"}]}, "outcome": {"column": "y"},
                                     "feature_sets": {"ab": {"prefix": ["a_", "b_"]},
                                                      "deep": {"pattern": r"^deep_\d+$", "columns": ["c"]}}})
    sets = resolve_feature_sets(type("S", (), {"spec": spec})(), df, reserved=("y", "id"))
    assert sets == {"ab": ["a_1", "a_2", "b_1"], "deep": ["c", "deep_001"]}


def test_selected_models_give_the_estimator_the_selected_columns():
    c = cs.make_hematoma_cohort(160, random_state=3) if hasattr(cs, "make_hematoma_cohort") else None
    from cohortstats.datasets import make_hematoma_cohort

    c = make_hematoma_cohort(160, random_state=3)
    rad = c.radiomics["whole"].drop(columns=["diagnostics_Versions_PyRadiomics", "diagnostics_Mask-original_VoxelNum"])
    deep = c.deep.iloc[:, :41]
    df = c.clinical.merge(rad.add_prefix("r_").rename(columns={"r_patient_id": "patient_id"})).merge(
        deep.add_prefix("d_").rename(columns={"d_patient_id": "patient_id"}))
    sets = {"rad": [x for x in df if x.startswith("r_")], "deep": [x for x in df if x.startswith("d_")]}
    train, test = cs.train_test_split(df, "expansion", random_state=1)
    res = cs.fit_models(train, test, "expansion", [cs.ModelSpec("Fused", ["selected:rad+deep"], estimator="svm"),
                                                   cs.ModelSpec("Score", ["signature:rad+deep"])],
                        feature_sets=sets, random_state=0)
    pipe = res.pipelines["Fused"]
    selected = res.selected[("Fused", "selected:rad+deep")]
    seen = [n.split("__", 1)[1] for n in pipe[:-1].get_feature_names_out()]
    assert seen == selected and 0 < len(selected) < len(sets["rad"]) + len(sets["deep"])
    assert pipe.named_steps["model"].n_features_in_ == len(selected)
    # one LASSO over the union: the same selection as the rad-score's LASSO over the same union
    assert res.selected[("Score", "signature:rad+deep")] == selected
    assert "the features of rad + deep selected by one LASSO" in res.estimators["Fused"]
    steps = cs.models.screening_steps(pipe, "selected:rad+deep")
    assert steps["step"].tolist()[0] == "input features" and steps["n_kept"].iloc[-1] == len(selected)
