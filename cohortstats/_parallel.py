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

A resample's warnings are data too: :func:`recording_warnings` records what each resample (or fold) raises,
wherever it runs, and :func:`summarise_warnings` turns them into one warning per kind ("separation in 37 of
200 bootstrap resamples") and a table, the same for any number of workers.
"""

from __future__ import annotations

import os
import threading
import warnings
from contextlib import ExitStack, contextmanager

import numpy as np
import pandas as pd

from .exceptions import CohortStatsWarning

__all__ = ["seed_sequence", "spawn_generators", "resolve_n_jobs", "available_workers", "parallel_map",
           "limit_blas", "compute_environment", "recording_warnings", "summarise_warnings", "CODE_WARNINGS"]

# warnings about code rather than data (deprecations): passed on as they are, never counted as findings
CODE_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ImportWarning)


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
    """A worker's batch: one BLAS thread, and joblib work nested in a task (scikit-learn's ColumnTransformer, a
    LASSO's folds) run here, serially: sent back to a cluster whose workers are all busy with this map, it would
    wait for itself."""
    from joblib import parallel_config

    with limit_blas(blas_threads), parallel_config(backend="sequential", n_jobs=1):
        return [fn(task) for task in batch]


def parallel_map(fn, tasks, *, n_jobs=None, blas_threads: int | None = 1, batches_per_worker: int = 4,
                 progress: str | None = None) -> list:
    """``[fn(task) for task in tasks]``, in order, on ``n_jobs`` joblib workers.

    Tasks are grouped into about ``batches_per_worker`` contiguous batches per worker (the per-task
    overhead of a process pool or a cluster would dominate small tasks); each batch runs under a limit
    of ``blas_threads`` BLAS threads. With one worker everything runs here, serially, and BLAS is left
    alone. ``fn`` and the tasks must pickle (module-level functions, ``functools.partial`` of them);
    large numpy arrays among them are memory-mapped to the workers by joblib, once per call.
    ``progress``: a label for a progress bar (tqdm, on stderr) counting finished tasks.
    """
    tasks = list(tasks)
    workers = min(resolve_n_jobs(n_jobs), max(1, len(tasks)))
    bar = _progress_bar(progress, len(tasks))
    if workers <= 1:
        out = []
        for task in tasks:
            out.append(fn(task))
            bar.update(1)
        bar.close()
        return out
    from joblib import Parallel, delayed

    n_batches = min(len(tasks), workers * max(1, int(batches_per_worker)))
    bounds = np.linspace(0, len(tasks), n_batches + 1).round().astype(int)
    batches = [tasks[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    out = []
    for chunk in Parallel(n_jobs=workers, return_as="generator")(
            delayed(_run_batch)(fn, batch, blas_threads) for batch in batches):
        out.extend(chunk)
        bar.update(len(chunk))
    bar.close()
    return out


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress_bar(label, total):
    if not label:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=label, unit="task")


_RECORDING = threading.RLock()  # catch_warnings changes process-wide state: threads take turns


@contextmanager
def recording_warnings():
    """Record every warning raised inside the block, each occurrence (nothing shown, nothing ignored).

    Yields a list that holds, after the block, the distinct ``(category, message)`` pairs in the order they
    were first raised: what one resample or fold raised, returned with its result from whichever worker ran
    it. ``warnings.catch_warnings`` changes process-wide state (two threads recording at once would swap each
    other's records and leave the last one's recorder installed), so threads take turns (a lock): on a
    threaded backend (joblib's ``"threading"``, a Dask cluster of threads) recorded work runs one task at a
    time; process workers (joblib's default loky backend, Dask's default ``LocalCluster``) record their own
    in parallel.
    """
    kinds: list = []
    with _RECORDING, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield kinds
        finally:
            kinds.extend(dict.fromkeys((w.category, str(w.message)) for w in caught))


def summarise_warnings(per_task, *, what: str, of: str, count_column: str, stacklevel: int = 3) -> pd.DataFrame:
    """One warning per kind over many resamples or folds, and the table of them.

    ``per_task``: for each resample (fold), the ``(category, message)`` pairs it raised (from
    :func:`recording_warnings`). Each kind is counted once per task that raised it and warned once, as
    ``"<what>: in <k> of <n> <of>: <message>"`` with its own category when that is a cohortstats warning, else
    as :class:`~cohortstats.exceptions.CohortStatsWarning` naming the original (a numpy ``RuntimeWarning``, a
    scikit-learn ``ConvergenceWarning``). Warnings about code (deprecations, :data:`CODE_WARNINGS`) are passed
    on once each as they are and left out of the table. Returns ``category, message, <count_column>``, in the
    order the kinds first appeared.
    """
    per_task = list(per_task)
    counts: dict = {}
    for kinds in per_task:
        for kind in dict.fromkeys(kinds):
            counts[kind] = counts.get(kind, 0) + 1
    rows = []
    for (category, message), k in counts.items():
        if issubclass(category, CODE_WARNINGS):
            warnings.warn(message, category, stacklevel=stacklevel)
            continue
        ours = issubclass(category, CohortStatsWarning)
        warnings.warn(f"{what}: in {k} of {len(per_task)} {of}: {message}"
                      + ("" if ours else f" ({category.__name__})"),
                      category if ours else CohortStatsWarning, stacklevel=stacklevel)
        rows.append({"category": category.__name__, "message": message, count_column: k})
    return pd.DataFrame(rows, columns=["category", "message", count_column])


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
