"""A study's report as a :class:`~cohortstats.report.builder.Report`: its sections (from
:func:`~cohortstats.report.sections.study_sections`) with the figures' PNG files, the study's title, authors, page
and labels. The writer renders it to HTML and Word."""

from __future__ import annotations

from pathlib import Path

from .blocks import ReportFigure, ReportSection
from .builder import Report
from .labels import Labels

__all__ = ["study_report"]


def study_report(res, figures) -> Report:
    """The report of a study run.

    Parameters
    ----------
    res : StudyResult
        With its ``sections`` assembled (the runner does this).
    figures : dict
        ``{figure name: PNG bytes or path}``, e.g. the 300-dpi files the writer saved; a section's figure that is
        not here is left out.
    """
    spec = res.study.spec
    rep_spec = spec.report
    report = Report(rep_spec.title, authors=rep_spec.authors, notices=res.notices, p_style=rep_spec.p_style,
                    digits=rep_spec.digits, page=getattr(rep_spec, "page", "a4"),
                    orientation=getattr(rep_spec, "orientation", "portrait"), labels=Labels.from_spec(spec))
    for s in res.sections:
        blocks = []
        for b in _blocks(s):
            if isinstance(b, tuple):
                name, caption = b
                if name not in figures:
                    continue
                png = figures[name]
                png = Path(png).read_bytes() if isinstance(png, (str, Path)) else png
                blocks.append(ReportFigure(caption, png, name, dpi=300))
            else:
                blocks.append(b)
        report.sections.append(ReportSection(s["title"], blocks=tuple(blocks)))
    return report


def _blocks(section: dict) -> list:
    """A section dict's blocks in order (``blocks``, or the older ``paragraphs``, ``tables``, ``figures``)."""
    if "blocks" in section:
        return list(section["blocks"])
    return [*section.get("paragraphs", ()), *section.get("tables", ()), *section.get("figures", ())]


