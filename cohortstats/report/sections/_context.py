"""What every section builder receives: the study result, the analysis it reports on and the report options."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...formatting import format_p
from ..blocks import ReportTable
from ..labels import Labels

__all__ = ["SectionContext", "join_words"]


def join_words(items) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    items = [str(i) for i in items if str(i)]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _distinct(notes) -> tuple:
    """Each footnote once; a recorded warning that repeats another note (a fit's EPV note) is left out."""
    notes = list(dict.fromkeys(notes))
    plain = {n.rstrip(".").lower() for n in notes if not n.startswith("Warning (")}
    return tuple(n for n in notes if not (n.startswith("Warning (") and
                                          n.split("): ", 1)[-1].split(" [")[0].rstrip(".").lower() in plain))


@dataclass
class SectionContext:
    """``res`` (the StudyResult, whose ``tables`` and ``figures`` the builders fill), ``analysis`` (the
    AnalysisResult a section reports on), its ``spec``, the report's ``digits`` and ``p_style``, ``prefix``
    (file-name prefix of a further analysis' tables and figures) and ``labels`` (display names from the study
    file's ``labels`` and ``levels``)."""

    res: object
    analysis: object
    spec: object
    digits: int
    p_style: str
    prefix: str = ""
    labels: Labels = field(default=None)

    def __post_init__(self):
        if self.labels is None:
            self.labels = Labels.from_spec(self.spec)

    @property
    def results(self) -> dict:
        return self.analysis.results

    @property
    def outcome(self) -> str:
        """The outcome's name in running text (its label, lower case as written in the study file)."""
        out = self.spec.outcome
        return out.label or self.labels(out.column)

    def table(self, name: str, frame) -> None:
        """Keep a formatted table for the CSV/XLSX output under this analysis' name."""
        self.res.tables[f"{self.prefix}{name}"] = frame

    def report_table(self, name: str, frame, caption: str, notes=(), spanners=()) -> ReportTable:
        """A numbered table of the report, also kept for the CSV/XLSX output (``name`` is its key)."""
        self.table(name, frame)
        return ReportTable(caption, frame, _distinct(notes), f"{self.prefix}{name}", tuple(spanners))

    def figure(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def has_figure(self, name: str) -> bool:
        return f"{self.prefix}{name}" in self.res.figures

    def ref(self, kind: str, name: str) -> str:
        """A cross-reference (``[@table:key]``) that reads "Table 2" in the report."""
        return f"[@{kind}:{self.prefix}{name}]"

    def p_text(self, p) -> str:
        txt = format_p(p, self.p_style)
        if not txt:
            return "P not computable"
        return f"P {txt[0]} {txt[1:]}" if txt[0] in "<>" else f"P = {txt}"

    def warning_notes(self, stage: str) -> list[str]:
        """Footnotes for the warnings a stage raised, shown beside that stage's tables."""
        return [f"Warning ({w.category}): {w.message}" + (f" [{w.count} times]" if w.count > 1 else "")
                for w in self.analysis.warnings_of(stage)]
