"""The report as a document: sections of paragraphs, tables and figures, numbered and cross-referenced, written as
HTML, Word or Excel. :class:`Report` is the public builder; a study's report is assembled with it too.

Cross-references: a paragraph, caption or footnote may say ``[@table:key]`` or ``[@figure:key]``; each reads
"Table 2" or "Figure 3" once the document is numbered (tables and figures in order of appearance).
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pandas as pd

from .blocks import PAGES, REFERENCE, ReportFigure, ReportSection, ReportTable, numbered
from .docx import render_report_docx
from .html import render_report_html
from .xlsx import write_xlsx

__all__ = ["Report", "ReportTable", "ReportFigure", "ReportSection", "REFERENCE", "PAGES"]

def _figure_png(figure, dpi: float) -> bytes:
    """PNG bytes of a matplotlib Figure or Axes (closed afterwards), of PNG bytes, or of a PNG file."""
    if isinstance(figure, (bytes, bytearray)):
        return bytes(figure)
    if isinstance(figure, (str, Path)):
        return Path(figure).read_bytes()
    fig = getattr(figure, "figure", figure)
    if not hasattr(fig, "savefig"):
        raise TypeError(f"figure must be a matplotlib Figure or Axes, PNG bytes or a PNG path; got "
                        f"{type(figure).__name__}.")
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.04)
    plt.close(fig)
    return buf.getvalue()


class Report:
    """A report assembled from results, tables, figures and paragraphs, written as HTML, Word (.docx) or Excel.

    Tables and figures are numbered in order of appearance; text may refer to them as ``[@table:key]`` and
    ``[@figure:key]``. Result objects are formatted as the study report formats them (journal conventions, the
    report's labels and P-value style).

    Parameters
    ----------
    title : str
    authors : sequence of str, optional
    labels : dict, optional
        ``{column: display name}``, used in every table (e.g. ``{"age": "Age, years"}``).
    levels : dict, optional
        ``{column: {value: display name}}`` (e.g. ``{"sex": {"M": "Male", "F": "Female"}}``).
    p_style : {"nejm", "apa", "exact"}
        How P values are written (:func:`cohortstats.formatting.format_p`).
    digits : int
        Decimals of odds and hazard ratios.
    page : {"a4", "letter"}
    orientation : {"portrait", "landscape"}
        Of the Word file's pages; a table too wide for a portrait page gets a landscape page of its own.
    notices : sequence of str, optional
        Shown under the title (e.g. that the data are synthetic).

    Examples
    --------
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import make_hematoma_cohort
    >>> df = make_hematoma_cohort(n=120, random_state=1).clinical
    >>> rep = cs.report.Report("Hematoma expansion", labels={"age": "Age, years"})
    >>> t1 = cs.table_one(df, group="expansion", variables=["age", "sex", "volume"])
    >>> _ = rep.section("Patients").add(t1, caption="Characteristics by expansion", key="table1")
    >>> _ = rep.add_paragraph("[@table:table1] gives the patients' characteristics.")
    >>> rep.tables()["table1"].columns[0]
    'Characteristic'
    >>> "Table 1" in rep.to_html()
    True
    """

    def __init__(self, title: str = "Report", *, authors=(), labels=None, levels=None, p_style: str = "nejm",
                 digits: int = 2, page: str = "a4", orientation: str = "portrait", notices=(), outcome=None,
                 outcome_label=None, positive=None):
        from .._validation import check_one_of
        from .labels import Labels

        check_one_of(page, tuple(PAGES), "page")
        check_one_of(orientation, ("portrait", "landscape"), "orientation")
        check_one_of(p_style, ("nejm", "apa", "exact"), "p_style")
        self.title = title
        self.authors = list(authors)
        self.notices = list(notices)
        self.p_style = p_style
        self.digits = digits
        self.page = page
        self.orientation = orientation
        self.labels = labels if isinstance(labels, Labels) else Labels(
            labels, levels, outcome=outcome, outcome_label=outcome_label, positive=positive)
        self.sections: list[ReportSection] = []

    # ------------------------------------------------------------------ building
    def _current(self) -> ReportSection:
        if not self.sections:
            self.sections.append(ReportSection(""))
        return self.sections[-1]

    def _append(self, block) -> "Report":
        s = self._current()
        self.sections[-1] = replace(s, blocks=s.blocks + (block,))
        return self

    def section(self, title: str) -> "Report":
        """Start a new section; what is added next goes into it."""
        self.sections.append(ReportSection(title, blocks=()))
        return self

    def add_paragraph(self, text: str) -> "Report":
        """A paragraph of text (``[@table:key]`` and ``[@figure:key]`` become "Table 2", "Figure 3")."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str; got {type(text).__name__}.")
        return self._append(text)

    def add_table(self, frame, caption: str, *, notes=(), key: str | None = None, spanners=()) -> "Report":
        """A table of text (a DataFrame, written as is) with its caption and footnotes."""
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}. Use add() for a result.")
        key = key or f"table_{sum(isinstance(b, ReportTable) for s in self.sections for b in s.blocks) + 1}"
        return self._append(ReportTable(caption, frame, tuple(notes), key, tuple(spanners)))

    def add_figure(self, figure, caption: str, *, key: str | None = None, dpi: float = 300) -> "Report":
        """A figure: a matplotlib Figure or Axes (drawn at its size, closed afterwards), PNG bytes or a PNG path,
        or a result with a ``.plot()`` method."""
        if hasattr(figure, "plot") and not hasattr(figure, "savefig") and not hasattr(figure, "figure"):
            figure = figure.plot()
        key = key or f"figure_{sum(isinstance(b, ReportFigure) for s in self.sections for b in s.blocks) + 1}"
        return self._append(ReportFigure(caption, _figure_png(figure, dpi), key, dpi))

    def add(self, result, *, caption: str | None = None, key: str | None = None, notes=(), **options) -> "Report":
        """A result object as its formatted table (with footnotes); ``options`` go to the formatter (e.g.
        ``digits={"glucose": 1}`` for Table 1). A DataFrame is added as is."""
        from .adders import format_result

        if isinstance(result, pd.DataFrame):
            return self.add_table(result, caption or "", notes=notes, key=key)
        frame, default_caption, auto_notes, spanners = format_result(result, self, **options)
        return self.add_table(frame, caption or default_caption, notes=tuple(auto_notes) + tuple(notes), key=key,
                              spanners=spanners)

    # ------------------------------------------------------------------ numbering
    def numbered(self) -> list[ReportSection]:
        """The sections with tables and figures numbered and every cross-reference resolved."""
        return numbered(self.sections)

    def reference(self, kind: str, key: str) -> str:
        """The number a table or figure will carry (``"Table 2"``), for text written outside the report."""
        n = 0
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, ReportTable if kind == "table" else ReportFigure):
                    n += 1
                    if b.key == key:
                        return f"{kind.capitalize()} {n}"
        raise ValueError(f"no {kind} {key!r} in the report.")

    def tables(self) -> dict:
        """``{key: DataFrame}`` of every table, in order (what :meth:`write_xlsx` writes)."""
        return {b.key: b.frame for s in self.sections for b in s.blocks if isinstance(b, ReportTable)}

    # ------------------------------------------------------------------ writing
    def to_html(self, *, version: str = "") -> str:
        """The report as one self-contained HTML page (figures inline)."""
        return render_report_html(self, version=version)

    def write_html(self, path) -> Path:
        """Write :meth:`to_html` to ``path``; returns the path."""
        path = Path(path)
        path.write_text(self.to_html(), encoding="utf-8")
        return path

    def write_docx(self, path) -> Path:
        """Write the report as a Word file: A4 (or letter) pages, numbered tables whose header row repeats on
        every page, column widths from their content, figures scaled to the text area with their captions."""
        return render_report_docx(self, Path(path))

    def write_xlsx(self, path) -> Path:
        """Write every table to one Excel file, a sheet per table (named after its key, cut to Excel's 31
        characters); text starting with ``=``, ``+``, ``-`` or ``@`` is written as text, never as a formula."""
        return write_xlsx(self.tables(), Path(path))

    def __repr__(self) -> str:
        n_t = sum(isinstance(b, ReportTable) for s in self.sections for b in s.blocks)
        n_f = sum(isinstance(b, ReportFigure) for s in self.sections for b in s.blocks)
        return f"Report({self.title!r}, {len(self.sections)} sections, {n_t} tables, {n_f} figures)"
