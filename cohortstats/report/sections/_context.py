"""What every section builder receives: the study result, the analysis it reports on and the report options."""

from __future__ import annotations

from dataclasses import dataclass

from ...formatting import format_p


@dataclass
class SectionContext:
    """``res`` (the StudyResult, whose ``tables`` and ``figures`` the builders fill), ``analysis`` (the
    AnalysisResult a section reports on), its ``spec``, the report's ``digits`` and ``p_style``, and ``prefix``
    (file-name prefix of a further analysis' tables and figures)."""

    res: object
    analysis: object
    spec: object
    digits: int
    p_style: str
    prefix: str = ""

    @property
    def results(self) -> dict:
        return self.analysis.results

    def table(self, name: str, frame) -> None:
        """Keep a formatted table for the CSV/XLSX output under this analysis' name."""
        self.res.tables[f"{self.prefix}{name}"] = frame

    def figure(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def has_figure(self, name: str) -> bool:
        return f"{self.prefix}{name}" in self.res.figures

    def p_text(self, p) -> str:
        txt = format_p(p, self.p_style)
        return f"P < {txt[1:]}" if txt.startswith("<") else f"P = {txt}"

    def warning_notes(self, stage: str) -> list[str]:
        """Footnotes for the warnings a stage raised, shown beside that stage's tables."""
        return [f"Warning ({w.category}): {w.message}" + (f" [{w.count} times]" if w.count > 1 else "")
                for w in self.analysis.warnings_of(stage)]
