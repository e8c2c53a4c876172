"""Word rendering with python-docx, laid out for a journal submission.

A4 (or US letter) portrait pages with 1-inch margins; journal-style tables (three horizontal rules, a spanning
header where the table has one) numbered "Table 2." above and their footnotes below; column widths from the
measured width of their content, so an estimate with its CI never wraps; a table too wide for a portrait page gets
a landscape page of its own; header rows repeat on every page and rows never split; figures numbered below, kept
with their caption and scaled to fit the text area.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

from .blocks import PAGES, ReportDocument, ReportFigure, ReportTable, keyed
from .html import cell_parts

__all__ = ["render_docx", "render_report_docx", "table_layout", "text_width"]

MARGIN_IN = 1.0
FONT = "Arial"  # LibreOffice substitutes the metric-compatible Liberation Sans
BODY_PT, TABLE_PT, NOTE_PT = 10, 9, 8
CELL_PAD_PT = 3.6  # left and right cell margin (0.05 in each)
INDENT_PT = 10.0
_TABLE_STYLE, _NOTE_STYLE = "Table Text", "Table Note"
_NUMERIC = re.compile(r"^[<>≤≥−\-]?\d[\d.,]*%?(\s*[\(\[].*[\)\]])?$|^—$|^\d+\s*/\s*\d+$")


@lru_cache(maxsize=4)
def _font(bold: bool):
    from matplotlib import font_manager
    from PIL import ImageFont

    prop = font_manager.FontProperties(family=["Liberation Sans", "Arial", "DejaVu Sans"],
                                       weight="bold" if bold else "normal")
    return ImageFont.truetype(font_manager.findfont(prop), 100, layout_engine=ImageFont.Layout.BASIC)


def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Printed width in points of ``text`` in Arial (Liberation Sans metrics) at ``size_pt``."""
    return _font(bold).getlength(text) * size_pt / 100.0


def _keep_counts(text: str) -> str:
    """``"(n = 72)"`` never breaks over two lines (non-breaking spaces around the equals sign)."""
    return text.replace(" = ", "\u00a0=\u00a0")


def _is_numeric_column(values) -> bool:
    texts = [cell_parts(v)[1] for v in values if str(v).strip()]
    return bool(texts) and sum(bool(_NUMERIC.match(t)) for t in texts) >= 0.8 * len(texts)


def table_layout(table: ReportTable, width_pt: float, size_pt: float = TABLE_PT) -> tuple[list[float], bool]:
    """Column widths (points) that fit ``width_pt``, and whether they do.

    A column of numbers (estimates, CIs, P values, counts) keeps its widest cell on one line; a column of text
    may wrap between words, down to its longest word. Room left over goes to the columns whose text would wrap,
    in proportion to what they lack."""
    frame = table.frame
    header = table.header_rows()[-1]
    mins, body_wants, wants = [], [], []
    for j, col in enumerate(frame.columns):
        values = frame.iloc[:, j].tolist()
        body = []
        for v in values:
            level, text, marks = cell_parts(v)
            body.append((level * INDENT_PT, text, marks))
        head = _keep_counts(header[j][0])
        head_word = max([text_width(w, size_pt, True) for w in head.split(" ")] or [0.0])
        head_full = text_width(head, size_pt, True)
        full = [ind + text_width(t + m, size_pt) for ind, t, m in body] or [0.0]
        words = [ind + max([text_width(w, size_pt) for w in (t + m).split()] or [0.0]) for ind, t, m in body] or [0.0]
        pad = 2 * CELL_PAD_PT + 2.0
        if _is_numeric_column(values) or j > 0 and max(full) < 90:
            lo = max(max(full), head_word) + pad
        else:
            lo = max(max(words), head_word) + pad
        mins.append(lo)
        body_wants.append(max(lo, max(full) + pad))
        wants.append(max(lo, max(full) + pad, head_full + pad))
    widths = list(mins)
    if sum(widths) > width_pt:
        return widths, False
    for target in (body_wants, wants):  # first no wrapped body cell, then no wrapped header
        extra = width_pt - sum(widths)
        lack = [max(0.0, w - m) for w, m in zip(target, widths)]
        if sum(lack) > 0:
            share = min(1.0, extra / sum(lack))
            widths = [m + share * g for m, g in zip(widths, lack)]
    return widths, True


# ---------------------------------------------------------------- XML helpers
def _set(parent, tag: str, **attrs):
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        parent.append(el)
    for k, v in attrs.items():
        el.set(qn(k), str(v))
    return el


def _rule(cell, edge: str, size: int) -> None:
    borders = _set(cell._tc.get_or_add_tcPr(), "w:tcBorders")
    _set(borders, f"w:{edge}", **{"w:val": "single", "w:sz": size, "w:color": "000000", "w:space": 0})


def _cell_width(cell, width_pt: float) -> None:
    _set(cell._tc.get_or_add_tcPr(), "w:tcW", **{"w:w": int(round(width_pt * 20)), "w:type": "dxa"})


def _row_flags(row, header: bool) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    _set(tr_pr, "w:cantSplit")
    if header:
        _set(tr_pr, "w:tblHeader")


def _fixed_table(t, widths_pt) -> None:
    tbl_pr = t._tbl.tblPr
    _set(tbl_pr, "w:tblLayout", **{"w:type": "fixed"})
    _set(tbl_pr, "w:tblW", **{"w:w": int(round(sum(widths_pt) * 20)), "w:type": "dxa"})
    mar = _set(tbl_pr, "w:tblCellMar")
    for side in ("left", "right"):
        _set(mar, f"w:{side}", **{"w:w": int(CELL_PAD_PT * 20), "w:type": "dxa"})
    grid = t._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths_pt):
        gc.set(qn("w:w"), str(int(round(w * 20))))


def _write(paragraph, text: str, size: float, *, bold=False, italic=False, marks="", keep_spaces=False) -> None:
    if keep_spaces:
        text = text.replace(" ", "\u00a0")
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic
    if marks:
        sup = paragraph.add_run(marks)
        sup.font.size = Pt(size)
        sup.font.superscript = True


def _tight(paragraph, after: float = 0.0, keep_next: bool = False) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    fmt.keep_with_next = keep_next


# ---------------------------------------------------------------- blocks
def _caption(doc, label: str, text: str, *, keep_next: bool) -> None:
    p = doc.add_paragraph()
    _write(p, f"{label}. ", BODY_PT, bold=True)
    _write(p, text, BODY_PT)
    _tight(p, after=4, keep_next=keep_next)


def _add_table(doc, table: ReportTable, widths, size_pt) -> None:
    frame = table.frame
    _caption(doc, f"Table {table.number}", table.caption, keep_next=True)
    header = table.header_rows()
    numeric = [j > 0 and _is_numeric_column(frame.iloc[:, j].tolist()) for j in range(frame.shape[1])]
    align = [WD_ALIGN_PARAGRAPH.CENTER if numeric[j] else WD_ALIGN_PARAGRAPH.LEFT for j in range(frame.shape[1])]
    t = doc.add_table(rows=len(header) + len(frame), cols=frame.shape[1])
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    t.autofit = False
    _fixed_table(t, widths)
    for i, hrow in enumerate(header):
        j = 0
        for text, span in hrow:
            cell = t.cell(i, j)
            if span > 1:
                cell = cell.merge(t.cell(i, j + span - 1))
            p = cell.paragraphs[0]
            p.style = _TABLE_STYLE
            _write(p, _keep_counts(text), size_pt, bold=True)
            p.alignment = align[j] if span == 1 else WD_ALIGN_PARAGRAPH.CENTER
            if i == 0:
                _rule(cell, "top", 12)
            if i == len(header) - 1 or (text and span >= 1 and len(header) > 1):
                _rule(cell, "bottom", 6)
            j += span
    keep_together = len(frame) <= 25
    for i, values in enumerate(frame.itertuples(index=False)):
        row = t.rows[len(header) + i]
        for j, v in enumerate(values):
            level, text, marks = cell_parts(v)
            p = row.cells[j].paragraphs[0]
            p.style = _TABLE_STYLE
            _write(p, text, size_pt, marks=marks, keep_spaces=numeric[j] and bool(_NUMERIC.match(text)))
            p.alignment = align[j]
            if level:
                p.paragraph_format.left_indent = Pt(INDENT_PT * level)
                p.paragraph_format.first_line_indent = Pt(0)
            _tight(p, keep_next=keep_together and i < len(frame) - 1)
    for row_i, row in enumerate(t.rows):
        _row_flags(row, header=row_i < len(header))
        for j, cell in enumerate(row.cells):
            _cell_width(cell, widths[j])
            for p in cell.paragraphs:
                _tight(p, keep_next=p.paragraph_format.keep_with_next or row_i < len(header))
    for cell in t.rows[-1].cells:
        _rule(cell, "bottom", 12)
    for k, note in enumerate(table.footnotes):
        _, text, marks = cell_parts(note)
        p = doc.add_paragraph(style=_NOTE_STYLE)
        if marks:
            sup = p.add_run(marks)
            sup.font.superscript = True
            sup.font.size = Pt(NOTE_PT)
            text = " " + text
        _write(p, text, NOTE_PT)
        _tight(p, after=8 if k == len(table.footnotes) - 1 else 0)
    if not table.footnotes:
        _tight(doc.add_paragraph(), after=6)


def _add_figure(doc, fig: ReportFigure, area_w: float, area_h: float) -> None:
    w, h = fig.size_inches
    scale = min(1.0, area_w / w, (area_h - 1.0) / h)  # leave an inch of the page for the caption
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_picture(io.BytesIO(fig.png), width=Inches(w * scale), height=Inches(h * scale))
    _tight(p, after=2, keep_next=True)
    _caption(doc, f"Figure {fig.number}", fig.caption, keep_next=False)
    doc.paragraphs[-1].paragraph_format.space_after = Pt(10)


# ---------------------------------------------------------------- document
def _page(section, page: str, orientation: str) -> tuple[float, float]:
    w, h = PAGES[page]
    if orientation == "landscape":
        w, h = h, w
    section.orientation = WD_ORIENT.LANDSCAPE if orientation == "landscape" else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Inches(w), Inches(h)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(MARGIN_IN))
    return w - 2 * MARGIN_IN, h - 2 * MARGIN_IN


def _page_numbers(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    p._p.append(fld)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 16), ("Heading 1", 13), ("Heading 2", 11)):
        st = doc.styles[name]
        st.font.name = FONT
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.color.rgb = RGBColor(0, 0, 0)
        st.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        st.paragraph_format.space_after = Pt(6)
        st.paragraph_format.keep_with_next = True
        rpr = st.element.get_or_add_rPr()
        _set(rpr, "w:rFonts", **{"w:ascii": FONT, "w:hAnsi": FONT, "w:eastAsia": FONT, "w:cs": FONT})
    from docx.enum.style import WD_STYLE_TYPE

    for name, size in ((_TABLE_STYLE, TABLE_PT), (_NOTE_STYLE, NOTE_PT)):
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.font.size = Pt(size)
        st.paragraph_format.space_before = Pt(0)
        st.paragraph_format.space_after = Pt(0)
        st.paragraph_format.line_spacing = 1.0
    title = doc.styles["Title"]
    p_pr = title.element.get_or_add_pPr()
    for el in p_pr.findall(qn("w:pBdr")):
        p_pr.remove(el)


def render_report_docx(report, path: Path) -> Path:
    """Write a :class:`~cohortstats.report.builder.Report` (or a :class:`ReportDocument`) to a .docx file."""
    doc = Document()
    _styles(doc)
    base = report.orientation
    area = _page(doc.sections[0], report.page, base)
    _page_numbers(doc.sections[0])
    doc.add_paragraph(report.title, style="Title")
    if report.authors:
        doc.add_paragraph(", ".join(report.authors))
    for note in report.notices:
        p = doc.add_paragraph()
        _write(p, note, BODY_PT, italic=True)
    current = base
    for s in report.numbered():
        if s.title:
            first = s.blocks[0] if s.blocks else None
            needed = _table_plan(first, report, base)[0] if isinstance(first, ReportTable) else base
            if needed != current:  # the heading goes on the page of its first block, never alone on the last one
                current = _switch(doc, report.page, needed)
                area = _area(report.page, current)
            doc.add_heading(s.title, level=1)
        for b in s.blocks:
            if isinstance(b, ReportTable):
                current = _place_table(doc, b, report, base, current)
                area = _area(report.page, current)
            elif isinstance(b, ReportFigure):
                if current != base:
                    current = _switch(doc, report.page, base)
                    area = _area(report.page, current)
                _add_figure(doc, b, *area)
            else:
                if current != base:
                    current = _switch(doc, report.page, base)
                doc.add_paragraph(b)
    path = Path(path)
    doc.save(path)
    return path


def _area(page: str, orientation: str) -> tuple[float, float]:
    w, h = PAGES[page]
    if orientation == "landscape":
        w, h = h, w
    return w - 2 * MARGIN_IN, h - 2 * MARGIN_IN


def _switch(doc, page: str, orientation: str) -> str:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(section, page, orientation)
    return orientation


def _table_plan(table, report, base) -> tuple:
    """``(orientation, column widths, font size)``: the base orientation's text width when the table fits it, else a
    landscape page (and a smaller font if even that is too narrow)."""
    for orientation in ([base, "landscape"] if base == "portrait" else [base]):
        width = _area(report.page, orientation)[0] * 72 - 1  # a point to spare for rounding to twips
        for size in (TABLE_PT, 8.0):
            widths, fits = table_layout(table, width, size)
            if fits:
                return orientation, widths, size
    widths, _ = table_layout(table, _area(report.page, "landscape")[0] * 72, 7.5)
    scale = _area(report.page, "landscape")[0] * 72 / sum(widths)
    return "landscape", [w * scale for w in widths], 7.5


def _place_table(doc, table, report, base, current) -> str:
    """Add the table on the page orientation :func:`_table_plan` chooses (a new section when it changes)."""
    orientation, widths, size = _table_plan(table, report, base)
    if orientation != current:
        current = _switch(doc, report.page, orientation)
    _add_table(doc, table, widths, size)
    return current


def render_docx(sections, path, *, title: str = "", notices=(), page: str = "a4",
                orientation: str = "portrait") -> Path:
    """Write :class:`~cohortstats.report.blocks.ReportSection` objects (or a Report) to a .docx file."""
    if hasattr(sections, "numbered"):
        return render_report_docx(sections, Path(path))
    doc = ReportDocument(title, [keyed(s, i) for i, s in enumerate(sections)], [], list(notices), page, orientation)
    return render_report_docx(doc, Path(path))
