"""Word rendering with python-docx: journal-style tables (three horizontal rules), footnotes below."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

__all__ = ["render_docx"]


def _rule(cell, edge: str, size: int = 8) -> None:
    """Draw a horizontal border on one edge ('top' or 'bottom') of a cell."""
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    el = OxmlElement(f"w:{edge}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size))
    el.set(qn("w:color"), "000000")
    borders.append(el)


def _add_table(doc, table) -> None:
    frame = table.frame
    doc.add_paragraph().add_run(table.caption).bold = True
    t = doc.add_table(rows=1, cols=frame.shape[1])
    for j, col in enumerate(frame.columns):
        cell = t.rows[0].cells[j]
        cell.text = str(col)
        cell.paragraphs[0].runs[0].bold = True
        _rule(cell, "top", 12)
        _rule(cell, "bottom", 6)
    for values in frame.itertuples(index=False):
        cells = t.add_row().cells
        for j, v in enumerate(values):
            cells[j].text = "" if v is None else str(v)
    for cell in t.rows[-1].cells:
        _rule(cell, "bottom", 12)
    for row in t.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)
                for r in p.runs:
                    r.font.size = Pt(8)
    for note in table.footnotes:
        p = doc.add_paragraph(note)
        p.runs[0].font.size = Pt(7.5)
        p.paragraph_format.space_after = Pt(0)


def render_docx(sections, path, *, title: str, notices=()) -> Path:
    """Write the sections' tables and paragraphs to a .docx file; returns its path."""
    doc = Document()
    section = doc.sections[0]  # landscape: Table 1 and the model tables are wide
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Inches(0.7))
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    heading = doc.add_heading(title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.LEFT
    for note in notices:
        doc.add_paragraph(note).runs[0].italic = True
    for s in sections:
        doc.add_heading(s.title, level=2)
        for para in s.paragraphs:
            doc.add_paragraph(para)
        for table in s.tables:
            _add_table(doc, table)
            doc.add_paragraph()
        for fig in s.figures:
            doc.add_picture(io.BytesIO(base64.b64decode(fig["png_base64"])), width=Inches(6.5))
            cap = doc.add_paragraph(fig["caption"])
            cap.runs[0].italic = True
    path = Path(path)
    doc.save(path)
    return path
