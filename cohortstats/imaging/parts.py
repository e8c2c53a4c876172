"""The part store of a resumable extraction: one small Parquet file per case and kind of features, named by
the SHA-256 of what computed it, so that a rerun finds the cases already done and recomputes the others.

Layout under the output folder::

    OUT/.parts/whole/<case>-<key>.parquet      whole-ROI radiomics of one case
    OUT/.parts/habitats/<case>-<key>.parquet   its habitat sub-regions (one block of rows per sub-region)
    OUT/.parts/deep/<case>-<key>.parquet       its ResNet50 feature vector

``key`` is the SHA-256 of the image file's bytes, the mask file's bytes and the settings of that kind (the
pyradiomics parameter file's bytes or settings, the habitat count, the weights file's SHA-256, the versions
of the packages that compute the numbers, the threads per task). A part is written to a temporary name and
renamed, so a part that exists is complete.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path

from ..provenance import sha256
from ._deps import need

__all__ = ["digest", "file_digest", "case_key", "part_path", "write_features", "read_features", "write_vector",
           "read_vector", "remove_partials", "PARTS_FOLDER"]

PARTS_FOLDER = ".parts"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def digest(obj) -> str:
    """SHA-256 of a JSON-able object in a canonical form (sorted keys, no whitespace)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path) -> str:
    """SHA-256 of a file's bytes."""
    return sha256(Path(path))


def case_key(settings_digest: str, image_digest: str, mask_digest: str) -> str:
    """The key of one case and kind: SHA-256 over the settings', image's and mask's SHA-256."""
    return hashlib.sha256(f"{settings_digest}:{image_digest}:{mask_digest}".encode()).hexdigest()


def part_path(out, kind: str, case, key: str) -> Path:
    """``OUT/.parts/<kind>/<case>-<key>.parquet``; characters other than letters, digits, ``. _ -`` in the case
    id become ``_`` (the key keeps two cases apart whatever their names)."""
    name = _UNSAFE.sub("_", str(case))[:80] or "_"
    return Path(out) / PARTS_FOLDER / kind / f"{name}-{key}.parquet"


def _parquet():
    need("pyarrow")
    import pyarrow.parquet as pq

    return pq


def _write_atomic(table, path: Path) -> None:
    pq = _parquet()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.stem}.partial")
    pq.write_table(table, tmp)
    os.replace(tmp, path)  # atomic on one file system: a part that exists is complete


def remove_partials(out, older_than: float) -> int:
    """Delete parts left half-written by a killed process (``.tmp-*.partial`` modified before ``older_than``,
    a ``time.time()``); returns how many."""
    n = 0
    for p in (Path(out) / PARTS_FOLDER).glob("*/.tmp-*.partial"):
        if p.stat().st_mtime < older_than:
            p.unlink(missing_ok=True)
            n += 1
    return n


def write_features(path, regions: dict) -> None:
    """Write ``{region: {feature: float or str}}`` (region 0 = whole ROI) as long rows (region, feature,
    number, text): every name, its order, its type and every bit of its value come back from
    :func:`read_features`."""
    pa = need("pyarrow")
    region, feature, number, text = [], [], [], []
    for r, feats in regions.items():
        for k, v in feats.items():
            region.append(int(r))
            feature.append(str(k))
            is_text = isinstance(v, str)
            number.append(None if is_text else float(v))
            text.append(v if is_text else None)
    table = pa.table({"region": pa.array(region, pa.int32()), "feature": pa.array(feature, pa.string()),
                      "number": pa.array(number, pa.float64()), "text": pa.array(text, pa.string())})
    _write_atomic(table, Path(path))


def read_features(path) -> dict:
    """``{region: {feature: value}}`` as written by :func:`write_features` (NaN stays NaN)."""
    cols = _parquet().read_table(path).to_pydict()
    out: dict = {}
    for r, k, x, t in zip(cols["region"], cols["feature"], cols["number"], cols["text"]):
        out.setdefault(r, {})[k] = t if t is not None else (math.nan if x is None else x)
    return out


def write_vector(path, values) -> None:
    """Write a feature vector (its dtype kept: float32 for the ResNet50 features)."""
    pa = need("pyarrow")
    _write_atomic(pa.table({"value": pa.array(values)}), Path(path))


def read_vector(path):
    """The vector written by :func:`write_vector`, as a numpy array of its dtype."""
    return _parquet().read_table(path).column("value").to_numpy()
