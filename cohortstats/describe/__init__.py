"""Describing a cohort: Table 1 (with the exact r×c Fisher test) and the Cochran-Armitage trend test."""

from .table_one import TableOneResult, table_one
from .trend import TrendTestResult, trend_test

__all__ = ["table_one", "TableOneResult", "trend_test", "TrendTestResult"]
