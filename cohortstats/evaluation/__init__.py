"""Evaluating predictions: ROC/AUC and DeLong tests, the sensitivity band, cut-off metrics, calibration,
decision curves, reclassification (NRI/IDI) and bootstrap validation."""

from .calibration import CalibrationResult, calibration
from .cutoffs import ThresholdMetrics, threshold_metrics
from .decision_curve import DecisionCurveResult, decision_curve, net_benefit_difference
from .reclassification import ReclassificationComparison, ReclassificationResult, compare_reclassification, idi, nri
from .roc import (AucCI, AucComparison, DelongTest, DelongUnpairedTest, RocResult, auc_ci, compare_aucs, delong_test,
                  delong_test_unpaired, roc)
from .roc_band import RocBand, roc_band, sensitivity_at_specificity
from .validation import ScreenedLogisticSpec, ValidationResult, bootstrap_validation

__all__ = ["roc", "RocResult", "auc_ci", "AucCI", "delong_test", "DelongTest", "delong_test_unpaired",
           "DelongUnpairedTest", "compare_aucs", "AucComparison", "roc_band", "RocBand", "sensitivity_at_specificity",
           "threshold_metrics", "ThresholdMetrics", "calibration", "CalibrationResult", "decision_curve",
           "DecisionCurveResult", "net_benefit_difference", "nri", "idi", "ReclassificationResult",
           "compare_reclassification", "ReclassificationComparison", "bootstrap_validation", "ValidationResult",
           "ScreenedLogisticSpec"]
