"""The SVM's rule for large training sets: the exact RBF SVM (libsvm) against its approximations.

The fusion study's SVM inputs on the synthetic hematoma cohort (25,000 patients, 20,000 for training and a fixed
test set of 5,000): the LASSO-selected radiomics, deep and fused features (the study's ``selected:`` blocks,
standardised), fitted once on the 20,000. For 5,000, 10,000 and 20,000 training patients: the exact SVM
(``SVC(probability=True)``, Platt scaling by internal 5-fold CV), the exact SVM fitted on *other* patients of the
same number (how much the exact SVM itself moves from sample to sample), the rule (``approximate_svm``: a
100-landmark Nystroem map with libsvm's gamma, a linear SVM, Platt by 5-fold CV), the same map with 300 and 1000
landmarks, and a linear SVM on the inputs. Printed: test AUC, its difference from the exact SVM's, the Spearman
correlation of the test risks with the exact SVM's, and the fit time (one BLAS thread).

Run: python benchmarks/bench_svm_rule.py [sizes, e.g. 5000,10000,20000]
"""

import sys
import time

import numpy as np
from scipy.stats import spearmanr
from threadpoolctl import threadpool_limits

import cohortstats as cs
from cohortstats._auc import _auc_sorted
from cohortstats.datasets import make_hematoma_cohort
from cohortstats.pipeline_steps import RbfNystroem, approximate_svm, signature_pipeline

N_TRAIN, N_TEST = 20_000, 5_000


def inputs():
    c = make_hematoma_cohort(N_TRAIN + N_TEST, random_state=2024)
    whole = c.radiomics["whole"].set_index("patient_id").add_prefix("whole_")
    deep = c.deep.set_index("patient_id").add_prefix("deep_")
    df = c.clinical.set_index("patient_id")[["expansion"]].join(whole).join(deep).reset_index()
    rad = [x for x in df.columns if x.startswith(("whole_original_shape_", "whole_original_firstorder_",
                                                   "whole_original_gl", "whole_original_ngtdm_"))]
    dl = [x for x in df.columns if x.startswith("deep_dl_")]
    train, test = cs.train_test_split(df, "expansion", test_size=N_TEST / len(df), random_state=2024)
    y_tr, y_te = train["expansion"].to_numpy(), test["expansion"].to_numpy()
    out = {}
    for name, cols in (("radiomics", rad), ("deep", dl), ("fused", rad + dl)):
        sp = signature_pipeline({"p_threshold": 0.05, "corr_threshold": 0.9}, True, 2024, "selected")
        sp.set_output(transform="pandas")
        sp.fit(train[cols], y_tr)
        out[name] = (np.asarray(sp.transform(train[cols]), float), np.asarray(sp.transform(test[cols]), float))
    return out, y_tr, y_te


def candidates():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC, LinearSVC

    def nystroem(k, dual=False):
        return make_pipeline(RbfNystroem(k, random_state=2024),
                             CalibratedClassifierCV(LinearSVC(dual=dual, random_state=2024), method="sigmoid", cv=5))

    def exact():  # what make_estimator gives up to SVM_EXACT_MAX training patients
        return CalibratedClassifierCV(SVC(kernel="rbf", random_state=2024), method="sigmoid", cv=5, ensemble=False)

    return {"exact SVM (libsvm)": exact,
            "exact SVM, other patients": exact,
            "rule: Nystroem 100 + linear SVM": lambda: approximate_svm(2024),
            "Nystroem 100 + linear SVM, dual": lambda: nystroem(100, dual=True),
            "Nystroem 300 + linear SVM": lambda: nystroem(300),
            "Nystroem 1000 + linear SVM": lambda: nystroem(1000),
            "linear SVM": lambda: CalibratedClassifierCV(LinearSVC(random_state=2024), method="sigmoid", cv=5)}


def main(sizes="5000,10000,20000"):
    threadpool_limits(1, "blas")
    data, y_tr, y_te = inputs()
    auc = lambda p: _auc_sorted(p[y_te == 1], p[y_te == 0])  # noqa: E731
    print("set | inputs | training patients | model | test AUC | - exact | Spearman with exact | fit time (s)")
    for name, (X_tr, X_te) in data.items():
        for n in (int(v) for v in sizes.split(",")):
            exact = None
            for label, make in candidates().items():
                rows = slice(n, 2 * n) if "other" in label else slice(0, n)
                if rows.stop > len(X_tr):
                    continue
                t0 = time.perf_counter()
                p = make().fit(X_tr[rows], y_tr[rows]).predict_proba(X_te)[:, 1]
                dt = time.perf_counter() - t0
                if exact is None:
                    exact = p
                print(f"{name} | {X_tr.shape[1]} | {n:,} | {label} | {auc(p):.4f} | {auc(p) - auc(exact):+.4f} | "
                      f"{spearmanr(p, exact).statistic:.3f} | {dt:.2f}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
