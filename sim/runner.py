"""Running replications: in this process, in a local process pool, or on a Dask cluster.

A job is plain data (a config, a replication number, maybe a replayed log) and its result is
plain data (`ReplicationResult`), so the three ways give identical numbers: the random streams
depend only on the seed and the replication number (`sim.streams`), never on which worker ran
it or when it finished. Results are put back in job order before anything is computed from them.

Where a local pool's time went (issue 15, `benchmarks/sim.py`): a job pickles to about 2.6 KB
and a 28-day result to about 2.5 KB, microseconds each way; what cost was starting the workers.
Each spawned worker is a fresh interpreter that imports the model (pydantic, SimPy) and, through
`sim/__init__`, the ledger: 0.4-1.4 s of wall time for a pool of two on a busy 2-core machine,
paid again by every pool. Workers now come from a fork server that has imported `sim.runner`
once (`_pool_context`), and `sim` imports its API lazily, so a pool of two starts in about 0.1 s
after the first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sim.config import SimConfig
from sim.model import ReplayOrder, run_model
from sim.tallies import ReplicationResult

__all__ = ["Job", "check_cluster", "run_jobs"]


@dataclass(frozen=True)
class Job:
    """One replication of one sweep point."""

    config: SimConfig
    replication: int
    replay: tuple[ReplayOrder, ...] | None = None
    scale: float = 1.0
    collect_orders: bool = False

    def __repr__(self) -> str:
        return f"<Job replication={self.replication} {self.config!r}>"


def _run(job: Job) -> ReplicationResult:
    return run_model(job.config, job.replication, job.replay, job.scale, job.collect_orders)


def run_jobs(
    jobs: Sequence[Job],
    *,
    processes: int | None = None,
    cluster: str | None = None,
    on_done: Callable[[], None] | None = None,
) -> list[ReplicationResult]:
    """Run every job and return the results in job order. `processes=1` runs here (tests,
    debuggers); None uses one process per core; `cluster` sends them to a Dask scheduler."""
    done = on_done or (lambda: None)
    if cluster:
        return _on_cluster(jobs, cluster, done)
    workers = min(processes or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        out = []
        for job in jobs:
            out.append(_run(job))
            done()
        return out
    from concurrent.futures import ProcessPoolExecutor, as_completed

    results: list[ReplicationResult | None] = [None] * len(jobs)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())
    try:
        futures = {pool.submit(_run, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done()
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()
    return [r for r in results if r is not None]


def _stop(pool: Any) -> None:
    """Stop a pool now: on Ctrl-C or SIGTERM (which the ledger turns into KeyboardInterrupt) the
    executor's own exit waits for every running replication, so a run killed mid-way went on for
    minutes. Queued jobs are cancelled and running workers terminated (their results are lost
    with the run, which the ledger marks interrupted)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())  # no public handle on 3.11
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.terminate()


def _pool_context() -> Any:
    """A fork server that has imported the model, where the platform has one; else spawn.

    Not a plain fork of this process: it may hold threads (Rich's progress refresh, a demo
    store's server), and forking a threaded process can deadlock in the child. The fork server
    is a clean single-threaded process started once per parent, with `sim.runner` (and so the
    model) already imported, so each worker is a fork of it: no interpreter start, no imports.
    """
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.runner"])
    return context


def check_cluster(address: str) -> None:
    """BadInput unless Dask is installed and, for a tcp:// address, something listens there:
    checked before a run starts, so a typo in --cluster never opens the ledger."""
    import socket
    from urllib.parse import urlsplit

    from keepword.errors import BadInput

    _dask(address)
    parts = urlsplit(address)
    if parts.scheme != "tcp":
        return
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise BadInput(f"--cluster {address}: write the scheduler's address as tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)")
    try:
        socket.create_connection((parts.hostname, port), timeout=10).close()
    except OSError as exc:
        raise BadInput(f"--cluster {address}: cannot reach the Dask scheduler: {exc}; check the address "
                       "and that `dask scheduler` is running") from None


def _dask(address: str) -> Any:
    from keepword.errors import BadInput

    try:
        import dask.distributed
    except ImportError:
        raise BadInput(
            f"--cluster {address}: Dask is not installed; install it with `pip install 'keepword[cluster]'` "
            "(and run the same keepword version on the cluster's workers)"
        ) from None
    return dask.distributed


def _on_cluster(jobs: Sequence[Job], address: str, done: Callable[[], None]) -> list[ReplicationResult]:
    from keepword.errors import BadInput

    distributed = _dask(address)
    try:
        client = distributed.Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise BadInput(f"--cluster {address}: cannot reach the Dask scheduler: {exc}; check the address "
                       "(tcp://HOST:8786) and that `dask scheduler` is running") from None
    try:
        futures = client.map(_run, list(jobs), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[ReplicationResult | None] = [None] * len(jobs)
        for future in distributed.as_completed(futures):
            results[index[future.key]] = future.result()
            done()
        return [r for r in results if r is not None]
    finally:
        client.close()
