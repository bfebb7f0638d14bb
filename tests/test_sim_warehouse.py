"""The packer pool against SimPy's own `PriorityResource`: same grants, same moments, same order.

`sim.warehouse.Packers` builds its request and release events by hand (the model's hot path), so
it must behave exactly as the SimPy resource it replaces. Each case draws one random script of
customers (arrival, priority, hold time, patience) and shift changes (blockers placed at -1 and
withdrawn or released), runs it on both resources, and compares the full log of who got a
packer when. Integer times and a handful of priorities make ties common, which is where an
ordering mistake would show.
"""

from __future__ import annotations

import random

import pytest
import simpy

from sim.warehouse import Packers


def script(seed: int) -> tuple[int, list[tuple[int, int, int, int | None]], list[tuple[int, int]]]:
    rng = random.Random(seed)
    capacity = rng.randint(1, 4)
    customers = [(rng.randint(0, 200), rng.choice([0, 1, 2, 5]), rng.randint(0, 15),
                  rng.choice([None, None, rng.randint(0, 10)])) for _ in range(rng.randint(20, 120))]
    shifts = [(at, rng.randint(0, capacity)) for at in sorted(rng.sample(range(0, 220), rng.randint(0, 6)))]
    return capacity, customers, shifts


def run(resource_type: type[simpy.Resource], seed: int) -> list[tuple]:
    capacity, customers, shifts = script(seed)
    env = simpy.Environment()
    resource = resource_type(env, capacity=capacity)
    log: list[tuple] = []

    def customer(n: int, priority: int, hold: int, patience: int | None):
        log.append(("asked", env.now, n))
        request = resource.request(priority=priority)
        if not request.triggered:  # as the model does: wait only when no packer is free
            if patience is None:
                yield request
            else:
                yield request | env.timeout(patience)
        if not request.triggered:
            request.cancel()
            log.append(("gave up", env.now, n))
            return
        log.append(("got", env.now, n))
        yield env.timeout(hold)
        resource.release(request)
        log.append(("done", env.now, n))

    def shift_control():
        blockers: list = []
        for at, off_duty in shifts:
            yield env.timeout(at - env.now)
            while len(blockers) > off_duty:
                request = blockers.pop()
                if request.triggered:
                    resource.release(request)
                else:
                    request.cancel()
            while len(blockers) < off_duty:
                blockers.append(resource.request(priority=-1))
            log.append(("shift", env.now, off_duty))

    def arrivals():
        """As the model's arrivals: a customer process starts at its moment (its first step is
        urgent, so it can ask for a packer between a release and that release's processing)."""
        for n, (at, priority, hold, patience) in sorted(enumerate(customers), key=lambda c: c[1][0]):
            yield env.timeout(at - env.now)
            env.process(customer(n, priority, hold, patience))

    env.process(arrivals())
    env.process(shift_control())
    env.run()
    return log


@pytest.mark.parametrize("seed", range(60))
def test_packers_grant_exactly_as_simpy_priority_resource(seed):
    ours, simpys = run(Packers, seed), run(simpy.PriorityResource, seed)
    assert ours == simpys
    assert any(entry[0] == "got" for entry in ours)


def test_the_scripts_exercise_queueing_ties_give_ups_and_shifts():
    """Guard against a comparison that passes because nothing interesting happened."""
    logs = [run(Packers, seed) for seed in range(60)]
    asked = {(i, n): at for i, log in enumerate(logs) for what, at, n in log if what == "asked"}
    waited = [at - asked[i, n] for i, log in enumerate(logs) for what, at, n in log if what == "got"]
    assert sum(wait > 0 for wait in waited) > 100 and sum(wait == 0 for wait in waited) > 100
    assert sum(entry[0] == "gave up" for log in logs for entry in log) > 20
    assert sum(entry[0] == "shift" for log in logs for entry in log) > 60


def test_a_released_packer_goes_to_the_lowest_priority_then_the_first_come():
    env = simpy.Environment()
    packers = Packers(env, capacity=1)
    first = packers.request(priority=0)
    late, early_a, early_b = (packers.request(priority=p) for p in (9, 3, 3))
    assert first.triggered and not any(r.triggered for r in (late, early_a, early_b))
    packers.release(first)
    env.run()
    assert early_a.triggered and not early_b.triggered and not late.triggered
    assert packers.users == [early_a]
