"""Regression: logistic (maximum likelihood and Firth, profile-likelihood limits), the univariable screen and
the odds-ratio table, Cox regression and Kaplan-Meier, and nomograms."""

from .logistic import HosmerLemeshow, LogisticRegressionResult, binary_outcome, hosmer_lemeshow, logistic_regression
from .nomogram import NomogramResult, nomogram
from .survival import CoxRegressionResult, KaplanMeierResult, LogRankTest, cox_regression, kaplan_meier
from .univariable import RegressionTable, UnivariableResult, regression_table, univariable_logistic

__all__ = ["logistic_regression", "LogisticRegressionResult", "hosmer_lemeshow", "HosmerLemeshow", "binary_outcome",
           "univariable_logistic", "UnivariableResult", "regression_table", "RegressionTable", "cox_regression",
           "CoxRegressionResult", "kaplan_meier", "KaplanMeierResult", "LogRankTest", "nomogram", "NomogramResult"]
