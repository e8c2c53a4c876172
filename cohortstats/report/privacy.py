"""The privacy guard: what of a cohort's row-level data may leave the machine in a report.

A report goes to co-authors, journals and public repositories. The guard is built once per run from the data
(:func:`collect_sensitive`) and applied by the writer to every table before it is rendered or written (HTML,
Word, CSV, Excel), to every paragraph, caption and footnote, to the text of every figure and to the manifest:

* no value of the id column of any input table (including ids that matched nothing), and no value of a column
  that looks like an identifier or a date (:mod:`cohortstats._identifiers`) appears in an output unless the
  study sets ``report: {include_row_level: true}``: a value found is replaced by ``[withheld]``;
* absolute paths of the study folder and the home folder are written relative (``<study>/``, ``~/``);
* with ``report: {min_cell: k}`` (k > 1), Table 1 cells counting 1 to k - 1 patients read ``<k``.

What the guard can and cannot find: text values (``HE001``, ``000923847``, ``2021-03-04``, ``Jane Doe``) are
found anywhere in a text; an id that is a plain number (``923847``) is found only where it is quoted
(``'923847'``) because it cannot be told from a count; that is why Table 1 refuses identifier columns and the
merge audit states counts, not ids, before the guard sees anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._identifiers import identifier_columns

__all__ = ["PrivacyGuard", "collect_sensitive", "WITHHELD", "mask_small_cells", "escape_mathtext"]

WITHHELD = "[withheld]"
_PLAIN_NUMBER = re.compile(r"^[-+]?(?:[1-9]\d*|0)(?:\.\d+)?$")
_DELIMITERS = r"\s()\[\]{}<>\"',;=|`"
_TOKEN = re.compile(rf"[^{_DELIMITERS}]+")
_QUOTED = re.compile(r"(['\"])([^'\"]{1,200})\1")
_GROUP_COLUMN = re.compile(r"\(n = \d+\)$")
_PERCENT_CELL = re.compile(r"^(\d+) \([^)]*%\)$")  # "3 (2%)": a count with its percentage
_BARE_COUNT = re.compile(r"^(\d+)$")


def _key(value) -> str:
    return str(value).strip().casefold()


@dataclass
class PrivacyGuard:
    """Finds and withholds row-level values in report text (see the module docstring).

    ``values``: distinctive sensitive values, found anywhere (casefolded); ``quoted``: every sensitive value,
    found where quoted; ``phrases``: values holding spaces or punctuation, by their first word; ``columns``:
    the columns treated as identifiers or dates, with the reason; ``withheld``: how many values were replaced.

    Examples
    --------
    >>> import pandas as pd
    >>> g = collect_sensitive(pd.DataFrame({"patient_id": ["HE001", "HE002"], "age": [70, 64]}), "patient_id",
    ...                       ids=["000923847", "923847"])
    >>> g.text("HE001 and 000923847; img has '923847'; 2 patients")
    "[withheld] and [withheld]; img has '[withheld]'; 2 patients"
    """

    values: frozenset = frozenset()
    quoted: frozenset = frozenset()
    phrases: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    paths: tuple = ()
    allow_row_level: bool = False
    min_cell: int = 1
    withheld: int = 0

    # ------------------------------------------------------------------ text
    def text(self, s):
        """``s`` with every sensitive value replaced by ``[withheld]`` (non-strings are returned unchanged)."""
        if not isinstance(s, str) or not s:
            return s
        for prefix, replacement in self.paths:
            s = s.replace(prefix, replacement)
        if self.allow_row_level or not self.quoted:
            return s
        s = _QUOTED.sub(self._quoted, s)
        s = _TOKEN.sub(self._token, s)
        if self.phrases:
            s = self._phrase(s)
        return s

    def _quoted(self, m):
        if m.group(2) != WITHHELD and _key(m.group(2)) in self.quoted:
            self.withheld += 1
            return f"{m.group(1)}{WITHHELD}{m.group(1)}"
        return m.group(0)

    def _token(self, m):
        tok = m.group(0)
        for cand in (tok, tok.rstrip(".:!?")):
            if _key(cand) in self.values:
                self.withheld += 1
                return WITHHELD + tok[len(cand):]
        return tok

    def _phrase(self, s: str) -> str:
        words = {_key(w) for w in _TOKEN.findall(s)}
        for first in words & set(self.phrases):
            for value in self.phrases[first]:
                s, k = re.subn(re.escape(value), WITHHELD, s, flags=re.IGNORECASE)
                self.withheld += k
        return s

    # ------------------------------------------------------------------ structures
    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """A copy of a formatted table with its text cells and column names guarded (and Table 1's small cells
        masked when ``min_cell`` > 1)."""
        out = df.copy()
        out.columns = [self.text(c) if isinstance(c, str) else c for c in out.columns]
        for j in range(out.shape[1]):
            col = out.iloc[:, j]
            if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
                out.iloc[:, j] = col.map(self.text)
        if self.min_cell > 1:
            out = mask_small_cells(out, self.min_cell)
        return out

    def json(self, obj):
        """Every string of a JSON-like structure (dicts, lists) guarded; keys too."""
        if isinstance(obj, dict):
            return {self.text(k): self.json(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.json(v) for v in obj]
        return self.text(obj)

    def figure(self, fig) -> None:
        """Guard every text of a matplotlib figure in place (titles, labels, legends, fixed tick labels,
        annotations) and escape ``$`` so that no label is read as mathtext."""
        from matplotlib.category import StrCategoryFormatter
        from matplotlib.text import Text
        from matplotlib.ticker import FixedFormatter, FuncFormatter

        def clean(s):
            return escape_mathtext(self.text(s))

        for t in fig.findobj(Text):
            t.set_text(clean(t.get_text()))
        # tick labels are made again from the axis' formatter when drawn: labels given as text (set_ticklabels,
        # categories) are cleaned there too; numeric formatters (whose mathtext draws 10^2) are left alone
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                for minor, fmt in ((False, axis.get_major_formatter()), (True, axis.get_minor_formatter())):
                    if isinstance(fmt, (FixedFormatter, FuncFormatter, StrCategoryFormatter)):
                        guarded = FuncFormatter(lambda x, pos=None, f=fmt: clean(f(x, pos)))
                        (axis.set_minor_formatter if minor else axis.set_major_formatter)(guarded)

    def summary(self) -> dict:
        """What the guard did, for the manifest (no value is listed)."""
        return {"row_level_data": self.allow_row_level, "min_cell": self.min_cell,
                "identifier_or_date_columns": dict(self.columns), "values_withheld": self.withheld}


def escape_mathtext(s):
    """Escape every unescaped ``$`` so matplotlib draws it literally (``"cost $5"`` stays ``cost $5``).

    >>> escape_mathtext("a $x$ b")
    'a \\\\$x\\\\$ b'
    """
    if not isinstance(s, str) or "$" not in s:
        return s
    return re.sub(r"(?<!\\)\$", r"\\$", s)


def collect_sensitive(data: pd.DataFrame, id_col=None, *, ids=(), allow_row_level: bool = False,
                      min_cell: int = 1, base=None) -> PrivacyGuard:
    """Build the guard of one run from its merged data.

    Parameters
    ----------
    data : pandas.DataFrame
        The merged cohort (every column read).
    id_col : str, optional
        The id column of ``data``; its values are sensitive.
    ids : iterable
        Further ids: every id of every input table (the merge audit's ``id``), including those that matched
        nothing.
    allow_row_level : bool
        ``report.include_row_level``: the values are then left in (paths are still made relative).
    min_cell : int
        ``report.min_cell``.
    base : path-like, optional
        The study folder; its absolute path is written ``<study>``.

    Returns
    -------
    PrivacyGuard
    """
    columns = identifier_columns(data, [c for c in data.columns if c != id_col])
    raw = {_key(v) for v in ids}
    if id_col is not None and id_col in data.columns:
        raw |= {_key(v) for v in data[id_col].dropna()}
    for c in columns:
        raw |= {_key(v) for v in data[c].dropna().astype(str)}
    raw.discard("")
    values, phrases = set(), {}
    for v in raw:
        if len(v) < 3 or _PLAIN_NUMBER.match(v):
            continue  # found only when quoted: a short code or a plain number cannot be told from other text
        words = _TOKEN.findall(v)
        if len(words) == 1 and words[0] == v:
            values.add(v)
        elif words:
            phrases.setdefault(words[0], []).append(v)
    return PrivacyGuard(values=frozenset(values), quoted=frozenset(raw), phrases=phrases,
                        columns={c: r for c, r in columns.items()}, paths=_path_prefixes(base),
                        allow_row_level=allow_row_level, min_cell=int(min_cell))


def _path_prefixes(base) -> tuple:
    out = []
    if base is not None:
        b = str(Path(base).resolve())
        out += [(b + "/", "<study>/"), (b + "\\", "<study>\\"), (b, "<study>")]
    home = str(Path.home())
    if len(home) > 1:
        out += [(home + "/", "~/"), (home + "\\", "~\\")]
    return tuple(out)


def mask_small_cells(frame: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Table 1 (a ``Characteristic`` column, then ``<group> (n = k)`` columns): a count cell (``"3 (2%)"``, or
    the count on a ``Missing`` row) of 1 to ``min_cell - 1`` patients reads ``<min_cell``; means, medians and
    other tables are returned unchanged.

    This masks single cells; it is not full disclosure control (a masked count can sometimes be recovered from
    the group's total and the other levels).

    >>> import pandas as pd
    >>> f = pd.DataFrame({"Characteristic": ["Age", "Sex", "F", "Missing"], "A (n = 9)": ["23 (5)", "", "3 (33%)", "2"]})
    >>> mask_small_cells(f, 5)["A (n = 9)"].tolist()
    ['23 (5)', '', '<5', '<5']
    """
    if min_cell <= 1 or "Characteristic" not in frame.columns:
        return frame
    groups = [c for c in frame.columns if isinstance(c, str) and _GROUP_COLUMN.search(c)]
    out = frame.copy()
    missing_rows = out["Characteristic"].astype(str).str.strip().isin(["Missing", "Unknown"])

    def mask(cell, count_only):
        text = str(cell)
        m = _PERCENT_CELL.match(text) or (_BARE_COUNT.match(text) if count_only else None)
        return f"<{min_cell}" if m and 0 < int(m.group(1)) < min_cell else cell

    for c in groups:
        out[c] = [mask(v, miss) for v, miss in zip(out[c], missing_rows)]
    return out
