"""Reports that can be shared (issue 14): no id, near-miss id, identifier-like value or date leaves the machine in
any output; Table 1 refuses or leaves out such columns; spreadsheet text is never a formula; figure text is
literal."""

import io
import re
import warnings
import zipfile
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import cohortstats as cs  # noqa: E402
from cohortstats._identifiers import identifier_columns, identifier_reason, looks_like_date  # noqa: E402
from cohortstats.exceptions import DataValidationError, DataWarning  # noqa: E402
from cohortstats.report.privacy import WITHHELD, collect_sensitive, escape_mathtext, mask_small_cells  # noqa: E402
from cohortstats.report.tables import spreadsheet_text, write_tables  # noqa: E402
from cohortstats.study import Study  # noqa: E402

FORMULA = '=HYPERLINK("http://evil.example","open")'


# ---------------------------------------------------------------- what looks like an id or a date
def test_identifier_and_date_rules(rng):
    n = 40
    df = pd.DataFrame({
        "patient_id": np.arange(1000, 1000 + n),                        # named like an id, whole, unique
        "PatientName": [f"Name{i}" for i in range(n)],                   # text, one value per patient
        "code": [f"HE{i:03d}" for i in range(n)],                        # unnamed codes
        "admitted": [f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)],  # ISO, repeated days too
        "seen": [f"{1 + i % 28:02d}.{1 + i % 12:02d}.2021" for i in range(n)],       # a locale's way
        "dob": [19500101 + 10000 * (i % 30) for i in range(n)],         # yyyymmdd numbers under a date name
        "whole_original_glcm_Id": rng.normal(size=n),                   # a radiomics feature, not an id
        "site_id": rng.choice([1, 2, 3], n),                             # an id of 3 sites: a category
        "sex": rng.choice(["F", "M"], n),
        "age": rng.normal(60, 10, n),
    })
    flagged = identifier_columns(df)
    assert set(flagged) == {"patient_id", "PatientName", "code", "admitted", "seen", "dob"}
    assert flagged["code"] == "looks like an identifier (40 distinct values in 40 rows)"
    assert flagged["admitted"].startswith("holds dates")
    assert identifier_reason(pd.Series(pd.date_range("2020-01-01", periods=5), name="t")) == "holds dates (5 values)"
    for text in ("2021-03-04", "2021-03-04T10:15:00Z", "04.03.2021", "3/4/21", "4 Mar 2021", "March 4, 2021",
                 "2021年3月4日"):
        assert looks_like_date(text), text
    for text in ("3.5", "1-2", "2021-13-40", "HE001", "12.5 (3.1)"):
        assert not looks_like_date(text), text
    # small tables: a handful of categories is not an identifier
    assert identifier_reason(pd.Series(list("ABCDE"), name="grade")) is None


def test_table_one_refuses_a_listed_identifier_and_leaves_one_out_by_default(rng):
    n = 60
    df = pd.DataFrame({"y": rng.integers(0, 2, n), "age": rng.normal(60, 9, n),
                       "mrn": [f"MRN{i:06d}" for i in range(n)],
                       "admission": [f"2022-05-{1 + i % 28:02d}" for i in range(n)]})
    with pytest.raises(DataValidationError, match=r"variables: 'mrn' looks like an identifier \(60 distinct values "
                                                  r"in 60 rows\)\. Table 1 would list such a column's values"):
        cs.table_one(df, group="y", variables=["age", "mrn"])
    with pytest.warns(DataWarning, match=r"Table 1 leaves out 2 column\(s\) .*'mrn' .*'admission' holds dates"):
        t = cs.table_one(df, group="y")
    assert set(t.tests["variable"]) == {"age"}
    t = cs.table_one(df, group="y", variables=["mrn"], allow_identifiers=True)  # asked for: listed
    assert (t.summary["level"] == "MRN000007").any()


# ---------------------------------------------------------------- the guard
def test_guard_finds_ids_in_any_text_but_not_counts():
    data = pd.DataFrame({"patient_id": ["000923847", "000123456", "HE001"], "name": ["Jane Doe", "Li Wei", "Ana"],
                         "age": [70, 64, 58]})
    g = collect_sensitive(data, "patient_id", ids=["923847", "77"])
    t = g.text
    # the leak: a near-miss explained with the other table's id
    assert t("not in img (leading-zero mismatch: img has '923847')") == f"not in img (leading-zero mismatch: img has '{WITHHELD}')"
    assert t("ids 000923847, he001 and HE001.") == f"ids {WITHHELD}, {WITHHELD} and {WITHHELD}."
    assert t("patient Jane Doe (70)") == f"patient {WITHHELD} (70)"
    # plain-number ids cannot be told from counts: only found quoted
    assert t("77 patients; 923847 rows") == "77 patients; 923847 rows" and t("id '77'") == f"id '{WITHHELD}'"
    assert g.withheld == 6
    # values of 3 characters or more are found as words; shorter ones only quoted
    data2 = data.assign(name=["Jane Doe", "Li", "Ana"])
    g2 = collect_sensitive(data2, "patient_id")
    assert g2.text("Analysis of Ana, Li and Lisa; 'Li'") == f"Analysis of {WITHHELD}, Li and Lisa; '{WITHHELD}'"
    frame = g.frame(pd.DataFrame({"Level": ["HE001", "F"], "n": [1, 2], "HE001 (n = 3)": ["a", "b"]}))
    assert frame["Level"].tolist() == [WITHHELD, "F"] and frame.columns[2] == f"{WITHHELD} (n = 3)"
    assert g.json({"a": ["x 000123456"]}) == {"a": [f"x {WITHHELD}"]}
    allowed = collect_sensitive(data, "patient_id", allow_row_level=True)
    assert allowed.text("HE001") == "HE001"


def test_guard_makes_absolute_paths_relative(tmp_path):
    g = collect_sensitive(pd.DataFrame(), base=tmp_path)
    assert g.text(f"no file at {tmp_path / 'data' / 'x.csv'}") == "no file at <study>/data/x.csv"
    assert g.text(f"{Path.home()}/secret.csv") == "~/secret.csv"


def test_figure_text_is_guarded_and_literal():
    import matplotlib.pyplot as plt

    g = collect_sensitive(pd.DataFrame({"patient_id": ["HE001", "HE002"]}), "patient_id")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="plan $5-$10")
    ax.set_yticks([0, 1])
    ax.set_yticklabels(["ward[HE001]", "cost $3 $"])
    ax.set_title("HE002 and $x^2$")
    ax.legend()
    g.figure(fig)
    fig.canvas.draw()  # mathtext would fail or swallow the dollars: drawn literally instead
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    assert "HE001" not in " ".join(texts) and "HE002" not in " ".join(texts)
    assert f"{WITHHELD} and \\$x^2\\$" in texts and "plan \\$5-\\$10" in texts
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"ward[{WITHHELD}]", "cost \\$3 \\$"]
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    assert escape_mathtext("a \\$ b $") == "a \\$ b \\$"


def test_min_cell_masks_small_table_one_cells():
    f = pd.DataFrame({"Characteristic": ["Sex", "F", "X", "Missing", "Age"],
                      "Overall (n = 20)": ["", "16 (80%)", "3 (15%)", "1", "60.1 (3.2)"],
                      "0 (n = 12)": ["", "11 (92%)", "0 (0%)", "1", "3 (2)"], "P": ["0.04", "", "", "", "0.3"]})
    m = mask_small_cells(f, 5)
    assert m["Overall (n = 20)"].tolist() == ["", "16 (80%)", "<5", "<5", "60.1 (3.2)"]
    assert m["0 (n = 12)"].tolist() == ["", "11 (92%)", "0 (0%)", "<5", "3 (2)"]  # zero is not a patient; a mean is not a count
    assert mask_small_cells(f, 1).equals(f)
    other = f.rename(columns={"Characteristic": "Term"})
    assert mask_small_cells(other, 5).equals(other)  # only Table 1's layout


# ---------------------------------------------------------------- spreadsheets
def test_formula_like_text_is_text_in_csv_and_xlsx(tmp_path):
    from openpyxl import load_workbook

    cells = [FORMULA, "+cardiology", "-icu", "@SUM(A1:A9)", "\tTAB", "\rCR", "-0.52", "-0.52 (-0.90 to -0.14)",
             "2.52 (1.40–4.55)", "<0.001", "plain"]
    frame = pd.DataFrame({"Level": cells, "n": range(len(cells)), "x": [-1.5] * len(cells)})
    write_tables({"t": frame}, tmp_path)
    back = pd.read_csv(tmp_path / "tables" / "t.csv", keep_default_na=False)
    assert back["Level"].tolist() == ["'" + c for c in cells[:6]] + cells[6:]
    assert back["x"].tolist() == [-1.5] * len(cells)  # negative numbers stay numbers
    ws = load_workbook(tmp_path / "tables.xlsx")["t"]
    levels = [ws.cell(row=i, column=1) for i in range(2, len(cells) + 2)]
    assert [c.value for c in levels] == cells and all(c.data_type == "s" for c in levels)  # text, never a formula
    assert all(c.quotePrefix for c in levels[:6]) and not any(c.quotePrefix for c in levels[6:])
    assert ws.cell(row=2, column=3).value == -1.5 and ws.cell(row=2, column=3).data_type == "n"
    with zipfile.ZipFile(tmp_path / "tables.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula element anywhere
    assert spreadsheet_text(-3) == -3 and spreadsheet_text("=1") == "'=1"


# ---------------------------------------------------------------- a study whose inputs hold everything that must not leak
def _leaky_inputs(folder: Path, rng, n=160) -> dict:
    """Clinical and imaging tables with zero-padded ids (two of them written without the zeros in the imaging
    table), another identifier (mrn), names, ISO and locale dates, formula-like and `$` categories, a rare level."""
    ids = [f"{923700 + i:09d}" for i in range(n - 1)] + ["TMP-0001"]  # a text id keeps the others' zeros
    age = rng.normal(65, 10, n).round(1)
    y = rng.random(n) < 1 / (1 + np.exp(-(age - 65) / 8))
    ward = rng.choice([FORMULA, "+cardiology", "@neuro", "-icu", "plan $5-$10"], n)
    sex = rng.choice(["F", "M"], n)
    sex[:3] = "X"  # a level of 3 patients (min_cell)
    admitted = pd.to_datetime("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D")
    clin = pd.DataFrame({"patient_id": ids, "mrn": [f"MRN{rng.integers(10**6, 10**7)}" for _ in range(n)],
                         "name": [f"Jane Doe{i}" for i in range(n)], "admission_date": admitted.strftime("%Y-%m-%d"),
                         "discharge": (admitted + pd.Timedelta(days=5)).strftime("%d.%m.%Y"),
                         "age": age, "sex": sex, "ward": ward, "outcome": np.where(y, "Poor", "Good")})
    img_ids = list(ids)
    img_ids[5], img_ids[7] = ids[5].lstrip("0"), ids[7].lstrip("0")  # near misses: "923705" for "000923705"
    img = pd.DataFrame({"patient_id": img_ids, **{f"feat{k}": rng.normal(size=n) + y * (k == 1) for k in (1, 2)}})
    clin.to_csv(folder / "clinical.csv", index=False)
    img.to_csv(folder / "img.csv", index=False)
    secrets = set(clin["patient_id"]) | set(img_ids) | set(clin["mrn"]) | set(clin["name"])
    secrets |= set(clin["admission_date"]) | set(clin["discharge"])
    return {"secrets": secrets, "near": {ids[5], img_ids[5], ids[7], img_ids[7]}}


LEAKY_STUDY = """
data:
  id: patient_id
  tables:
    - {name: clinical, path: clinical.csv}
    - {name: img, path: img.csv, prefix: img_}
outcome: {column: outcome, positive: Poor}
exclusions:
  - {name: "consent withdrawn by 000923710", column: age, op: ">", value: 200}
regression: {candidates: [age, ward], validation_B: 0}
models:
  - {name: Clinical, features: [age, img_feat1]}
report: {title: "Shared report", min_cell: 5ROW}
"""


def _texts(out: Path):
    """Every text of a report folder: HTML without its inline images, CSVs, the manifest, Word and Excel XML."""
    html = (out / "report.html").read_text(encoding="utf-8")
    yield "report.html", re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    for p in sorted(out.rglob("*.csv")):
        yield str(p.relative_to(out)), p.read_text(encoding="utf-8")
    yield "manifest.json", (out / "manifest.json").read_text(encoding="utf-8")
    for name in ("report.docx", "tables.xlsx"):
        with zipfile.ZipFile(out / name) as z:
            for member in z.namelist():
                if member.endswith(".xml"):
                    yield f"{name}:{member}", z.read(member).decode("utf-8")


@pytest.fixture(scope="module")
def leaky(tmp_path_factory):
    folder = tmp_path_factory.mktemp("leaky")
    known = _leaky_inputs(folder, np.random.default_rng(14))
    (folder / "study.yaml").write_text(LEAKY_STUDY.replace("ROW", ""), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        res = Study.from_yaml(folder / "study.yaml").run()
    res.write(folder / "report")
    return folder, known, res


def test_shared_report_holds_no_id_name_or_date(leaky):
    folder, known, res = leaky
    out = folder / "report"
    for where, text in _texts(out):
        found = sorted(s for s in known["secrets"] if s in text)
        assert not found, f"{where} holds {found[:5]}"
    # every figure's text (the SVGs draw glyphs as paths, so the drawn strings are checked)
    drawn = " ".join(t.get_text() for fig in res.figures.values() for t in fig.findobj(matplotlib.text.Text))
    assert not [s for s in known["secrets"] if s in drawn]
    assert "\\$5-\\$10" in drawn  # the `$` category is drawn literally in the forest plot


def test_shared_report_says_what_it_left_out_and_counts_the_audit(leaky):
    folder, known, res = leaky
    out = folder / "report"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Table 1 leaves out 4 column(s) that look like patient identifiers or dates" in html
    audit = pd.read_csv(out / "tables" / "patient_flow_audit.csv", keep_default_na=False)
    assert audit.to_dict("records")[1:] == [
        {"Status": "dropped", "Reason": "not in img (an id there differs only by leading zeros)", "n": 2},
        {"Status": "dropped", "Reason": "not in clinical (an id there differs only by leading zeros)", "n": 2}]
    assert "4 id(s) match an id of another table only after removing leading zeros" in html
    # an id typed into the study file (an exclusion's name) is withheld too, and the report says so
    assert f"Excluded: consent withdrawn by {WITHHELD}: 0." in html
    assert "The privacy guard withheld" in html
    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert manifest["privacy"]["values_withheld"] >= 1 and set(manifest["privacy"]["identifier_or_date_columns"]) == {
        "mrn", "name", "admission_date", "discharge"}
    assert not (out / "merge_audit_row_level.csv").exists() and not (out / "predictions_row_level.csv").exists()


def test_shared_report_masks_small_cells_and_keeps_formulas_as_text(leaky):
    from openpyxl import load_workbook

    out = leaky[0] / "report"
    t1 = pd.read_csv(out / "tables" / "table1_by_outcome.csv", keep_default_na=False)
    levels = t1["Characteristic"].str.strip()
    x = t1[levels == "X"].iloc[0]
    assert x["Overall (n = 158)"] == "<5"  # 3 patients, report.min_cell = 5
    quoted = [v for v in t1["Characteristic"] if v.startswith("'")]  # the apostrophe first, then the indent
    assert [v[1:].strip() for v in quoted] == ["+cardiology", "-icu", FORMULA, "@neuro"]
    ws = load_workbook(out / "tables.xlsx")["table1_by_outcome"]
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.strip() == FORMULA)
    assert cell.data_type == "s" and cell.quotePrefix


def test_row_level_outputs_only_when_allowed(tmp_path, rng):
    known = _leaky_inputs(tmp_path, rng, n=80)
    (tmp_path / "study.yaml").write_text(
        LEAKY_STUDY.replace("min_cell: 5ROW", "include_row_level: true") + "table1: {variables: [age, mrn]}\n", encoding="utf-8")
    res = Study.from_yaml(tmp_path / "study.yaml").run()
    out = res.write(tmp_path / "r")["report"].parent
    audit = pd.read_csv(out / "merge_audit_row_level.csv", dtype=str, keep_default_na=False)
    assert known["near"] <= set(audit["id"]) and audit["near_miss"].str.contains("img: ").any()
    assert (out / "predictions_row_level.csv").exists()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "MRN" in html and "The privacy guard withheld" not in html  # allowed, and listed as asked
    # without the permission, the same Table 1 is refused with the study file's words
    (tmp_path / "study.yaml").write_text(
        (tmp_path / "study.yaml").read_text().replace("include_row_level: true", "include_row_level: false"))
    with pytest.raises(DataValidationError, match=r"table1.variables: 'mrn' looks like an identifier .* remove it "
                                                  r"from table1.variables \(or set report: \{include_row_level: true\}"):
        Study.from_yaml(tmp_path / "study.yaml").run()
