"""Describing a cohort: Table 1, exact tests for contingency tables, the test for trend in proportions."""
