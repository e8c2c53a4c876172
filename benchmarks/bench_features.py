"""ICC screen, cross-validated LASSO and fit_models against peers in the same run.

Run: python benchmarks/bench_features.py   (peers: R cv.glmnet via Rscript, scikit-learn LogisticRegressionCV)
"""

import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _util import best_of

import cohortstats as cs


def rscript(code):
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True).stdout
    return {k: float(v) for k, v in (line.split("=") for line in out.strip().splitlines() if "=" in line)}


def main():
    rng = np.random.default_rng(0)
    n, f = 300, 1000
    truth = rng.normal(size=(n, f))
    r1 = pd.DataFrame(truth + rng.normal(0, 0.5, (n, f)), columns=[f"f{i}" for i in range(f)]).assign(id=range(n))
    r2 = pd.DataFrame(truth + rng.normal(0, 0.5, (n, f)), columns=[f"f{i}" for i in range(f)]).assign(id=range(n))
    t, scr = best_of(lambda: cs.reproducibility_screen(r1, r2, id_column="id"))
    print(f"ICC screen, 1000 features x 2 readers x 300 patients: {t:.3f} s ({len(scr.kept)} kept)")

    for n, p in ((500, 1000), (2000, 1500)):
        X = rng.normal(size=(n, p))
        b = np.zeros(p)
        b[:10] = 0.5
        y = (rng.random(n) < 1 / (1 + np.exp(-(X @ b)))).astype(int)
        foldid = np.arange(n) % 10 + 1
        t0 = time.perf_counter()
        sig = cs.LassoSignature(foldid=foldid).fit(X, y)
        t_cs = time.perf_counter() - t0
        line = f"cv LASSO {n} x {p}: cohortstats {t_cs:.2f} s (lambda.1se {sig.lambda_:.5g})"
        if shutil.which("Rscript"):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "x.bin"
                np.c_[y, X].T.astype("<f8").tofile(path)
                r = rscript(f"""suppressMessages(library(glmnet))
                    v <- readBin('{path}', 'double', {n * (p + 1)}, size = 8, endian = 'little'); m <- matrix(v, nrow = {n})
                    foldid <- rep(1:10, length.out = {n})
                    t <- system.time(cv <- cv.glmnet(m[, -1], m[, 1], family = 'binomial', foldid = foldid))[['elapsed']]
                    cat('t=', t, '\\n', 'l=', cv$lambda.1se, '\\n', sep = '')""")
            line += f"; R cv.glmnet {r['t']:.2f} s (lambda.1se {r['l']:.5g}) -> ratio {t_cs / r['t']:.2f}"
        if n == 500:
            from sklearn.linear_model import LogisticRegressionCV

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                LogisticRegressionCV(Cs=100, cv=10, penalty="l1", solver="liblinear", max_iter=1000).fit(X, y)
                line += f"; scikit-learn LogisticRegressionCV (L1, liblinear) {time.perf_counter() - t0:.1f} s"
        print(line)

    from cohortstats.datasets import make_hematoma_cohort

    c = make_hematoma_cohort()
    m = cs.merge_tables(c.clinical, c.radiomics["whole"], c.radiomics["sub3"], c.deep, on="patient_id",
                        prefixes=[None, "whole_", "sub3_", "deep_"])
    df = m.data
    sets = {"clinical": ["age", "glucose", "onset_to_ct", "volume"],
            "whole": [x for x in df if x.startswith("whole_original")], "sub3": [x for x in df if x.startswith("sub3_original")],
            "deep": [x for x in df if x.startswith("deep_dl")]}
    train, test = cs.train_test_split(df, "expansion")
    specs = [cs.ModelSpec("clinical", ["clinical"]), cs.ModelSpec("whole", ["signature:whole"]),
             cs.ModelSpec("deep", ["signature:deep"], estimator="svm"),
             cs.ModelSpec("fused", ["clinical", "signature:sub3", "signature:deep"], estimator="svm")]
    t, _ = best_of(lambda: cs.fit_models(train, test, "expansion", specs, feature_sets=sets), repeat=1)
    print(f"fit_models, 4 models on the example cohort (235 patients, 3 x 107 radiomics + 256 deep features): {t:.2f} s")


if __name__ == "__main__":
    main()
