"""AUC, paired DeLong and stratified bootstrap CI against peers in the same run.

Run: python benchmarks/bench_discrimination.py
Peers: numpy sort (floor), scikit-learn roc_auc_score, MLstatkit's DeLong (if installed),
pROC via Rscript (if R and pROC are installed; timed inside R with system.time, startup excluded).
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from _util import best_of, peak_memory

import cohortstats as cs
from cohortstats._parallel import limit_blas


def rscript(code: str) -> dict:
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True).stdout
    return {k: float(v) for k, v in (line.split("=") for line in out.strip().splitlines() if "=" in line)}


def main():
    rng = np.random.default_rng(0)
    n = 10**6
    y = (rng.random(n) < 0.3).astype(int)
    a = rng.normal(size=n) + 0.8 * y
    b = 0.5 * a + rng.normal(size=n) + 0.3 * y
    t_sort, _ = best_of(lambda: np.sort(a))
    t_auc, r = best_of(lambda: cs.roc(y, a))
    print(f"n = 1e6: np.sort {t_sort:.4f} s; cs.roc (AUC + full curve) {t_auc:.3f} s")
    from cohortstats._auc import _auc_sorted

    t_auc_only, _ = best_of(lambda: _auc_sorted(a[y == 1], a[y == 0]))
    print(f"  AUC alone {t_auc_only:.4f} s = {t_auc_only / t_sort:.1f}x one sort")
    from sklearn.metrics import roc_auc_score

    t_sk, _ = best_of(lambda: roc_auc_score(y, a))
    print(f"  scikit-learn roc_auc_score {t_sk:.3f} s -> cs AUC {t_sk / t_auc_only:.1f}x faster")
    t_dl, d = best_of(lambda: cs.delong_test(y, a, b))
    print(f"  paired DeLong from raw scores {t_dl:.3f} s (Z = {d.statistic:.4f})")
    mem = peak_memory(lambda: cs.delong_test(y, a, b))
    print(f"  DeLong peak memory {mem / (3 * 8 * n):.1f}x the three input arrays")
    try:
        from MLstatkit.stats import Delong_test

        t_ml, _ = best_of(lambda: Delong_test(y, a, b), repeat=1)
        print(f"  MLstatkit Delong_test {t_ml:.3f} s -> cs {t_ml / t_dl:.1f}x faster")
    except ImportError:
        print("  MLstatkit not installed")

    for big in (10**7,):
        yb = (rng.random(big) < 0.3).astype(int)
        ab = rng.normal(size=big) + 0.8 * yb
        t_sort_b, _ = best_of(lambda: np.sort(ab), repeat=2)
        t_auc_b, _ = best_of(lambda: _auc_sorted(ab[yb == 1], ab[yb == 0]), repeat=2)
        t_roc_b, _ = best_of(lambda: cs.roc(yb, ab), repeat=1)
        print(f"n = 1e7: np.sort {t_sort_b:.3f} s; AUC alone {t_auc_b:.3f} s = {t_auc_b / t_sort_b:.1f}x one sort; "
              f"roc() (AUC + curve) {t_roc_b:.3f} s = {t_roc_b / t_sort_b:.1f}x")
        del yb, ab
    for jobs in (1, 2):
        t_bs6, ci6 = best_of(lambda: cs.auc_ci(y, a, method="bootstrap", n_boot=2000, random_state=1, n_jobs=jobs),
                             repeat=1)
        print(f"n = 1e6: stratified bootstrap CI (2000), {jobs} worker(s): {t_bs6:.2f} s "
              f"({ci6.conf_low:.5f}, {ci6.conf_high:.5f}) = {t_bs6 / t_sort:.0f} sorts")
    y4 = y[:10_000]
    s4 = a[:10_000]
    t_bs, ci = best_of(lambda: cs.auc_ci(y4, s4, method="bootstrap", n_boot=2000, random_state=1))
    print(f"n = 1e4: stratified bootstrap CI (2000) {t_bs:.3f} s ({ci.conf_low:.4f}, {ci.conf_high:.4f})")
    grid = np.round(np.arange(0, 1.0001, 0.02), 2)
    t_band, _ = best_of(lambda: cs.roc_band(y4, s4, specificities=grid, n_boot=2000, random_state=1), repeat=1)
    print(f"n = 1e4: roc_band (sensitivity CI at 51 specificities, 2000 resamples) {t_band:.3f} s")
    t_band2, _ = best_of(lambda: cs.roc_band(y4, s4, specificities=grid, n_boot=2000, random_state=1, n_jobs=2),
                         repeat=1)
    print(f"  with 2 workers {t_band2:.3f} s (identical band)")
    p_old = 1 / (1 + np.exp(-(a - 1)))
    p_new = 1 / (1 + np.exp(-(a + 0.5 * b - 1.2)))
    t_nri, _ = best_of(lambda: (cs.nri(y, p_old, p_new), cs.idi(y, p_old, p_new)))
    print(f"n = 1e6: category-free NRI + IDI {t_nri:.3f} s")

    if shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "d.csv"
            np.savetxt(path, np.c_[y, a, b], delimiter=",", header="y,a,b", comments="", fmt="%.17g")
            code = f"""
            suppressMessages(library(pROC)); d <- read.csv('{path}')
            t1 <- system.time(r1 <- roc(d$y, d$a, levels = c(0, 1), direction = '<', quiet = TRUE))[['elapsed']]
            t2 <- system.time({{ r1 <- roc(d$y, d$a, levels = c(0, 1), direction = '<', quiet = TRUE);
                                 r2 <- roc(d$y, d$b, levels = c(0, 1), direction = '<', quiet = TRUE);
                                 tt <- roc.test(r1, r2, method = 'delong') }})[['elapsed']]
            t3 <- system.time(roc.test(r1, r2, method = 'delong'))[['elapsed']]
            s <- d[1:10000, ]; r4 <- roc(s$y, s$a, levels = c(0, 1), direction = '<', quiet = TRUE)
            set.seed(1); t4 <- system.time(ci.auc(r4, method = 'bootstrap', boot.n = 2000, progress = 'none'))[['elapsed']]
            set.seed(1); t5 <- system.time(ci.se(r4, specificities = seq(0, 1, 0.02), boot.n = 2000,
                                                  progress = 'none'))[['elapsed']]
            suppressMessages(library(Hmisc)); po <- plogis(d$a - 1); pn <- plogis(d$a + 0.5 * d$b - 1.2)
            t6 <- system.time(improveProb(po, pn, d$y))[['elapsed']]
            cat('roc=', t1, '\\n', 'full=', t2, '\\n', 'test=', t3, '\\n', 'boot=', t4, '\\n', 'z=', tt$statistic, '\\n',
                'cise=', t5, '\\n', 'improve=', t6, '\\n', sep = '')
            """
            res = rscript(code)
        print(f"pROC: roc() {res['roc']:.2f} s; roc+roc+roc.test {res['full']:.2f} s; roc.test alone {res['test']:.2f} s; "
              f"bootstrap CI at 1e4 {res['boot']:.2f} s; Z = {res['z']:.4f}")
        print(f"ratios: AUC vs pROC roc() {res['roc'] / t_auc:.0f}x; DeLong vs roc+roc+roc.test {res['full'] / t_dl:.0f}x, "
              f"vs roc.test alone {res['test'] / t_dl:.1f}x; bootstrap {res['boot'] / t_bs:.0f}x")
        print(f"pROC ci.se (2000, 51 specificities) {res['cise']:.2f} s -> roc_band {res['cise'] / t_band:.1f}x faster; "
              f"Hmisc improveProb at 1e6 {res['improve']:.2f} s -> nri + idi {res['improve'] / t_nri:.1f}x faster")
    else:
        print("Rscript not found: no pROC timing")


if __name__ == "__main__":
    with limit_blas(1):
        main()
