"""Missing data: multiple imputation, Rubin's rules, and the analyses of a study pooled over the imputations."""

from .impute import ImputationResult, impute
from .pool import PooledResult, PooledScalar, PooledTest, pool, pool_chisquare, pool_scalar, pool_wald
from .prediction import PooledDecisionCurve, PooledModelComparison, pool_model_comparisons
from .tables import PooledRegressionTable, pool_table_one, pooled_regression_table
from .validation import bootstrap_validation_imputed

__all__ = ["impute", "ImputationResult", "pool", "PooledResult", "pool_scalar", "PooledScalar", "pool_wald",
           "pool_chisquare", "PooledTest", "pool_table_one", "pooled_regression_table", "PooledRegressionTable",
           "pool_model_comparisons", "PooledModelComparison", "PooledDecisionCurve", "bootstrap_validation_imputed"]
