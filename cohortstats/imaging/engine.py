"""Where the cases of an extraction run: one after another in this process (no Dask needed), on a local Dask
cluster of worker processes (``workers=N``), or on an existing Dask cluster (``scheduler="tcp://host:8786"``).
Progress across the cluster is written as the cases finish.

Dask (``pip install "cohortstats[dask]"``) is imported only when a cluster is asked for.
"""

from __future__ import annotations

import itertools
import sys
import time
import uuid

from ..exceptions import DataValidationError
from ._deps import need
from .tasks import CaseOutcome, KindOutcome, run_case

__all__ = ["run_tasks", "Progress"]


class Progress:
    """Cases done / failed / running, the rate and the time left, written to ``stream``.

    On a terminal the line is rewritten in place; otherwise a line every ``every`` seconds and at the end.
    The rate counts the cases computed in this run (cases found done by an earlier run take no time).
    """

    def __init__(self, total: int, *, where: str, stream=None, every: float = 10.0):
        self.total, self.where, self.every = total, where, every
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.computed = self.cached = self.failed = 0
        self.t0 = self.last = time.perf_counter()
        self._write(f"[extract] {total} case(s) {where}", final=True)

    @property
    def finished(self) -> int:
        return self.computed + self.cached + self.failed

    def update(self, outcome: CaseOutcome, running: int) -> None:
        if outcome.failed:
            self.failed += 1
        elif outcome.cached:
            self.cached += 1
        else:
            self.computed += 1
        now = time.perf_counter()
        if self.tty or now - self.last >= self.every or self.finished == self.total:
            self.last = now
            self._write(self.line(running, now), final=not self.tty)

    def line(self, running: int, now: float | None = None) -> str:
        elapsed = (now or time.perf_counter()) - self.t0
        new = self.computed + self.failed
        rate = new / elapsed if elapsed > 0 else 0.0
        left = self.total - self.finished
        eta = f"about {_duration(left / rate)} left" if rate > 0 and left else ("done" if not left else "time left: —")
        return (f"[extract] {self.finished}/{self.total} cases: {self.computed} computed, {self.cached} done in an "
                f"earlier run, {self.failed} failed, {running} running; {rate:.2f} cases/s; {eta}")

    def close(self) -> None:
        elapsed = time.perf_counter() - self.t0
        if self.tty:
            self.stream.write("\n")
        self._write(f"[extract] {self.finished} case(s) in {_duration(elapsed)}: {self.computed} computed, "
                    f"{self.cached} done in an earlier run, {self.failed} failed", final=True)

    def _write(self, text: str, *, final: bool) -> None:
        if final:
            self.stream.write(text + "\n")
        else:
            self.stream.write("\r" + text.ljust(110))
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def run_tasks(tasks, plan, *, workers: int | None = None, scheduler: str | None = None, retries: int = 2,
              memory_limit="auto", progress: bool = False) -> list:
    """Run :func:`~cohortstats.imaging.tasks.run_case` for every task; outcomes in the tasks' order.

    Parameters
    ----------
    workers : int, optional
        Start a local Dask cluster of this many worker processes (one thread each).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``). With neither, cases run one after another
        in this process.
    retries : int
        How many more times a case is tried after the worker running it died (a local cluster's
        ``distributed.scheduler.allowed-failures``; on an existing cluster its scheduler's setting rules), or
        after an error outside the per-case error handling. Then the case is reported as failed.
    memory_limit : str or int
        Memory per worker of a local cluster (``"4GiB"``; ``"auto"``: the machine's memory / workers). A worker
        over it is restarted and its case retried.
    progress : bool
        Write :class:`Progress` lines to stderr.

    Returns
    -------
    list of CaseOutcome
        One per task, in the tasks' order; a case whose task never returned (its worker died every time) is
        a failure of every kind, with the reason.

    Raises
    ------
    DataValidationError
        ``workers`` and ``scheduler`` together, or a ``workers``/``retries`` that is not a whole number.
    ImportError
        A cluster is asked for and ``dask[distributed]`` is not installed (the message says how to install it).
    """
    if workers is not None and scheduler is not None:
        raise DataValidationError("give either workers= (a local Dask cluster) or scheduler= (an existing one), "
                                  f"not both; got workers={workers!r} and scheduler={scheduler!r}.")
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise DataValidationError(f"workers must be a whole number >= 1; got {workers!r}.")
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise DataValidationError(f"retries must be a whole number >= 0; got {retries!r}.")
    if workers is None and scheduler is None:
        return _serial(tasks, plan, progress)
    return _on_dask(tasks, plan, workers=workers, scheduler=scheduler, retries=retries, memory_limit=memory_limit,
                    progress=progress)


def _record(outcomes: dict, outcome: CaseOutcome, prog, running: int) -> None:
    """Keep a finished case's outcome (its parts are already written) and report progress."""
    outcomes[outcome.index] = outcome
    if prog:
        prog.update(outcome, running=running)


def _serial(tasks, plan, progress: bool) -> list:
    prog = Progress(len(tasks), where="in this process, one after another") if progress else None
    outcomes: dict = {}
    for i, task in enumerate(tasks):
        _record(outcomes, run_case(task, plan), prog, running=int(i + 1 < len(tasks)))
    if prog:
        prog.close()
    return [outcomes[t.index] for t in tasks]


def _lost(task, plan, fut, deaths: str, retries: int) -> CaseOutcome:
    """The outcome of a case whose task never returned: its worker died on every try, it raised, or the cluster
    cancelled it."""
    err = fut.exception() if fut.status == "error" else RuntimeError(f"the cluster reported the task {fut.status}")
    if type(err).__name__ == "KilledWorker":
        message = (f"the worker running this case died {deaths}, also with no other case on the cluster (a crash, "
                   f"or the worker's memory limit); dask: {err}")
    else:
        message = f"failed {retries + 1} time(s): {err}"
    failure = KindOutcome("failed", error=type(err).__name__, message=message[:300])
    return CaseOutcome(task.index, task.case, {k: failure for k in plan.kinds})


# modules a local cluster's forkserver imports once, so that a worker (and a worker restarted after a death) starts
# in a fraction of a second instead of importing them anew
_PRELOAD = ["distributed", "cohortstats.imaging.tasks", "radiomics.featureextractor", "SimpleITK", "sklearn.cluster",
            "pyarrow.parquet"]


def _local_config(retries: int) -> dict:
    """Dask settings of the local cluster that ``workers=N`` starts."""
    import multiprocessing

    config = {"distributed.scheduler.allowed-failures": retries,
              # a worker holds only the case it runs, so a worker that dies takes no queued case down with it
              # (the scheduler counts a death against every case assigned to that worker)
              "distributed.scheduler.worker-saturation": 1.0}
    if "forkserver" in multiprocessing.get_all_start_methods():
        config["distributed.worker.multiprocessing-method"] = "forkserver"
    return config


def _cluster(workers, scheduler, memory_limit):
    """A Dask client: on a new local cluster of ``workers`` processes, or connected to ``scheduler``."""
    import dask
    from distributed import Client, LocalCluster
    from distributed.utils import get_mp_context

    if scheduler is not None:
        client, cluster, where = Client(scheduler), None, f"on the Dask cluster at {scheduler}"
    else:
        if dask.config.get("distributed.worker.multiprocessing-method") == "forkserver":
            get_mp_context().set_forkserver_preload(_PRELOAD)  # before the forkserver starts (else no effect)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory_limit,
                               dashboard_address="127.0.0.1:0")
        client, where = Client(cluster), f"on a local Dask cluster (dashboard {cluster.dashboard_link})"
    info = client.scheduler_info().get("workers", {}).values()
    limits = {w.get("memory_limit") for w in info}
    threads = client.nthreads()
    where += f" of {len(threads)} worker(s) with {sum(threads.values())} thread(s)"
    if len(limits) == 1 and next(iter(limits)):
        where += f", {next(iter(limits)) / 2**30:.1f} GiB each"
    return client, cluster, where


def _on_dask(tasks, plan, *, workers, scheduler, retries, memory_limit, progress) -> list:
    need("distributed")
    import dask

    with dask.config.set(_local_config(retries) if scheduler is None else {}):  # for the cluster's whole life
        client, cluster, where = _cluster(workers, scheduler, memory_limit)
        try:
            prog = Progress(len(tasks), where=where) if progress else None
            # on an existing cluster its scheduler's allowed-failures decides how often a death is forgiven
            deaths = f"{retries + 1} time(s)" if cluster is not None else "on every try the scheduler allows"
            outcomes = _drain(client, tasks, plan, retries, deaths, prog)
            if prog:
                prog.close()
            return [outcomes[t.index] for t in tasks]
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _drain(client, tasks, plan, retries: int, deaths: str, prog) -> dict:
    """Submit the cases in a window of a few per worker thread (the scheduler never holds 10⁵ tasks at once) and
    record each as it finishes."""
    from distributed import as_completed

    run, pending = uuid.uuid4().hex[:8], iter(tasks)
    in_flight: dict = {}
    queue = as_completed()
    threads, checked = max(sum(client.nthreads().values()), 1), time.perf_counter()

    def submit(n):
        for task in itertools.islice(pending, n):
            fut = client.submit(run_case, task, plan, key=f"extract-{task.index}-{run}", pure=False, retries=retries)
            in_flight[fut] = task
            queue.add(fut)

    submit(max(32, 4 * threads))
    outcomes: dict = {}
    suspects = []
    for fut in queue:
        task = in_flight.pop(fut)
        if _killed(fut):
            suspects.append(task)  # perhaps only beside the case that killed its worker: run again alone below
        else:
            outcome = fut.result() if fut.status == "finished" else _lost(task, plan, fut, deaths, retries)
            _record(outcomes, outcome, prog, running=min(len(in_flight), threads))
        fut.release()
        if time.perf_counter() - checked > 5:  # an adaptive cluster grows and shrinks
            threads, checked = max(sum(client.nthreads().values()), 1), time.perf_counter()
        submit(max(32, 4 * threads) - len(in_flight))
    for task in suspects:
        _record(outcomes, _alone(client, task, plan, run, retries, deaths), prog, running=1)
    return outcomes


def _killed(fut) -> bool:
    """The case's worker died: while running it, or after it finished and before its result was fetched."""
    return fut.status == "lost" or (fut.status == "error" and type(fut.exception()).__name__ == "KilledWorker")


def _alone(client, task, plan, run: str, retries: int, deaths: str) -> CaseOutcome:
    """Run a case whose worker died again, with nothing else on the cluster.

    The scheduler counts a worker's death against every case that worker held, not only the one that killed
    it; a case is reported as failed only when its worker dies while it runs alone.
    """
    from distributed import wait

    fut = client.submit(run_case, task, plan, key=f"extract-alone-{task.index}-{run}", pure=False, retries=retries)
    wait(fut)
    outcome = fut.result() if fut.status == "finished" else _lost(task, plan, fut, deaths, retries)
    fut.release()
    return outcome
