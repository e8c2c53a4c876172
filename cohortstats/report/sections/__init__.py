"""Report sections of a study, one builder per section (each a module here). A builder takes a
:class:`SectionContext` and returns a section dict (``title``, ``paragraphs``, ``tables``, ``figures``) or None
when its results are absent; it fills ``res.tables`` with the formatted tables it shows.

A new section: write ``<name>.py`` with a ``<name>_section(ctx)`` builder and add it to ``ANALYSIS_SECTIONS``
(or ``STUDY_SECTIONS``) in the order it appears in the report.
"""

from __future__ import annotations

from ..study_figures import analysis_figures
from ._context import SectionContext
from .agreement import agreement_section
from .closing import not_run_section, warnings_section
from .cv import cv_section
from .features import features_section
from .flow import flow_section
from .methods import methods_section
from .missing import missing_section, pooled_models_section, pooled_regression_section
from .models import models_section
from .regression import regression_section
from .reproducibility import reproducibility_section
from .score_roc import score_roc_section
from .sample_size import sample_size_section
from .summary import summary_section
from .survival import survival_section
from .table1 import table1_section
from .tripod import tripod_section

__all__ = ["study_sections", "SectionContext"]

ANALYSIS_SECTIONS = (flow_section, methods_section, summary_section, agreement_section, reproducibility_section,
                     table1_section,
                     missing_section, sample_size_section, score_roc_section, regression_section,
                     pooled_regression_section, models_section, pooled_models_section, features_section, cv_section,
                     survival_section)
CLOSING_SECTIONS = (not_run_section, warnings_section, tripod_section)


def study_sections(res) -> list[dict]:
    """Every section of a study's report, in order; fills ``res.tables`` and ``res.figures``."""
    spec = res.study.spec
    options = {"digits": spec.report.digits, "p_style": spec.report.p_style}
    sections = []
    for analysis in res.analyses:
        prefix = "" if analysis.main else f"{_slug(analysis.name)}_"
        res.figures.update(analysis_figures(analysis.results, analysis.spec, prefix))
        ctx = SectionContext(res, analysis, analysis.spec, prefix=prefix, **options)
        for build in ANALYSIS_SECTIONS:
            section = build(ctx)
            if section is not None:
                if not analysis.main:
                    section["title"] = f"{analysis.name}: {section['title']}"
                sections.append(section)
    ctx = SectionContext(res, res.main, spec, **options)
    sections += [s for s in (build(ctx) for build in CLOSING_SECTIONS) if s is not None]
    return sections


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
