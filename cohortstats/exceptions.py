"""Exceptions and warnings raised by cohortstats.

Errors subclass :class:`CohortStatsError`; errors about values also subclass
:class:`ValueError` so that ``except ValueError`` keeps working.  Warnings are
emitted with ``stacklevel=2`` and never filtered globally by the package.
"""

from __future__ import annotations

__all__ = [
    "CohortStatsError",
    "DataValidationError",
    "EmptySignatureError",
    "CohortStatsWarning",
    "ConvergenceWarning",
    "SeparationWarning",
    "SmallCellWarning",
    "DataWarning",
    "DegenerateComparisonWarning",
    "SampleSizeWarning",
]


class CohortStatsError(Exception):
    """Base class of every error raised on purpose by cohortstats."""


class DataValidationError(CohortStatsError, ValueError):
    """The data or an argument's value cannot be used as given.

    The message names the argument, what was expected, what was received and
    how to fix it.
    """


class EmptySignatureError(DataValidationError):
    """A model's rad-score has no feature left (screening or LASSO kept none) in its training data.

    ``model`` names the model, so a study can leave that model out and say why.
    """

    def __init__(self, message: str, model: str):
        super().__init__(message)
        self.model = model


class CohortStatsWarning(UserWarning):
    """Base class of the warnings emitted by cohortstats."""


class ConvergenceWarning(CohortStatsWarning):
    """An iterative fit stopped before reaching its convergence criterion."""


class SeparationWarning(CohortStatsWarning):
    """Complete or quasi-complete separation in a logistic model."""


class SmallCellWarning(CohortStatsWarning):
    """Expected or observed counts are too small for an asymptotic test."""


class SampleSizeWarning(SmallCellWarning):
    """The data hold fewer patients or events than Riley et al.'s criteria require for the candidate parameters."""


class DataWarning(CohortStatsWarning):
    """Something in the data deserves a look (e.g. ids that differ only by leading zeros)."""


class DegenerateComparisonWarning(DataWarning):
    """A comparison has nothing to test, so a defined value is returned instead of NaN.

    Two scores rank the patients identically (DeLong: difference 0, Z = 0), two risk
    models reclassify nobody differently (NRI/IDI: estimate 0, SE 0), or a score is
    constant (AUC 0.5 with SE 0). The message says which and what was returned.
    """
