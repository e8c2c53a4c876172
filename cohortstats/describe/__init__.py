"""Describing a cohort: Table 1 (with the exact r×c Fisher test)."""

from .table_one import TableOneResult, table_one

__all__ = ["table_one", "TableOneResult"]
