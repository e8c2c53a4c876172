"""Imaging signatures: reader agreement (ICC), feature screens and the LASSO rad-score."""

from .agreement import IccResult, ReproducibilityScreen, icc, reproducibility_screen
from .lasso import LassoSignature
from .screens import ScreeningResult, screen_features

__all__ = ["icc", "IccResult", "reproducibility_screen", "ReproducibilityScreen", "LassoSignature", "screen_features",
           "ScreeningResult"]
