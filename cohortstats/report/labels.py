"""Display names: a study's ``labels`` (columns) and ``levels`` (values of a column), used wherever a name is shown
(tables, figures, generated text)."""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["Labels"]

_TERM = re.compile(r"^(?P<var>.+)\[(?P<level>.*)\]$")


def _key(value) -> str:
    """A value as text for matching: ``1``, ``1.0``, ``"1"`` and ``True`` all read ``"1"``."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _key(value.item())
    return str(value)


_RAD_SCORE = re.compile(r"Rad-score \((.+)\)")


class Labels:
    """Display names of columns and of their values.

    Parameters
    ----------
    labels : dict, optional
        ``{column: display name}``, e.g. ``{"fvh_score": "FVH score, per point"}``.
    levels : dict, optional
        ``{column: {value: display name}}``, e.g. ``{"infarct": {0: "No infarction", 1: "Acute infarction"}}``.
        Values match whatever their type in the data (``1``, ``1.0``, ``"1"`` and ``True`` are one key).
    outcome : str, optional
        The outcome column; its groups are named from ``levels`` (by 0/1, or by the original values with
        ``positive`` naming the one recoded to 1), otherwise ``"No <label>"`` and ``"<Label>"``.
    outcome_label : str, optional
        The outcome's label (``outcome.label`` of a study file).
    positive : optional
        The outcome value that was recoded to 1.

    Examples
    --------
    >>> lab = Labels({"age": "Age, years"}, {"sex": {"M": "Male"}})
    >>> lab("age"), lab("onset_to_ct"), lab.level("sex", "M"), lab.term("sex[M]")
    ('Age, years', 'onset_to_ct', 'Male', 'sex: Male')
    >>> Labels(outcome="expansion", outcome_label="hematoma expansion").level("expansion", 1)
    'Hematoma expansion'
    """

    def __init__(self, labels=None, levels=None, *, outcome=None, outcome_label=None, positive=None):
        self.labels = {str(k): str(v) for k, v in (labels or {}).items()}
        self.levels = {str(col): {_key(k): str(v) for k, v in (m or {}).items()} for col, m in (levels or {}).items()}
        self.outcome = outcome
        self.outcome_label = outcome_label
        if outcome is not None and positive is not None and outcome in self.levels:
            named = self.levels[outcome]
            if _key(positive) in named and not {"0", "1"} <= set(named):  # named by original values
                others = [v for k, v in named.items() if k != _key(positive)]
                self.levels[outcome] = {"1": named[_key(positive)], **({"0": others[0]} if len(others) == 1 else {})}

    @classmethod
    def from_spec(cls, spec) -> "Labels":
        """The labels of a study file (its ``labels``, ``levels`` and ``outcome`` blocks)."""
        out = getattr(spec, "outcome", None)
        return cls(getattr(spec, "labels", None), getattr(spec, "levels", None),
                   outcome=getattr(out, "column", None), outcome_label=getattr(out, "label", None),
                   positive=getattr(out, "positive", None))

    def __call__(self, column) -> str:
        """The display name of a column (or of a ``variable[level]`` term)."""
        column = str(column)
        if column in self.labels:
            return self.labels[column]
        if column == self.outcome and self.outcome_label:
            return _capital(self.outcome_label)
        if _TERM.match(column):
            return self.term(column)
        rad = _RAD_SCORE.fullmatch(column)
        if rad:  # a model's rad-score input, named by its feature set(s): the sets' labels when given
            return f"Rad-score ({' + '.join(self.labels.get(k, k) for k in rad.group(1).split(' + '))})"
        return column

    def has(self, column) -> bool:
        return str(column) in self.labels

    def level(self, column, value) -> str:
        """The display name of one value of a column."""
        named = self.levels.get(str(column), {})
        key = _key(value)
        if key in named:
            return named[key]
        if str(column) == self.outcome and key in ("0", "1"):
            name = self.outcome_label or str(column)
            return _capital(name) if key == "1" else f"No {name}"
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (float, np.floating)):
            return str(value)
        return key  # a whole-number float (a numeric column with missing values) reads "2", not "2.0"

    def has_level(self, column, value) -> bool:
        return _key(value) in self.levels.get(str(column), {})

    def term(self, term) -> str:
        """``"sex[Male]"`` reads ``"Sex: Male"`` (both names from the labels, when given); other terms as
        :meth:`__call__`."""
        m = _TERM.match(str(term))
        if not m:
            return self(term)
        var, level = m.group("var"), m.group("level")
        return f"{self(var)}: {self.level(var, level)}"

    def group(self, column, value, n=None) -> str:
        """A column header for one group: ``"Good outcome (n = 72)"``."""
        name = "Overall" if str(value) == "Overall" else self.level(column, value)
        return name if n is None else f"{name} (n = {n})"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
