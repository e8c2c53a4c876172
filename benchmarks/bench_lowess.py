"""R's lowess (iter = 0, as calibration uses it): the numpy clowess port against statsmodels' lowess.

Run: python benchmarks/bench_lowess.py   (R's own timing, if Rscript is on the PATH, from system.time)
"""

import shutil
import subprocess
import tempfile

import numpy as np
from _util import best_of
from statsmodels.nonparametric.smoothers_lowess import lowess as sm_lowess

from cohortstats.evaluation.lowess import lowess


def main():
    rng = np.random.default_rng(0)
    for n in (10**5, 10**6):
        p = 1 / (1 + np.exp(-rng.normal(-1, 1.5, n)))
        y = (rng.random(n) < p).astype(float)
        t_ours, (_, ours) = best_of(lambda: lowess(p, y, iterations=0))
        t_sm, sm = best_of(lambda: sm_lowess(y, p, frac=2 / 3, it=0, delta=0.01 * np.ptp(p)))
        line = (f"lowess n = {n:.0e}: cohortstats {t_ours:.2f} s, statsmodels {t_sm:.2f} s "
                f"(max |difference| {np.max(np.abs(ours - sm[:, 1])):.1e})")
        if shutil.which("Rscript"):
            with tempfile.NamedTemporaryFile("w", suffix=".csv") as f:
                np.savetxt(f, np.column_stack([p, y]), delimiter=",", fmt="%.17g")
                f.flush()
                code = (f"d <- read.csv('{f.name}', header = FALSE); "
                        "cat(system.time(lowess(d[[1]], d[[2]], iter = 0))[['elapsed']])")
                t_r = float(subprocess.run(["Rscript", "-e", code], capture_output=True, text=True).stdout)
            line += f", R {t_r:.2f} s"
        print(line)


if __name__ == "__main__":
    main()
