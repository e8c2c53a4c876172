"""The fusion study (the bundled example) from 10^3 to 3·10^5 patients: time and peak memory per stage.

Each size runs in a fresh process (``--one N``): the example study on the synthetic hematoma cohort of N
patients, run and its report written. The cohort is generated first, in a process of its own (``--generate N
folder``), and written as Parquet tables; the measured study reads them as ``data: tables:`` (the same tables,
prefixes and seed as ``data: {synthetic: hematoma, synthetic_n: N}``), so the generator's memory is not charged
to the runner. A thread samples the process's resident memory every 20 ms and
charges it to the stage running (the runner's progress labels), so each stage gets its own peak; "data read" is
the in-memory size of the merged table the runner reads (the columns the study uses). Joblib workers are
separate processes and not counted (bootstrap validation runs on ``compute.workers`` from 20,000 patients).
The parent prints one table: seconds and peak GiB per stage and size, and each stage's growth exponent (the
log-log slope of its time from 10^4 to the largest size, least squares).

Run: python benchmarks/bench_fusion_scale.py [sizes, e.g. 1000,10000,30000,100000,300000]
     (or --one N > N.json for each size, then --table 1000.json 10000.json ...)
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the checkout this script is in


def _rss_gib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def generate(n: int, folder: str) -> None:
    """Write the synthetic hematoma cohort of ``n`` patients (the example's seed) as Parquet tables."""
    import yaml

    from cohortstats.datasets import make_hematoma_cohort
    from cohortstats.datasets._hematoma import write_table
    from cohortstats.examples import example_spec_path

    seed = yaml.safe_load(example_spec_path("fusion").read_text())["seed"]
    os.makedirs(folder, exist_ok=True)
    make_hematoma_cohort(n, random_state=seed, sink=lambda name, t: write_table(t, folder, name, "parquet"))


def study_on_tables(n: int, tmp: str):
    """The example study reading the cohort's tables, generated in another process under ``tmp/data``."""
    import yaml

    from cohortstats.examples import example_spec_path
    from cohortstats.study import Study
    from cohortstats.study.synthetic import SYNTHETIC_TABLES

    out = subprocess.run([sys.executable, __file__, "--generate", str(n), f"{tmp}/data"], capture_output=True,
                         text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    spec = yaml.safe_load(example_spec_path("fusion").read_text())
    spec["data"] = {"id": "patient_id", "tables": [
        {"name": name, "path": f"data/{file}.parquet", **({"prefix": prefix} if prefix else {})}
        for name, file, prefix in SYNTHETIC_TABLES]}
    path = f"{tmp}/study.yaml"
    with open(path, "w") as f:
        yaml.safe_dump(spec, f, sort_keys=False, allow_unicode=True)
    return Study.from_yaml(path)


def one(n: int) -> dict:
    from threadpoolctl import threadpool_limits

    import cohortstats.study.runner as runner

    threadpool_limits(1, "blas")  # as a study run (compute.blas_threads: 1)
    tmp_dir = tempfile.TemporaryDirectory()
    study = study_on_tables(n, tmp_dir.name)
    base = _rss_gib()
    peaks, current, stop = {}, ["start"], threading.Event()

    def watch():
        while not stop.wait(0.02):
            peaks[current[0]] = max(peaks.get(current[0], 0.0), _rss_gib())

    data_bytes = {}
    original = runner.load_tables

    def load_tables(*args, **kwargs):
        df, id_col = original(*args, **kwargs)
        data_bytes["read"] = int(df.memory_usage(deep=True).sum())
        data_bytes["shape"] = list(df.shape)
        return df, id_col

    runner.load_tables = load_tables
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        res = study.run(workdir=tmp, progress=lambda label: current.__setitem__(0, label))
        current[0] = "writing the report"
        t1 = time.perf_counter()
        res.write(f"{tmp}/report")
        t2 = time.perf_counter()
    stop.set()
    thread.join()
    tmp_dir.cleanup()
    timings = dict(res.timings)
    timings["writing the report"] = round(t2 - t1, 3)
    peaks = {k: round(v, 3) for k, v in peaks.items()}
    return {"n": n, "total": round(t2 - t0, 2), "timings": timings, "peaks": peaks, "baseline_gib": round(base, 3),
            "peak_gib": max(peaks.values()), "data_read_gib": data_bytes["read"] / 2**30, "shape": data_bytes["shape"],
            "estimators": res.analyses[0].results["models"].estimators}


def slope(ns, ts) -> float:
    ok = [(a, b) for a, b in zip(ns, ts) if a >= 10_000 and b and b > 0]
    if len(ok) < 2:
        return float("nan")
    x, y = np.log([a for a, _ in ok]), np.log([b for _, b in ok])
    return float(np.polyfit(x, y, 1)[0])


def main(sizes="1000,10000,30000,100000,300000"):
    runs = []
    for n in (int(v) for v in sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONWARNINGS="ignore"))
        if out.returncode:
            print(out.stderr[-3000:])
            raise SystemExit(out.returncode)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = runs[-1]
        print(f"# {n}: {r['total']} s, peak {r['peak_gib']:.2f} GiB (baseline {r['baseline_gib']:.2f}), data read "
              f"{r['data_read_gib']:.3f} GiB {r['shape']}", flush=True)
        print(json.dumps(r), flush=True)
    print_table(runs)


def print_table(runs: list) -> None:
    """The markdown table of time / peak per stage and size (``runs``: the ``--one`` outputs, by size)."""
    ns = [r["n"] for r in runs]
    stages = list(dict.fromkeys(k for r in runs for k in r["timings"]))
    print("\n| stage | " + " | ".join(f"{n:,}" for n in ns) + " | exponent |")
    print("|---|" + "---|" * (len(ns) + 1))
    for s in stages:
        ts = [r["timings"].get(s) for r in runs]
        cells = [f"{t:.1f} s / {r['peaks'].get(s, float('nan')):.2f} GiB" if t is not None else "" for t, r in
                 zip(ts, runs)]
        print(f"| {s} | " + " | ".join(cells) + f" | {slope(ns, ts):.2f} |")
    print(f"| **total** | " + " | ".join(f"**{r['total']:.0f} s / {r['peak_gib']:.2f} GiB**" for r in runs)
          + f" | {slope(ns, [r['total'] for r in runs]):.2f} |")
    print("| data read (GiB) | " + " | ".join(f"{r['data_read_gib']:.3f}" for r in runs) + " | |")
    print("| peak − baseline over data read | " + " | ".join(
        f"{(r['peak_gib'] - r['baseline_gib']) / r['data_read_gib']:.1f}×" for r in runs) + " | |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--generate"]:
        generate(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(int(sys.argv[2]))))
    elif sys.argv[1:2] == ["--table"]:  # the table from saved --one outputs (one JSON file per size)
        print_table(sorted((json.loads(open(f).read()) for f in sys.argv[2:]), key=lambda r: r["n"]))
    else:
        main(*sys.argv[1:])
