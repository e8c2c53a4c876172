"""End-to-end study runs: the bundled example, and a study on a 100,000-patient synthetic cohort.

Run: python benchmarks/bench_study.py [fusion|habitat] [n]   (peak memory from the process's max RSS)
"""

import resource
import sys
import tempfile
import time

from cohortstats.examples import example_spec_path
from cohortstats.study import Study


def main(name="fusion", n=235):
    study = Study.from_yaml(example_spec_path(name))
    study.spec.data.synthetic_n = int(n)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        res = study.run(workdir=tmp)
        res.write(f"{tmp}/report")
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"{name} study, {n} patients: {dt:.1f} s end to end (report written); peak RSS {rss:.2f} GiB")
    print("  stage timings (s):", res.timings)


if __name__ == "__main__":
    main(*(sys.argv[1:] or []))
