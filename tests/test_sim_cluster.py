"""`keepword simulate --cluster` on a real Dask cluster: a scheduler and two workers, each its own
process on 127.0.0.1, started with Dask's own command line as a user would start them.

Not skipped when Dask is missing: `./run test` installs `keepword[dev,cluster]`, so a missing
Dask is a broken set-up, and CI must say so rather than pass without the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from keepword.cli import main
from keepword.ledger import open_ledger

SCENARIO = """\
name: cluster
description: ten days of the baseline with a spike, for the cluster test
simulation:
  calendar: {start: 2026-11-02, days: 10}
  traffic: {sessions_per_day: 5000, campaigns: [{start: 5, end: 9, multiplier: 2.5}]}
  warehouse:
    shifts:
      - {start: "06:00", end: "14:00", packers: 1}
      - {start: "14:00", end: "22:00", packers: 1}
  run: {replications: 4, seed: 11, drain_days: 7}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1 (free ports, no dashboard);
    yields the scheduler's address; stops all three at teardown."""
    try:
        from dask.distributed import Client
    except ImportError:
        pytest.fail("Dask is not installed; `./run test` installs keepword[dev,cluster], which has it")
    folder = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    dask = [sys.executable, "-m", "dask"]
    log = (folder / "cluster.log").open("wb")
    processes = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                   "--no-dashboard", "--no-show"], cwd=folder, stdout=log, stderr=log)]
    try:
        for n in range(2):
            processes.append(subprocess.Popen(
                [*dask, "worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                 "--no-dashboard", "--no-nanny", "--name", f"worker-{n}", "--local-directory", str(folder / f"w{n}")],
                cwd=folder, stdout=log, stderr=log))
        deadline = time.monotonic() + 120
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
        yield address
    finally:
        _stop(processes[::-1])
        log.close()


def _figures(ledger_path: Path) -> list[tuple]:
    with open_ledger(ledger_path) as ledger:
        (run,) = ledger.runs()
        figures = ledger.figures([run.id])
        tallies = ledger.tallies([run.id])
    return ([(f.name, sorted(f.labels.items()), f.value, f.lo, f.hi) for f in figures]
            + [(t.kind, t.day, t.group, t.kept, t.broken, t.open) for t in tallies])


def test_simulate_on_a_real_cluster_gives_the_local_pools_numbers(dask_cluster, tmp_path, capsys):
    scenario = tmp_path / "cluster.yaml"
    scenario.write_text(SCENARIO)
    common = ["simulate", str(scenario), "--no-progress", "--sweep", "packers=1,2"]
    assert main([*common, "--cluster", dask_cluster, "--ledger", str(tmp_path / "remote.db")]) == 0
    assert main([*common, "--processes", "2", "--ledger", str(tmp_path / "local.db")]) == 0
    remote, local = _figures(tmp_path / "remote.db"), _figures(tmp_path / "local.db")
    assert len(remote) > 100 and remote == local
    with open_ledger(tmp_path / "remote.db") as ledger:
        assert ledger.runs()[0].params["cluster"] == dask_cluster
    out = capsys.readouterr().out
    assert "packers=2" in out


def test_the_cluster_is_two_worker_processes_of_their_own(dask_cluster):
    from dask.distributed import Client

    with Client(dask_cluster) as client:
        pids = client.run(os.getpid)
        hosts = {w["host"] for w in client.scheduler_info()["workers"].values()}
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
    assert hosts == {"127.0.0.1"}
