"""Hostile and broken input, tried as a hostile user would: nothing hangs, nothing crashes,
nothing that is not keepword's is touched.

Every case runs the real `keepword` command in a child process against a real ledger that
already holds a run, and asserts: exactly one line on stderr (`keepword: error: ...`) and nothing
on stdout, its documented exit code, under 2 s of CPU and under 200 MB peak resident memory
(both measured for that one child with os.wait4), the ledger unchanged (row counts and
`PRAGMA integrity_check`), and files that are not keepword's byte-identical with no `-wal` or
`-shm` beside them. CPU time, not wall time, is asserted: the machine is shared, and a child that
waits its turn for a core is not slow; a wall-clock guard (WALL_LIMIT) still fails a hang.
`pytest tests/test_hostile.py -s` prints each case's wall time, CPU time and peak memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from keepword.ledger import open_ledger
from keepword.ledger.migrations import MIGRATIONS
from keepword.money import Money
from keepword.records import Claim, Evidence, Verdict

ROOT = Path(__file__).resolve().parent.parent
DEMO_PROFILE = ROOT / "scenarios" / "stores" / "demo.yaml"
CPU_LIMIT = 2.0  # seconds of CPU, the child's own
MEMORY_LIMIT_MB = 200.0
WALL_LIMIT = 60.0  # a hang, not a slow machine


@dataclass(frozen=True)
class Measured:
    """One finished child: exit code, output, wall and CPU seconds, peak memory."""

    code: int
    stdout: str
    stderr: str
    wall: float
    cpu: float
    peak_mb: float

    def __repr__(self) -> str:
        return f"<exit {self.code}, {self.wall:.2f} s wall, {self.cpu:.2f} s CPU, {self.peak_mb:.0f} MB>"


# A small launcher between pytest and keepword: Linux starts a child's peak-memory record at the
# size of the process it was forked from (pytest, ~115 MB here), so keepword is forked from this
# ~10 MB Python instead, which reports keepword's own rusage from os.wait4.
_LAUNCHER = """
import json, os, subprocess, sys
result, out, err, cwd, *args = sys.argv[1:]
with open(out, "wb") as o, open(err, "wb") as e:
    proc = subprocess.Popen(args, cwd=cwd, stdout=o, stderr=e, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
with open(result, "w") as r:
    json.dump({"code": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime,
               "peak_kb": usage.ru_maxrss}, r)
"""


def measured(args: list[str], *, cwd: Path, env: dict[str, str] | None = None,
             wall_limit: float = WALL_LIMIT) -> Measured:
    """Run `keepword ARGS` and measure that child alone (its own os.wait4 rusage, through
    _LAUNCHER); a child still running after `wall_limit` seconds is killed and fails the case."""
    import json

    with tempfile.TemporaryDirectory() as tmp:
        result, out, err = Path(tmp) / "result.json", Path(tmp) / "out", Path(tmp) / "err"
        start = time.monotonic()
        launcher = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, str(result), str(out), str(err), str(cwd),
             sys.executable, "-m", "keepword", *args],
            env={**os.environ, "COLUMNS": "200", **(env or {})}, start_new_session=True)
        try:
            launcher.wait(timeout=wall_limit)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, 9)
            launcher.wait()
            pytest.fail(f"keepword {' '.join(args)} still running after {wall_limit:.0f} s: it hangs")
        wall = time.monotonic() - start
        data = json.loads(result.read_text())
        return Measured(data["code"], out.read_text(), err.read_text(), wall, data["cpu"], data["peak_kb"] / 1024)


# -- the files a hostile user hands keepword -------------------------------------------------------
def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs": `levels` lines, each a list of `width` aliases of the line before."""
    lines = ["a: &a [" + ", ".join(['"lol"'] * width) + "]"]
    for index in range(1, levels):
        name, previous = chr(ord("a") + index), chr(ord("a") + index - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _profile(tmp: Path, name: str, old: str, new: str) -> Path:
    text = DEMO_PROFILE.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp / "stores" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _scenario(tmp: Path, name: str, *, store: str = "stores/demo.yaml", journeys: str = "[guest_checkout]",
              extra: str = "") -> Path:
    path = tmp / name
    path.write_text(f"name: {Path(name).stem}\nstore: {store}\njourneys: {journeys}\n"
                    f"persona: {{email_domain: shoppers.example.test}}\n{extra}", encoding="utf-8")
    return path


BASELINE = ROOT / "scenarios" / "baseline.yaml"
# simulation scenarios `keepword check` once accepted whose model exhausted memory or time, or
# crashed: file -> (the baseline's text, what replaces it)
SIM_MUTANTS = {
    "sessions.yaml": ("sessions_per_day: 12500", "sessions_per_day: 1e15"),
    "sessions-inf.yaml": ("sessions_per_day: 12500", "sessions_per_day: .inf"),
    "campaign.yaml": ("campaigns: []", "campaigns: [{start: 0, end: 28, multiplier: 1e12}]"),
    "campaign-long.yaml": ("campaigns: []", "campaigns: [{start: 0, end: 28, multiplier: 900}]"),
    "packers.yaml": ("packers: 3}", "packers: 100000000}"),
    "skus.yaml": ("skus: 20", "skus: 100000000"),
    "no-skus.yaml": ("skus: 20", "skus: 0"),
    "drain.yaml": ("drain_days: 14", "drain_days: 100000000"),
    "year-9999.yaml": ("start: 2026-11-02", "start: 9999-12-31"),
    "delivery.yaml": ("delivery_working_days: [1, 3]", "delivery_working_days: [1, 100000000]"),
    "transit.yaml": ("far: {share: 0.4, transit_days: {choice: {2: 0.6, 3: 0.3, 4: 0.1}}}",
                     "far: {share: 0.4, transit_days: {choice: {100000000: 1}}}"),
    "popularity.yaml": ("popularity: 1.0 ", "popularity: 1e308 "),
    "pick-inf.yaml": ("pick_pack_min: {lognormal: {mean: 4, sd: 2}}", "pick_pack_min: {exp: .inf}"),
}


def _sim_mutant(tmp: Path, name: str) -> Path:
    old, new = SIM_MUTANTS[name]
    text = BASELINE.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


ORDER_HEADER = "timestamp,sku,quantity,region\n"


def _order_logs(tmp: Path) -> None:
    """`--replay` logs a spreadsheet or a hostile user might hand keepword."""
    row = "2026-11-02T09:14:00,SKU-001,1,near\n"
    (tmp / "orders.csv").write_text(ORDER_HEADER + row * 3, encoding="utf-8")
    (tmp / "latin1.csv").write_bytes((ORDER_HEADER + row + "2026-11-02T09:15:00,caf\u00e9,1,near\n").encode("latin-1"))
    (tmp / "utf16.csv").write_bytes((ORDER_HEADER + row).encode("utf-16"))
    (tmp / "binary.csv").write_bytes(ORDER_HEADER.encode() + bytes(range(256)) * 64)
    (tmp / "big-cell.csv").write_text(ORDER_HEADER + row + f"2026-11-02T09:15:00,{'x' * 200_000},1,near\n")
    (tmp / "long-cell.csv").write_text(ORDER_HEADER + row + f"2026-11-02T09:15:00,{'x' * 5_000},1,near\n")
    (tmp / "decade.csv").write_text(ORDER_HEADER + row + "2040-01-01T10:00:00,SKU-001,1,near\n")
    (tmp / "year-1.csv").write_text(ORDER_HEADER + "0001-01-01T10:00:00,SKU-001,1,near\n")
    (tmp / "promise-far.csv").write_text("timestamp,sku,quantity,region,promised_date\n"
                                         "2026-11-02T09:14:00,SKU-001,1,near,9999-12-31\n")
    with (tmp / "long-log.csv").open("w") as handle:  # 600,000 orders: over the limit of 500,000
        handle.write(ORDER_HEADER)
        handle.writelines(["2026-11-02T09:14:00,S,1,near\n"] * 600_000)
    os.mkfifo(tmp / "fifo.csv")


def _foreign_sqlite(path: Path, *, application_id: int = 0, wal: bool = False) -> Path:
    db = sqlite3.connect(path)
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA application_id={application_id}")
    db.execute("PRAGMA user_version=7")
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, note TEXT)")  # a name keepword also uses
    db.execute("INSERT INTO runs (note) VALUES ('theirs')")
    db.commit()
    db.close()
    return path


FEED_ROWS = {
    "nan": b"K-2\tMug\t/product/K-2\tNaN GBP\tin_stock",
    "infinity": b"K-2\tMug\t/product/K-2\tInfinity GBP\tin_stock",
    "huge": b"K-2\tMug\t/product/K-2\t1e999999 GBP\tin_stock",
    "javascript": b"K-2\tMug\tjavascript:alert(1)\t2.99 GBP\tin_stock",
    "file": b"K-2\tMug\tfile:///robots.txt\t2.99 GBP\tin_stock",
    "latin1": "K-2\tCaf\u00e9 mug\t/product/K-2\t2.99 GBP\tin_stock".encode("latin-1"),
}


def _damaged_ledgers(tmp: Path) -> None:
    """damaged.db: keepword's header, junk over every page after the first; bad-json.db: a claim
    row whose value is not JSON (written past keepword, as a stray `sqlite3` shell would)."""
    for name in ("damaged.db", "bad-json.db"):
        with open_ledger(tmp / name) as book, book.running("shop") as run:
            claim = Claim("price", "SKU-1", Money.of("1.99", "GBP"), step="product")
            book.write(run.id, claim, Verdict(claim.id, "kept", expected=claim.value, actual=claim.value))
    with (tmp / "damaged.db").open("r+b") as handle:
        size = handle.seek(0, 2)
        handle.seek(4096)
        handle.write(b"\xde\xad" * ((size - 4096) // 2))
    db = sqlite3.connect(tmp / "bad-json.db", isolation_level=None)
    db.execute("INSERT INTO claims (id, run_id, kind, subject, value, source, step, made_at) "
               "VALUES ('x1', 1, 'price', 'SKU-2', '{bad', 'page', 'product', '2026-11-30T10:00:00+00:00')")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of hostile files, made once."""
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "stores").mkdir()
    (tmp / "stores" / "demo.yaml").write_text(DEMO_PROFILE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp / "bomb.yaml").write_text(alias_bomb())
    (tmp / "big.yaml").write_text("name: big\nsimulation:\n" + "".join(f"  k{i:07d}: {i}\n" for i in range(90_000)))
    (tmp / "deep.yaml").write_text("name: deep\nsimulation: " + "[" * 200 + "]" * 200 + "\n")
    (tmp / "recursive.yaml").write_text("name: loop\nsimulation: &s\n  again: *s\n")
    (tmp / "latin1.yaml").write_bytes("name: caf\u00e9\n".encode("latin-1"))
    (tmp / "bigint.yaml").write_text("name: x\nsimulation:\n  calendar:\n    days: " + "9" * 5000 + "\n")
    (tmp / "baddate.yaml").write_text("name: x\nsimulation:\n  calendar:\n    start: 2026-13-45\n")
    os.mkfifo(tmp / "fifo.yaml")
    (tmp / "empty.db").write_bytes(b"")
    (tmp / "notes.db").write_text("my notes, not a database\n")
    _foreign_sqlite(tmp / "plain.db")
    _foreign_sqlite(tmp / "geo.gpkg", application_id=0x47504B47, wal=True)  # GeoPackage's id
    _profile(tmp, "bad-css.yaml", "price: '[data-testid=product-price]'", "price: '[data-testid=product-price'")
    _profile(tmp, "bad-pseudo.yaml", "price: '[data-testid=product-price]'",
             "price: '[data-testid=product-price]:hass-text(\"£\")'")
    _profile(tmp, "bad-role.yaml", "checkout: '[data-testid=checkout-button]'",
             "checkout: {role: buton, name: Checkout}")
    _profile(tmp, "bad-regex.yaml", "(?P<count>[\\d,]+) available\\)", "(?P<count>[\\d,]+ available\\)")
    _profile(tmp, "no-group.yaml", "total: '^Total: (?P<value>.+)$'", "total: '^Total: (.+)$'")
    _profile(tmp, "typo-group.yaml", "(?P<count>[\\d,]+) available", "(?P<cont>[\\d,]+) available")
    _profile(tmp, "bad-placeholder.yaml", "'{persona.email}'", "'{persona.emial}'")
    _profile(tmp, "bad-url-placeholder.yaml", "url: /product/{sku}", "url: /product/{skuu}")
    _profile(tmp, "javascript-page.yaml", "url: /basket", "url: 'javascript:alert(1)'")
    _profile(tmp, "file-base.yaml", "name: Keepword Demo Store", "name: Keepword Demo Store\nbase_url: file:///etc/passwd")
    _profile(tmp, "bad-hooks.yaml", "name: Keepword Demo Store", "name: Keepword Demo Store\nhooks: acme_hooks:AcmeHooks")
    _damaged_ledgers(tmp)
    open_ledger(tmp / "future.db").close()
    future = sqlite3.connect(tmp / "future.db", isolation_level=None)
    future.execute("PRAGMA journal_mode=DELETE")
    future.execute("PRAGMA user_version=99")
    future.close()
    for name, row in FEED_ROWS.items():  # a catalogue feed with one bad row 3, and a profile reading it
        (tmp / "stores" / f"feed-{name}.tsv").write_bytes(
            b"id\ttitle\tlink\tprice\tavailability\nK-1\tKettle\t/product/K-1\t24.99 GBP\tin_stock\n" + row + b"\n")
        _profile(tmp, f"feed-{name}.yaml", "feed: /feed.xml", f"feed: feed-{name}.tsv")
    _scenario(tmp, "missing-journey.yaml", journeys="[my_journeys:window_shopping]")
    _scenario(tmp, "good.yaml")
    for name in SIM_MUTANTS:
        _sim_mutant(tmp, name)
    _order_logs(tmp)
    (tmp / "scen.yaml").write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp / "sheet.csv").write_text("month,takings\n2026-11,1234.50\n", encoding="utf-8")  # a user's spreadsheet
    (tmp / "my_journeys.py").write_text("def browse_only(shopper):\n    shopper.browse()\n")
    return tmp


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real ledger holding one complete run: what hostile input must never cost."""
    path = tmp_path_factory.mktemp("ledger") / "ledger.db"
    with open_ledger(path) as book, book.running("shop", scenario="scenarios/demo.yaml") as run:
        for i in range(5):
            claim = Claim("price", f"SKU-{i}", Money.of(f"{i}.99", "GBP"), step="product")
            book.write(run.id, claim, Verdict(claim.id, "kept", expected=claim.value, actual=claim.value),
                       Evidence(claim.id, "url", text="http://127.0.0.1/p"))
    return path


def ledger_state(path: Path) -> tuple[dict[str, int], str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                           "AND name NOT LIKE 'sqlite_%'")]
        counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        return counts, db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def fingerprint(path: Path) -> tuple[str, list[str]]:
    """The file's SHA-256 and the side files next to it (-wal, -shm, -journal)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, sorted(p.name for p in path.parent.glob(path.name + "-*"))


@dataclass(frozen=True)
class Case:
    """One hostile input: the command (`{f}` the hostile files, `{ledger}` the ledger), its exit
    code and a regex its one stderr line must match; `untouched` names files that must stay
    byte-identical."""

    args: str
    code: int
    line: str
    untouched: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    locked: bool = False  # another process holds the ledger's write lock meanwhile
    at: str | None = None  # text on the line the message names (`file:LINE:`)


SIM = str(ROOT / "scenarios" / "baseline.yaml")


def _simulate_cases(prefix: str, rows: tuple[tuple[str, str, str, tuple[str, ...]], ...]) -> dict[str, Case]:
    """`simulate` of the baseline with hostile `options`, refused as bad input: (name, options,
    line, untouched) per case."""
    return {f"{prefix}{name}": Case(f"simulate {SIM} --no-progress --ledger {{ledger}} {options}", 2, line,
                                    untouched=untouched)
            for name, options, line, untouched in rows}


CASES = {
    # YAML bounded in time and memory
    "bomb-check": Case("check {f}/bomb.yaml", 2, r"bomb\.yaml:6: f: holds 597,871 values once its aliases"),
    "bomb-shop": Case("shop {f}/bomb.yaml --ledger {ledger}", 2, r"bomb\.yaml:6: f: holds .* limit of 100,000"),
    "bomb-simulate": Case("simulate {f}/bomb.yaml --ledger {ledger}", 2, r"bomb\.yaml:6: .*fewer aliases"),
    "big-file": Case("check {f}/big.yaml", 2, r"big\.yaml:1: the file is over 1,000,000 bytes"),
    "deep-nesting": Case("check {f}/deep.yaml", 2, r"deep\.yaml:2: simulation\..*nested more than 64 levels"),
    "recursive-alias": Case("simulate {f}/recursive.yaml --ledger {ledger}", 2,
                            r"recursive\.yaml:3: simulation\.again: an alias refers to the value it is inside of"),
    "fifo": Case("check {f}/fifo.yaml", 2, r"fifo\.yaml: not a regular file"),
    "dev-zero": Case("check /dev/zero", 2, r"/dev/zero: not a regular file"),
    "not-utf8": Case("check {f}/latin1.yaml", 2, r"latin1\.yaml:1: not UTF-8 text"),
    "huge-number": Case("simulate {f}/bigint.yaml --ledger {ledger}", 2, r"bigint\.yaml:4: cannot read this value"),
    "bad-date": Case("check {f}/baddate.yaml", 2, r"baddate\.yaml:4: cannot read this value: month must be in 1\.\.12"),
    # simulation scenarios whose numbers no store has: refused with their line, by check and simulate
    **{f"sim-{name.removesuffix('.yaml')}-{command}": Case(f"{command} {{f}}/{name}" + (" --ledger {ledger}" if command == "simulate" else ""),
                                                           2, rf"{re.escape(name)}:\d+: simulation{field}: {message}", at=at)
       for command in ("check", "simulate")
       for name, field, message, at in (
           ("sessions.yaml", r"\.traffic\.sessions_per_day", "Input should be less than or equal to 1000000000", "sessions_per_day"),
           ("sessions-inf.yaml", r"\.traffic\.sessions_per_day", "Input should be a finite number", "sessions_per_day"),
           ("campaign.yaml", r"\.traffic\.campaigns\.0\.multiplier", "Input should be less than or equal to 1000", "campaigns"),
           ("campaign-long.yaml", "", r"traffic: about 12,600,000 orders in one replication .* limit of 1,000,000", "simulation:"),
           ("packers.yaml", r"\.warehouse\.shifts\.0\.packers", "Input should be less than or equal to 10000", "packers: 100000000"),
           ("skus.yaml", r"\.stock\.skus", "give 1 to 100,000 SKUs", "skus:"),
           ("no-skus.yaml", r"\.stock\.skus", r"give 1 to 100,000 SKUs, .* \(got 0\)", "skus:"),
           ("drain.yaml", r"\.run\.drain_days", "Input should be less than or equal to 365", "drain_days"),
           ("year-9999.yaml", r"\.calendar\.start", "give a start date in the years 1900 to 2999", "start: 9999"),
           ("delivery.yaml", r"\.promise\.delivery_working_days", "at most 365 working days", "delivery_working_days"),
           ("transit.yaml", r"\.carrier\.regions\.far\.transit_days", "transit takes at most 365 working days", "far:"),
           ("popularity.yaml", r"\.stock\.popularity", "Input should be less than or equal to 10", "popularity"),
           ("pick-inf.yaml", r"\.warehouse\.pick_pack_min", r"expected a number up to 1e\+09, got inf", "pick_pack_min"))},
    # simulate's options: bounded, and said in one line before the ledger is opened
    **_simulate_cases("simulate-", (
           ("sweep-huge", "--sweep packers=100000000", r"--sweep packers=100000000: Input should be less than or equal to 10000", ()),
           ("sweep-1e400", "--sweep packers=1e400", r"--sweep packers=1e400: Input should be a valid integer", ()),
           ("sweep-inf", "--sweep conversion=inf", r"--sweep conversion=inf: Input should be less than or equal to 1", ()),
           ("sweep-grid", "--sweep packers=1..1000 --sweep agents=1..1000",
            r"--sweep: 1,000 packers x 1,000 agents make 1,000,000 sweep points, over keepword's limit of 1,000", ()),
           ("jobs", "--sweep packers=1..1000 --replications 20", r"make 20,000 replications, over keepword's limit of 10,000", ()),
           ("sweep-orders", "--sweep sessions_per_day=1e9",
            r"--sweep sessions_per_day=1000000000: traffic: about 1,120,000,000 orders in one replication .* limit of 1,000,000", ()),
           ("replications", "--replications 20000", r"--replications 20000: give 1 to 10,000", ()),
           ("processes", "--processes 0", r"--processes 0: give 1 or more \(this machine has \d+ cores?\)", ()),
           ("scale-huge", "--scale 1e9 --replay {f}/orders.csv", r"--scale 1e\+09: give a factor above 0 and at most 100", ()),
           ("scale-inf", "--scale inf --replay {f}/orders.csv", r"--scale inf: give a factor above 0 and at most 100", ()),
           ("scale-alone", "--scale 2", r"--scale: only means something with --replay", ()),
           ("day-first-alone", "--day-first", r"--day-first/--month-first: only means something with --replay", ()),
           ("replay-sweep-calendar", "--replay {f}/orders.csv --sweep calendar.days=1",
            r"--sweep calendar\.days: with --replay the log's own days are the calendar", ()),
           ("ledger-under-a-file", "--ledger {f}/notes.db/x.db", r"\S+notes\.db/x\.db: \S+notes\.db is a file, not a folder; pick another --ledger path",
            ("notes.db",)),
       )),
    # --csv and --orders-out replace only keepword's own outputs, never an input of the run
    **_simulate_cases("simulate-out-", (
           ("csv-is-ledger", "--csv {ledger}", r"--csv \S+ledger\.db: is the ledger of this run; .*pick another path", ()),
           ("orders-out-is-log", "--replay {f}/orders.csv --orders-out {f}/./orders.csv",
            r"--orders-out \S+orders\.csv: is the --replay log of this run", ("orders.csv",)),
           ("csv-is-orders-out", "--orders-out {f}/out.csv --csv {f}/out.csv", r"--csv \S+out\.csv: is also the --orders-out file of this run; give each output its own path", ()),
           ("csv-foreign", "--csv {f}/sheet.csv",
            r"--csv \S+sheet\.csv: the file exists and is not one keepword wrote for --csv .*pick another path", ("sheet.csv",)),
           ("orders-out-foreign", "--orders-out {f}/notes.db",
            r"--orders-out \S+notes\.db: the file exists and is not one keepword wrote", ("notes.db",)),
       )),
    "simulate-out-orders-out-is-scenario": Case(
        "simulate {f}/scen.yaml --no-progress --ledger {ledger} --orders-out {f}/./scen.yaml", 2,
        r"--orders-out \S+scen\.yaml: is the scenario of this run; keepword leaves it as it is", untouched=("scen.yaml",)),
    # --replay logs: bounded, and said in one line before the ledger is opened
    **_simulate_cases("simulate-", (
           ("replay-latin1", "--replay {f}/latin1.csv", r"latin1\.csv:3: not UTF-8 text; save the log as UTF-8", ()),
           ("replay-utf16", "--replay {f}/utf16.csv", r"utf16\.csv:1: not UTF-8 text", ()),
           ("replay-binary", "--replay {f}/binary.csv", r"binary\.csv:3: not UTF-8 text", ()),
           ("replay-big-cell", "--replay {f}/big-cell.csv", r"big-cell\.csv:3: not a CSV keepword reads \(field larger than field limit", ()),
           ("replay-long-cell", "--replay {f}/long-cell.csv", r"long-cell\.csv:3: sku: 5,000 characters, over keepword's limit of 1,000", ()),
           ("replay-decade", "--replay {f}/decade.csv", r"decade\.csv: the orders span 4,809 days .* over the model's 3,660", ()),
           ("replay-year-1", "--replay {f}/year-1.csv", r"year-1\.csv:2: timestamp: .*give a time in the years 1900 to 2999", ()),
           ("replay-promise-far", "--replay {f}/promise-far.csv", r"promise-far\.csv:2: promised_date: 9999-12-31 is over 366 days", ()),
           ("replay-long-log", "--replay {f}/long-log.csv", r"long-log\.csv: 600,001 lines, over keepword's limit of 500,000 orders", ()),
           ("replay-fifo", "--replay {f}/fifo.csv", r"fifo\.csv: not a regular file; --replay needs the path of a CSV file", ()),
       )),
    # a busy ledger
    "locked-ledger": Case(f"simulate {SIM} --replications 1 --processes 1 --no-progress --ledger {{ledger}}", 3,
                          r"the ledger .*ledger\.db is locked by another process; waited 0\.5 s \(KEEPWORD_LEDGER_WAIT\)",
                          env={"KEEPWORD_LEDGER_WAIT": "0.5"}, locked=True),
    # files that are not keepword's ledgers
    **{f"{command}-{name}": Case(f"{args} --ledger {{f}}/{file}", 2, rf"{re.escape(file)}: {message}.*pick another --ledger",
                                 untouched=(file,))
       for command, args in (("runs", "runs"), ("report", "report --out {f}/report"),
                             ("simulate", f"simulate {SIM} --replications 1 --processes 1 --no-progress"))
       for name, file, message in (("empty", "empty.db", "an empty file, not a keepword ledger"),
                                   ("text", "notes.db", "not an SQLite database"),
                                   ("sqlite", "plain.db", "an SQLite database without keepword's tables"),
                                   ("other-app", "geo.gpkg", r"an SQLite database of another application \(application_id 0x47504b47\)"))},
    # keepword's header over contents it cannot read: said, never repaired
    **{f"{command}-damaged": Case(f"{args} --ledger {{f}}/damaged.db", 2,
                                  r"damaged\.db: the ledger is damaged \(database disk image is malformed\); "
                                  r"keepword leaves it as it is: restore it from a copy", untouched=("damaged.db",))
       for command, args in (("runs", "runs"), ("report", "report --out {f}/report"))},
    "report-bad-json": Case("report --out {f}/report --ledger {f}/bad-json.db", 2,
                            r"bad-json\.db: the ledger is damaged \(claims row x1: value is not valid JSON\)",
                            untouched=("bad-json.db",)),
    "report-huge-run-id": Case("report 99999999999999999999999 --out {f}/report --ledger {ledger}", 2,
                               r"no run 99999999999999999999999 in .*ledger\.db \(runs there: 1\)"),
    # catalogue feeds: a row keepword cannot read is named, before anything is checked
    **{f"feed-{name}": Case(f"catalogue {{f}}/stores/feed-{name}.yaml --base-url http://127.0.0.1:9/ --no-progress "
                            "--ledger {ledger}", 2, rf"feed-{name}\.tsv:3: {message}", untouched=(f"stores/feed-{name}.tsv",))
       for name, message in (("nan", r"price: 'NaN GBP' is not a price such as '24\.99 GBP'; fix the feed row"),
                             ("infinity", r"price: 'Infinity GBP' is not a price"),
                             ("huge", r"price: '1e999999 GBP' is not a price"),
                             ("javascript", r"link: 'javascript:alert\(1\)': keepword shops http:// and https:// pages only"),
                             ("file", r"link: 'file:///robots\.txt': keepword shops http:// and https:// pages only"),
                             ("latin1", r"not UTF-8 text \(invalid continuation byte\); save the feed as UTF-8"))},
    # options are checked before a ledger is opened, so a new --ledger path is not created
    "catalogue-bad-source": Case("catalogue {f}/stores/demo.yaml --source bogus --no-progress "
                                 "--ledger {f}/nothing-here.db", 2, r"--source 'bogus': one of feed, sitemap, listing"),
    "catalogue-bad-base-url": Case("catalogue {f}/stores/demo.yaml --base-url file:///etc/passwd --no-progress "
                                   "--ledger {f}/nothing-here.db", 2,
                                   r"--base-url 'file:///etc/passwd': keepword shops http:// and https:// stores only"),
    # a ledger from a newer keepword, in rollback-journal mode: refused before any write (not even WAL)
    "simulate-future": Case(f"simulate {SIM} --replications 1 --processes 1 --no-progress --ledger {{f}}/future.db", 2,
                            r"future\.db: ledger schema v99 is newer than this keepword \(v\d+\); upgrade keepword",
                            untouched=("future.db",)),
    "runs-missing": Case("runs --ledger {f}/nothing-here.db", 2, r"nothing-here\.db: no ledger here yet"),
    "report-missing": Case("report --ledger {f}/nothing-here.db", 2, r"nothing-here\.db: no ledger here yet"),
    # keepword check: everything that can be known without a browser
    "css": Case("check {f}/stores/bad-css.yaml", 2,
                r"bad-css\.yaml:\d+: listing\.price: locator '\[data-testid=product-price': not a CSS selector",
                at="price: '[data-testid=product-price'"),
    "pseudo-class": Case("check {f}/stores/bad-pseudo.yaml", 2,
                         r":\d+: listing\.price: .*unknown pseudo-class :hass-text; did you mean :has-text\?", at=":hass-text"),
    "aria-role": Case("check {f}/stores/bad-role.yaml", 2,
                      r":\d+: basket\.checkout: 'buton' is not an ARIA role; did you mean 'button'\?", at="role: buton"),
    "regex": Case("check {f}/stores/bad-regex.yaml", 2, r":\d+: availability\.in_stock\.0: .* is not a regular expression",
                  at="in_stock:"),
    "regex-group": Case("check {f}/stores/no-group.yaml", 2,
                        r":\d+: email\.total: '\^Total: \(\.\+\)\$' needs the named group \(\?P<value>\.\.\.\)",
                        at="total: '^Total: (.+)$'"),
    "regex-typo-group": Case("check {f}/stores/typo-group.yaml", 2,
                             r":\d+: availability\.in_stock\.0: .*no use for the group cont \(groups read here: count\)",
                             at="(?P<cont>"),
    "fill-placeholder": Case("check {f}/stores/bad-placeholder.yaml", 2,
                             r":\d+: checkout\.steps\.1: unknown placeholder \{persona\.emial\}", at="fill:"),
    "url-placeholder": Case("check {f}/stores/bad-url-placeholder.yaml", 2,
                            r":\d+: product\.url: .*unknown placeholder \{skuu\}; known here: \{sku\}", at="{skuu}"),
    "javascript-page": Case("check {f}/stores/javascript-page.yaml", 2, r":\d+: basket\.url: .*not a javascript: address",
                            at="javascript:"),
    "hooks-import": Case("check {f}/stores/bad-hooks.yaml", 2,
                         r"bad-hooks\.yaml:\d+: hooks: .*cannot import acme_hooks \(looked in .*stores and PYTHONPATH\)",
                         at="hooks:"),
    "journey-import": Case("check {f}/missing-journey.yaml", 2,
                           r"missing-journey\.yaml:\d+: journeys\.0: journey my_journeys:window_shopping: cannot import "
                           r"window_shopping from my_journeys", at="journeys:"),
    # http and https only
    "profile-file-url": Case("check {f}/stores/file-base.yaml", 2,
                             r"file-base\.yaml:\d+: base_url: 'file:///etc/passwd': keepword shops http:// and https:// stores only",
                             at="base_url:"),
    **{f"base-url-{name}": Case(f"shop {{f}}/good.yaml --base-url {url} --ledger {{ledger}}", 2,
                                rf"--base-url '{re.escape(url)}': keepword shops http:// and https:// stores only")
       for name, url in (("not-a-url", "notaurl"), ("javascript", "javascript:alert(1)"), ("file", "file:///etc/passwd"))},
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_is_one_line_and_its_exit_code_in_bounded_time_and_memory(name, files, ledger):
    case = CASES[name]
    args = case.args.format(f=files, ledger=ledger).split()
    before = ledger_state(ledger)
    untouched = {file: fingerprint(files / file) for file in case.untouched}
    missing_before = not (files / "nothing-here.db").exists()
    locker = None
    if case.locked:
        locker = sqlite3.connect(ledger, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")  # held as another process would: keepword must wait, then go
    try:
        result = measured(args, cwd=files, env=case.env)
    finally:
        if locker is not None:
            locker.execute("ROLLBACK")
            locker.close()
    print(f"\n{name:22} exit {result.code}  wall {result.wall:5.2f} s  CPU {result.cpu:4.2f} s  "
          f"peak {result.peak_mb:5.1f} MB")
    lines = result.stderr.strip().splitlines()
    assert result.code == case.code, result.stderr[-2000:]
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith("keepword: error: ") and re.search(case.line, lines[0]), lines[0]
    assert result.stdout == ""
    assert result.cpu < CPU_LIMIT, result
    assert result.peak_mb < MEMORY_LIMIT_MB, result
    assert ledger_state(ledger) == before
    assert before[1] == "ok"
    for file, print_before in untouched.items():
        assert fingerprint(files / file) == print_before, f"{file} was changed"
    if missing_before:
        assert not (files / "nothing-here.db").exists(), "a command given bad input created a ledger"
    if case.at is not None:  # the line named is the line that is wrong
        where = re.match(r"keepword: error: (\S+?):(\d+):", lines[0])
        assert where is not None, lines[0]
        named = (files / where.group(1)).read_text(encoding="utf-8").splitlines()[int(where.group(2)) - 1]
        assert case.at in named, (lines[0], named)


# -- a busy ledger, mid-run ------------------------------------------------------------------------
WRITER = textwrap.dedent(
    """
    import sys
    from keepword.errors import KeepwordError
    from keepword.ledger import open_ledger
    from keepword.money import Money
    from keepword.records import Claim, Verdict
    try:
        with open_ledger(sys.argv[1], wait=1.0) as book, book.running("shop", scenario="busy") as run:
            i = 0
            while True:
                claim = Claim("price", f"SKU-{i}", Money.of("1.99", "GBP"))
                book.write(run.id, claim, Verdict(claim.id, "kept", expected=claim.value, actual=claim.value))
                print(i, flush=True)
                i += 1
    except KeepwordError as exc:
        print(f"keepword: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    """
)


def test_a_ledger_locked_mid_run_ends_the_run_interrupted_with_its_reason_and_loses_nothing(tmp_path):
    path = tmp_path / "ledger.db"
    open_ledger(path).close()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    last = -1
    for line in proc.stdout:
        last = int(line)
        if last >= 50:
            break
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # the writer's next write waits its 1 s, then gives up
    time.sleep(1.5)  # ... and its second wait, to mark the run, outlives this lock
    locker.execute("ROLLBACK")
    locker.close()
    rest, stderr = proc.communicate(timeout=30)
    last = max([last, *(int(n) for n in rest.split())])
    assert proc.returncode == 3, stderr
    assert stderr.strip().splitlines() == [
        f"keepword: error: the ledger {path} is locked by another process; waited 1 s (KEEPWORD_LEDGER_WAIT). "
        "Let that process finish (another keepword run, an open `sqlite3` shell) and try again, or use another --ledger"]
    with open_ledger(path, read_only=True) as book:
        (run,) = book.runs()
        assert (run.status, run.reason) == ("interrupted", "the ledger was locked by another process")
        subjects = {c.subject for c in book.claims()}
        assert {f"SKU-{i}" for i in range(last + 1)} <= subjects  # every committed check is there
        assert len(book.verdicts()) == len(subjects)
    assert ledger_state(path)[1] == "ok"


def test_a_ledger_still_locked_leaves_the_run_incomplete_and_says_so(tmp_path):
    from keepword.errors import LedgerBusy

    path = tmp_path / "ledger.db"
    with open_ledger(path, wait=0.2) as book:
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        with pytest.raises(LedgerBusy, match=r"is locked by another process; waited 0\.2 s .*or use another --ledger$"), \
                book.running("shop"):
            pass  # never reached: the run cannot even start, so there is nothing to mark
        locker.execute("ROLLBACK")
        with pytest.raises(LedgerBusy, match=r"; run 1 is left incomplete$"), book.running("shop") as run:
            locker.execute("BEGIN IMMEDIATE")  # taken mid-run and kept past both waits
            book.write(run.id, Claim("price", "SKU", Money.of("1", "GBP")))
        locker.execute("ROLLBACK")
        assert [r.status for r in book.runs()] == ["incomplete"]


# -- keepword opens only its own ledgers ----------------------------------------------------------
def _ledger_from_before_the_mark(path: Path) -> None:
    """A ledger as keepword wrote them before the mark: schema v1, application_id 0."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(f"BEGIN; {MIGRATIONS[0]} PRAGMA user_version=1; COMMIT;")
    db.execute("INSERT INTO runs (kind, scenario, params, started_at) VALUES ('shop', 'old', '{}', "
               "'2026-11-02T10:00:00+00:00')")
    db.execute("INSERT INTO run_ends (run_id, ended_at, outcome) VALUES (1, '2026-11-02T10:05:00+00:00', 'complete')")
    db.close()


def test_a_ledger_from_before_the_mark_is_read_as_it_is_and_marked_by_the_next_write(tmp_path):
    path = tmp_path / "old.db"
    _ledger_from_before_the_mark(path)
    before = fingerprint(path)
    result = measured(["runs", "--ledger", str(path)], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "1\tshop\told\t2026-11-02 10:00:00\tcomplete" in result.stdout
    assert fingerprint(path) == before  # read-only: not migrated, not marked
    with open_ledger(path) as book:  # a writing command migrates it and marks it
        assert book.schema_version == len(MIGRATIONS)
        with book.running("simulate"):
            pass
    header = path.read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == 0x6B707764
    with open_ledger(path, read_only=True) as book:
        assert [(r.kind, r.status) for r in book.runs()] == [("shop", "complete"), ("simulate", "complete")]


def test_read_only_opens_never_write(ledger):
    with open_ledger(ledger, read_only=True) as book:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            book.start_run("shop")
    assert ledger_state(ledger)[0]["runs"] == 1


def test_a_new_ledger_appears_whole_and_marked(tmp_path):
    path = tmp_path / "deep" / "new.db"
    open_ledger(path).close()
    header = path.read_bytes()[:100]
    assert header.startswith(b"SQLite format 3\x00")
    assert int.from_bytes(header[68:72], "big") == 0x6B707764  # application_id, "kpwd"
    assert int.from_bytes(header[60:64], "big") == len(MIGRATIONS)  # user_version: the schema
    assert sorted(p.name for p in path.parent.iterdir()) == ["new.db"]  # no temporary left behind


# -- locators checked without a browser agree with Playwright ----------------------------------------
VALID = ['.a', '[data-testid=basket-sum]', 'button:has-text("Add")', 'li:text-is("x")', '.x:visible',
         ':nth-match(.a, 2)', 'div:right-of(.b, 20)', 'tr:has(td:text("Order total")) td.price',
         '#a >> text=Foo', r'li:text-matches("\\d+", "i")', 'p:is(.a,.b)', 'a:nth-child(2n+1)',
         'div:has(> p)', ':scope > a', 'text=Add to basket', "role=button[name='Add to basket']",
         'role=button[name=/add/i]', 'role=heading[level=2]', '"Add"', '//div[@a]', 'css=.a >> nth=0',
         'data-testid=price', '.card >> visible=true', ':nth-child(2 of .a)', 'a[href$=".pdf" i]',
         'text="a >> b"', 'button:has-text("a, b")', 'input:not([type=hidden]):not(:disabled)', '#\\31 23',
         'a:hover']
INVALID = ['.a[', 'a:hass-text("x")', 'tetx=Add', 'role=button[nme="x"]', 'a >> ', ':nth-match(.a)',
           'a:nth-child(foo)', 'div:has-text()', 'a[b="c"d]', 'a:has-text("x"', 'a,,b', 'role=button name',
           'p::before']
NEVER_MATCH = ['role=buton', 'nth=first', '.a:right-of(.b, x)']  # Playwright takes them, finds nothing


def test_locators_are_judged_as_playwright_judges_them():
    from playwright.sync_api import Error, sync_playwright

    from keepword.browser import launch_args
    from keepword.selectors import check_selector

    def ours(selector: str) -> bool:
        try:
            check_selector(selector)
        except ValueError:
            return False
        return True

    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_args())
        page = browser.new_page()
        page.set_content("<div class=a>x</div>")

        def playwrights(selector: str) -> bool:
            try:
                page.locator(selector).count()
            except Error:
                return False
            return True

        verdicts = {s: (playwrights(s), ours(s)) for s in VALID + INVALID + NEVER_MATCH}
        browser.close()
    assert {s for s, (pw, _) in verdicts.items() if pw} == set(VALID + NEVER_MATCH)
    assert {s for s, (_, we) in verdicts.items() if we} == set(VALID)


def test_aria_roles_are_playwrights():
    import inspect
    import typing

    from playwright.sync_api import Page

    from keepword.selectors import ARIA_ROLES

    role = typing.get_type_hints(Page.get_by_role)["role"]
    assert set(typing.get_args(role)) == ARIA_ROLES, inspect.signature(Page.get_by_role)


# -- a run that reaches a store: checkout skipped, the guard's refusal -----------------------------
def _shop_scenario(tmp: Path, *, journeys: str, allow: str) -> Path:
    profile = _profile(tmp, "demo.yaml", "timeout_ms: 10000", "timeout_ms: 2000")  # the guard's timeout comes sooner
    (tmp / "bold_journeys.py").write_text(textwrap.dedent(
        """
        def straight_to_checkout(shopper):
            '''Ignores allow_orders_on: checks out whatever the host.'''
            shopper.browse()
            shopper.open_product()
            shopper.add_to_basket(1)
            shopper.read_basket()
            shopper.checkout()
        """))
    return _scenario(tmp, "shop.yaml", store=str(profile.relative_to(tmp)), journeys=journeys,
                     extra=f"allow_orders_on: {allow}\nshoppers: 1\njourneys_per_shopper: 1\n")


def test_checkout_skipped_where_orders_are_not_allowed_is_said_counted_and_exit_4(tmp_path):
    scenario = _shop_scenario(tmp_path, journeys="[guest_checkout]", allow="[shop.example.test]")
    result = measured(["shop", str(scenario), "--ledger", str(tmp_path / "ledger.db"), "--no-progress"],
                      cwd=tmp_path, wall_limit=180)
    print(f"\ncheckout-skipped: {result}")
    assert result.code == 4, result.stderr
    assert re.search(r"^checkout skipped: orders are not allowed on 127\.0\.0\.1: it is not in "
                     r"allow_orders_on of .*shop\.yaml; 1 of 1 journeys stopped at the basket\.", result.stderr, re.M)
    assert re.search(r"run 1: 1 journeys, \d+ kept, 0 broken, .* 0 harness errors, 1 skipped checkout ->", result.stdout)
    report = measured(["report", "--ledger", str(tmp_path / "ledger.db"), "--out", str(tmp_path / "report")],
                      cwd=tmp_path)
    import json

    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["observed"]["skipped"] == 1
    assert summary["observed"]["journeys"]["list"][0]["skipped"].startswith("checkout skipped: orders are not allowed")
    assert 'data-testid="overall-skipped">1<' in (tmp_path / "report" / "report.html").read_text()
    assert report.code == 0


def test_the_guard_refusal_names_the_blocked_request(tmp_path):
    scenario = _shop_scenario(tmp_path, journeys="[bold_journeys:straight_to_checkout]", allow="[]")
    ledger = tmp_path / "ledger.db"
    result = measured(["shop", str(scenario), "--ledger", str(ledger), "--no-progress"], cwd=tmp_path, wall_limit=180)
    print(f"\nguard-refusal: {result}")
    lines = result.stderr.strip().splitlines()
    assert result.code == 2, result.stderr
    assert len(lines) == 1 and re.match(
        r"keepword: error: blocked: POST http://127\.0\.0\.1:\d+/checkout/\w+ is not on allow_orders_on of "
        r".*shop\.yaml; keepword's network guard aborted it", lines[0]), result.stderr
    with open_ledger(ledger, read_only=True) as book:
        (run,) = book.runs()
        assert run.status == "failed" and run.reason is not None and run.reason.startswith("UnsafeAction: blocked: POST")


# -- read-only ledgers and folders -------------------------------------------------------------------
@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder holding a ledger with one complete run, made read-only."""
    folder = tmp_path / "ro"
    folder.mkdir()
    with open_ledger(folder / "ledger.db") as book, book.running("shop", scenario="scenarios/demo.yaml"):
        pass
    with _made_read_only(folder, tmp_path):
        yield folder


@contextlib.contextmanager
def _made_read_only(folder: Path, tmp_path: Path) -> Iterator[None]:
    """`folder` read-only: a read-only bind mount when running as root (root ignores permission
    bits), else chmod 555 on the folder and 444 on its files; undone afterwards."""
    if os.geteuid() != 0:
        for file in folder.iterdir():
            file.chmod(0o444)
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    source = tmp_path / f"{folder.name}-source"
    folder.rename(source)
    folder.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(source), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot make a read-only folder as root here: {mounted.stderr.decode().strip()}")
    try:
        remounted = subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True)
        if remounted.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remounted.stderr.decode().strip()}")
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_ledger_with_writes_in_its_wal_is_refused_not_read_as_less(tmp_path: Path) -> None:
    """Read-only, a ledger is opened immutable, which ignores its -wal file: runs a killed writer
    left there (or that were copied along) read as missing, and `report` passed on none."""
    import shutil

    live = tmp_path / "live"
    live.mkdir()
    with open_ledger(live / "ledger.db") as book, book.running("shop", scenario="scenarios/demo.yaml"):
        pass
    killed = ("import os, sys\nfrom keepword.ledger import open_ledger\n"
              "open_ledger(sys.argv[1]).__enter__().start_run('shop', scenario='x')\nos._exit(9)\n")
    subprocess.run([sys.executable, "-c", killed, str(live / "ledger.db")], cwd=ROOT)  # its run is in the WAL only
    folder = tmp_path / "copy"
    folder.mkdir()
    for name in ("ledger.db", "ledger.db-wal"):
        shutil.copyfile(live / name, folder / name)
    assert (folder / "ledger.db-wal").stat().st_size > 0
    with _made_read_only(folder, tmp_path):
        for command in (["runs"], ["report", "--out", str(tmp_path / "report")]):
            result = measured([*command, "--ledger", str(folder / "ledger.db")], cwd=tmp_path)
            assert result.code == 2, result.stderr
            [line] = result.stderr.strip().splitlines()
            assert "ledger.db-wal beside it holds writes not yet in it" in line, line


def test_a_read_only_ledger_is_read_by_report_and_runs_and_refused_by_writers(read_only: Path, tmp_path: Path) -> None:
    ledger = read_only / "ledger.db"
    before = fingerprint(ledger)
    runs = measured(["runs", "--ledger", str(ledger)], cwd=tmp_path)
    assert runs.code == 0, runs.stderr
    assert "\tshop\tscenarios/demo.yaml\t" in runs.stdout and "\tcomplete\t" in runs.stdout
    report = measured(["report", "--ledger", str(ledger), "--out", str(tmp_path / "report")], cwd=tmp_path)
    assert report.code == 0, report.stderr
    assert (tmp_path / "report" / "summary.json").exists()
    written = measured(["simulate", SIM, "--replications", "1", "--processes", "1", "--no-progress",
                        "--ledger", str(ledger)], cwd=tmp_path)
    assert written.code == 2
    assert written.stderr.strip().splitlines() == [
        f"keepword: error: {ledger}: the ledger is read-only (the file, its folder or the file system); this "
        "command writes a run to it: make it writable, or copy it somewhere writable and pass that as --ledger "
        "(`keepword report` and `keepword runs` read it as it is)"]
    assert fingerprint(ledger) == before


def test_a_new_ledger_in_a_read_only_folder_is_one_line(read_only: Path, tmp_path: Path) -> None:
    for path in (read_only / "new.db", read_only / "deeper" / "new.db"):
        made = measured(["catalogue", str(DEMO_PROFILE), "--base-url", "http://127.0.0.1:9/", "--no-progress",
                         "--ledger", str(path)], cwd=tmp_path)
        assert made.code == 2, made.stderr
        [line] = made.stderr.strip().splitlines()
        assert line.startswith(f"keepword: error: {path}: cannot create a ledger here ("), line
        assert line.endswith("pick a --ledger path in a folder you can write to (or KEEPWORD_LEDGER)"), line
    assert sorted(p.name for p in read_only.iterdir()) == ["ledger.db"]


def test_simulate_replaces_only_its_own_outputs_whole(files, tmp_path):
    """--csv and --orders-out may replace what an earlier run wrote there (their header says so),
    through a temporary file and a rename: no temporary is left, and the mode is a plain file's."""
    out = tmp_path / "out"
    args = ["simulate", SIM, "--replications", "1", "--processes", "1", "--no-progress",
            "--ledger", str(tmp_path / "ledger.db"), "--csv", str(out / "table.csv"),
            "--orders-out", str(out / "orders.csv")]
    for _ in range(2):
        result = measured(args, cwd=tmp_path, env={"KEEPWORD_LEDGER_WAIT": "5"})
        assert result.code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["orders.csv", "table.csv"]
    assert (out / "orders.csv").read_text().startswith("group,placed_at,sku,quantity,region,")
    assert (out / "table.csv").read_text().startswith("group,replications,on_time_rate,on_time_rate_low,")
    umask = os.umask(0)
    os.umask(umask)
    assert {(out / name).stat().st_mode & 0o777 for name in ("orders.csv", "table.csv")} == {0o666 & ~umask}
    # a link to an earlier output is written through, not replaced by a file of its own
    (tmp_path / "latest.csv").symlink_to(out / "table.csv")
    before = (out / "table.csv").stat().st_ino
    result = measured([*args[:-4], "--csv", str(tmp_path / "latest.csv")], cwd=tmp_path,
                      env={"KEEPWORD_LEDGER_WAIT": "5"})
    assert result.code == 0, result.stderr
    assert (tmp_path / "latest.csv").is_symlink()
    assert (out / "table.csv").stat().st_ino != before  # the file the link names is the one replaced
    assert sorted(p.name for p in out.iterdir()) == ["orders.csv", "table.csv"]


def test_every_command_names_a_file_in_the_way_of_its_ledger(tmp_path):
    """The ledger layer says it for every command: shop and catalogue said "cannot read: Not a
    directory", only simulate had its own check (now gone) naming the file in the way; report,
    runs and follow-up said "no ledger here yet; run `keepword shop` first", which then failed."""
    (tmp_path / "notes.db").write_text("mine\n", encoding="utf-8")
    scenario = str(ROOT / "scenarios" / "demo.yaml")
    for args in (["shop", scenario, "--no-progress"], ["catalogue", scenario, "--no-progress"],
                 ["simulate", SIM, "--no-progress"], ["report"], ["runs"], ["follow-up", scenario]):
        done = measured([*args, "--ledger", "notes.db/x.db"], cwd=tmp_path)
        assert done.code == 2, done.stderr
        assert done.stderr.strip() == ("keepword: error: notes.db/x.db: notes.db is a file, not a folder; pick another "
                                       "--ledger path (or KEEPWORD_LEDGER)"), (args[0], done.stderr)
    assert (tmp_path / "notes.db").read_text(encoding="utf-8") == "mine\n"


def test_a_refused_simulate_leaves_no_output_folder_behind(files, tmp_path):
    """The outputs' folders were made while the options were checked, so a run refused by a
    later check (here --csv, after --orders-out) left empty folders behind. They are made when
    the output is written; a file in the way of one is named."""
    args = ["simulate", SIM, "--replications", "1", "--processes", "1", "--no-progress",
            "--ledger", str(tmp_path / "ledger.db")]
    refused = measured([*args, "--orders-out", str(tmp_path / "new" / "dir" / "orders.csv"),
                        "--csv", str(files / "sheet.csv")], cwd=tmp_path)
    assert refused.code == 2 and "sheet.csv: the file exists and is not one keepword wrote" in refused.stderr
    assert not (tmp_path / "new").exists()
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    blocked = measured([*args, "--csv", str(tmp_path / "afile" / "table.csv")], cwd=tmp_path)
    assert blocked.code == 2
    assert blocked.stderr.strip().endswith(f"afile/table.csv: {tmp_path / 'afile'} is a file, not a folder; "
                                           "pick another path"), blocked.stderr
    made = measured([*args, "--csv", str(tmp_path / "new" / "dir" / "table.csv")], cwd=tmp_path)
    assert made.code == 0, made.stderr
    assert (tmp_path / "new" / "dir" / "table.csv").read_text().startswith("group,replications,")


def test_sigterm_stops_a_simulate_pool_at_once_and_marks_the_run_interrupted(tmp_path):
    """SIGTERM (a CI job cancelled) ends a run on a process pool within seconds: the pool's own
    exit used to wait for every queued replication, minutes of them."""
    scenario = tmp_path / "long.yaml"
    scenario.write_text(BASELINE.read_text(encoding="utf-8").replace("days: 28", "days: 1000", 1), encoding="utf-8")
    ledger = tmp_path / "ledger.db"
    proc = subprocess.Popen([sys.executable, "-m", "keepword", "simulate", str(scenario), "--replications", "8",
                             "--processes", "2", "--no-progress", "--ledger", str(ledger)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not ledger.exists() and time.monotonic() < deadline:  # the run has started
            time.sleep(0.1)
        time.sleep(2)
        proc.send_signal(15)
        start = time.monotonic()
        _, stderr = proc.communicate(timeout=20)
        stopped = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"\nsigterm: exit {proc.returncode} {stopped:.2f} s after SIGTERM")
    assert proc.returncode == 130, stderr
    assert stopped < 10
    with open_ledger(ledger, read_only=True) as book:
        (run,) = book.runs()
        assert run.status == "interrupted"


def _first_closed(path: Path) -> Path:
    """The first folder from the root down to `path` that a user other than its owner (and not
    in its group) may not search."""
    return next(p for p in (*reversed(path.parents), path) if not p.stat().st_mode & 0o001)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to run as another user")
def test_a_path_through_a_folder_keepword_may_not_read_is_bad_input(tmp_path: Path) -> None:
    """Python 3.11's Path.exists() raises on EACCES: these ended as internal errors (exit 3)."""
    tmp_path.chmod(0o755)
    locked = tmp_path / "locked"
    (locked / "sub").mkdir(parents=True)
    locked.chmod(0o700)  # root's: the user below may not look inside
    as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-m", "keepword"]
    for args, said in ((["report", "--ledger", f"{locked}/sub/l.db"],
                        f"cannot look in {_first_closed(locked / 'sub')}: Permission denied"),
                       # the first folder on the way the user may not look in: here pytest's own
                       # (0700), or `locked` where pytest's is open to all
                       (["simulate", SIM, "--ledger", f"{locked}/sub/l.db"],
                        f"cannot look in {_first_closed(locked / 'sub')}: Permission denied"),
                       (["simulate", SIM, "--ledger", f"{tmp_path}/x.db", "--csv", f"{locked}/sub/t.csv"],
                        f"--csv {locked}/sub/t.csv: cannot look there")):
        done = subprocess.run([*as_nobody, *args], capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert done.returncode == 2, done.stderr
        [line] = done.stderr.strip().splitlines()
        assert line.startswith("keepword: error: ") and said in line, line
