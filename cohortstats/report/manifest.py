"""The manifest of a report folder, and the check that a folder is a complete, unchanged report.

``manifest.json`` is written last, after every other file: its presence with ``"complete": true`` marks a
complete report, and its ``files`` map gives the SHA-256 of every other file of the folder. ``content_sha256``
fingerprints all of them together (two reruns of a study give the same fingerprint). Paths in it are relative to
the study file's folder; nothing in it names the user's machine.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..provenance import __version__, package_versions, relative_path, sha256

__all__ = ["MANIFEST", "REPORT_ENTRIES", "build_manifest", "file_hashes", "check_report", "ReportCheck"]

MANIFEST = "manifest.json"
# everything a report folder can hold at its top level (an --overwrite replaces only such a folder)
REPORT_ENTRIES = frozenset({"report.html", "report.docx", "tables.xlsx", MANIFEST, "tables", "figures", "data",
                            "predictions_row_level.csv", "merge_audit_row_level.csv"})


def file_hashes(folder) -> dict:
    """``{relative path: sha256}`` of every file under ``folder`` but the manifest, sorted by path."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST)
    return {p.relative_to(folder).as_posix(): sha256(p) for p in files}


def content_fingerprint(files: dict) -> str:
    """One SHA-256 over the sorted (path, hash) pairs: equal for two reports with the same files."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(f"{name}\0{files[name]}\n".encode("utf-8"))
    return h.hexdigest()


def _relative_paths(obj, base):
    """The spec dump with every ``path`` value relative to the study folder."""
    if isinstance(obj, dict):
        return {k: (relative_path(v, base) if k == "path" and isinstance(v, str) and Path(v).is_absolute()
                    else _relative_paths(v, base)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_relative_paths(v, base) for v in obj]
    return obj


def build_manifest(res, folder, guard, *, tables: dict, reproducible: bool = False) -> dict:
    """The manifest of the report written in ``folder`` (every other file must already be there).

    Holds the versions, seed, the spec (paths relative to the study folder), the inputs with their hashes,
    what was skipped, the warnings, the privacy guard's summary, the SHA-256 of every file, and, unless
    ``reproducible``, the stage timings (``timings_seconds``, the only part that differs between reruns).
    Every string passes through ``guard``.
    """
    folder = Path(folder)
    spec = res.study.spec
    files = file_hashes(folder)
    manifest = {
        "cohortstats": __version__,
        "complete": True,
        "versions": package_versions(),
        "seed": spec.seed,
        "spec": _relative_paths(spec.model_dump(mode="json"), res.study.base),
        "inputs": res.inputs,
        "skipped": res.skipped,
        "warnings": [w.as_dict() for w in res.warnings],
        "tables": {k: Path(v).relative_to(folder).as_posix() for k, v in tables.items()},
        "figures": sorted(res.figures),
        "privacy": guard.summary(),
        "files": files,
        "content_sha256": content_fingerprint(files),
    }
    manifest = guard.json(manifest)
    manifest["privacy"]["values_withheld"] = guard.withheld  # the count after the manifest itself was guarded
    if not reproducible:
        manifest["timings_seconds"] = dict(res.timings)
    return manifest


def write_manifest(folder, manifest: dict) -> Path:
    path = Path(folder) / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class ReportCheck:
    """Whether a folder is a complete report (``complete``) and whether its files are those the manifest lists
    (``missing``, ``changed``, ``extra``); ``problem`` says why a folder is not complete."""

    folder: str
    complete: bool
    n_files: int = 0
    missing: tuple = ()
    changed: tuple = ()
    extra: tuple = ()
    problem: str = ""
    content_sha256: str = ""

    @property
    def ok(self) -> bool:
        return self.complete and not (self.missing or self.changed or self.extra)

    def message(self) -> str:
        if not self.complete:
            return f"{self.folder}: not a complete cohortstats report: {self.problem}."
        if self.ok:
            return (f"{self.folder}: a complete cohortstats report; its {self.n_files} files match the SHA-256 "
                    f"hashes in {MANIFEST} (content {self.content_sha256[:16]}).")
        lines = [f"{self.folder}: a complete cohortstats report, but its files differ from {MANIFEST}:"]
        for label, names in (("missing", self.missing), ("changed since written", self.changed),
                             ("not written by the run", self.extra)):
            if names:
                shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
                lines.append(f"  - {label}: {shown}")
        return "\n".join(lines)


def check_report(folder) -> ReportCheck:
    """Check that ``folder`` is a complete cohortstats report whose files match the manifest's SHA-256 hashes.

    Examples
    --------
    >>> import tempfile
    >>> check_report(tempfile.mkdtemp()).problem
    'no manifest.json (not a report folder, or a run that did not finish)'
    """
    folder = Path(folder)
    if not folder.is_dir():
        return ReportCheck(str(folder), False, problem="no such folder")
    path = folder / MANIFEST
    if not path.is_file():
        return ReportCheck(str(folder), False, problem=f"no {MANIFEST} (not a report folder, or a run that did "
                                                       "not finish)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return ReportCheck(str(folder), False, problem=f"{MANIFEST} is not valid JSON (damaged or cut short)")
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not (isinstance(manifest, dict) and manifest.get("complete") is True and isinstance(files, dict)):
        return ReportCheck(str(folder), False, problem=f"{MANIFEST} does not mark a complete report (no "
                                                       "'complete' and 'files'; written by an older cohortstats?)")
    present = file_hashes(folder)
    missing = tuple(sorted(n for n in files if n not in present))
    changed = tuple(sorted(n for n in files if n in present and present[n] != files[n]))
    extra = tuple(sorted(n for n in present if n not in files))
    return ReportCheck(str(folder), True, n_files=len(files), missing=missing, changed=changed, extra=extra,
                       content_sha256=str(manifest.get("content_sha256", "")))
