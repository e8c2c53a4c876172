"""Decision curves, calibration and bootstrap validation against peers in the same run.

Run: python benchmarks/bench_calibration_dca.py   (peer: the Python dcurves package, if installed)
"""

import warnings

import numpy as np
import pandas as pd
from _util import best_of

import cohortstats as cs
from cohortstats._parallel import limit_blas


def rval_prob(y, p) -> dict:
    """rms::val.prob on the same data, timed inside R (R startup and reading excluded); {} without R/rms."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    if not shutil.which("Rscript"):
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.bin"
        np.c_[y, p].T.astype("<f8").tofile(path)
        code = f"""
        suppressMessages(library(rms)); v <- readBin('{path}', 'double', {2 * len(y)}, size = 8, endian = 'little')
        y <- v[1:{len(y)}]; p <- v[{len(y) + 1}:{2 * len(y)}]
        t <- system.time(s <- val.prob(p, y, pl = FALSE))[['elapsed']]
        cat('valprob=', t, '\n', 'eavg=', s[['Eavg']], '\n', sep = '')
        """
        out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True)
    if out.returncode:
        return {}
    return {k: float(v) for k, v in (line.split("=") for line in out.stdout.strip().splitlines() if "=" in line)}


def main():
    rng = np.random.default_rng(0)
    for n in (10**5, 10**6):
        y = (rng.random(n) < 0.3).astype(int)
        ps = [np.clip(0.3 + s * (y - 0.3) + rng.normal(0, 0.15, n), 0.001, 0.999) for s in (0.3, 0.2, 0.1)]
        t1, _ = best_of(lambda: cs.decision_curve(y, {"m": ps[0]}), repeat=30)
        t3, _ = best_of(lambda: cs.decision_curve(y, {"a": ps[0], "b": ps[1], "c": ps[2]}), repeat=20)
        line = f"decision curve n = {n:.0e}: 1 model {t1:.4f} s, 3 models {t3:.4f} s"
        try:
            from dcurves import dca

            df = pd.DataFrame({"y": y, "m": ps[0]})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                td, _ = best_of(lambda: dca(data=df, outcome="y", modelnames=["m"],
                                            thresholds=np.round(np.arange(0.01, 1.0, 0.01), 2)), repeat=3)
            line += f"; dcurves 1 model {td:.2f} s -> {td / t1:.0f}x faster"
        except ImportError:
            line += "; dcurves not installed"
        print(line)
    n = 10**6
    y = (rng.random(n) < 0.3).astype(int)
    p = np.clip(0.3 + 0.3 * (y - 0.3) + rng.normal(0, 0.15, n), 0.001, 0.999)
    tc, _ = best_of(lambda: cs.calibration(y, p), repeat=3)
    print(f"calibration (all val.prob statistics, lowess, HL, groups) n = 1e6: {tc:.2f} s")
    r = rval_prob(y, p)
    if r:
        print(f"  R rms::val.prob (same data, lowess iter = 0 inside) {r['valprob']:.2f} s -> cohortstats "
              f"{r['valprob'] / tc:.1f}x faster; Eavg diff {abs(r['eavg'] - cs.calibration(y, p).eavg):.1e}")
    big = 10**7
    yb = (rng.random(big) < 0.3).astype(int)
    pb = np.clip(0.3 + 0.3 * (yb - 0.3) + rng.normal(0, 0.15, big), 0.001, 0.999)
    tcb, _ = best_of(lambda: cs.calibration(yb, pb), repeat=1)
    print(f"calibration n = 1e7: {tcb:.2f} s ({tcb / tc:.1f}x the time at 1e6: exponent "
          f"{np.log10(tcb / tc):.2f})")
    del yb, pb
    for jobs in (1, 2):
        t0, _ = best_of(lambda: cs.decision_curve(y, {"m": p}, n_boot=200, random_state=1, n_jobs=jobs), repeat=1)
        print(f"decision curve with 200 bootstrap bands n = 1e6, {jobs} worker(s): {t0:.2f} s")
    n = 1000
    X = rng.normal(size=(n, 10))
    yy = (rng.random(n) < 1 / (1 + np.exp(-(X @ rng.normal(0, 0.5, 10))))).astype(int)
    d = pd.DataFrame(X, columns=[f"x{i}" for i in range(10)]).assign(y=yy)
    for jobs in (1, 2):
        tv, _ = best_of(lambda: cs.bootstrap_validation(d, "y", [f"x{i}" for i in range(10)], B=200, random_state=1,
                                                        n_jobs=jobs), repeat=1)
        print(f"bootstrap validation, 10 predictors, n = 1000, B = 200, n_jobs = {jobs}: {tv:.2f} s")


if __name__ == "__main__":
    with limit_blas(1):
        main()
