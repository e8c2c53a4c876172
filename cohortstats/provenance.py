"""Provenance of a run: SHA-256 of input files and the versions of the packages that computed it. Used by
the study runner (inputs) and the report writer (manifest)."""

from __future__ import annotations

import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["sha256", "package_versions", "__version__"]

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
