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


class RssPeak:
    """Peak resident memory (GiB) of this process while the ``with`` block runs, sampled every 20 ms from
    /proc/self/statm (ru_maxrss only ever grows, so it cannot give the peak of one step)."""

    def __init__(self, interval=0.02):
        self.interval = interval
        self.peak = 0.0

    @staticmethod
    def current():
        import os

        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30

    def _watch(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.current())

    def __enter__(self):
        import threading

        self.peak = self.current()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.current())
