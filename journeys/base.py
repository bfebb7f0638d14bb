"""The extension point for what a store profile's YAML cannot say.

A store's hook class subclasses `StoreHooks` and is named in the profile
(`hooks: "mypackage.acme_hooks:AcmeHooks"`). It implements either or both of:

* `after_page(shopper, step)`: called after every page a step opens (dismiss a cookie banner,
  close a newsletter pop-up);
* any method named by a checkout action `{hook: name}`: `name(shopper)` does one checkout step
  that needs code (a date picker, an address finder, a step whose buttons move around).

Hooks are the escape hatch: almost every mechanic has a YAML form (`keepword.actions`), so
reach for one only when the profile cannot say it. A hook uses the shopper's small public API,
never its internals:

* `shopper.page`: the Playwright page; `shopper.persona`: the customer (name, address, e-mail);
* `shopper.run_actions([...])`: do profile actions (`keepword.actions.Action` objects);
* `shopper.fill_value("{persona.email}")`: a placeholder filled in (card numbers are checked);
* `shopper.text(where, find)`: a role's text on the page (a harness error naming it if absent);
* `shopper.compare(kind, subject, said, seen)`: judge a value seen now against one said earlier
  (a `keepword.kinds.ClaimKind`, Money or dates), recorded as a claim and verdict like any other;
* `shopper.memory`: what the journey has seen (read it; the pages keep it up to date).

Hooks act; judging goes through `compare`, so that every verdict is decided in `journeys.checks`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeys.shopper import Shopper

__all__ = ["StoreHooks", "load_hooks"]


class StoreHooks:
    """Does nothing; subclass and override what your store needs."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def after_page(self, shopper: Shopper, step: str) -> None:
        """Called after each step opens a page."""


def load_hooks(spec: str | None, folder: Path | None = None) -> StoreHooks:
    """Import "package.module:Class" (from `folder`, the profile's folder, first, then from
    PYTHONPATH) and make one; None gives the do-nothing hooks."""
    if not spec:
        return StoreHooks()
    from keepword.errors import BadInput
    from keepword.loading import import_object

    cls = import_object(spec, folder=folder, what="hooks:")
    if not (isinstance(cls, type) and issubclass(cls, StoreHooks)):
        raise BadInput(f"hooks: {spec} is not a subclass of journeys.base.StoreHooks")
    return cls()
