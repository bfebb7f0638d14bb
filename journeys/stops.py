"""Ways a journey ends early that are not keepword's failure.

`Stopped`: the store would not let the journey go on in a way a customer meets every day (sold
out, orders not allowed on this host); the verdicts recorded so far stand. `StoreFailed`: the
customer saw the store fail (an HTTP 5xx, an error page); a `StoreError` record says so, with the
page, the status and a screenshot. Neither is a harness error: keepword did its job.
"""

from __future__ import annotations

__all__ = ["Stopped", "StoreFailed"]


class Stopped(Exception):
    """The store would not let the journey go on (sold out, orders not allowed here)."""


class StoreFailed(Stopped):
    """The store failed the customer (HTTP 5xx, an error page); recorded as a store error."""
