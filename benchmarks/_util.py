"""Small helpers shared by the benchmarks (timing with repeats, peak memory)."""

import gc
import time
import tracemalloc


def best_of(fn, repeat=3):
    """Best wall time of ``repeat`` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_memory(fn):
    """Peak Python-allocated bytes during ``fn()`` (tracemalloc; numpy buffers included)."""
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak
