"""The public report builder: results, tables, figures and paragraphs in, numbered HTML, Word and Excel out."""

import re
import warnings

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

import cohortstats as cs  # noqa: E402
from cohortstats.exceptions import DataValidationError  # noqa: E402
from cohortstats.report import Report  # noqa: E402


@pytest.fixture(scope="module")
def built(birthwt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = cs.regression_table(birthwt, "low", ["age", "race", "smoke"], categorical=["race"],
                                  multivariable=["age", "race", "smoke"])
    rep = Report("Low birth weight", authors=["A. Author"], labels={"age": "Age, years", "smoke": "Smoking"},
                 levels={"race": {1: "White", 2: "Black", 3: "Other"}, "low": {0: "Normal", 1: "Low"}})
    rep.section("Patients").add_paragraph("[@table:t1] describes the mothers; [@figure:forest] shows the ORs.")
    rep.add(cs.table_one(birthwt, group="low", variables=["age", "race", "smoke"], categorical=["race"]), key="t1")
    rep.section("Risk factors").add(tab, key="or", caption="Odds ratios for low birth weight")
    rep.add_figure(cs.plots.plot_forest(tab), "Odds ratios (log scale).", key="forest")
    y = birthwt["low"].to_numpy()
    tm = cs.threshold_metrics(y, birthwt["lwt"].to_numpy(), direction=">")
    rep.add({"Mother's weight": tm}, key="accuracy")
    return rep


def test_builder_numbers_and_cross_references(built):
    sections = built.numbered()
    assert sections[0].blocks[0] == "Table 1 describes the mothers; Figure 1 shows the ORs."
    assert built.reference("table", "or") == "Table 2" and built.reference("figure", "forest") == "Figure 1"
    assert list(built.tables()) == ["t1", "or", "accuracy"]
    assert list(built.tables()["t1"].columns)[2:4] == ["Normal (n = 130)", "Low (n = 59)"]
    assert "    White" in set(built.tables()["or"]["Characteristic"])
    assert repr(built) == "Report('Low birth weight', 2 sections, 3 tables, 1 figures)"


def test_builder_writes_html_docx_and_xlsx(built, tmp_path):
    from docx import Document

    html = built.write_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<a href="#table-1">Table 1</a> describes' in html and "<span class=\"label\">Figure 1.</span>" in html
    assert html.count("data:image/png;base64,") == 1 and '<th colspan="2" class="spanner">Univariable</th>' in html
    doc = Document(built.write_docx(tmp_path / "r.docx"))
    assert [p.text for p in doc.paragraphs if re.match(r"(Table|Figure) \d+\. ", p.text)] == [
        "Table 1. Characteristics of the patients by low", "Table 2. Odds ratios for low birth weight",
        "Figure 1. Odds ratios (log scale).", "Table 3. Diagnostic accuracy at the cut-off"]
    assert len(doc.inline_shapes) == 1 and doc.inline_shapes[0].width.inches <= 6.27
    sheets = pd.read_excel(built.write_xlsx(tmp_path / "r.xlsx"), sheet_name=None)
    assert list(sheets) == ["t1", "or", "accuracy"] and sheets["or"].columns[0] == "Characteristic"


def test_wide_table_gets_a_landscape_page(tmp_path):
    from docx import Document
    from docx.enum.section import WD_ORIENT

    wide = pd.DataFrame({f"Model {i} AUC (95% CI)": ["0.744 (0.665–0.822)"] * 3 for i in range(7)})
    rep = Report("Wide", page="letter").add_paragraph("Before.").add_table(wide, "Seven models", key="w")
    rep.add_paragraph("After.")
    doc = Document(rep.write_docx(tmp_path / "w.docx"))
    assert [s.orientation for s in doc.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    assert round(doc.sections[0].page_width.inches, 2) == 8.5  # letter


def test_builder_errors_are_clear(tmp_path):
    rep = Report("x").add_paragraph("See [@table:missing].")
    with pytest.raises(ValueError, match="refers to table 'missing'"):
        rep.to_html()
    with pytest.raises(TypeError, match="cannot add a str"):
        Report("x").add("not a result")
    with pytest.raises(TypeError, match="frame must be a pandas DataFrame"):
        Report("x").add_table([1, 2], "caption")
    with pytest.raises(DataValidationError, match="page must be one of"):
        Report("x", page="a5")
