"""The one place that seeds every random stream (Ciw's habit).

Each named stream of a replication is its own `random.Random`, seeded from the text
"{seed}/{replication}/{name}" (CPython seeds from text through SHA-512, so this is the same in
every process and on every machine). Consequences, on purpose:

* the same seed gives the same numbers, whether replications run in one process, a pool or a
  Dask cluster, and in whatever order they finish;
* changing one parameter (say packers) leaves the arrivals, transit times and patience draws of
  every replication untouched, so a sweep compares staff levels on the same traffic (common
  random numbers) and differences between groups are not noise from re-drawn arrivals.
"""

from __future__ import annotations

import random

__all__ = ["STREAMS", "Streams"]

STREAMS = (
    "arrivals", "sku", "quantity", "region", "transit", "pick_pack", "lead_time",
    "email", "support_calls", "support_handle", "support_patience", "replay", "store",
    "support_background",
)


class Streams:
    """Named random streams for one replication; asking for an unknown name is a bug."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._streams: dict[str, random.Random] = {}

    def __repr__(self) -> str:
        return f"<Streams seed={self.seed} replication={self.replication}>"

    def __getitem__(self, name: str) -> random.Random:
        if name not in STREAMS:
            raise KeyError(f"unknown random stream {name!r}; add it to sim.streams.STREAMS")
        rng = self._streams.get(name)
        if rng is None:
            rng = self._streams[name] = random.Random(f"{self.seed}/{self.replication}/{name}")
        return rng
