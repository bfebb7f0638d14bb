"""keepword's order-flow model: a SimPy model of a store's warehouse, carriers and support line.

    from sim import simulate
    result = simulate("scenarios/ad-spike.yaml", ledger=ledger, replications=10,
                      sweeps=["packers=3..8"], progress=False)

Modules: `config` (the YAML keys), `model` (the SimPy processes), `warehouse` (shifts, stock),
`calendar`, `distributions`, `streams` (the one place random streams are seeded), `replay`
(order logs), `support` (the support line), `emails` (e-mail timing), `sweep`, `runner` (process
pool, Dask), `results` (figures and tallies), `api`
(`simulate`), `erlang` (the queueing theory it is checked against), `store_fulfilment` (the
demo store's fulfilment driven by this model).
"""

from __future__ import annotations

from sim.api import SimResult, load_sim_config, simulate
from sim.config import SimConfig
from sim.model import Model, run_model

__all__ = ["Model", "SimConfig", "SimResult", "load_sim_config", "run_model", "simulate"]
