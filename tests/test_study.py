"""The study runner: YAML validation, the four worked analyses, the report's content, bad specs."""

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cohortstats.cli import main
from cohortstats.study import SpecError, Study, load_spec

ROOT = Path(__file__).resolve().parents[1]
ANALYSES = ROOT / "analyses"


@pytest.fixture(scope="module")
def fusion_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("fusion")
    result = Study.from_yaml(ANALYSES / "fusion" / "study.yaml").run(workdir=out / "work")
    result.write(out / "report")
    return out / "report", result


def test_the_run_keeps_the_merge_audit_but_none_of_the_merged_values(fusion_report):
    """The merge result kept for the report holds an empty frame of its own (``iloc[:0]`` alone would be a view
    keeping every merged value alive for the whole run)."""
    _, result = fusion_report
    data = result.study_results["merge"].data
    assert len(data) == 0 and len(data.columns) > 300
    assert all(getattr(blk.values, "base", None) is None for blk in data._mgr.blocks)


def test_report_files_and_sections(fusion_report):
    out, result = fusion_report
    for f in ("report.html", "report.docx", "tables.xlsx", "manifest.json"):
        assert (out / f).exists(), f
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in ("Patient flow", "Statistical methods", "Results in brief", "Patient characteristics", "Risk factors",
                    "Models: training and test sets", "Feature selection and rad-scores"):
        assert f">{section}</h2>" in html, section
    assert html.count("<table>") >= 10 and html.count("data:image/png;base64,") == len(result.figures)
    # every model gets its own outputs: calibration, LASSO path and CV curve per block (a shared one drawn once)
    models = ["radiomics", "deep_learning", "fused", "clinical_rad_scores"]
    expected = {"roc", "decision_curves_train", "decision_curves_test", "calibration_curves_train",
                "calibration_curves_test", "nomogram", "nomogram_model",
                *(f"calibration_test_{m}" for m in models),
                "lasso_radiomics_radiomics", "lasso_deep_learning_deep", "lasso_fused_radiomics_deep"}
    assert expected <= set(result.figures), expected - set(result.figures)
    assert re.search(r"Clinical \+ rad-scores, rad-score of radiomics \(λ = [\d.]+ \(lambda.1se\)\): Rad-score = ", html)
    assert "Fused: one LASSO over radiomics+deep" in html
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)  # base64 can spell anything
    assert not re.search(r"HE\d{3}", text)  # no patient ids anywhere in the report
    assert "DeLong" in html and "Welch&#39;s t-test" in html and "profile likelihood" in html
    # the results paragraph quotes the DeLong Z and P of each test-set comparison, as the seed papers do, and
    # says the test is one-sided (the paper's Z = -1.794 with P < 0.05)
    z = result.results["comparisons"]["test"].pairs.iloc[0]
    assert (z.model_a, z.model_b) == ("Radiomics", "Deep learning")  # the pair as the study file gives it
    z_text = f"{z.statistic:.3f}".replace("-", "\u2212")  # a typeset minus in running text
    assert (f"DeLong tests on the test set (one-sided): AUC({z.model_a}) &lt; AUC({z.model_b}), Z = {z_text}, "
            "one-sided P") in html
    # calibration of every model on the test set, equal to the statistics module's numbers
    cal = result.tables["calibration_test"].set_index("Statistic")
    assert list(cal.columns) == ["Radiomics", "Deep learning", "Fused", "Clinical + rad-scores"]
    assert list(result.tables["calibration_train"].columns)[1:] == list(cal.columns)
    from cohortstats.report.format import format_number

    direct = result.results["models"].calibration("Radiomics", "test")
    assert cal.loc["Calibration slope", "Radiomics"] == format_number(direct.slope, 3)
    figs = sorted(p.name for p in (out / "figures").iterdir())
    assert "roc.png" in figs and "roc.svg" in figs and "nomogram.png" in figs
    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert manifest["seed"] == 2024 and "versions" in manifest


def test_docx_tables(fusion_report):
    from docx import Document

    out, result = fusion_report
    doc = Document(out / "report.docx")
    headers = [tuple(c.text.replace("\u00a0", " ") for c in t.rows[0].cells) for t in doc.tables]  # nbsp: "(n = 72)"
    assert any(h[0] == "Characteristic" and "Overall (n = 235)" in h for h in headers)  # Table 1
    assert any(h[1:3] == ("Univariable", "Univariable") for h in headers)  # a spanner over OR (95% CI) and P
    assert any("Test AUC (95% CI)" in h for h in headers)
    assert len(doc.inline_shapes) == len(result.figures)


def test_rerun_gives_identical_tables(fusion_report, tmp_path):
    out, result = fusion_report
    again = Study.from_yaml(ANALYSES / "fusion" / "study.yaml").run(workdir=tmp_path / "w")
    for name, table in result.tables.items():
        pd.testing.assert_frame_equal(table, again.tables[name], obj=name)


@pytest.mark.parametrize("name", ["fvh_asah", "habitat", "breast_cancer"])
def test_worked_analyses_run(name, tmp_path):
    result = Study.from_yaml(ANALYSES / name / "study.yaml").run(workdir=tmp_path / "w")
    written = result.write(tmp_path / "out")
    html = written["report"].read_text(encoding="utf-8")
    if name == "fvh_asah":
        reg = result.tables["regression_or"]
        assert "wfns" in result.results["regression"].selected
        assert reg["Characteristic"].str.startswith("WFNS grade").any() and "Not run" in html  # no models block: said so
        assert "row1" not in html
    if name == "habitat":
        perf = result.tables["models_train_test"]
        assert perf["Model"].nunique() == 4
        assert result.tables["delong_test"]["Comparison"].str.startswith("ROI sub3 (interface) vs").all()
        assert "sub-region 3 of 3 the outermost, at the interface with the surrounding tissue" in html
        screens = result.results["reproducibility"]  # the second segmentation of 30 patients: ICC per feature
        assert set(screens) == {"whole", "sub1", "sub2", "sub3"} and {s.n_targets for s in screens.values()} == {30}
        every = result.tables["reproducibility_features"]
        assert len(every) == 4 * 107 and every["CI low"].le(every["ICC"]).all()
        assert 0 < len(result.tables["reproducibility_excluded"]) < len(every) and ">Feature reproducibility</h2>" in html
    if name == "breast_cancer":
        perf = result.results["models"].performance.set_index(["model", "set"])
        assert perf.loc[("LASSO signature (30 features)", "test"), "auc"] > 0.95


def test_bundled_examples_equal_analyses():
    from cohortstats.examples import example_spec_path

    for name in ("fusion", "habitat", "fvh"):
        assert example_spec_path(name).read_text() == (ANALYSES / name / "study.yaml").read_text()


# ---------------------------------------------------------------- bad specs
def _write(tmp_path, text):
    p = tmp_path / "study.yaml"
    p.write_text(text, encoding="utf-8")
    return p


BASE = """
data:
  id: null
  tables:
    - {name: asah, path: DATA}
outcome: {column: outcome, positive: Poor}
"""


def _base(tmp_path, extra=""):
    shutil.copy(ROOT / "tests" / "data" / "aSAH.csv", tmp_path / "aSAH.csv")
    return _write(tmp_path, BASE.replace("DATA", "aSAH.csv") + extra)


@pytest.mark.parametrize("extra,message", [
    ("regresion: {candidates: [age]}", r"regresion: unknown key; did you mean 'regression'\?"),
    ("regression: {candidats: [age]}", r"regression.candidats: unknown key; did you mean 'candidates'"),
    # screen dicts are checked too (by cohortstats validate, before anything runs)
    ("models:\n  - {name: m, features: [age], screen: {p_treshold: 0.1}}",
     r"unknown screen key 'p_treshold'; did you mean 'p_threshold'\?"),
    ("signature_screen: {corr_treshold: 0.8}", r"unknown screen key 'corr_treshold'; did you mean 'corr_threshold'\?"),
    ("comparisons: {nri_cutoffs: [0.4, 0.2]}", r"comparisons.nri_cutoffs: .*increasing risks strictly between 0 and 1"),
])
def test_spec_errors_say_how_to_fix(tmp_path, extra, message):
    with pytest.raises(SpecError, match=message):
        load_spec(_base(tmp_path, extra + "\n"))


def test_decimal_commas(tmp_path):
    """A spreadsheet export with decimal commas: a clear error naming the column, and decimal: ',' reads it."""
    a = pd.read_csv(ROOT / "tests" / "data" / "aSAH.csv")
    mangled = a.assign(s100b=a["s100b"].map(lambda v: f"{v:.2f}".replace(".", ",")))
    mangled.to_csv(tmp_path / "mangled.csv", index=False)
    models = """
feature_sets: {markers: {columns: [s100b, ndka]}}
models:
  - {name: M, features: [markers]}
"""
    p = _write(tmp_path, BASE.replace("DATA", "mangled.csv") + models)
    with pytest.raises(ValueError, match=r"these columns were read as text:\n  - markers: column 's100b' holds text, not numbers "
                                         r"\(113 of 113 values, e.g. '0,13', '0,14', '0,10'\); they look like "
                                         r"decimal commas"):
        Study.from_yaml(p).run(workdir=tmp_path)
    p = _write(tmp_path, BASE.replace("DATA", "mangled.csv") + "regression: {candidates: [age, s100b]}\n")
    with pytest.raises(ValueError, match=r"regression.candidates: column 's100b' holds numbers with decimal commas"):
        Study.from_yaml(p).run(workdir=tmp_path)
    a.to_csv(tmp_path / "european.csv", sep=";", decimal=",", index=False)
    text = BASE.replace("DATA", "european.csv").replace("path: european.csv}", "path: european.csv, decimal: ','}")
    res = Study.from_yaml(_write(tmp_path, text + models)).run(workdir=tmp_path / "w")
    assert res.results["models"].performance["n"].sum() == 113


def test_a_categorical_text_column_in_a_model_says_how_to_make_an_indicator(tmp_path):
    """`gender` (Female/Male) among a model's features: the error names it as categorical and gives the
    derived-variable line that makes it a 0/1 input; that line then runs."""
    a = pd.read_csv(ROOT / "tests" / "data" / "aSAH.csv")
    a.to_csv(tmp_path / "a.csv", index=False)
    p = _write(tmp_path, BASE.replace("DATA", "a.csv") + "models:\n  - {name: M, features: [age, gender]}\n")
    with pytest.raises(ValueError, match=r"models\[M\]: column 'gender' holds text.*a categorical column \(2 values: "
                                         r"'Female', 'Male'\).*variables: \{gender_male: \"gender == 'Male'\"\}"):
        Study.from_yaml(p).run(workdir=tmp_path)
    fixed = (BASE.replace("DATA", "a.csv") + "variables: {gender_male: \"gender == 'Male'\"}\n"
             "models:\n  - {name: M, features: [age, gender_male]}\n")
    res = Study.from_yaml(_write(tmp_path, fixed)).run(workdir=tmp_path / "w")
    assert res.results["models"].performance["n"].sum() == 113


def test_missing_file_value_and_variables(tmp_path):
    p = _write(tmp_path, BASE.replace("DATA", "nope.csv"))
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        Study.from_yaml(p).run(workdir=tmp_path)
    p = _base(tmp_path)
    p.write_text(p.read_text().replace("positive: Poor", "positive: Bad"))
    with pytest.raises(ValueError, match="outcome.positive 'Bad' does not occur"):
        Study.from_yaml(p).run(workdir=tmp_path)
    p = _base(tmp_path, "regression: {candidates: [age, glucose]}\n")
    with pytest.raises(ValueError, match="regression.candidates: 'glucose'"):
        Study.from_yaml(p).run(workdir=tmp_path)
    p = _base(tmp_path, "models:\n  - {name: m, features: ['signature:rad']}\n")
    with pytest.raises(SpecError, match="'signature:rad' names feature set 'rad', which is not in feature_sets"):
        Study.from_yaml(p).run(workdir=tmp_path)  # found by validate already


def test_user_strings_are_escaped(tmp_path):
    p = _base(tmp_path, "table1: {variables: [age]}\nreport: {title: '<script>alert(1)</script> & co'}\n")
    res = Study.from_yaml(p).run(workdir=tmp_path)
    html = res.write(tmp_path / "r")["report"].read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_no_models_runs_what_is_asked(tmp_path):
    p = _base(tmp_path, "table1: {variables: [age, gender]}\n")
    res = Study.from_yaml(p).run(workdir=tmp_path)
    assert "models and model comparison (no models block)" in res.skipped
    assert "regression (no regression block)" in res.skipped
    assert "table1_by_outcome" in res.tables or res.sections


def test_cli_run_validate_and_overwrite(tmp_path, capsys):
    p = _base(tmp_path, "table1: {variables: [age, gender]}\nexclusions:\n  - {name: age under 30, column: age, op: '<', value: 30}\n")
    assert main(["validate", str(p)]) == 0
    assert "valid" in capsys.readouterr().out
    out = tmp_path / "rep"
    assert main(["--quiet", "run", str(p), "--out", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Excluded: age under 30:" in html
    assert main(["--quiet", "run", str(p), "--out", str(out)]) == 2
    assert "exists and is not empty" in capsys.readouterr().err
    assert main(["--quiet", "run", str(p), "--out", str(out), "--overwrite"]) == 0
    bad = _write(tmp_path, "data: {}\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "outcome: required key is missing" in err and "Traceback" not in err


def test_survival_block_on_lung(tmp_path):
    shutil.copy(ROOT / "tests" / "data" / "lung.csv", tmp_path / "lung.csv")
    p = _write(tmp_path, """
data: {id: null, tables: [{name: lung, path: lung.csv}]}
outcome: {column: status, positive: 2, label: death}
table1: {variables: [age, sex, ph.ecog]}
survival: {duration: time, event: status, event_value: 2, predictors: [age, sex, ph.ecog], group: sex, times: [0, 250, 500, 750]}
""")
    res = Study.from_yaml(p).run(workdir=tmp_path)
    html = res.write(tmp_path / "r")["report"].read_text(encoding="utf-8")
    assert ">Survival</h2>" in html and "Log-rank test (as R&#39;s survdiff)" in html
    assert "Efron ties (as R&#39;s coxph)" in html
    km = res.tables["kaplan_meier"].set_index("Group")
    assert km.loc["1", "Median (95% CI)"] == "270.0 (212.0–310.0)"  # survfit's median and log CI (men)
    assert res.results["cox"].n == 227


def test_reproducibility_cv_and_selected_pairs(tmp_path):
    import numpy as np

    from cohortstats.datasets import make_hematoma_cohort

    c = make_hematoma_cohort()
    files = c.write(tmp_path / "data")
    rng = np.random.default_rng(3)
    r2 = c.radiomics["whole"].copy()
    feats = [x for x in r2.columns if x.startswith("original_")]
    noise = np.where(np.arange(len(feats)) % 2 == 0, 0.05, 3.0)  # half the features are poorly reproducible
    r2[feats] = r2[feats] + rng.normal(size=(len(r2), len(feats))) * noise * r2[feats].std().to_numpy()
    r2.to_csv(tmp_path / "reader2.csv", index=False)
    p = _write(tmp_path, f"""
data:
  tables:
    - {{name: clinical, path: {files['clinical']}}}
    - {{name: whole, path: {files['radiomics_whole']}, prefix: whole_}}
outcome: {{column: expansion, positive: 1}}
table1: null
reproducibility: {{path: reader2.csv, feature_sets: [whole], prefix: whole_, threshold: 0.75}}
feature_sets: {{whole: {{prefix: whole_original_}}, clinical: {{columns: [volume, onset_to_ct]}}}}
models:
  - {{name: A, features: [clinical]}}
  - {{name: B, features: ["signature:whole"]}}
  - {{name: C, features: [clinical, "signature:whole"]}}
comparisons: {{pairs: [[A, C]], adjust: holm, nri_cutoffs: [0.2, 0.4]}}
cv: {{n_splits: 3, n_repeats: 1}}
""")
    res = Study.from_yaml(p).run(workdir=tmp_path)
    scr = res.results["reproducibility"]["whole"]
    kept = set(scr.kept)
    assert len(kept) < len(feats) and all(f"whole_{f}" in kept for f in feats[::2][:5])
    assert res.tables["delong_test"]["Comparison"].tolist() == ["A vs C"]
    # NRI/IDI for the same pair (C, listed later, is the new model), equal to the functions on the test scores
    rc = res.results["reclassification"]["test"].table
    assert rc["measure"].tolist() == ["NRI (category-free)", "NRI (categories at 0.2, 0.4)", "IDI"]
    assert set(rc["model_old"]) == {"A"} and set(rc["model_new"]) == {"C"}
    import cohortstats as cs

    y, s = res.results["models"].scores("test")
    for row, r in zip(rc.itertuples(), (cs.nri(y, s["A"], s["C"]), cs.nri(y, s["A"], s["C"], cutoffs=[0.2, 0.4]),
                                        cs.idi(y, s["A"], s["C"]))):
        assert (row.estimate, row.std_error, row.p_value) == (r.estimate, r.std_error, r.p_value)
    assert res.tables["reclassification_test"]["Comparison"].tolist() == ["C over A"] * 3
    assert res.tables["cross_validation"]["Folds"].tolist() == [3, 3, 3]
    written = res.write(tmp_path / "r")
    html = written["report"].read_text(encoding="utf-8")
    assert "Feature reproducibility between segmentations" in html and "Repeated cross-validation" in html
    # every feature's ICC with its 95% CI in the CSV; the excluded ones, with theirs, in the report
    every = pd.read_csv(tmp_path / "r" / "tables" / "reproducibility_features.csv")
    assert len(every) == len(feats) and set(every["Kept"]) == {"yes", "no"}
    t = scr.table.set_index("feature")
    row = every.set_index("Feature").loc[f"whole_{feats[1]}"]
    assert_allclose(row[["ICC", "CI low", "CI high"]].to_numpy(float),
                    t.loc[f"whole_{feats[1]}", ["icc", "conf_low", "conf_high"]].to_numpy(float), rtol=1e-12)
    assert row["Kept"] == "no" and "Features excluded for poor reproducibility" in html
    excluded = res.tables["reproducibility_excluded"]
    assert len(excluded) == len(scr.excluded) and excluded["ICC2 (95% CI)"].str.match(r"^-?0\.\d{3} \(").all()
    assert (f"measured in the {scr.n_targets} patients segmented twice by the intraclass correlation ICC2 "
            "(two-way random effects, absolute agreement, single measurement") in html
    assert "95% confidence interval; features with ICC2 &lt; 0.75 were excluded from whole." in html
    assert "Net reclassification and integrated discrimination improvement, test set" in html
    assert "risk categories at 0.2 and 0.4" in html


def test_several_tables_need_an_id(tmp_path):
    shutil.copy(ROOT / "tests" / "data" / "aSAH.csv", tmp_path / "aSAH.csv")
    p = _write(tmp_path, """
data: {id: null, tables: [{name: a, path: aSAH.csv}, {name: b, path: aSAH.csv, prefix: b_}]}
outcome: {column: outcome, positive: Poor}
""")
    with pytest.raises(ValueError, match="matched across tables by an id column"):
        Study.from_yaml(p).run(workdir=tmp_path)


def test_model_without_features_is_left_out_and_said(tmp_path):
    """A rad-score whose screen keeps nothing: that model is left out, the report says why, the others run."""
    import numpy as np

    rng = np.random.default_rng(0)
    d = pd.DataFrame(rng.normal(size=(120, 8)), columns=[f"f{i}" for i in range(8)])
    d.insert(0, "patient_id", [f"P{i}" for i in range(120)])
    d["y"] = (rng.random(120) < 0.4).astype(int)
    d["age"] = rng.normal(60, 10, 120) + 8 * d["y"]
    d.to_csv(tmp_path / "d.csv", index=False)
    p = _write(tmp_path, """
data: {tables: [{name: d, path: d.csv}]}
outcome: {column: y, positive: 1}
feature_sets: {noise: {prefix: f}}
models:
  - {name: Clinical, features: [age]}
  - {name: Noise, features: ["signature:noise"], screen: {p_threshold: 1.0e-9}}
  - {name: Both, features: [age, "signature:noise"], screen: {p_threshold: 1.0e-9}}
comparisons: {pairs: [[Clinical, Noise]]}
""")
    res = Study.from_yaml(p).run(workdir=tmp_path / "w")
    assert res.results["models"].performance["model"].unique().tolist() == ["Clinical"]
    assert any(s.startswith("model 'Noise': the rad-score of 'noise' cannot be built from the 96 training patients")
               for s in res.skipped)
    assert "comparison Clinical vs Noise (a model was left out)" in res.skipped
    html = res.write(tmp_path / "r")["report"].read_text(encoding="utf-8")
    assert "Skipped: model &#39;Both&#39;: the rad-score of &#39;noise&#39; cannot be built" in html
    assert "Not fitted: Noise and Both (no feature was left for its LASSO in the training set" in html
