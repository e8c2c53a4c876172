"""Imaging signatures: reader agreement (ICC, weighted kappa), feature screens and the LASSO rad-score."""

from .agreement import AgreementResult, IccResult, ReproducibilityScreen, agreement, icc, reproducibility_screen
from .kappa import KappaResult, kappa
from .lasso import LassoSelector, LassoSignature
from .screens import ScreeningResult, screen_features

__all__ = ["agreement", "AgreementResult", "icc", "IccResult", "kappa", "KappaResult", "reproducibility_screen", "ReproducibilityScreen",
           "LassoSignature", "LassoSelector", "screen_features", "ScreeningResult"]
