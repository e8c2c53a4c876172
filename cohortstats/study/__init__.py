"""A study: a validated study file (:mod:`.spec`) run as a sequence of stages (:mod:`.runner`) into a
:class:`StudyResult` whose ``write`` produces the report."""

from __future__ import annotations

import time
from pathlib import Path

from .result import StudyResult
from .spec import SpecError, StudySpec, load_spec

__all__ = ["Study", "StudyResult", "StudySpec", "load_spec", "SpecError"]


class Study:
    """A study: a validated spec plus the folder its relative paths start from.

    Examples
    --------
    >>> from cohortstats.study import Study
    >>> from cohortstats.examples import example_spec_path
    >>> study = Study.from_yaml(example_spec_path("fusion"))
    >>> [m.name for m in study.spec.models]
    ['Radiomics', 'Deep learning', 'Fused', 'Clinical + rad-scores']
    """

    def __init__(self, spec: StudySpec, base: Path | str = "."):
        self.spec = spec
        self.base = Path(base)

    @classmethod
    def from_yaml(cls, path) -> "Study":
        spec, base = load_spec(path)
        return cls(spec, base)

    def run(self, *, progress=None, workdir=None) -> "StudyResult":
        """Execute the stages; ``progress`` receives stage names. ``workdir`` holds generated data."""
        from .runner import run_study

        t0 = time.perf_counter()
        result = run_study(self, progress=progress or (lambda s: None), workdir=workdir, show_bars=progress is not None)
        result.timings["total"] = round(time.perf_counter() - t0, 3)
        return result
