"""`cohortstats extract` at scale: resumable part files keyed by SHA-256, serial or on a Dask cluster, with the
tables equal to a serial run to the last bit (issue 17)."""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sitk = pytest.importorskip("SimpleITK")
pytest.importorskip("radiomics")
pytest.importorskip("pyarrow")

from cohortstats.exceptions import DataValidationError  # noqa: E402
from cohortstats.imaging import extract_folder_tables, extract_radiomics, make_phantom_cohort  # noqa: E402
from cohortstats.imaging import tasks as tasks_module  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ["radiomics_whole.csv", "radiomics_sub1.csv", "radiomics_sub2.csv", "radiomics_sub3.csv",
           "extraction_errors.csv", "extraction_settings.json"]


def _dask():
    return pytest.importorskip("distributed", reason="the Dask tests need dask[distributed] (cohortstats[dask])")


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    d = tmp_path_factory.mktemp("phantom_scale")
    make_phantom_cohort(d, n=6, random_state=4)
    return d


@pytest.fixture(scope="module")
def serial(phantom, tmp_path_factory):
    """The reference: a serial run, whole ROI and 3 habitats."""
    out = tmp_path_factory.mktemp("serial")
    extract_folder_tables(phantom / "manifest.csv", out, habitats=3)
    return out


def _same_outputs(a: Path, b: Path, names=OUTPUTS):
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _parts(out: Path) -> dict:
    return {p.relative_to(out): p.stat().st_mtime_ns for p in (out / ".parts").rglob("*.parquet")}


def _count_computations(monkeypatch) -> list:
    calls = []
    original = tasks_module._compute

    def counting(kind, task, plan, path):
        calls.append((kind, task.case))
        return original(kind, task, plan, path)

    monkeypatch.setattr(tasks_module, "_compute", counting)
    return calls


def test_serial_parts_hold_every_bit(serial, phantom):
    """One part per case and kind, keyed by SHA-256; the table built from them equals direct extraction."""
    parts = sorted(p.name for p in (serial / ".parts" / "whole").iterdir())
    assert len(parts) == 6 and all(len(p.split("-")[1]) == len("0" * 64) + len(".parquet") for p in parts)
    assert len(list((serial / ".parts" / "habitats").iterdir())) == 6
    whole = pd.read_csv(serial / "radiomics_whole.csv", float_precision="round_trip")
    direct = extract_radiomics(phantom / "PH002_ct.nii.gz", phantom / "PH002_mask.nii.gz")
    row = whole.set_index("patient_id").loc["PH002"]
    assert list(whole.columns[1:]) == list(direct)
    for name, value in direct.items():
        if isinstance(value, float):
            assert row[name] == value or (np.isnan(row[name]) and np.isnan(value)), name  # CSV round trip is exact


def test_tables_equal_the_previous_in_memory_batch(serial, phantom, tmp_path):
    """The tables assembled from the parts are, byte for byte, what the in-memory functions write (extract_batch
    for the whole ROI, habitat_radiomics case by case, run here with one thread as every task is)."""
    from threadpoolctl import threadpool_limits

    from cohortstats.imaging import extract_batch
    from cohortstats.imaging.habitat import habitat_radiomics

    man = pd.read_csv(phantom / "manifest.csv")
    with threadpool_limits(1):
        whole = extract_batch(man, base=phantom).table
        subs = {c: [] for c in (1, 2, 3)}
        for rec in man.itertuples(index=False):
            feats = habitat_radiomics(phantom / rec.image, phantom / rec.mask, k=3)
            for c, f in feats.items():
                subs[c].append({"patient_id": rec.patient_id, **f})
    assert (serial / "radiomics_whole.csv").read_text() == whole.to_csv(index=False)
    for c, rows in subs.items():
        assert (serial / f"radiomics_sub{c}.csv").read_text() == pd.DataFrame(rows).to_csv(index=False)


def test_rerun_skips_done_cases_and_recomputes_changed_ones(serial, phantom, tmp_path, monkeypatch):
    """A rerun computes nothing; a changed image, or changed settings, is recomputed (and only that)."""
    import shutil

    d = tmp_path / "images"
    shutil.copytree(phantom, d)
    out = tmp_path / "out"
    extract_folder_tables(d / "manifest.csv", out, habitats=3)
    before = _parts(out)
    stale = out / ".parts" / "whole" / ".tmp-1-PH001-x.partial"  # left by a process killed while writing
    stale.write_text("half")
    os.utime(stale, (time.time() - 60, time.time() - 60))
    calls = _count_computations(monkeypatch)
    extract_folder_tables(d / "manifest.csv", out, habitats=3)
    assert calls == [] and _parts(out) == before and not stale.exists()
    _same_outputs(out, serial)
    img = sitk.ReadImage(str(d / "PH004_ct.nii.gz"))
    sitk.WriteImage(img + 7.0, str(d / "PH004_ct.nii.gz"))  # the same case, new voxel values
    extract_folder_tables(d / "manifest.csv", out, habitats=3)
    assert calls == [("whole", "PH004"), ("habitats", "PH004")]
    whole = pd.read_csv(out / "radiomics_whole.csv").set_index("patient_id")
    ref = pd.read_csv(serial / "radiomics_whole.csv").set_index("patient_id")
    assert whole.loc["PH004", "original_firstorder_Mean"] == pytest.approx(ref.loc["PH004", "original_firstorder_Mean"] + 7)
    assert whole.drop(index="PH004").equals(ref.drop(index="PH004"))
    calls.clear()
    extract_folder_tables(d / "manifest.csv", out, habitats=3, settings={"binWidth": 10})
    assert len(calls) == 12  # new settings: every case, both kinds
    assert json.loads((out / "extraction_settings.json").read_text())["settings"]["binWidth"] == 10


def test_killed_run_resumes_without_recomputing(serial, phantom, tmp_path, monkeypatch):
    """A run that kills itself (SIGKILL by its own PID) after 3 cases: the rerun keeps their parts untouched,
    computes the other 3 and writes the tables of a serial run."""
    out = tmp_path / "out"
    script = textwrap.dedent(f"""
        import os, signal
        from cohortstats.imaging import engine, extract_folder_tables
        record, done = engine._record, []
        def record_then_die(outcomes, outcome, prog, running):
            record(outcomes, outcome, prog, running)
            done.append(outcome.case)
            if len(done) == 3:
                os.kill(os.getpid(), signal.SIGKILL)
        engine._record = record_then_die
        extract_folder_tables({str(phantom / "manifest.csv")!r}, {str(out)!r}, habitats=3)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr
    assert not (out / "radiomics_whole.csv").exists()
    before = _parts(out)
    assert len(before) == 6  # three cases, two kinds each
    calls = _count_computations(monkeypatch)
    extract_folder_tables(phantom / "manifest.csv", out, habitats=3)
    assert sorted({c for _, c in calls}) == ["PH004", "PH005", "PH006"] and len(calls) == 6
    after = _parts(out)
    assert {k: after[k] for k in before} == before and len(after) == 12
    _same_outputs(out, serial)


def test_progress_counts_cases_across_kinds(phantom, tmp_path, capsys):
    """The progress line counts a case when all its kinds (habitats too) are done; the summary follows."""
    extract_folder_tables(phantom / "manifest.csv", tmp_path / "o", habitats=2, progress=True)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "[extract] 6 case(s) in this process, one after another"
    assert err[1].startswith("[extract] 6/6 cases: 6 computed, 0 done in an earlier run, 0 failed, 0 running; ")
    assert err[1].endswith("cases/s; done") and err[2].startswith("[extract] 6 case(s) in ")
    assert err[3].startswith("[extract] 3 table(s) assembled from the parts and written to ")
    extract_folder_tables(phantom / "manifest.csv", tmp_path / "o", habitats=2, progress=True)
    assert "0 computed, 6 done in an earlier run" in capsys.readouterr().err


def test_bad_engine_options(phantom, tmp_path, capsys, monkeypatch):
    from cohortstats.cli import main

    with pytest.raises(DataValidationError, match="either workers= .* or scheduler= .*, not both"):
        extract_folder_tables(phantom / "manifest.csv", tmp_path / "a", workers=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(DataValidationError, match="workers must be a whole number >= 1; got 0"):
        extract_folder_tables(phantom / "manifest.csv", tmp_path / "a", workers=0)
    with pytest.raises(DataValidationError, match="retries must be a whole number >= 0; got -1"):
        extract_folder_tables(phantom / "manifest.csv", tmp_path / "a", retries=-1)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if dask were not installed
    assert main(["--quiet", "extract", str(phantom / "manifest.csv"), "--out", str(tmp_path / "b"),
                 "--workers", "2"]) == 2
    assert 'needs \'distributed\', which is not installed. Install it with: pip install "dask[distributed]"' in \
        capsys.readouterr().err


def test_core_and_serial_extraction_do_not_import_dask(phantom, tmp_path):
    code = (f"import sys, cohortstats; from cohortstats.imaging import extract_folder_tables; "
            f"extract_folder_tables({str(phantom / 'manifest.csv')!r}, {str(tmp_path / 'o')!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "[]", proc.stderr


@pytest.mark.slow
def test_worker_killed_during_a_task_is_retried(serial, phantom, tmp_path):
    """Fault injection in the workers (a preload script): PH003's worker dies on its first attempt and the case
    is retried on a new worker; PH005's worker dies on every attempt (also when PH005 runs alone, the check that keeps
    cases that only shared a dying worker from being blamed), so after 1 + retries tries PH005 is listed
    in extraction_errors.csv with the reason, and every other case equals the serial run."""
    _dask()
    import dask

    marker = tmp_path / "PH003-died-once"
    preload = tmp_path / "faults.py"
    preload.write_text(textwrap.dedent(f"""
        import os
        from pathlib import Path
        from cohortstats.imaging import tasks
        def dying(kind, task, plan, path):
            if task.case == "PH005" or (task.case == "PH003" and not Path({str(marker)!r}).exists()):
                Path({str(marker)!r}).touch()
                os._exit(1)
            return tasks._original_compute(kind, task, plan, path)
        if not hasattr(tasks, "_original_compute"):  # distributed may run a preload twice in a process
            tasks._original_compute = tasks._compute
            tasks._compute = dying
    """))
    out = tmp_path / "o"
    with dask.config.set({"distributed.worker.preload": [str(preload)]}):
        extract_folder_tables(phantom / "manifest.csv", out, habitats=3, workers=2, retries=1)
    assert marker.exists()
    errors = pd.read_csv(out / "extraction_errors.csv")
    assert errors["patient_id"].tolist() == ["PH005", "PH005"], errors.to_dict("records")
    assert errors["roi"].tolist() == ["whole", "habitats"]
    assert set(errors["error"]) == {"KilledWorker"}
    assert errors["message"].str.startswith("the worker running this case died 2 time(s)").all()
    for name in OUTPUTS[:4]:
        got = pd.read_csv(out / name)
        ref = pd.read_csv(serial / name)
        assert got.equals(ref[ref["patient_id"] != "PH005"].reset_index(drop=True)), name


@pytest.mark.slow
def test_killed_cluster_run_resumes_and_equals_the_serial_run(serial, phantom, tmp_path, capsys):
    """`cohortstats extract --workers 2` (a LocalCluster of two processes) killed by its own PID after 2 cases:
    its worker processes end with it; the rerun on two workers keeps every part already written, computes the
    rest and writes the serial run's tables, byte for byte."""
    psutil = pytest.importorskip("psutil")
    _dask()
    out = tmp_path / "out"
    pids = tmp_path / "pids"
    script = textwrap.dedent(f"""
        import os, signal, psutil
        from cohortstats.imaging import engine
        from cohortstats.cli import main
        record, done = engine._record, []
        def record_then_die(outcomes, outcome, prog, running):
            record(outcomes, outcome, prog, running)
            done.append(outcome.case)
            if len(done) == 2:
                kids = psutil.Process().children(recursive=True)
                open({str(pids)!r}, "w").write(" ".join(str(p.pid) for p in kids))
                os.kill(os.getpid(), signal.SIGKILL)
        engine._record = record_then_die
        main(["--quiet", "extract", {str(phantom / "manifest.csv")!r}, "--out", {str(out)!r}, "--habitats", "3",
              "--workers", "2"])
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr
    children = [psutil.Process(int(p)) for p in pids.read_text().split() if psutil.pid_exists(int(p))]
    _, alive = psutil.wait_procs(children, timeout=30)
    for p in alive:  # pragma: no cover - only if the workers outlived their client
        p.kill()
    assert not alive, "the worker processes outlived the killed client"
    before = _parts(out)
    assert 4 <= len(before) < 12  # at least the two reported cases, two kinds each
    from cohortstats.cli import main

    assert main(["extract", str(phantom / "manifest.csv"), "--out", str(out), "--habitats", "3", "--workers", "2",
                 "--worker-memory", "2GiB"]) == 0
    err = capsys.readouterr().err
    assert "on a local Dask cluster (dashboard http://127.0.0.1:" in err and "2 worker(s) with 2 thread(s), 2.0 GiB each" in err
    # a case counts as done earlier when both its kinds were written before the kill (under load the kill can
    # fall between a case's two parts)
    kinds_of: dict = {}
    for part in before:
        kinds_of.setdefault(part.name.rsplit("-", 1)[0], set()).add(part.parts[-2])
    complete = sum(len(k) == 2 for k in kinds_of.values())
    assert f"{6 - complete} computed, {complete} done in an earlier run, 0 failed" in err
    after = _parts(out)
    assert {k: after[k] for k in before} == before and len(after) == 12
    _same_outputs(out, serial)
    assert len(list((out / "habitat_masks").iterdir())) == 6


def test_the_dask_extra_is_declared():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'dask = ["dask[distributed]' in text
    assert "dask[distributed]" in (ROOT / ".ci" / "run").read_text()
    assert not any("dask" in line for line in text.split("[project.optional-dependencies]")[0].splitlines()
                   if line.strip().startswith('"'))  # not a core dependency


def test_scheduler_from_the_environment_and_the_command_line(phantom, tmp_path, monkeypatch):
    """`--scheduler` wins, then DASK_SCHEDULER_ADDRESS; `--workers` ignores the environment variable."""
    from cohortstats.cli import main
    from cohortstats.imaging import engine

    seen = []

    def fake(tasks, plan, **kw):
        seen.append((kw["workers"], kw["scheduler"], kw["retries"], kw["memory_limit"]))
        return engine._serial(tasks, plan, False)

    monkeypatch.setattr(engine, "run_tasks", fake)
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:8786")
    args = ["--quiet", "extract", str(phantom / "manifest.csv"), "--out", str(tmp_path / "o")]
    assert main(args) == 0
    assert main(args + ["--scheduler", "tcp://127.0.0.1:9999", "--retries", "5"]) == 0
    assert main(args + ["--workers", "3", "--worker-memory", "3GiB"]) == 0
    assert seen == [(None, "tcp://127.0.0.1:8786", 2, "auto"), (None, "tcp://127.0.0.1:9999", 5, "auto"),
                    (3, None, 2, "3GiB")]


def test_progress_on_a_terminal_rewrites_one_line():
    import io

    from cohortstats.imaging.engine import Progress
    from cohortstats.imaging.tasks import CaseOutcome, KindOutcome

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    prog = Progress(3, where="on a test", stream=out)
    prog.update(CaseOutcome(0, "a", {"whole": KindOutcome("cached", "p")}), running=2)
    prog.update(CaseOutcome(1, "b", {"whole": KindOutcome("failed", error="E", message="m")}), running=1)
    prog.close()
    text = out.getvalue()
    assert text.startswith("[extract] 3 case(s) on a test\n\r[extract] 1/3 cases: 0 computed, 1 done in an earlier "
                           "run, 0 failed, 2 running; ")
    assert "\r[extract] 2/3 cases: 0 computed, 1 done in an earlier run, 1 failed, 1 running; " in text
    assert text.endswith("\n[extract] 2 case(s) in 0 s: 0 computed, 1 done in an earlier run, 1 failed\n")


@pytest.mark.slow
def test_deep_features_resume_and_follow_the_weights_file(phantom, tmp_path, monkeypatch):
    """Deep features through the parts: the ResNet50 is built once per process for a weights file's SHA-256,
    equals the single-case function, is kept on a rerun and recomputed when the weights file changes."""
    torch = pytest.importorskip("torch")
    tv = pytest.importorskip("torchvision")
    from cohortstats.imaging import deep, extract_deep_features

    man = pd.read_csv(phantom / "manifest.csv").iloc[:2]
    man[["image", "mask"]] = man[["image", "mask"]].map(lambda f: str(phantom / f))
    man.to_csv(tmp_path / "manifest.csv", index=False)
    torch.manual_seed(3)
    torch.save(tv.models.resnet50(weights=None).state_dict(), tmp_path / "w.pt")
    builds = []
    resnet50 = tv.models.resnet50
    monkeypatch.setattr(tv.models, "resnet50", lambda **kw: builds.append(1) or resnet50(**kw))
    monkeypatch.setattr(deep, "_MODELS", {})
    out = tmp_path / "o"
    extract_folder_tables(tmp_path / "manifest.csv", out, deep_weights=tmp_path / "w.pt")
    assert len(builds) == 1
    table = pd.read_csv(out / "deep_features.csv", float_precision="round_trip")
    one = extract_deep_features(phantom / "PH002_ct.nii.gz", phantom / "PH002_mask.nii.gz", weights=tmp_path / "w.pt")
    # float32 sums in another order (one thread per task here, torch's default there): 6e-6 observed
    np.testing.assert_allclose(table.iloc[1, 1:].to_numpy(float), one, rtol=1e-4, atol=1e-4)
    calls = _count_computations(monkeypatch)
    extract_folder_tables(tmp_path / "manifest.csv", out, deep_weights=tmp_path / "w.pt")
    assert calls == []
    torch.manual_seed(4)
    torch.save(tv.models.resnet50(weights=None).state_dict(), tmp_path / "w.pt")  # new weights, same path
    extract_folder_tables(tmp_path / "manifest.csv", out, deep_weights=tmp_path / "w.pt")
    assert calls == [("deep", "PH001"), ("deep", "PH002")]
    assert not np.allclose(pd.read_csv(out / "deep_features.csv").iloc[:, 1:], table.iloc[:, 1:])


def test_without_pyarrow_the_run_stops_before_any_case(phantom, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match="needs 'pyarrow', which is not installed. Install it with: pip install "
                                          "pyarrow"):
        extract_folder_tables(phantom / "manifest.csv", tmp_path / "o")
    assert not (tmp_path / "o").exists()
