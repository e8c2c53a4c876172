"""Imaging signatures: reader agreement (ICC, weighted kappa), feature screens and the LASSO rad-score."""

from .agreement import IccResult, ReproducibilityScreen, icc, reproducibility_screen
from .kappa import KappaResult, kappa
from .lasso import LassoSignature
from .screens import ScreeningResult, screen_features

__all__ = ["icc", "IccResult", "kappa", "KappaResult", "reproducibility_screen", "ReproducibilityScreen",
           "LassoSignature", "screen_features", "ScreeningResult"]
