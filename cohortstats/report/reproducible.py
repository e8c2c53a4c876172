"""Byte-identical report files: fixed figure metadata and ids, fixed zip timestamps and document properties.

Rerunning a study with the same study file, the same inputs and the same package versions must give the same
bytes in every file of the report (the manifest's ``timings_seconds`` aside; see :mod:`.writer`). The sources
of difference are fixed here:

* SVG: matplotlib writes the date (``<dc:date>``) and random ids (clip paths, glyphs); ``metadata={"Date":
  None}`` and a fixed ``svg.hashsalt`` make both deterministic.
* PNG: no ``Software`` text chunk (its only varying part would be the matplotlib version, which the manifest
  records anyway).
* Word and Excel files are zip archives whose members carry the time they were written, and whose
  ``docProps/core.xml`` holds created/modified times (python-docx, openpyxl): :func:`stabilise_office_file`
  rewrites the archive with a fixed time and fixed properties.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

__all__ = ["FIGURE_RC", "PNG_METADATA", "SVG_METADATA", "FIXED_TIME", "stabilise_office_file"]

FIGURE_RC = {"svg.hashsalt": "cohortstats", "svg.id": None}
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": "cohortstats"}
FIXED_TIME = "2000-01-01T00:00:00Z"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip member can carry


def _core_properties(xml: str, title: str | None) -> str:
    for tag in ("dcterms:created", "dcterms:modified"):
        xml = re.sub(rf"(<{tag}\b[^>]*>)[^<]*(</{tag}>)", rf"\g<1>{FIXED_TIME}\g<2>", xml)
    for tag in ("dc:creator", "cp:lastModifiedBy"):
        xml = re.sub(rf"(<{tag}\b[^>]*>)[^<]*(</{tag}>)", r"\g<1>cohortstats\g<2>", xml)
        xml = re.sub(rf"<{tag}\b[^>]*/>", f"<{tag}>cohortstats</{tag}>", xml)
    xml = re.sub(r"(<cp:revision\b[^>]*>)[^<]*(</cp:revision>)", r"\g<1>1\g<2>", xml)
    xml = re.sub(r"<cp:lastPrinted\b[^>]*>[^<]*</cp:lastPrinted>", "", xml)
    if title is not None:
        from xml.sax.saxutils import escape

        xml = re.sub(r"(<dc:title\b[^>]*>)[^<]*(</dc:title>)", lambda m: m.group(1) + escape(title) + m.group(2), xml)
        xml = re.sub(r"<dc:title\s*/>", lambda m: f"<dc:title>{escape(title)}</dc:title>", xml)
    return xml


def stabilise_office_file(path, *, title: str | None = None) -> Path:
    """Rewrite a .docx/.xlsx archive in place so that the same content always gives the same bytes.

    Every member gets the same timestamp (1980-01-01), permissions and compression, in the original order;
    ``docProps/core.xml`` gets fixed created/modified times (2000-01-01), creator and last-modified-by
    ``cohortstats``, revision 1 and, when given, ``title``.

    Parameters
    ----------
    path : path-like
        The Word or Excel file.
    title : str, optional
        Document title to record in the core properties.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    with zipfile.ZipFile(path) as src:
        members = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as dst:
        for name, data in members:
            if name == "docProps/core.xml":
                data = _core_properties(data.decode("utf-8"), title).encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    tmp.replace(path)
    return path
