"""Complete-or-nothing report folders, check-report, byte-identical reruns and relative paths (issue 14)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cohortstats.cli import main
from cohortstats.report.manifest import check_report
from cohortstats.report.writer import WRITE_STEPS
from cohortstats.study import Study

ROOT = Path(__file__).resolve().parents[1]
SMALL = """
data: {id: null, tables: [{name: asah, path: DATA}]}
outcome: {column: outcome, positive: Poor}
table1: {variables: [age, gender, wfns]}
report: {include_row_level: ROWS}
"""
MODELS = "models:\n  - {name: m, features: [age, s100b]}\n"


def _study(folder: Path, rows=False, data="aSAH.csv", extra="") -> Path:
    """A quick study on aSAH: Table 1 only (no figures to draw), or with a model (``extra=MODELS``)."""
    folder.mkdir(parents=True, exist_ok=True)
    if data == "aSAH.csv":
        shutil.copy(ROOT / "tests" / "data" / "aSAH.csv", folder / "aSAH.csv")
    p = folder / "study.yaml"
    p.write_text(SMALL.replace("DATA", data).replace("ROWS", str(rows).lower()) + extra, encoding="utf-8")
    return p


def _hidden(folder: Path):
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def test_overwrite_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "report"
    p = _study(tmp_path / "s", rows=True, extra=MODELS)
    Study.from_yaml(p).run().write(out)
    assert (out / "predictions_row_level.csv").exists() and (out / "merge_audit_row_level.csv").exists()
    assert (out / "figures" / "roc.svg").exists()
    p = _study(tmp_path / "s", rows=False)  # no model now: no ROC curve either
    with pytest.raises(FileExistsError, match="exists and is not empty; choose another or pass --overwrite"):
        Study.from_yaml(p).run().write(out)
    Study.from_yaml(p).run().write(out, overwrite=True)
    # nothing of the first run survives beside a manifest saying include_row_level: false
    assert not (out / "predictions_row_level.csv").exists() and not (out / "merge_audit_row_level.csv").exists()
    assert not (out / "figures").exists() and not (out / "tables" / "models_train_test.csv").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["spec"]["report"]["include_row_level"] is False and manifest["complete"] is True
    assert check_report(out).ok and _hidden(out) == []


def test_overwrite_never_deletes_a_folder_that_is_not_a_report(tmp_path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("years of work")
    with pytest.raises(FileExistsError, match=r"holds files that a cohortstats report does not write \(chapter1.docx\)"):
        Study.from_yaml(_study(tmp_path / "s")).run().write(out, overwrite=True)
    assert (out / "chapter1.docx").read_text() == "years of work"
    (out / "chapter1.docx").unlink()
    (out / "data").mkdir()  # a folder of inputs is not a report either, though reports have a data/ folder
    (out / "data" / "clinical.csv").write_text("patient_id\n1\n")
    with pytest.raises(FileExistsError, match="holds no report"):
        Study.from_yaml(_study(tmp_path / "s")).run().write(out, overwrite=True)
    assert (out / "data" / "clinical.csv").exists()


def test_a_failed_write_leaves_the_previous_report(tmp_path, monkeypatch):
    out = tmp_path / "report"
    res = Study.from_yaml(_study(tmp_path / "s")).run()
    res.write(out)
    before = check_report(out)
    assert before.ok

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("cohortstats.report.builder.render_report_docx", broken)
    with pytest.raises(OSError, match="disk full") as err:
        Study.from_yaml(_study(tmp_path / "s")).run().write(out, overwrite=True)
    assert f"Nothing was written: {str(out)!r} is as it was before the run." in err.value.__notes__
    after = check_report(out)
    assert after.ok and after.content_sha256 == before.content_sha256 and _hidden(out) == []
    # a failed first run leaves nothing named like a report
    with pytest.raises(OSError):
        Study.from_yaml(_study(tmp_path / "s")).run().write(tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists() and _hidden(tmp_path / "fresh") == []


KILL_SCRIPT = r"""
import json, os, signal, sys
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
from cohortstats.report.manifest import check_report
from cohortstats.report.writer import WRITE_STEPS
from cohortstats.study import Study

study, old, new = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
res = Study.from_yaml(study).run()
res.write(old)
first = check_report(old).content_sha256


def killed_at(step, out, overwrite):
    pid = os.fork()
    if pid == 0:  # the child writes, and kills itself by its own pid at `step` (the writer's test hook)
        os.environ["COHORTSTATS_KILL_AT"] = step
        try:
            res.write(out, overwrite=overwrite)
        finally:
            os._exit(3)  # reached only if the hook did not fire
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


report = {}
for step in WRITE_STEPS:
    row = {"killed_old": killed_at(step, old, True)}
    c = check_report(old)
    row["old"] = "missing" if not old.exists() else ("previous" if c.ok and c.content_sha256 == first else c.message())
    row["old_hidden_with_manifest"] = [p.name for p in old.parent.glob(f".{old.name}.*") if (p / "manifest.json").exists()]
    if step != "swap":  # a first run has no previous report to move aside
        row["killed_new"] = killed_at(step, new, False)
        row["new_exists"] = new.exists()
    report[step] = row
    if not old.exists():  # killed between the two renames: the next write puts the previous report back
        res.write(old, overwrite=True)
res.write(new)
report["final"] = {"new_ok": check_report(new).ok, "left": sorted(p.name for p in new.parent.iterdir() if p.name.startswith("."))}
print(json.dumps(report))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill test forks (POSIX)")
def test_a_run_killed_at_any_step_never_leaves_a_folder_that_looks_complete(tmp_path):
    p = _study(tmp_path / "s")
    old, new = tmp_path / "old", tmp_path / "new"
    r = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(p), str(old), str(new)], capture_output=True,
                       text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(r.stdout.strip().splitlines()[-1])
    for step in WRITE_STEPS:
        row = report[step]
        assert row["killed_old"], (step, row)  # every step was reached, and the run killed there
        # the previous complete report is still there, untouched; or (killed between the two renames) nothing
        # is named like a report and the next write puts the previous one back
        assert row["old"] == ("missing" if step == "swap" else "previous"), (step, row)
        assert row["old_hidden_with_manifest"] == ([] if step != "swap" else row["old_hidden_with_manifest"])
        if step != "swap":  # a first run killed midway leaves nothing named like a report
            assert row["killed_new"] and not row["new_exists"], (step, row)
    # what killed runs left (hidden .partial folders) is removed by the next write, which then says so
    assert report["final"] == {"new_ok": True, "left": []}


def test_leftovers_of_a_killed_run_are_removed_with_a_message(tmp_path):
    out = tmp_path / "report"
    stale = tmp_path / ".report.partial-999999999-dead"  # no process has this pid
    (stale / "figures").mkdir(parents=True)
    res = Study.from_yaml(_study(tmp_path / "s")).run()
    with pytest.warns(UserWarning, match=r"removed what an earlier run that was stopped while writing left beside "
                                         r"report: \.report\.partial-999999999-dead"):
        res.write(out)
    assert not stale.exists() and check_report(out).ok


def test_check_report_command(tmp_path, capsys):
    out = tmp_path / "report"
    Study.from_yaml(_study(tmp_path / "s")).run().write(out)
    assert main(["check-report", str(out)]) == 0
    assert "a complete cohortstats report; its" in capsys.readouterr().out
    (out / "tables" / "table1_by_outcome.csv").write_text("edited", encoding="utf-8")
    (out / "notes.txt").write_text("mine")
    (out / "report.docx").unlink()
    assert main(["check-report", str(out)]) == 1
    err = capsys.readouterr().err
    assert "missing: report.docx" in err and "changed since written: tables/table1_by_outcome.csv" in err
    assert "not written by the run: notes.txt" in err
    (out / "manifest.json").unlink()
    assert main(["check-report", str(out)]) == 1
    assert "not a complete cohortstats report: no manifest.json" in capsys.readouterr().err
    (out / "manifest.json").write_text('{"cohortstats": "0.1"', encoding="utf-8")
    assert main(["check-report", str(out)]) == 1
    assert "manifest.json is not valid JSON" in capsys.readouterr().err


def test_example_reruns_are_byte_identical(tmp_path):
    """The bundled example, run twice in two processes (different hash seeds): every file is identical."""
    outs = [tmp_path / "a", tmp_path / "b"]
    procs = [subprocess.Popen([sys.executable, "-m", "cohortstats", "--quiet", "example", "--out", str(o),
                               "--reproducible"], cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for o, seed in zip(outs, ("1", "2"))]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
    files = [sorted(p.relative_to(o).as_posix() for p in o.rglob("*") if p.is_file()) for o in outs]
    assert files[0] == files[1] and len(files[0]) > 40
    assert {"data/clinical.csv", "report.docx", "tables.xlsx", "figures/roc.svg", "manifest.json"} <= set(files[0])
    differ = [f for f in files[0] if (outs[0] / f).read_bytes() != (outs[1] / f).read_bytes()]
    assert differ == []
    manifest = json.loads((outs[0] / "manifest.json").read_text())
    assert "timings_seconds" not in manifest and set(manifest["files"]) == set(files[0]) - {"manifest.json"}
    assert "<dc:date>" not in (outs[0] / "figures" / "roc.svg").read_text()


def test_default_reruns_differ_only_in_the_timings(tmp_path):
    p = _study(tmp_path / "s")
    outs = [tmp_path / "a", tmp_path / "b"]
    for o in outs:
        Study.from_yaml(p).run().write(o)
    files = sorted(x.relative_to(outs[0]).as_posix() for x in outs[0].rglob("*") if x.is_file())
    # only the manifest may differ (its timings; rounded to ms they can also come out equal on this tiny study)
    assert [f for f in files if (outs[0] / f).read_bytes() != (outs[1] / f).read_bytes()] in ([], ["manifest.json"])
    m = [json.loads((o / "manifest.json").read_text()) for o in outs]
    assert m[0]["timings_seconds"].keys() == m[1]["timings_seconds"].keys()
    for x in m:
        del x["timings_seconds"]
    assert m[0] == m[1]  # the content fingerprint included


def test_manifest_has_no_absolute_path(tmp_path):
    shared = tmp_path / "shared"  # test data shared by analyses: outside the study folder
    shared.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "aSAH.csv", shared / "aSAH.csv")
    p = _study(tmp_path / "studies" / "one", data=str(shared / "aSAH.csv"))  # an absolute path in the study file
    out = tmp_path / "report"
    Study.from_yaml(p).run().write(out)
    text = (out / "manifest.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in text and str(Path.home()) + "/" not in text
    manifest = json.loads(text)
    assert manifest["spec"]["data"]["tables"][0]["path"] == "../../shared/aSAH.csv"
    entry = manifest["inputs"]["../../shared/aSAH.csv"]
    assert entry["table"] == "asah" and len(entry["sha256"]) == 64 and entry["rows"] == 113


def test_temporary_folders_are_removed_whether_the_run_fails_or_not(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"  # the synthetic cohort's tables go to a temporary folder
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    spec = "data: {synthetic: hematoma, synthetic_n: 60}\noutcome: {column: expansion, positive: 1}\n"
    (tmp_path / "ex.yaml").write_text(spec + "table1: {variables: [age, no_such_column]}\n")
    with pytest.raises(ValueError, match="no_such_column"):
        Study.from_yaml(tmp_path / "ex.yaml").run()
    assert list(scratch.iterdir()) == []
    (tmp_path / "ex.yaml").write_text(spec + "table1: {variables: [age]}\n")
    Study.from_yaml(tmp_path / "ex.yaml").run().write(tmp_path / "r")
    assert list(scratch.iterdir()) == []
