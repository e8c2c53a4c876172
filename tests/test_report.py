"""Formatted tables in gtsummary's and journals' conventions: numbers become text only here; user strings are
escaped. Reference values: tests/reference/report.R (report_reference.csv)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import reference
from numpy.testing import assert_allclose

import cohortstats as cs
from cohortstats.report.format import (
    DASH,
    INDENT,
    Labels,
    diagnostic_frame,
    diagnostic_notes,
    format_ci,
    format_cutoff,
    format_estimate_ci,
    format_number,
    format_p,
    format_percent,
    guess_digits,
    regression_footnotes,
    regression_table_frame,
    table_one_frame,
    table_one_notes,
)
from cohortstats.report.html import ReportSection, ReportTable, render_html
from cohortstats.report.tables import write_tables

REF = reference("report_reference.csv").set_index("name")["value"]


def test_number_and_nejm_p_formatting():
    assert format_number(2.5245, 2) == "2.52" and format_number(-0.0001, 2) == "0.00"
    assert format_number(np.nan) == "" and format_number(np.inf) == "Inf"
    # NEJM: two decimals from 0.01 up, three between 0.001 and 0.01, P<0.001 below
    assert [format_p(p) for p in (0.5, 0.0412, 0.01, 0.0042, 0.001, 0.00042, 0.996)] == \
        ["0.50", "0.04", "0.01", "0.004", "0.001", "<0.001", ">0.99"]
    assert format_p(0.041, "apa") == ".041" and format_p(0.0004, "apa") == "<.001"
    assert format_p(3.2e-7, "exact") == "3.20e-07" and format_p(0.0412, "exact") == "0.0412"
    assert format_ci(1.4, 4.552) == "1.40–4.55" and format_estimate_ci(2.524, 1.400, 4.552) == "2.52 (1.40–4.55)"
    with pytest.raises(ValueError, match="style must be one of"):
        format_p(0.1, "spss")


def test_gtsummary_decimals_and_percentages():
    # gtsummary's continuous_digits_guess on R's quantile spreads (report.R): lwt 93.8 -> 0; bwt in kg 2.20 -> 2
    assert guess_digits(REF["spread_lwt"]) == 0 and guess_digits(REF["spread_bwt_kg"]) == 2
    assert guess_digits(REF["spread_bwt_10kg"]) == 2 and guess_digits(0.05) == 3 and guess_digits(15.0) == 1
    assert guess_digits(3.0, integer=True) == 0
    # style_percent: no decimal from 10% up, one below, "<0.1" under 0.1%
    assert [format_percent(p) for p in (56.15, 9.94, 0.05, 0.0, 100.0)] == ["56", "9.9", "<0.1", "0", "100"]
    assert format_cutoff(0.41234) == "0.412" and format_cutoff(14.3) == "14.3"


def test_table_one_reads_like_gtsummary(birthwt):
    d = birthwt.assign(lwt=birthwt["lwt"].where(birthwt.index > 2), bwt_kg=birthwt["bwt"] / 1000)
    t = cs.table_one(d, group="low", variables=["age", "lwt", "bwt_kg", "race", "smoke"], categorical=["race"],
                     nonnormal=["age"])
    lab = Labels({"age": "Age, years", "smoke": "Smoking during pregnancy"},
                 {"race": {1: "White", 2: "Black", 3: "Other"}, "low": {0: "Normal weight", 1: "Low weight"}})
    f = table_one_frame(t, labels=lab).set_index("Characteristic")
    assert list(f.columns) == ["N", "Overall (n = 189)", "Normal weight (n = 130)", "Low weight (n = 59)", "P"]
    row = t.summary.query("variable == 'age' and group == 'Overall'").iloc[0]
    assert f.loc["Age, years", "Overall (n = 189)"] == f"{row['median']:.0f} ({row['q1']:.0f}, {row['q3']:.0f})"
    assert f.loc["lwt", "N"] == "186" and f.loc[INDENT + "Missing", "Overall (n = 189)"] == "3"
    assert f.loc["bwt_kg", "Normal weight (n = 130)"].count(".") == 2  # spread 2.20 kg: two decimals
    # race: a label row with the test's marker, level rows indented with their names; 73 of 130 = 56%
    assert f.loc[INDENT + "White", "Normal weight (n = 130)"] == "73 (56%)"
    assert f.loc["race", "P"].endswith("ᶜ") and f.loc[INDENT + "White", "P"] == ""
    # smoke (0/1) on one row, showing the smokers: 30 of 59 low-weight births
    assert f.loc["Smoking during pregnancy", "Low weight (n = 59)"] == "30 (51%)"
    assert "Smoking during pregnancy" in f.index and INDENT + "1" not in f.index
    notes = table_one_notes(t, labels=lab)
    assert notes[0].startswith("Mean (SD); median (Q1, Q3); n (%)")
    assert any("“1” (Smoking during pregnancy)" in n for n in notes)
    assert "ᵃ Wilcoxon rank-sum test (normal approximation with continuity correction)." in notes
    assert len(notes) == len(set(notes))
    wide = table_one_frame(t, test_column=True, statistic_column=True, smd=True)
    assert {"Test", "Statistic", "SMD"} <= set(wide.columns) and not wide["P"].str.contains("ᵃ").any()
    # R: wilcox.test(age ~ low) W = 4238 (age has no missing value)
    assert wide.loc[wide["Characteristic"] == "age", "Statistic"].item() == "W = 4238"
    assert "N" not in table_one_frame(cs.table_one(birthwt, group="low", variables=["age"])).columns


def test_outcome_groups_are_named_from_the_study(birthwt):
    t = cs.table_one(birthwt, group="low", variables=["age"])
    f = table_one_frame(t, labels=Labels(outcome="low", outcome_label="low birth weight"))
    assert list(f.columns)[2:4] == ["No low birth weight (n = 130)", "Low birth weight (n = 59)"]
    # levels written with the original values of an outcome recoded to 0/1 (positive = "Poor")
    lab = Labels(levels={"outcome": {"Good": "Good outcome", "Poor": "Poor outcome"}}, outcome="outcome",
                 positive="Poor")
    assert lab.group("outcome", 0, 72) == "Good outcome (n = 72)" and lab.level("outcome", 1) == "Poor outcome"


def _birthwt_table(birthwt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cs.regression_table(birthwt, "low", ["age", "race", "smoke", "ht"], categorical=["race"],
                                   multivariable=["age", "race", "smoke", "ht"])


def test_regression_table_in_tbl_merge_layout(birthwt):
    tab = _birthwt_table(birthwt)
    lab = Labels({"age": "Age", "smoke": "Smoking"}, {"race": {1: "White", 2: "Black", 3: "Other"}})
    f = regression_table_frame(tab, labels=lab).set_index("Characteristic")
    assert list(f.columns) == ["Univariable OR (95% CI)", "Univariable P", "Multivariable OR (95% CI)",
                               "Multivariable P"]
    assert f.loc[INDENT + "White", "Univariable OR (95% CI)"] == DASH
    assert f.loc[INDENT + "White", "Multivariable OR (95% CI)"] == DASH
    # race has three levels: one likelihood-ratio P on its label row (R: anova / drop1, report.R)
    assert f.loc["race", "Univariable P"] == format_p(REF["race_uni_lr_p"]) == "0.08"
    assert f.loc["race", "Multivariable P"] == format_p(REF["race_multi_lr_p"]) == "0.02"
    assert f.loc[INDENT + "Black", "Univariable P"] == ""
    uni = tab.univariable.fits["smoke"].tidy().set_index("term").loc["smoke"]
    assert f.loc["Smoking", "Univariable OR (95% CI)"] == format_estimate_ci(uni["estimate"], uni["conf_low"],
                                                                             uni["conf_high"])
    notes = regression_footnotes(tab, labels=lab)
    assert notes[0] == "OR = odds ratio; CI = confidence interval; — = reference category."
    assert any("profile likelihood" in n for n in notes) and any("likelihood-ratio test" in n for n in notes)
    assert len(notes) == len(set(notes))
    screened = cs.regression_table(birthwt, "low", ["age", "smoke", "ht"], screen_p=0.05)
    g = regression_table_frame(screened).set_index("Characteristic")
    assert g.loc["age", "Multivariable OR (95% CI)"] == ""  # not selected: blank


def test_regression_footnotes_count_exclusions(birthwt):
    d = birthwt.copy()
    d.loc[:3, "lwt"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = cs.regression_table(d, "low", ["age", "lwt", "smoke"], multivariable=["lwt", "smoke"])
    notes = regression_footnotes(tab, labels={"lwt": "Weight, lb"})
    assert "Univariable model for Weight, lb: 4 patients excluded for missing values (185 analysed)." in notes
    assert "Left out of the multivariable model for missing values: 4 patients (Weight, lb: 4)." in notes


def test_diagnostic_accuracy_table_has_wilson_cis_and_counts(hematoma):
    y, s = hematoma["expansion"].to_numpy(), hematoma["volume"].to_numpy()
    tm = cs.threshold_metrics(y, s)
    assert (tm.tp, tm.fn) == (60, 37)
    f = diagnostic_frame({"Volume": {"train": tm, "test": tm}}).set_index("Characteristic")
    assert list(f.columns) == ["Training set % (95% CI)", "Training set n/N", "Test set % (95% CI)", "Test set n/N"]
    # sensitivity 60/97 with R's prop.test(60, 97, correct = FALSE)$conf.int (Wilson)
    low, high = REF["wilson_60_97_low"], REF["wilson_60_97_high"]
    assert f.loc[INDENT + "Sensitivity", "Test set % (95% CI)"] == format_estimate_ci(61.8557, 100 * low, 100 * high, 1)
    assert f.loc[INDENT + "Sensitivity", "Training set n/N"] == "60/97"
    assert f.loc[INDENT + "Events: TP / FN", "Test set n/N"] == "60 / 37"
    assert f.loc[INDENT + "Non-events: FP / TN", "Test set n/N"] == f"{tm.fp} / {tm.tn}"
    assert "Volume (cut-off 14.3)" in f.index
    assert any("Wilson" in n for n in diagnostic_notes({"Volume": {"train": tm, "test": tm}}))
    ci = tm.tidy().set_index("metric").loc["sensitivity"]
    assert_allclose([ci["conf_low"], ci["conf_high"]], [low, high], rtol=1e-10)


@pytest.fixture(scope="module")
def hematoma():
    from cohortstats.datasets import make_hematoma_cohort

    return make_hematoma_cohort().clinical


def test_html_escapes_user_strings():
    df = pd.DataFrame({"g": [0, 1, 0, 1], "<script>alert(1)</script>\nx": [1.0, 2.0, 3.0, 4.0]})
    t = cs.table_one(df, group="g")
    html = render_html([ReportSection("Table <1>", tables=(ReportTable("caption & <b>", table_one_frame(t)),))],
                       title="<i>t</i>")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Table &lt;1&gt;" in html and "caption &amp; &lt;b&gt;" in html and "&lt;i&gt;t&lt;/i&gt;" in html
    assert "<span class=\"label\">Table 1.</span>" in html


def test_write_tables_csv_and_excel(tmp_path):
    tables = {"a/b:table": pd.DataFrame({"x": [1]}), "x" * 40: pd.DataFrame({"y": [2]})}
    paths = write_tables(tables, tmp_path)
    assert all(p.exists() for p in paths.values())
    sheets = pd.ExcelFile(tmp_path / "tables.xlsx").sheet_names
    assert sheets == ["a_b_table", "x" * 31]


def test_results_display_in_notebooks(birthwt):
    y = birthwt["low"].to_numpy()
    p = np.clip(birthwt["lwt"].to_numpy() / 300, 0.01, 0.99)
    tab = _birthwt_table(birthwt)
    results = (cs.roc(y, -birthwt["lwt"]), cs.auc_ci(y, -birthwt["lwt"]), cs.calibration(y, p),
               cs.decision_curve(y, {"m": p}), cs.threshold_metrics(y, p),
               cs.table_one(birthwt, group="low", variables=["age"]), tab, tab.multivariable)
    for result in results:
        html = result._repr_html_()
        assert html.startswith("<table") and "</table>" in html
        text = repr(result)
        assert len(text) < 400 and text.startswith(type(result).__name__ + "("), text
    assert "Characteristic" in results[5]._repr_html_() and "Univariable" in tab._repr_html_()
    assert "Sensitivity" in results[4]._repr_html_()
    assert repr(results[1]).startswith("AucCI(estimate=0.6")  # 4 significant digits, not 17


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


def test_whole_number_levels_of_a_column_with_missing_values_read_as_integers(birthwt):
    """A numeric category with missing values is a float column; its levels read "1", "2", "3", not "1.0"."""
    d = birthwt.assign(race=birthwt["race"].astype(float))
    d.loc[[3, 10], "race"] = np.nan
    t1 = cs.table_one(d, group="low", variables=["race", "smoke"], categorical=["race"])
    assert t1.summary.loc[t1.summary["variable"] == "race", "level"].unique().tolist() == [1, 2, 3]
    shown = table_one_frame(t1)["Characteristic"].tolist()
    assert [INDENT + "1", INDENT + "2", INDENT + "3"] == [c for c in shown if c.strip() in ("1", "2", "3")]
    assert not any(".0" in c for c in shown)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = cs.regression_table(d, "low", ["race", "age"], categorical=["race"], reference={"race": 2.0},
                                  screen_p=1.0)
    assert tab.univariable.fits["race"].tidy()["term"].tolist()[1:4] == ["race[2]", "race[1]", "race[3]"]
    f = regression_table_frame(tab)
    assert f["Characteristic"].tolist()[1:4] == [INDENT + "2", INDENT + "1", INDENT + "3"]
    assert Labels().level("race", 2.0) == "2" and Labels().level("x", 1.5) == "1.5"


def test_unbounded_or_limits_say_so_in_table_text_and_figure(tmp_path):
    """A profile-likelihood limit with no finite root is 0 or inf on the OR scale: never "0.00", and a missing limit
    never drops the interval silently."""
    from cohortstats.formatting import format_ratio
    from cohortstats.plots.forest import plot_forest
    from cohortstats.report.format import NOT_COMPUTED_NOTE, UNBOUNDED_NOTE, odds_ratio_frame

    assert format_estimate_ci(0.05, 0.0, 0.61, ratio=True) == "0.050 (0 to 0.61)"  # gtsummary style_ratio: 2 significant figures
    assert format_estimate_ci(3.1e11, 9.99, np.inf, ratio=True) == "3.1 × 10¹¹ (9.99 to ∞)"
    assert format_estimate_ci(2.5, np.nan, 4.0, ratio=True) == "2.50 (NA to 4.00)"
    assert format_ci(np.nan, np.nan) == "" and format_ratio(0.0031) == "0.0031"
    assert format_estimate_ci(0.05, 0.0, 0.61) == "0.05 (0.00–0.61)"  # not a ratio: 0 is an ordinary limit
    d = pd.DataFrame({"y": [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1], "g": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0],
                      "x": [0.3, -1.2, 0.8, 1.5, -0.4, 0.2, 1.1, -0.9, 0.5, 0.0, 2.0, -1.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = cs.regression_table(d, "y", ["g", "x"], screen_p=1.0)
        fit = cs.logistic_regression(d, "y", ["g", "x"], epv_warning=0)
    assert fit.separation == "quasi-complete" and np.isinf(fit.conf_high[1])
    cell = regression_table_frame(tab).set_index("Characteristic").loc["g", "Univariable OR (95% CI)"]
    assert cell.endswith(" to ∞)") and "0.00" not in cell
    assert UNBOUNDED_NOTE in regression_footnotes(tab) and NOT_COMPUTED_NOTE not in regression_footnotes(tab)
    assert odds_ratio_frame(fit).set_index("Characteristic").loc["g", "OR (95% CI)"].endswith(" to ∞)")
    ax = plot_forest(tab)
    assert any(t.get_text().endswith(" to ∞)") for t in ax.texts)
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
    from types import SimpleNamespace

    from cohortstats.report.sections.summary import _associations

    ctx = SimpleNamespace(labels=Labels(), digits=2, outcome="the outcome", ref=lambda kind, key: "Table 1",
                          p_text=lambda p: f"P = {p:.2f}")
    t = fit.tidy()
    text = _associations(ctx, t[(t["term"] != "(Intercept)") & ~t["reference"]])
    assert "g (OR 1.4 × 10¹²; 95% CI 4.66 to ∞ (unbounded)) separated the outcome groups" in text
    assert "x (OR 0.21; 95% CI 0.0039–1.34; P = 0.23)" in text


def test_ratios_are_rounded_as_gtsummary_style_ratio():
    """gtsummary's own example: style_ratio(c(0.123, 0.9, 1.1234, 12.345, 101.234, -0.123, -0.9, -1.1234, -12.345,
    -101.234)) gives "0.12" "0.90" "1.12" "12.3" "101" "-0.12" "-0.90" "-1.12" "-12.3" "-101"; an OR per µg/L of
    105.86 (12.01 to 1332.96) reads 106 (12.0 to 1333)."""
    from cohortstats.formatting import format_ratio

    xs = [0.123, 0.9, 1.1234, 12.345, 101.234, -0.123, -0.9, -1.1234, -12.345, -101.234]
    assert [format_ratio(x) for x in xs] == ["0.12", "0.90", "1.12", "12.3", "101", "-0.12", "-0.90", "-1.12",
                                             "-12.3", "-101"]
    assert format_estimate_ci(105.86, 12.01, 1332.96, ratio=True) == "106 (12.0–1333)"


def test_table_cells_use_the_minus_sign_of_the_text():
    """HTML and Word cells (and notes) write a negative number with U+2212, as the report's prose does; hyphens
    inside words, ranges and dates stay."""
    from cohortstats.report.html import cell_parts

    assert cell_parts("-0.043 (−∞ to 0.059)")[1] == "−0.043 (−∞ to 0.059)"
    assert cell_parts("0.52 (-0.90–-0.14)")[1] == "0.52 (−0.90–−0.14)"
    assert [cell_parts(t)[1] for t in ("T2-3", "ID-12", "1 - specificity", "2024-01-02")] == \
        ["T2-3", "ID-12", "1 - specificity", "2024-01-02"]


def test_a_rad_score_input_takes_its_feature_sets_labels():
    """A model's rad-score input is named by its feature set(s) ("Rad-score (deep)"); the study file's labels of
    the sets name it in figures and tables (the nomogram's axis)."""
    lab = Labels({"deep": "deep learning", "radiomics": "radiomics"})
    assert lab("Rad-score (deep)") == "Rad-score (deep learning)"
    assert lab("Rad-score (radiomics + deep)") == "Rad-score (radiomics + deep learning)"
    assert Labels({})("Rad-score (deep)") == "Rad-score (deep)"


def test_degenerate_calibration_note_fires_on_clipped_risks_only(rng):
    """The note ("predicted probabilities within 10⁻¹² of 0 or 1") names a model whose risks reach the clip the
    study's calibration applies (a separated fit, as ModelComparison.calibration clips them), not one whose
    most extreme risk is 1 − 4e-10 (an extreme predictor value, the aSAH S100B case)."""
    from cohortstats.evaluation.calibration import P_CLIP
    from cohortstats.report.sections.models import degenerate_calibration_notes

    y = np.r_[np.zeros(30), np.ones(30)]
    separated = np.clip(np.r_[np.full(30, 1e-20), np.full(30, 1 - 1e-17)], P_CLIP, 1 - P_CLIP)
    extreme = np.r_[rng.uniform(0.1, 0.6, 59), 1 - 4e-10]
    res = {"Separated": cs.calibration(y, separated), "Extreme": cs.calibration(y, extreme)}
    notes = degenerate_calibration_notes(res)
    assert len(notes) == 1 and notes[0].startswith("Separated: predicted probabilities within 10⁻¹² of 0 or 1")
    assert degenerate_calibration_notes({"Extreme": res["Extreme"]}) == []
