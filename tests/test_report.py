"""Formatting and HTML rendering: numbers become text only here; user strings are escaped."""

import numpy as np
import pandas as pd
import pytest

import cohortstats as cs
from cohortstats.report.format import format_ci, format_estimate_ci, format_number, format_p, table_one_frame
from cohortstats.report.html import ReportSection, ReportTable, render_html
from cohortstats.report.tables import table_one_footnotes, write_tables


def test_number_and_p_formatting():
    assert format_number(2.5245, 2) == "2.52" and format_number(-0.0001, 2) == "0.00"
    assert format_number(np.nan) == "" and format_number(np.inf) == "Inf"
    assert format_p(0.00042) == "<0.001" and format_p(0.041) == "0.041" and format_p(0.041, "apa") == ".041"
    assert format_p(3.2e-7, "exact") == "3.20e-07" and format_p(0.0412, "exact") == "0.0412"
    assert format_ci(1.4, 4.552) == "1.40–4.55"
    assert format_estimate_ci(2.524, 1.400, 4.552) == "2.52 (1.40–4.55)"
    with pytest.raises(ValueError, match="style must be one of"):
        format_p(0.1, "spss")


def test_table_one_frame_layout(birthwt):
    t = cs.table_one(birthwt.assign(lwt=birthwt["lwt"].where(birthwt.index > 2)), group="low",
                     variables=["age", "lwt", "race"], categorical=["race"], nonnormal=["age"])
    f = table_one_frame(t)
    assert list(f.columns) == ["Variable", "Level", "Overall (n = 189)", "0 (n = 130)", "1 (n = 59)", "Statistic", "P",
                               "Test", "SMD"]
    # R: wilcox.test(age ~ low) W = 4238; t.test(lwt ~ low) t = 2.515534 (lwt here lacks 3 values)
    assert f["Statistic"].iloc[0] == "W = 4238" and f["Statistic"].iloc[1].startswith("t = ")
    assert f[f["Variable"] == "race, n (%)"]["Statistic"].iloc[0].startswith("χ² = ")
    full = table_one_frame(cs.table_one(birthwt, group="low", variables=["lwt", "race"], categorical=["race"]))
    assert full["Statistic"].tolist()[:2] == ["t = 2.516", "χ² = 5.005"]  # chisq.test X-squared = 5.004813
    assert "Statistic" not in table_one_frame(t, statistic_column=False).columns
    assert f["Variable"].tolist()[:3] == ["age, median [Q1, Q3]", "lwt, mean (SD)", ""]
    assert f.iloc[2]["Level"] == "Missing" and f.iloc[2]["Overall (n = 189)"] == "3"
    race = f[f["Level"] == "1"].iloc[0]
    assert race["0 (n = 130)"] == "73 (56.2)"  # 73 of 130 white mothers among normal weight births
    notes = table_one_footnotes(t)
    assert any("Wilcoxon rank-sum" in n for n in notes) and any("Yang-Dalton" in n for n in notes)


def test_html_escapes_user_strings():
    df = pd.DataFrame({"g": [0, 1, 0, 1], "<script>alert(1)</script>\nx": [1.0, 2.0, 3.0, 4.0]})
    t = cs.table_one(df, group="g")
    html = render_html([ReportSection("Table <1>", tables=(ReportTable("caption & <b>", table_one_frame(t)),))],
                       title="<i>t</i>")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Table &lt;1&gt;" in html and "caption &amp; &lt;b&gt;" in html and "&lt;i&gt;t&lt;/i&gt;" in html


def test_write_tables_csv_and_excel(tmp_path):
    tables = {"a/b:table": pd.DataFrame({"x": [1]}), "x" * 40: pd.DataFrame({"y": [2]})}
    paths = write_tables(tables, tmp_path)
    assert all(p.exists() for p in paths.values())
    sheets = pd.ExcelFile(tmp_path / "tables.xlsx").sheet_names
    assert sheets == ["a_b_table", "x" * 31]


def test_docx_has_journal_tables(tmp_path, birthwt):
    from docx import Document

    from cohortstats.report.docx import render_docx

    t = cs.table_one(birthwt, group="low", variables=["age", "race"], categorical=["race"])
    frame = table_one_frame(t)
    path = render_docx([ReportSection("Table 1", tables=(ReportTable("Table 1 <by low>", frame, ("note",)),))],
                       tmp_path / "r.docx", title="T")
    doc = Document(path)
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == list(frame.columns)
    assert len(table.rows) == len(frame) + 1
    assert any(p.text == "Table 1 <by low>" for p in doc.paragraphs)  # kept verbatim in Word


def test_regression_and_delong_frames(birthwt):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = cs.regression_table(birthwt, "low", ["age", "race", "smoke", "ht"], categorical=["race"], screen_p=0.05)
    from cohortstats.report.format import delong_table_frame, regression_footnotes, regression_table_frame

    f = regression_table_frame(tab)
    race = f[f["Level"].isin(["1", "2", "3"])]
    assert race["Univariable OR (95% CI)"].iloc[0] == "Reference"
    smoke = f[f["Variable"] == "smoke"].iloc[0]
    uni = tab.univariable.fits["smoke"].tidy().set_index("term").loc["smoke"]
    assert smoke["Univariable OR (95% CI)"] == f"{uni['estimate']:.2f} ({uni['conf_low']:.2f}–{uni['conf_high']:.2f})"
    notes = regression_footnotes(tab)
    assert any("profile likelihood" in n for n in notes) and any("Wald P < 0.05" in n for n in notes)
    y = (birthwt["low"]).to_numpy()
    cmp = cs.compare_aucs(y, {"lwt": -birthwt["lwt"], "age": -birthwt["age"]})
    d = delong_table_frame(cmp)
    assert d["Comparison"].item() == "lwt vs age" and " to " in d["ΔAUC (95% CI)"].item() or "–" in d["ΔAUC (95% CI)"].item()


def test_regression_footnotes_count_exclusions(birthwt):
    import warnings

    from cohortstats.report.format import regression_footnotes

    d = birthwt.copy()
    d.loc[:3, "lwt"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = cs.regression_table(d, "low", ["age", "lwt", "smoke"], multivariable=["lwt", "smoke"])
    notes = regression_footnotes(tab)
    assert "Univariable model for lwt: 4 patient(s) excluded for missing values (185 analysed)." in notes
    assert any(n.startswith("Excluded from the multivariable model: missing lwt: 4") for n in notes)


def test_results_display_in_notebooks(birthwt):
    y = birthwt["low"].to_numpy()
    p = np.clip(birthwt["lwt"].to_numpy() / 300, 0.01, 0.99)
    for result in (cs.roc(y, -birthwt["lwt"]), cs.auc_ci(y, -birthwt["lwt"]), cs.calibration(y, p),
                   cs.decision_curve(y, {"m": p}), cs.threshold_metrics(y, p),
                   cs.table_one(birthwt, group="low", variables=["age"])):
        html = result._repr_html_()
        assert html.startswith("<table") and "</table>" in html


def test_one_sided_delong_table_says_so(asah01):
    asah = asah01
    from cohortstats.report.format import delong_table_frame

    y = asah["y"]
    cmp = cs.compare_aucs(y, {"s100b": asah["s100b"], "wfns": asah["wfns"]}, pairs=[("wfns", "s100b")],
                          alternative="greater")
    f = delong_table_frame(cmp)
    assert list(f.columns) == ["Comparison", "H1 (one-sided)", "ΔAUC (one-sided 95% CI)", "Z", "P (one-sided)"]
    assert f.loc[0, "Comparison"] == "wfns vs s100b"
    assert f.loc[0, "H1 (one-sided)"] == "AUC(wfns) > AUC(s100b)"
    assert f.loc[0, "ΔAUC (one-sided 95% CI)"].endswith("to ∞)")
    two = delong_table_frame(cs.compare_aucs(y, {"s100b": asah["s100b"], "wfns": asah["wfns"]}))
    assert "H1 (one-sided)" not in two.columns and "ΔAUC (95% CI)" in two.columns
