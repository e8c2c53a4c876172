"""Reading, merging and auditing cohort tables.

The data layer turns files into one DataFrame per study and keeps an account of
every patient: which table an id was found in, whether it was kept, and why
not.  Nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._memory import release_arrow_memory
from ._validation import _preview, check_columns, check_dataframe
from .exceptions import DataValidationError, DataWarning
from ._results import TidyHTML

__all__ = [
    "read_table",
    "merge_tables",
    "MergeResult",
    "infer_types",
    "missing_summary",
    "radiomics_feature_columns",
    "is_pyradiomics_metadata",
]

_TEXT_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": None}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}

# pyradiomics names features <imageType>_<featureClass>_<feature>.
_RADIOMICS_CLASSES = "shape|shape2D|firstorder|glcm|glrlm|glszm|gldm|ngtdm"
_RADIOMICS_RE = re.compile(rf"^(?:[A-Za-z0-9.\-]+)_(?:{_RADIOMICS_CLASSES})_[A-Za-z0-9]+$")


# --------------------------------------------------------------------------- reading
def _decode(raw: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """Decode file bytes; return (text, encoding used)."""
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as err:
            raise DataValidationError(
                f"{path.name}: byte {raw[err.start]:#04x} at position {err.start} cannot be decoded as "
                f"{encoding!r}. Save the file as UTF-8, or pass the encoding it was written in "
                "(e.g. encoding='cp1252' or 'gbk')."
            ) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        # Latin-1 decodes any byte; accept it only when the text contains no
        # C1 control characters (0x80-0x9f), which real Latin-1 text never holds.
        c1 = [i for i, b in enumerate(raw) if 0x80 <= b <= 0x9F]
        if not c1:
            return raw.decode("latin-1"), "latin-1"
        raise DataValidationError(
            f"{path.name}: the file is neither UTF-8 (byte {raw[err.start]:#04x} at position {err.start}) "
            f"nor Latin-1 (control byte {raw[c1[0]]:#04x} at position {c1[0]}). Save it as UTF-8 or pass "
            "encoding= (e.g. 'cp1252' for Windows spreadsheets, 'gbk' for Chinese Windows)."
        ) from None


def _check_header(names: list, path: Path) -> list[str]:
    trimmed = [str(n).strip() for n in names]
    empty = [i + 1 for i, n in enumerate(trimmed) if n == "" or n.lower().startswith("unnamed:")]
    if empty:
        raise DataValidationError(
            f"{path.name}: column(s) {empty} have no name in the header row. Name every column "
            "(or delete empty columns) and read again."
        )
    seen: dict[str, int] = {}
    for n in trimmed:
        seen[n] = seen.get(n, 0) + 1
    dup = [n for n, k in seen.items() if k > 1]
    if dup:
        raise DataValidationError(
            f"{path.name}: duplicate column names {_preview(dup, k=20)} (after trimming spaces). "
            "Rename them so that each column is unique."
        )
    return trimmed


def read_table(
    path,
    *,
    sheet=None,
    sep: str | None = None,
    decimal: str = ".",
    encoding: str | None = None,
    na_values=None,
    columns=None,
) -> pd.DataFrame:
    """Read a CSV, TSV, Excel or Parquet table into a DataFrame.

    Parameters
    ----------
    path : str or path-like
        File to read; the type comes from the suffix (``.csv``, ``.tsv``/``.tab``,
        ``.txt`` (separator sniffed), ``.xlsx``/``.xlsm``/``.xls``, ``.parquet``/``.pq``).
    sheet : str or int, optional
        Excel sheet. Required when a workbook has more than one sheet.
    sep : str, optional
        Field separator for text files. Default: ``","`` for ``.csv`` (``";"`` when
        ``decimal=","``), tab for ``.tsv``.
    decimal : {".", ","}
        Decimal mark of numbers in text files (``","`` for European exports).
    encoding : str, optional
        Text encoding. Default: UTF-8 (with or without BOM), falling back to
        Latin-1 when the bytes are valid Latin-1 text; anything else is an error.
    na_values : list of str, optional
        Extra strings to read as missing (e.g. ``["n/a", "-"]``).
    columns : callable, optional
        ``columns(name) -> bool`` keeps only the columns it accepts (after trimming), to read a few
        columns of a wide table without holding the rest in memory.

    Returns
    -------
    pandas.DataFrame
        Column names with surrounding whitespace trimmed. ``df.attrs["source"]``
        records the file name, format and encoding.

    Raises
    ------
    DataValidationError
        Empty file, unknown suffix, undecodable bytes, duplicate or empty column
        names, several Excel sheets and none chosen.
    FileNotFoundError
        The file does not exist.

    Examples
    --------
    >>> import cohortstats as cs
    >>> from cohortstats.datasets import example_path
    >>> df = cs.read_table(example_path("breast_cancer.csv"))
    >>> df.shape
    (569, 31)
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"read_table: no file at {str(path)!r}. Check the path (relative paths start from the current folder).")
    if path.is_dir():
        raise DataValidationError(f"read_table: {str(path)!r} is a folder; expected a table file.")
    suffix = path.suffix.lower()
    if decimal not in (".", ","):
        raise DataValidationError(f"decimal must be '.' or ','; got {decimal!r}.")
    if path.stat().st_size == 0:
        raise DataValidationError(f"{path.name}: the file is empty (0 bytes); expected a header row and data.")

    if suffix in _TEXT_SUFFIXES:
        raw = path.read_bytes()
        text, used = _decode(raw, encoding, path)
        if not text.strip():
            raise DataValidationError(f"{path.name}: the file holds only white space; expected a header row and data.")
        if sep is None:
            sep = _TEXT_SUFFIXES[suffix]
            if sep == "," and decimal == ",":
                sep = ";"
            if sep is None:
                try:
                    sep = csv.Sniffer().sniff(text[:20000], delimiters=",;\t|").delimiter
                except csv.Error:
                    sep = ","
        header = next(csv.reader(io.StringIO(text), delimiter=sep))
        names = _check_header(header, path)
        keep = None if columns is None else [i for i, n in enumerate(names) if columns(n)]
        df = pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal, na_values=na_values, header=0, usecols=keep)
        expected = len(names) if keep is None else len(keep)
        if df.shape[1] != expected:
            raise DataValidationError(
                f"{path.name}: the header has {len(names)} fields but rows have {df.shape[1]}; "
                f"check the separator (sep={sep!r}) and quoting."
            )
        df.columns = names if keep is None else [names[i] for i in keep]
        fmt = "text"
    elif suffix in _EXCEL_SUFFIXES:
        used = "xlsx"
        try:
            book = pd.ExcelFile(path)
        except Exception as err:  # openpyxl raises several types for non-workbooks
            raise DataValidationError(f"{path.name}: not a readable Excel workbook ({err}).") from None
        sheets = book.sheet_names
        if sheet is None:
            if len(sheets) > 1:
                raise DataValidationError(
                    f"{path.name} has {len(sheets)} sheets ({_preview(sheets, k=20)}); choose one with sheet=."
                )
            sheet = sheets[0]
        elif not (sheet in sheets or (isinstance(sheet, int) and 0 <= sheet < len(sheets))):
            raise DataValidationError(f"sheet={sheet!r} is not in {path.name}; its sheets are {_preview(sheets, k=20)}.")
        head = book.parse(sheet, header=None, nrows=1, na_values=na_values)
        if head.shape[0] == 0:
            raise DataValidationError(f"{path.name}, sheet {sheet!r}: the sheet is empty.")
        names = _check_header(list(head.iloc[0]), path)
        keep = None if columns is None else [i for i, n in enumerate(names) if columns(n)]
        df = book.parse(sheet, header=0, na_values=na_values, usecols=keep)
        df.columns = names if keep is None else [names[i] for i in keep]
        fmt = "excel"
    elif suffix in _PARQUET_SUFFIXES:
        used = "parquet"
        try:
            if columns is not None:
                import pyarrow.parquet as pq

                wanted = [n for n in pq.read_schema(path).names if columns(str(n).strip())]
                df = pd.read_parquet(path, columns=wanted)
            else:
                df = pd.read_parquet(path)
            release_arrow_memory()  # the Arrow table the frame was converted from
        except ImportError:
            raise ImportError(
                "Reading Parquet needs pyarrow: pip install 'cohortstats[parquet]'."
            ) from None
        df.columns = _check_header(list(df.columns), path)
        fmt = "parquet"
    else:
        raise DataValidationError(
            f"{path.name}: unknown file type {suffix or '(no suffix)'!r}; expected .csv, .tsv, .txt, "
            ".xlsx, .xls or .parquet. Rename the file or convert it."
        )
    if df.shape[0] == 0:
        raise DataValidationError(f"{path.name}: the header was read but there are no data rows.")
    df.attrs["source"] = {"file": path.name, "format": fmt, "encoding": used}
    return df


# --------------------------------------------------------------------------- ids
def _normalise_one(v):
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, (bool, np.bool_)):
        return str(v)
    s = str(v).strip()
    return s if s else None


def _whole_numbers(series: pd.Series):
    """The ids as int64 (NaN -> missing mask) when the column is integer, or floats that are all whole numbers
    (1.0 reads as 1) within ±2^53; else None."""
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        return None
    if series.dtype.kind in "iu" and not series.hasnans:  # plain integers (unsigned above 2^63: as text)
        if series.dtype.kind == "u" and len(series) and series.max() >= 2**63:
            return None
        return series.to_numpy(dtype=np.int64), np.zeros(len(series), bool)
    values = series.to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(values)
    ok = values[~missing]
    if not (np.all(np.isfinite(ok)) and np.all(ok == np.floor(ok)) and np.all(np.abs(ok) <= 2**53)):
        return None
    out = np.zeros(len(values), dtype=np.int64)
    out[~missing] = ok.astype(np.int64)
    return out, missing


def _normalise_ids(series: pd.Series) -> pd.Series:
    """Ids as stripped strings (``None`` when missing or blank); whole-number floats lose their ``.0``."""
    whole = _whole_numbers(series)
    if whole is not None:
        ints, missing = whole
        text = ints.astype(str).astype(object)
        text[missing] = None
        return pd.Series(text, index=series.index, dtype=object)
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind in ("string", "empty"):  # text only: strip it in one pass
            text = series.astype(object).where(series.notna(), None)
            stripped = text.str.strip()
            return stripped.where(stripped.notna() & (stripped != ""), None).astype(object)
    return series.map(_normalise_one).astype(object)


def _strip_zeros(s: str) -> str:
    t = s.lstrip("0")
    return t if t else "0"


@dataclass(frozen=True)
class MergeResult(TidyHTML):
    """The merged cohort and the account of every id.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per kept patient; the id column first, then each table's columns
        (prefixed when prefixes were given).
    audit : pandas.DataFrame
        One row per id in the union of all inputs: ``id``, ``in_<table>`` (bool)
        for each table, ``kept`` (bool), ``reason`` (why dropped, e.g. ``"not in img"`` or ``"not in img (an
        id there differs only by leading zeros)"``; empty when kept; never an id, so that counts by reason can
        be reported) and ``near_miss`` (``"img: '923847'"``: the other table's id that differs only by leading
        zeros; row-level, like ``id``).
    excluded_rows : pandas.DataFrame
        Rows that could not be attributed to an id (missing id), per table:
        ``table``, ``row``, ``reason``.
    metadata_columns : dict
        Per table, the columns recognised as metadata (pyradiomics ``diagnostics_*``,
        ``Image``, ``Mask``) and left out of ``data``.
    id_column : str
        Name of the id column in ``data``.
    """

    data: pd.DataFrame
    audit: pd.DataFrame
    excluded_rows: pd.DataFrame
    metadata_columns: dict = field(default_factory=dict)
    id_column: str = "id"

    def tidy(self) -> pd.DataFrame:
        """The per-id audit table."""
        return self.audit.copy()

    def summary(self) -> pd.DataFrame:
        """Counts of ids kept and dropped by reason, plus rows without an id: no id is named, so the summary
        can go into a report (the per-id ``audit`` cannot)."""
        rows = [{"status": "kept", "reason": "", "n": int(self.audit["kept"].sum())}]
        dropped = self.audit.loc[~self.audit["kept"], "reason"].value_counts()
        rows += [{"status": "dropped", "reason": r, "n": int(k)} for r, k in dropped.items()]
        if len(self.excluded_rows):
            for (t, r), k in self.excluded_rows.groupby(["table", "reason"]).size().items():
                rows.append({"status": "row excluded", "reason": f"{r} ({t})", "n": int(k)})
        return pd.DataFrame(rows, columns=["status", "reason", "n"])

    @property
    def n_kept(self) -> int:
        return int(self.audit["kept"].sum())

    @property
    def n_dropped(self) -> int:
        return int((~self.audit["kept"]).sum())


def is_pyradiomics_metadata(column: str) -> bool:
    """True for pyradiomics' non-feature columns (``diagnostics_*``, ``Image``, ``Mask``)."""
    return str(column).startswith("diagnostics_") or str(column) in {"Image", "Mask"}


def radiomics_feature_columns(df: pd.DataFrame) -> list[str]:
    """Columns named like pyradiomics features (``<imageType>_<class>_<feature>``), prefixes allowed.

    Examples
    --------
    >>> import pandas as pd
    >>> radiomics_feature_columns(pd.DataFrame(columns=["id", "original_glcm_Contrast", "diagnostics_Mask-original_Size"]))
    ['original_glcm_Contrast']
    """
    out = []
    for c in df.columns:
        name = str(c)
        if is_pyradiomics_metadata(name.split("_", 1)[-1]) or name.startswith("diagnostics_"):
            continue
        # allow a user prefix such as "rad_" or "hab1_" before the image type
        parts = name.split("_")
        if any(_RADIOMICS_RE.match("_".join(parts[i:])) for i in range(0, max(1, len(parts) - 2))):
            out.append(name)
    return out


def merge_tables(
    *tables,
    on: str = "patient_id",
    names=None,
    prefixes=None,
    how: str = "inner",
    keep_metadata: bool = False,
) -> MergeResult:
    """Join a clinical table with any number of imaging tables on a patient id.

    Parameters
    ----------
    *tables : pandas.DataFrame, or one dict ``{name: DataFrame}``
        The first table is the clinical (primary) table.
    on : str
        The id column, present in every table. Ids are compared as stripped
        strings (``1.0`` reads as ``"1"``); ``"001"`` and ``"1"`` are *not*
        matched, but such near misses are reported in the audit and warned about.
    names : list of str, optional
        Table names for the audit (default ``table1``, ``table2``, ...; the keys
        when a dict is given).
    prefixes : list or dict, optional
        Prefix added to the non-id columns of each table (e.g. ``[None, "rad_",
        "hab1_"]`` or ``{"radiomics": "rad_"}``). Column names shared by two
        tables without prefixes are an error.
    how : {"inner", "left"}
        ``"inner"`` keeps ids present in every table; ``"left"`` keeps every id of
        the first table (missing imaging values become NaN).
    keep_metadata : bool
        Keep pyradiomics ``diagnostics_*``/``Image``/``Mask`` columns in ``data``
        (default: left out, listed in ``metadata_columns``).

    Returns
    -------
    MergeResult

    Raises
    ------
    DataValidationError
        Missing id column, duplicate ids within a table (listed), clashing column
        names.

    Warns
    -----
    DataWarning
        Ids that match another table's id only after removing leading zeros.

    Examples
    --------
    >>> import pandas as pd, cohortstats as cs
    >>> a = pd.DataFrame({"id": [1, 2, 3], "age": [70, 64, 58]})
    >>> b = pd.DataFrame({"id": ["1", "2", "4"], "score": [0.1, 0.5, 0.9]})
    >>> m = cs.merge_tables(a, b, on="id", names=["clinical", "radiomics"])
    >>> m.data.shape, m.n_dropped
    ((2, 3), 2)
    """
    if len(tables) == 1 and isinstance(tables[0], dict):
        names = list(tables[0]) if names is None else names
        tables = tuple(tables[0].values())
    return merge_table_list(list(tables), on=on, names=names, prefixes=prefixes, how=how, keep_metadata=keep_metadata)


def merge_table_list(tables: list, *, on: str = "patient_id", names=None, prefixes=None, how: str = "inner",
                     keep_metadata: bool = False) -> MergeResult:
    """:func:`merge_tables` of a list of DataFrames that it empties: each table is let go as soon as its columns are
    in the merged frame, so a caller that keeps no other reference (the study runner) never holds every table
    read and the whole merged frame at once."""
    if len(tables) == 0:
        raise DataValidationError("merge_tables needs at least one table.")
    for i, t in enumerate(tables):
        check_dataframe(t, name=f"table {i + 1}")
    names = [f"table{i + 1}" for i in range(len(tables))] if names is None else [str(n) for n in names]
    if len(names) != len(tables) or len(set(names)) != len(names):
        raise DataValidationError(f"names must give {len(tables)} distinct names, one per table; got {names}.")
    if isinstance(prefixes, dict):
        unknown = set(prefixes) - set(names)
        if unknown:
            raise DataValidationError(f"prefixes names unknown tables {sorted(unknown)}; tables are {names}.")
        prefixes = [prefixes.get(n) for n in names]
    prefixes = [None] * len(tables) if prefixes is None else list(prefixes)
    if len(prefixes) != len(tables):
        raise DataValidationError(f"prefixes must have one entry per table ({len(tables)}); got {len(prefixes)}.")
    if how not in ("inner", "left"):
        raise DataValidationError(f"how must be 'inner' or 'left'; got {how!r}.")

    keys, metadata, prepared, excluded = _id_keys(tables, names, on), {}, [], []
    for t, name, prefix, (key, missing) in zip(tables, names, prefixes, keys):
        rows_missing = np.flatnonzero(missing)
        excluded += [pd.DataFrame({"table": name, "row": rows_missing, "reason": "missing id"})]
        rows = np.flatnonzero(~missing)
        index = pd.Index(key[rows])  # no copy of the table yet: remember where each id's row is
        if not index.is_unique:
            dup = index[index.duplicated(keep=False)].unique()
            shown = sorted(_id_text(dup.to_numpy()).tolist())
            raise DataValidationError(
                f"table {name!r} has {len(dup)} duplicated id(s) in {on!r}: {_preview(shown, k=20)}. "
                "Each patient must appear once per table; remove or aggregate the duplicates."
            )
        meta = [c for c in t.columns if c != on and is_pyradiomics_metadata(c)]
        metadata[name] = meta
        cols = [c for c in t.columns if c != on and (keep_metadata or c not in meta)]
        out_cols = [f"{prefix}{c}" if prefix else c for c in cols]
        prepared.append((cols, out_cols, (index, rows)))

    seen_cols: dict[str, str] = {}
    for (_, out_cols, _), name in zip(prepared, names):
        clash = [c for c in out_cols if c in seen_cols]
        if clash:
            raise DataValidationError(
                f"column(s) {_preview(clash, k=10)} of table {name!r} also occur in table "
                f"{seen_cols[clash[0]]!r}. Give the tables prefixes (prefixes=[None, 'rad_', ...])."
            )
        seen_cols.update({c: name for c in out_cols})

    # every id once, in order of first appearance (first table first)
    union = pd.Index(pd.unique(np.concatenate([index.to_numpy() for (_, _, (index, _)) in prepared])))
    where_in = [index.get_indexer(union) for (_, _, (index, _)) in prepared]  # each id's row, -1 if absent
    presence = {name: w >= 0 for name, w in zip(names, where_in)}
    kept = np.logical_and.reduce([presence[n] for n in names]) if how == "inner" else presence[names[0]]
    all_ids = _id_text(union.to_numpy())
    near = _near_misses(all_ids, [index for (_, _, (index, _)) in prepared], names, presence)
    n_near = int((near != "").sum())
    if n_near:
        warnings.warn(
            f"{n_near} id(s) match an id of another table only after removing leading zeros and were NOT matched; "
            "the merge audit lists them (MergeResult.audit, column 'near_miss'). Make the ids identical in every "
            "table.",
            DataWarning,
            stacklevel=2,
        )
    # the reasons name tables and categories, never ids, so that counts by reason can go into a report; the ids
    # are in ``near_miss``
    audit = pd.DataFrame({"id": all_ids, **{f"in_{n}": presence[n] for n in names}, "kept": kept,
                          "reason": _drop_reasons(presence, kept, near != "", names, how), "near_miss": near})
    data = _assemble(tables, prepared, where_in, kept, pd.Series(all_ids[kept], name=on))
    excluded_df = pd.concat(excluded, ignore_index=True)[["table", "row", "reason"]]
    excluded_df["row"] = excluded_df["row"].astype(int)
    excluded_df = excluded_df if len(excluded_df) else pd.DataFrame(columns=["table", "row", "reason"])
    return MergeResult(data=data, audit=audit, excluded_rows=excluded_df, metadata_columns=metadata, id_column=on)


def _assemble(tables: list, prepared: list, where_in: list, kept: np.ndarray, ids: pd.Series) -> pd.DataFrame:
    """The merged frame, built once: every float64 column is written straight into one float64 block (the block
    pandas would consolidate them into, columns in the same order), the other columns are taken as before (a
    patient without a row in a table gets pandas' missing value), and each table in ``tables`` is let go (its
    entry set to None) once its columns are in."""
    n_kept = len(ids)
    names, others, floats, plans = [ids.name], {0: ids}, [], []  # floats: (table, column, values already taken)
    for i, (cols, out_cols, (_, rows)) in enumerate(prepared):
        where = where_in[i][kept]
        found = where >= 0
        take, at = rows[where[found]], (None if found.all() else np.flatnonzero(found))
        plans.append((take, at))
        for c, out in zip(cols, out_cols):
            s = tables[i][c]
            taken = None
            if s.dtype != np.float64:
                taken = s.take(take) if at is None else s.take(take).set_axis(at).reindex(range(n_kept))
                taken = taken.set_axis(pd.RangeIndex(n_kept)).rename(out)
            if taken is None or taken.dtype == np.float64:
                floats.append((i, c, taken))
            else:
                others[len(names)] = taken
            names.append(out)
    block = np.empty((len(floats), n_kept))  # one row per column: the layout of a pandas float64 block
    for i, (take, at) in enumerate(plans):
        for k, (src, c, taken) in enumerate(floats):
            if src != i:
                continue
            if taken is not None:
                block[k] = taken.to_numpy()
            elif at is None:
                np.take(tables[i][c].to_numpy(), take, out=block[k])
            else:
                block[k] = np.nan
                block[k, at] = tables[i][c].to_numpy()[take]
        tables[i] = None  # every column of this table is in: it is let go (when the caller holds no reference)
    positions = [p for p in range(len(names)) if p not in others]
    if len(others) > _MAX_INSERTED:  # many other columns: one frame of every column (pandas copies the block once)
        values = dict(zip(positions, block))
        return pd.DataFrame({names[p]: others[p] if p in others else values[p] for p in range(len(names))})
    data = pd.DataFrame(block.T, columns=[names[p] for p in positions], copy=False)
    for p in sorted(others):  # the other columns at their places (every position below p is filled by now)
        data.insert(p, names[p], others[p])
    return data


_MAX_INSERTED = 90  # columns inserted one by one beside the float64 block (pandas warns above 100 blocks)


def _id_keys(tables, names, on) -> list:
    """Each table's ids as comparable keys and a missing mask: int64 when every table's ids are whole
    numbers (no text to build or hash until the audit), else the normalised strings of
    :func:`_normalise_ids`."""
    for t, name in zip(tables, names):
        if on not in t.columns:
            raise DataValidationError(
                f"id column {on!r} is missing from table {name!r} (columns: {_preview(list(t.columns), k=10)}). "
                "Rename the id column or pass on=."
            )
    whole = [_whole_numbers(t[on]) for t in tables]
    if all(w is not None for w in whole):
        return whole
    out = []
    for t in tables:
        ids = _normalise_ids(t[on]).to_numpy()
        out.append((ids, pd.isna(ids)))
    return out


def _id_text(keys: np.ndarray) -> np.ndarray:
    """Keys as the audit's id strings (object array)."""
    return keys.astype(str).astype(object) if keys.dtype.kind == "i" else keys.astype(object)


def _strip_zeros_all(ids: np.ndarray) -> np.ndarray:
    """:func:`_strip_zeros` of every id (object array of strings)."""
    stripped = pd.Series(ids, dtype=object).str.lstrip("0").to_numpy()
    stripped[stripped == ""] = "0"
    return stripped


def _near_misses(all_ids, indexes, names, presence) -> np.ndarray:
    """Per id, ``"<table>: '<id there>'"`` for each table that lacks it but has an id differing only by leading
    zeros (the first such id in the table's order; joined by ``"; "``), else ``""``. Whole-number ids have no
    leading zeros: all ``""``. Only the ids absent from a table, and that table's ids that start with a zero,
    are stripped."""
    near = np.full(len(all_ids), "", dtype=object)
    if all(index.dtype.kind == "i" for index in indexes):
        return near
    for name, index in zip(names, indexes):
        absent = np.flatnonzero(~presence[name])
        if not len(absent) or not len(index):
            continue
        key = _strip_zeros_all(all_ids[absent])
        theirs = index.to_numpy().astype(object)
        pos = index.get_indexer(key)  # an id there without leading zeros
        zero_led = np.flatnonzero(pd.Series(theirs, dtype=object).str.startswith("0").to_numpy(dtype=bool))
        if len(zero_led):  # or with them: the first one in the table's order
            led = pd.Index(_strip_zeros_all(theirs[zero_led]))
            first = ~led.duplicated(keep="first")
            where = pd.Index(led[first]).get_indexer(key)
            via_zero = np.where(where >= 0, zero_led[first][np.maximum(where, 0)], -1)
            pos = np.where((pos < 0) | ((via_zero >= 0) & (via_zero < pos)), via_zero, pos)
        other = np.where(pos >= 0, theirs[np.maximum(pos, 0)], None)
        hit = (pos >= 0) & (other != all_ids[absent])
        rows, other = absent[hit], other[hit]
        hint = np.array([f"{name}: {o!r}" for o in other], dtype=object)
        near[rows] = np.where(near[rows] == "", hint, near[rows] + "; " + hint)
    return near


def _drop_reasons(presence, kept, hinted, names, how) -> np.ndarray:
    """``""`` for a kept id; else ``"not in <tables>"`` (+ the leading-zeros note), one string per pattern."""
    pattern = np.zeros(len(kept), dtype=np.int64)
    for bit, name in enumerate(names):
        pattern |= presence[name].astype(np.int64) << bit
    pattern |= hinted.astype(np.int64) << len(names)
    reasons = np.full(len(kept), "", dtype=object)
    dropped = np.flatnonzero(~kept)
    codes, inverse = np.unique(pattern[dropped], return_inverse=True)
    texts = []
    for code in codes:
        absent = [n for bit, n in enumerate(names) if not (code >> bit) & 1]
        why = "not in " + ", ".join(absent) if how == "inner" else f"not in {names[0]}"
        if (code >> len(names)) & 1:
            why += " (an id there differs only by leading zeros)"
        texts.append(why)
    reasons[dropped] = np.array(texts, dtype=object)[inverse] if len(dropped) else reasons[dropped]
    return reasons


# --------------------------------------------------------------------------- types
def infer_types(df: pd.DataFrame, *, overrides: dict | None = None, max_ordinal_levels: int = 10,
                exclude=None) -> pd.Series:
    """Infer each column's variable type.

    Rules: two distinct non-missing values -> ``binary``; text, boolean or
    category -> ``categorical`` (``ordinal`` for an ordered category); integers
    with 3..``max_ordinal_levels`` distinct values -> ``ordinal``; other numbers
    -> ``continuous``; no non-missing value -> ``empty``. ``overrides`` maps a column
    to one of these names and wins.

    Returns
    -------
    pandas.Series
        Indexed by column name, values the type names.

    Examples
    --------
    >>> import pandas as pd
    >>> infer_types(pd.DataFrame({"sex": ["M", "F"], "age": [70.5, 60.1], "score": [0, 1]})).tolist()
    ['binary', 'binary', 'binary']
    """
    check_dataframe(df)
    allowed = {"binary", "categorical", "ordinal", "continuous", "empty"}
    overrides = dict(overrides or {})
    bad = {k: v for k, v in overrides.items() if v not in allowed}
    if bad:
        raise DataValidationError(f"overrides: unknown type(s) {bad}; use one of {sorted(allowed)}.")
    check_columns(df, overrides, "overrides")
    exclude = set(exclude or [])
    out = {}
    for c in df.columns:
        if c in exclude:
            continue
        if c in overrides:
            out[c] = overrides[c]
            continue
        s = df[c].dropna()
        k = s.nunique()
        if k == 0:
            out[c] = "empty"
        elif k == 2:
            out[c] = "binary"
        elif isinstance(s.dtype, pd.CategoricalDtype):
            out[c] = "ordinal" if s.dtype.ordered else "categorical"
        elif pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            out[c] = "categorical"
        elif np.all(np.mod(s.to_numpy(dtype=float), 1) == 0) and k <= max_ordinal_levels:
            out[c] = "ordinal"
        else:
            out[c] = "continuous"
    return pd.Series(out, name="type", dtype=object)


def missing_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Missing values per column: ``variable``, ``n``, ``n_missing``, ``percent_missing``.

    Examples
    --------
    >>> import pandas as pd
    >>> missing_summary(pd.DataFrame({"a": [1, None]}))["n_missing"].tolist()
    [1]
    """
    check_dataframe(df)
    n_miss = df.isna().sum()
    return pd.DataFrame(
        {
            "variable": list(df.columns),
            "n": len(df),
            "n_missing": n_miss.to_numpy().astype(int),
            "percent_missing": (100.0 * n_miss / len(df)).to_numpy(),
        }
    )
