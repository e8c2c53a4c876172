"""Rendering of result objects: numbers become text here and nowhere else."""

from .format import format_ci, format_number, format_p, table_one_frame
from .sections import study_sections

__all__ = ["format_number", "format_p", "format_ci", "table_one_frame", "study_sections"]
