"""cohortstats: clinical cohort statistics for imaging studies, equal to R.

Public API (see DESIGN.md): data (:func:`read_table`, :func:`merge_tables`),
Table 1 (:func:`table_one`), and the result objects they return.
"""

from importlib.metadata import PackageNotFoundError, version

from .data import MergeResult, infer_types, merge_tables, missing_summary, radiomics_feature_columns, read_table
from .exceptions import (
    CohortStatsError,
    CohortStatsWarning,
    ConvergenceWarning,
    DataValidationError,
    DataWarning,
    SeparationWarning,
    SmallCellWarning,
)
from .table_one import TableOneResult, table_one
from . import datasets, report  # noqa: E402  (subpackages as attributes: cs.report, cs.datasets)

try:
    __version__ = version("cohortstats")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "datasets",
    "report",
    "read_table",
    "merge_tables",
    "MergeResult",
    "infer_types",
    "missing_summary",
    "radiomics_feature_columns",
    "table_one",
    "TableOneResult",
    "CohortStatsError",
    "CohortStatsWarning",
    "DataValidationError",
    "DataWarning",
    "ConvergenceWarning",
    "SeparationWarning",
    "SmallCellWarning",
]
