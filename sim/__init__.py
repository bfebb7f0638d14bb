"""keepword's order-flow model: a SimPy model of a store's warehouse, carriers and support line.

    from sim import simulate
    result = simulate("scenarios/ad-spike.yaml", ledger=ledger, replications=10,
                      sweeps=["packers=3..8"], progress=False)

Modules: `config` (the YAML keys), `model` (the SimPy processes), `warehouse` (shifts, stock),
`calendar`, `distributions`, `streams` (the one place random streams are seeded), `replay`
(order logs), `support` (the support line), `emails` (e-mail timing), `sweep`, `runner` (process
pool, Dask), `results` (figures and tallies), `api`
(`simulate`), `erlang` (the queueing theory it is checked against: Erlang C and Erlang A),
`validation` (the model reduced to those queues, and the table), `store_fulfilment` (the demo
store's fulfilment driven by this model).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["Model", "SimConfig", "SimResult", "load_sim_config", "run_model", "simulate"]

if TYPE_CHECKING:
    from sim.api import SimResult, load_sim_config, simulate
    from sim.config import SimConfig
    from sim.model import Model, run_model

# Imported on first use (PEP 562), not here: a worker process that runs replications imports
# `sim.runner`, and with it this package; it needs the model, not the ledger and the reports
# side that `sim.api` brings (about a third of a worker's start-up).
_HOME = {"Model": "sim.model", "run_model": "sim.model", "SimConfig": "sim.config",
         "SimResult": "sim.api", "load_sim_config": "sim.api", "simulate": "sim.api"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
