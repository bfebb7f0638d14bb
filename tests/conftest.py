"""Fixtures the demo-store tests share: a mail sink and a demo store with a stopped clock.

Module-scoped, so each test module gets a store of its own (faults, stock and orders from one
module never leak into another) while the tests inside a module share one start-up. The
third-party platform fixtures (`opencart`, `evershop`, ...) come from tests/platforms/fixtures.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from platforms.fixtures import (  # noqa: F401 (fixtures)
    evershop,
    evershop_server,
    opencart,
    opencart_server,
    platform_browser,
    platform_page,
)

from demo_store.testing import StoreHandle, running_store
from keepword.mail import MailSinkHandle, running_mail_sink

START = "2026-11-23T09:00:00+00:00"  # a Monday morning, before the 14:00 carrier cut-off


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailSinkHandle]:
    """A real SMTP mail sink on a free port, keeping messages in a temporary folder."""
    with running_mail_sink(tmp_path_factory.mktemp("mail")) as handle:
        yield handle


@pytest.fixture(scope="module")
def store(sink: MailSinkHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreHandle]:
    """The demo store over real HTTP, its clock stopped at START, mailing to `sink`."""
    config = {"clock": {"speed": 0, "start": START}, "mail": {"port": sink.port},
              "ground_truth": str(tmp_path_factory.mktemp("truth") / "truth.jsonl")}
    with running_store(config) as handle:
        yield handle


# -- the slow tier ------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False,
                     help="also run the slow tier: long proofs marked @pytest.mark.slow (./run test --slow)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow tier: run with ./run test --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
