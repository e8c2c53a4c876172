"""Rendering of result objects: numbers become text here and nowhere else.

:class:`Report` builds a report from result objects, tables, figures and paragraphs and writes it as HTML, Word or
Excel; a study's report is assembled with it (:func:`study_report`)."""

from .builder import Report, ReportFigure, ReportSection, ReportTable
from .format import format_ci, format_number, format_p, table_one_frame
from .labels import Labels
from .sections import study_sections
from .study_report import study_report

__all__ = ["Report", "ReportTable", "ReportFigure", "ReportSection", "Labels", "format_number", "format_p",
           "format_ci", "table_one_frame", "study_sections", "study_report"]
