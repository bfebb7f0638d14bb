"""CI gating: `--fail-under KIND=RATE`, checked against what shoppers observed.

A gate is met when the kind's keeping rate (kept / (kept + broken)) is at least the threshold.
The point estimate is compared, not an end of the interval, so a gate means what it says; the
interval is printed beside it so that a gate met on three claims is seen for what it is. A kind
with no decided claim does not meet its gate: a CI job that found nothing to judge should not
pass silently. `all` gates the rate over every kind together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from keepword.errors import BadInput
from keepword.kinds import ClaimKind
from reports.scoring import Rate

__all__ = ["ALL", "Gate", "GateResult", "check", "parse_fail_under"]

ALL = "all"


@dataclass(frozen=True, slots=True)
class Gate:
    """A minimum keeping rate for one kind (or `all`)."""

    kind: str
    threshold: float

    def __repr__(self) -> str:
        return f"<Gate {self.kind}>={self.threshold:.3f}>"


@dataclass(frozen=True, slots=True)
class GateResult:
    gate: Gate
    rate: Rate
    met: bool

    @property
    def message(self) -> str:
        kind, want = self.gate.kind, f"{self.gate.threshold:.1%}"
        r = self.rate
        if r.rate is None or r.interval is None:
            return f"{kind}: no decided claims (open {r.open}, inconclusive {r.inconclusive}), so it cannot meet --fail-under {kind}={want}"
        lo, hi = r.interval
        verb = "meets" if self.met else "is under"
        return (
            f"{kind}: {r.rate:.1%} kept ({r.kept} of {r.decided}, 95% interval "
            f"{lo:.1%}-{hi:.1%}) {verb} --fail-under {kind}={want}"
        )

    def to_dict(self) -> dict[str, object]:
        interval = self.rate.interval
        return {
            "kind": self.gate.kind,
            "threshold": self.gate.threshold,
            "rate": self.rate.rate,
            "lo": interval[0] if interval else None,
            "hi": interval[1] if interval else None,
            "kept": self.rate.kept,
            "broken": self.rate.broken,
            "met": self.met,
            "message": self.message,
        }

    def __repr__(self) -> str:
        return f"<GateResult {self.gate.kind} {'met' if self.met else 'NOT met'}>"


def _threshold(text: str, item: str) -> float:
    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = float(raw[:-1] if percent else raw)
    except ValueError:
        raise BadInput(
            f"--fail-under {item!r}: {raw!r} is not a rate; give KIND=RATE with RATE like 0.95 or 95%"
        ) from None
    if percent:
        value /= 100
    elif value > 1:
        raise BadInput(f"--fail-under {item!r}: a rate is between 0 and 1; did you mean {raw}%?")
    if not 0 <= value <= 1:
        raise BadInput(f"--fail-under {item!r}: the rate must be between 0 and 1 (or 0% and 100%)")
    return value


def parse_fail_under(values: Iterable[str] | Mapping[str, float] | None) -> list[Gate]:
    """Gates from `["price=0.95", "all=90%"]` (the CLI) or `{"price": 0.95}` (Python)."""
    if values is None:
        return []
    known = [str(k) for k in ClaimKind]
    items = (
        [f"{k}={v}" for k, v in values.items()] if isinstance(values, Mapping) else list(values)
    )
    gates: dict[str, Gate] = {}
    for item in items:
        kind, sep, rate = item.partition("=")
        kind = kind.strip()
        if not sep or not kind or not rate.strip():
            raise BadInput(f"--fail-under {item!r}: expected KIND=RATE, e.g. --fail-under price=0.95")
        if kind != ALL and kind not in known:
            raise BadInput(
                f"--fail-under {item!r}: unknown kind {kind!r}; use one of {', '.join(known)} or {ALL}"
            )
        gates[kind] = Gate(kind, _threshold(rate, item))
    return list(gates.values())


def check(gates: list[Gate], overall: Rate, by_kind: Mapping[str, Rate]) -> list[GateResult]:
    """Each gate against the observed rates; a kind never seen counts as nothing decided."""
    results = []
    for gate in gates:
        rate = overall if gate.kind == ALL else by_kind.get(gate.kind, Rate())
        # A hair of tolerance so that 19 of 20 meets 0.95 whatever the float rounding.
        met = rate.rate is not None and rate.rate >= gate.threshold - 1e-12
        results.append(GateResult(gate, rate, met))
    return results
