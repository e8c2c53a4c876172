"""Exceptions and warnings raised by cohortstats.

Errors subclass :class:`CohortStatsError`; errors about values also subclass
:class:`ValueError` so that ``except ValueError`` keeps working.  Warnings are
emitted with ``stacklevel=2`` and never filtered globally by the package.
"""

from __future__ import annotations

__all__ = [
    "CohortStatsError",
    "DataValidationError",
    "CohortStatsWarning",
    "ConvergenceWarning",
    "SeparationWarning",
    "SmallCellWarning",
    "DataWarning",
]


class CohortStatsError(Exception):
    """Base class of every error raised on purpose by cohortstats."""


class DataValidationError(CohortStatsError, ValueError):
    """The data or an argument's value cannot be used as given.

    The message names the argument, what was expected, what was received and
    how to fix it.
    """


class CohortStatsWarning(UserWarning):
    """Base class of the warnings emitted by cohortstats."""


class ConvergenceWarning(CohortStatsWarning):
    """An iterative fit stopped before reaching its convergence criterion."""


class SeparationWarning(CohortStatsWarning):
    """Complete or quasi-complete separation in a logistic model."""


class SmallCellWarning(CohortStatsWarning):
    """Expected or observed counts are too small for an asymptotic test."""


class DataWarning(CohortStatsWarning):
    """Something in the data deserves a look (e.g. ids that differ only by leading zeros)."""
