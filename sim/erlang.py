"""Queueing theory the model is checked against: Erlang C (M/M/c) for the warehouse and
Erlang A (M/M/c+M, callers who hang up) for the support line.

Both are exact stationary results of a birth-death chain; `sim.validation` runs the model reduced
to each queue and compares. Erlang A here is the chain itself, summed in closed form: states
n <= c behave as Erlang B's, states c + k above it are reached with probability
lambda / (c mu + k theta) per step, so the sum converges however heavy the load (abandonment
makes every load stable). Its measures follow Mandelbaum and Zeltyn's "The M/M/n+G queue:
summary of performance measures" (2009) for exponential patience; the tests re-derive them from a
numerically solved chain.
"""

from __future__ import annotations

import math
from typing import NamedTuple

__all__ = ["ErlangA", "erlang_a", "erlang_c"]


def erlang_c(arrival_rate: float, service_mean: float, servers: int) -> tuple[float, float]:
    """(probability an arrival waits, mean wait in queue) for M/M/c, in the rate's time unit.

    Computed with the Erlang B recursion, which stays stable for hundreds of servers where the
    textbook factorial form overflows.
    """
    load = arrival_rate * service_mean  # offered load in Erlangs
    if servers <= 0 or load >= servers:
        raise ValueError(f"M/M/c is unstable with load {load:.3g} on {servers} servers")
    b = _erlang_b(load, servers)
    rho = load / servers
    p_wait = b / (1 - rho * (1 - b))
    mean_wait = p_wait * service_mean / (servers - load)
    return p_wait, mean_wait if math.isfinite(mean_wait) else math.inf


def _erlang_b(load: float, servers: int) -> float:
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


class ErlangA(NamedTuple):
    """Stationary measures of M/M/c+M; times in the rates' unit."""

    p_wait: float  # an arrival finds every server busy
    p_abandon: float  # an arrival hangs up before being served
    mean_wait_served: float  # mean wait of those who are served
    mean_wait: float  # mean time in queue over all arrivals (served or not)
    mean_queue: float  # time-average number waiting

    def __repr__(self) -> str:
        return (f"ErlangA(p_wait={self.p_wait:.4f}, p_abandon={self.p_abandon:.4f}, "
                f"mean_wait_served={self.mean_wait_served:.4f})")


def erlang_a(arrival_rate: float, service_mean: float, patience_mean: float, servers: int) -> ErlangA:
    """M/M/c+M: Poisson arrivals, exponential service and exponential patience, c servers, FCFS.

    A caller who finds k others waiting is served if the k ahead and then the caller reach a
    server before the caller's patience runs out. With theta = 1 / patience_mean, that happens
    with probability c mu / (c mu + (k + 1) theta) (the product over the k + 1 steps telescopes),
    and the time it takes, given it happens, has mean sum_{i=1..k+1} 1 / (c mu + i theta).
    """
    if servers < 1 or arrival_rate <= 0 or service_mean <= 0 or patience_mean <= 0:
        raise ValueError("erlang_a needs servers >= 1 and positive rates and means")
    lam, mu, theta, c = arrival_rate, 1.0 / service_mean, 1.0 / patience_mean, servers
    load = lam / mu
    # Unnormalised probabilities relative to state c: below it Erlang B's 1/B; above it a series.
    below = 1.0 / _erlang_b(load, c)  # sum_{n=0..c} pi_n / pi_c
    above = 0.0  # sum_{k>=1} pi_{c+k} / pi_c
    queue = 0.0  # sum_{k>=1} k pi_{c+k} / pi_c
    served = 1.0 * (c * mu / (c * mu + theta))  # state c: nobody ahead (k = 0)
    harmonic = 1.0 / (c * mu + theta)  # sum_{i=1..k+1} 1 / (c mu + i theta), for k = 0
    wait_served = served * harmonic  # sum_{k>=0} pi_{c+k}/pi_c * P(served | k) * E[wait | served, k]
    term, k = 1.0, 0
    while True:
        k += 1
        ratio = lam / (c * mu + k * theta)
        term *= ratio
        # stop once the rest of the series (terms falling at least by `ratio` each) is negligible
        if ratio < 1 and term * (k + 1) / (1 - ratio) ** 2 < 1e-16 * (below + above):
            break
        above += term
        queue += k * term
        p_served = c * mu / (c * mu + (k + 1) * theta)
        harmonic += 1.0 / (c * mu + (k + 1) * theta)
        served += term * p_served
        wait_served += term * p_served * harmonic
    total = below + above
    p_wait = (1.0 + above) / total
    mean_queue = queue / total
    p_abandon = theta * mean_queue / lam  # abandonments per unit time over arrivals per unit time
    # arrivals that find n < c are served at once (wait 0); PASTA: an arrival sees pi
    served_share = (below - 1.0 + served) / total
    mean_wait_served = (wait_served / total) / served_share
    return ErlangA(p_wait, p_abandon, mean_wait_served, mean_queue / lam, mean_queue)
