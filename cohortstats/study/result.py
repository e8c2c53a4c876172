"""What a study run produced: result objects, figures, the patient flow, warnings and timings."""

from __future__ import annotations

from pathlib import Path


class StudyResult:
    """Everything a study produced: result objects, formatted tables, figures and the patient flow."""

    def __init__(self, study):
        self.study = study
        self.results: dict = {}
        self.sections: list = []
        self.tables: dict = {}
        self.figures: dict = {}
        self.flow: list = []
        self.skipped: list = []
        self.methods: list = []
        self.key_results: list = []
        self.inputs: dict = {}
        self.timings: dict = {}

    def write(self, out, *, overwrite: bool = False) -> dict:
        from ..report.writer import write_report

        return write_report(self, Path(out), overwrite=overwrite)
