"""Resampling that gives the same answer for any number of workers, on any joblib backend.

Two pieces, shared by every resampling loop (bootstrap CIs, ROC bands, decision-curve bands, and in time
bootstrap validation and cross-validation):

- :func:`spawn_generators`: one independent random generator per resample, spawned from one
  ``numpy.random.SeedSequence``. Resample ``b`` draws the same numbers whichever worker runs it, so results
  do not depend on ``n_jobs``, the batching or the backend.
- :func:`parallel_map`: ``[fn(task) for task in tasks]`` through joblib, in a few batches per worker, each
  worker limited to ``blas_threads`` BLAS threads (threadpoolctl): two workers on two cores that each start
  two OpenBLAS threads oversubscribe the machine and make small matrix products several times slower.
  Because it goes through joblib, ``joblib.parallel_config(backend="dask")`` sends the batches to a Dask
  cluster; the study runner sets that up from the study file's ``compute`` block.

``n_jobs=None`` means joblib's current setting: 1 (serial, in this process) unless the caller is inside
``joblib.parallel_config(n_jobs=...)`` (as a study run is).
"""

from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager

import numpy as np

__all__ = ["seed_sequence", "spawn_generators", "resolve_n_jobs", "available_workers", "parallel_map",
           "limit_blas", "compute_environment"]


def seed_sequence(random_state) -> np.random.SeedSequence:
    """The root ``SeedSequence`` of a resampling run.

    ``None`` (fresh entropy), an int, a ``SeedSequence`` (copied, so the same sequence gives the same
    resamples every time it is passed), or a ``numpy.random.Generator`` (one 63-bit draw from it seeds the
    sequence, so the generator advances by one draw).
    """
    if isinstance(random_state, np.random.SeedSequence):
        return np.random.SeedSequence(random_state.entropy, spawn_key=random_state.spawn_key,
                                      pool_size=random_state.pool_size)
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(2**63)))
    if random_state is None or isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.SeedSequence(None if random_state is None else int(random_state))
    raise TypeError(f"random_state must be None, an int, a numpy SeedSequence or a numpy Generator; got "
                    f"{type(random_state).__name__}.")


def spawn_generators(random_state, n: int) -> list:
    """``n`` independent generators (PCG64), the ``b``-th for resample ``b``, from one root seed."""
    return [np.random.default_rng(s) for s in seed_sequence(random_state).spawn(int(n))]


def resolve_n_jobs(n_jobs) -> int:
    """The number of workers ``n_jobs`` means (joblib's rules: ``None`` = the active ``parallel_config``,
    else 1; ``-1`` = every core). Raises ``TypeError``/``ValueError`` naming ``n_jobs`` for anything else."""
    import joblib

    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer))):
        raise TypeError(f"n_jobs must be None or a whole number of workers (-1: every core); got {n_jobs!r}.")
    if n_jobs is not None and int(n_jobs) == 0:
        raise ValueError("n_jobs must not be 0; give 1 for serial work, a number of workers, or -1 for every core.")
    return int(joblib.effective_n_jobs(None if n_jobs is None else int(n_jobs)))


def available_workers() -> int:
    """Workers for work large enough to share: the active ``joblib.parallel_config(n_jobs=...)`` if one is set,
    else the cores this process may use."""
    from joblib.parallel import get_active_backend

    configured = get_active_backend()[1]
    return resolve_n_jobs(configured) if configured is not None else _cores()


def _cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def limit_blas(threads: int | None):
    """A context manager limiting BLAS to ``threads`` threads (``None``: leave them as they are)."""
    from contextlib import nullcontext

    if threads is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=int(threads), user_api="blas")


def _run_batch(fn, batch, blas_threads):
    with limit_blas(blas_threads):
        return [fn(task) for task in batch]


def parallel_map(fn, tasks, *, n_jobs=None, blas_threads: int | None = 1, batches_per_worker: int = 4) -> list:
    """``[fn(task) for task in tasks]``, in order, on ``n_jobs`` joblib workers.

    Tasks are grouped into about ``batches_per_worker`` contiguous batches per worker (the per-task
    overhead of a process pool or a cluster would dominate small tasks); each batch runs under a limit
    of ``blas_threads`` BLAS threads. With one worker everything runs here, serially, and BLAS is left
    alone. ``fn`` and the tasks must pickle (module-level functions, ``functools.partial`` of them);
    large numpy arrays among them are memory-mapped to the workers by joblib, once per call.
    """
    tasks = list(tasks)
    workers = min(resolve_n_jobs(n_jobs), max(1, len(tasks)))
    if workers <= 1:
        return [fn(task) for task in tasks]
    from joblib import Parallel, delayed

    n_batches = min(len(tasks), workers * max(1, int(batches_per_worker)))
    bounds = np.linspace(0, len(tasks), n_batches + 1).round().astype(int)
    batches = [tasks[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    chunks = Parallel(n_jobs=workers)(delayed(_run_batch)(fn, batch, blas_threads) for batch in batches)
    return [r for chunk in chunks for r in chunk]


@contextmanager
def compute_environment(*, workers="auto", blas_threads: int | None = None, scheduler: str | None = None):
    """Where parallel work runs inside the ``with`` block (a study run's ``compute`` block).

    ``workers``: joblib workers for work that asks for ``n_jobs=None`` (``"auto"``: the cores this process may
    use, or every worker of the cluster); ``blas_threads``: BLAS threads of this process (workers always get one);
    ``scheduler``: the address of a Dask scheduler (``tcp://host:8786``): parallel work then goes to that cluster
    through joblib's Dask backend (needs ``dask[distributed]``, the ``cohortstats[dask]`` extra).
    """
    import joblib

    with ExitStack() as stack:
        stack.enter_context(limit_blas(blas_threads))
        if scheduler:
            try:
                from dask.distributed import Client
            except ImportError:
                raise ImportError(f"compute.scheduler ({scheduler!r}) needs Dask: pip install 'cohortstats[dask]' "
                                  "(dask[distributed]), or remove compute.scheduler to run on this machine.") from None
            stack.enter_context(Client(scheduler))
            stack.enter_context(joblib.parallel_config(backend="dask", n_jobs=-1 if workers == "auto" else workers))
        else:
            stack.enter_context(joblib.parallel_config(n_jobs=_cores() if workers == "auto" else int(workers)))
        yield
