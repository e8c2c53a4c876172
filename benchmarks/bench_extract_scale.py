"""`cohortstats extract` on phantom cases with 3 habitats: the previous serial loop, the resumable serial run,
its rerun (every case done), a local Dask cluster of 2 workers (with and without its start-up), and a check
that the cluster wrote the serial run's tables byte for byte.

Run: python benchmarks/bench_extract_scale.py [n_cases] [slices rows cols]
(needs SimpleITK, pyradiomics, pyarrow, dask[distributed]). The package is imported from this checkout.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout, also for the Dask workers

TABLES = ("radiomics_whole.csv", "radiomics_sub1.csv", "radiomics_sub2.csv", "radiomics_sub3.csv")


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def previous_loop(man, base, out):
    """What `cohortstats extract --habitats 3` did before: extract_batch, then habitat_radiomics case by case,
    with the libraries' default threads (BLAS/OpenMP on every core)."""
    import pandas as pd

    from cohortstats.imaging import extract_batch
    from cohortstats.imaging.habitat import habitat_radiomics

    m = pd.read_csv(man)
    extract_batch(m, base=base)
    for rec in m.itertuples(index=False):
        habitat_radiomics(base / rec.image, base / rec.mask, k=3, keep_masks_in=out, case_id=rec.patient_id)


def warm_cluster(workers: int):
    """A local cluster as `--workers` starts it, with pyradiomics and scikit-learn imported on every worker."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address="127.0.0.1:0")
    client = Client(cluster)
    client.run(lambda: __import__("cohortstats.imaging.tasks") and __import__("radiomics.featureextractor")
               and __import__("sklearn.cluster"))
    return cluster, client


def main(n: int = 40, shape=(24, 64, 64)):
    from cohortstats.imaging import extract_folder_tables, make_phantom_cohort

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_phantom_cohort(tmp / "phantom", n=n, random_state=0, shape=shape)
        man = tmp / "phantom" / "manifest.csv"
        print(f"{n} phantom cases ({' x '.join(map(str, shape))} voxels), whole ROI + 3 habitats; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        before = timed(lambda: previous_loop(man, tmp / "phantom", tmp / "masks"))
        print(f"previous serial loop:               {before:6.1f} s")
        serial = timed(lambda: extract_folder_tables(man, tmp / "serial", habitats=3))
        print(f"serial (one thread per case):       {serial:6.1f} s   {before / serial:.1f}x the previous loop")
        rerun = timed(lambda: extract_folder_tables(man, tmp / "serial", habitats=3))
        print(f"serial rerun (every case done):     {rerun:6.1f} s")
        dask = timed(lambda: extract_folder_tables(man, tmp / "dask", habitats=3, workers=2))
        print(f"--workers 2, start-up included:     {dask:6.1f} s   speed-up {serial / dask:.2f}x")
        t0 = time.perf_counter()
        cluster, client = warm_cluster(2)
        start = time.perf_counter() - t0
        warm = timed(lambda: extract_folder_tables(man, tmp / "warm", habitats=3, scheduler=cluster.scheduler_address))
        client.close()
        cluster.close()
        print(f"2 warm workers (start-up {start:.1f} s): {warm:6.1f} s   speed-up {serial / warm:.2f}x")
        same = all((tmp / "serial" / f).read_bytes() == (tmp / d / f).read_bytes() for f in TABLES
                   for d in ("dask", "warm"))
        print(f"cluster tables equal the serial run's byte for byte: {same}; "
              f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40,
         tuple(int(v) for v in sys.argv[2:5]) if len(sys.argv) > 4 else (24, 64, 64))
