"""What a study run produced: result objects per analysis, the patient flow, warnings and timings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["StudyResult", "AnalysisResult", "RecordedWarning"]


@dataclass(frozen=True)
class RecordedWarning:
    """A warning raised while a stage ran: where (stage, analysis), what (category, message), how often."""

    stage: str
    category: str
    message: str
    analysis: str = ""
    count: int = 1

    def as_dict(self) -> dict:
        return {"analysis": self.analysis, "stage": self.stage, "category": self.category, "message": self.message,
                "count": self.count}


@dataclass
class AnalysisResult:
    """One analysis of a study (the main one, or one of ``analyses:``): its population, result objects by name
    (``table1``, ``regression``, ``models``, ...), its own patient-flow lines, what was not run and why, and the
    warnings its stages raised."""

    name: str
    spec: object
    results: dict = field(default_factory=dict)
    flow: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    population: str | None = None
    main: bool = True

    def warnings_of(self, stage: str) -> list:
        """The warnings one stage raised (for notes beside that stage's tables)."""
        return [w for w in self.warnings if w.stage == stage]


class StudyResult:
    """Everything a study produced: the analyses (``analyses[0]`` is the main one), the study-level patient
    flow (reading, merging, derived variables), input hashes, warnings, timings; after the report is assembled
    also its sections, formatted tables, figures, methods text and key results.

    ``results``, ``flow`` and ``skipped`` are the main analysis' (with the study-level flow first).
    """

    def __init__(self, study):
        self.study = study
        self.analyses: list[AnalysisResult] = []
        self.study_flow: list = []
        self.study_results: dict = {}  # study-level results: merge audit, reader agreement, reproducibility
        self.notices: list = []
        self.inputs: dict = {}
        self.timings: dict = {}
        self.warnings: list[RecordedWarning] = []
        self.sections: list = []
        self.tables: dict = {}
        self.figures: dict = {}
        self.methods: list = []
        self.key_results: list = []
        self.privacy = None  # the report's privacy guard, learnt from the data (report/privacy.py)

    @property
    def main(self) -> AnalysisResult:
        return self.analyses[0]

    @property
    def results(self) -> dict:
        return {**self.study_results, **(self.analyses[0].results if self.analyses else {})}

    @property
    def flow(self) -> list:
        return self.study_flow + (self.analyses[0].flow if self.analyses else [])

    @property
    def skipped(self) -> list:
        return [s for a in self.analyses for s in (a.skipped if a.main else [f"{a.name}: {x}" for x in a.skipped])]

    def write(self, out, *, overwrite: bool = False, reproducible: bool = False, include=None) -> dict:
        """Write the report folder (HTML, Word, tables, figures, manifest), complete or not at all; see
        :func:`cohortstats.report.writer.write_report`."""
        from ..report.writer import write_report

        return write_report(self, Path(out), overwrite=overwrite, reproducible=reproducible, include=include)
