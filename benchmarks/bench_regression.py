"""Logistic and Cox regression against peers in the same run.

Run: python benchmarks/bench_regression.py   (one BLAS thread, as a study run's default; R's glm uses its own)
Peers: statsmodels Logit (Newton), scikit-learn LogisticRegression (penalty=None, lbfgs), lifelines
CoxPHFitter, and R's glm / rms::lrm / survival::coxph via Rscript (data passed as raw doubles,
timed inside R with system.time).
"""

import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _util import best_of, peak_memory

import cohortstats as cs
from cohortstats._parallel import limit_blas


def rscript(code):
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True).stdout
    return {k: float(v) for k, v in (line.split("=") for line in out.strip().splitlines() if "=" in line)}


def logistic():
    rng = np.random.default_rng(0)
    n, p = 10**6, 20
    X = rng.normal(size=(n, p))
    beta = rng.normal(0, 0.3, p)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta - 0.5)))).astype(float)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(p)]).assign(y=y)
    names = [f"x{i}" for i in range(p)]
    t_cs, fit = best_of(lambda: cs.logistic_regression(df, "y", names, ci_method="wald"), repeat=2)
    mem = peak_memory(lambda: cs.logistic_regression(df, "y", names, ci_method="wald"))
    print(f"logistic n = 1e6 x 20: cohortstats (MLE + Wald, from a DataFrame) {t_cs:.2f} s; "
          f"peak memory {mem / X.nbytes:.2f}x the design matrix")
    import statsmodels.api as sm

    Xc = sm.add_constant(X)
    t_sm, r = best_of(lambda: sm.Logit(y, Xc).fit(disp=0), repeat=2)
    print(f"  statsmodels Logit (prebuilt matrix) {t_sm:.2f} s, max |coef diff| {np.max(np.abs(r.params - fit.coef)):.1e}")
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sk, m = best_of(lambda: LogisticRegression(penalty=None, max_iter=1000).fit(X, y), repeat=1)
    print(f"  scikit-learn lbfgs unpenalised {t_sk:.2f} s, max |coef diff| "
          f"{np.max(np.abs(np.r_[m.intercept_, m.coef_.ravel()] - fit.coef)):.1e}")
    res = {"cs": t_cs, "sm": t_sm}
    if shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.bin"
            np.c_[y, X].T.astype("<f8").tofile(path)
            code = f"""
            suppressMessages(library(rms)); v <- readBin('{path}', 'double', {n * (p + 1)}, size = 8, endian = 'little')
            m <- matrix(v, nrow = {n}); d <- as.data.frame(m); names(d) <- c('y', paste0('x', 0:{p - 1}))
            f <- as.formula(paste('y ~', paste(paste0('x', 0:{p - 1}), collapse = '+')))
            t1 <- system.time(g <- glm(f, binomial, d))[['elapsed']]
            t2 <- system.time(l <- lrm(f, d))[['elapsed']]
            cat('glm=', t1, '\\n', 'lrm=', t2, '\\n', 'coef=', coef(g)[2], '\\n', sep = '')
            """
            r = rscript(code)
        print(f"  R glm {r['glm']:.2f} s; rms::lrm {r['lrm']:.2f} s  -> cohortstats {r['glm'] / t_cs:.1f}x faster than glm, "
              f"{r['lrm'] / t_cs:.1f}x than lrm; coef x0 diff {abs(r['coef'] - fit.coef[1]):.1e}")
    t_w, wald = best_of(lambda: cs.logistic_regression(df, "y", names, ci_method="wald"), repeat=1)
    for jobs in (1, 2):
        t_p, prof = best_of(lambda: cs.logistic_regression(df, "y", names, n_jobs=jobs), repeat=1)
        print(f"profile CIs for 21 terms at n = 1e6, {jobs} worker(s): {t_p:.2f} s = {t_p / t_w:.1f}x the Wald fit "
              f"({t_w:.2f} s, same run); max |profile - Wald limit| {np.max(np.abs(prof.conf_low - wald.conf_low)):.1e}")
    d = df.iloc[:10_000]
    t_prof, _ = best_of(lambda: cs.logistic_regression(d, "y", names), repeat=1)
    print(f"profile CIs for 20 terms at n = 1e4: {t_prof:.2f} s")
    rng2 = np.random.default_rng(1)
    d50 = pd.DataFrame(rng2.normal(size=(10_000, 50)), columns=[f"v{i}" for i in range(50)]).assign(y=y[:10_000])
    t_uni, _ = best_of(lambda: cs.univariable_logistic(d50, "y", [f"v{i}" for i in range(50)]), repeat=1)
    print(f"50 univariable models (profile CIs) at n = 1e4: {t_uni:.2f} s")


def cox():
    from cohortstats.regression._concordance import concordance

    for n in (10**6, 10**7):
        rng = np.random.default_rng(n)
        t = np.round(rng.exponential(1, n), 3)
        e = rng.random(n) < 0.6
        r = rng.normal(size=n)
        t_c, c = best_of(lambda: concordance(t, e, r), repeat=1)
        print(f"concordance + SE alone, n = {n:.0e}: {t_c:.2f} s")
    for n in (10**4, 10**5, 10**6):
        rng = np.random.default_rng(n)
        X = rng.normal(size=(n, 5))
        lp = X @ np.array([0.5, -0.3, 0.2, 0.1, 0.0])
        t = -np.log(rng.random(n)) / np.exp(lp)
        c = rng.exponential(2, n)
        time = np.round(np.minimum(t, c), 3) + 0.001
        ev = (t <= c).astype(float)
        df = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)]).assign(time=time, event=ev)
        names = [f"x{i}" for i in range(5)]
        t_cs, fit = best_of(lambda: cs.cox_regression(df, "time", "event", names), repeat=2)
        from lifelines import CoxPHFitter

        t_ll, cph = best_of(lambda: CoxPHFitter().fit(df, "time", "event"), repeat=1)
        line = (f"Cox n = {n:.0e}, 5 covariates: cohortstats (fit + concordance + SE) {t_cs:.2f} s; "
                f"lifelines {t_ll:.2f} s (max |coef diff| {np.max(np.abs(cph.params_.to_numpy() - fit.coef)):.1e})")
        if shutil.which("Rscript"):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "c.bin"
                np.c_[time, ev, X].T.astype("<f8").tofile(path)
                code = f"""
                suppressMessages(library(survival)); v <- readBin('{path}', 'double', {n * 7}, size = 8, endian = 'little')
                m <- matrix(v, nrow = {n}); d <- as.data.frame(m); names(d) <- c('time', 'event', paste0('x', 0:4))
                t1 <- system.time(f <- coxph(Surv(time, event) ~ x0 + x1 + x2 + x3 + x4, d))[['elapsed']]
                cat('coxph=', t1, '\\n', 'coef=', coef(f)[1], '\\n', sep = '')
                """
                r = rscript(code)
            line += (f"; R coxph {r['coxph']:.2f} s -> ratio cohortstats/coxph {t_cs / r['coxph']:.2f}; "
                     f"coef diff {abs(r['coef'] - fit.coef[0]):.1e}")
        print(line)


if __name__ == "__main__":
    with limit_blas(1):
        logistic()
        cox()
