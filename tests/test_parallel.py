"""Parallel work that gives the same answer for any number of workers (cohortstats/_parallel.py), the study
file's compute block, and the resampling functions on a Dask cluster through joblib."""

import shutil
from pathlib import Path

import joblib
import numpy as np
import pytest
from threadpoolctl import threadpool_info

import cohortstats as cs
from cohortstats._parallel import (available_workers, compute_environment, parallel_map, resolve_n_jobs,
                                   seed_sequence, spawn_generators)
from cohortstats.study import SpecError, Study, load_spec

ROOT = Path(__file__).resolve().parents[1]


def _blas_threads(_task=None):
    return min(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


def test_one_generator_per_resample_from_one_root():
    a = [g.integers(1 << 30) for g in spawn_generators(5, 4)]
    assert a == [g.integers(1 << 30) for g in spawn_generators(5, 4)]
    assert a != [g.integers(1 << 30) for g in spawn_generators(6, 4)]
    root = np.random.SeedSequence(5)
    assert a == [g.integers(1 << 30) for g in spawn_generators(root, 4)]
    assert a == [g.integers(1 << 30) for g in spawn_generators(root, 4)]  # a given sequence is not consumed
    assert seed_sequence(np.random.default_rng(1)).entropy == seed_sequence(np.random.default_rng(1)).entropy
    with pytest.raises(TypeError, match="random_state must be None, an int, a numpy SeedSequence or a numpy "
                                        "Generator; got str"):
        seed_sequence("1")


def test_n_jobs_resolution():
    assert resolve_n_jobs(None) == 1 and resolve_n_jobs(1) == 1 and resolve_n_jobs(-1) >= 1
    with joblib.parallel_config(n_jobs=3):
        assert resolve_n_jobs(None) == 3 and available_workers() == 3
    with pytest.raises(ValueError, match="n_jobs must not be 0"):
        resolve_n_jobs(0)
    with pytest.raises(TypeError, match="n_jobs must be None or a whole number of workers"):
        resolve_n_jobs(1.5)


def test_parallel_map_keeps_order_and_gives_workers_one_blas_thread():
    assert parallel_map(abs, range(-10, 0), n_jobs=2) == list(range(10, 0, -1))
    assert set(parallel_map(_blas_threads, range(4), n_jobs=2)) == {1}


def test_compute_environment_sets_workers_and_blas_threads_then_restores_them():
    before = _blas_threads()
    with compute_environment(workers=3, blas_threads=1):
        assert resolve_n_jobs(None) == 3 and _blas_threads() == 1
    assert resolve_n_jobs(None) == 1 and _blas_threads() == before


def test_resampling_on_a_dask_cluster_equals_serial(rng):
    distributed = pytest.importorskip("dask.distributed")
    y = rng.integers(0, 2, 300)
    s = rng.normal(size=300) + y
    serial = cs.roc_band(y, s, n_boot=60, random_state=4, n_jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        with compute_environment(scheduler=cluster.scheduler_address):
            assert type(joblib.parallel.get_active_backend()[0]).__name__ == "DaskDistributedBackend"
            on_dask = cs.roc_band(y, s, n_boot=60, random_state=4)
            dc = cs.decision_curve(y, {"m": 1 / (1 + np.exp(-s))}, n_boot=40, random_state=4).table
    assert np.array_equal(on_dask.sensitivity_low, serial.sensitivity_low)
    assert np.array_equal(on_dask.sensitivity_high, serial.sensitivity_high)
    assert dc.equals(cs.decision_curve(y, {"m": 1 / (1 + np.exp(-s))}, n_boot=40, random_state=4, n_jobs=1).table)


def test_validation_and_cross_validation_on_a_dask_cluster_equal_serial(birthwt):
    """Bootstrap validation (Harrell's rule: the screen repeated) and repeated CV on a two-worker LocalCluster
    through joblib's Dask backend: the same tables, selections and recorded warnings as one process."""
    import warnings

    import pandas as pd

    distributed = pytest.importorskip("dask.distributed")
    spec = cs.ScreenedLogisticSpec("low", ("age", "lwt", "smoke", "ptl", "ht", "ui"), screen_p=0.1)
    models = [cs.ModelSpec("a", ["age", "lwt", "smoke"]), cs.ModelSpec("b", ["ptl", "ht", "ui"])]

    def run(n_jobs=None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # compared below as data (.warnings), not as messages
            return (cs.bootstrap_validation(birthwt, "low", spec=spec, B=24, random_state=2, n_jobs=n_jobs),
                    cs.cross_validate_models(birthwt, "low", models, n_splits=3, n_repeats=2, random_state=2,
                                             n_jobs=n_jobs))

    serial = run(1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        with compute_environment(scheduler=cluster.scheduler_address):
            on_dask = run()
    for a, b in zip(serial, on_dask):
        for name in ("table", "calibration_curve", "selection", "folds", "summary", "warnings"):
            if hasattr(a, name):
                pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def _study(tmp_path, extra=""):
    shutil.copy(ROOT / "tests" / "data" / "aSAH.csv", tmp_path / "aSAH.csv")
    p = tmp_path / "study.yaml"
    p.write_text("data:\n  id: null\n  tables:\n    - {name: asah, path: aSAH.csv}\n"
                 "outcome: {column: outcome, positive: Poor}\n" + extra, encoding="utf-8")
    return p


def test_compute_block_is_validated(tmp_path):
    spec, _ = load_spec(_study(tmp_path))
    assert (spec.compute.workers, spec.compute.blas_threads, spec.compute.scheduler) == ("auto", 1, None)
    assert load_spec(_study(tmp_path, "compute: {workers: 3, blas_threads: 2}\n"))[0].compute.workers == 3
    with pytest.raises(SpecError, match="compute.workers"):
        load_spec(_study(tmp_path, "compute: {workers: 0}\n"))
    with pytest.raises(SpecError, match=r"compute.worker: unknown key; did you mean 'workers'\?"):
        load_spec(_study(tmp_path, "compute: {worker: 2}\n"))


def test_the_runner_applies_the_compute_block(tmp_path, monkeypatch):
    from cohortstats.study import stages

    seen = {}
    original = stages.describe

    def spy(*args, **kwargs):
        seen["workers"], seen["blas"] = resolve_n_jobs(None), _blas_threads()
        return original(*args, **kwargs)

    monkeypatch.setattr(stages, "describe", spy)
    Study.from_yaml(_study(tmp_path, "table1: {variables: [age, gender]}\ncompute: {workers: 3, blas_threads: 1}\n")
                    ).run(workdir=tmp_path / "w")
    assert seen == {"workers": 3, "blas": 1}
