"""The command line: --version, the bundled example, clear errors."""

import subprocess
import sys

import pandas as pd

import cohortstats as cs
from cohortstats.cli import main


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as e:
        assert e.code == 0
    assert capsys.readouterr().out.strip() == f"cohortstats {cs.__version__}"


def test_example_writes_the_full_report(tmp_path, capsys):
    out = tmp_path / "ex"
    assert main(["--quiet", "example", "--out", str(out)]) == 0
    for f in ("report.html", "report.docx", "tables.xlsx", "manifest.json"):
        assert (out / f).exists()
    t1 = pd.read_csv(out / "tables" / "table1_by_outcome.csv")
    assert t1.columns[2:5].tolist() == ["Overall (n = 235)", "No hematoma expansion (n = 138)",
                                        "Hematoma expansion (n = 97)"]
    audit = pd.read_csv(out / "tables" / "patient_flow_audit.csv")
    assert audit["n"].sum() == 236  # 235 clinical patients + 1 imaging-only id
    perf = pd.read_csv(out / "tables" / "models_train_test.csv")
    assert perf["Model"].unique().tolist() == ["Radiomics", "Deep learning", "Fused", "Clinical + rad-scores"]
    sig = pd.read_csv(out / "tables" / "selected_features.csv")
    assert sig["Feature"].str.contains("whole_original_").any()  # feature names survive the pipeline
    fused = sig[sig["Model"] == "Fused"]["Feature"]  # one LASSO over both sets
    assert fused.str.startswith("whole_").any() and fused.str.startswith("deep_").any()
    val = pd.read_csv(out / "tables" / "validation_multivariable.csv").set_index("Index")
    assert val.loc["Calibration slope", "Apparent"] == 1.0 and val.loc["Calibration slope", "Corrected"] < 1.0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in html and "HE001" not in html
    # a second run into the same folder is refused, with a one-line message
    assert main(["--quiet", "example", "--out", str(out)]) == 2
    assert "exists and is not empty" in capsys.readouterr().err


def test_unknown_example_is_a_clean_error(capsys):
    assert main(["--quiet", "example", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown example 'nope'" in err and "Traceback" not in err


def test_console_script_entry_point():
    r = subprocess.run([sys.executable, "-m", "cohortstats", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("cohortstats ")


def test_a_missing_id_column_is_found_by_validate_and_says_how_to_fix_it(tmp_path, capsys):
    """One table without the default id column 'patient_id': `validate` reports it (it used to pass and `run`
    failed), naming the table's columns and the two fixes; `run` gives the same message."""
    pd.DataFrame({"pid": range(1, 41), "poor": [0, 1] * 20, "age": range(40, 80)}).to_csv(tmp_path / "t.csv",
                                                                                         index=False)
    (tmp_path / "study.yaml").write_text(
        "data: {tables: [{name: clinical, path: t.csv}]}\noutcome: {column: poor, positive: 1}\n"
        "table1: {variables: [age]}\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "study.yaml")]) != 0
    err = capsys.readouterr()
    text = err.out + err.err
    assert "data.id: the id column 'patient_id' (the default when data.id is not given) is not in table 'clinical'" \
        in text
    assert "its columns: pid, poor, age" in text and "data: {id: pid}" in text and "data: {id: null}" in text
    assert main(["--quiet", "run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "r")]) != 0
    assert "data: {id: pid}" in "".join(capsys.readouterr())
