"""The shopper's pages: each module reads one page, acts on it and judges what it says.

A page's reading (its roles, through `journeys.roles`), its actions (`journeys.actions`) and its
checks (which earlier claim each value keeps or breaks, decided by `journeys.checks`) sit
together, so a store's new mechanic is one place to change. Each function takes the `Shopper`
(its plumbing: the page, the profile, the journey's memory, `step`, `judge`) and is called by
the shopper's method of the same name; journeys call those methods.
"""
