"""cohortstats: clinical cohort statistics for imaging studies, equal to R.

Public API (see DESIGN.md): data (:func:`read_table`, :func:`merge_tables`),
Table 1 (:func:`table_one`), and the result objects they return.
"""

from importlib.metadata import PackageNotFoundError, version

from .data import MergeResult, infer_types, merge_tables, missing_summary, radiomics_feature_columns, read_table
from .calibration import CalibrationResult, calibration
from .cutoffs import ThresholdMetrics, threshold_metrics
from .discrimination import (
    AucCI,
    AucComparison,
    DelongTest,
    DelongUnpairedTest,
    RocBand,
    RocResult,
    auc_ci,
    compare_aucs,
    delong_test,
    delong_test_unpaired,
    roc,
    roc_band,
    sensitivity_at_specificity,
)
from .decision_curve import DecisionCurveResult, decision_curve, net_benefit_difference
from .exceptions import (
    CohortStatsError,
    CohortStatsWarning,
    ConvergenceWarning,
    DataValidationError,
    EmptySignatureError,
    DataWarning,
    DegenerateComparisonWarning,
    SeparationWarning,
    SmallCellWarning,
)
from .regression import HosmerLemeshow, LogisticRegressionResult, hosmer_lemeshow, logistic_regression
from .screening import RegressionTable, UnivariableResult, regression_table, univariable_logistic
from .features import LassoSignature, ScreeningResult, screen_features
from .models import ValidationResult, bootstrap_validation
from .pipelines import (
    CrossValidatedPerformance,
    ModelComparison,
    ModelSpec,
    cross_validate_models,
    fit_models,
    train_test_split,
)
from .nomogram import NomogramResult, nomogram
from .reproducibility import IccResult, ReproducibilityScreen, icc, reproducibility_screen
from .reclassification import ReclassificationComparison, ReclassificationResult, compare_reclassification, idi, nri
from .study import Study, StudyResult, StudySpec, load_spec
from .survival import CoxRegressionResult, KaplanMeierResult, LogRankTest, cox_regression, kaplan_meier
from .table_one import TableOneResult, table_one
from . import datasets, plots, report  # noqa: E402  (subpackages as attributes: cs.plots, cs.report, ...)

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
    "logistic_regression",
    "LogisticRegressionResult",
    "hosmer_lemeshow",
    "HosmerLemeshow",
    "univariable_logistic",
    "UnivariableResult",
    "regression_table",
    "RegressionTable",
    "cox_regression",
    "CoxRegressionResult",
    "kaplan_meier",
    "KaplanMeierResult",
    "LogRankTest",
    "roc",
    "RocResult",
    "roc_band",
    "sensitivity_at_specificity",
    "RocBand",
    "auc_ci",
    "AucCI",
    "delong_test",
    "DelongTest",
    "delong_test_unpaired",
    "DelongUnpairedTest",
    "compare_aucs",
    "AucComparison",
    "threshold_metrics",
    "ThresholdMetrics",
    "nri",
    "compare_reclassification",
    "ReclassificationComparison",
    "idi",
    "ReclassificationResult",
    "calibration",
    "CalibrationResult",
    "decision_curve",
    "DecisionCurveResult",
    "net_benefit_difference",
    "nomogram",
    "NomogramResult",
    "bootstrap_validation",
    "ValidationResult",
    "icc",
    "IccResult",
    "reproducibility_screen",
    "ReproducibilityScreen",
    "screen_features",
    "ScreeningResult",
    "LassoSignature",
    "train_test_split",
    "ModelSpec",
    "fit_models",
    "ModelComparison",
    "cross_validate_models",
    "CrossValidatedPerformance",
    "Study",
    "StudySpec",
    "StudyResult",
    "load_spec",
    "plots",
    "CohortStatsError",
    "CohortStatsWarning",
    "DataValidationError",
    "EmptySignatureError",
    "DataWarning",
    "DegenerateComparisonWarning",
    "ConvergenceWarning",
    "SeparationWarning",
    "SmallCellWarning",
]
