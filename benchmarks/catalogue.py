"""The catalogue check's quality bars, measured side by side in one run (issue 14).

    .venv/bin/python benchmarks/catalogue.py            # about 6 minutes on two busy cores
    .venv/bin/python benchmarks/catalogue.py --quick    # 300 pages, 300 vs 3,000 products

1. pages per second: `check_catalogue` (robots.txt, the pace set out of the way, claims,
   verdicts and the ledger written) against a bare httpx loop that fetches the same product pages
   with the same concurrency and parses each the same way (selectolax for the price and stock
   text, `json.loads` for the JSON-LD), alternating, best of each; target: at least 0.8x;
2. peak memory of a whole check at 1,000 and at 10,000 products, each in a fresh child process
   (peak RSS is a high-water mark per process), beside the RSS of the same process once keepword
   is imported: the check streams its spool and writes in batches, so the target is flat.

The demo store runs in a process of its own (`keepword store`), so the store's work does not
share a Python interpreter with either side. Rendering is off for both: the bare loop runs no
browser. Nothing here is asserted: machines are noisy; read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCENARIO = ROOT / "scenarios" / "catalogue.yaml"
CONCURRENCY = 8


def start_store(products: int, work: Path) -> tuple[subprocess.Popen[str], str]:
    config = work / "store.yaml"
    config.write_text(json.dumps({"clock": {"speed": 0}, "crawl": {"products": products},
                                  "ground_truth": str(work / "truth.jsonl")}), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "keepword", "store", "--config", str(config), "--port", "0"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def bare_loop(url: str, skus: list[str]) -> float:
    """The plainest fair crawler: one AsyncClient, CONCURRENCY workers, parse each page."""
    import httpx
    from selectolax.lexbor import LexborHTMLParser

    async def main() -> None:
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        for sku in skus:
            queue.put_nowait(f"{url}product/{sku}")
        for _ in range(CONCURRENCY):
            queue.put_nowait(None)
        seen = []

        async def work(client: httpx.AsyncClient) -> None:
            while (page := await queue.get()) is not None:
                doc = LexborHTMLParser((await client.get(page)).text)
                price = doc.css_first('[data-testid="product-price"]')
                stock = doc.css_first('[data-testid="product-availability"]')
                data = [json.loads(s.text()) for s in doc.css('script[type="application/ld+json"]')]
                seen.append((price.text() if price else None, stock.text() if stock else None, data))

        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with httpx.AsyncClient(http2=True, limits=limits, timeout=30) as client:
            await asyncio.gather(*(work(client) for _ in range(CONCURRENCY)))
        assert len(seen) == len(skus)

    started = time.monotonic()
    asyncio.run(main())
    return len(skus) / (time.monotonic() - started)


def ours(url: str, limit: int, ledger: Path) -> tuple[float, int]:
    from journeys.catalogue import check_catalogue
    from keepword.ledger import open_ledger
    from keepword.scenario import load_scenario

    with open_ledger(ledger) as book:
        result = check_catalogue(load_scenario(SCENARIO), ledger=book, base_url=url, limit=limit, render=False,
                                 rate=10_000, concurrency=CONCURRENCY)
    assert result.checked == limit and result.harness_error_count == 0, result
    return result.pages_per_second, result.kept + result.broken + result.inconclusive


def child(url: str, limit: int, ledger: str) -> None:
    """One whole check in this fresh process; prints peak RSS and the RSS before the check."""
    import selectolax.lexbor  # noqa: F401

    import journeys.catalogue.check  # noqa: F401 - what a check imports, before measuring the baseline

    base = _rss_kb()  # now, not the high-water mark: importing can peak above what stays
    pages, verdicts = ours(url, limit, Path(ledger))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"base_kb": base, "peak_kb": peak, "pages_per_s": pages, "verdicts": verdicts}))


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure_memory(url: str, limit: int, work: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", url, str(limit), str(work / f"mem-{limit}.db")],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, same table")
    parser.add_argument("--child", nargs=3, metavar=("URL", "N", "LEDGER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return
    pages, small, large = (300, 300, 3000) if args.quick else (1000, 1000, 10_000)
    from demo_store.catalogue import load_catalogue, scaled

    skus = [p.sku for p in scaled(load_catalogue(None, "GBP"), pages).products]
    with tempfile.TemporaryDirectory(prefix="kw-bench-catalogue-") as tmp:
        work = Path(tmp)
        store, url = start_store(large, work)
        try:
            bare_loop(url, skus[:50])  # warm both the store and the connections
            bare_rates, our_rates, verdicts = [], [], 0
            for round_ in range(3):
                bare_rates.append(bare_loop(url, skus))
                rate, verdicts = ours(url, pages, work / f"speed-{round_}.db")
                our_rates.append(rate)
            memory = {n: measure_memory(url, n, work) for n in (small, large)}
        finally:
            store.terminate()
            store.wait(timeout=30)
    rows = [
        ("measure", "ours", "reference", "ratio"),
        (f"pages/s, {pages} pages, {CONCURRENCY} in flight", f"{max(our_rates):.1f} ({verdicts} verdicts)",
         f"{max(bare_rates):.1f} bare httpx loop", f"{max(our_rates) / max(bare_rates):.2f}x (target >= 0.8x)"),
        ("pages/s, each round (ours / bare)", " ".join(f"{r:.0f}" for r in our_rates),
         " ".join(f"{r:.0f}" for r in bare_rates), ""),
        (f"peak RSS: {large:,} vs {small:,} products", f"{memory[large]['peak_kb'] / 1024:.0f} MB",
         f"{memory[small]['peak_kb'] / 1024:.0f} MB",
         f"{memory[large]['peak_kb'] / memory[small]['peak_kb']:.2f}x (target ~1.0x)"),
        (f"RSS added by the check: {large:,} vs {small:,}",
         f"{(memory[large]['peak_kb'] - memory[large]['base_kb']) / 1024:.1f} MB",
         f"{(memory[small]['peak_kb'] - memory[small]['base_kb']) / 1024:.1f} MB", f"{large // small}x the products"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
