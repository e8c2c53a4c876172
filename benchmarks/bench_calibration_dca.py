"""Decision curves, calibration and bootstrap validation against peers in the same run.

Run: python benchmarks/bench_calibration_dca.py   (peer: the Python dcurves package, if installed)
"""

import warnings

import numpy as np
import pandas as pd
from _util import best_of

import cohortstats as cs


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
    t0, _ = best_of(lambda: cs.decision_curve(y, {"m": p}, n_boot=200, random_state=1), repeat=1)
    print(f"decision curve with 200 bootstrap bands n = 1e6: {t0:.2f} s")
    n = 1000
    X = rng.normal(size=(n, 10))
    yy = (rng.random(n) < 1 / (1 + np.exp(-(X @ rng.normal(0, 0.5, 10))))).astype(int)
    d = pd.DataFrame(X, columns=[f"x{i}" for i in range(10)]).assign(y=yy)
    for jobs in (1, 2):
        tv, _ = best_of(lambda: cs.bootstrap_validation(d, "y", [f"x{i}" for i in range(10)], B=200, random_state=1,
                                                        n_jobs=jobs), repeat=1)
        print(f"bootstrap validation, 10 predictors, n = 1000, B = 200, n_jobs = {jobs}: {tv:.2f} s")


if __name__ == "__main__":
    main()
