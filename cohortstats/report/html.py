"""Self-contained HTML rendering with Jinja2 (every user string is escaped): numbered tables with spanning headers,
indented level rows and superscript footnote markers; figures inline at their printed size."""

from __future__ import annotations

import base64
import io
import re

from markupsafe import Markup, escape

from .blocks import ReportDocument, ReportFigure, ReportSection, ReportTable, keyed
from .format import INDENT, MARKERS

__all__ = ["ReportTable", "ReportSection", "ReportFigure", "render_html", "render_report_html", "cell_parts"]

_NUMERIC = re.compile(r"^[<>≤≥−-]?\d[\d.,]*%?(\s*\(.*\))?$")
_LINK = re.compile(r"\b(Table|Figure) (\d+)\b")
_PLAIN = dict(zip(MARKERS, "abcdefghijklmnoprstuvwxyz"))
_HYPHEN_MINUS = re.compile(r"(?<![\w.\-−])-(?=\.?\d|∞)")  # a hyphen that is a minus sign: "-0.52", "(-0.90", "-∞"


def cell_parts(text) -> tuple[int, str, str]:
    """``(indent level, text, footnote markers as plain letters)`` of a formatted cell or footnote; a negative
    number's hyphen becomes the minus sign (U+2212) the report's text uses (the CSV files keep the hyphen)."""
    text = _HYPHEN_MINUS.sub("\u2212", "" if text is None else str(text))
    level = 0
    while text.startswith(INDENT):
        level += 1
        text = text[len(INDENT):]
    marks = ""
    while text and text[-1] in _PLAIN:
        marks = _PLAIN[text[-1]] + marks
        text = text[:-1]
    lead = ""
    while text and text[0] in _PLAIN:
        lead += _PLAIN[text[0]]
        text = text[1:]
    return level, text.strip() if lead else text, lead + marks


def _linked(text: str) -> Markup:
    """Escaped text with "Table 2" and "Figure 3" linked to their anchors."""
    out, last = [], 0
    for m in _LINK.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup('<a href="#{}-{}">{}</a>').format(m.group(1).lower(), m.group(2), m.group(0)))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _table_context(t: ReportTable) -> dict:
    rows = []
    for values in t.frame.itertuples(index=False):
        row = []
        for j, v in enumerate(values):
            level, text, marks = cell_parts(v)
            row.append({"text": text, "marks": marks, "indent": level,
                        "num": j > 0 and bool(_NUMERIC.match(text.replace("\u2009", "")))})
        rows.append(row)
    notes = []
    for n in t.footnotes:
        _, text, marks = cell_parts(n)
        notes.append({"marks": marks, "text": _linked(text)})
    return {"number": t.number, "caption": t.caption, "header": t.header_rows(), "rows": rows, "footnotes": notes,
            "id": f"table-{t.number}"}


def _figure_context(f: ReportFigure) -> dict:
    from PIL import Image

    w_in, h_in = f.size_inches
    css_w = round(w_in * 96)
    with Image.open(io.BytesIO(f.png)) as im:
        target = max(1, round(css_w * 2))  # two pixels per CSS pixel: sharp on high-density screens
        if im.size[0] > target:
            im = im.resize((target, max(1, round(im.size[1] * target / im.size[0]))), Image.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, format="PNG", optimize=True)
    return {"number": f.number, "caption": f.caption, "width": css_w, "id": f"figure-{f.number}",
            "png_base64": base64.b64encode(buf.getvalue()).decode("ascii")}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def render_report_html(report, *, version: str = "") -> str:
    """Render a :class:`~cohortstats.report.builder.Report` (or a :class:`ReportDocument`) into one self-contained
    HTML page."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("cohortstats.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.get_template("report.html")
    sections, used = [], set()
    for s in report.numbered():
        blocks = []
        for b in s.blocks:
            if isinstance(b, str):
                blocks.append({"kind": "paragraph", "text": _linked(b)})
            elif isinstance(b, ReportTable):
                blocks.append({"kind": "table", **_table_context(b)})
            else:
                blocks.append({"kind": "figure", **_figure_context(b)})
        sid = s.id or _slug(s.title)
        while sid in used:
            sid += "-x"
        used.add(sid)
        sections.append({"title": s.title, "id": sid, "blocks": blocks})
    return template.render(title=report.title, subtitle=", ".join(report.authors), notices=report.notices,
                           sections=sections, version=version)


def render_html(sections, *, title: str = "", subtitle: str = "", notices=(), version: str = "") -> str:
    """Render :class:`ReportSection` objects (or a Report) into one self-contained HTML page."""
    if hasattr(sections, "numbered"):
        return render_report_html(sections, version=version)
    doc = ReportDocument(title, [keyed(s, i) for i, s in enumerate(sections)], [subtitle] if subtitle else [],
                         list(notices))
    return render_report_html(doc, version=version)
