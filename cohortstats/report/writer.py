"""Writing a study's report folder: figures, tables, HTML, Word and, last, the manifest. Complete or nothing.

Every file is written into a temporary sibling folder (``.<name>.partial-<pid>-<random>``, hidden, never
holding a manifest until it is complete); the manifest is written last; then the folder is moved into place,
replacing the previous report whole (``overwrite``), so that nothing of an earlier run survives. A run that
fails removes its temporary folder and leaves the previous report as it was; a run that is killed leaves at most
a hidden ``.partial`` folder without a manifest, which the next write removes. :func:`check_report
<cohortstats.report.manifest.check_report>` (``cohortstats check-report DIR``) says whether a folder is a
complete report whose files match the manifest.

Every table, paragraph, caption, figure text and the manifest pass through the privacy guard
(:mod:`.privacy`) before they are rendered or written.

Reruns are byte-identical (:mod:`.reproducible`), the manifest's ``timings_seconds`` aside; with
``reproducible=True`` (``--reproducible``) the timings are left out and the manifest is identical too.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import signal
import warnings
from pathlib import Path

import pandas as pd

from ..exceptions import CohortStatsWarning
from ..provenance import __version__
from .manifest import MANIFEST, REPORT_ENTRIES, build_manifest, write_manifest
from .privacy import PrivacyGuard, collect_sensitive

__all__ = ["write_report", "check_output_folder", "WRITE_STEPS"]

# testing hook: with COHORTSTATS_KILL_AT=<step> the writing process kills itself (SIGKILL) at that step, so that
# the tests can show that a run killed at any point leaves no folder that looks complete
_KILL_ENV = "COHORTSTATS_KILL_AT"
WRITE_STEPS = ("start", "figures", "tables", "html", "docx", "row-level", "manifest", "swap")


_REPORT_FILES = frozenset({MANIFEST, "report.html", "report.docx", "tables.xlsx"})


def _checkpoint(step: str) -> None:
    if os.environ.get(_KILL_ENV) == step:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def _siblings(out: Path, kind: str):
    return sorted(out.parent.glob(f".{out.name}.{kind}-*")) if out.parent.is_dir() else []


def _alive(path: Path) -> bool:
    """Whether the process that made a temporary folder (pid in its name) may still be writing it."""
    try:
        pid = int(path.name.rsplit("-", 2)[-2])
    except (ValueError, IndexError):
        return False
    if os.name == "nt":  # os.kill(pid, 0) would end that process on Windows: leave the folder
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # not ours to signal: somebody else's running process
        return True
    return True


def _clean_leftovers(out: Path) -> None:
    """Remove what a killed run left beside ``out``: unfinished ``.partial`` folders, and the previous report
    moved aside when the kill came between the two renames (put back when ``out`` is missing)."""
    said = []
    for p in _siblings(out, "partial"):
        if not _alive(p):
            shutil.rmtree(p, ignore_errors=True)
            said.append(p.name)
    for p in _siblings(out, "replaced"):
        if _alive(p):
            continue
        if not out.exists() and (p / MANIFEST).is_file():
            os.rename(p, out)
            said.append(f"{p.name} (the previous report, put back as {out.name})")
        else:
            shutil.rmtree(p, ignore_errors=True)
            said.append(p.name)
    if said:
        warnings.warn(f"removed what an earlier run that was stopped while writing left beside {out.name}: "
                      f"{', '.join(said)}.", CohortStatsWarning, stacklevel=3)


def check_output_folder(out, *, overwrite: bool = False) -> Path:
    """Check, before a run, that the report can go to ``out``.

    ``out`` may be missing or empty; an existing report folder needs ``overwrite`` and is then replaced whole.
    A folder holding anything a report does not write is never replaced (an ``--out`` pointing at the wrong
    folder must not delete it).

    Raises
    ------
    FileExistsError
        ``out`` is a file; or not empty and ``overwrite`` is false; or holds other files.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"output {str(out)!r} is a file, not a folder; choose another --out.")
    if not out.exists() or not any(out.iterdir()):
        return out
    if not overwrite:
        raise FileExistsError(f"output folder {str(out)!r} exists and is not empty; choose another or pass "
                              "--overwrite (which replaces the whole folder).")
    names = {p.name for p in out.iterdir()}
    foreign = sorted(names - REPORT_ENTRIES)
    if foreign:
        raise FileExistsError(f"output folder {str(out)!r} holds files that a cohortstats report does not write "
                              f"({', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''}); --overwrite replaces "
                              "the whole folder, so choose another --out or move those files.")
    if not names & _REPORT_FILES:  # e.g. only a data/ folder: somebody's inputs, not a report
        raise FileExistsError(f"output folder {str(out)!r} holds no report (no {', '.join(sorted(_REPORT_FILES))}); "
                              "--overwrite replaces only a report folder, so choose another --out.")
    return out


def _guard(res) -> PrivacyGuard:
    guard = getattr(res, "privacy", None)
    report = res.study.spec.report
    if guard is None:  # a result built without the runner: no data to learn values from; paths only
        guard = collect_sensitive(pd.DataFrame(), base=res.study.base)
    return dataclasses.replace(guard, allow_row_level=report.include_row_level, min_cell=report.min_cell,
                               withheld=0)


def write_report(res, out, *, overwrite: bool = False, reproducible: bool = False, include=None) -> dict:
    """Write report.html, report.docx, tables/*.csv, tables.xlsx, figures/*.png|svg and, last, manifest.json.

    Parameters
    ----------
    res : StudyResult
    out : path-like
        The report folder; it appears only when complete.
    overwrite : bool
        Replace an existing report folder whole.
    reproducible : bool
        Leave the stage timings out of the manifest, so that every file of a rerun is identical.
    include : dict, optional
        ``{folder name: existing folder}`` copied into the report (the example's synthetic ``data``), listed in
        the manifest with their hashes.

    Returns
    -------
    dict
        ``report`` (the HTML path), ``tables`` (name -> CSV path), ``manifest``.
    """
    out = Path(out)
    if out.name in ("", ".", ".."):  # the temporary sibling needs the folder's own name
        out = out.resolve()
    out = check_output_folder(out, overwrite=overwrite)
    _clean_leftovers(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    guard = _guard(res)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        tmp.mkdir()
        _checkpoint("start")
        paths = _write_files(res, tmp, guard, include or {})
        manifest = build_manifest(res, tmp, guard, tables=paths, reproducible=reproducible)
        _checkpoint("manifest")
        write_manifest(tmp, manifest)
        _move_into_place(tmp, out)
    except BaseException as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(err, Exception) and hasattr(err, "add_note"):
            err.add_note(f"Nothing was written: {str(out)!r} is as it was before the run.")
        raise
    return {"report": out / "report.html", "tables": {k: out / Path(v).relative_to(tmp) for k, v in paths.items()},
            "manifest": out / MANIFEST}


def _move_into_place(tmp: Path, out: Path) -> None:
    if out.exists():
        old = out.parent / f".{out.name}.replaced-{os.getpid()}-{secrets.token_hex(4)}"
        os.rename(out, old)
        _checkpoint("swap")
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)


def _guarded_report(report, guard):
    """The study's Report with the privacy guard applied to every text it shows (titles, paragraphs, captions,
    table cells, footnotes, spanners, notices)."""
    from .blocks import ReportFigure, ReportTable

    def block(b):
        if isinstance(b, str):
            return guard.text(b)
        if isinstance(b, ReportTable):
            return dataclasses.replace(b, caption=guard.text(b.caption), frame=guard.frame(b.frame),
                                       footnotes=tuple(guard.text(f) for f in b.footnotes),
                                       spanners=tuple(_guarded_spanner(s, guard) for s in b.spanners))
        if isinstance(b, ReportFigure):
            return dataclasses.replace(b, caption=guard.text(b.caption))
        return b

    report.sections = [dataclasses.replace(s, title=guard.text(s.title), blocks=tuple(block(b) for b in s.blocks))
                       for s in report.sections]
    report.title = guard.text(report.title)
    report.authors = [guard.text(a) for a in report.authors]
    report.notices = [guard.text(n) for n in report.notices]
    return report


def _guarded_spanner(spanner, guard):
    if isinstance(spanner, str):
        return guard.text(spanner)
    if isinstance(spanner, tuple):
        return tuple(guard.text(x) if isinstance(x, str) else x for x in spanner)
    return spanner


def _write_files(res, tmp: Path, guard: PrivacyGuard, include: dict) -> dict:
    from .figures import save_figure
    from .reproducible import stabilise_office_file
    from .study_report import study_report
    from .tables import write_csv, write_tables

    spec = res.study.spec
    formats = set(spec.report.formats)
    for name, fig in res.figures.items():
        guard.figure(fig)
        save_figure(fig, tmp, name)
    _checkpoint("figures")
    report = _guarded_report(study_report(res, {name: tmp / "figures" / f"{name}.png" for name in res.figures}),
                             guard)
    paths = {}
    if {"csv", "xlsx"} & formats:
        paths = write_tables({name: guard.frame(t) for name, t in res.tables.items()}, tmp)
        stabilise_office_file(tmp / "tables.xlsx", title=report.title)
        if "csv" not in formats:
            shutil.rmtree(tmp / "tables")
            paths = {}
        if "xlsx" not in formats:
            (tmp / "tables.xlsx").unlink()
    _checkpoint("tables")
    if guard.withheld:
        report.notices.append(f"The privacy guard withheld {guard.withheld} value(s) that matched patient "
                              "identifiers or dates in the data; they read [withheld].")
    if "html" in formats:
        (tmp / "report.html").write_text(report.to_html(version=__version__), encoding="utf-8")
    _checkpoint("html")
    if "docx" in formats:
        report.write_docx(tmp / "report.docx")
        stabilise_office_file(tmp / "report.docx", title=report.title)
    _checkpoint("docx")
    if guard.allow_row_level:
        if "models" in res.results:
            write_csv(res.results["models"].predictions, tmp / "predictions_row_level.csv")
        merge = res.study_results.get("merge")
        if merge is not None:
            write_csv(merge.audit, tmp / "merge_audit_row_level.csv")
    _checkpoint("row-level")
    for name, folder in include.items():
        shutil.copytree(folder, tmp / name)
    return paths
