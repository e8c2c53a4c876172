"""Notebook display shared by the result objects: their tidy table as HTML (escaped)."""

from __future__ import annotations


class TidyHTML:
    """Mixin: ``_repr_html_`` shows ``tidy()`` (numbers, unformatted) in Jupyter."""

    def _repr_html_(self) -> str:
        return self.tidy().to_html(index=False, escape=True, max_rows=60)
