"""Queueing theory the model is checked against: Erlang C for an M/M/c queue."""

from __future__ import annotations

import math

__all__ = ["erlang_c"]


def erlang_c(arrival_rate: float, service_mean: float, servers: int) -> tuple[float, float]:
    """(probability an arrival waits, mean wait in queue) for M/M/c, in the rate's time unit.

    Computed with the Erlang B recursion, which stays stable for hundreds of servers where the
    textbook factorial form overflows.
    """
    load = arrival_rate * service_mean  # offered load in Erlangs
    if servers <= 0 or load >= servers:
        raise ValueError(f"M/M/c is unstable with load {load:.3g} on {servers} servers")
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    rho = load / servers
    p_wait = b / (1 - rho * (1 - b))
    mean_wait = p_wait * service_mean / (servers - load)
    return p_wait, mean_wait if math.isfinite(mean_wait) else math.inf
