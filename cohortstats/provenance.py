"""Provenance of a run: SHA-256 of input files and the versions of the packages that computed it. Used by
the study runner (inputs) and the report writer (manifest)."""

from __future__ import annotations

import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["sha256", "package_versions", "relative_path", "__version__"]

try:
    __version__ = version("cohortstats")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"


def sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_versions() -> dict:
    """Python and the versions of the packages whose code computes a study's numbers."""
    out = {"python": platform.python_version()}
    for pkg in ("cohortstats", "numpy", "scipy", "pandas", "statsmodels", "scikit-learn", "lifelines", "glum",
                "python-glmnet", "matplotlib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def relative_path(path, base) -> str:
    """``path`` as the manifest records it: relative to ``base`` (the study file's folder), with ``/``
    separators; ``../`` steps for a file outside that folder; only the file name when no relative path exists
    (another drive). Never an absolute path of the user's machine.

    >>> relative_path("/home/ana/study/data/a.csv", "/home/ana/study"), relative_path("/srv/x/b.csv", "/home/ana/study")
    ('data/a.csv', '../../../srv/x/b.csv')
    """
    import os

    p, b = Path(path), Path(base)
    if not p.is_absolute():
        p = b / p
    try:
        rel = os.path.relpath(os.path.abspath(p), os.path.abspath(b))
    except ValueError:  # another drive (Windows)
        return p.name
    return Path(rel).as_posix()
