"""Table 1 for 100,000 rows x 50 variables, and a merge of 100,000 ids x 3 tables.

Run: python benchmarks/bench_data_table_one.py   (targets: Table 1 < 5 s, merge < 2 s,
memory < 3x the input tables). Peer in the same run: the Python `tableone` package, if installed.
"""

import warnings

import numpy as np
import pandas as pd
from _util import best_of, peak_memory

import cohortstats as cs


def make(n=100_000, seed=1):
    rng = np.random.default_rng(seed)
    cols = {"group": rng.integers(0, 2, n)}
    for j in range(25):
        cols[f"c{j}"] = rng.normal(50, 10, n)
    for j in range(15):
        cols[f"b{j}"] = rng.integers(0, 2, n)
    for j in range(10):
        cols[f"k{j}"] = rng.choice(["a", "b", "c", "d"], n)
    return pd.DataFrame(cols)


def main():
    df = make()
    variables = [c for c in df.columns if c != "group"]
    nonnormal = [f"c{j}" for j in range(10)]
    t, _ = best_of(lambda: cs.table_one(df, group="group", variables=variables, nonnormal=nonnormal))
    size = df.memory_usage(deep=True).sum()
    peak = peak_memory(lambda: cs.table_one(df, group="group", variables=variables, nonnormal=nonnormal))
    print(f"table_one 100,000 x 50: {t:.2f} s; peak memory {peak / size:.2f}x the input ({size / 1e6:.0f} MB)")
    try:
        from tableone import TableOne

        cat = [c for c in variables if c[0] in "bk"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tp, _ = best_of(lambda: TableOne(df, columns=variables, categorical=cat, nonnormal=nonnormal,
                                             groupby="group", pval=True, smd=True), repeat=1)
        print(f"tableone (Python) same table: {tp:.2f} s  -> cohortstats is {tp / t:.1f}x faster")
    except ImportError:
        print("tableone not installed: no peer timing")

    rng = np.random.default_rng(2)
    n = 100_000
    ids = np.array([f"P{i:06d}" for i in range(n)])
    a = pd.DataFrame({"id": ids, "x": rng.normal(size=n)})
    b = pd.DataFrame({"id": rng.permutation(ids), **{f"f{j}": rng.normal(size=n) for j in range(20)}})
    c = pd.DataFrame({"id": rng.permutation(ids)[: n - 100], "s": rng.integers(0, 7, n - 100)})
    tm, m = best_of(lambda: cs.merge_tables(a, b, c, on="id", prefixes=[None, "rad_", None]))
    size = sum(t.memory_usage(deep=True).sum() for t in (a, b, c))
    peak = peak_memory(lambda: cs.merge_tables(a, b, c, on="id", prefixes=[None, "rad_", None]))
    tp, _ = best_of(lambda: a.merge(b, on="id").merge(c, on="id"))
    print(f"merge_tables 100,000 ids x 3 tables: {tm:.2f} s (pandas merge without audit {tp:.2f} s); "
          f"peak memory {peak / size:.2f}x the inputs; kept {m.n_kept}, dropped {m.n_dropped}")
    for n, kind in ((10**6, "text"), (10**7, "integer")):
        ids = np.arange(1, n + 1)
        a = pd.DataFrame({"id": ids, "x": rng.normal(size=n)})
        b = pd.DataFrame({"id": rng.permutation(ids), **{f"f{j}": rng.normal(size=n) for j in range(20)}})
        c = pd.DataFrame({"id": rng.permutation(ids)[: n - 100], "s": rng.integers(0, 7, n - 100)})
        if kind == "text":
            a, b, c = (t.assign(id=np.char.add("P", t["id"].to_numpy().astype(str)).astype(object)) for t in (a, b, c))
        tm, m = best_of(lambda: cs.merge_tables(a, b, c, on="id", prefixes=[None, "rad_", None]), repeat=1)
        tp, _ = best_of(lambda: a.merge(b, on="id").merge(c, on="id"), repeat=1)
        print(f"merge_tables {n:,} {kind} ids x 3 tables: {tm:.2f} s; pandas merge without audit {tp:.2f} s "
              f"-> {tm / tp:.2f}x pandas; kept {m.n_kept:,}, dropped {m.n_dropped}")
        del a, b, c, m


if __name__ == "__main__":
    main()
