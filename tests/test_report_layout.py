"""The report as a reader sees it: the Word file converted to PDF by LibreOffice (page size, figures inside the
margins, page count, numbered tables, no wrapped CI) and the HTML page rendered by headless Chromium (no console
error, every figure loaded, no table wider than the page at 1,200 px). Skipped, with the reason, where the tools
are not installed."""

import html
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from cohortstats.study import Study

STUDY = """
seed: 7
data: {synthetic: hematoma, synthetic_n: 160}
outcome: {column: expansion, positive: 1, label: hematoma expansion}
labels: {age: "Age, years", sex: Sex, glucose: "Glucose, mmol/L", volume: "Hematoma volume, mL",
         onset_to_ct: "Onset to CT, h", gcs: "GCS score", hypertension: Hypertension}
levels: {expansion: {0: No expansion, 1: Expansion}, sex: {Female: Women, Male: Men}}
table1:
  variables: [age, sex, hypertension, diabetes, glucose, sbp, gcs, onset_to_ct, volume, antithrombotic]
  nonnormal: [gcs, onset_to_ct, volume]
regression:
  candidates: [age, sex, hypertension, glucose, gcs, onset_to_ct, volume]
  categorical: [sex]
  screen_p: 0.2
  validation_B: 10
split: {test_size: 0.3}
feature_sets:
  clinical: {columns: [onset_to_ct, volume]}
  radiomics: {prefix: whole_original_}
models:
  - {name: Clinical, features: [clinical]}
  - {name: Radiomics, features: ["signature:radiomics"]}
  - {name: Combined, features: [clinical, "signature:radiomics"]}
report: {title: Layout check}
"""


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("layout")
    (base / "study.yaml").write_text(STUDY, encoding="utf-8")
    res = Study.from_yaml(base / "study.yaml").run(workdir=base / "work")
    res.write(base / "report")
    return base / "report", res


def test_study_labels_reach_every_table(report_dir):
    out, res = report_dir
    t1 = res.tables["table1_by_outcome"]
    assert list(t1.columns)[:3] == ["Characteristic", "N", "Overall (n = 160)"]  # N: some values are missing
    assert t1.columns[3].startswith("No expansion (n = ") and t1.columns[4].startswith("Expansion (n = ")
    assert {"Age, years", "Sex", "    Women", "Hypertension", "Hematoma volume, mL"} <= set(t1["Characteristic"])
    reg = res.tables["regression_or"]
    assert "Hematoma volume, mL" in set(reg["Characteristic"]) and "    Women" in set(reg["Characteristic"])
    diag = res.tables["diagnostic_accuracy"]
    assert diag["Characteristic"].str.startswith("Clinical (cut-off ").any()
    assert diag.columns.tolist()[1:3] == ["Training set % (95% CI)", "Training set n/N"]
    dc = res.results["decision_curve"].table["threshold"]
    assert dc.max() < 0.99  # the range follows the outcome's prevalence
    assert "Glucose, mmol/L" in set(res.tables["missing_values"]["Variable"])
    assert "Univariable regression of Glucose, mmol/L" in set(res.tables["complete_case_dropped"]["Analysis"])
    n_val, n_fit = res.results["validation_n"], res.results["regression"].multivariable.n
    text = (out / "report.html").read_text(encoding="utf-8")
    assert (f"Resampled from the {n_val} patients with every candidate observed" in text) == (n_val != n_fit)
    # a rad-score model's EPV counts the rad-score once; the methods text does not call that "per candidate parameter"
    # (Riley's count of every feature the LASSO chose among, under Sample size)
    assert "events per fitted coefficient (a rad-score counted once" in text
    for bad in ("True", "None", "a 8:2", " x pt", ">=", "onset_to_ct", "[@"):
        assert bad not in re.sub(r"<[^>]+>|data:image/png;base64,[^\"]+", " ", text), bad


def _run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=240, **kw)


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdfinfo") is None,
                    reason="LibreOffice (soffice) and poppler (pdfinfo, pdftohtml, pdftotext) are needed")
def test_word_file_converted_to_pdf_is_laid_out(report_dir, tmp_path):
    out, res = report_dir
    r = _run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
              "--outdir", str(tmp_path), str(out / "report.docx")])
    pdf = tmp_path / "report.pdf"
    assert pdf.exists(), r.stderr
    info = _run(["pdfinfo", str(pdf)]).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages <= 28, pages  # the whole fusion study with the TRIPOD+AI checklist (was 21 landscape pages)
    _run(["pdftohtml", "-xml", "-zoom", "1", "-q", str(pdf), str(tmp_path / "layout")])
    xml = (tmp_path / "layout.xml").read_text(encoding="utf-8", errors="replace")
    images = re.findall(r'<image top="(\d+)" left="\d+" width="\d+" height="(\d+)"', xml)
    assert len(images) == len(res.figures)
    assert all(71 <= int(top) and int(top) + int(h) <= 842 - 71 for top, h in images)  # A4 portrait: 1-in margins
    # nothing printed beyond the left and right margins (rendered at 36 dpi: 1 pt = 0.5 px; 72 pt = 36 px)
    _run(["pdftoppm", "-r", "36", "-gray", str(pdf), str(tmp_path / "page")])
    for png in sorted(tmp_path.glob("page-*.pgm")):
        ink = np.asarray(Image.open(png)) < 200
        cols = np.flatnonzero(ink.any(axis=0))
        assert cols.min() >= 33 and cols.max() <= ink.shape[1] - 33, (png.name, cols.min(), cols.max())  # 4 pt slack
    text = _run(["pdftotext", "-layout", str(pdf), "-"]).stdout
    numbers = [int(n) for n in re.findall(r"^\s*Table (\d+)\. ", text, re.M)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 10
    figures = [int(n) for n in re.findall(r"^\s*Figure (\d+)\. ", text, re.M)]
    assert figures == list(range(1, len(res.figures) + 1))
    assert not re.search(r"\d\.\d+ \(\d[\d.]*–\s*$", text, re.M), "a CI wrapped over two lines"
    assert re.search(r"Table 2\s+gives\s+the\s+characteristics", text)


def test_word_tables_repeat_their_header_and_fit(report_dir):
    from docx import Document
    from docx.oxml.ns import qn

    out, _ = report_dir
    doc = Document(out / "report.docx")
    section = doc.sections[0]
    assert round(section.page_width.inches, 2) == 8.27 and round(section.page_height.inches, 2) == 11.69
    portrait = (section.page_width - section.left_margin - section.right_margin) / 635  # twips (635 EMU each)
    landscape = portrait + (11.69 - 8.27) * 1440
    widths = [sum(int(g.get(qn("w:w"))) for g in t._tbl.tblGrid.findall(qn("w:gridCol"))) for t in doc.tables]
    for t in doc.tables:
        assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert max(widths) <= landscape + 1
    wide = sum(w > portrait + 1 for w in widths)  # each on a landscape page of its own
    assert wide <= sum(s.orientation == 1 for s in doc.sections)
    reg = next(t for t in doc.tables if t.rows[0].cells[1].text == "Univariable")
    assert [c.text for c in reg.rows[1].cells][:3] == ["Characteristic", "OR (95% CI)", "P"]
    assert reg.rows[1]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert any(p.text.startswith("Table 1. ") for p in doc.paragraphs)


CHECK = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || e.type)), true);
const _ce = console.error; console.error = function(...a) { window.__errors.push(a.join(' ')); _ce.apply(console, a); };
window.addEventListener('load', () => {
  const out = {width: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth,
    images: [...document.images].map(i => i.complete && i.naturalWidth > 0),
    tables: [...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right),
    errors: window.__errors};
  const pre = document.createElement('pre'); pre.id = '__check'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(chromium() is None, reason="no headless Chromium installed")
def test_html_report_renders_in_chromium(report_dir, tmp_path):
    out, res = report_dir
    page = tmp_path / "page.html"
    page.write_text((out / "report.html").read_text(encoding="utf-8").replace("<head>", "<head>" + CHECK, 1),
                    encoding="utf-8")
    r = _run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
              "--window-size=1200,900", "--virtual-time-budget=10000", "--dump-dom", page.as_uri()])
    m = re.search(r'<pre id="__check">(.*?)</pre>', r.stdout, re.S)
    assert m, r.stderr[-2000:]
    check = json.loads(html.unescape(m.group(1)))
    assert check["errors"] == []
    assert len(check["images"]) == len(res.figures) and all(check["images"])
    assert check["scroll"] <= check["width"] and max(check["tables"]) <= check["width"]


def test_report_keys_of_the_study_file(tmp_path):
    from cohortstats.study import SpecError, load_spec
    from cohortstats.study.spec import decision_curve_stop

    base = "data: {synthetic: hematoma}\noutcome: {column: expansion}\n"
    good = tmp_path / "good.yaml"
    good.write_text(base + "labels: {age: Age}\nlevels: {sex: {M: Men}, expansion: {0: No, 1: Yes}}\n"
                    "report: {page: letter, orientation: landscape}\ndecision_curve: {stop: 0.6}\n"
                    "table1: {columns: [smd], digits: {glucose: 1}}\n", encoding="utf-8")
    spec, _ = load_spec(good)
    assert spec.levels["expansion"] == {0: "No", 1: "Yes"} and spec.report.page == "letter"
    assert spec.decision_curve.stop == 0.6 and spec.table1.digits == {"glucose": 1}
    bad = tmp_path / "bad.yaml"
    bad.write_text(base + "report: {page: a5}\n", encoding="utf-8")
    with pytest.raises(SpecError, match="report.page"):
        load_spec(bad)
    bad.write_text(base + "decision_curve: {stop: 1.5}\n", encoding="utf-8")
    with pytest.raises(SpecError, match="decision_curve.stop"):
        load_spec(bad)
    # the default range: 1.5 times the prevalence, rounded up to 0.05, within [0.3, 0.9]
    assert [decision_curve_stop(p) for p in (0.1, 0.3, 0.41, 0.8)] == [0.3, 0.45, 0.65, 0.9]
