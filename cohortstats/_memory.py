"""Giving memory back to the operating system during a study run: Arrow's pool after Parquet reads, glibc's
heap between stages (``malloc_trim``), and large arrays mapped on their own while a run lasts (``mallopt``).

Why: the study runner's peak memory should be a small multiple of the data it reads (issue 17; measured in
benchmarks/README.md, "Memory of the study runner"). Freed memory that the allocators keep makes each stage's
peak stack on what the stages before it freed. Linux with glibc only; elsewhere only Arrow's pool is released.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import sys

__all__ = ["release_arrow_memory", "release_freed_memory", "lean_allocations", "MMAP_THRESHOLD"]


def release_arrow_memory() -> None:
    """Give the memory Arrow's pool keeps after a Parquet read (or after freeing frames it allocated) back to the
    operating system; a no-op when pyarrow was never imported."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()


def release_freed_memory() -> None:
    """Give freed memory back to the operating system: Arrow's pool, and glibc's heap (``malloc_trim(0)``: glibc
    keeps freed blocks below its mmap threshold for reuse, so each stage's peak would stack on what the stages
    before it freed). Linux with glibc only; elsewhere only Arrow's pool. Unreachable cycles are collected first
    (an exception's traceback can hold a frame's arrays until the collector runs)."""
    gc.collect()
    release_arrow_memory()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


MMAP_THRESHOLD = 1 << 20  # bytes: during a study run glibc maps blocks this large on their own (lean_allocations)
_MMAP_THRESHOLD_MAX = 32 << 20  # glibc's own ceiling for its adaptive threshold on 64-bit systems


@contextlib.contextmanager
def lean_allocations():
    """Within the block, glibc serves every block of ``MMAP_THRESHOLD`` bytes or more from a mapping of its
    own, returned to the operating system when freed (``mallopt(M_MMAP_THRESHOLD)``; Linux with glibc only,
    a no-op elsewhere).

    By default glibc raises that threshold after each large block is freed, up to 32 MiB, so the arrays of a
    wide block (tens of MiB each) come from its heap, where a freed array stays resident behind a live one and
    each stage's peak stacks on what the stages before it freed (the fusion study at 10^5 patients: models
    stage 1.52 -> 1.11 GiB, no change in time; benchmarks/README.md). Mapping costs page faults on every large
    temporary, so on leaving the block the threshold is set to glibc's own ceiling (32 MiB, where its adaptive
    threshold settles in numeric work); the adaptation itself stays off for the process.
    """
    mallopt = _glibc("mallopt")
    if mallopt is not None:
        mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD (malloc.h)
    try:
        yield
    finally:
        if mallopt is not None:
            mallopt(-3, _MMAP_THRESHOLD_MAX)


def _malloc_trim():
    return _glibc("malloc_trim")


@functools.lru_cache(maxsize=4)
def _glibc(name: str):
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)  # glibc; musl and others have no malloc_trim / mallopt
    except (OSError, AttributeError):
        return None
