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


def test_example_writes_audit_and_table_one(tmp_path, capsys):
    out = tmp_path / "ex"
    assert main(["--quiet", "example", "--out", str(out)]) == 0
    assert (out / "report.html").exists() and (out / "report.docx").exists() and (out / "tables.xlsx").exists() and (out / "manifest.json").exists()
    t1 = pd.read_csv(out / "tables" / "table1_by_expansion.csv")
    assert t1.columns[2:5].tolist() == ["Overall (n = 235)", "0 (n = 138)", "1 (n = 97)"]
    audit = pd.read_csv(out / "tables" / "data_audit_summary.csv")
    assert audit["n"].sum() == 236  # 235 clinical patients + 1 imaging-only id
    reg = pd.read_csv(out / "tables" / "regression_or.csv")
    assert reg.columns.tolist() == ["Variable", "Level", "n (events)", "Univariable OR (95% CI)", "P",
                                    "Multivariable OR (95% CI)", "P (multi)"]
    auc = pd.read_csv(out / "tables" / "model_auc.csv")
    assert auc["Model"].tolist() == ["Clinical model", "FVH score", "Clinical + FVH"]
    delong = pd.read_csv(out / "tables" / "model_delong.csv")
    assert len(delong) == 3 and "P (holm)" in delong.columns
    perf = pd.read_csv(out / "tables" / "models_train_test.csv")
    assert len(perf) == 10 and set(perf["Set"]) == {"Train", "Test"}
    sig = pd.read_csv(out / "tables" / "signature_features.csv")
    assert sig["Features"].str.contains("sub3_original_").any()  # feature names survive the pipeline
    val = pd.read_csv(out / "tables" / "validation_combined.csv").set_index("Index")
    assert val.loc["Calibration slope", "Apparent"] == 1.0 and val.loc["Calibration slope", "Corrected"] < 1.0
    nb = pd.read_csv(out / "tables" / "net_benefit.csv")
    assert nb.columns.tolist()[-2:] == ["Treat all", "Treat none"] and (nb["Treat none"] == 0).all()
    for fig in ("forest_plot", "roc_curves", "calibration_combined", "decision_curves", "nomogram_combined",
                "roc_test", "decision_curves_test"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 10_000 and (out / "figures" / f"{fig}.svg").exists()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Table 1" in html and "SYNTHETIC DATA" in html
    assert html.count("data:image/png;base64,") == 7 and "DeLong" in html and "rms::validate" in html
    assert "HE001" not in html  # no patient ids in the report
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
