"""Missing data: multiple imputation and Rubin's rules for pooling the analyses of the completed data sets."""

from .impute import ImputationResult, impute
from .pool import PooledResult, PooledScalar, pool, pool_scalar

__all__ = ["impute", "ImputationResult", "pool", "PooledResult", "pool_scalar", "PooledScalar"]
