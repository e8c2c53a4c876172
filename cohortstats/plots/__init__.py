"""Figures. Each function takes a result object, draws on ``ax`` (a new one when None) and returns the Axes.

matplotlib is imported inside the functions; nothing here shows or saves a figure. Figures are drawn at the
width they are printed (a full A4 text width is 6.2 inches), with 8-10 pt text, in seaborn's colour-blind-safe
palette (:data:`PALETTE`); labels that could collide are moved apart or left out, measured from the rendered
text.
"""

from __future__ import annotations

from ._style import FULL_WIDTH, PALETTE
from .calibration import (
    plot_calibration,
    plot_calibration_curves,
    plot_clinical_impact,
    plot_decision_curve,
    plot_interventions_avoided,
)
from .forest import plot_forest
from .lasso import plot_lasso, plot_lasso_coefficients, plot_lasso_cv, plot_lasso_path
from .nomogram import plot_km, plot_nomogram
from .roc import plot_roc

__all__ = ["plot_roc", "plot_forest", "plot_km", "plot_calibration", "plot_calibration_curves", "plot_decision_curve",
           "plot_interventions_avoided", "plot_clinical_impact", "plot_nomogram", "plot_lasso", "plot_lasso_path",
           "plot_lasso_cv", "plot_lasso_coefficients", "PALETTE", "FULL_WIDTH"]
