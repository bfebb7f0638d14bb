"""The bundled journeys as tests: `pytest journeys/ --store scenarios/stores/demo.yaml [-n 2]`.

Each test is one journey function called with the `shopper` fixture; the same functions run
under `keepword shop`. A broken promise fails the test; a harness error is reported as an error.
"""

from __future__ import annotations

import pytest

from journeys.bundled import basket_update, browse, guest_checkout


@pytest.mark.journey("guest_checkout")
@pytest.mark.parametrize("visit", range(2))
def test_guest_checkout(shopper, visit):
    guest_checkout(shopper)


@pytest.mark.journey("browse")
def test_browse(shopper):
    browse(shopper)


@pytest.mark.journey("basket_update")
def test_basket_update(shopper):
    basket_update(shopper)
