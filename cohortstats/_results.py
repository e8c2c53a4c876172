"""Display shared by the result objects: a short ``repr`` and, in notebooks, their formatted table (escaped)."""

from __future__ import annotations

import dataclasses
import numbers

_MAX_FIELDS = 8


def _short(value) -> str:
    """One value of a result in a few characters: numbers to 4 significant digits, frames and arrays by shape."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.4g}"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"{type(value).__name__}({'×'.join(str(s) for s in shape)})"
    if isinstance(value, (list, tuple)):
        if len(value) <= 4:
            return f"[{', '.join(_short(v) for v in value)}]"
        return f"[{', '.join(_short(v) for v in value[:3])}, ... ({len(value)} items)]"
    if isinstance(value, dict):
        return f"{{{len(value)} items}}"
    return f"{type(value).__name__}(...)"


def short_repr(obj) -> str:
    """``ThresholdMetrics(threshold=14.3, direction='<', ..., tp=60, ...)``: the first few fields of a result.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class R(TidyHTML):
    ...     estimate: float
    ...     conf_low: float
    ...     method: str
    >>> R(0.8123456, 0.7, "DeLong")
    R(estimate=0.8123, conf_low=0.7, method='DeLong')
    """
    if not dataclasses.is_dataclass(obj):
        return object.__repr__(obj)
    shown = [f for f in dataclasses.fields(obj) if f.repr]
    parts = [f"{f.name}={_short(getattr(obj, f.name))}" for f in shown[:_MAX_FIELDS]]
    if len(shown) > _MAX_FIELDS:
        parts.append("...")
    return f"{type(obj).__name__}({', '.join(parts)})"


class TidyHTML:
    """Mixin for result objects: ``_repr_html_`` shows the result as the report formats it (a table of text, every
    user string escaped) and ``repr`` lists its first few fields in one short line (``.tidy()`` has the numbers).

    A dataclass would write its own long ``__repr__``; a subclass that defines none gets this one, set before the
    dataclass decorator runs (which keeps an existing ``__repr__``).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = short_repr

    def _repr_html_(self) -> str:
        from .report.format import display_frame

        return display_frame(self).to_html(index=False, escape=True, max_rows=60, na_rep="")

    def __repr__(self) -> str:
        return short_repr(self)
