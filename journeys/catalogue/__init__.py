"""The catalogue check: every product of a store on every surface, as a shopper reads a store.

    keepword catalogue scenarios/catalogue.yaml

Products come from the store's feed (Google Merchant Center XML or TSV, or a CSV), its sitemap,
or its listing pages (`sources`, `feed`); each landing page is fetched politely over HTTP
(`fetch`: robots.txt, a per-host pace, retries), read as sent, as JSON-LD and as microdata
(`page`), rendered in Chromium for a sample and wherever the HTML lacks a value (`render`), and
every surface is judged against the others (`compare`) into the ledger (`check`).
"""

from __future__ import annotations

from journeys.catalogue.check import check_catalogue
from journeys.catalogue.result import CatalogueResult

__all__ = ["CatalogueResult", "check_catalogue"]
